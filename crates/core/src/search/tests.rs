use super::*;
use crate::access::{Role, Scope};

fn entry(kind: Kind, id: i64, title: &str, body: &str) -> Entry {
    Entry {
        kind,
        audience: Audience::Everyone,
        id,
        title: title.into(),
        body: body.into(),
        url: format!("/x/{id}"),
        date_ms: 0,
    }
}

fn index(a: &Analyzer, entries: Vec<Entry>) -> Index {
    Index::build(entries.into_iter().map(|e| analyse(a, e)).collect())
}

fn sample(a: &Analyzer) -> Index {
    index(
        a,
        vec![
            entry(
                Kind::Call,
                1,
                "2027年度兰州市科技计划项目申报指南",
                "重点支持新能源、新材料和生物医药领域的关键核心技术攻关。",
            ),
            entry(
                Kind::Achievement,
                2,
                "稀土永磁同步电机控制方法",
                "本成果研究了一种新型稀土永磁同步电机的无位置传感器控制方法。",
            ),
            entry(
                Kind::Demand,
                3,
                "征集锂电池回收技术",
                "企业需要退役锂电池梯次利用与材料回收的成套技术。",
            ),
            entry(
                Kind::Guide,
                4,
                "申报科技计划项目",
                "申报单位在线填写申报书，经推荐单位审核后提交科技局。",
            ),
            entry(
                Kind::Carrier,
                5,
                "甘肃省稀土功能材料重点实验室",
                "依托单位：包头稀土研究院白银分院。",
            ),
        ],
    )
}

fn query(text: &str) -> Query {
    Query { text: text.into(), limit: 20, ..Query::default() }
}

#[test]
fn chinese_words_find_their_entries_best_first_with_marks() {
    let a = Analyzer::default();
    let idx = sample(&a);
    let found = search(&a, &[&idx], None, &query("稀土永磁"));
    assert_eq!(found.hits[0].id, 2, "{found:?}");
    assert!(
        found.hits[0].title.iter().any(|p| p.hit && p.text.contains("稀土")),
        "{:?}",
        found.hits[0].title
    );
    assert!(found.hits[0].snippet.iter().any(|p| p.hit), "the body's match is marked");
    // A title is shown whole even when its match lies near its end.
    let late = search(&a, &[&idx], None, &query("回收技术"));
    let title: String = late.hits[0].title.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(title, "征集锂电池回收技术");
    // The laboratory holds 稀土 only: found, after the achievement.
    assert!(found.hits.iter().any(|h| h.id == 5));
    // A long query is not matched by one of its common words alone.
    let long = search(&a, &[&idx], None, &query("氢燃料电池检测服务平台建设"));
    assert!(long.hits.is_empty(), "{long:?}");
    assert_eq!(found.total, found.hits.len());
}

#[test]
fn counts_by_kind_stay_while_a_kind_narrows_the_hits() {
    let a = Analyzer::default();
    let idx = sample(&a);
    let all = search(&a, &[&idx], None, &query("科技计划项目申报"));
    let kinds: Vec<Kind> = all.by_kind.iter().map(|(k, _)| *k).collect();
    assert!(kinds.contains(&Kind::Call) && kinds.contains(&Kind::Guide), "{kinds:?}");
    let guides =
        search(&a, &[&idx], None, &Query { kind: Some(Kind::Guide), ..query("科技计划项目申报") });
    assert_eq!(guides.by_kind, all.by_kind);
    assert!(guides.hits.iter().all(|h| h.kind == Kind::Guide));
    assert_eq!(guides.total, 1);
}

#[test]
fn a_person_s_own_index_is_searched_with_the_public_one() {
    let a = Analyzer::default();
    let public = sample(&a);
    let mine = index(&a, vec![entry(Kind::Application, 9, "锂电池回收关键技术研究", "申报书")]);
    let found = search(&a, &[&public, &mine], None, &query("锂电池"));
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    assert!(ids.contains(&9) && ids.contains(&3), "{ids:?}");
    let without = search(&a, &[&public], None, &query("锂电池"));
    assert!(without.hits.iter().all(|h| h.id != 9));
}

#[test]
fn long_queries_and_query_syntax_are_answered_as_text() {
    let a = Analyzer::default();
    let idx = sample(&a);
    let long = "稀土".repeat(5_000);
    let found = search(&a, &[&idx], None, &query(&long));
    assert!(found.clipped);
    let ids: Vec<i64> = found.hits.iter().map(|h| h.id).collect();
    assert!(ids.contains(&2) && ids.contains(&5), "the first 100 characters searched: {ids:?}");
    for q in
        ["\"稀土\" AND title:(永磁*) -电机 ~2 ^3", "***", "", "   ", "<script>", "%' OR 1=1 --"]
    {
        let f = search(&a, &[&idx], None, &query(q));
        assert!(!f.clipped, "{q}");
        assert!(f.hits.len() <= f.total, "{q}");
    }
    assert_eq!(search(&a, &[&idx], None, &query("")).total, 0);
    assert_eq!(search(&a, &[&idx], None, &query("***")).total, 0);
    assert!(search(&a, &[&idx], None, &query("\"稀土\" AND")).hits.iter().any(|h| h.id == 2));
}

