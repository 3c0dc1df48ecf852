//! Log lines as typed events (SPEC §8's table), checked field by field.

use std::borrow::Cow;

use samtykke::{Action, CategorySet, ConsentModeFlags, Control, ProviderSet, ValidPolicy};
use time::OffsetDateTime;

use super::memo::Memo;
use super::report::InputErrorKind;
use super::scan::{Fields, Key, Strings, Val};
use super::stamp::{self, LastDay, StampError};
use samtykke_host::http::{HeaderError, HeaderErrorKind, SetCookie};

/// Why a line is not applied.
#[derive(Debug)]
pub(crate) struct Bad {
    pub kind: InputErrorKind,
    pub message: String,
}

fn bad<T>(kind: InputErrorKind, message: String) -> Result<T, Bad> {
    Err(Bad { kind, message })
}

/// One decoded line.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    /// Seconds since the epoch.
    pub at: i64,
    /// The timestamp as written.
    pub ts: Cow<'a, str>,
    pub visitor: Cow<'a, str>,
    /// The visitor id's keyed hash, when the sharded reader has computed it to
    /// route the line (the shard's table is keyed alike).
    pub place: Option<u64>,
    pub body: Body<'a>,
}

#[derive(Debug)]
pub(crate) enum Body<'a> {
    Notice(Notice),
    Decision(Decision),
    CookieSet(CookieSet<'a>),
    /// The cookies of a request, and what they ask of a state when the line's
    /// tail was remembered ([`Asks`](crate::rules::Asks)).
    CookiePresent(Strings<'a>, Option<crate::rules::Asks>),
    CookieDeleted,
    Signal,
    /// A Google tag hit: the Consent Mode types its `gcs` or `gcd` claim granted.
    TagRequest(ConsentModeFlags),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Notice {
    pub revision: u32,
    pub layer: Option<u32>,
    /// `trigger: user`: the visitor opened the settings.
    pub user: bool,
    pub accept_all: bool,
    pub reject_all: bool,
    pub preselected: CategorySet,
}

/// A decision's action: one of the core's, or `implied`, which the core has no
/// name for and which decides nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogAction {
    Core(Action),
    Implied,
}

impl LogAction {
    /// The core's action of that name, but for the GPC signal, which a log
    /// records as a `signal` event of its own; or `implied`.
    fn parse(s: &str) -> Option<LogAction> {
        match Action::parse(s) {
            Some(Action::SignalGpc) => None,
            Some(a) => Some(LogAction::Core(a)),
            None => (s == "implied").then_some(LogAction::Implied),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            LogAction::Core(a) => a.as_str(),
            LogAction::Implied => "implied",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Decision {
    pub action: LogAction,
    pub revision: u32,
    pub notice: u16,
    pub control: Control,
    /// `granted`, as listed (necessary included).
    pub granted: CategorySet,
    pub providers_refused: ProviderSet,
    /// `categories` (for `withdraw`); `None`: all.
    pub categories: Option<CategorySet>,
    pub gpc: bool,
}

/// A `cookie_set` as logged. A `Set-Cookie` header is read by the rules'
/// thread ([`CookieSet::read`]), which has less to do than the parsing thread.
#[derive(Debug)]
pub(crate) enum CookieSet<'a> {
    /// `set_cookie`: the raw header value; what its attributes (all from its
    /// first `;`) were read as, when the memo of tails carries it
    /// ([`attributes_of`]); and where its pair ends (at its first `;`, or its
    /// end), when the memo of tails found it.
    Header(Cow<'a, str>, Option<Lifetime>, Option<u32>),
    /// `cookie` with `max_age_s`.
    Named {
        name: Cow<'a, str>,
        max_age: Option<i64>,
    },
}

/// A cookie set: its name, whether it is a deletion (`Max-Age` ≤ 0 or an
/// `Expires` in the past), and how long it lives (`None`: a session cookie).
#[derive(Debug)]
pub(crate) struct Setting<'c> {
    pub name: Cow<'c, str>,
    pub deletion: bool,
    pub lifetime: Option<i64>,
}

impl CookieSet<'_> {
    /// The cookie set at `at`, its header's attributes read through `memo`.
    ///
    /// # Errors
    ///
    /// A `Set-Cookie` header that does not parse.
    pub(crate) fn read(&self, at: i64, memo: &mut AttributeMemo) -> Result<Setting<'_>, Bad> {
        match self {
            CookieSet::Header(header, known, pair) => {
                let read = memo.parse(header, *known, *pair).map_err(|e| Bad {
                    kind: InputErrorKind::BadField,
                    message: format!("`set_cookie`: {e}"),
                })?;
                // The host's rules for a deletion and a lifetime.
                let mut c = SetCookie::new(read.name, read.value);
                c.max_age = read.max_age;
                c.expires = read.expires;
                // Only `Expires` is read against the time.
                let now = match c.expires {
                    Some(_) => OffsetDateTime::from_unix_timestamp(at)
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    None => OffsetDateTime::UNIX_EPOCH,
                };
                Ok(Setting {
                    name: Cow::Borrowed(c.name),
                    deletion: c.is_deletion(now),
                    lifetime: c.lifetime_seconds(now),
                })
            }
            CookieSet::Named { name, max_age } => Ok(Setting {
                name: Cow::Borrowed(name),
                deletion: max_age.is_some_and(|n| n <= 0),
                lifetime: *max_age,
            }),
        }
    }
}

/// What the audit reads of a `Set-Cookie` header's attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lifetime {
    pub(crate) max_age: Option<i64>,
    pub(crate) expires: Option<OffsetDateTime>,
}

