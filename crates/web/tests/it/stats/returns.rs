//! Returns: who may do what, live rules and explanations, review and approval up the
//! hierarchy, deadlines.
use super::*;

#[tokio::test]
async fn statistics_routes_refuse_the_roles_that_must_be_refused() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let ret = format!("/stats/107-2/2025/orgs/{own}");
    let matrix: Vec<(String, Vec<&str>)> = vec![
        (
            "/stats".into(),
            vec!["admin", "bureau", "zone", "zone2", "orgadmin", "member", "orgadmin2"],
        ),
        (
            "/stats/forms".into(),
            vec!["admin", "bureau", "zone", "zone2", "orgadmin", "member", "orgadmin2"],
        ),
        (
            "/stats/forms/107-2".into(),
            vec!["admin", "bureau", "zone", "zone2", "orgadmin", "member", "orgadmin2"],
        ),
        ("/stats/107-2/2025".into(), vec!["admin", "bureau", "zone", "zone2"]),
        ("/stats/107-2/2025/analysis".into(), vec!["admin", "bureau", "zone", "zone2"]),
        // The organisation lies in 兰州高新区: zone2 (白银) and the other enterprise are refused.
        (ret.clone(), vec!["admin", "bureau", "zone", "orgadmin", "member"]),
        (format!("{ret}/template.xlsx"), vec!["admin", "bureau", "zone", "orgadmin", "member"]),
    ];
    for (path, allowed) in &matrix {
        let anon = t.get(&Session::default(), path).await;
        assert_eq!(anon.status, StatusCode::SEE_OTHER, "anonymous {path}");
        for role in ROLES {
            let s = t.login(role).await;
            let r = t.get(&s, path).await;
            let expected =
                if allowed.contains(&role) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(r.status, expected, "{role} GET {path}");
        }
    }
    let sc = Refusals { t, own, ret };
    nobody_else_fills_in_an_enterprises_return(&sc).await;
    enterprises_do_not_review_and_zones_keep_to_their_parks(&sc).await;
}

/// An enterprise and its 2025 return.
struct Refusals {
    t: TestApp,
    own: i64,
    ret: String,
}