#[test]
fn paging_walks_the_whole_ranking_once() {
    let a = Analyzer::default();
    let entries = (0..45)
        .map(|i| entry(Kind::Policy, i, &format!("科技创新政策第{i}号"), "支持科技型中小企业"))
        .collect();
    let idx = index(&a, entries);
    let mut seen = Vec::new();
    for page in 0..3 {
        let f = search(&a, &[&idx], None, &Query { offset: page * 20, ..query("科技型中小企业") });
        assert_eq!(f.total, 45);
        seen.extend(f.hits.iter().map(|h| h.id));
    }
    seen.sort();
    assert_eq!(seen, (0..45).collect::<Vec<_>>());
    assert!(Index::build(vec![]).is_empty());
    assert_eq!(search(&a, &[&Index::build(vec![])], None, &query("科技")).total, 0);
}

#[test]
fn kinds_read_back_from_their_codes() {
    for k in Kind::ALL {
        assert_eq!(Kind::parse(k.code()), Some(k));
    }
    assert_eq!(Kind::parse("users"), None);
    assert!(Kind::Application.is_private() && !Kind::Call.is_private());
}

fn person(role: Role, scope: Scope, user_id: i64) -> Principal {
    Principal {
        user_id,
        username: "u".into(),
        display_name: "u".into(),
        role,
        scope,
        org_kind: None,
    }
}

#[test]
fn each_finds_only_what_its_scope_may_see() {
    let a = Analyzer::default();
    let app = |id, org, leader, path: &str| Entry {
        audience: Audience::Application {
            organisation_id: org,
            leader_user_id: leader,
            unit_path: path.into(),
        },
        ..entry(Kind::Application, id, "氢能储运关键技术研究", "申报书摘要")
    };
    let review = Entry {
        audience: Audience::Expert { user_id: 77 },
        ..entry(Kind::Review, 30, "氢能储运关键技术研究", "第一轮评审")
    };
    let ret = Entry {
        audience: Audience::Return { organisation_id: 5, unit_path: "/1/2/".into() },
        ..entry(Kind::Return, 40, "氢能企业研发活动情况 2026年", "")
    };
    let idx = index(
        &a,
        vec![
            app(10, 5, 50, "/1/2/"),
            app(11, 6, 60, "/1/3/"),
            review,
            ret,
            entry(Kind::Call, 1, "氢能专项申报", ""),
        ],
    );
    let ids = |viewer: Option<&Principal>| -> Vec<i64> {
        let mut ids: Vec<i64> =
            search(&a, &[&idx], viewer, &query("氢能")).hits.iter().map(|h| h.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(None), vec![1], "a visitor: public things only");
    let public_user = person(Role::Public, Scope::Nothing, 1);
    assert_eq!(ids(Some(&public_user)), vec![1]);
    let bureau = person(Role::BureauStaff, Scope::All, 2);
    assert_eq!(ids(Some(&bureau)), vec![1, 10, 11, 40]);
    let zone = person(Role::ZoneAdmin, Scope::Subtrees(vec!["/1/3/".into()]), 3);
    assert_eq!(ids(Some(&zone)), vec![1, 11]);
    let org_admin = person(Role::OrgAdmin, Scope::Organisation(5), 4);
    assert_eq!(ids(Some(&org_admin)), vec![1, 10, 40]);
    let leader = person(Role::OrgMember, Scope::Organisation(5), 50);
    assert_eq!(ids(Some(&leader)), vec![1, 10, 40]);
    let colleague = person(Role::OrgMember, Scope::Organisation(5), 51);
    assert_eq!(ids(Some(&colleague)), vec![1, 40], "a member sees the applications they lead");
    let expert = person(Role::Expert, Scope::Nothing, 77);
    assert_eq!(ids(Some(&expert)), vec![1, 30]);
    let other_expert = person(Role::Expert, Scope::Nothing, 78);
    assert_eq!(ids(Some(&other_expert)), vec![1]);
    let found = search(&a, &[&idx], Some(&zone), &query("氢能"));
    assert_eq!(found.total, 2, "the counts leave out what the viewer may not see");
    assert!(found.by_kind.iter().all(|(k, _)| *k != Kind::Review && *k != Kind::Return));
}
