//! SPEC §17: a table's rows are audited straight from their Arrow cells, and
//! the report is the one the same events give as JSON lines. Random tables of
//! every event kind, in several small record batches (a visitor's state crosses
//! batch boundaries), with null cells, empty strings, lists holding nulls,
//! fractional and NaN numbers in integer fields, timestamps without a zone or
//! unreadable, unknown events, actions, categories and providers; string
//! columns as `Utf8`, `LargeUtf8` or `Utf8View`, `ts` as strings or as
//! timestamps of any unit, integers as `Int64` or `Float64`, lists as `List` or
//! `LargeList`. One thread and two, and `--merge`.
//!
//! The oracle is the JSON-lines audit of lines written here with serde_json
//! from the same rows (a null cell: the key left out), independently of the
//! audit's own reading of tables.

use std::sync::Arc;

use proptest::prelude::*;
use samtykke_audit::arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, LargeListBuilder, LargeStringBuilder,
    ListBuilder, PrimitiveBuilder, StringBuilder, StringViewBuilder,
};
use samtykke_audit::arrow_array::types::{
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use samtykke_audit::arrow_array::{ArrayRef, RecordBatch};
use samtykke_audit::arrow_schema::{Field, Schema, TimeUnit};
use samtykke_audit::{audit_lines, AuditOptions, Auditor, Report, TableFeed, MAX_LINE};
use samtykke_host::OwnedPolicy;
use samtykke_testkit::loggen::policy_json;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

// String fields in the order of a row's `strs`, then integers and lists.
use super::audit_table::{INTS, LISTS, STRINGS};

/// 2026-03-01T10:00:00Z.
const T0: i64 = 1_772_359_200;

#[derive(Clone, Debug)]
enum Ts {
    /// Seconds since the epoch: an RFC 3339 string in `Z`, or a timestamp.
    At(i64),
    /// A string as it is (no zone, an offset, not a date).
    Text(String),
}

#[derive(Clone, Debug)]
enum Num {
    Int(i64),
    /// Only in a `Float64` column.
    Float(f64),
}

#[derive(Clone, Debug)]
struct Row {
    ts: Option<Ts>,
    strs: Vec<Option<String>>,
    ints: Vec<Option<Num>>,
    gpc: Option<bool>,
    lists: Vec<Option<Vec<Option<String>>>>,
}

#[derive(Clone, Copy, Debug)]
enum StrType {
    Utf8,
    Large,
    View,
}

#[derive(Clone, Debug)]
struct Shape {
    /// `None`: `ts` as strings.
    stamp: Option<TimeUnit>,
    strings: StrType,
    floats: bool,
    large_lists: bool,
}

fn maybe<T: std::fmt::Debug + Clone>(
    p_some: u32,
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(f64::from(p_some) / 100.0, s)
}

fn pick(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(items).prop_map(str::to_owned)
}

fn string_field(i: usize) -> BoxedStrategy<Option<String>> {
    match STRINGS[i] {
        "visitor" => maybe(95, pick(&["v0", "v1", "v2", "v3", "", "v\"4\n"])).boxed(),
        "event" => maybe(
            97,
            pick(&[
                "notice_shown",
                "decision",
                "decision",
                "cookie_set",
                "cookie_set",
                "cookie_present",
                "cookie_present",
                "cookie_deleted",
                "signal",
                "tag_request",
                "bogus",
            ]),
        )
        .boxed(),
        "trigger" => maybe(30, pick(&["auto", "user", "x"])).boxed(),
        "action" => maybe(
            80,
            pick(&[
                "accept_all",
                "reject_all",
                "save",
                "withdraw",
                "dismiss",
                "implied",
                "signal_gpc",
                "nope",
            ]),
        )
        .boxed(),
        "control" => maybe(20, pick(&["button", "toggle", "signal", "bad"])).boxed(),
        "set_cookie" => maybe(
            40,
            pick(&[
                "nmstat=1; Max-Age=86400",
                "nmstat=1; Max-Age=0",
                "ad_session_id=1",
                "SESSabc=1; Max-Age=99999999",
                "_ga=1; Max-Age=600",
                "no header",
            ]),
        )
        .boxed(),
        "cookie" => maybe(30, pick(&["nmstat", "ad_session_id", "SESSx", "", "_ga"])).boxed(),
        "signal" => maybe(50, pick(&["gpc", "dnt"])).boxed(),
        "url" => maybe(
            40,
            pick(&[
                "https://www.google-analytics.com/g/collect?gcs=G111",
                "https://www.google-analytics.com/g/collect?gcs=G100&gcd=13r3r3r3r5l1",
                "https://example.com/",
            ]),
        )
        .boxed(),
        _ => unreachable!(),
    }
}

fn list_field(i: usize) -> BoxedStrategy<Option<Vec<Option<String>>>> {
    let items: &'static [&'static str] = match LISTS[i] {
        "controls" => &["accept_all", "reject_all", "settings"],
        "preselected" | "granted" | "categories" => &[
            "necessary",
            "functional",
            "statistics",
            "statistics",
            "functional",
            "statistics",
            "necessary",
            "bogus",
        ],
        "providers_refused" => &["kk", "twentythree", "siteimprove", "septima", "nobody"],
        _ => &["nmstat", "ad_session_id", "SESS1", "_ga", "a\"b\\c\u{1}"],
    };
    maybe(25, prop::collection::vec(maybe(98, pick(items)), 0..4)).boxed()
}