/// Staff never fill in a unit's data; another enterprise cannot either. Nothing changes.
async fn nobody_else_fills_in_an_enterprises_return(sc: &Refusals) {
    let Refusals { t, ret, .. } = sc;
    let own = sc.own;
    // Staff never fill in a unit's data; another enterprise cannot either. Nothing changes.
    let before = t.value(own, "107-2", "2025", "REVENUE", "").await;
    for role in ["admin", "bureau", "zone", "zone2", "orgadmin2", "expert", "provider", "public"] {
        let s = t.login(role).await;
        let r = t
            .post_htmx(
                &s,
                &format!("{ret}/cell"),
                &[("element", "REVENUE"), ("disagg", ""), ("row", "0"), ("value", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST cell");
        let r = t.post_form(&s, &format!("{ret}/submit"), &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST submit");
    }
    assert_eq!(t.value(own, "107-2", "2025", "REVENUE", "").await, before);
}

/// Enterprises do not review, approve or remind; a zone admin does not approve another zone's park.
async fn enterprises_do_not_review_and_zones_keep_to_their_parks(sc: &Refusals) {
    let Refusals { t, ret, .. } = sc;
    // Enterprises do not review, approve or remind.
    let s = t.login("orgadmin").await;
    assert_eq!(
        t.post_form(&s, &format!("{ret}/review"), &[("action", "approve"), ("version", "1")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let park = t.unit_id("LZGX-YT").await.to_string();
    assert_eq!(
        t.post_form(&s, "/stats/107-2/2025/approve", &[("unit", &park), ("action", "approve")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(&s, "/stats/107-2/2025/remind", &[("unit", &park)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(&s, "/stats/forms", &[("name", "x.toml"), ("body", "")]).await.status,
        StatusCode::FORBIDDEN
    );
    // A zone admin does not approve another zone's park.
    let by_park = t.unit_id("BYGX-YD").await.to_string();
    let z = t.login("zone").await;
    assert_eq!(
        t.post_form(&z, "/stats/107-2/2025/approve", &[("unit", &by_park), ("action", "approve")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_enterprise_fills_in_sees_rules_live_and_submits_with_explanations() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let ret = format!("/stats/107-2/2025/orgs/{own}");
    let s = t.login("orgadmin").await;
    let page = t.get(&s, &ret).await;
    assert!(page.body.contains("全部审核规则通过"), "the demo's own return starts clean");
    let pers = t.value(own, "107-2", "2025", "RD_EXP_PERS", "").await.unwrap();
    let sc = Filling { t, own, ret, s, pers };
    the_rules_apply_as_it_is_typed(&sc).await;
    let saved = a_warning_is_explained_and_it_is_submitted(&sc).await;
    submitted_it_is_closed_and_its_history_kept(&sc, &saved).await;
}

/// The enterprise's 2025 return being filled in.
struct Filling {
    t: TestApp,
    own: i64,
    ret: String,
    s: Session,
    pers: f64,
}

/// A part that no longer adds up, a value that is not a number, unknown fields, and a refused submission.
async fn the_rules_apply_as_it_is_typed(sc: &Filling) {
    let Filling { t, ret, s, .. } = sc;
    let own = sc.own;
    let pers = sc.pers;
    // A part that no longer adds up: saved, and the error appears at once, naming both values.
    let r = t
        .post_htmx(
            s,
            &format!("{ret}/cell"),
            &[
                ("element", "RD_EXP_PERS"),
                ("disagg", ""),
                ("row", "0"),
                ("value", &format!("{}", pers + 100.0)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("已保存") && r.body.contains("R107-2-01") && r.body.contains("hx-swap-oob"),
        "{}",
        r.body
    );
    assert_eq!(t.value(own, "107-2", "2025", "RD_EXP_PERS", "").await, Some(pers + 100.0));
    // Not a number: 422, the message says why, the stored value stays.
    let r = t
        .post_htmx(
            s,
            &format!("{ret}/cell"),
            &[("element", "RD_EXP_PERS"), ("disagg", ""), ("row", "0"), ("value", "一百")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("“一百”不是数字"), "{}", r.body);
    assert_eq!(t.value(own, "107-2", "2025", "RD_EXP_PERS", "").await, Some(pers + 100.0));
    // Unknown element and a disaggregation the element does not have: 400 naming the field.
    let r = t
        .post_htmx(
            s,
            &format!("{ret}/cell"),
            &[("element", "NOPE"), ("disagg", ""), ("row", "0"), ("value", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Submitting with an error is refused, and says which rule.
    let r = t.post_form(s, &format!("{ret}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("审核规则 R107-2-01 未通过"), "{}", r.body);
    assert_eq!(t.status(own, "107-2", "2025").await, Status::Draft);
}

/// Put right; a revenue so small the R&D intensity warns, explained, then submitted.
async fn a_warning_is_explained_and_it_is_submitted(sc: &Filling) -> store::Return {
    let Filling { t, ret, s, .. } = sc;
    let own = sc.own;
    let pers = sc.pers;
    // Put it back; then a revenue so small the R&D intensity warns.
    t.post_htmx(
        s,
        &format!("{ret}/cell"),
        &[("element", "RD_EXP_PERS"), ("disagg", ""), ("row", "0"), ("value", &format!("{pers}"))],
    )
    .await;
    let rd = t.value(own, "107-2", "2025", "RD_EXP", "").await.unwrap();
    let r = t
        .post_htmx(
            s,
            &format!("{ret}/cell"),
            &[
                ("element", "REVENUE"),
                ("disagg", ""),
                ("row", "0"),
                ("value", &format!("{}", rd * 2.0)),
            ],
        )
        .await;
    assert!(r.body.contains("R107-2-13") && r.body.contains("提示"), "{}", r.body);
    let r = t.post_form(s, &format!("{ret}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请填写说明"), "a warning needs an explanation");
    let r = t
        .post_form(
            s,
            &format!("{ret}/submit"),
            &[("ex:R107-2-13", "本年度处于研发投入期，营业收入较少。")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.status(own, "107-2", "2025").await, Status::Submitted);
    let saved = store::find_return(&t.db, "107-2", "2025", own).await.unwrap().unwrap();
    assert_eq!(
        saved.explanations.get("R107-2-13").map(String::as_str),
        Some("本年度处于研发投入期，营业收入较少。")
    );
    saved
}

/// Submitted: no more changes; every change is on the return's history.
async fn submitted_it_is_closed_and_its_history_kept(sc: &Filling, saved: &store::Return) {
    let Filling { t, ret, s, .. } = sc;
    let pers = sc.pers;
    // Submitted: no more changes.
    let r = t
        .post_htmx(
            s,
            &format!("{ret}/cell"),
            &[("element", "REVENUE"), ("disagg", ""), ("row", "0"), ("value", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("不能修改"));
    // Every change is on the return's history, with old and new values and who.
    let h = store::history(&t.db, saved.id, 50).await.unwrap();
    assert!(h.iter().any(|c| c.element == "RD_EXP_PERS"
        && c.old.as_deref() == Some(&*format!("{pers}"))
        && c.new.as_deref() == Some(&*format!("{}", pers + 100.0))
        && c.changed_by == "orgadmin"));
    let page = t.get(s, ret).await.body;
    assert!(page.contains("id=\"history\"") && page.contains("RD_EXP_PERS"));
}

#[tokio::test]
async fn reviewers_return_and_approve_and_areas_approve_from_the_bottom_up() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let org = orgs::get(&t.db, own).await.unwrap().unwrap();
    let ret = format!("/stats/107-2/2025/orgs/{own}");
    let s = t.login("orgadmin").await;
    assert_eq!(t.post_form(&s, &format!("{ret}/submit"), &[]).await.status, StatusCode::SEE_OTHER);
    let zone = t.login("zone").await;
    let version =
        store::find_return(&t.db, "107-2", "2025", own).await.unwrap().unwrap().version.to_string();
    let sc = Review { t, own, org, ret, s, zone, version };
    returned_with_a_reason_then_corrected_and_approved(&sc).await;
    let park = the_park_waits_for_its_pending_returns(&sc).await;
    every_return_of_the_park_approved(&sc, &park).await;
    let (zone_id, version) = the_parks_approval_holds_and_the_zone_waits(&sc, &park).await;
    withdrawing_the_parks_approval_reopens_the_returns(&sc, &park, &version).await;
    completeness_counts_and_the_reminder_reaches_the_rest(&sc, &park, &zone_id).await;
}

/// An enterprise's submitted 2025 return and its zone's reviewer.
struct Review {
    t: TestApp,
    own: i64,
    org: orgs::Organisation,
    ret: String,
    s: Session,
    zone: Session,
    version: String,
}

/// Returning needs a reason; corrected and submitted again, the return is approved.
async fn returned_with_a_reason_then_corrected_and_approved(sc: &Review) {
    let Review { t, ret, s, zone, version, .. } = sc;
    let own = sc.own;
    // Returning needs a reason.
    let r = t
        .post_form(
            zone,
            &format!("{ret}/review"),
            &[("action", "return"), ("reason", ""), ("version", version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post_form(
            zone,
            &format!("{ret}/review"),
            &[
                ("action", "return"),
                ("reason", "从业人员数与社保缴纳人数不符，请核实。"),
                ("version", version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.status(own, "107-2", "2025").await, Status::Returned);
    assert!(
        t.get(s, ret).await.body.contains("从业人员数与社保缴纳人数不符"),
        "the organisation reads the reason"
    );
    // Corrected and submitted again; approved.
    let emp = t.value(own, "107-2", "2025", "EMPLOYEES", "").await.unwrap();
    t.post_htmx(
        s,
        &format!("{ret}/cell"),
        &[
            ("element", "EMPLOYEES"),
            ("disagg", ""),
            ("row", "0"),
            ("value", &format!("{}", emp + 1.0)),
        ],
    )
    .await;
    assert_eq!(t.post_form(s, &format!("{ret}/submit"), &[]).await.status, StatusCode::SEE_OTHER);
    let version =
        store::find_return(&t.db, "107-2", "2025", own).await.unwrap().unwrap().version.to_string();
    assert_eq!(
        t.post_form(
            zone,
            &format!("{ret}/review"),
            &[("action", "approve"), ("version", &version)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(t.status(own, "107-2", "2025").await, Status::Approved);
}

/// The park cannot approve while others in it are pending; the message says how many.
async fn the_park_waits_for_its_pending_returns(sc: &Review) -> orgs::OrgUnit {
    let Review { t, org, zone, .. } = sc;
    // The park cannot approve while others in it are pending; the message says how many.
    let park = orgs::unit(&t.db, org.org_unit_id).await.unwrap().unwrap();
    let r = t
        .post_form(
            zone,
            "/stats/107-2/2025/approve",
            &[("unit", &park.id.to_string()), ("action", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("份报表未审核通过") || r.body.contains("个应报单位未填报"),
        "{}",
        r.body
    );
    park
}

/// Every return of the park brought to approved, then the park approves.
async fn every_return_of_the_park_approved(sc: &Review, park: &orgs::OrgUnit) {
    let Review { t, zone, .. } = sc;
    // Bring every return of the park to approved (as its enterprises and reviewer would).
    let actor = orgs::Actor { user_id: 0, username: "zone", request_id: "t" };
    let form =
        innocity_store::stats::catalogue(&t.db).await.unwrap().form("107-2").unwrap().clone();
    for e in store::expected(&t.db, &form, "2025", std::slice::from_ref(&park.path)).await.unwrap()
    {
        let item = store::BatchItem {
            organisation_id: e.organisation_id,
            unit_path: e.unit_path.clone(),
            changes: vec![],
        };
        let mut r = match e.status {
            Status::NotStarted | Status::Draft | Status::Returned => {
                store::save(
                    &t.db,
                    "107-2",
                    "2025",
                    item,
                    store::SaveHow { mode: store::Mode::Merge, source: "entry" },
                    None,
                    actor,
                )
                .await
                .unwrap()
                .ret
            }
            _ => store::find_return(&t.db, "107-2", "2025", e.organisation_id)
                .await
                .unwrap()
                .unwrap(),
        };
        if matches!(r.status, Status::Draft | Status::Returned) {
            r = store::transition(
                &t.db,
                &r,
                innocity_core::stats::status::Action::Submit,
                "",
                None,
                actor,
            )
            .await
            .unwrap();
        }
        if r.status == Status::Submitted {
            store::transition(
                &t.db,
                &r,
                innocity_core::stats::status::Action::Approve,
                "",
                None,
                actor,
            )
            .await
            .unwrap();
        }
    }
    let r = t
        .post_form(
            zone,
            "/stats/107-2/2025/approve",
            &[("unit", &park.id.to_string()), ("action", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// Once the park has approved, a return in it cannot be sent back; the zone waits for its other parks.
async fn the_parks_approval_holds_and_the_zone_waits(
    sc: &Review,
    park: &orgs::OrgUnit,
) -> (String, String) {
    let Review { t, ret, zone, .. } = sc;
    let own = sc.own;
    // Once the park has approved, a return in it cannot be sent back.
    let version =
        store::find_return(&t.db, "107-2", "2025", own).await.unwrap().unwrap().version.to_string();
    let r = t
        .post_form(
            zone,
            &format!("{ret}/review"),
            &[("action", "return"), ("reason", "再核实一次"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("须先撤销审核"));
    // The zone cannot approve while its other parks have not.
    let zone_id = park.parent_id.unwrap().to_string();
    let r = t
        .post_form(zone, "/stats/107-2/2025/approve", &[("unit", &zone_id), ("action", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    (zone_id, version)
}

/// Withdrawing the park's approval reopens the returns for review.
async fn withdrawing_the_parks_approval_reopens_the_returns(
    sc: &Review,
    park: &orgs::OrgUnit,
    version: &str,
) {
    let Review { t, ret, zone, .. } = sc;
    // Withdrawing the park's approval reopens the returns for review.
    assert_eq!(
        t.post_form(
            zone,
            "/stats/107-2/2025/approve",
            &[("unit", &park.id.to_string()), ("action", "unapprove")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = t
        .post_form(
            zone,
            &format!("{ret}/review"),
            &[("action", "return"), ("reason", "再核实一次"), ("version", version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

/// The completeness page counts it, and the reminder reaches those who have not submitted.
async fn completeness_counts_and_the_reminder_reaches_the_rest(
    sc: &Review,
    park: &orgs::OrgUnit,
    zone_id: &str,
) {
    let Review { t, s, zone, .. } = sc;
    // The completeness page counts it, and the reminder reaches those who have not submitted.
    let area = t.get(zone, &format!("/stats/107-2/2025?unit={}", park.parent_id.unwrap())).await;
    assert!(area.body.contains("id=\"children\"") && area.body.contains("已退回"));
    let r = t
        .post_form(
            zone,
            "/stats/107-2/2025/remind",
            &[("unit", zone_id), ("message", "请于本周五前完成 107-2 报表填报。")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        t.get(s, "/stats").await.body.contains("请于本周五前完成 107-2 报表填报。"),
        "the enterprise sees the reminder"
    );
    assert!(
        t.get(s, "/workspace").await.body.contains("请于本周五前完成 107-2 报表填报。"),
        "on its workspace too"
    );
}

#[tokio::test]
async fn deadlines_bind_and_bureau_staff_extend_them() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let ret = format!("/stats/107-2/2025/orgs/{own}");
    let actor = orgs::Actor { user_id: 0, username: "bureau", request_id: "t" };
    let yesterday = t.db.clock.today() - chrono::Days::new(2);
    store::set_window(&t.db, "107-2", "2025", yesterday, actor).await.unwrap();
    let s = t.login("orgadmin").await;
    let r = t
        .post_htmx(
            &s,
            &format!("{ret}/cell"),
            &[("element", "REVENUE"), ("disagg", ""), ("row", "0"), ("value", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("截止"), "{}", r.body);
    let r = t.post_form(&s, &format!("{ret}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // The bureau extends it on the form page; a date before the window opens is refused.
    let b = t.login("bureau").await;
    let r = t
        .post_form(
            &b,
            "/stats/forms/107-2/deadline",
            &[("period", "2025"), ("closes_on", "2025-06-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let later = (t.db.clock.today() + chrono::Days::new(10)).to_string();
    assert_eq!(
        t.post_form(
            &b,
            "/stats/forms/107-2/deadline",
            &[("period", "2025"), ("closes_on", &later)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = t
        .post_htmx(
            &s,
            &format!("{ret}/cell"),
            &[("element", "PAPERS"), ("disagg", ""), ("row", "0"), ("value", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A period that is not the form's.
    assert_eq!(
        t.get(&s, &format!("/stats/107-2/2025Q1/orgs/{own}")).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        t.get(&s, &format!("/stats/107-2/20x5/orgs/{own}")).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        t.get(&s, &format!("/stats/999/2025/orgs/{own}")).await.status,
        StatusCode::NOT_FOUND
    );
}

/// A county admin follows the returns of the parks that lie in the county (listed by park, and
/// reminded), but approval stays with the tree: the county is no approval level.
#[tokio::test]
async fn a_county_follows_its_parks_returns_and_leaves_approval_to_the_tree() {
    let t = stats_app().await;
    let county = t.login("county").await;
    let yuzhong = t.unit_id("620123").await.to_string();
    let page = t.get(&county, &format!("/stats/107-2/2025?unit={yuzhong}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("榆中园区") && page.body.contains("和平园区"), "its parks");
    assert!(!page.body.contains("雁滩园区"), "not the zone's other parks");
    let r = t
        .post_form(
            &county,
            "/stats/107-2/2025/approve",
            &[("unit", &yuzhong), ("action", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("不是审核层级"));
    assert!(store::approvals(&t.db, "107-2", "2025").await.unwrap().is_empty(), "nothing stored");
    // Nor does it approve the parks it follows: that is the zone's, up the tree.
    let park = t.unit_id("LZGX-YZ").await.to_string();
    let r = t
        .post_form(&county, "/stats/107-2/2025/approve", &[("unit", &park), ("action", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another zone's park is out of reach.
    let yantan = t.unit_id("LZGX-YT").await.to_string();
    let other = t.get(&county, &format!("/stats/107-2/2025?unit={yantan}")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let r = t.post_form(&county, "/stats/107-2/2025/remind", &[("unit", &yuzhong)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}
