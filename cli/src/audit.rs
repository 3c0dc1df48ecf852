//! `samtykke audit`: the consent-log audit (SPEC §8, §9) on the library's
//! sources and report writer, with a progress bar on standard error when (and
//! only when) that is a terminal.

use crate::out::errln;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use samtykke_audit::{AuditOptions, Auditor, Format, ReportWriter, Source};
use samtykke_host::OwnedPolicy;

/// Standard output; where findings share the terminal with the progress bar,
/// each finding clears the bar, is written and flushed, and the bar is redrawn.
struct Stdout {
    w: BufWriter<io::Stdout>,
    bar: Option<ProgressBar>,
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let w = &mut self.w;
        match &self.bar {
            Some(bar) => bar.suspend(|| w.write_all(buf).and_then(|()| w.flush()))?,
            None => w.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// The progress bar, when standard error is a terminal: bytes of the files
/// (compressed bytes for gzip files), or a spinner for standard input.
fn progress(logs: &[PathBuf]) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let sizes: Option<u64> = logs
        .iter()
        .map(|p| {
            (p.as_os_str() != "-")
                .then(|| std::fs::metadata(p).ok().map(|m| m.len()))
                .flatten()
        })
        .sum();
    let bar = ProgressBar::with_draw_target(sizes, ProgressDrawTarget::stderr());
    let template = if sizes.is_some() {
        "{spinner} {elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
    } else {
        "{spinner} {elapsed_precise} {bytes} {bytes_per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// Whether standard input may have been closed when the command started:
/// Rust's runtime opens `/dev/null` for reading and writing in place of a
/// closed standard descriptor, so reading it finds an empty log. A closed
/// one cannot be told from a `/dev/null` opened so by the caller (Python's
/// `subprocess.DEVNULL`, `daemon(3)`), which is an empty log, so this is
/// only said, never an error; a shell's `< /dev/null` (read-only) is not
/// (Linux; elsewhere `false`).
fn stdin_may_be_closed() -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    let null = std::fs::read_link("/proc/self/fd/0").is_ok_and(|p| p.as_os_str() == "/dev/null");
    let read_write = || {
        let info = std::fs::read_to_string("/proc/self/fdinfo/0").ok()?;
        let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?;
        let flags = u32::from_str_radix(flags.trim(), 8).ok()?;
        // O_ACCMODE and O_RDWR.
        Some(flags & 0o3 == 0o2)
    };
    null && read_write().unwrap_or(false)
}

/// Whether `path` names standard input.
fn names_stdin(path: &std::path::Path) -> bool {
    ["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]
        .iter()
        .any(|name| path.as_os_str() == *name)
}

/// Runs `samtykke audit`: exit 0 clean, 1 violations, 2 any input error or
/// unreadable file.
pub fn run(
    policy: &OwnedPolicy,
    logs: &[PathBuf],
    format: Format,
    options: AuditOptions,
) -> ExitCode {
    // A stream can be read once: given twice, merged readers would share it,
    // each taking lines at random.
    if let Some((first, second)) = samtykke_audit::one_stream_twice(logs) {
        errln!("error: `{first}` and `{second}` are one stream (standard input, a pipe); it can be read once");
        return ExitCode::from(2);
    }
    let bar = progress(logs);
    let out = Stdout {
        w: BufWriter::with_capacity(64 * 1024, io::stdout()),
        bar: bar.clone().filter(|_| io::stdout().is_terminal()),
    };
    let merge = options.merges();
    let mut auditor = Auditor::with_sink(policy.view(), options, ReportWriter::new(out, format));
    let mut unreadable = Vec::new();
    let mut report = |e: samtykke_audit::ReadError| {
        let say = || errln!("error: {e}");
        match &bar {
            Some(bar) => bar.suspend(say),
            None => say(),
        }
        unreadable.push((e.file, e.source.to_string()));
    };
    if logs.iter().any(|p| names_stdin(p)) && stdin_may_be_closed() {
        errln!(
            "note: standard input is /dev/null, or was closed when the command started \
             (which reads the same): it holds no events"
        );
    }
    let open = |path: &PathBuf| {
        Source::open(path).map(|s| match &bar {
            // A table (a Parquet file) is read as rows, past the bar.
            Some(bar) if !s.is_table() => Source::new(s.name, bar.wrap_read(s.reader)),
            _ => s,
        })
    };
    if merge {
        // Merged files are read together: every one is open at once.
        let mut sources = Vec::with_capacity(logs.len());
        for path in logs {
            match open(path) {
                Ok(s) => sources.push(s),
                Err(e) => report(e),
            }
        }
        auditor.read_sources(sources, &mut report);
    } else {
        // One after the other, each opened when its turn comes: a log of many
        // files never holds more than one open.
        for path in logs {
            match open(path) {
                Ok(s) => auditor.read_sources(vec![s], &mut report),
                Err(e) => report(e),
            }
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    for (file, message) in &unreadable {
        auditor.sink_mut().read_error(file, message);
    }
    let (out, summary) = auditor.into_parts();
    if let Err(e) = out.finish(&summary) {
        return crate::out::write_failed(&e);
    }
    if !unreadable.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::from(summary.exit_code())
    }
}
