//! Monitoring pages through the real router: who may see them, scopes, the numbers shown.
use crate::common::*;
use axum::http::StatusCode;
use innocity_demo as demo;

async fn monitoring_app() -> TestApp {
    Fixture::demo().indicators().build().await
}

#[tokio::test]
async fn monitoring_refuses_the_roles_that_must_be_refused_and_keeps_to_scope() {
    let t = monitoring_app().await;
    for path in [
        "/indicators",
        "/indicators/LANBAI-2020",
        "/indicators/LANBAI-2020/compare",
        "/indicators/CITY-2015",
        "/indicators/LANBAI-Q2026/periods",
        "/indicators/LANBAI-Q2026/periods/report.pdf",
    ] {
        for role in ROLES {
            let s = t.login(role).await;
            let allowed = ["admin", "bureau", "zone", "zone2"].contains(&role);
            assert_eq!(
                t.get(&s, path).await.status,
                if allowed { StatusCode::OK } else { StatusCode::FORBIDDEN },
                "{role} {path}"
            );
        }
        assert_eq!(t.get(&Session::default(), path).await.status, StatusCode::SEE_OTHER);
    }
    let gx = t.unit_id("LZGX").await;
    let zone2 = t.login("zone2").await;
    assert_eq!(
        t.get(&zone2, &format!("/indicators/LANBAI-2020?unit={gx}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.get(&zone2, "/indicators/NOPE").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&zone2, "/indicators/LANBAI-2020?unit=abc").await.status,
        StatusCode::BAD_REQUEST
    );
    // A zone admin compares only the zones in reach: their own.
    let r = t.get(&zone2, "/indicators/LANBAI-2020/compare").await.body;
    assert_eq!(r.matches("<tr><td class=\"num\">").count(), 1);
    // By county: the bureau compares the thirteen counties and districts, a county admin its
    // own; the register's contracts reach a county through the parks that lie in it.
    let bureau = t.login("bureau").await;
    let r = t.get(&bureau, "/indicators/LANBAI-2020/compare?by=county").await.body;
    assert_eq!(r.matches("<tr><td class=\"num\">").count(), 13);
    assert!(r.contains("榆中县") && r.contains("<option value=\"county\" selected>"));
    let county = t.login("county").await;
    let r = t.get(&county, "/indicators/LANBAI-2020/compare?by=county").await.body;
    assert_eq!(r.matches("<tr><td class=\"num\">").count(), 1);
    let yuzhong = t.unit_id("620123").await;
    let contracts =
        innocity_store::indicators::for_unit(&t.db, yuzhong, &["TECH_CONTRACTS".to_string()])
            .await
            .unwrap();
    assert!(contracts.iter().any(|v| v.source == "register" && v.value > 0.0), "{contracts:?}");
}

#[tokio::test]
async fn the_dashboard_shows_the_latest_value_against_the_path() {
    let t = monitoring_app().await;
    let gx = t.unit_id("LZGX").await;
    let s = t.login("bureau").await;
    let page = t.get(&s, &format!("/indicators/LANBAI-2020?unit={gx}")).await.body;
    assert_eq!(page.matches("class=\"card ind-card").count(), 10);
    let v = innocity_store::indicators::for_unit(&t.db, gx, &["RD_GDP".to_string()]).await.unwrap();
    let latest = v.last().unwrap();
    assert_eq!(latest.period, "2024");
    assert!(
        page.contains(&format!("{} %", innocity_web::stats::number(latest.value))),
        "latest R&D intensity shown"
    );
    // The yearly milestones of the plan: 2.3 in 2014 … 2.9 in 2020.
    assert!(page.contains("id=\"milestones\"") && page.contains(">2.3<") && page.contains(">2.9<"));
    // The comparison ranks all four zones, with rank intervals.
    let cmp = t.get(&s, "/indicators/LANBAI-2020/compare?year=2024").await.body;
    assert_eq!(cmp.matches("<tr><td class=\"num\">").count(), 4);
    assert!(cmp.contains("id=\"sobol\""));
    // The years on offer follow the values held, never a year fixed in code: the demo's
    // registered contracts reach 2025; a value for 2031 brings 2031, but the page opens on the
    // last year mostly filled in (2024, the typed values' last) until 2031 is as well.
    assert!(cmp.contains("<option value=\"2025\">2025</option>"), "the registers' last year");
    let later = innocity_store::indicators::IndicatorValue {
        indicator: "RD_GDP".into(),
        org_unit_id: gx,
        period: "2031".into(),
        value: 3.4,
        source: "import".into(),
    };
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "t", request_id: "t" };
    innocity_store::indicators::import(&t.db, &[later], actor).await.unwrap();
    let cmp = t.get(&s, "/indicators/LANBAI-2020/compare").await.body;
    assert!(cmp.contains("<option value=\"2031\">2031</option>"), "offered");
    assert!(cmp.contains("<option value=\"2024\" selected>2024</option>"), "opens on 2024");
    let cmp = t.get(&s, "/indicators/LANBAI-2020/compare?year=2031").await.body;
    assert!(cmp.contains("<option value=\"2031\" selected>2031</option>"), "chosen");
    assert!(cmp.contains("<option value=\"2014\">2014</option>"), "from the first baseline");
}

#[tokio::test]
async fn yearbook_imports_are_whole_or_nothing_and_statistics_feed_indicators() {
    let t = monitoring_app().await;
    let b = t.login("bureau").await;
    let gx = t.unit_id("LZGX").await;
    let before =
        innocity_store::indicators::for_unit(&t.db, gx, &["RD_GDP".to_string()]).await.unwrap();
    let bad = "区域代码,报告期,指标代码,数值\nLZGX,2025,RD_GDP,2.95\nXXXX,2025,RD_GDP,1\nLZGX,2025,RD_GDP,很多\n";
    let r = t.upload(&b, "/indicators/upload", "yearbook.csv", bad.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("第 3 行，unit 列：区域代码“XXXX”不存在")
            && r.body.contains("第 4 行，value 列：“很多”不是数字"),
        "{}",
        r.body
    );
    assert_eq!(
        innocity_store::indicators::for_unit(&t.db, gx, &["RD_GDP".to_string()]).await.unwrap(),
        before,
        "nothing stored"
    );
    let good = "unit,period,indicator,value\nLZGX,2025,RD_GDP,2.95\nBYGX,2025,RD_GDP,1.8\n";
    let r = t.upload(&b, "/indicators/upload", "yearbook.csv", good.as_bytes()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after =
        innocity_store::indicators::for_unit(&t.db, gx, &["RD_GDP".to_string()]).await.unwrap();
    let v = after.iter().find(|v| v.period == "2025").unwrap();
    assert_eq!((v.value, v.source.as_str()), (2.95, "import"));
    assert!(
        t.get(&b, &format!("/indicators/LANBAI-2020?unit={gx}"))
            .await
            .body
            .contains("统计年鉴导入"),
        "the source is shown"
    );
    // Zone admins and enterprises do not import or recompute.
    for role in ["zone", "orgadmin"] {
        let s = t.login(role).await;
        assert_eq!(
            t.upload(&s, "/indicators/upload", "y.csv", good.as_bytes()).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            t.post_form(&s, "/indicators/CITY-2015/refresh", &[]).await.status,
            StatusCode::FORBIDDEN
        );
    }
    // From the statistics: enterprises' R&D as % of their sales = Σ R&D / Σ revenue (2024, locked).
    demo::seed_stats(&t.db, None).await.unwrap();
    demo::approve_demo_periods(&t.db).await.unwrap();
    let r = t.post_form(&b, "/indicators/CITY-2015/refresh", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let units = innocity_store::orgs::units(&t.db).await.unwrap();
    let root = units.iter().find(|u| u.parent_id.is_none()).unwrap();
    let totals = innocity_store::stats::totals(
        &t.db,
        "107-2",
        "2024",
        &[
            innocity_core::stats::status::Status::Submitted,
            innocity_core::stats::status::Status::Approved,
            innocity_core::stats::status::Status::Locked,
        ],
    )
    .await
    .unwrap();
    let sum = |e: &str| totals.rollup.get(root.id, &totals.find(e, "").unwrap()).unwrap().sum;
    let v = innocity_store::indicators::for_unit(&t.db, root.id, &["ENT_RD_SALES".to_string()])
        .await
        .unwrap();
    let v2024 = v.iter().find(|x| x.period == "2024").unwrap();
    assert!((v2024.value - sum("RD_EXP") / sum("REVENUE") * 100.0).abs() < 1e-9);
    assert_eq!(v2024.source, "stats");
}

#[tokio::test]
async fn the_monitoring_tables_export_to_xlsx() {
    use calamine::{DataType, Reader};
    let t = monitoring_app().await;
    let gx = t.unit_id("LZGX").await;
    let s = t.login("zone").await;
    let (status, _, bytes) =
        t.get_bytes(&s, &format!("/indicators/LANBAI-2020?unit={gx}&format=xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["评估".to_string(), "历年数据".to_string(), "年度目标分解".to_string()]
    );
    let r = wb.worksheet_range("评估").unwrap();
    let row = (0..r.height() as u32)
        .find(|i| {
            r.get_value((*i, 0)).map(|d| d.to_string()) == Some("全社会研发投入占GDP的比重".into())
        })
        .unwrap();
    let latest = innocity_store::indicators::for_unit(&t.db, gx, &["RD_GDP".to_string()])
        .await
        .unwrap()
        .last()
        .unwrap()
        .value;
    assert_eq!(r.get_value((row, 3)).unwrap().as_f64(), Some(latest));
    assert_eq!(r.get_value((row, 5)).unwrap().as_f64(), Some(2.9));
}

#[tokio::test]
async fn the_monitoring_report_is_a_readable_pdf_in_chinese() {
    let t = monitoring_app().await;
    let s = t.login("bureau").await;
    let gx = t.unit_id("LZGX").await;
    let (status, headers, pdf) =
        t.get_bytes(&s, &format!("/indicators/LANBAI-2020/report.pdf?unit={gx}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
    assert!(
        pdf.starts_with(b"%PDF-") && pdf.len() > 20_000 && pdf.len() < 400_000,
        "a PDF with the glyphs it uses embedded: {}",
        pdf.len()
    );
    // Opened with poppler's pdftotext: the title, the unit, the indicators and the summary read
    // back as Chinese text.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test.sh");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "兰白试验区主要发展指标",
        "监测评估报告",
        "兰州高新区",
        "一、总体情况",
        "本期共监测 10 项指标",
        "全社会研发投入占GDP的比重",
        "万元GDP能耗",
        "第 1 页",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    let pages = String::from_utf8_lossy(
        &std::process::Command::new("pdfinfo").arg(&path).output().unwrap().stdout,
    )
    .to_string();
    assert!(pages.contains("Pages:"), "{pages}");
    // An English report on the switch.
    let (_, _, en) =
        t.get_bytes(&s, &format!("/indicators/LANBAI-2020/report.pdf?unit={gx}&lang=en")).await;
    std::fs::write(&path, &en).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("monitoring and evaluation report"));
}

#[tokio::test]
async fn the_development_index_shows_its_tree_its_years_profiles_and_rank_intervals() {
    let t = monitoring_app().await;
    let s = t.login("bureau").await;
    let r = t.get(&s, "/indicators/LANBAI-2020/index").await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(
        b.contains("id=\"index-tree\"") && b.contains("创新投入") && b.contains("绿色发展"),
        "the tree with its pillars"
    );
    assert_eq!(b.matches("<polyline points=").count(), 4, "one line per zone");
    assert!(
        b.contains("id=\"profile\"")
            && b.contains("id=\"strengths\"")
            && b.contains("id=\"rank-intervals\"")
    );
    // The ranking's first score is the highest index of 2024 among the four zones, 0–100.
    let first: f64 = b
        .split("id=\"index-ranking\"")
        .nth(1)
        .unwrap()
        .split("<td class=\"num\">")
        .nth(2)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.0..=100.0).contains(&first));
    // Another year, and a zone admin sees only their zone.
    assert!(t.get(&s, "/indicators/LANBAI-2020/index?year=2016").await.body.contains("· 2016"));
    let z = t.login("zone2").await;
    let r = t.get(&z, "/indicators/LANBAI-2020/index").await.body;
    assert_eq!(r.matches("<polyline points=").count(), 1);
    let e = t.login("orgadmin").await;
    assert_eq!(t.get(&e, "/indicators/LANBAI-2020/index").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_annual_index_report_is_a_readable_pdf() {
    let t = monitoring_app().await;
    let s = t.login("bureau").await;
    let (status, _, pdf) = t.get_bytes(&s, "/indicators/LANBAI-2020/index.pdf?year=2024").await;
    assert_eq!(status, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "发展指数年度报告",
        "二、指数排名",
        "三、分项得分",
        "创新投入",
        "四、区域画像",
        "兰州新区",
        "白银高新区",
        "优势指标",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
}

#[tokio::test]
async fn a_dashboard_can_be_made_public_by_bureau_staff_only() {
    let t = monitoring_app().await;
    let anon = Session::default();
    assert_eq!(
        t.get(&anon, "/public/indicators/LANBAI-2020").await.status,
        StatusCode::NOT_FOUND,
        "not public yet"
    );
    let z = t.login("zone").await;
    assert_eq!(
        t.post_form(&z, "/indicators/LANBAI-2020/public", &[("public", "1")]).await.status,
        StatusCode::FORBIDDEN
    );
    let b = t.login("bureau").await;
    assert_eq!(
        t.post_form(&b, "/indicators/LANBAI-2020/public", &[("public", "1")]).await.status,
        StatusCode::SEE_OTHER
    );
    let page = t.get(&anon, "/public/indicators/LANBAI-2020").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("class=\"card ind-card").count(), 10);
    assert!(
        !page.body.contains("id=\"unit-select\"") && !page.body.contains("report.pdf"),
        "no unit choice, no downloads"
    );
    assert!(
        t.get(&anon, "/").await.body.contains("/public/indicators/LANBAI-2020"),
        "listed on the home page"
    );
    assert_eq!(t.get(&anon, "/public/indicators/CITY-2015").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.post_form(&b, "/indicators/LANBAI-2020/public", &[("public", "0")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(t.get(&anon, "/public/indicators/LANBAI-2020").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_index_tables_export_to_xlsx() {
    use calamine::{DataType, Reader};
    let t = monitoring_app().await;
    let s = t.login("bureau").await;
    let (status, _, bytes) = t.get_bytes(&s, "/indicators/LANBAI-2020/index?format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), vec!["发展指数".to_string(), "标准化得分".to_string()]);
    let r = wb.worksheet_range("发展指数").unwrap();
    assert_eq!(r.height(), 1 + 4 * 11, "four zones × 2014–2024");
    let v = r.get_value((1, 2)).unwrap().as_f64().unwrap();
    assert!((0.0..=100.0).contains(&v));
}

#[tokio::test]
async fn cities_get_the_sum_of_their_zones_for_totals() {
    let t = monitoring_app().await;
    let lz = t.unit_id("620100").await;
    let zones: Vec<i64> =
        vec![t.unit_id("LZXQ").await, t.unit_id("LZGX").await, t.unit_id("LZJJ").await];
    let get = |u: i64, code: &'static str| {
        let db = t.db.clone();
        async move { innocity_store::indicators::for_unit(&db, u, &[code.to_string()]).await.unwrap() }
    };
    let city = get(lz, "GDP").await;
    let y2024 = city.iter().find(|v| v.period == "2024").unwrap();
    let mut sum = 0.0;
    for z in &zones {
        sum += get(*z, "GDP").await.iter().find(|v| v.period == "2024").unwrap().value;
    }
    assert!((y2024.value - sum).abs() < 1e-9 && y2024.source == "aggregated");
    // 技术合同成交额 is not added up: the register gives the city its own value, which holds
    // the contracts of the city's organisations outside the zones too.
    let register = get(lz, "TECH_CONTRACTS").await;
    let y2024 = register.iter().find(|v| v.period == "2024").unwrap();
    let mut zones_sum = 0.0;
    for z in &zones {
        let v = get(*z, "TECH_CONTRACTS").await;
        zones_sum += v.iter().find(|v| v.period == "2024").unwrap().value;
    }
    assert_eq!(y2024.source, "register");
    assert!(y2024.value >= zones_sum - 1e-9 && zones_sum > 0.0, "{} {zones_sum}", y2024.value);
    // Ratios without a numerator and a denominator are not averaged into the city.
    assert!(
        innocity_store::indicators::for_unit(&t.db, lz, &["RD_GDP".to_string()])
            .await
            .unwrap()
            .is_empty()
    );
    let s = t.login("bureau").await;
    assert!(
        t.get(&s, &format!("/indicators/LANBAI-2020?unit={lz}"))
            .await
            .body
            .contains("下级区域汇总")
    );
}

#[tokio::test]
async fn a_total_target_is_shared_between_the_zones() {
    let t = monitoring_app().await;
    let s = t.login("bureau").await;
    let page = t.get(&s, "/indicators/LANBAI-2020/compare?year=2024").await.body;
    // The zones' GDP targets (the first column of each 分解目标 row) add up to the plan's 1,377.
    let targets: Vec<f64> = page
        .split("<tr class=\"sub\">")
        .skip(1)
        .map(|row| {
            row.split("<td class=\"num muted\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .replace(',', "")
                .parse::<f64>()
                .unwrap()
        })
        .collect();
    assert_eq!(targets.len(), 4);
    assert!((targets.iter().sum::<f64>() - 1377.0).abs() < 0.1, "{targets:?}");
}

#[tokio::test]
async fn bureau_staff_import_their_own_frameworks() {
    let t = monitoring_app().await;
    let b = t.login("bureau").await;
    let bad = "code = \"LZ-2025\"\nname_zh = \"兰州市“十四五”科技创新目标\"\nname_en = \"Lanzhou 2025\"\n[[target]]\ncode = \"RD_GDP\"\nname_zh = \"研发投入强度\"\nname_en = \"R&D intensity\"\nbaseline_year = 2025\nbaseline = 2.4\ntarget_year = 2020\ntarget = 3\n";
    let r = t.post_form(&b, "/indicators/frameworks", &[("body", bad)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("indicator RD_GDP: the target year 2020 is not after the baseline year 2025"),
        "{}",
        r.body
    );
    let good = bad
        .replace("baseline_year = 2025", "baseline_year = 2020")
        .replace("target_year = 2020", "target_year = 2025");
    assert_eq!(
        t.post_form(&b, "/indicators/frameworks", &[("body", &good)]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(t.get(&b, "/indicators").await.body.contains("兰州市“十四五”科技创新目标"));
    let page = t.get(&b, "/indicators/LZ-2025").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("class=\"card ind-card").count(), 1);
    let z = t.login("zone").await;
    assert_eq!(
        t.post_form(&z, "/indicators/frameworks", &[("body", &good)]).await.status,
        StatusCode::FORBIDDEN
    );
}
