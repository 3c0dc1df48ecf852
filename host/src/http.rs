//! HTTP headers (SPEC §6): the `Cookie` request header, `Set-Cookie` values, a
//! filter that keeps only the `Set-Cookie` headers a consent state permits, and the
//! deletion headers a withdrawal, refusal or lapse calls for.
//!
//! The parsers never panic: bad input is a [`HeaderError`] naming the header, what
//! is wrong, the attribute and the byte offset. Cookie names are kept exactly as
//! sent: PHP's `$_COOKIE` rewrites `.` and spaces to `_`, and a host reading names
//! from it would look up the wrong declaration.
//!
//! ```
//! use samtykke::{ConsentState, Ctx};
//! use samtykke_host::http::deletion_plan;
//! use time::macros::datetime;
//!
//! let mut index = [0u16; 16];
//! let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
//! let t0 = datetime!(2026-03-01 10:00 UTC);
//! let mut state = ConsentState::new(7);
//! state.accept_all(&policy, Ctx::button(t0, 1));
//! let statistics = policy.category_set(&["statistics"]).unwrap();
//! state.withdraw(&policy, Some(statistics), Ctx::button(t0, 1));
//!
//! let plan = deletion_plan(&state, &policy, "www.kk.dk", ["nmstat", "SESSabc"], t0);
//! assert_eq!(plan.set_cookie, [
//!     "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
//!     "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=www.kk.dk",
//!     "nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=kk.dk",
//! ]);
//! ```

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use samtykke::{Code, ConsentState, Kind, Permit, ValidPolicy, Why};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::parsing::Parsed;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

// ---- errors ---------------------------------------------------------------

/// The header a [`HeaderError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Header {
    /// The `Cookie` request header.
    Cookie,
    /// The value of a `Set-Cookie` response header.
    SetCookie,
}

impl Header {
    /// The header's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Header::Cookie => "Cookie",
            Header::SetCookie => "Set-Cookie",
        }
    }
}

impl fmt::Display for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a header value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderErrorKind {
    /// A control character other than a tab, which no header value may carry.
    #[error("a control character")]
    ControlCharacter,
    /// The `Set-Cookie` name-value pair has no `=`.
    #[error("the name-value pair has no `=`")]
    MissingEquals,
    /// The `Set-Cookie` cookie name is empty.
    #[error("the cookie name is empty")]
    EmptyName,
    /// `Max-Age` is not a whole number of seconds.
    #[error("not a whole number of seconds")]
    InvalidMaxAge,
    /// `Expires` is not a date in a form this parser reads.
    #[error("not an HTTP date (IMF-fixdate, RFC 850 or asctime form)")]
    InvalidExpires,
    /// `SameSite` is not `Strict`, `Lax` or `None`.
    #[error("not `Strict`, `Lax` or `None`")]
    InvalidSameSite,
}

/// A header value that could not be read: which header, what is wrong, in which
/// attribute and at which byte offset of the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub struct HeaderError {
    /// The header.
    pub header: Header,
    /// What is wrong.
    pub kind: HeaderErrorKind,
    /// The `Set-Cookie` attribute at fault (`Max-Age`), if any.
    pub attribute: Option<&'static str>,
    /// Byte offset in the value where the fault starts.
    pub offset: usize,
}

impl HeaderError {
    /// The result code of every header error: [`Code::HeaderInvalid`].
    pub const fn code(&self) -> Code {
        Code::HeaderInvalid
    }

    const fn new(
        header: Header,
        kind: HeaderErrorKind,
        attribute: Option<&'static str>,
        offset: usize,
    ) -> HeaderError {
        HeaderError {
            header,
            kind,
            attribute,
            offset,
        }
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} header", self.header)?;
        if let Some(a) = self.attribute {
            write!(f, ", attribute {a}")?;
        }
        write!(f, ", at byte {}: {}", self.offset, self.kind)
    }
}

