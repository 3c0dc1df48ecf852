//! The audit of Arrow tables and Parquet files (SPEC §17): a generated log given
//! as record batches of a few rows each, or as a Parquet file, is audited as the
//! same log in JSON lines; several kinds of files in one run; a null cell is an
//! absent field; a table whose columns cannot be events is an error naming the
//! column, and a row at fault an input error of its row.
//!
//! The batches are built here from the JSON lines with serde_json and `time`,
//! independently of the audit's own conversion.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use samtykke_audit::arrow_array::builder::{
    BooleanBuilder, Int64Builder, ListBuilder, StringBuilder, TimestampSecondBuilder,
};
use samtykke_audit::arrow_array::{Array, ArrayRef, RecordBatch};
use samtykke_audit::arrow_schema::{DataType, Field, Schema, TimeUnit};
use samtykke_audit::{
    audit_lines, audit_paths, AuditOptions, Auditor, InputErrorKind, Report, TableFeed,
};
use samtykke_host::OwnedPolicy;
use samtykke_testkit::loggen::{generate_lines, policy_json, Spec};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The audit's event fields by Arrow type (SPEC §8, §17): strings, integers, lists.
pub(crate) const STRINGS: [&str; 9] = [
    "visitor",
    "event",
    "trigger",
    "action",
    "control",
    "set_cookie",
    "cookie",
    "signal",
    "url",
];
pub(crate) const INTS: [&str; 4] = ["revision", "notice", "layer", "max_age_s"];
pub(crate) const LISTS: [&str; 6] = [
    "controls",
    "preselected",
    "granted",
    "providers_refused",
    "categories",
    "cookies",
];

fn kk2() -> OwnedPolicy {
    OwnedPolicy::from_json(&policy_json()).unwrap()
}

/// How `ts` goes into the table.
#[derive(Clone, Copy)]
enum Ts {
    Text,
    Stamp,
}

