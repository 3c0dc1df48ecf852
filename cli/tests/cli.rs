//! The `samtykke` command line as a site owner runs it: output and exit codes
//! (SPEC §9).

use std::path::PathBuf;
use std::process::{Command, Output};

use samtykke::{ConsentState, Ctx, COOKIE_MAX_LEN};
use samtykke_host::OwnedPolicy;
use time::macros::datetime;

fn samtykke(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn kk_path() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/kk.dk.policy.json");
    p.to_string_lossy().into_owned()
}

/// A file of its own for each call: tests run in parallel, and two that wrote
/// the same name could read each other's half-written file.
fn temp_file(name: &str, contents: &[u8]) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("samtykke-cli-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn lint_flags_nmstat_on_kk_dk_and_exits_1() {
    let o = samtykke(&["lint", &kk_path()]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("storage[6].duration"), "{out}");
    assert!(out.contains("1000 days"), "{out}");
    assert!(out.contains("100-day consent"), "{out}");
    assert!(out.contains("[outlives-consent]"), "{out}");
}

#[test]
fn lint_of_a_clean_policy_exits_0() {
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(kk_path()).unwrap()).unwrap();
    doc["storage"][6]["duration"] = serde_json::json!({"days": 90});
    let path = temp_file("clean.json", doc.to_string().as_bytes());
    let o = samtykke(&["lint", &path]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.ends_with(": ok\n"), "{out}");
}

#[test]
fn r05_lint_of_a_broken_policy_exits_2_naming_the_path() {
    let json = std::fs::read_to_string(kk_path()).unwrap().replacen(
        "\"consent\"",
        "\"legitimate_interest\"",
        1,
    );
    let path = temp_file("broken.json", json.as_bytes());
    let o = samtykke(&["lint", &path]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("categories[1].basis"), "{err}");
    assert!(err.contains("legitimate interest"), "{err}");
}

