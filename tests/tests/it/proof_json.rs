//! Proof records as JSON lines (SPEC §7): R18 (replaying the records read back
//! gives the state) and R19 (retention), and the reader's typed errors.

use std::collections::BTreeSet;

use proptest::prelude::*;
use samtykke::example::KK_DK;
use samtykke::{
    may_purge, proof_ended_at, Action, Category, CategorySet, ConsentState, Control, Ctx, Event,
    Policy, Proof, ProviderSet, Status, ValidPolicy, Why,
};
use samtykke_host::proof_json::{
    proof_from_json, proof_to_json, purgeable_lines, ProofErrorKind, PROOF_KEYS,
};
use samtykke_testkit::{arb_events_len, arb_policy, Model};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::counted::Fed;

const DAY: i64 = 86_400;

/// A validated policy that lives for the rest of the test run.
pub(crate) fn leak(policy: Policy<'static>) -> ValidPolicy<'static> {
    let index = Box::leak(vec![0u16; policy.storage.len()].into_boxed_slice());
    policy.validate(index).expect("test policy is valid")
}

pub(crate) fn kk() -> ValidPolicy<'static> {
    leak(KK_DK)
}

/// KK_DK with other lifetimes, and (optionally) a GPC signal refusing statistics.
fn variant(consent: u16, refusal: u16, retention: u16, gpc: bool) -> ValidPolicy<'static> {
    let categories: Vec<Category<'static>> = KK_DK
        .categories
        .iter()
        .map(|c| Category {
            gpc_refuses: gpc && c.id == "statistics",
            ..*c
        })
        .collect();
    leak(Policy {
        consent_ttl_days: consent,
        refusal_ttl_days: refusal,
        proof_retention_days: retention,
        categories: Box::leak(categories.into_boxed_slice()),
        ..KK_DK
    })
}

/// A random [`variant`] of the kk.dk policy, and a visit under it whose gaps
/// include its lifetimes (give or take a second), so that events fall at the very
/// second a decision lapses.
fn arb_variant_and_events(max: usize) -> impl Strategy<Value = (ValidPolicy<'static>, Vec<Event>)> {
    (1u16..=400, 1u16..=400, 1u16..=1200, any::<bool>()).prop_flat_map(move |(c, r, k, g)| {
        let edges = vec![i64::from(c) * DAY, i64::from(r) * DAY, DAY];
        (Just(variant(c, r, k, g)), arb_events_with(max, edges))
    })
}

/// One step of a visit, before it is given its time.
#[derive(Clone, Debug)]
enum Step {
    Accept,
    Reject,
    Save(u32, u128),
    Withdraw(Option<u32>),
    Gpc,
    Dismiss,
    Scroll,
    Navigate,
    Idle,
}

fn arb_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(Step::Accept),
        2 => Just(Step::Reject),
        3 => (any::<u32>(), any::<u128>()).prop_map(|(c, p)| Step::Save(c, p)),
        3 => proptest::option::of(any::<u32>()).prop_map(Step::Withdraw),
        2 => Just(Step::Gpc),
        1 => Just(Step::Dismiss),
        1 => Just(Step::Scroll),
        1 => Just(Step::Navigate),
        1 => Just(Step::Idle),
    ]
}

/// Random visits: up to `max` events, hours to months apart, so that decisions
/// lapse between some of them. Random category and provider masks include slots
/// the policy lacks, which the core must ignore.
pub(crate) fn arb_events(max: usize) -> impl Strategy<Value = Vec<Event>> {
    arb_events_with(max, Vec::new())
}

