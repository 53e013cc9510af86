//! Calls and applications through the real router: who may see and do what, the three levels,
//! bad input named by field, double clicks, other organisations' applications, the budget.
mod apply;
mod calls;
mod decide;
mod execution;
mod funding;
mod public;

use crate::common::*;
use innocity_core::projects::Stage;
use innocity_store::projects as store;

async fn projects_app() -> TestApp {
    Fixture::demo().projects().build().await
}

async fn open_call(t: &TestApp) -> store::Call {
    let today = t.db.clock.today();
    store::calls(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.opens_on <= today && today <= c.deadlines.applicant)
        .unwrap()
}

fn form<'a>(call: &'a str, key: &'a str, equipment: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("call", call),
        ("title", "兰白地区稀土永磁材料低成本制备技术研究"),
        ("topic", "新材料"),
        ("leader_name", "陈工"),
        ("leader_key", key),
        ("members", "李华、王芳"),
        ("summary", "研究稀土永磁材料的低成本制备工艺与性能调控。"),
        ("requested_equipment", equipment),
        ("requested_indirect", "2"),
        ("q.研究基础与现有条件", "已建成省级稀土功能材料工程技术研究中心。"),
        ("q.技术就绪度（TRL）", "5"),
        ("q.预期成果形式", "专利"),
    ]
}

/// The demo project the `member` account leads (its mid-term report is overdue, a supervision
/// finding waits for rectification).
async fn members_project(t: &TestApp) -> store::Application {
    let user: i64 =
        t.db.query_one("SELECT id FROM users WHERE username = 'member'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    store::applications(&t.db, store::Reach::Leader(user), None, Some(Stage::Established))
        .await
        .unwrap()
        .remove(0)
}

/// The fields of a call as staff fill them in.
fn call_fields<'a>(
    programme: &'a str,
    code: &'a str,
    form_spec: &'a str,
    applicant_deadline: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("programme", programme),
        ("code", code),
        ("title", "2027年度兰白自创区技术攻关专项申报指南"),
        ("year", "2027"),
        ("opens_on", "2026-01-01"),
        ("applicant_deadline", applicant_deadline),
        ("organisation_deadline", "2030-12-07"),
        ("zone_deadline", "2030-12-14"),
        ("guidelines", "# 一、支持方向\n围绕稀土功能材料开展攻关。\n\n- 企业牵头\n- 产学研合作"),
        ("topics", "新材料\n先进制造"),
        ("kind_enterprise", "1"),
        ("max_ongoing", "2"),
        ("credit_check", "1"),
        ("max_request", "50"),
        ("co_funding", "0"),
        ("indirect_percent", "20"),
        ("form_spec", form_spec),
        ("remote_experts", "5"),
        ("panel_experts", "7"),
        ("panel_drawn", "1"),
        ("panel_shortlist", "20"),
        ("department_review", "1"),
    ]
}
