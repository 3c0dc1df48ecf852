//! A small memo of what the audit computes from texts a log repeats (a cookie's
//! name, a `Set-Cookie` header's attributes, all of a line but its time and
//! visitor).

use std::borrow::Cow;

use samtykke::ValidPolicy;

use super::event::{self, Body, CookieSet, Decision, Lifetime, Notice};
use super::hash::fast_hash;
use super::rules::Asks;
use super::scan::{skip_plain_until, Strings};
use super::stamp::LastDay;

/// The value computed for up to `SLOTS` texts, direct-mapped by a hash of the
/// text (a text evicts the one before it in its slot), so it stays small
/// whatever texts a log holds. A text over `longest` bytes is computed and not
/// kept: the memo holds at most `SLOTS × longest` bytes of text. The slots are
/// made when the first text is kept: a memo never used costs no room.
#[derive(Debug)]
pub(crate) struct Memo<V, const SLOTS: usize> {
    pub(crate) slots: Vec<Option<(u64, Box<str>, V)>>,
    longest: usize,
}

impl<V: Copy, const SLOTS: usize> Memo<V, SLOTS> {
    /// An empty memo keeping texts of at most `longest` bytes.
    pub(crate) fn new(longest: usize) -> Self {
        Memo {
            slots: Vec::new(),
            longest,
        }
    }

    /// The slot of hash `h`, the slots made first if need be.
    #[inline]
    fn slot(&mut self, h: u64) -> &mut Option<(u64, Box<str>, V)> {
        if self.slots.is_empty() {
            self.slots = (0..SLOTS).map(|_| None).collect();
        }
        &mut self.slots[h as usize % SLOTS]
    }

    /// `compute(text)`, computed once while `text` keeps its slot.
    #[inline]
    pub(crate) fn get(&mut self, text: &str, compute: impl FnOnce(&str) -> V) -> V {
        if text.len() > self.longest {
            return compute(text);
        }
        let h = fast_hash(text.as_bytes());
        let slot = self.slot(h);
        match slot {
            Some((k, t, v)) if *k == h && **t == *text => *v,
            _ => {
                let v = compute(text);
                *slot = Some((h, text.into(), v));
                v
            }
        }
    }

    /// The text's hash and the value kept for it, if any; `None` for a text
    /// too long to keep.
    #[inline]
    fn find(&self, text: &str) -> Option<(u64, Option<V>)> {
        if text.len() > self.longest {
            return None;
        }
        let h = fast_hash(text.as_bytes());
        Some(match self.slots.get(h as usize % SLOTS) {
            Some(Some((k, t, v))) if *k == h && **t == *text => (h, Some(*v)),
            _ => (h, None),
        })
    }

    /// Keeps `v` for `text`, whose hash [`Memo::find`] gave as `h`.
    #[inline]
    fn keep(&mut self, h: u64, text: &str, v: V) {
        *self.slot(h) = Some((h, text.into(), v));
    }
}

/// What one thread that parses lines remembers from line to line: the date
/// it read last, and the bodies of the lines it decoded.
#[derive(Debug, Default)]
pub(crate) struct ParseMemo {
    pub(crate) day: LastDay,
    pub(crate) tails: Tails,
}

/// An event's body as [`Tails`] keeps it: without the line it was read from,
/// a list as its place in the line's tail.
#[derive(Clone, Copy, Debug)]
enum Kept {
    Notice(Notice),
    Decision(Decision),
    /// The `cookies` array's span: from just after its `[` to just after its
    /// `]`, counted from the tail's start; and what the list asks.
    CookiePresent(u32, u32, Asks),
    CookieDeleted,
    Signal,
    /// A `cookie_set` with a `Set-Cookie` header without escapes: where the
    /// header's closing quote lies in the key (see [`Tails`]), and what its
    /// attributes read as ([`event::attributes_of`]): the key holds them
    /// whole, so every header kept under it has the same.
    Header(u32, Option<Lifetime>),
}

/// How a `cookie_set` line's tail with a header starts.
const HEADER: &str = "cookie_set\",\"set_cookie\":\"";

