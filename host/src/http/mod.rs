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

mod cookie_header;
mod deletion;
mod domains;
mod filter;
mod request;
mod set_cookie;

pub use cookie_header::{
    cookie_pairs, decode_with_keys, parse_cookie_header, readable_cookie_pairs,
    state_from_cookie_header, state_from_cookie_pairs, Arrived,
};
pub use deletion::{
    deletion_plan, script_safe, storage_keys, storage_script, DeletionPlan, Undeletable,
    UndeletableReason, EXPIRED,
};
pub use domains::{consent_set_cookie, cookie_domains, domain_attribute};
pub(crate) use domains::{normalise_domain, site_reaches};
pub use filter::{
    clamp_set_cookie, filter_set_cookie, judge_set_cookie, sets_cookie, DropReason, Dropped,
    Filtered,
};
pub(crate) use request::trim_ows;
pub use request::{gpc_signal, request_lang, same_origin, CrossOrigin};
pub use set_cookie::{SameSite, SetCookie, MAX_ATTRIBUTE_VALUE};

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use samtykke::{
    Category, Code, ConsentState, CookieError, CookieKey, Kind, Permit, ValidPolicy, Why,
};
use time::OffsetDateTime;

// ---- errors ---------------------------------------------------------------

samtykke::vocabulary! {
    /// The header a [`HeaderError`] is about.
    pub enum Header ("header") {
        /// The `Cookie` request header.
        Cookie = 0 => "Cookie",
        /// The value of a `Set-Cookie` response header.
        SetCookie = 1 => "Set-Cookie",
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
    /// `Max-Age` is not an optionally negative run of digits, or its value is
    /// longer than browsers read.
    #[error("not a whole number of seconds (digits, `-` allowed before them, at most 1024 bytes)")]
    InvalidMaxAge,
    /// `Expires` is not a date in a form this parser reads, or its value is
    /// longer than browsers read.
    #[error(
        "not an HTTP date (IMF-fixdate, RFC 850, Netscape or asctime form, at most 1024 bytes)"
    )]
    InvalidExpires,
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

/// Where `s` starts and ends without the spaces and tabs around it. (Both are
/// ASCII, so each cut lies on a character boundary.)
fn wsp_bounds(s: &str) -> (usize, usize) {
    let b = s.as_bytes();
    let wsp = |c: &u8| *c == b' ' || *c == b'\t';
    let start = b.iter().position(|c| !wsp(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !wsp(c)).map_or(start, |e| e + 1);
    (start, end)
}

/// `s` without the spaces and tabs around it.
pub(crate) fn trim_wsp(s: &str) -> &str {
    let (start, end) = wsp_bounds(s);
    &s[start..end]
}

/// The first control character (other than a tab) in `s`.
fn check_controls(header: Header, s: &str) -> Result<(), HeaderError> {
    match first_control(s.as_bytes()) {
        Some(at) => Err(HeaderError::new(
            header,
            HeaderErrorKind::ControlCharacter,
            None,
            at,
        )),
        None => Ok(()),
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The classic SWAR test: 0x80 in the bytes of `w` below `n` (at most 0x80).
/// Exact as a whole (a word has a flag exactly when it has such a byte), and
/// its lowest flag is exact: a false flag, from a borrow, only ever lies above
/// a true one.
#[inline]
fn below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH
}

/// [`below`]'s test for the bytes of `w` that are `c`.
#[inline]
fn equal(w: u64, c: u8) -> u64 {
    below(w ^ (ONES * u64::from(c)), 1)
}

/// The first word of eight bytes of `b`, from `from` on, in which `flags` sets
/// a bit, with those bits; or where the bytes too few for a word begin, with 0.
#[inline]
fn first_flagged_word(b: &[u8], from: usize, flags: impl Fn(u64) -> u64) -> (usize, u64) {
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let f = flags(u64::from_le_bytes(word));
        if f != 0 {
            return (i, f);
        }
        i += 8;
    }
    (i, 0)
}

/// The index of the first byte below 0x20 other than a tab, or 0x7f. Eight
/// bytes at a time while none is below 0x20 or is 0x7f ([`below`] and
/// [`equal`], exact as a whole), then byte by byte from the word that has one.
fn first_control(b: &[u8]) -> Option<usize> {
    let (i, _) = first_flagged_word(b, 0, |w| below(w, 0x20) | equal(w, 0x7f));
    let is_control = |c: u8| (c < 0x20 && c != b'\t') || c == 0x7f;
    b[i..].iter().position(|&c| is_control(c)).map(|p| i + p)
}

/// The index of the first `needle` in `b` at or after `from`: eight bytes at a
/// time, with the exact zero-byte test (no borrow between bytes, so the lowest
/// flagged byte is the first match), then byte by byte for the last few.
pub(crate) fn find_byte(b: &[u8], from: usize, needle: u8) -> Option<usize> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let (i, zero) = first_flagged_word(b, from, |w| {
        let w = w ^ (ONES * u64::from(needle));
        // 0x80 in exactly the bytes of `w` that are zero.
        !(((w & LOW7) + LOW7) | w | LOW7)
    });
    if zero != 0 {
        return Some(i + (zero.trailing_zeros() / 8) as usize);
    }
    b.get(i..)?.iter().position(|&c| c == needle).map(|p| i + p)
}

