//! The consent-log audit (SPEC §8): for each violation id a log that triggers it
//! beside a near-identical one that must not; input errors of each kind, never
//! stopping the audit; the reader (gzip, several files, long lines); and property
//! tests over generated logs: every injected violation is found at its line and
//! nowhere else, a clean log yields none, and shrinking idle visitors under a
//! merge changes nothing; and the three classes of wrong answers a real site's
//! logs once drew (a returning visitor, files in per-visitor order only, GPC
//! signals over refusals and repeated).

use std::io::{Cursor, Write};

use proptest::prelude::*;
use samtykke_audit::{
    audit_lines, audit_paths, AuditOptions, Auditor, InputErrorKind, Report, ViolationId,
};
use samtykke_host::OwnedPolicy;
use samtykke_testkit::loggen::{generate_lines, policy_json, Spec};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use ViolationId as V;

use crate::counted::Fed;

const KK_JSON: &str = include_str!("../../../examples/kk.dk.policy.json");
const DAY: i64 = 86_400;
const TTL: i64 = 100 * DAY;

/// kk.dk as shipped: revision 1, no GPC refusals.
fn kk() -> OwnedPolicy {
    OwnedPolicy::from_json(KK_JSON).unwrap()
}

/// kk.dk at revision 2, statistics changed in revision 2 and refused by GPC.
fn kk2() -> OwnedPolicy {
    OwnedPolicy::from_json(&policy_json()).unwrap()
}

fn t0() -> OffsetDateTime {
    datetime!(2026-03-01 10:00:00 UTC)
}

fn ts(secs: i64) -> String {
    (t0() + Duration::seconds(secs)).format(&Rfc3339).unwrap()
}

/// A log line of visitor `v1` at `secs` after 2026-03-01T10:00:00Z.
fn ev(secs: i64, fields: Value) -> String {
    ev_of("v1", secs, fields)
}

fn ev_of(visitor: &str, secs: i64, fields: Value) -> String {
    let mut m = json!({ "ts": ts(secs), "visitor": visitor });
    for (k, v) in fields.as_object().unwrap() {
        m[k] = v.clone();
    }
    m.to_string()
}

fn notice(secs: i64) -> String {
    ev(
        secs,
        json!({"event": "notice_shown", "controls": ["accept_all", "reject_all", "settings"]}),
    )
}

fn decide(secs: i64, action: &str) -> String {
    ev(secs, json!({"event": "decision", "action": action}))
}

fn present(secs: i64, names: &[&str]) -> String {
    ev(secs, json!({"event": "cookie_present", "cookies": names}))
}

fn set(secs: i64, header: &str) -> String {
    ev(secs, json!({"event": "cookie_set", "set_cookie": header}))
}

fn audit(policy: &OwnedPolicy, lines: &[String]) -> Report {
    audit_with(policy, lines, AuditOptions::new().threads(1))
}

fn audit_with(policy: &OwnedPolicy, lines: &[String], options: AuditOptions) -> Report {
    let report = audit_lines(policy.view(), lines, options);
    assert!(
        report.input_errors.is_empty(),
        "unexpected input errors: {:?}",
        report.input_errors
    );
    report
}

/// The input errors of a log audited on one thread, as `LINE: MESSAGE`.
fn input_errors(policy: &OwnedPolicy, lines: &[impl AsRef<str>]) -> Vec<String> {
    let lines: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
    audit_lines(policy.view(), lines, AuditOptions::new().threads(1))
        .input_errors
        .into_iter()
        .map(|e| format!("{}: {}", e.line, e.message))
        .collect()
}

/// The violations as (line, id).
fn found(report: &Report) -> Vec<(u64, ViolationId)> {
    report.violations.iter().map(|v| (v.line, v.id)).collect()
}

// ---- cookie-before-consent (R1) ---------------------------------------------

#[test]
fn r01_cookie_before_any_decision_is_cookie_before_consent() {
    let p = kk();
    let log = [notice(0), set(5, "nmstat=1; Max-Age=86400")];
    assert_eq!(found(&audit(&p, &log)), [(2, V::CookieBeforeConsent)]);
    let log = [
        notice(0),
        decide(3, "accept_all"),
        set(5, "nmstat=1; Max-Age=86400"),
    ];
    assert_eq!(found(&audit(&p, &log)), []);
}

#[test]
fn r01_necessary_cookies_and_the_consent_cookie_are_never_consent_violations() {
    let p = kk();
    let log = [present(
        0,
        &[
            "SESSabc",
            "samtykke",
            "closed-emergency-banner-1",
            "Drupal_visitor_votingapi_source",
        ],
    )];
    assert_eq!(found(&audit(&p, &log)), []);
    let log = [present(0, &["SESSabc", "JSESSIONID"])];
    assert_eq!(found(&audit(&p, &log)), [(1, V::CookieBeforeConsent)]);
}

#[test]
fn r16_a_cookie_after_a_lapsed_refusal_is_cookie_before_consent() {
    let p = kk();
    let log = |at| {
        [
            notice(0),
            decide(1, "reject_all"),
            present(60 * DAY, &["SESSabc"]),
            present(at, &["nmstat"]),
        ]
    };
    assert_eq!(
        found(&audit(&p, &log(1 + TTL))),
        [(4, V::CookieBeforeConsent)]
    );
    assert_eq!(found(&audit(&p, &log(TTL))), [(4, V::CookieAfterRefusal)]);
}

#[test]
fn r17_a_cookie_after_an_outdated_refusal_is_cookie_before_consent() {
    let p = kk2();
    let log = |revision| {
        [
            ev(0, json!({"event": "notice_shown", "revision": revision})),
            ev(
                1,
                json!({"event": "decision", "action": "reject_all", "revision": revision}),
            ),
            present(2, &["nmstat", "JSESSIONID"]),
        ]
    };
    assert_eq!(
        found(&audit(&p, &log(1))),
        [(3, V::CookieBeforeConsent), (3, V::CookieAfterRefusal)]
    );
    let r = audit(&p, &log(1));
    assert_eq!(r.violations[0].cookie.as_deref(), Some("nmstat"));
    assert_eq!(r.violations[1].cookie.as_deref(), Some("JSESSIONID"));
    assert_eq!(
        found(&audit(&p, &log(2))),
        [(3, V::CookieAfterRefusal), (3, V::CookieAfterRefusal)]
    );
}

// ---- cookie-after-refusal (R1, R13) ------------------------------------------

#[test]
fn r13_a_cookie_after_reject_all_is_cookie_after_refusal() {
    let p = kk();
    let log = |action| [notice(0), decide(2, action), present(3, &["nmstat"])];
    assert_eq!(
        found(&audit(&p, &log("reject_all"))),
        [(3, V::CookieAfterRefusal)]
    );
    assert_eq!(found(&audit(&p, &log("accept_all"))), []);
}

#[test]
fn r13_a_category_left_out_of_a_save_is_refused() {
    let p = kk();
    let log = |name| {
        [
            notice(0),
            ev(
                2,
                json!({"event": "decision", "action": "save", "granted": ["functional"], "control": "toggle"}),
            ),
            present(3, &[name]),
        ]
    };
    assert_eq!(
        found(&audit(&p, &log("nmstat"))),
        [(3, V::CookieAfterRefusal)]
    );
    assert_eq!(found(&audit(&p, &log("JSESSIONID"))), []);
}

#[test]
fn r13_a_cookie_of_a_refused_provider_is_cookie_after_refusal() {
    let p = kk();
    let log = |provider| {
        [
            notice(0),
            ev(
                2,
                json!({"event": "decision", "action": "save",
                "granted": ["functional", "statistics"], "providers_refused": [provider]}),
            ),
            present(3, &["nmstat"]),
        ]
    };
    let r = audit(&p, &log("siteimprove"));
    assert_eq!(found(&r), [(3, V::CookieAfterRefusal)]);
    assert!(r.violations[0].message.contains("Siteimprove"));
    assert_eq!(found(&audit(&p, &log("septima"))), []);
}

// ---- cookie-after-withdrawal (R12) --------------------------------------------

#[test]
fn r12_a_cookie_is_late_only_past_the_withdrawal_and_its_grace() {
    let p = kk();
    let log = |at| {
        [
            notice(0),
            decide(1, "accept_all"),
            ev(
                100,
                json!({"event": "decision", "action": "withdraw", "categories": ["statistics"], "control": "link"}),
            ),
            present(at, &["nmstat", "JSESSIONID"]),
        ]
    };
    // The withdrawal's own second is never late.
    assert_eq!(found(&audit(&p, &log(100))), []);
    assert_eq!(
        found(&audit(&p, &log(101))),
        [(4, V::CookieAfterWithdrawal)]
    );
    let grace = AuditOptions::new().threads(1).grace_seconds(5);
    assert_eq!(found(&audit_with(&p, &log(105), grace.clone())), []);
    let r = audit_with(&p, &log(106), grace);
    assert_eq!(found(&r), [(4, V::CookieAfterWithdrawal)]);
    assert_eq!(r.violations[0].category.as_deref(), Some("statistics"));
}

#[test]
fn r12_withdrawing_everything_covers_every_consent_category() {
    let p = kk();
    let log = |action| {
        [
            notice(0),
            decide(1, "accept_all"),
            decide(10, action),
            present(11, &["JSESSIONID", "SESSabc"]),
        ]
    };
    assert_eq!(
        found(&audit(&p, &log("withdraw"))),
        [(4, V::CookieAfterWithdrawal)]
    );
    assert_eq!(found(&audit(&p, &log("scroll"))), []);
}

// ---- signal-ignored (R22) -----------------------------------------------------

