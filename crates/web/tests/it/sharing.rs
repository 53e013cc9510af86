//! Shared instruments on pages and in the API: an owner records an instrument (bad input named,
//! nothing stored) and imports a sheet (all or nothing); an enterprise books it from its week;
//! an overlap is refused by name; the owner decides and closes with the fee; others are
//! refused, and never learn of records that are not theirs.
use crate::common::*;
use crate::market::{bearer, json};
use axum::http::StatusCode;
use chrono::Duration;

async fn count(t: &TestApp, table: &str) -> i64 {
    t.db.read(&format!("SELECT COUNT(*) FROM {table}"), vec![], |r| r.int(0)).await.unwrap()[0]
}

fn tomorrow(t: &TestApp) -> String {
    (t.db.clock.today() + Duration::days(1)).to_string()
}

const FORM: [(&str, &str); 24] = [
    ("code", "LZU-AT-0031"),
    ("name", "场发射扫描电子显微镜"),
    ("category", "analysis"),
    ("model", "Apreo 2S"),
    ("maker", "赛默飞世尔"),
    ("value_wan", "368.5"),
    ("location", "榆中校区分析测试中心105室"),
    ("contact", "马老师 0931-8912345"),
    ("parameters", "分辨率 0.9 nm@15 kV"),
    ("opens", "08:00"),
    ("closes", "20:00"),
    ("days", "1234567"),
    ("price_own", "150"),
    ("price_academic", "300"),
    ("price_enterprise", "450"),
    ("price_voucher", "400"),
    ("min_minutes", "30"),
    ("max_minutes", "240"),
    ("notice_hours", "2"),
    ("buffer_minutes", "15"),
    ("approval", "1"),
    ("quota_day", ""),
    ("quota_week", ""),
    ("quota_month", ""),
];

fn form_with(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut f: Vec<(&str, &str)> = FORM.to_vec();
    f.push(("cancel_hours", "24"));
    for (k, v) in changes {
        if let Some(slot) = f.iter_mut().find(|(n, _)| n == k) {
            slot.1 = v;
        }
    }
    f
}

