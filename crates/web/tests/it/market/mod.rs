//! The technology market's public search, held to `shared/contracts/market-search.md`.
use crate::common::*;
use axum::http::StatusCode;
use innocity_core::market::import::parse_tsv;
use innocity_demo as demo;
use innocity_web::app::{AppState, WebConfig, router};

pub const ANYONE: Session = Session { cookies: Vec::new(), csrf: String::new() };

fn encode(q: &str) -> String {
    serde_urlencoded::to_string([("q", q)]).unwrap()
}

/// The papers as the demo lists them (for the queries).
pub fn papers() -> Vec<innocity_core::market::import::Imported> {
    parse_tsv(demo::experts::CSL.as_bytes()).unwrap()
}

#[tokio::test]
async fn the_contract_search_finds_a_paper_by_its_title_keywords_and_a_sentence() {
    let t = Fixture::demo().market().build().await;
    let papers = papers();
    let p = &papers[0];
    let sentence: String = p.description.chars().take(30).collect();
    for q in [p.title.clone(), p.keywords.join(" "), sentence] {
        let r = t.get(&ANYONE, &format!("/api/v1/market/achievements?{}", encode(&q))).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        let j = r.json();
        assert_eq!(j["items"][0]["external_id"], p.external_id.as_str(), "{q}: {j}");
        let items = j["items"].as_array().unwrap();
        assert!(items.len() <= 20 && j["total"].as_u64().unwrap() >= items.len() as u64);
        let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
        assert!(items[0]["id"].as_i64().unwrap() > 0 && items[0]["title"] == p.title.as_str());
    }
    // Every paper is listed; an empty query lists the newest, `limit` at its bounds.
    let r = t.get(&ANYONE, "/api/v1/market/achievements?limit=100").await;
    let j = r.json();
    assert_eq!((j["total"].as_u64(), j["items"].as_array().unwrap().len()), (Some(2000), 100));
    let r = t.get(&ANYONE, "/api/v1/market/achievements?q=&limit=1").await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_parameters_get_400_and_query_syntax_is_only_text() {
    let t = Fixture::demo().market().build().await;
    for bad in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=-1",
        "limit=1.5",
        "offset=-3",
        "maturity=10",
        "mode=barter",
    ] {
        let r = t.get(&ANYONE, &format!("/api/v1/market/achievements?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], "bad_request", "{bad}");
    }
    let long = "稀".repeat(1_001);
    let r = t.get(&ANYONE, &format!("/api/v1/market/achievements?{}", encode(&long))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("1000"), "{}", r.body);
    let r =
        t.get(&ANYONE, &format!("/api/v1/market/achievements?{}", encode(&long[..3_000]))).await;
    assert_eq!(r.status, StatusCode::OK, "1,000 characters are allowed");
    for q in [
        "\"稀土\" AND (永磁 OR 电机)",
        "title:*",
        "-(",
        "\\",
        "*?~^:[]{}!",
        "'; DROP TABLE x; --",
        "%",
        "\u{0}",
    ] {
        let r = t.get(&ANYONE, &format!("/api/v1/market/achievements?{}", encode(q))).await;
        assert!(r.status == StatusCode::OK || r.status.is_client_error(), "{q}: {}", r.status);
        assert!(r.status != StatusCode::OK || r.json()["total"].is_u64(), "{q}");
    }
    let r =
        t.get(&ANYONE, &format!("/api/v1/market/achievements?{}", encode("\"稀土\" (永磁)"))).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_public_page_shows_results_with_marked_words_and_an_achievement() {
    let t = Fixture::demo().market().build().await;
    let p = &papers()[1];
    let q = p.keywords[0].clone();
    let r = t.get(&ANYONE, &format!("/market?{}", encode(&q))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("共找到") && r.body.contains("<mark>"), "{}", r.body);
    let r = t.get(&ANYONE, &format!("/market?{}", encode(&p.title))).await;
    let id: i64 = {
        let at = r.body.find("/market/achievements/").unwrap() + "/market/achievements/".len();
        r.body[at..].split('"').next().unwrap().parse().unwrap()
    };
    let page = t.get(&ANYONE, &format!("/market/achievements/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&p.title) && page.body.contains("面议"), "{}", page.body);
    assert_eq!(t.get(&ANYONE, "/market/achievements/99999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&ANYONE, "/market/achievements/abc").await.status, StatusCode::NOT_FOUND);
    let long = "永".repeat(1_001);
    let r = t.get(&ANYONE, &format!("/market?{}", encode(&long))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("最多 1000 个字符"), "{}", r.body);
}

/// Two servers on one database: a record imported through one (here, the command line's
/// store call) is found through the other within a second, by following the change log.
#[tokio::test]
async fn a_second_server_finds_a_new_achievement_within_a_second() {
    let t = Fixture::demo().build().await;
    let other = router(AppState::new(t.db.clone(), WebConfig::default()));
    let uri = format!("/api/v1/market/achievements?{}", encode("量子点发光二极管"));
    let before =
        send_to(&other, axum::http::Request::get(&uri).body(axum::body::Body::empty()).unwrap())
            .await;
    assert_eq!(before.json()["total"], 0, "{}", before.body);
    let org = t.org_id_in("BYGX").await;
    let file = "id\ttitle\tabstract\tkeywords\nnew-1\t量子点发光二极管的制备\t一种高效量子点发光二极管。\t量子点;发光二极管\n";
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "cli", request_id: "test" };
    innocity_store::market::import(&t.db, org, &parse_tsv(file.as_bytes()).unwrap(), actor)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let r = send_to(
            &other,
            axum::http::Request::get(&uri).body(axum::body::Body::empty()).unwrap(),
        )
        .await;
        if r.json()["items"][0]["external_id"] == "new-1" {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "not found within a second");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// An enterprise registers an achievement (a wrong patent check digit named under its field,
/// the form kept), submits it; the office sends it back for a reason, then lists it with the
/// year's registration number; the public finds it at once and asks about it; the owner sees
/// the view and the inquiry. Another enterprise cannot see or act on it.
#[tokio::test]
async fn an_achievement_goes_from_its_owner_through_the_office_to_the_public() {
    let t = Fixture::demo().build().await;
    let owner = t.login("orgadmin").await;
    // The index is built before the listing: the listing must reach it through the write.
    let q = format!("/api/v1/market/achievements?{}", encode("钙钛矿叠层太阳能电池"));
    assert_eq!(t.get(&ANYONE, &q).await.json()["total"], 0);
    let (page, id) = register_and_submit(&t, &owner).await;
    the_office_returns_then_lists(&t, &owner, &page, id).await;
    // Found at once, through the server that listed it.
    let found = t.get(&ANYONE, &q).await.json();
    assert_eq!(found["items"][0]["id"], id, "{found}");
    assert!(found["items"][0]["external_id"].is_null());
    let public = format!("/market/achievements/{id}");
    assert!(t.get(&ANYONE, &public).await.body.contains("许可、合作开发"));
    someone_asks(&t, &public).await;
    let mine = t.get(&owner, &page).await.body;
    assert!(mine.contains("能否现场考察中试线？") && mine.contains("13800000000"), "{mine}");
    let year = t.db.clock.today().format("%Y").to_string();
    assert!(mine.contains(&format!("{year}-000001")), "{mine}");
    assert!(t.get(&owner, "/market/mine").await.body.contains("已登记挂牌"));
    // Withdrawn, it leaves the search.
    let withdraw = [("action", "withdraw"), ("version", "5"), ("reason", "已与企业签约")];
    let r = t.post_form(&owner, &page, &withdraw).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.get(&ANYONE, &q).await.json()["total"], 0);
    assert_eq!(t.get(&ANYONE, &public).await.status, StatusCode::NOT_FOUND);
}

/// The owner's form: refused with the field's words, then saved and submitted. Returns the
/// owner's page of it and its id.
async fn register_and_submit(t: &TestApp, owner: &Session) -> (String, i64) {
    let mut fields = vec![
        ("title", "钙钛矿叠层太阳能电池的低温制备工艺"),
        ("description", "一种在 150 ℃ 以下制备钙钛矿/晶硅叠层电池的工艺，效率 28%。"),
        ("keywords", "钙钛矿；叠层电池"),
        ("maturity", "5"),
        ("modes", "licence"),
        ("modes", "joint"),
        ("price_wan", "-3"),
        ("ip", "ZL202010123456.5"),
    ];
    let r = t.post_form(owner, "/market/mine", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("校验位错误，按国家知识产权局规则应为“2”"), "{}", r.body);
    assert!(
        r.body.contains("价格不能小于零") && r.body.contains("钙钛矿叠层太阳能电池的低温制备工艺")
    );
    fields[6] = ("price_wan", "");
    fields[7] = ("ip", "ZL202010123456.2");
    let r = t.post_form(owner, "/market/mine", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().split('?').next().unwrap().to_string();
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let other = t.login("orgadmin2").await;
    let submit = [("action", "submit"), ("version", "1")];
    assert_eq!(t.get(&other, &page).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.post_form(&other, &page, &submit).await.status, StatusCode::NOT_FOUND);
    let r = t.post_form(owner, &page, &submit).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    (page, id)
}

/// The office: a return needs a reason, a stale version is refused, then it lists.
async fn the_office_returns_then_lists(t: &TestApp, owner: &Session, page: &str, id: i64) {
    let bureau = t.login("bureau").await;
    assert!(
        t.get(&bureau, "/market/registry")
            .await
            .body
            .contains("钙钛矿叠层太阳能电池的低温制备工艺")
    );
    let office = format!("/market/registry/{id}");
    let r = t
        .post_form(&bureau, &office, &[("action", "return"), ("version", "2"), ("reason", " ")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("退回或撤回须说明原因"), "{}", r.body);
    let back = [("action", "return"), ("version", "2"), ("reason", "请补充效率检测报告。")];
    assert_eq!(t.post_form(&bureau, &office, &back).await.status, StatusCode::SEE_OTHER);
    assert!(t.get(owner, page).await.body.contains("请补充效率检测报告。"));
    t.post_form(owner, page, &[("action", "submit"), ("version", "3")]).await;
    let stale = t.post_form(&bureau, &office, &[("action", "list"), ("version", "3")]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "a stale version");
    let r = t.post_form(&bureau, &office, &[("action", "list"), ("version", "4")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// A visitor without an account asks: an incomplete question is refused, a complete one sent.
async fn someone_asks(t: &TestApp, public: &str) {
    let ask = format!("{public}/inquiries");
    let mut visitor = Session::default();
    visitor.absorb(&t.get(&visitor, public).await);
    let r = t.post_form(&visitor, &ask, &[("name", "李工"), ("contact", "")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let question = [
        ("name", "李工"),
        ("organisation", "白银某光伏企业"),
        ("contact", "13800000000"),
        ("message", "能否现场考察中试线？"),
    ];
    let r = t.post_form(&visitor, &ask, &question).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// A token for `username`, made on its tokens page.
pub async fn bearer(t: &TestApp, username: &str) -> String {
    let s = t.login(username).await;
    let r = t.post_form(&s, "/tokens", &[("name", "成果系统对接")]).await;
    let token = r.body.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap();
    format!("Bearer {token}")
}

pub async fn json(
    t: &TestApp,
    method: &str,
    uri: &str,
    auth: Option<&str>,
    body: serde_json::Value,
) -> Resp {
    let mut req = axum::http::Request::builder().method(method).uri(uri);
    if let Some(a) = auth {
        req = req.header(axum::http::header::AUTHORIZATION, a);
    }
    let req = req
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    t.send(req).await
}

/// The same life through `/api/v1`: the owner's token drafts (field errors in JSON), changes
/// and submits; the office's token lists; anyone reads it and asks; another enterprise's token
/// is refused.
#[tokio::test]
async fn the_api_carries_an_achievement_from_draft_to_listed() {
    let t = Fixture::demo().build().await;
    let (owner, office, other) =
        (bearer(&t, "orgadmin").await, bearer(&t, "bureau").await, bearer(&t, "orgadmin2").await);
    let mut body = serde_json::json!({ "title": "盐碱地改良用微生物菌剂", "description": "耐盐碱复合菌剂，白银示范 500 亩。", "keywords": "盐碱地；菌剂", "maturity": 7, "modes": ["transfer"], "price_wan": "35", "ip": ["ZL202010123456.9"] });
    let r = json(&t, "POST", "/api/v1/market/my/achievements", Some(&owner), body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["error"]["fields"]["ip"].as_str().unwrap().contains("应为“2”"), "{}", r.body);
    body["ip"] = serde_json::json!(["ZL202010123456.2", "2021SR0123456"]);
    let r = json(&t, "POST", "/api/v1/market/my/achievements", Some(&owner), body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = r.json();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        (created["status"].as_str(), created["price_fen"].as_i64()),
        (Some("draft"), Some(35_000_000))
    );
    let mine = format!("/api/v1/market/my/achievements/{id}");
    assert_eq!(
        t.send(
            axum::http::Request::get(&mine)
                .header("authorization", &other)
                .body(axum::body::Body::empty())
                .unwrap()
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    body["version"] = serde_json::json!(1);
    body["price_wan"] = serde_json::json!("");
    let r = json(&t, "PUT", &mine, Some(&owner), body.clone()).await;
    assert_eq!((r.status, r.json()["price_fen"].is_null()), (StatusCode::OK, true), "{}", r.body);
    assert_eq!(
        json(&t, "PUT", &mine, Some(&owner), body).await.status,
        StatusCode::CONFLICT,
        "stale"
    );
    let submit = serde_json::json!({ "action": "submit", "version": 2 });
    let r = json(&t, "POST", &format!("{mine}/actions"), Some(&owner), submit).await;
    assert_eq!(r.json()["status"], "submitted", "{}", r.body);
    let list = serde_json::json!({ "action": "list", "version": 3 });
    let as_owner = json(
        &t,
        "POST",
        &format!("/api/v1/market/registry/{id}/actions"),
        Some(&owner),
        list.clone(),
    )
    .await;
    assert_eq!(as_owner.status, StatusCode::FORBIDDEN);
    let r = json(&t, "POST", &format!("/api/v1/market/registry/{id}/actions"), Some(&office), list)
        .await;
    assert_eq!(r.json()["status"], "listed", "{}", r.body);
    let public = t.get(&ANYONE, &format!("/api/v1/market/achievements/{id}")).await.json();
    assert_eq!(
        (public["title"].as_str(), public["contact"].as_str()),
        (Some("盐碱地改良用微生物菌剂"), Some(""))
    );
    let ask = format!("/api/v1/market/achievements/{id}/inquiries");
    let question =
        serde_json::json!({ "name": "赵", "contact": "zhao@example.cn", "message": "价格？" });
    let r = json(&t, "POST", &ask, None, question.clone()).await;
    let refused = [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN];
    assert!(refused.contains(&r.status), "a machine asks with a token: {}", r.body);
    let blank = serde_json::json!({ "name": "赵", "contact": "", "message": "价格？" });
    let r = json(&t, "POST", &ask, Some(&other), blank).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = json(&t, "POST", &ask, Some(&other), question).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

mod brokerage;
mod challenges;
mod contract_records;
mod contracts;
mod demands;
mod notices;

/// A small real PDF: a signed contract's text.
pub const SIGNED_PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The registrant uploads the signed text of contract `id` through the API.
pub async fn upload_signed(t: &TestApp, token: &str, id: i64) {
    let boundary = "----signed";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"技术合同.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
    body.extend_from_slice(SIGNED_PDF);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = t
        .send(
            axum::http::Request::post(format!("/api/v1/market/contracts/{id}/files"))
                .header("authorization", token)
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// The search counts its matches by zone, maturity, transfer mode and price band too; each
/// narrows (a bad band is refused, naming it); the page shows every facet and keeps the
/// narrowing through a new query.
#[tokio::test]
async fn every_facet_counts_the_matches_and_narrows_them() {
    let t = Fixture::demo().market().build().await;
    let all = t.get(&ANYONE, "/api/v1/market/achievements?q=%E6%8E%A7%E5%88%B6").await.json();
    let total = all["total"].as_i64().unwrap();
    for facet in ["disciplines", "zones", "maturities", "modes", "price_bands"] {
        let counts = all[facet].as_array().unwrap();
        assert!(!counts.is_empty(), "{facet}: {all}");
        if facet != "modes" {
            let sum: i64 = counts.iter().map(|c| c["count"].as_i64().unwrap()).sum();
            assert!(sum <= total, "{facet}");
        }
    }
    let band = all["price_bands"][0]["value"].as_str().unwrap().to_string();
    let n = all["price_bands"][0]["count"].as_i64().unwrap();
    let narrowed = t
        .get(&ANYONE, &format!("/api/v1/market/achievements?q=%E6%8E%A7%E5%88%B6&price={band}"))
        .await
        .json();
    assert_eq!(narrowed["total"].as_i64(), Some(n));
    let r = t.get(&ANYONE, "/api/v1/market/achievements?price=9").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("price=9"), "{}", r.body);
    let page = t.get(&ANYONE, "/market?q=%E6%8E%A7%E5%88%B6&mode=licence").await.body;
    for id in ["facet-disciplines", "facet-zones", "facet-maturity", "facet-modes", "facet-prices"]
    {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(page.contains("name=\"mode\" value=\"licence\""), "a new query keeps the narrowing");
    assert!(page.contains("aria-current=\"true\">许可"), "the chosen mode is marked");
}

/// The owner adds a document to its achievement (a disguised file refused); while it is a
/// draft only the owner reads it; once listed, anyone does, through the page and the API.
#[tokio::test]
async fn an_achievements_documents_are_the_owners_until_it_is_listed() {
    let t = Fixture::demo().build().await;
    let (owner, office) = (bearer(&t, "orgadmin").await, bearer(&t, "bureau").await);
    let body = serde_json::json!({ "title": "盐碱地改良用微生物菌剂", "description": "耐盐碱复合菌剂，白银示范 500 亩。", "keywords": "盐碱地", "maturity": 7, "modes": ["transfer"], "price_wan": "35", "ip": [] });
    let id =
        json(&t, "POST", "/api/v1/market/my/achievements", Some(&owner), body).await.json()["id"]
            .as_i64()
            .unwrap();
    let s = t.login("orgadmin").await;
    let files = format!("/market/mine/{id}/files");
    let r = t.upload(&s, &files, "评价报告.pdf", b"not a pdf at all").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "disguised: {}", r.body);
    assert_eq!(
        t.upload(&t.login("orgadmin2").await, &files, "x.pdf", SIGNED_PDF).await.status,
        StatusCode::NOT_FOUND
    );
    let r = t.upload(&s, &files, "成果评价报告.pdf", SIGNED_PDF).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&s, &format!("/market/mine/{id}")).await.body;
    let href =
        page.split("href=\"/market/achievements/").nth(1).unwrap().split('"').next().unwrap();
    let href = format!("/market/achievements/{href}");
    assert_eq!(t.get_bytes(&s, &href).await.2, SIGNED_PDF, "the owner reads its draft's document");
    assert_eq!(
        t.get_bytes(&ANYONE, &href).await.0,
        StatusCode::NOT_FOUND,
        "not before it is listed"
    );
    let mine = format!("/api/v1/market/my/achievements/{id}/actions");
    json(&t, "POST", &mine, Some(&owner), serde_json::json!({ "action": "submit", "version": 1 }))
        .await;
    let list = serde_json::json!({ "action": "list", "version": 2 });
    json(&t, "POST", &format!("/api/v1/market/registry/{id}/actions"), Some(&office), list).await;
    assert_eq!(t.get_bytes(&ANYONE, &href).await.2, SIGNED_PDF);
    let api = t.get(&ANYONE, &format!("/api/v1/market/achievements/{id}/files")).await.json();
    assert_eq!(api[0]["name"], "成果评价报告.pdf", "{api}");
    assert!(
        t.get(&ANYONE, &format!("/market/achievements/{id}"))
            .await
            .body
            .contains("成果评价报告.pdf")
    );
}

/// One box searches the other kinds too: open demands, experts' public profiles (no contact)
/// and organisations, each with the words shared; an unknown kind is refused, naming it.
#[tokio::test]
async fn one_box_finds_demands_experts_and_organisations() {
    let t = Fixture::demo().experts().market().build().await;
    let demand = &t.get(&ANYONE, "/api/v1/market/demands").await.json()[0];
    let q = serde_urlencoded::to_string([("q", demand["title"].as_str().unwrap())]).unwrap();
    let found = |kind: &str| {
        let (t, q) = (&t, q.clone());
        let kind = kind.to_string();
        async move { t.get(&ANYONE, &format!("/api/v1/market/search?{q}&kind={kind}")).await }
    };
    let demands = found("demands").await.json();
    assert_eq!(demands["items"][0]["id"], demand["id"], "the demand itself first: {demands}");
    for kind in ["experts", "organisations"] {
        let r = found(kind).await.json();
        let items = r["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{kind}: {r}");
        assert!(items[0]["shared"].as_array().is_some_and(|s| !s.is_empty()), "{kind}: {r}");
        assert!(!r.to_string().contains("contact"), "{kind}");
    }
    assert_eq!(found("people").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(found("achievements").await.status, StatusCode::BAD_REQUEST);
    let page = t.get(&ANYONE, &format!("/market?{q}&kind=experts")).await.body;
    assert!(page.contains("id=\"market-others\"") && page.contains("aria-current=\"page\">专家"));
    assert!(page.contains("name=\"kind\" value=\"experts\""), "a new text keeps the kind");
}
