use super::exchange::*;
use crate::projects::money::Money;
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn hmac_matches_rfc_4231() {
    // test case 2: key "Jefe"
    assert_eq!(
        hmac_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // test case 6: a key longer than the block is hashed first
    assert_eq!(
        hmac_hex(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

fn statement() -> Statement {
    Statement {
        format: FORMAT.into(),
        kind: Kind::Statement,
        from: "DX2026".into(),
        to: "LZ2026".into(),
        month: "2026-11".into(),
        lines: vec![line(1, "LZ2026-000001", 1_000_000, 500_000)],
        total_fen: 500_000,
        signature: String::new(),
    }
}

fn line(n: u32, number: &str, total: i64, amount: i64) -> StatementLine {
    StatementLine {
        line: n,
        number: number.into(),
        request_key: format!("key-{n}"),
        provider: "定西市检验检测中心".into(),
        provider_code: "91621100MA00000000".into(),
        service: "testing".into(),
        used_on: day("2026-11-20"),
        order_total_fen: total,
        amount_fen: amount,
    }
}

const KEY: &str = "agreed-between-bureaus-2026";

#[test]
fn a_signed_file_reads_back_and_any_change_is_refused() {
    let mut s = statement();
    sign(&mut s, KEY);
    let bytes = serde_json::to_vec_pretty(&s).unwrap();
    assert_eq!(read::<Statement>(&bytes, Kind::Statement, KEY).unwrap(), s);
    // another key: not from this partner
    assert_eq!(
        read::<Statement>(&bytes, Kind::Statement, "another-key-of-16-chars").unwrap_err(),
        FileError::Signature
    );
    // one fen more on a line
    let mut changed = s.clone();
    changed.lines[0].amount_fen += 1;
    let bytes = serde_json::to_vec(&changed).unwrap();
    assert_eq!(read::<Statement>(&bytes, Kind::Statement, KEY).unwrap_err(), FileError::Signature);
    // a statement offered as a reply
    let bytes = serde_json::to_vec(&s).unwrap();
    assert_eq!(
        read::<Reply>(&bytes, Kind::Reply, KEY).unwrap_err(),
        FileError::Format { found: "statement".into() }
    );
}

#[test]
fn broken_json_names_the_line_and_column() {
    let err = read::<Roster>(
        b"{\n  \"format\": \"innocity-voucher-exchange/1\",\n  oops",
        Kind::Roster,
        KEY,
    )
    .unwrap_err();
    assert!(matches!(err, FileError::Syntax { line: 3, .. }), "{err:?}");
    let err = read::<Roster>(b"{\"format\": \"other/2\", \"kind\": \"roster\"}", Kind::Roster, KEY)
        .unwrap_err();
    assert_eq!(err, FileError::Format { found: "roster".into() });
}

fn facts() -> VoucherFacts {
    VoucherFacts {
        active: true,
        expires_on: day("2026-12-31"),
        balance: Money(2_000_000),
        copay_percent: 50,
        services: vec!["testing".into(), "instrument".into()],
    }
}

#[test]
fn each_line_is_checked_by_the_voucher_s_own_rules_boundaries_first() {
    let ok = line(1, "LZ2026-000001", 1_000_000, 500_000);
    assert_eq!(check_line(&ok, Some(&facts()), false), Ok(()));
    assert_eq!(check_line(&ok, None, false), Err(Mismatch::UnknownVoucher));
    assert_eq!(check_line(&ok, Some(&facts()), true), Err(Mismatch::Repeated));
    let spent = VoucherFacts { active: false, ..facts() };
    assert_eq!(check_line(&ok, Some(&spent), false), Err(Mismatch::NotActive));
    // used on the last valid day: fine; the day after: expired
    let last = VoucherFacts { expires_on: day("2026-11-20"), ..facts() };
    assert_eq!(check_line(&ok, Some(&last), false), Ok(()));
    let before = VoucherFacts { expires_on: day("2026-11-19"), ..facts() };
    assert_eq!(check_line(&ok, Some(&before), false), Err(Mismatch::Expired));
    let other = StatementLine { service: "rd_design".into(), ..ok.clone() };
    assert_eq!(check_line(&other, Some(&facts()), false), Err(Mismatch::Service));
    // co-payment 50%: exactly half is fine, a fen more is not
    let over = line(1, "LZ2026-000001", 1_000_000, 500_001);
    assert_eq!(check_line(&over, Some(&facts()), false), Err(Mismatch::Copay));
    for (total, amount) in [(100, 0), (100, -1), (100, 101)] {
        let bad = line(1, "LZ2026-000001", total, amount);
        assert_eq!(check_line(&bad, Some(&facts()), false), Err(Mismatch::Amount));
    }
    // balance: exactly the balance is fine, a fen more is not
    let exact = VoucherFacts { balance: Money(500_000), ..facts() };
    assert_eq!(check_line(&ok, Some(&exact), false), Ok(()));
    let short = VoucherFacts { balance: Money(499_999), ..facts() };
    assert_eq!(check_line(&ok, Some(&short), false), Err(Mismatch::Balance));
    for m in Mismatch::ALL {
        assert_eq!(Mismatch::parse(m.code()), Some(m));
    }
}

#[test]
fn a_partner_needs_a_code_names_and_a_long_enough_key() {
    let form = PartnerForm {
        code: " DX2026 ".into(),
        name: "定西市创新券2026".into(),
        region: "定西市".into(),
        key: "agreed-between-bureaus".into(),
    };
    let p = form.parse().unwrap();
    assert_eq!((p.code.as_str(), p.region.as_str()), ("DX2026", "定西市"));
    let bad = PartnerForm { code: "定西".into(), key: "short".into(), ..Default::default() };
    let fields: Vec<_> = bad.parse().unwrap_err().iter().map(|e| e.field).collect();
    assert_eq!(fields, ["code", "name", "region", "key"]);
    let fifteen = PartnerForm { key: "x".repeat(KEY_MIN_CHARS - 1), ..form.clone() };
    assert_eq!(fifteen.parse().unwrap_err()[0].field, "key");
    let sixteen = PartnerForm { key: "x".repeat(KEY_MIN_CHARS), ..form };
    assert!(sixteen.parse().is_ok());
}

#[test]
fn codes_travel_only_as_macs_and_months_are_months() {
    let mac = code_mac(KEY, "LZ2026-000001", "123456");
    assert_eq!(mac, code_mac(KEY, "LZ2026-000001", " 123456 "));
    assert_ne!(mac, code_mac(KEY, "LZ2026-000002", "123456"));
    assert!(!mac.contains("123456"));
    assert_eq!(month("2026-11"), Some((day("2026-11-01"), day("2026-12-01"))));
    assert_eq!(month("2026-12"), Some((day("2026-12-01"), day("2027-01-01"))));
    for bad in ["2026-13", "2026-1", "202611", "", "2026-11-01"] {
        assert_eq!(month(bad), None, "{bad}");
    }
}
