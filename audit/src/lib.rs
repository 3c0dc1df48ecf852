//! The consent-log audit (SPEC §8): a streaming reader of consent logs (JSON
//! lines; files, gzip files, standard input, several files in order) that replays
//! every visitor through the core's state machine and reports violations and input
//! errors.
//!
//! # Rules
//!
//! Each visitor has one core [`samtykke::ConsentState`]; decisions, withdrawals and
//! GPC signals are the core's events, and every consent question is the core's
//! [`samtykke::ConsentState::permits`], `category_status` or `prompt_due`. The
//! audit adds what a log has and a state does not:
//!
//! - A cookie denied for [`samtykke::Why::Undecided`] is `cookie-before-consent`;
//!   for `Expired` or `Outdated`, `cookie-on-expired-consent` or
//!   `cookie-on-outdated-consent` when the lapsed or outdated decision is a grant
//!   (the core checks lapse first), else `cookie-before-consent`; `Refused` and
//!   `ProviderRefused` are `cookie-after-refusal`; `Signal` is `signal-ignored`;
//!   `Withdrawn` is `cookie-after-withdrawal` only when the event is more than the
//!   grace after the latest withdrawal that named the category (an event in the
//!   same second is never late; a later signal or withdrawal of other categories,
//!   which re-times the state's partial refusals, does not move it). A GPC signal
//!   has no grace.
//! - A decision's `revision` (default: the policy's) is the revision the core
//!   records for it, so a grant logged under an older revision is outdated where
//!   the policy changed a category since (R17).
//! - A decision's GPC flag is its `gpc` field, or a `signal` from the visitor
//!   within the longest TTL before it (inclusive). A `signal` is the core's
//!   `signal_gpc`: it refuses every category of `gpc_refuses`, those already
//!   refused included, except a standing grant made under GPC, and renews the
//!   refusal, so a visitor who keeps signalling never sees it lapse.
//! - `consent-without-notice`: a decision whose proof grants something, with no
//!   `notice_shown` of the decision's revision on an earlier line of the visitor
//!   within the longest TTL before it.
//! - `reprompt-too-soon`: an `auto` notice while `prompt_due` is false and some
//!   consent category is refused, withdrawn or signalled.
//! - `cookie_present` names are checked once per line each; a `cookie_set` is
//!   checked for its lifetime (`Max-Age`, else `Expires`, else session) against the
//!   declaration (the consent cookie lives the longer TTL) and for consent. A
//!   deletion (`Max-Age` ≤ 0, an `Expires` in the past, `max_age_s` ≤ 0) is never a
//!   violation, and `cookie_deleted` never is.
//! - Unknown keys are ignored; a key the audit reads, given twice, is an input
//!   error, as is a category or provider the policy does not declare.
//!
//! # Memory, order and `--merge`
//!
//! A log need only be in time order per visitor: a site's log is often several
//! servers' files read one after the other, so nothing here assumes global order.
//! A visitor stays the same visitor however long they were away, so by default
//! every visitor is remembered: a record of 128 bytes each (two cache lines),
//! 24 more for the notices shown and a 4-byte slot in a hash table. Nothing
//! else grows with the log but the report itself (or nothing, with a streaming
//! [`Sink`]).
//!
//! With [`AuditOptions::merge`] the files, each in time order, are merged by time
//! into one clock, and an event behind it is an input error. Then a visitor whose
//! last event lies more than the longest TTL (`max(consent_ttl_days,
//! refusal_ttl_days)`) behind the clock has every decision lapsed and every
//! notice, signal and withdrawal out of reach of their next event, and is shrunk
//! to a 20-byte tombstone: a 64-bit hash of the id, the last full decision's
//! time and per consent category whether the last decision was a grant, a full
//! refusal or a partial one (the clock, not the last event's time, orders what
//! comes next). A returning visitor is revived from it
//! and audited exactly as if never shrunk. Two ids whose 64-bit hashes agree
//! would share a tombstone; the hash is keyed at random per audit, so a log
//! cannot arrange it, and by chance it is about n²/2⁶⁵ for n visitors shrunk
//! (3·10⁻⁸ for a million).
//!
//! # Example
//!
//! ```
//! use samtykke_audit::{audit_lines, AuditOptions, ViolationId};
//! use samtykke_host::OwnedPolicy;
//!
//! let policy = OwnedPolicy::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/kk.dk.policy.json")).unwrap();
//! let log = [
//!     r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"notice_shown","controls":["accept_all","reject_all"]}"#,
//!     r#"{"ts":"2026-03-01T10:00:04Z","visitor":"v1","event":"decision","action":"reject_all"}"#,
//!     r#"{"ts":"2026-03-01T10:00:05Z","visitor":"v1","event":"cookie_set","set_cookie":"nmstat=1; Max-Age=86400"}"#,
//! ];
//! let report = audit_lines(policy.view(), log, AuditOptions::new());
//! assert_eq!(report.violations.len(), 1);
//! assert_eq!(report.violations[0].id, ViolationId::CookieAfterRefusal);
//! assert_eq!(report.violations[0].line, 3);
//! assert_eq!(report.exit_code(), 1);
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod event;
mod hash;
mod memo;

