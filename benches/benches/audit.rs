//! The consent-log audit (SPEC §12): events per second on one thread and on
//! every core (visitors sharded) on a generated 10-million-event kk.dk log of
//! ~150-byte lines, beside typed parses of the same lines with serde_json,
//! sonic-rs and simd-json and the time to read and split them; the pure-Python
//! reference auditor (`bindings/python/tests/oracle/audit_ref.py`) on the first
//! million lines, one core each; and peak memory with a million visitors, every
//! one remembered, and under `--merge` with nearly all shrunk to tombstones.
//!
//! Run with `cargo bench -p samtykke-benches --bench audit`. The logs are
//! generated into `target/audit-bench/` on the first run (about 2.6 GB) and
//! reused. Each rate is the median of several runs over the whole file, read from
//! the page cache; CPU seconds (user + system, from `/proc/self/stat`) are given
//! beside wall seconds, since the machine may be shared. Set
//! `SAMTYKKE_AUDIT_BENCH_EVENTS` for a smaller log.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use samtykke_audit::{AuditOptions, Auditor, InputError, Sink, Violation};
use samtykke_testkit::loggen::{generate, policy_json, Spec};

use samtykke_host::OwnedPolicy;
use serde::Deserialize;

/// Counts findings without keeping them: what is measured is the audit.
#[derive(Debug, Default)]
struct Count {
    violations: u64,
    errors: u64,
}

impl Sink for Count {
    fn violation(&mut self, _: Violation) {
        self.violations += 1;
    }
    fn input_error(&mut self, _: InputError) {
        self.errors += 1;
    }
}

/// A log line as a typical serde_json reader types it, borrowing its strings.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct LogLine<'a> {
    ts: &'a str,
    visitor: &'a str,
    event: &'a str,
    revision: Option<u32>,
    notice: Option<u16>,
    layer: Option<u32>,
    trigger: Option<&'a str>,
    #[serde(borrow)]
    controls: Option<Vec<&'a str>>,
    #[serde(borrow)]
    preselected: Option<Vec<&'a str>>,
    action: Option<&'a str>,
    control: Option<&'a str>,
    #[serde(borrow)]
    granted: Option<Vec<&'a str>>,
    #[serde(borrow)]
    providers_refused: Option<Vec<&'a str>>,
    #[serde(borrow)]
    categories: Option<Vec<&'a str>>,
    gpc: Option<bool>,
    set_cookie: Option<&'a str>,
    cookie: Option<&'a str>,
    max_age_s: Option<i64>,
    #[serde(borrow)]
    cookies: Option<Vec<&'a str>>,
    signal: Option<&'a str>,
}

/// The same with owned strings, as a reader that keeps its events types it.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct OwnedLogLine {
    ts: String,
    visitor: String,
    event: String,
    revision: Option<u32>,
    notice: Option<u16>,
    layer: Option<u32>,
    trigger: Option<String>,
    controls: Option<Vec<String>>,
    preselected: Option<Vec<String>>,
    action: Option<String>,
    control: Option<String>,
    granted: Option<Vec<String>>,
    providers_refused: Option<Vec<String>>,
    categories: Option<Vec<String>>,
    gpc: Option<bool>,
    set_cookie: Option<String>,
    cookie: Option<String>,
    max_age_s: Option<i64>,
    cookies: Option<Vec<String>>,
    signal: Option<String>,
}

fn dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/audit-bench");
    std::fs::create_dir_all(&d).expect("target/audit-bench");
    d
}

