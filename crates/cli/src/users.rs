//! `innocity user`: accounts.
use crate::args::UserCommand;
use crate::connect;
use innocity_core::access::Role;
use innocity_store::{Db, users};

/// `innocity user add`: an account, with its org unit or organisation given by code.
pub(crate) async fn user_command(url: &str, command: UserCommand) -> Result<(), String> {
    let UserCommand::Add { username, name, role, password, unit, organisation } = command;
    let db = connect(url).await?;
    let role = Role::parse(&role).ok_or_else(|| format!("unknown role '{role}'"))?;
    let unit_id = match unit {
        None => None,
        Some(code) => Some(unit_id(&db, &code).await?),
    };
    let org_id = match organisation {
        None => None,
        Some(code) => Some(organisation_id(&db, &code).await?),
    };
    let u = users::add(
        &db,
        &users::NewUser {
            username: &username,
            display_name: &name,
            password: &password,
            role,
            org_unit_id: unit_id,
            organisation_id: org_id,
        },
        "cli",
        "cli",
    )
    .await
    .map_err(|e| e.to_string())?;
    println!("user {} added (id {}, role {})", u.username, u.id, u.role);
    Ok(())
}

/// The org unit with this code.
async fn unit_id(db: &Db, code: &str) -> Result<i64, String> {
    Ok(innocity_store::orgs::units(db)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|u| u.code == code)
        .ok_or_else(|| format!("unknown org unit '{code}'"))?
        .id)
}

/// The organisation with this credit code (any case, spaces around ignored).
async fn organisation_id(db: &Db, code: &str) -> Result<i64, String> {
    let row = db
        .query_one(
            "SELECT id FROM organisations WHERE credit_code = ?",
            vec![code.trim().to_uppercase().into()],
        )
        .await
        .map_err(|e| e.to_string())?;
    row.ok_or_else(|| format!("unknown organisation '{code}'"))?
        .try_get::<i64>("", "id")
        .map_err(|e| e.to_string())
}
