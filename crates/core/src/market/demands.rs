//! Technical demands (技术需求): problems enterprises publish for solvers, what a solution must
//! show, budget and deadline; and the reasons a match between a demand and an achievement is
//! offered (the words they share, the same discipline).
use super::text::{Analyzer, BIGRAM_MARK};
use crate::orgs::FieldError;
use crate::projects::money::{Money, MoneyError, Unit};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A demand as its enterprise types it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct DemandInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// What a solution must show (指标要求).
    #[serde(default)]
    pub requirements: String,
    #[serde(default)]
    pub discipline: String,
    /// 万元; empty when negotiable.
    #[serde(default)]
    pub budget_wan: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub deadline: String,
}

/// A checked demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemandDraft {
    pub title: String,
    pub description: String,
    pub requirements: String,
    pub discipline: String,
    pub budget: Option<Money>,
    pub deadline: NaiveDate,
}

fn problem(field: &'static str, key: &'static str, args: Vec<String>) -> FieldError {
    FieldError { field, key, args }
}

/// Checks a demand against `today` (its deadline may not have passed): every problem by field.
pub fn validate(i: &DemandInput, today: NaiveDate) -> Result<DemandDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let title = i.title.trim().to_string();
    if title.is_empty() {
        errors.push(problem("title", "err.required", vec![]));
    } else if title.chars().count() > super::import::TITLE_CHARS {
        errors.push(problem(
            "title",
            "err.market.long_title",
            vec![super::import::TITLE_CHARS.to_string()],
        ));
    }
    let description = i.description.trim().to_string();
    if description.is_empty() {
        errors.push(problem("description", "err.required", vec![]));
    } else if description.chars().count() > super::achievements::DESCRIPTION_CHARS {
        errors.push(problem(
            "description",
            "err.too_long",
            vec![super::achievements::DESCRIPTION_CHARS.to_string()],
        ));
    }
    let budget = match i.budget_wan.trim() {
        "" | "面议" => None,
        t => match Money::parse(t, Unit::Wan) {
            Ok(m) => Some(m),
            Err(MoneyError::Negative) => {
                errors.push(problem("budget_wan", "err.market.price_negative", vec![t.into()]));
                None
            }
            Err(_) => {
                errors.push(problem("budget_wan", "err.market.price", vec![t.into()]));
                None
            }
        },
    };
    let deadline = match NaiveDate::parse_from_str(i.deadline.trim(), "%Y-%m-%d") {
        Ok(d) if d < today => {
            errors.push(problem("deadline", "err.demand.past", vec![d.to_string()]));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(problem("deadline", "err.contract.date", vec![i.deadline.trim().into()]));
            None
        }
    };
    match (deadline, errors.is_empty()) {
        (Some(deadline), true) => Ok(DemandDraft {
            title,
            description,
            requirements: i.requirements.trim().to_string(),
            discipline: i.discipline.trim().to_string(),
            budget,
            deadline,
        }),
        _ => Err(errors),
    }
}

/// Why a match is offered: the words both texts hold (most telling first, at most `max`), and
/// whether they share a discipline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Why {
    pub shared: Vec<String>,
    pub same_discipline: bool,
}

/// The words of `query` found in `text` (longest first: the more specific), and whether the
/// disciplines agree.
pub fn why(a: &Analyzer, query: &str, text: &str, disciplines: (&str, &str), max: usize) -> Why {
    let found = super::text::fold(text);
    let mut shared: Vec<String> = Vec::new();
    for w in a.words(query) {
        if !w.starts_with(BIGRAM_MARK)
            && w.chars().count() >= 2
            && found.contains(&w)
            && !shared.contains(&w)
        {
            shared.push(w);
        }
    }
    // A word inside a longer shared word says nothing more.
    let all = shared.clone();
    shared.retain(|w| !all.iter().any(|o| o != w && o.contains(w.as_str())));
    shared.sort_by(|x, y| y.chars().count().cmp(&x.chars().count()).then(x.cmp(y)));
    shared.truncate(max);
    Why { shared, same_discipline: !disciplines.0.is_empty() && disciplines.0 == disciplines.1 }
}