const fn is_wsp(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn trim_wsp(s: &str) -> &str {
    s.trim_matches(is_wsp)
}

/// The first control character (other than a tab) in `s`.
fn check_controls(header: Header, s: &str) -> Result<(), HeaderError> {
    match s
        .bytes()
        .position(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        Some(at) => Err(HeaderError::new(
            header,
            HeaderErrorKind::ControlCharacter,
            None,
            at,
        )),
        None => Ok(()),
    }
}

/// The `;`-separated pieces of `s` with their byte offsets, each trimmed of
/// surrounding whitespace (the offset is the trimmed piece's).
fn pieces(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    s.split(';').map(move |piece| {
        let start = offset + (piece.len() - piece.trim_start_matches(is_wsp).len());
        offset += piece.len() + 1;
        (start, trim_wsp(piece))
    })
}

// ---- the Cookie request header ----------------------------------------------

/// The `(name, value)` pairs of a `Cookie` request header, in order.
///
/// Lenient as RFC 6265 §5.4 browsers are: empty pieces are skipped, whitespace
/// around names and values is trimmed, and a piece without `=` is a nameless
/// cookie (an empty name and the piece as its value, RFC 6265bis). Names are kept
/// exactly as sent, duplicates included.
///
/// # Errors
///
/// A control character other than a tab, with its byte offset.
pub fn parse_cookie_header(header: &str) -> Result<Vec<(&str, &str)>, HeaderError> {
    check_controls(Header::Cookie, header)?;
    Ok(pieces(header)
        .filter(|(_, piece)| !piece.is_empty())
        .map(|(_, piece)| match piece.split_once('=') {
            Some((name, value)) => (trim_wsp(name), trim_wsp(value)),
            None => ("", piece),
        })
        .collect())
}

// ---- Set-Cookie -------------------------------------------------------------

/// The `SameSite` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

impl SameSite {
    /// The attribute's value as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// A parsed `Set-Cookie` value, borrowing from it.
///
/// Attribute names are case-insensitive; when one repeats, the last wins. Unknown
/// attributes are ignored, as browsers ignore them. An empty `Domain` is ignored
/// (the cookie is host-only); a `Path` that does not start with `/` is ignored (the
/// browser's default path applies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetCookie<'h> {
    /// The cookie's name, exactly as sent.
    pub name: &'h str,
    /// The cookie's value, as sent (quotes included).
    pub value: &'h str,
    /// `Max-Age` in seconds (saturating beyond `i64`).
    pub max_age: Option<i64>,
    /// `Expires`, in UTC.
    pub expires: Option<OffsetDateTime>,
    /// `Domain`, lowercased, without its leading dot.
    pub domain: Option<Cow<'h, str>>,
    /// `Path`.
    pub path: Option<&'h str>,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite`.
    pub same_site: Option<SameSite>,
    /// `Partitioned` (CHIPS).
    pub partitioned: bool,
}

impl<'h> SetCookie<'h> {
    /// A cookie `name=value` with no attributes.
    pub const fn new(name: &'h str, value: &'h str) -> SetCookie<'h> {
        SetCookie {
            name,
            value,
            max_age: None,
            expires: None,
            domain: None,
            path: None,
            secure: false,
            http_only: false,
            same_site: None,
            partitioned: false,
        }
    }

    /// Parses a `Set-Cookie` header value (without the `Set-Cookie:` prefix).
    ///
    /// # Errors
    ///
    /// A control character; a name-value pair without `=` or with an empty name;
    /// a `Max-Age` that is not an integer, an `Expires` that is not an HTTP date, a
    /// `SameSite` that is not `Strict`, `Lax` or `None`: each with the attribute and
    /// its byte offset. Known attributes with bad values are errors rather than
    /// ignored, because the filter and the audit decide on them.
    pub fn parse(header: &'h str) -> Result<SetCookie<'h>, HeaderError> {
        use HeaderErrorKind as K;
        let err = |kind, attribute, offset| {
            Err(HeaderError::new(Header::SetCookie, kind, attribute, offset))
        };
        check_controls(Header::SetCookie, header)?;
        let mut parts = pieces(header);
        let (pair_at, pair) = parts.next().unwrap_or((0, ""));
        let Some((name, value)) = pair.split_once('=') else {
            return err(K::MissingEquals, None, pair_at);
        };
        let name = trim_wsp(name);
        if name.is_empty() {
            return err(K::EmptyName, None, pair_at);
        }
        let mut cookie = SetCookie::new(name, trim_wsp(value));
        for (at, piece) in parts {
            if piece.is_empty() {
                continue;
            }
            let (key, val) = match piece.split_once('=') {
                Some((k, v)) => (trim_wsp(k), trim_wsp(v)),
                None => (piece, ""),
            };
            let is = |a: &str| key.eq_ignore_ascii_case(a);
            if is("Max-Age") {
                match parse_max_age(val) {
                    Some(n) => cookie.max_age = Some(n),
                    None => return err(K::InvalidMaxAge, Some("Max-Age"), at),
                }
            } else if is("Expires") {
                match parse_http_date(val) {
                    Some(t) => cookie.expires = Some(t),
                    None => return err(K::InvalidExpires, Some("Expires"), at),
                }
            } else if is("Domain") {
                cookie.domain = domain_attribute(val);
            } else if is("Path") {
                cookie.path = val.starts_with('/').then_some(val);
            } else if is("Secure") {
                cookie.secure = true;
            } else if is("HttpOnly") {
                cookie.http_only = true;
            } else if is("Partitioned") {
                cookie.partitioned = true;
            } else if is("SameSite") {
                cookie.same_site = Some(if val.eq_ignore_ascii_case("Strict") {
                    SameSite::Strict
                } else if val.eq_ignore_ascii_case("Lax") {
                    SameSite::Lax
                } else if val.eq_ignore_ascii_case("None") {
                    SameSite::None
                } else {
                    return err(K::InvalidSameSite, Some("SameSite"), at);
                });
            }
        }
        Ok(cookie)
    }

    /// Whether this header deletes its cookie at `now`: `Max-Age` ≤ 0, or (without
    /// `Max-Age`, which takes precedence) an `Expires` at or before `now`.
    pub fn is_deletion(&self, now: OffsetDateTime) -> bool {
        match (self.max_age, self.expires) {
            (Some(n), _) => n <= 0,
            (None, Some(t)) => t <= now,
            (None, None) => false,
        }
    }

    /// How long the cookie lives from `now`, in seconds: `Max-Age`, else the time
    /// to `Expires`, never below zero; `None` for a session cookie.
    pub fn lifetime_seconds(&self, now: OffsetDateTime) -> Option<i64> {
        match (self.max_age, self.expires) {
            (Some(n), _) => Some(n.max(0)),
            (None, Some(t)) => Some(
                t.unix_timestamp()
                    .saturating_sub(now.unix_timestamp())
                    .max(0),
            ),
            (None, None) => None,
        }
    }
}

/// Writes the header value back: `name=value`, then `Max-Age`, `Expires`
/// (IMF-fixdate), `Domain`, `Path`, `Secure`, `HttpOnly`, `SameSite`,
/// `Partitioned`, those that are set.
impl fmt::Display for SetCookie<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        if let Some(n) = self.max_age {
            write!(f, "; Max-Age={n}")?;
        }
        if let Some(t) = self.expires {
            write!(f, "; Expires={}", format_http_date(t))?;
        }
        if let Some(d) = &self.domain {
            write!(f, "; Domain={d}")?;
        }
        if let Some(p) = self.path {
            write!(f, "; Path={p}")?;
        }
        if self.secure {
            f.write_str("; Secure")?;
        }
        if self.http_only {
            f.write_str("; HttpOnly")?;
        }
        if let Some(s) = self.same_site {
            write!(f, "; SameSite={}", s.as_str())?;
        }
        if self.partitioned {
            f.write_str("; Partitioned")?;
        }
        Ok(())
    }
}