/// Like [`arb_events`], with some gaps drawn from `edges` (each give or take a
/// second): the lifetimes, so that a later event falls at the very second an
/// earlier decision lapses, or just before or after it.
fn arb_events_with(max: usize, edges: Vec<i64>) -> impl Strategy<Value = Vec<Event>> {
    let gap = if edges.is_empty() {
        prop_oneof![0i64..=3600, 0i64..=150 * DAY].boxed()
    } else {
        let edge = (proptest::sample::select(edges), -1i64..=1).prop_map(|(e, d)| (e + d).max(0));
        prop_oneof![3 => 0i64..=3600, 3 => 0i64..=150 * DAY, 2 => edge].boxed()
    };
    let event = (arb_step(), gap, 1u16..=3, 0usize..4, any::<bool>());
    (0i64..=400 * DAY, proptest::collection::vec(event, 0..=max)).prop_map(|(start, steps)| {
        let mut at = datetime!(2026-01-01 0:00 UTC) + Duration::seconds(start);
        steps
            .into_iter()
            .map(|(step, dt, notice, control, gpc)| {
                at += Duration::seconds(dt);
                let ctx = Ctx {
                    at,
                    notice,
                    control: Control::ALL[control],
                    gpc,
                };
                match step {
                    Step::Accept => Event::AcceptAll(ctx),
                    Step::Reject => Event::RejectAll(ctx),
                    Step::Save(c, p) => Event::Save {
                        chosen: CategorySet::from_bits(c),
                        refused_providers: ProviderSet::from_bits(p),
                        ctx,
                    },
                    Step::Withdraw(c) => Event::Withdraw {
                        categories: c.map(CategorySet::from_bits),
                        ctx,
                    },
                    Step::Gpc => Event::SignalGpc(at),
                    Step::Dismiss => Event::Dismiss(at),
                    Step::Scroll => Event::Scroll(at),
                    Step::Navigate => Event::Navigate(at),
                    Step::Idle => Event::Idle(at),
                }
            })
            .collect()
    })
}

/// The visit's final state and its proof records.
fn visit(policy: &ValidPolicy<'_>, id: u128, events: &[Event]) -> (ConsentState, Vec<Proof>) {
    let mut state = ConsentState::new(id);
    let proofs = events
        .iter()
        .filter_map(|e| state.apply(policy, e))
        .collect();
    (state, proofs)
}

fn object(line: &str) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(line).expect("a proof record is JSON") {
        serde_json::Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(samtykke_testkit::cases(512)))]

    /// R19 over a file: two visitors' records interleaved with blank and foreign
    /// lines; `purgeable_lines` flags exactly the records `may_purge` allows within
    /// their own visitor's records (in file order), and never a line it cannot read.
    #[test]
    fn r19_purgeable_lines_flag_each_visitors_purgeable_records(
        a in arb_events(10),
        b in arb_events(10),
        order in prop::collection::vec(0u8..4, 0..40),
        later in 0i64..(5 * 365 * DAY),
    ) {
        let policy = variant(100, 30, 365, true);
        let (_, pa) = visit(&policy, 1, &a);
        let (_, pb) = visit(&policy, 2, &b);
        let (mut ia, mut ib) = (0, 0);
        let mut lines = Vec::new();
        // 0: a's next record, 1: b's next, 2: a blank line, 3: a line that is no record.
        for o in order.iter().chain([0u8, 1].iter().cycle().take(2 * (pa.len() + pb.len()))) {
            match o {
                0 if ia < pa.len() => { lines.push(proof_to_json(&policy, &pa[ia])); ia += 1; }
                1 if ib < pb.len() => { lines.push(proof_to_json(&policy, &pb[ib])); ib += 1; }
                2 => lines.push(String::new()),
                3 => lines.push("{\"not\":\"a record\"}".to_owned()),
                _ => {}
            }
        }
        let now = datetime!(2026-03-01 10:00 UTC) + Duration::seconds(later);
        // One flag per line split at `\n`, as documented: an empty file is one
        // empty line.
        let text = lines.join("\n");
        let flags = purgeable_lines(&policy, &text, now);
        let split: Vec<&str> = text.split('\n').collect();
        prop_assert_eq!(flags.len(), split.len());
        let (mut ka, mut kb) = (0, 0);
        for (line, flag) in split.iter().zip(&flags) {
            let want = match proof_from_json(&policy, line) {
                Ok(p) if p.consent_id == 1 => { ka += 1; may_purge(&policy, &pa, ka - 1, now) }
                Ok(_) => { kb += 1; may_purge(&policy, &pb, kb - 1, now) }
                Err(_) => false,
            };
            prop_assert_eq!(*flag, want, "{}", line);
        }
    }

    /// R18: every record survives the trip through JSON exactly, and replaying the
    /// records read back gives exactly the visitor's state, after every record.
    #[test]
    fn r18_replaying_records_read_back_from_json_gives_the_state(
        events in arb_events(24),
        id in any::<u128>(),
        gpc_policy in any::<bool>(),
    ) {
        let policy = if gpc_policy { variant(100, 100, 1095, true) } else { kk() };
        let mut state = ConsentState::new(id);
        let mut read_back = Vec::new();
        for e in &events {
            if let Some(proof) = state.apply(&policy, e) {
                let line = proof_to_json(&policy, &proof);
                prop_assert!(!line.contains('\n'));
                let parsed = proof_from_json(&policy, &line);
                prop_assert_eq!(parsed.as_ref(), Ok(&proof), "{}", line);
                read_back.push(parsed.unwrap());
            }
            prop_assert_eq!(ConsentState::replay(&policy, id, &read_back), state);
        }
    }

    /// R18/§7: a record has exactly the keys of SPEC §7, in that order (no IP
    /// address, no user agent); a full decision lists every consent category, a
    /// partial refusal only those it refused.
    #[test]
    fn r18_records_have_exactly_the_spec_keys(events in arb_events(12), id in any::<u128>()) {
        let policy = variant(100, 100, 1095, true);
        let (_, proofs) = visit(&policy, id, &events);
        for proof in &proofs {
            let line = proof_to_json(&policy, proof);
            let map = object(&line);
            let keys: BTreeSet<&str> = map.keys().map(String::as_str).collect();
            prop_assert_eq!(keys, PROOF_KEYS.into_iter().collect::<BTreeSet<_>>());
            // Written in the order of PROOF_KEYS.
            let mut from = 0;
            for key in PROOF_KEYS {
                let at = line[from..].find(&format!("\"{key}\":")).map(|i| i + from);
                prop_assert!(at.is_some(), "{} out of order in {}", key, line);
                from = at.unwrap();
            }
            let decisions = map["decisions"].as_object().unwrap();
            let decided: BTreeSet<&str> = decisions.keys().map(String::as_str).collect();
            if proof.action.is_full_decision() {
                prop_assert_eq!(decided, ["functional", "statistics"].into_iter().collect());
            } else {
                let refused: BTreeSet<&str> = policy
                    .policy()
                    .categories
                    .iter()
                    .filter(|c| proof.refused.contains(c.slot))
                    .map(|c| c.id)
                    .collect();
                prop_assert_eq!(decided, refused);
                prop_assert!(decisions.values().all(|v| v == "refused"));
            }
        }
    }
}

