//! The people of organisations — legal representatives, shareholders, staff — recorded for the
//! vouchers' relatedness check: a provider sharing a person with an enterprise may not redeem its
//! vouchers. ID numbers are kept only as a fingerprint (to match) and a masked copy (to show).
use super::log;
use super::vouchers::VoucherRefusal;
use crate::db::{Db, Result, StoreError, Tx};
use crate::orgs::Actor;
use crate::rows::{Fields, FromRow, columns, select};
use innocity_core::sharing::vouchers::{Person, Standing};

/// A recorded person as the pages show it (never the ID number).
#[derive(Debug, Clone, PartialEq)]
pub struct RelationRow {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub masked_id: String,
    pub standing: Standing,
    pub created_at: i64,
}

impl FromRow for RelationRow {
    const TABLE: &'static str = "organisation_people";
    columns!(id, organisation_id, name, masked_id, standing, created_at);
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(RelationRow {
            id: f.int()?,
            organisation_id: f.int()?,
            name: f.text()?,
            masked_id: f.text()?,
            standing: f.code(Standing::parse)?,
            created_at: f.int()?,
        })
    }
}

/// The people recorded for an organisation.
pub async fn relations(db: &Db, organisation_id: i64) -> Result<Vec<RelationRow>> {
    db.rows(
        &select::<RelationRow>("WHERE organisation_id = ? ORDER BY standing, id"),
        vec![organisation_id.into()],
    )
    .await
}

/// Removes a person from an organisation's records (a shareholder who sold, staff who left).
pub async fn remove_person(db: &Db, organisation_id: i64, id: i64, actor: Actor<'_>) -> Result<()> {
    let tx = db.begin_write().await?;
    let row = tx
        .row::<RelationRow>(
            &select::<RelationRow>("WHERE id = ? AND organisation_id = ?"),
            vec![id.into(), organisation_id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.exec("DELETE FROM organisation_people WHERE id = ?", vec![id.into()]).await?;
    let after = serde_json::json!({ "removed": row.name, "id": row.masked_id, "standing": row.standing.code() });
    log(&tx, actor, "organisation.person_removed", "organisation", organisation_id, after).await?;
    tx.commit().await
}

/// Records a person of an organisation: the ID number is kept only as a fingerprint and a
/// masked copy.
pub async fn add_person(
    db: &Db,
    organisation_id: i64,
    name: &str,
    id_number: &str,
    standing: Standing,
    actor: Actor<'_>,
) -> Result<i64> {
    let id_number = id_number.trim().to_uppercase();
    if !crate::projects::id_number_ok(&id_number) || name.trim().is_empty() {
        return Err(VoucherRefusal::IdNumber.into());
    }
    let masked = format!("{}**********{}", &id_number[..4], &id_number[14..]);
    let tx = db.begin_write().await?;
    let recorded = tx
        .query_one(
            "SELECT 1 FROM organisation_people WHERE organisation_id = ? AND fingerprint = ? AND standing = ?",
            vec![organisation_id.into(), fingerprint(&id_number).into(), standing.code().into()],
        )
        .await?;
    if recorded.is_some() {
        return Err(VoucherRefusal::PersonRecorded.into());
    }
    let id = tx
        .insert(
            "INSERT INTO organisation_people (organisation_id, name, fingerprint, masked_id, standing, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![organisation_id.into(), name.trim().into(), fingerprint(&id_number).into(), masked.clone().into(), standing.code().into(), actor.username.into(), tx.clock.now_ms().into()],
        )
        .await?;
    let after = serde_json::json!({ "organisation_id": organisation_id, "name": name.trim(), "id": masked, "standing": standing.code() });
    log(&tx, actor, "organisation.person", "organisation", organisation_id, after).await?;
    tx.commit().await?;
    Ok(id)
}

/// The fingerprint of an ID number (SHA-256): equal numbers match, the number is not kept.
pub fn fingerprint(id_number: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(format!("innocity-person:{id_number}").as_bytes()))
}

/// The people of an organisation, for the relatedness check.
pub(crate) async fn people_of(tx: &Tx, organisation_id: i64) -> Result<Vec<Person>> {
    let rows = tx
        .query_all(
            "SELECT name, fingerprint, standing FROM organisation_people WHERE organisation_id = ?",
            vec![organisation_id.into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let standing: String = r.try_get_by_index(2)?;
            Ok(Person {
                name: r.try_get_by_index(0)?,
                fingerprint: r.try_get_by_index(1)?,
                standing: Standing::parse(&standing).unwrap_or(Standing::Staff),
            })
        })
        .collect()
}
