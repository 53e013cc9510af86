//! Applications: drafts, lists, eligibility and duplicates.
use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: i64,
    pub call_id: i64,
    pub code: String,
    pub title: String,
    pub topic: String,
    pub summary: String,
    pub leader_user_id: i64,
    pub leader_name: String,
    /// The leader's identity number (for the credit check), as typed.
    pub leader_key: String,
    pub members: Vec<String>,
    pub organisation_id: i64,
    pub unit_path: String,
    pub budget: Vec<Line>,
    pub requested: Money,
    pub stage: Stage,
    pub reason: String,
    /// Codes of applications this one looks like (for staff).
    pub duplicate_of: String,
    pub granted: Money,
    pub submitted_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// The department review (部门审核): the staff's opinion and the funding they suggest.
    pub department_opinion: String,
    pub suggested: Money,
    /// Answers to the call's own form, by field label.
    pub answers: BTreeMap<String, String>,
}

impl FromRow for Application {
    const TABLE: &'static str = "applications";
    columns!(
        id,
        call_id,
        code,
        title,
        topic,
        summary,
        leader_user_id,
        leader_name,
        leader_key,
        members,
        organisation_id,
        unit_path,
        budget,
        requested_fen,
        stage,
        reason,
        duplicate_of,
        granted_fen,
        submitted_at,
        updated_at,
        version,
        department_opinion,
        suggested_fen,
        answers
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Application {
            id: f.int()?,
            call_id: f.int()?,
            code: f.text()?,
            title: f.text()?,
            topic: f.text()?,
            summary: f.text()?,
            leader_user_id: f.int()?,
            leader_name: f.text()?,
            leader_key: f.text()?,
            members: f.json()?,
            organisation_id: f.int()?,
            unit_path: f.text()?,
            budget: f.json()?,
            requested: Money(f.int()?),
            stage: f.code(Stage::parse)?,
            reason: f.text()?,
            duplicate_of: f.text()?,
            granted: Money(f.int()?),
            submitted_at: f.int()?,
            updated_at: f.int()?,
            version: f.int()?,
            department_opinion: f.text()?,
            suggested: Money(f.int()?),
            answers: f.json()?,
        })
    }
}

pub async fn application(db: &Db, id: i64) -> Result<Option<Application>> {
    db.row(&select::<Application>("WHERE id = ?"), vec![id.into()]).await
}

/// Keeps the board's counts in step, in the caller's transaction: `n` applications with these
/// sums enter (or, negative, leave) a call's stage.
pub(super) async fn count(
    tx: &crate::db::Tx,
    call_id: i64,
    stage: Stage,
    n: i64,
    requested: Money,
    granted: Money,
) -> Result<()> {
    tx.exec(
        "INSERT INTO application_counts (call_id, stage, n, requested_fen, granted_fen) VALUES (?, ?, ?, ?, ?) ON CONFLICT (call_id, stage) DO UPDATE SET n = application_counts.n + excluded.n, requested_fen = application_counts.requested_fen + excluded.requested_fen, granted_fen = application_counts.granted_fen + excluded.granted_fen",
        vec![call_id.into(), stage.code().into(), n.into(), requested.0.into(), granted.0.into()],
    )
    .await?;
    Ok(())
}

/// Recomputes the board's counts from the applications (after bulk loads and restores).
pub async fn recount(db: &Db) -> Result<()> {
    let tx = db.begin_write().await?;
    tx.exec("DELETE FROM application_counts", vec![]).await?;
    tx.exec("INSERT INTO application_counts (call_id, stage, n, requested_fen, granted_fen) SELECT call_id, stage, COUNT(*), CAST(COALESCE(SUM(requested_fen), 0) AS BIGINT), CAST(COALESCE(SUM(granted_fen), 0) AS BIGINT) FROM applications GROUP BY call_id, stage", vec![]).await?;
    tx.commit().await
}

/// Who is looking: the list shows what their role and scope reach.
#[derive(Debug, Clone, Copy)]
pub enum Reach<'a> {
    Leader(i64),
    Organisation(i64),
    /// An area: the roots of its subtrees (a zone's; a county's with its parks).
    Area(&'a [String]),
    All,
}

