//! Time, the one place it is converted: Unix seconds to instants (clamped to what
//! `time` holds), RFC 3339 for proof records, logs and messages, and HTTP dates for
//! `Expires` (SPEC §6).

use crate::http::trim_wsp;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::parsing::Parsed;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

/// The instant `secs` seconds after the Unix epoch, clamped to the range `time`
/// holds (the epoch for earlier times is not needed: anything before the earliest
/// instant clamps to it).
pub fn from_unix_clamped(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(if secs < 0 {
        PrimitiveDateTime::MIN.assume_utc()
    } else {
        PrimitiveDateTime::MAX.assume_utc()
    })
}

/// Earliest and latest instants RFC 3339 can write (years 0000–9999).
const RFC3339_MIN: i64 = -62_167_219_200;
const RFC3339_MAX: i64 = 253_402_300_799;

/// The instant `secs` seconds after the Unix epoch, if RFC 3339 can write it
/// (0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z): the times a front end takes
/// from a host as plain seconds, so that every proof record and log line states
/// the time it was given. `None` before or after.
pub fn from_unix_writable(secs: i64) -> Option<OffsetDateTime> {
    if (RFC3339_MIN..=RFC3339_MAX).contains(&secs) {
        OffsetDateTime::from_unix_timestamp(secs).ok()
    } else {
        None
    }
}

/// An RFC 3339 time with `Z` or an offset (`2026-03-01T10:00:00+01:00`), as the
/// command line's `--now` takes it; `None` for anything else.
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).ok()
}

/// `t` in RFC 3339, UTC, whole seconds (`2026-03-01T10:00:00Z`); clamped to the
/// years RFC 3339 can write. The one formatter of times in proof records, audit
/// messages and the command line.
pub fn format_rfc3339(t: OffsetDateTime) -> String {
    let b = rfc3339_bytes(t);
    b.iter().map(|&c| char::from(c)).collect()
}

/// [`format_rfc3339`]'s 20 ASCII bytes, on the stack.
pub(crate) fn rfc3339_bytes(t: OffsetDateTime) -> [u8; 20] {
    let secs = t.unix_timestamp().clamp(RFC3339_MIN, RFC3339_MAX);
    let t = OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    // Written digit by digit: this runs for every logged event and proof record.
    // The clamp keeps the year in 0..=9999, four digits.
    let mut b = *b"0000-00-00T00:00:00Z";
    // The date once (its month and day are worked out from the day of the year).
    let (year, month, day) = t.to_calendar_date();
    let (hour, minute, second) = t.to_hms();
    let year = year.unsigned_abs();
    for (i, d) in [year / 1000, year / 100 % 10, year / 10 % 10, year % 10]
        .into_iter()
        .enumerate()
    {
        b[i] = b'0' + d as u8;
    }
    for (at, v) in [
        (5, u8::from(month)),
        (8, day),
        (11, hour),
        (14, minute),
        (17, second),
    ] {
        b[at] = b'0' + v / 10;
        b[at + 1] = b'0' + v % 10;
    }
    b
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

/// A run of whitespace, at least one byte of it: what parts a day, a time and
/// a year. Browsers cut a date at such delimiters and read each piece alone, so
/// `199408:49:37` is no year and no time to them, and `Nov6` no day.
fn wsp(b: &[u8]) -> Option<&[u8]> {
    let r = skip_wsp(b);
    (r.len() < b.len()).then_some(r)
}

/// A date separator: a dash or a run of whitespace.
fn date_sep(b: &[u8]) -> Option<&[u8]> {
    match b.first()? {
        b'-' => Some(&b[1..]),
        b' ' | b'\t' => Some(skip_wsp(b)),
        _ => None,
    }
}

/// `b` when it starts with a digit: the year of an HTTP date has no sign (`[year]`
/// alone would read `-0994`, a date no HTTP date form writes).
fn unsigned(b: &[u8]) -> Option<&[u8]> {
    b.first()?.is_ascii_digit().then_some(b)
}

/// A weekday's name, short or long, in any case.
fn is_weekday(word: &[u8]) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    DAYS.iter().any(|d| {
        word.eq_ignore_ascii_case(d.as_bytes()) || word.eq_ignore_ascii_case(&d.as_bytes()[..3])
    })
}

