//! Definitions imported whole, totals up the hierarchy, and the API under the same rules.
use super::*;

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