/// The lab records the microscope; returns its id.
async fn record(t: &TestApp) -> String {
    let lab = t.login("lab").await;
    let bad = form_with(&[("value_wan", "-3"), ("category", "toys"), ("closes", "9点")]);
    let r = t.post_form(&lab, "/sharing/mine", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for words in ["金额不能小于零：“-3”", "“toys”不是仪器类别", "“9点”不是有效的时间"]
    {
        assert!(r.body.contains(words), "{words}");
    }
    assert_eq!(count(t, "instruments").await, 0);
    let r = t.post_form(&lab, "/sharing/mine", &form_with(&[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = t.post_form(&lab, "/sharing/mine", &form_with(&[])).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("本单位已有编号为“LZU-AT-0031”的仪器"));
    r.location().rsplit('/').next().unwrap().to_string()
}

#[tokio::test]
async fn an_enterprise_books_an_instrument_and_the_owner_closes_it_with_the_fee() {
    let t = Fixture::demo().build().await;
    let id = record(&t).await;
    let page = format!("/sharing/instruments/{id}");
    let anon = t.get(&Session::default(), "/sharing?q=扫描电子").await;
    assert_eq!(anon.status, StatusCode::OK);
    assert!(anon.body.contains("场发射扫描电子显微镜") && anon.body.contains("368.50"));
    let anon = t.get(&Session::default(), &page).await;
    assert!(anon.body.contains("id=\"calendar\"") && !anon.body.contains("booking-form"));

    let ent = t.login("orgadmin").await;
    let day = tomorrow(&t);
    let slot = [
        ("date", day.as_str()),
        ("from", "09:00"),
        ("to", "10:00"),
        ("purpose", "锂电池正极材料形貌表征"),
    ];
    let r = t.post_form(&ent, &format!("{page}/book"), &slot).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mine = t.get(&ent, r.location()).await;
    assert!(mine.body.contains("id=\"booked\"") && mine.body.contains("待审核"));

    // another person of the firm, inside the first booking's 15-minute buffer
    let member = t.login("member").await;
    let clash = [("date", day.as_str()), ("from", "10:10"), ("to", "11:00"), ("purpose", "XRD")];
    let r = t.post_form(&member, &format!("{page}/book"), &clash).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("该时段已被预约（含前后间隔）"), "{}", r.body);
    let r = t
        .post_form(
            &member,
            &format!("{page}/book"),
            &[("date", "明天"), ("from", "9"), ("to", ""), ("purpose", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("“明天”不是有效的日期") && r.body.contains("此项必填"));
    assert_eq!(count(&t, "bookings").await, 1, "nothing stored for the refusals");
    let week = t.get(&member, &page).await;
    assert!(week.body.contains("slot-held"), "the member sees the time taken");

    let booking: i64 = t.db.read("SELECT id FROM bookings", vec![], |r| r.int(0)).await.unwrap()[0];
    let decide = format!("/sharing/bookings/{booking}/decide");
    // a provider owns other instruments: this booking does not exist for it
    let provider = t.login("provider").await;
    let r = t.post_form(&provider, &decide, &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let lab = t.login("lab").await;
    let r = t.post_form(&lab, &decide, &[("decision", "refuse"), ("reason", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t.post_form(&lab, &decide, &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t.post_form(&lab, &decide, &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("该预约已确认"));
    // orgadmin2 belongs to another firm: cancelling is not theirs to do
    let other = t.login("orgadmin2").await;
    let r = t.post_form(&other, &format!("/sharing/bookings/{booking}/cancel"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    t.db.clock.advance(Duration::days(2));
    // sessions end overnight: sign in again
    let (lab, ent) = (t.login("lab").await, t.login("orgadmin").await);
    let close = [
        ("actual_from", "09:00"),
        ("actual_to", "10:30"),
        ("operator", "马老师"),
        ("result", "SEM 图像 12 张"),
    ];
    let r = t.post_form(&lab, &format!("/sharing/bookings/{booking}/close"), &close).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // 90 minutes used of 60 booked, at the enterprise price of 450 元 an hour
    let list = t.get(&ent, "/sharing/bookings").await;
    assert!(list.body.contains("675.00 元") && list.body.contains("已使用"), "{}", list.body);
}

#[tokio::test]
async fn the_api_books_decides_and_cancels_with_the_pages_checks() {
    let t = Fixture::demo().build().await;
    // the afternoon before, whatever the hour the test runs: tomorrow 13:00 is then inside the
    // 24-hour cancellation window
    let afternoon = t.db.clock.today().and_hms_opt(15, 0, 0).unwrap();
    t.db.clock.advance(afternoon - t.db.clock.now_local());
    let lab = bearer(&t, "lab").await;
    let mut body = serde_json::json!({
        "code": "LZU-XRD-7", "name": "X射线衍射仪", "category": "analysis", "value_wan": "-1",
        "opens": "08:00", "closes": "20:00", "days": "1234567", "price_own": "100",
        "price_academic": "200", "price_enterprise": "300", "price_voucher": "250",
        "min_minutes": 30, "max_minutes": 240, "notice_hours": 2, "approval": true,
    });
    let r = json(&t, "POST", "/api/v1/instruments", Some(&lab), body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["value_wan"].as_str().unwrap().contains("不能小于零"));
    body["value_wan"] = "88".into();
    let r = json(&t, "POST", "/api/v1/instruments", Some(&lab), body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let expert = bearer(&t, "expert").await;
    let r = json(&t, "POST", "/api/v1/instruments", Some(&expert), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let ent = bearer(&t, "orgadmin").await;
    let day = tomorrow(&t);
    let req =
        serde_json::json!({ "date": day, "from": "13:00", "to": "14:30", "purpose": "物相分析" });
    let uri = format!("/api/v1/instruments/{id}/bookings");
    let r = json(&t, "POST", &uri, Some(&ent), req.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = r.json();
    assert_eq!(
        (b["status"].as_str(), b["group"].as_str()),
        (Some("requested"), Some("enterprise"))
    );
    let booking = b["id"].as_i64().unwrap();
    let again = json(&t, "POST", &uri, Some(&ent), req).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.json()["error"]["fields"]["from"].as_str().unwrap().contains("已被预约"));

    let week =
        t.get(&Session::default(), &format!("/api/v1/public/instruments/{id}?week={day}")).await;
    let taken = &week.json()["taken"];
    assert_eq!(taken[0]["start"].as_str(), Some(format!("{day}T13:00").as_str()));

    let decide = format!("/api/v1/bookings/{booking}/decide");
    let provider = bearer(&t, "provider").await;
    let r =
        json(&t, "POST", &decide, Some(&provider), serde_json::json!({ "decision": "approve" }))
            .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = json(&t, "POST", &decide, Some(&lab), serde_json::json!({ "decision": "maybe" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r =
        json(&t, "POST", &decide, Some(&lab), serde_json::json!({ "decision": "approve" })).await;
    assert_eq!(r.json()["status"].as_str(), Some("approved"));

    let cancel = format!("/api/v1/bookings/{booking}/cancel");
    // the member did not book it and does not administer the firm
    let member = bearer(&t, "member").await;
    let r = json(&t, "POST", &cancel, Some(&member), serde_json::json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = json(&t, "POST", &cancel, Some(&ent), serde_json::json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // tomorrow afternoon is inside the 24-hour window: a late cancellation
    assert_eq!(
        (r.json()["status"].as_str(), r.json()["late_cancel"].as_bool()),
        (Some("cancelled"), Some(true))
    );
    let r = t.get(&Session::default(), "/api/v1/bookings").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let owner_side =
        json(&t, "GET", "/api/v1/bookings?side=owner", Some(&lab), serde_json::Value::Null).await;
    assert_eq!(owner_side.json().as_array().unwrap().len(), 1);
    let r = json(&t, "GET", "/api/v1/bookings?side=owner", Some(&member), serde_json::Value::Null)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("仪器").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_instrument_sheet_imports_whole_or_not_at_all() {
    let t = Fixture::demo().build().await;
    let lab = t.login("lab").await;
    let (status, _, bytes) = t.get_bytes(&lab, "/sharing/mine/template.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> =
        sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][0], "仪器编号");
    assert_eq!(rows[1][1], "场发射扫描电子显微镜");
    let mut second = rows[1].clone();
    second[0] = "LZU-AT-0032".into();
    second[1] = "激光共聚焦显微镜".into();
    second[5] = "四十万".into();
    let r = t
        .upload(
            &lab,
            "/sharing/mine/import",
            "仪器.xlsx",
            &xlsx(&[rows[0].clone(), rows[1].clone(), second.clone()]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("第 3 行")
            && r.body.contains("原值（万元）")
            && r.body.contains("“四十万”不是有效的金额"),
        "{}",
        r.body
    );
    assert_eq!(count(&t, "instruments").await, 0, "nothing of a wrong sheet is stored");
    second[5] = "45".into();
    let r = t
        .upload(
            &lab,
            "/sharing/mine/import",
            "仪器.xlsx",
            &xlsx(&[rows[0].clone(), rows[1].clone(), second]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&lab, r.location()).await;
    assert!(page.body.contains("已导入 2 台仪器") && page.body.contains("激光共聚焦显微镜"));
    let r = t.upload(&lab, "/sharing/mine/import", "仪器.csv", b"a,b").await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn every_sharing_write_refuses_the_roles_without_the_right() {
    let t = Fixture::demo().build().await;
    let id = record(&t).await;
    let day = tomorrow(&t);
    let slot = [("date", day.as_str()), ("from", "09:00"), ("to", "10:00"), ("purpose", "测试")];
    let body =
        serde_json::json!({ "date": day, "from": "09:00", "to": "10:00", "purpose": "测试" });
    for role in ROLES {
        let s = t.login(role).await;
        let may_book = ["orgadmin", "member", "orgadmin2"].contains(&role);
        let may_share = ["orgadmin", "orgadmin2", "provider"].contains(&role);
        if !may_book {
            let r = t.post_form(&s, &format!("/sharing/instruments/{id}/book"), &slot).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} books on the page");
            if role != "public" {
                // the public holds no token
                let token = bearer(&t, role).await;
                let uri = format!("/api/v1/instruments/{id}/bookings");
                let r = json(&t, "POST", &uri, Some(&token), body.clone()).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} books in the API");
            }
        }
        if !may_share {
            let r = t.post_form(&s, "/sharing/mine", &form_with(&[("code", "X-1")])).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} records an instrument");
            let r = t
                .post_form(
                    &s,
                    &format!("/sharing/instruments/{id}/status"),
                    &[("status", "retired")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} retires an instrument");
        } else {
            // an owner of other instruments: this one does not exist for them
            let r = t
                .post_form(
                    &s,
                    &format!("/sharing/instruments/{id}/status"),
                    &[("status", "retired")],
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{role} retires another's instrument");
        }
    }
    assert_eq!(count(&t, "bookings").await, 0);
    assert_eq!(count(&t, "instruments").await, 1);
    let status: String =
        t.db.read("SELECT status FROM instruments", vec![], |r| r.text(0)).await.unwrap()[0]
            .clone();
    assert_eq!(status, "open");
}

#[tokio::test]
async fn the_owner_edits_a_record_and_a_stale_version_is_refused() {
    let t = Fixture::demo().build().await;
    let id = record(&t).await;
    let lab = t.login("lab").await;
    let edit = format!("/sharing/instruments/{id}/edit");
    let page = t.get(&lab, &edit).await;
    assert!(page.body.contains("value=\"450.00\"") && page.body.contains("value=\"368.5\""));
    let mut form = form_with(&[("price_enterprise", "480")]);
    form.push(("version", "1"));
    let r = t.post_form(&lab, &edit, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(t.get(&lab, &format!("/sharing/instruments/{id}")).await.body.contains("480.00 元"));
    // the same version again: someone changed it meanwhile
    let r = t.post_form(&lab, &edit, &form).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let mut bad = form_with(&[("price_enterprise", "-1")]);
    bad.push(("version", "2"));
    let r = t.post_form(&lab, &edit, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("金额不能小于零"));
    // another owner does not see it; the API saves with the version it read
    let provider = t.login("provider").await;
    assert_eq!(t.get(&provider, &edit).await.status, StatusCode::NOT_FOUND);
    let token = bearer(&t, "lab").await;
    let mine =
        json(&t, "GET", "/api/v1/instruments", Some(&token), serde_json::Value::Null).await.json();
    let version = mine[0]["version"].as_i64().unwrap();
    let body = serde_json::json!({ "version": version, "instrument": {
        "code": "LZU-AT-0031", "name": "场发射扫描电子显微镜", "category": "analysis", "value_wan": "368.5",
        "opens": "08:00", "closes": "20:00", "days": "12345", "price_own": "150", "price_academic": "300",
        "price_enterprise": "500", "price_voucher": "400", "min_minutes": 30, "max_minutes": 240,
        "notice_hours": 2, "approval": true } });
    let r = json(&t, "PUT", &format!("/api/v1/instruments/{id}"), Some(&token), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["price_enterprise_fen"].as_i64(), r.json()["days"].as_str()),
        (Some(50_000), Some("12345"))
    );
}

#[tokio::test]
async fn a_year_no_booking_means_is_refused_as_a_date_never_an_overflow() {
    let t = Fixture::demo().build().await;
    let page = format!("/sharing/instruments/{}", record(&t).await);
    let member = t.login("member").await;
    let far = [("date", "+262142-12-31"), ("from", "09:00"), ("to", "10:00"), ("purpose", "测试")];
    let r = t.post_form(&member, &format!("{page}/book"), &far).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不是有效的日期"));
    let r = t.get(&Session::default(), &format!("{page}?week=%2B262142-12-31")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(count(&t, "bookings").await, 0);
}
