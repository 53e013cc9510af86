//! Helpers shared by the store tests: databases seeded with only what a test needs, sign-ins.
#![allow(dead_code)]
use innocity_demo as demo;
use innocity_store::{Db, testing, users};

pub async fn sign_in(db: &Db, username: &str, password: &str) -> users::LoginOutcome {
    let attempt = users::SignIn { username, password, client: None, request_id: "r" };
    users::login(db, &users::OnBlockingPool, &attempt).await.unwrap()
}

/// A fresh database with the demo's hierarchy, `n` organisations and one account per role.
pub async fn demo_db(n: u64) -> testing::TestDb {
    let t = testing::fresh().await.unwrap();
    demo::seed(&t.db, n, None).await.unwrap();
    t
}

/// The demo with `n` organisations and its programmes, calls, applications and projects.
pub async fn projects_db(n: u64) -> testing::TestDb {
    let t = demo_db(n).await;
    demo::projects::seed_projects(&t.db, demo::experts::CSL).await.unwrap();
    t
}

/// The demo with `n` organisations and its expert libraries and review rounds.
pub async fn experts_db(n: u64) -> testing::TestDb {
    let t = demo_db(n).await;
    demo::experts::seed_experts(&t.db, demo::experts::CSL).await.unwrap();
    t
}
