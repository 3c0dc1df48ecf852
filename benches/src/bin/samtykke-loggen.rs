//! `samtykke-loggen`: writes a generated kk.dk consent log (see
//! `samtykke_testkit::loggen`).
//!
//! ```text
//! samtykke-loggen --events N --visitors V [--inject-every K] [--seed S]
//!                 [--span-days D] [--out LOG] [--truth TSV] [--policy-out JSON]
//!                 [--parquet FILE]
//! ```
//!
//! The log goes to `--out` (default: standard output); `--truth` receives the
//! injected violations as `line<TAB>id<TAB>visitor` lines; `--policy-out` the
//! policy the log is to be audited under; `--parquet` (with `--out`) the same
//! events as a Parquet file (SPEC §17): a column per field, lists as list
//! columns, `ts` an INT64 timestamp of microseconds adjusted to UTC, a field a
//! line lacks a null; row groups of 65,536 rows, snappy-compressed. `--parquet`
//! needs the `parquet` feature (`cargo build --release -p samtykke-benches
//! --features parquet --bin samtykke-loggen`).

use std::fs::File;
use std::io::{self, Write};
use std::process::ExitCode;

use samtykke_testkit::loggen::{generate, policy_json, Spec};

const USAGE: &str = "usage: samtykke-loggen --events N --visitors V [--inject-every K] [--seed S] [--span-days D] [--out LOG] [--truth TSV] [--policy-out JSON] [--parquet FILE]";

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
    let (mut out, mut truth, mut policy_out, mut parquet) = (None, None, None, None);
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
            "--parquet" => parquet = Some(value()?),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if spec.events == 0 || spec.visitors == 0 {
        return Err("--events and --visitors are required".into());
    }
    if parquet.is_some() && out.is_none() {
        return Err("--parquet needs --out: the Parquet file is written from the log".into());
    }
    if parquet.is_some() && parquet == out {
        return Err("--parquet and --out name the same file".into());
    }
    if parquet.is_some() && !cfg!(feature = "parquet") {
        // Refused before anything is written.
        return Err(NO_PARQUET.into());
    }
    let io = |e: io::Error| e.to_string();
    if let Some(path) = policy_out {
        std::fs::write(&path, policy_json()).map_err(|e| format!("{path}: {e}"))?;
    }
    let g = match &out {
        Some(path) => generate(
            &spec,
            File::create(path).map_err(|e| format!("{path}: {e}"))?,
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
    if let (Some(log), Some(path)) = (&out, &parquet) {
        // Fewer rows than events: the log was not the file just written (a
        // path that is not a regular file, or the same file by another name).
        let rows = write_parquet(log, path)?;
        if rows != g.events {
            return Err(format!(
                "{path}: {rows} rows written, but the log has {} events: is {log} a regular file, apart from {path}?",
                g.events
            ));
        }
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

/// Why `--parquet` is refused without the `parquet` feature, and how to build
/// with it.
const NO_PARQUET: &str =
    "--parquet: samtykke-loggen is built without Parquet; build it with `--features parquet`";

/// Without the `parquet` feature (`--parquet` is refused before this).
#[cfg(not(feature = "parquet"))]
fn write_parquet(_log: &str, _path: &str) -> Result<u64, String> {
    Err(NO_PARQUET.into())
}

/// A field of the log and the column it becomes.
#[cfg(feature = "parquet")]
#[derive(Clone, Copy)]
enum Kind {
    Time,
    Str,
    Int,
    Bool,
    List,
}

/// Every field a log line may hold (SPEC §8), in the columns' order.
#[cfg(feature = "parquet")]
const FIELDS: [(&str, Kind); 21] = [
    ("ts", Kind::Time),
    ("visitor", Kind::Str),
    ("event", Kind::Str),
    ("revision", Kind::Int),
    ("notice", Kind::Int),
    ("layer", Kind::Int),
    ("trigger", Kind::Str),
    ("controls", Kind::List),
    ("preselected", Kind::List),
    ("action", Kind::Str),
    ("control", Kind::Str),
    ("granted", Kind::List),
    ("providers_refused", Kind::List),
    ("categories", Kind::List),
    ("gpc", Kind::Bool),
    ("set_cookie", Kind::Str),
    ("cookie", Kind::Str),
    ("max_age_s", Kind::Int),
    ("cookies", Kind::List),
    ("signal", Kind::Str),
    ("url", Kind::Str),
];

/// Rows a row group holds.
#[cfg(feature = "parquet")]
const ROW_GROUP: usize = 65_536;

/// The JSON-lines log at `log` written again as the Parquet file `path`; the
/// rows written.
#[cfg(feature = "parquet")]
fn write_parquet(log: &str, path: &str) -> Result<u64, String> {
    use std::io::BufRead;
    use std::sync::Arc;

    use arrow_array::builder::{
        ArrayBuilder, BooleanBuilder, Int64Builder, ListBuilder, StringBuilder,
        TimestampMicrosecondBuilder,
    };
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::{Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    use serde_json::Value;
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    let mut columns: Vec<Box<dyn ArrayBuilder>> = FIELDS
        .iter()
        .map(|&(_, kind)| -> Box<dyn ArrayBuilder> {
            match kind {
                Kind::Time => Box::new(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
                Kind::Str => Box::new(StringBuilder::new()),
                Kind::Int => Box::new(Int64Builder::new()),
                Kind::Bool => Box::new(BooleanBuilder::new()),
                Kind::List => Box::new(ListBuilder::new(StringBuilder::new())),
            }
        })
        .collect();
    let schema = Arc::new(Schema::new(
        FIELDS
            .iter()
            .zip(&mut columns)
            .map(|(&(name, _), c)| Field::new(name, c.finish().data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));

    let input = File::open(log).map_err(|e| format!("{log}: {e}"))?;
    let file = File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build();
    let failed = |e: parquet::errors::ParquetError| format!("{path}: {e}");
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(failed)?;
    let mut write = |columns: &mut Vec<Box<dyn ArrayBuilder>>| -> Result<(), String> {
        let arrays: Vec<ArrayRef> = columns.iter_mut().map(|c| c.finish()).collect();
        let batch =
            RecordBatch::try_new(schema.clone(), arrays).map_err(|e| format!("{path}: {e}"))?;
        writer.write(&batch).map_err(failed)
    };
    let mut rows = 0;
    for (n, line) in io::BufReader::new(input).lines().enumerate() {
        let line = line.map_err(|e| format!("{log}: {e}"))?;
        let at = |what: &str| format!("{log}:{}: {what}", n + 1);
        let object: serde_json::Map<String, Value> =
            serde_json::from_str(&line).map_err(|e| at(&e.to_string()))?;
        if let Some(key) = object.keys().find(|k| !FIELDS.iter().any(|(f, _)| f == k)) {
            return Err(at(&format!("no column for the field {key}")));
        }
        for (column, &(name, kind)) in columns.iter_mut().zip(&FIELDS) {
            let value = object.get(name).filter(|v| !v.is_null());
            let wrong = || at(&format!("{name} is not what its column holds"));
            let any = column.as_any_mut();
            match kind {
                Kind::Time => {
                    let b = any
                        .downcast_mut::<TimestampMicrosecondBuilder>()
                        .expect("kind");
                    match value {
                        None => b.append_null(),
                        Some(v) => {
                            let text = v.as_str().ok_or_else(wrong)?;
                            let t = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| wrong())?;
                            b.append_value(t.unix_timestamp() * 1_000_000);
                        }
                    }
                }
                Kind::Str => {
                    let b = any.downcast_mut::<StringBuilder>().expect("kind");
                    match value {
                        None => b.append_null(),
                        Some(v) => b.append_value(v.as_str().ok_or_else(wrong)?),
                    }
                }
                Kind::Int => {
                    let b = any.downcast_mut::<Int64Builder>().expect("kind");
                    match value {
                        None => b.append_null(),
                        Some(v) => b.append_value(v.as_i64().ok_or_else(wrong)?),
                    }
                }
                Kind::Bool => {
                    let b = any.downcast_mut::<BooleanBuilder>().expect("kind");
                    match value {
                        None => b.append_null(),
                        Some(v) => b.append_value(v.as_bool().ok_or_else(wrong)?),
                    }
                }
                Kind::List => {
                    let b = any
                        .downcast_mut::<ListBuilder<StringBuilder>>()
                        .expect("kind");
                    match value {
                        None => b.append_null(),
                        Some(v) => {
                            for item in v.as_array().ok_or_else(wrong)? {
                                b.values().append_value(item.as_str().ok_or_else(wrong)?);
                            }
                            b.append(true);
                        }
                    }
                }
            }
        }
        rows += 1;
        if rows % ROW_GROUP == 0 {
            write(&mut columns)?;
        }
    }
    if rows % ROW_GROUP != 0 || rows == 0 {
        write(&mut columns)?;
    }
    writer.close().map_err(failed)?;
    Ok(rows as u64)
}
