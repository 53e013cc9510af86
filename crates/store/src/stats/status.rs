//! A return's status: submitting, reviewing and approving up the hierarchy; what is expected.
use super::*;

/// An org unit's approval of a form and period.
pub(crate) struct Approval {
    org_unit_id: i64,
    approved_by: String,
    approved_at: i64,
}

impl FromRow for Approval {
    const TABLE: &'static str = "stat_approvals";
    columns!(org_unit_id, approved_by, approved_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Approval { org_unit_id: f.int()?, approved_by: f.text()?, approved_at: f.int()? })
    }
}

/// Approvals in force for a form and period: org unit → (who, when).
pub async fn approvals(db: &Db, form: &str, period: &str) -> Result<HashMap<i64, (String, i64)>> {
    let rows: Vec<Approval> = db
        .rows(
            &select::<Approval>("WHERE form = ? AND period = ?"),
            vec![form.into(), period.into()],
        )
        .await?;
    Ok(rows.into_iter().map(|a| (a.org_unit_id, (a.approved_by, a.approved_at))).collect())
}

async fn approved_above(tx: &Tx, form: &str, period: &str, unit_path: &str) -> Result<bool> {
    let ids: Vec<i64> = path_ids(unit_path).collect();
    if ids.is_empty() {
        return Ok(false);
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let mut params: Vec<Value> = vec![form.into(), period.into()];
    params.extend(ids.into_iter().map(Value::from));
    let row = tx.query_one(&format!("SELECT COUNT(*) AS n FROM stat_approvals WHERE form = ? AND period = ? AND org_unit_id IN ({marks})"), params).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0) > 0)
}

/// Moves a return through its life: submit (with explanations), return (with a reason),
/// approve. Checks the state machine and the version the caller saw, in one transaction.
pub async fn transition(
    db: &Db,
    seen: &Return,
    action: Action,
    reason: &str,
    explanations: Option<&HashMap<String, String>>,
    actor: Actor<'_>,
) -> Result<Return> {
    let tx = db.begin_write().await?;
    let Some(current) = lock_return(&tx, &seen.form, &seen.period, seen.organisation_id).await?
    else {
        return Err(StoreError::NotFound);
    };
    if current.version != seen.version {
        return Err(StoreError::Stale);
    }
    let to = next(current.status, action)
        .map_err(|_| ReturnRefusal::NotNow { status: current.status })?;
    if action == Action::Return
        && approved_above(&tx, &current.form, &current.period, &current.unit_path).await?
    {
        return Err(ReturnRefusal::UnitApproved.into());
    }
    let now = tx.clock.now_ms();
    let mut after = current.clone();
    after.status = to;
    after.version += 1;
    after.updated_at = now;
    record_action(&mut after, action, reason, explanations, actor.username, now);
    tx.exec(
        "UPDATE stat_returns SET status = ?, explanations = ?, reason = ?, submitted_at = ?, reviewed_by = ?, reviewed_at = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?",
        vec![
            to.code().into(),
            serde_json::to_string(&after.explanations).unwrap_or_else(|_| "{}".into()).into(),
            after.reason.clone().into(),
            after.submitted_at.into(),
            after.reviewed_by.clone().into(),
            after.reviewed_at.into(),
            now.into(),
            after.version.into(),
            current.id.into(),
            current.version.into(),
        ],
    )
    .await?;
    let action_name = match action {
        Action::Submit => "stat_return.submit",
        Action::Return => "stat_return.return",
        Action::Approve => "stat_return.approve",
        _ => "stat_return.change",
    };
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: action_name,
            entity: "stat_return",
            entity_id: current.id.to_string(),
            before: serde_json::json!({ "status": current.status.code() }),
            after: serde_json::json!({ "status": to.code(), "reason": after.reason, "explanations": after.explanations }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// What an action records on the return besides its status: when it was submitted (with the
/// explanations), or who reviewed it when (with the reason for returning it).
fn record_action(
    after: &mut Return,
    action: Action,
    reason: &str,
    explanations: Option<&HashMap<String, String>>,
    username: &str,
    now: i64,
) {
    match action {
        Action::Submit => {
            after.submitted_at = now;
            after.reason.clear();
            if let Some(e) = explanations {
                after.explanations = e.clone();
            }
        }
        Action::Return | Action::Approve => {
            after.reviewed_by = username.to_string();
            after.reviewed_at = now;
            if action == Action::Return {
                after.reason = reason.to_string();
            }
        }
        _ => {}
    }
}

/// An organisation that must report a form, with where its return stands.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Expected {
    pub organisation_id: i64,
    pub name: String,
    pub credit_code: String,
    pub org_unit_id: i64,
    pub unit_path: String,
    pub return_id: Option<i64>,
    pub status: Status,
    pub submitted_at: i64,
    pub reminders: i64,
}

/// Read with the form and period twice (the reminders counted, the return joined), then the
/// parameters of [`expected_where`].
impl FromRow for Expected {
    const TABLE: &'static str = "organisations";
    const FROM: &'static str = "organisations o JOIN org_units u ON u.id = o.org_unit_id \
         LEFT JOIN stat_returns r ON r.organisation_id = o.id AND r.form = ? AND r.period = ?";
    columns!(
        "o.id",
        "o.name",
        "o.credit_code",
        "o.org_unit_id",
        "o.unit_path",
        "r.id",
        "r.status",
        "r.submitted_at",
        "(SELECT COUNT(*) FROM stat_reminders m WHERE m.organisation_id = o.id AND m.form = ? AND m.period = ?)"
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        let (organisation_id, name, credit_code) = (f.int()?, f.text()?, f.text()?);
        let (org_unit_id, unit_path) = (f.int()?, f.text()?);
        let return_id = f.opt_int()?;
        // No return yet: not started (the return's columns are NULL).
        let (status, submitted_at) = match return_id {
            Some(_) => (f.code(Status::parse)?, f.int()?),
            None => {
                f.skip();
                f.skip();
                (Status::NotStarted, 0)
            }
        };
        Ok(Expected {
            organisation_id,
            name,
            credit_code,
            org_unit_id,
            unit_path,
            return_id,
            status,
            submitted_at,
            reminders: f.int()?,
        })
    }
}

/// The SQL condition (and its parameters) for "must report this form", on `organisations o`
/// joined with `org_units u`.
fn expected_where(form: &Form, roots: &[String]) -> (String, Vec<Value>) {
    let (mut sql, mut params) = crate::orgs::under_roots("o.unit_path", roots);
    if !form.org_kinds.is_empty() {
        sql.push_str(&format!(" AND o.kind IN ({})", vec!["?"; form.org_kinds.len()].join(", ")));
        params.extend(form.org_kinds.iter().map(|k| Value::from(k.clone())));
    }
    if !form.unit_levels.is_empty() {
        sql.push_str(&format!(
            " AND u.level IN ({})",
            vec!["?"; form.unit_levels.len()].join(", ")
        ));
        params.extend(form.unit_levels.iter().map(|k| Value::from(k.clone())));
    }
    if !form.host_of.is_empty() {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM carriers c WHERE c.host_id = o.id AND c.status <> 'removed' AND c.kind IN ({}))",
            vec!["?"; form.host_of.len()].join(", ")
        ));
        params.extend(form.host_of.iter().map(|k| Value::from(k.clone())));
    }
    (sql, params)
}

