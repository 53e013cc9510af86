//! Operating the platform from the command line: backup and restore while serving, the audit
//! log verified and checkpointed, accounts added, configuration in layers.
use crate::common::*;
use std::process::Command;

#[test]
fn backup_while_serving_then_restore_and_verify() {
    let (db, _guard) = fresh_db();
    seed(&db);
    let (_server, base) = serve(&db);
    // Writes go on while the backup runs.
    let writer = {
        let base = base.clone();
        std::thread::spawn(move || {
            for _ in 0..5 {
                let mut c = Client::new();
                let (_, page) = c.get(&format!("{base}/login"));
                c.post(
                    &format!("{base}/login"),
                    &[("_csrf", &csrf_of(&page)), ("username", "admin"), ("password", PASSWORD)],
                );
            }
        })
    };
    // A guideline file uploaded to a call: the backup must carry it.
    let pdf = "%PDF-1.4\n% 申报指南\n".as_bytes().to_vec();
    let sha = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = innocity_store::Db::connect(&db).await.unwrap();
        let call: i64 = d
            .query_one("SELECT MIN(id) AS id FROM calls", vec![])
            .await
            .unwrap()
            .unwrap()
            .try_get("", "id")
            .unwrap();
        let actor = innocity_store::orgs::Actor { user_id: 1, username: "t", request_id: "r" };
        innocity_store::projects::add_call_file(
            &d,
            &data_dir(&db).join("files"),
            call,
            "指南.pdf",
            &pdf,
            actor,
        )
        .await
        .unwrap();
        innocity_store::projects::call_files(&d, call).await.unwrap()[0].sha256.clone()
    });
    let dir = std::env::temp_dir().join(format!("innocity-backup-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("snapshot.jsonl");
    let out = innocity(&["backup", "--output", file.to_str().unwrap()], &db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    writer.join().unwrap();
    // Only its owner may read it (it holds password and token hashes); nothing else is left.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
    let (target, _g2) = fresh_db();
    let out = innocity(&["restore", "--input", file.to_str().unwrap()], &target);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // the demo's 300 organisations and the fund's three banks
    assert!(String::from_utf8_lossy(&out.stdout).contains("organisations: 305"));
    // The file is in the restored platform's own folder.
    let restored = data_dir(&target).join("files").join(&sha[..2]).join(&sha);
    assert_eq!(std::fs::read(&restored).unwrap(), pdf);
    let out = innocity(&["audit", "verify"], &target);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The restored platform serves the same data.
    let (_restored, base2) = serve(&target);
    let (_, home) = Client::new().get(&format!("{base2}/"));
    assert!(home.contains("org-count\">305<"));
    // Restoring over existing data is refused.
    let out = innocity(&["restore", "--input", file.to_str().unwrap()], &target);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(data_dir(&db)).ok();
    std::fs::remove_dir_all(data_dir(&target)).ok();
}

#[test]
fn audit_verify_names_an_edited_entry_and_user_add_works() {
    let (db, _guard) = fresh_db();
    seed_accounts(&db);
    let out = innocity(&["audit", "verify"], &db);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit log intact"));
    let out = Command::new(BIN)
        .args([
            "user",
            "add",
            "--username",
            "qx_admin",
            "--name",
            "七里河园区 管理员",
            "--role",
            "zone_admin",
            "--unit",
            "LZGX-QLH",
            "--database",
            &db,
        ])
        .env("INNOCITY_NEW_PASSWORD", "qilihe2026ok")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(BIN)
        .args([
            "user",
            "add",
            "--username",
            "x",
            "--name",
            "x",
            "--role",
            "zone_admin",
            "--database",
            &db,
        ])
        .env("INNOCITY_NEW_PASSWORD", "qilihe2026ok")
        .output()
        .unwrap();
    assert!(!out.status.success(), "a zone admin needs a unit");
    // Edit one entry behind the platform's back.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = innocity_store::Db::connect(&db).await.unwrap();
        let tx = d.begin_write().await.unwrap();
        tx.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 12", vec![]).await.unwrap();
        tx.commit().await.unwrap();
    });
    let out = innocity(&["audit", "verify"], &db);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("entry 12"), "{err}");
    std::fs::remove_dir_all(data_dir(&db)).ok();
}

#[test]
fn audit_checkpoints_reveal_a_recomputed_chain() {
    let (db, _guard) = fresh_db();
    seed_accounts(&db);
    let out = innocity(&["audit", "checkpoint"], &db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    use std::os::unix::fs::PermissionsExt;
    let key = data_dir(&db).join("audit.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600,
        "the key is private"
    );
    let out = innocity(&["audit", "verify"], &db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 checkpoint"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Entry 12 edited and the whole chain recomputed with plain SHA-256 behind the platform's back.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = innocity_store::Db::connect(&db).await.unwrap();
        innocity_store::testing::forge_audit_entry(&d, 12, "mallory").await.unwrap();
    });
    let out = innocity(&["audit", "verify"], &db);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("checkpoint 1") && err.contains("rewritten"), "{err}");
    std::fs::remove_dir_all(data_dir(&db)).ok();
}

#[test]
fn configuration_comes_from_defaults_then_innocity_toml_then_environment() {
    let dir = std::env::temp_dir().join(format!("innocity-config-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    // Defaults: ./data/innocity.db relative to the working directory.
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env_remove("INNOCITY_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("data/innocity.db").exists());
    // innocity.toml overrides the default.
    std::fs::write(dir.join("innocity.toml"), "database_url = \"sqlite://./from-toml.db\"\n")
        .unwrap();
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env_remove("INNOCITY_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.join("from-toml.db").exists());
    // The environment overrides the file.
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env("INNOCITY_DATABASE_URL", "sqlite://./from-env.db")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.join("from-env.db").exists());
    // A bad URL is a clear error, not a panic.
    let out = Command::new(BIN)
        .args(["migrate", "--database", "mysql://x"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
    std::fs::remove_dir_all(dir).ok();
}
