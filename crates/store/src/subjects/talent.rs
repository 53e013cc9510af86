//! Talent and teams: the people of the bureau's programmes (linked to the expert library when
//! they are in it), innovation teams with their members, yearly reports, and the counts by
//! programme that feed the indicators. Every change is audited.
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use chrono::NaiveDate;
use innocity_core::subjects::talent::{Person, Team, report_years, supported_in};

/// A person of a programme, with their organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct TalentRow {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub unit_path: String,
    pub field: String,
    pub programme: String,
    pub support_from: NaiveDate,
    pub support_to: NaiveDate,
    pub cycle_years: i64,
    pub placement: String,
    pub expert_code: Option<String>,
}

impl FromRow for TalentRow {
    const TABLE: &'static str = "talents";
    const FROM: &'static str = "talents p JOIN organisations o ON o.id = p.organisation_id LEFT JOIN experts x ON x.id = p.expert_id";
    columns!(
        "p.id",
        "p.name",
        "p.title",
        "p.organisation_id",
        "o.name",
        "o.unit_path",
        "p.field",
        "p.programme",
        "p.support_from",
        "p.support_to",
        "p.cycle_years",
        "p.placement",
        "x.code"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(TalentRow {
            id: f.int()?,
            name: f.text()?,
            title: f.text()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            unit_path: f.text()?,
            field: f.text()?,
            programme: f.text()?,
            support_from: f.date()?,
            support_to: f.date()?,
            cycle_years: f.int()?,
            placement: f.text()?,
            expert_code: f.opt_text()?,
        })
    }
}

/// A team with its organisation, leader and size.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub unit_path: String,
    pub field: String,
    pub leader_id: i64,
    pub leader: String,
    pub support_from: NaiveDate,
    pub support_to: NaiveDate,
    pub cycle_years: i64,
    pub members: i64,
}

impl FromRow for TeamRow {
    const TABLE: &'static str = "teams";
    const FROM: &'static str = "teams t JOIN organisations o ON o.id = t.organisation_id JOIN talents l ON l.id = t.leader_id";
    columns!(
        "t.id",
        "t.name",
        "t.organisation_id",
        "o.name",
        "o.unit_path",
        "t.field",
        "t.leader_id",
        "l.name",
        "t.support_from",
        "t.support_to",
        "t.cycle_years",
        "(SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id)"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(TeamRow {
            id: f.int()?,
            name: f.text()?,
            organisation_id: f.int()?,
            organisation: f.text()?,
            unit_path: f.text()?,
            field: f.text()?,
            leader_id: f.int()?,
            leader: f.text()?,
            support_from: f.date()?,
            support_to: f.date()?,
            cycle_years: f.int()?,
            members: f.int()?,
        })
    }
}

/// A yearly report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub year: i64,
    pub summary: String,
    pub filed_by: String,
}

impl FromRow for Report {
    const TABLE: &'static str = "talent_reports";
    columns!(year, summary, filed_by);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Report { year: f.int()?, summary: f.text()?, filed_by: f.text()? })
    }
}

/// Why a talent change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TalentRefusal {
    /// No organisation has this credit code.
    UnknownOrganisation {
        credit_code: String,
    },
    /// The organisation lies outside the caller's area.
    OutOfScope {
        credit_code: String,
    },
    /// No expert has this code.
    UnknownExpert {
        code: String,
    },
    /// The organisation already has this person in the programme (or a team of this name).
    Taken {
        name: String,
    },
    /// A leader or member who is not a recorded person of the caller's area.
    UnknownPerson {
        field: &'static str,
        id: i64,
    },
    /// A report for a year the support does not cover or that has not ended, or one already
    /// filed.
    ReportYear {
        year: i32,
    },
    ReportFiled {
        year: i32,
    },
    /// A report without words (or over 5,000 characters).
    ReportText,
}

fn refused(r: TalentRefusal) -> StoreError {
    StoreError::Talent(r)
}

