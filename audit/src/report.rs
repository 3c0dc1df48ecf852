//! What an audit finds: violations, input errors and a summary, and how they are
//! written (SPEC §9's JSON document, or text).

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

samtykke::vocabulary! {
    /// The violations the audit reports (SPEC §8). The ids are fixed.
    pub enum ViolationId ("violation id") {
        /// A consent-category cookie set or present while its category is undecided:
        /// never decided, lapsed, or an outdated refusal (R1).
        CookieBeforeConsent = 0 => "cookie-before-consent",
        /// … while refused by `reject_all`/`save`, or its provider refused (R1, R13).
        CookieAfterRefusal = 1 => "cookie-after-refusal",
        /// … later than the withdrawal plus the grace (R12).
        CookieAfterWithdrawal = 2 => "cookie-after-withdrawal",
        /// … while refused by a GPC signal (R22).
        SignalIgnored = 3 => "signal-ignored",
        /// … relying on a grant at or past its lapse (R16).
        CookieOnExpiredConsent = 4 => "cookie-on-expired-consent",
        /// … relying on a grant older than the category's material change (R17).
        CookieOnOutdatedConsent = 5 => "cookie-on-outdated-consent",
        /// A `dismiss`/`scroll`/`navigate`/`idle`/`implied` decision listing a consent
        /// category as granted (R2).
        ImpliedConsent = 6 => "implied-consent",
        /// A notice shown with a consent category preselected (R1).
        PreselectedConsent = 7 => "preselected-consent",
        /// A grant with no notice of its revision shown before it (R7).
        ConsentWithoutNotice = 8 => "consent-without-notice",
        /// A notice layer offering `accept_all` without `reject_all` (R8).
        NoRejectOption = 9 => "no-reject-option",
        /// An `auto` notice while every consent category holds a decision in force
        /// and one is a refusal (R15).
        RepromptTooSoon = 10 => "reprompt-too-soon",
        /// A cookie no declaration covers (R21).
        UndeclaredCookie = 11 => "undeclared-cookie",
        /// A `Set-Cookie` outliving its declared duration, or a persistent cookie
        /// declared `session` (R6).
        DurationExceedsDeclaration = 12 => "duration-exceeds-declaration",
        /// A `tag_request` whose Consent Mode claims (`gcs`, `gcd`) grant a type the
        /// visitor's state denies at that second; one per hit and type (SPEC §16).
        ConsentModeMismatch = 13 => "consent-mode-mismatch",
    }
}

impl ViolationId {
    /// Number of violation ids.
    pub const COUNT: usize = ViolationId::ALL.len();

    /// The requirements (SPEC §2) the violation breaks.
    pub const fn requirements(self) -> &'static str {
        match self {
            ViolationId::CookieBeforeConsent => "R1",
            ViolationId::CookieAfterRefusal => "R1, R13",
            ViolationId::CookieAfterWithdrawal => "R12",
            ViolationId::SignalIgnored => "R22",
            ViolationId::CookieOnExpiredConsent => "R16",
            ViolationId::CookieOnOutdatedConsent => "R17",
            ViolationId::ImpliedConsent => "R2",
            ViolationId::PreselectedConsent => "R1",
            ViolationId::ConsentWithoutNotice => "R7",
            ViolationId::NoRejectOption => "R8",
            ViolationId::RepromptTooSoon => "R15",
            ViolationId::UndeclaredCookie => "R21",
            ViolationId::DurationExceedsDeclaration => "R6",
            ViolationId::ConsentModeMismatch => "R1, §16",
        }
    }
}

/// One violation, where it was found and what it concerns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Violation {
    /// Which rule is broken.
    pub id: ViolationId,
    /// The file (`-` for standard input, or the name given to
    /// [`crate::Auditor::file`]).
    pub file: Arc<str>,
    /// The line, from 1 in each file.
    pub line: u64,
    /// The visitor.
    pub visitor: String,
    /// The event's timestamp as written in the log.
    pub ts: String,
    /// The cookie concerned, for cookie violations.
    pub cookie: Option<String>,
    /// The category concerned, where there is one.
    pub category: Option<String>,
    /// What happened, in a sentence.
    pub message: String,
}

samtykke::vocabulary! {
    /// What is wrong with a log line (SPEC §8's list).
    #[non_exhaustive]
    pub enum InputErrorKind ("input error kind") {
        /// Not JSON (including bytes that are not UTF-8), or JSON but not an object.
        NotJson = 0 => "not-json",
        /// An `event` the log format does not have.
        UnknownEvent = 1 => "unknown-event",
        /// An `action` the log format does not have.
        UnknownAction = 2 => "unknown-action",
        /// A required field is missing.
        MissingField = 3 => "missing-field",
        /// A field of the wrong type, or with a value it cannot take (an unknown
        /// category, a malformed `Set-Cookie`, a field given twice).
        BadField = 4 => "bad-field",
        /// A timestamp without a zone.
        NoTimeZone = 5 => "no-time-zone",
        /// An event earlier than the visitor's previous one.
        OutOfOrder = 6 => "out-of-order",
        /// A line over 1 MiB.
        TooLong = 7 => "too-long",
    }
}