/// What the audit reads of a `Set-Cookie` header: the `name` and `value`
/// [`SetCookie::parse`] gives, and its `Max-Age` and `Expires`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeaderRead<'h> {
    pub name: &'h str,
    pub value: &'h str,
    pub max_age: Option<i64>,
    pub expires: Option<OffsetDateTime>,
}

/// A memo of `Set-Cookie` attributes. A site sets each of its cookies with the
/// same attributes again and again, and only the value changes, so a header's
/// attributes (all from its first `;`) are parsed once for each text, and its
/// `name=value` pair on every line. Both are [`SetCookie::parse`]'s work: the
/// pair alone is a header of one piece, and the attributes are parsed behind a
/// pair of our own, so a header read here has the name, `Max-Age`, `Expires`
/// and error (kind, attribute and byte offset) that parsing it whole gives.
/// Texts over [`AttributeMemo::LONGEST`] bytes are parsed and not kept.
#[derive(Debug)]
pub(crate) struct AttributeMemo {
    /// Each text's attributes, or where its fault lies (offsets from the `;`
    /// that starts the text).
    memo: Memo<Result<Lifetime, HeaderError>, { AttributeMemo::SLOTS }>,
    /// The header the attributes of a text not yet memoized are parsed in.
    scratch: String,
}

/// The pair the attributes are parsed behind.
const PAIR: &str = "a=b";

impl Default for AttributeMemo {
    fn default() -> Self {
        AttributeMemo {
            memo: Memo::new(Self::LONGEST),
            scratch: String::new(),
        }
    }
}

impl AttributeMemo {
    const SLOTS: usize = 256;
    /// The longest text of attributes kept.
    const LONGEST: usize = 256;

