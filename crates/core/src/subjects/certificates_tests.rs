use super::*;

fn kinds() -> Vec<Kind> {
    let k = |code: &str, zh: &str, years| Kind {
        code: code.into(),
        name_zh: zh.into(),
        name_en: code.into(),
        validity_years: years,
    };
    vec![
        k("high_tech", "高新技术企业", 3),
        k("tech_sme", "科技型中小企业", 1),
        k("gazelle", "瞪羚企业", 0),
    ]
}

fn valid_code() -> String {
    crate::orgs::CreditCode::complete("91620100MA74ABCD1")
        .map(|c| c.as_str().to_string())
        .unwrap_or_default()
}

#[test]
fn a_certificate_runs_its_kinds_years_unless_its_expiry_is_given() {
    let input = CertificateInput {
        credit_code: valid_code(),
        kind: "high_tech".into(),
        number: "GR202562000123".into(),
        issued_on: "2025-11-20".into(),
        valid_until: String::new(),
    };
    let c = input.check(&kinds()).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(c.valid_until.to_string(), "2028-11-19");
    let given = CertificateInput { valid_until: "2028-12-31".into(), ..input.clone() };
    assert_eq!(given.check(&kinds()).map(|c| c.valid_until.to_string()), Ok("2028-12-31".into()));
    assert_eq!(
        expiry_after(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default(), 1).to_string(),
        "2025-02-27"
    );
}

#[test]
fn every_problem_is_named_by_its_field() {
    let bad = CertificateInput {
        credit_code: "91620100MA74ABCD1".into(),
        kind: "unicorn".into(),
        number: " ".into(),
        issued_on: "2025-13-01".into(),
        valid_until: String::new(),
    };
    let fields: Vec<&str> =
        bad.check(&kinds()).err().unwrap_or_default().iter().map(|e| e.field).collect();
    assert_eq!(fields, ["credit_code", "kind", "number", "issued_on"]);
    let backwards = CertificateInput {
        credit_code: valid_code(),
        kind: "gazelle".into(),
        number: "DL-2025-07".into(),
        issued_on: "2025-06-01".into(),
        valid_until: "2025-05-31".into(),
    };
    let e = backwards.check(&kinds()).err().unwrap_or_default();
    assert_eq!((e.len(), e[0].field, e[0].key), (1, "valid_until", "subj.cert.err.before_issue"));
    // A kind without a validity needs its expiry.
    let open = CertificateInput { valid_until: String::new(), ..backwards };
    assert_eq!(
        open.check(&kinds()).err().unwrap_or_default()[0].key,
        "subj.cert.err.expiry_needed"
    );
}

#[test]
fn a_file_is_read_whole_or_refused_with_every_row_and_column_named() {
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let code = valid_code();
    let rows = vec![
        row(&["统一社会信用代码", "资质类别", "证书编号", "发证日期", "有效期至"]),
        row(&[&code, "高新技术企业", "GR1", "2025-11-20", ""]),
        row(&["", "", "", "", ""]),
        row(&[&code, "tech_sme", "2025620100A0001", "2025-03-01", "2025-12-31"]),
    ];
    let read = read_rows(&rows, "证书", &kinds()).unwrap_or_default();
    assert_eq!(read.len(), 2);
    assert_eq!((read[0].kind.as_str(), read[1].kind.as_str()), ("high_tech", "tech_sme"));
    let mut bad = rows.clone();
    bad[3][3] = "去年".into();
    bad[1][1] = "独角兽".into();
    let errors = read_rows(&bad, "证书", &kinds()).err().unwrap_or_default();
    let places: Vec<(usize, &str)> =
        errors.iter().map(|e| (e.place.line, e.place.column.as_str())).collect();
    assert_eq!(places, [(2, "资质类别"), (4, "发证日期")]);
    let headless = vec![row(&["代码", "类别"])];
    let errors = read_rows(&headless, "", &kinds()).err().unwrap_or_default();
    assert_eq!(errors.len(), 4, "every missing column named");
}

#[test]
fn a_kind_staff_define_needs_a_free_code_names_and_a_validity() {
    let ok = KindInput {
        code: "unicorn".into(),
        name_zh: "独角兽企业".into(),
        name_en: "Unicorn".into(),
        validity_years: "2".into(),
    };
    assert_eq!(ok.check(&kinds()).map(|k| k.validity_years), Ok(2));
    let taken = KindInput { code: "high_tech".into(), ..ok.clone() };
    assert_eq!(taken.check(&kinds()).err().unwrap_or_default()[0].key, "subj.kind.err.taken");
    let bad = KindInput {
        code: "独角兽".into(),
        name_zh: " ".into(),
        name_en: "x".repeat(51),
        validity_years: "11".into(),
    };
    let fields: Vec<&str> =
        bad.check(&kinds()).err().unwrap_or_default().iter().map(|e| e.field).collect();
    assert_eq!(fields, ["code", "name_zh", "name_en", "validity_years"]);
}
