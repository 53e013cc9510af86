//! Backups: a round trip with statistics, and whole backups with files, refused damage and
//! restores across backends.
use crate::common::*;
use innocity_core::access::Scope;
use innocity_demo as demo;
use innocity_store::orgs::{self, OrgQuery};
use innocity_store::{Db, audit, backup, migrate, projects, stats, testing, users};
use serde_json::{Value, json};

/// A new empty folder for stored files, removed at the end of the test.
pub fn files_dir() -> testing::TempDir {
    let dir = std::env::temp_dir().join(format!(
        "innocity_files_{}",
        innocity_store::users::random_token().get(..12).unwrap_or("x")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    testing::TempDir(dir)
}

/// The call a guideline file belongs to, and the file.
struct CallFile {
    call_id: i64,
    file_id: i64,
    bytes: Vec<u8>,
}

/// A programme and a call written directly, with one guideline file uploaded into `files`.
async fn call_with_file(db: &Db, files: &std::path::Path) -> CallFile {
    let tx = db.begin_write().await.unwrap();
    tx.exec(
        "INSERT INTO programmes (code, name, created_at) VALUES ('P1', '重点研发计划', 0)",
        vec![],
    )
    .await
    .unwrap();
    tx.exec(
        "INSERT INTO calls (programme_id, code, title, year, guidelines, topics, eligibility, budget_rules, applicant_deadline, organisation_deadline, zone_deadline, opens_on, status, created_by, created_at) \
         SELECT id, 'C1', '2026 年申报通知', 2026, '', '[]', '{}', ?, '2026-06-01', '2026-06-10', '2026-06-20', '2026-05-01', 'open', 't', 0 FROM programmes WHERE code = 'P1'",
        vec![json!({ "max_request": 1_000_000, "co_funding": 0.0, "indirect_share": 0.2 }).to_string().into()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let call_id: i64 = db
        .query_one("SELECT id FROM calls WHERE code = 'C1'", vec![])
        .await
        .unwrap()
        .unwrap()
        .try_get("", "id")
        .unwrap();
    let bytes = b"%PDF-1.4\n% guidelines\n".to_vec();
    let actor = orgs::Actor { user_id: 1, username: "t", request_id: "r" };
    let file_id =
        projects::add_call_file(db, files, call_id, "申报指南.pdf", &bytes, actor).await.unwrap();
    CallFile { call_id, file_id, bytes }
}

/// The backup with one row of `table` (0-based among its rows) changed, and that row's line
/// number in the file (1-based).
fn edit_row(
    backup: &[u8],
    table: &str,
    index: usize,
    edit: impl Fn(&mut Vec<Value>),
) -> (Vec<u8>, usize) {
    let text = String::from_utf8(backup.to_vec()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let start = lines
        .iter()
        .position(|l| {
            l.starts_with("{\"columns\"") && l.contains(&format!("\"table\":\"{table}\""))
        })
        .unwrap();
    let at = start + 1 + index;
    let mut row: Vec<Value> = serde_json::from_str(&lines[at]).unwrap();
    edit(&mut row);
    lines[at] = Value::Array(row).to_string();
    ((lines.join("\n") + "\n").into_bytes(), at + 1)
}

/// A backup of `db` with its files in `files` (refused when one is missing).
async fn backup_of(db: &Db, files: &std::path::Path) -> Vec<u8> {
    let mut buf = Vec::new();
    backup::backup(db, backup::Files { dir: files, allow_missing: false }, &mut buf).await.unwrap();
    buf
}

async fn f_sha(db: &Db, call_id: i64) -> String {
    projects::call_files(db, call_id).await.unwrap()[0].sha256.clone()
}

async fn is_empty(db: &Db) -> bool {
    orgs::units(db).await.unwrap().is_empty()
}

#[tokio::test]
async fn uploaded_files_come_back_with_a_restore() {
    let t = testing::fresh().await.unwrap();
    let files = files_dir();
    let f = call_with_file(&t.db, &files.0).await;
    let mut buf = Vec::new();
    let s = backup::backup(&t.db, backup::Files { dir: &files.0, allow_missing: false }, &mut buf)
        .await
        .unwrap();
    assert_eq!((s.files, s.missing.len()), (1, 0));
    // Restored elsewhere, with an empty files folder: the file is there, checked by its digest.
    let target = testing::fresh().await.unwrap();
    let files_b = files_dir();
    let r = backup::restore(&target.db, &files_b.0, &mut buf.as_slice()).await.unwrap();
    assert_eq!((r.files, r.missing.len()), (1, 0));
    let (_, got) = projects::call_file(&target.db, &files_b.0, f.call_id, f.file_id).await.unwrap();
    assert_eq!(got, f.bytes);

    // A file whose content no longer matches its digest is refused, naming its line.
    let text = String::from_utf8(buf.clone()).unwrap();
    let line = text.lines().position(|l| l.contains("\"file\"")).unwrap() + 1;
    let damaged = text.replace("JVBERi0xLjQK", "JVBERi0xLjUK");
    let target = testing::fresh().await.unwrap();
    let err = backup::restore(&target.db, &files_dir().0, &mut damaged.as_bytes())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("备份第 {line} 行")) && err.contains("digest"), "{err}");
    assert!(is_empty(&target.db).await);
    // A backup cut short (no end record) is refused.
    let cut: String =
        text.lines().take_while(|l| !l.starts_with("{\"end\"")).map(|l| format!("{l}\n")).collect();
    let target = testing::fresh().await.unwrap();
    let err = backup::restore(&target.db, &files_dir().0, &mut cut.as_bytes())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("cut short"), "{err}");
    assert!(is_empty(&target.db).await);

    // A stored file damaged on disk is named at backup time.
    let sha = f_sha(&t.db, f.call_id).await;
    let stored = files.0.join(&sha[..2]).join(&sha);
    std::fs::write(&stored, b"%PDF-1.4\n% changed\n").unwrap();
    let err = backup::backup(
        &t.db,
        backup::Files { dir: &files.0, allow_missing: false },
        &mut Vec::new(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("damaged") && err.contains(&format!("call_files {}", f.file_id)), "{err}");
    // A file missing on disk is named at backup time, and no backup is written.
    std::fs::remove_file(&stored).unwrap();
    let mut out = Vec::new();
    let err =
        backup::backup(&t.db, backup::Files { dir: &files.0, allow_missing: false }, &mut out)
            .await
            .unwrap_err()
            .to_string();
    assert!(err.contains(&format!("call_files {}: {sha}", f.file_id)), "{err}");
    assert!(out.is_empty());
    // Allowed, the backup names it, and so does the restore.
    let s = backup::backup(&t.db, backup::Files { dir: &files.0, allow_missing: true }, &mut out)
        .await
        .unwrap();
    let named = vec![backup::FileRef { table: "call_files".into(), id: f.file_id, sha256: sha }];
    assert_eq!((s.files, &s.missing), (0, &named));
    let target = testing::fresh().await.unwrap();
    let r = backup::restore(&target.db, &files_dir().0, &mut out.as_slice()).await.unwrap();
    assert_eq!(r.missing, named);
}

/// SQLite → PostgreSQL → SQLite, files and all (when INNOCITY_TEST_DATABASE_URL names PostgreSQL).
#[tokio::test]
async fn a_backup_moves_between_sqlite_and_postgresql() {
    let pg = testing::fresh().await.unwrap();
    if !pg.db.is_postgres() {
        return;
    }
    let dir = files_dir();
    let sqlite = |name: &str| format!("sqlite://{}/{name}", dir.0.display());
    let lite = Db::connect(&sqlite("a.db")).await.unwrap();
    migrate::run(&lite).await.unwrap();
    demo::seed(&lite, 30, None).await.unwrap();
    let f = call_with_file(&lite, &dir.0.join("files_a")).await;
    let buf = backup_of(&lite, &dir.0.join("files_a")).await;
    let r = backup::restore(&pg.db, &dir.0.join("files_pg"), &mut buf.as_slice()).await.unwrap();
    assert_eq!(r.files, 1);
    assert_eq!(
        projects::call_file(&pg.db, &dir.0.join("files_pg"), f.call_id, f.file_id).await.unwrap().1,
        f.bytes
    );
    assert!(audit::verify(&pg.db).await.unwrap().is_ok());
    // And back.
    let back = backup_of(&pg.db, &dir.0.join("files_pg")).await;
    let lite2 = Db::connect(&sqlite("b.db")).await.unwrap();
    migrate::run(&lite2).await.unwrap();
    let r2 = backup::restore(&lite2, &dir.0.join("files_b"), &mut back.as_slice()).await.unwrap();
    assert_eq!((r2.tables, r2.files), (r.tables, 1));
    assert_eq!(
        projects::call_file(&lite2, &dir.0.join("files_b"), f.call_id, f.file_id).await.unwrap().1,
        f.bytes
    );
    assert!(audit::verify(&lite2).await.unwrap().is_ok());
}

#[tokio::test]
async fn restore_refuses_a_broken_audit_chain_and_writes_nothing() {
    let t = demo_db(30).await;
    let files = files_dir();
    let buf = backup_of(&t.db, &files.0).await;
    let (edited, _) = edit_row(&buf, "audit_log", 4, |r| r[2] = json!("mallory"));
    let target = testing::fresh().await.unwrap();
    let err = backup::restore(&target.db, &files.0, &mut edited.as_slice())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("audit") && err.contains("entry 5"), "{err}");
    assert!(is_empty(&target.db).await, "nothing restored");
}

#[tokio::test]
async fn restore_names_the_backup_line_table_and_column_it_cannot_take() {
    let t = demo_db(30).await;
    let files = files_dir();
    let buf = backup_of(&t.db, &files.0).await;
    // A NUL in an address: SQLite keeps it, PostgreSQL cannot, and the message is ours.
    let (nul, line) = edit_row(&buf, "organisations", 3, |r| r[6] = json!("兰州市\u{0}城关区"));
    let target = testing::fresh().await.unwrap();
    let restored = backup::restore(&target.db, &files.0, &mut nul.as_slice()).await;
    if target.db.is_postgres() {
        let err = restored.unwrap_err().to_string();
        assert!(
            err.contains(&format!("备份第 {line} 行（表 organisations，列 address）"))
                && err.contains("NUL"),
            "{err}"
        );
        assert!(is_empty(&target.db).await, "nothing half-written");
    } else {
        restored.unwrap();
        let n = target
            .db
            .query_all(
                "SELECT id FROM organisations WHERE address = ?",
                vec!["兰州市\u{0}城关区".into()],
            )
            .await
            .unwrap();
        assert_eq!(n.len(), 1, "SQLite keeps the NUL");
    }
    // A value of the wrong type names its column.
    let (wrong, line) = edit_row(&buf, "organisations", 5, |r| r[6] = json!(12));
    let target = testing::fresh().await.unwrap();
    let err =
        backup::restore(&target.db, &files.0, &mut wrong.as_slice()).await.unwrap_err().to_string();
    assert!(err.contains(&format!("备份第 {line} 行（表 organisations，列 address）")), "{err}");
    assert!(is_empty(&target.db).await);
    // A row the database refuses (a second organisation with the same id) names its line.
    let (dup, line) = edit_row(&buf, "organisations", 7, |r| r[0] = json!(1));
    let target = testing::fresh().await.unwrap();
    let err =
        backup::restore(&target.db, &files.0, &mut dup.as_slice()).await.unwrap_err().to_string();
    assert!(err.contains(&format!("备份第 {line} 行（表 organisations）")), "{err}");
    assert!(is_empty(&target.db).await);
}

#[tokio::test]
async fn backup_restore_round_trip() {
    let t = demo_db(50).await;
    demo::seed_stats(&t.db, None).await.unwrap();
    demo::approve_demo_periods(&t.db).await.unwrap();
    let files = std::env::temp_dir().join("innocity_no_files");
    let mut buf = Vec::new();
    let counts =
        backup::backup(&t.db, backup::Files { dir: &files, allow_missing: false }, &mut buf)
            .await
            .unwrap()
            .tables;
    assert!(counts.iter().any(|(t, n)| t == "organisations" && *n == 50));
    assert!(counts.iter().any(|(t, n)| t == "stat_values" && *n > 1000));
    let target = testing::fresh().await.unwrap();
    let restored = backup::restore(&target.db, &files, &mut buf.as_slice()).await.unwrap().tables;
    assert_eq!(counts, restored);
    // Same data, chain intact, and the accounts work.
    assert!(audit::verify(&target.db).await.unwrap().is_ok());
    let a = orgs::list(&t.db, &Scope::All, &OrgQuery { per_page: 200, ..Default::default() })
        .await
        .unwrap();
    let b = orgs::list(&target.db, &Scope::All, &OrgQuery { per_page: 200, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(a.items, b.items);
    // Statistics come back whole: the same totals up the hierarchy.
    let states = [innocity_core::stats::status::Status::Locked];
    let (ta, tb) = (
        stats::totals(&t.db, "107-2", "2024", &states).await.unwrap(),
        stats::totals(&target.db, "107-2", "2024", &states).await.unwrap(),
    );
    assert_eq!(
        (ta.returns, ta.series.len(), ta.rollup.len()),
        (tb.returns, tb.series.len(), tb.rollup.len())
    );
    let i = ta.find("RD_EXP", "").unwrap();
    let j = tb.find("RD_EXP", "").unwrap();
    let root =
        orgs::units(&t.db).await.unwrap().into_iter().find(|u| u.parent_id.is_none()).unwrap();
    assert_eq!(ta.rollup.get(root.id, &i), tb.rollup.get(root.id, &j));
    assert!(matches!(
        sign_in(&target.db, "admin", demo::DEMO_PASSWORD).await,
        users::LoginOutcome::Ok { .. }
    ));
    // New rows get new ids after a restore (sequences moved on).
    let created = users::add(
        &target.db,
        &users::NewUser {
            username: "new",
            display_name: "新用户",
            password: "abcdefgh12",
            role: innocity_core::access::Role::Expert,
            org_unit_id: None,
            organisation_id: None,
        },
        "t",
        "r",
    )
    .await
    .unwrap();
    assert!(created.id > 10);
    // A second restore into a non-empty database is refused and changes nothing.
    assert!(backup::restore(&target.db, &files, &mut buf.as_slice()).await.is_err());
    // A damaged file is refused with its line number and nothing is half-written.
    let fresh = testing::fresh().await.unwrap();
    let mut damaged = buf.clone();
    damaged.extend_from_slice(b"{not json\n");
    let err =
        backup::restore(&fresh.db, &files, &mut damaged.as_slice()).await.unwrap_err().to_string();
    assert!(err.contains("line"), "{err}");
    assert_eq!(orgs::units(&fresh.db).await.unwrap().len(), 0);
}

/// Every table the migrations make is in a backup, or is named as left out with the reason: a
/// new table cannot be forgotten by the backup unnoticed.
#[tokio::test]
async fn every_table_is_backed_up_or_named_as_left_out() {
    let t = testing::fresh().await.unwrap();
    let sql = if t.db.is_postgres() {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
    };
    let tables: Vec<String> = t.db.read(sql, vec![], |r| r.text(0)).await.unwrap();
    let kept = backup::backed_up();
    let left: Vec<&str> = backup::NOT_BACKED_UP.iter().map(|(t, _)| *t).collect();
    let forgotten: Vec<&String> = tables
        .iter()
        .filter(|t| t.as_str() != "schema_migrations")
        .filter(|t| !kept.contains(&t.as_str()) && !left.contains(&t.as_str()))
        .collect();
    assert!(forgotten.is_empty(), "tables neither backed up nor left out: {forgotten:?}");
    assert!(kept.iter().all(|k| tables.iter().any(|t| t == k)), "{kept:?}");
}

/// The technology market comes back whole: achievements and their change log (so a restored
/// server's index follows on), contracts, demands, brokerage and challenges.
#[tokio::test]
async fn the_market_comes_back_whole_with_a_restore() {
    use innocity_store::market;
    let t = experts_db(30).await;
    demo::market::seed_market(&t.db, demo::experts::CSL).await.unwrap();
    let files = std::env::temp_dir().join("innocity_no_files");
    let mut buf = Vec::new();
    let counts =
        backup::backup(&t.db, backup::Files { dir: &files, allow_missing: false }, &mut buf)
            .await
            .unwrap()
            .tables;
    for table in ["market_achievements", "market_changes", "market_demands", "market_challenges"] {
        assert!(counts.iter().any(|(t, n)| t == table && *n > 0), "{table}: {counts:?}");
    }
    let target = testing::fresh().await.unwrap();
    let restored = backup::restore(&target.db, &files, &mut buf.as_slice()).await.unwrap().tables;
    assert_eq!(counts, restored);
    assert_eq!(market::listed(&t.db).await.unwrap(), market::listed(&target.db).await.unwrap());
    assert_eq!(
        market::last_change(&t.db).await.unwrap(),
        market::last_change(&target.db).await.unwrap()
    );
    let (a, b) = (
        market::challenges::list(&t.db, None).await.unwrap(),
        market::challenges::list(&target.db, None).await.unwrap(),
    );
    assert_eq!(a, b);
    // The restored log goes on from where it was.
    let before = market::last_change(&target.db).await.unwrap();
    let file = "id\ttitle\tabstract\tkeywords\nnew-1\t一种新型储能材料\t摘要\t储能\n";
    let owner = a[0].organisation_id;
    let rows = innocity_core::market::import::parse_tsv(file.as_bytes()).unwrap();
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "t", request_id: "r" };
    market::import(&target.db, owner, &rows, actor).await.unwrap();
    assert_eq!(market::last_change(&target.db).await.unwrap(), before + 1);
}
