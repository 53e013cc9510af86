//! The innovation subjects as registers the indicators count (`Target::register`): for a
//! register and a period (a year, or a quarter's or half's year to date), the unit path of every
//! record counted, so each unit's value is the
//! records under it. A year before the register's first record has no values: the history
//! typed in from yearbooks stands until the platform holds the facts.
use crate::db::{Db, Result};
use chrono::{Datelike, NaiveDate};
use innocity_core::periods::Period;
use innocity_core::subjects::carriers::RD_PLATFORMS;
use innocity_core::subjects::talent::supported_in;

/// The days a count covers: from the first of the period's year to the period's last day
/// (`end`); what is held is counted on `to`, the last day or today in a running period.
#[derive(Debug, Clone, Copy)]
struct Span {
    year: i32,
    from: NaiveDate,
    end: NaiveDate,
    to: NaiveDate,
}

impl Span {
    fn of(period: Period, today: NaiveDate) -> Span {
        let (from, end) = period.year_to_date_days();
        Span { year: period.year(), from, end, to: end.min(today) }
    }
}

/// Certificates of a kind: valid on the count's day, or issued in the span (`new`).
async fn certificates(db: &Db, kind: &str, span: Span, new: bool) -> Result<Option<Vec<String>>> {
    let year = span.year;
    let rows = db
        .read(
            "SELECT o.unit_path, q.issued_on, q.valid_until FROM organisation_qualifications q JOIN organisations o ON o.id = q.organisation_id WHERE q.code = ? AND q.issued_on <> ''",
            vec![kind.into()],
            |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)),
        )
        .await?;
    let first = rows.iter().filter_map(|r| r.1.get(..4)?.parse::<i32>().ok()).min();
    if first.is_none_or(|f| year < f) {
        return Ok(None);
    }
    let day = span.to.to_string();
    let (from, end) = (span.from.to_string(), span.end.to_string());
    Ok(Some(
        rows.into_iter()
            .filter(|(_, issued, until)| {
                if new {
                    issued.as_str() >= from.as_str() && issued.as_str() <= end.as_str()
                } else {
                    issued.as_str() <= day.as_str() && until.as_str() >= day.as_str()
                }
            })
            .map(|r| r.0)
            .collect(),
    ))
}

/// Carriers of the kinds (all when empty) recognised by the count's day and not removed before
/// the year (a carrier removed by the grade of year Y still counts in Y).
async fn carriers(db: &Db, kinds: &[&str], span: Span) -> Result<Option<Vec<String>>> {
    let year = span.year;
    let rows = db
        .read(
            "SELECT o.unit_path, c.kind, c.recognised_on, (SELECT MIN(g.year) FROM carrier_grades g WHERE g.carrier_id = c.id AND g.consequence = 'removal') FROM carriers c JOIN organisations o ON o.id = c.host_id",
            vec![],
            |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.opt_int(3)?)),
        )
        .await?;
    let rows: Vec<_> =
        rows.into_iter().filter(|r| kinds.is_empty() || kinds.contains(&r.1.as_str())).collect();
    let first = rows.iter().filter_map(|r| r.2.get(..4)?.parse::<i32>().ok()).min();
    if first.is_none_or(|f| year < f) {
        return Ok(None);
    }
    let day = span.to.to_string();
    Ok(Some(
        rows.into_iter()
            .filter(|r| {
                r.2.as_str() <= day.as_str() && r.3.is_none_or(|removed| removed >= i64::from(year))
            })
            .map(|r| r.0)
            .collect(),
    ))
}

/// People of a programme, or teams, supported on some day of the span.
async fn supported(
    db: &Db,
    sql: &str,
    values: Vec<sea_orm::Value>,
    span: Span,
) -> Result<Option<Vec<String>>> {
    let year = span.year;
    let date = |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok();
    let rows = db.read(sql, values, |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?))).await?;
    let spans: Vec<(String, NaiveDate, NaiveDate)> = rows
        .into_iter()
        .filter_map(|(path, from, to)| Some((path, date(from)?, date(to)?)))
        .collect();
    let first = spans.iter().map(|s| s.1.year()).min();
    if first.is_none_or(|f| year < f) {
        return Ok(None);
    }
    let covers = |from: NaiveDate, to: NaiveDate| {
        supported_in(from, to, year) && from <= span.end && to >= span.from
    };
    Ok(Some(spans.into_iter().filter(|s| covers(s.1, s.2)).map(|s| s.0).collect()))
}

/// The unit paths of the records a register counts in a period (a year, or a quarter's year to
/// date); `None` for a register that is not a subjects' count or a year before its first record.
pub async fn counted(
    db: &Db,
    register: &str,
    period: impl Into<Period>,
) -> Result<Option<Vec<String>>> {
    let span = Span::of(period.into(), db.clock.today());
    match register.split_once(':') {
        None => match register {
            "high_tech" => certificates(db, "high_tech", span, false).await,
            "high_tech_new" => certificates(db, "high_tech", span, true).await,
            "tech_sme" => certificates(db, "tech_sme", span, false).await,
            "tech_sme_new" => certificates(db, "tech_sme", span, true).await,
            "carriers" => carriers(db, &[], span).await,
            "teams" => {
                let sql = "SELECT o.unit_path, t.support_from, t.support_to FROM teams t JOIN organisations o ON o.id = t.organisation_id";
                supported(db, sql, vec![], span).await
            }
            _ => Ok(None),
        },
        Some(("carriers", "rd")) => carriers(db, &RD_PLATFORMS, span).await,
        Some(("carriers", kind)) => carriers(db, &[kind], span).await,
        Some(("talent", programme)) => {
            let sql = "SELECT o.unit_path, p.support_from, p.support_to FROM talents p JOIN organisations o ON o.id = p.organisation_id WHERE p.programme = ?";
            supported(db, sql, vec![programme.into()], span).await
        }
        _ => Ok(None),
    }
}