/// An organisation's standing among the achievements that answer a demand.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgStanding {
    pub organisation_id: i64,
    /// Its best `TOP_PER_ORG` matches' scores, summed: a depth of relevant work counts, one
    /// lucky hit less.
    pub score: f32,
    /// How many of the matches are its.
    pub matches: usize,
    /// The position of its best match in the hits.
    pub best: usize,
}

/// Matches of one organisation that count toward its standing.
pub const TOP_PER_ORG: usize = 3;

/// Ranks the organisations owning `hits` (owner, score; best first): best standing first, ties
/// by the better best match.
pub fn rank_organisations(hits: &[(i64, f32)], n: usize) -> Vec<OrgStanding> {
    let mut out: Vec<OrgStanding> = Vec::new();
    for (i, (org, score)) in hits.iter().enumerate() {
        match out.iter_mut().find(|o| o.organisation_id == *org) {
            Some(o) => {
                if o.matches < TOP_PER_ORG {
                    o.score += score;
                }
                o.matches += 1;
            }
            None => {
                out.push(OrgStanding { organisation_id: *org, score: *score, matches: 1, best: i })
            }
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.best.cmp(&b.best)));
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisations_rank_by_their_best_three_matches() {
        let hits = [(7, 10.0), (8, 9.0), (8, 8.0), (9, 7.5), (8, 1.0), (8, 0.5), (7, 0.1)];
        let r = rank_organisations(&hits, 10);
        let order: Vec<(i64, usize)> = r.iter().map(|o| (o.organisation_id, o.matches)).collect();
        assert_eq!(order, vec![(8, 4), (7, 2), (9, 1)]);
        assert_eq!(r[0].score, 18.0, "only the best three count");
        assert_eq!(r[0].best, 1);
        assert_eq!(rank_organisations(&hits, 1).len(), 1);
        assert!(rank_organisations(&[], 5).is_empty());
        // Equal standing: the better best match first.
        let tie = rank_organisations(&[(1, 5.0), (2, 5.0)], 5);
        assert_eq!(tie[0].organisation_id, 1);
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
    }

    #[test]
    fn a_demand_is_checked_field_by_field() {
        let good = DemandInput {
            title: "寻求高镍正极材料循环寿命提升技术".into(),
            description: "现有材料 500 次循环后容量保持率不足 80%。".into(),
            requirements: "1000 次循环容量保持率不低于 90%".into(),
            budget_wan: "300".into(),
            deadline: "2027-06-30".into(),
            ..DemandInput::default()
        };
        let d = validate(&good, today()).unwrap();
        assert_eq!(d.budget, Some(Money::from_wan(300)));
        let today_is_fine = DemandInput { deadline: "2026-12-05".into(), ..good.clone() };
        assert!(validate(&today_is_fine, today()).is_ok());
        let bad = DemandInput {
            title: "".into(),
            budget_wan: "-1".into(),
            deadline: "2026-12-04".into(),
            ..good
        };
        let fields: Vec<(&str, &str)> =
            validate(&bad, today()).unwrap_err().iter().map(|e| (e.field, e.key)).collect();
        assert_eq!(
            fields,
            vec![
                ("title", "err.required"),
                ("budget_wan", "err.market.price_negative"),
                ("deadline", "err.demand.past")
            ]
        );
    }

    #[test]
    fn a_match_says_which_words_it_rests_on() {
        let a = Analyzer::default();
        let w = why(
            &a,
            "高镍正极材料循环寿命",
            "一种提升高镍正极材料循环寿命的掺杂方法",
            ("材料科学", "材料科学"),
            5,
        );
        assert!(w.same_discipline);
        assert!(w.shared.iter().any(|s| s.contains("正极")), "{w:?}");
        assert!(w.shared.iter().any(|s| s.contains("寿命")), "{w:?}");
        assert!(!why(&a, "氢能", "锂电池", ("", ""), 5).same_discipline);
        assert!(why(&a, "氢能储运", "锂电池", ("", ""), 5).shared.is_empty());
    }
}