    /// The name, value, `Max-Age` and `Expires` of `header` as
    /// [`SetCookie::parse`] reads them (the other attributes are not kept).
    ///
    /// `known`, when given, is what the attributes read as ([`attributes_of`]),
    /// so that they are not looked up again; `pair`, when given, is where the
    /// header's first `;` is, or its length when it has none, so that it is
    /// not looked for again.
    ///
    /// # Errors
    ///
    /// [`SetCookie::parse`]'s error for `header`.
    pub(crate) fn parse<'h>(
        &mut self,
        header: &'h str,
        known: Option<Lifetime>,
        pair: Option<u32>,
    ) -> Result<HeaderRead<'h>, HeaderError> {
        let read = |(name, value), lifetime: Lifetime| HeaderRead {
            name,
            value,
            max_age: lifetime.max_age,
            expires: lifetime.expires,
        };
        let semi = match pair {
            Some(end) => {
                let semi = Some(end as usize).filter(|&end| end < header.len());
                debug_assert_eq!(semi, memchr::memchr(b';', header.as_bytes()), "{header}");
                semi
            }
            None => memchr::memchr(b';', header.as_bytes()),
        };
        let Some(semi) = semi else {
            let none = Lifetime {
                max_age: None,
                expires: None,
            };
            return SetCookie::parse_pair(header).map(|pair| read(pair, none));
        };
        let (pair, attributes) = header.split_at(semi);
        let attributes = match known.map_or_else(|| self.attributes(attributes), Ok) {
            // A `Max-Age` or `Expires` browsers read each their own way: the
            // cookie is kept, for how long is not known (SPEC §8 judges the
            // cookie; docs/audit.md).
            Err(e)
                if matches!(
                    e.kind,
                    HeaderErrorKind::InvalidMaxAge | HeaderErrorKind::InvalidExpires
                ) =>
            {
                Ok(Lifetime {
                    max_age: None,
                    expires: None,
                })
            }
            other => other.map_err(|mut e| {
                e.offset += semi;
                e
            }),
        };
        // `SetCookie::parse` looks for control characters in the whole header
        // first; the pair's other faults come before the attributes'.
        match (SetCookie::parse_pair(pair), attributes) {
            (Err(e), _) if e.kind == HeaderErrorKind::ControlCharacter => Err(e),
            (_, Err(e)) if e.kind == HeaderErrorKind::ControlCharacter => Err(e),
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
            (Ok(pair), Ok(lifetime)) => Ok(read(pair, lifetime)),
        }
    }

    /// The attributes of `text` (from a `;` on), offsets counted from its start.
    fn attributes(&mut self, text: &str) -> Result<Lifetime, HeaderError> {
        let scratch = &mut self.scratch;
        self.memo.get(text, |t| parse_attributes(scratch, t))
    }
}

/// What the attributes of `header` (all from its first `;`) read as, when it
/// has some and they are read without a fault: what [`AttributeMemo::parse`]
/// may be given as known for the same header.
pub(crate) fn attributes_of(header: &str) -> Option<Lifetime> {
    let semi = memchr::memchr(b';', header.as_bytes())?;
    parse_attributes(&mut String::new(), header.get(semi..)?).ok()
}

/// The attributes of `text`, parsed behind [`PAIR`] in `scratch`.
fn parse_attributes(scratch: &mut String, text: &str) -> Result<Lifetime, HeaderError> {
    scratch.clear();
    scratch.push_str(PAIR);
    scratch.push_str(text);
    let result = match SetCookie::parse(scratch) {
        Ok(c) => Ok(Lifetime {
            max_age: c.max_age,
            expires: c.expires,
        }),
        Err(mut e) => {
            // The pair has no fault of its own: every fault lies after it.
            e.offset = e.offset.saturating_sub(PAIR.len());
            Err(e)
        }
    };
    if scratch.capacity() > AttributeMemo::LONGEST * 4 {
        // A long text once is not kept in the scratch either.
        *scratch = String::new();
    }
    result
}