/// What reading one line gives: a record that writes back to a line reading the
/// same, or a typed error ([`Code::ProofInvalid`] with a message).
fn check_proof_line(policy: &ValidPolicy<'_>, line: &str) -> Result<(), TestCaseError> {
    match proof_from_json(policy, line) {
        Ok(proof) => {
            let again = proof_to_json(policy, &proof);
            prop_assert_eq!(proof_from_json(policy, &again), Ok(proof), "{}", line);
        }
        Err(e) => {
            prop_assert_eq!(e.code(), samtykke::Code::ProofInvalid);
            prop_assert!(!e.to_string().is_empty());
        }
    }
    Ok(())
}

/// Lines damaged from a real record of a random visit: a cut (the line up to a
/// point) or junk inserted at a point, once or twice.
fn damaged_line() -> impl Strategy<Value = String> {
    (
        arb_events(4),
        proptest::collection::vec(
            (any::<proptest::sample::Index>(), ".{0,8}", any::<bool>()),
            1..3,
        ),
    )
        .prop_map(|(events, edits)| {
            let policy = kk();
            let (_, proofs) = visit(&policy, 1, &events);
            let Some(proof) = proofs.first() else {
                return String::new();
            };
            let mut chars: Vec<char> = proof_to_json(&policy, proof).chars().collect();
            for (at, junk, cut) in edits {
                let i = at.index(chars.len() + 1);
                if cut {
                    chars.truncate(i);
                } else {
                    chars.splice(i..i, junk.chars());
                }
            }
            chars.into_iter().collect()
        })
}

/// Lines shaped like records with random values and keys, for the reader's
/// typed-field paths.
fn jsonish_line() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        ".{0,12}".prop_map(|s| serde_json::Value::String(s).to_string()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
    ];
    let key = prop_oneof![
        proptest::sample::select(PROOF_KEYS.to_vec()).prop_map(str::to_owned),
        "[a-z_]{0,8}",
    ];
    proptest::collection::vec((key, value), 0..12).prop_map(|pairs| {
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}:{v}", serde_json::Value::String(k.clone())))
            .collect();
        format!("{{{}}}", body.join(","))
    })
}