/// The organisation of a credit code in the area of `roots`, or the refusal naming why not.
async fn organisation_in(tx: &Tx, code: &str, roots: &[String]) -> Result<i64> {
    let row = tx
        .query_one(
            "SELECT id, unit_path FROM organisations WHERE credit_code = ?",
            vec![code.into()],
        )
        .await?;
    let Some(row) = row else {
        return Err(refused(TalentRefusal::UnknownOrganisation { credit_code: code.into() }));
    };
    let id: i64 = row.try_get_by_index(0).unwrap_or(0);
    let path: String = row.try_get_by_index(1).unwrap_or_default();
    if !innocity_core::orgs::in_area(roots, &path) {
        return Err(refused(TalentRefusal::OutOfScope { credit_code: code.into() }));
    }
    Ok(id)
}

/// Records a person of an organisation in the area of `roots`. Returns the id.
pub async fn add_person(db: &Db, p: &Person, roots: &[String], actor: Actor<'_>) -> Result<i64> {
    let tx = db.begin_write().await?;
    let org = organisation_in(&tx, &p.organisation_credit_code, roots).await?;
    let expert = match &p.expert_code {
        None => None,
        Some(code) => {
            let row = tx
                .query_one("SELECT id FROM experts WHERE code = ?", vec![code.clone().into()])
                .await?;
            let id = row.and_then(|r| r.try_get_by_index::<i64>(0).ok());
            Some(id.ok_or_else(|| refused(TalentRefusal::UnknownExpert { code: code.clone() }))?)
        }
    };
    let taken = tx
        .query_one(
            "SELECT id FROM talents WHERE organisation_id = ? AND programme = ? AND name = ?",
            vec![org.into(), p.programme.clone().into(), p.name.clone().into()],
        )
        .await?;
    if taken.is_some() {
        return Err(refused(TalentRefusal::Taken { name: p.name.clone() }));
    }
    let id = tx
        .insert(
            "INSERT INTO talents (name, title, organisation_id, field, programme, support_from, support_to, cycle_years, placement, expert_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                p.name.clone().into(),
                p.title.clone().into(),
                org.into(),
                p.field.clone().into(),
                p.programme.clone().into(),
                p.support_from.to_string().into(),
                p.support_to.to_string().into(),
                i64::from(p.cycle_years).into(),
                p.placement.clone().into(),
                expert.into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    let after = serde_json::json!({
        "name": p.name, "organisation": p.organisation_credit_code, "programme": p.programme,
        "support_from": p.support_from.to_string(), "support_to": p.support_to.to_string(),
        "cycle_years": p.cycle_years, "placement": p.placement, "expert": p.expert_code,
    });
    super::log(&tx, actor, "talent.add", "talent", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// Which people or teams a list shows (by default: everyone, city-wide).
#[derive(Debug, Clone)]
pub struct TalentQuery {
    /// The area's subtrees (a unit's path, with a county's parks).
    pub within: Vec<String>,
    pub programme: Option<String>,
    /// Part of the name, the organisation's name, the field or the placement.
    pub text: Option<String>,
}

impl Default for TalentQuery {
    fn default() -> Self {
        TalentQuery { within: crate::orgs::everywhere(), programme: None, text: None }
    }
}

/// The people a query finds, by programme and name.
pub async fn people(db: &Db, q: &TalentQuery) -> Result<Vec<TalentRow>> {
    let (area, mut values) = crate::orgs::under_roots("o.unit_path", &q.within);
    let mut sql = format!("WHERE {area}");
    if let Some(p) = q.programme.as_ref().filter(|p| !p.is_empty()) {
        sql.push_str(" AND p.programme = ?");
        values.push(p.clone().into());
    }
    if let Some(text) = q.text.as_ref().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        sql.push_str(
            " AND (p.name LIKE ? OR o.name LIKE ? OR p.field LIKE ? OR p.placement LIKE ?)",
        );
        let like = format!("%{text}%");
        values.extend(std::iter::repeat_n(sea_orm::Value::from(like), 4));
    }
    sql.push_str(" ORDER BY p.programme, p.name, p.id");
    db.rows(&select::<TalentRow>(&sql), values).await
}

pub async fn person(db: &Db, id: i64) -> Result<Option<TalentRow>> {
    db.row(&select::<TalentRow>("WHERE p.id = ?"), vec![id.into()]).await
}

/// Records a team of an organisation in the area of `roots`; its leader and members must be
/// people recorded in that area. Returns the id.
pub async fn add_team(db: &Db, t: &Team, roots: &[String], actor: Actor<'_>) -> Result<i64> {
    let tx = db.begin_write().await?;
    let org = organisation_in(&tx, &t.organisation_credit_code, roots).await?;
    let people = std::iter::once(("leader_id", t.leader_id))
        .chain(t.member_ids.iter().map(|m| ("member_ids", *m)));
    for (field, id) in people.clone() {
        let found: Option<TalentRow> =
            tx.row(&select::<TalentRow>("WHERE p.id = ?"), vec![id.into()]).await?;
        if !found.is_some_and(|p| innocity_core::orgs::in_area(roots, &p.unit_path)) {
            return Err(refused(TalentRefusal::UnknownPerson { field, id }));
        }
    }
    let taken = tx
        .query_one(
            "SELECT id FROM teams WHERE organisation_id = ? AND name = ?",
            vec![org.into(), t.name.clone().into()],
        )
        .await?;
    if taken.is_some() {
        return Err(refused(TalentRefusal::Taken { name: t.name.clone() }));
    }
    let id = tx
        .insert(
            "INSERT INTO teams (name, organisation_id, field, leader_id, support_from, support_to, cycle_years, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                t.name.clone().into(),
                org.into(),
                t.field.clone().into(),
                t.leader_id.into(),
                t.support_from.to_string().into(),
                t.support_to.to_string().into(),
                i64::from(t.cycle_years).into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    for (_, member) in people {
        tx.exec(
            "INSERT INTO team_members (team_id, talent_id) VALUES (?, ?)",
            vec![id.into(), member.into()],
        )
        .await?;
    }
    let after = serde_json::json!({
        "name": t.name, "organisation": t.organisation_credit_code, "leader_id": t.leader_id,
        "member_ids": t.member_ids, "support_from": t.support_from.to_string(),
        "support_to": t.support_to.to_string(), "cycle_years": t.cycle_years,
    });
    super::log(&tx, actor, "team.add", "team", id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// The teams of organisations in an area (its subtrees' roots), by name.
pub async fn teams(db: &Db, roots: &[String]) -> Result<Vec<TeamRow>> {
    let (area, values) = crate::orgs::under_roots("o.unit_path", roots);
    db.rows(&select::<TeamRow>(&format!("WHERE {area} ORDER BY t.name, t.id")), values).await
}

pub async fn team(db: &Db, id: i64) -> Result<Option<TeamRow>> {
    db.row(&select::<TeamRow>("WHERE t.id = ?"), vec![id.into()]).await
}

/// A team's people, the leader first.
pub async fn members(db: &Db, team: &TeamRow) -> Result<Vec<TalentRow>> {
    let mut all: Vec<TalentRow> = db
        .rows(
            &select::<TalentRow>(
                "WHERE p.id IN (SELECT talent_id FROM team_members WHERE team_id = ?) ORDER BY p.name",
            ),
            vec![team.id.into()],
        )
        .await?;
    all.sort_by_key(|p| p.id != team.leader_id);
    Ok(all)
}

/// The teams a person is in.
pub async fn teams_of(db: &Db, talent_id: i64) -> Result<Vec<TeamRow>> {
    db.rows(
        &select::<TeamRow>(
            "WHERE t.id IN (SELECT team_id FROM team_members WHERE talent_id = ?) ORDER BY t.name",
        ),
        vec![talent_id.into()],
    )
    .await
}

/// What a report is of: a person (`talent`) or a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Talent,
    Team,
}

impl Subject {
    pub fn code(self) -> &'static str {
        match self {
            Subject::Talent => "talent",
            Subject::Team => "team",
        }
    }
}

/// Files the yearly report of a person or team for a year its support covers and that has
/// ended; once a year.
pub async fn file_report(
    db: &Db,
    subject: Subject,
    id: i64,
    (from, to): (NaiveDate, NaiveDate),
    year: i32,
    summary: &str,
    actor: Actor<'_>,
) -> Result<()> {
    let summary = summary.trim();
    if summary.is_empty() || summary.chars().count() > 5000 {
        return Err(refused(TalentRefusal::ReportText));
    }
    if !report_years(from, to, db.clock.today()).contains(&year) {
        return Err(refused(TalentRefusal::ReportYear { year }));
    }
    let tx = db.begin_write().await?;
    let filed = tx
        .query_one(
            "SELECT id FROM talent_reports WHERE subject = ? AND subject_id = ? AND year = ?",
            vec![subject.code().into(), id.into(), i64::from(year).into()],
        )
        .await?;
    if filed.is_some() {
        return Err(refused(TalentRefusal::ReportFiled { year }));
    }
    tx.insert(
        "INSERT INTO talent_reports (subject, subject_id, year, summary, filed_by, filed_at) VALUES (?, ?, ?, ?, ?, ?)",
        vec![subject.code().into(), id.into(), i64::from(year).into(), summary.into(), actor.username.into(), tx.clock.now_ms().into()],
    )
    .await?;
    let after = serde_json::json!({ "year": year, "summary": summary });
    super::log(&tx, actor, "talent.report", subject.code(), id, after).await?;
    tx.commit().await
}

/// The reports of a person or team, newest first.
pub async fn reports(db: &Db, subject: Subject, id: i64) -> Result<Vec<Report>> {
    db.rows(
        &select::<Report>("WHERE subject = ? AND subject_id = ? ORDER BY year DESC"),
        vec![subject.code().into(), id.into()],
    )
    .await
}

/// People supported in `year` by programme, and the teams, in an area.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TalentCounts {
    /// (programme, people).
    pub by_programme: Vec<(String, i64)>,
    pub teams: i64,
}

/// The counts of a year in an area (its subtrees' roots).
pub async fn counts(db: &Db, roots: &[String], year: i32) -> Result<TalentCounts> {
    let q = TalentQuery { within: roots.to_vec(), ..TalentQuery::default() };
    let mut by_programme: Vec<(String, i64)> = Vec::new();
    for p in
        people(db, &q).await?.iter().filter(|p| supported_in(p.support_from, p.support_to, year))
    {
        match by_programme.iter_mut().find(|(code, _)| *code == p.programme) {
            Some((_, n)) => *n += 1,
            None => by_programme.push((p.programme.clone(), 1)),
        }
    }
    let teams = teams(db, roots)
        .await?
        .iter()
        .filter(|t| supported_in(t.support_from, t.support_to, year))
        .count() as i64;
    Ok(TalentCounts { by_programme, teams })
}

/// An organisation's people, by programme and name.
pub async fn people_of(db: &Db, organisation_id: i64) -> Result<Vec<TalentRow>> {
    db.rows(
        &select::<TalentRow>("WHERE p.organisation_id = ? ORDER BY p.programme, p.name"),
        vec![organisation_id.into()],
    )
    .await
}

/// An organisation's teams, by name.
pub async fn teams_at(db: &Db, organisation_id: i64) -> Result<Vec<TeamRow>> {
    db.rows(
        &select::<TeamRow>("WHERE t.organisation_id = ? ORDER BY t.name"),
        vec![organisation_id.into()],
    )
    .await
}
