//! Monitoring pages through the real router: who may see them, scopes, the numbers shown.
mod common;
use axum::http::StatusCode;
use common::*;
use innocity_store::demo;

async fn monitoring_app() -> TestApp {
    let t = app().await;
    demo::seed_indicators(&t.db).await.unwrap();
    t
}

#[tokio::test]
async fn monitoring_refuses_the_roles_that_must_be_refused_and_keeps_to_scope() {
    let t = monitoring_app().await;
    for path in ["/indicators", "/indicators/LANBAI-2020", "/indicators/LANBAI-2020/compare", "/indicators/CITY-2015"] {
        for role in ROLES {
            let s = t.login(role).await;
            let allowed = ["admin", "bureau", "zone", "zone2"].contains(&role);
            assert_eq!(t.get(&s, path).await.status, if allowed { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{role} {path}");
        }
        assert_eq!(t.get(&Session::default(), path).await.status, StatusCode::SEE_OTHER);
    }
    let gx = t.unit_id("LZGX").await;
    let zone2 = t.login("zone2").await;
    assert_eq!(t.get(&zone2, &format!("/indicators/LANBAI-2020?unit={gx}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get(&zone2, "/indicators/NOPE").await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&zone2, "/indicators/LANBAI-2020?unit=abc").await.status, StatusCode::BAD_REQUEST);
    // A zone admin compares only the zones in reach: their own.
    let r = t.get(&zone2, "/indicators/LANBAI-2020/compare").await.body;
    assert_eq!(r.matches("<tr><td class=\"num\">").count(), 1);
}

#[tokio::test]
async fn the_dashboard_shows_the_latest_value_against_the_path() {
    let t = monitoring_app().await;
    let gx = t.unit_id("LZGX").await;
    let s = t.login("bureau").await;
    let page = t.get(&s, &format!("/indicators/LANBAI-2020?unit={gx}")).await.body;
    assert_eq!(page.matches("class=\"card ind-card").count(), 10);
    let v = innocity_store::indicators::for_unit(&t.db, gx, &["RD_GDP".to_string()]).await.unwrap();
    let latest = v.last().unwrap();
    assert_eq!(latest.period, "2024");
    assert!(page.contains(&format!("{} %", innocity_web::stats::number(latest.value))), "latest R&D intensity shown");
    // The yearly milestones of the plan: 2.3 in 2014 … 2.9 in 2020.
    assert!(page.contains("id=\"milestones\"") && page.contains(">2.3<") && page.contains(">2.9<"));
    // The comparison ranks all four zones, with rank intervals.
    let cmp = t.get(&s, "/indicators/LANBAI-2020/compare?year=2024").await.body;
    assert_eq!(cmp.matches("<tr><td class=\"num\">").count(), 4);
    assert!(cmp.contains("id=\"sobol\""));
}