/// SPEC §13: the proof-record reader, fed 5,000 random lines (arbitrary strings
/// and objects of record keys with random values) and 5,000 records of random
/// visits cut short or with junk inserted (counted), returns a record that writes
/// back to itself or a typed error, never a panic.
#[test]
fn proof_reader_never_panics_on_random_or_damaged_lines() {
    let policy = kk();
    let mut fed = Fed::new("proof records");
    let random = prop_oneof![any::<String>(), ".{0,64}", jsonish_line()];
    fed.run("random", file!(), 5_000, random, |line| {
        check_proof_line(&policy, &line)
    });
    fed.run("damaged", file!(), 5_000, damaged_line(), |line| {
        check_proof_line(&policy, &line)
    });
    fed.finish();
}

/// Whether the decision `records[i]` proves is in force at `t`, from the reference
/// model of SPEC §4 rather than from `proof_ended_at`'s arithmetic or the core: no
/// full decision has replaced it, and one of its categories still holds its
/// decision there. A full decision is judged on its own (the model right after
/// it), so a later partial withdrawal does not end it early. A partial refusal is
/// judged on the model replayed up to `t`: a later partial refusal made while its
/// refusals were in force carries them on (partial refusals share the latest
/// time), but once they lapsed the stretch is broken, and a later refusal of the
/// same category is a new decision, proven by its own record.
fn in_force(policy: &ValidPolicy<'_>, records: &[Proof], i: usize, t: OffsetDateTime) -> bool {
    let r = &records[i];
    if t < r.at
        || records[i + 1..]
            .iter()
            .any(|q| q.action.is_full_decision() && q.at <= t)
    {
        return false;
    }
    let mine = r.granted.union(r.refused);
    let now = t.unix_timestamp();
    let mut model = Model::new(policy.policy());
    if r.action.is_full_decision() && mine.is_empty() {
        // A full decision under a policy with no consent category decides no
        // category, so SPEC §2 gives it no lifetime; the core keeps it for the
        // longer of the two (docs/proofs.md), and this oracle says so in the open.
        let p = policy.policy();
        let longest = i64::from(p.consent_ttl_days.max(p.refusal_ttl_days)) * DAY;
        return now < r.at.unix_timestamp() + longest;
    }
    if r.action.is_full_decision() {
        model.apply_proof(r);
        mine.slots().any(|c| {
            matches!(
                model.status(c, now),
                Status::Granted | Status::Denied(Why::Refused)
            )
        })
    } else {
        for q in records.iter().filter(|q| q.at <= t) {
            model.apply_proof(q);
        }
        model
            .partial_since()
            .is_some_and(|since| since <= r.at.unix_timestamp())
            && mine.slots().any(|c| {
                matches!(
                    model.status(c, now),
                    Status::Denied(Why::Withdrawn | Why::Signal)
                )
            })
    }
}

/// When `records[i]` stopped being in force for good: the end of the last stretch
/// in which [`in_force`] holds (its own time if it never does). Whether it holds
/// can only change at a record's time or at a lapse, so those are the only
/// instants to try.
fn oracle_end(policy: &ValidPolicy<'_>, records: &[Proof], i: usize) -> i64 {
    let p = policy.policy();
    let (consent, refusal) = (
        i64::from(p.consent_ttl_days) * DAY,
        i64::from(p.refusal_ttl_days) * DAY,
    );
    let start = records[i].at.unix_timestamp();
    let mut candidates: Vec<i64> = records
        .iter()
        .flat_map(|r| {
            let at = r.at.unix_timestamp();
            [at, at + consent, at + refusal]
        })
        .chain([start])
        .filter(|&c| c >= start)
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let secs = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
    match candidates
        .iter()
        .rposition(|&c| in_force(policy, records, i, secs(c)))
    {
        None => start,
        Some(k) => candidates[k + 1],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(samtykke_testkit::cases(256)))]

    /// R19: a record may be purged exactly when the decision it proves has been
    /// out of force for `proof_retention_days`: never while it is in force or
    /// sooner after, always from then on.
    #[test]
    fn r19_a_record_may_be_purged_only_after_its_decision_ended_plus_retention(
        (policy, events) in arb_variant_and_events(16),
        id in any::<u128>(),
        probes in proptest::collection::vec(0.0f64..1.0, 4),
    ) {
        let (_, records) = visit(&policy, id, &events);
        purged_only_after_end_plus_retention(&policy, &records, &probes)?;
    }

    /// R19 over random policies (1–16 categories, GPC categories, lifetimes and
    /// retention of 1–3650 days each, equal or not) and their generated visits,
    /// which put events at, just before and just after lapse seconds: the same
    /// rule, judged by the same model-based oracle.
    #[test]
    fn r19_on_random_policies_a_record_may_be_purged_only_after_its_decision_ended_plus_retention(
        (p, events) in arb_policy().prop_flat_map(|p| {
            let events = arb_events_len(&p, 1..=24);
            (Just(p), events)
        }),
        id in any::<u128>(),
        probes in proptest::collection::vec(0.0f64..1.0, 4),
    ) {
        let valid = p.valid();
        let policy = valid.view();
        let (_, records) = visit(&policy, id, &events);
        purged_only_after_end_plus_retention(&policy, &records, &probes)?;
    }
}

