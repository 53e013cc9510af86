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
