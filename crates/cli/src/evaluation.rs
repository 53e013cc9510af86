//! `innocity bench-evaluation`: an evaluation campaign over generated units — quantitative
//! items and qualitative ones scored by several evaluators each, combined by the trimmed mean,
//! the composite with its sensitivity analysis and ranks — then its bulletin as a PDF. The
//! timings the benchmark (`bench/evaluation.sh`) reports.
use innocity_core::evaluation::Framework;
use innocity_core::evaluation::results::{EvaluatorScore, ItemValue, aggregate_scores, evaluate};
use innocity_core::experts::scoring::Method;
use innocity_store::orgs::OrgUnit;
use std::fmt::Write;

const DIMENSIONS: [&str; 4] = ["MANAGEMENT", "ENVIRONMENT", "CAPACITY", "RESULTS"];

/// A framework of four equal dimensions, each with its share of the items, qualitative ones
/// (on a 0–10 scale) spread over them the same way.
fn framework(quantitative: usize, qualitative: usize) -> String {
    let mut t = String::from("code = \"BENCH\"\nname_zh = \"基准评价\"\nname_en = \"Bench\"\n");
    for d in DIMENSIONS {
        let _ = write!(
            t,
            "\n[[dimension]]\ncode = \"{d}\"\nname_zh = \"{d}\"\nname_en = \"{d}\"\nweight = 25\n"
        );
    }
    let items: Vec<(String, bool)> = (0..quantitative)
        .map(|i| (format!("Q{i:03}"), false))
        .chain((0..qualitative).map(|i| (format!("S{i:03}"), true)))
        .collect();
    for (n, (code, qualitative)) in items.iter().enumerate() {
        let d = DIMENSIONS[n % 4];
        let of = items.iter().enumerate().filter(|(m, _)| m % 4 == n % 4).count();
        let weight = 100.0 / of as f64;
        let kind = if *qualitative {
            "kind = \"qualitative\"\nmax_score = 10".to_string()
        } else {
            format!("kind = \"quantitative\"\nsource = \"indicator:{code}\"")
        };
        let _ = write!(
            t,
            "\n[[item]]\ncode = \"{code}\"\ndimension = \"{d}\"\n{kind}\nname_zh = \"{code}\"\nname_en = \"{code}\"\nweight = {weight}\n"
        );
    }
    t
}

struct Lcg(u64);
impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What the benchmark measured.
pub(crate) struct Measured {
    pub campaign_s: f64,
    pub report_s: f64,
}

pub(crate) struct Size {
    pub units: usize,
    pub quantitative: usize,
    pub qualitative: usize,
    pub evaluators: usize,
    pub runs: usize,
}

pub(crate) fn bench(size: &Size, pdf: &std::path::Path) -> Result<Measured, String> {
    let f = Framework::from_toml(&framework(size.quantitative, size.qualitative))
        .map_err(|p| format!("{p:?}"))?;
    let ids: Vec<i64> = (1..=size.units as i64).collect();
    let mut r = Lcg(2026);
    let mut values = Vec::new();
    let mut scores = Vec::new();
    for &u in &ids {
        let strength = r.unit();
        for i in &f.items {
            match i.max_score {
                None => values.push(ItemValue {
                    unit: u,
                    item: i.code.clone(),
                    value: 100.0 * (0.5 * strength + 0.5 * r.unit()),
                }),
                Some(max) => scores.extend((0..size.evaluators).map(|e| EvaluatorScore {
                    unit: u,
                    item: i.code.clone(),
                    evaluator: format!("E{e}"),
                    score: (max * (0.3 + 0.4 * strength + 0.3 * r.unit()) * 10.0).round() / 10.0,
                })),
            }
        }
    }
    let start = std::time::Instant::now();
    values.extend(aggregate_scores(&scores, Method::Trimmed));
    let results = evaluate(&f, &ids, &values, size.runs).map_err(|e| e.to_string())?;
    let campaign_s = start.elapsed().as_secs_f64();

    let start = std::time::Instant::now();
    let lang = innocity_web::i18n::Lang::Zh;
    let units: Vec<OrgUnit> = ids
        .iter()
        .map(|&id| OrgUnit {
            id,
            parent_id: None,
            code: format!("B{id:05}"),
            name_zh: format!("评价单位{id:05}"),
            name_en: format!("Unit {id:05}"),
            level: "county".into(),
            path: format!("/{id}/"),
            county_id: None,
        })
        .collect();
    let rows: Vec<_> = results.units.iter().map(innocity_store::evaluation::result_row).collect();
    let lines: Vec<_> = rows
        .iter()
        .map(|row| innocity_web::evaluation::result_line(lang, &f, &units, row))
        .collect();
    let today = innocity_store::clock::Clock::default().today();
    let bulletin = innocity_web::evaluation::bulletin::Bulletin {
        title: "基准评价",
        published: true,
        today,
        level: "county",
        method: "trimmed",
        framework: &f,
        lines: &lines,
        objections: 0,
        answered: 0,
    };
    let (blocks, footer) = innocity_web::evaluation::bulletin::compose(lang, &bulletin);
    let bytes = innocity_reports::render_pdf(&innocity_reports::Report { blocks, footer })
        .map_err(|e| e.to_string())?;
    std::fs::write(pdf, &bytes).map_err(|e| format!("{}: {e}", pdf.display()))?;
    let report_s = start.elapsed().as_secs_f64();
    Ok(Measured { campaign_s, report_s })
}