/// The log `spec` describes, generated once into `target/audit-bench/`.
fn log_file(name: &str, spec: &Spec) -> PathBuf {
    let path = dir().join(name);
    if !path.exists() {
        let t = Instant::now();
        let tmp = path.with_extension("part");
        let g = generate(spec, File::create(&tmp).expect("create log")).expect("write log");
        std::fs::rename(&tmp, &path).expect("rename log");
        eprintln!(
            "generated {}: {} events, {} visitors, {} injected, {:.1} MB in {:.1} s",
            path.display(),
            g.events,
            g.visitors,
            g.injected.len(),
            g.bytes as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
    }
    path
}

/// CPU seconds (user + system) this process has used.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Runs `f` `runs` times; the median wall and CPU seconds, and `f`'s count.
fn measure(runs: usize, mut f: impl FnMut() -> u64) -> (f64, f64, u64) {
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    let mut n = 0;
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_seconds());
        n = f();
        wall.push(t.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - c);
    }
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    (wall[runs / 2], cpu[runs / 2], n)
}

fn audit_file(policy: &OwnedPolicy, path: &Path, options: AuditOptions) -> (u64, Count) {
    let mut a = Auditor::with_sink(policy.view(), options, Count::default());
    a.read_path(path).expect("read log");
    let (count, summary) = a.into_parts();
    assert_eq!(count.errors, 0, "the generated log has no input errors");
    (summary.events, count)
}

/// Lines of `path`, split as the audit splits them, each passed to `f`.
fn each_line(path: &Path, mut f: impl FnMut(&[u8])) -> u64 {
    let mut r = BufReader::with_capacity(256 * 1024, File::open(path).expect("open"));
    let mut n = 0;
    let mut partial = Vec::new();
    loop {
        let buf = r.fill_buf().expect("read");
        if buf.is_empty() {
            break;
        }
        let mut start = 0;
        while let Some(pos) = memchr::memchr(b'\n', &buf[start..]) {
            let end = start + pos;
            if partial.is_empty() {
                f(&buf[start..end]);
            } else {
                partial.extend_from_slice(&buf[start..end]);
                f(&partial);
                partial.clear();
            }
            n += 1;
            start = end + 1;
        }
        partial.extend_from_slice(&buf[start..]);
        let len = buf.len();
        r.consume(len);
    }
    n
}

/// The first `n` lines of `from`, as their own file.
fn prefix_file(from: &Path, n: usize, name: &str) -> PathBuf {
    let path = dir().join(name);
    if !path.exists() {
        let mut text = String::new();
        BufReader::new(File::open(from).expect("open"))
            .take(u64::MAX)
            .lines()
            .take(n)
            .for_each(|l| {
                text.push_str(&l.expect("line"));
                text.push('\n');
            });
        std::fs::write(&path, text).expect("write prefix");
    }
    path
}

fn vm_hwm_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// In a fresh process: the peak resident memory an audit of `log` adds, the
/// visitors it remembers at the end, and those shrunk to tombstones (`--merge`
/// when `merge`), with the bytes the tombstones take.
fn memory_child(log: &Path, policy: &Path, merge: bool) {
    let policy = OwnedPolicy::load(policy).expect("policy");
    let before = vm_hwm_kb();
    let mut a = Auditor::with_sink(
        policy.view(),
        AuditOptions::new().threads(1).merge(merge),
        Count::default(),
    );
    if merge {
        a.read_paths_merged(&[log]).expect("read log");
    } else {
        a.read_path(log).expect("read log");
    }
    let after = vm_hwm_kb();
    let (tombs, tomb_bytes) = a.tombstones();
    println!(
        "{before} {after} {} {tombs} {tomb_bytes} {}",
        a.remembered(),
        a.counts().visitors
    );
}