pub async fn applications(
    db: &Db,
    reach: Reach<'_>,
    call_id: Option<i64>,
    stage: Option<Stage>,
) -> Result<Vec<Application>> {
    let mut sql = select::<Application>("WHERE 1 = 1");
    let mut params: Vec<Value> = vec![];
    match reach {
        Reach::Leader(u) => {
            sql.push_str(" AND leader_user_id = ?");
            params.push(u.into());
        }
        Reach::Organisation(o) => {
            sql.push_str(" AND organisation_id = ?");
            params.push(o.into());
        }
        Reach::Area(roots) => {
            let (area, values) = crate::orgs::under_roots("unit_path", roots);
            sql.push_str(&format!(" AND {area}"));
            params.extend(values);
        }
        Reach::All => {}
    }
    if let Some(c) = call_id {
        sql.push_str(" AND call_id = ?");
        params.push(c.into());
    }
    if let Some(s) = stage {
        sql.push_str(" AND stage = ?");
        params.push(s.code().into());
    }
    sql.push_str(" ORDER BY code");
    db.rows(&sql, params).await
}

/// What an applicant types.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub title: String,
    pub topic: String,
    pub summary: String,
    pub leader_name: String,
    pub leader_key: String,
    pub members: Vec<String>,
    pub budget: Vec<Line>,
    pub answers: BTreeMap<String, String>,
}

/// Checks a draft against the call: the field at fault and why.
pub fn check_draft(call: &Call, d: &Draft) -> std::result::Result<(), ApplicationRefusal> {
    let draft = |field: &str, problem| ApplicationRefusal::Draft { field: field.into(), problem };
    if d.title.trim().chars().count() < 4 || d.title.chars().count() > 100 {
        return Err(draft("title", DraftProblem::Title));
    }
    if !call.topics.is_empty() && !call.topics.contains(&d.topic) {
        return Err(draft("topic", DraftProblem::Topic));
    }
    if d.summary.chars().count() > 20_000 {
        return Err(draft("summary", DraftProblem::SummaryTooLong { max: 20_000 }));
    }
    if d.leader_name.trim().is_empty() {
        return Err(draft("leader_name", DraftProblem::LeaderName));
    }
    if !id_number_ok(&d.leader_key) {
        return Err(draft("leader_key", DraftProblem::IdNumber));
    }
    if let Err(e) = check_budget(&d.budget, &call.budget_rules) {
        return Err(ApplicationRefusal::Draft {
            field: format!("budget.{}", e.field),
            problem: DraftProblem::Budget { rule: e.code, args: e.args },
        });
    }
    if let Some(e) = check_answers(&call.form, &d.answers, false).into_iter().next() {
        return Err(answer_refusal(e));
    }
    Ok(())
}

/// An answer that does not fit the call's form: the field (`q.<label>`), the rule and its argument.
pub(super) fn answer_refusal(e: AnswerError) -> ApplicationRefusal {
    ApplicationRefusal::Draft {
        field: format!("q.{}", e.field),
        problem: DraftProblem::Answer { rule: e.code, arg: e.arg },
    }
}

/// A resident identity number (GB 11643-1999): 17 digits and a check character.
pub fn id_number_ok(s: &str) -> bool {
    let s = s.trim().to_uppercase();
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17].iter().zip(W).map(|(c, w)| u32::from(c - b'0') * w).sum();
    b[17] == b"10X98765432"[(sum % 11) as usize]
}

/// Who applies: the researcher who leads the application, and their organisation.
#[derive(Debug, Clone, Copy)]
pub struct DraftLead<'a> {
    pub leader_user_id: i64,
    pub organisation_id: i64,
    pub unit_path: &'a str,
}