/// SPEC §4: a visitor who keeps sending GPC never sees the refusal lapse, and
/// a signal that would only re-time it within a day records nothing. Under a
/// one-day refusal the quiet window is half the day, so a visitor who signals
/// on every request, however the requests fall, keeps the refusal: every
/// cookie is `signal-ignored`, none `cookie-before-consent`.
#[test]
fn r22_a_one_day_refusal_never_lapses_under_a_visitor_who_keeps_signalling() {
    let mut doc: Value = serde_json::from_str(&policy_json()).unwrap();
    doc["refusal_ttl_days"] = json!(1);
    let p = OwnedPolicy::from_json(&doc.to_string()).unwrap();
    for gap in [
        3_600,
        11 * 3_600,
        12 * 3_600 - 1,
        12 * 3_600,
        13 * 3_600,
        23 * 3_600,
    ] {
        let mut lines = Vec::new();
        let mut t = 0;
        while t < 10 * DAY {
            // A request: the cookie it carried, then its signal.
            lines.push(present(t, &["nmstat"]));
            lines.push(ev(t, json!({"event": "signal", "signal": "gpc"})));
            t += gap;
        }
        let r = audit(&p, &lines);
        let ids: Vec<V> = r.violations.iter().skip(1).map(|v| v.id).collect();
        assert!(
            ids.iter().all(|&id| id == V::SignalIgnored),
            "requests {gap} s apart: {:?}",
            r.violations
                .iter()
                .skip(1)
                .find(|v| v.id != V::SignalIgnored)
        );
        assert_eq!(ids.len(), lines.len() / 2 - 1);
    }
}

#[test]
fn r22_a_cookie_refused_by_a_gpc_signal_is_signal_ignored() {
    let p = kk2();
    let log = |name| {
        [
            notice(0),
            decide(1, "accept_all"),
            ev(10, json!({"event": "signal", "signal": "gpc"})),
            present(10, &[name]),
        ]
    };
    assert_eq!(found(&audit(&p, &log("nmstat"))), [(4, V::SignalIgnored)]);
    // Functional is not in `gpc_refuses`.
    assert_eq!(found(&audit(&p, &log("JSESSIONID"))), []);
    // Under kk.dk as shipped, signals refuse nothing.
    assert_eq!(found(&audit(&kk(), &log("nmstat"))), []);
}

/// A `null` in a JSON line is an absent field, as a null cell of a table is
/// (SPEC §17): a log exported from a table (pandas, DuckDB) writes optional
/// fields as nulls, and its audit is that of the same log without them.
#[test]
fn s17_a_null_field_is_absent_in_json_lines_as_in_tables() {
    let p = kk2();
    let with_nulls = [
        ev(
            0,
            json!({"event": "notice_shown", "revision": null, "notice": null, "layer": null,
            "trigger": null, "controls": ["accept_all", "reject_all"], "preselected": null,
            "action": null, "cookies": null}),
        ),
        ev(
            1,
            json!({"event": "decision", "action": "reject_all", "revision": null,
            "notice": null, "control": null, "granted": null, "providers_refused": null,
            "categories": null, "gpc": null, "cookies": null, "set_cookie": null}),
        ),
        ev(
            2,
            json!({"event": "cookie_present", "cookies": ["nmstat"], "revision": null,
            "action": null, "signal": null, "url": null}),
        ),
        ev(
            3,
            json!({"event": "cookie_set", "set_cookie": null, "cookie": "nmstat",
            "max_age_s": null}),
        ),
        ev(4, json!({"event": "signal", "signal": "gpc", "gpc": null})),
    ];
    let without: Vec<String> = with_nulls
        .iter()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            v.as_object_mut().unwrap().retain(|_, x| !x.is_null());
            v.to_string()
        })
        .collect();
    let (a, b) = (audit(&p, &with_nulls), audit(&p, &without));
    assert!(a.input_errors.is_empty(), "{:?}", a.input_errors);
    assert_eq!(a.violations, b.violations);
    assert_eq!(
        found(&a),
        [(3, V::CookieAfterRefusal), (4, V::CookieAfterRefusal)]
    );
    // A required field given as null is missing; a null given twice is still
    // a field given twice.
    let bad = [
        ev(0, json!({"event": "decision", "action": null})),
        r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"signal","signal":"gpc","gpc":null,"gpc":true}"#.to_owned(),
    ];
    assert_eq!(
        input_errors(&p, &bad),
        ["1: missing `action`", "2: `gpc` is given twice"]
    );
}

/// An integer field written with more digits than an `i64` holds is an
/// integer out of range, said as one, not "not an integer"; a cookie present
/// has a name.
#[test]
fn s08_an_integer_too_large_is_out_of_range_and_a_cookie_has_a_name() {
    let p = kk2();
    let lines = [
        r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"notice_shown","revision":99999999999999999999}"#,
        r#"{"ts":"2026-03-01T10:00:01Z","visitor":"v1","event":"decision","action":"reject_all","notice":-99999999999999999999}"#,
        r#"{"ts":"2026-03-01T10:00:02Z","visitor":"v1","event":"cookie_set","cookie":"x","max_age_s":1e3}"#,
        r#"{"ts":"2026-03-01T10:00:03Z","visitor":"v1","event":"cookie_present","cookies":["nmstat",""]}"#,
    ];
    assert_eq!(
        input_errors(&p, &lines),
        [
            "1: `revision` is 99999999999999999999, outside 1..=4294967295",
            "2: `notice` is -99999999999999999999, outside 1..=65535",
            "3: `max_age_s` must be an integer, not a number",
            "4: `cookies[1]` is empty",
        ]
    );
}

/// A refusal's message names what refused the category and when: the full
/// decision, not a signal or a withdrawal recorded since (the state's last
/// action), and for a GPC refusal the latest signal's time, not the time a later
/// withdrawal gave every partial refusal.
#[test]
fn r22_a_refusal_message_names_the_event_that_refused() {
    let p = kk2();
    let messages = |log: &[String]| -> Vec<(u64, V, String)> {
        audit(&p, log)
            .violations
            .into_iter()
            .map(|v| (v.line, v.id, v.message))
            .collect()
    };
    // reject_all, then a signal that refuses statistics only: functional is
    // still refused by the reject_all, whose time is named (the signal is the
    // state's last action now, so the decision is not named by its action).
    let log = [
        notice(0),
        decide(1, "reject_all"),
        ev(DAY, json!({"event": "signal", "signal": "gpc"})),
        present(DAY + 1, &["JSESSIONID"]),
    ];
    assert_eq!(
        messages(&log),
        [(
            4,
            V::CookieAfterRefusal,
            format!(
                "JSESSIONID present while functional is refused by the decision at {}",
                ts(1)
            )
        )]
    );
    // accept_all, a signal the next day, a withdrawal of functional days later
    // (which re-times the partial refusals): the signal's own time.
    let log = [
        notice(0),
        decide(1, "accept_all"),
        ev(DAY, json!({"event": "signal", "signal": "gpc"})),
        ev(
            20 * DAY,
            json!({"event": "decision", "action": "withdraw", "categories": ["functional"]}),
        ),
        present(20 * DAY + 1, &["nmstat"]),
    ];
    assert_eq!(
        messages(&log),
        [(
            5,
            V::SignalIgnored,
            format!(
                "nmstat present while statistics is refused by the visitor's GPC signal (the latest at {})",
                ts(DAY)
            )
        )]
    );
}

/// Issue class 3: a signal over a category already refused by `reject_all`
/// makes it refused by the signal, so its cookie is `signal-ignored`.
#[test]
fn r22_a_signal_over_a_refused_category_is_signal_ignored() {
    let p = kk2();
    let log = [
        notice(0),
        decide(1, "reject_all"),
        ev(10, json!({"event": "signal", "signal": "gpc"})),
        present(11, &["nmstat", "JSESSIONID"]),
    ];
    let r = audit(&p, &log);
    let got: Vec<(u64, V, Option<&str>)> = r
        .violations
        .iter()
        .map(|v| (v.line, v.id, v.cookie.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (4, V::SignalIgnored, Some("nmstat")),
            (4, V::CookieAfterRefusal, Some("JSESSIONID")),
        ]
    );
}

/// Issue class 3: a visitor who signals every 30 days never sees the refusal
/// lapse: their statistics cookies stay `signal-ignored` a year on, and an `auto`
/// notice is `reprompt-too-soon` for as long as the `reject_all` of the other
/// categories stands (100 days).
#[test]
fn r22_repeated_signals_keep_the_refusal_from_lapsing() {
    let p = kk2();
    let mut log = vec![notice(0), decide(1, "reject_all")];
    let mut want = Vec::new();
    for month in 1..=12 {
        let t = month * 30 * DAY;
        log.push(ev(t, json!({"event": "signal", "signal": "gpc"})));
        log.push(present(t + 1, &["nmstat"]));
        want.push((log.len() as u64, V::SignalIgnored));
        log.push(ev(
            t + 2,
            json!({"event": "notice_shown", "trigger": "auto"}),
        ));
        if t + 2 < TTL + 1 {
            want.push((log.len() as u64, V::RepromptTooSoon));
        }
    }
    assert_eq!(found(&audit(&p, &log)), want);
    // Signals more often than daily record nothing new, and lapse nothing.
    let mut hourly = vec![notice(0), decide(1, "reject_all")];
    for hour in 1..=(24 * 150) {
        hourly.push(ev(hour * 3600, json!({"event": "signal", "signal": "gpc"})));
    }
    hourly.push(present(150 * DAY + 1, &["nmstat"]));
    assert_eq!(
        found(&audit(&p, &hourly)),
        [(hourly.len() as u64, V::SignalIgnored)]
    );
}

/// Withdrawal grace counts from the withdrawal itself, not from a later signal
/// that re-times the visitor's partial refusals.
#[test]
fn r12_withdrawal_grace_counts_from_the_withdrawal_event() {
    let p = kk2();
    let log = [
        notice(0),
        decide(1, "accept_all"),
        ev(
            10,
            json!({"event": "decision", "action": "withdraw", "categories": ["functional"]}),
        ),
        ev(40, json!({"event": "signal", "signal": "gpc"})),
        present(45, &["JSESSIONID"]),
    ];
    let graced = |g| {
        found(&audit_with(
            &p,
            &log,
            AuditOptions::new().threads(1).grace_seconds(g),
        ))
    };
    assert_eq!(graced(34), [(5, V::CookieAfterWithdrawal)]);
    assert_eq!(graced(35), []);
}

#[test]
fn r22_a_grant_made_under_gpc_stands_against_later_signals() {
    let p = kk2();
    let log = |gpc| {
        [
            notice(0),
            ev(
                1,
                json!({"event": "decision", "action": "accept_all", "gpc": gpc}),
            ),
            ev(10, json!({"event": "signal", "signal": "gpc"})),
            present(11, &["nmstat"]),
        ]
    };
    assert_eq!(found(&audit(&p, &log(true))), []);
    assert_eq!(found(&audit(&p, &log(false))), [(4, V::SignalIgnored)]);
}