/// Runs [`memory_child`] in a fresh process and prints what it measured.
fn memory(log: &Path, policy: &Path, merge: bool) {
    let exe = std::env::current_exe().expect("the bench binary");
    let out = Command::new(exe)
        .arg("--memory-child")
        .arg(log)
        .arg(policy)
        .arg(if merge { "merge" } else { "plain" })
        .output()
        .expect("memory child");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<u64> = text
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    if let [before, after, remembered, tombs, tomb_bytes, visitors] = v[..] {
        let over = (after - before) as f64 * 1024.0;
        if merge {
            println!(
                "memory, --merge: {visitors} visitors, {tombs} shrunk to tombstones ({:.1} bytes each held), {remembered} remembered at the end; \
                 peak RSS {:.1} MB over a baseline of {:.1} MB: {:.1} bytes a visitor",
                tomb_bytes as f64 / tombs.max(1) as f64,
                over / 1e6,
                before as f64 / 1024.0,
                over / visitors as f64
            );
        } else {
            println!(
                "memory: {remembered} visitors remembered; peak RSS {:.1} MB over a baseline of {:.1} MB: {:.0} bytes a visitor",
                over / 1e6,
                before as f64 / 1024.0,
                over / remembered as f64
            );
        }
    } else {
        println!(
            "memory child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--memory-child") {
        memory_child(
            Path::new(&args[i + 1]),
            Path::new(&args[i + 2]),
            args.get(i + 3).is_some_and(|m| m == "merge"),
        );
        return;
    }
    let events: u64 = std::env::var("SAMTYKKE_AUDIT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let policy_path = dir().join("policy.json");
    std::fs::write(&policy_path, policy_json()).expect("write policy");
    let policy = OwnedPolicy::load(&policy_path).expect("policy");
    // About 20 events a visitor, one visitor in 200 with an injected violation.
    let spec = Spec::new(events, events / 20).inject_every(200).seed(2026);
    let log = log_file(&format!("kk-{events}.log"), &spec);
    let bytes = std::fs::metadata(&log).expect("log").len();
    let runs = 5;
    println!(
        "audit benchmark: {} ({events} events, {:.0} bytes a line), median of {runs} runs",
        log.display(),
        bytes as f64 / events as f64
    );
    println!("| what | wall s | CPU s | events/s (wall) | events/s (CPU) |");
    println!("|---|---|---|---|---|");
    let row = |what: &str, (wall, cpu, n): (f64, f64, u64)| {
        println!(
            "| {what} | {wall:.2} | {cpu:.2} | {:.2} M | {:.2} M |",
            n as f64 / wall / 1e6,
            n as f64 / cpu.max(1e-9) / 1e6
        );
    };
    let read = measure(runs, || {
        each_line(&log, |l| {
            std::hint::black_box(l);
        })
    });
    row("read and split lines (floor)", read);
    let serde = measure(runs, || {
        let mut bad = 0u64;
        let n = each_line(&log, |l| {
            if serde_json::from_slice::<LogLine<'_>>(l).is_err() {
                bad += 1;
            }
        });
        assert_eq!(bad, 0);
        n
    });
    row("serde_json typed parse, borrowed strings (derive)", serde);
    let owned = measure(runs, || {
        let mut bad = 0u64;
        let n = each_line(&log, |l| {
            if serde_json::from_slice::<OwnedLogLine>(l).is_err() {
                bad += 1;
            }
        });
        assert_eq!(bad, 0);
        n
    });
    row("serde_json typed parse, owned strings (derive)", owned);
    let sonic = measure(runs, || {
        let mut bad = 0u64;
        let n = each_line(&log, |l| {
            if sonic_rs::from_slice::<LogLine<'_>>(l).is_err() {
                bad += 1;
            }
        });
        assert_eq!(bad, 0);
        n
    });
    row(
        "sonic-rs typed parse, borrowed strings (serde derive)",
        sonic,
    );
    let mut scratch = Vec::new();
    let simd = measure(runs, || {
        let mut bad = 0u64;
        let n = each_line(&log, |l| {
            // simd-json parses in place: the line is copied to a buffer it may
            // change, as a caller with a shared read buffer must.
            scratch.clear();
            scratch.extend_from_slice(l);
            if simd_json::serde::from_slice::<LogLine<'_>>(&mut scratch).is_err() {
                bad += 1;
            }
        });
        assert_eq!(bad, 0);
        n
    });
    row(
        "simd-json typed parse, borrowed strings (serde derive)",
        simd,
    );
    let view = policy.view();
    // The scanner on every line, as the parsers above read every line; then
    // as the audit reads, a repeated tail's body remembered.
    for (name, memo) in [
        (
            "samtykke's line reader, every line scanned (no memo)",
            false,
        ),
        (
            "samtykke's line reader as the audit reads (memo of repeated tails)",
            true,
        ),
    ] {
        let reader = measure(runs, || {
            let mut bad = 0u64;
            let mut reader = if memo {
                samtykke_audit::LineReader::new(view)
            } else {
                samtykke_audit::LineReader::every_line_scanned(view)
            };
            let n = each_line(&log, |l| {
                if !reader.read(l) {
                    bad += 1;
                }
            });
            assert_eq!(bad, 0);
            n
        });
        row(name, reader);
    }
    let audit = measure(runs, || {
        let (n, count) = audit_file(&policy, &log, AuditOptions::new().threads(1));
        std::hint::black_box(count.violations);
        n
    });
    row("samtykke audit, one thread", audit);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let sharded = measure(runs, || {
        audit_file(&policy, &log, AuditOptions::new().threads(cores)).0
    });
    row(
        &format!("samtykke audit, {cores} threads (visitors sharded)"),
        sharded,
    );
    println!(
        "\n{cores} threads against one: {:.2}x (wall)",
        audit.0 / sharded.0
    );

    // The pure-Python reference on the first million lines, against the same.
    let million = prefix_file(&log, 1_000_000.min(events as usize), "kk-prefix-1M.log");
    let rust = measure(runs, || {
        audit_file(&policy, &million, AuditOptions::new().threads(1)).0
    });
    let rust2 = measure(runs, || {
        audit_file(&policy, &million, AuditOptions::new().threads(cores)).0
    });
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../bindings/python/tests/oracle/audit_ref.py");
    let python = Command::new("python3")
        .arg(&script)
        .arg(&million)
        .arg("--policy")
        .arg(&policy_path)
        .arg("--cpu-time")
        .output();
    match python {
        Ok(out) if !out.stdout.is_empty() => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let py_cpu: f64 = stderr
                .lines()
                .find_map(|l| l.strip_prefix("cpu_seconds "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(f64::NAN);
            let report: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("the reference writes JSON");
            let mut ours = Auditor::new(policy.view(), AuditOptions::new().threads(1));
            ours.read_path(&million).expect("read");
            let ours = ours.finish();
            let key = |id: &serde_json::Value, line: &serde_json::Value| {
                (
                    line.as_u64().unwrap_or(0),
                    id.as_str().unwrap_or("").to_owned(),
                )
            };
            let theirs: Vec<_> = report["violations"]
                .as_array()
                .map(|v| v.iter().map(|x| key(&x["id"], &x["line"])).collect())
                .unwrap_or_default();
            let mine: Vec<_> = ours
                .violations
                .iter()
                .map(|v| (v.line, v.id.as_str().to_owned()))
                .collect();
            println!();
            println!(
                "pure-Python reference, first {} lines: {:.2} CPU s ({:.3} M events/s); same violations as samtykke: {}",
                rust.2,
                py_cpu,
                rust.2 as f64 / py_cpu / 1e6,
                theirs == mine
            );
            println!(
                "samtykke, one thread: {:.3} CPU s, {:.1}x faster; {cores} threads: {:.3} wall s, {:.1}x faster",
                rust.1,
                py_cpu / rust.1,
                rust2.0,
                py_cpu / rust2.0,
            );
        }
        _ => println!("\npython3 not found: the pure-Python comparison is skipped"),
    }

    // Peak memory per visitor, a million visitors, in a fresh process: every one
    // remembered (20 days of arrivals), and under --merge with arrivals spread
    // over twenty years, so that nearly all are shrunk to tombstones.
    let spec = Spec {
        span_days: 20,
        ..Spec::new(3_000_000, 1_000_000)
    };
    let visitors_log = log_file("kk-1M-visitors.log", &spec);
    println!();
    memory(&visitors_log, &policy_path, false);
    let spec = Spec {
        span_days: 20 * 365,
        ..Spec::new(3_000_000, 1_000_000)
    };
    let spread_log = log_file("kk-1M-visitors-20y.log", &spec);
    memory(&spread_log, &policy_path, true);
}
