//! A borrowed, validating reader of one log line as a flat JSON object.
//!
//! The audit reads some twenty keys whose values are strings, integers, booleans or
//! arrays of strings. This reader checks the whole line against RFC 8259 and keeps,
//! for each key the audit knows, where its value lies in the line: no tree, no
//! copies, no allocation unless a string holds escapes. A typed `serde_json` parse
//! of a ~150-byte line costs most of the audit's budget (SPEC §12), which is why
//! this exists; a property test holds its verdicts to `serde_json`'s.

use std::borrow::Cow;

/// The keys the audit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Ts,
    Visitor,
    Event,
    Revision,
    Notice,
    Layer,
    Trigger,
    Controls,
    Preselected,
    Action,
    Control,
    Granted,
    ProvidersRefused,
    Categories,
    Gpc,
    SetCookie,
    Cookie,
    MaxAgeS,
    Cookies,
    Signal,
    Url,
}

const KEYS: usize = 21;

impl Key {
    /// The key named `name`, if the audit reads it.
    #[inline]
    fn from_name(name: &[u8]) -> Option<Key> {
        KEY_NAMES
            .iter()
            .position(|n| n.as_bytes() == name)
            .map(|i| Key::ALL[i])
    }

    /// The key whose name, and the closing quote, start at byte `i` of `b`
    /// (just after the opening quote), and the name's length; `None` when no key
    /// the audit reads is written there plainly (or the line ends within the
    /// eight, or for a name of eight bytes or more sixteen, bytes compared).
    /// Compares a word or two with each candidate of the first letter, where
    /// reading the key as a string and then its name would walk it twice. A key
    /// written with escapes, or not known, is read by [`Key::from_name`].
    #[inline(always)]
    fn at(b: &[u8], i: usize) -> Option<(Key, usize)> {
        use Key::*;
        let w0 = word(b, i)?;
        let candidates: &[Key] = match w0 as u8 {
            b't' => &[Ts, Trigger],
            b'v' => &[Visitor],
            b'e' => &[Event],
            b'r' => &[Revision],
            b'n' => &[Notice],
            b'l' => &[Layer],
            b'a' => &[Action],
            b'c' => &[Cookies, Cookie, Controls, Control, Categories],
            b'p' => &[Preselected],
            b'g' => &[Granted, Gpc],
            b's' => &[SetCookie, Signal],
            b'm' => &[MaxAgeS],
            b'u' => &[Url],
            _ => return None,
        };
        for &k in candidates {
            let [p0, m0, p1, m1] = PATTERNS[k as usize];
            if w0 & m0 == p0 && (m1 == 0 || word(b, i + 8).is_some_and(|w1| w1 & m1 == p1)) {
                return Some((k, k.name().len()));
            }
        }
        None
    }

    /// Every key the audit reads, in the order of the enum.
    pub(crate) const ALL: [Key; KEYS] = [
        Key::Ts,
        Key::Visitor,
        Key::Event,
        Key::Revision,
        Key::Notice,
        Key::Layer,
        Key::Trigger,
        Key::Controls,
        Key::Preselected,
        Key::Action,
        Key::Control,
        Key::Granted,
        Key::ProvidersRefused,
        Key::Categories,
        Key::Gpc,
        Key::SetCookie,
        Key::Cookie,
        Key::MaxAgeS,
        Key::Cookies,
        Key::Signal,
        Key::Url,
    ];

    /// The JSON type of the key's value (SPEC §8): the column type a table
    /// gives it.
    #[cfg(feature = "arrow")]
    pub(crate) const fn shape(self) -> Shape {
        match self {
            Key::Ts => Shape::Time,
            Key::Revision | Key::Notice | Key::Layer | Key::MaxAgeS => Shape::Int,
            Key::Gpc => Shape::Bool,
            Key::Controls
            | Key::Preselected
            | Key::Granted
            | Key::ProvidersRefused
            | Key::Categories
            | Key::Cookies => Shape::List,
            _ => Shape::Str,
        }
    }

    pub(crate) const fn name(self) -> &'static str {
        KEY_NAMES[self as usize]
    }
}

/// The eight bytes of `b` from `i` on, as a little-endian word.
#[inline(always)]
fn word(b: &[u8], i: usize) -> Option<u64> {
    let mut w = [0u8; 8];
    w.copy_from_slice(b.get(i..i + 8)?);
    Some(u64::from_le_bytes(w))
}

