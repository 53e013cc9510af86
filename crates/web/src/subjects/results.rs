//! A self-evaluation's result as people read it: rule by rule, with the numbers, the points and
//! what it would take to pass.
use super::detail::{self, percent, wan};
use crate::i18n::{Lang, t, tf};
use innocity_core::subjects::Amount;
use innocity_core::subjects::gaps::{Gap, hnte_gap, sme_gaps};
use innocity_core::subjects::hnte::{HnteInput, HnteResult, HnteRule, Verdict};
use innocity_core::subjects::sme::{self, SmeFailure, SmeInput, SmeResult};

/// One rule's line.
pub struct RuleView {
    pub name: String,
    /// `pass`, `fail` or `open` (undecided).
    pub state: &'static str,
    pub state_label: String,
    pub detail: String,
    pub points: String,
    /// What it would take, or empty.
    pub needs: String,
}

/// The whole result.
pub struct ResultView {
    /// `pass`, `fail` or `open`.
    pub state: &'static str,
    pub verdict: String,
    pub score: String,
    pub rules: Vec<RuleView>,
}

fn state(pass: Option<bool>) -> &'static str {
    match pass {
        Some(true) => "pass",
        Some(false) => "fail",
        None => "open",
    }
}

fn line(
    lang: Lang,
    name: String,
    pass: Option<bool>,
    detail: String,
    points: String,
    needs: String,
) -> RuleView {
    let state = state(pass);
    RuleView {
        name,
        state,
        state_label: t(lang, &format!("subj.state.{state}")).to_string(),
        detail,
        points,
        needs,
    }
}

fn gap_arg(lang: Lang, gap: Gap) -> String {
    match gap {
        Gap::Amount(a) => wan(lang, a),
        Gap::People(n) => n.to_string(),
        Gap::Points(p) => p.to_decimal(),
        Gap::Days(d) => d.to_string(),
    }
}

/// The 科技型中小企业 result.
pub fn sme_view(lang: Lang, e: &SmeInput, r: &SmeResult) -> ResultView {
    let failed = |f: SmeFailure| Some(!r.failed.contains(&f));
    let name = |key: &str| t(lang, &format!("subj.sme.{key}")).to_string();
    let limit = |amount: Amount, max: u32| {
        tf(lang, "subj.sme.limit_detail", &[wan(lang, amount), wan(lang, Amount::whole(max))])
    };
    let employees = [e.employees.to_string(), sme::MAX_EMPLOYEES.to_string()];
    let basic = [
        (SmeFailure::NotResident, "resident", String::new()),
        (
            SmeFailure::TooManyEmployees,
            "employees",
            tf(lang, "subj.sme.employees_detail", &employees),
        ),
        (SmeFailure::SalesOverLimit, "sales", limit(e.sales, sme::MAX_SALES_WAN)),
        (SmeFailure::AssetsOverLimit, "assets", limit(e.total_assets, sme::MAX_ASSETS_WAN)),
        (SmeFailure::ProhibitedIndustry, "industry", String::new()),
        (SmeFailure::BadRecord, "credit", String::new()),
    ];
    let mut rules: Vec<RuleView> = basic
        .into_iter()
        .map(|(f, key, detail)| {
            line(lang, name(key), failed(f), detail, String::new(), String::new())
        })
        .collect();
    rules.extend(indicator_lines(lang, e, r));
    let score_ok = r.direct || (r.score >= sme::PASS_SCORE && r.staff_points > 0);
    let short = sme::PASS_SCORE.saturating_sub(r.score);
    let score_needs = if score_ok || short == 0 {
        String::new()
    } else {
        tf(lang, "subj.sme.score_needs", &[short.to_string()])
    };
    rules.push(line(
        lang,
        name("score"),
        Some(score_ok),
        tf(
            lang,
            if r.direct { "subj.sme.direct_detail" } else { "subj.sme.score_detail" },
            &[r.score.to_string()],
        ),
        tf(lang, "subj.points_of", &[r.score.to_string(), "100".into()]),
        score_needs,
    ));
    let verdict = if r.eligible { "subj.verdict.eligible" } else { "subj.verdict.not_eligible" };
    ResultView {
        state: if r.eligible { "pass" } else { "fail" },
        verdict: t(lang, verdict).to_string(),
        score: r.score.to_string(),
        rules,
    }
}

/// The three scored indicators of 科技型中小企业 with their next bands.
fn indicator_lines(lang: Lang, e: &SmeInput, r: &SmeResult) -> Vec<RuleView> {
    let name = |key: &str| t(lang, &format!("subj.sme.{key}")).to_string();
    let g = sme_gaps(e, r);
    let mut rules = Vec::new();
    let points =
        |got: u32, max: u32| tf(lang, "subj.points_of", &[got.to_string(), max.to_string()]);
    let band = |b: Option<innocity_core::subjects::gaps::NextBand>, key: &str| {
        b.map(|b| {
            tf(lang, key, &[b.percent.to_string(), b.points.to_string(), gap_arg(lang, b.gap)])
        })
        .unwrap_or_default()
    };
    rules.push(line(
        lang,
        name("staff"),
        Some(r.staff_points > 0),
        tf(
            lang,
            "subj.sme.staff_detail",
            &[e.tech_staff.to_string(), e.employees.to_string(), percent(lang, r.staff_share)],
        ),
        points(r.staff_points, 20),
        band(g.staff, "subj.sme.staff_needs"),
    ));
    rules.push(line(
        lang,
        name("rd"),
        Some(r.rd_points > 0),
        tf(
            lang,
            "subj.sme.rd_detail",
            &[percent(lang, r.rd_of_sales), percent(lang, r.rd_of_costs)],
        ),
        points(r.rd_points, 50),
        band(g.rd, "subj.sme.rd_needs"),
    ));
    rules.push(line(
        lang,
        name("ip"),
        Some(r.ip_points > 0),
        tf(lang, "subj.sme.ip_detail", &[e.ip_class1.to_string(), e.ip_class2.to_string()]),
        points(r.ip_points, 30),
        g.ip.map(|(p, more)| tf(lang, "subj.sme.ip_needs", &[more.to_string(), p.to_string()]))
            .unwrap_or_default(),
    ));
    rules
}

/// The 高企 pre-check's result.
pub fn hnte_view(lang: Lang, e: &HnteInput, r: &HnteResult) -> ResultView {
    let rules = r
        .checks
        .iter()
        .map(|c| {
            let needs = hnte_gap(c.rule, e, r)
                .map(|g| tf(lang, &format!("subj.needs.{}", c.rule.code()), &[gap_arg(lang, g)]))
                .unwrap_or_default();
            let points = if c.rule == HnteRule::InnovationScore {
                tf(
                    lang,
                    "subj.points",
                    &[detail::range(r.score[0].to_decimal(), r.score[1].to_decimal())],
                )
            } else {
                String::new()
            };
            line(
                lang,
                t(lang, &format!("subj.rule.{}", c.rule.code())).to_string(),
                c.pass,
                detail::hnte(lang, c.rule, e, r),
                points,
                needs,
            )
        })
        .collect();
    let (state, verdict) = match r.verdict {
        Verdict::Pass => ("pass", "subj.verdict.pass"),
        Verdict::Fail => ("fail", "subj.verdict.fail"),
        Verdict::Undecided => ("open", "subj.verdict.undecided"),
    };
    ResultView {
        state,
        verdict: t(lang, verdict).to_string(),
        score: tf(
            lang,
            "subj.points",
            &[detail::range(r.score[0].to_decimal(), r.score[1].to_decimal())],
        ),
        rules,
    }
}
