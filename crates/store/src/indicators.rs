//! Indicator values by org unit and period, with their source (a statistics return total, a
//! yearbook import, the demo), written in one audited transaction per import.
use crate::audit::{self, Change};
use crate::db::{Db, Result};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::periods::Period;
use sea_orm::Value;

pub mod releases;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndicatorValue {
    pub indicator: String,
    pub org_unit_id: i64,
    pub period: String,
    pub value: f64,
    pub source: String,
}

impl FromRow for IndicatorValue {
    const TABLE: &'static str = "indicator_values";
    columns!(indicator, org_unit_id, period, value, source);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(IndicatorValue {
            indicator: f.text()?,
            org_unit_id: f.int()?,
            period: f.text()?,
            value: f.real()?,
            source: f.text()?,
        })
    }
}

/// A framework definition as imported (TOML text, read with `Framework::from_toml`).
pub(crate) struct StoredFramework {
    code: String,
    body: String,
}

impl FromRow for StoredFramework {
    const TABLE: &'static str = "framework_definitions";
    columns!(code, body);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(StoredFramework { code: f.text()?, body: f.text()? })
    }
}

/// The values of some indicators for one org unit, by indicator and period.
pub async fn for_unit(db: &Db, unit_id: i64, indicators: &[String]) -> Result<Vec<IndicatorValue>> {
    if indicators.is_empty() {
        return Ok(vec![]);
    }
    let marks = vec!["?"; indicators.len()].join(", ");
    let mut params: Vec<Value> = vec![unit_id.into()];
    params.extend(indicators.iter().map(|c| Value::from(c.clone())));
    db.rows(
        &select::<IndicatorValue>(&format!(
            "WHERE org_unit_id = ? AND indicator IN ({marks}) ORDER BY indicator, period"
        )),
        params,
    )
    .await
}

/// One period's values of some indicators for several units.
pub async fn for_period(
    db: &Db,
    units: &[i64],
    indicators: &[String],
    period: &str,
) -> Result<Vec<IndicatorValue>> {
    if indicators.is_empty() || units.is_empty() {
        return Ok(vec![]);
    }
    let im = vec!["?"; indicators.len()].join(", ");
    let um = vec!["?"; units.len()].join(", ");
    let mut params: Vec<Value> = vec![period.into()];
    params.extend(indicators.iter().map(|c| Value::from(c.clone())));
    params.extend(units.iter().map(|u| Value::from(*u)));
    db.rows(
        &select::<IndicatorValue>(&format!(
            "WHERE period = ? AND indicator IN ({im}) AND org_unit_id IN ({um}) ORDER BY org_unit_id, indicator"
        )),
        params,
    )
    .await
}

/// A year and how many values of the indicators the units hold for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearHeld {
    pub year: i32,
    pub values: i64,
}

/// The years (yearly periods) for which some of the indicators have a value in some of the
/// units, oldest first, with how many: the comparison offers exactly these, never a year fixed
/// in code, and opens on the last that is mostly filled in.
pub async fn years_held(db: &Db, units: &[i64], indicators: &[String]) -> Result<Vec<YearHeld>> {
    if indicators.is_empty() || units.is_empty() {
        return Ok(vec![]);
    }
    let im = vec!["?"; indicators.len()].join(", ");
    let um = vec!["?"; units.len()].join(", ");
    let mut params: Vec<Value> = indicators.iter().map(|c| Value::from(c.clone())).collect();
    params.extend(units.iter().map(|u| Value::from(*u)));
    let periods = db
        .read(
            &format!(
                "SELECT period, COUNT(*) FROM indicator_values WHERE indicator IN ({im}) AND org_unit_id IN ({um}) GROUP BY period"
            ),
            params,
            |r| Ok((r.text(0)?, r.int(1)?)),
        )
        .await?;
    let mut years: Vec<YearHeld> = periods
        .iter()
        .filter(|(p, _)| p.len() == 4)
        .filter_map(|(p, n)| Some(YearHeld { year: p.parse().ok()?, values: *n }))
        .collect();
    years.sort_unstable_by_key(|y| y.year);
    Ok(years)
}