/// A field's value as the audit reads it, wherever it comes from: a JSON
/// line's value, or an Arrow table's cell.
#[derive(Debug)]
pub(crate) enum Cell<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    /// An integer too large for an `i64`, as written.
    BigInt(Cow<'a, str>),
    Bool(bool),
    /// An array of strings.
    Strings(Strings<'a>),
    /// An array that holds something else than strings.
    Array,
    /// Any other value, by its JSON type's name (for messages), or a table
    /// cell's that no JSON value reads as, by its Arrow type.
    Other(&'a str),
}

impl Cell<'_> {
    /// The JSON type's name, for messages.
    fn type_name(&self) -> &str {
        match self {
            Cell::Str(_) => "a string",
            Cell::Int(_) | Cell::BigInt(_) => "a number",
            Cell::Bool(_) => "a boolean",
            Cell::Strings(_) | Cell::Array => "an array",
            Cell::Other(name) => name,
        }
    }
}

/// The fields of one event: §8's keys and their values. A JSON line's
/// [`Fields`] are; so is a row of an Arrow table (`super::table`).
pub(crate) trait Cells<'a> {
    /// The value of `key`, if the event has the field.
    fn cell(&self, key: Key) -> Option<Cell<'a>>;

    /// Whether an array of the event may hold an empty string (false only
    /// when the reader knows none does).
    #[inline]
    fn may_hold_empty_string(&self) -> bool {
        true
    }

    /// The value of `key` if the event has the field: its text if it is a
    /// string, else the value. (What [`Cells::cell`] gives; a JSON line's
    /// fields give a string's text without building the cell.)
    #[inline]
    fn string(&self, key: Key) -> Option<Result<Cow<'a, str>, Cell<'a>>> {
        Some(match self.cell(key)? {
            Cell::Str(s) => Ok(s),
            other => Err(other),
        })
    }
}

impl<'a> Cells<'a> for Fields<'a> {
    #[inline]
    fn may_hold_empty_string(&self) -> bool {
        self.empty_in_array()
    }

    #[inline(always)]
    fn string(&self, key: Key) -> Option<Result<Cow<'a, str>, Cell<'a>>> {
        match self.plain(key) {
            Some(text) => Some(Ok(Cow::Borrowed(text))),
            None => Some(match self.cell(key)? {
                Cell::Str(s) => Ok(s),
                other => Err(other),
            }),
        }
    }

    #[inline]
    fn cell(&self, key: Key) -> Option<Cell<'a>> {
        Some(match self.get(key)? {
            Val::Str {
                start,
                end,
                escaped,
            } => Cell::Str(self.text(start, end, escaped)),
            Val::Int(n) => Cell::Int(n),
            Val::BigInt { start, end } => Cell::BigInt(self.text(start, end, false)),
            Val::Bool(b) => Cell::Bool(b),
            Val::Array {
                start,
                end,
                strings: true,
            } => Cell::Strings(self.strings(start, end)),
            Val::Array { .. } => Cell::Array,
            v @ (Val::Number | Val::Object) => Cell::Other(v.type_name()),
        })
    }
}

struct Reader<'f, 'p, C> {
    f: &'f C,
    policy: &'f ValidPolicy<'p>,
}

