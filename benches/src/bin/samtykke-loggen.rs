//! `samtykke-loggen`: writes a generated kk.dk consent log (see
//! `samtykke_testkit::loggen`).
//!
//! ```text
//! samtykke-loggen --events N --visitors V [--inject-every K] [--seed S]
//!                 [--span-days D] [--out LOG] [--truth TSV] [--policy-out JSON]
//! ```
//!
//! The log goes to `--out` (default: standard output); `--truth` receives the
//! injected violations as `line<TAB>id<TAB>visitor` lines; `--policy-out` the
//! policy the log is to be audited under.

use std::fs::File;
use std::io::{self, Write};
use std::process::ExitCode;

use samtykke_testkit::loggen::{generate, policy_json, Spec};

const USAGE: &str = "usage: samtykke-loggen --events N --visitors V [--inject-every K] [--seed S] [--span-days D] [--out LOG] [--truth TSV] [--policy-out JSON]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("samtykke-loggen: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut spec = Spec::new(0, 0);
    let (mut out, mut truth, mut policy_out) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--events" => spec.events = number(value()?)?,
            "--visitors" => spec.visitors = number(value()?)?,
            "--inject-every" => spec.inject_every = number(value()?)?,
            "--seed" => spec.seed = number(value()?)?,
            "--span-days" => spec.span_days = number(value()?)? as u32,
            "--out" => out = Some(value()?),
            "--truth" => truth = Some(value()?),
            "--policy-out" => policy_out = Some(value()?),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if spec.events == 0 || spec.visitors == 0 {
        return Err("--events and --visitors are required".into());
    }
    let io = |e: io::Error| e.to_string();
    if let Some(path) = policy_out {
        std::fs::write(&path, policy_json()).map_err(|e| format!("{path}: {e}"))?;
    }
    let g = match out {
        Some(path) => generate(
            &spec,
            File::create(&path).map_err(|e| format!("{path}: {e}"))?,
        ),
        None => generate(&spec, io::stdout().lock()),
    }
    .map_err(io)?;
    if let Some(path) = truth {
        let mut w = io::BufWriter::new(File::create(&path).map_err(|e| format!("{path}: {e}"))?);
        for i in &g.injected {
            writeln!(w, "{}\t{}\t{}", i.line, i.id, i.visitor).map_err(io)?;
        }
        w.flush().map_err(io)?;
    }
    eprintln!(
        "samtykke-loggen: {} events, {} visitors, {} injected violations, {} bytes",
        g.events,
        g.visitors,
        g.injected.len(),
        g.bytes
    );
    Ok(())
}
