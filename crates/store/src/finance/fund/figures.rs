//! The fund's figures for a year, across its funds: per bank and per zone the loans made
//! (number and principal), the subsidies paid, the compensation paid and what came back — the
//! same records the indicators read as registers.
use crate::db::{Db, Result};
use innocity_core::projects::money::Money;

/// One line of the figures: a bank or a zone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FigureLine {
    /// The bank's organisation or the zone's unit (0: enterprises under no zone).
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub loans: i64,
    pub lent: Money,
    pub subsidies: Money,
    pub compensated: Money,
    pub returned: Money,
}

impl FigureLine {
    fn add(&mut self, what: &str, fen: i64) {
        let add = |m: Money| Money(m.fen().saturating_add(fen));
        match what {
            "loan" => {
                self.loans += 1;
                self.lent = add(self.lent);
            }
            "subsidy" => self.subsidies = add(self.subsidies),
            "compensation" => self.compensated = add(self.compensated),
            _ => self.returned = add(self.returned),
        }
    }
}

/// A year's figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    pub year: i32,
    pub banks: Vec<FigureLine>,
    pub zones: Vec<FigureLine>,
    pub total: FigureLine,
}

/// One money record of the year: what it is, its bank, its borrower's unit path, the amount.
struct Record {
    what: &'static str,
    bank_id: i64,
    bank: String,
    unit_path: String,
    fen: i64,
}

async fn records(db: &Db, year: i32) -> Result<Vec<Record>> {
    let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let next = chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default();
    let ms = |d: chrono::NaiveDate| db.clock.ms_of_local(d.and_time(chrono::NaiveTime::MIN));
    const JOIN: &str =
        "JOIN organisations b ON b.id = l.bank_id JOIN organisations o ON o.id = l.borrower_id";
    let queries: [(&'static str, String, Vec<sea_orm::Value>); 4] = [
        (
            "loan",
            format!(
                "SELECT l.bank_id, b.name, o.unit_path, l.principal_fen FROM fund_loans l {JOIN} WHERE l.start_date >= ? AND l.start_date <= ?"
            ),
            vec![from.to_string().into(), format!("{year}-12-31").into()],
        ),
        (
            "subsidy",
            format!(
                "SELECT l.bank_id, b.name, o.unit_path, s.amount_fen FROM fund_subsidies s JOIN fund_loans l ON l.id = s.loan_id {JOIN} WHERE s.status = 'paid' AND s.paid_at >= ? AND s.paid_at < ?"
            ),
            vec![ms(from).into(), ms(next).into()],
        ),
        (
            "compensation",
            format!(
                "SELECT l.bank_id, b.name, o.unit_path, c.compensation_fen FROM fund_claims c JOIN fund_loans l ON l.id = c.loan_id {JOIN} WHERE c.status = 'paid' AND c.paid_at >= ? AND c.paid_at < ?"
            ),
            vec![ms(from).into(), ms(next).into()],
        ),
        (
            "returned",
            format!(
                "SELECT l.bank_id, b.name, o.unit_path, r.returned_fen FROM fund_recoveries r JOIN fund_claims c ON c.id = r.claim_id JOIN fund_loans l ON l.id = c.loan_id {JOIN} WHERE r.recorded_at >= ? AND r.recorded_at < ?"
            ),
            vec![ms(from).into(), ms(next).into()],
        ),
    ];
    let mut out = Vec::new();
    for (what, sql, values) in queries {
        out.extend(
            db.read(&sql, values, |r| {
                Ok(Record {
                    what,
                    bank_id: r.int(0)?,
                    bank: r.text(1)?,
                    unit_path: r.text(2)?,
                    fen: r.int(3)?,
                })
            })
            .await?,
        );
    }
    Ok(out)
}

pub async fn figures(db: &Db, year: i32) -> Result<Figures> {
    let zones: Vec<_> =
        crate::orgs::units(db).await?.into_iter().filter(|u| u.level == "zone").collect();
    let mut by_zone: Vec<FigureLine> = zones
        .iter()
        .map(|u| FigureLine {
            id: u.id,
            name_zh: u.name_zh.clone(),
            name_en: u.name_en.clone(),
            ..FigureLine::default()
        })
        .collect();
    let mut elsewhere =
        FigureLine {
            name_zh: "其他".into(), name_en: "Elsewhere".into(), ..FigureLine::default()
        };
    let mut banks: Vec<FigureLine> = Vec::new();
    let mut total =
        FigureLine { name_zh: "合计".into(), name_en: "Total".into(), ..FigureLine::default() };
    for r in records(db, year).await? {
        total.add(r.what, r.fen);
        match zones.iter().position(|z| r.unit_path.starts_with(&z.path)) {
            Some(i) => by_zone[i].add(r.what, r.fen),
            None => elsewhere.add(r.what, r.fen),
        }
        let at = match banks.iter().position(|b| b.id == r.bank_id) {
            Some(i) => i,
            None => {
                banks.push(FigureLine {
                    id: r.bank_id,
                    name_zh: r.bank.clone(),
                    name_en: r.bank.clone(),
                    ..FigureLine::default()
                });
                banks.len() - 1
            }
        };
        banks[at].add(r.what, r.fen);
    }
    if elsewhere
        != (FigureLine {
            name_zh: "其他".into(),
            name_en: "Elsewhere".into(),
            ..FigureLine::default()
        })
    {
        by_zone.push(elsewhere);
    }
    banks.sort_by(|a, b| b.lent.cmp(&a.lent).then(a.id.cmp(&b.id)));
    Ok(Figures { year, banks, zones: by_zone, total })
}
