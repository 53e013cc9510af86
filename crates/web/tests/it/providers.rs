//! Service providers on pages and in the API: a service organisation submits its profile, the
//! bureau registers it, it records accreditations and services (bad input named, nothing
//! stored); an enterprise orders, the provider accepts, receives the samples, attaches and sends
//! the report; the enterprise confirms and rates; the rating shows in the directory. Each side
//! is refused the other's steps, and others never see the order.
use crate::common::*;
use crate::market::{SIGNED_PDF, bearer, json};
use axum::http::StatusCode;

async fn count(t: &TestApp, table: &str) -> i64 {
    t.db.read(&format!("SELECT COUNT(*) FROM {table}"), vec![], |r| r.int(0)).await.unwrap()[0]
}

/// The provider of `username` submits its profile on its desk and the bureau registers it.
pub async fn register(t: &TestApp, username: &str) -> i64 {
    let s = t.login(username).await;
    let form =
        [("summary", "第三方检验检测机构，具备 CMA 资质"), ("kinds", "testing"), ("kinds", "rd")];
    let r = t.post_form(&s, "/providers/mine/profile", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let org = t.user_org(username).await;
    let bureau = t.login("bureau").await;
    let r = t.get(&bureau, "/providers/registry").await;
    assert!(r.body.contains(&format!("id=\"waiting-{org}\"")), "{}", r.body);
    let r = t
        .post_form(&bureau, &format!("/providers/{org}/decide"), &[("decision", "register")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    org
}

/// A report sent as a browser sends a plain form: multipart, the `_csrf` field in the body.
async fn plain_upload(t: &TestApp, s: &Session, uri: &str, token: &str) -> Resp {
    let boundary = "----WebKitFormBoundary7MA4YWxk";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"检测报告.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
    body.extend_from_slice(SIGNED_PDF);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    t.send(
        axum::http::Request::post(uri)
            .header(axum::http::header::COOKIE, s.cookie_header())
            .header(
                axum::http::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

const SERVICE: [(&str, &str); 7] = [
    ("name", "金属材料化学成分分析"),
    ("kind", "testing"),
    ("description", "依据 GB/T 223 系列标准"),
    ("price", "380"),
    ("unit", "每个样品"),
    ("price_rule", ""),
    ("turnaround_days", "5"),
];

/// The demo's provider registers (a bad profile refused first) and records a service (a bad
/// one refused, nothing stored) and an expired accreditation: (organisation, service).
async fn provider_with_a_service(t: &TestApp, provider: &Session) -> (i64, i64) {
    // before registration the directory does not list it and nobody can order from it
    let org = t.user_org("provider").await;
    let desk = t.get(provider, "/providers/mine").await;
    assert!(desk.body.contains("尚未提交登记"), "{}", desk.body);
    let bad = [("summary", ""), ("kinds", "cooking")];
    let r = t.post_form(provider, "/providers/mine/profile", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请至少选择一类服务"), "{}", r.body);
    assert_eq!(count(t, "provider_profiles").await, 0);
    register(t, "provider").await;
    let anyone = t.get(&Session::default(), "/providers").await;
    assert!(anyone.body.contains(&format!("href=\"/providers/{org}\"")), "{}", anyone.body);

    // a service with a negative price and no turnaround: both named, nothing stored
    let mut bad: Vec<(&str, &str)> = SERVICE.to_vec();
    bad[3] = ("price", "-10");
    bad[6] = ("turnaround_days", "");
    let r = t.post_form(provider, "/providers/mine/services", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("金额不能小于零"), "{}", r.body);
    assert_eq!(count(t, "provider_services").await, 0);
    let r = t.post_form(provider, "/providers/mine/services", &SERVICE).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let accreditation = [
        ("kind", "cma"),
        ("number", "231234567890"),
        ("scope", "金属材料"),
        ("valid_until", "2020-01-31"),
    ];
    let r = t.post_form(provider, "/providers/mine/accreditations", &accreditation).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&Session::default(), &format!("/providers/{org}")).await.body;
    assert!(page.contains("380.00 元/每个样品") && page.contains("已过期"), "{page}");
    let service: i64 =
        t.db.read("SELECT id FROM provider_services", vec![], |r| r.int(0)).await.unwrap()[0];

    (org, service)
}

#[tokio::test]
async fn an_order_goes_from_request_to_rating_on_the_pages() {
    let t = Fixture::demo().build().await;
    let provider = t.login("provider").await;
    let (org, service) = provider_with_a_service(&t, &provider).await;
    let ent = t.login("orgadmin").await;
    assert!(
        t.get(&ent, &format!("/providers/{org}"))
            .await
            .body
            .contains(&format!("id=\"order-{service}\""))
    );
    let order = [
        ("quantity", "3"),
        ("samples", "钢样 3 块，快递寄送"),
        ("requirements", "测 C、Si、Mn 含量"),
    ];
    let r = t.post_form(&ent, &format!("/providers/services/{service}/order"), &order).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 =
        t.db.read("SELECT id FROM service_orders", vec![], |r| r.int(0)).await.unwrap()[0];
    let step =
        |s: &'static str, fee: &'static str| vec![("action", s), ("fee_yuan", fee), ("reason", "")];
    let at = format!("/services/orders/{id}/step");

    // the customer cannot accept its own order; the provider accepts at the estimate
    assert_eq!(t.post_form(&ent, &at, &step("accept", "1140")).await.status, StatusCode::FORBIDDEN);
    assert!(t.get(&provider, "/providers/mine").await.body.contains("value=\"1140.00\""));
    assert_eq!(
        t.post_form(&provider, &at, &step("accept", "1140")).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(&provider, &at, &step("receive", "")).await.status,
        StatusCode::SEE_OTHER
    );
    // no cancelling once the samples are in; no report without its file
    let r = t.post_form(&ent, &at, &step("cancel", "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不能再取消"), "{}", r.body);
    let r = t.post_form(&provider, &at, &step("report", "1140")).await;
    assert!(r.body.contains("请先上传"), "{}", r.body);
    // a plain form (no script): the CSRF token travels in the multipart body, and is checked
    let at_file = format!("/services/orders/{id}/report-file");
    let r = plain_upload(&t, &provider, &at_file, "wrong-token").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = plain_upload(&t, &provider, &at_file, &provider.csrf.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        t.post_form(&provider, &at, &step("report", "1,200.50")).await.status,
        StatusCode::SEE_OTHER
    );

    let (status, _, bytes) = t.get_bytes(&ent, &format!("/services/orders/{id}/report")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, SIGNED_PDF));
    let other = t.login("orgadmin2").await;
    assert_eq!(
        t.get_bytes(&other, &format!("/services/orders/{id}/report")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.post_form(&provider, &at, &step("complete", "")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.post_form(&ent, &at, &step("complete", "")).await.status, StatusCode::SEE_OTHER);
    let mine = t.get(&ent, "/services/orders").await.body;
    assert!(mine.contains("1,200.50 元") && mine.contains(&format!("id=\"rate-{id}\"")), "{mine}");

    rate_once(&t, &ent, id, org).await;
    a_voucher_may_pay_it(&t, &provider, id).await;
}

/// The completed order offers the provider the redemption form, filled in from the order; a
/// bad order id is named.
async fn a_voucher_may_pay_it(t: &TestApp, provider: &Session, id: i64) {
    let desk = t.get(provider, "/providers/mine").await.body;
    assert!(desk.contains(&format!("id=\"redeem-order-{id}\"")), "{desk}");
    let form = t.get(provider, &format!("/vouchers/redeem?order={id}")).await.body;
    let prefilled = [format!("name=\"order_id\" value=\"{id}\""), "value=\"1200.50\"".into()];
    assert!(prefilled.iter().all(|p| form.contains(p.as_str())), "{form}");
    assert!(form.contains(&format!("服务订单 #{id}")), "{form}");
    let other = t.login("orgadmin2").await;
    assert_eq!(
        t.get(&other, &format!("/vouchers/redeem?order={id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let bad = [
        ("number", "LZ2026-000001"),
        ("code", "123456"),
        ("service", "testing"),
        ("order_total_yuan", "1200.50"),
        ("amount_yuan", "800"),
        ("evidence", "发票 1"),
        ("request_key", "k-order"),
        ("order_id", "十二"),
    ];
    let r = t.post_form(provider, "/vouchers/redeem", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不是有效的编号"), "{}", r.body);
}

/// The customer rates a completed order once (a score of 6 refused); the rating shows on the
/// provider's page.
async fn rate_once(t: &TestApp, ent: &Session, id: i64, org: i64) {
    let rate = format!("/services/orders/{id}/rate");
    let r = t.post_form(ent, &rate, &[("score", "6"), ("comment", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t.post_form(ent, &rate, &[("score", "4"), ("comment", "报告及时，数据清楚")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = t.post_form(ent, &rate, &[("score", "5"), ("comment", "再评一次")]).await;
    assert!(r.body.contains("已经评价过"), "{}", r.body);
    assert_eq!(count(t, "service_ratings").await, 1);
    let page = t.get(&Session::default(), &format!("/providers/{org}")).await.body;
    assert!(page.contains("4.0 分（1 条评价）") && page.contains("报告及时"), "{page}");
}

/// Through the API: the provider's profile (refused to those without the right), the bureau's
/// queue, a suspension without its reason refused, the registration. Returns the organisation.
async fn registered_through_the_api(t: &TestApp, provider: &str, bureau: &str) -> i64 {
    let org = t.user_org("provider").await;
    let profile = serde_json::json!({ "summary": "研发设计与检测服务", "kinds": ["testing"] });
    let r = json(t, "PUT", "/api/v1/providers/mine", Some(provider), profile.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // enterprises, members and experts cannot act as the bureau or a provider
    for who in ["orgadmin", "member", "expert", "zone"] {
        let b = bearer(t, who).await;
        let decide = serde_json::json!({ "decision": "register" });
        let r = json(t, "POST", &format!("/api/v1/providers/{org}/decide"), Some(&b), decide).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    let expert = bearer(t, "expert").await;
    let r = json(t, "PUT", "/api/v1/providers/mine", Some(&expert), profile).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let waiting = json(t, "GET", "/api/v1/providers", Some(bureau), serde_json::Value::Null).await;
    assert_eq!(waiting.json()["total"], 1, "{}", waiting.body);
    let suspend = serde_json::json!({ "decision": "suspend", "reason": " " });
    let r =
        json(t, "POST", &format!("/api/v1/providers/{org}/decide"), Some(bureau), suspend).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let register = serde_json::json!({ "decision": "register" });
    let r =
        json(t, "POST", &format!("/api/v1/providers/{org}/decide"), Some(bureau), register).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    org
}

#[tokio::test]
async fn the_api_runs_the_same_and_refuses_those_without_the_right() {
    let t = Fixture::demo().build().await;
    let provider = bearer(&t, "provider").await;
    let bureau = bearer(&t, "bureau").await;
    let ent = bearer(&t, "orgadmin").await;
    let org = registered_through_the_api(&t, &provider, &bureau).await;
    let service = serde_json::json!({ "name": "中试工艺设计", "kind": "rd", "price_rule": "按工作量面议", "turnaround_days": 20 });
    let r = json(&t, "POST", "/api/v1/providers/mine/services", Some(&provider), service).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let service = r.json()["id"].as_i64().unwrap();
    let public =
        t.get(&Session::default(), &format!("/api/v1/public/providers/{org}")).await.json();
    assert_eq!(public["services"][0]["price_fen"], serde_json::Value::Null);
    assert_eq!(public["provider"]["status"], "registered");

    // the provider cannot order from itself; the enterprise orders
    let order = serde_json::json!({ "quantity": 1, "requirements": "年产 500 吨中试线工艺包" });
    let at = format!("/api/v1/services/{service}/orders");
    let r = post(&t, &at, &ent, serde_json::json!({ "quantity": 0, "requirements": "" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = r.json()["error"]["fields"].to_string();
    assert!(fields.contains("quantity") && fields.contains("requirements"), "{fields}");
    let r = json(&t, "POST", &at, Some(&ent), order.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["quote_fen"], serde_json::Value::Null);
    let steps = format!("/api/v1/service-orders/{id}/steps");
    let r =
        post(&t, &steps, &provider, serde_json::json!({ "action": "accept", "fee_yuan": "-1" }))
            .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r =
        post(&t, &steps, &provider, serde_json::json!({ "action": "accept", "fee_yuan": "80000" }))
            .await;
    assert_eq!(r.json()["quote_fen"], 8_000_000, "{}", r.body);
    // another enterprise never learns of the order
    let other = bearer(&t, "orgadmin2").await;
    let r = json(
        &t,
        "GET",
        &format!("/api/v1/service-orders/{id}"),
        Some(&other),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let listed =
        json(&t, "GET", "/api/v1/service-orders", Some(&provider), serde_json::Value::Null).await;
    assert_eq!(listed.json()["as_provider"][0]["id"], id);
    let r = post(&t, &steps, &ent, serde_json::json!({ "action": "cancel", "reason": "项目推迟" }))
        .await;
    assert_eq!(r.json()["status"], "cancelled", "{}", r.body);
    let r = post(
        &t,
        &format!("/api/v1/service-orders/{id}/rating"),
        &ent,
        serde_json::json!({ "score": 5 }),
    )
    .await;
    assert!(r.body.contains("只有已完成的订单"), "{}", r.body);

    suspended_takes_no_orders(&t, &bureau, &ent, org, (&at, order)).await;
}

async fn post(t: &TestApp, uri: &str, auth: &str, body: serde_json::Value) -> Resp {
    json(t, "POST", uri, Some(auth), body).await
}

/// Suspended by the bureau: out of the directory, and no new orders (`at` with `order`).
async fn suspended_takes_no_orders(
    t: &TestApp,
    bureau: &str,
    ent: &str,
    org: i64,
    (at, order): (&str, serde_json::Value),
) {
    // suspended: out of the directory, no new orders
    let suspend = serde_json::json!({ "decision": "suspend", "reason": "资质过期未更新" });
    let r =
        json(t, "POST", &format!("/api/v1/providers/{org}/decide"), Some(bureau), suspend).await;
    assert_eq!(r.status, StatusCode::OK);
    let dir = t.get(&Session::default(), "/api/v1/public/providers").await.json();
    assert_eq!(dir["total"], 0);
    assert_eq!(
        t.get(&Session::default(), &format!("/api/v1/public/providers/{org}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = json(t, "POST", at, Some(ent), order).await;
    assert!(r.body.contains("尚未登记在册"), "{}", r.body);
    assert_eq!(count(t, "service_orders").await, 1);
}
