//! Data for bench/finance.sh: every enterprise of a large demo given approved 107-2 returns for
//! two years (R&D expenditure, revenue, staff), written in bulk (the benchmark measures the run
//! of a policy over them, not their entry).
use super::Lcg;
use innocity_store::Db;
use innocity_store::db::Result;

/// Returns per INSERT (each with one row per figure written after it).
const CHUNK: usize = 200;

/// Approved 107-2 returns of `years` for every enterprise; the number of returns written.
pub async fn seed_finance_bench(db: &Db, years: &[i32]) -> Result<usize> {
    let enterprises = db
        .read(
            "SELECT id, unit_path FROM organisations WHERE kind = 'enterprise' ORDER BY id",
            vec![],
            |r| Ok((r.int(0)?, r.text(1)?)),
        )
        .await?;
    let mut rng = Lcg(2025);
    let now = db.clock.now_ms();
    let mut written = 0;
    for &year in years {
        for chunk in enterprises.chunks(CHUNK) {
            let tx = db.begin_write().await?;
            let mut sql = String::from(
                "INSERT INTO stat_returns (form, period, organisation_id, unit_path, status, created_at, updated_at) VALUES ",
            );
            let mut values: Vec<sea_orm::Value> = Vec::new();
            for (i, (id, path)) in chunk.iter().enumerate() {
                sql.push_str(if i == 0 {
                    "(?, ?, ?, ?, 'approved', ?, ?)"
                } else {
                    ", (?, ?, ?, ?, 'approved', ?, ?)"
                });
                values.extend([
                    "107-2".into(),
                    year.to_string().into(),
                    (*id).into(),
                    path.clone().into(),
                    now.into(),
                    now.into(),
                ]);
            }
            tx.exec(&sql, values).await?;
            let ids = tx
                .query_all(
                    "SELECT id FROM stat_returns WHERE form = '107-2' AND period = ? AND organisation_id >= ? AND organisation_id <= ?",
                    vec![year.to_string().into(), chunk[0].0.into(), chunk[chunk.len() - 1].0.into()],
                )
                .await?;
            let mut sql = String::from(
                "INSERT INTO stat_values (return_id, element, disagg, row_no, num) VALUES ",
            );
            let mut values: Vec<sea_orm::Value> = Vec::new();
            for (i, row) in ids.iter().enumerate() {
                let return_id: i64 = row.try_get_by_index(0)?;
                // 千元: revenue 5–500 million yuan, R&D 1–8 % of it, 20–2,000 people
                let revenue = (5_000 + rng.next() % 495_000) as f64;
                let rd = (revenue * (1 + rng.next() % 8) as f64 / 100.0).round();
                let employees = (20 + rng.next() % 1_980) as f64;
                let rd_staff = (employees * (5 + rng.next() % 20) as f64 / 100.0).round();
                for (j, (element, num)) in [
                    ("REVENUE", revenue),
                    ("RD_EXP", rd),
                    ("EMPLOYEES", employees),
                    ("RD_STAFF", rd_staff),
                ]
                .into_iter()
                .enumerate()
                {
                    sql.push_str(if i == 0 && j == 0 {
                        "(?, ?, '', 0, ?)"
                    } else {
                        ", (?, ?, '', 0, ?)"
                    });
                    values.extend([return_id.into(), element.into(), num.into()]);
                }
            }
            tx.exec(&sql, values).await?;
            tx.commit().await?;
            written += ids.len();
        }
    }
    Ok(written)
}