fn skip_letters(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    &b[n..]
}

/// Parses an HTTP date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`), the Netscape form (`Sun, 06-Nov-1994
/// 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`). The weekday is
/// optional and not checked against the date (browsers do not check it), but
/// must name a weekday (browsers read a month or zone name there); month names
/// are case-insensitive; years 70–99 are 19xx and 0–69 20xx, in two digits or
/// four (`0050`; the asctime form takes four), and a year before 1601 is no
/// date (RFC 6265 §5.1.1); whitespace parts the time from the date (and, in
/// asctime, the month, day, time and year from each other); the zone, if any,
/// stands apart from what is before it and must be GMT, UTC, UT, Z, +0000 or
/// -0000.
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let s = trim_wsp(s).as_bytes();
    let letters = s.len() - skip_letters(s).len();
    // A leading word followed by a comma or by another word is a weekday, and
    // must name one: browsers take the first month or zone name they meet, so
    // `Dec, 01 Jan 2026` is December to them and `Pst, …` a Pacific time.
    let s = if letters > 0 {
        let (word, rest) = s.split_at(letters);
        let after = if let Some(r) = rest.strip_prefix(b",") {
            Some(skip_wsp(r))
        } else if skip_wsp(rest).first().is_some_and(u8::is_ascii_alphabetic) {
            Some(skip_wsp(rest))
        } else {
            None
        };
        match after {
            Some(r) if is_weekday(word) => r,
            Some(_) => return None,
            None => s,
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
        let r = unsigned(r)?;
        let r = p
            .parse_items(r, YEAR_FULL)
            .or_else(|_| p.parse_items(r, YEAR_TWO))
            .ok()?;
        p.parse_items(wsp(r)?, CLOCK).ok()?
    } else {
        // asctime: month, day, time, year.
        let r = skip_letters(p.parse_items(s, MONTH).ok()?);
        let r = p.parse_items(wsp(r)?, DAY).ok()?;
        let r = p.parse_items(wsp(r)?, CLOCK).ok()?;
        p.parse_items(unsigned(wsp(r)?)?, YEAR_FULL).ok()?
    };
    // A zone stands apart from the year or time before it: browsers read
    // `1994GMT` as no year at all.
    if rest.first().is_some_and(|&c| c != b' ' && c != b'\t') {
        return None;
    }
    let zone = skip_wsp(rest);
    if !["", "GMT", "UTC", "UT", "Z", "+0000", "-0000"]
        .iter()
        .any(|z| zone.eq_ignore_ascii_case(z.as_bytes()))
    {
        return None;
    }
    // RFC 6265 §5.1.1, as Chrome reads a cookie's date: a year of 0 to 69 is
    // 20xx and 70 to 99 is 19xx whether two digits or four write it (`0050` is
    // 2050, not a date long past that would make the cookie a deletion;
    // Firefox reads the year 50, a deletion, so the later reading is the one
    // that has the filter ask for consent), and a year before 1601 is no date.
    // (A year of three digits is not read: the `Expires` is invalid, and the
    // filter drops the header.)
    let year = match (p.year(), p.year_last_two()) {
        (Some(y), _) => y,
        (None, Some(y)) => i32::from(y),
        (None, None) => return None,
    };
    let year = match year {
        0..=69 => year + 2000,
        70..=99 => year + 1900,
        _ => year,
    };
    if year < 1601 {
        return None;
    }
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

#[cfg(test)]
mod tests {

    /// The times a front end takes from a host are those RFC 3339 writes.
    #[test]
    fn from_unix_writable_takes_the_years_rfc3339_writes() {
        let first = from_unix_writable(-62_167_219_200).unwrap();
        assert_eq!(format_rfc3339(first), "0000-01-01T00:00:00Z");
        let last = from_unix_writable(253_402_300_799).unwrap();
        assert_eq!(format_rfc3339(last), "9999-12-31T23:59:59Z");
        for outside in [
            -62_167_219_201,
            -377_705_116_800,
            253_402_300_800,
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(from_unix_writable(outside), None, "{outside}");
        }
    }

    /// The digit-by-digit writer against `format!` of the same fields, over the
    /// whole range RFC 3339 can write (and past both ends, clamped).
    #[test]
    fn format_rfc3339_writes_what_the_formatter_writes() {
        let reference = |secs: i64| {
            let t =
                OffsetDateTime::from_unix_timestamp(secs.clamp(RFC3339_MIN, RFC3339_MAX)).unwrap();
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        };
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let span = (RFC3339_MAX - RFC3339_MIN) as u64;
        let mut cases = vec![RFC3339_MIN, RFC3339_MAX, 0, -1, 951_782_400, 1_772_359_200];
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push(RFC3339_MIN + (x % (span + 1)) as i64);
        }
        for secs in cases {
            let t = from_unix_clamped(secs);
            assert_eq!(format_rfc3339(t), reference(secs), "{secs}");
        }
        assert_eq!(
            format_rfc3339(PrimitiveDateTime::MAX.assume_utc()),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            format_rfc3339(PrimitiveDateTime::MIN.assume_utc()),
            "0000-01-01T00:00:00Z"
        );
    }

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
        // RFC 6265 §5.1.1 whatever the digits: browsers keep a cookie of
        // `Expires=… 0050` until 2050 (a persistent cookie, not a deletion).
        for (s, year) in [
            ("Thu, 01 Jan 0050 00:00:00 GMT", 2050),
            ("Thu, 01 Jan 0069 00:00:00 GMT", 2069),
            ("Thu, 01 Jan 0070 00:00:00 GMT", 1970),
            ("Thu, 01 Jan 0099 00:00:00 GMT", 1999),
            ("Jan  1 00:00:00 0050", 2050),
            ("Thu, 01 Jan 1601 00:00:00 GMT", 1601),
        ] {
            assert_eq!(parse_http_date(s).map(|t| t.year()), Some(year), "{s}");
        }
        for s in [
            "",
            "yesterday",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 06 Nov 1994 08:49:37 GMT trailing",
            "Sun, 06 Nov 19945 08:49:37 GMT",
            // A leading word that is no weekday: browsers read a month or a
            // zone in it (found by a review: each was read as a past date,
            // a deletion the filter passed, where browsers keep the cookie).
            "Dec, 01 Jan 2026 00:00:00 GMT",
            "Dec Jan  1 00:00:00 2026",
            "Pst, 01 Mar 2026 10:00:00 GMT",
            // A zone glued to the year or time: no year or time to browsers.
            "Sun Nov  6 08:49:37 1994GMT",
            "Sun Nov  6 08:49:37 1994-0000",
            "Sun, 06 Nov 1994 08:49:37GMT",
            // A year, day or time glued to its neighbour: browsers read the
            // piece as a whole and find no year (`199408:49:37`, `371994`),
            // time (`19945:49:37`) or day (`Nov6`). Each was read as a past
            // date here, a deletion the filter passed.
            "Sun, 06 Nov 199408:49:37 GMT",
            "Sun, 06 Nov 19945:49:37 GMT",
            "Sun Nov  6 08:49:371994",
            "Sun Nov6 08:49:37 1994",
            // A signed year is no HTTP date (found by the set_cookie fuzz target).
            "Sun Nov  6 08:49:37 -0994",
            "Sun Nov  6 08:49:37-0994",
            "Sun, 06 Nov -0994 08:49:37 GMT",
            "Sun, 06-Nov--994 08:49:37 GMT",
            "Sun, 06 Nov +1994 08:49:37 GMT",
            // Before 1601 (after the two rules above): no cookie date.
            "Thu, 01 Jan 0100 00:00:00 GMT",
            "Thu, 01 Jan 1600 23:59:59 GMT",
        ] {
            assert_eq!(parse_http_date(s), None, "{s}");
        }
        assert_eq!(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            format_http_date(OffsetDateTime::UNIX_EPOCH),
            crate::http::EXPIRED,
            "EXPIRED is the epoch"
        );
    }
}
