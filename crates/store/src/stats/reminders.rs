//! Reminders of returns due, and the reporting window of a form.
use super::*;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Reminder {
    pub form: String,
    pub period: String,
    pub message: String,
    pub sent_by: String,
    pub sent_at: i64,
}

impl FromRow for Reminder {
    const TABLE: &'static str = "stat_reminders";
    columns!(form, period, message, sent_by, sent_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Reminder {
            form: f.text()?,
            period: f.text()?,
            message: f.text()?,
            sent_by: f.text()?,
            sent_at: f.int()?,
        })
    }
}

/// Sends 催报 reminders to organisations (shown in their workspace).
pub async fn remind(
    db: &Db,
    form: &str,
    period: &str,
    organisation_ids: &[i64],
    message: &str,
    actor: Actor<'_>,
) -> Result<usize> {
    if organisation_ids.is_empty() {
        return Ok(0);
    }
    let tx = db.begin_write().await?;
    let now = tx.clock.now_ms();
    for chunk in organisation_ids.chunks(300) {
        let marks = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut params: Vec<Value> = Vec::new();
        for id in chunk {
            params.extend([
                Value::from(form),
                period.into(),
                (*id).into(),
                message.into(),
                actor.username.into(),
                now.into(),
            ]);
        }
        tx.exec(&format!("INSERT INTO stat_reminders (form, period, organisation_id, message, sent_by, sent_at) VALUES {marks}"), params).await?;
    }
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat.remind",
            entity: "stat_form",
            entity_id: format!("{form}/{period}"),
            before: serde_json::json!({}),
            after: serde_json::json!({ "organisations": organisation_ids.len(), "message": message }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(organisation_ids.len())
}

pub async fn reminders_for(db: &Db, organisation_id: i64, limit: u64) -> Result<Vec<Reminder>> {
    db.rows(
        &select::<Reminder>("WHERE organisation_id = ? ORDER BY sent_at DESC, id DESC LIMIT ?"),
        vec![organisation_id.into(), (limit as i64).into()],
    )
    .await
}

/// A deadline set by bureau staff for one period (an extension), as `YYYY-MM-DD`.
pub async fn window_override(db: &Db, form: &str, period: &str) -> Result<Option<String>> {
    Ok(db
        .read(
            "SELECT closes_on FROM stat_windows WHERE form = ? AND period = ?",
            vec![form.into(), period.into()],
            |r| r.text(0),
        )
        .await?
        .into_iter()
        .next())
}

pub async fn set_window(
    db: &Db,
    form: &str,
    period: &str,
    closes_on: chrono::NaiveDate,
    actor: Actor<'_>,
) -> Result<()> {
    let tx = db.begin_write().await?;
    let day = closes_on.format("%Y-%m-%d").to_string();
    tx.exec(
        "INSERT INTO stat_windows (form, period, closes_on, set_by) VALUES (?, ?, ?, ?) ON CONFLICT (form, period) DO UPDATE SET closes_on = excluded.closes_on, set_by = excluded.set_by",
        vec![form.into(), period.into(), day.clone().into(), actor.username.into()],
    )
    .await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "stat_form.deadline",
            entity: "stat_form",
            entity_id: format!("{form}/{period}"),
            before: serde_json::json!({}),
            after: serde_json::json!({ "closes_on": day }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