/// A line the audit could not apply. The audit goes on with the next line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InputError {
    /// The file.
    pub file: Arc<str>,
    /// The line, from 1 in each file.
    pub line: u64,
    /// What kind of fault.
    pub kind: InputErrorKind,
    /// What is wrong and where in the line.
    pub message: String,
}

/// Counts over a whole audit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Summary {
    /// Files (or sources) read.
    pub files: u64,
    /// Lines read that are not blank.
    pub lines: u64,
    /// Events applied (lines without input errors).
    pub events: u64,
    /// Distinct visitor ids seen (SPEC §8): a visitor stays the same visitor
    /// however long they were away.
    pub visitors: u64,
    /// Violations found, by [`ViolationId`] (index `id as usize`).
    pub violations_by_id: [u64; ViolationId::COUNT],
    /// Input errors.
    pub input_errors: u64,
}

impl Summary {
    /// Violations found in all.
    pub fn violations(&self) -> u64 {
        self.violations_by_id.iter().sum()
    }

    /// Violations of one id.
    pub fn count(&self, id: ViolationId) -> u64 {
        self.violations_by_id[id as usize]
    }

    /// The command line's exit code: 2 on any input error, else 1 on any
    /// violation, else 0 (SPEC §9).
    pub fn exit_code(&self) -> u8 {
        if self.input_errors > 0 {
            2
        } else if self.violations() > 0 {
            1
        } else {
            0
        }
    }
}

/// Where an audit sends what it finds, as it finds it, in the order of the input.
/// [`Report`] collects everything; the command line streams to its output.
pub trait Sink {
    /// A violation.
    fn violation(&mut self, v: Violation);
    /// An input error.
    fn input_error(&mut self, e: InputError);
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn violation(&mut self, v: Violation) {
        (**self).violation(v);
    }
    fn input_error(&mut self, e: InputError) {
        (**self).input_error(e);
    }
}

/// The result of an audit: every violation and input error, in input order, and
/// the summary. Owned, `Send` and `Sync`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Violations, in input order.
    pub violations: Vec<Violation>,
    /// Input errors, in input order.
    pub input_errors: Vec<InputError>,
    /// Counts.
    pub summary: Summary,
}

impl Sink for Report {
    fn violation(&mut self, v: Violation) {
        self.violations.push(v);
    }
    fn input_error(&mut self, e: InputError) {
        self.input_errors.push(e);
    }
}

const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Report>();
};

impl Report {
    /// The exit code of the command line for this report (see
    /// [`Summary::exit_code`]).
    pub fn exit_code(&self) -> u8 {
        self.summary.exit_code()
    }

    /// The report as SPEC §9's JSON document:
    /// `{"violations":[…],"input_errors":[…],"summary":{…}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Writes the report as text: one line per violation, one per input error,
    /// then the summary.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn write_text<W: Write>(&self, mut w: W) -> io::Result<()> {
        for v in &self.violations {
            writeln!(w, "{}", TextViolation(v))?;
        }
        for e in &self.input_errors {
            writeln!(w, "{}", TextInputError(e))?;
        }
        write_text_summary(&mut w, &self.summary)
    }
}

/// A violation as one line of text: `FILE:LINE: ID: MESSAGE (visitor V, TS)`. The
/// message names the cookie and the category. Control characters from the log
/// (in a visitor id, a cookie's name) are written escaped, as `\n` or
/// `\u{1b}`, so a log line cannot start a line of its own in the report or
/// drive the terminal; so are the bidirectional overrides and isolates.
#[derive(Debug)]
pub struct TextViolation<'a>(pub &'a Violation);

impl fmt::Display for TextViolation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(
            f,
            "{}:{}: {}: {} (visitor {}, {})",
            Shown(&v.file),
            v.line,
            v.id,
            Shown(&v.message),
            Shown(&v.visitor),
            Shown(&v.ts)
        )
    }
}

/// An input error as one line of text: `FILE:LINE: input error: MESSAGE`,
/// control characters escaped as in [`TextViolation`].
#[derive(Debug)]
pub struct TextInputError<'a>(pub &'a InputError);

impl fmt::Display for TextInputError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        write!(
            f,
            "{}:{}: input error: {}",
            Shown(&e.file),
            e.line,
            Shown(&e.message)
        )
    }
}

