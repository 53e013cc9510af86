//! The technology market's figures: registered contracts added up by year, quarter, month,
//! zone, kind and where the buyer is (技术输出 to buyers outside the city, and within it), the
//! way the market's public page and its workbook show them.
use crate::projects::money::Money;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// A registered contract as the figures need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The registrant's zone code ("" when outside the zones).
    pub zone: String,
    /// A contract type code (`licence.patent`); its kind is the part before the dot.
    pub contract_type: String,
    pub buyer_region: String,
    pub registered_on: NaiveDate,
    pub amount: Money,
    pub transaction: Money,
}

/// Contracts, 合同成交额 and 技术交易额 of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sum {
    pub contracts: u32,
    pub amount: Money,
    pub transaction: Money,
}

impl Sum {
    fn add(&mut self, r: &Row) {
        self.contracts += 1;
        self.amount = Money(self.amount.fen() + r.amount.fen());
        self.transaction = Money(self.transaction.fen() + r.transaction.fen());
    }
}

/// The rows added up by a key, in the key's order.
pub fn by(rows: &[Row], key: impl Fn(&Row) -> String) -> Vec<(String, Sum)> {
    let mut out: BTreeMap<String, Sum> = BTreeMap::new();
    for r in rows {
        out.entry(key(r)).or_default().add(r);
    }
    out.into_iter().collect()
}

pub fn year(r: &Row) -> String {
    r.registered_on.year().to_string()
}

pub fn quarter(r: &Row) -> String {
    super::contracts::quarter(r.registered_on)
}

pub fn month(r: &Row) -> String {
    r.registered_on.format("%Y-%m").to_string()
}

pub fn kind(r: &Row) -> String {
    r.contract_type.split('.').next().unwrap_or("").to_string()
}

/// `local` for buyers in the city (吸纳 within it), `outside` for the rest (技术输出).
pub fn flow(r: &Row) -> String {
    if r.buyer_region == "local" { "local".into() } else { "outside".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(zone: &str, ty: &str, region: &str, day: (i32, u32, u32), wan: i64, costs: i64) -> Row {
        Row {
            zone: zone.into(),
            contract_type: ty.into(),
            buyer_region: region.into(),
            registered_on: NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap(),
            amount: Money::from_wan(wan),
            transaction: Money::from_wan(wan - costs),
        }
    }

    #[test]
    fn sums_by_year_quarter_zone_kind_and_flow() {
        let rows = vec![
            row("LZGX", "licence.patent", "local", (2024, 3, 31), 100, 10),
            row("LZGX", "service.training", "abroad", (2024, 4, 1), 50, 0),
            row("BYGX", "development.commissioned", "province", (2025, 12, 31), 200, 20),
        ];
        let years = by(&rows, year);
        assert_eq!(years[0].0, "2024");
        assert_eq!(
            (years[0].1.contracts, years[0].1.amount, years[0].1.transaction),
            (2, Money::from_wan(150), Money::from_wan(140))
        );
        let quarters: Vec<String> = by(&rows, quarter).into_iter().map(|(q, _)| q).collect();
        assert_eq!(quarters, vec!["2024Q1", "2024Q2", "2025Q4"]);
        let kinds: Vec<(String, u32)> =
            by(&rows, kind).into_iter().map(|(k, s)| (k, s.contracts)).collect();
        assert_eq!(
            kinds,
            vec![("development".into(), 1), ("licence".into(), 1), ("service".into(), 1)]
        );
        let flows = by(&rows, flow);
        assert_eq!(
            flows[0],
            (
                "local".into(),
                Sum {
                    contracts: 1,
                    amount: Money::from_wan(100),
                    transaction: Money::from_wan(90)
                }
            )
        );
        assert_eq!(flows[1].1.amount, Money::from_wan(250));
        assert_eq!(by(&rows, |r| r.zone.clone()).len(), 2);
        assert_eq!(by(&[], year), vec![]);
    }
}