/// Cases for the crate's property tests of its readers: 10,000 (SPEC §13), or
/// fewer when `PROPTEST_CASES` asks for fewer (as the test kit's `cases` does
/// for the integration tests; `with_cases` overrides the variable otherwise).
#[cfg(test)]
pub(crate) fn test_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(10_000, |env| env.clamp(1, 10_000))
}

mod merge;
mod output;
mod pipeline;
mod reader;
mod report;
mod rules;
mod scan;
mod shard;
mod stamp;
#[cfg(feature = "arrow")]
mod table;
mod visitors;

use std::path::Path;

use samtykke::ValidPolicy;

pub use output::{Format, ReportWriter};
pub use reader::{one_stream_twice, ReadError, Source};
pub use report::{
    write_text_summary, InputError, InputErrorKind, Report, Sink, Summary, TextInputError,
    TextViolation, Violation, ViolationId,
};
pub use rules::{Auditor, LINES};
#[cfg(feature = "arrow")]
pub use table::{Checked, SchemaError, TableFeed, TableLayout, TableLines};
#[cfg(feature = "arrow")]
pub use {arrow_array, arrow_schema};

/// The longest line the audit reads: 1 MiB (SPEC §8).
pub const MAX_LINE: usize = 1 << 20;

/// The deepest a line's JSON may nest, its object counted as level 1: an array
/// or object deeper than that makes the line an input error ("nested too
/// deeply"). The same as `serde_json`'s limit, so no input can exhaust the stack.
pub const MAX_NESTING: usize = 128;

/// Most worker threads an audit takes (a thread count is a `u16` on the command
/// line and in Python).
pub const MAX_THREADS: usize = u16::MAX as usize;

/// How an audit runs.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    pub(crate) grace_seconds: u32,
    pub(crate) merge: bool,
    pub(crate) shrink: bool,
    pub(crate) weak_hash: bool,
    pub(crate) sweep_every: u64,
    pub(crate) threads: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            grace_seconds: 0,
            merge: false,
            shrink: true,
            weak_hash: false,
            sweep_every: 1 << 16,
            threads: 0,
        }
    }
}

impl AuditOptions {
    /// The defaults: no grace, files read one after the other, every visitor
    /// remembered, one worker a core of this machine.
    pub fn new() -> Self {
        AuditOptions::default()
    }

    /// Seconds after a withdrawal during which its categories' cookies are not
    /// yet late (default 0: only the withdrawal's own second).
    #[must_use]
    pub fn grace_seconds(mut self, seconds: u32) -> Self {
        self.grace_seconds = seconds;
        self
    }

    /// Whether the files are merged by time into one clock (`--merge`, SPEC §8):
    /// each file must be in time order, and an event behind the clock is an
    /// input error. This audits a visitor whose events are spread over several
    /// servers' files right, and allows visitors idle for longer than the longest
    /// TTL behind the clock to be shrunk to 20-byte tombstones. Findings are
    /// reported in file and line order all the same. Only
    /// [`audit_paths`] and [`Auditor::read_merged`] merge; lines fed one by one
    /// are taken as they come, with the clock checked.
    #[must_use]
    pub fn merge(mut self, on: bool) -> Self {
        self.merge = on;
        self
    }