/// The bodies of lines decoded before, by their tails: all of a line from its
/// event's name on (see [`super::scan::Lead`]). Those texts repeat: a site's
/// notices, decisions and sets of cookies present are few, and a line's time
/// and visitor come before its tail. A line whose tail was decoded before has
/// the same body (the body is read from the tail's fields alone) and is valid
/// JSON as that line was (its lead strings read plainly), so only its time and
/// visitor are read.
///
/// A `cookie_set` line's header starts with its cookie's name and value,
/// which change from line to line while the attributes after them repeat. So
/// a tail that starts [`HEADER`] is kept by the rest of the line from the
/// pair's end (its first `;`, or the header's closing quote), the pair left
/// out as a hole: a pair of plain characters (no quote, escape or control) is
/// a string's content whatever it holds, and the audit reads the header only
/// when it applies the line. A header with an escape or a control character
/// is not kept (its text is then not the line's), nor a `cookie_set` that
/// names its cookie in `cookie`, nor a `tag_request`, whose URL seldom
/// repeats and is read as the line is decoded.
///
/// Should fewer than one lookup in eight find a body over
/// [`Tails::WINDOW`] lookups (a log whose lines carry a field of their own,
/// such as a request id, after the event), the memo is left alone for the
/// next [`Tails::REST`] lines, which then cost only a count.
#[derive(Debug)]
pub(crate) struct Tails {
    memo: Memo<Kept, { Tails::SLOTS }>,
    lookups: u32,
    hits: u32,
    /// Lines left before the memo is tried again.
    resting: u32,
}

impl Default for Tails {
    fn default() -> Self {
        Tails {
            memo: Memo::new(Tails::LONGEST),
            lookups: 0,
            hits: 0,
            resting: 0,
        }
    }
}

/// What [`Tails::find`] found for a tail.
pub(crate) enum Found<'a> {
    /// The body of a line with this tail.
    Body(Body<'a>),
    /// None yet: [`Tails::keep`] the body here once decoded.
    Missing(Keep),
    /// Not looked up.
    Skipped,
}

/// Where to keep a body: its key's hash, where the key starts in the line,
/// and whether it is a header's (the line after the pair of a `cookie_set`'s
/// header).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Keep {
    h: u64,
    key: usize,
    header: bool,
}

/// Where a header's pair ends in `rest`, the text from just after the
/// header's opening quote: at its first `;`, or at the closing quote of a
/// header without attributes. `None` when an escape or a control character
/// comes before that end.
///
/// Only the pair is read for them. What follows its `;` is the key, found
/// only when it is a kept key's text, and a key is kept only from a line
/// whose header has no escape (nor a control character, which JSON does not
/// allow in a string): so up to its first quote a key found has neither, and
/// that quote closes the header there as it did in the line kept.
///
/// One pass finds the first `;`, quote, escape or control character.
#[inline]
fn pair_end(rest: &[u8]) -> Option<usize> {
    let stop = skip_plain_until(rest, 0, b';');
    matches!(rest.get(stop), Some(b';' | b'"')).then_some(stop)
}

impl Tails {
    /// A memo that keeps no tail: every line is scanned whole.
    pub(crate) fn keeping_none() -> Self {
        Tails {
            memo: Memo::new(0),
            ..Tails::default()
        }
    }

    const SLOTS: usize = 4096;
    /// The longest tail kept: the memo holds at most 1 MiB of text.
    const LONGEST: usize = 256;
    const WINDOW: u32 = 4096;
    const REST: u32 = 1 << 16;