/// Each key's name followed by its closing quote, as two little-endian words
/// and their masks (a second mask of 0: the first word holds it all). A name
/// of more than 15 bytes (`providers_refused`) has none, and is read by
/// [`Key::from_name`].
const PATTERNS: [[u64; 4]; KEYS] = {
    let mut table = [[0, u64::MAX, 0, u64::MAX]; KEYS];
    let mut k = 0;
    while k < KEYS {
        let name = KEY_NAMES[k].as_bytes();
        let n = name.len() + 1;
        if n <= 16 {
            let mut words = [0u64; 2];
            let mut masks = [0u64; 2];
            let mut j = 0;
            while j < n {
                let byte = if j < name.len() { name[j] } else { b'"' };
                words[j / 8] |= (byte as u64) << (8 * (j % 8));
                masks[j / 8] |= 0xff << (8 * (j % 8));
                j += 1;
            }
            table[k] = [words[0], masks[0], words[1], masks[1]];
        }
        k += 1;
    }
    table
};

/// The keys' names, in the order of the enum.
const KEY_NAMES: [&str; KEYS] = [
    "ts",
    "visitor",
    "event",
    "revision",
    "notice",
    "layer",
    "trigger",
    "controls",
    "preselected",
    "action",
    "control",
    "granted",
    "providers_refused",
    "categories",
    "gpc",
    "set_cookie",
    "cookie",
    "max_age_s",
    "cookies",
    "signal",
    "url",
];

/// What a key's value is: a string, an integer, true or false, a list of
/// strings, or a timestamp (an RFC 3339 string in JSON).
#[cfg(feature = "arrow")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Str,
    Int,
    Bool,
    List,
    Time,
}

/// Where a value lies in the line, and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Val {
    /// A string; `start..end` is its content between the quotes.
    Str { start: u32, end: u32, escaped: bool },
    /// A number without fraction or exponent that fits an `i64`.
    Int(i64),
    /// A number without fraction or exponent too large for an `i64`;
    /// `start..end` is its text.
    BigInt { start: u32, end: u32 },
    /// Any other number.
    Number,
    /// `true` or `false`.
    Bool(bool),
    /// An array; `start..end` spans its brackets. `strings`: every element is a
    /// string.
    Array { start: u32, end: u32, strings: bool },
    /// An object.
    Object,
}

impl Val {
    /// The JSON type's name, for messages.
    pub(crate) const fn type_name(self) -> &'static str {
        match self {
            Val::Str { .. } => "a string",
            Val::Int(_) | Val::BigInt { .. } | Val::Number => "a number",
            Val::Bool(_) => "a boolean",
            Val::Array { .. } => "an array",
            Val::Object => "an object",
        }
    }
}

/// Why a line is not a log record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// Not JSON: what was expected at which byte offset.
    Syntax { at: usize, expected: &'static str },
    /// JSON, but not an object.
    NotObject,
    /// Arrays and objects nested deeper than [`MAX_DEPTH`].
    TooDeep { at: usize },
    /// A key the audit reads appears twice.
    Duplicate(Key),
}

/// Nesting limit: [`MAX_NESTING`](super::MAX_NESTING), the line's object at depth 1.
const MAX_DEPTH: usize = super::MAX_NESTING;

/// What a [`Slot`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Absent,
    /// `null`: read as absent, but a key given twice all the same. Beside
    /// `Absent`, so the two are one compare.
    Null,
    Str,
    EscapedStr,
    /// A number without fraction or exponent, read when asked for.
    Integer,
    Number,
    True,
    False,
    Strings,
    Array,
    Object,
}

/// A value's kind and span: twelve bytes, so a line's fields are cheap to set up.
#[derive(Clone, Copy, Debug)]
struct Slot {
    tag: Tag,
    start: u32,
    end: u32,
}

impl Slot {
    const ABSENT: Slot = Slot {
        tag: Tag::Absent,
        start: 0,
        end: 0,
    };
}

/// The values of the keys the audit reads, as found in one line.
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    line: &'a str,
    slots: [Slot; KEYS],
    /// Some array of the line holds an empty string (`""`).
    empty_in_array: bool,
}

