//! The technology market through the real binary: `innocity market import` as the contract
//! fixes it, and a person finding an achievement, asking about it, and a seller carrying a deal
//! to a registered technology contract, in headless Chromium.
use crate::common::*;
use serde_json::json;

/// A registered university's credit code, read from the database.
fn university(db: &str) -> String {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = innocity_store::Db::connect(db).await.unwrap();
        d.query_one(
            "SELECT MIN(credit_code) AS c FROM organisations WHERE kind = 'university'",
            vec![],
        )
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "c")
        .unwrap()
    })
}

fn achievements(base: &str, q: &str) -> serde_json::Value {
    let encoded: String =
        q.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
    let url = format!("{base}/api/v1/market/achievements?q={encoded}");
    let (status, body) = Client::new().get(&url);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn market_import_adds_updates_and_refuses_a_bad_file_whole() {
    let (db, _guard) = fresh_db();
    seed_accounts(&db);
    let owner = university(&db);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("achievements.tsv");
    let head = "id\ttitle\tabstract\tkeywords\tdiscipline\tcategory\tyear\n";
    std::fs::write(&file, format!("{head}t-1\t一种钙钛矿太阳能电池的低温制备方法\t低温制备钙钛矿薄膜。\t钙钛矿;低温\t材料科学\t工学\t2024\nt-2\t盐碱地改良微生物菌剂\t耐盐碱复合菌剂。\t盐碱地\t农学\t农学\t2023\n")).unwrap();
    let run = |path: &std::path::Path| {
        innocity(&["market", "import", "--input", path.to_str().unwrap(), "--owner", &owner], &db)
    };
    let out = run(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 项新增 added, 0 项更新 updated"));
    // The same ids again: updated, not added.
    std::fs::write(&file, format!("{head}t-1\t一种钙钛矿太阳能电池的低温制备工艺\t低温制备钙钛矿薄膜。\t钙钛矿\t材料科学\t工学\t2024\nt-3\t氢燃料电池电堆\t电堆设计。\t氢能\t\t\t\n")).unwrap();
    let out = run(&file);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 项新增 added, 1 项更新 updated"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A bad file: refused whole, the line named, exit status 1, nothing stored.
    let bad = dir.path().join("bad.tsv");
    std::fs::write(
        &bad,
        format!("{head}t-4\t新成果\t摘要\t关键词\t\t\t\nt-5\t\t摘要\t关键词\t\t\t\n"),
    )
    .unwrap();
    let out = run(&bad);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("第 3 行") && err.contains("成果名称（title）为空"), "{err}");
    std::fs::write(&bad, "id\ttitle\nx\ty\n").unwrap();
    let err = String::from_utf8_lossy(&run(&bad).stderr).to_string();
    assert!(
        err.contains("abstract") && err.contains("keywords"),
        "the missing columns named: {err}"
    );
    std::fs::write(&bad, [head.as_bytes(), b"t-6\t\xff\tx\ty\n"].concat()).unwrap();
    assert_eq!(run(&bad).status.code(), Some(1));
    let unknown = innocity(
        &["market", "import", "--input", file.to_str().unwrap(), "--owner", "91350100M000100Y43"],
        &db,
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("未登记"));
    // Served: found by what a person types; the refused file left nothing behind.
    let (_server, base) = serve(&db);
    let found = achievements(&base, "钙钛矿 低温 制备");
    assert_eq!(found["items"][0]["external_id"], "t-1", "{found}");
    assert_eq!(found["items"][0]["title"], "一种钙钛矿太阳能电池的低温制备工艺");
    assert_eq!(achievements(&base, "")["total"], 3, "t-4 was not stored");
}

/// A visitor finds an achievement by a sentence and asks about it; the owner's seller then
/// registers the technology contract (a wrong amount named first) and the office registers it.
#[test]
fn browser_a_visitor_finds_and_asks_and_the_deal_is_registered() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    let b = Browser::start();
    b.size(1400, 1000);
    b.go(&format!("{base}/market?lang=zh"));
    b.type_into("#market-q", "基于平方和优化的飞行器机动镇定控制器");
    b.click("#market-search button");
    b.wait_for(|| b.exists("#market-hits li"));
    assert!(
        b.text("#market-hits li:first-child .hit-title").contains("平方和优化"),
        "{}",
        b.text("#market-hits")
    );
    assert!(b.exists("#market-hits mark"), "the words are marked");
    b.screenshot("market-search");
    // Narrowed by a transfer mode, then the same words among the experts.
    b.click("#facet-modes li:first-child a");
    b.wait_for(|| b.exists("#facet-modes a.active"));
    assert!(b.exists("#market-hits li"), "{}", b.text("#market-total"));
    b.screenshot("market-facets");
    b.click("#kind-experts");
    b.wait_for(|| b.exists("#market-others"));
    b.screenshot("market-experts");
    b.go(&format!("{base}/market?lang=zh&q=%E5%B9%B3%E6%96%B9%E5%92%8C%E4%BC%98%E5%8C%96%E7%9A%84%E9%A3%9E%E8%A1%8C%E5%99%A8%E6%9C%BA%E5%8A%A8%E9%95%87%E5%AE%9A%E6%8E%A7%E5%88%B6%E5%99%A8"));
    b.wait_for(|| b.exists("#market-hits li"));
    b.click("#market-hits li:first-child .hit-title");
    b.wait_for(|| b.exists("#ask-form"));
    b.type_into("#ask-name", "王工");
    b.type_into("#ask-organisation", "兰州某飞控公司");
    b.type_into("#ask-contact", "0931-8888888");
    b.type_into("#ask-message", "能否以许可方式使用该控制器设计方法？");
    b.click("#ask-send");
    b.wait_for(|| b.exists("#asked"));
    b.screenshot("market-asked");
    let achievement = b.current_url();
    let number = a_seller_registers_and_the_office_decides(&b, &base);
    a_broker_carries_the_match_to_the_contract(&b, &base, &achievement, &number);
    a_solver_answers_an_open_challenge(&b, &base);
}

