//! Talent and teams on pages and in the API: a zone records people and a team (bad input named,
//! nothing stored), files a yearly report; another zone cannot see them; the roles without the
//! right are refused every write.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;

async fn zone_org(t: &TestApp) -> String {
    t.db.read(
        "SELECT o.credit_code FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.username = 'orgadmin'",
        vec![],
        |r| r.text(0),
    )
    .await
    .unwrap()[0]
    .clone()
}

async fn count(t: &TestApp, table: &str) -> i64 {
    t.db.read(&format!("SELECT COUNT(*) FROM {table}"), vec![], |r| r.int(0)).await.unwrap()[0]
}

#[tokio::test]
async fn a_zone_records_people_a_team_and_a_yearly_report() {
    let t = Fixture::demo().build().await;
    let s = t.login("zone").await;
    let code = zone_org(&t).await;
    let bad = t
        .post_form(
            &s,
            "/subjects/talent",
            &[
                ("name", ""),
                ("organisation_credit_code", &code),
                ("programme", "commissioner"),
                ("support_from", "2024-03-01"),
                ("support_to", "2023-03-01"),
                ("cycle_years", "4"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for words in
        ["请填写名称", "支持期止须晚于支持期起", "评估周期为 3 年或 5 年", "须填写服务地点"]
    {
        assert!(bad.body.contains(words), "{words}");
    }
    assert_eq!(count(&t, "talents").await, 0);
    let mut ids = Vec::new();
    for name in ["王建国", "李晓燕", "张海涛"] {
        let r = t
            .post_form(
                &s,
                "/subjects/talent",
                &[
                    ("name", name),
                    ("title", "高级工程师"),
                    ("organisation_credit_code", &code),
                    ("programme", "commissioner"),
                    ("placement", "榆中县和平镇"),
                    ("support_from", "2024-03-01"),
                    ("support_to", "2027-02-28"),
                    ("cycle_years", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        ids.push(r.location().rsplit('/').next().unwrap().to_string());
    }
    a_team_of_them_reports_yearly(&t, &s, &code, &ids).await;
}

/// The three people make a team; its report is refused for the running year and filed for the
/// last; another zone sees neither.
async fn a_team_of_them_reports_yearly(t: &TestApp, s: &Session, code: &str, ids: &[String]) {
    let list = t.get(s, "/subjects/talent?programme=commissioner").await;
    assert!(list.body.contains("榆中县和平镇") && list.body.contains("2027年02月28日"));
    let r = t
        .post_form(
            s,
            "/subjects/teams",
            &[
                ("name", "中药材种植技术服务团队"),
                ("organisation_credit_code", code),
                ("leader_id", &ids[0]),
                ("member_ids", &ids[1]),
                ("member_ids", &ids[2]),
                ("support_from", "2024-01-01"),
                ("support_to", "2026-12-31"),
                ("cycle_years", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let team = r.location().to_string();
    let page = t.get(s, &team).await;
    assert!(page.body.contains("王建国") && page.body.contains("id=\"report-form\""));
    let report = format!("{team}/reports");
    let r = t.post_form(s, &report, &[("year", "2026"), ("summary", "提前报送")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不能报送该年报告"));
    let r = t.post_form(s, &report, &[("year", "2025"), ("summary", "完成年度任务。")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(t.get(s, &team).await.body.contains("完成年度任务。"));
    let z2 = t.login("zone2").await;
    assert_eq!(t.get(&z2, &team).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&z2, &format!("/subjects/talent/{}", ids[0])).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_api_records_people_and_teams_with_the_field_named() {
    let t = Fixture::demo().build().await;
    let auth = bearer(&t, "zone").await;
    let code = zone_org(&t).await;
    let body = |name: &str, cycle: u32| {
        serde_json::json!({
            "name": name, "organisation_credit_code": code, "programme": "leading_talent",
            "support_from": "2023-07-01", "support_to": "2028-06-30", "cycle_years": cycle,
        })
    };
    let r = json(&t, "POST", "/api/v1/subjects/talent", Some(&auth), body("周振华", 4)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["cycle_years"].is_string());
    let mut ids = Vec::new();
    for name in ["周振华", "吴雪梅", "郑国栋"] {
        let r = json(&t, "POST", "/api/v1/subjects/talent", Some(&auth), body(name, 5)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["next_evaluation"], "2028-06-30");
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    let list =
        json(&t, "GET", "/api/v1/subjects/talent", Some(&auth), serde_json::Value::Null).await;
    assert_eq!(list.json()["counts"][0]["people"], 3);
    let team = serde_json::json!({
        "name": "高端数控装备创新团队", "organisation_credit_code": code, "leader_id": ids[0],
        "member_ids": [ids[1]], "support_from": "2024-01-01", "support_to": "2026-12-31", "cycle_years": 3,
    });
    let r = json(&t, "POST", "/api/v1/subjects/teams", Some(&auth), team.clone()).await;
    assert!(r.json()["error"]["fields"]["member_ids"].is_string(), "{}", r.body);
    let mut team = team;
    team["member_ids"] = serde_json::json!([ids[1], ids[2]]);
    let r = json(&t, "POST", "/api/v1/subjects/teams", Some(&auth), team).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["members"], 3);
    let id = r.json()["id"].as_i64().unwrap();
    let detail = json(
        &t,
        "GET",
        &format!("/api/v1/subjects/teams/{id}"),
        Some(&auth),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(detail.json()["follow_up"]["reports_due"], serde_json::json!([2024, 2025]));
    let report = serde_json::json!({ "year": 2024, "summary": "完成年度目标任务。" });
    let r = json(
        &t,
        "POST",
        &format!("/api/v1/subjects/teams/{id}/reports"),
        Some(&auth),
        report.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = json(&t, "POST", &format!("/api/v1/subjects/teams/{id}/reports"), Some(&auth), report)
        .await;
    assert!(r.json()["error"]["fields"]["year"].is_string(), "filed once");
    let zone2 = bearer(&t, "zone2").await;
    let hidden = json(
        &t,
        "GET",
        &format!("/api/v1/subjects/talent/{}", ids[0]),
        Some(&zone2),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_talent_write_refuses_the_roles_without_the_right() {
    let t = Fixture::demo().build().await;
    for role in ROLES.iter().filter(|r| !["admin", "bureau", "zone", "zone2"].contains(r)) {
        let s = t.login(role).await;
        for uri in [
            "/subjects/talent",
            "/subjects/teams",
            "/subjects/talent/1/reports",
            "/subjects/teams/1/reports",
        ] {
            let r = t.post_form(&s, uri, &[("name", "越权")]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST {uri}");
            assert_eq!(
                t.get(&s, uri.trim_end_matches("/reports")).await.status,
                StatusCode::FORBIDDEN
            );
        }
    }
    assert_eq!(count(&t, "talents").await, 0);
}
