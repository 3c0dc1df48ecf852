//! A small memo of what the audit computes from texts a log repeats (a cookie's
//! name, a `Set-Cookie` header's attributes, all of a line but its time and
//! visitor).

use super::event::{Body, Decision, Notice};
use super::hash::fast_hash;
use super::scan::Strings;
use super::stamp::LastDay;

/// The value computed for up to `SLOTS` texts, direct-mapped by a hash of the
/// text (a text evicts the one before it in its slot), so it stays small
/// whatever texts a log holds. A text over `longest` bytes is computed and not
/// kept: the memo holds at most `SLOTS × longest` bytes of text.
#[derive(Debug)]
pub(crate) struct Memo<V, const SLOTS: usize> {
    pub(crate) slots: Vec<Option<(u64, Box<str>, V)>>,
    longest: usize,
}

impl<V: Copy, const SLOTS: usize> Memo<V, SLOTS> {
    /// An empty memo keeping texts of at most `longest` bytes.
    pub(crate) fn new(longest: usize) -> Self {
        Memo {
            slots: (0..SLOTS).map(|_| None).collect(),
            longest,
        }
    }

    /// `compute(text)`, computed once while `text` keeps its slot.
    #[inline]
    pub(crate) fn get(&mut self, text: &str, compute: impl FnOnce(&str) -> V) -> V {
        if text.len() > self.longest {
            return compute(text);
        }
        let h = fast_hash(text.as_bytes());
        let slot = &mut self.slots[h as usize % SLOTS];
        match slot {
            Some((k, t, v)) if *k == h && **t == *text => *v,
            _ => {
                let v = compute(text);
                *slot = Some((h, text.into(), v));
                v
            }
        }
    }

    /// The value kept for `text`, or the text's hash to [`Memo::keep`] one
    /// under; `Err(None)` for a text too long to keep.
    #[inline]
    fn find(&self, text: &str) -> Result<V, Option<u64>> {
        if text.len() > self.longest {
            return Err(None);
        }
        let h = fast_hash(text.as_bytes());
        match &self.slots[h as usize % SLOTS] {
            Some((k, t, v)) if *k == h && **t == *text => Ok(*v),
            _ => Err(Some(h)),
        }
    }

    /// Keeps `v` for `text`, whose hash [`Memo::find`] gave as `h`.
    #[inline]
    fn keep(&mut self, h: u64, text: &str, v: V) {
        self.slots[h as usize % SLOTS] = Some((h, text.into(), v));
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
    /// `]`, counted from the tail's start.
    CookiePresent(u32, u32),
    CookieDeleted,
    Signal,
}

/// The bodies of lines decoded before, by their tails: all of a line from its
/// event's name on (see [`super::scan::Lead`]). Those texts repeat: a site's
/// notices, decisions and sets of cookies present are few, and a line's time
/// and visitor come before its tail. A line whose tail was decoded before has
/// the same body (the body is read from the tail's fields alone) and is valid
/// JSON as that line was (its lead strings read plainly), so only its time and
/// visitor are read. A `cookie_set` or `tag_request` line's tail holds a header
/// or a URL that seldom repeats: those are neither looked up nor kept.
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
    /// None yet: [`Tails::keep`] the body under this hash once decoded.
    Missing(u64),
    /// Not looked up.
    Skipped,
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
        if text.starts_with("cookie_set\"") || text.starts_with("tag_request\"") {
            return Found::Skipped;
        }
        self.lookups += 1;
        if self.lookups == Self::WINDOW {
            if self.hits < Self::WINDOW / 8 {
                self.resting = Self::REST;
            }
            self.lookups = 0;
            self.hits = 0;
        }
        match self.memo.find(text) {
            Ok(kept) => {
                self.hits += 1;
                Found::Body(match kept {
                    Kept::Notice(n) => Body::Notice(n),
                    Kept::Decision(d) => Body::Decision(d),
                    Kept::CookiePresent(start, end) => Body::CookiePresent(Strings::Json {
                        line,
                        i: tail + start as usize,
                        end: tail + end as usize,
                    }),
                    Kept::CookieDeleted => Body::CookieDeleted,
                    Kept::Signal => Body::Signal,
                })
            }
            Err(Some(h)) => Found::Missing(h),
            Err(None) => Found::Skipped,
        }
    }

    /// Keeps `body`, decoded from `line`, under `h`, the hash of its tail
    /// `line[tail..]` that [`Tails::find`] gave.
    #[inline]
    pub(crate) fn keep(&mut self, h: u64, line: &str, tail: usize, body: &Body<'_>) {
        let kept = match body {
            Body::Notice(n) => Kept::Notice(*n),
            Body::Decision(d) => Kept::Decision(*d),
            Body::CookiePresent(Strings::Json { i, end, .. }) => {
                Kept::CookiePresent((i - tail) as u32, (end - tail) as u32)
            }
            Body::CookieDeleted => Kept::CookieDeleted,
            Body::Signal => Kept::Signal,
            _ => return,
        };
        self.memo.keep(h, &line[tail..], kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    /// A line from its parts, `shape` choosing the writers' start or another.
    fn line(ts: &str, visitor: &str, tail: &str, shape: u8) -> String {
        match shape {
            0..=5 => format!(r#"{{"ts":"{ts}","visitor":"{visitor}","event":"{tail}"#),
            6 => format!(r#" {{"ts":"{ts}","visitor":"{visitor}","event":"{tail}"#),
            7 => format!(r#"{{"visitor":"{visitor}","ts":"{ts}","event":"{tail}"#),
            _ => format!(r#"{{"ts":"{ts}", "visitor":"{visitor}","event":"{tail}"#),
        }
    }

    fn lines() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(
            (0..TS.len(), 0..VISITORS.len(), 0..TAILS.len(), 0u8..9)
                .prop_map(|(t, v, e, s)| line(TS[t], VISITORS[v], TAILS[e], s)),
            1..80,
        )
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
                let first = i == 0;
                let through = parse_line(&policy, &mut memo, first, text.as_bytes());
                let scanned = parse_line(&policy, &mut whole, first, text.as_bytes());
                prop_assert_eq!(format!("{through:?}"), format!("{scanned:?}"), "line {}", text);
            }
        }
    }

    /// The memo is read: a line repeated but for its time and visitor finds
    /// the body of the first; an event whose tail holds a header is not kept.
    #[test]
    fn a_repeated_tail_is_found_and_a_header_is_not_kept() {
        let policy = samtykke_host::OwnedPolicy::from_json(KK).unwrap();
        let policy = policy.view();
        let mut memo = ParseMemo::default();
        for tail in [TAILS[0], TAILS[11], TAILS[21]] {
            let first = line(TS[0], "v", tail, 0);
            assert!(matches!(
                parse_line(&policy, &mut memo, false, first.as_bytes()),
                Parsed::Event(_)
            ));
            let again = line(TS[1], "w", tail, 0);
            let lead = crate::scan::lead_of(&again).unwrap();
            let found = memo.tails.find(&again, lead.tail);
            if tail.starts_with("cookie_set") {
                assert!(matches!(found, Found::Skipped), "{tail}");
            } else {
                assert!(matches!(found, Found::Body(_)), "{tail}");
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