impl<'a> Fields<'a> {
    /// Fields of `line`, none read yet: see [`scan`].
    pub(crate) fn new(line: &'a str) -> Fields<'a> {
        Fields {
            line,
            slots: [Slot::ABSENT; KEYS],
            empty_in_array: false,
        }
    }

    /// The value of `key`, if the line has it. A `null` is no value: the field
    /// is absent, as a null cell of a table is (SPEC §17), and as a log
    /// exported from a table writes it. (Given twice, it is still a duplicate.)
    #[inline]
    pub(crate) fn get(&self, key: Key) -> Option<Val> {
        let s = self.slots[key as usize];
        let (start, end) = (s.start, s.end);
        Some(match s.tag {
            Tag::Absent | Tag::Null => return None,
            Tag::Str => Val::Str {
                start,
                end,
                escaped: false,
            },
            Tag::EscapedStr => Val::Str {
                start,
                end,
                escaped: true,
            },
            Tag::Integer => self.line[start as usize..end as usize]
                .parse::<i64>()
                .map_or(Val::BigInt { start, end }, Val::Int),
            Tag::Number => Val::Number,
            Tag::True => Val::Bool(true),
            Tag::False => Val::Bool(false),
            Tag::Strings => Val::Array {
                start,
                end,
                strings: true,
            },
            Tag::Array => Val::Array {
                start,
                end,
                strings: false,
            },
            Tag::Object => Val::Object,
        })
    }

    /// Whether an array of the line may hold an empty string: false only when
    /// none does.
    #[inline]
    pub(crate) fn empty_in_array(&self) -> bool {
        self.empty_in_array
    }

    /// The text of `key`'s value if it is a string without escapes.
    #[inline(always)]
    pub(crate) fn plain(&self, key: Key) -> Option<&'a str> {
        let s = self.slots[key as usize];
        if s.tag == Tag::Str {
            self.line.get(s.start as usize..s.end as usize)
        } else {
            None
        }
    }

    /// The text of a string value.
    #[inline]
    pub(crate) fn text(&self, start: u32, end: u32, escaped: bool) -> Cow<'a, str> {
        let raw = &self.line[start as usize..end as usize];
        if escaped {
            Cow::Owned(unescape(raw))
        } else {
            Cow::Borrowed(raw)
        }
    }

    /// The strings of an array of strings.
    pub(crate) fn strings(&self, start: u32, end: u32) -> Strings<'a> {
        Strings::Json {
            line: self.line,
            i: start as usize + 1,
            end: end as usize,
        }
    }
}

/// The elements of a validated array of strings: of a JSON line, or of a
/// list cell of an Arrow table (whose elements are known not to be null).
#[derive(Clone, Debug)]
pub(crate) enum Strings<'a> {
    Json {
        line: &'a str,
        i: usize,
        end: usize,
    },
    #[cfg(feature = "arrow")]
    Column(super::table::ListCells<'a>),
}

impl<'a> Strings<'a> {
    /// The array's JSON text, brackets included (of an iterator not yet
    /// advanced); `None` for a list cell of a table.
    pub(crate) fn raw(&self) -> Option<&'a str> {
        match self {
            Strings::Json { line, i, end } => Some(&line[i - 1..*end]),
            #[cfg(feature = "arrow")]
            Strings::Column(_) => None,
        }
    }

    /// The strings of `text`, the text of a validated array of strings.
    pub(crate) fn over(text: &'a str) -> Strings<'a> {
        Strings::Json {
            line: text,
            i: 1,
            end: text.len(),
        }
    }
}

impl<'a> Iterator for Strings<'a> {
    type Item = Cow<'a, str>;

    #[inline(always)]
    fn next(&mut self) -> Option<Cow<'a, str>> {
        match self {
            Strings::Json { line, i, end } => next_string(line, i, *end),
            #[cfg(feature = "arrow")]
            Strings::Column(cells) => cells.next().map(Cow::Borrowed),
        }
    }
}

/// The next string of a validated JSON array of strings, from byte `*i` on.
#[inline(always)]
fn next_string<'a>(line: &'a str, i: &mut usize, end: usize) -> Option<Cow<'a, str>> {
    let b = line.as_bytes();
    while *i < end && b[*i] != b'"' {
        *i += 1;
    }
    if *i >= end {
        return None;
    }
    let start = *i + 1;
    let mut j = start;
    let mut escaped = false;
    // The array was validated: every string is closed before `end`.
    loop {
        j = skip_plain(&b[..end], j);
        if b[j] != b'\\' {
            break;
        }
        escaped = true;
        j += 2;
    }
    *i = j + 1;
    let raw = &line[start..j];
    Some(if escaped {
        Cow::Owned(unescape(raw))
    } else {
        Cow::Borrowed(raw)
    })
}

/// Where the leading strings of a line lie when it starts as the log writers
/// write it, `{"ts":"…","visitor":"…","event":"`, with no escape or control
/// character in the first two: [`scan`] reads those keys first, so their values
/// are the line's `ts` and `visitor` if the line is an event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Lead {
    ts: (u32, u32),
    visitor: (u32, u32),
    /// Where the event's name starts: what follows is the line's tail.
    pub(crate) tail: usize,
}