/// The rows of `lines` as one record batch: §8's fields as columns, a field a
/// line lacks as a null cell.
fn batch_of(lines: &[Value], ts: Ts, place: Option<(&str, u64)>) -> RecordBatch {
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    match ts {
        Ts::Text => {
            let mut b = StringBuilder::new();
            for l in lines {
                b.append_option(l["ts"].as_str());
            }
            fields.push(Field::new("ts", DataType::Utf8, true));
            columns.push(Arc::new(b.finish()));
        }
        Ts::Stamp => {
            let mut b = TimestampSecondBuilder::new().with_timezone("UTC");
            for l in lines {
                b.append_option(
                    l["ts"]
                        .as_str()
                        .map(|s| OffsetDateTime::parse(s, &Rfc3339).unwrap().unix_timestamp()),
                );
            }
            fields.push(Field::new(
                "ts",
                DataType::Timestamp(TimeUnit::Second, Some("UTC".into())),
                true,
            ));
            columns.push(Arc::new(b.finish()));
        }
    }
    for name in STRINGS {
        let mut b = StringBuilder::new();
        for l in lines {
            b.append_option(l[name].as_str());
        }
        fields.push(Field::new(name, DataType::Utf8, true));
        columns.push(Arc::new(b.finish()));
    }
    for name in INTS {
        let mut b = Int64Builder::new();
        for l in lines {
            b.append_option(l[name].as_i64());
        }
        fields.push(Field::new(name, DataType::Int64, true));
        columns.push(Arc::new(b.finish()));
    }
    let mut b = BooleanBuilder::new();
    for l in lines {
        b.append_option(l["gpc"].as_bool());
    }
    fields.push(Field::new("gpc", DataType::Boolean, true));
    columns.push(Arc::new(b.finish()));
    for name in LISTS {
        let mut b = ListBuilder::new(StringBuilder::new());
        for l in lines {
            match l[name].as_array() {
                Some(items) => {
                    for item in items {
                        b.values().append_value(item.as_str().unwrap());
                    }
                    b.append(true);
                }
                None => b.append(false),
            }
        }
        let list = b.finish();
        fields.push(Field::new(name, list.data_type().clone(), true));
        columns.push(Arc::new(list));
    }
    if let Some((file, first)) = place {
        let mut f = StringBuilder::new();
        let mut n = Int64Builder::new();
        for i in 0..lines.len() {
            f.append_value(file);
            n.append_value((first + i as u64) as i64);
        }
        fields.push(Field::new("file", DataType::Utf8, false));
        fields.push(Field::new("line", DataType::Int64, false));
        columns.push(Arc::new(f.finish()));
        columns.push(Arc::new(n.finish()));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

fn values(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What must agree between two audits of one log: each finding's id, line,
/// visitor, cookie and category, and the input errors' lines and kinds.
#[allow(clippy::type_complexity)]
fn findings(
    r: &Report,
) -> (
    Vec<(String, u64, String, Option<String>, Option<String>)>,
    Vec<(u64, InputErrorKind)>,
) {
    (
        r.violations
            .iter()
            .map(|v| {
                (
                    v.id.as_str().to_owned(),
                    v.line,
                    v.visitor.clone(),
                    v.cookie.clone(),
                    v.category.clone(),
                )
            })
            .collect(),
        r.input_errors.iter().map(|e| (e.line, e.kind)).collect(),
    )
}

fn generated() -> Vec<String> {
    let (lines, injected) = generate_lines(&Spec::new(6_000, 500).inject_every(7));
    assert!(injected.len() > 20);
    lines
}

fn audit_batches(policy: &OwnedPolicy, batches: &[RecordBatch], options: AuditOptions) -> Report {
    let mut auditor = Auditor::new(policy.view(), options);
    let mut feed = TableFeed::new("");
    for b in batches {
        feed.feed(&mut auditor, b).unwrap();
    }
    auditor.finish()
}

#[test]
fn s17_batches_of_a_few_rows_audit_as_the_json_lines() {
    let policy = kk2();
    let lines = generated();
    let expected = audit_lines(policy.view(), &lines, AuditOptions::new().threads(1));
    assert!(expected.violations.len() > 20);
    let rows = values(&lines);
    for ts in [Ts::Text, Ts::Stamp] {
        // 7 rows a batch: visitors' state crosses batch boundaries.
        let batches: Vec<_> = rows.chunks(7).map(|c| batch_of(c, ts, None)).collect();
        for threads in [1, 2] {
            let got = audit_batches(&policy, &batches, AuditOptions::new().threads(threads));
            assert_eq!(findings(&got), findings(&expected));
            assert!(got.violations.iter().all(|v| v.file.is_empty()));
            assert_eq!(got.summary.events, expected.summary.events);
            assert_eq!(got.summary.visitors, expected.summary.visitors);
        }
    }
}

#[test]
fn s17_file_and_line_columns_are_carried_through() {
    let policy = kk2();
    let lines = generated();
    let expected = audit_lines(policy.view(), &lines, AuditOptions::new().threads(1));
    let rows = values(&lines);
    // Two "files" of the same log: rows 1..=3000 and 3001.. numbered from 1.
    let (a, b) = rows.split_at(3000);
    let mut batches = Vec::new();
    for (k, chunk) in a.chunks(5).enumerate() {
        batches.push(batch_of(
            chunk,
            Ts::Text,
            Some(("a.jsonl", 1 + 5 * k as u64)),
        ));
    }
    for (k, chunk) in b.chunks(5).enumerate() {
        batches.push(batch_of(
            chunk,
            Ts::Text,
            Some(("b.jsonl", 1 + 5 * k as u64)),
        ));
    }
    let check = |got: &Report| {
        assert_eq!(got.violations.len(), expected.violations.len());
        for (g, e) in got.violations.iter().zip(&expected.violations) {
            let (file, line) = if e.line <= 3000 {
                ("a.jsonl", e.line)
            } else {
                ("b.jsonl", e.line - 3000)
            };
            assert_eq!((&*g.file, g.line, g.id), (file, line, e.id));
        }
    };
    let got = audit_batches(&policy, &batches, AuditOptions::new().threads(1));
    check(&got);
    assert_eq!(got.summary.files, 2);
    // The same rows from Rust's `read_table` and from a Parquet file on the
    // command line's path (`audit_paths`): the cells carried through too.
    let dir = std::env::temp_dir().join(format!("samtykke-s17-place-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("placed.parquet");
    write_parquet(&path, &batches, Compression::SNAPPY);
    for threads in [1, 2] {
        let options = AuditOptions::new().threads(threads);
        let mut auditor = Auditor::new(policy.view(), options.clone());
        auditor
            .read_table("t", batches.iter().cloned().map(Ok))
            .unwrap();
        let read = auditor.finish();
        check(&read);
        assert_eq!(read.summary.files, 2);
        let file = audit_paths(policy.view(), [&path], options).unwrap();
        check(&file);
        assert_eq!(file.summary.files, 2);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// SPEC §8 and §17 under `--merge`: a table with `file` and `line` columns
/// holds several files, and they are merged by time as the files themselves
/// are; its rows in the table's order, a file after a file, are not one clock.
/// From a table in Rust and from a Parquet file beside a JSON-lines file.
#[test]
fn s17_merge_merges_the_files_a_table_holds() {
    let policy = kk2();
    // The generated log in time order, dealt to two servers' files in turn:
    // each file in time order, a visitor's events spread over both.
    let mut rows = values(&generated());
    rows.sort_by_key(|r| {
        r["ts"]
            .as_str()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            .map_or(i64::MIN, |t| t.unix_timestamp())
    });
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (i, row) in rows.into_iter().enumerate() {
        if i % 2 == 0 {
            a.push(row)
        } else {
            b.push(row)
        }
    }
    let dir = std::env::temp_dir().join(format!("samtykke-s17-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pa, pb) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    for (path, rows) in [(&pa, &a), (&pb, &b)] {
        let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(path, text).unwrap();
    }
    let merged = AuditOptions::new().merge(true);
    let want = audit_paths(policy.view(), [&pa, &pb], merged.clone()).unwrap();
    assert!(want.violations.len() > 20, "{}", want.violations.len());
    assert!(
        want.input_errors.len() < 50,
        "{:?}",
        &want.input_errors[..5]
    );
    let name = |p: &Path| p.to_string_lossy().into_owned();
    let (na, nb) = (name(&pa), name(&pb));
    let batches = vec![
        batch_of(&a, Ts::Text, Some((na.as_str(), 1))),
        batch_of(&b, Ts::Text, Some((nb.as_str(), 1))),
    ];
    let placed = |r: &Report| -> Vec<(String, u64, String, Option<String>)> {
        r.violations
            .iter()
            .map(|v| {
                (
                    v.file.to_string(),
                    v.line,
                    v.id.as_str().to_owned(),
                    v.cookie.clone(),
                )
            })
            .collect()
    };
    let errors = |r: &Report| -> Vec<(String, u64, String)> {
        r.input_errors
            .iter()
            .map(|e| (e.file.to_string(), e.line, e.message.clone()))
            .collect()
    };
    let mut auditor = Auditor::new(policy.view(), merged.clone());
    auditor
        .read_table("", batches.iter().cloned().map(Ok))
        .unwrap();
    let got = auditor.finish();
    assert_eq!(placed(&got), placed(&want));
    assert_eq!(errors(&got), errors(&want));
    assert_eq!(got.summary.events, want.summary.events);
    // The same rows in another order (by visitor, as a query leaves them):
    // each file's rows are taken in the order of their lines.
    let mut shuffled: Vec<(&Value, &str, u64)> = a
        .iter()
        .zip(1..)
        .map(|(r, n)| (r, na.as_str(), n))
        .chain(b.iter().zip(1..).map(|(r, n)| (r, nb.as_str(), n)))
        .collect();
    shuffled.sort_by_key(|(r, file, line)| (r["visitor"].to_string(), line % 7, *file));
    // a's first row first: the files are merged in the order they first
    // appear, a before b, as on the command line above.
    let first = shuffled
        .iter()
        .position(|&(_, file, line)| file == na && line == 1)
        .unwrap();
    let row = shuffled.remove(first);
    shuffled.insert(0, row);
    let one_a_row: Vec<RecordBatch> = shuffled
        .iter()
        .map(|(r, file, line)| batch_of(std::slice::from_ref(*r), Ts::Text, Some((file, *line))))
        .collect();
    let mut auditor = Auditor::new(policy.view(), merged.clone());
    auditor
        .read_table("", one_a_row.into_iter().map(Ok))
        .unwrap();
    let got = auditor.finish();
    assert_eq!(placed(&got), placed(&want));
    assert_eq!(errors(&got), errors(&want));
    // Without --merge the same table is one clock after another: the
    // rows of b, earlier than a's last, are out of order then.
    let unmerged = audit_batches(&policy, &batches, AuditOptions::new());
    assert_eq!(
        placed(&unmerged),
        placed(&audit_paths(policy.view(), [&pa, &pb], AuditOptions::new()).unwrap())
    );
    // b's rows in a Parquet file, merged with a's JSON lines.
    let pq = dir.join("b.parquet");
    write_parquet(&pq, &batches[1..], Compression::SNAPPY);
    let got = audit_paths(policy.view(), [&pa, &pq], merged).unwrap();
    assert_eq!(placed(&got), placed(&want));
    assert_eq!(errors(&got), errors(&want));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn write_parquet(path: &Path, batches: &[RecordBatch], compression: Compression) {
    let file = std::fs::File::create(path).unwrap();
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(700))
        .build();
    let mut w = ArrowWriter::try_new(file, batches[0].schema(), Some(props)).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
}

#[test]
fn s17_parquet_files_audit_as_the_json_lines_mixed_with_jsonl_and_gzip() {
    let policy = kk2();
    let lines = generated();
    let dir = std::env::temp_dir().join(format!("samtykke-s17-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rows = values(&lines);
    let (a, rest) = lines.split_at(2000);
    let (b, c) = rest.split_at(2000);
    let jsonl = |name: &str, part: &[String]| {
        let p = dir.join(name);
        std::fs::write(&p, part.join("\n") + "\n").unwrap();
        p
    };
    let pa = jsonl("a.jsonl", a);
    let pb = dir.join("b.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&pb).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all((b.join("\n") + "\n").as_bytes()).unwrap();
    gz.finish().unwrap();
    let pc = jsonl("c.jsonl", c);
    let batches: Vec<_> = rows[4000..]
        .chunks(300)
        .map(|c| batch_of(c, Ts::Stamp, None))
        .collect();
    for (name, compression) in [
        ("c-snappy.parquet", Compression::SNAPPY),
        ("c-zstd.parquet", Compression::ZSTD(ZstdLevel::default())),
        ("c-plain.PARQUET", Compression::UNCOMPRESSED),
    ] {
        let pq = dir.join(name);
        write_parquet(&pq, &batches, compression);
        for options in [
            AuditOptions::new().threads(1),
            AuditOptions::new().threads(2),
            AuditOptions::new().threads(1).merge(true),
        ] {
            let expected = audit_paths(policy.view(), [&pa, &pb, &pc], options.clone()).unwrap();
            let got = audit_paths(policy.view(), [&pa, &pb, &pq], options).unwrap();
            assert_eq!(findings(&got), findings(&expected), "{name}");
            assert!(got
                .violations
                .iter()
                .any(|v| v.file.ends_with(name) && v.line > 0));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A Parquet row group that cannot be read (a damaged page) is the file's
/// read error, naming the row group and its rows; the row groups before it
/// are audited, as the lines before a truncated gzip file's fault are.
#[test]
fn s13_a_parquet_row_group_that_cannot_be_read_ends_the_file_after_the_groups_before_it() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let policy = kk2();
    let lines = generated();
    let rows = values(&lines[..3000]);
    let batches: Vec<_> = rows
        .chunks(300)
        .map(|c| batch_of(c, Ts::Stamp, None))
        .collect();
    let dir = std::env::temp_dir().join(format!("samtykke-s13-rg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("damaged.parquet");
    // Row groups of 700 rows: the third holds rows 1401 to 2100.
    write_parquet(&path, &batches, Compression::UNCOMPRESSED);
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let at = usize::try_from(reader.metadata().row_group(2).column(1).data_page_offset()).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    for b in &mut bytes[at..at + 12] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, bytes).unwrap();
    let want = audit_lines(
        policy.view(),
        &lines[..1400],
        AuditOptions::new().threads(1),
    );
    assert!(!want.violations.is_empty());
    for options in [
        AuditOptions::new().threads(1),
        AuditOptions::new().threads(2),
        AuditOptions::new().threads(1).merge(true),
    ] {
        let merge = options.merges();
        let mut auditor = Auditor::new(policy.view(), options);
        let read = if merge {
            auditor.read_paths_merged(&[&path])
        } else {
            auditor.read_path(&path)
        };
        let e = read.expect_err("a damaged row group is a read error");
        assert!(
            e.to_string()
                .contains("row group 2 (counted from 0; rows 1401 to 2100): "),
            "{e}"
        );
        let got = auditor.finish();
        assert_eq!(findings(&got), findings(&want), "merge {merge}");
        assert_eq!(got.summary.events, want.summary.events);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Builds a one-row table with `extra` columns on top of ts/visitor/event.
fn table(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<_> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

fn strs(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(
        v.iter()
            .copied()
            .collect::<samtykke_audit::arrow_array::StringArray>(),
    )
}

#[test]
fn s17_a_table_that_cannot_be_events_names_the_column() {
    let policy = kk2();
    let ts = strs(&[Some("2026-03-01T10:00:00Z")]);
    let visitor = strs(&[Some("v1")]);
    let event = strs(&[Some("decision")]);
    let naive: ArrayRef = Arc::new(samtykke_audit::arrow_array::TimestampSecondArray::from(
        vec![1_772_359_200],
    ));
    let cases: Vec<(Vec<(&str, ArrayRef)>, &str)> = vec![
        (
            vec![("ts", ts.clone()), ("event", event.clone())],
            "visitor",
        ),
        (
            vec![("visitor", visitor.clone()), ("event", event.clone())],
            "ts",
        ),
        (
            vec![
                ("ts", naive),
                ("visitor", visitor.clone()),
                ("event", event.clone()),
            ],
            "ts",
        ),
        // Zoneless timestamps, dictionary-encoded.
        (
            vec![
                (
                    "ts",
                    Arc::new(
                        samtykke_audit::arrow_array::DictionaryArray::<
                            samtykke_audit::arrow_array::types::Int8Type,
                        >::try_new(
                            samtykke_audit::arrow_array::Int8Array::from(vec![0]),
                            Arc::new(samtykke_audit::arrow_array::TimestampSecondArray::from(
                                vec![1_772_359_200],
                            )),
                        )
                        .unwrap(),
                    ) as ArrayRef,
                ),
                ("visitor", visitor.clone()),
                ("event", event.clone()),
            ],
            "ts",
        ),
        // A field's column twice, as a JSON line's key twice.
        (
            vec![
                ("ts", ts.clone()),
                ("visitor", visitor.clone()),
                ("event", event.clone()),
                ("visitor", strs(&[Some("v2")])),
            ],
            "visitor",
        ),
    ];
    let dir = std::env::temp_dir().join(format!("samtykke-s17-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, (columns, column)) in cases.into_iter().enumerate() {
        let batch = table(columns);
        let mut auditor = Auditor::new(policy.view(), AuditOptions::new());
        let e = TableFeed::new("").feed(&mut auditor, &batch).unwrap_err();
        assert_eq!(e.column, column);
        assert!(
            e.to_string().starts_with(&format!("column `{column}`: ")),
            "{e}"
        );
        assert_eq!(auditor.finish().summary.lines, 0);
        // The same table as a Parquet file: an error of the file, naming it and
        // the column.
        let path = dir.join(format!("bad{i}.parquet"));
        write_parquet(&path, &[batch], Compression::SNAPPY);
        let e = audit_paths(policy.view(), [&path], AuditOptions::new()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains(&format!("bad{i}.parquet")), "{text}");
        assert!(text.contains(&format!("column `{column}`")), "{text}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The table of `rows` with column `name` replaced by `column`.
fn with_column(rows: &[Value], name: &str, column: ArrayRef) -> RecordBatch {
    let batch = batch_of(rows, Ts::Text, None);
    let schema = batch.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| (**f).clone()).collect();
    let mut columns = batch.columns().to_vec();
    let i = schema.index_of(name).unwrap();
    fields[i] = Field::new(name, column.data_type().clone(), true);
    columns[i] = column;
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// SPEC §17 and §13: a column of another type than its field's is no error of
/// the table. Each cell of it with a value is the input error the event's JSON
/// line gets, with the same message, and every other row is audited: from a
/// table in batches, on one thread or two, under `--merge`, and from a Parquet
/// file of many row groups. (One such cell used to fail its batch: a Parquet
/// file lost every row from the batch on, a Python table its whole report.)
#[test]
fn s17_a_cell_of_the_wrong_type_is_the_input_error_its_json_line_gets() {
    use samtykke_audit::arrow_array::Int64Array;
    let policy = kk2();
    let lines = generated();
    let rows = values(&lines);
    let n = rows.len();
    // A decision late in the log, past several row groups of 700.
    let k = (4000..n)
        .find(|&i| rows[i]["event"] == "decision" && rows[i]["action"] == "save")
        .unwrap();
    let one = |v: Option<i64>| -> ArrayRef {
        Arc::new(Int64Array::from(
            (0..n)
                .map(|i| if i == k { v } else { None })
                .collect::<Vec<_>>(),
        ))
    };
    let object: ArrayRef = {
        use samtykke_audit::arrow_array::builder::StructBuilder;
        let mut b = StructBuilder::from_fields(vec![Field::new("a", DataType::Int64, true)], n);
        for i in 0..n {
            let a = b.field_builder::<Int64Builder>(0).unwrap();
            a.append_option((i == k).then_some(1));
            // Null where the other rows are: the struct's own null.
            b.append(i == k);
        }
        Arc::new(b.finish())
    };
    let revision_text: ArrayRef = {
        let v: Vec<Option<&str>> = (0..n).map(|i| (i == k).then_some("2")).collect();
        strs(&v)
    };
    let cases: Vec<(&str, ArrayRef, Value, &str)> = vec![
        (
            "gpc",
            one(Some(1)),
            serde_json::json!(1),
            "`gpc` must be true or false, not a number",
        ),
        (
            "revision",
            revision_text,
            serde_json::json!("2"),
            "`revision` must be an integer, not a string",
        ),
        (
            "granted",
            object,
            serde_json::json!({"a": 1}),
            "`granted` must be an array of strings, not an object",
        ),
    ];
    let dir = std::env::temp_dir().join(format!("samtykke-s17-cell-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, column, json, message) in cases {
        // The column holds a value on row k alone: the JSON lines have the
        // field there only.
        let mut bad = rows.clone();
        for row in &mut bad {
            row.as_object_mut().unwrap().remove(name);
        }
        bad[k][name] = json;
        let bad_lines: Vec<String> = bad.iter().map(Value::to_string).collect();
        let batch = with_column(&rows, name, column);
        for options in [
            AuditOptions::new().threads(1),
            AuditOptions::new().threads(2),
            AuditOptions::new().merge(true),
        ] {
            let want = audit_lines(policy.view(), &bad_lines, options.clone());
            let at_k: Vec<_> = want
                .input_errors
                .iter()
                .filter(|e| e.line == k as u64 + 1)
                .map(|e| e.message.as_str())
                .collect();
            assert_eq!(at_k, [message], "{name}: the JSON line's error");
            let batches: Vec<RecordBatch> = (0..n)
                .step_by(1000)
                .map(|i| batch.slice(i, 1000.min(n - i)))
                .collect();
            let mut fed = audit_batches(&policy, &batches, options.clone());
            let mut auditor = Auditor::new(policy.view(), options.clone());
            auditor
                .read_table("", batches.iter().cloned().map(Ok))
                .unwrap();
            let mut read = auditor.finish();
            let path = dir.join(format!("{name}.parquet"));
            write_parquet(&path, std::slice::from_ref(&batch), Compression::SNAPPY);
            let mut file = audit_paths(policy.view(), [&path], options.clone()).unwrap();
            for got in [&mut fed, &mut read, &mut file] {
                assert_eq!(got.summary.lines, n as u64, "{name}: every row read");
                assert_eq!(findings(got), findings(&want), "{name}");
                let messages = |r: &Report| -> Vec<(u64, String)> {
                    r.input_errors
                        .iter()
                        .map(|e| (e.line, e.message.clone()))
                        .collect()
                };
                assert_eq!(messages(got), messages(&want), "{name}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A report's input errors: line and message.
fn error_lines(r: &Report) -> Vec<(u64, &str)> {
    r.input_errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect()
}

/// Columns of Arrow types a JSON line has no exact twin for read as the value
/// they hold: a dictionary of integers (pandas' `category` of ints), a
/// decimal of no fraction, a fixed-size list of strings. A NaN cell is an
/// error in every field, a string one too: JSON has no NaN.
#[test]
fn s17_cells_of_other_arrow_types_read_as_the_values_they_hold() {
    use samtykke_audit::arrow_array::builder::FixedSizeListBuilder;
    use samtykke_audit::arrow_array::types::Int8Type;
    use samtykke_audit::arrow_array::{
        Decimal128Array, DictionaryArray, Float64Array, Int64Array, Int8Array,
    };
    let policy = kk2();
    let ts = strs(&[Some("2026-03-01T10:00:00Z"), Some("2026-03-01T10:00:01Z")]);
    let notice = |extra: Vec<(&'static str, ArrayRef)>| {
        let mut columns = vec![
            ("ts", ts.clone()),
            ("visitor", strs(&[Some("v1"), Some("v1")])),
            ("event", strs(&[Some("notice_shown"), Some("notice_shown")])),
        ];
        columns.extend(extra);
        table(columns)
    };
    let controls: ArrayRef = {
        let mut b = FixedSizeListBuilder::new(StringBuilder::new(), 2);
        for _ in 0..2 {
            b.values().append_value("accept_all");
            b.values().append_value("reject_all");
            b.append(true);
        }
        Arc::new(b.finish())
    };
    let json_line = |t: &str, more: &str| {
        format!(
            r#"{{"ts":"{t}","visitor":"v1","event":"notice_shown","controls":["accept_all","reject_all"]{more}}}"#
        )
    };
    let t = ["2026-03-01T10:00:00Z", "2026-03-01T10:00:01Z"];
    let revision_ints: ArrayRef = Arc::new(
        DictionaryArray::<Int8Type>::try_new(
            Int8Array::from(vec![0, 0]),
            Arc::new(Int64Array::from(vec![1])),
        )
        .unwrap(),
    );
    let revision_decimal: ArrayRef = Arc::new(
        Decimal128Array::from(vec![1, 1])
            .with_precision_and_scale(5, 0)
            .unwrap(),
    );
    let revision_fraction: ArrayRef = Arc::new(
        Decimal128Array::from(vec![150, 100])
            .with_precision_and_scale(5, 2)
            .unwrap(),
    );
    type Case = (Vec<(&'static str, ArrayRef)>, [String; 2]);
    let revision_wide: ArrayRef = {
        use samtykke_audit::arrow_array::ArrowPrimitiveType;
        type Wide =
            <samtykke_audit::arrow_array::types::Decimal256Type as ArrowPrimitiveType>::Native;
        Arc::new(
            samtykke_audit::arrow_array::Decimal256Array::from(vec![
                Some(Wide::from_i128(1)),
                None,
            ])
            .with_precision_and_scale(40, 0)
            .unwrap(),
        )
    };
    let revision_scaled: ArrayRef = Arc::new(
        Decimal128Array::from(vec![1, 1])
            .with_precision_and_scale(5, -2)
            .unwrap(),
    );
    let cases: Vec<Case> = vec![
        (
            vec![("controls", controls.clone()), ("revision", revision_wide)],
            [json_line(t[0], r#","revision":1"#), json_line(t[1], "")],
        ),
        (
            vec![
                ("controls", controls.clone()),
                ("revision", revision_scaled),
            ],
            [
                json_line(t[0], r#","revision":100"#),
                json_line(t[1], r#","revision":100"#),
            ],
        ),
        (
            vec![("controls", controls.clone()), ("revision", revision_ints)],
            [
                json_line(t[0], r#","revision":1"#),
                json_line(t[1], r#","revision":1"#),
            ],
        ),
        (
            vec![
                ("controls", controls.clone()),
                ("revision", revision_decimal),
            ],
            [
                json_line(t[0], r#","revision":1"#),
                json_line(t[1], r#","revision":1"#),
            ],
        ),
        (
            vec![
                ("controls", controls.clone()),
                ("revision", revision_fraction),
            ],
            [
                json_line(t[0], r#","revision":1.50"#),
                json_line(t[1], r#","revision":1.00"#),
            ],
        ),
    ];
    for (columns, lines) in cases {
        let batch = notice(columns);
        let want = audit_lines(policy.view(), &lines, AuditOptions::new());
        for options in [
            AuditOptions::new().threads(1),
            AuditOptions::new().threads(2),
        ] {
            let got = audit_batches(&policy, std::slice::from_ref(&batch), options.clone());
            assert_eq!(findings(&got), findings(&want), "{:?}", batch.schema());
            let messages = |r: &Report| -> Vec<String> {
                r.input_errors.iter().map(|e| e.message.clone()).collect()
            };
            assert_eq!(messages(&got), messages(&want));
            assert_eq!(got.summary.events, want.summary.events);
            // And as text, through `TableLines`.
            let mut auditor = Auditor::new(policy.view(), options);
            auditor
                .read(
                    "",
                    samtykke_audit::TableLines::new([Ok(batch.clone())].into_iter()),
                )
                .unwrap();
            assert_eq!(findings(&auditor.finish()), findings(&want));
        }
    }
    // A NaN visitor id is no string: an error, as any other number there.
    let nan = table(vec![
        ("ts", ts.clone()),
        (
            "visitor",
            Arc::new(Float64Array::from(vec![f64::NAN, 1.5])) as ArrayRef,
        ),
        ("event", strs(&[Some("cookie_set"), Some("cookie_set")])),
        ("cookie", strs(&[Some("nmstat"), Some("nmstat")])),
    ]);
    let got = audit_batches(&policy, &[nan], AuditOptions::new());
    let errors = error_lines(&got);
    assert_eq!(
        errors,
        [
            (
                1,
                "`visitor` must be a string, not a NaN or infinite number"
            ),
            (2, "`visitor` must be a string, not a number"),
        ]
    );
    assert!(got.violations.is_empty());
}

/// A `line` cell counts from 1 (SPEC §8): 0 or below is its row's input
/// error. Under `--merge` a row of a file with no `line` stays after the row
/// before it, and the report is the one without `--merge` (the file is in
/// time order); a list of numbers whose JSON line would pass 1 MiB is
/// reported as that line is.
#[test]
fn s17_line_cells_count_from_1_and_a_row_without_one_keeps_its_place() {
    use samtykke_audit::arrow_array::builder::ListBuilder as LB;
    use samtykke_audit::arrow_array::Int64Array;
    let policy = kk2();
    let three = |lines: Vec<Option<i64>>| {
        table(vec![
            (
                "ts",
                strs(&[
                    Some("2026-03-01T10:00:00Z"),
                    Some("2026-03-01T10:00:01Z"),
                    Some("2026-03-01T10:00:02Z"),
                ]),
            ),
            ("visitor", strs(&[Some("a"), Some("b"), Some("c")])),
            ("event", strs(&[Some("signal"); 3])),
            ("signal", strs(&[Some("gpc"); 3])),
            ("file", strs(&[Some("f"); 3])),
            ("line", Arc::new(Int64Array::from(lines)) as ArrayRef),
        ])
    };
    let errors = |r: &Report| -> Vec<(u64, String)> {
        r.input_errors
            .iter()
            .map(|e| (e.line, e.message.clone()))
            .collect()
    };
    for merge in [false, true] {
        let options = AuditOptions::new().merge(merge);
        let got = audit_batches(
            &policy,
            &[three(vec![Some(10), None, Some(11)])],
            options.clone(),
        );
        assert_eq!(errors(&got), [], "merge {merge}");
        assert_eq!(got.summary.events, 3);
        let got = audit_batches(&policy, &[three(vec![Some(1), Some(0), Some(-3)])], options);
        assert_eq!(
            errors(&got),
            [
                (
                    2,
                    "column `line` must hold line numbers, whole and from 1, not 0".to_owned()
                ),
                (
                    3,
                    "column `line` must hold line numbers, whole and from 1, not -3".to_owned()
                ),
            ],
            "merge {merge}"
        );
    }
    // 110,000 numbers in a list: a JSON line of 1.2 MB.
    let mut b = LB::new(Int64Builder::new());
    for k in 0..110_000 {
        b.values().append_value(1_000_000_000 + k);
    }
    b.append(true);
    let batch = table(vec![
        ("ts", strs(&[Some("2026-03-01T10:00:00Z")])),
        ("visitor", strs(&[Some("v")])),
        ("event", strs(&[Some("notice_shown")])),
        ("controls", Arc::new(b.finish()) as ArrayRef),
    ]);
    let got = audit_batches(&policy, &[batch], AuditOptions::new());
    assert_eq!(got.input_errors.len(), 1);
    assert_eq!(got.input_errors[0].kind, InputErrorKind::TooLong);
}

/// A cell no JSON value reads as (binary data) is an input error naming its
/// type; a column of them with no value is an absent field.
#[test]
fn s17_a_cell_json_has_no_value_for_names_its_type() {
    use samtykke_audit::arrow_array::BinaryArray;
    let policy = kk2();
    let batch = table(vec![
        (
            "ts",
            strs(&[Some("2026-03-01T10:00:00Z"), Some("2026-03-01T10:00:01Z")]),
        ),
        ("visitor", strs(&[Some("v1"), Some("v1")])),
        ("event", strs(&[Some("decision"), Some("decision")])),
        ("action", strs(&[Some("reject_all"), Some("reject_all")])),
        (
            "control",
            Arc::new(BinaryArray::from(vec![None, Some(&b"button"[..])])) as ArrayRef,
        ),
    ]);
    let got = audit_batches(&policy, &[batch], AuditOptions::new());
    let errors = error_lines(&got);
    assert_eq!(
        errors,
        [(2, "`control` must be a string, not a value of type Binary")]
    );
    assert_eq!(got.summary.events, 1);
}

#[test]
fn s17_null_cells_are_absent_fields_and_rows_at_fault_are_input_errors() {
    let policy = kk2();
    let n = 5;
    let ts = strs(&[
        Some("2026-03-01T10:00:00Z"),
        Some("2026-03-01T10:00:01Z"),
        Some("2026-03-01T10:00:02"),
        None,
        Some("2026-03-01T10:00:04Z"),
    ]);
    let visitor = strs(&[Some("v1"); 5]);
    let event = strs(&[
        Some("decision"),
        Some("decision"),
        Some("decision"),
        Some("decision"),
        Some("notice_shown"),
    ]);
    let action = strs(&[
        Some("reject_all"),
        None,
        Some("accept_all"),
        Some("accept_all"),
        None,
    ]);
    // A revision column with a gap (null: the policy's revision) and a whole
    // float, as pandas stores integers with gaps.
    let revision: ArrayRef = Arc::new(samtykke_audit::arrow_array::Float64Array::from(vec![
        Some(2.0),
        None,
        None,
        None,
        Some(2.5),
    ]));
    let mut cookies = ListBuilder::new(StringBuilder::new());
    for _ in 0..4 {
        cookies.append(false);
    }
    cookies.values().append_value("nmstat");
    cookies.append(true);
    let cookies: ArrayRef = Arc::new(cookies.finish());
    let nothing: ArrayRef = Arc::new(samtykke_audit::arrow_array::NullArray::new(n));
    let batch = table(vec![
        ("ts", ts),
        ("visitor", visitor),
        ("event", event),
        ("action", action),
        ("revision", revision),
        ("cookies", cookies),
        ("url", nothing),
    ]);
    let mut auditor = Auditor::new(policy.view(), AuditOptions::new());
    TableFeed::new("t").feed(&mut auditor, &batch).unwrap();
    let report = auditor.finish();
    let errors: Vec<_> = report
        .input_errors
        .iter()
        .map(|e| (e.line, e.kind, e.message.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (2, InputErrorKind::MissingField, "missing `action`"),
            (
                3,
                InputErrorKind::NoTimeZone,
                "`ts` \"2026-03-01T10:00:02\" has no time zone (RFC 3339 needs `Z` or an offset)"
            ),
            (4, InputErrorKind::MissingField, "missing `ts`"),
            (
                5,
                InputErrorKind::BadField,
                "`revision` must be an integer, not a number"
            ),
        ]
        .map(|(l, k, m)| (l, k, m))
    );
    assert_eq!(report.summary.events, 1);
}

/// SPEC §17: a column of nulls of any type is an absent field (pandas writes an
/// all-NaN `float64` for a field a chunk never has); a value in a column of the
/// wrong type is its row's input error, from a table, a stream or a Parquet
/// file alike.
#[test]
fn s17_a_column_of_nulls_of_any_type_is_an_absent_field() {
    use samtykke_audit::arrow_array::{Float64Array, Int64Array};
    let policy = kk2();
    let base = || {
        vec![
            (
                "ts",
                strs(&[Some("2026-03-01T10:00:00Z"), Some("2026-03-01T10:00:01Z")]),
            ),
            ("visitor", strs(&[Some("v1"), Some("v1")])),
            ("event", strs(&[Some("decision"), Some("cookie_set")])),
            ("action", strs(&[Some("reject_all"), None])),
            ("cookie", strs(&[None, Some("nmstat")])),
        ]
    };
    let nulls: Vec<(&str, ArrayRef)> = vec![
        ("granted", Arc::new(Float64Array::from(vec![None, None]))),
        ("gpc", strs(&[None, None])),
        ("cookies", Arc::new(Int64Array::from(vec![None, None]))),
    ];
    let plain = table(base());
    let with_nulls = table(base().into_iter().chain(nulls.iter().cloned()).collect());
    let want = audit_batches(&policy, &[plain], AuditOptions::new());
    assert_eq!(want.violations.len(), 1, "{:?}", want.violations);
    for options in [
        AuditOptions::new().threads(1),
        AuditOptions::new().threads(2),
    ] {
        let got = audit_batches(&policy, std::slice::from_ref(&with_nulls), options.clone());
        assert_eq!(got.violations, want.violations);
        assert!(got.input_errors.is_empty(), "{:?}", got.input_errors);
        let mut auditor = Auditor::new(policy.view(), options);
        auditor
            .read_table("", [Ok(with_nulls.clone())].into_iter())
            .unwrap();
        assert_eq!(auditor.finish().violations, want.violations);
    }
    let dir = std::env::temp_dir().join(format!("samtykke-s17-nulls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("nulls.parquet");
    write_parquet(
        &path,
        std::slice::from_ref(&with_nulls),
        Compression::SNAPPY,
    );
    let got = audit_paths(policy.view(), [&path], AuditOptions::new()).unwrap();
    assert_eq!(
        got.violations.iter().map(|v| v.id).collect::<Vec<_>>(),
        want.violations.iter().map(|v| v.id).collect::<Vec<_>>()
    );
    // The same column with a value: that row's input error, with the words
    // its JSON line gets, the rows around it audited.
    let valued = table(
        base()
            .into_iter()
            .chain([(
                "granted",
                Arc::new(Float64Array::from(vec![Some(1.0), None])) as ArrayRef,
            )])
            .collect(),
    );
    let errors = |r: &Report| -> Vec<(u64, String)> {
        r.input_errors
            .iter()
            .map(|e| (e.line, e.message.clone()))
            .collect()
    };
    let want = [(
        3,
        "`granted` must be an array of strings, not a number".to_owned(),
    )];
    let mut auditor = Auditor::new(policy.view(), AuditOptions::new());
    let mut feed = TableFeed::new("");
    feed.feed(&mut auditor, &with_nulls).unwrap();
    feed.feed(&mut auditor, &valued).unwrap();
    let fed = auditor.finish();
    assert_eq!(errors(&fed), want);
    assert_eq!(fed.summary.lines, 4);
    let mut auditor = Auditor::new(policy.view(), AuditOptions::new());
    auditor
        .read_table("", [Ok(with_nulls.clone()), Ok(valued.clone())].into_iter())
        .unwrap();
    assert_eq!(errors(&auditor.finish()), want);
    let path = dir.join("valued.parquet");
    write_parquet(&path, &[valued], Compression::SNAPPY);
    let got = audit_paths(policy.view(), [&path], AuditOptions::new()).unwrap();
    assert_eq!(
        errors(&got),
        [(
            1,
            "`granted` must be an array of strings, not a number".to_owned()
        )]
    );
    assert_eq!(got.summary.lines, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A `uint64` cell past `i64::MAX` is an integer out of range, with the words
/// the same number gets in a JSON line.
#[test]
fn s17_a_uint64_past_i64_reads_as_the_json_lines_digits() {
    use samtykke_audit::arrow_array::UInt64Array;
    let policy = kk2();
    let big = 1u64 << 63;
    let batch = table(vec![
        ("ts", strs(&[Some("2026-03-01T10:00:00Z")])),
        ("visitor", strs(&[Some("v1")])),
        ("event", strs(&[Some("notice_shown")])),
        ("revision", Arc::new(UInt64Array::from(vec![big]))),
    ]);
    let mut auditor = Auditor::new(policy.view(), AuditOptions::new());
    TableFeed::new("").feed(&mut auditor, &batch).unwrap();
    let from_table = auditor.finish();
    let line = format!(
        r#"{{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"notice_shown","revision":{big}}}"#
    );
    let from_line = samtykke_audit::audit_lines(policy.view(), [line], AuditOptions::new());
    let messages =
        |r: &Report| -> Vec<String> { r.input_errors.iter().map(|e| e.message.clone()).collect() };
    assert_eq!(
        messages(&from_table),
        ["`revision` is 9223372036854775808, outside 1..=4294967295"]
    );
    assert_eq!(messages(&from_table), messages(&from_line));
}

/// Dictionary-encoded string columns (pandas' `category`, polars'
/// `Categorical`, Parquet read with `read_dictionary`) are strings: the audit
/// is that of the same table with plain string columns.
#[test]
fn s17_dictionary_encoded_strings_read_as_strings() {
    use samtykke_audit::arrow_array::types::{Int8Type, UInt32Type};
    use samtykke_audit::arrow_array::{DictionaryArray, LargeStringArray, UInt32Array};
    let policy = kk2();
    let ts = [
        Some("2026-03-01T10:00:00Z"),
        Some("2026-03-01T10:00:01Z"),
        Some("2026-03-01T10:00:02Z"),
        Some("2026-03-01T10:00:03Z"),
    ];
    let visitor = [Some("v1"), Some("v1"), Some("v2"), Some("v1")];
    let event = [
        Some("notice_shown"),
        Some("decision"),
        Some("cookie_set"),
        Some("cookie_set"),
    ];
    let action = [None, Some("reject_all"), None, None];
    let cookie = [None, None, Some("nmstat"), Some("nmstat")];
    let dict = |v: &[Option<&'static str>]| -> ArrayRef {
        Arc::new(v.iter().copied().collect::<DictionaryArray<Int8Type>>())
    };
    // polars' form: uint32 keys over large_string values, one key unused.
    let large = |v: &[Option<&'static str>]| -> ArrayRef {
        let mut values: Vec<&str> = v.iter().flatten().copied().collect();
        values.sort_unstable();
        values.dedup();
        values.insert(0, "unused");
        let keys: UInt32Array = v
            .iter()
            .map(|s| s.map(|s| values.iter().position(|x| *x == s).unwrap() as u32))
            .collect();
        Arc::new(
            DictionaryArray::<UInt32Type>::try_new(keys, Arc::new(LargeStringArray::from(values)))
                .unwrap(),
        )
    };
    let plain = table(vec![
        ("ts", strs(&ts)),
        ("visitor", strs(&visitor)),
        ("event", strs(&event)),
        ("action", strs(&action)),
        ("cookie", strs(&cookie)),
    ]);
    let want = audit_batches(&policy, &[plain], AuditOptions::new());
    assert_eq!(want.violations.len(), 2, "{:?}", want.violations);
    for encode in [dict, large] {
        let encoded = table(vec![
            ("ts", encode(&ts)),
            ("visitor", encode(&visitor)),
            ("event", encode(&event)),
            ("action", encode(&action)),
            ("cookie", encode(&cookie)),
        ]);
        let got = audit_batches(&policy, &[encoded], AuditOptions::new());
        assert_eq!(got.violations, want.violations);
        assert_eq!(got.input_errors, want.input_errors);
        assert_eq!(got.summary.events, want.summary.events);
    }
}

/// A dictionary over `string_view` values (polars' export) is strings too; a
/// key that points to a null value is a null cell for the rows and for
/// `TableLines` alike; `file` and `line` columns of nulls of any type are
/// absent, as §8's fields are.
#[test]
fn s17_dictionary_views_null_values_and_null_place_columns() {
    use samtykke_audit::arrow_array::types::Int8Type;
    use samtykke_audit::arrow_array::{
        DictionaryArray, Float64Array, Int8Array, StringArray, StringViewArray,
    };
    use samtykke_audit::TableLines;
    let policy = kk2();
    let ts = strs(&[Some("2026-03-01T10:00:00Z"), Some("2026-03-01T10:00:01Z")]);
    let event = strs(&[Some("decision"), Some("decision")]);
    let views: ArrayRef = Arc::new(
        DictionaryArray::<Int8Type>::try_new(
            Int8Array::from(vec![0, 0]),
            Arc::new(StringViewArray::from(vec!["v1"])),
        )
        .unwrap(),
    );
    // The second row's key points to a null value: no action, an input error.
    let action: ArrayRef = Arc::new(
        DictionaryArray::<Int8Type>::try_new(
            Int8Array::from(vec![0, 1]),
            Arc::new(StringArray::from(vec![Some("reject_all"), None])),
        )
        .unwrap(),
    );
    let line: ArrayRef = Arc::new(Float64Array::from(vec![None, None]));
    let file: ArrayRef = Arc::new(Float64Array::from(vec![None, None]));
    let batch = table(vec![
        ("ts", ts),
        ("visitor", views),
        ("event", event),
        ("action", action),
        ("file", file),
        ("line", line),
    ]);
    let rows = audit_batches(&policy, std::slice::from_ref(&batch), AuditOptions::new());
    let errors: Vec<(u64, &str)> = rows
        .input_errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(errors, [(2, "missing `action`")]);
    assert_eq!(rows.summary.events, 1);
    let mut auditor = Auditor::new(policy.view(), AuditOptions::new());
    auditor
        .read("", TableLines::new([Ok(batch)].into_iter()))
        .unwrap();
    let lines = auditor.finish();
    assert_eq!(lines.input_errors, rows.input_errors);
    assert_eq!(lines.violations, rows.violations);
}
