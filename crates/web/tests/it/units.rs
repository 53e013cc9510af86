//! Org units: a park moved into a county of its city or out of any, by page and API; units
//! created through the API; the roles without the capability refused, nothing changed.
use crate::common::*;
use crate::market::{bearer, json};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json as j};

/// A unit as stored now.
async fn stored(t: &TestApp, code: &str) -> innocity_store::orgs::OrgUnit {
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    units.into_iter().find(|u| u.code == code).unwrap()
}

/// A JSON write with a session's cookie and CSRF header.
async fn session_json(t: &TestApp, s: &Session, method: &str, uri: &str, body: Value) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, s.cookie_header())
        .header("x-csrf-token", s.csrf.clone())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    t.send(req).await
}

fn fields_of(r: &Resp) -> Value {
    serde_json::from_str::<Value>(&r.body).unwrap()["error"]["fields"].clone()
}

#[tokio::test]
async fn the_bureau_moves_a_park_into_a_county_of_its_city_and_out_again() {
    let t = app().await;
    let s = t.login("bureau").await;
    let park = stored(&t, "LZGX-YZ").await;
    let yuzhong = t.unit_id("620123").await;
    let chengguan = t.unit_id("620102").await;
    assert_eq!(park.county_id, Some(yuzhong));
    // The list offers the counties of the park's city, the current one chosen.
    let page = t.get(&s, "/units").await.body;
    assert!(page.contains("id=\"county-LZGX-YZ\""), "the park's form");
    assert!(page.contains(&format!("<option value=\"{yuzhong}\" selected>榆中县")));
    assert!(!page.contains("id=\"county-LZGX\""), "a zone has no form");
    // By page: into 城关区, then out of any.
    let uri = format!("/units/{}/county", park.id);
    let r = t.post_form(&s, &uri, &[("county_id", &chengguan.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(stored(&t, "LZGX-YZ").await.county_id, Some(chengguan));
    let page = t.get(&s, "/units").await.body;
    assert!(page.contains(&format!("<option value=\"{chengguan}\" selected>城关区")));
    let r = t.post_form(&s, &uri, &[("county_id", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(stored(&t, "LZGX-YZ").await.county_id, None);
    // By API: back into 榆中县, then out again.
    let auth = bearer(&t, "bureau").await;
    let api = format!("/api/v1/org-units/{}/county", park.id);
    let r = json(&t, "PUT", &api, Some(&auth), j!({ "county_id": yuzhong })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!((v["code"].clone(), v["county_id"].clone()), (j!("LZGX-YZ"), j!(yuzhong)));
    let r = json(&t, "PUT", &api, Some(&auth), j!({ "county_id": null })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(serde_json::from_str::<Value>(&r.body).unwrap()["county_id"], Value::Null);
    assert_eq!(stored(&t, "LZGX-YZ").await.county_id, None);
    // Each move audited (the demo's placing is the system's).
    let audit = innocity_store::audit::list(
        &t.db,
        &innocity_store::audit::Filter {
            action: "org_unit.county".into(),
            actor: "bureau".into(),
            entity_id: park.id.to_string(),
            ..Default::default()
        },
        100,
    )
    .await
    .unwrap();
    assert_eq!(audit.len(), 4, "{audit:?}");
    // An unknown unit: 404 on both.
    assert_eq!(t.post_form(&s, "/units/999999/county", &[]).await.status, StatusCode::NOT_FOUND);
    let none = j!({ "county_id": null });
    let r = json(&t, "PUT", "/api/v1/org-units/999999/county", Some(&auth), none).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A body without county_id is refused, not read as "no county".
    let before = stored(&t, "LZGX-YZ").await.county_id;
    let r = json(&t, "PUT", &api, Some(&auth), j!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(fields_of(&r)["county_id"].is_string(), "{}", r.body);
    assert_eq!(stored(&t, "LZGX-YZ").await.county_id, before, "unchanged");
}

#[tokio::test]
async fn a_county_of_another_city_or_a_unit_that_is_no_park_is_refused_on_county_id() {
    let t = app().await;
    let s = t.login("bureau").await;
    let auth = bearer(&t, "bureau").await;
    let park = stored(&t, "LZGX-YZ").await;
    let baiyin = t.unit_id("620402").await.to_string();
    let zone = t.unit_id("LZGX").await;
    let chengguan = t.unit_id("620102").await.to_string();
    for (id, county) in [(park.id, baiyin.as_str()), (zone, chengguan.as_str()), (zone, "")] {
        let r = t.post_form(&s, &format!("/units/{id}/county"), &[("county_id", county)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{id} {county}");
        assert!(r.body.contains("err-county_id") && r.body.contains("只有园区可以归属县（区）"));
        let county: Value = county.parse::<i64>().map(Value::from).unwrap_or(Value::Null);
        let uri = format!("/api/v1/org-units/{id}/county");
        let r = json(&t, "PUT", &uri, Some(&auth), j!({ "county_id": county })).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(fields_of(&r)["county_id"].is_string(), "{}", r.body);
    }
    assert_eq!(stored(&t, "LZGX-YZ").await.county_id, park.county_id);
    assert_eq!(stored(&t, "LZGX").await.county_id, None);
}

#[tokio::test]
async fn those_without_the_capability_cannot_move_or_create_units() {
    let t = app().await;
    let park = stored(&t, "LZGX-YZ").await;
    let chengguan = t.unit_id("620102").await;
    let gx = t.unit_id("LZGX").await;
    let body = j!({ "parent_id": gx, "code": "LZGX-NO", "name_zh": "越权园区", "name_en": "No" });
    for role in ROLES.iter().filter(|r| !["admin", "bureau"].contains(r)) {
        let s = t.login(role).await;
        let uri = format!("/units/{}/county", park.id);
        let r = t.post_form(&s, &uri, &[("county_id", &chengguan.to_string())]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST {uri}");
        let api = format!("/api/v1/org-units/{}/county", park.id);
        let r = session_json(&t, &s, "PUT", &api, j!({ "county_id": chengguan })).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} PUT {api}");
        let r = session_json(&t, &s, "POST", "/api/v1/org-units", body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} POST /api/v1/org-units");
    }
    // An enterprise's token is refused too.
    let auth = bearer(&t, "orgadmin").await;
    let r = json(&t, "POST", "/api/v1/org-units", Some(&auth), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&t, "LZGX-YZ").await.county_id, park.county_id);
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    assert!(!units.iter().any(|u| u.code == "LZGX-NO"));
}

#[tokio::test]
async fn the_api_creates_a_unit_with_the_forms_checks() {
    let t = app().await;
    let auth = bearer(&t, "bureau").await;
    let gx = t.unit_id("LZGX").await;
    let yuzhong = t.unit_id("620123").await;
    let park = t.unit_id("LZGX-YZ").await;
    let new = j!({ "parent_id": gx, "code": "lzgx-sw", "name_zh": "生物医药园区", "name_en": "Biomedicine Park", "county_id": yuzhong });
    let r = json(&t, "POST", "/api/v1/org-units", Some(&auth), new.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (v["code"].clone(), v["level"].clone(), v["county_id"].clone(), v["parent_id"].clone()),
        (j!("LZGX-SW"), j!("park"), j!(yuzhong), j!(gx))
    );
    let listed = json(&t, "GET", "/api/v1/org-units", Some(&auth), j!(null)).await;
    assert!(listed.body.contains("\"LZGX-SW\""), "{}", listed.body);
    // The same code again: 409 naming the code.
    let r = json(&t, "POST", "/api/v1/org-units", Some(&auth), new).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let e: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(e["error"]["code"], "duplicate_code");
    assert!(e["error"]["fields"]["code"].is_string());
    // A bad code, no names, a park as parent: each field named.
    let bad = j!({ "parent_id": park, "code": "含 空格", "name_zh": "" });
    let r = json(&t, "POST", "/api/v1/org-units", Some(&auth), bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for field in ["parent_id", "code", "name_zh", "name_en"] {
        assert!(fields_of(&r)[field].is_string(), "{field}: {}", r.body);
    }
    // An unknown parent; a county for a zone.
    let unknown = j!({ "parent_id": 999999, "code": "X-1", "name_zh": "甲", "name_en": "A" });
    let r = json(&t, "POST", "/api/v1/org-units", Some(&auth), unknown).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fields_of(&r)["parent_id"].is_string(), "{}", r.body);
    let lanzhou = t.unit_id("620100").await;
    let zone = j!({ "parent_id": lanzhou, "code": "LZ-NEW", "name_zh": "新区", "name_en": "New", "county_id": yuzhong });
    let r = json(&t, "POST", "/api/v1/org-units", Some(&auth), zone).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fields_of(&r)["county_id"].is_string(), "{}", r.body);
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    assert!(!units.iter().any(|u| ["X-1", "LZ-NEW"].contains(&u.code.as_str())));
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
        .any(|e| e.after.contains("LZGX-SW"))
    );
}
