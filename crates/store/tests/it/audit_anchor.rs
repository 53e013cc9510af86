//! The audit log's HMAC checkpoints.
use crate::common::*;
use innocity_store::anchor::{self, Break};
use innocity_store::{audit, testing, users};

#[test]
fn hmac_sha256_matches_rfc_4231() {
    let hmac = |key: &[u8], msg: &[u8]| hex::encode(anchor::hmac_sha256(key, msg));
    // Test cases 1, 2 and 6 (a key longer than the block is hashed first).
    assert_eq!(
        hmac(&[0x0b; 20], b"Hi There"),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    assert_eq!(
        hmac(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
        hmac(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

#[tokio::test]
async fn a_recomputed_chain_fails_its_checkpoint_which_is_named() {
    let t = demo_db(30).await;
    let dir = std::env::temp_dir()
        .join(format!("innocity_anchor_{}", users::random_token().get(..12).unwrap_or("x")));
    let _dir = testing::TempDir(dir.clone());
    let cfg = anchor::Config {
        key: None,
        key_file: dir.join("audit.key"),
        checkpoints: dir.join("audit-checkpoints.log"),
    };
    let written = |a: anchor::Anchored| match a {
        anchor::Anchored::Written(c) => c,
        other => panic!("{other:?}"),
    };
    let first = written(anchor::checkpoint(&t.db, &cfg).await.unwrap());
    assert_eq!(
        anchor::checkpoint(&t.db, &cfg).await.unwrap(),
        anchor::Anchored::Unchanged { seq: first.seq },
        "nothing new, no new line"
    );
    use std::os::unix::fs::PermissionsExt;
    for f in [&cfg.key_file, &cfg.checkpoints] {
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            f.display()
        );
    }
    let new = users::NewUser {
        username: "later",
        display_name: "后来者",
        password: "abcdefgh12",
        role: innocity_core::access::Role::Expert,
        org_unit_id: None,
        organisation_id: None,
    };
    users::add(&t.db, &new, "t", "r").await.unwrap();
    let second = written(anchor::checkpoint(&t.db, &cfg).await.unwrap());
    assert!(second.seq > first.seq);
    assert_eq!(anchor::check(&t.db, &cfg).await.unwrap(), Ok(2));

    // Entry 5 edited and the whole chain recomputed with plain SHA-256, straight in the database.
    testing::forge_audit_entry(&t.db, 5, "mallory").await.unwrap();
    assert!(audit::verify(&t.db).await.unwrap().is_ok(), "the plain chain alone is fooled");
    let b = anchor::check(&t.db, &cfg).await.unwrap().unwrap_err();
    assert!(matches!(b, Break::Rewritten { line: 1, seq, .. } if seq == first.seq), "{b:?}");
    assert!(b.to_string().starts_with("checkpoint 1 "), "{b}");

    // Another key cannot vouch for these checkpoints (nor write ones that pass).
    let other = anchor::Config {
        key: Some("another key, at least thirty-two characters".into()),
        ..cfg.clone()
    };
    assert!(matches!(
        anchor::check(&t.db, &other).await.unwrap(),
        Err(Break::Forged { line: 1, .. })
    ));
    // An edited checkpoint line is named too.
    let text = std::fs::read_to_string(&cfg.checkpoints).unwrap();
    let (l1, rest) = text.split_once('\n').unwrap();
    let forged: Vec<&str> = l1.split('\t').collect();
    let line = format!("{}\t{}\t{}\t{}\n{rest}", forged[0], "0".repeat(64), forged[2], forged[3]);
    std::fs::write(&cfg.checkpoints, line).unwrap();
    assert!(matches!(
        anchor::check(&t.db, &cfg).await.unwrap(),
        Err(Break::Forged { line: 1, .. })
    ));
}
