//! The numbers behind each qualification rule in the reader's language: the contract's `detail`
//! (Chinese, for `innocity qualify`), the self-evaluation page and the API.
use crate::i18n::{Lang, t, tf};
use innocity_core::subjects::hnte::{HnteInput, HnteResult, HnteRule, PASS_SCORE};
use innocity_core::subjects::{Amount, Frac};

/// A share as a percentage with one decimal, or a dash over a zero denominator.
pub fn percent(lang: Lang, share: Option<Frac>) -> String {
    share.map_or_else(
        || t(lang, "subj.no_denominator").to_string(),
        |f| format!("{}%", f.percent_1dp()),
    )
}

/// An amount in 万元.
pub fn wan(lang: Lang, amount: Amount) -> String {
    tf(lang, "subj.wan", &[amount.to_decimal()])
}

fn growth(lang: Lang, rate: Option<Frac>) -> String {
    rate.map_or_else(
        || t(lang, "subj.growth_none").to_string(),
        |f| format!("{}%", f.percent_1dp()),
    )
}

/// `72–74`, or `72` when both ends are one.
pub fn range(a: impl ToString, b: impl ToString) -> String {
    let (a, b) = (a.to_string(), b.to_string());
    if a == b { a } else { format!("{a}–{b}") }
}

/// The detail of one 高企 check.
pub fn hnte(lang: Lang, rule: HnteRule, e: &HnteInput, r: &HnteResult) -> String {
    let yes_no = |ok: bool, yes: &str, no: &str| t(lang, if ok { yes } else { no }).to_string();
    let key = match rule {
        HnteRule::RegisteredOneYear => "subj.detail.registered_one_year",
        HnteRule::TechStaffShare => "subj.detail.tech_staff_share",
        HnteRule::RdIntensity => "subj.detail.rd_intensity",
        HnteRule::RdDomesticShare => "subj.detail.rd_domestic_share",
        HnteRule::HitechRevenueShare => "subj.detail.hitech_revenue_share",
        _ => "subj.detail.innovation_score",
    };
    let args: Vec<String> = match rule {
        HnteRule::CoreIp => {
            return yes_no(e.core_ip, "subj.detail.core_ip.yes", "subj.detail.core_ip.no");
        }
        HnteRule::KeyField => {
            return yes_no(e.key_field, "subj.detail.key_field.yes", "subj.detail.key_field.no");
        }
        HnteRule::NoSeriousViolation => {
            let (yes, no) =
                ("subj.detail.no_serious_violation.yes", "subj.detail.no_serious_violation.no");
            return yes_no(!e.serious_violation, yes, no);
        }
        HnteRule::RegisteredOneYear => {
            vec![e.registered_on.to_string(), e.apply_on.to_string(), r.days_registered.to_string()]
        }
        HnteRule::TechStaffShare => {
            vec![
                e.tech_staff.to_string(),
                e.employees.to_string(),
                percent(lang, r.tech_staff_share),
            ]
        }
        HnteRule::RdIntensity => vec![
            wan(lang, Amount::sum(&e.rd)),
            wan(lang, Amount::sum(&e.sales)),
            percent(lang, r.rd_ratio),
            wan(lang, e.sales[2]),
            r.rd_threshold_percent.to_string(),
        ],
        HnteRule::RdDomesticShare => vec![
            wan(lang, Amount::sum(&e.rd_domestic)),
            wan(lang, Amount::sum(&e.rd)),
            percent(lang, r.rd_domestic_share),
        ],
        HnteRule::HitechRevenueShare => {
            vec![
                wan(lang, e.hitech_revenue),
                wan(lang, e.total_revenue),
                percent(lang, r.hitech_share),
            ]
        }
        HnteRule::InnovationScore => vec![
            e.ip_points.to_decimal(),
            e.conversion_points.to_decimal(),
            e.organisation_points.to_decimal(),
            range(r.growth_points[0], r.growth_points[1]),
            growth(lang, r.net_assets_growth),
            growth(lang, r.sales_growth),
            range(r.score[0].to_decimal(), r.score[1].to_decimal()),
            PASS_SCORE.to_string(),
        ],
    };
    tf(lang, key, &args)
}
