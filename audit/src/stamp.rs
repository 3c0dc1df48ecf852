//! RFC 3339 timestamps of log lines, read to whole seconds since the epoch.
//!
//! `YYYY-MM-DDTHH:MM:SS`, an optional fraction (dropped: the audit compares whole
//! seconds, SPEC §8), then `Z` or an offset `±HH:MM`. `t`, `z` and a space for the
//! `T` are accepted as RFC 3339 allows; a leap second (`:60` in the last minute
//! of a month in UTC, whatever the offset: `1990-12-31T15:59:60-08:00`, RFC
//! 3339 §5.7) counts as the second before it. An instant after 9999-12-31T23:59:59Z (a date of the
//! year 9999 with a negative offset can reach one) is out of range.

use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// Why a timestamp was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StampError {
    /// A date and time with no `Z` and no offset.
    NoZone,
    /// Not an RFC 3339 date-time.
    Invalid,
    /// An RFC 3339 date-time after 9999-12-31T23:59:59Z, past the years the
    /// audit (and the core's clock) reads.
    OutOfRange,
}

/// 9999-12-31T23:59:59Z in seconds since the epoch.
pub(crate) const LATEST: i64 = 253_402_300_799;

fn num(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let digits = b.get(at..at + len)?;
    digits.iter().try_fold(0u32, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// The hour, minute and second of the `HH:MM:SS` at bytes 11 to 18 of `b`,
/// read as one word: `None` unless each `H`, `M` and `S` is a digit and each
/// colon a colon.
#[inline]
fn clock(b: &[u8]) -> Option<(u32, u32, u32)> {
    let mut w = [0u8; 8];
    w.copy_from_slice(b.get(11..19)?);
    // A digit's byte becomes its value (below 10), a colon's zero; any other
    // byte, 10 or more.
    let x = u64::from_le_bytes(w) ^ u64::from_le_bytes(*b"00:00:00");
    // Below 10 (a digit's place) or 1 (a colon's) sets no top bit when added
    // to 0x80 less that bound; a byte that has its top bit set already fails
    // through `| x` (and a carry out of it only flags the next byte too).
    const BIAS: u64 = u64::from_le_bytes([0x76, 0x76, 0x7f, 0x76, 0x76, 0x7f, 0x76, 0x76]);
    if (x.wrapping_add(BIAS) | x) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    let d = x.to_le_bytes().map(u32::from);
    Some((d[0] * 10 + d[1], d[3] * 10 + d[4], d[6] * 10 + d[7]))
}

const fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

const fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether the day `days` after 1970-01-01 is the first of its month (H.
/// Hinnant's civil-from-days, the day of the month alone).
fn first_of_month(days: i64) -> bool {
    let z = days + 719_468;
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    doy - (153 * mp + 2) / 5 == 0
}

/// The day of the last date read: a log's lines mostly share their date.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LastDay {
    /// `YYYY-MM-DD` as written, once a timestamp with it has been read whole.
    date: Option<[u8; 10]>,
    days: i64,
}

/// Seconds since the epoch of an RFC 3339 date-time.
#[cfg(test)]
pub(crate) fn parse(s: &str) -> Result<i64, StampError> {
    parse_with(s, &mut LastDay::default())
}

/// Days since the epoch of the date `YYYY-MM-DD` that starts `b`.
fn date(b: &[u8]) -> Result<i64, StampError> {
    use StampError::Invalid;
    let year = num(b, 0, 4).ok_or(Invalid)?;
    let month = num(b, 5, 2).ok_or(Invalid)?;
    let day = num(b, 8, 2).ok_or(Invalid)?;
    if b[4] != b'-' || b[7] != b'-' {
        return Err(Invalid);
    }
    let y = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(y, month) {
        return Err(Invalid);
    }
    Ok(days_from_civil(y, month, day))
}

/// Seconds since the epoch of an RFC 3339 date-time, remembering the last
/// date in `last`: a timestamp of the same date as the last one read whole
/// has its date neither read nor checked again.
///
/// Inlined where a line's lead is decoded: out of line it took 2.8–3.3% more
/// CPU on two threads over the 2 M-event log (docs/performance.md), more
/// than the 0.75% of instructions its call adds.
#[inline]
pub(crate) fn parse_with(s: &str, last: &mut LastDay) -> Result<i64, StampError> {
    use StampError::Invalid;
    let b = s.as_bytes();
    let same_day = last.date.is_some_and(|d| b.get(..10) == Some(&d[..]));
    let days = if same_day { last.days } else { date(b)? };
    let (hour, minute, mut second) = clock(b).ok_or(Invalid)?;
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err(Invalid);
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(Invalid);
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(Invalid);
        }
    }
    let offset = match b.get(i) {
        None => return Err(StampError::NoZone),
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let oh = num(b, i + 1, 2).ok_or(Invalid)?;
            let om = num(b, i + 4, 2).ok_or(Invalid)?;
            if oh > 23 || om > 59 {
                return Err(Invalid);
            }
            let o = i64::from(oh * 3600 + om * 60);
            if sign == b'-' {
                -o
            } else {
                o
            }
        }
        Some(_) => return Err(Invalid),
    };
    let leap = second == 60;
    if leap {
        second = 59;
    }
    let at = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset;
    // A leap second ends a month in UTC (RFC 3339 §5.7): read at its offset,
    // the second after its stand-in, :59, starts the first day of a month.
    let next = at + 1;
    if leap && !(next.rem_euclid(86_400) == 0 && first_of_month(next.div_euclid(86_400))) {
        return Err(Invalid);
    }
    if at > LATEST {
        return Err(StampError::OutOfRange);
    }
    if !same_day {
        let mut d = [0u8; 10];
        d.copy_from_slice(&b[..10]);
        last.date = Some(d);
        last.days = days;
    }
    Ok(at)
}