impl<'a, C: Cells<'a>> Reader<'_, '_, C> {
    #[inline(always)]
    fn string(&self, key: Key) -> Result<Option<Cow<'a, str>>, Bad> {
        match self.f.string(key) {
            None => Ok(None),
            Some(Ok(s)) => Ok(Some(s)),
            Some(Err(v)) => bad(
                InputErrorKind::BadField,
                format!("`{}` must be a string, not {}", key.name(), v.type_name()),
            ),
        }
    }

    #[inline(always)]
    fn required(&self, key: Key) -> Result<Cow<'a, str>, Bad> {
        match self.string(key)? {
            Some(s) if s.is_empty() => empty(key),
            Some(s) => Ok(s),
            None => bad(
                InputErrorKind::MissingField,
                format!("missing `{}`", key.name()),
            ),
        }
    }

    fn int(&self, key: Key, min: i64, max: i64) -> Result<Option<i64>, Bad> {
        match self.f.cell(key) {
            None => Ok(None),
            Some(Cell::Int(n)) if (min..=max).contains(&n) => Ok(Some(n)),
            Some(Cell::Int(n)) => bad(
                InputErrorKind::BadField,
                format!("`{}` is {n}, outside {min}..={max}", key.name()),
            ),
            Some(Cell::BigInt(n)) => bad(
                InputErrorKind::BadField,
                format!("`{}` is {n}, outside {min}..={max}", key.name()),
            ),
            Some(v) => bad(
                InputErrorKind::BadField,
                format!("`{}` must be an integer, not {}", key.name(), v.type_name()),
            ),
        }
    }

    fn boolean(&self, key: Key) -> Result<Option<bool>, Bad> {
        match self.f.cell(key) {
            None => Ok(None),
            Some(Cell::Bool(b)) => Ok(Some(b)),
            Some(v) => bad(
                InputErrorKind::BadField,
                format!(
                    "`{}` must be true or false, not {}",
                    key.name(),
                    v.type_name()
                ),
            ),
        }
    }

    fn list(&self, key: Key) -> Result<Option<Strings<'a>>, Bad> {
        match self.f.cell(key) {
            None => Ok(None),
            Some(Cell::Strings(list)) => Ok(Some(list)),
            Some(Cell::Array) => bad(
                InputErrorKind::BadField,
                format!("`{}` must be an array of strings", key.name()),
            ),
            Some(v) => bad(
                InputErrorKind::BadField,
                format!(
                    "`{}` must be an array of strings, not {}",
                    key.name(),
                    v.type_name()
                ),
            ),
        }
    }

    fn categories(&self, key: Key) -> Result<Option<CategorySet>, Bad> {
        let Some(list) = self.list(key)? else {
            return Ok(None);
        };
        let mut set = CategorySet::EMPTY;
        for (i, id) in list.enumerate() {
            match self.policy.category(&id) {
                Some((_, c)) => set = set.with(c.slot),
                None => {
                    return bad(
                        InputErrorKind::BadField,
                        format!("`{}[{i}]`: the policy has no category {id:?}", key.name()),
                    )
                }
            }
        }
        Ok(Some(set))
    }

    fn providers(&self, key: Key) -> Result<Option<ProviderSet>, Bad> {
        let Some(list) = self.list(key)? else {
            return Ok(None);
        };
        let mut set = ProviderSet::EMPTY;
        for (i, id) in list.enumerate() {
            match self.policy.provider(&id) {
                Some((_, p)) => set = set.with(p.slot),
                None => {
                    return bad(
                        InputErrorKind::BadField,
                        format!("`{}[{i}]`: the policy has no provider {id:?}", key.name()),
                    )
                }
            }
        }
        Ok(Some(set))
    }

    fn revision(&self) -> Result<u32, Bad> {
        Ok(self
            .int(Key::Revision, 1, i64::from(u32::MAX))?
            .map_or(self.policy.policy().revision, |n| n as u32))
    }

    fn notice(&self) -> Result<u16, Bad> {
        Ok(self
            .int(Key::Notice, 1, i64::from(u16::MAX))?
            .map_or(self.policy.policy().notice_version, |n| n as u16))
    }
}

/// Reads an event's fields (a scanned line's, a table row's) as an event.
pub(crate) fn decode<'a, C: Cells<'a>>(
    f: &C,
    policy: &ValidPolicy<'_>,
    last_day: &mut LastDay,
) -> Result<Line<'a>, Bad> {
    let (at, ts, visitor) = decode_lead(f, policy, last_day)?;
    let body = decode_body(&Reader { f, policy })?;
    Ok(Line {
        at,
        ts,
        visitor,
        place: None,
        body,
    })
}

/// An event's time (seconds since the epoch), timestamp and visitor, read as
/// [`decode`] reads them first: the whole of an event but its body.
pub(crate) fn decode_lead<'a, C: Cells<'a>>(
    f: &C,
    policy: &ValidPolicy<'_>,
    last_day: &mut LastDay,
) -> Result<(i64, Cow<'a, str>, Cow<'a, str>), Bad> {
    let r = Reader { f, policy };
    let ts = r.required(Key::Ts)?;
    let at = read_ts(&ts, last_day)?;
    let visitor = r.required(Key::Visitor)?;
    Ok((at, ts, visitor))
}