fn parse_max_age(v: &str) -> Option<i64> {
    let (negative, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Browsers cap a huge Max-Age rather than reject the cookie: saturate likewise.
    // A negative one accumulates downwards, so that `i64::MIN` reads back exactly.
    Some(digits.bytes().fold(0i64, |n, b| {
        let d = i64::from(b - b'0');
        let n = n.saturating_mul(10);
        if negative {
            n.saturating_sub(d)
        } else {
            n.saturating_add(d)
        }
    }))
}

fn domain_attribute(v: &str) -> Option<Cow<'_, str>> {
    let d = v.strip_prefix('.').unwrap_or(v);
    if d.is_empty() {
        None
    } else if d.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Cow::Owned(d.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(d))
    }
}

// ---- HTTP dates -------------------------------------------------------------

const DAY: &[BorrowedFormatItem<'_>] = format_description!("[day padding:none]");
const MONTH: &[BorrowedFormatItem<'_>] =
    format_description!("[month repr:short case_sensitive:false]");
const YEAR_FULL: &[BorrowedFormatItem<'_>] = format_description!("[year]");
const YEAR_TWO: &[BorrowedFormatItem<'_>] = format_description!("[year repr:last_two]");
const CLOCK: &[BorrowedFormatItem<'_>] =
    format_description!("[hour padding:none]:[minute padding:none]:[second padding:none]");

fn skip_wsp(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&c| c == b' ' || c == b'\t').count();
    &b[n..]
}

/// A date separator: a dash or a run of whitespace.
fn date_sep(b: &[u8]) -> Option<&[u8]> {
    match b.first()? {
        b'-' => Some(&b[1..]),
        b' ' | b'\t' => Some(skip_wsp(b)),
        _ => None,
    }
}

fn skip_letters(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    &b[n..]
}

/// Parses an HTTP date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`), the Netscape form (`Sun, 06-Nov-1994
/// 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`). The weekday is
/// optional and not checked against the date (browsers ignore it); month names
/// are case-insensitive; two-digit years 70–99 are 19xx, 00–69 20xx (RFC 6265
/// §5.1.1); the zone, if any, must be GMT, UTC, UT, Z, +0000 or -0000.
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let s = trim_wsp(s).as_bytes();
    let letters = s.len() - skip_letters(s).len();
    // A leading word followed by a comma or by another word is a weekday.
    let s = if letters > 0 {
        let rest = &s[letters..];
        if let Some(r) = rest.strip_prefix(b",") {
            skip_wsp(r)
        } else if skip_wsp(rest).first().is_some_and(u8::is_ascii_alphabetic) {
            skip_wsp(rest)
        } else {
            s
        }
    } else {
        s
    };
    let mut p = Parsed::new();
    let rest = if s.first().is_some_and(u8::is_ascii_digit) {
        // Day first: IMF-fixdate, RFC 850, Netscape.
        let r = p.parse_items(s, DAY).ok()?;
        let r = skip_letters(p.parse_items(date_sep(r)?, MONTH).ok()?);
        let r = date_sep(r)?;
        let r = p
            .parse_items(r, YEAR_FULL)
            .or_else(|_| p.parse_items(r, YEAR_TWO))
            .ok()?;
        p.parse_items(skip_wsp(r), CLOCK).ok()?
    } else {
        // asctime: month, day, time, year.
        let r = skip_letters(p.parse_items(s, MONTH).ok()?);
        let r = p.parse_items(skip_wsp(r), DAY).ok()?;
        let r = p.parse_items(skip_wsp(r), CLOCK).ok()?;
        p.parse_items(skip_wsp(r), YEAR_FULL).ok()?
    };
    let zone = skip_wsp(rest);
    if !["", "GMT", "UTC", "UT", "Z", "+0000", "-0000"]
        .iter()
        .any(|z| zone.eq_ignore_ascii_case(z.as_bytes()))
    {
        return None;
    }
    let year = match (p.year(), p.year_last_two()) {
        (Some(y), _) => y,
        (None, Some(y)) if y >= 70 => 1900 + i32::from(y),
        (None, Some(y)) => 2000 + i32::from(y),
        (None, None) => return None,
    };
    let date = Date::from_calendar_date(year, p.month()?, p.day()?.get()).ok()?;
    let time = Time::from_hms(p.hour_24()?, p.minute()?, p.second()?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// `t` as an IMF-fixdate (`Thu, 01 Jan 1970 00:00:00 GMT`), in UTC, whole seconds.
pub fn format_http_date(t: OffsetDateTime) -> String {
    let t = OffsetDateTime::from_unix_timestamp(t.unix_timestamp()).unwrap_or(t);
    let weekday = match t.weekday() {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    };
    let month = match t.month() {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    };
    format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

// ---- filtering a response's Set-Cookie headers --------------------------------

/// Why [`filter_set_cookie`] dropped a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason<'a> {
    /// The cookie is declared, and the state denies it.
    Denied {
        /// The id of the cookie's category.
        category: &'a str,
        /// Why the state denies it ([`Permit::Denied`]).
        why: Why,
    },
    /// No declaration covers the cookie's name (R21).
    Undeclared,
    /// The header could not be parsed.
    Unparsable(HeaderError),
}

impl DropReason<'_> {
    /// The reason's name: the denial's [`Why::as_str`] (`withdrawn`,
    /// `provider-refused`, …), `undeclared` or `unparsable`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            DropReason::Denied { why, .. } => why.as_str(),
            DropReason::Undeclared => "undeclared",
            DropReason::Unparsable(_) => "unparsable",
        }
    }
}

impl fmt::Display for DropReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Denied { category, why } => write!(f, "{category} {}", why.as_str()),
            DropReason::Undeclared => f.write_str("undeclared"),
            DropReason::Unparsable(e) => write!(f, "unparsable: {e}"),
        }
    }
}

