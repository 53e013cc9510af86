//! `innocity indicators`: indicators computed from element values.

/// `innocity indicators compute`: every indicator for every unit and period, as long CSV.
pub(crate) fn indicators_compute(
    definitions: &std::path::Path,
    values: &std::path::Path,
    output: &std::path::Path,
) -> Result<(), String> {
    use innocity_core::indicators::compute;
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
    };
    let defs: compute::Definitions = toml::from_str(&read(definitions)?)
        .map_err(|e| format!("{}: {e}", definitions.display()))?;
    let v =
        compute::read_values(&read(values)?).map_err(|e| format!("{}: {e}", values.display()))?;
    let start = std::time::Instant::now();
    let c = compute::compute(&defs.indicators, &v).map_err(|es| {
        es.iter().map(|e| format!("{}: {e}", definitions.display())).collect::<Vec<_>>().join("\n")
    })?;
    let secs = start.elapsed().as_secs_f64();
    let mut out = String::from("unit,period,indicator,value\n");
    for (i, code) in c.codes.iter().enumerate() {
        for (u, unit) in v.units.iter().enumerate() {
            for (p, period) in v.periods.iter().enumerate() {
                if let Some(x) = c.values[i][u][p] {
                    out.push_str(&format!("{unit},{period},{code},{x}\n"));
                }
            }
        }
    }
    std::fs::write(output, out).map_err(|e| format!("{}: {e}", output.display()))?;
    println!(
        "computed {} indicators for {} units × {} periods in {secs:.3} s",
        c.codes.len(),
        v.units.len(),
        v.periods.len()
    );
    Ok(())
}

/// `innocity indicators half-year-report`: the bureau's refresh of a half's quarters (本年累计
/// from every organisation's quick reports and from the registers, summed up the hierarchy),
/// then the half-yearly monitoring and evaluation report of the whole as a PDF.
pub(crate) async fn half_year_report(
    db: &innocity_store::Db,
    framework: &str,
    period: &str,
    pdf: &std::path::Path,
) -> Result<(), String> {
    use innocity_core::indicators::targets::Framework;
    use innocity_core::periods::Period;
    use innocity_web::i18n::Lang;
    use innocity_web::indicators::periods;
    let f = Framework::built_in()
        .into_iter()
        .find(|f| f.code == framework)
        .ok_or_else(|| format!("no built-in framework {framework}"))?;
    let p = match Period::parse(period) {
        Ok(p @ Period::Half(..)) => p,
        _ => return Err(format!("--period {period}: a half year, such as 2026S1")),
    };
    let actor = innocity_store::orgs::Actor { user_id: 0, username: "bureau", request_id: "cli" };
    let start = std::time::Instant::now();
    // The half's quarters from the first of its year: a flow's 当期 needs the quarter before.
    let last = periods::kept_as(p);
    let quarters: Vec<Period> = Period::within_year(p.year(), 12)
        .into_iter()
        .filter(|q| matches!(q, Period::Quarter(..)) && q.days().1 <= last.days().1)
        .collect();
    let codes: Vec<String> = quarters.iter().map(|q| q.to_string()).collect();
    let e = |e: innocity_store::db::StoreError| e.to_string();
    let mut n =
        innocity_store::indicators::from_statistics(db, &f, &codes, actor).await.map_err(e)?;
    n += innocity_store::indicators::from_register(db, &f, &quarters, actor).await.map_err(e)?;
    n += innocity_store::indicators::aggregate(db, &f, actor).await.map_err(e)?;
    let refreshed = start.elapsed().as_secs_f64();
    let units = innocity_store::orgs::units(db).await.map_err(e)?;
    let whole = units.iter().find(|u| u.parent_id.is_none()).ok_or("no org units")?;
    let targets: Vec<String> = f.targets.iter().map(|t| t.code.clone()).collect();
    let values = innocity_store::indicators::for_unit(db, whole.id, &targets).await.map_err(e)?;
    let today = db.clock.today();
    let lines = periods::lines(Lang::Zh, &f, &values, p, today);
    let title =
        format!("{}{}科技创新监测评估报告", whole.name_zh, periods::period_name(Lang::Zh, p));
    let as_of = p.days().1.min(today).format("%Y年%m月%d日").to_string();
    let coverage =
        innocity_web::indicators::coverage::of_period(db, &f, whole, &units, p).await.map_err(e)?;
    let coverage = innocity_web::indicators::coverage::summary(Lang::Zh, &coverage);
    let blocks = periods::compose(Lang::Zh, &f, &title, &as_of, &lines, &coverage);
    let bytes = innocity_reports::render_pdf(&innocity_reports::Report { blocks, footer: title })
        .map_err(|e| format!("pdf: {e}"))?;
    std::fs::write(pdf, bytes).map_err(|e| format!("{}: {e}", pdf.display()))?;
    let organisations: u64 =
        innocity_store::orgs::counts_by_unit(db).await.map_err(e)?.iter().map(|(_, n)| n).sum();
    println!(
        "half-year report {p} of {organisations} organisations: refresh of {} quarters ({n} values) in {refreshed:.2} s; report in {:.2} s",
        quarters.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