/// Seconds since the epoch as the core's time, [`OffsetDateTime`], made for
/// every event applied. Working out a date from a count of days is most of
/// that work, and a log's events come day by day, so the date of the last day
/// asked for is kept.
#[derive(Debug, Default)]
pub(crate) struct Moments {
    day: Option<(i64, Date)>,
}

impl Moments {
    /// `OffsetDateTime::from_unix_timestamp(secs)`, or the epoch for seconds
    /// out of its range.
    #[inline]
    pub(crate) fn at(&mut self, secs: i64) -> OffsetDateTime {
        let (day, within) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let date = match self.day {
            Some((d, date)) if d == day => date,
            // A day's start is in range exactly when each of its seconds is
            // (the range is whole days). Near `i64::MIN` the start is not an
            // `i64`, and far out of range.
            _ => match secs
                .checked_sub(within)
                .map(OffsetDateTime::from_unix_timestamp)
            {
                Some(Ok(start)) => {
                    self.day = Some((day, start.date()));
                    start.date()
                }
                _ => return OffsetDateTime::UNIX_EPOCH,
            },
        };
        // `within` is below 86,400: its hour, minute and second are in range.
        let (h, m, s) = (within / 3600, within / 60 % 60, within % 60);
        let time = Time::from_hms(h as u8, m as u8, s as u8).unwrap_or(Time::MIDNIGHT);
        PrimitiveDateTime::new(date, time).assume_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::format_description::well_known::Rfc3339;

    fn zone() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("Z".to_owned()),
            (0u32..26, 0u32..62, any::<bool>())
                .prop_map(|(h, m, neg)| format!("{}{h:02}:{m:02}", if neg { '-' } else { '+' })),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases()))]

        /// Over every field, in range or not, the reader accepts exactly what
        /// the `time` crate's RFC 3339 parser accepts, at the same second.
        #[test]
        fn agrees_with_the_time_crate_everywhere(
            (y, mo, d) in (0u32..10_000, 0u32..14, 0u32..33),
            (h, mi, s) in (0u32..26, 0u32..62, 0u32..61),
            frac in prop::option::of(0u32..1_000_000),
            zone in zone(),
        ) {
            let frac = frac.map_or(String::new(), |f| format!(".{f}"));
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}");
            let theirs = OffsetDateTime::parse(&text, &Rfc3339).map(|t| t.unix_timestamp());
            prop_assert_eq!(parse(&text).ok(), theirs.ok(), "{}", text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases()))]

        /// Any characters where the time of day goes (digits, colons, the
        /// bytes beside them in ASCII, control and multi-byte characters): the
        /// reader accepts exactly what the `time` crate accepts, at the same
        /// second.
        #[test]
        fn any_text_in_the_time_of_day_reads_as_the_time_crate_reads_it(
            clock in prop::collection::vec(
                prop_oneof![
                    6 => prop::sample::select(
                        "0 1 2 3 4 5 6 7 8 9 :".split(' ').collect::<Vec<_>>()
                    ),
                    1 => prop::sample::select(vec![
                        "/", ";", ".", "-", "+", " ", "Z", "\0", "\x7f", "\u{80}", "é", "\u{ff10}",
                    ]),
                ],
                8,
            ),
            zone in zone(),
        ) {
            let text = format!("2026-03-01T{}{zone}", clock.concat());
            let theirs = OffsetDateTime::parse(&text, &Rfc3339).map(|t| t.unix_timestamp());
            prop_assert_eq!(parse(&text).ok(), theirs.ok(), "{:?}", text);
        }

        /// A log's timestamps read one after the other with one `LastDay`, as
        /// the audit reads them: each as read alone. Dates from a small pool,
        /// valid and not (so most repeat the last one), times and zones in
        /// range or not.
        #[test]
        fn reading_with_the_last_date_reads_as_reading_alone(
            stamps in prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "2026-03-01", "2026-03-02", "2024-02-29", "2026-02-29",
                        "2026-13-01", "2026-03-1x", "\0\0\0\0\0\0\0\0\0\0", "20260301",
                    ]),
                    prop::sample::select(vec!["T", "t", " ", "X"]),
                    (0u32..26, 0u32..62, 0u32..62),
                    prop_oneof![zone(), Just(String::new()), Just("Zx".to_owned())],
                ),
                1..40,
            ),
        ) {
            let mut last = LastDay::default();
            for (date, t, (h, mi, s), zone) in stamps {
                let text = format!("{date}{t}{h:02}:{mi:02}:{s:02}{zone}");
                prop_assert_eq!(parse_with(&text, &mut last), parse(&text), "{:?}", text);
            }
        }
    }

    #[test]
    fn s08_a_leap_second_is_read_at_any_offset_and_only_at_the_end_of_a_utc_month() {
        // RFC 3339 §5.8's own example, and a real leap second in Copenhagen time.
        for (s, utc) in [
            ("1990-12-31T15:59:60-08:00", "1990-12-31T23:59:59Z"),
            ("2017-01-01T00:59:60+01:00", "2016-12-31T23:59:59Z"),
            ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z"),
            ("2016-12-31T23:59:60.5z", "2016-12-31T23:59:59Z"),
            ("2015-06-30T23:59:60Z", "2015-06-30T23:59:59Z"),
            ("2016-02-29T23:59:60Z", "2016-02-29T23:59:59Z"),
        ] {
            assert_eq!(parse(s), parse(utc), "{s}");
        }
        for s in [
            "2016-12-31T23:59:60+01:00",
            "2017-01-01T00:59:60Z",
            "2016-12-31T12:00:60Z",
            "2016-12-31T23:59:61Z",
            // Not the end of a month.
            "2016-03-15T23:59:60Z",
            "2016-03-16T00:59:60+01:00",
        ] {
            assert_eq!(parse(s), Err(StampError::Invalid), "{s}");
        }
    }

    /// Every day of two years, a leap year among them, at offsets of both
    /// signs: `:60` read at the UTC day's last minute and at the local one's,
    /// against the `time` crate (only a month's last minute in UTC is one).
    #[test]
    fn s08_leap_seconds_agree_with_the_time_crate_on_every_day() {
        let offsets: [i32; 7] = [-12 * 60, -8 * 60, -30, 0, 60, 5 * 60 + 45, 14 * 60];
        for day in 16_436..16_436 + 731 {
            // 2015-01-01 is day 16,436.
            for &o in &offsets {
                let utc_end = (day + 1) * 86_400 - 60; // 23:59 UTC
                for local in [utc_end + i64::from(o) * 60, day * 86_400 + 86_340] {
                    let t = OffsetDateTime::from_unix_timestamp(local).unwrap();
                    let sign = if o < 0 { '-' } else { '+' };
                    let text = format!(
                        "{:04}-{:02}-{:02}T{:02}:{:02}:60{sign}{:02}:{:02}",
                        t.year(),
                        u8::from(t.month()),
                        t.day(),
                        t.hour(),
                        t.minute(),
                        o.abs() / 60,
                        o.abs() % 60
                    );
                    let theirs = OffsetDateTime::parse(&text, &Rfc3339).map(|t| t.unix_timestamp());
                    assert_eq!(parse(&text).ok(), theirs.ok(), "{text}");
                }
            }
        }
    }

    #[test]
    fn s08_an_instant_after_the_year_9999_is_out_of_range() {
        assert_eq!(parse("9999-12-31T23:59:59Z"), Ok(LATEST));
        assert_eq!(parse("9999-12-31T23:59:59.999+00:00"), Ok(LATEST));
        assert_eq!(parse("9999-12-31T22:59:59-01:00"), Ok(LATEST));
        for s in ["9999-12-31T23:00:00-23:00", "9999-12-31T23:59:59-00:01"] {
            assert_eq!(parse(s), Err(StampError::OutOfRange), "{s}");
        }
        // The earliest date with the largest positive offset is before the
        // year 1 and still read.
        assert_eq!(
            parse("0000-01-01T00:00:00+23:59"),
            Ok(-62_167_219_200 - 86_340)
        );
    }

    #[test]
    fn agrees_with_the_time_crate() {
        for s in [
            "2026-03-01T10:00:00Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "2000-02-29T12:34:56+01:00",
            "2024-12-31T23:59:59-05:30",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2026-03-01t10:00:00.123456789z",
        ] {
            let want = OffsetDateTime::parse(s, &Rfc3339).unwrap().unix_timestamp();
            assert_eq!(parse(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn no_zone_and_nonsense() {
        assert_eq!(parse("2026-03-01T10:00:00"), Err(StampError::NoZone));
        assert_eq!(parse("2026-03-01T10:00:00.5"), Err(StampError::NoZone));
        for bad in [
            "",
            "2026-03-01",
            "2026-02-29T10:00:00Z",
            "2026-13-01T10:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T10:00:00+1:00",
            "2026-03-01T10:00:00Zx",
            "2026-03-01T10:00:00.Z",
            "2026-03-01X10:00:00Z",
            "２026-03-01T10:00:00Z",
        ] {
            assert_eq!(parse(bad), Err(StampError::Invalid), "{bad}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases()))]

        /// SPEC §8's times as the core reads them: a run of seconds, each near
        /// the one before it (the same day, the next, or far away) or anywhere
        /// in and past the years `time` reads, gives what the `time` crate's
        /// `from_unix_timestamp` gives, the epoch where that fails.
        #[test]
        fn s08_moments_are_the_time_crates(
            start in prop_oneof![
                -400_000_000_000i64..400_000_000_000,
                Just(LATEST),
                Just(-377_705_116_800),
                Just(0i64),
                any::<i64>(),
            ],
            steps in prop::collection::vec(
                prop_oneof![
                    -3i64..4,
                    -86_401i64..86_402,
                    -10_000_000i64..10_000_000,
                    any::<i64>(),
                ],
                1..40,
            ),
        ) {
            let mut moments = Moments::default();
            let mut secs = start;
            for step in steps {
                let want = OffsetDateTime::from_unix_timestamp(secs)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                prop_assert_eq!(moments.at(secs), want, "{}", secs);
                secs = secs.saturating_add(step);
            }
        }
    }
}