/// A `Set-Cookie` header [`filter_set_cookie`] dropped, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dropped<'h, 'a> {
    /// Its position among the headers given.
    pub index: usize,
    /// The header value.
    pub header: &'h str,
    /// The cookie's name, when the header could be parsed.
    pub name: Option<&'h str>,
    /// Why it was dropped.
    pub reason: DropReason<'a>,
}

/// What [`filter_set_cookie`] kept and dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filtered<'h, 'a> {
    /// The headers to send, in their original order.
    pub kept: Vec<&'h str>,
    /// The headers withheld, in their original order, each with its reason.
    pub dropped: Vec<Dropped<'h, 'a>>,
}

/// Keeps the `Set-Cookie` header values the state permits at `now`
/// ([`ConsentState::permits`]) and reports the others rather than dropping them
/// silently. A deletion ([`SetCookie::is_deletion`]) always passes, declared or
/// not, since removing a cookie never needs consent. An unparsable header is
/// dropped: the state cannot vouch for a cookie it cannot name.
///
/// `headers` yields `&str`, `&String` or any other `&S` where `S: AsRef<str>`.
pub fn filter_set_cookie<'h, 'a, I, S>(
    state: &ConsentState,
    policy: &ValidPolicy<'a>,
    headers: I,
    now: OffsetDateTime,
) -> Filtered<'h, 'a>
where
    I: IntoIterator<Item = &'h S>,
    S: AsRef<str> + ?Sized + 'h,
{
    let mut out = Filtered::default();
    for (index, header) in headers.into_iter().enumerate() {
        let header = header.as_ref();
        let (name, reason) = match SetCookie::parse(header) {
            Err(e) => (None, Some(DropReason::Unparsable(e))),
            Ok(c) if c.is_deletion(now) => (Some(c.name), None),
            Ok(c) => match state.permits(policy, c.name, now) {
                Permit::Allowed { .. } => (Some(c.name), None),
                Permit::Denied { category, why, .. } => (
                    Some(c.name),
                    Some(DropReason::Denied {
                        category: category.id,
                        why,
                    }),
                ),
                Permit::Undeclared => (Some(c.name), Some(DropReason::Undeclared)),
            },
        };
        match reason {
            None => out.kept.push(header),
            Some(reason) => out.dropped.push(Dropped {
                index,
                header,
                name,
                reason,
            }),
        }
    }
    out
}