/// The service provider's broker starts on the achievement and records the signing, naming the
/// registered contract's number.
fn a_broker_carries_the_match_to_the_contract(b: &Browser, base: &str, url: &str, number: &str) {
    sign_in(b, base, "provider");
    b.go(url);
    b.type_into("#broker-buyer", "兰州某飞控公司");
    b.click("#broker-start");
    b.wait_for(|| b.exists("#step-form"));
    b.click("#step-kind option[value='signed']");
    b.type_into("#step-note", "双方签订技术许可合同并办理登记。");
    b.type_into("#step-number", number);
    b.click("#step-save");
    b.wait_for(|| b.exists("#brokerage-contract"));
    assert_eq!(b.text("#brokerage-contract"), number);
    assert!(b.text("#brokerage-stage").contains("已签约"));
    b.screenshot("brokerage-signed");
}

/// An organisation answers the demo's open challenge (an empty proposal named field by field
/// first); the awarded challenge's milestones on a phone.
fn a_solver_answers_an_open_challenge(b: &Browser, base: &str) {
    let open = format!("{base}/market/challenges?status=open");
    // The setter's own enterprise may not answer: whichever of the two enterprises is not it.
    for who in ["orgadmin", "orgadmin2"] {
        sign_in(b, base, who);
        b.go(&open);
        b.click("#challenges li:first-child .hit-title");
        b.wait_for(|| b.exists("#challenge-status"));
        if b.exists("#proposal-form") {
            break;
        }
    }
    b.click("#proposal-save");
    b.wait_for(|| b.exists("#form-errors"));
    assert!(b.exists("#err-title") && b.exists("#err-proposal"), "{}", b.text("#proposal-form"));
    b.screenshot("challenge-proposal-error");
    b.type_into("#proposal-title", "基于国产芯片的边缘计算方案");
    b.type_into("#proposal-leader", "王建华");
    b.type_into("#proposal-text", "采用国产化边缘计算模组，六个月内完成样机并现场验证。");
    b.click("#proposal-save");
    b.wait_for(|| b.exists("#challenge-proposals"));
    assert!(b.text("#challenge-proposals").contains("基于国产芯片的边缘计算方案"));
    b.screenshot("challenge-applied");
    b.size(390, 844);
    b.go(&format!("{base}/market/challenges?status=awarded"));
    b.click("#challenges li:first-child .hit-title");
    b.wait_for(|| b.exists("#challenge-milestones"));
    assert!(b.text("#challenge-milestones").contains("已报告"));
    b.screenshot("challenge-milestones-phone");
    b.size(1400, 1000);
}