    /// Under [`AuditOptions::merge`], whether idle visitors are shrunk to
    /// tombstones (default on). The report is the same either way.
    #[must_use]
    pub fn shrink(mut self, on: bool) -> Self {
        self.shrink = on;
        self
    }

    /// Worker threads (default: one a core of this machine, as
    /// `std::thread::available_parallelism` tells; 0 asks for that default). With
    /// 2 or more, visitors are sharded by a
    /// keyed hash of their id among that many workers, each with its own
    /// visitors; files and streams given to [`Auditor::read`] and
    /// [`Auditor::read_path`] are read in blocks of whole lines by the workers
    /// themselves, one block at a time under a lock, and each worker routes the
    /// blocks it read and applies its shard's events in input order. Findings
    /// are reported in input order; the report is the one thread gives. Under [`AuditOptions::merge`], each file is read and parsed
    /// on a thread of its own and the rules keep to one.
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// For tests: place visitors by a 3-bit hash, so that visitors share hashes
    /// and only the second hash keeps them apart.
    #[doc(hidden)]
    #[must_use]
    pub fn weak_hash(mut self, on: bool) -> Self {
        self.weak_hash = on;
        self
    }

    /// For tests: look for idle visitors at least every `events` events (default
    /// 65536, and at least every half the visitors remembered).
    #[doc(hidden)]
    #[must_use]
    pub fn sweep_every(mut self, events: u64) -> Self {
        self.sweep_every = events.max(1);
        self
    }

    /// The withdrawal grace in seconds.
    pub fn grace(&self) -> u32 {
        self.grace_seconds
    }

    /// Whether the files are merged by time.
    pub fn merges(&self) -> bool {
        self.merge
    }
}

/// Audits the files at `paths` in order (`-`: standard input; gzip read
/// transparently) into a report; with [`AuditOptions::merge`], merged by time.
///
/// # Errors
///
/// The first file that cannot be opened or read to its end; the audit stops there.
pub fn audit_paths<P: AsRef<Path>>(
    policy: ValidPolicy<'_>,
    paths: impl IntoIterator<Item = P>,
    options: AuditOptions,
) -> Result<Report, ReadError> {
    let merge = options.merge;
    let mut auditor = Auditor::new(policy, options);
    if merge {
        let paths: Vec<P> = paths.into_iter().collect();
        auditor.read_paths_merged(&paths)?;
    } else {
        for path in paths {
            auditor.read_path(path)?;
        }
    }
    Ok(auditor.finish())
}

/// Audits `lines` (each one JSON text, numbered from 1 under the file name
/// [`LINES`]) into a report.
pub fn audit_lines<L: AsRef<[u8]>>(
    policy: ValidPolicy<'_>,
    lines: impl IntoIterator<Item = L>,
    options: AuditOptions,
) -> Report {
    let mut auditor = Auditor::new(policy, options);
    auditor.file(LINES);
    for (i, line) in lines.into_iter().enumerate() {
        auditor.line(i as u64 + 1, line.as_ref());
    }
    auditor.finish()
}

/// For benchmarks: reads lines as the audit does (JSON, fields, timestamp,
/// through the memo of the lines read before), without the rules.
#[doc(hidden)]
#[derive(Debug)]
pub struct LineReader<'p> {
    policy: ValidPolicy<'p>,
    memo: memo::ParseMemo,
}

impl<'p> LineReader<'p> {
    /// A reader of lines under `policy`.
    pub fn new(policy: ValidPolicy<'p>) -> Self {
        LineReader {
            policy,
            memo: memo::ParseMemo::default(),
        }
    }

    /// A reader that scans every line whole, with no memo of their tails: the
    /// scanner's own speed, to set beside other JSON parsers'.
    pub fn every_line_scanned(policy: ValidPolicy<'p>) -> Self {
        LineReader {
            policy,
            memo: memo::ParseMemo {
                tails: memo::Tails::keeping_none(),
                ..memo::ParseMemo::default()
            },
        }
    }

    /// Reads one line: whether it is an event.
    pub fn read(&mut self, text: &[u8]) -> bool {
        matches!(
            rules::parse_line(&self.policy, &mut self.memo, false, text),
            rules::Parsed::Event(_)
        )
    }
}

const _: fn() = || {
    fn send<T: Send>() {}
    send::<Auditor<'static>>();
    send::<AuditOptions>();
};

/// This crate's README example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