/// Whether an organisation of this kind, in a unit of this level, hosting carriers of the kinds
/// `hosted`, reports the form.
pub fn must_report(form: &Form, org_kind: &str, unit_level: &str, hosted: &[String]) -> bool {
    (form.org_kinds.is_empty() || form.org_kinds.iter().any(|k| k == org_kind))
        && (form.unit_levels.is_empty() || form.unit_levels.iter().any(|l| l == unit_level))
        && (form.host_of.is_empty() || hosted.iter().any(|k| form.host_of.contains(k)))
}

/// The kinds of carrier (not removed) each host organisation holds.
pub async fn hosts(db: &Db) -> Result<std::collections::HashMap<i64, Vec<String>>> {
    let pairs = db
        .read(
            "SELECT DISTINCT host_id, kind FROM carriers WHERE status <> 'removed' ORDER BY host_id, kind",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?)),
        )
        .await?;
    let mut out: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for (host, kind) in pairs {
        out.entry(host).or_default().push(kind);
    }
    Ok(out)
}

/// The kinds of carrier (not removed) an organisation hosts.
pub async fn hosted_kinds(db: &Db, organisation_id: i64) -> Result<Vec<String>> {
    db.read(
        "SELECT DISTINCT kind FROM carriers WHERE host_id = ? AND status <> 'removed' ORDER BY kind",
        vec![organisation_id.into()],
        |r| r.text(0),
    )
    .await
}

/// Everyone in an area (its subtrees' roots: a zone's; a county's with its parks) who must
/// report the form for the period, and their status.
pub async fn expected(
    db: &Db,
    form: &Form,
    period: &str,
    roots: &[String],
) -> Result<Vec<Expected>> {
    let (cond, mut params) = expected_where(form, roots);
    let sql = select::<Expected>(&format!("WHERE {cond} ORDER BY o.unit_path, o.name"));
    let mut all: Vec<Value> =
        vec![form.code.clone().into(), period.into(), form.code.clone().into(), period.into()];
    all.append(&mut params);
    db.rows(&sql, all).await
}