#[test]
fn r22_a_signal_within_the_longest_ttl_before_a_grant_flags_it() {
    let p = kk2();
    let log = |grant_at| {
        [
            ev(0, json!({"event": "signal", "signal": "gpc"})),
            present(60 * DAY, &["SESSabc"]),
            notice(grant_at),
            decide(grant_at + 1, "accept_all"),
            ev(grant_at + 5, json!({"event": "signal", "signal": "gpc"})),
            present(grant_at + 6, &["nmstat"]),
        ]
    };
    // Exactly the longest TTL after the signal still counts as within it.
    assert_eq!(found(&audit(&p, &log(TTL - 1))), []);
    assert_eq!(found(&audit(&p, &log(TTL + 1))), [(6, V::SignalIgnored)]);
}

// ---- cookie-on-expired-consent (R16) ------------------------------------------

#[test]
fn r16_a_cookie_on_a_lapsed_grant_is_cookie_on_expired_consent() {
    let p = kk();
    let log = |at| {
        [
            notice(0),
            decide(0, "accept_all"),
            present(60 * DAY, &["SESSabc"]),
            present(at, &["nmstat"]),
        ]
    };
    let r = audit(&p, &log(TTL));
    assert_eq!(found(&r), [(4, V::CookieOnExpiredConsent)]);
    assert!(
        r.violations[0].message.contains(&ts(TTL)),
        "{}",
        r.violations[0].message
    );
    assert_eq!(found(&audit(&p, &log(TTL - 1))), []);
}

/// Issue class 1: a returning visitor is the same visitor however long they were
/// away (SPEC §8); idle or not, with or without a merge that shrinks them.
#[test]
fn r16_a_returning_visitor_is_the_same_visitor_however_long_away() {
    let p = kk();
    let log = |at| [notice(0), decide(1, "accept_all"), present(at, &["nmstat"])];
    let merged = || AuditOptions::new().threads(1).merge(true).sweep_every(1);
    for away in [TTL + 2, TTL + 5 * 60, 5 * 365 * DAY] {
        for options in [AuditOptions::new().threads(1), merged()] {
            let r = audit_with(&p, &log(away), options);
            assert_eq!(found(&r), [(3, V::CookieOnExpiredConsent)], "{away}");
            assert_eq!(r.summary.visitors, 1);
        }
    }
    // An event within the 100 days in between changes nothing.
    let mut busy = log(TTL + 2).to_vec();
    busy.insert(2, present(50 * DAY, &["SESSabc"]));
    assert_eq!(found(&audit(&p, &busy)), [(4, V::CookieOnExpiredConsent)]);
    // The issue's log, verbatim.
    let issue = [
        r#"{"ts":"2026-03-01T10:00:00Z","visitor":"v","event":"notice_shown"}"#,
        r#"{"ts":"2026-03-01T10:00:01Z","visitor":"v","event":"decision","action":"accept_all"}"#,
        r#"{"ts":"2026-06-09T10:00:02Z","visitor":"v","event":"cookie_present","cookies":["nmstat"]}"#,
    ];
    let r = audit_lines(p.view(), issue, AuditOptions::new().threads(1));
    assert_eq!(found(&r), [(3, V::CookieOnExpiredConsent)]);
    assert_eq!(r.summary.visitors, 1);
}

/// A shrunk visitor's lapsed refusals and withdrawals come back as they were: a
/// lapsed refusal is still `cookie-before-consent`, and a withdrawal after the
/// return finds the old partial refusals undecided, as without shrinking.
#[test]
fn r16_shrinking_a_visitor_to_a_tombstone_changes_no_result() {
    let p = kk2();
    let withdraw = |at, cats: &[&str]| {
        ev(
            at,
            json!({"event": "decision", "action": "withdraw", "categories": cats}),
        )
    };
    let log = [
        notice(0),
        decide(1, "accept_all"),
        withdraw(2, &["functional"]),
        ev(3, json!({"event": "signal", "signal": "gpc"})),
        ev_of("other", 3 * TTL, json!({"event": "notice_shown"})),
        present(3 * TTL + 1, &["nmstat", "JSESSIONID", "_pk_id.1"]),
        withdraw(3 * TTL + 2, &["statistics"]),
        present(3 * TTL + 3, &["nmstat", "JSESSIONID", "_pk_id.1"]),
        ev(3 * TTL + 4, json!({"event": "notice_shown"})),
    ];
    let plain = audit(&p, &log);
    assert!(!plain.violations.is_empty());
    let mut a = Auditor::new(
        p.view(),
        AuditOptions::new().threads(1).merge(true).sweep_every(1),
    );
    a.file(samtykke_audit::LINES);
    for (i, l) in log.iter().enumerate() {
        a.line(i as u64 + 1, l.as_bytes());
    }
    assert_eq!(a.shrunk(), 1, "v1 was idle three TTLs behind the clock");
    assert_eq!(a.finish(), plain);
}

/// Issue class 2: a log in per-visitor order but not in global order (server A's
/// file, then server B's) gives no false violation, read one file after the
/// other; and a visitor whose events are spread over both files is audited right
/// with `--merge`.
#[test]
fn audit_per_visitor_order_across_server_files_gives_no_false_violation() {
    let p = kk();
    let a_file = [
        ev_of("a", 0, json!({"event": "notice_shown"})),
        ev_of("a", 1, json!({"event": "decision", "action": "accept_all"})),
        ev_of(
            "a",
            200 * DAY,
            json!({"event": "cookie_present", "cookies": ["SESSx"]}),
        ),
        ev_of(
            "a",
            400 * DAY,
            json!({"event": "cookie_present", "cookies": ["SESSx"]}),
        ),
    ]
    .join("\n");
    let b_file = [
        ev_of("b", 0, json!({"event": "notice_shown"})),
        ev_of("b", 1, json!({"event": "decision", "action": "accept_all"})),
        ev_of(
            "b",
            2 * DAY,
            json!({"event": "cookie_present", "cookies": ["nmstat"]}),
        ),
        ev_of(
            "b",
            3 * DAY,
            json!({"event": "cookie_present", "cookies": ["nmstat"]}),
        ),
    ]
    .join("\n");
    let mut a = Auditor::new(p.view(), AuditOptions::new().threads(1));
    a.read("a.log", a_file.as_bytes()).unwrap();
    a.read("b.log", b_file.as_bytes()).unwrap();
    let r = a.finish();
    assert_eq!(found(&r), []);
    assert!(r.input_errors.is_empty());
    assert_eq!(r.summary.visitors, 2);

    // Behind a load balancer: v's notice and choice on server A, the cookies on
    // server B. Read one after the other the cookie comes out of time order;
    // merged by time it is audited right, and B's late withdrawal is found.
    let a_file = [
        ev_of("v", 0, json!({"event": "notice_shown"})),
        ev_of(
            "v",
            10,
            json!({"event": "decision", "action": "accept_all"}),
        ),
        ev_of("v", 30, json!({"event": "decision", "action": "withdraw"})),
    ]
    .join("\n");
    let b_file = [
        ev_of(
            "v",
            20,
            json!({"event": "cookie_present", "cookies": ["nmstat"]}),
        ),
        ev_of(
            "v",
            40,
            json!({"event": "cookie_present", "cookies": ["nmstat"]}),
        ),
    ]
    .join("\n");
    let merged = |shrink| {
        let mut a = Auditor::new(
            p.view(),
            AuditOptions::new().threads(1).merge(true).shrink(shrink),
        );
        a.read_merged(vec![
            ("a.log".to_owned(), a_file.as_bytes()),
            ("b.log".to_owned(), b_file.as_bytes()),
        ])
        .unwrap();
        a.finish()
    };
    let r = merged(true);
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
    let got: Vec<(&str, u64, V)> = r
        .violations
        .iter()
        .map(|v| (&*v.file, v.line, v.id))
        .collect();
    assert_eq!(got, [("b.log", 2, V::CookieAfterWithdrawal)]);
    assert_eq!(r, merged(false));
}

/// Under `--merge`, a line behind the merged clock is an input error, and the
/// findings come out in file and line order.
#[test]
fn audit_merge_reports_a_line_behind_the_clock() {
    let p = kk();
    let a_file = [
        ev_of(
            "x",
            100,
            json!({"event": "cookie_present", "cookies": ["nmstat"]}),
        ),
        ev_of(
            "x",
            50,
            json!({"event": "cookie_present", "cookies": ["nmstat"]}),
        ),
    ]
    .join("\n");
    let b_file = ev_of(
        "y",
        0,
        json!({"event": "cookie_present", "cookies": ["nmstat"]}),
    );
    let mut a = Auditor::new(p.view(), AuditOptions::new().threads(1).merge(true));
    a.read_merged(vec![
        ("a.log".to_owned(), a_file.as_bytes()),
        ("b.log".to_owned(), b_file.as_bytes()),
    ])
    .unwrap();
    let r = a.finish();
    assert_eq!(r.input_errors.len(), 1);
    assert_eq!(
        (&*r.input_errors[0].file, r.input_errors[0].line),
        ("a.log", 2)
    );
    assert!(r.input_errors[0]
        .message
        .contains("not in time order, needed by --merge"));
    let got: Vec<(&str, u64)> = r.violations.iter().map(|v| (&*v.file, v.line)).collect();
    assert_eq!(got, [("a.log", 1), ("b.log", 1)]);
    assert_eq!(r.summary.files, 2);
}

