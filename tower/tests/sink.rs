//! The JSON-lines sink: the log's lines land in order, and proof records are
//! purged by R19's retention rule, never a line that cannot be read.

mod common;

use std::path::PathBuf;

use common::*;
use samtykke::{ConsentState, Ctx, Proof, ValidPolicy};
use samtykke_host::proof_json::proof_to_json;
use samtykke_tower::{JsonlSink, Sink};
use time::OffsetDateTime;

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

/// A directory of this test's own (`tag`), and the log and proof files in it.
fn files(tag: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("samtykke-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (log, proofs) = (dir.join("log.jsonl"), dir.join("proofs.jsonl"));
    (dir, log, proofs)
}

/// Visitor `id` accepted all at T0 and again 50 days later: the first record
/// may go once the retention has passed since the second.
fn superseded(policy: &ValidPolicy<'_>, id: u128) -> [Proof; 2] {
    let mut s = ConsentState::new(id);
    [
        s.accept_all(policy, Ctx::button(at(T0), 1)),
        s.accept_all(policy, Ctx::button(at(T0 + 50 * 86_400), 1)),
    ]
}

#[test]
fn the_log_keeps_every_line_in_order_across_threads() {
    let (dir, log, proofs) = files("sink");
    let _ = std::fs::remove_file(&log);
    let sink = std::sync::Arc::new(JsonlSink::open(&log, &proofs).unwrap());
    std::thread::scope(|s| {
        for t in 0..4 {
            let sink = sink.clone();
            s.spawn(move || {
                for i in 0..500 {
                    sink.events(&format!(
                        "{{\"t\":{t},\"i\":{i},\"a\":1}}\n{{\"t\":{t},\"i\":{i},\"a\":2}}\n"
                    ));
                }
            });
        }
    });
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4000);
    for t in 0..4 {
        let mine: Vec<(i64, i64)> = lines
            .iter()
            .filter(|v| v["t"] == t)
            .map(|v| (v["i"].as_i64().unwrap(), v["a"].as_i64().unwrap()))
            .collect();
        let want: Vec<(i64, i64)> = (0..500).flat_map(|i| [(i, 1), (i, 2)]).collect();
        assert_eq!(mine, want, "a request's lines stay together and in order");
    }
    assert_eq!(sink.errors(), 0);
    drop(sink);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn r19_proof_records_go_only_after_the_decision_ended_and_retention_passed() {
    let owned = policy(&[]);
    let policy = owned.view();
    let p = policy.policy();
    let consent = i64::from(p.consent_ttl_days) * 86_400;
    let retention = i64::from(p.proof_retention_days) * 86_400;
    let (dir, log, proofs) = files("purge");
    let _ = std::fs::remove_file(&proofs);
    // Visitor 1 accepted at T0 and never came back: the grant ends at T0 +
    // consent TTL, the record may go `retention` later. Visitor 2 accepted at T0
    // and accepted again 50 days later: the first record ended then.
    let mut records: Vec<Proof> = Vec::new();
    let mut one = ConsentState::new(1);
    records.push(one.accept_all(&policy, Ctx::button(at(T0), 1)));
    let mut two = ConsentState::new(2);
    records.push(two.accept_all(&policy, Ctx::button(at(T0), 1)));
    records.push(two.accept_all(&policy, Ctx::button(at(T0 + 50 * 86_400), 1)));
    let mut text: String = records
        .iter()
        .map(|r| proof_to_json(&policy, r) + "\n")
        .collect();
    text.push_str("not a proof record, kept as it is\n");
    std::fs::write(&proofs, &text).unwrap();
    let sink = JsonlSink::open(&log, &proofs).unwrap();

    let kept = |path: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    // One second before visitor 2's first record may go: nothing goes.
    let first_ends = T0 + 50 * 86_400 + retention;
    let purged = sink.purge(&policy, at(first_ends - 1)).unwrap();
    assert_eq!((purged.kept, purged.removed, purged.unreadable), (3, 0, 1));
    // At that second it goes; visitor 1's lasts until its grant lapsed + retention.
    let purged = sink.purge(&policy, at(first_ends)).unwrap();
    assert_eq!((purged.kept, purged.removed), (2, 1));
    let lines = kept(&proofs);
    assert_eq!(lines.len(), 3);
    assert!(!lines.contains(&proof_to_json(&policy, &records[1])));
    let one_ends = T0 + consent + retention;
    assert!(one_ends > first_ends);
    assert_eq!(sink.purge(&policy, at(one_ends - 1)).unwrap().removed, 0);
    assert_eq!(sink.purge(&policy, at(one_ends)).unwrap().removed, 1);
    let lines = kept(&proofs);
    assert_eq!(
        lines,
        [
            proof_to_json(&policy, &records[2]),
            "not a proof record, kept as it is".to_owned()
        ]
    );
    // New records append after a purge.
    let later = two.reject_all(&policy, Ctx::button(at(one_ends), 1));
    sink.proof(
        &policy,
        &later,
        &proof_to_json(&policy, &later),
        at(one_ends),
    );
    assert_eq!(kept(&proofs).len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two sinks on the same files, as two processes of one site: a purge by one
/// replaces the proof file, and a record the other writes afterwards, or while
/// purges run, lands in the file at the path (not in the file the purge
/// replaced).
#[test]
fn r19_a_purge_by_one_process_loses_no_record_another_writes() {
    let owned = policy(&[]);
    let policy = owned.view();
    let retention = i64::from(policy.policy().proof_retention_days) * 86_400;
    let (dir, log, proofs) = files("shared");
    let _ = std::fs::remove_file(&proofs);
    // A visitor who accepted twice, 50 days apart: at `now` the first record
    // may go, so a purge rewrites the file.
    let now = at(T0 + 50 * 86_400 + retention);
    let superseded = |id: u128| superseded(&policy, id).map(|p| proof_to_json(&policy, &p));
    let fresh = |id: u128| -> (Proof, String) {
        let p = ConsentState::new(id).accept_all(&policy, Ctx::button(now, 1));
        (p, proof_to_json(&policy, &p))
    };
    std::fs::write(&proofs, superseded(1).join("\n") + "\n").unwrap();
    let (one, two) = (
        JsonlSink::open(&log, &proofs).unwrap(),
        JsonlSink::open(&log, &proofs).unwrap(),
    );
    // The second opened the file before the first's purge replaced it.
    assert_eq!(one.purge(&policy, now).unwrap().removed, 1);
    let (p, line) = fresh(2);
    two.proof(&policy, &p, &line, now);
    let text = std::fs::read_to_string(&proofs).unwrap();
    assert!(text.contains(&line), "the record went to the replaced file");

    // While one purges again and again (each time something to remove), the
    // other writes 300 records.
    std::thread::scope(|s| {
        s.spawn(|| {
            for id in 0..60u128 {
                for rec in superseded(10_000 + id) {
                    let p = samtykke_host::proof_json::proof_from_json(&policy, &rec).unwrap();
                    one.proof(&policy, &p, &rec, now);
                }
                one.purge(&policy, now).unwrap();
            }
        });
        s.spawn(|| {
            for id in 0..300u128 {
                let (p, line) = fresh(100 + id);
                two.proof(&policy, &p, &line, now);
            }
        });
    });
    let text = std::fs::read_to_string(&proofs).unwrap();
    for id in 0..300u128 {
        assert!(text.contains(&fresh(100 + id).1), "record {id} lost");
    }
    assert_eq!((one.errors(), two.errors()), (0, 0));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A line of the proof file that is not UTF-8 is kept byte for byte and
/// counted as unreadable; the purge still removes what may go, and the file
/// keeps its mode.
#[test]
fn r19_a_purge_keeps_a_line_that_is_not_utf8_as_it_is() {
    let owned = policy(&[]);
    let policy = owned.view();
    let retention = i64::from(policy.policy().proof_retention_days) * 86_400;
    let (dir, log, proofs) = files("bytes");
    let [first, second] = superseded(&policy, 1);
    let mut bytes = (proof_to_json(&policy, &first) + "\n").into_bytes();
    bytes.extend_from_slice(b"\xff\xfe not UTF-8\n");
    bytes.extend_from_slice((proof_to_json(&policy, &second) + "\n").as_bytes());
    std::fs::write(&proofs, &bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&proofs, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let sink = JsonlSink::open(&log, &proofs).unwrap();
    let purged = sink
        .purge(&policy, at(T0 + 50 * 86_400 + retention))
        .unwrap();
    assert_eq!((purged.kept, purged.removed, purged.unreadable), (1, 1, 1));
    // The rewritten file keeps the mode it had.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&proofs).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
    let mut want = b"\xff\xfe not UTF-8\n".to_vec();
    want.extend_from_slice((proof_to_json(&policy, &second) + "\n").as_bytes());
    assert_eq!(std::fs::read(&proofs).unwrap(), want);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The daily purge runs by itself: the first proof record a sink writes purges
/// the file at that record's time, and the next purge waits a day.
#[test]
fn r19_the_first_record_written_purges_and_the_next_purge_waits_a_day() {
    let owned = policy(&[]);
    let policy = owned.view();
    let retention = i64::from(policy.policy().proof_retention_days) * 86_400;
    let (dir, log, proofs) = files("daily");
    // Visitor 1 accepted twice, 50 days apart: the first record may go at `due`.
    let lines = |records: &[Proof]| -> String {
        records
            .iter()
            .map(|r| proof_to_json(&policy, r) + "\n")
            .collect()
    };
    std::fs::write(&proofs, lines(&superseded(&policy, 1))).unwrap();
    let due = T0 + 50 * 86_400 + retention;
    let sink = JsonlSink::open(&log, &proofs).unwrap();
    let write = |id: u128, now: i64| {
        let p = ConsentState::new(id).accept_all(&policy, Ctx::button(at(now), 1));
        sink.proof(&policy, &p, &proof_to_json(&policy, &p), at(now));
    };
    let count = || std::fs::read_to_string(&proofs).unwrap().lines().count();
    write(2, due);
    assert_eq!(
        count(),
        2,
        "visitor 1's first record purged, visitor 2's written"
    );
    // Another superseded pair, due at once; a record an hour later: no purge yet.
    let mut more = std::fs::OpenOptions::new()
        .append(true)
        .open(&proofs)
        .unwrap();
    std::io::Write::write_all(&mut more, lines(&superseded(&policy, 3)).as_bytes()).unwrap();
    write(4, due + 3600);
    assert_eq!(count(), 5, "the next purge waits a day");
    write(5, due + 86_400);
    assert_eq!(
        count(),
        5,
        "a day later: visitor 3's first record purged, visitor 5's written"
    );
    assert_eq!(sink.errors(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