/// Stores values (replacing those of the same indicator, unit and period) in one transaction,
/// with one audit entry naming how many and from where.
pub async fn import(db: &Db, values: &[IndicatorValue], actor: Actor<'_>) -> Result<usize> {
    let tx = db.begin_write().await?;
    let now = tx.clock.now_ms();
    for chunk in values.chunks(300) {
        let marks = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut params: Vec<Value> = Vec::with_capacity(chunk.len() * 7);
        for v in chunk {
            params.extend([
                Value::from(v.indicator.clone()),
                v.org_unit_id.into(),
                v.period.clone().into(),
                v.value.into(),
                v.source.clone().into(),
                actor.username.into(),
                now.into(),
            ]);
        }
        tx.exec(
            &format!("INSERT INTO indicator_values (indicator, org_unit_id, period, value, source, updated_by, updated_at) VALUES {marks} ON CONFLICT (indicator, org_unit_id, period) DO UPDATE SET value = excluded.value, source = excluded.source, updated_by = excluded.updated_by, updated_at = excluded.updated_at"),
            params,
        )
        .await?;
    }
    let sources: std::collections::BTreeSet<&str> =
        values.iter().map(|v| v.source.as_str()).collect();
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "indicator_values.import",
            entity: "indicator_values",
            entity_id: "*".into(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "values": values.len(), "sources": sources }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(values.len())
}

/// Indicator values computed from statistics returns: for every target of the framework that
/// says how (`stats_form`, `stats_formula`), every period given and every org unit with returns,
/// the formula over the unit's totals (numerator and denominator summed up the hierarchy first).
/// Counts submitted, approved and locked returns. Returns the values written.
pub async fn from_statistics(
    db: &Db,
    framework: &innocity_core::indicators::targets::Framework,
    periods: &[String],
    actor: Actor<'_>,
) -> Result<usize> {
    use innocity_core::indicators::formula::{self, Item, Resolve};
    use innocity_core::stats::status::Status;
    struct Totals<'a> {
        t: &'a crate::stats::Totals,
        cat: &'a innocity_core::stats::Catalogue,
        unit: i64,
    }
    impl Resolve for Totals<'_> {
        fn value(&self, item: &Item) -> Option<f64> {
            let Item::Data { element, disagg, offset: 0, year_to_date: false } = item else {
                return None;
            };
            let i = self.t.find(element, disagg.as_deref().unwrap_or(""))?;
            // Each element adds up across organisations by its own aggregation type.
            let how = self.cat.element(element).map(|e| e.aggregation).unwrap_or_default();
            self.t.rollup.get(self.unit, &i).map(|a| a.value(how))
        }
    }
    let cat = crate::stats::catalogue(db).await?;
    let mut out = Vec::new();
    for tg in &framework.targets {
        let (Some(form), Some(text)) = (&tg.stats_form, &tg.stats_formula) else { continue };
        let Ok(f) = formula::parse(text) else { continue };
        for period in periods {
            let totals = crate::stats::totals(
                db,
                form,
                period,
                &[Status::Submitted, Status::Approved, Status::Locked],
            )
            .await?;
            let mut units: Vec<i64> = totals.rollup.iter().map(|((u, _), _)| *u).collect();
            units.sort_unstable();
            units.dedup();
            for unit in units {
                if let Some(v) = formula::eval(&f.expr, &Totals { t: &totals, cat: &cat, unit }) {
                    out.push(IndicatorValue {
                        indicator: tg.code.clone(),
                        org_unit_id: unit,
                        period: period.clone(),
                        value: v,
                        source: "stats".into(),
                    });
                }
            }
        }
    }
    if out.is_empty() {
        return Ok(0);
    }
    import(db, &out, actor).await
}