/// R19's rule for every record of `records`: `proof_ended_at` is the end
/// [`oracle_end`] finds from the model; `may_purge` is false while the model says
/// the decision is in force and exactly from the end plus `proof_retention_days`,
/// tried at the second before and at it, at the end and the second before, and at
/// the `probes` (fractions of the span from ten days before the record to ten days
/// after the purge).
fn purged_only_after_end_plus_retention(
    policy: &ValidPolicy<'_>,
    records: &[Proof],
    probes: &[f64],
) -> Result<(), TestCaseError> {
    let keep = i64::from(policy.policy().proof_retention_days) * DAY;
    let secs = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
    for i in 0..records.len() {
        let end = oracle_end(policy, records, i);
        prop_assert_eq!(
            proof_ended_at(policy, records, i),
            Some(secs(end)),
            "record {}",
            i
        );
        let from = records[i].at.unix_timestamp() - 10 * DAY;
        let to = end + keep + 10 * DAY;
        let mut nows = vec![end + keep - 1, end + keep, end - 1, end];
        nows.extend(
            probes
                .iter()
                .map(|f| from + ((to - from) as f64 * f) as i64),
        );
        for now in nows {
            let purge = may_purge(policy, records, i, secs(now));
            if in_force(policy, records, i, secs(now)) {
                prop_assert!(!purge, "record {} purgeable while in force at {}", i, now);
            }
            prop_assert_eq!(purge, now >= end + keep, "record {} at {}", i, now);
        }
    }
    prop_assert!(!may_purge(
        policy,
        records,
        records.len(),
        secs(i64::from(u32::MAX))
    ));
    Ok(())
}

/// R19: a withdrawal's refusal stands as long as a later partial refusal keeps
/// it (the state keeps partial refusals under the latest one's time), so its
/// record must be kept until that one lapses, plus retention.
#[test]
fn r19_a_withdrawal_kept_alive_by_a_later_one_is_not_purged_early() {
    let policy = kk();
    let t0 = datetime!(2026-01-01 0:00 UTC);
    let stats = policy.category_set(&["statistics"]).unwrap();
    let functional = policy.category_set(&["functional"]).unwrap();
    let mut state = ConsentState::new(9);
    let records = vec![
        state.accept_all(&policy, Ctx::button(t0, 1)),
        state
            .withdraw(&policy, Some(stats), Ctx::button(t0 + Duration::days(1), 1))
            .unwrap(),
        state
            .withdraw(
                &policy,
                Some(functional),
                Ctx::button(t0 + Duration::days(90), 1),
            )
            .unwrap(),
    ];
    // Statistics stays withdrawn until day 90 + 100, not day 1 + 100.
    let day150 = t0 + Duration::days(150);
    assert_eq!(
        state.category_status(&policy, policy.category("statistics").unwrap().1, day150),
        Status::Denied(Why::Withdrawn)
    );
    assert_eq!(
        proof_ended_at(&policy, &records, 1),
        Some(t0 + Duration::days(190))
    );
    let retention = Duration::days(1095);
    assert!(!may_purge(
        &policy,
        &records,
        1,
        t0 + Duration::days(101) + retention
    ));
    assert!(may_purge(
        &policy,
        &records,
        1,
        t0 + Duration::days(190) + retention
    ));
}

