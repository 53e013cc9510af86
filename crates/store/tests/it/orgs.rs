//! The schema and organisations: migrations, the demo's scopes and search, per-area counts.
use crate::common::*;
use innocity_core::access::Scope;
use innocity_demo as demo;
use innocity_store::orgs::{self, OrgQuery};
use innocity_store::{migrate, testing};

#[tokio::test]
async fn migrations_are_idempotent_and_foreign_keys_hold() {
    let t = testing::fresh().await.unwrap();
    assert!(migrate::run(&t.db).await.unwrap().is_empty(), "second run applies nothing");
    // An organisation pointing at a missing org unit is refused by the database itself.
    let tx = t.db.begin_write().await.unwrap();
    let r = tx
        .exec(
            "INSERT INTO organisations (credit_code, name, kind, org_unit_id, unit_path, created_at, updated_at) VALUES ('X', 'x', 'enterprise', 999, '/9/', 0, 0)",
            vec![],
        )
        .await;
    assert!(r.is_err(), "foreign key must be enforced");
}

#[tokio::test]
async fn demo_seed_scopes_and_search() {
    let t = testing::fresh().await.unwrap();
    let s = demo::seed(&t.db, 120, None).await.unwrap();
    assert_eq!(s.units, 39, "province, 2 cities, 4 zones, 19 parks, 13 counties");
    assert!(s.accounts.iter().any(|a| a.0 == "zone"));
    let units = orgs::units(&t.db).await.unwrap();
    let gx = units.iter().find(|u| u.code == "LZGX").unwrap();
    let all = orgs::list(&t.db, &Scope::All, &OrgQuery { per_page: 20, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(all.total, 120);
    let zone = orgs::list(
        &t.db,
        &Scope::Subtrees(vec![gx.path.clone()]),
        &OrgQuery { per_page: 200, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(zone.total > 0 && zone.total < 120);
    assert!(zone.items.iter().all(|o| o.unit_path.starts_with(&gx.path)));
    // Every demo credit code is valid.
    for o in &all.items {
        innocity_core::orgs::CreditCode::parse(&o.credit_code).unwrap();
    }
    let found = orgs::list(
        &t.db,
        &Scope::All,
        &OrgQuery { text: "兰州大学".into(), per_page: 20, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(found.items.iter().any(|o| o.name == "兰州大学"));
    // LIKE wildcards typed by a user are literal.
    let pct = orgs::list(
        &t.db,
        &Scope::All,
        &OrgQuery { text: "%".into(), per_page: 20, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(pct.total, 0);
}

#[tokio::test]
async fn per_area_counts_stay_exact_through_creates_moves_and_filters() {
    use innocity_core::orgs::OrgInput;
    let t = demo_db(60).await;
    let units = orgs::units(&t.db).await.unwrap();
    let unit = |c: &str| units.iter().find(|u| u.code == c).unwrap().clone();
    let exact = |scope: Scope, unit_path: Option<String>| {
        let db = t.db.clone();
        async move {
            let fast = orgs::list(
                &db,
                &scope,
                &OrgQuery {
                    within: unit_path.clone().into_iter().collect(),
                    per_page: 5,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .total;
            // A kind filter forces a real COUNT(*); summed over kinds it must agree.
            let mut counted = 0;
            for k in innocity_core::orgs::OrgKind::ALL {
                counted += orgs::list(
                    &db,
                    &scope,
                    &OrgQuery {
                        within: unit_path.clone().into_iter().collect(),
                        kind: Some(k.code().into()),
                        per_page: 5,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .total;
            }
            assert_eq!(fast, counted, "{scope:?} {unit_path:?}");
            fast
        }
    };
    let gx = unit("LZGX");
    let before = exact(Scope::Subtrees(vec![gx.path.clone()]), None).await;
    let actor = orgs::Actor { user_id: 1, username: "t", request_id: "r" };
    let input = OrgInput {
        credit_code: "91350100M000100Y43".into(),
        name: "计数测试".into(),
        kind: "enterprise".into(),
        org_unit_id: unit("LZGX-YT").id.to_string(),
        ..Default::default()
    };
    let created =
        orgs::create(&t.db, &input.parse().unwrap(), &unit("LZGX-YT"), actor, "").await.unwrap();
    assert_eq!(exact(Scope::Subtrees(vec![gx.path.clone()]), None).await, before + 1);
    // Moving it to 白银 moves the count.
    let moved = OrgInput { org_unit_id: unit("BYGX-YD").id.to_string(), ..input.clone() };
    orgs::update(&t.db, &created, &moved.parse().unwrap(), &unit("BYGX-YD"), actor, "")
        .await
        .unwrap();
    assert_eq!(exact(Scope::Subtrees(vec![gx.path.clone()]), None).await, before);
    assert_eq!(exact(Scope::All, None).await, 61);
    assert_eq!(
        exact(Scope::All, Some(unit("BYGX").path.clone())).await,
        exact(Scope::Subtrees(vec![unit("BYGX").path.clone()]), None).await
    );
    // A page past the end still reports the total.
    let far =
        orgs::list(&t.db, &Scope::All, &OrgQuery { page: 999, per_page: 20, ..Default::default() })
            .await
            .unwrap();
    assert!(far.items.is_empty());
    assert_eq!(far.total, 61);
}