// ---- hosts and the domains they reach ------------------------------------------

/// A request host, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
    /// A domain name, lowercase, without port or trailing dot.
    Name(String),
    /// An IP address (or a name a browser reads as one): host-only cookies only.
    Ip(String),
    /// Anything else, lowercased: host-only cookies only.
    Opaque(String),
}

impl Host {
    fn parse(host: &str) -> Host {
        let h = trim_wsp(host).to_ascii_lowercase();
        if let Some(rest) = h.strip_prefix('[') {
            let inner = rest.split(']').next().unwrap_or_default();
            return if inner.parse::<Ipv6Addr>().is_ok() {
                Host::Ip(inner.to_owned())
            } else {
                Host::Opaque(h)
            };
        }
        if h.parse::<Ipv6Addr>().is_ok() {
            return Host::Ip(h);
        }
        let name = match h.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => &h,
        };
        let name = name.strip_suffix('.').unwrap_or(name);
        // WHATWG URL: a host whose last label is a number is an IPv4 address.
        let last = name.rsplit('.').next().unwrap_or_default();
        if name.parse::<Ipv4Addr>().is_ok()
            || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        {
            return Host::Ip(name.to_owned());
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if name.len() <= 253 && name.split('.').all(label_ok) {
            Host::Name(name.to_owned())
        } else {
            Host::Opaque(name.to_owned())
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Host::Name(h) | Host::Ip(h) | Host::Opaque(h) => h,
        }
    }