/// Under `--merge`, a line that is an input error moves no clock and holds
/// back no line, a `cookie_set` whose `Set-Cookie` header does not parse
/// too: its time far ahead, the lines of its file after it are still merged
/// in time, and a withdrawal among them still counts.
#[test]
fn audit_merge_a_bad_line_far_ahead_holds_back_no_line_of_its_file() {
    let p = kk();
    let far = 60 * 86_400 * 365;
    for bad in [
        json!({"event": "cookie_set", "set_cookie": "=x"}),
        json!({"event": "cookie_set", "set_cookie": "nmstat"}),
        json!({"event": "bogus"}),
    ] {
        let a_file = [
            ev_of(
                "m",
                0,
                json!({"event": "notice_shown", "controls": ["accept_all", "reject_all", "settings"]}),
            ),
            ev_of(
                "m",
                0,
                json!({"event": "decision", "action": "accept_all", "control": "button"}),
            ),
            ev_of("m", far, bad.clone()),
            ev_of(
                "m",
                10,
                json!({"event": "decision", "action": "withdraw", "control": "link"}),
            ),
        ]
        .join("\n");
        let b_file = ev_of(
            "m",
            20,
            json!({"event": "cookie_present", "cookies": ["nmstat"]}),
        );
        for threads in [1, 2] {
            let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads).merge(true));
            a.read_merged(vec![
                ("a.log".to_owned(), a_file.as_bytes()),
                ("b.log".to_owned(), b_file.as_bytes()),
            ])
            .unwrap();
            let r = a.finish();
            let errors: Vec<(&str, u64)> =
                r.input_errors.iter().map(|e| (&*e.file, e.line)).collect();
            assert_eq!(errors, [("a.log", 3)], "{bad}: {:?}", r.input_errors);
            let got: Vec<(&str, u64, V)> = r
                .violations
                .iter()
                .map(|v| (&*v.file, v.line, v.id))
                .collect();
            assert_eq!(got, [("b.log", 1, V::CookieAfterWithdrawal)], "{bad}");
        }
    }
}

// ---- cookie-on-outdated-consent (R17) ------------------------------------------

#[test]
fn r17_a_cookie_on_a_grant_older_than_its_categorys_change_is_outdated() {
    let p = kk2();
    let log = |revision, name| {
        [
            ev(0, json!({"event": "notice_shown", "revision": revision})),
            ev(
                1,
                json!({"event": "decision", "action": "accept_all", "revision": revision}),
            ),
            set(2, &format!("{name}=1")),
        ]
    };
    let r = audit(&p, &log(1, "nmstat"));
    assert_eq!(found(&r), [(3, V::CookieOnOutdatedConsent)]);
    assert_eq!(r.violations[0].category.as_deref(), Some("statistics"));
    // Functional did not change; a grant under revision 2 is current.
    assert_eq!(found(&audit(&p, &log(1, "JSESSIONID"))), []);
    assert_eq!(found(&audit(&p, &log(2, "nmstat"))), []);
}

#[test]
fn r17_lapse_is_checked_before_outdating() {
    let p = kk2();
    let log = |at| {
        [
            ev(0, json!({"event": "notice_shown", "revision": 1})),
            ev(
                0,
                json!({"event": "decision", "action": "accept_all", "revision": 1}),
            ),
            present(60 * DAY, &["SESSabc"]),
            present(at, &["nmstat"]),
        ]
    };
    assert_eq!(
        found(&audit(&p, &log(TTL))),
        [(4, V::CookieOnExpiredConsent)]
    );
    assert_eq!(
        found(&audit(&p, &log(TTL - 1))),
        [(4, V::CookieOnOutdatedConsent)]
    );
}

// ---- implied-consent (R2) ------------------------------------------------------

#[test]
fn r02_an_invalid_action_listing_a_consent_category_is_implied_consent() {
    let p = kk();
    for action in ["dismiss", "scroll", "navigate", "idle", "implied"] {
        let log = |granted: &[&str]| {
            [
                notice(0),
                ev(
                    1,
                    json!({"event": "decision", "action": action, "granted": granted}),
                ),
                present(2, &["nmstat"]),
            ]
        };
        let r = audit(&p, &log(&["necessary", "statistics"]));
        // It grants nothing: the cookie after it is before consent.
        assert_eq!(
            found(&r),
            [(2, V::ImpliedConsent), (3, V::CookieBeforeConsent)],
            "{action}"
        );
        assert_eq!(r.violations[0].category.as_deref(), Some("statistics"));
        let article = if action.starts_with(['i', 'a']) {
            "an"
        } else {
            "a"
        };
        assert_eq!(
            r.violations[0].message,
            format!(
                "{article} {action} decision lists statistics as granted: {action} is not consent"
            )
        );
        assert_eq!(
            found(&audit(&p, &log(&["necessary"]))),
            [(3, V::CookieBeforeConsent)],
            "{action}"
        );
    }
}

// ---- preselected-consent (R1) ----------------------------------------------------

#[test]
fn r01_a_notice_with_a_consent_category_preselected_is_one_violation() {
    let p = kk();
    let log = |pre: &[&str]| [ev(0, json!({"event": "notice_shown", "preselected": pre}))];
    let r = audit(&p, &log(&["necessary", "functional", "statistics"]));
    assert_eq!(found(&r), [(1, V::PreselectedConsent)]);
    assert!(r.violations[0].message.contains("functional, statistics"));
    assert_eq!(found(&audit(&p, &log(&["necessary"]))), []);
    assert_eq!(found(&audit(&p, &log(&[]))), []);
}

/// A decision's control is the visitor's (SPEC §4: button, toggle, link, icon);
/// `signal` is the core's for a GPC signal, which a log writes as a `signal`
/// event. A decision that names it is an input error and grants nothing, as
/// the core refuses it (`CtxError::SignalControl`; found by a review: the audit
/// applied it, so the cookie after it went unreported).
#[test]
fn r07_a_decision_with_the_signal_control_is_an_input_error_and_grants_nothing() {
    let p = kk();
    let lines = [
        notice(0),
        ev(
            1,
            json!({"event": "decision", "action": "accept_all", "control": "signal"}),
        ),
        present(2, &["nmstat"]),
    ];
    let report = audit_lines(p.view(), &lines, AuditOptions::new().threads(1));
    assert_eq!(found(&report), [(3, V::CookieBeforeConsent)]);
    assert_eq!(
        input_errors(&p, &lines),
        ["2: `control` must be \"button\", \"toggle\", \"link\" or \"icon\", not \"signal\""]
    );
    for control in ["button", "toggle", "link", "icon"] {
        let granted = [
            notice(0),
            ev(
                1,
                json!({"event": "decision", "action": "accept_all", "control": control}),
            ),
            present(2, &["nmstat"]),
        ];
        assert_eq!(found(&audit(&p, &granted)), [], "{control}");
    }
}

// ---- consent-without-notice (R7) ---------------------------------------------------

#[test]
fn r07_a_grant_with_no_notice_before_it_is_consent_without_notice() {
    let p = kk();
    assert_eq!(
        found(&audit(&p, &[decide(0, "accept_all")])),
        [(1, V::ConsentWithoutNotice)]
    );
    // A notice on an earlier line, even in the same second.
    assert_eq!(found(&audit(&p, &[notice(0), decide(0, "accept_all")])), []);
    // Another visitor's notice does not count.
    let other = ev_of("v2", 0, json!({"event": "notice_shown"}));
    assert_eq!(
        found(&audit(&p, &[other, decide(1, "accept_all")])),
        [(2, V::ConsentWithoutNotice)]
    );
    // Refusing needs no notice; a save that grants something does.
    assert_eq!(found(&audit(&p, &[decide(0, "reject_all")])), []);
    let save = |granted: &[&str]| {
        ev(
            0,
            json!({"event": "decision", "action": "save", "granted": granted}),
        )
    };
    assert_eq!(found(&audit(&p, &[save(&[])])), []);
    assert_eq!(
        found(&audit(&p, &[save(&["statistics"])])),
        [(1, V::ConsentWithoutNotice)]
    );
}

#[test]
fn r07_the_notice_must_be_of_the_grants_revision_and_within_the_longest_ttl() {
    let p = kk2();
    let log = |notice_revision| {
        [
            ev(
                0,
                json!({"event": "notice_shown", "revision": notice_revision}),
            ),
            decide(1, "accept_all"),
        ]
    };
    assert_eq!(found(&audit(&p, &log(2))), []);
    assert_eq!(found(&audit(&p, &log(1))), [(2, V::ConsentWithoutNotice)]);
    let late = |at| {
        [
            notice(0),
            present(60 * DAY, &["SESSabc"]),
            decide(at, "accept_all"),
        ]
    };
    let p = kk();
    assert_eq!(found(&audit(&p, &late(TTL))), []);
    assert_eq!(
        found(&audit(&p, &late(TTL + 1))),
        [(3, V::ConsentWithoutNotice)]
    );
}

// ---- no-reject-option (R8) -----------------------------------------------------------

#[test]
fn r08_a_layer_offering_accept_all_without_reject_all_is_no_reject_option() {
    let p = kk();
    let log = |controls: &[&str]| {
        [ev(
            0,
            json!({"event": "notice_shown", "layer": 1, "controls": controls}),
        )]
    };
    let r = audit(&p, &log(&["accept_all", "settings"]));
    assert_eq!(found(&r), [(1, V::NoRejectOption)]);
    assert!(r.violations[0].message.contains("layer 1"));
    assert_eq!(
        found(&audit(&p, &log(&["accept_all", "reject_all", "settings"]))),
        []
    );
    assert_eq!(found(&audit(&p, &log(&["settings"]))), []);
    assert_eq!(
        found(&audit(&p, &[ev(0, json!({"event": "notice_shown"}))])),
        []
    );
}

// ---- reprompt-too-soon (R15) -----------------------------------------------------------

#[test]
fn r15_an_auto_notice_while_a_refusal_stands_is_reprompt_too_soon() {
    let p = kk();
    let log = |action, trigger, at| {
        [
            notice(0),
            decide(1, action),
            present(30 * DAY, &["SESSabc"]),
            ev(at, json!({"event": "notice_shown", "trigger": trigger})),
        ]
    };
    assert_eq!(
        found(&audit(&p, &log("reject_all", "auto", 31 * DAY))),
        [(4, V::RepromptTooSoon)]
    );
    // The visitor asked for the settings.
    assert_eq!(found(&audit(&p, &log("reject_all", "user", 31 * DAY))), []);
    // Nothing refused, or the refusal lapsed: asking is not re-asking a refusal.
    assert_eq!(found(&audit(&p, &log("accept_all", "auto", 31 * DAY))), []);
    assert_eq!(
        found(&audit(&p, &log("reject_all", "auto", TTL))),
        [(4, V::RepromptTooSoon)]
    );
    assert_eq!(found(&audit(&p, &log("reject_all", "auto", TTL + 1))), []);
    // A partial refusal stands as well.
    let withdrawn = [
        notice(0),
        decide(1, "accept_all"),
        ev(
            2,
            json!({"event": "decision", "action": "withdraw", "categories": ["statistics"]}),
        ),
        ev(3, json!({"event": "notice_shown"})),
    ];
    assert_eq!(found(&audit(&p, &withdrawn)), [(4, V::RepromptTooSoon)]);
}

