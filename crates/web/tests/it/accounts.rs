//! Accounts: wrong passwords lock, passwords change, the administrator adds accounts.
use crate::common::*;
use axum::http::StatusCode;
use innocity_demo as demo;

#[tokio::test]
async fn wrong_passwords_lock_the_account_with_a_clear_message() {
    let t = app().await;
    let mut s = Session::default();
    s.absorb(&t.get(&s, "/login").await);
    let mut last = None;
    for _ in 0..5 {
        last = Some(
            t.post_form(&s, "/login", &[("username", "zone"), ("password", "wrong-password-1")])
                .await,
        );
    }
    let r = last.unwrap();
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("登录失败次数过多"), "{}", r.body);
    assert!(r.body.contains("value=\"zone\""), "the username stays filled in");
    let r =
        t.post_form(&s, "/login", &[("username", "zone"), ("password", demo::DEMO_PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = t.post_form(&s, "/login", &[("username", "nobody"), ("password", "x")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("用户名或密码错误"));
}

#[tokio::test]
async fn password_change_and_logout() {
    let t = app().await;
    let s = t.login("expert").await;
    let r = t
        .post_form(
            &s,
            "/password",
            &[("current", "wrong"), ("new", "newpass2026x"), ("confirm", "newpass2026x")],
        )
        .await;
    assert!(r.body.contains("当前密码不正确"));
    let r = t
        .post_form(
            &s,
            "/password",
            &[("current", demo::DEMO_PASSWORD), ("new", "short"), ("confirm", "short")],
        )
        .await;
    assert!(r.body.contains("至少 10 个字符"));
    let r = t
        .post_form(
            &s,
            "/password",
            &[
                ("current", demo::DEMO_PASSWORD),
                ("new", "newpass2026x"),
                ("confirm", "newpass2026x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("密码已修改"));
    let r = t.post_form(&s, "/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.get(&s, "/workspace").await.status, StatusCode::SEE_OTHER, "session is gone");
    assert!(matches!(
        store_sign_in(&t.db, "expert", "newpass2026x").await,
        innocity_store::users::LoginOutcome::Ok { .. }
    ));
}

#[tokio::test]
async fn the_administrator_adds_accounts_with_field_errors() {
    let t = app().await;
    let s = t.login("admin").await;
    bad_accounts_are_named_by_field(&t, &s).await;
    add_a_zone_admin(&t, &s).await;
    // The new zone admin sees only the park's organisations.
    let y = t.login("yantan").await;
    let list = t.get(&y, "/orgs").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("雁滩园区") && !list.body.contains("白银高新区本部园区"));
    deactivating_signs_out_but_not_oneself(&t, &s, &y).await;
}

/// Bad fields are each named; an unknown credit code is named.
async fn bad_accounts_are_named_by_field(t: &TestApp, s: &Session) {
    let r = t
        .post_form(
            s,
            "/users",
            &[
                ("username", "bad name"),
                ("display_name", ""),
                ("role", "zone_admin"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["err-username", "err-display_name", "err-password", "err-org_unit_id"] {
        assert!(r.body.contains(id), "{id}");
    }
    let r = t
        .post_form(
            s,
            "/users",
            &[
                ("username", "x1"),
                ("display_name", "某企业"),
                ("role", "org_admin"),
                ("password", "abcdefgh12"),
                ("organisation", "91350100M000100Y43"),
            ],
        )
        .await;
    assert!(r.body.contains("未找到该信用代码对应的在库单位"));
}

/// A zone admin of a park is added; the same username again is refused.
async fn add_a_zone_admin(t: &TestApp, s: &Session) {
    let unit = t.unit_id("LZGX-YT").await.to_string();
    let r = t
        .post_form(
            s,
            "/users",
            &[
                ("username", "yantan"),
                ("display_name", "雁滩园区 管理员"),
                ("role", "zone_admin"),
                ("password", demo::DEMO_PASSWORD),
                ("org_unit_id", &unit),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t
        .post_form(
            s,
            "/users",
            &[
                ("username", "yantan"),
                ("display_name", "重名"),
                ("role", "expert"),
                ("password", "yantan2026a"),
            ],
        )
        .await;
    assert!(r.body.contains("该用户名已被使用"));
}

/// Deactivating ends the account's sessions; one's own account cannot be deactivated; other
/// roles cannot.
async fn deactivating_signs_out_but_not_oneself(t: &TestApp, s: &Session, y: &Session) {
    let id =
        t.db.query_one("SELECT id FROM users WHERE username = 'yantan'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "id")
            .unwrap();
    let r = t.post_form(s, &format!("/users/{id}/active"), &[("active", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.get(y, "/orgs").await.status, StatusCode::SEE_OTHER, "signed out");
    let admin_id =
        t.db.query_one("SELECT id FROM users WHERE username = 'admin'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "id")
            .unwrap();
    let r = t.post_form(s, &format!("/users/{admin_id}/active"), &[("active", "0")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("不能停用自己的账号"));
    // Other roles cannot.
    let bureau = t.login("bureau").await;
    assert_eq!(
        t.post_form(&bureau, &format!("/users/{id}/active"), &[("active", "1")]).await.status,
        StatusCode::FORBIDDEN
    );
}