    /// Whether a response from this host can set or delete cookies on `domain`
    /// (normalised): the host is that domain or a subdomain of it.
    fn reaches(&self, domain: &str) -> bool {
        match self {
            Host::Name(h) => {
                h == domain
                    || (h.len() > domain.len()
                        && h.ends_with(domain)
                        && h.as_bytes()[h.len() - domain.len() - 1] == b'.')
            }
            Host::Ip(h) | Host::Opaque(h) => h == domain,
        }
    }

    /// The `Domain` attribute values this host can use: itself and each parent up
    /// to, not including, its public suffix.
    fn domains(&self) -> Vec<&str> {
        let Host::Name(h) = self else {
            return Vec::new();
        };
        let Some(suffix) = psl::suffix(h.as_bytes()) else {
            return Vec::new();
        };
        let suffix_len = suffix.as_bytes().len();
        let mut out = Vec::new();
        let mut d = h.as_str();
        while d.len() > suffix_len {
            out.push(d);
            match d.split_once('.') {
                Some((_, parent)) => d = parent,
                None => break,
            }
        }
        out
    }
}

fn normalise_domain(d: &str) -> String {
    let d = trim_wsp(d);
    let d = d.strip_prefix('.').unwrap_or(d);
    let d = d.strip_suffix('.').unwrap_or(d);
    d.to_ascii_lowercase()
}

/// The `Domain` attribute values a response from `host` can use, most specific
/// first: the host itself and each parent domain up to, not including, its public
/// suffix (from the public-suffix list). `host` may carry a port and any case.
/// Empty for IP addresses, public suffixes and hosts that are not domain names.
///
/// `www.example.co.uk` gives `["www.example.co.uk", "example.co.uk"]`.
pub fn cookie_domains(host: &str) -> Vec<String> {
    Host::parse(host)
        .domains()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

// ---- deletion headers -----------------------------------------------------------

/// Why a present item cannot be deleted by the request's host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UndeletableReason {
    /// It is declared on a domain outside the host's reach: the host is neither
    /// that domain nor a subdomain of it.
    OutsideReach,
    /// Its name cannot be written in a `Set-Cookie` header (empty, or holding
    /// `;`, `=`, a control character or surrounding whitespace).
    InvalidName,
    /// Its declared path cannot be written in a `Set-Cookie` header (not starting
    /// with `/`, or holding `;` or a control character).
    InvalidPath,
}