// ---- undeclared-cookie (R21) ---------------------------------------------------------------

#[test]
fn r21_a_cookie_no_declaration_covers_is_undeclared() {
    let p = kk();
    let r = audit(&p, &[present(0, &["_ga", "SESSabc"])]);
    assert_eq!(found(&r), [(1, V::UndeclaredCookie)]);
    assert_eq!(r.violations[0].cookie.as_deref(), Some("_ga"));
    assert_eq!(r.violations[0].category, None);
    assert_eq!(
        found(&audit(&p, &[set(0, "_ga=GA1.2.3")])),
        [(1, V::UndeclaredCookie)]
    );
    // A deletion is never a violation.
    assert_eq!(found(&audit(&p, &[set(0, "_ga=; Max-Age=0")])), []);
    // A name sent twice in one request is one cookie.
    assert_eq!(
        found(&audit(&p, &[present(0, &["_ga", "_ga"])])),
        [(1, V::UndeclaredCookie)]
    );
}

// ---- duration-exceeds-declaration (R6) ---------------------------------------------------------

#[test]
fn r06_a_set_cookie_outliving_its_declaration_exceeds_it() {
    let p = kk();
    let one = |line: String| found(&audit(&p, &[line]));
    // SESS* lives 11 hours (39600 s).
    assert_eq!(
        one(set(0, "SESSa=1; Max-Age=39601")),
        [(1, V::DurationExceedsDeclaration)]
    );
    assert_eq!(one(set(0, "SESSa=1; Max-Age=39600")), []);
    let expires = |secs| {
        let at = t0() + Duration::seconds(secs);
        format!(
            "SESSa=1; Expires={}",
            samtykke_host::time::format_http_date(at)
        )
    };
    assert_eq!(
        one(set(0, &expires(39_601))),
        [(1, V::DurationExceedsDeclaration)]
    );
    assert_eq!(one(set(0, &expires(39_600))), []);
    // Declared `session`: any persistent lifetime exceeds it.
    assert_eq!(
        one(set(0, "closed-emergency-banner-1=1; Max-Age=60")),
        [(1, V::DurationExceedsDeclaration)]
    );
    assert_eq!(one(set(0, "closed-emergency-banner-1=1")), []);
    // The `cookie` form with `max_age_s`.
    let short = |age| {
        ev(
            0,
            json!({"event": "cookie_set", "cookie": "SESSa", "max_age_s": age}),
        )
    };
    assert_eq!(one(short(40_000)), [(1, V::DurationExceedsDeclaration)]);
    assert_eq!(one(short(30_000)), []);
    // The consent cookie lives the longer TTL.
    assert_eq!(
        one(set(0, &format!("samtykke=v1.x; Max-Age={}", TTL + 1))),
        [(1, V::DurationExceedsDeclaration)]
    );
    assert_eq!(one(set(0, &format!("samtykke=v1.x; Max-Age={TTL}"))), []);
    // Its message gives that TTL as the declared lifetime (found by mutation
    // testing: no test read it).
    let r = audit(
        &p,
        &[set(0, &format!("samtykke=v1.x; Max-Age={}", TTL + 1))],
    );
    assert!(
        r.violations[0]
            .message
            .contains(&format!("over its declared 100 days ({TTL} s)")),
        "{}",
        r.violations[0].message
    );
}

/// A `Set-Cookie` whose `Max-Age` or `Expires` does not read still sets the
/// cookie in every browser; only how long it lives differs between them
/// (docs/decisions.md). So the audit judges it as a cookie kept, with no known
/// lifetime: never a deletion, no duration finding. It used to make the line
/// an input error, and the cookie set before consent went unreported. A
/// `SameSite` browsers cannot read is left unset, as they leave it.
#[test]
fn r01_a_set_cookie_attribute_a_browser_cannot_read_hides_no_cookie() {
    let p = kk();
    for header in [
        "nmstat=1; SameSite=bad; Path=/",
        "nmstat=1; Expires=junk",
        "nmstat=1; Max-Age=soon",
        "nmstat=1; Max-Age=0; Max-Age=+5",
        "nmstat=1; Max-Age=-1; Max-Age=",
        "nmstat=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Expires=never",
    ] {
        assert_eq!(
            found(&audit(&p, &[notice(0), set(5, header)])),
            [(2, V::CookieBeforeConsent)],
            "{header}"
        );
    }
    // Its lifetime is not known, so it outlives no declaration: a bad
    // `Max-Age` does not make `closed-emergency-banner-1` (declared
    // `session`) persistent, nor `SESSa` (declared 11 hours) longer-lived.
    assert_eq!(
        found(&audit(
            &p,
            &[
                set(5, "closed-emergency-banner-1=1; Max-Age=86400x"),
                set(6, "SESSa=1; Max-Age=99999999999999999999x")
            ]
        )),
        []
    );
    // A bad `SameSite` beside a deletion leaves a deletion.
    assert_eq!(
        found(&audit(
            &p,
            &[notice(0), set(5, "nmstat=; SameSite=bad; Max-Age=0")]
        )),
        []
    );
    // A control character, or a pair without `=`, still makes the line an
    // input error: no browser stores such a header as that cookie.
    assert_eq!(
        input_errors(
            &p,
            &[set(5, "nmstat=1; Path=/\u{1}"), set(6, "nmstat; Max-Age=x")]
        ),
        [
            "1: `set_cookie`: Set-Cookie header, at byte 16: a control character",
            "2: `set_cookie`: Set-Cookie header, at byte 0: the name-value pair has no `=`"
        ]
    );
}

#[test]
fn deletions_are_never_violations() {
    let p = kk();
    let log = [
        set(0, "nmstat=; Max-Age=0; Path=/"),
        set(1, "JSESSIONID=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
        ev(
            2,
            json!({"event": "cookie_set", "cookie": "nmstat", "max_age_s": 0}),
        ),
        ev(3, json!({"event": "cookie_deleted", "cookie": "nmstat"})),
        ev(4, json!({"event": "cookie_deleted", "cookie": "_ga"})),
    ];
    assert_eq!(found(&audit(&p, &log)), []);
}

#[test]
fn a_violation_names_its_file_line_visitor_time_cookie_and_category() {
    let p = kk();
    let mut a = Auditor::new(p.view(), AuditOptions::new().threads(1));
    a.file("kk.log");
    let line = r#"{"ts":"2026-03-01T11:00:05+01:00","visitor":"v7","event":"cookie_set","set_cookie":"nmstat=1"}"#;
    a.line(3, line.as_bytes());
    let r = a.finish();
    let v = &r.violations[0];
    assert_eq!(
        (&*v.file, v.line, v.visitor.as_str(), v.ts.as_str()),
        ("kk.log", 3, "v7", "2026-03-01T11:00:05+01:00")
    );
    assert_eq!(
        (v.cookie.as_deref(), v.category.as_deref()),
        (Some("nmstat"), Some("statistics"))
    );
    assert_eq!(
        v.message,
        "nmstat set while statistics is undecided: no decision on it stands"
    );
    assert_eq!(r.summary.count(V::CookieBeforeConsent), 1);
    assert_eq!(r.exit_code(), 1);
    let j = r.to_json();
    assert_eq!(j["violations"][0]["id"], "cookie-before-consent");
    assert_eq!(j["summary"]["violations_by_id"]["signal-ignored"], 0);
    assert_eq!(j["summary"]["events"], 1);
}

// ---- input errors (SPEC §8, §13) -------------------------------------------------------------------

#[test]
fn every_kind_of_input_error_is_reported_and_the_audit_goes_on() {
    let p = kk();
    let mut lines: Vec<Vec<u8>> = vec![
        b"{not json".to_vec(),
        b"[1,2]".to_vec(),
        b"{\"ts\":\"2026-03-01T10:00:00Z\",\"visitor\":\"v1\",\"event\":\"x\xff\"}".to_vec(),
        ev(0, json!({"event": "page_view"})).into_bytes(),
        ev(0, json!({"event": "decision", "action": "signal_gpc"})).into_bytes(),
        ev(0, json!({"event": "decision"})).into_bytes(),
        json!({"visitor": "v1", "event": "signal", "signal": "gpc"}).to_string().into_bytes(),
        ev(0, json!({"event": "cookie_present"})).into_bytes(),
        ev(0, json!({"event": "cookie_set"})).into_bytes(),
        ev(0, json!({"event": "decision", "action": "accept_all", "revision": "1"})).into_bytes(),
        ev(0, json!({"event": "decision", "action": "save", "granted": [1]})).into_bytes(),
        ev(0, json!({"event": "decision", "action": "save", "granted": ["ads"]})).into_bytes(),
        ev(0, json!({"event": "decision", "action": "accept_all", "gpc": "yes"})).into_bytes(),
        ev(0, json!({"event": "cookie_set", "set_cookie": "nmstat"})).into_bytes(),
        ev(0, json!({"event": "signal", "signal": "dnt"})).into_bytes(),
        br#"{"ts":"2026-03-01T10:00:00Z","ts":"2026-03-01T10:00:01Z","visitor":"v1","event":"signal","signal":"gpc"}"#.to_vec(),
        json!({"ts": "2026-03-01T10:00:00", "visitor": "v1", "event": "signal", "signal": "gpc"}).to_string().into_bytes(),
        json!({"ts": "yesterday", "visitor": "v1", "event": "signal", "signal": "gpc"}).to_string().into_bytes(),
        present(10, &["SESSabc"]).into_bytes(),
        present(9, &["SESSabc"]).into_bytes(),
        ev_of("v2", 9, json!({"event": "cookie_present", "cookies": ["SESSabc"]})).into_bytes(),
        vec![b' '; 3],
        present(11, &["nmstat"]).into_bytes(),
    ];
    lines.insert(0, Vec::new());
    let r = audit_lines(p.view(), &lines, AuditOptions::new().threads(1));
    // The same, read as a file on one thread and with parsing on a second.
    for threads in [1, 2] {
        let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads));
        a.read("<lines>", Cursor::new(lines.join(&b'\n'))).unwrap();
        assert_eq!(a.finish(), r, "{threads} threads");
    }
    use InputErrorKind as K;
    let kinds: Vec<(u64, InputErrorKind)> =
        r.input_errors.iter().map(|e| (e.line, e.kind)).collect();
    assert_eq!(
        kinds,
        [
            (2, K::NotJson),
            (3, K::NotJson),
            (4, K::NotJson),
            (5, K::UnknownEvent),
            (6, K::UnknownAction),
            (7, K::MissingField),
            (8, K::MissingField),
            (9, K::MissingField),
            (10, K::MissingField),
            (11, K::BadField),
            (12, K::BadField),
            (13, K::BadField),
            (14, K::BadField),
            (15, K::BadField),
            (16, K::BadField),
            (17, K::BadField),
            (18, K::NoTimeZone),
            (19, K::BadField),
            (21, K::OutOfOrder),
        ]
    );
    // Nothing bad was applied: the cookie at the end is still before consent.
    assert_eq!(found(&r), [(24, V::CookieBeforeConsent)]);
    assert_eq!(r.summary.lines, 22);
    assert_eq!(r.summary.events, 3);
    assert_eq!(r.summary.visitors, 2);
    assert_eq!(r.exit_code(), 2);
    let messages: Vec<&str> = r.input_errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages[0],
        "not JSON: expected a key (a string) at column 2"
    );
    // The byte that is not UTF-8 is the line's 55th, placed as a column as
    // JSON's faults are.
    assert_eq!(messages[2], "not JSON: not UTF-8 at column 55");
    // Columns count characters, before the fault as JSON's do after it.
    for (line, message) in [
        (
            &b"{\"v\":\"\xc3\xa6\xc3\xa6\xff\"}"[..],
            "not JSON: not UTF-8 at column 9",
        ),
        (
            "{\"v\":\"ææ\"x}".as_bytes(),
            "not JSON: expected `,` or `}` at column 10",
        ),
    ] {
        let r = audit_lines(p.view(), [line], AuditOptions::new().threads(1));
        assert_eq!(r.input_errors[0].message, message);
    }
    assert_eq!(messages[3], "unknown event \"page_view\"");
    assert_eq!(messages[5], "missing `action`");
    assert_eq!(
        messages[11],
        "`granted[0]`: the policy has no category \"ads\""
    );
    assert!(
        messages[13].starts_with("`set_cookie`: Set-Cookie header"),
        "{}",
        messages[13]
    );
    assert_eq!(messages[15], "`ts` is given twice");
    assert!(messages[16].contains("no time zone"), "{}", messages[16]);
    assert!(
        messages[18].contains("earlier than visitor \"v1\"'s previous event"),
        "{}",
        messages[18]
    );
}

