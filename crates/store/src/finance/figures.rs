//! The policy library's figures for a year: per policy its live list (entitled, paid, waiting,
//! paid by application) and per zone the money listed and paid — what the finance office reports
//! and the indicators read (`registers`).
use crate::db::{Db, Result};
use innocity_core::projects::money::Money;
use std::collections::BTreeMap;

/// One policy's list of the year.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyFigure {
    pub policy_id: i64,
    pub code: String,
    pub title: String,
    pub run_id: i64,
    /// The run's status code.
    pub status: String,
    /// Lines to pay (listed, objected, paid).
    pub entitled: i64,
    pub listed: Money,
    pub paid_lines: i64,
    pub paid: Money,
    /// Lines found paid by application (never paid again).
    pub applied_lines: i64,
}

/// One zone's lines of the year, all policies together.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ZoneFigure {
    pub unit_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub entitled: i64,
    pub listed: Money,
    pub paid: Money,
}

/// A line of a live list of `year` with its policy and the enterprise's unit path.
struct Line {
    policy_id: i64,
    code: String,
    title: String,
    run_id: i64,
    status: String,
    line_status: String,
    amount: i64,
    unit_path: String,
}

async fn lines(db: &Db, year: i32) -> Result<Vec<Line>> {
    db.read(
        "SELECT p.id, p.code, p.title, r.id, r.status, l.status, l.amount_fen, o.unit_path FROM policy_runs r JOIN policies p ON p.id = r.policy_id JOIN policy_entitlements l ON l.run_id = r.id JOIN organisations o ON o.id = l.organisation_id WHERE r.year = ? AND r.status <> 'returned' ORDER BY p.id",
        vec![i64::from(year).into()],
        |r| {
            Ok(Line {
                policy_id: r.int(0)?,
                code: r.text(1)?,
                title: r.text(2)?,
                run_id: r.int(3)?,
                status: r.text(4)?,
                line_status: r.text(5)?,
                amount: r.int(6)?,
                unit_path: r.text(7)?,
            })
        },
    )
    .await
}

fn pays(status: &str) -> bool {
    matches!(status, "listed" | "objected" | "paid")
}

/// Every policy with a live list for `year`, in the library's order.
pub async fn by_policy(db: &Db, year: i32) -> Result<Vec<PolicyFigure>> {
    let mut out: BTreeMap<i64, PolicyFigure> = BTreeMap::new();
    for l in lines(db, year).await? {
        let f = out.entry(l.policy_id).or_insert_with(|| PolicyFigure {
            policy_id: l.policy_id,
            code: l.code.clone(),
            title: l.title.clone(),
            run_id: l.run_id,
            status: l.status.clone(),
            ..PolicyFigure::default()
        });
        if pays(&l.line_status) {
            f.entitled += 1;
            f.listed = Money(f.listed.fen().saturating_add(l.amount));
        }
        if l.line_status == "paid" {
            f.paid_lines += 1;
            f.paid = Money(f.paid.fen().saturating_add(l.amount));
        }
        if l.line_status == "applied" {
            f.applied_lines += 1;
        }
    }
    Ok(out.into_values().collect())
}

/// Every zone (and the enterprises under no zone, unit 0) with the lines of `year`.
pub async fn by_zone(db: &Db, year: i32) -> Result<Vec<ZoneFigure>> {
    let zones: Vec<_> =
        crate::orgs::units(db).await?.into_iter().filter(|u| u.level == "zone").collect();
    let mut out: Vec<ZoneFigure> = zones
        .iter()
        .map(|u| ZoneFigure {
            unit_id: u.id,
            name_zh: u.name_zh.clone(),
            name_en: u.name_en.clone(),
            ..ZoneFigure::default()
        })
        .collect();
    let mut other =
        ZoneFigure {
            name_zh: "其他".into(), name_en: "Elsewhere".into(), ..ZoneFigure::default()
        };
    for l in lines(db, year).await?.into_iter().filter(|l| pays(&l.line_status)) {
        let at = zones.iter().position(|z| l.unit_path.starts_with(&z.path));
        let f = match at {
            Some(i) => &mut out[i],
            None => &mut other,
        };
        f.entitled += 1;
        f.listed = Money(f.listed.fen().saturating_add(l.amount));
        if l.line_status == "paid" {
            f.paid = Money(f.paid.fen().saturating_add(l.amount));
        }
    }
    if other.entitled > 0 {
        out.push(other);
    }
    Ok(out)
}