/// Approves a form and period for an org unit: only when every return below is approved, every
/// organisation that must report has, and every child unit with reporters below is approved.
/// The top level's approval locks the returns.
pub async fn approve_unit(
    db: &Db,
    form: &Form,
    period: &str,
    unit: &OrgUnit,
    children: &[OrgUnit],
    top: bool,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let (lo, hi) = subtree_bounds(&unit.path);
    let count = |r: Option<sea_orm::QueryResult>| -> Result<i64> {
        Ok(r.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
    };
    if approved_above(&tx, &form.code, period, &unit.path).await? {
        return Err(ReturnRefusal::AlreadyApproved.into());
    }
    let pending = count(
        tx.query_one(
            "SELECT COUNT(*) AS n FROM stat_returns WHERE form = ? AND period = ? AND unit_path >= ? AND unit_path < ? AND status NOT IN ('approved', 'locked')",
            vec![form.code.clone().into(), period.into(), lo.clone().into(), hi.clone().into()],
        )
        .await?,
    )?;
    if pending > 0 {
        return Err(ReturnRefusal::ApprovePending { count: pending }.into());
    }
    let (cond, params) = expected_where(form, std::slice::from_ref(&unit.path));
    let mut all: Vec<Value> = vec![form.code.clone().into(), period.into()];
    all.extend(params);
    let missing = count(
        tx.query_one(
            &format!("SELECT COUNT(*) AS n FROM organisations o JOIN org_units u ON u.id = o.org_unit_id WHERE NOT EXISTS (SELECT 1 FROM stat_returns r WHERE r.organisation_id = o.id AND r.form = ? AND r.period = ?) AND {cond}"),
            all,
        )
        .await?,
    )?;
    if missing > 0 {
        return Err(ReturnRefusal::ApproveMissing { count: missing }.into());
    }
    check_children_approved(&tx, form, period, children).await?;
    let now = tx.clock.now_ms();
    tx.exec(
        "INSERT INTO stat_approvals (form, period, org_unit_id, approved_by, approved_at) VALUES (?, ?, ?, ?, ?)",
        vec![form.code.clone().into(), period.into(), unit.id.into(), actor.username.into(), now.into()],
    )
    .await?;
    let mut locked = 0;
    if top {
        locked = tx
            .exec(
                "UPDATE stat_returns SET status = 'locked', updated_at = ?, version = version + 1 WHERE form = ? AND period = ? AND unit_path >= ? AND unit_path < ? AND status = 'approved'",
                vec![now.into(), form.code.clone().into(), period.into(), lo.into(), hi.into()],
            )
            .await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat_unit.approve",
            entity: "org_unit",
            entity_id: unit.id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "form": form.code, "period": period, "locked_returns": locked }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every child unit with returns of the form and period has approved them.
async fn check_children_approved(
    tx: &Tx,
    form: &Form,
    period: &str,
    children: &[OrgUnit],
) -> Result<()> {
    let count = |r: Option<sea_orm::QueryResult>| -> Result<i64> {
        Ok(r.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
    };
    for child in children {
        let (clo, chi) = subtree_bounds(&child.path);
        let has_returns = count(
            tx.query_one(
                "SELECT COUNT(*) AS n FROM stat_returns WHERE form = ? AND period = ? AND unit_path >= ? AND unit_path < ?",
                vec![form.code.clone().into(), period.into(), clo.into(), chi.into()],
            )
            .await?,
        )? > 0;
        let approved = tx
            .query_one("SELECT 1 AS n FROM stat_approvals WHERE form = ? AND period = ? AND org_unit_id = ?", vec![form.code.clone().into(), period.into(), child.id.into()])
            .await?
            .is_some();
        if has_returns && !approved {
            return Err(ReturnRefusal::ApproveChildren { unit: child.name_zh.clone() }.into());
        }
    }
    Ok(())
}

/// Withdraws a unit's approval (only while the level above has not approved). Withdrawing the
/// top level unlocks the returns.
pub async fn unapprove_unit(
    db: &Db,
    form: &str,
    period: &str,
    unit: &OrgUnit,
    top: bool,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    if let Some(parent_path) =
        unit.path.trim_end_matches('/').rsplit_once('/').map(|(p, _)| format!("{p}/"))
        && parent_path.len() > 1
        && approved_above(&tx, form, period, &parent_path).await?
    {
        return Err(ReturnRefusal::ParentApproved.into());
    }
    let n = tx
        .exec(
            "DELETE FROM stat_approvals WHERE form = ? AND period = ? AND org_unit_id = ?",
            vec![form.into(), period.into(), unit.id.into()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let now = tx.clock.now_ms();
    if top {
        let (lo, hi) = subtree_bounds(&unit.path);
        tx.exec(
            "UPDATE stat_returns SET status = 'approved', updated_at = ?, version = version + 1 WHERE form = ? AND period = ? AND unit_path >= ? AND unit_path < ? AND status = 'locked'",
            vec![now.into(), form.into(), period.into(), lo.into(), hi.into()],
        )
        .await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat_unit.unapprove",
            entity: "org_unit",
            entity_id: unit.id.to_string(),
            before: serde_json::json!({ "form": form, "period": period }),
            after: serde_json::json!({}),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