impl Lead {
    /// The line's `ts` and `visitor`, as [`scan`] reads them; `line` must be
    /// the line the lead was found in.
    #[inline]
    pub(crate) fn strings<'a>(&self, line: &'a str) -> (&'a str, &'a str) {
        let span = |(start, end): (u32, u32)| line.get(start as usize..end as usize);
        (
            span(self.ts).unwrap_or_default(),
            span(self.visitor).unwrap_or_default(),
        )
    }
}

/// The end of a string's content that starts at `start`, if it ends at a
/// closing quote, with no escape or control character before it.
#[inline(always)]
fn plain_end(b: &[u8], start: usize) -> Option<usize> {
    let end = skip_plain(b, start);
    (b.get(end) == Some(&b'"')).then_some(end)
}

/// The start of the value of [`LEAD`]'s key `k` in `b`, whose key (with the
/// `{` or the string closed before it) starts at `at`, at most `b.len()`.
#[inline(always)]
fn lead_value(b: &[u8], at: usize, k: usize) -> Option<usize> {
    let key = LEAD[k].0;
    b[at..].starts_with(key).then_some(at + key.len())
}

/// The spans of the timestamp and of the visitor id of a line that starts
/// `{"ts":"…","visitor":"…"` ([`LEAD`]'s first two keys), neither with an
/// escape or a control.
#[inline(always)]
fn ts_and_visitor(b: &[u8]) -> Option<((usize, usize), (usize, usize))> {
    if b.first() != Some(&b'{') {
        return None;
    }
    let ts = lead_value(b, 1, 0)?;
    let ts_end = plain_end(b, ts)?;
    let visitor = lead_value(b, ts_end + 1, 1)?;
    Some(((ts, ts_end), (visitor, plain_end(b, visitor)?)))
}

/// Where the first two strings of a line that starts as the log writers write
/// it, `{"ts":"…","visitor":"…"`, end, with no escape or control character in
/// either: what the sharded reader finds when it routes the line, handed on so
/// that the shard parsing it does not read them again ([`Leading::lead`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Leading {
    ts_end: u32,
    visitor_end: u32,
}

impl Leading {
    /// The leading strings' ends in `b`; `None` for any other start. If the
    /// line is an event, [`Leading::visitor`] is its visitor: [`scan`] reads
    /// those two keys first, the visitor's value has no escape to resolve, and
    /// a second `visitor` key would make the line an error. So the sharded
    /// reader routes such a line by this id and leaves parsing it to the
    /// visitor's shard. It reads bytes: the line need not be cut out of its
    /// block as text first. A line over 4 GiB is never routed (nor read: the
    /// longest line read is 1 MiB).
    #[inline]
    pub(crate) fn of(b: &[u8]) -> Option<Leading> {
        let ((_, ts_end), (_, visitor_end)) = ts_and_visitor(b)?;
        Some(Leading {
            ts_end: u32::try_from(ts_end).ok()?,
            visitor_end: u32::try_from(visitor_end).ok()?,
        })
    }

    /// Where the visitor id starts: after the time's closing quote and the
    /// visitor's key.
    fn visitor_start(self) -> usize {
        self.ts_end as usize + 1 + LEAD[1].0.len()
    }

    /// The visitor id in `b`, the line these ends were found in.
    pub(crate) fn visitor(self, b: &[u8]) -> &[u8] {
        b.get(self.visitor_start()..self.visitor_end as usize)
            .unwrap_or_default()
    }

    /// The [`Lead`] of `line`, which must be the line these ends were found
    /// in, a `\r` at its end cut or not: then it is [`lead_of`]'s, without
    /// reading the two strings again. Of any other text it may be wrong.
    #[inline]
    pub(crate) fn lead(self, line: &str) -> Option<Lead> {
        let b = line.as_bytes();
        let visitor = self.visitor_start();
        let visitor_end = self.visitor_end as usize;
        // Not a check that the ends are `line`'s (that would read the
        // strings again), only that they lie within it.
        if visitor_end >= b.len() || b[visitor_end] != b'"' || visitor > visitor_end {
            return lead_of(line);
        }
        let ts = 1 + LEAD[0].0.len();
        let lead = lead_from(b, (ts, self.ts_end as usize), (visitor, visitor_end));
        // Tests and debug builds hold every use to the precondition.
        debug_assert_eq!(lead, lead_of(line), "ends not found in {line:?}");
        lead
    }
}