/// R19: a withdrawal that had lapsed when a later partial refusal came is not
/// carried on by it (a lapsed refusal is undecided and stays so, SPEC §4): its
/// record may go once its own lapse plus retention has passed, even when the later
/// one names the same category again at the very second of the lapse.
#[test]
fn r19_a_lapsed_withdrawal_is_not_kept_alive_by_a_later_one() {
    let policy = kk();
    let t0 = datetime!(2026-01-01 0:00 UTC);
    let stats = policy.category_set(&["statistics"]).unwrap();
    let functional = policy.category_set(&["functional"]).unwrap();
    let retention = Duration::days(1095);
    for (again, at) in [(functional, 150), (stats, 101)] {
        let mut state = ConsentState::new(9);
        let records = vec![
            state.accept_all(&policy, Ctx::button(t0, 1)),
            state
                .withdraw(&policy, Some(stats), Ctx::button(t0 + Duration::days(1), 1))
                .unwrap(),
            state
                .withdraw(
                    &policy,
                    Some(again),
                    Ctx::button(t0 + Duration::days(at), 1),
                )
                .unwrap(),
        ];
        let (_, statistics) = policy.category("statistics").unwrap();
        let want = if again == stats {
            Status::Denied(Why::Withdrawn)
        } else {
            Status::Denied(Why::Undecided)
        };
        assert_eq!(
            state.category_status(&policy, statistics, t0 + Duration::days(at)),
            want
        );
        assert_eq!(
            proof_ended_at(&policy, &records, 1),
            Some(t0 + Duration::days(101))
        );
        assert_eq!(
            proof_ended_at(&policy, &records, 2),
            Some(t0 + Duration::days(at + 100))
        );
        let lapse = t0 + Duration::days(101) + retention;
        assert!(!may_purge(
            &policy,
            &records,
            1,
            lapse - Duration::seconds(1)
        ));
        assert!(may_purge(&policy, &records, 1, lapse));
        assert!(!may_purge(&policy, &records, 2, lapse));
    }
}