/// Indicator values computed from the registers the platform keeps (targets with `register`),
/// for years or for quarters and halves (本年累计, from the first of the year; kept under the
/// period's code, `2026Q3`): for `tech_contracts`, the 合同成交额 of the contracts registered in each year and not
/// cancelled, by the registrant's unit and every unit above it; for the innovation subjects'
/// registers (`subjects::registers`), the count of records under each unit (a county's with
/// the parks that lie in it). Source `register`;
/// a unit with none has 0; a subjects' register writes nothing for years before its first
/// record. Returns the values written.
pub async fn from_register<P: Copy + Into<Period>>(
    db: &Db,
    framework: &innocity_core::indicators::targets::Framework,
    periods: &[P],
    actor: Actor<'_>,
) -> Result<usize> {
    let targets: Vec<_> = framework.targets.iter().filter(|t| t.register.is_some()).collect();
    if targets.is_empty() {
        return Ok(0);
    }
    let units = crate::orgs::units(db).await?;
    let areas: Vec<(i64, Vec<String>)> =
        units.iter().map(|u| (u.id, crate::orgs::area_roots(&units, u))).collect();
    let mut out = Vec::new();
    let value =
        |t: &innocity_core::indicators::targets::Target, unit: i64, period: Period, value| {
            IndicatorValue {
                indicator: t.code.clone(),
                org_unit_id: unit,
                period: period.to_string(),
                value,
                source: "register".into(),
            }
        };
    for &period in periods {
        let period: Period = period.into();
        for t in &targets {
            let register = t.register.as_deref().unwrap_or_default();
            let Some(totals) = register_totals(db, register, period, &areas).await? else {
                continue;
            };
            for total in totals {
                // Every unit gets its value, zero too: a cancelled contract must leave the total.
                let v = if total.money { t.money_in_unit(total.fen) } else { Some(total.plain) };
                let v = if register == "tech_contracts" {
                    v
                } else {
                    v.map(|v| (v * 100.0).round() / 100.0)
                };
                if let Some(v) = v {
                    out.push(value(t, total.unit, period, v));
                }
            }
        }
    }
    if out.is_empty() {
        return Ok(0);
    }
    import(db, &out, actor).await
}

/// The quarters of last year and of this one begun by `today`: the periods the monitoring by
/// quarter computes (a half's values are its last quarter's).
pub fn quarters_to_date(today: chrono::NaiveDate) -> Vec<Period> {
    use chrono::Datelike;
    let this = today.year();
    (this - 1..=this)
        .flat_map(|y| (1..=4).map(move |q| Period::Quarter(y, q)))
        .filter(|q| q.days().0 <= today)
        .collect()
}

/// A register's total for one area in a year: a count (or hours), or money in fen.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaTotal {
    pub unit: i64,
    pub plain: f64,
    pub fen: i64,
    /// The register counts money (`fen`), not things (`plain`).
    pub money: bool,
}

/// A register's totals for each of `areas` (a unit and its area's roots) in a year, or from
/// the first of a quarter's or half's year to its end (本年累计; what is held, on its last day);
/// `None` for a subjects' register before its first record (or an unknown register).
pub async fn register_totals(
    db: &Db,
    register: &str,
    period: impl Into<Period>,
    areas: &[(i64, Vec<String>)],
) -> Result<Option<Vec<AreaTotal>>> {
    use crate::sharing::registers::Measure;
    let period = period.into();
    let within = |area: &[String], path: &str| innocity_core::orgs::in_area(area, path);
    let (from, to) = period.year_to_date_days();
    if register == "tech_contracts" {
        let contracts = crate::market::contracts::registered_between(db, from, to).await?;
        let totals = areas.iter().map(|(unit, area)| {
            let under = contracts.iter().filter(|c| within(area, &c.unit_path));
            let fen: i64 = under.map(|c| c.amount.fen()).sum();
            AreaTotal { unit: *unit, plain: 0.0, fen, money: true }
        });
        return Ok(Some(totals.collect()));
    }
    if let Some(records) = register_values(db, register, period).await? {
        let money = crate::sharing::registers::in_money(register)
            || crate::finance::registers::in_money(register);
        let totals = areas.iter().map(|(unit, area)| {
            let under = records.iter().filter(|(p, _)| within(area, p));
            let (plain, fen) = under.fold((0.0, 0i64), |(p, f), (_, m)| match m {
                Measure::Plain(x) => (p + x, f),
                Measure::Fen(x) => (p, f.saturating_add(*x)),
            });
            AreaTotal { unit: *unit, plain, fen, money }
        });
        return Ok(Some(totals.collect()));
    }
    let Some(paths) = crate::subjects::registers::counted(db, register, period).await? else {
        return Ok(None);
    };
    let totals = areas.iter().map(|(unit, area)| {
        let n = paths.iter().filter(|p| within(area, p)).count();
        AreaTotal { unit: *unit, plain: n as f64, fen: 0, money: false }
    });
    Ok(Some(totals.collect()))
}

/// A money or count register's records of the period with their unit paths: the sharing
/// platform's or the policy library's (`None` for another register).
async fn register_values(
    db: &Db,
    register: &str,
    period: Period,
) -> Result<Option<Vec<(String, crate::sharing::registers::Measure)>>> {
    match crate::sharing::registers::values(db, register, period).await? {
        Some(records) => Ok(Some(records)),
        None => crate::finance::registers::values(db, register, period).await,
    }
}