/// A `Set-Cookie` header that is a plain name-value pair and nothing else,
/// split at its `=`: no byte below 0x21 (a control character, a space or a
/// tab), no 0x7f and no `;`, and its first `=` not its first byte. Such a header
/// is one piece with nothing to trim, so this is the name and value the
/// general reading gives (`set_cookie::name_value`), found in one pass
/// over its bytes, eight at a time; `None` for any other header, which the
/// general reading takes.
#[inline]
pub(crate) fn plain_pair(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    // The first byte that ends a plain name: one that is never plain, or `=`.
    let eq = first_unplain(b, 0, Some(b'='))?;
    if b[eq] != b'=' || eq == 0 || first_unplain(b, eq + 1, None).is_some() {
        return None;
    }
    // `=` is ASCII: both sides end on a character boundary.
    Some((&s[..eq], &s[eq + 1..]))
}

/// The index of the first byte of `b`, from `from` on, that is below 0x21, is
/// 0x7f or `;`, or is `also`. Eight bytes at a time with [`below`] and
/// [`equal`], each of which flags its lowest match exactly, so the lowest flag
/// of any of them is the first such byte; then byte by byte for the last few.
#[inline]
fn first_unplain(b: &[u8], from: usize, also: Option<u8>) -> Option<usize> {
    let (i, flags) = first_flagged_word(b, from, |w| {
        let also = also.map_or(0, |c| equal(w, c));
        below(w, 0x21) | equal(w, 0x7f) | equal(w, b';') | also
    });
    if flags != 0 {
        return Some(i + (flags.trailing_zeros() / 8) as usize);
    }
    let unplain = |c: u8| c < 0x21 || c == 0x7f || c == b';' || Some(c) == also;
    b.get(i..)?.iter().position(|&c| unplain(c)).map(|p| i + p)
}

/// `s` split at its first `=`, if it has one.
pub(crate) fn split_at_equals(s: &str) -> Option<(&str, &str)> {
    let at = find_byte(s.as_bytes(), 0, b'=')?;
    // `=` is ASCII: both sides end on a character boundary.
    Some((&s[..at], &s[at + 1..]))
}

/// The `;`-separated pieces of `s` with their byte offsets, each trimmed of
/// surrounding whitespace (the offset is the trimmed piece's).
fn pieces(s: &str) -> Pieces<'_> {
    Pieces { s, at: Some(0) }
}

/// [`pieces`]: a byte search for `;`, which a header's short pieces find
/// sooner than a general string search does.
struct Pieces<'a> {
    s: &'a str,
    /// Where the next piece starts; `None` after the last.
    at: Option<usize>,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = (usize, &'a str);

    #[inline]
    fn next(&mut self) -> Option<(usize, &'a str)> {
        let from = self.at?;
        let end = match find_byte(self.s.as_bytes(), from, b';') {
            Some(p) => {
                self.at = Some(p + 1);
                p
            }
            None => {
                self.at = None;
                self.s.len()
            }
        };
        let piece = &self.s[from..end];
        let (start, end) = wsp_bounds(piece);
        Some((from + start, &piece[start..end]))
    }
}

#[cfg(test)]
mod tests {
    use super::plain_pair;

    /// The plain pairs that most logged `Set-Cookie` headers are take the one
    /// pass, at every length around its eight-byte words; a header with
    /// anything to trim, cut at a `;` or refuse does not, and is left to the
    /// general reading (which `a_pair_read_in_one_pass_is_the_pair_the_whole_header_gives`
    /// holds both to).
    #[test]
    fn plain_pairs_take_the_one_pass() {
        let plain = [
            ("a=", ("a", "")),
            ("a=b", ("a", "b")),
            ("n=v=w", ("n", "v=w")),
            ("abcdef=g", ("abcdef", "g")),
            ("abcdefg=h", ("abcdefg", "h")),
            ("samtykke=c9a01e1133", ("samtykke", "c9a01e1133")),
            (
                "Drupal_visitor_votingapi_source=1126df1b65",
                ("Drupal_visitor_votingapi_source", "1126df1b65"),
            ),
            ("\u{e9}=\u{fc}\"", ("\u{e9}", "\u{fc}\"")),
        ];
        for (header, pair) in plain {
            assert_eq!(plain_pair(header), Some(pair), "{header:?}");
        }
        let not_plain = [
            "",
            "a",
            "=v",
            "abcdefgh",
            " a=b",
            "a =b",
            "a= b",
            "a=b ",
            "a=b;",
            "a=b; Path=/",
            "a=\tb",
            "a=b\u{7f}",
            "a=b\u{1}",
            "abcdefgh=ijklmnop;",
        ];
        for header in not_plain {
            assert_eq!(plain_pair(header), None, "{header:?}");
        }
    }
}