#[test]
fn a_line_over_one_mib_is_reported_without_being_kept() {
    let p = kk();
    let mut log = Vec::new();
    log.extend_from_slice(present(0, &["SESSabc"]).as_bytes());
    log.extend_from_slice(b"\r\n{\"pad\":\"");
    log.extend(std::iter::repeat_n(b'x', 3 << 20));
    log.extend_from_slice(b"\"}\n");
    log.extend_from_slice(present(1, &["_ga"]).as_bytes());
    let mut a = Auditor::new(p.view(), AuditOptions::new().threads(1));
    a.read("big.log", Cursor::new(&log)).unwrap();
    let r = a.finish();
    let mut a = Auditor::new(p.view(), AuditOptions::new().threads(2));
    a.read("big.log", Cursor::new(&log)).unwrap();
    assert_eq!(a.finish(), r);
    assert_eq!(r.input_errors.len(), 1);
    assert_eq!(
        (r.input_errors[0].line, r.input_errors[0].kind),
        (2, InputErrorKind::TooLong)
    );
    assert_eq!(found(&r), [(3, V::UndeclaredCookie)]);
    // The same through `line`, and exactly 1 MiB is not too long.
    let r = audit_lines(
        p.view(),
        [vec![b' '; (1 << 20) + 1]],
        AuditOptions::new().threads(1),
    );
    assert_eq!(
        r.input_errors.len(),
        0,
        "blank lines are skipped whatever their length"
    );
    let mut exact =
        br#"{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"signal","signal":"gpc","pad":""}"#
            .to_vec();
    let pad = (1 << 20) - exact.len();
    exact.splice(
        exact.len() - 2..exact.len() - 2,
        std::iter::repeat_n(b'x', pad),
    );
    assert_eq!(exact.len(), 1 << 20);
    assert!(
        audit_lines(p.view(), [&exact], AuditOptions::new().threads(1))
            .input_errors
            .is_empty()
    );
    exact.insert(10, b' ');
    let r = audit_lines(p.view(), [&exact], AuditOptions::new().threads(1));
    assert_eq!(r.input_errors[0].kind, InputErrorKind::TooLong);
    // One message for the rule, whichever reader met the line and however
    // far over it is (SPEC §18): a line one byte over is kept and measured,
    // one 3 MiB long is not kept.
    let words = "the line is over 1 MiB long";
    assert_eq!(r.input_errors[0].message, words);
    let mut both = exact.clone();
    both.push(b'\n');
    both.extend_from_slice(&log);
    for threads in [1, 2] {
        let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads));
        a.read("both.log", Cursor::new(&both)).unwrap();
        let r = a.finish();
        let messages: Vec<(u64, &str)> = r
            .input_errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(messages, [(1, words), (3, words)]);
    }
}

#[test]
fn crlf_line_ends_a_byte_order_mark_and_a_last_line_without_newline_are_read() {
    let p = kk();
    let text = format!(
        "\u{feff}{}\r\n\r\n{}",
        present(0, &["_ga"]),
        present(1, &["_fbp"])
    );
    let mut a = Auditor::new(p.view(), AuditOptions::new().threads(1));
    a.read("crlf.log", text.as_bytes()).unwrap();
    let r = a.finish();
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
    assert_eq!(
        found(&r),
        [(1, V::UndeclaredCookie), (3, V::UndeclaredCookie)]
    );
}

// ---- the reader -------------------------------------------------------------------------------------

fn gzip(text: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_files_and_several_files_read_as_one_log() {
    let p = kk();
    let dir = std::env::temp_dir().join(format!("samtykke-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let first = dir.join("a.log");
    let second = dir.join("b.log.gz");
    std::fs::write(
        &first,
        format!("{}\n{}\n", notice(0), decide(1, "reject_all")),
    )
    .unwrap();
    // Two gzip members, as `cat a.gz b.gz` gives.
    let mut gz = gzip(&format!("{}\n", present(2, &["SESSabc"])));
    gz.extend(gzip(&format!("{}\n", present(3, &["nmstat"]))));
    std::fs::write(&second, gz).unwrap();
    let r = audit_paths(p.view(), [&first, &second], AuditOptions::new().threads(1)).unwrap();
    // The refusal in the first file holds in the second; lines count per file.
    assert_eq!(found(&r), [(2, V::CookieAfterRefusal)]);
    assert_eq!(&*r.violations[0].file, second.to_str().unwrap());
    assert_eq!(r.summary.files, 2);
    let missing = dir.join("missing.log");
    let e = audit_paths(p.view(), [&first, &missing], AuditOptions::new().threads(1)).unwrap_err();
    assert_eq!(e.file, missing.to_string_lossy());
    assert_eq!(e.source.kind(), std::io::ErrorKind::NotFound);
    // A corrupt gzip stream is a read error after the lines before it.
    let mut bad = gzip(&format!("{}\n", present(0, &["_ga"])));
    let n = bad.len();
    bad[n - 6] ^= 0xff;
    for threads in [1, 2] {
        let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads));
        assert!(a.read("bad.gz", Cursor::new(bad.clone())).is_err());
    }
    // A read error midway: the lines before it are audited, on either path.
    struct Failing<'a>(&'a [u8]);
    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let text = format!("{}\n{}\n", present(0, &["_ga"]), present(1, &["_fbp"]));
    for threads in [1, 2] {
        let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads));
        let e = a.read("failing.log", Failing(text.as_bytes())).unwrap_err();
        assert_eq!(e.to_string(), "disk on fire");
        assert_eq!(
            found(&a.finish()),
            [(1, V::UndeclaredCookie), (2, V::UndeclaredCookie)]
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_values_audit_like_their_text() {
    let p = kk();
    let lines = [notice(0), decide(1, "reject_all"), present(2, &["nmstat"])];
    let mut a = Auditor::new(p.view(), AuditOptions::new().threads(1));
    for (i, l) in lines.iter().enumerate() {
        a.value(i as u64 + 1, &serde_json::from_str(l).unwrap());
    }
    a.value(4, &json!([1]));
    let r = a.finish();
    assert_eq!(found(&r), [(3, V::CookieAfterRefusal)]);
    assert_eq!(r.input_errors[0].kind, InputErrorKind::NotJson);
}

// ---- generated logs ---------------------------------------------------------------------------------

fn audit_generated(policy: &OwnedPolicy, lines: &[String], options: AuditOptions) -> (Report, u64) {
    let mut a = Auditor::new(policy.view(), options);
    a.file("gen.log");
    for (i, l) in lines.iter().enumerate() {
        a.line(i as u64 + 1, l.as_bytes());
    }
    let shrunk = a.shrunk();
    (a.finish(), shrunk)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every injected violation is found at its line with its id, and nothing
    /// else is; a clean log (inject_every = 0) yields none. Shrinking idle
    /// visitors under a merge, and visitors sharing their first hash, change nothing.
    #[test]
    fn every_injected_violation_is_found_at_its_line_and_nothing_else(
        events in 1_500u64..5_000,
        visitors in 20u64..400,
        every in 0u64..6,
        seed in any::<u64>(),
    ) {
        let policy = kk2();
        let spec = Spec::new(events, visitors).inject_every(every).seed(seed);
        let (lines, injected) = generate_lines(&spec);
        let (report, _) = audit_generated(&policy, &lines, AuditOptions::new().threads(1));
        prop_assert!(report.input_errors.is_empty(), "{:?}", report.input_errors);
        let mut want: Vec<(u64, ViolationId)> = injected.iter().map(|i| (i.line, i.id)).collect();
        want.sort();
        let mut got = found(&report);
        got.sort();
        prop_assert_eq!(&got, &want);
        for (v, i) in report.violations.iter().zip(&injected) {
            prop_assert_eq!(&v.visitor, &i.visitor);
        }
        if every == 0 {
            prop_assert!(got.is_empty());
        }
        // The generated log is in time order overall, so merged it is the same
        // one clock, and shrinking idle visitors changes nothing.
        let (shrinking, _) =
            audit_generated(&policy, &lines, AuditOptions::new().threads(1).merge(true).sweep_every(64));
        prop_assert_eq!(&shrinking, &report);
        let (weak, _) = audit_generated(
            &policy,
            &lines,
            AuditOptions::new().threads(1).weak_hash(true).sweep_every(500),
        );
        prop_assert_eq!(&weak, &report);
        // Read as a file, parsing on a second thread.
        let text = lines.join("\n");
        let mut a = Auditor::new(policy.view(), AuditOptions::new().threads(2));
        a.read("gen.log", text.as_bytes()).unwrap();
        let mut piped = a.finish();
        piped.summary.files = report.summary.files;
        prop_assert_eq!(&piped, &report);
    }
}

#[test]
fn a_large_generated_log_injected_with_every_kind_is_found_exactly() {
    let policy = kk2();
    let spec = Spec::new(60_000, 3_000).inject_every(4).seed(7);
    let (lines, injected) = generate_lines(&spec);
    let (report, shrunk) = audit_generated(
        &policy,
        &lines,
        AuditOptions::new()
            .threads(1)
            .merge(true)
            .sweep_every(1_000),
    );
    assert!(shrunk > 0);
    assert!(report.input_errors.is_empty());
    let mut want: Vec<(u64, ViolationId)> = injected.iter().map(|i| (i.line, i.id)).collect();
    want.sort();
    assert_eq!(found(&report), want);
    for id in ViolationId::ALL {
        assert!(
            report.summary.count(id) >= 10,
            "{id}: {}",
            report.summary.count(id)
        );
    }
}

/// Lines from generated logs, cut and changed at random bytes.
fn mutated_line() -> impl Strategy<Value = Vec<u8>> {
    let (lines, _) = generate_lines(&Spec::new(300, 20).inject_every(3));
    let edits = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0u8..4,
            prop::sample::select(b"{}[]:,\"\\ 0123456789.eE+-tfnulx\x00\x1f\xff\xc3".to_vec()),
        ),
        0..4,
    );
    (prop::sample::select(lines), edits).prop_map(|(line, edits)| {
        let mut b = line.into_bytes();
        for (at, op, byte) in edits {
            if b.is_empty() {
                break;
            }
            let i = at.index(b.len());
            match op {
                0 => b[i] = byte,
                1 => b.insert(i, byte),
                2 => {
                    b.remove(i);
                }
                _ => b.truncate(i),
            }
        }
        b
    })
}

