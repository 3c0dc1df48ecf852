//! Properties of the audit over random multi-visitor logs (SPEC §8): sharding
//! visitors across threads, merging files by time and shrinking idle visitors
//! to tombstones never change a report.
//!
//! Logs are generated as a site writes them: each visitor's events in time order,
//! gaps from none to three years that land on every TTL boundary (a second
//! before, at, and after each lapse), both revisions, GPC signals every few hours
//! or days, every action (withdrawals with and without categories, saves with
//! refused providers, implied actions that list grants), notices of both triggers,
//! cookies set and present, and a few bad lines.

use proptest::prelude::*;
use samtykke_audit::{AuditOptions, Auditor, Report};
use samtykke_host::OwnedPolicy;
use samtykke_testkit::loggen::Rng;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const KK_JSON: &str = include_str!("../../../examples/kk.dk.policy.json");
const DAY: i64 = 86_400;
const START: i64 = 1_772_359_200; // 2026-03-01T10:00:00Z

/// Each of `xs`, or not, at even odds.
fn subset(rng: &mut Rng, xs: &[&'static str]) -> Vec<&'static str> {
    xs.iter().copied().filter(|_| rng.chance(50)).collect()
}

/// kk.dk at revision 2 (statistics changed in 2), with short or long TTLs and
/// GPC refusing statistics, functional, both or neither.
fn policy(rng: &mut Rng) -> (OwnedPolicy, i64, i64) {
    let mut v: Value = serde_json::from_str(KK_JSON).unwrap();
    let consent = *rng.pick(&[1i64, 3, 100]);
    let refusal = *rng.pick(&[1i64, 2, 100]);
    v["revision"] = 2.into();
    v["consent_ttl_days"] = consent.into();
    v["refusal_ttl_days"] = refusal.into();
    v["gpc_refuses"] = json!(subset(rng, &["statistics", "functional"]));
    for c in v["categories"].as_array_mut().unwrap() {
        if c["id"] == "statistics" {
            c["changed_in_revision"] = 2.into();
        }
    }
    // Durations within the short TTLs, so that cookie_set lifetimes matter.
    let policy = OwnedPolicy::from_json(&v.to_string()).unwrap();
    (policy, consent * DAY, refusal * DAY)
}

fn ts(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

const COOKIES: &[&str] = &[
    "nmstat",
    "JSESSIONID",
    "SESSab",
    "AWSELBCORS",
    "_ga",
    "samtykke",
];
const CATEGORIES: &[&str] = &["statistics", "functional"];

/// One event of `visitor` at `at`, or a bad line now and then.
fn event(rng: &mut Rng, visitor: &str, at: i64) -> (i64, String) {
    let mut m = json!({ "ts": ts(at), "visitor": visitor });
    let fields = match rng.below(20) {
        0..=3 => json!({
            "event": "notice_shown",
            "trigger": *rng.pick(&["auto", "user"]),
            "revision": *rng.pick(&[1, 2, 2]),
            "controls": if rng.chance(90) { json!(["accept_all", "reject_all", "settings"]) } else { json!(["accept_all"]) },
            "preselected": if rng.chance(10) { json!(["statistics"]) } else { json!([]) },
        }),
        4..=9 => {
            let action = *rng.pick(&[
                "accept_all",
                "reject_all",
                "save",
                "withdraw",
                "withdraw",
                "dismiss",
                "implied",
            ]);
            let mut d = json!({"event": "decision", "action": action});
            if rng.chance(30) {
                d["revision"] = (*rng.pick(&[1, 2])).into();
            }
            if rng.chance(20) {
                d["gpc"] = true.into();
            }
            match action {
                "save" | "dismiss" | "implied" => {
                    d["granted"] = json!(subset(rng, CATEGORIES));
                    if rng.chance(20) {
                        d["providers_refused"] = json!(["siteimprove"]);
                    }
                }
                "withdraw" if rng.chance(60) => d["categories"] = json!(subset(rng, CATEGORIES)),
                _ => {}
            }
            d
        }
        10..=11 => json!({"event": "signal", "signal": "gpc"}),
        12..=16 => {
            let names: Vec<&str> = COOKIES.iter().copied().filter(|_| rng.chance(40)).collect();
            json!({"event": "cookie_present", "cookies": names})
        }
        17..=18 => {
            let name = *rng.pick(COOKIES);
            let age = *rng.pick(&[0i64, 60, DAY, 100 * DAY, 2000 * DAY]);
            json!({"event": "cookie_set", "set_cookie": format!("{name}=1; Max-Age={age}")})
        }
        _ => {
            // A bad line, in place.
            return (
                at,
                (*rng.pick(&[
                    "not json",
                    r#"{"ts":"2026-03-01T10:00:00","visitor":"x","event":"signal","signal":"gpc"}"#,
                    r#"{"ts":"2026-03-01T10:00:00Z","visitor":"x","event":"wave"}"#,
                    r#"{"ts":"2026-03-01T10:00:00Z","event":"signal","signal":"gpc"}"#,
                ]))
                .to_owned(),
            );
        }
    };
    for (k, v) in fields.as_object().unwrap() {
        m[k] = v.clone();
    }
    (at, m.to_string())
}

/// The next gap: none, seconds, hours, days, exactly a day, each TTL boundary
/// (a second before, at and after), or up to three years.
fn gap(rng: &mut Rng, consent: i64, refusal: i64) -> i64 {
    let ttl = *rng.pick(&[consent, refusal, consent.max(refusal)]);
    match rng.below(10) {
        0 => 0,
        1 => rng.below(60) as i64,
        2 | 3 => rng.below(6 * 3600) as i64,
        4 => rng.below(20 * DAY as u64) as i64,
        5 => DAY + rng.below(3) as i64 - 1,
        6..=8 => ttl + rng.below(3) as i64 - 1,
        _ => rng.below(3 * 365 * DAY as u64) as i64,
    }
}

/// Each visitor's events in time order: `(visitor, time, line)`.
fn visits(rng: &mut Rng, consent: i64, refusal: i64) -> Vec<Vec<(i64, String)>> {
    let visitors = 1 + rng.below(10);
    (0..visitors)
        .map(|v| {
            let id = format!("v{v}");
            let mut at = START + rng.below(30 * DAY as u64) as i64;
            (0..1 + rng.below(30))
                .map(|_| {
                    at += gap(rng, consent, refusal);
                    event(rng, &id, at)
                })
                .collect()
        })
        .collect()
}

/// Files as servers write them: each visitor's events on one server, the
/// servers' lines interleaved at random (per-visitor order kept, global order
/// not).
fn server_files(rng: &mut Rng, visits: &[Vec<(i64, String)>], servers: usize) -> Vec<String> {
    let mut files: Vec<Vec<String>> = vec![Vec::new(); servers];
    let mut queues: Vec<(usize, std::collections::VecDeque<String>)> = visits
        .iter()
        .map(|v| {
            (
                rng.below(servers as u64) as usize,
                v.iter().map(|(_, l)| l.clone()).collect(),
            )
        })
        .collect();
    while queues.iter().any(|(_, q)| !q.is_empty()) {
        let i = rng.below(queues.len() as u64) as usize;
        let (server, q) = &mut queues[i];
        if let Some(line) = q.pop_front() {
            files[*server].push(line);
        }
    }
    files.into_iter().map(|f| f.join("\n")).collect()
}

/// Files each in time order, a visitor's events spread over them when
/// `spread` (a load balancer without sticky sessions), else on one each.
fn timed_files(
    rng: &mut Rng,
    visits: &[Vec<(i64, String)>],
    servers: usize,
    spread: bool,
) -> Vec<String> {
    let mut files: Vec<Vec<(i64, usize, String)>> = vec![Vec::new(); servers];
    let mut seq = 0;
    for v in visits {
        let home = rng.below(servers as u64) as usize;
        for (at, line) in v {
            let server = if spread {
                rng.below(servers as u64) as usize
            } else {
                home
            };
            files[server].push((*at, seq, line.clone()));
            seq += 1;
        }
    }
    files
        .into_iter()
        .map(|mut f| {
            f.sort_by_key(|&(at, seq, _)| (at, seq));
            f.into_iter()
                .map(|(_, _, l)| l)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

fn read_each(policy: &OwnedPolicy, files: &[String], options: AuditOptions) -> Report {
    let mut a = Auditor::new(policy.view(), options);
    for (i, f) in files.iter().enumerate() {
        a.read(&format!("server{i}.log"), f.as_bytes()).unwrap();
    }
    a.finish()
}

fn read_merged(policy: &OwnedPolicy, files: &[String], options: AuditOptions) -> Report {
    let mut a = Auditor::new(policy.view(), options.merge(true));
    let sources = files
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("server{i}.log"), f.as_bytes()))
        .collect();
    a.read_merged(sources).unwrap();
    a.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(samtykke_testkit::cases(160)))]

    /// Visitors sharded across 2 or 3 threads give the report one thread gives,
    /// on files in per-visitor order only, whatever the grace.
    #[test]
    fn audit_sharded_threads_give_the_one_thread_report(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let (policy, consent, refusal) = policy(&mut rng);
        let visits = visits(&mut rng, consent, refusal);
        let servers = 1 + rng.below(3) as usize;
        let files = server_files(&mut rng, &visits, servers);
        let grace = *rng.pick(&[0u32, 30, 86_400]);
        let one = read_each(&policy, &files, AuditOptions::new().threads(1).grace_seconds(grace));
        for threads in [2, 3] {
            let many = read_each(
                &policy,
                &files,
                AuditOptions::new().grace_seconds(grace).threads(threads),
            );
            prop_assert_eq!(&many, &one, "threads {}", threads);
        }
    }

    /// Merged files, each in time order: shrinking idle visitors to tombstones
    /// (at every sweep) gives the report keeping them does; and where each
    /// visitor keeps to one file, the merged report is the one reading the files
    /// one after the other gives.
    #[test]
    fn r16_merged_audit_is_the_same_with_and_without_shrinking(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let (policy, consent, refusal) = policy(&mut rng);
        let visits = visits(&mut rng, consent, refusal);
        let servers = 1 + rng.below(3) as usize;
        let spread = rng.chance(50);
        let files = timed_files(&mut rng, &visits, servers, spread);
        let grace = *rng.pick(&[0u32, 30, 86_400]);
        let options = || AuditOptions::new().threads(1).grace_seconds(grace);
        let kept = read_merged(&policy, &files, options().shrink(false));
        let shrunk = read_merged(&policy, &files, options().sweep_every(1));
        prop_assert_eq!(&shrunk, &kept);
        let merged_threads = read_merged(&policy, &files, options().sweep_every(1).threads(2));
        prop_assert_eq!(&merged_threads, &kept);
        if !spread {
            // Bad lines carry no visitor and keep their place either way; the
            // merge reports no line out of order, since each file is in order.
            let each = read_each(&policy, &files, options());
            prop_assert_eq!(&kept, &each);
        }
    }
}

/// The generators reach what the properties are about: lapses, shrinking and
/// violations of many kinds.
#[test]
fn audit_generated_logs_cross_ttl_boundaries_and_shrink() {
    let mut kinds = std::collections::BTreeSet::new();
    let mut shrunk = 0;
    let mut events = 0;
    for seed in 0..200 {
        let mut rng = Rng(seed);
        let (policy, consent, refusal) = policy(&mut rng);
        let visits = visits(&mut rng, consent, refusal);
        let files = timed_files(&mut rng, &visits, 2, true);
        let mut a = Auditor::new(
            policy.view(),
            AuditOptions::new().threads(1).merge(true).sweep_every(1),
        );
        a.read_merged(
            files
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("s{i}"), f.as_bytes()))
                .collect(),
        )
        .unwrap();
        shrunk += a.shrunk();
        let r = a.finish();
        events += r.summary.events;
        kinds.extend(r.violations.iter().map(|v| v.id));
    }
    assert!(shrunk > 100, "{shrunk} shrunk");
    assert!(events > 5_000, "{events} events");
    assert!(kinds.len() >= 10, "{kinds:?}");
}
