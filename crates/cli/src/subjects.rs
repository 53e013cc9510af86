//! `innocity qualify sme|hnte` (shared/contracts/qualification.md): the contract's JSON is read
//! and written by `innocity_web::subjects::contract`; here only the files.
use innocity_web::subjects::contract::{Rules as ContractRules, read};
use std::process::ExitCode;

/// Which rules to run.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Rules {
    /// 科技型中小企业评价.
    Sme,
    /// 高新技术企业认定 pre-check.
    Hnte,
}

/// Exit 0 when the file was read (whatever the verdicts); 1 on a malformed file, naming the
/// enterprise's index and field, with nothing written.
pub(crate) fn qualify(rules: Rules, input: &std::path::Path, output: &std::path::Path) -> ExitCode {
    let fail = |message: String| {
        eprintln!("错误 / error: {message}");
        ExitCode::FAILURE
    };
    let text = match std::fs::read_to_string(input) {
        Ok(t) => t,
        Err(e) => return fail(format!("{}: {e}", input.display())),
    };
    let rules = match rules {
        Rules::Sme => ContractRules::Sme,
        Rules::Hnte => ContractRules::Hnte,
    };
    let parsed = match read(rules, &text) {
        Ok(parsed) => parsed,
        Err(e) => return fail(format!("{}: {e}", input.display())),
    };
    // Written beside the output and renamed: a failed write leaves no half file.
    let partial = output.with_extension("partial");
    let written = std::fs::File::create(&partial).and_then(|f| {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, f);
        parsed.write(&mut out)?;
        std::io::Write::flush(&mut out)
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&partial, output)) {
        let _ = std::fs::remove_file(&partial);
        return fail(format!("{}: {e}", output.display()));
    }
    ExitCode::SUCCESS
}