/// SPEC §13: the consent-log reader, fed 10,000 mutated lines and 10,000 random
/// byte strings (counted): its JSON reader says "not JSON" exactly when serde_json
/// does not read the line as an object, no line makes it panic, and arbitrary
/// bytes never stop an audit (each non-blank line is an event or an input error).
#[test]
fn log_lines_never_panic_or_stop_an_audit() {
    let policy = kk2();
    let mut fed = Fed::new("consent log lines");
    fed.run("mutated", file!(), 10_000, mutated_line(), |line| {
        let r = audit_lines(policy.view(), [&line], AuditOptions::new().threads(1));
        let ours = r.input_errors.first().map(|e| e.kind);
        let theirs = serde_json::from_slice::<Value>(&line);
        let blank = line.iter().all(|b| b" \t\r\n".contains(b));
        match theirs {
            _ if blank => prop_assert_eq!(r.summary.lines, 0),
            Ok(Value::Object(_)) => prop_assert_ne!(ours, Some(InputErrorKind::NotJson)),
            Ok(_) => prop_assert_eq!(ours, Some(InputErrorKind::NotJson)),
            // serde_json cannot hold numbers past f64; JSON has no such limit.
            Err(e) if e.to_string().contains("number out of range") => {}
            Err(_) => prop_assert_eq!(ours, Some(InputErrorKind::NotJson)),
        }
        Ok(())
    });
    let bytes = prop::collection::vec(any::<u8>(), 0..400);
    fed.run("random bytes", file!(), 10_000, bytes, |bytes| {
        let mut a = Auditor::new(policy.view(), AuditOptions::new().threads(1));
        let read = a.read("noise", &bytes[..]);
        // Only gzip's magic bytes make a stream that can fail to read.
        prop_assert!(read.is_ok() || bytes.starts_with(&[0x1f, 0x8b]));
        let s = a.counts();
        prop_assert_eq!(s.lines, s.events + s.input_errors);
        Ok(())
    });
    fed.finish();
}

/// The sharded reader cuts the input into blocks of whole lines: whatever the
/// lines (a byte-order mark, `\r\n`, blank lines, escaped strings, bytes that are
/// not UTF-8, lines of exactly the limit and over it, a last line without `\n`,
/// gzip), 2 and 3 workers give the report one thread gives, across many blocks.
#[test]
fn audit_sharded_reader_reads_every_line_as_one_thread_does() {
    let p = kk();
    let mut text: Vec<u8> = "\u{feff}".as_bytes().to_vec();
    let pad_to = |mut line: String, len: usize| {
        // Pads an event's JSON with spaces before its closing brace.
        let close = line.pop().unwrap();
        while line.len() + 1 < len {
            line.push(' ');
        }
        line.push(close);
        line
    };
    for i in 0..40_000i64 {
        let v = format!("v{}", i % 997);
        let line = match i % 13 {
            0 => ev_of(&v, i, json!({"event": "notice_shown"})),
            1 => ev_of(&v, i, json!({"event": "decision", "action": "accept_all"})),
            2 => ev_of(
                &v,
                i,
                json!({"event": "cookie_present", "cookies": ["nmstat", "_ga"]}),
            ),
            3 => ev_of(
                &format!("esc\"{v}"),
                i,
                json!({"event": "signal", "signal": "gpc"}),
            ),
            4 => String::new(),
            5 => ev_of(&v, i, json!({"event": "decision", "action": "withdraw"})) + "\r",
            6 => ev_of(
                &v,
                i,
                json!({"event": "cookie_set", "set_cookie": "nmstat=1; Max-Age=60"}),
            ),
            _ => ev_of(
                &v,
                i,
                json!({"event": "cookie_present", "cookies": ["JSESSIONID"]}),
            ),
        };
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
        match i {
            1_000 => text.extend_from_slice(b"\xff\xfe not UTF-8\n"),
            5_000 => {
                let exact = pad_to(ev(i, json!({"event": "signal", "signal": "gpc"})), 1 << 20);
                text.extend_from_slice(exact.as_bytes());
                text.extend_from_slice(b"\n");
            }
            9_000 => {
                text.extend_from_slice(&vec![b'x'; (1 << 20) + 2]);
                text.push(b'\n');
            }
            20_000 => {
                text.extend_from_slice(&vec![b'{'; 3 << 20]);
                text.push(b'\n');
            }
            _ => {}
        }
    }
    text.extend_from_slice(
        ev(
            50_000,
            json!({"event": "cookie_present", "cookies": ["nmstat"]}),
        )
        .as_bytes(),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    for input in [&text, &gz] {
        let read = |threads| {
            let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads));
            a.read("mixed.log", Cursor::new(input)).unwrap();
            a.finish()
        };
        let one = read(1);
        assert!(one.input_errors.len() >= 3, "{:?}", one.input_errors.len());
        assert!(one.summary.lines > 30_000);
        assert_eq!(read(2), one);
        assert_eq!(read(3), one);
    }
}

/// Only the input's first line may open with a byte-order mark: with 2 and 3
/// workers, as with one thread, a mark at the start of any later line (here
/// every line, so that some open a block of the sharded reader's) makes that
/// line an input error.
#[test]
fn audit_a_byte_order_mark_is_skipped_only_on_the_input_s_first_line() {
    let p = kk();
    let n = 50_000u64;
    let mut text = Vec::new();
    for i in 0..n {
        text.extend_from_slice("\u{feff}".as_bytes());
        let line = ev_of(
            &format!("v{}", i % 89),
            i as i64,
            json!({"event": "notice_shown"}),
        );
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
    }
    // Several of the sharded reader's blocks of about 256 KiB.
    assert!(text.len() > 3 << 20, "{}", text.len());
    for threads in [1, 2, 3] {
        let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads));
        a.read("bom.log", Cursor::new(&text)).unwrap();
        let r = a.finish();
        assert_eq!(r.summary.events, 1, "threads {threads}");
        let lines: Vec<u64> = r.input_errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, (2..=n).collect::<Vec<_>>(), "threads {threads}");
    }
}

/// A gzip file cut short inside a line over 1 MiB: the line the fault cut is
/// lost and the lines before it are audited, with 2 and 3 workers as with one
/// thread (the sharded reader once reported the cut line as over-long). Cuts
/// across the whole file, so some fall before, inside and after the long line.
#[test]
fn s13_a_gzip_cut_inside_an_over_long_line_reads_as_on_one_thread() {
    let p = kk();
    let mut text = Vec::new();
    let event = |i: i64| {
        ev_of(
            &format!("v{}", i % 97),
            i,
            json!({"event": "cookie_present", "cookies": ["nmstat"]}),
        )
    };
    for i in 0..3_000 {
        text.extend_from_slice(event(i).as_bytes());
        text.push(b'\n');
    }
    // 3 MiB that gzip cannot shrink much, so that many cuts fall inside it.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..(3 << 20) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        text.push(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(x % 64) as usize],
        );
    }
    text.push(b'\n');
    for i in 3_000..6_000 {
        text.extend_from_slice(event(i).as_bytes());
        text.push(b'\n');
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    let mut inside = 0;
    for tenth in 1..20 {
        let cut = &gz[..gz.len() * tenth / 20];
        let read = |threads| {
            let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads));
            let read = a.read("cut.log.gz", Cursor::new(cut)).map_err(|e| e.kind());
            (read, a.finish())
        };
        let one = read(1);
        assert!(one.0.is_err(), "cut at {tenth}/20 reads to its end");
        if one.1.summary.lines == 3_000 {
            inside += 1;
        }
        for threads in [2, 3] {
            let (read, report) = read(threads);
            // (Compared whole; a difference is shown by its counts.)
            assert!(
                read == one.0 && report == one.1,
                "cut at {tenth}/20, {threads} threads: {read:?} {:?} against {:?} {:?}",
                report.summary,
                one.0,
                one.1.summary
            );
        }
    }
    assert!(inside >= 5, "only {inside} cuts fell inside the long line");
}

