//! Calls (申报通知), all their pages in one place: the list and a call's page, setting one up,
//! the bureau's review and public notice, and the programmes (计划类别, with budgets by year)
//! calls belong to. Bureau staff set up guidelines and their files, topics, eligibility rules,
//! budget rules, the three deadlines, the call's own part of the application form and its review
//! plan. A wrong field is named and the form comes back as typed; nothing is stored until
//! everything is right.
pub mod editing;
pub mod notice;
pub mod pages;
pub mod programmes;
pub mod public;
pub mod review;

use crate::app::AppState;
use axum::Router;
use axum::routing::{get, post};

/// Organisation kinds a call may be limited to.
const KINDS: [&str; 5] = ["enterprise", "university", "institute", "hospital", "service_provider"];
const QUALIFICATIONS: [&str; 5] =
    ["tech_sme", "high_tech", "specialised", "little_giant", "gazelle"];

// ---------------------------------------------------------------- programmes

/// A block of guideline text: `# ` lines are headings, `- ` lines list items, other lines run
/// into paragraphs split by blank lines. Everything stays text (escaped by the template).
pub enum Block {
    Heading(String),
    Paragraph(String),
    List(Vec<String>),
}

pub fn blocks(text: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, out: &mut Vec<Block>| {
        if !para.is_empty() {
            out.push(Block::Paragraph(para.join("\n")));
            para.clear();
        }
    };
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() {
            flush(&mut para, &mut out);
        } else if let Some(h) = l.strip_prefix('#') {
            flush(&mut para, &mut out);
            out.push(Block::Heading(h.trim_start_matches('#').trim().to_string()));
        } else if let Some(item) = l.strip_prefix("- ").or_else(|| l.strip_prefix("· ")) {
            flush(&mut para, &mut out);
            match out.last_mut() {
                Some(Block::List(items)) => items.push(item.trim().to_string()),
                _ => out.push(Block::List(vec![item.trim().to_string()])),
            }
        } else {
            para.push(l);
        }
    }
    flush(&mut para, &mut out);
    out
}

/// Every `/calls` page, and the programmes calls belong to.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calls", get(pages::list).post(editing::create_call))
        .route("/calls/new", get(editing::new_call))
        .route("/calls/{id}", get(pages::call_page))
        .route("/calls/{id}/edit", get(editing::edit_call).post(editing::update_call))
        .route("/calls/{id}/upload", post(editing::upload))
        .route("/calls/{id}/files/{file}", get(editing::file))
        .route("/calls/{id}/duplicates", post(review::call_duplicates))
        .route("/calls/{id}/review", post(review::call_review))
        .route("/calls/{id}/finish-review", post(review::call_finish_review))
        .route("/calls/{id}/notice", post(notice::call_notice_act))
        .route("/programmes", get(programmes::programmes).post(programmes::create_programme))
        .route("/programmes/{id}/budget", post(programmes::set_budget))
        .route("/public/calls", get(public::list))
        .route("/public/calls/{id}", get(public::call_page))
        .route("/public/calls/{id}/files/{file}", get(public::file))
        .route("/api/v1/public/calls", get(public::api_list))
        .route("/api/v1/public/calls/{id}", get(public::api_call_detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guidelines_read_as_headings_lists_and_paragraphs() {
        let b = blocks(
            "# 一、支持方向\n新材料\n生物医药\n\n- 企业牵头\n- 产学研合作\n<script>x</script>",
        );
        assert!(matches!(&b[0], Block::Heading(h) if h == "一、支持方向"));
        assert!(matches!(&b[1], Block::Paragraph(p) if p == "新材料\n生物医药"));
        assert!(matches!(&b[2], Block::List(items) if items.len() == 2));
        assert!(
            matches!(&b[3], Block::Paragraph(p) if p == "<script>x</script>"),
            "kept as text; the template escapes it"
        );
    }
}
