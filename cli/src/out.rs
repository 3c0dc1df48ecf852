//! The commands' standard output and standard error. A reader that stops
//! reading (`| head`) ends the output quietly, and the command keeps its exit
//! code; any other write error (a full disk) is reported once, at the end, as
//! an error (exit 2). The audit's report writer follows the same rule and
//! reports its failure with [`write_failed`]. Standard error is written on a
//! best effort: when even it fails there is no one left to tell.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};

/// The first write error on standard output; nothing more is written after it.
static FAILED: Mutex<Option<io::Error>> = Mutex::new(None);

/// Writes `args` to standard output, unless a write has failed before.
pub(crate) fn write(args: fmt::Arguments<'_>) {
    // Formatted first, so a value's `Display` may print too.
    let text = args.to_string();
    let mut failed = FAILED.lock().unwrap_or_else(PoisonError::into_inner);
    if failed.is_none() {
        if let Err(e) = io::stdout().lock().write_all(text.as_bytes()) {
            *failed = Some(e);
        }
    }
}

/// Writes `args` to standard error; an error writing it is dropped.
pub(crate) fn write_err(args: fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// `print!` that does not panic when standard output fails: [`write`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::write(format_args!($($arg)*))
    };
}

/// `println!` that does not panic when standard output fails: [`write`].
macro_rules! outln {
    () => {
        $crate::out::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::out::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` that does not panic when standard error fails: [`write_err`].
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::out::write_err(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {errln, out, outln};

/// Says that the output could not be written (not for a closed pipe), and
/// gives the exit code for it.
pub(crate) fn write_failed(e: &io::Error) -> ExitCode {
    errln!("error: cannot write the output: {e}");
    ExitCode::from(2)
}

/// The output flushed: `Ok` when it was all written or its reader went away,
/// else the error reported on standard error and exit code 2.
pub(crate) fn finish() -> Result<(), ExitCode> {
    let mut failed = FAILED.lock().unwrap_or_else(PoisonError::into_inner);
    let failed = failed.take().or_else(|| io::stdout().lock().flush().err());
    match failed {
        Some(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(write_failed(&e)),
        _ => Ok(()),
    }
}