#[test]
fn a_missing_policy_file_exits_2() {
    let o = samtykke(&["lint", "/nonexistent/policy.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("/nonexistent/policy.json"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(samtykke(&["lint"]).status.code(), Some(2));
    assert_eq!(samtykke(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        samtykke(&["declare", &kk_path(), "--lang", "de"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn declare_renders_markdown_and_html_in_both_languages() {
    let o = samtykke(&["declare", &kk_path(), "--lang", "en"]);
    let (md, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(md.contains("## Statistical cookies"));
    assert!(md.contains("| `nmstat` | cookie |"));
    assert!(md.contains("Siteimprove (third party) | 1000 days |"));
    assert!(md.contains("| `SESS*` |") && md.contains("| 11 hours |"));
    for heading in ["How to consent", "How to decline", "How to withdraw"] {
        assert!(md.contains(heading), "{heading}");
    }
    let o = samtykke(&["declare", &kk_path(), "--lang", "da", "--format", "html"]);
    let (html, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"da\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains(&format!("<style>\n{}", samtykke_host::declare::STYLESHEET)));
    assert!(html.contains("Statistiske cookies"));
    assert!(html.contains("<td data-label=\"Varighed\">1000 dage</td>"));
}

#[test]
fn r06_declare_fragment_is_the_page_content_alone() {
    let o = samtykke(&["declare", &kk_path(), "--lang", "en", "--format", "html"]);
    let (page, _) = text(&o);
    let o = samtykke(&[
        "declare",
        &kk_path(),
        "--lang",
        "en",
        "--format",
        "html",
        "--fragment",
    ]);
    let (fragment, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(fragment.starts_with("<div class=\"samtykke-declaration\" lang=\"en\">"));
    for none in ["<!DOCTYPE", "<html", "<head", "<style", "<body", "<main"] {
        assert!(!fragment.contains(none), "{none}");
    }
    assert!(fragment.contains("<td data-label=\"Duration\">1000 days</td>"));
    assert!(page.contains(&format!("<main>\n{fragment}</main>")));
    // A fragment of Markdown means nothing: a usage error.
    let o = samtykke(&["declare", &kk_path(), "--fragment"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(out.is_empty());
    assert!(err.contains("--fragment needs --format html"), "{err}");
}

fn kk_cookie(key: Option<&[u8]>) -> String {
    let owned = OwnedPolicy::load(kk_path()).unwrap();
    let policy = owned.view();
    let mut state = ConsentState::new(0xabcdef);
    let chosen = policy.category_set(&["statistics"]).unwrap();
    state.save(
        &policy,
        chosen,
        Default::default(),
        Ctx::button(datetime!(2026-03-01 10:00 UTC), 1),
    );
    let mut buf = [0u8; COOKIE_MAX_LEN];
    let n = state.encode_cookie(&policy, key, &mut buf).unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

#[test]
fn r14_decode_prints_the_stored_decisions_as_json() {
    let value = kk_cookie(None);
    let o = samtykke(&["decode", &value, "--policy", &kk_path()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["consent_id"], "00000000000000000000000000abcdef");
    assert_eq!(doc["decided_at"], "2026-03-01T10:00:00Z");
    assert_eq!(doc["decisions"]["statistics"], "granted");
    assert_eq!(doc["decisions"]["functional"], "refused");
    assert_eq!(doc["decisions"]["necessary"], "exempt");
    assert_eq!(doc["action"], "save");
    assert_eq!(doc["expires"], "2026-06-09T10:00:00Z");
    // Without a key file, the reader is told nothing was verified.
    assert!(
        err.contains("signature, if the cookie has one, was not checked"),
        "{err}"
    );
}

/// `samtykke decode VALUE --policy kk.dk --key-file FILE`.
fn decode_with_key_file(value: &str, key_file: &str) -> Output {
    samtykke(&[
        "decode",
        value,
        "--policy",
        &kk_path(),
        "--key-file",
        key_file,
    ])
}

/// `o`'s standard error holds `needle`.
fn assert_stderr_has(o: &Output, needle: &str) {
    let err = text(o).1;
    assert!(err.contains(needle), "{err}");
}

#[test]
fn decode_verifies_with_the_key_file() {
    let key = b"a site key of reasonable length!";
    let value = kk_cookie(Some(key));
    let key_file = temp_file("site.key", key);
    let wrong_file = temp_file("wrong.key", b"another key of reasonable length");
    let o = decode_with_key_file(&value, &key_file);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert_eq!(text(&o).1, "", "verified: nothing to note");
    let o = decode_with_key_file(&value, &wrong_file);
    assert_eq!(o.status.code(), Some(2));
    assert_stderr_has(&o, "signature");
    // An unsigned cookie where a key is expected.
    let o = decode_with_key_file(&kk_cookie(None), &key_file);
    assert_eq!(o.status.code(), Some(2));
}

/// A key file as the WordPress plugin and the example site read it
/// (`samtykke_host::keys`): one key a line, trimmed, the first signs.
#[test]
fn s15_decode_reads_a_key_file_one_key_a_line_as_the_other_hosts_do() {
    let new = b"the new site key, 32 bytes or more";
    let old = b"the old site key, 32 bytes or more";
    let value = kk_cookie(Some(old));
    // What `openssl rand -hex` and an editor write: a newline after each key.
    let rotation = temp_file("rotation.key", &[&new[..], b"\n", old, b"\n"].concat());
    let o = decode_with_key_file(&value, &rotation);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let one = temp_file("one.key", &[&old[..], b"\r\n"].concat());
    let o = decode_with_key_file(&value, &one);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the line's end is not part of the key"
    );
    let short = temp_file("short.key", &[&new[..], b"\nshort\n"].concat());
    let o = decode_with_key_file(&value, &short);
    assert_eq!(o.status.code(), Some(2));
    assert_stderr_has(&o, "line 2: a key of 5 bytes; a site key needs 32 or more");
}

#[test]
fn decode_of_garbage_exits_2_with_a_typed_message() {
    for value in ["", "v2.abc", "v1.!!!", "v1.AAAA", "samtykke=v1."] {
        let o = samtykke(&["decode", value, "--policy", &kk_path()]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{value}");
        assert!(
            err.starts_with("error: cannot decode the consent cookie: "),
            "{err}"
        );
    }
}

/// SPEC §16: `samtykke decode` recognises TC strings (IABTechLab/iabgpp-java @
/// 044ac66d…, TcfEuV2Test.java testDecode7) and GPP strings, without a policy.
#[test]
fn s16_decode_recognises_tc_and_gpp_strings() {
    let o = samtykke(&[
        "decode",
        "COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA",
    ]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["type"], "tcf");
    assert_eq!(doc["cmp_id"], 7);
    assert_eq!(doc["vendor_consents"], serde_json::json!([1, 2, 3, 755]));
    assert_eq!(
        doc["publisher_restrictions"],
        serde_json::json!([[1, 0, [10]]])
    );
    assert!(doc["created"]
        .as_str()
        .unwrap()
        .starts_with("2019-10-07T05:17:54."));

    let o = samtykke(&[
        "decode",
        "DBACNYA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN",
    ]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["type"], "gpp");
    assert_eq!(doc["section_ids"], serde_json::json!([2, 6]));
    assert_eq!(doc["sections"]["2"]["name"], "tcfeuv2");
    assert_eq!(doc["sections"]["2"]["cmp_id"], 31);
    assert_eq!(doc["sections"]["6"]["opt_out_sale"], "N");
    assert_eq!(doc["sections"]["6"]["raw"], "1YNN");

    // Errors name the field and bit; a cookie still needs its policy.
    let o = samtykke(&["decode", "CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o)
            .1
            .starts_with("error: cannot decode the TC string: vendor_list_version at bit 120"),
        "{}",
        text(&o).1
    );
    let o = samtykke(&["decode", "DBABTA~1YNN~1YNN"]);
    assert_eq!(o.status.code(), Some(2));
    assert_stderr_has(&o, "2 sections follow");
    let o = samtykke(&["decode", &kk_cookie(None)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("needs --policy"), "{}", text(&o).1);
    // A TC string of another version is refused by the TC decoder, as
    // `tcf.decode` and `samtykke_tcf_decode` refuse it (conformance row
    // tcf_version_1), not taken for a consent cookie.
    let o = samtykke(&["decode", "BO2e4qiO2e4qiB9ABADEDS-AAAAxKABgACBiQA"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o)
            .1
            .contains("version at bit 0 of segment 0: version 1 is not TCF v2"),
        "{}",
        text(&o).1
    );
}

#[test]
fn r14_decode_reads_a_pair_copied_from_a_cookie_header() {
    // As copied from after a `Cookie` header's `; `: the space and the name.
    let value = format!(" samtykke={}", kk_cookie(None));
    let o = samtykke(&["decode", &value, "--policy", &kk_path()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["consent_id"], "00000000000000000000000000abcdef");
}

#[test]
fn demo_walks_a_visit_through_withdrawal_and_lapse() {
    let o = samtykke(&["demo"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.contains("prompt due: yes"));
    assert!(out.contains("nmstat                       denied: statistics undecided"));
    assert!(out.contains("\"action\":\"save\""));
    // The page's 1000-day nmstat leaves shortened to the consent's 100 days.
    assert!(out.contains("    Set-Cookie: nmstat=7c1d; Max-Age=8640000; Path=/\n"));
    assert!(out.contains("consent cookie verified and decoded: the same state"));
    assert!(out.contains("Set-Cookie: nmstat=; Max-Age=0;"));
    assert!(out.contains("Domain=kk.dk"));
    assert!(!out.contains("Domain=dk"));
    assert!(out.contains("statistics expired"));
    // The visit's log is written as a site's host writes it (SPEC §8): the
    // visitor is the consent id in 32 hex digits, no cookie's value is logged,
    // and it audits clean until a cookie is set after the lapse.
    let log: Vec<&str> = out.lines().filter(|l| l.starts_with("  {\"ts\"")).collect();
    assert!(log.len() > 20, "{out}");
    for line in &log {
        assert!(
            line.contains("\"visitor\":\"5a3f0c1e9b7d4e218a6f2d4c1b0e7f93\""),
            "{line}"
        );
        assert!(
            !line.contains("set_cookie") && !line.contains("7c1d"),
            "{line}"
        );
    }
    assert!(out.contains("from 1 visitor in 1 file: 0 violations, 0 input errors"));
    assert!(out.contains("visit.log:24: cookie-on-expired-consent: nmstat set"));
}

/// `args` run with standard output a pipe whose reader is already gone.
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_samtykke"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The read end closed before the first write: every write fails.
    drop(child.stdout.take());
    child.wait_with_output().expect("the binary ends")
}

#[test]
fn s13_a_closed_output_ends_each_command_quietly_with_its_own_exit_code() {
    let kk = kk_path();
    let cookie = kk_cookie(None);
    let key = b"a site key of reasonable length!";
    let signed = kk_cookie(Some(key));
    let key_file = temp_file("site.key", key);
    let log = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/kk.dk.log.jsonl");
    let log = log.to_string_lossy().into_owned();
    let cm = kk_with_consent_mode();
    let tc = "COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA";
    for (args, code) in [
        (vec!["demo"], 0),
        (vec!["declare", &kk], 0),
        (vec!["lint", &kk], 1),
        (
            vec!["decode", &signed, "--policy", &kk, "--key-file", &key_file],
            0,
        ),
        (vec!["decode", tc], 0),
        (vec!["consent-mode", &cm], 0),
        (vec!["audit", &log, "--policy", &kk], 2),
        (vec!["--help"], 0),
        (vec!["--version"], 0),
    ] {
        let o = with_closed_stdout(&args);
        let err = text(&o).1;
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        // The audit names its log's input errors on standard error; nothing
        // else has anything to say.
        if args[0] != "audit" {
            assert_eq!(err, "", "{args:?}");
        }
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    }
    // Read without a key file, a cookie comes with its one note, and that is all.
    let o = with_closed_stdout(&["decode", &cookie, "--policy", &kk]);
    let err = text(&o).1;
    assert_eq!(
        err,
        "note: read without --key-file: a signature, if the cookie has one, was not checked\n"
    );
    assert_eq!(o.status.code(), Some(0));
}

/// `args` run with standard output or standard error on /dev/full.
fn into_full(args: &[&str], stderr: bool) -> Option<Output> {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .ok()?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samtykke"));
    cmd.args(args);
    if stderr {
        cmd.stderr(full);
    } else {
        cmd.stdout(full);
    }
    Some(cmd.output().expect("the binary runs"))
}

#[test]
fn s13_a_full_standard_error_is_no_panic() {
    let kk = kk_path();
    let cookie = kk_cookie(None);
    for (args, code) in [
        (vec!["decode", cookie.as_str(), "--policy", &kk], 0),
        (vec!["lint", "/nonexistent/policy.json"], 2),
        (vec!["no-such-command"], 2),
    ] {
        let Some(o) = into_full(&args, true) else {
            return; // not a Linux machine
        };
        assert_eq!(o.status.code(), Some(code), "{args:?}");
    }
}

#[test]
fn s13_help_into_a_full_disk_is_an_error_too() {
    for args in [vec!["--help"], vec!["--version"], vec!["decode", "--help"]] {
        let Some(o) = into_full(&args, false) else {
            return; // not a Linux machine
        };
        let err = text(&o).1;
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("error: cannot write the output"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn s13_a_full_disk_is_an_error_naming_the_output() {
    let Some(o) = into_full(&["demo"], false) else {
        return; // not a Linux machine
    };
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error: cannot write the output: No space left on device"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// kk.dk with a Consent Mode mapping, written to a temporary file.
fn kk_with_consent_mode() -> String {
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(kk_path()).unwrap()).unwrap();
    doc["consent_mode"] = serde_json::json!({
        "analytics_storage": "statistics",
        "functionality_storage": "functional",
        "security_storage": "necessary"
    });
    temp_file("kk-consent-mode.json", doc.to_string().as_bytes())
}

const PRELUDE: &str =
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}";

#[test]
fn s16_consent_mode_without_a_cookie_prints_the_default() {
    let o = samtykke(&["consent-mode", &kk_with_consent_mode()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let want = format!(
        "<script>{PRELUDE}gtag('consent','default',{{'ad_storage':'denied','ad_user_data':'denied','ad_personalization':'denied','analytics_storage':'denied','functionality_storage':'denied','personalization_storage':'denied','security_storage':'granted','wait_for_update':500}});</script>\n\
         {{\"ad_storage\":\"denied\",\"ad_user_data\":\"denied\",\"ad_personalization\":\"denied\",\"analytics_storage\":\"denied\",\"functionality_storage\":\"denied\",\"personalization_storage\":\"denied\",\"security_storage\":\"granted\"}}\n"
    );
    assert_eq!(out, want);
}

#[test]
fn s16_consent_mode_with_a_cookie_prints_the_update_at_now() {
    // The cookie grants statistics and refuses functional on 2026-03-01 10:00 UTC,
    // for kk.dk's 100 days.
    let key = b"a site key of reasonable length!";
    let value = kk_cookie(Some(key));
    let key_file = temp_file("cm-site.key", key);
    let policy = kk_with_consent_mode();
    let run = |now: &str| {
        samtykke(&[
            "consent-mode",
            &policy,
            "--cookie",
            &format!("samtykke={value}"),
            "--key-file",
            &key_file,
            "--now",
            now,
        ])
    };
    let o = run("2026-03-02T12:00:00+02:00");
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("<script>{PRELUDE}gtag('consent','update',{{'ad_storage':'denied','ad_user_data':'denied','ad_personalization':'denied','analytics_storage':'granted','functionality_storage':'denied','personalization_storage':'denied','security_storage':'granted'}});</script>")
    );
    let flags: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(
        flags,
        serde_json::json!({
            "ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
            "analytics_storage": "granted", "functionality_storage": "denied",
            "personalization_storage": "denied", "security_storage": "granted"
        })
    );
    // At the lapse (2026-06-09T10:00:00Z) the grant no longer counts.
    let (out, _) = text(&run("2026-06-09T10:00:00Z"));
    assert!(out.contains("'analytics_storage':'denied'"), "{out}");
    let (out, _) = text(&run("2026-06-09T09:59:59Z"));
    assert!(out.contains("'analytics_storage':'granted'"), "{out}");
    assert_eq!(err, "", "verified: nothing to note");
    // Without a key file the cookie is read unverified, and the note says so.
    let unverified = samtykke(&[
        "consent-mode",
        &policy,
        "--cookie",
        &value,
        "--now",
        "2026-03-02T12:00:00Z",
    ]);
    assert_eq!(unverified.status.code(), Some(0));
    assert!(
        text(&unverified)
            .1
            .contains("a signature, if the cookie has one, was not checked"),
        "{}",
        text(&unverified).1
    );
}

#[test]
fn s16_consent_mode_errors_exit_2() {
    let policy = kk_with_consent_mode();
    let o = samtykke(&["consent-mode", &policy, "--cookie", "v1.AAAA"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o)
        .1
        .starts_with("error: cannot decode the consent cookie: "));
    let o = samtykke(&["consent-mode", &policy, "--now", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("RFC 3339"), "{}", text(&o).1);
    // A policy without a mapping works, and says so.
    let o = samtykke(&["consent-mode", &kk_path()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).1.contains("no consent_mode"), "{}", text(&o).1);
}
