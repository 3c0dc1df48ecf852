//! Time, the one place it is converted: Unix seconds to instants (clamped to what
//! `time` holds), RFC 3339 for proof records, logs and messages, and `Expires`:
//! read as a cookie date (RFC 6265 §5.1.1), written as an HTTP date (SPEC §6).

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

// ---- Cookie dates -----------------------------------------------------------

/// A delimiter between the tokens of a cookie date (RFC 6265 §5.1.1): a tab,
/// and every printable character but digits, letters and `:`.
fn is_delimiter(c: u8) -> bool {
    matches!(c, 0x09 | 0x20..=0x2F | 0x3B..=0x40 | 0x5B..=0x60 | 0x7B..=0x7E)
}

/// The value of the leading run of one to `most` digits of `token`, when at
/// least `least` digits lead it and no digit follows them (the `( non-digit
/// *OCTET )` of §5.1.1's grammar): what follows is returned too.
fn leading_digits(token: &[u8], least: usize, most: usize) -> Option<(u32, &[u8])> {
    let n = token.iter().take_while(|c| c.is_ascii_digit()).count();
    if n < least || n > most {
        return None;
    }
    let value = token[..n]
        .iter()
        .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
    Some((value, &token[n..]))
}

/// `hms-time ( non-digit *OCTET )`: three fields of one or two digits, between
/// them `:`.
fn clock(token: &[u8]) -> Option<(u32, u32, u32)> {
    let (hour, rest) = leading_digits(token, 1, 2)?;
    let (minute, rest) = leading_digits(rest.strip_prefix(b":")?, 1, 2)?;
    let (second, _) = leading_digits(rest.strip_prefix(b":")?, 1, 2)?;
    Some((hour, minute, second))
}

/// A token that starts with a month's three-letter name, in any case.
fn month(token: &[u8]) -> Option<Month> {
    const NAMES: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let head = token.get(..3)?;
    let i = NAMES
        .iter()
        .position(|n| head.eq_ignore_ascii_case(&n[..]))?;
    Month::try_from(i as u8 + 1).ok()
}

/// Parses a cookie's `Expires` date as user agents do: RFC 6265 §5.1.1's
/// algorithm. The value is cut into tokens at delimiters, and each token, in
/// order, is taken as the first of a time (`8:49:37`), a day of the month (one
/// or two digits), a month (a token starting `jan` … `dec`, any case) and a year
/// (two to four digits) not yet found that it reads as; any other token (a
/// weekday, a zone) is passed over. So IMF-fixdate (`Sun, 06 Nov 1994 08:49:37
/// GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`), the Netscape form and
/// asctime (`Sun Nov  6 08:49:37 1994`) all read, and the zone is UTC whatever
/// it names. A year of 70–99 is 19xx and 0–69 20xx, however many digits write
/// it (`0050` is 2050). No date: a part missing, a day outside 1–31, a year
/// before 1601, an hour past 23, a minute or second past 59, or a day the
/// month does not have.
pub fn parse_cookie_date(s: &str) -> Option<OffsetDateTime> {
    let (mut time, mut day, mut month_found, mut year) = (None, None, None, None);
    for token in s.as_bytes().split(|&c| is_delimiter(c)) {
        if token.is_empty() {
            continue;
        }
        if time.is_none() {
            if let Some(t) = clock(token) {
                time = Some(t);
                continue;
            }
        }
        if day.is_none() {
            if let Some((d, _)) = leading_digits(token, 1, 2) {
                day = Some(d);
                continue;
            }
        }
        if month_found.is_none() {
            if let Some(m) = month(token) {
                month_found = Some(m);
                continue;
            }
        }
        if year.is_none() {
            if let Some((y, _)) = leading_digits(token, 2, 4) {
                year = Some(y);
            }
        }
    }
    let ((hour, minute, second), day, month, year) = (time?, day?, month_found?, year?);
    let year = match year {
        70..=99 => year + 1900,
        0..=69 => year + 2000,
        _ => year,
    };
    if !(1..=31).contains(&day) || year < 1601 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Every value is now small: the casts cannot truncate.
    let date = Date::from_calendar_date(year as i32, month, day as u8).ok()?;
    let time = Time::from_hms(hour as u8, minute as u8, second as u8).ok()?;
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
    fn cookie_date_forms() {
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
            // RFC 6265 §5.1.1 passes over what is not a time, day, month or
            // year: a zone of any name, a sign, trailing words.
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 06 Nov 1994 08:49:37 +0100",
            "Sun, 06 Nov 1994 08:49:37 GMT trailing",
            "Sun, 06 Nov +1994 08:49:37 GMT",
            // In any order, with any delimiters.
            "1994 Nov 06 08:49:37",
            "08:49:37 06/nov/94",
            "6-NOV-1994 8:49:37",
        ] {
            assert_eq!(parse_cookie_date(s), Some(t), "{s}");
        }
        assert_eq!(
            parse_cookie_date("Thu, 01-Jan-70 00:00:00 GMT"),
            Some(OffsetDateTime::UNIX_EPOCH)
        );
        assert_eq!(
            parse_cookie_date("Fri, 01-Jan-38 00:00:00 GMT"),
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
            assert_eq!(parse_cookie_date(s).map(|t| t.year()), Some(year), "{s}");
        }
        for s in [
            "",
            "yesterday",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:60:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 0 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 19945 08:49:37 GMT",
            "Sun, 06 Nov 1994",
            "06 1994 08:49:37",
            "Sun, 006 Nov 1994 08:49:37 GMT",
            // A signed year is no HTTP date (found by the set_cookie fuzz target).
            "Sun Nov  6 08:49:37 -0994",
            "Sun Nov  6 08:49:37-0994",
            "Sun, 06 Nov -0994 08:49:37 GMT",
            "Sun, 06-Nov--994 08:49:37 GMT",
            // Before 1601 (after the two rules above): no cookie date.
            "Thu, 01 Jan 0100 00:00:00 GMT",
            "Thu, 01 Jan 1600 23:59:59 GMT",
        ] {
            assert_eq!(parse_cookie_date(s), None, "{s}");
        }
        assert_eq!(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            format_http_date(OffsetDateTime::UNIX_EPOCH),
            crate::http::EXPIRED,
            "EXPIRED is the epoch"
        );
    }
}