/// [`decode_lead`] of a line whose `ts` and `visitor` are the plain strings
/// `ts` and `visitor` (a [`Lead`](crate::scan::Lead)'s), with no fields read.
#[inline]
pub(crate) fn decode_plain_lead<'a>(
    ts: &'a str,
    visitor: &'a str,
    last_day: &mut LastDay,
) -> Result<(i64, Cow<'a, str>, Cow<'a, str>), Bad> {
    if ts.is_empty() {
        return empty(Key::Ts);
    }
    let at = read_ts(ts, last_day)?;
    if visitor.is_empty() {
        return empty(Key::Visitor);
    }
    Ok((at, Cow::Borrowed(ts), Cow::Borrowed(visitor)))
}

/// A required string given empty.
fn empty<T>(key: Key) -> Result<T, Bad> {
    bad(
        InputErrorKind::BadField,
        format!("`{}` is empty", key.name()),
    )
}

/// An event's time, seconds since the epoch, from its `ts`.
#[inline]
fn read_ts(ts: &str, last_day: &mut LastDay) -> Result<i64, Bad> {
    match stamp::parse_with(ts, last_day) {
        Ok(at) => Ok(at),
        Err(StampError::NoZone) => bad(
            InputErrorKind::NoTimeZone,
            format!("`ts` {ts:?} has no time zone (RFC 3339 needs `Z` or an offset)"),
        ),
        Err(StampError::Invalid) => bad(
            InputErrorKind::BadField,
            format!("`ts` {ts:?} is not an RFC 3339 date-time"),
        ),
        Err(StampError::OutOfRange) => bad(
            InputErrorKind::BadField,
            format!("`ts` {ts:?} is after 9999-12-31T23:59:59Z, past the years the audit reads"),
        ),
    }
}

/// The body of an event: its `event` and the fields that event reads.
fn decode_body<'a, C: Cells<'a>>(r: &Reader<'_, '_, C>) -> Result<Body<'a>, Bad> {
    let event = r.required(Key::Event)?;
    // The event names differ in length but for the two `cookie_*` of 10.
    let body = match (event.len(), &*event) {
        (12, "notice_shown") => {
            let revision = r.revision()?;
            r.notice()?;
            let layer = r.int(Key::Layer, 0, i64::from(u32::MAX))?.map(|n| n as u32);
            let user = match r.string(Key::Trigger)?.as_deref() {
                None | Some("auto") => false,
                Some("user") => true,
                Some(other) => {
                    return bad(
                        InputErrorKind::BadField,
                        format!("`trigger` must be \"auto\" or \"user\", not {other:?}"),
                    )
                }
            };
            let (mut accept_all, mut reject_all) = (false, false);
            if let Some(controls) = r.list(Key::Controls)? {
                for c in controls {
                    accept_all |= c == "accept_all";
                    reject_all |= c == "reject_all";
                }
            }
            let preselected = r.categories(Key::Preselected)?.unwrap_or_default();
            Body::Notice(Notice {
                revision,
                layer,
                user,
                accept_all,
                reject_all,
                preselected,
            })
        }
        (8, "decision") => {
            let name = r.required(Key::Action)?;
            let Some(action) = LogAction::parse(&name) else {
                return bad(
                    InputErrorKind::UnknownAction,
                    format!("unknown action {name:?}"),
                );
            };
            // A visitor's control (SPEC §4); `signal` is the core's for a GPC
            // signal, which a log writes as a `signal` event, never a decision.
            let control = match r.string(Key::Control)? {
                None => Control::Button,
                Some(c) => Control::parse(&c)
                    .filter(|&c| c != Control::Signal)
                    .ok_or_else(|| Bad {
                        kind: InputErrorKind::BadField,
                        message: format!(
                            "`control` must be \"button\", \"toggle\", \"link\" or \"icon\", not {c:?}"
                        ),
                    })?,
            };
            Body::Decision(Decision {
                action,
                revision: r.revision()?,
                notice: r.notice()?,
                control,
                granted: r.categories(Key::Granted)?.unwrap_or_default(),
                providers_refused: r.providers(Key::ProvidersRefused)?.unwrap_or_default(),
                categories: r.categories(Key::Categories)?,
                gpc: r.boolean(Key::Gpc)?.unwrap_or(false),
            })
        }
        (10, "cookie_set") => Body::CookieSet(cookie_set(r)?),
        (14, "cookie_present") => match r.list(Key::Cookies)? {
            Some(list) => {
                // A cookie has a name, as a `cookie_set`'s `cookie` must. The
                // names are walked only where the reader saw an empty string.
                if let Some(i) =
                    r.f.may_hold_empty_string()
                        .then(|| list.clone().position(|name| name.is_empty()))
                        .flatten()
                {
                    return bad(InputErrorKind::BadField, format!("`cookies[{i}]` is empty"));
                }
                Body::CookiePresent(list, None)
            }
            None => return bad(InputErrorKind::MissingField, "missing `cookies`".into()),
        },
        (14, "cookie_deleted") => {
            r.required(Key::Cookie)?;
            Body::CookieDeleted
        }
        (6, "signal") => match r.required(Key::Signal)?.as_ref() {
            "gpc" => Body::Signal,
            other => {
                return bad(
                    InputErrorKind::BadField,
                    format!("`signal` must be \"gpc\", not {other:?}"),
                )
            }
        },
        (11, "tag_request") => {
            let url = r.required(Key::Url)?;
            let (gcs, gcd) = samtykke_host::consent_mode::tag_claims(&url);
            Body::TagRequest(gcs.union_granted(gcd))
        }
        (_, other) => {
            return bad(
                InputErrorKind::UnknownEvent,
                format!("unknown event {other:?}"),
            )
        }
    };
    Ok(body)
}

