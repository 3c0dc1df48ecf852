//! `samtykke audit`: the consent-log audit (SPEC §8, §9), streamed to standard
//! output as text or as one JSON document, with a progress bar on standard error
//! when (and only when) that is a terminal.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use samtykke_audit::{
    write_text_summary, AuditOptions, Auditor, InputError, Sink, Summary, TextInputError,
    TextViolation, Violation,
};
use samtykke_host::OwnedPolicy;

/// How the report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One line per finding, then a summary.
    Text,
    /// One JSON document: `{"violations","input_errors","summary"}`.
    Json,
}

/// Writes findings as they come. Output errors are kept and reported once, at
/// the end; a closed pipe (`| head`) ends the output quietly.
struct Out {
    w: BufWriter<io::Stdout>,
    format: Format,
    /// Input errors wait for the end of a JSON document; text writes them at once.
    errors: Vec<InputError>,
    first: bool,
    failed: Option<io::Error>,
    bar: Option<ProgressBar>,
}

impl Out {
    fn write(&mut self, f: impl FnOnce(&mut BufWriter<io::Stdout>) -> io::Result<()>) {
        if self.failed.is_some() {
            return;
        }
        let w = &mut self.w;
        let result = match &self.bar {
            // Findings on the same terminal as the bar: clear it, write, redraw.
            Some(bar) => bar.suspend(|| f(w).and_then(|()| w.flush())),
            None => f(w),
        };
        if let Err(e) = result {
            self.failed = Some(e);
        }
    }

    fn finish(mut self, summary: &Summary) -> io::Result<()> {
        let errors = std::mem::take(&mut self.errors);
        let format = self.format;
        self.write(|w| match format {
            Format::Text => write_text_summary(w, summary),
            Format::Json => {
                w.write_all(b"],\"input_errors\":")?;
                serde_json::to_writer(&mut *w, &errors)?;
                w.write_all(b",\"summary\":")?;
                serde_json::to_writer(&mut *w, summary)?;
                w.write_all(b"}\n")
            }
        });
        if self.failed.is_none() {
            if let Err(e) = self.w.flush() {
                self.failed = Some(e);
            }
        }
        match self.failed {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
            _ => Ok(()),
        }
    }
}

impl Sink for Out {
    fn violation(&mut self, v: Violation) {
        let (format, first) = (self.format, self.first);
        self.first = false;
        self.write(|w| match format {
            Format::Text => writeln!(w, "{}", TextViolation(&v)),
            Format::Json => {
                if !first {
                    w.write_all(b",")?;
                }
                serde_json::to_writer(&mut *w, &v).map_err(io::Error::from)
            }
        });
    }

    fn input_error(&mut self, e: InputError) {
        match self.format {
            Format::Text => self.write(|w| writeln!(w, "{}", TextInputError(&e))),
            Format::Json => self.errors.push(e),
        }
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
        "{spinner} {elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}"
    } else {
        "{spinner} {elapsed_precise} {bytes} {bytes_per_sec} {msg}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

fn open(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(io::stdin()))
    } else {
        Ok(Box::new(File::open(path)?))
    }
}

/// Runs `samtykke audit`: exit 0 clean, 1 violations, 2 any input error or
/// unreadable file.
pub fn run(
    policy: &OwnedPolicy,
    logs: &[PathBuf],
    format: Format,
    options: AuditOptions,
) -> ExitCode {
    let bar = progress(logs);
    let mut out = Out {
        w: BufWriter::with_capacity(64 * 1024, io::stdout()),
        format,
        errors: Vec::new(),
        first: true,
        failed: None,
        bar: bar.clone().filter(|_| io::stdout().is_terminal()),
    };
    if format == Format::Json {
        out.write(|w| w.write_all(b"{\"violations\":["));
    }
    let merge = options.merges();
    let mut auditor = Auditor::with_sink(policy.view(), options, out);
    let mut unreadable = false;
    let mut report = |name: &str, e: &dyn std::fmt::Display| {
        unreadable = true;
        let say = || eprintln!("error: {name}: {e}");
        match &bar {
            Some(bar) => bar.suspend(say),
            None => say(),
        }
    };
    if merge {
        // Every file is open at once, each read on a thread of its own.
        let mut sources: Vec<(String, Box<dyn Read + Send>)> = Vec::new();
        for path in logs {
            let name = path.to_string_lossy().into_owned();
            match open(path) {
                Ok(r) => {
                    let r: Box<dyn Read + Send> = match &bar {
                        Some(bar) => Box::new(bar.wrap_read(r)),
                        None => r,
                    };
                    sources.push((name, r));
                }
                Err(e) => report(&name, &e),
            }
        }
        if let Err(e) = auditor.read_merged(sources) {
            report(&e.file, &e.source);
        }
    } else {
        for path in logs {
            let name = path.to_string_lossy();
            if let Some(bar) = &bar {
                bar.set_message(name.to_string());
            }
            let result = open(path).and_then(|r| match &bar {
                Some(bar) => auditor.read(&name, bar.wrap_read(r)),
                None => auditor.read(&name, r),
            });
            if let Err(e) = result {
                report(&name, &e);
            }
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let (out, summary) = auditor.into_parts();
    if let Err(e) = out.finish(&summary) {
        eprintln!("error: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    if unreadable {
        ExitCode::from(2)
    } else {
        ExitCode::from(summary.exit_code())
    }
}