fn int_field(i: usize, floats: bool) -> BoxedStrategy<Option<Num>> {
    let ints = match INTS[i] {
        "revision" => (0i64..4).boxed(),
        "notice" => (0i64..3).boxed(),
        "layer" => (-1i64..3).boxed(),
        _ => (-10i64..200_000).boxed(),
    };
    if floats {
        maybe(
            25,
            prop_oneof![
                6 => ints.prop_map(Num::Int),
                1 => Just(Num::Float(2.5)),
                1 => Just(Num::Float(f64::NAN)),
                1 => Just(Num::Float(1e17)),
            ],
        )
        .boxed()
    } else {
        maybe(25, ints.prop_map(Num::Int)).boxed()
    }
}

fn ts_field(stamp: bool) -> BoxedStrategy<Option<Ts>> {
    let at = (0i64..900).prop_map(|s| Ts::At(T0 + s));
    if stamp {
        maybe(96, at).boxed()
    } else {
        maybe(
            96,
            prop_oneof![
                30 => at,
                1 => Just(Ts::Text("2026-03-01T10:00:02".into())),
                1 => Just(Ts::Text("2026-03-01T11:00:03+01:00".into())),
                1 => Just(Ts::Text("yesterday".into())),
                1 => Just(Ts::Text(String::new())),
            ],
        )
        .boxed()
    }
}

fn row(shape: &Shape) -> impl Strategy<Value = Row> {
    (
        ts_field(shape.stamp.is_some()),
        (0..STRINGS.len()).map(string_field).collect::<Vec<_>>(),
        (0..INTS.len())
            .map(|i| int_field(i, shape.floats))
            .collect::<Vec<_>>(),
        maybe(20, any::<bool>()),
        (0..LISTS.len()).map(list_field).collect::<Vec<_>>(),
        prop::bool::weighted(0.7),
    )
        .prop_map(|(ts, strs, ints, gpc, lists, tidy)| {
            let mut row = Row {
                ts,
                strs,
                ints,
                gpc,
                lists,
            };
            if tidy {
                tidy_up(&mut row);
            }
            row
        })
}

/// Most rows are events the audit applies: the fields their kind needs are
/// given, and none is at fault.
fn tidy_up(row: &mut Row) {
    let field = |name: &str| STRINGS.iter().position(|k| *k == name).unwrap();
    let set = |row: &mut Row, name: &str, v: Option<&str>| {
        row.strs[field(name)] = v.map(str::to_owned);
    };
    for n in &mut row.ints {
        match n {
            Some(Num::Float(_)) => *n = None,
            Some(Num::Int(k)) if *k < 1 => *n = None,
            _ => {}
        }
    }
    for list in row.lists.iter_mut().flatten() {
        list.retain(|i| i.as_deref().is_some_and(|i| i != "bogus" && i != "nobody"));
    }
    for k in ["trigger", "control"] {
        set(row, k, None);
    }
    let event = row.strs[field("event")].clone().unwrap_or_default();
    match event.as_str() {
        "decision" => {
            let ok = row.strs[field("action")]
                .as_deref()
                .is_some_and(|a| a != "nope" && a != "signal_gpc");
            if !ok {
                set(row, "action", Some("accept_all"));
            }
        }
        "cookie_set" => {
            let header = row.strs[field("set_cookie")].is_some();
            if header || row.strs[field("cookie")].is_none() {
                set(row, "cookie", None);
                if !header {
                    set(row, "set_cookie", Some("nmstat=1; Max-Age=86400"));
                }
            }
        }
        "cookie_present" => {
            let cookies = LISTS.iter().position(|k| *k == "cookies").unwrap();
            row.lists[cookies].get_or_insert_with(|| vec![Some("nmstat".into())]);
        }
        "cookie_deleted" => set(row, "cookie", Some("nmstat")),
        "signal" => set(row, "signal", Some("gpc")),
        "tag_request" if row.strs[field("url")].is_none() => {
            set(
                row,
                "url",
                Some("https://www.google-analytics.com/g/collect?gcs=G111"),
            );
        }
        _ => {}
    }
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop_oneof![
            Just(None),
            Just(Some(TimeUnit::Second)),
            Just(Some(TimeUnit::Millisecond)),
            Just(Some(TimeUnit::Microsecond)),
            Just(Some(TimeUnit::Nanosecond)),
        ],
        prop_oneof![
            Just(StrType::Utf8),
            Just(StrType::Large),
            Just(StrType::View)
        ],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(stamp, strings, floats, large_lists)| Shape {
            stamp,
            strings,
            floats,
            large_lists,
        })
}