// ---- the auditor fed line by line: counts, memory, threads ----------------------

/// Ten visitors' notices and grants and a line that is not JSON, fed one line at a
/// time on one thread and on two (visitors sharded, as workers would hold them):
/// the counts so far (SPEC §8: `summary.visitors` counts distinct ids), the
/// visitors remembered, none shrunk without `--merge`, and the report one thread
/// gives. Found by mutation testing (scripts/mutants): no test read the counts or
/// the visitors remembered while the audit ran, nor fed lines one by one to two
/// threads.
#[test]
fn audit_counts_what_it_was_fed_line_by_line_on_one_thread_or_two() {
    let p = kk();
    let mut log = Vec::new();
    for v in 0..10 {
        let who = format!("v{v}");
        log.push(ev_of(&who, 2 * v, json!({"event": "notice_shown"})));
        log.push(ev_of(
            &who,
            2 * v + 1,
            json!({"event": "decision", "action": "accept_all"}),
        ));
    }
    log.insert(7, "not json".to_owned());
    let one = audit_lines(p.view(), &log, AuditOptions::new().threads(1));
    for threads in [1, 2] {
        let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads));
        a.file(samtykke_audit::LINES);
        for (i, l) in log.iter().enumerate() {
            a.line(i as u64 + 1, l.as_bytes());
        }
        let s = a.counts();
        assert_eq!(
            (s.lines, s.events, s.visitors, s.input_errors),
            (21, 20, 10, 1),
            "{threads} threads"
        );
        assert_eq!(a.remembered(), 10, "{threads} threads");
        assert_eq!(a.shrunk(), 0, "{threads} threads");
        assert_eq!(a.tombstones().0, 0, "{threads} threads");
        let r = a.finish();
        assert_eq!(r, one, "{threads} threads");
        assert_eq!(
            r.input_errors
                .iter()
                .map(|e| (e.line, e.kind))
                .collect::<Vec<_>>(),
            [(8, InputErrorKind::NotJson)]
        );
    }
}

/// Under `--merge`, lines fed one by one are checked against the one merged clock
/// (SPEC §8), whatever the threads: sixteen visitors whose lines go back in time
/// give fifteen "not in time order" input errors, one for every line after the
/// first. Found by mutation testing: with the visitors sharded, each shard would
/// keep a clock of its own and miss the lines behind another shard's.
#[test]
fn audit_merge_fed_line_by_line_keeps_one_clock_on_two_threads() {
    let p = kk();
    let log: Vec<String> = (0..16)
        .map(|v| {
            ev_of(
                &format!("v{v}"),
                1000 - v,
                json!({"event": "cookie_present", "cookies": ["SESSabc"]}),
            )
        })
        .collect();
    for threads in [1, 2] {
        let mut a = Auditor::new(p.view(), AuditOptions::new().threads(threads).merge(true));
        for (i, l) in log.iter().enumerate() {
            a.line(i as u64 + 1, l.as_bytes());
        }
        let r = a.finish();
        let got: Vec<(u64, InputErrorKind)> =
            r.input_errors.iter().map(|e| (e.line, e.kind)).collect();
        let want: Vec<(u64, InputErrorKind)> =
            (2..=16).map(|n| (n, InputErrorKind::OutOfOrder)).collect();
        assert_eq!(got, want, "{threads} threads");
        assert_eq!((r.summary.events, r.summary.visitors), (1, 1));
    }
}

/// Under `--merge`, visitors idle for longer than the longest TTL behind the clock
/// are shrunk to tombstones, and only with shrinking on (SPEC §8): three visitors,
/// then a fourth's events five years later, leave three tombstones; with `shrink(false)`,
/// none, and the report is the same. Found by mutation testing: no test counted
/// the tombstones, nor more than one visitor shrunk.
#[test]
fn audit_merge_shrinks_every_idle_visitor_and_only_when_asked() {
    let p = kk();
    let mut log: Vec<String> = (0..3)
        .map(|v| {
            ev_of(
                &format!("v{v}"),
                v,
                json!({"event": "decision", "action": "accept_all"}),
            )
        })
        .collect();
    // A sweep comes every so many events; three give it room.
    for i in 0..3 {
        log.push(ev_of(
            "late",
            5 * 365 * DAY + i,
            json!({"event": "cookie_present", "cookies": ["SESSabc"]}),
        ));
    }
    let mut reports = Vec::new();
    for (shrink, idle) in [(true, 3), (false, 0)] {
        let mut a = Auditor::new(
            p.view(),
            AuditOptions::new()
                .threads(1)
                .merge(true)
                .shrink(shrink)
                .sweep_every(1),
        );
        for (i, l) in log.iter().enumerate() {
            a.line(i as u64 + 1, l.as_bytes());
        }
        assert_eq!(a.shrunk(), idle, "shrink {shrink}");
        assert_eq!(a.tombstones().0, idle as usize, "shrink {shrink}");
        reports.push(a.finish());
    }
    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[0].summary.visitors, 4);
}

/// A line the caller could not hand over (a host value with no JSON form) is an
/// input error at its line, counted as a line and not applied (SPEC §8), reported
/// in order among the rest. Found by mutation testing: `Auditor::reject` had no
/// Rust test.
#[test]
fn audit_a_rejected_line_is_an_input_error_in_its_place() {
    let p = kk();
    let mut a = Auditor::new(p.view(), AuditOptions::new().threads(1));
    a.line(1, notice(0).as_bytes());
    a.reject(2, InputErrorKind::BadField, "a set, not JSON".to_owned());
    a.line(3, decide(2, "accept_all").as_bytes());
    let r = a.finish();
    let got: Vec<(&str, u64, InputErrorKind, &str)> = r
        .input_errors
        .iter()
        .map(|e| (&*e.file, e.line, e.kind, &*e.message))
        .collect();
    assert_eq!(
        got,
        [(
            samtykke_audit::LINES,
            2,
            InputErrorKind::BadField,
            "a set, not JSON"
        )]
    );
    assert_eq!(
        (r.summary.lines, r.summary.events, r.summary.input_errors),
        (3, 2, 1)
    );
}

/// A name sent twice in one request is one cookie, however many names the request
/// carries (past the sixteen kept on the stack): twenty undeclared names, each
/// sent twice, are twenty `undeclared-cookie` findings (R21), one per name in the
/// order sent. Found by mutation testing: no request in the tests carried more
/// than sixteen names.
#[test]
fn r21_a_name_sent_twice_is_one_cookie_in_a_long_cookie_header() {
    let p = kk();
    let names: Vec<String> = (0..20).map(|i| format!("x{i}")).collect();
    let mut sent: Vec<&str> = names.iter().map(String::as_str).collect();
    sent.extend(names.iter().rev().map(String::as_str));
    let r = audit(&p, &[present(0, &sent)]);
    let got: Vec<(V, Option<&str>)> = r
        .violations
        .iter()
        .map(|v| (v.id, v.cookie.as_deref()))
        .collect();
    let want: Vec<(V, Option<&str>)> = names
        .iter()
        .map(|n| (V::UndeclaredCookie, Some(n.as_str())))
        .collect();
    assert_eq!(got, want);
}

/// Each cookie name is judged by its own declaration (R21), whatever name came
/// before it: these two names share the 64-bit hash the audit's name cache keys
/// on (found by a search over that unkeyed hash), one covered by `SESS*`, the
/// other by nothing. Found by mutation testing: a cache that took a slot with the
/// same hash for a hit, whatever its name, passed every other test.
#[test]
fn r21_a_name_is_judged_by_its_own_declaration_whatever_came_before() {
    let p = kk();
    let (declared, undeclared) = ("SESScollision_aa", "kadefvuurw3csAl3");
    let r = audit(&p, &[present(0, &[declared]), present(1, &[undeclared])]);
    assert_eq!(found(&r), [(2, V::UndeclaredCookie)]);
    let r = audit(&p, &[present(0, &[undeclared]), present(1, &[declared])]);
    assert_eq!(found(&r), [(1, V::UndeclaredCookie)]);
}

// ---- the consent log a server writes --------------------------------------------

/// `Expires`' date as a server writes it (IMF-fixdate).
fn http_date(t: OffsetDateTime) -> String {
    t.format(time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    ))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A `cookie_set` line as a server writes it (`log_line::cookie_set`: the
    /// cookie's name and `max_age_s`, without its value) audits as the whole
    /// `Set-Cookie` header does, and holds nothing of the value: random headers
    /// (`Max-Age` from negative to years, `Expires` before and after the line's
    /// time, both or neither), at random fractions of a second, after an accept,
    /// a refusal or no decision.
    #[test]
    fn s08_a_cookie_set_line_without_the_value_audits_as_the_whole_header(
        name in prop::sample::select(vec!["nmstat", "JSESSIONID", "SESSabc", "_ga", "unknown"]),
        max_age in prop::option::of(-100i64..400_000_000),
        expires in prop::option::of(-100_000i64..400_000_000),
        nanos in 0i64..1_000_000_000,
        action in prop::sample::select(vec!["accept_all", "reject_all", ""]),
    ) {
        let at = t0() + Duration::seconds(10) + Duration::nanoseconds(nanos);
        let mut header = format!("{name}=s3cr3t-t0ken; Path=/");
        if let Some(m) = max_age {
            header.push_str(&format!("; Max-Age={m}"));
        }
        if let Some(e) = expires {
            header.push_str(&format!("; Expires={}", http_date(t0() + Duration::seconds(10 + e))));
        }
        let line = samtykke_host::log_line::cookie_set(at, 7, &header);
        prop_assert!(!line.contains("s3cr3t"), "{}", line);
        let mut event: Value = serde_json::from_str(&line).unwrap();
        event["visitor"] = json!("v1");
        let mut before = vec![notice(0)];
        if !action.is_empty() {
            before.push(decide(1, action));
        }
        let whole = [before.clone(), vec![set(10, &header)]].concat();
        let logged = [before, vec![event.to_string()]].concat();
        let p = kk();
        let (a, b) = (audit(&p, &whole), audit(&p, &logged));
        prop_assert_eq!(&a.violations, &b.violations);
        prop_assert_eq!(&a.summary, &b.summary);
    }
}