/// The [`Lead`] of a line that starts `{"ts":"…","visitor":"…","event":"`.
#[inline]
pub(crate) fn lead_of(line: &str) -> Option<Lead> {
    let b = line.as_bytes();
    let (ts, visitor) = ts_and_visitor(b)?;
    lead_from(b, ts, visitor)
}

/// The [`Lead`] of `b` whose time and visitor lie at `ts` and `visitor`, if the
/// event's key follows the visitor.
#[inline(always)]
fn lead_from(b: &[u8], ts: (usize, usize), visitor: (usize, usize)) -> Option<Lead> {
    Some(Lead {
        ts: (ts.0 as u32, ts.1 as u32),
        visitor: (visitor.0 as u32, visitor.1 as u32),
        tail: lead_value(b, visitor.1 + 1, 2)?,
    })
}

/// Reads the line of `fields` as one JSON object, keeping the keys the audit
/// reads.
///
/// # Errors
///
/// A syntax error with its byte offset, a value other than an object, nesting
/// deeper than 128, or a key the audit reads given twice.
pub(crate) fn scan(fields: &mut Fields<'_>) -> Result<(), ScanError> {
    let line = fields.line;
    let mut p = Parser {
        b: line.as_bytes(),
        i: 0,
        empty_in_array: false,
    };
    p.ws();
    if p.peek() != Some(b'{') {
        p.value(0)?;
        p.ws();
        if p.i < p.b.len() {
            return Err(p.expected("the end of the line"));
        }
        return Err(ScanError::NotObject);
    }
    p.i += 1;
    p.ws();
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        // After the keys the log writers write first, read at once, the next
        // token is what follows a value.
        let mut after_value = lead(&mut p, &mut fields.slots)?;
        loop {
            if after_value {
                p.ws();
                match p.peek() {
                    Some(b',') => p.i += 1,
                    Some(b'}') => {
                        p.i += 1;
                        break;
                    }
                    _ => return Err(p.expected("`,` or `}`")),
                }
            }
            after_value = true;
            p.ws();
            if p.peek() != Some(b'"') {
                return Err(p.expected("a key (a string)"));
            }
            p.i += 1;
            let key = match Key::at(p.b, p.i) {
                Some((key, len)) => {
                    p.i += len + 1;
                    Some(key)
                }
                None => {
                    let (start, end, escaped) = p.string()?;
                    if escaped {
                        Key::from_name(unescape(&line[start..end]).as_bytes())
                    } else {
                        Key::from_name(&line.as_bytes()[start..end])
                    }
                }
            };
            p.ws();
            if p.peek() != Some(b':') {
                return Err(p.expected("`:`"));
            }
            p.i += 1;
            p.ws();
            let at = p.i;
            // Most values are strings: read them here.
            let slot = if p.peek() == Some(b'"') {
                p.i += 1;
                let (start, end, escaped) = p.string()?;
                Slot {
                    tag: if escaped { Tag::EscapedStr } else { Tag::Str },
                    start: start as u32,
                    end: end as u32,
                }
            } else {
                let tag = p.value(1)?;
                Slot {
                    tag,
                    start: at as u32,
                    end: p.i as u32,
                }
            };
            if let Some(k) = key {
                let s = &mut fields.slots[k as usize];
                if s.tag != Tag::Absent {
                    return Err(ScanError::Duplicate(k));
                }
                *s = slot;
            }
        }
    }
    p.ws();
    if p.i < p.b.len() {
        return Err(p.expected("the end of the line"));
    }
    fields.empty_in_array = p.empty_in_array;
    Ok(())
}

/// The keys the log writers write first, in their order, each with the bytes
/// before its value: after the object's `{`, `"ts":"…","visitor":"…","event":"…"`.
const LEAD: [(&[u8], Key); 3] = [
    (b"\"ts\":\"", Key::Ts),
    (b",\"visitor\":\"", Key::Visitor),
    (b",\"event\":\"", Key::Event),
];

/// Reads as many of the [`LEAD`] keys and their string values as the object
/// starts with, written exactly so, into `slots` (all absent: they are the
/// object's first keys), reading each value as [`scan`]'s loop would. True when
/// it read at least one: the parser is then just after a value.
#[inline(always)]
fn lead(p: &mut Parser<'_>, slots: &mut [Slot; KEYS]) -> Result<bool, ScanError> {
    for (n, (text, key)) in LEAD.into_iter().enumerate() {
        if !p.b[p.i..].starts_with(text) {
            return Ok(n > 0);
        }
        p.i += text.len();
        let (start, end, escaped) = p.string()?;
        slots[key as usize] = Slot {
            tag: if escaped { Tag::EscapedStr } else { Tag::Str },
            start: start as u32,
            end: end as u32,
        };
    }
    Ok(true)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    /// An array read so far held an empty string.
    empty_in_array: bool,
}