/// A table: its shape, its rows and how many rows each batch takes.
fn table() -> impl Strategy<Value = (Shape, Vec<Row>, Vec<usize>)> {
    shape().prop_flat_map(|shape| {
        // Times mostly in order (a few steps back: out of order for their
        // visitor), so that most rows are events.
        let rows = prop::collection::vec(row(&shape), 1..90).prop_map(|mut rows| {
            for (k, r) in rows.iter_mut().enumerate() {
                if let Some(Ts::At(at)) = &mut r.ts {
                    let back = if (*at - T0) % 11 == 0 { 30 } else { 0 };
                    *at = T0 + 7 * k as i64 - back + (*at - T0) % 5;
                }
            }
            rows
        });
        (Just(shape), rows, prop::collection::vec(1usize..8, 1..40))
    })
}

fn rfc3339(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

/// The JSON line a row stands for.
fn json_line(r: &Row) -> String {
    let mut m = Map::new();
    match &r.ts {
        Some(Ts::At(at)) => {
            m.insert("ts".into(), rfc3339(*at).into());
        }
        Some(Ts::Text(s)) => {
            m.insert("ts".into(), s.clone().into());
        }
        None => {}
    }
    for (name, v) in STRINGS.iter().zip(&r.strs) {
        if let Some(s) = v {
            m.insert((*name).into(), s.clone().into());
        }
    }
    for (name, v) in INTS.iter().zip(&r.ints) {
        match v {
            Some(Num::Int(n)) => {
                m.insert((*name).into(), (*n).into());
            }
            // JSON has no NaN: the line holds a string, whose error
            // `as_table_reads` words as the table's.
            Some(Num::Float(f)) if f.is_nan() => {
                m.insert((*name).into(), "NaN".into());
            }
            Some(Num::Float(f)) => {
                m.insert((*name).into(), Value::from(*f));
            }
            None => {}
        }
    }
    if let Some(b) = r.gpc {
        m.insert("gpc".into(), b.into());
    }
    for (name, v) in LISTS.iter().zip(&r.lists) {
        if let Some(items) = v {
            let items: Vec<Value> = items
                .iter()
                .map(|i| i.clone().map_or(Value::Null, Value::from))
                .collect();
            m.insert((*name).into(), items.into());
        }
    }
    Value::Object(m).to_string()
}

fn strings(t: StrType, cells: impl Iterator<Item = Option<String>>) -> ArrayRef {
    match t {
        StrType::Utf8 => Arc::new(cells.collect::<samtykke_audit::arrow_array::StringArray>()),
        StrType::Large => {
            let mut b = LargeStringBuilder::new();
            cells.for_each(|c| b.append_option(c));
            Arc::new(b.finish())
        }
        StrType::View => {
            let mut b = StringViewBuilder::new();
            cells.for_each(|c| b.append_option(c));
            Arc::new(b.finish())
        }
    }
}

fn stamps<T: samtykke_audit::arrow_array::types::ArrowTimestampType>(
    rows: &[Row],
    per_second: i64,
) -> ArrayRef {
    let mut b = PrimitiveBuilder::<T>::new().with_timezone("UTC");
    for r in rows {
        b.append_option(match &r.ts {
            // Within the second: the audit reads whole seconds.
            Some(Ts::At(at)) => Some(at * per_second + per_second / 3),
            _ => None,
        });
    }
    Arc::new(b.finish())
}

/// The rows as one record batch of `shape`.
fn batch(shape: &Shape, rows: &[Row]) -> RecordBatch {
    let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
    let ts = match shape.stamp {
        None => strings(
            shape.strings,
            rows.iter().map(|r| match &r.ts {
                Some(Ts::At(at)) => Some(rfc3339(*at)),
                Some(Ts::Text(s)) => Some(s.clone()),
                None => None,
            }),
        ),
        Some(TimeUnit::Second) => stamps::<TimestampSecondType>(rows, 1),
        Some(TimeUnit::Millisecond) => stamps::<TimestampMillisecondType>(rows, 1_000),
        Some(TimeUnit::Microsecond) => stamps::<TimestampMicrosecondType>(rows, 1_000_000),
        Some(TimeUnit::Nanosecond) => stamps::<TimestampNanosecondType>(rows, 1_000_000_000),
    };
    columns.push(("ts", ts));
    for (k, name) in STRINGS.iter().enumerate() {
        columns.push((
            name,
            strings(shape.strings, rows.iter().map(|r| r.strs[k].clone())),
        ));
    }
    for (k, name) in INTS.iter().enumerate() {
        let a: ArrayRef = if shape.floats {
            let mut b = Float64Builder::new();
            for r in rows {
                b.append_option(r.ints[k].as_ref().map(|n| match n {
                    Num::Int(n) => *n as f64,
                    Num::Float(f) => *f,
                }));
            }
            Arc::new(b.finish())
        } else {
            let mut b = Int64Builder::new();
            for r in rows {
                b.append_option(r.ints[k].as_ref().map(|n| match n {
                    Num::Int(n) => *n,
                    Num::Float(_) => unreachable!("floats only in a Float64 column"),
                }));
            }
            Arc::new(b.finish())
        };
        columns.push((name, a));
    }
    let mut gpc = BooleanBuilder::new();
    rows.iter().for_each(|r| gpc.append_option(r.gpc));
    columns.push(("gpc", Arc::new(gpc.finish())));
    for (k, name) in LISTS.iter().enumerate() {
        let a: ArrayRef = if shape.large_lists {
            let mut b = LargeListBuilder::new(StringBuilder::new());
            for r in rows {
                match &r.lists[k] {
                    Some(items) => {
                        items
                            .iter()
                            .for_each(|i| b.values().append_option(i.as_deref()));
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        } else {
            let mut b = ListBuilder::new(StringBuilder::new());
            for r in rows {
                match &r.lists[k] {
                    Some(items) => {
                        items
                            .iter()
                            .for_each(|i| b.values().append_option(i.as_deref()));
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        };
        columns.push((name, a));
    }
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

/// The rows cut into batches of the given sizes (the last takes the rest).
fn batches(shape: &Shape, rows: &[Row], sizes: &[usize]) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let mut at = 0;
    for &n in sizes {
        if at >= rows.len() {
            break;
        }
        let end = (at + n).min(rows.len());
        out.push(batch(shape, &rows[at..end]));
        at = end;
    }
    if at < rows.len() {
        out.push(batch(shape, &rows[at..]));
    }
    out
}

/// The JSON lines' report as the table's: JSON has no NaN, so where a row's
/// integer field holds one, the line holds the string "NaN", and the error
/// that names the field is worded for the NaN the table holds.
fn as_table_reads(mut report: Report, rows: &[Row]) -> Report {
    for e in &mut report.input_errors {
        let Some(row) = e.line.checked_sub(1).and_then(|i| rows.get(i as usize)) else {
            continue;
        };
        for (name, v) in INTS.iter().zip(&row.ints) {
            if matches!(v, Some(Num::Float(f)) if f.is_nan()) {
                let string = format!("`{name}` must be an integer, not a string");
                if e.message == string {
                    e.message =
                        format!("`{name}` must be an integer, not a NaN or infinite number");
                }
            }
        }
    }
    report
}

/// Everything a report says but the file's name.
#[allow(clippy::type_complexity)]
fn everything(
    r: &Report,
) -> (
    Vec<(
        String,
        u64,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
    )>,
    Vec<(u64, String, String)>,
    (u64, u64, u64, u64),
) {
    (
        r.violations
            .iter()
            .map(|v| {
                (
                    v.id.as_str().to_owned(),
                    v.line,
                    v.visitor.clone(),
                    v.ts.clone(),
                    v.cookie.clone(),
                    v.category.clone(),
                    v.message.clone(),
                )
            })
            .collect(),
        r.input_errors
            .iter()
            .map(|e| (e.line, format!("{:?}", e.kind), e.message.clone()))
            .collect(),
        (
            r.summary.lines,
            r.summary.events,
            r.summary.visitors,
            r.summary.input_errors,
        ),
    )
}

fn read_table(policy: &OwnedPolicy, batches: &[RecordBatch], options: AuditOptions) -> Report {
    let mut auditor = Auditor::new(policy.view(), options);
    auditor
        .read_table("", batches.iter().cloned().map(Ok))
        .unwrap();
    auditor.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn s17_a_table_read_from_its_cells_audits_as_its_json_lines(
        (shape, rows, sizes) in table()
    ) {
        let policy = OwnedPolicy::from_json(&policy_json()).unwrap();
        let lines: Vec<String> = rows.iter().map(json_line).collect();
        let expected = everything(&as_table_reads(
            audit_lines(policy.view(), &lines, AuditOptions::new().threads(1)),
            &rows,
        ));
        let merged = everything(&as_table_reads(
            audit_lines(policy.view(), &lines, AuditOptions::new().threads(1).merge(true)),
            &rows,
        ));
        let batches = batches(&shape, &rows, &sizes);
        for threads in [1, 2] {
            let got = read_table(&policy, &batches, AuditOptions::new().threads(threads));
            prop_assert_eq!(&everything(&got), &expected, "read_table, {} threads", threads);
            prop_assert!(got.violations.iter().all(|v| v.file.is_empty()));
            // Fed batch by batch (the path of tables with file/line columns).
            let mut auditor = Auditor::new(policy.view(), AuditOptions::new().threads(threads));
            let mut feed = TableFeed::new("");
            for b in &batches {
                feed.feed(&mut auditor, b).unwrap();
            }
            prop_assert_eq!(&everything(&auditor.finish()), &expected, "TableFeed, {} threads", threads);
        }
        let got = read_table(&policy, &batches, AuditOptions::new().threads(1).merge(true));
        prop_assert_eq!(&everything(&got), &merged, "merged");
    }
}

/// A row whose JSON line would be over 1 MiB is that line's input error, as
/// the file reader reports it (the line kept and measured up to 1 MiB and a
/// byte for a `\r`, beyond that not kept); shorter rows around it are read.
#[test]
fn s17_a_row_over_1_mib_as_json_is_an_input_error_of_its_row() {
    let policy = OwnedPolicy::from_json(&policy_json()).unwrap();
    let dir = std::env::temp_dir().join(format!("samtykke-s17-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"tag_request","url":""}"#;
    // Escaped bytes count six each: a row of short text may be a long line.
    for (fill, escaped) in [
        (MAX_LINE - base.len(), false),
        (MAX_LINE + 1 - base.len(), false),
        (MAX_LINE + 2 - base.len(), false),
        ((MAX_LINE + 6) / 6 - base.len() / 6, true),
        (10, false),
    ] {
        let url = if escaped {
            "\u{1}".repeat(fill)
        } else {
            "u".repeat(fill)
        };
        let rows = [Row {
            ts: Some(Ts::At(T0)),
            strs: STRINGS
                .iter()
                .map(|k| match *k {
                    "visitor" => Some("v1".to_owned()),
                    "event" => Some("tag_request".to_owned()),
                    "url" => Some(url.clone()),
                    _ => None,
                })
                .collect(),
            ints: vec![None; INTS.len()],
            gpc: None,
            lists: vec![None; LISTS.len()],
        }];
        let line = json_line(&rows[0]);
        let file = dir.join("long.jsonl");
        std::fs::write(&file, format!("{line}\n")).unwrap();
        let shape = Shape {
            stamp: None,
            strings: StrType::Utf8,
            floats: false,
            large_lists: false,
        };
        let batches = [batch(&shape, &rows)];
        for threads in [1, 2] {
            let expected = samtykke_audit::audit_paths(
                policy.view(),
                [&file],
                AuditOptions::new().threads(threads),
            )
            .unwrap();
            let got = read_table(&policy, &batches, AuditOptions::new().threads(threads));
            assert_eq!(
                everything(&got),
                everything(&expected),
                "{} bytes",
                line.len()
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
