//! The service guide (办事指南, issue 20 item 2): every service the bureau offers — who may use it,
//! its conditions, materials, steps, time limit, fees and contact — and the page that starts it
//! online. The platform ships a guide for each service (`guides/builtin.toml`); bureau staff
//! rewrite its text, which then replaces the shipped one, in each language.
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// A guide's words in one language. Lists hold one item each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GuideText {
    pub title: String,
    pub summary: String,
    /// Who may use the service (办理对象).
    pub who: String,
    pub conditions: Vec<String>,
    pub materials: Vec<String>,
    pub steps: Vec<String>,
    pub time_limit: String,
    pub fees: String,
    pub contact: String,
}

/// A service and its guide as shipped.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Guide {
    /// Its address: `/public/guides/{code}`.
    pub code: String,
    /// The menu group it belongs to: stats, projects, market, subjects or finance.
    pub area: String,
    /// The page that starts the service (a path on this platform).
    pub start: String,
    pub zh: GuideText,
    pub en: GuideText,
}

#[derive(Deserialize)]
struct Shipped {
    guide: Vec<Guide>,
}

static BUILTIN: LazyLock<Vec<Guide>> = LazyLock::new(|| {
    // A test reads the file: it parses, so the list is never empty in a build that passed.
    toml::from_str::<Shipped>(include_str!("guides/builtin.toml"))
        .map(|s| s.guide)
        .unwrap_or_default()
});

/// The guides as shipped, in the order a visitor reads them.
pub fn builtin() -> &'static [Guide] {
    &BUILTIN
}

/// The shipped guide with this code.
pub fn find(code: &str) -> Option<&'static Guide> {
    BUILTIN.iter().find(|g| g.code == code)
}

/// The areas in the menu's order.
pub const AREAS: [&str; 5] = ["stats", "projects", "market", "subjects", "finance"];

/// Longest title, in characters.
pub const TITLE_MAX: usize = 60;
/// Longest summary, line and single-line field, in characters.
pub const TEXT_MAX: usize = 500;
/// Most items in a list.
pub const ITEMS_MAX: usize = 30;

/// What is wrong with an edited text: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    Missing,
    /// Longer than this many characters.
    TooLong(usize),
    /// More than this many items.
    TooMany(usize),
}

/// Checks an edited text: a title, a summary, who may use it and at least one step are needed;
/// nothing too long.
pub fn check(t: &GuideText) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut one = |field: &'static str, v: &str, max: usize, needed: bool| {
        if needed && v.trim().is_empty() {
            out.push(Problem { field, kind: ProblemKind::Missing });
        } else if v.chars().count() > max {
            out.push(Problem { field, kind: ProblemKind::TooLong(max) });
        }
    };
    one("title", &t.title, TITLE_MAX, true);
    one("summary", &t.summary, TEXT_MAX, true);
    one("who", &t.who, TEXT_MAX, true);
    one("time_limit", &t.time_limit, TEXT_MAX, false);
    one("fees", &t.fees, TEXT_MAX, false);
    one("contact", &t.contact, TEXT_MAX, false);
    for (field, items, needed) in [
        ("conditions", &t.conditions, false),
        ("materials", &t.materials, false),
        ("steps", &t.steps, true),
    ] {
        if needed && items.is_empty() {
            out.push(Problem { field, kind: ProblemKind::Missing });
        } else if items.len() > ITEMS_MAX {
            out.push(Problem { field, kind: ProblemKind::TooMany(ITEMS_MAX) });
        } else if items.iter().any(|i| i.chars().count() > TEXT_MAX) {
            out.push(Problem { field, kind: ProblemKind::TooLong(TEXT_MAX) });
        }
    }
    out
}

/// A text as the form would send it back: single-line fields on one line, each list item one
/// line (an item holding line breaks becomes several), everything trimmed — so a text written
/// through the API reads the same after a save from the form. The summary and who may use the
/// service keep their line breaks.
pub fn tidy(t: GuideText) -> GuideText {
    let one_line = |s: String| lines(&s).join(" ");
    let items = |v: Vec<String>| v.iter().flat_map(|i| lines(i)).collect::<Vec<_>>();
    let block = |s: String| lines(&s).join("\n");
    GuideText {
        title: one_line(t.title),
        summary: block(t.summary),
        who: block(t.who),
        conditions: items(t.conditions),
        materials: items(t.materials),
        steps: items(t.steps),
        time_limit: one_line(t.time_limit),
        fees: one_line(t.fees),
        contact: one_line(t.contact),
    }
}

