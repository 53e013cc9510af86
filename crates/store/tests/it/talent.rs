//! Talent and teams: people and teams recorded within the caller's area (refusals store
//! nothing), yearly reports once a year for years that have ended, counts by programme.
use crate::common::*;
use chrono::NaiveDate;
use innocity_core::subjects::talent::{Person, Team};
use innocity_store::StoreError;
use innocity_store::orgs::Actor;
use innocity_store::subjects::talent::{self as store, Subject, TalentRefusal};

const ACTOR: Actor<'static> = Actor { user_id: 0, username: "tester", request_id: "r" };

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn person(code: &str, name: &str) -> Person {
    Person {
        name: name.into(),
        title: "研究员".into(),
        organisation_credit_code: code.into(),
        field: "新材料".into(),
        programme: "talent_pool".into(),
        support_from: d("2024-01-01"),
        support_to: d("2026-12-31"),
        cycle_years: 3,
        placement: String::new(),
        expert_code: None,
    }
}

fn refusal<T: std::fmt::Debug>(r: Result<T, StoreError>) -> TalentRefusal {
    match r {
        Err(StoreError::Talent(t)) => t,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn count(db: &innocity_store::Db, table: &str) -> i64 {
    db.read(&format!("SELECT COUNT(*) FROM {table}"), vec![], |r| r.int(0)).await.unwrap()[0]
}

#[tokio::test]
async fn people_and_teams_stay_in_the_callers_area_and_reports_come_once_a_year() {
    let t = demo_db(40).await;
    let orgs =
        t.db.read("SELECT credit_code, unit_path FROM organisations ORDER BY id", vec![], |r| {
            Ok((r.text(0)?, r.text(1)?))
        })
        .await
        .unwrap();
    let (code, path) = orgs[1].clone();
    let zone: String = path.split('/').take(3).collect::<Vec<_>>().join("/") + "/";
    let outside = orgs.iter().find(|o| !o.1.starts_with(&zone)).unwrap().0.clone();
    let mut ids = Vec::new();
    for name in ["王建国", "李晓燕", "张海涛"] {
        ids.push(
            store::add_person(&t.db, &person(&code, name), std::slice::from_ref(&zone), ACTOR)
                .await
                .unwrap(),
        );
    }
    let r = store::add_person(&t.db, &person(&code, "王建国"), std::slice::from_ref(&zone), ACTOR)
        .await;
    assert_eq!(refusal(r), TalentRefusal::Taken { name: "王建国".into() });
    let r = store::add_person(&t.db, &person(&outside, "赵敏"), std::slice::from_ref(&zone), ACTOR)
        .await;
    assert!(matches!(refusal(r), TalentRefusal::OutOfScope { .. }));
    let mut expert = person(&code, "周振华");
    expert.expert_code = Some("E-NOPE".into());
    let r = store::add_person(&t.db, &expert, std::slice::from_ref(&zone), ACTOR).await;
    assert_eq!(refusal(r), TalentRefusal::UnknownExpert { code: "E-NOPE".into() });
    assert_eq!(count(&t.db, "talents").await, 3, "refusals store nothing");

    let other = store::add_person(
        &t.db,
        &person(&outside, "赵敏"),
        &innocity_store::orgs::everywhere(),
        ACTOR,
    )
    .await
    .unwrap();
    let team = |members: Vec<i64>| Team {
        name: "稀土永磁功能材料创新团队".into(),
        organisation_credit_code: code.clone(),
        field: "稀土永磁功能材料".into(),
        leader_id: ids[0],
        member_ids: members,
        support_from: d("2024-01-01"),
        support_to: d("2026-12-31"),
        cycle_years: 3,
    };
    let r = store::add_team(&t.db, &team(vec![ids[1], other]), std::slice::from_ref(&zone), ACTOR)
        .await;
    assert_eq!(refusal(r), TalentRefusal::UnknownPerson { field: "member_ids", id: other });
    assert_eq!((count(&t.db, "teams").await, count(&t.db, "team_members").await), (0, 0));
    let id =
        store::add_team(&t.db, &team(vec![ids[1], ids[2]]), std::slice::from_ref(&zone), ACTOR)
            .await
            .unwrap();
    let made = store::team(&t.db, id).await.unwrap().unwrap();
    let people = store::members(&t.db, &made).await.unwrap();
    assert_eq!((made.members, people[0].id), (3, ids[0]), "the leader first");

    // Today is 2026-12: 2024 and 2025 have ended, 2026 has not.
    let span = (d("2024-01-01"), d("2026-12-31"));
    let file = |year: i32, text: &'static str| {
        store::file_report(&t.db, Subject::Team, id, span, year, text, ACTOR)
    };
    assert_eq!(refusal(file(2026, "总结").await), TalentRefusal::ReportYear { year: 2026 });
    assert_eq!(refusal(file(2023, "总结").await), TalentRefusal::ReportYear { year: 2023 });
    assert_eq!(refusal(file(2025, "  ").await), TalentRefusal::ReportText);
    file(2025, "完成年度目标任务。").await.unwrap();
    assert_eq!(refusal(file(2025, "再报一次").await), TalentRefusal::ReportFiled { year: 2025 });
    assert_eq!(store::reports(&t.db, Subject::Team, id).await.unwrap().len(), 1);

    let counts = store::counts(&t.db, std::slice::from_ref(&zone), 2025).await.unwrap();
    assert_eq!((counts.by_programme, counts.teams), (vec![("talent_pool".to_string(), 3)], 1));
    assert_eq!(store::counts(&t.db, std::slice::from_ref(&zone), 2023).await.unwrap().teams, 0);
}