fn a_seller_registers_and_the_office_decides(b: &Browser, base: &str) -> String {
    sign_in(b, base, "orgadmin");
    b.go(&format!("{base}/market/contracts/new"));
    b.type_into("#title", "飞行器姿态控制技术许可合同");
    b.click("#contract_type option[value='licence.secret']");
    b.type_into("#buyer_name", "兰州某飞控公司");
    let buyer = innocity_core::orgs::CreditCode::complete("91620100MA7000000").unwrap();
    b.type_into("#buyer_code", buyer.as_str());
    b.click("#buyer_region option[value='local']");
    b.type_into("#subject", "许可使用姿态控制器设计技术秘密。");
    let date = b.find("#signed_on");
    b.post(
        "/execute/sync",
        json!({"script": "arguments[0].value = '2026-11-30';", "args": [{ELEMENT: date}]}),
    );
    b.type_into("#amount_wan", "80");
    b.type_into("input[name='cost_wan_0']", "90");
    b.click("select[name='cost_kind_0'] option[value='equipment']");
    let due = b.find("input[name='pay_on_0']");
    b.post(
        "/execute/sync",
        json!({"script": "arguments[0].value = '2026-12-31';", "args": [{ELEMENT: due}]}),
    );
    b.type_into("input[name='pay_wan_0']", "80");
    b.click("#contract-submit");
    b.wait_for(|| b.exists("#form-errors"));
    assert!(
        b.text("#err-costs").contains("超过合同金额 80.00 万元"),
        "{}",
        b.text("#contract-form")
    );
    b.screenshot("contract-form-error");
    b.type_into("input[name='cost_wan_0']", "10");
    b.click("#contract-submit");
    b.wait_for(|| b.exists("#contract-status"));
    assert!(b.text("#contract-transaction").contains("70.00"));
    // The signed text, uploaded before the office registers.
    let pdf = std::env::temp_dir().join(format!("innocity-signed-{}.pdf", std::process::id()));
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n").unwrap();
    b.attach("#file-input", &pdf);
    b.click("#file-upload");
    b.wait_for(|| b.text("#contract-files").contains("innocity-signed"));
    let _ = std::fs::remove_file(&pdf);
    let url = b.current_url();
    sign_in(b, base, "bureau");
    b.go(&format!("{base}/market/contracts/office"));
    assert!(b.text("#contracts").contains("飞行器姿态控制技术许可合同"));
    b.go(&url);
    b.click("#act-register button");
    b.wait_for(|| b.exists("#contract-no"));
    assert!(b.text("#contract-status").contains("已登记"));
    b.screenshot("contract-registered");
    b.text("#contract-no")
}

/// Two server processes on one database: each builds its index, then an achievement imported
/// through the command line is found through both within a second (each follows the change log).
#[test]
fn two_servers_find_a_new_achievement_within_a_second() {
    let (db, _guard) = fresh_db();
    seed_accounts(&db);
    let (_one, first) = serve(&db);
    let (_two, second) = serve(&db);
    let q = "量子点发光二极管";
    for base in [&first, &second] {
        assert_eq!(achievements(base, q)["total"], 0, "each index is built, empty of it");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new.tsv");
    std::fs::write(&file, "id\ttitle\tabstract\tkeywords\nqd-1\t量子点发光二极管的制备\t高效量子点发光二极管。\t量子点;发光二极管\n").unwrap();
    let out = innocity(
        &["market", "import", "--input", file.to_str().unwrap(), "--owner", &university(&db)],
        &db,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let started = std::time::Instant::now();
    for base in [&first, &second] {
        loop {
            if achievements(base, q)["items"][0]["external_id"] == "qd-1" {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_millis(1500),
                "{base}: not found in time"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "both within a second: {:?}",
        started.elapsed()
    );
}