impl UndeletableReason {
    /// The reason's name (`outside-reach`, `invalid-name`, `invalid-path`).
    pub const fn as_str(self) -> &'static str {
        match self {
            UndeletableReason::OutsideReach => "outside-reach",
            UndeletableReason::InvalidName => "invalid-name",
            UndeletableReason::InvalidPath => "invalid-path",
        }
    }
}

/// A present item that must go but that this host cannot delete.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Undeletable {
    /// The cookie's name as present.
    pub name: String,
    /// The id of its category.
    pub category: String,
    /// Its domain: the declared one, else the request host (normalised).
    pub domain: String,
    /// Why it cannot be deleted here.
    pub reason: UndeletableReason,
}

/// What must go at a request, for the response and the page script (SPEC §6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeletionPlan {
    /// `Set-Cookie` header values (without the `Set-Cookie:` prefix) deleting
    /// every present cookie that must go, on every domain the host reaches.
    pub set_cookie: Vec<String>,
    /// The declared non-cookie items (local and session storage, IndexedDB) of
    /// denied categories, for the page script to clear, in declaration order. A
    /// pattern declaration is given as its pattern.
    pub storage_keys: Vec<(Kind, String)>,
    /// The present cookies that must go but that this host cannot delete.
    pub undeletable: Vec<Undeletable>,
}

impl DeletionPlan {
    /// Whether nothing needs deleting and nothing is reported.
    pub fn is_empty(&self) -> bool {
        self.set_cookie.is_empty() && self.storage_keys.is_empty() && self.undeletable.is_empty()
    }
}

/// An `Expires` in the past for deletion headers, for browsers that ignore
/// `Max-Age`.
pub const EXPIRED: &str = "Thu, 01 Jan 1970 00:00:00 GMT";