fn cookie_set<'a, C: Cells<'a>>(r: &Reader<'_, '_, C>) -> Result<CookieSet<'a>, Bad> {
    match (r.string(Key::SetCookie)?, r.string(Key::Cookie)?) {
        (Some(header), None) => Ok(CookieSet::Header(header, None, None)),
        (None, Some(name)) => {
            if name.is_empty() {
                return bad(InputErrorKind::BadField, "`cookie` is empty".into());
            }
            let max_age = r.int(Key::MaxAgeS, i64::MIN, i64::MAX)?;
            Ok(CookieSet::Named { name, max_age })
        }
        (Some(_), Some(_)) => bad(
            InputErrorKind::BadField,
            "a `cookie_set` takes `set_cookie` or `cookie`, not both".into(),
        ),
        (None, None) => bad(
            InputErrorKind::MissingField,
            "missing `set_cookie` (or `cookie`)".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PAIRS: &[&str] = &[
        "nmstat=2320af141c",
        " SESSb1=48 ",
        "n=",
        "=v",
        "n",
        "",
        " ",
        "a=\"q\"",
        "n=v\u{1}",
        "\u{7f}n=v",
        "x\ty=z",
        "\t",
        "nå=blåbær",
        "n=v=w",
        " = ",
    ];
    const PIECES: &[&str] = &[
        "Max-Age=100",
        "max-age=-5",
        "MAX-AGE=9",
        "Max-Age=x",
        "Max-Age=",
        " Max-Age = 7 ",
        "Max-Age=5\u{1}",
        "Expires=Wed, 21 Oct 2026 07:28:00 GMT",
        "expires=Thu, 01 Jan 1970 00:00:00 GMT",
        "Expires=junk",
        "Domain=Kk.DK",
        "Domain=",
        "Path=/",
        "Path=x",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "SameSite=bad",
        "Partitioned",
        "Foo=bar",
        "",
        " ",
        "\u{7f}",
        "=",
        "Max-Age==5",
        "=Secure",
        "Domain=æøå.dk",
        "SameSite=Låx",
        "\tPath=/a=b\t",
        // Longer than the memo keeps.
        "Foo=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ];
    const SEPARATORS: &[&str] = &[";", "; ", " ;", ";\t"];

    /// A header of one of the pairs and up to five pieces, from a small pool so
    /// that texts of attributes repeat behind different pairs.
    fn header() -> impl Strategy<Value = String> {
        (
            0..PAIRS.len(),
            prop::collection::vec((0..SEPARATORS.len(), 0..PIECES.len()), 0..6),
        )
            .prop_map(|(pair, pieces)| {
                let mut h = PAIRS[pair].to_owned();
                for (sep, piece) in pieces {
                    h.push_str(SEPARATORS[sep]);
                    h.push_str(PIECES[piece]);
                }
                h
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases()))]

        /// SPEC §8: a `cookie_set` is judged by its `Set-Cookie` header as the
        /// host parses it. Headers read through the memo, one after the other
        /// (so that most attributes are found memoized, behind another pair),
        /// give the name, value, `Max-Age`, `Expires` and error of parsing each
        /// header whole; where that is a bad `Max-Age` or `Expires`, the
        /// header's name and value with neither (a cookie kept, for how long
        /// not known); the same when told where the header's first `;` is.
        #[test]
        fn s08_set_cookie_attributes_read_through_the_memo_read_as_the_whole_header(
            headers in prop::collection::vec(header(), 1..64),
        ) {
            let mut memo = AttributeMemo::default();
            for h in &headers {
                let whole = SetCookie::parse(h).or_else(|e| match e.kind {
                    HeaderErrorKind::InvalidMaxAge | HeaderErrorKind::InvalidExpires => {
                        let (name, value) = SetCookie::parse_pair(h).expect("the pair reads");
                        Ok(SetCookie::new(name, value))
                    }
                    _ => Err(e),
                });
                // Read with no place for the pair's end, and with the place
                // the memo of tails carries for a header it found: the first
                // `;`, or the header's end.
                let end = u32::try_from(h.find(';').unwrap_or(h.len())).unwrap();
                for pair in [None, Some(end)] {
                    let memoized = memo.parse(h, None, pair);
                    match (whole.as_ref(), memoized) {
                        (Ok(w), Ok(m)) => {
                            prop_assert_eq!((w.name, w.value), (m.name, m.value), "{:?}", h);
                            prop_assert_eq!((w.max_age, w.expires), (m.max_age, m.expires), "{:?}", h);
                        }
                        (w, m) => prop_assert_eq!(w.err().cloned(), m.err(), "{:?}", h),
                    }
                }
            }
        }
    }

    /// SPEC §13: a log of long, distinct attribute texts does not fill the
    /// memory; each is still read right.
    #[test]
    fn s13_a_long_text_of_attributes_is_read_and_not_kept() {
        let mut memo = AttributeMemo::default();
        for i in 0..2 * AttributeMemo::SLOTS {
            let h = format!("c=v; Max-Age={i}; Foo={}", "x".repeat(10_000 + i));
            assert_eq!(memo.parse(&h, None, None).unwrap().max_age, Some(i as i64));
        }
        assert!(memo
            .memo
            .slots
            .iter()
            .flatten()
            .all(|(_, text, _)| text.len() <= AttributeMemo::LONGEST));
        assert!(memo.scratch.capacity() <= 4 * AttributeMemo::LONGEST);
    }

    /// Texts of attributes that share a memo slot replace each other and are
    /// read right each time.
    #[test]
    fn s08_set_cookie_attributes_that_share_a_memo_slot_are_each_read_right() {
        let mut memo = AttributeMemo::default();
        let headers: Vec<String> = (0..4 * AttributeMemo::SLOTS)
            .map(|i| format!("c{i}=v; Max-Age={i}; Path=/"))
            .collect();
        for round in 0..2 {
            for (i, h) in headers.iter().enumerate() {
                let c = memo.parse(h, None, None).unwrap();
                assert_eq!(c.max_age, Some(i as i64), "round {round}: {h}");
                assert_eq!(c.name, format!("c{i}"));
            }
        }
    }
}