impl Parser<'_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        // Logs are written without whitespace between tokens: one compare
        // mostly decides.
        if self.peek().is_some_and(|c| c > b' ') {
            return;
        }
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn expected(&self, expected: &'static str) -> ScanError {
        ScanError::Syntax {
            at: self.i,
            expected,
        }
    }

    /// Reads a value: its kind (a string's span is read apart, in [`scan`]).
    fn value(&mut self, depth: usize) -> Result<Tag, ScanError> {
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                let (_, _, escaped) = self.string()?;
                Ok(if escaped { Tag::EscapedStr } else { Tag::Str })
            }
            Some(b'[') => self.array(depth + 1),
            Some(b'{') => self.object(depth + 1),
            Some(b't') => self.literal(b"true", Tag::True),
            Some(b'f') => self.literal(b"false", Tag::False),
            Some(b'n') => self.literal(b"null", Tag::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.expected("a value")),
        }
    }

    fn literal(&mut self, word: &[u8], v: Tag) -> Result<Tag, ScanError> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.expected("a value"))
        }
    }

    /// After the opening quote: the content's span and whether it has escapes.
    #[inline(always)]
    fn string(&mut self) -> Result<(usize, usize, bool), ScanError> {
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i = skip_plain(self.b, self.i);
            match self.peek() {
                None => return Err(self.expected("`\"` closing the string")),
                Some(b'"') => {
                    let end = self.i;
                    self.i += 1;
                    return Ok((start, end, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    self.i += 1;
                    self.escape()?;
                }
                Some(0..=0x1f) => return Err(self.expected("no control character inside a string")),
                Some(_) => self.i += 1,
            }
        }
    }

    /// After a backslash.
    fn escape(&mut self) -> Result<(), ScanError> {
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.i += 1;
                Ok(())
            }
            Some(b'u') => {
                self.i += 1;
                let high = self.hex4()?;
                if (0xDC00..0xE000).contains(&high) {
                    return Err(self.expected("no lone low surrogate"));
                }
                if (0xD800..0xDC00).contains(&high) {
                    if self.b[self.i..].starts_with(b"\\u") {
                        self.i += 2;
                        let low = self.hex4()?;
                        if (0xDC00..0xE000).contains(&low) {
                            return Ok(());
                        }
                    }
                    return Err(self.expected("a low surrogate after a high one"));
                }
                Ok(())
            }
            _ => Err(self.expected(
                "an escape (`\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` or `\\u`)",
            )),
        }
    }

    fn hex4(&mut self) -> Result<u32, ScanError> {
        let digits = self
            .b
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.expected("four hex digits"))?;
        let mut n = 0;
        for &d in digits {
            let v = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.expected("four hex digits"))?;
            n = n * 16 + v;
        }
        self.i += 4;
        Ok(n)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    /// A number: [`Tag::Integer`] without fraction or exponent (its value is
    /// read when asked for, by [`Fields::get`]), else [`Tag::Number`].
    fn number(&mut self) -> Result<Tag, ScanError> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.expected("a digit")),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.expected("a digit after `.`"));
            }
            integer = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.expected("a digit in the exponent"));
            }
            integer = false;
        }
        Ok(if integer { Tag::Integer } else { Tag::Number })
    }

    fn array(&mut self, depth: usize) -> Result<Tag, ScanError> {
        if depth > MAX_DEPTH {
            return Err(ScanError::TooDeep { at: self.i });
        }
        self.i += 1;
        let mut strings = true;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                // Most elements are strings: read here, not through `value`.
                if self.peek() == Some(b'"') {
                    self.i += 1;
                    let (start, end, _) = self.string()?;
                    self.empty_in_array |= start == end;
                } else {
                    // Not a string, which `value` would read as one.
                    self.value(depth)?;
                    strings = false;
                }
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b']') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.expected("`,` or `]`")),
                }
            }
        }
        Ok(if strings { Tag::Strings } else { Tag::Array })
    }

    fn object(&mut self, depth: usize) -> Result<Tag, ScanError> {
        if depth > MAX_DEPTH {
            return Err(ScanError::TooDeep { at: self.i });
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Tag::Object);
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.expected("a key (a string)"));
            }
            self.i += 1;
            self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.expected("`:`"));
            }
            self.i += 1;
            self.ws();
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Tag::Object);
                }
                _ => return Err(self.expected("`,` or `}`")),
            }
        }
    }
}