/// A list typed one item per line: trimmed, blank lines dropped.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// Whether a guide's text holds every word of the query (the case of Latin letters
/// ignored; Chinese matched as typed). An empty query matches everything.
pub fn matches(t: &GuideText, query: &str) -> bool {
    let hay = [
        t.title.as_str(),
        &t.summary,
        &t.who,
        &t.conditions.join(" "),
        &t.materials.join(" "),
        &t.steps.join(" "),
        &t.contact,
    ]
    .join(" ")
    .to_lowercase();
    query.split_whitespace().all(|w| hay.contains(&w.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_guides_parse_and_check() {
        let all = builtin();
        assert!(all.len() >= 10, "{} guides", all.len());
        let mut codes: Vec<&str> = all.iter().map(|g| g.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "codes are unique");
        for g in all {
            assert!(AREAS.contains(&g.area.as_str()), "{}: area {}", g.code, g.area);
            assert!(g.start.starts_with('/') && !g.start.starts_with("//"), "{}", g.code);
            assert_eq!(check(&g.zh), vec![], "{} zh", g.code);
            assert_eq!(check(&g.en), vec![], "{} en", g.code);
            assert_eq!(g.zh.steps.len(), g.en.steps.len(), "{}: the same steps", g.code);
            assert!(g.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{}", g.code);
        }
        assert_eq!(find("apply-call").map(|g| g.start.as_str()), Some("/public/calls"));
        assert_eq!(find("nope"), None);
    }

    #[test]
    fn an_edit_is_checked_field_by_field() {
        let ok = builtin()[0].zh.clone();
        assert_eq!(check(&ok), vec![]);
        let empty = GuideText::default();
        let fields: Vec<&str> = check(&empty).iter().map(|p| p.field).collect();
        assert_eq!(fields, ["title", "summary", "who", "steps"]);
        let long = GuideText { title: "长".repeat(TITLE_MAX + 1), ..ok.clone() };
        assert_eq!(
            check(&long),
            vec![Problem { field: "title", kind: ProblemKind::TooLong(TITLE_MAX) }]
        );
        let exactly = GuideText { title: "长".repeat(TITLE_MAX), ..ok.clone() };
        assert_eq!(check(&exactly), vec![]);
        let many = GuideText { materials: vec!["x".into(); ITEMS_MAX + 1], ..ok.clone() };
        assert_eq!(check(&many)[0].kind, ProblemKind::TooMany(ITEMS_MAX));
        let blank = GuideText { title: "  ".into(), ..ok };
        assert_eq!(check(&blank)[0].kind, ProblemKind::Missing);
    }

    #[test]
    fn a_text_is_tidied_as_the_form_would_send_it() {
        let t = GuideText {
            title: " 技术\n合同 ".into(),
            summary: "第一段\r\n\n第二段 ".into(),
            steps: vec!["一\n二".into(), "  ".into(), "三".into()],
            contact: "计划处　0931\n转 2".into(),
            ..GuideText::default()
        };
        let t = tidy(t);
        assert_eq!(t.title, "技术 合同");
        assert_eq!(t.summary, "第一段\n第二段");
        assert_eq!(t.steps, ["一", "二", "三"]);
        assert_eq!(t.contact, "计划处　0931 转 2", "the ideographic space kept");
        assert_eq!(tidy(t.clone()), t, "tidying twice changes nothing");
    }

    #[test]
    fn lists_are_one_item_per_line_and_search_needs_every_word() {
        assert_eq!(lines(" 甲 \n\n乙\r\n  "), ["甲", "乙"]);
        let g = &find("contract-registration").unwrap().zh;
        assert!(matches(g, "技术合同"));
        assert!(matches(g, "合同 登记"));
        assert!(!matches(g, "合同 仪器"));
        assert!(matches(g, ""));
        let en = &find("contract-registration").unwrap().en;
        assert!(matches(en, "CONTRACT certificate"));
    }
}
