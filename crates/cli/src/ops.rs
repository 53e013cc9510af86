//! Operations: backups, restores, and the audit log's chain and checkpoints.
use crate::connect;
use crate::settings::Settings;
use innocity_store::{Db, anchor, audit, backup};

/// `innocity backup`: a checkpoint of the audit chain, then the backup.
pub(crate) async fn backup_command(
    url: &str,
    s: &Settings,
    output: &std::path::Path,
    allow_missing_files: bool,
) -> Result<(), String> {
    let db = connect(url).await?;
    checkpoint(&db, s).await?;
    let files = backup::Files {
        dir: std::path::Path::new(&s.files_dir),
        allow_missing: allow_missing_files,
    };
    let summary = backup::write_file(&db, files, output).await.map_err(|e| e.to_string())?;
    print_summary(&summary, &s.files_dir);
    println!("backup written to {}", output.display());
    Ok(())
}

/// `innocity restore`: a backup, database and files, into an empty database.
pub(crate) async fn restore_command(
    url: &str,
    s: &Settings,
    input: &std::path::Path,
) -> Result<(), String> {
    let db = connect(url).await?;
    let file = std::fs::File::open(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let files = std::path::Path::new(&s.files_dir);
    let summary = backup::restore(&db, files, &mut std::io::BufReader::new(file))
        .await
        .map_err(|e| e.to_string())?;
    print_summary(&summary, &s.files_dir);
    println!("restored from {}", input.display());
    Ok(())
}

/// `innocity audit verify`: the hash chain, then every checkpoint against it.
pub(crate) async fn audit_verify(url: &str, s: &Settings) -> Result<(), String> {
    let db = connect(url).await?;
    let start = std::time::Instant::now();
    let n = audit::verify(&db)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|b| format!("audit log broken: {b}"))?;
    println!("audit log intact: {n} entries verified in {:.2} s", start.elapsed().as_secs_f64());
    let cfg = s.anchor();
    match anchor::check(&db, &cfg).await.map_err(|e| e.to_string())? {
        Ok(k) => {
            println!("{k} checkpoints match the chain ({})", cfg.checkpoints.display());
            Ok(())
        }
        Err(b) => Err(format!(
            "audit log rewritten: the hash chain verifies, but {b} ({})",
            cfg.checkpoints.display()
        )),
    }
}

/// Appends a checkpoint of the audit chain's head, and says so.
pub(crate) async fn checkpoint(db: &Db, s: &Settings) -> Result<(), String> {
    let cfg = s.anchor();
    match anchor::checkpoint(db, &cfg).await.map_err(|e| format!("audit checkpoint: {e}"))? {
        anchor::Anchored::Written(c) => println!(
            "audit checkpoint: entry {} ({}) anchored in {}",
            c.seq,
            c.at,
            cfg.checkpoints.display()
        ),
        anchor::Anchored::Unchanged { seq } => println!(
            "audit checkpoint: entry {seq} is already anchored in {}",
            cfg.checkpoints.display()
        ),
        anchor::Anchored::Empty => {
            println!("audit checkpoint: the audit log is empty, nothing to anchor")
        }
    }
    Ok(())
}

/// Rows per table, stored files, and every file that was missing (on stderr).
fn print_summary(summary: &backup::Summary, files_dir: &str) {
    for (t, n) in &summary.tables {
        println!("{t}: {n}");
    }
    println!("files: {} ({files_dir})", summary.files);
    for m in &summary.missing {
        eprintln!(
            "警告 / warning: {} {} points at file {}, which was missing when the backup was taken",
            m.table, m.id, m.sha256
        );
    }
}
