//! How completely the statistics a framework reads were reported for a quarter (报送情况). A
//! quarter's values from a statistics form sum only the returns in, so while some are missing
//! they are too low (a flow's 当季 can even come out negative): the monitoring page says how many
//! are in, and releasing such a quarter to the public must be confirmed.
use super::periods::kept_as;
use innocity_core::indicators::release::Coverage;
use innocity_core::indicators::targets::Framework;
use innocity_core::periods::Period;
use innocity_core::stats::Periodicity;
use innocity_core::stats::status::Status;
use innocity_store::Db;
use innocity_store::orgs::OrgUnit;

/// For each quarterly statistics form the framework reads (in the order its indicators first
/// read them), who must report it for the period's quarter within the unit's area (a county's
/// with its parks) and how many have: submitted, approved or locked, the returns its values count.
pub async fn of_period(
    db: &Db,
    f: &Framework,
    unit: &OrgUnit,
    all: &[OrgUnit],
    p: Period,
) -> innocity_store::db::Result<Vec<Coverage>> {
    let quarter = kept_as(p);
    if !matches!(quarter, Period::Quarter(..)) {
        return Ok(Vec::new());
    }
    let cat = innocity_store::stats::catalogue(db).await?;
    let roots = innocity_store::orgs::area_roots(all, unit);
    let mut codes: Vec<&str> = Vec::new();
    // Only the forms some value is computed from (a form and its formula, as the refresh reads).
    let read = f.targets.iter().filter(|t| t.stats_formula.is_some());
    for code in read.filter_map(|t| t.stats_form.as_deref()) {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    let counted = [Status::Submitted, Status::Approved, Status::Locked];
    let mut out = Vec::new();
    for code in codes {
        let Some(form) = cat.form(code).filter(|x| x.periodicity == Periodicity::Quarter) else {
            continue;
        };
        let who = innocity_store::stats::expected(db, form, &quarter.to_string(), &roots).await?;
        let reported = who.iter().filter(|e| counted.contains(&e.status)).count();
        out.push(Coverage {
            form: form.code.clone(),
            form_name_zh: form.name_zh.clone(),
            form_name_en: form.name_en.clone(),
            expected: u32::try_from(who.len()).unwrap_or(u32::MAX),
            reported: u32::try_from(reported).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

/// A form's coverage in words: `科技统计快报（KB-Q）应报 300 家，已报 212 家（70.6%）`.
pub fn describe(lang: crate::i18n::Lang, c: &Coverage) -> String {
    crate::i18n::tf(
        lang,
        "ind.coverage.line",
        &[
            super::name(lang, &c.form_name_zh, &c.form_name_en),
            c.form.clone(),
            crate::stats::number(f64::from(c.expected)),
            crate::stats::number(f64::from(c.reported)),
            format!("{:.1}", c.rate()),
        ],
    )
}

/// Each form's coverage in a sentence (`报送情况：…；…`), empty when the framework reads none.
pub fn summary(lang: crate::i18n::Lang, cs: &[Coverage]) -> String {
    if cs.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = cs.iter().map(|c| describe(lang, c)).collect();
    let sep = crate::i18n::t(lang, "ind.coverage.sep");
    crate::i18n::tf(lang, "ind.coverage.summary", &[lines.join(sep)])
}
