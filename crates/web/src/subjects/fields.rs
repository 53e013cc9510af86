//! A self-evaluation's figures as form fields: each with the value the platform holds, where it
//! came from, and the enterprise's correction read back with a message naming the field.
use crate::i18n::{Lang, t, tf};
use chrono::NaiveDate;
use innocity_core::subjects::draft::{Figure, HnteDraft, SmeDraft, Source};
use innocity_core::subjects::hnte;
use innocity_core::subjects::{Amount, AmountError};
use std::collections::HashMap;

/// One figure of a draft, to read or to set.
pub enum Slot<'a> {
    /// 万元.
    Amount(&'a mut Figure<Amount>),
    /// People or items.
    Count(&'a mut Figure<u32>),
    /// Experts' points up to a maximum.
    Points(&'a mut Figure<Amount>, u32),
    Flag(&'a mut Figure<bool>),
    Date(&'a mut Figure<NaiveDate>),
}

/// The 科技型中小企业 figures by field name (the contract's names).
pub fn sme_slots(d: &mut SmeDraft) -> Vec<(String, Slot<'_>)> {
    let named = |n: &str, s| (n.to_string(), s);
    vec![
        named("resident_mainland", Slot::Flag(&mut d.resident_mainland)),
        named("employees", Slot::Count(&mut d.employees)),
        named("tech_staff", Slot::Count(&mut d.tech_staff)),
        named("sales", Slot::Amount(&mut d.sales)),
        named("total_assets", Slot::Amount(&mut d.total_assets)),
        named("rd_expense", Slot::Amount(&mut d.rd_expense)),
        named("cost_expense", Slot::Amount(&mut d.cost_expense)),
        named("ip_class1", Slot::Count(&mut d.ip_class1)),
        named("ip_class2", Slot::Count(&mut d.ip_class2)),
        named("prohibited_industry", Slot::Flag(&mut d.prohibited_industry)),
        named("bad_record", Slot::Flag(&mut d.bad_record)),
        named("hnte_valid", Slot::Flag(&mut d.hnte_valid)),
        named("national_award_top3_5y", Slot::Flag(&mut d.national_award_top3_5y)),
        named("provincial_rd_institution", Slot::Flag(&mut d.provincial_rd_institution)),
        named("led_standard_5y", Slot::Flag(&mut d.led_standard_5y)),
    ]
}

/// The 高企 figures by field name; the three years as `sales_0` (oldest) to `sales_2`.
pub fn hnte_slots(d: &mut HnteDraft) -> Vec<(String, Slot<'_>)> {
    let mut out = vec![
        ("registered_on".to_string(), Slot::Date(&mut d.registered_on)),
        ("apply_on".to_string(), Slot::Date(&mut d.apply_on)),
        ("core_ip".to_string(), Slot::Flag(&mut d.core_ip)),
        ("key_field".to_string(), Slot::Flag(&mut d.key_field)),
        ("employees".to_string(), Slot::Count(&mut d.employees)),
        ("tech_staff".to_string(), Slot::Count(&mut d.tech_staff)),
    ];
    for (name, years) in [
        ("sales", &mut d.sales),
        ("net_assets", &mut d.net_assets),
        ("rd", &mut d.rd),
        ("rd_domestic", &mut d.rd_domestic),
    ] {
        for (i, f) in years.iter_mut().enumerate() {
            out.push((format!("{name}_{i}"), Slot::Amount(f)));
        }
    }
    out.extend([
        ("hitech_revenue".to_string(), Slot::Amount(&mut d.hitech_revenue)),
        ("total_revenue".to_string(), Slot::Amount(&mut d.total_revenue)),
        ("serious_violation".to_string(), Slot::Flag(&mut d.serious_violation)),
        ("ip_points".to_string(), Slot::Points(&mut d.ip_points, hnte::MAX_IP_POINTS)),
        (
            "conversion_points".to_string(),
            Slot::Points(&mut d.conversion_points, hnte::MAX_CONVERSION_POINTS),
        ),
        (
            "organisation_points".to_string(),
            Slot::Points(&mut d.organisation_points, hnte::MAX_ORGANISATION_POINTS),
        ),
    ]);
    out
}

/// A field as the form shows it.
pub struct FieldRow {
    pub name: String,
    pub label: String,
    /// `number`, `date` or `flag` (a yes/no select).
    pub input: &'static str,
    pub value: String,
    /// Where the value came from, in words ("2025 年 107-2 报表").
    pub source: String,
    /// The platform's own record (a credit bar, a certificate): shown, not changed here.
    pub fixed: bool,
    pub error: String,
}

/// The field's label: its name's message, with the accounting year for `…_0`‥`…_2`.
fn label(lang: Lang, name: &str, years: [i32; 3]) -> String {
    match name.rsplit_once('_') {
        Some((base, i)) if matches!(i, "0" | "1" | "2") => {
            let year = years[i.parse::<usize>().unwrap_or(0)];
            tf(
                lang,
                "subj.field.year",
                &[t(lang, &format!("subj.field.{base}")).to_string(), year.to_string()],
            )
        }
        _ => t(lang, &format!("subj.field.{name}")).to_string(),
    }
}

fn source_text<T>(lang: Lang, f: &Figure<T>) -> String {
    match (&f.source, &f.value) {
        (Source::Return { form, period, .. }, _) => {
            tf(lang, "subj.source.return", &[period.clone(), form.clone()])
        }
        (Source::Certificate { .. }, _) => t(lang, "subj.source.certificate").to_string(),
        (Source::Credit, _) => t(lang, "subj.source.credit").to_string(),
        (Source::Today, _) => t(lang, "subj.source.today").to_string(),
        (Source::Entered, Some(_)) => t(lang, "subj.source.entered").to_string(),
        (Source::Entered, None) => t(lang, "subj.source.missing").to_string(),
    }
}

/// The rows of a draft's slots, with the messages of the fields refused.
pub fn rows(
    lang: Lang,
    slots: Vec<(String, Slot<'_>)>,
    years: [i32; 3],
    errors: &HashMap<String, String>,
) -> Vec<FieldRow> {
    slots
        .into_iter()
        .map(|(name, slot)| {
            let (input, value, source, is_fixed) = match slot {
                Slot::Amount(f) | Slot::Points(f, _) => (
                    "number",
                    f.value.map(Amount::to_decimal).unwrap_or_default(),
                    source_text(lang, f),
                    false,
                ),
                Slot::Count(f) => (
                    "number",
                    f.value.map(|v| v.to_string()).unwrap_or_default(),
                    source_text(lang, f),
                    false,
                ),
                Slot::Date(f) => (
                    "date",
                    f.value.map(|d| d.to_string()).unwrap_or_default(),
                    source_text(lang, f),
                    false,
                ),
                Slot::Flag(f) => {
                    let value = f.value.map(|v| if v { "yes" } else { "no" }).unwrap_or_default();
                    ("flag", value.to_string(), source_text(lang, f), fixed(f))
                }
            };
            FieldRow {
                label: label(lang, &name, years),
                error: errors.get(&name).cloned().unwrap_or_default(),
                name,
                input,
                value,
                source,
                fixed: is_fixed,
            }
        })
        .collect()
}

/// A yes the platform itself records (a credit bar, a valid certificate): shown, not changed by
/// the enterprise.
fn fixed(f: &Figure<bool>) -> bool {
    f.value == Some(true) && matches!(f.source, Source::Credit | Source::Certificate { .. })
}

/// Reads the form into the slots (a blank field is a missing figure); returns the messages of
/// the fields that could not be read, by name.
pub fn read(
    lang: Lang,
    slots: Vec<(String, Slot<'_>)>,
    form: &HashMap<String, String>,
) -> HashMap<String, String> {
    let mut errors = HashMap::new();
    for (name, slot) in slots {
        let text = form.get(&name).map(|v| v.trim()).unwrap_or_default();
        let refused = match slot {
            Slot::Amount(f) => amount(text).map(|v| *f = f.clone().entered(v)),
            Slot::Points(f, max) => amount(text).and_then(|v| match v {
                Some(p) if p > Amount::whole(max) => {
                    Err(tf(lang, "subj.err.points_max", &[max.to_string()]))
                }
                _ => {
                    *f = f.clone().entered(v);
                    Ok(())
                }
            }),
            Slot::Count(f) => count(text).map(|v| *f = f.clone().entered(v)),
            Slot::Date(f) => date(text).map(|v| *f = f.clone().entered(v)),
            Slot::Flag(f) => {
                let parsed = match text {
                    "yes" => Ok(Some(true)),
                    "no" => Ok(Some(false)),
                    "" => Ok(None),
                    _ => Err("subj.err.flag".to_string()),
                };
                parsed.map(|v| {
                    if !fixed(f) {
                        *f = f.clone().entered(v);
                    }
                })
            }
        };
        if let Err(key) = refused {
            let message =
                if key.starts_with("subj.err.") { t(lang, &key).to_string() } else { key };
            errors.insert(name, message);
        }
    }
    errors
}

/// An amount as people type it: `1,234.5`, `1234.50`, blank for none.
fn amount(text: &str) -> Result<Option<Amount>, String> {
    let cleaned: String = text.chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    Amount::parse(&cleaned).map(Some).map_err(|e| {
        match e {
            AmountError::Negative => "subj.err.negative",
            AmountError::TooPrecise => "subj.err.precision",
            AmountError::TooLarge => "subj.err.too_large",
            AmountError::NotANumber => "subj.err.number",
        }
        .to_string()
    })
}

fn count(text: &str) -> Result<Option<u32>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.starts_with('-') {
        return Err("subj.err.negative".into());
    }
    text.parse::<u32>().map(Some).map_err(|_| "subj.err.whole".to_string())
}

fn date(text: &str) -> Result<Option<NaiveDate>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Some).map_err(|_| "subj.err.date".to_string())
}

/// The names of the slots without a value.
pub fn missing(slots: Vec<(String, Slot<'_>)>) -> Vec<String> {
    let blank = |s: &Slot<'_>| match s {
        Slot::Amount(f) | Slot::Points(f, _) => f.value.is_none(),
        Slot::Count(f) => f.value.is_none(),
        Slot::Flag(f) => f.value.is_none(),
        Slot::Date(f) => f.value.is_none(),
    };
    slots.into_iter().filter(|(_, s)| blank(s)).map(|(n, _)| n).collect()
}