/// A new draft by the signed-in researcher for their organisation.
pub async fn create_draft(
    db: &Db,
    call: &Call,
    d: &Draft,
    lead: DraftLead<'_>,
    today: NaiveDate,
    actor: Actor<'_>,
) -> Result<i64> {
    let DraftLead { leader_user_id, organisation_id, unit_path } = lead;
    if call.status != "open" || today < call.opens_on || today > call.deadlines.applicant {
        return Err(ApplicationRefusal::CallClosed { closes: call.deadlines.applicant }.into());
    }
    check_draft(call, d)?;
    let tx = db.begin_write().await?;
    let n: i64 = tx
        .query_one("SELECT COUNT(*) FROM applications WHERE call_id = ?", vec![call.id.into()])
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or(0);
    let code = format!("{}-{:04}", call.code, n + 1);
    let now = tx.clock.now_ms();
    let id = tx
        .insert(
            "INSERT INTO applications (call_id, code, title, topic, summary, leader_user_id, leader_name, leader_key, members, organisation_id, unit_path, budget, requested_fen, stage, reason, duplicate_of, created_at, updated_at, submitted_at, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', '', '', ?, ?, 0, ?)",
            vec![
                call.id.into(),
                code.clone().into(),
                d.title.trim().into(),
                d.topic.clone().into(),
                d.summary.clone().into(),
                leader_user_id.into(),
                d.leader_name.trim().into(),
                d.leader_key.trim().to_uppercase().into(),
                serde_json::to_string(&d.members).unwrap_or_default().into(),
                organisation_id.into(),
                unit_path.into(),
                serde_json::to_string(&d.budget).unwrap_or_default().into(),
                total_requested(&d.budget).0.into(),
                now.into(),
                now.into(),
                serde_json::to_string(&d.answers).unwrap_or_default().into(),
            ],
        )
        .await?;
    count(&tx, call.id, Stage::Draft, 1, total_requested(&d.budget), Money::ZERO).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "application.create",
            entity: "application",
            entity_id: id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "code": code, "title": d.title }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves the leader's changes to a draft (optimistic on `version`).
pub async fn update_draft(
    db: &Db,
    id: i64,
    d: &Draft,
    version: i64,
    leader_user_id: i64,
    actor: Actor<'_>,
) -> Result<()> {
    let a = application(db, id).await?.ok_or(StoreError::NotFound)?;
    if a.leader_user_id != leader_user_id {
        return Err(StoreError::NotFound);
    }
    if !a.stage.editable() {
        return Err(ApplicationRefusal::NotEditable.into());
    }
    let c = call(db, a.call_id).await?.ok_or(StoreError::NotFound)?;
    check_draft(&c, d)?;
    let tx = db.begin_write().await?;
    let n = tx
        .exec(
            "UPDATE applications SET title = ?, topic = ?, summary = ?, leader_name = ?, leader_key = ?, members = ?, budget = ?, requested_fen = ?, answers = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ? AND stage = 'draft'",
            vec![
                d.title.trim().into(),
                d.topic.clone().into(),
                d.summary.clone().into(),
                d.leader_name.trim().into(),
                d.leader_key.trim().to_uppercase().into(),
                serde_json::to_string(&d.members).unwrap_or_default().into(),
                serde_json::to_string(&d.budget).unwrap_or_default().into(),
                total_requested(&d.budget).0.into(),
                serde_json::to_string(&d.answers).unwrap_or_default().into(),
                tx.clock.now_ms().into(),
                id.into(),
                version.into(),
            ],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Stale);
    }
    count(
        &tx,
        a.call_id,
        Stage::Draft,
        0,
        Money(total_requested(&d.budget).0 - a.requested.0),
        Money::ZERO,
    )
    .await?;
    audit::append(&tx, Change { actor: actor.username, action: "application.edit", entity: "application", entity_id: id.to_string(), before: serde_json::json!({ "title": a.title, "requested": a.requested.0 }), after: serde_json::json!({ "title": d.title, "requested": total_requested(&d.budget).0 }), request_id: actor.request_id }).await?;
    tx.commit().await?;
    Ok(())
}

/// The facts the call's eligibility rules look at, read now.
pub async fn applicant_facts(db: &Db, a: &Application, today: NaiveDate) -> Result<Applicant> {
    let org = crate::orgs::get(db, a.organisation_id).await?.ok_or(StoreError::NotFound)?;
    let day = today.format("%Y-%m-%d").to_string();
    let qualifications = db.read("SELECT code FROM organisation_qualifications WHERE organisation_id = ? AND valid_until >= ?", vec![a.organisation_id.into(), day.into()], |r| r.text(0)).await?;
    let ongoing = db
        .read("SELECT COUNT(*) FROM applications WHERE leader_key = ? AND stage = 'established' AND id <> ?", vec![a.leader_key.clone().into(), a.id.into()], |r| r.int(0))
        .await?
        .first()
        .copied()
        .unwrap_or(0);
    let barred = |e: innocity_core::credit::Eligibility| {
        e.deciding.map(|r| format!("{}（{}）", r.kind, r.source))
    };
    Ok(Applicant {
        org_kind: org.kind.clone(),
        unit_path: org.unit_path.clone(),
        qualifications,
        ongoing_projects: ongoing as u32,
        leader_barred: barred(crate::credit::check(db, &a.leader_key, today).await?),
        organisation_barred: barred(crate::credit::check(db, &org.credit_code, today).await?),
    })
}

