//! The commands' standard output. A reader that stops reading (`| head`) ends
//! the output quietly, and the command keeps its exit code; any other write
//! error (a full disk) is reported once, at the end, as an error (exit 2). The
//! audit writes its report through its own writer, by the same rule.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

thread_local! {
    /// The first write error; nothing more is written after it.
    static FAILED: RefCell<Option<io::Error>> = const { RefCell::new(None) };
}

/// Writes `args` to standard output, unless a write has failed before.
pub(crate) fn write(args: fmt::Arguments<'_>) {
    FAILED.with(|failed| {
        let mut failed = failed.borrow_mut();
        if failed.is_none() {
            if let Err(e) = io::stdout().lock().write_fmt(args) {
                *failed = Some(e);
            }
        }
    });
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

pub(crate) use {out, outln};

/// The output flushed: `Ok` when it was all written or its reader went away,
/// else the error reported on standard error and exit code 2.
pub(crate) fn finish() -> Result<(), ExitCode> {
    let failed = FAILED.with(|failed| {
        let mut failed = failed.borrow_mut();
        failed.take().or_else(|| io::stdout().lock().flush().err())
    });
    match failed {
        Some(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the output: {e}");
            Err(ExitCode::from(2))
        }
        _ => Ok(()),
    }
}