/// The first index from `i` that holds `"`, `\\` or a control character (or the
/// end), eight bytes at a time: most of a log line is string content.
#[inline]
pub(crate) fn skip_plain(b: &[u8], i: usize) -> usize {
    skip_plain_until(b, i, b'"')
}

/// [`skip_plain`], stopping at `stop` too.
#[inline]
pub(crate) fn skip_plain_until(b: &[u8], mut i: usize, stop: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let stopped = w ^ (ONES * u64::from(stop));
        // A byte is zero, or below 0x20: the classic SWAR tests, exact as a whole.
        let special = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (stopped.wrapping_sub(ONES) & !stopped)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let special = special & HIGH;
        if special != 0 {
            // The lowest flagged byte is exact (a false flag can only follow a
            // true one), and the lowest byte is the first in the line.
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 || c == stop {
            break;
        }
        i += 1;
    }
    i
}

/// The text of a validated string's content with its escapes resolved.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next().unwrap_or('\\');
        out.push(match e {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hex = |chars: &mut std::str::Chars<'_>| {
                    let s: String = chars.take(4).collect();
                    u32::from_str_radix(&s, 16).unwrap_or(0xFFFD)
                };
                let high = hex(&mut chars);
                if (0xD800..0xDC00).contains(&high) {
                    chars.next();
                    chars.next();
                    let low = hex(&mut chars);
                    char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                        .unwrap_or('\u{FFFD}')
                } else {
                    char::from_u32(high).unwrap_or('\u{FFFD}')
                }
            }
            other => other,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_keys_it_knows_and_skips_the_rest() {
        let line = r#"{"ts":"2026-03-01T10:00:00Z","x":{"y":[1,{"z":null}]},"visitor":"v\u00e61","cookies":["a","b\"c"],"revision":3,"gpc":true}"#;
        let mut f = Fields::new(line);
        scan(&mut f).unwrap();
        let Some(Val::Str {
            start,
            end,
            escaped,
        }) = f.get(Key::Visitor)
        else {
            panic!("visitor")
        };
        assert_eq!(f.text(start, end, escaped), "væ1");
        assert_eq!(f.get(Key::Revision), Some(Val::Int(3)));
        assert_eq!(f.get(Key::Gpc), Some(Val::Bool(true)));
        let Some(Val::Array {
            start,
            end,
            strings: true,
        }) = f.get(Key::Cookies)
        else {
            panic!("cookies")
        };
        let names: Vec<_> = f.strings(start, end).collect();
        assert_eq!(names, ["a", "b\"c"]);
        assert_eq!(f.get(Key::Event), None);
    }

    /// The key a string names, read as the scanner reads any string: up to its
    /// closing quote (the strings tested have no escapes).
    fn named(b: &[u8], i: usize) -> Option<(Key, usize)> {
        let len = b[i..].iter().position(|&c| c == b'"')?;
        Some((Key::from_name(&b[i..i + len])?, len))
    }

    /// `Key::at` finds a key only where the key's name and its closing quote
    /// are written, and finds every key but `providers_refused` where eight
    /// bytes follow: each name, cut short, run on, with a letter changed, at
    /// the end of buffers of every length.
    #[test]
    fn a_key_is_matched_by_its_words_exactly_as_by_its_name() {
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for k in Key::ALL {
            let name = k.name().as_bytes();
            for cut in 0..=name.len() {
                texts.push([&name[..cut], b"\"\"".as_slice()].concat());
                texts.push([&name[..cut], b"x\":1}".as_slice()].concat());
            }
            texts.push([name, b"s\":".as_slice()].concat());
            for i in 0..name.len() {
                let mut changed = name.to_vec();
                changed[i] ^= 0x20;
                texts.push([changed.as_slice(), b"\":\"value\"}".as_slice()].concat());
            }
            let full = [name, b"\":\"a value long enough\"}".as_slice()].concat();
            let at = Key::at(&full, 0);
            if name.len() < 16 {
                assert_eq!(at, Some((k, name.len())), "{}", k.name());
            } else {
                assert_eq!(at, None, "{}", k.name());
            }
            texts.push(full);
        }
        for text in &texts {
            for pad in 0..9 {
                let b = [vec![b'{'; pad], text.clone()].concat();
                for end in pad..=b.len() {
                    let b = &b[..end];
                    if let Some(found) = Key::at(b, pad) {
                        assert_eq!(
                            Some(found),
                            named(b, pad),
                            "{:?}",
                            String::from_utf8_lossy(b)
                        );
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::test_cases()))]
        /// The sharded reader routes a line by [`Leading::visitor`] and parses it
        /// in that visitor's shard: wherever it finds an id, the line either
        /// does not scan or scans with that visitor. Lines written as the log
        /// writers write them, with bytes changed, put in or taken out.
        #[test]
        fn a_leading_visitor_is_the_visitor_the_scan_reads(
            line in proptest::sample::select(vec![
                r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"signal","signal":"gpc"}"#,
                r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v\u0031","event":"x"}"#,
                r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v1","visitor":"v2"}"#,
                r#"{"ts":"2026-03-01T10:00:00Z","visitor":"","x":{"visitor":"v3"}}"#,
                r#"{"ts":"2026\"","visitor":"v1"}"#,
            ]),
            edits in proptest::collection::vec(
                (proptest::prelude::any::<proptest::sample::Index>(), 0u8..3,
                 proptest::sample::select(b"{}[]:,\"\\ vtsx0\x01\r".to_vec())),
                0..4,
            ),
            crlf in proptest::prelude::any::<bool>(),
        ) {
            let mut b = line.as_bytes().to_vec();
            for (at, op, byte) in edits {
                if b.is_empty() {
                    break;
                }
                let i = at.index(b.len());
                match op {
                    0 => b[i] = byte,
                    1 => b.insert(i, byte),
                    _ => {
                        b.remove(i);
                    }
                }
            }
            if crlf {
                b.push(b'\r');
            }
            let Ok(text) = std::str::from_utf8(&b) else { return Ok(()) };
            // The lead the shard reads from the ends the router found is the
            // lead read whole, with a `\r` at the end cut or not.
            let leading = Leading::of(text.as_bytes());
            let cut = text.strip_suffix('\r').unwrap_or(text);
            proptest::prop_assert_eq!(leading.and_then(|l| l.lead(cut)), lead_of(cut), "{:?}", text);
            if let Some(id) = leading.map(|l| l.visitor(text.as_bytes())) {
                let mut f = Fields::new(text);
                if scan(&mut f).is_ok() {
                    let Some(Val::Str { start, end, escaped }) = f.get(Key::Visitor) else {
                        panic!("no visitor string in {text:?}");
                    };
                    let read = f.text(start, end, escaped);
                    proptest::prop_assert_eq!(read.as_bytes(), id, "{:?}", text);
                }
            }
        }
    }

    #[test]
    fn a_leading_visitor_is_read_only_from_the_writers_start() {
        let id =
            |line: &str| Leading::of(line.as_bytes()).map(|l| l.visitor(line.as_bytes()).to_vec());
        assert_eq!(
            id(r#"{"ts":"t","visitor":"v1","event":"e"}"#),
            Some(b"v1".to_vec())
        );
        assert_eq!(
            id(r#"{"ts":"t","visitor":"","event":"e"}"#),
            Some(Vec::new())
        );
        assert_eq!(id(r#"{"ts":"t","visitor":"v\u0031"}"#), None);
        assert_eq!(id(r#"{ "ts":"t","visitor":"v1"}"#), None);
        assert_eq!(id(r#"{"visitor":"v1","ts":"t"}"#), None);
        assert_eq!(id(r#"{"ts":"t\"","visitor":"v1"}"#), None);
        assert_eq!(id(r#"{"ts":"t","visitor":"v1"#), None);
        // The lead from the router's ends, a `\r` at the end cut.
        for line in [
            "{\"ts\":\"t\",\"visitor\":\"v1\",\"event\":\"e\"}\r",
            "{\"ts\":\"t\",\"visitor\":\"v1\"\r",
        ] {
            let cut = line.strip_suffix('\r').unwrap();
            let leading = Leading::of(line.as_bytes()).unwrap();
            assert_eq!(leading.lead(cut), lead_of(cut), "{line:?}");
        }
        assert!(lead_of("{\"ts\":\"t\",\"visitor\":\"v1\",\"event\":\"e\"}").is_some());
    }

    #[test]
    fn rejects_what_json_rejects() {
        for bad in [
            "",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":tru}",
            "{} x",
            "{\"a\":[1,]}",
            "{'a':1}",
        ] {
            assert!(
                matches!(scan(&mut Fields::new(bad)), Err(ScanError::Syntax { .. })),
                "{bad:?}"
            );
        }
        let err = |line: &str| scan(&mut Fields::new(line)).unwrap_err();
        assert_eq!(err("[1]"), ScanError::NotObject);
        assert_eq!(err(r#"{"ts":1,"ts":2}"#), ScanError::Duplicate(Key::Ts));
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(err(&deep), ScanError::TooDeep { .. }));
    }
}
