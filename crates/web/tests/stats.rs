//! Statistics through the real router on a real database: who may do what, live validation,
//! submission with explanations, review and approval up the hierarchy, files in and out, the API.
mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use innocity_core::stats::status::Status;
use innocity_demo as demo;
use innocity_store::orgs;
use innocity_store::stats as store;

/// The demo with statistics, its 2025 window open for another month whatever today is.
async fn stats_app() -> TestApp {
    let t = app().await;
    demo::seed_stats(&t.db, None).await.unwrap();
    let actor = orgs::Actor { user_id: 0, username: "bureau", request_id: "t" };
    let later = chrono::Utc::now().date_naive() + chrono::Days::new(30);
    for form in ["107-2", "107-1"] {
        store::set_window(&t.db, form, "2025", later, actor).await.unwrap();
    }
    t
}

impl TestApp {
    /// An htmx request: the CSRF token in the header, as the page's `hx-headers` sends it.
    async fn post_htmx(&self, s: &Session, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(
            Request::post(uri)
                .header(header::COOKIE, s.cookie_header())
                .header("x-csrf-token", &s.csrf)
                .header("hx-request", "true")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn value(
        &self,
        org: i64,
        form: &str,
        period: &str,
        element: &str,
        disagg: &str,
    ) -> Option<f64> {
        let r = store::find_return(&self.db, form, period, org).await.unwrap()?;
        store::cells(&self.db, r.id)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.element == element && c.disagg == disagg && c.row == 0)
            .and_then(|c| c.value.num())
    }

    async fn status(&self, org: i64, form: &str, period: &str) -> Status {
        store::find_return(&self.db, form, period, org)
            .await
            .unwrap()
            .map(|r| r.status)
            .unwrap_or(Status::NotStarted)
    }
}

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
    // A part that no longer adds up: saved, and the error appears at once, naming both values.
    let r = t
        .post_htmx(
            &s,
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
            &s,
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
            &s,
            &format!("{ret}/cell"),
            &[("element", "NOPE"), ("disagg", ""), ("row", "0"), ("value", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Submitting with an error is refused, and says which rule.
    let r = t.post_form(&s, &format!("{ret}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("审核规则 R107-2-01 未通过"), "{}", r.body);
    assert_eq!(t.status(own, "107-2", "2025").await, Status::Draft);
    // Put it back; then a revenue so small the R&D intensity warns.
    t.post_htmx(
        &s,
        &format!("{ret}/cell"),
        &[("element", "RD_EXP_PERS"), ("disagg", ""), ("row", "0"), ("value", &format!("{pers}"))],
    )
    .await;
    let rd = t.value(own, "107-2", "2025", "RD_EXP", "").await.unwrap();
    let r = t
        .post_htmx(
            &s,
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
    let r = t.post_form(&s, &format!("{ret}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请填写说明"), "a warning needs an explanation");
    let r = t
        .post_form(
            &s,
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
    // Submitted: no more changes.
    let r = t
        .post_htmx(
            &s,
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
    let page = t.get(&s, &ret).await.body;
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
    // Returning needs a reason.
    let r = t
        .post_form(
            &zone,
            &format!("{ret}/review"),
            &[("action", "return"), ("reason", ""), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post_form(
            &zone,
            &format!("{ret}/review"),
            &[
                ("action", "return"),
                ("reason", "从业人员数与社保缴纳人数不符，请核实。"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.status(own, "107-2", "2025").await, Status::Returned);
    assert!(
        t.get(&s, &ret).await.body.contains("从业人员数与社保缴纳人数不符"),
        "the organisation reads the reason"
    );
    // Corrected and submitted again; approved.
    let emp = t.value(own, "107-2", "2025", "EMPLOYEES", "").await.unwrap();
    t.post_htmx(
        &s,
        &format!("{ret}/cell"),
        &[
            ("element", "EMPLOYEES"),
            ("disagg", ""),
            ("row", "0"),
            ("value", &format!("{}", emp + 1.0)),
        ],
    )
    .await;
    assert_eq!(t.post_form(&s, &format!("{ret}/submit"), &[]).await.status, StatusCode::SEE_OTHER);
    let version =
        store::find_return(&t.db, "107-2", "2025", own).await.unwrap().unwrap().version.to_string();
    assert_eq!(
        t.post_form(
            &zone,
            &format!("{ret}/review"),
            &[("action", "approve"), ("version", &version)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(t.status(own, "107-2", "2025").await, Status::Approved);
    // The park cannot approve while others in it are pending; the message says how many.
    let park = orgs::unit(&t.db, org.org_unit_id).await.unwrap().unwrap();
    let r = t
        .post_form(
            &zone,
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
    // Bring every return of the park to approved (as its enterprises and reviewer would).
    let actor = orgs::Actor { user_id: 0, username: "zone", request_id: "t" };
    let form =
        innocity_store::stats::catalogue(&t.db).await.unwrap().form("107-2").unwrap().clone();
    for e in store::expected(&t.db, &form, "2025", &park.path).await.unwrap() {
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
            &zone,
            "/stats/107-2/2025/approve",
            &[("unit", &park.id.to_string()), ("action", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Once the park has approved, a return in it cannot be sent back.
    let version =
        store::find_return(&t.db, "107-2", "2025", own).await.unwrap().unwrap().version.to_string();
    let r = t
        .post_form(
            &zone,
            &format!("{ret}/review"),
            &[("action", "return"), ("reason", "再核实一次"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("须先撤销审核"));
    // The zone cannot approve while its other parks have not.
    let zone_id = park.parent_id.unwrap().to_string();
    let r = t
        .post_form(&zone, "/stats/107-2/2025/approve", &[("unit", &zone_id), ("action", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Withdrawing the park's approval reopens the returns for review.
    assert_eq!(
        t.post_form(
            &zone,
            "/stats/107-2/2025/approve",
            &[("unit", &park.id.to_string()), ("action", "unapprove")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = t
        .post_form(
            &zone,
            &format!("{ret}/review"),
            &[("action", "return"), ("reason", "再核实一次"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The completeness page counts it, and the reminder reaches those who have not submitted.
    let area = t.get(&zone, &format!("/stats/107-2/2025?unit={}", park.parent_id.unwrap())).await;
    assert!(area.body.contains("id=\"children\"") && area.body.contains("已退回"));
    let r = t
        .post_form(
            &zone,
            "/stats/107-2/2025/remind",
            &[("unit", &zone_id), ("message", "请于本周五前完成 107-2 报表填报。")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        t.get(&s, "/stats").await.body.contains("请于本周五前完成 107-2 报表填报。"),
        "the enterprise sees the reminder"
    );
    assert!(
        t.get(&s, "/workspace").await.body.contains("请于本周五前完成 107-2 报表填报。"),
        "on its workspace too"
    );
}

#[tokio::test]
async fn the_template_goes_out_and_comes_back_and_bad_files_name_the_place() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let org = orgs::get(&t.db, own).await.unwrap().unwrap();
    let ret = format!("/stats/107-2/2025/orgs/{own}");
    let s = t.login("orgadmin").await;
    let (status, headers, bytes) = t.get_bytes(&s, &format!("{ret}/template.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap().contains("spreadsheetml"));
    // A real workbook, with this return's values in it.
    use calamine::{DataType, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    let range = wb.worksheet_range("107-2").unwrap();
    let revenue = t.value(own, "107-2", "2025", "REVENUE", "").await.unwrap();
    let row = (0..range.height() as u32)
        .find(|r| range.get_value((*r, 0)).map(|d| d.to_string()) == Some("REVENUE".into()))
        .unwrap();
    assert_eq!(range.get_value((row, 4)).unwrap().as_f64(), Some(revenue));
    assert_eq!(range.get_value((1, 5)).unwrap().to_string(), org.credit_code);
    // The user changes revenue in Excel and uploads it: stored, with source xlsx.
    let edited = copy_with(&range, row, NewValue::Number(revenue + 1000.0));
    let r = t.upload(&s, &format!("{ret}/upload"), "107-2_2025.xlsx", &edited).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.value(own, "107-2", "2025", "REVENUE", "").await, Some(revenue + 1000.0));
    let ret_id = store::find_return(&t.db, "107-2", "2025", own).await.unwrap().unwrap().id;
    assert!(
        store::history(&t.db, ret_id, 5)
            .await
            .unwrap()
            .iter()
            .any(|h| h.element == "REVENUE" && h.source == "xlsx")
    );
    // The same file twice: refused, saying when and by whom it came first.
    let r = t.upload(&s, &format!("{ret}/upload"), "107-2_2025.xlsx", &edited).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("已由 orgadmin 于"), "{}", r.body);
    // A text in a number cell: sheet, row and column are named; nothing changes.
    let bad = copy_with(&range, row, NewValue::Text("一千万"));
    let r = t.upload(&s, &format!("{ret}/upload"), "bad.xlsx", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(&format!("工作表“107-2”，第 {} 行，E 列：“一千万”不是数字", row + 1)),
        "{}",
        r.body
    );
    assert_eq!(t.value(own, "107-2", "2025", "REVENUE", "").await, Some(revenue + 1000.0));
    // Another period's template.
    let mut other = rust_xlsxwriter::Workbook::new();
    let ws = other.add_worksheet();
    ws.set_name("107-2").unwrap();
    ws.write_string(1, 1, "107-2").unwrap();
    ws.write_string(1, 3, "2024").unwrap();
    let r =
        t.upload(&s, &format!("{ret}/upload"), "old.xlsx", &other.save_to_buffer().unwrap()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("第 2 行，D 列：报告期为“2024”，应为“2025”"), "{}", r.body);
    // A CSV in long format, with a bad line and another organisation's line.
    let csv = format!(
        "element,disaggregation,period,org,value\nRD_STAFF,,2025,{c},abc\nRD_STAFF,,2025,91620100MA000000XX,5\n",
        c = org.credit_code
    );
    let r = t.upload(&s, &format!("{ret}/upload"), "values.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("第 3 行，org 列"), "{}", r.body);
    let csv = format!(
        "element,disaggregation,period,org,value\nRD_STAFF,,2025,{c},abc\n",
        c = org.credit_code
    );
    let r = t.upload(&s, &format!("{ret}/upload"), "values.csv", csv.as_bytes()).await;
    assert!(r.body.contains("第 2 行，value 列：“abc”不是数字"), "{}", r.body);
    let r = t.upload(&s, &format!("{ret}/upload"), "notes.docx", b"PK").await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

/// A copy of the template, as a user would save it from Excel, with one value cell changed
/// (to text, or to another number).
enum NewValue<'a> {
    Text(&'a str),
    Number(f64),
}

fn copy_with(range: &calamine::Range<calamine::Data>, row: u32, value: NewValue) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("107-2").unwrap();
    copy_rows(ws, range, range.height() as u32);
    match value {
        NewValue::Text(text) => ws.write_string(row, 4, text).unwrap(),
        NewValue::Number(n) => ws.write_number(row, 4, n).unwrap(),
    };
    wb.save_to_buffer().unwrap()
}

/// Copies the first `rows` rows of a sheet read with calamine into one being written.
fn copy_rows(
    ws: &mut rust_xlsxwriter::Worksheet,
    range: &calamine::Range<calamine::Data>,
    rows: u32,
) {
    for r in 0..rows.min(range.height() as u32) {
        for c in 0..range.width() as u32 {
            match range.get_value((r, c)) {
                Some(calamine::Data::String(v)) => {
                    ws.write_string(r, c as u16, v).unwrap();
                }
                Some(calamine::Data::Float(v)) => {
                    ws.write_number(r, c as u16, *v).unwrap();
                }
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn deadlines_bind_and_bureau_staff_extend_them() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let ret = format!("/stats/107-2/2025/orgs/{own}");
    let actor = orgs::Actor { user_id: 0, username: "bureau", request_id: "t" };
    let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(2);
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
    let later = (chrono::Utc::now().date_naive() + chrono::Days::new(10)).to_string();
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

#[tokio::test]
async fn bureau_staff_import_definitions_that_must_read_whole() {
    let t = stats_app().await;
    let b = t.login("bureau").await;
    let bad =
        "[[element]]\ncode = \"X1\"\nname_zh = \"甲\"\nname_en = \"A\"\nvalue_type = \"weird\"\n";
    let r = t.post_form(&b, "/stats/forms", &[("name", "mine.toml"), ("body", bad)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("mine.toml, line 5, column 14"), "{}", r.body);
    let good = "[[element]]\ncode = \"PILOT_PROJECTS\"\nname_zh = \"试点项目数\"\nname_en = \"Pilot projects\"\nvalue_type = \"integer\"\nunit = \"项\"\n\n[[form]]\ncode = \"SY-H\"\nname_zh = \"试验区改革试点半年报\"\nname_en = \"Pilot zone half-year report\"\nkind = \"grid\"\nperiodicity = \"half\"\norg_kinds = [\"enterprise\"]\nelements = [\"PILOT_PROJECTS\"]\n";
    let r = t.post_form(&b, "/stats/forms", &[("name", "pilot.toml"), ("body", good)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(t.get(&b, "/stats/forms").await.body.contains("试验区改革试点半年报"));
    assert_eq!(t.get(&b, "/stats/forms/SY-H").await.status, StatusCode::OK);
}

#[tokio::test]
async fn totals_add_up_the_hierarchy_and_export_and_outliers_are_listed() {
    let t = stats_app().await;
    let b = t.login("bureau").await;
    let r = t.get(&b, "/stats/107-2/2024/analysis").await;
    assert_eq!(r.status, StatusCode::OK);
    // The province's R&D total equals the sum over all its returns.
    let totals = store::totals(
        &t.db,
        "107-2",
        "2024",
        &[Status::Submitted, Status::Approved, Status::Locked],
    )
    .await
    .unwrap();
    let direct: f64 = t
        .db
        .read("SELECT SUM(v.num) FROM stat_values v JOIN stat_returns r ON r.id = v.return_id WHERE r.form = '107-2' AND r.period = '2024' AND v.element = 'RD_EXP' AND v.disagg = ''", vec![], |r| Ok(r.opt_real(0)?.unwrap_or(0.0)))
        .await
        .unwrap()[0];
    let units = orgs::units(&t.db).await.unwrap();
    let root = units.iter().find(|u| u.parent_id.is_none()).unwrap();
    let i = totals.find("RD_EXP", "").unwrap();
    assert_eq!(totals.rollup.get(root.id, &i).unwrap().sum, direct);
    assert!(r.body.contains(&innocity_web::stats::number(direct)), "the page shows the total");
    let (status, _, bytes) = t.get_bytes(&b, "/stats/107-2/2024/analysis?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    use calamine::{DataType, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let row = (0..range.height() as u32)
        .find(|r| range.get_value((*r, 0)).map(|d| d.to_string()) == Some("RD_EXP".into()))
        .unwrap();
    assert_eq!(range.get_value((row, 3)).unwrap().as_f64(), Some(direct));
    // The demo's returns typed in 元 instead of 千元 stand out in 2025.
    let r = t.get(&b, "/stats/107-2/2025/analysis?include=draft&element=RD_EXP").await;
    assert!(r.body.contains("id=\"outliers\""), "outliers are listed");
    let (status, _, _) = t.get_bytes(&b, "/stats/107-2/2025?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_api_reads_writes_and_submits_with_the_same_rules() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let s = t.login("orgadmin").await;
    let uri = format!("/api/v1/stats/107-2/2025/orgs/{own}");
    let get = t
        .send(
            Request::get(&uri)
                .header(header::COOKIE, s.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(get.status, StatusCode::OK);
    let j = get.json();
    assert_eq!(j["status"], "draft");
    assert!(j["values"]["RD_EXP.GOV"].is_number());
    let put = |body: serde_json::Value| {
        Request::put(&uri)
            .header(header::COOKIE, s.cookie_header())
            .header("x-csrf-token", &s.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let r = t
        .send(put(serde_json::json!({"values": {"PAPERS": "x", "NOPE": 1, "PATENT_APPS": 3}})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = &r.json()["error"]["fields"];
    assert!(
        f["values.PAPERS"].as_str().unwrap().contains("不是数字") && f["values.NOPE"].is_string(),
        "{f}"
    );
    let r = t.send(put(serde_json::json!({"values": {"PAPERS": 9}}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["values"]["PAPERS"], 9.0);
    let sub = t
        .send(
            Request::post(format!("{uri}/submit"))
                .header(header::COOKIE, s.cookie_header())
                .header("x-csrf-token", &s.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(sub.status, StatusCode::OK, "{}", sub.body);
    assert_eq!(sub.json()["status"], "submitted");
    // Staff read it but never write it.
    let z = t.login("zone").await;
    let r = t
        .send(
            Request::put(&uri)
                .header(header::COOKIE, z.cookie_header())
                .header("x-csrf-token", &z.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"values\":{}}"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let other = t.login("orgadmin2").await;
    let r = t
        .send(
            Request::get(&uri)
                .header(header::COOKIE, other.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_roster_goes_out_and_comes_back_row_by_row() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let ret = format!("/stats/107-1/2025/orgs/{own}");
    let s = t.login("orgadmin").await;
    let page = t.get(&s, &ret).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"roster\""));
    let (_, _, bytes) = t.get_bytes(&s, &format!("{ret}/template.xlsx")).await;
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("107-1").unwrap();
    // Row 5 holds the element codes; projects start on row 6.
    assert_eq!(range.get_value((4, 0)).unwrap().to_string(), "P_NAME");
    let stored_rows = (5..range.height() as u32)
        .filter(|r| !range.get_value((*r, 0)).map(|d| d.to_string()).unwrap_or_default().is_empty())
        .count();
    assert!(stored_rows >= 2, "the demo's projects are in the template");
    // The user keeps the first project, changes its cooperation to a name, and adds one whose
    // dates are the wrong way round.
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    ws.set_name("107-1").unwrap();
    copy_rows(ws, &range, 6);
    ws.write_string(5, 2, "与境内高校合作").unwrap();
    for (c, v) in [
        "兰白试验区稀土功能材料中试平台建设",
        "2",
        "5",
        "202512",
        "202502",
        "6",
        "30",
        "400",
        "100",
    ]
    .iter()
    .enumerate()
    {
        match v.parse::<f64>() {
            Ok(n) if c > 2 => ws.write_number(6, c as u16, n).unwrap(),
            _ => ws.write_string(6, c as u16, *v).unwrap(),
        };
    }
    let r = t
        .upload(&s, &format!("{ret}/upload"), "projects.xlsx", &out.save_to_buffer().unwrap())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rid = store::find_return(&t.db, "107-1", "2025", own).await.unwrap().unwrap().id;
    let cells = store::cells(&t.db, rid).await.unwrap();
    let rows: std::collections::BTreeSet<i64> = cells.iter().map(|c| c.row).collect();
    assert_eq!(
        rows.into_iter().collect::<Vec<_>>(),
        vec![1, 2],
        "the file replaced the roster: two projects"
    );
    assert!(
        cells.iter().any(|c| c.element == "P_COOP" && c.row == 1 && c.value.to_input() == "2"),
        "a choice's name is stored as its code"
    );
    // Row 2 breaks the row rule start ≤ end; the page names the row.
    let page = t.get(&s, &ret).await.body;
    assert!(page.contains("R107-1-01") && page.contains("第 2 行"), "row rule on row 2");
}

/// A workbook as an attacker writes it by hand: the parts an XLSX needs, one sheet named
/// `sheet`, with the given sheet XML and shared strings.
fn crafted_xlsx(sheet: &str, sheet_xml: &str, shared: Option<&str>) -> Vec<u8> {
    crafted_xlsx_styled(sheet, sheet_xml, shared, None)
}

/// [`crafted_xlsx`] with a styles part (`<cellXfs>` … for date formats).
fn crafted_xlsx_styled(
    sheet: &str,
    sheet_xml: &str,
    shared: Option<&str>,
    cell_xfs: Option<&str>,
) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut part = |name: &str, text: &str| {
        zip.start_file(name, deflate).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    };
    part(
        "[Content_Types].xml",
        r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#,
    );
    part(
        "xl/workbook.xml",
        &format!(
            r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        ),
    );
    part(
        "xl/_rels/workbook.xml.rels",
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    );
    part(
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet_xml}</worksheet>"#
        ),
    );
    if let Some(xfs) = cell_xfs {
        part(
            "xl/styles.xml",
            &format!(
                r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>{xfs}</cellXfs></styleSheet>"#
            ),
        );
    }
    if let Some(shared) = shared {
        part(
            "xl/sharedStrings.xml",
            &format!(
                r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{shared}</sst>"#
            ),
        );
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn hostile_workbooks_are_refused_by_their_limit_and_the_server_stays_up() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let ret = format!("/stats/107-2/2025/orgs/{own}");
    let s = t.login("orgadmin").await;
    let revenue = t.value(own, "107-2", "2025", "REVENUE", "").await;
    // Cells only at A1 and XFD1048576: 1.6 KB that once asked for 512 GB and aborted the process.
    let corners = crafted_xlsx(
        "107-2",
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#,
        None,
    );
    assert!(corners.len() < 2_000, "{}", corners.len());
    let r = t.upload(&s, &format!("{ret}/upload"), "corners.xlsx", &corners).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("单元格 XFD1048576 超出上传限制：工作表最多读取 100,000 行"),
        "{}",
        r.body
    );
    // A declared extent of 400,000 rows.
    let tall = crafted_xlsx(
        "107-2",
        r#"<dimension ref="A1:Z400000"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>"#,
        None,
    );
    let r = t.upload(&s, &format!("{ret}/upload"), "tall.xlsx", &tall).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("单元格 Z400000"), "{}", r.body);
    // One shared string of 263 KB.
    let long = format!("<si><t>{}</t></si>", "长".repeat(90_000));
    let huge = crafted_xlsx(
        "107-2",
        r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#,
        Some(&long),
    );
    let r = t.upload(&s, &format!("{ret}/upload"), "huge.xlsx", &huge).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("超过 32,767 个字符"), "{}", r.body);
    // A part that inflates a thousandfold (a zip bomb), and one past the size of any part.
    let bomb =
        crafted_xlsx("107-2", &format!("<sheetData>{}</sheetData>", " ".repeat(8 << 20)), None);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let r = t.upload(&s, &format!("{ret}/upload"), "bomb.xlsx", &bomb).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("压缩比超过 200 倍"), "{}", r.body);
    // Not a workbook at all: our words, not the zip library's.
    let r = t.upload(&s, &format!("{ret}/upload"), "fake.xlsx", b"PK\x03\x04 not really").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("这不是 Excel 工作簿") && !r.body.contains("EOCD"), "{}", r.body);
    // Nothing changed, and the server answers.
    assert_eq!(t.value(own, "107-2", "2025", "REVENUE", "").await, revenue);
    assert_eq!(t.get(&s, "/ping").await.status, StatusCode::OK);
}

#[test]
fn a_sheet_is_read_as_excel_shows_it() {
    use innocity_web::sheet::{Limits, Which, read};
    let xml = r#"<sheetData><row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2"><v>12.5</v></c><c r="D2" t="inlineStr"><is><t>A&amp;B</t></is></c><c r="E2" t="b"><v>1</v></c></row><row r="4"><c r="A4" t="s"><v>1</v></c></row></sheetData>"#;
    let shared = r#"<si><t>兰州新区</t></si><si><r><t>高新</t></r><r><t>区</t></r><rPh><t>こう</t></rPh></si>"#;
    let sheet =
        read(&crafted_xlsx("数据", xml, Some(shared)), Which::Named("数据"), Limits::UPLOAD)
            .unwrap();
    assert_eq!(
        (sheet.get(1, 1), sheet.get(1, 2), sheet.get(1, 3), sheet.get(1, 4)),
        ("兰州新区", "12.5", "A&B", "true")
    );
    assert_eq!(sheet.get(3, 0), "高新区");
    assert_eq!(
        sheet.dense(),
        vec![
            vec![],
            vec!["".to_string(), "兰州新区".into(), "12.5".into(), "A&B".into(), "true".into()],
            vec![],
            vec!["高新区".to_string()]
        ]
    );
    let too_many = Limits { cells: 2, ..Limits::UPLOAD };
    assert!(matches!(
        read(&crafted_xlsx("数据", xml, Some(shared)), Which::First, too_many),
        Err(innocity_web::sheet::SheetError::TooBig {
            limit: innocity_web::sheet::Limit::Cells,
            ..
        })
    ));
}

#[test]
fn odd_but_small_sheets_neither_panic_nor_blow_up() {
    use innocity_web::sheet::{Limit, Limits, SheetError, Which, read};
    let too_big = |r: Result<innocity_web::sheet::Sheet, SheetError>| match r {
        Err(SheetError::TooBig { limit, .. }) => Some(limit),
        _ => None,
    };
    // A date-formatted cell holding a number no date has: shown as the number, no panic.
    let xfs = r#"<xf numFmtId="0"/><xf numFmtId="14"/>"#;
    let dates = crafted_xlsx_styled(
        "s",
        r#"<sheetData><row r="1"><c r="A1" s="1"><v>1e12</v></c><c r="B1" s="1"><v>45838</v></c></row></sheetData>"#,
        None,
        Some(xfs),
    );
    let sheet = read(&dates, Which::First, Limits::UPLOAD).unwrap();
    assert_eq!((sheet.get(0, 0), sheet.get(0, 1)), ("1000000000000", "2025-06-30"));
    // Rows numbered to the end of u32, then a row without a number: no overflow.
    let rows = crafted_xlsx(
        "s",
        r#"<sheetData><row r="4294967295"></row><row></row><row r="2"><c r="A2"><v>1</v></c></row></sheetData>"#,
        None,
    );
    assert_eq!(read(&rows, Which::First, Limits::UPLOAD).unwrap().get(1, 0), "1");
    // One long shared string repeated in many cells: the text kept is bounded.
    let cells: String = (1..=600)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let repeated = crafted_xlsx(
        "s",
        &format!("<sheetData>{cells}</sheetData>"),
        Some(&format!("<si><t>{}</t></si>", "长".repeat(30_000))),
    );
    let small = Limits { text_bytes: 1 << 20, ..Limits::UPLOAD };
    assert_eq!(too_big(read(&repeated, Which::First, small)), Some(Limit::TextBytes));
    // A sparse sheet laid out as a grid: refused before it is filled with blanks.
    let wide: String =
        (1..=300).map(|r| format!(r#"<row r="{r}"><c r="AMJ{r}"><v>1</v></c></row>"#)).collect();
    let sheet = read(
        &crafted_xlsx("s", &format!("<sheetData>{wide}</sheetData>"), None),
        Which::First,
        Limits::UPLOAD,
    )
    .unwrap();
    assert!(matches!(
        sheet.dense_within(Limits { grid_cells: 100_000, ..Limits::UPLOAD }),
        Err(SheetError::TooBig { limit: Limit::GridCells, .. })
    ));
    assert_eq!(sheet.dense_within(Limits::UPLOAD).unwrap().len(), 300);
}