fn has_prefix_ignore_case(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len()
        && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn writable(s: &str) -> bool {
    !s.is_empty()
        && trim_wsp(s).len() == s.len()
        && !s.bytes().any(|b| b < 0x20 || b == 0x7f || b == b';')
}

fn deletion_header(name: &str, path: &str, domain: Option<&str>, secure: bool) -> String {
    let mut h = format!("{name}=; Max-Age=0; Expires={EXPIRED}; Path={path}");
    if let Some(d) = domain {
        h.push_str("; Domain=");
        h.push_str(d);
    }
    if secure {
        h.push_str("; Secure");
    }
    h
}

/// The deletion plan for a request to `host` carrying the cookies `present_names`
/// (from its `Cookie` header), at `now` (SPEC §6).
///
/// For each present declared cookie the state denies
/// ([`ConsentState::deletion_plan`]), in the order first present: one header
/// host-only (no `Domain`), then one per `Domain` the host reaches, from the host
/// itself up to, not including, the public suffix ([`cookie_domains`]); each with
/// `Max-Age=0`, `Expires` [`EXPIRED`] and the declared path or `/`. A `__Host-`
/// cookie gets exactly one header, `Secure; Path=/`, no `Domain`; a `__Secure-`
/// one gets `Secure` on each. An item whose declared domain the host does not reach
/// is reported in `undeletable` instead. An IP-address host deletes host-only.
/// `host` may carry a port and any case. Undeclared names and the consent cookie
/// are left alone. Also lists the non-cookie storage of denied categories
/// ([`ConsentState::storage_to_clear`]).
pub fn deletion_plan<I>(
    state: &ConsentState,
    policy: &ValidPolicy<'_>,
    host: &str,
    present_names: I,
    now: OffsetDateTime,
) -> DeletionPlan
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let host = Host::parse(host);
    let domains = host.domains();
    let present: Vec<I::Item> = present_names.into_iter().collect();
    let mut seen = HashSet::new();
    let unique = present
        .iter()
        .map(AsRef::as_ref)
        .filter(|name| seen.insert(*name));
    let mut plan = DeletionPlan::default();
    for d in state.deletion_plan(policy, now, unique) {
        let declared = d
            .declaration
            .domain
            .map(normalise_domain)
            .filter(|d| !d.is_empty());
        let undeletable = |reason, domain: Option<String>| Undeletable {
            name: d.name.to_owned(),
            category: d.category.id.to_owned(),
            domain: domain.unwrap_or_else(|| host.as_str().to_owned()),
            reason,
        };
        let path = d.declaration.path.unwrap_or("/");
        if !writable(d.name) || d.name.contains('=') {
            plan.undeletable
                .push(undeletable(UndeletableReason::InvalidName, declared));
        } else if declared.as_deref().is_some_and(|dom| !host.reaches(dom)) {
            plan.undeletable
                .push(undeletable(UndeletableReason::OutsideReach, declared));
        } else if has_prefix_ignore_case(d.name, "__Host-") {
            plan.set_cookie
                .push(deletion_header(d.name, "/", None, true));
        } else if !writable(path) || !path.starts_with('/') {
            plan.undeletable
                .push(undeletable(UndeletableReason::InvalidPath, declared));
        } else {
            let secure = has_prefix_ignore_case(d.name, "__Secure-");
            plan.set_cookie
                .push(deletion_header(d.name, path, None, secure));
            for domain in &domains {
                plan.set_cookie
                    .push(deletion_header(d.name, path, Some(domain), secure));
            }
        }
    }
    plan.storage_keys = state
        .storage_to_clear(policy, now)
        .map(|d| (d.kind, d.name.to_owned()))
        .collect();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn http_date_forms() {
        let t = datetime!(1994-11-06 08:49:37 UTC);
        for s in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06-Nov-1994 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun Nov 6 08:49:37 1994",
            "06 Nov 1994 08:49:37 GMT",
            "sun, 6 nov 1994 8:49:37 utc",
            "Mon, 06 November 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(s), Some(t), "{s}");
        }
        assert_eq!(
            parse_http_date("Thu, 01-Jan-70 00:00:00 GMT"),
            Some(OffsetDateTime::UNIX_EPOCH)
        );
        assert_eq!(
            parse_http_date("Fri, 01-Jan-38 00:00:00 GMT"),
            Some(datetime!(2038-01-01 0:00 UTC))
        );
        for s in [
            "",
            "yesterday",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 06 Nov 1994 08:49:37 GMT trailing",
            "Sun, 06 Nov 19945 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(s), None, "{s}");
        }
        assert_eq!(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            format_http_date(OffsetDateTime::UNIX_EPOCH),
            EXPIRED,
            "EXPIRED is the epoch"
        );
    }

    #[test]
    fn hosts() {
        assert_eq!(
            Host::parse("WWW.KK.DK:8443"),
            Host::Name("www.kk.dk".into())
        );
        assert_eq!(Host::parse("www.kk.dk."), Host::Name("www.kk.dk".into()));
        assert_eq!(Host::parse("[::1]:8080"), Host::Ip("::1".into()));
        assert_eq!(Host::parse("10.0.0.1:80"), Host::Ip("10.0.0.1".into()));
        assert_eq!(Host::parse("bad host"), Host::Opaque("bad host".into()));
        assert!(Host::parse("www.kk.dk").reaches("kk.dk"));
        assert!(!Host::parse("www.kk.dk").reaches("k.dk"));
        assert!(!Host::parse("kk.dk").reaches("www.kk.dk"));
    }
}