/// Text from a log as a line of the text report shows it: control characters
/// (C0, DEL, C1), the line and paragraph separators (U+2028, U+2029: a line
/// break to Python's `splitlines`, JavaScript and many editors) and the
/// bidirectional overrides and isolates, which reorder what a terminal shows,
/// escaped as Rust writes them (`\r`, `\u{1b}`, `\u{2028}`, `\u{202e}`);
/// everything else as it is.
struct Shown<'a>(&'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |c: char| {
            c.is_control() || matches!(c, '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        };
        let mut rest = self.0;
        while let Some(at) = rest.find(hidden) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(f, "{}", c.escape_default())?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// Writes the summary as text.
///
/// # Errors
///
/// The writer's.
pub fn write_text_summary<W: Write>(mut w: W, s: &Summary) -> io::Result<()> {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    writeln!(
        w,
        "audited {} from {} in {}: {}, {}",
        plural(s.events, "event", "events"),
        plural(s.visitors, "visitor", "visitors"),
        plural(s.files, "file", "files"),
        plural(s.violations(), "violation", "violations"),
        plural(s.input_errors, "input error", "input errors"),
    )?;
    for id in ViolationId::ALL {
        let n = s.count(id);
        if n > 0 {
            writeln!(w, "  {:<30} {n:>8}  ({})", id.as_str(), id.requirements())?;
        }
    }
    Ok(())
}

impl Serialize for ViolationId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for Violation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(8))?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("file", &*self.file)?;
        m.serialize_entry("line", &self.line)?;
        m.serialize_entry("visitor", &self.visitor)?;
        m.serialize_entry("ts", &self.ts)?;
        m.serialize_entry("cookie", &self.cookie)?;
        m.serialize_entry("category", &self.category)?;
        m.serialize_entry("message", &self.message)?;
        m.end()
    }
}

impl Serialize for InputError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("file", &*self.file)?;
        m.serialize_entry("line", &self.line)?;
        m.serialize_entry("message", &self.message)?;
        m.end()
    }
}

struct ById<'a>(&'a [u64; ViolationId::COUNT]);

impl Serialize for ById<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(ViolationId::COUNT))?;
        for id in ViolationId::ALL {
            m.serialize_entry(id.as_str(), &self.0[id as usize])?;
        }
        m.end()
    }
}

/// `{"events","visitors","violations_by_id":{every id: count},"files","lines",
/// "violations","input_errors"}`: SPEC §9's three keys first.
impl Serialize for Summary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("events", &self.events)?;
        m.serialize_entry("visitors", &self.visitors)?;
        m.serialize_entry("violations_by_id", &ById(&self.violations_by_id))?;
        m.serialize_entry("files", &self.files)?;
        m.serialize_entry("lines", &self.lines)?;
        m.serialize_entry("violations", &self.violations())?;
        m.serialize_entry("input_errors", &self.input_errors)?;
        m.end()
    }
}

struct Seq<'a, T>(&'a [T]);

impl<T: Serialize> Serialize for Seq<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(self.0.len()))?;
        for x in self.0 {
            q.serialize_element(x)?;
        }
        q.end()
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("violations", &Seq(&self.violations))?;
        m.serialize_entry("input_errors", &Seq(&self.input_errors))?;
        m.serialize_entry("summary", &self.summary)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s09_text_findings_show_control_characters_escaped() {
        let v = Violation {
            id: ViolationId::CookieBeforeConsent,
            file: Arc::from("log\n.jsonl"),
            line: 7,
            visitor: "v\u{1b}[31mRED\u{1b}[0m\nfake.jsonl:9: all good".into(),
            ts: "2026-03-01T10:00:01Z".into(),
            cookie: Some("nmstat\r\nx".into()),
            category: Some("statistics".into()),
            message: "nmstat\r\nx set before any decision on statistics \u{202e}txt.exe".into(),
        };
        let line = TextViolation(&v).to_string();
        assert_eq!(
            line,
            "log\\n.jsonl:7: cookie-before-consent: nmstat\\r\\nx set before any decision on \
             statistics \\u{202e}txt.exe (visitor v\\u{1b}[31mRED\\u{1b}[0m\\nfake.jsonl:9: all good, \
             2026-03-01T10:00:01Z)"
        );
        let e = InputError {
            file: Arc::from("a\u{85}b"),
            line: 1,
            kind: InputErrorKind::BadField,
            message: "é ok\tthen \u{7f}, \u{2028}x.jsonl:1: \u{2029}".into(),
        };
        assert_eq!(
            TextInputError(&e).to_string(),
            "a\\u{85}b:1: input error: é ok\\tthen \\u{7f}, \\u{2028}x.jsonl:1: \\u{2029}"
        );
    }
}