    /// The body of a line decoded before whose tail is `line[tail..]`, given
    /// back as a body of `line`.
    #[inline]
    pub(crate) fn find<'a>(&mut self, line: &'a str, tail: usize) -> Found<'a> {
        if self.resting > 0 {
            self.resting -= 1;
            return Found::Skipped;
        }
        let text = &line[tail..];
        let (key, header) = if let Some(rest) = text.strip_prefix(HEADER) {
            match pair_end(rest.as_bytes()) {
                Some(end) => (tail + HEADER.len() + end, true),
                None => return Found::Skipped,
            }
        } else if text.starts_with("cookie_set\"") || text.starts_with("tag_request\"") {
            return Found::Skipped;
        } else {
            (tail, false)
        };
        self.lookups += 1;
        if self.lookups == Self::WINDOW {
            if self.hits < Self::WINDOW / 8 {
                self.resting = Self::REST;
            }
            self.lookups = 0;
            self.hits = 0;
        }
        let Some((h, kept)) = self.memo.find(&line[key..]) else {
            return Found::Skipped;
        };
        // A key is a tail's or a header's, never taken for the other kind.
        // (They cannot meet: a header's key starts with `;` or `"`, and a tail
        // that does names an event that is empty or unknown, so it is never
        // kept. The arms that would take one for the other are a miss.)
        let body = match (kept, header) {
            (Some(Kept::Header(quote, lifetime)), true) => {
                let header = tail + HEADER.len();
                Body::CookieSet(CookieSet::Header(
                    Cow::Borrowed(&line[header..key + quote as usize]),
                    lifetime,
                    // The pair ends where the key starts.
                    Some((key - header) as u32),
                ))
            }
            (Some(Kept::Header(..)) | None, _) | (Some(_), true) => {
                return Found::Missing(Keep { h, key, header })
            }
            (Some(Kept::Notice(n)), false) => Body::Notice(n),
            (Some(Kept::Decision(d)), false) => Body::Decision(d),
            (Some(Kept::CookiePresent(start, end, asks)), false) => Body::CookiePresent(
                Strings::Json {
                    line,
                    i: tail + start as usize,
                    end: tail + end as usize,
                },
                Some(asks),
            ),
            (Some(Kept::CookieDeleted), false) => Body::CookieDeleted,
            (Some(Kept::Signal), false) => Body::Signal,
        };
        self.hits += 1;
        Found::Body(body)
    }

    /// Keeps `body`, decoded from `line` whose tail starts at `tail`, where
    /// [`Tails::find`] said to; a list of cookies with what it asks under
    /// `policy`.
    #[inline]
    pub(crate) fn keep(
        &mut self,
        at: Keep,
        line: &str,
        tail: usize,
        body: &Body<'_>,
        policy: &ValidPolicy<'_>,
    ) {
        let kept = match (body, at.header) {
            (Body::CookieSet(CookieSet::Header(Cow::Borrowed(header), ..)), true) => {
                // The header's closing quote, counted from the key's start.
                // (`find` gives a header's key whenever its pair is plain; a
                // header with an escape in its attributes then holds a text of
                // its own, unescaped, and is not kept: only a header that
                // borrows the line's text is.)
                Kept::Header(
                    (tail + HEADER.len() + header.len() - at.key) as u32,
                    event::attributes_of(header),
                )
            }
            (_, true) => return,
            (Body::Notice(n), false) => Kept::Notice(*n),
            (Body::Decision(d), false) => Kept::Decision(*d),
            (Body::CookiePresent(list @ Strings::Json { i, end, .. }, _), false) => {
                let asks = Asks::looked_up(policy, list.clone());
                Kept::CookiePresent((i - tail) as u32, (end - tail) as u32, asks)
            }
            (Body::CookieDeleted, false) => Kept::CookieDeleted,
            (Body::Signal, false) => Kept::Signal,
            _ => return,
        };
        self.memo.keep(at.h, &line[at.key..], kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::AttributeMemo;
    use crate::rules::{parse_line, Parsed};
    use proptest::prelude::*;

    const KK: &str = include_str!("../../examples/kk.dk.policy.json");

    /// Leads: the writers' start (plain, and with each fault a lead can
    /// hold), and starts the memo does not read.
    const TS: &[&str] = &[
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:00:00+01:00",
        "2026-03-02T23:59:60Z",
        "2026-03-01T10:00:00",
        "2026-02-30T10:00:00Z",
        "",
        "2026-03-01T10:00:0\\u0030Z",
        "2026-03-01T10:00:00Z\t",
    ];
    const VISITORS: &[&str] = &["v", "w2", "", "\\u0076", "a\\\"b", "x\u{1}", "blåbær"];
    /// Tails: from the event's name on, as the lead's `"event":"` leaves them.
    const TAILS: &[&str] = &[
        r#"notice_shown","revision":2,"notice":1,"layer":1,"trigger":"auto","controls":["accept_all","reject_all","settings"],"preselected":["necessary"]}"#,
        r#"notice_shown","revision":2,"trigger":"user","preselected":["statistics"]}"#,
        r#"notice_shown","revision":-1}"#,
        r#"notice_shown","trigger":"sometimes"}"#,
        r#"decision","action":"accept_all","notice":1,"control":"button"}"#,
        r#"decision","action":"reject_all"}"#,
        r#"decision","action":"save","granted":["necessary","statistics"],"gpc":true}"#,
        r#"decision","action":"withdraw","categories":["statistics"]}"#,
        r#"decision","action":"implied"}"#,
        r#"decision","action":"fly"}"#,
        r#"decision","action":"accept_all","control":"signal"}"#,
        r#"cookie_present","cookies":["nmstat","SESSb1"]}"#,
        r#"cookie_present","cookies":["nmstat"],"note":[1,{"a":null}]}"#,
        r#"cookie_present","cookies":["a","","b"]}"#,
        r#"cookie_present","cookies":["a\u0062c"]}"#,
        r#"cookie_present","cookies":[]}"#,
        r#"cookie_present"}"#,
        r#"cookie_deleted","cookie":"nmstat"}"#,
        r#"cookie_deleted"}"#,
        r#"signal","signal":"gpc"}"#,
        r#"signal","signal":"dnt"}"#,
        r#"cookie_set","set_cookie":"nmstat=1; Max-Age=100"}"#,
        r#"cookie_set","set_cookie":"nmstat=2; Max-Age=100"}"#,
        r#"cookie_set","set_cookie":"SESSb1=9; Max-Age=100"}"#,
        r#"cookie_set","set_cookie":"; Max-Age=100"}"#,
        r#"cookie_set","set_cookie":"nmstat=3"}"#,
        r#"cookie_set","set_cookie":"other=4"}"#,
        r#"cookie_set","set_cookie":""}"#,
        r#"cookie_set","set_cookie":"nmstat=5; Max-Age=100","cookie":"nmstat"}"#,
        r#"cookie_set","set_cookie":"SESSb1=6; Max-Age=100","set_cookie":"x=y"}"#,
        r#"cookie_set","set_cookie":"nmstat=7; Path=\/; Max-Age=100"}"#,
        r#"cookie_set","set_cookie":"nmstat=8; Max-Age=100"}"#,
        r#"cookie_set","set_cookie":"nmstat=9"; Max-Age=100"}"#,
        r#"cookie_set","set_cookie":"nmstat=10; Max-Age=100"} x"#,
        r#"cookie_set","set_cookie":"nmstat=11; Max-Age=100"#,
        r#"cookie_set","set_cookie":"nmstat=12; Max-Age=100"}"#,
        r#"cookie_set","set_cookie":"nmstat=13; Max-Age=100","set_cookie":null}"#,
        r#"cookie_set","set_cookie":1}"#,
        r#"cookie_set","set_cookie":"blåbær=14; Max-Age=100"}"#,
        "cookie_set\",\"set_cookie\":\"nmstat=\u{1}; Max-Age=100\"}",
        r#"cookie_set","set_cookie":"nmstat=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; Max-Age=100"}"#,
        r#"cookie_present","cookies":["nmstat","SESSb1","_ga","_gid","_fbp","closed-emergency-banner-35","Drupal_visitor_votingapi_source","nmstat","SESSb1","_ga","_gid","_fbp","closed-emergency-banner-35","Drupal_visitor_votingapi_source","nmstat","SESSb1","_ga","_gid","_fbp","closed-emergency-banner-35"]}"#,
        r#"cookie_set","cookie":"nmstat","max_age_s":5}"#,
        r#"tag_request","url":"https://www.google-analytics.com/g/collect?gcs=G111"}"#,
        r#"notice_shown","ts":"2026-03-01T10:00:00Z"}"#,
        r#"notice_shown","visitor":"v"}"#,
        r#"notice_shown","event":"signal"}"#,
        r#"notice_shown"} x"#,
        r#"notice_shown"}  "#,
        r#"notice_shown","revision":2"#,
        r#"notice_\u0073hown"}"#,
        r#"launch"}"#,
        r#""}"#,
    ];

    /// Shapes of a line: the writers' (`0..=5`), then others.
    const SHAPES: u8 = 11;

    /// A line from its parts, `shape` choosing the writers' start or another.
    fn line(ts: &str, visitor: &str, tail: &str, shape: u8) -> String {
        match shape {
            0..=5 => format!(r#"{{"ts":"{ts}","visitor":"{visitor}","event":"{tail}"#),
            6 => format!(r#" {{"ts":"{ts}","visitor":"{visitor}","event":"{tail}"#),
            7 => format!(r#"{{"visitor":"{visitor}","ts":"{ts}","event":"{tail}"#),
            8 => format!(r#"{{"ts":"{ts}", "visitor":"{visitor}","event":"{tail}"#),
            9 => format!("{}\r", line(ts, visitor, tail, 0)),
            _ => format!("\u{feff}{}", line(ts, visitor, tail, 0)),
        }
    }

    /// Random lines, most with a time and visitor that read (so that the
    /// memo keeps and finds bodies), the rest with any.
    fn lines() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(
            (
                prop_oneof![3 => 0..2usize, 1 => 0..TS.len()],
                prop_oneof![3 => 0..2usize, 1 => 0..VISITORS.len()],
                0..TAILS.len(),
                0..SHAPES,
            )
                .prop_map(|(t, v, e, s)| line(TS[t], VISITORS[v], TAILS[e], s)),
            1..80,
        )
    }

    /// The kind of a body, as the memo keeps it.
    fn kind(body: &Body<'_>) -> &'static str {
        match body {
            Body::Notice(_) => "notice",
            Body::Decision(_) => "decision",
            Body::CookiePresent(..) => "cookie_present",
            Body::CookieDeleted => "cookie_deleted",
            Body::Signal => "signal",
            Body::CookieSet(CookieSet::Header(..)) => "header",
            Body::CookieSet(_) => "cookie",
            Body::TagRequest(_) => "tag_request",
        }
    }

    /// `parsed` as text, without what its list of cookies asks, what its
    /// header's attributes read as or where its header's pair ends, which the
    /// memo gives and a line scanned whole does not: where given, each must be
    /// what the policy says the list asks, what the header's attributes, read
    /// on their own, are, or where the header's first `;` is (its end if none).
    fn shown(policy: &ValidPolicy<'_>, mut parsed: Parsed<'_>) -> String {
        if let Parsed::Event(line) = &mut parsed {
            match &mut line.body {
                Body::CookiePresent(list, asks) => {
                    if let Some(kept) = asks.take() {
                        assert_eq!(kept, Asks::looked_up(policy, list.clone()));
                    }
                }
                Body::CookieSet(CookieSet::Header(header, lifetime, pair)) => {
                    if let Some(end) = pair.take() {
                        // Where the pair ends: the first `;`, or the end.
                        let want = header.find(';').unwrap_or(header.len());
                        assert_eq!(end as usize, want, "{header}");
                    }
                    if let Some(kept) = lifetime.take() {
                        // The same attributes behind a pair of their own.
                        let semi = header.find(';').expect("a header with attributes");
                        let own = format!("a=b{}", &header[semi..]);
                        let own = AttributeMemo::default().parse(&own, None, None).unwrap();
                        assert_eq!((kept.max_age, kept.expires), (own.max_age, own.expires));
                    }
                }
                _ => {}
            }
        }
        format!("{parsed:?}")
    }

    /// A header's pair is read for escapes and controls, and its attributes
    /// are found only as a kept key's text: headers whose attributes hold an
    /// escape, a quote or a control, after a line kept with plain ones and
    /// an escape later in the line, read as scanned whole.
    #[test]
    fn a_header_is_kept_by_plain_attributes_only() {
        let policy = samtykke_host::OwnedPolicy::from_json(KK).unwrap();
        let policy = policy.view();
        // Each header (its JSON text), what follows it in the line, and
        // whether the memo finds the line's body from the lines before it.
        let escaped_note = r#""note":"x\"y"}"#;
        let semi_note = r#""note":"x; Path=/"}"#;
        let tails = [
            ("a=1; Path=/", escaped_note, false),
            ("a=2; Path=/", escaped_note, true),
            (r"a=3; Path=/\u0078", escaped_note, false),
            (r#"a=4; Path=/\""#, escaped_note, false),
            (r"a=5; Path=/\t", escaped_note, false),
            ("a=5; Path=/\t", escaped_note, false),
            (r"a\u0036=6; Path=/", escaped_note, false),
            ("a=7", semi_note, false),
            ("a=8; Path=/", escaped_note, true),
            ("a=9", semi_note, true),
        ]
        .map(|(header, rest, found)| {
            (
                format!(r#"cookie_set","set_cookie":"{header}",{rest}"#),
                found,
            )
        });
        let mut memo = ParseMemo::default();
        let mut whole = ParseMemo {
            tails: Tails::keeping_none(),
            ..ParseMemo::default()
        };
        for (tail, found) in tails {
            let text = line(TS[0], "v", &tail, 0);
            let lead = crate::scan::lead_of(&text).unwrap();
            let looked_up = matches!(
                memo.tails.find(&text, lead.tail),
                Found::Body(Body::CookieSet(CookieSet::Header(..)))
            );
            assert_eq!(looked_up, found, "{text}");
            let through = parse_line(&policy, &mut memo, false, text.as_bytes());
            let scanned = parse_line(&policy, &mut whole, false, text.as_bytes());
            assert_eq!(shown(&policy, through), shown(&policy, scanned), "{text}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases().min(2_000)))]

        /// A line read through the memo of the lines before it reads as it
        /// does scanned whole: the same event, or the same error.
        #[test]
        fn a_line_reads_the_same_through_the_memo_of_its_tail(lines in lines()) {
            let policy = samtykke_host::OwnedPolicy::from_json(KK).unwrap();
            let policy = policy.view();
            let mut memo = ParseMemo::default();
            let mut whole = ParseMemo {
                tails: Tails::keeping_none(),
                ..ParseMemo::default()
            };
            for (i, text) in lines.iter().enumerate() {
                let first = i == 0 || text.starts_with('\u{feff}');
                let through = parse_line(&policy, &mut memo, first, text.as_bytes());
                let scanned = parse_line(&policy, &mut whole, first, text.as_bytes());
                prop_assert_eq!(shown(&policy, through), shown(&policy, scanned), "line {}", text);
            }
        }
    }

    /// Every tail of the table, read once under a lead the memo reads and
    /// then under every lead and shape, reads through the memo as scanned
    /// whole; every kind of body the memo keeps is found again, and none it
    /// does not keep.
    #[test]
    fn every_kind_of_body_is_found_again_and_reads_as_scanned_whole() {
        let policy = samtykke_host::OwnedPolicy::from_json(KK).unwrap();
        let policy = policy.view();
        let mut found = std::collections::BTreeSet::new();
        for tail in TAILS {
            let mut memo = ParseMemo::default();
            let mut whole = ParseMemo {
                tails: Tails::keeping_none(),
                ..ParseMemo::default()
            };
            let leads = TS.iter().flat_map(|&ts| {
                VISITORS
                    .iter()
                    .flat_map(move |&v| (0..SHAPES).map(move |s| (ts, v, s)))
            });
            for (ts, visitor, shape) in std::iter::once((TS[0], "v", 0)).chain(leads) {
                let text = line(ts, visitor, tail, shape);
                if let Some(lead) = crate::scan::lead_of(&text) {
                    if let Found::Body(body) = memo.tails.find(&text, lead.tail) {
                        found.insert(kind(&body));
                    }
                }
                let first = shape == 10;
                let through = parse_line(&policy, &mut memo, first, text.as_bytes());
                let scanned = parse_line(&policy, &mut whole, first, text.as_bytes());
                assert_eq!(shown(&policy, through), shown(&policy, scanned), "{text}");
            }
        }
        let kinds = [
            "cookie_deleted",
            "cookie_present",
            "decision",
            "header",
            "notice",
            "signal",
        ];
        assert_eq!(found, kinds.into_iter().collect());
    }

    /// The memo is read: a line repeated but for its time and visitor finds
    /// the body of the first, and a header with another cookie's pair before
    /// the same attributes finds its own header; a header with an escape and
    /// a tag request are not kept.
    #[test]
    fn a_repeated_tail_is_found_and_a_header_by_its_attributes() {
        let policy = samtykke_host::OwnedPolicy::from_json(KK).unwrap();
        let policy = policy.view();
        let mut memo = ParseMemo::default();
        let cookies = r#"cookie_present","cookies":["nmstat","SESSb1"]}"#;
        let escaped = r#"cookie_set","set_cookie":"nmstat=7; Path=\/; Max-Age=100"}"#;
        let tag = r#"tag_request","url":"https://www.google-analytics.com/g/collect?gcs=G111"}"#;
        let cases = [
            (TAILS[0], TAILS[0], Some("")),
            (cookies, cookies, Some("")),
            (
                r#"cookie_set","set_cookie":"nmstat=1; Max-Age=100"}"#,
                r#"cookie_set","set_cookie":"SESSb1=9; Max-Age=100"}"#,
                Some("SESSb1=9; Max-Age=100"),
            ),
            (
                r#"cookie_set","set_cookie":"nmstat=3"}"#,
                r#"cookie_set","set_cookie":"other=4"}"#,
                Some("other=4"),
            ),
            (escaped, escaped, None),
            (tag, tag, None),
        ];
        for (tail, other, _) in cases {
            assert!(TAILS.contains(&tail) && TAILS.contains(&other), "{tail}");
        }
        for (tail, other, header) in cases {
            let first = line(TS[0], "v", tail, 0);
            assert!(matches!(
                parse_line(&policy, &mut memo, false, first.as_bytes()),
                Parsed::Event(_)
            ));
            let again = line(TS[1], "w", other, 0);
            let lead = crate::scan::lead_of(&again).unwrap();
            match (memo.tails.find(&again, lead.tail), header) {
                (Found::Body(Body::CookieSet(CookieSet::Header(h, ..))), Some(header)) => {
                    assert_eq!(h, header);
                }
                (Found::Body(_), Some("")) => {}
                (Found::Skipped | Found::Missing(_), None) => {}
                _ => panic!("{tail} then {other}"),
            }
        }
    }

    /// A log whose tails never repeat rests the memo (a count a line), and
    /// wakes it again after the rest.
    #[test]
    fn a_memo_that_finds_nothing_rests_and_wakes() {
        let policy = samtykke_host::OwnedPolicy::from_json(KK).unwrap();
        let policy = policy.view();
        let mut memo = ParseMemo::default();
        let unique = |i: u32| {
            line(
                TS[0],
                "v",
                &format!(r#"cookie_present","cookies":["nmstat"],"request":{i}}}"#),
                0,
            )
        };
        for i in 0..Tails::WINDOW {
            let text = unique(i);
            assert!(matches!(
                parse_line(&policy, &mut memo, false, text.as_bytes()),
                Parsed::Event(_)
            ));
        }
        assert_eq!(memo.tails.resting, Tails::REST);
        let text = unique(0);
        let lead = crate::scan::lead_of(&text).unwrap();
        for _ in 0..Tails::REST {
            assert!(matches!(memo.tails.find(&text, lead.tail), Found::Skipped));
        }
        // Awake: the line last kept is found.
        let last = unique(Tails::WINDOW - 1);
        let lead = crate::scan::lead_of(&last).unwrap();
        assert!(matches!(memo.tails.find(&last, lead.tail), Found::Body(_)));
    }
}