/// The rules the application misses today (empty when eligible).
pub async fn eligibility(
    db: &Db,
    a: &Application,
    call: &Call,
    today: NaiveDate,
) -> Result<Vec<Failure>> {
    Ok(call.eligibility.check(&applicant_facts(db, a, today).await?))
}

/// An application as the duplicate check compares it.
pub(crate) struct DuplicateCandidate {
    id: i64,
    code: String,
    title: String,
    summary: String,
    leader_key: String,
}

impl FromRow for DuplicateCandidate {
    const TABLE: &'static str = "applications";
    columns!(id, code, title, summary, leader_key);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(DuplicateCandidate {
            id: f.int()?,
            code: f.text()?,
            title: f.text()?,
            summary: f.text()?,
            leader_key: f.text()?,
        })
    }
}

/// Flags possible duplicates among a call's submitted applications (查重), for staff: the same
/// leader with similar titles or texts, or very similar titles. Run by staff on a call (and by
/// the demo), not on each submission, so submitting stays fast however large the call. Candidate
/// pairs come from an inverted index of title bigrams (bigrams common to more than 2 % of the
/// titles are skipped) and from leader groups; each candidate is then compared exactly. Returns
/// how many applications were flagged.
pub async fn flag_duplicates(db: &Db, call_id: i64, actor: Actor<'_>) -> Result<usize> {
    use std::collections::HashMap;
    let apps: Vec<DuplicateCandidate> = db
        .rows(
            &select::<DuplicateCandidate>(
                "WHERE call_id = ? AND stage NOT IN ('draft', 'withdrawn') ORDER BY id",
            ),
            vec![call_id.into()],
        )
        .await?;
    let pairs = candidate_pairs(&apps);
    let mut flags: HashMap<usize, Vec<String>> = HashMap::new();
    for (i, j) in pairs {
        let (a, b) = (&apps[i], &apps[j]);
        let same_leader = a.leader_key == b.leader_key;
        if rules::looks_duplicate(same_leader, &a.title, &b.title, &a.summary, &b.summary).is_some()
        {
            flags.entry(i).or_default().push(b.code.clone());
            flags.entry(j).or_default().push(a.code.clone());
        }
    }
    let tx = db.begin_write().await?;
    tx.exec("UPDATE applications SET duplicate_of = '' WHERE call_id = ?", vec![call_id.into()])
        .await?;
    for (k, mut codes) in flags.iter().map(|(k, v)| (*k, v.clone())) {
        codes.sort();
        codes.truncate(10);
        tx.exec(
            "UPDATE applications SET duplicate_of = ? WHERE id = ?",
            vec![codes.join(",").into(), apps[k].id.into()],
        )
        .await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "call.duplicates",
            entity: "call",
            entity_id: call_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "flagged": flags.len(), "compared": apps.len() }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(flags.len())
}

/// Pairs of applications worth comparing exactly: those sharing a title bigram that is not
/// common (in at most 2 % of the call, or 20), and those of the same leader.
fn candidate_pairs(apps: &[DuplicateCandidate]) -> std::collections::HashSet<(usize, usize)> {
    use std::collections::{HashMap, HashSet};
    let grams: Vec<HashSet<(char, char)>> = apps
        .iter()
        .map(|a| {
            a.title
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<Vec<_>>()
                .windows(2)
                .map(|w| (w[0], w[1]))
                .collect()
        })
        .collect();
    let mut index: HashMap<(char, char), Vec<usize>> = HashMap::new();
    for (k, g) in grams.iter().enumerate() {
        for b in g {
            index.entry(*b).or_default().push(k);
        }
    }
    let common = (apps.len() / 50).max(20);
    let mut pairs: HashSet<(usize, usize)> = HashSet::new();
    for list in index.values().filter(|l| l.len() <= common) {
        for (x, &i) in list.iter().enumerate() {
            for &j in &list[x + 1..] {
                pairs.insert((i, j));
            }
        }
    }
    let mut by_leader: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, a) in apps.iter().enumerate() {
        by_leader.entry(a.leader_key.as_str()).or_default().push(k);
    }
    for list in by_leader.values() {
        for (x, &i) in list.iter().enumerate() {
            for &j in &list[x + 1..] {
                pairs.insert((i, j));
            }
        }
    }
    pairs
}
