//! Expert libraries, review rounds, experts' reviews and research credit through the real
//! router, on the demo's libraries (300 experts from CSL papers, 150 proposals, a finished remote
//! review and a panel review being drawn and scored).
use crate::common::*;
use axum::http::StatusCode;
use innocity_store::experts as store;

pub(crate) async fn review_app() -> TestApp {
    Fixture::demo().experts().build().await
}

pub(crate) async fn round_id(t: &TestApp, code: &str) -> i64 {
    store::rounds(&t.db).await.unwrap().into_iter().find(|r| r.code == code).unwrap().id
}

/// The demo account's expert record and its open assignments in the panel round.
pub(crate) async fn my_open(t: &TestApp) -> (store::Expert, Vec<store::Assignment>) {
    let uid: i64 =
        t.db.query_one("SELECT id FROM users WHERE username = 'expert'", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    let me = store::by_user(&t.db, uid).await.unwrap().unwrap();
    let open = store::assignments_of_expert(&t.db, me.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.status == "assigned")
        .collect();
    (me, open)
}

#[tokio::test]
async fn only_staff_and_experts_reach_their_pages() {
    let t = review_app().await;
    let rid = round_id(&t, "LB2026-HY").await;
    let staff_pages = [
        "/experts".to_string(),
        "/experts/new".into(),
        "/experts/1".into(),
        "/reviews".into(),
        format!("/reviews/{rid}"),
        format!("/reviews/{rid}/results.xlsx"),
        "/credit".into(),
    ];
    let expert_pages = ["/my/reviews", "/experts/me"];
    for role in ROLES {
        let s = t.login(role).await;
        for p in &staff_pages {
            let allowed = ["admin", "bureau"].contains(&role);
            assert_eq!(
                t.get(&s, p).await.status,
                if allowed { StatusCode::OK } else { StatusCode::FORBIDDEN },
                "{role} {p}"
            );
        }
        for p in expert_pages {
            assert_eq!(
                t.get(&s, p).await.status,
                if role == "expert" { StatusCode::OK } else { StatusCode::FORBIDDEN },
                "{role} {p}"
            );
        }
        // Changing things is refused the same way.
        let status = t.post_form(&s, &format!("/reviews/{rid}/conflicts"), &[]).await.status;
        assert_eq!(
            status,
            if ["admin", "bureau"].contains(&role) {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::FORBIDDEN
            },
            "{role} recompute"
        );
        let status = t.post_form(&s, "/credit", &[("subject_kind", "person")]).await.status;
        assert_eq!(
            status,
            if ["admin", "bureau"].contains(&role) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::FORBIDDEN
            },
            "{role} credit"
        );
        let status = t.post_form(&s, "/experts/me/reconfirm", &[]).await.status;
        assert_eq!(
            status,
            if role == "expert" { StatusCode::SEE_OTHER } else { StatusCode::FORBIDDEN },
            "{role} reconfirm"
        );
    }
    assert_eq!(t.get(&Session::default(), "/experts").await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.get(&Session::default(), "/my/reviews").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_expert_sees_only_their_items_blind_and_scores_within_the_scale() {
    let t = review_app().await;
    let s = t.login("expert").await;
    let (me, open) = my_open(&t).await;
    only_their_own_items_blind(&t, &s, &me, &open).await;
    out_of_scale_is_refused(&t, &s, &open[0]).await;
    a_draft_then_a_submission_that_is_final(&t, &s, &open[0]).await;
}

/// The expert's list holds their assignments; an item's page names no other reviewer;
/// someone else's assignment does not exist for them.
async fn only_their_own_items_blind(
    t: &TestApp,
    s: &Session,
    me: &store::Expert,
    open: &[store::Assignment],
) {
    assert!(open.len() >= 2, "the demo leaves the demo account work to do");
    let list = t.get(s, "/my/reviews").await.body;
    assert_eq!(
        list.matches("href=\"/my/reviews/").count(),
        store::assignments_of_expert(&t.db, me.id).await.unwrap().len()
    );
    let a = &open[0];
    let page = t.get(s, &format!("/my/reviews/{}", a.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    // Blind: no other reviewer of this item is named on the page.
    for other in store::assignments(&t.db, a.round_id)
        .await
        .unwrap()
        .iter()
        .filter(|o| o.item_id == a.item_id && o.expert_id != me.id)
    {
        let e = store::get(&t.db, other.expert_id).await.unwrap().unwrap();
        assert!(!page.body.contains(&e.code), "{} shown to a fellow reviewer", e.code);
    }
    // Someone else's assignment is not found, not forbidden (it does not exist for this expert).
    let foreign = store::assignments(&t.db, a.round_id)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.expert_id != me.id)
        .unwrap();
    assert_eq!(
        t.get(s, &format!("/my/reviews/{}", foreign.id)).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Posts an expert's scoring form for assignment `id`.
async fn post_review(
    t: &TestApp,
    s: &Session,
    id: i64,
    fields: Vec<(&'static str, String)>,
) -> Resp {
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    t.post_form(s, &format!("/my/reviews/{id}"), &f).await
}

/// Out of scale: refused, naming the criterion, nothing stored.
async fn out_of_scale_is_refused(t: &TestApp, s: &Session, a: &store::Assignment) {
    let post = |fields| post_review(t, s, a.id, fields);
    let v = a.version.to_string();
    // Out of scale: refused, naming the criterion, nothing stored.
    let r = post(vec![
        ("score_innovation", "11".into()),
        ("version", v.clone()),
        ("submit", "0".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("创新性与先进性") && r.body.contains("0–10"), "{}", r.body);
    let r = post(vec![("score_team", "七".into()), ("version", v.clone()), ("submit", "0".into())])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不是数字"));
    assert_eq!(
        store::assignment(&t.db, a.id).await.unwrap().unwrap().saved_at,
        0,
        "nothing half-saved"
    );
}

/// A draft, then a submission missing the comment, then a good one. Submitted is final; a
/// conflict cannot be declared after scoring.
async fn a_draft_then_a_submission_that_is_final(t: &TestApp, s: &Session, a: &store::Assignment) {
    let post = |fields| post_review(t, s, a.id, fields);
    let v = a.version.to_string();
    let scores = |c: &str| {
        vec![
            ("score_innovation", "8.5".to_string()),
            ("score_feasibility", "7".into()),
            ("score_team", "9".into()),
            ("score_impact", "6".into()),
            ("recommendation", "fund".into()),
            ("comment", c.to_string()),
        ]
    };
    let mut draft = vec![
        ("score_innovation", "8.5".to_string()),
        ("version", v.clone()),
        ("submit", "0".into()),
    ];
    assert_eq!(post(draft.clone()).await.status, StatusCode::SEE_OTHER);
    let saved = store::assignment(&t.db, a.id).await.unwrap().unwrap();
    assert_eq!(saved.scores.get("innovation"), Some(&8.5));
    assert_eq!(saved.status, "assigned");
    let mut short = scores("好");
    short.extend([("version", saved.version.to_string()), ("submit", "1".into())]);
    let r = post(short).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("至少 20 个字"));
    let mut good =
        scores("研究目标明确，技术路线可行，团队基础较好，建议支持并加强成果转化的考核。");
    good.extend([("version", saved.version.to_string()), ("submit", "1".into())]);
    assert_eq!(post(good.clone()).await.status, StatusCode::SEE_OTHER);
    let done = store::assignment(&t.db, a.id).await.unwrap().unwrap();
    assert_eq!(done.status, "submitted");
    assert_eq!(done.total, Some(30.0 * 0.85 + 25.0 * 0.7 + 20.0 * 0.9 + 25.0 * 0.6));
    // Submitted is final; a conflict cannot be declared after scoring.
    draft[1].1 = done.version.to_string();
    assert_eq!(post(draft).await.status, StatusCode::CONFLICT);
    let r = t
        .post_form(
            s,
            &format!("/my/reviews/{}/withdraw", a.id),
            &[("kind", "conflict"), ("reason", "与申请人为同事")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("已提交评分后不能再申报回避"));
}

#[tokio::test]
async fn a_declared_conflict_is_stored_and_the_item_redrawn_replayably() {
    let t = review_app().await;
    let s = t.login("expert").await;
    let (me, open) = my_open(&t).await;
    let a = &open[1];
    let r = t
        .post_form(
            &s,
            &format!("/my/reviews/{}/withdraw", a.id),
            &[("kind", "conflict"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let r = t
        .post_form(
            &s,
            &format!("/my/reviews/{}/withdraw", a.id),
            &[("kind", "conflict"), ("reason", "申请人系本人近三年论文合作者")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(store::assignment(&t.db, a.id).await.unwrap().unwrap().status, "conflict");
    let conflicts = store::round_conflicts(&t.db, a.round_id).await.unwrap();
    assert!(conflicts.iter().any(|c| c.item_id == a.item_id
        && c.expert_id == me.id
        && c.kind == "declared"
        && c.source == "declaration"));
    // The item has its five again, by a redraw logged with its key.
    let r = store::round(&t.db, a.round_id).await.unwrap().unwrap();
    let live = store::assignments(&t.db, r.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.item_id == a.item_id && matches!(x.status.as_str(), "assigned" | "submitted"))
        .count();
    assert_eq!(live as i64, r.demand);
    let log = store::draw_log(&t.db, r.id).await.unwrap();
    assert!(log.iter().any(|l| l.action == "redraw"));
    // A supervisor replays every key from the revealed seed.
    assert_eq!(innocity_core::experts::draw::commitment(&r.seed), r.seed_hash);
    for l in log.iter().filter(|l| !l.key.is_empty()) {
        assert_eq!(
            format!(
                "{:016x}",
                innocity_core::experts::draw::key(&r.seed, &l.item_code, &l.expert_code)
            ),
            l.key
        );
    }
    // Staff see the conflict with its source on the expert's page; the round page shows the seed.
    let staff = t.login("bureau").await;
    let page = t.get(&staff, &format!("/experts/{}", me.id)).await.body;
    assert!(page.contains("专家申报") && page.contains("申请人系本人近三年论文合作者"));
    let round = t.get(&staff, &format!("/reviews/{}", r.id)).await.body;
    assert!(round.contains(&r.seed_hash) && round.contains("补抽"));
}

#[tokio::test]
async fn staff_rank_the_finished_round_and_export_it() {
    let t = review_app().await;
    let rid = round_id(&t, "LB2026-TX").await;
    let s = t.login("bureau").await;
    let page = t.get(&s, &format!("/reviews/{rid}?method=trimmed")).await.body;
    assert_eq!(page.matches("<tr><td class=\"num\">").count(), 150, "every proposal ranked");
    // The demo's harsh reviewer is flagged, by code, on the page.
    let (_, devs) =
        store::results(&t.db, rid, innocity_core::experts::scoring::Method::Trimmed).await.unwrap();
    let flagged: Vec<_> = devs.iter().filter(|d| d.outlier).collect();
    assert!(!flagged.is_empty() && flagged.iter().all(|d| d.mean_signed < -10.0), "{flagged:?}");
    assert!(page.contains("id=\"outliers\"") && flagged.iter().all(|d| page.contains(&d.expert)));
    let (status, _, bytes) =
        t.get_bytes(&s, &format!("/reviews/{rid}/results.xlsx?method=standardised")).await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.get_value((3, 0)), Some(&calamine::Data::Float(1.0)));
    assert_eq!(sheet.rows().count(), 3 + 150);
    // Assigning again is refused: the round already has its panels.
    let r = t.post_form(&s, &format!("/reviews/{rid}/assign"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_credit_record_suspends_the_expert_and_bad_records_are_refused_whole() {
    let t = review_app().await;
    let s = t.login("bureau").await;
    let target = store::list(
        &t.db,
        &store::ExpertQuery {
            status: Some(innocity_core::experts::Status::Active),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .nth(5)
    .unwrap();
    let before: i64 =
        t.db.query_one("SELECT COUNT(*) FROM credit_records", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    // A minor case cannot carry a ban: refused, naming the field.
    let form = |severity: &'static str, sanction: &'static str| {
        vec![
            ("subject_kind", "person"),
            ("subject_key", target.code.as_str()),
            ("subject_name", target.name.as_str()),
            ("nature", "bad"),
            ("kind", "评审中收受礼金"),
            ("severity", severity),
            ("source", "兰科监〔2026〕9号"),
            ("date", "2026-11-01"),
            ("sanction", sanction),
        ]
    };
    let r = t.post_form(&s, "/credit", &form("minor", "years:2")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("sanction") || r.body.contains("限制"), "{}", r.body);
    let after: i64 =
        t.db.query_one("SELECT COUNT(*) FROM credit_records", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
    assert_eq!(after, before, "nothing stored");
    let r = t.post_form(&s, "/credit", &form("serious", "years:2")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().ends_with("n=1"));
    let e = store::get(&t.db, target.id).await.unwrap().unwrap();
    assert_eq!(e.status, innocity_core::experts::Status::Suspended);
    assert!(e.status_reason.contains("兰科监〔2026〕9号"));
    let answer = t.get(&s, &format!("/credit?key={}", target.code)).await.body;
    assert!(
        answer.contains("不可申报或参与评审") && answer.contains("2028年11月01日"),
        "the deciding record and its end"
    );
    // Suspended experts leave the drawing pool, with the reason.
    let r = store::round(&t.db, round_id(&t, "LB2026-HY").await).await.unwrap().unwrap();
    let pool = store::pool(&t.db, &r, chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
        .await
        .unwrap();
    assert_eq!(
        pool.iter().find(|p| p.expert.id == target.id).unwrap().excluded.clone().unwrap().0,
        "pool.status"
    );
}

#[tokio::test]
async fn status_changes_need_their_reason_and_follow_the_machine() {
    let t = review_app().await;
    let s = t.login("bureau").await;
    let e = store::list(
        &t.db,
        &store::ExpertQuery {
            status: Some(innocity_core::experts::Status::Applied),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .remove(0);
    let r = t
        .post_form(
            &s,
            &format!("/experts/{}/status", e.id),
            &[("action", "activate"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "no activation before vetting");
    assert_eq!(
        t.post_form(&s, &format!("/experts/{}/status", e.id), &[("action", "vet"), ("reason", "")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            &s,
            &format!("/experts/{}/status", e.id),
            &[("action", "activate"), ("reason", "")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = t
        .post_form(
            &s,
            &format!("/experts/{}/status", e.id),
            &[("action", "suspend"), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("必须填写原因"));
    assert_eq!(
        store::get(&t.db, e.id).await.unwrap().unwrap().status,
        innocity_core::experts::Status::Active
    );
    let audit: i64 =
        t.db.query_one(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'expert' AND entity_id = ?",
            vec![e.id.to_string().into()],
        )
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(audit, 3, "create, vet, activate");
}

#[tokio::test]
async fn a_tie_declared_in_the_profile_becomes_a_conflict_in_open_rounds() {
    let t = review_app().await;
    let s = t.login("expert").await;
    let (me, _) = my_open(&t).await;
    let rid = round_id(&t, "LB2026-HY").await;
    let item = store::items(&t.db, rid).await.unwrap().remove(3);
    let r = t
        .post_form(
            &s,
            "/experts/me/ties",
            &[
                ("kind", "coauthor"),
                ("name", &item.applicant),
                ("credit_code", ""),
                ("year", "20x5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a bad year is named");
    let r = t
        .post_form(
            &s,
            "/experts/me/ties",
            &[
                ("kind", "coauthor"),
                ("name", &item.applicant),
                ("credit_code", ""),
                ("year", "2025"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let c = store::round_conflicts(&t.db, rid).await.unwrap();
    assert!(c.iter().any(|c| c.item_id == item.id
        && c.expert_id == me.id
        && c.kind == "coauthor"
        && c.detail.contains("2025")));
    // The expert confirms the year and edits the profile; a stale version is refused.
    assert_eq!(t.post_form(&s, "/experts/me/reconfirm", &[]).await.status, StatusCode::SEE_OTHER);
    let fresh = store::get(&t.db, me.id).await.unwrap().unwrap();
    let r = t
        .post_form(
            &s,
            "/experts/me",
            &[
                ("title", "教授"),
                ("keywords", "稀土；催化"),
                ("version", &fresh.version.to_string()),
                ("available_from", "2026-13-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        t.post_form(
            &s,
            "/experts/me",
            &[
                ("title", "教授"),
                ("keywords", "稀土；催化"),
                ("version", &fresh.version.to_string())
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            &s,
            "/experts/me",
            &[("title", "教授"), ("keywords", "x"), ("version", &fresh.version.to_string())]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn bids_steer_the_optimal_assignment_where_the_call_allows_them() {
    let t = review_app().await;
    let (me, _) = my_open(&t).await;
    // A new round that allows bids, on five of the call's proposals.
    let hy = store::items(&t.db, round_id(&t, "LB2026-HY").await).await.unwrap();
    let items: Vec<store::Item> = hy
        .iter()
        .take(5)
        .map(|i| store::Item { code: format!("B-{}", i.code), ..i.clone() })
        .collect();
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "test", request_id: "t" };
    let rules = store::Rules { allow_bids: true, coauthor_years: 3, ..Default::default() };
    let new = store::NewRound {
        code: "BID".into(),
        name: "意向测试".into(),
        call_name: "测试".into(),
        library: me.library,
        mode: store::Mode::Assign,
        demand: 3,
        max_load: 3,
        rules,
        form: innocity_core::experts::scoring::Form::standard(),
        deadline: t.db.clock.today() + chrono::Days::new(10),
        year: 2099,
    };
    let rid = store::create_round(&t.db, &new, &items, actor).await.unwrap();
    let ids: Vec<i64> = store::items(&t.db, rid).await.unwrap().iter().map(|i| i.id).collect();
    let s = t.login("expert").await;
    let mine = t.get(&s, "/my/reviews").await;
    assert!(mine.body.contains(&format!("/my/bids/{rid}")), "{}: {}", mine.status, mine.body);
    assert_eq!(t.get(&s, &format!("/my/bids/{rid}")).await.status, StatusCode::OK);
    let bid = |item: i64, b: &'static str| {
        let (t, s) = (&t, s.clone());
        async move {
            t.post_form(&s, &format!("/my/bids/{rid}"), &[("item", &item.to_string()), ("bid", b)])
                .await
                .status
        }
    };
    assert_eq!(bid(ids[0], "maybe").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bid(999_999, "eager").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an item of another round"
    );
    assert_eq!(bid(ids[0], "unwilling").await, StatusCode::SEE_OTHER);
    assert_eq!(bid(ids[1], "eager").await, StatusCode::SEE_OTHER);
    let staff = t.login("bureau").await;
    assert_eq!(
        t.post_form(&staff, &format!("/reviews/{rid}/assign"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let got: Vec<i64> = store::assignments(&t.db, rid)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.expert_id == me.id)
        .map(|a| a.item_id)
        .collect();
    assert!(!got.contains(&ids[0]), "never the unwilling item");
    assert!(got.contains(&ids[1]), "the eager item: {got:?}");
    // Once assigned, bidding is over.
    assert_eq!(t.get(&s, &format!("/my/bids/{rid}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_enter_an_expert_who_then_waits_for_vetting() {
    let t = review_app().await;
    let s = t.login("bureau").await;
    let base = [
        ("code", "E9001"),
        ("name", "欧阳明"),
        ("organisation_name", "兰州理工大学"),
        ("title", "教授"),
        ("region", "甘肃省"),
        ("library", "review"),
        ("keywords", "焊接；有色金属"),
    ];
    let mut no_field = base.to_vec();
    no_field.push(("fields", " "));
    let r = t.post_form(&s, "/experts", &no_field).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("data-field=\"fields\"") && r.body.contains("欧阳明"),
        "the error is named and the form keeps what was typed"
    );
    let mut bad_code = base.to_vec();
    bad_code.extend([("fields", "材料科学与工程"), ("credit_code", "91620100XXXXXXXX")]);
    let r = t.post_form(&s, "/experts", &bad_code).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("data-field=\"credit_code\""));
    let mut good = base.to_vec();
    good.extend([("fields", "材料科学与工程、机械工程"), ("credit_code", "")]);
    let r = t.post_form(&s, "/experts", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let e = store::list(&t.db, &store::ExpertQuery { text: "E9001".into(), ..Default::default() })
        .await
        .unwrap()
        .remove(0);
    assert_eq!(e.status, innocity_core::experts::Status::Applied);
    assert_eq!(e.fields, ["材料科学与工程", "机械工程"]);
    let r = t.post_form(&s, "/experts", &good).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the code is taken");
    assert!(r.body.contains("该专家编号已存在"));
}

/// The platform's clock moves (as the calendar would): the panel round's deadline passes and the
/// expert's form closes, on the page and at the store, with the deadline named. (Sessions expire
/// by the same clock, so the expert signs in again after each jump.)
#[tokio::test]
async fn a_review_deadline_passing_closes_the_form() {
    let t = review_app().await;
    let (_, open) = my_open(&t).await;
    let a = &open[0];
    let round = store::round(&t.db, a.round_id).await.unwrap().unwrap();
    let deadline = round.deadline_date().unwrap();
    let url = format!("/my/reviews/{}", a.id);
    let save = |version: i64| {
        let (t, url) = (&t, url.clone());
        async move {
            let s = t.login("expert").await;
            let page = t.get(&s, &url).await;
            assert_eq!(page.status, StatusCode::OK);
            let v = version.to_string();
            let f = [("score_innovation", "8"), ("version", v.as_str()), ("submit", "0")];
            (page.body.contains("disabled"), t.post_form(&s, &url, &f).await)
        }
    };
    // On the deadline day itself the form is open.
    let days_left = (deadline - t.db.clock.today()).num_days();
    t.db.clock.advance(chrono::Duration::days(days_left));
    assert_eq!(t.db.clock.today(), deadline);
    let (closed, r) = save(a.version).await;
    assert!(!closed, "open on the deadline day");
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The next day it is closed: the fields are disabled and a save is refused by date.
    t.db.clock.advance(chrono::Duration::days(1));
    let saved = store::assignment(&t.db, a.id).await.unwrap().unwrap();
    let (closed, r) = save(saved.version).await;
    assert!(closed, "closed the day after");
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains(&format!("评审已于 {} 截止", round.deadline)), "{}", r.body);
    assert_eq!(store::assignment(&t.db, a.id).await.unwrap().unwrap().version, saved.version);
}
