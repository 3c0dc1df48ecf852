//! `samtykke audit` (SPEC §9): text and JSON output, exit codes 0/1/2, standard
//! input, gzip, several files, and the same report as the Rust API.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use samtykke_audit::{audit_paths, AuditOptions};
use samtykke_host::OwnedPolicy;
use samtykke_testkit::loggen::{generate, policy_json, Spec};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_samtykke");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn example_policy() -> PathBuf {
    root().join("examples/kk.dk.policy.json")
}

fn example_log() -> PathBuf {
    root().join("examples/kk.dk.log.jsonl")
}

/// A scratch directory of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("samtykke-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn audit(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .arg("audit")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_example_log_audits_to_its_violations_in_text() {
    let out = audit(&[s(&example_log()), "--policy", s(&example_policy())], None);
    let stdout = text(&out.stdout);
    // One input error (a timestamp without a zone): exit 2, and the audit went on.
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    for (line, id) in [
        (7, "cookie-before-consent"),
        (8, "preselected-consent"),
        (10, "no-reject-option"),
        (14, "implied-consent"),
        (15, "undeclared-cookie"),
        (16, "duration-exceeds-declaration"),
        (17, "consent-without-notice"),
        (20, "cookie-after-refusal"),
        (24, "cookie-after-withdrawal"),
        (25, "reprompt-too-soon"),
    ] {
        let want = format!("kk.dk.log.jsonl:{line}: {id}: ");
        assert!(stdout.contains(&want), "{want} missing from\n{stdout}");
    }
    assert!(stdout.contains("kk.dk.log.jsonl:18: input error: `ts`"));
    assert!(stdout
        .contains("audited 24 events from 6 visitors in 1 file: 10 violations, 1 input error"));
    // No progress bar when standard error is not a terminal.
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn the_command_line_and_the_rust_api_give_the_same_report() {
    let dir = scratch("same");
    let policy = dir.join("policy.json");
    std::fs::write(&policy, policy_json()).unwrap();
    let log = dir.join("gen.log");
    let spec = Spec::new(20_000, 800).inject_every(3).seed(11);
    let g = generate(&spec, std::fs::File::create(&log).unwrap()).unwrap();
    let owned = OwnedPolicy::load(&policy).unwrap();
    for (paths, grace) in [
        (vec![log.clone()], 0),
        (vec![log.clone(), example_log()], 30),
    ] {
        let mut args: Vec<&str> = paths.iter().map(|p| s(p)).collect();
        let grace_arg = grace.to_string();
        args.extend([
            "--policy",
            s(&policy),
            "--format",
            "json",
            "--grace-seconds",
            &grace_arg,
        ]);
        let out = audit(&args, None);
        let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
        let rust = audit_paths(
            owned.view(),
            &paths,
            AuditOptions::new().threads(1).grace_seconds(grace),
        )
        .unwrap();
        assert_eq!(cli, rust.to_json());
        assert_eq!(i32::from(rust.exit_code()), out.status.code().unwrap());
    }
    let out = audit(&[s(&log), "--policy", s(&policy), "--format", "json"], None);
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(u64, String)> = cli["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["line"].as_u64().unwrap(),
                v["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let injected: Vec<(u64, String)> = g
        .injected
        .iter()
        .map(|i| (i.line, i.id.as_str().to_owned()))
        .collect();
    assert_eq!(found, injected);
    assert_eq!(cli["summary"]["events"], 20_000);
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exit_codes_are_0_clean_1_violations_2_input_errors() {
    let dir = scratch("exit");
    let policy = example_policy();
    let write = |name: &str, lines: &[&str]| {
        let p = dir.join(name);
        std::fs::write(&p, lines.join("\n")).unwrap();
        p
    };
    let clean = write(
        "clean.log",
        &[
            r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v","event":"cookie_present","cookies":["SESSa"]}"#,
        ],
    );
    let dirty = write(
        "dirty.log",
        &[
            r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v","event":"cookie_present","cookies":["_ga"]}"#,
        ],
    );
    let bad = write("bad.log", &["{"]);
    let run = |log: &Path| audit(&[s(log), "--policy", s(&policy)], None);
    let out = run(&clean);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("0 violations, 0 input errors"));
    assert_eq!(run(&dirty).status.code(), Some(1));
    assert_eq!(run(&bad).status.code(), Some(2));
    // An unreadable file: exit 2, the other files are still audited and reported.
    let missing = dir.join("missing.log");
    let out = audit(
        &[
            s(&missing),
            s(&dirty),
            "--policy",
            s(&policy),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("missing.log"),
        "{}",
        text(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["violations"][0]["id"], "undeclared-cookie");
    assert_eq!(report["summary"]["files"], 1, "only the file read counts");
    // A directory is no log, refused as a missing file is, and not counted.
    let out = audit(&[s(&dir), "--policy", s(&policy)], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("Is a directory"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("in 0 files"),
        "{}",
        text(&out.stdout)
    );
    // Usage errors and a policy that does not load.
    assert_eq!(
        audit(&["--policy", s(&policy)], None).status.code(),
        Some(2)
    );
    assert_eq!(
        audit(
            &[s(&clean), "--policy", s(&policy), "--format", "xml"],
            None
        )
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        audit(&[s(&clean), "--policy", s(&bad)], None).status.code(),
        Some(2)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standard_input_and_gzip_read_like_the_file() {
    let log = std::fs::read(example_log()).unwrap();
    let policy = example_policy();
    let file = audit(
        &[
            s(&example_log()),
            "--policy",
            s(&policy),
            "--format",
            "json",
        ],
        None,
    );
    let stdin = audit(
        &["-", "--policy", s(&policy), "--format", "json"],
        Some(&log),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&log).unwrap();
    let gz = gz.finish().unwrap();
    let from_gz = audit(
        &["-", "--policy", s(&policy), "--format", "json"],
        Some(&gz),
    );
    let file: Value = serde_json::from_slice(&file.stdout).unwrap();
    for out in [stdin, from_gz] {
        assert_eq!(out.status.code(), Some(2));
        let mut got: Value = serde_json::from_slice(&out.stdout).unwrap();
        for list in ["violations", "input_errors"] {
            for v in got[list].as_array_mut().unwrap() {
                assert_eq!(v["file"], "-");
                v["file"] = file[list][0]["file"].clone();
            }
        }
        assert_eq!(got, file);
    }
}

#[test]
fn r12_the_grace_after_a_withdrawal_is_an_option() {
    let dir = scratch("grace");
    let log = dir.join("w.log");
    std::fs::write(
        &log,
        [
            r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v","event":"notice_shown"}"#,
            r#"{"ts":"2026-03-01T10:00:01Z","visitor":"v","event":"decision","action":"accept_all"}"#,
            r#"{"ts":"2026-03-01T10:00:10Z","visitor":"v","event":"decision","action":"withdraw"}"#,
            r#"{"ts":"2026-03-01T10:00:15Z","visitor":"v","event":"cookie_present","cookies":["nmstat"]}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let policy = example_policy();
    let out = audit(&[s(&log), "--policy", s(&policy)], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("cookie-after-withdrawal"));
    let out = audit(
        &[s(&log), "--policy", s(&policy), "--grace-seconds", "5"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_demo_ends_with_an_audit_of_its_own_log() {
    let out = Command::new(BIN).arg("demo").output().unwrap();
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let (_, audit) = stdout
        .split_once("Audit of the visit's log")
        .expect("the demo audits its log");
    assert!(audit.contains("0 violations, 0 input errors"), "{audit}");
    assert!(
        audit.contains("visit.log:24: cookie-on-expired-consent"),
        "{audit}"
    );
}

/// `--threads N` and `--merge` give the report one thread gives, on a generated
/// log split over two files (each visitor in one, each file in time order).
#[test]
fn audit_threads_and_merge_give_the_same_report() {
    let dir = scratch("threads");
    let policy = dir.join("policy.json");
    std::fs::write(&policy, policy_json()).unwrap();
    let whole = dir.join("whole.log");
    let spec = Spec::new(6_000, 300).inject_every(3).seed(11);
    generate(&spec, std::fs::File::create(&whole).unwrap()).unwrap();
    // Split by visitor into two servers' files, each still in time order.
    let whole_text = std::fs::read_to_string(&whole).unwrap();
    let (mut a, mut b) = (String::new(), String::new());
    for line in whole_text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let id = v["visitor"].as_str().unwrap();
        let file = if id.len() % 2 == 0 { &mut a } else { &mut b };
        file.push_str(line);
        file.push('\n');
    }
    let (fa, fb) = (dir.join("a.log"), dir.join("b.log"));
    std::fs::write(&fa, a).unwrap();
    std::fs::write(&fb, b).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![s(&fa), s(&fb), "--policy", s(&policy), "--format", "json"];
        args.extend_from_slice(extra);
        let out = audit(&args, None);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let one = run(&["--threads", "1"]);
    assert!(
        one["summary"]["violations_by_id"]
            .as_object()
            .unwrap()
            .len()
            > 5
    );
    assert_eq!(run(&["--threads", "2"]), one);
    assert_eq!(run(&["--threads", "3"]), one);
    assert_eq!(run(&[]), one);
    assert_eq!(run(&["--merge"]), one);
    assert_eq!(run(&["--merge", "--threads", "2"]), one);
    assert_eq!(
        audit(&[s(&fa), "--policy", s(&policy), "--threads", "0"], None)
            .status
            .code(),
        Some(2)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Faults end with a clear message and the right exit code, never a panic: a
/// truncated gzip file, a FIFO, `-` on a closed standard input, and standard
/// output closed early (`| head`).
#[test]
fn audit_input_faults_end_with_a_message_and_exit_code() {
    let dir = scratch("faults");
    let policy = example_policy();
    let log = std::fs::read(example_log()).unwrap();
    let no_panic = |out: &Output| {
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
    };
    // A truncated gzip file: the lines before the fault are audited, exit 2.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for _ in 0..50 {
        gz.write_all(&log).unwrap();
    }
    let gz = gz.finish().unwrap();
    let cut = dir.join("cut.log.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    for extra in [&[][..], &["--merge"][..], &["--threads", "2"][..]] {
        let mut args = vec![s(&cut), "--policy", s(&policy), "--format", "json"];
        args.extend_from_slice(extra);
        let out = audit(&args, None);
        no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        let err = text(&out.stderr);
        assert!(err.contains("cut.log.gz"), "{err}");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        // The lines before the fault are audited.
        assert!(
            report["summary"]["events"].as_u64().unwrap() > 0,
            "{extra:?}"
        );
        // The document says which file was not read to its end, and why.
        let read = &report["read_errors"];
        assert_eq!(read.as_array().map(Vec::len), Some(1), "{extra:?} {read}");
        assert_eq!(read[0]["file"], s(&cut), "{extra:?}");
        assert!(
            read[0]["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{read}"
        );
    }
    // A file that is not there, beside one that is: listed, the other audited.
    let gone = dir.join("gone.jsonl");
    let out = audit(
        &[
            s(&gone),
            s(&example_log()),
            "--policy",
            s(&policy),
            "--format",
            "json",
        ],
        None,
    );
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["read_errors"][0]["file"], s(&gone));
    assert!(
        report["read_errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("No such file")),
        "{report}"
    );
    assert_eq!(report["summary"]["files"], 1);
    // A FIFO reads like a file.
    let fifo = dir.join("log.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let writer = {
        let (fifo, log) = (fifo.clone(), log.clone());
        std::thread::spawn(move || std::fs::write(fifo, log).unwrap())
    };
    let out = audit(&[s(&fifo), "--policy", s(&policy)], None);
    writer.join().unwrap();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("audited 24 events"),
        "{}",
        text(&out.stdout)
    );
    // `-` (or `/dev/stdin`) on a closed standard input: Rust's runtime reads
    // it as /dev/null, which cannot be told from a /dev/null the caller gave
    // (Python's subprocess.DEVNULL): an empty log, the other files audited,
    // and a note that says so. A shell's `< /dev/null` gets no note.
    for (redirect, note) in [("<&-", true), ("<>/dev/null", true), ("</dev/null", false)] {
        for name in ["-", "/dev/stdin"] {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "exec {redirect}; {BIN} audit {name} {} --policy {} --format json",
                    s(&example_log()),
                    s(&policy)
                ))
                .output()
                .unwrap();
            no_panic(&out);
            let report: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(report["summary"]["events"], 24, "{report}");
            assert_eq!(report["summary"]["files"], 2, "{report}");
            assert!(report.get("read_errors").is_none(), "{report}");
            assert_eq!(out.status.code(), Some(2), "the example's input error");
            assert_eq!(
                text(&out.stderr).contains("note: standard input is /dev/null, or was closed"),
                note,
                "{redirect} {name}: {}",
                text(&out.stderr)
            );
        }
    }
    let empty = Command::new("sh")
        .arg("-c")
        .arg(format!("exec <&-; {BIN} audit - --policy {}", s(&policy)))
        .output()
        .unwrap();
    assert_eq!(empty.status.code(), Some(0), "{empty:?}");
    assert!(text(&empty.stdout).contains("audited 0 events from 0 visitors in 1 file"));
    // `-` on a standard input that cannot be read (open for writing only): a
    // read error of `-`, exit 2, never an empty log that passes.
    let write_only = std::fs::File::create(dir.join("write-only")).unwrap();
    let out = Command::new(BIN)
        .args(["audit", "-", "--policy", s(&policy), "--format", "json"])
        .stdin(Stdio::from(write_only))
        .output()
        .unwrap();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["read_errors"][0]["file"], "-", "{report}");
    assert!(text(&out.stderr).contains("-: "), "{}", text(&out.stderr));
    // Standard output closed after one line: the audit ends quietly, with the
    // exit code of what it found.
    let big = dir.join("big.log");
    let mut many = Vec::new();
    for _ in 0..2_000 {
        many.extend_from_slice(&log);
    }
    std::fs::write(&big, many).unwrap();
    let piped = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{BIN} audit {} --policy {} | head -n 1 >/dev/null; echo \"status=${{PIPESTATUS[0]}}\"",
            s(&big),
            s(&policy)
        ))
        .output()
        .unwrap();
    no_panic(&piped);
    assert!(text(&piped.stdout).contains("status=2"), "{piped:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Standard input given twice, or a pipe by two names, is a usage error (exit
/// 2): merged, its two readers would share the stream, each taking lines at
/// random.
#[test]
fn standard_input_given_twice_is_a_usage_error() {
    let policy = example_policy();
    for merge in [&[][..], &["--merge"][..]] {
        let mut args = vec!["-", "-", "--policy", s(&policy)];
        args.extend_from_slice(merge);
        // Nothing written to its input: the command ends before reading it.
        let out = audit(&args, None);
        assert_eq!(out.status.code(), Some(2), "{merge:?}");
        assert!(
            text(&out.stderr).contains("`-` and `-` are one stream"),
            "{}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
    // The same pipe by two names.
    let out = audit(
        &["-", "/dev/stdin", "--merge", "--policy", s(&policy)],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`-` and `/dev/stdin` are one stream"),
        "{}",
        text(&out.stderr)
    );
    // A device each opening reads whole, twice: allowed.
    let out = audit(
        &["/dev/null", "/dev/null", "--merge", "--policy", s(&policy)],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A regular file twice is read twice.
    let dir = scratch("twice");
    let log = dir.join("one.jsonl");
    std::fs::write(
        &log,
        "{\"ts\":\"2026-03-01T10:00:00Z\",\"visitor\":\"v\",\"event\":\"notice_shown\"}\n",
    )
    .unwrap();
    let out = audit(&[s(&log), s(&log), "--merge", "--policy", s(&policy)], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without `--merge` the files are read one after the other, each opened when
/// its turn comes: more files than the process may hold open audit whole.
#[test]
fn files_are_opened_in_turn_so_many_fit_the_open_file_limit() {
    let dir = scratch("many");
    let mut names = Vec::new();
    for i in 0..200 {
        let path = dir.join(format!("f{i:03}.jsonl"));
        std::fs::write(
            &path,
            format!("{{\"ts\":\"2026-03-01T10:00:00Z\",\"visitor\":\"v{i}\",\"event\":\"notice_shown\"}}\n"),
        )
        .unwrap();
        names.push(s(&path).to_owned());
    }
    // A shell lowers the limit to 64 descriptors for the command it runs.
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$@""#)
        .arg("sh")
        .arg(BIN)
        .args([
            "audit",
            "--format",
            "json",
            "--policy",
            s(&example_policy()),
        ])
        .args(&names)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["events"], 200);
    std::fs::remove_dir_all(&dir).unwrap();
}
