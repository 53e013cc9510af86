//! The search page: the box, the kinds found with their counts (each a link that narrows to
//! it), the results with the query's words marked, and the pages of results.
use super::{PER_PAGE, find};
use crate::app::AppState;
use crate::auth::{Ctx, format_time};
use crate::error::AppResult;
use crate::i18n::{Lang, t};
use crate::page::{Shell, render_status};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use innocity_core::market::text::Piece;
use innocity_core::search::{Found, Kind, Query};

/// What the address asks: `q`, `kind` and `page` (from 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    pub q: String,
    pub kind: Option<Kind>,
    pub page: usize,
}

/// A parameter of the address that is not what it should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadParam {
    Kind,
    Page,
}

impl BadParam {
    pub fn name(self) -> &'static str {
        match self {
            BadParam::Kind => "kind",
            BadParam::Page => "page",
        }
    }
}

/// Reads the address's parameters, and names the first that is wrong (a wrong one is left at
/// its default: all kinds, the first page).
pub fn asked(raw_query: &str) -> (Asked, Option<BadParam>) {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw_query).unwrap_or_default();
    let mut out = Asked { page: 1, ..Asked::default() };
    let mut bad = None;
    for (k, v) in pairs {
        match k.as_str() {
            "q" => out.q = v,
            "kind" if v.is_empty() => {}
            "kind" => match Kind::parse(&v) {
                Some(kind) => out.kind = Some(kind),
                None => bad = bad.or(Some(BadParam::Kind)),
            },
            "page" => match v.parse::<usize>().ok().filter(|p| (1..=10_000).contains(p)) {
                Some(page) => out.page = page,
                None => bad = bad.or(Some(BadParam::Page)),
            },
            _ => {}
        }
    }
    (out, bad)
}

impl Asked {
    pub fn query(&self, per_page: usize) -> Query {
        Query {
            text: self.q.clone(),
            kind: self.kind,
            offset: (self.page - 1) * per_page,
            limit: per_page,
        }
    }
}

/// A kind's name in the page's language.
pub fn kind_label(lang: Lang, kind: Kind) -> &'static str {
    t(lang, &format!("search.kind.{}", kind.code()))
}

/// The address of a search.
fn href(q: &str, kind: Option<Kind>, page: usize) -> String {
    let mut pairs = vec![("q", q.to_string())];
    if let Some(k) = kind {
        pairs.push(("kind", k.code().to_string()));
    }
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    format!("/search?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

/// A kind found, as a link that narrows the results to it.
pub struct FacetView {
    pub code: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub href: String,
    pub selected: bool,
}

/// One result as the page shows it.
pub struct HitView {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub url: String,
    pub title: Vec<Piece>,
    pub snippet: Vec<Piece>,
    /// When it was published or changed, Beijing time (empty when not known).
    pub date: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    s: Shell,
    q: String,
    searched: bool,
    clipped: bool,
    total: usize,
    all_href: String,
    all_selected: bool,
    facets: Vec<FacetView>,
    hits: Vec<HitView>,
    prev_href: String,
    next_href: String,
    page: usize,
    pages: usize,
    /// The address asked for a kind or a page that is none (the page says so, 400).
    bad: String,
}

fn views(lang: Lang, asked: &Asked, found: &Found) -> (Vec<FacetView>, Vec<HitView>) {
    let facets = found
        .by_kind
        .iter()
        .map(|(k, n)| FacetView {
            code: k.code(),
            label: kind_label(lang, *k),
            count: *n,
            href: href(&asked.q, Some(*k), 1),
            selected: asked.kind == Some(*k),
        })
        .collect();
    let hits = found
        .hits
        .iter()
        .map(|h| HitView {
            kind: h.kind.code(),
            kind_label: kind_label(lang, h.kind),
            url: h.url.clone(),
            title: h.title.clone(),
            snippet: h.snippet.clone(),
            date: if h.date_ms > 0 {
                format_time(lang, h.date_ms).split(' ').next().unwrap_or_default().to_string()
            } else {
                String::new()
            },
        })
        .collect();
    (facets, hits)
}

/// `/search`: open to everyone; a signed-in person also finds their own things.
pub async fn search(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (mut asked, bad) = asked(&ctx.query);
    // The links on the page carry what was searched, not a 10,000-character query.
    let (q, clipped) = innocity_core::search::clip(&asked.q);
    asked.q = q;
    let bad = bad
        .map(|b| crate::i18n::tf(ctx.lang, "search.bad_param", &[b.name().to_string()]))
        .unwrap_or_default();
    let found = find(&state, ctx.principal.as_ref(), &asked.query(PER_PAGE)).await?;
    let (facets, hits) = views(ctx.lang, &asked, &found);
    let pages = found.total.div_ceil(PER_PAGE);
    let page = SearchPage {
        s: ctx.shell(),
        searched: !asked.q.trim().is_empty(),
        clipped: clipped || found.clipped,
        total: found.total,
        all_href: href(&asked.q, None, 1),
        all_selected: asked.kind.is_none(),
        facets,
        hits,
        // Past the last page, "previous" leads to the last one.
        prev_href: if asked.page > 1 {
            href(&asked.q, asked.kind, (asked.page - 1).min(pages.max(1)))
        } else {
            String::new()
        },
        next_href: if asked.page < pages {
            href(&asked.q, asked.kind, asked.page + 1)
        } else {
            String::new()
        },
        page: asked.page,
        pages,
        q: asked.q.clone(),
        bad: bad.clone(),
    };
    let status = if bad.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(render_status(status, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_read_and_a_wrong_parameter_named() {
        assert_eq!(
            asked("q=%E7%A8%80%E5%9C%9F&kind=call&page=2"),
            (Asked { q: "稀土".into(), kind: Some(Kind::Call), page: 2 }, None)
        );
        assert_eq!(asked(""), (Asked { q: String::new(), kind: None, page: 1 }, None));
        assert_eq!(asked("q=x&kind="), (Asked { q: "x".into(), kind: None, page: 1 }, None));
        let q_kept = Asked { q: "x".into(), kind: None, page: 1 };
        assert_eq!(asked("q=x&kind=users"), (q_kept.clone(), Some(BadParam::Kind)));
        assert_eq!(asked("kind=users&page=0&q=x"), (q_kept, Some(BadParam::Kind)));
        assert_eq!(asked("page=0").1, Some(BadParam::Page));
        assert_eq!(asked("page=abc").1, Some(BadParam::Page));
        assert_eq!(asked("page=99999999999999999999").1, Some(BadParam::Page));
        assert_eq!(
            href("稀土 永磁", Some(Kind::Demand), 3),
            "/search?q=%E7%A8%80%E5%9C%9F+%E6%B0%B8%E7%A3%81&kind=demand&page=3"
        );
    }
}
