//! Accounts: sign-in throttling and API tokens.
use crate::common::*;
use innocity_demo as demo;
use innocity_store::{Db, testing, users};
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn waits_after_five_failures_for_known_and_unknown_names_alike() {
    let t = demo_db(30).await;
    for _ in 0..4 {
        assert_eq!(sign_in(&t.db, "bureau", "wrong-password1").await, users::LoginOutcome::Invalid);
        assert_eq!(
            sign_in(&t.db, "no-such-name", "wrong-password1").await,
            users::LoginOutcome::Invalid
        );
    }
    for name in ["bureau", "No-Such-Name "] {
        let users::LoginOutcome::Throttled { retry_after_ms } =
            sign_in(&t.db, name, "wrong-password1").await
        else {
            panic!("{name} goes on")
        };
        assert!((14_000..=15_000).contains(&retry_after_ms), "{retry_after_ms}");
    }
    // Even the right password waits.
    assert!(matches!(
        sign_in(&t.db, "bureau", demo::DEMO_PASSWORD).await,
        users::LoginOutcome::Throttled { .. }
    ));
    assert!(matches!(
        sign_in(&t.db, "admin", demo::DEMO_PASSWORD).await,
        users::LoginOutcome::Ok { .. }
    ));
    // Once the wait is over, the owner gets in and the count starts again.
    t.db.conn.execute_unprepared("UPDATE login_throttle SET blocked_until = 0").await.unwrap();
    assert!(matches!(
        sign_in(&t.db, "bureau", demo::DEMO_PASSWORD).await,
        users::LoginOutcome::Ok { .. }
    ));
    assert_eq!(sign_in(&t.db, "bureau", "wrong-password1").await, users::LoginOutcome::Invalid);
}

async fn bearer(db: &Db, token: &str) -> Option<users::TokenUser> {
    users::token_user(db, token).await.unwrap()
}

#[tokio::test]
async fn api_tokens_expire_can_be_revoked_and_end_with_the_password() {
    let t = demo_db(30).await;
    let uid =
        t.db.query_one("SELECT id FROM users WHERE username = 'bureau'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "id")
            .unwrap();
    let (year, listed) = lifetimes_are_the_offered_ones_and_use_is_noted(&t, uid).await;
    revoked_by_its_owner_only(&t, uid, &year, &listed).await;
    a_password_change_and_a_deactivation_end_them_all(&t, uid).await;
    let actions = t
        .db
        .query_all("SELECT action FROM audit_log WHERE entity = 'api_token' ORDER BY seq", vec![])
        .await
        .unwrap();
    let actions: Vec<String> = actions.iter().map(|r| r.try_get("", "action").unwrap()).collect();
    assert_eq!(
        actions,
        [
            "api_token.create",
            "api_token.create",
            "api_token.revoke",
            "api_token.create",
            "api_token.create"
        ]
    );
}

fn new_token(uid: i64, name: &'static str, days: i64, read_only: bool) -> users::NewToken<'static> {
    users::NewToken { user_id: uid, name, days, read_only, actor: "bureau", request_id: "r" }
}

/// Only the offered lifetimes; use is noted at most once a minute; expired tokens stop working.
async fn lifetimes_are_the_offered_ones_and_use_is_noted(
    t: &testing::TestDb,
    uid: i64,
) -> (String, Vec<users::TokenRow>) {
    assert!(
        users::create_token(&t.db, &new_token(uid, "odd", 5, false)).await.is_err(),
        "lifetimes are the offered ones"
    );
    let week = users::create_token(&t.db, &new_token(uid, "week", 7, true)).await.unwrap();
    let year = users::create_token(&t.db, &new_token(uid, "year", 365, false)).await.unwrap();
    let listed = users::tokens(&t.db, uid).await.unwrap();
    assert_eq!(listed.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["year", "week"]);
    let days = |r: &users::TokenRow| (r.expires_at - r.created_at) / 86_400_000;
    assert_eq!((days(&listed[0]), days(&listed[1])), (365, 7));
    assert_eq!(listed[0].last_used_at, 0);
    // Use is noted, but not on every request.
    assert!(bearer(&t.db, &week).await.unwrap().read_only);
    let used = users::tokens(&t.db, uid).await.unwrap()[1].last_used_at;
    assert!(used > 0);
    t.db.conn
        .execute_unprepared(&format!(
            "UPDATE api_tokens SET last_used_at = {} WHERE name = 'week'",
            used - 1000
        ))
        .await
        .unwrap();
    assert!(bearer(&t.db, &week).await.is_some());
    assert_eq!(
        users::tokens(&t.db, uid).await.unwrap()[1].last_used_at,
        used - 1000,
        "touched at most once a minute"
    );
    // Expired tokens stop working.
    t.db.conn
        .execute_unprepared("UPDATE api_tokens SET expires_at = 1 WHERE name = 'week'")
        .await
        .unwrap();
    assert!(bearer(&t.db, &week).await.is_none());
    (year, listed)
}

async fn revoked_by_its_owner_only(
    t: &testing::TestDb,
    uid: i64,
    year: &str,
    listed: &[users::TokenRow],
) {
    // Revoked by its owner only.
    let year_id = listed[0].id;
    assert!(matches!(
        users::revoke_token(&t.db, uid + 1, year_id, "x", "r").await,
        Err(innocity_store::StoreError::NotFound)
    ));
    assert!(bearer(&t.db, year).await.is_some());
    users::revoke_token(&t.db, uid, year_id, "bureau", "r").await.unwrap();
    assert!(bearer(&t.db, year).await.is_none());
}

async fn a_password_change_and_a_deactivation_end_them_all(t: &testing::TestDb, uid: i64) {
    // A password change and a deactivation end them all.
    let again = users::create_token(&t.db, &new_token(uid, "again", 30, false)).await.unwrap();
    let change = users::NewPassword {
        user_id: uid,
        current: demo::DEMO_PASSWORD,
        new: "newpass2026x",
        keep_session_token: "",
        username: "bureau",
        request_id: "r",
    };
    assert_eq!(
        users::change_password(&t.db, &users::OnBlockingPool, &change).await.unwrap(),
        users::PasswordChange::Changed
    );
    assert!(bearer(&t.db, &again).await.is_none());
    let last = users::create_token(&t.db, &new_token(uid, "last", 90, false)).await.unwrap();
    users::set_active(&t.db, uid, false, "admin", "r").await.unwrap();
    users::set_active(&t.db, uid, true, "admin", "r").await.unwrap();
    assert!(
        bearer(&t.db, &last).await.is_none(),
        "turning the account back on does not bring its tokens back"
    );
}