#[test]
fn proof_line_is_the_spec_format() {
    let policy = kk();
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let mut state = ConsentState::new(0x1234);
    let chosen = policy.category_set(&["statistics"]).unwrap();
    let refused = policy.provider_set(&["septima"]).unwrap();
    let proof = state.save(&policy, chosen, refused, Ctx::button(t0, 1));
    assert_eq!(
        proof_to_json(&policy, &proof),
        concat!(
            r#"{"ts":"2026-03-01T10:00:00Z","consent_id":"00000000000000000000000000001234","#,
            r#""site":"kk.dk","revision":1,"notice_version":1,"action":"save","control":"button","#,
            r#""decisions":{"functional":"refused","statistics":"granted"},"#,
            r#""providers_refused":["septima"],"gpc":false,"expires":"2026-06-09T10:00:00Z"}"#
        )
    );
    let withdrawal = state
        .withdraw(&policy, None, Ctx::button(t0 + Duration::days(1), 1))
        .unwrap();
    let line = proof_to_json(&policy, &withdrawal);
    assert!(line.contains(r#""action":"withdraw""#), "{line}");
    assert!(line.contains(r#""decisions":{"functional":"refused","statistics":"refused"}"#));
    assert!(line.contains(r#""providers_refused":[]"#));
    assert_eq!(proof_from_json(&policy, &line), Ok(withdrawal));
}

/// Each fault is a typed error naming its key.
#[test]
fn proof_reader_names_the_key_at_fault() {
    let policy = kk();
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let mut state = ConsentState::new(0xabc);
    let save = proof_to_json(&policy, &state.accept_all(&policy, Ctx::button(t0, 1)));
    let withdraw = proof_to_json(
        &policy,
        &state.withdraw(&policy, None, Ctx::button(t0, 1)).unwrap(),
    );
    let edit = |line: &str, key: &str, value: Option<serde_json::Value>| {
        let mut map = object(line);
        match value {
            Some(v) => map.insert(key.to_owned(), v),
            None => map.remove(key),
        };
        serde_json::Value::Object(map).to_string()
    };
    use serde_json::json;
    use ProofErrorKind as K;
    let cases: Vec<(String, Option<&str>, ProofErrorKind)> = vec![
        ("not json".into(), None, K::Json { line: 1, column: 2 }),
        ("[1]".into(), None, K::NotAnObject),
        (edit(&save, "ts", None), Some("ts"), K::MissingKey),
        (
            edit(&save, "ip", Some(json!("192.0.2.1"))),
            Some("ip"),
            K::UnknownKey,
        ),
        (
            edit(&save, "user_agent", Some(json!("x"))),
            Some("user_agent"),
            K::UnknownKey,
        ),
        (
            edit(&save, "ts", Some(json!("yesterday"))),
            Some("ts"),
            K::InvalidTime,
        ),
        (
            edit(&save, "ts", Some(json!(5))),
            Some("ts"),
            K::WrongType("a string"),
        ),
        (
            edit(
                &save,
                "consent_id",
                Some(json!("00000000000000000000000000000ABC")),
            ),
            Some("consent_id"),
            K::InvalidConsentId,
        ),
        (
            edit(&save, "consent_id", Some(json!("abc"))),
            Some("consent_id"),
            K::InvalidConsentId,
        ),
        (
            edit(&save, "site", Some(json!("borger.dk"))),
            Some("site"),
            K::SiteMismatch,
        ),
        (
            edit(&save, "revision", Some(json!(-1))),
            Some("revision"),
            K::OutOfRange,
        ),
        (
            edit(&save, "revision", Some(json!("1"))),
            Some("revision"),
            K::WrongType("an integer"),
        ),
        (
            edit(&save, "notice_version", Some(json!(70000))),
            Some("notice_version"),
            K::OutOfRange,
        ),
        (
            edit(&save, "action", Some(json!("scroll"))),
            Some("action"),
            K::InvalidAction,
        ),
        (
            edit(&save, "control", Some(json!("voice"))),
            Some("control"),
            K::InvalidControl,
        ),
        (
            edit(&save, "decisions", Some(json!({"marketing": "granted"}))),
            Some("decisions.marketing"),
            K::UnknownCategory,
        ),
        (
            edit(&save, "decisions", Some(json!({"necessary": "granted"}))),
            Some("decisions.necessary"),
            K::ExemptCategory,
        ),
        (
            edit(&save, "decisions", Some(json!({"statistics": "maybe"}))),
            Some("decisions.statistics"),
            K::InvalidDecision,
        ),
        (
            edit(
                &withdraw,
                "decisions",
                Some(json!({"statistics": "granted"})),
            ),
            Some("decisions.statistics"),
            K::InvalidDecision,
        ),
        (
            edit(&save, "decisions", Some(json!([]))),
            Some("decisions"),
            K::WrongType("an object"),
        ),
        (
            edit(&save, "providers_refused", Some(json!(["kk", "acme"]))),
            Some("providers_refused[1]"),
            K::UnknownProvider,
        ),
        (
            edit(&save, "gpc", Some(json!("no"))),
            Some("gpc"),
            K::WrongType("a boolean"),
        ),
        (
            edit(&save, "expires", Some(json!(0))),
            Some("expires"),
            K::WrongType("a string or null"),
        ),
    ];
    for (line, key, kind) in cases {
        let err = proof_from_json(&policy, &line).expect_err(&line);
        assert_eq!((err.key.as_deref(), err.kind), (key, kind), "{line}");
        assert_eq!(err.code(), samtykke::Code::ProofInvalid);
        if let Some(key) = key {
            assert!(err.to_string().contains(key), "{err}");
        }
    }
    // An offset is the same instant; null `expires` is none.
    let shifted = edit(&save, "ts", Some(json!("2026-03-01T11:00:00+01:00")));
    assert_eq!(proof_from_json(&policy, &shifted).unwrap().at, t0);
    let no_expiry = edit(&save, "expires", Some(serde_json::Value::Null));
    assert_eq!(proof_from_json(&policy, &no_expiry).unwrap().expires, None);
    // A record with no decision for a category (one added in a later revision)
    // leaves it undecided.
    let partial = edit(&save, "decisions", Some(json!({"statistics": "granted"})));
    let proof = proof_from_json(&policy, &partial).unwrap();
    assert_eq!(proof.action, Action::AcceptAll);
    assert_eq!(proof.granted, policy.category_set(&["statistics"]).unwrap());
}