/// The frameworks whose dashboards anyone may see.
pub async fn public_frameworks(db: &Db) -> Result<Vec<String>> {
    db.read("SELECT code FROM framework_settings WHERE public = 1 ORDER BY code", vec![], |r| {
        r.text(0)
    })
    .await
}

/// Switches a framework's public dashboard on or off (audited).
pub async fn set_public(db: &Db, code: &str, public: bool, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    tx.exec(
        "INSERT INTO framework_settings (code, public, updated_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET public = excluded.public, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        vec![code.into(), i64::from(public).into(), actor.username.into(), tx.clock.now_ms().into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "framework.public",
            entity: "framework",
            entity_id: code.into(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "public": public }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Fills in the values of org units above those that report (source `aggregated`): totals summed,
/// ratios with a numerator and a denominator as ratios of the sums; up the tree first (a city
/// from its zones, never its counties, which would count the parks twice), then each county
/// from the parks that lie in it. Returns the values written.
pub async fn aggregate(
    db: &Db,
    framework: &innocity_core::indicators::targets::Framework,
    actor: Actor<'_>,
) -> Result<usize> {
    let codes: Vec<String> = framework.targets.iter().map(|t| t.code.clone()).collect();
    if codes.is_empty() {
        return Ok(0);
    }
    let marks = vec!["?"; codes.len()].join(", ");
    // A unit's own values count; earlier sums are recomputed (their source is `aggregated`).
    let values: Vec<(String, i64, String, f64)> = db
        .rows::<IndicatorValue>(
            &select::<IndicatorValue>(&format!(
                "WHERE indicator IN ({marks}) AND source <> 'aggregated'"
            )),
            codes.iter().map(|c| Value::from(c.clone())).collect(),
        )
        .await?
        .into_iter()
        .map(|v| (v.indicator, v.org_unit_id, v.period, v.value))
        .collect();
    use innocity_core::indicators::targets::aggregate_up;
    let all = crate::orgs::units(db).await?;
    let county = innocity_core::orgs::UnitLevel::County.code();
    let tree: Vec<(i64, Option<i64>)> =
        all.iter().filter(|u| u.level != county).map(|u| (u.id, u.parent_id)).collect();
    let mut summed = aggregate_up(framework, &tree, &values);
    // The counties: each a parent of its parks alone.
    let memberships: Vec<(i64, Option<i64>)> = all
        .iter()
        .filter(|u| u.level == county || u.county_id.is_some())
        .map(|u| (u.id, u.county_id))
        .collect();
    if memberships.iter().any(|m| m.1.is_some()) {
        let mut known = values.clone();
        known.extend(summed.iter().cloned());
        summed.extend(aggregate_up(framework, &memberships, &known));
    }
    let out: Vec<IndicatorValue> = summed
        .into_iter()
        .map(|(indicator, org_unit_id, period, value)| IndicatorValue {
            indicator,
            org_unit_id,
            period,
            value,
            source: "aggregated".into(),
        })
        .collect();
    if out.is_empty() {
        return Ok(0);
    }
    import(db, &out, actor).await
}

/// The frameworks in force: the built-in ones, then those bureau staff imported (an imported
/// framework with a built-in code replaces it).
pub async fn frameworks(db: &Db) -> Result<Vec<innocity_core::indicators::targets::Framework>> {
    use innocity_core::indicators::targets::Framework;
    let mut all = Framework::built_in();
    let stored: Vec<StoredFramework> =
        db.rows(&select::<StoredFramework>("ORDER BY imported_at, code"), vec![]).await?;
    for StoredFramework { code, body } in stored {
        match Framework::from_toml(&code, &body) {
            Ok(f) => match all.iter().position(|x| x.code == f.code) {
                Some(i) => all[i] = f,
                None => all.push(f),
            },
            // Checked when imported; a definition that no longer reads is left out, not fatal.
            Err(e) => tracing::warn!(%code, errors = e.len(), "stored framework does not read"),
        }
    }
    Ok(all)
}

/// Stores a framework definition (already checked), replacing one with the same code.
pub async fn add_framework(db: &Db, code: &str, body: &str, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    tx.exec(
        "INSERT INTO framework_definitions (code, body, imported_by, imported_at) VALUES (?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET body = excluded.body, imported_by = excluded.imported_by, imported_at = excluded.imported_at",
        vec![code.into(), body.into(), actor.username.into(), tx.clock.now_ms().into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "framework.import",
            entity: "framework",
            entity_id: code.into(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "bytes": body.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
