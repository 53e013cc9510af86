//! Organisations and areas entered through the pages: bad input named by field, input kept.
use crate::common::*;
use axum::http::StatusCode;

#[tokio::test]
async fn create_rejects_bad_codes_with_field_messages_and_keeps_input() {
    let t = app().await;
    let s = t.login("bureau").await;
    let f = open_the_new_org_form(&t, &s).await;
    a_wrong_check_character_is_named(&t, &s, &f).await;
    a_valid_one_is_created_once(&t, &s, &f).await;
    duplicates_and_unknowns_are_named(&t, &s, &f).await;
}

/// How many organisations there are.
async fn org_count(t: &TestApp) -> u64 {
    innocity_store::orgs::list(&t.db, &innocity_core::access::Scope::All, &Default::default())
        .await
        .unwrap()
        .total
}

/// The new-organisation form as opened: its one-time token, the park chosen, the count before.
struct OrgForm {
    token: String,
    park: String,
    n0: u64,
}

async fn open_the_new_org_form(t: &TestApp, s: &Session) -> OrgForm {
    let park = t.unit_id("LZGX-YT").await.to_string();
    let n0 = org_count(t).await;
    let form = t.get(s, "/orgs/new").await.body;
    let token = form
        .split("name=\"_form\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    OrgForm { token, park, n0 }
}

/// Wrong check character: the message names the expected one.
async fn a_wrong_check_character_is_named(t: &TestApp, s: &Session, f: &OrgForm) {
    let (token, park, n0) = (f.token.as_str(), f.park.as_str(), f.n0);
    let r = t
        .post_form(
            s,
            "/orgs",
            &[
                ("_form", token),
                ("credit_code", "91350100M000100Y44"),
                ("name", "兰州测试科技有限公司"),
                ("kind", "enterprise"),
                ("org_unit_id", park),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("校验码错误：第 18 位为“4”，按 GB 32100-2015 应为“3”"), "{}", r.body);
    assert!(r.body.contains("value=\"兰州测试科技有限公司\""), "what the user typed is kept");
    assert_eq!(org_count(t).await, n0);
}

/// A valid one is created, once: the same form submitted again is refused.
async fn a_valid_one_is_created_once(t: &TestApp, s: &Session, f: &OrgForm) {
    let (token, park, n0) = (f.token.as_str(), f.park.as_str(), f.n0);
    let r = t
        .post_form(
            s,
            "/orgs",
            &[
                ("_form", token),
                ("credit_code", "91350100M000100Y43"),
                ("name", "兰州测试科技有限公司"),
                ("kind", "enterprise"),
                ("org_unit_id", park),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(org_count(t).await, n0 + 1);
    let again = t
        .post_form(
            s,
            "/orgs",
            &[
                ("_form", token),
                ("credit_code", "91110000802100433B"),
                ("name", "重复提交"),
                ("kind", "enterprise"),
                ("org_unit_id", park),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("此表单已经提交过"));
    assert_eq!(org_count(t).await, n0 + 1);
}

/// A duplicate credit code is a field error; unknown unit, unknown kind, empty name: each field
/// named.
async fn duplicates_and_unknowns_are_named(t: &TestApp, s: &Session, f: &OrgForm) {
    let (park, n0) = (f.park.as_str(), f.n0);
    let dup = t
        .post_form(
            s,
            "/orgs",
            &[
                ("credit_code", "91350100m000100y43"),
                ("name", "另一家"),
                ("kind", "enterprise"),
                ("org_unit_id", park),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("该统一社会信用代码已登记"));
    // Unknown unit, unknown kind, empty name: each field named.
    let bad = t
        .post_form(
            s,
            "/orgs",
            &[("credit_code", "1234"), ("name", ""), ("kind", "bank"), ("org_unit_id", "999999")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["err-credit_code", "err-name", "err-kind", "err-org_unit_id"] {
        assert!(bad.body.contains(id), "{id}");
    }
    assert!(bad.body.contains("所选区域不存在"));
    assert_eq!(org_count(t).await, n0 + 1);
}

#[tokio::test]
async fn bureau_staff_add_a_park_and_zone_admins_cannot() {
    let t = app().await;
    let xq = t.unit_id("LZXQ").await.to_string();
    let park = t.unit_id("LZXQ-SH").await.to_string();
    let zone = t.login("zone").await;
    assert_eq!(
        t.post_form(
            &zone,
            "/units",
            &[
                ("parent_id", &xq),
                ("code", "LZXQ-SW"),
                ("name_zh", "生物医药产业园区"),
                ("name_en", "Biomedicine Park")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let s = t.login("bureau").await;
    // Under a park, a bad code, no names: each field named.
    let r = t
        .post_form(
            &s,
            "/units",
            &[("parent_id", &park), ("code", "含 空格"), ("name_zh", ""), ("name_en", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["err-parent_id", "err-code", "err-name_zh", "err-name_en"] {
        assert!(r.body.contains(id), "{id}");
    }
    let r = t
        .post_form(
            &s,
            "/units",
            &[
                ("parent_id", &xq),
                ("code", "lzxq-sw"),
                ("name_zh", "生物医药产业园区"),
                ("name_en", "Biomedicine Park"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let new = units.iter().find(|u| u.code == "LZXQ-SW").unwrap();
    assert_eq!(new.level, "park");
    // The same server shows it at once; a duplicate code is a field error.
    assert!(t.get(&s, "/units").await.body.contains("生物医药产业园区"));
    let r = t
        .post_form(
            &s,
            "/units",
            &[("parent_id", &xq), ("code", "LZXQ-SW"), ("name_zh", "重复"), ("name_en", "Dup")],
        )
        .await;
    assert!(r.body.contains("该代码已被使用"));
    assert!(
        innocity_store::audit::list(
            &t.db,
            &innocity_store::audit::Filter {
                action: "org_unit.create".into(),
                ..Default::default()
            },
            100
        )
        .await
        .unwrap()
        .iter()
        .any(|e| e.after.contains("LZXQ-SW"))
    );
}

/// A county admin (榆中县) reaches the organisations of the county's two parks, which lie in
/// 兰州高新区, and no other park of that zone.
#[tokio::test]
async fn a_county_admin_reaches_the_parks_that_lie_in_the_county_across_the_zone() {
    let t = app().await;
    let county = t.login("county").await;
    let in_park = |code: &'static str| {
        let db = t.db.clone();
        async move {
            db.read(
                "SELECT o.id FROM organisations o JOIN org_units u ON u.id = o.org_unit_id WHERE u.code = ? ORDER BY o.id LIMIT 1",
                vec![code.into()],
                |r| r.int(0),
            )
            .await
            .unwrap()
            .first()
            .copied()
        }
    };
    let yuzhong = in_park("LZGX-YZ").await.expect("an organisation in 榆中园区");
    let heping = in_park("LZGX-HP").await.expect("an organisation in 和平园区");
    let yantan = in_park("LZGX-YT").await.expect("an organisation in 雁滩园区");
    for (id, status) in
        [(yuzhong, StatusCode::OK), (heping, StatusCode::OK), (yantan, StatusCode::FORBIDDEN)]
    {
        assert_eq!(t.get(&county, &format!("/orgs/{id}")).await.status, status, "{id}");
    }
    // Its list holds exactly the two parks' organisations (and the zone admin's holds more).
    let two_parks: i64 = t
        .db
        .read(
            "SELECT COUNT(*) FROM organisations o JOIN org_units u ON u.id = o.org_unit_id WHERE u.code IN ('LZGX-YZ', 'LZGX-HP')",
            vec![],
            |r| r.int(0),
        )
        .await
        .unwrap()[0];
    let listed = t.get(&county, "/api/v1/organisations?per_page=1").await;
    assert_eq!(listed.status, StatusCode::OK);
    let total = serde_json::from_str::<serde_json::Value>(&listed.body).unwrap()["total"].clone();
    assert_eq!(total, serde_json::json!(two_parks), "{}", listed.body);
    let units = t.get(&county, "/units").await.body;
    assert!(units.contains("榆中县") && units.contains("榆中园区") && units.contains("和平园区"));
    assert!(!units.contains("雁滩园区"), "another park of the zone");
}

/// Bureau staff add a county beside the zones and a park of a zone that lies in it; a county
/// for a unit that is no park is refused with the field named, and nothing is stored.
#[tokio::test]
async fn counties_are_added_beside_zones_and_parks_placed_in_them() {
    let t = app().await;
    let s = t.login("bureau").await;
    let lanzhou = t.unit_id("620100").await.to_string();
    let r = t
        .post_form(
            &s,
            "/units",
            &[
                ("parent_id", &lanzhou),
                ("level", "county"),
                ("code", "620199"),
                ("name_zh", "示范县"),
                ("name_en", "Model County"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let new_county = t.unit_id("620199").await.to_string();
    let xq = t.unit_id("LZXQ").await.to_string();
    // A county for a zone (under a city) is refused, by field; nothing is stored.
    let r = t
        .post_form(
            &s,
            "/units",
            &[
                ("parent_id", &lanzhou),
                ("county_id", &new_county),
                ("code", "LZ-NEW"),
                ("name_zh", "新区"),
                ("name_en", "New zone"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("err-county_id") && r.body.contains("只有园区可以归属县（区）"));
    let r = t
        .post_form(
            &s,
            "/units",
            &[
                ("parent_id", &xq),
                ("county_id", &new_county),
                ("code", "LZXQ-SF"),
                ("name_zh", "示范园区"),
                ("name_en", "Model Park"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    assert!(!units.iter().any(|u| u.code == "LZ-NEW"));
    let county_unit = units.iter().find(|u| u.code == "620199").unwrap();
    let park = units.iter().find(|u| u.code == "LZXQ-SF").unwrap();
    assert_eq!((county_unit.level.as_str(), park.level.as_str()), ("county", "park"));
    assert_eq!(park.county_id, Some(county_unit.id));
    assert!(park.path.starts_with(&units.iter().find(|u| u.code == "LZXQ").unwrap().path));
}
