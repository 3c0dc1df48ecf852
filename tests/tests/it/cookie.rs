//! The consent cookie `v1` (SPEC §5, §13): exact round trips, signing, size, policy
//! revisions and bad input.

use std::sync::OnceLock;

use proptest::prelude::*;
use samtykke::example::KK_DK;
use samtykke::{
    Basis, Category, CategorySet, Code, ConsentCookie, ConsentState, Control, Controller,
    CookieError, CookieField, CookieKey, Ctx, Event, Party, Policy, Provider, ProviderSet, Status,
    Text, ValidPolicy, COOKIE_MAX_LEN,
};
use time::macros::datetime;
use time::OffsetDateTime;

use crate::counted::Fed;

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

// ---- a local generator of policies and reachable states ------------------------

/// Ids for slots: `c0`…`c31`, `p0`…`p127`, leaked once so policies can borrow them.
fn ids() -> &'static (Vec<&'static str>, Vec<&'static str>) {
    static IDS: OnceLock<(Vec<&'static str>, Vec<&'static str>)> = OnceLock::new();
    IDS.get_or_init(|| {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        (
            (0..32).map(|i| leak(format!("c{i}"))).collect(),
            (0..128).map(|i| leak(format!("p{i}"))).collect(),
        )
    })
}

/// The numbers a random policy is made of.
#[derive(Clone, Debug)]
struct Spec {
    site: &'static str,
    revision: u32,
    consent_ttl_days: u16,
    refusal_ttl_days: u16,
    /// Category slots; the one at `necessary` is the exempt category.
    category_slots: Vec<u8>,
    necessary: usize,
    changed: Vec<u32>,
    gpc: Vec<bool>,
    provider_slots: Vec<u8>,
}

/// The owned parts of a policy built from a [`Spec`].
struct Built {
    categories: Vec<Category<'static>>,
    providers: Vec<Provider<'static>>,
}

impl Spec {
    fn build(&self) -> Built {
        let (cat_ids, provider_ids) = ids();
        let categories = self
            .category_slots
            .iter()
            .enumerate()
            .map(|(i, &slot)| {
                let necessary = i == self.necessary;
                Category {
                    id: if necessary {
                        "necessary"
                    } else {
                        cat_ids[slot as usize]
                    },
                    basis: if necessary {
                        Basis::Exempt
                    } else {
                        Basis::Consent
                    },
                    slot,
                    changed_in_revision: self.changed[i].clamp(1, self.revision),
                    gpc_refuses: !necessary && self.gpc[i],
                    label: Text::default(),
                    description: Text::default(),
                }
            })
            .collect();
        let providers = self
            .provider_slots
            .iter()
            .map(|&slot| Provider {
                id: provider_ids[slot as usize],
                name: provider_ids[slot as usize],
                party: Party::Third,
                slot,
                domains: "",
                privacy_policy: "",
            })
            .collect();
        Built {
            categories,
            providers,
        }
    }
}

impl Built {
    fn policy<'a>(&'a self, spec: &Spec) -> Policy<'a> {
        Policy {
            site: spec.site,
            revision: spec.revision,
            notice_version: 1,
            controller: Controller::default(),
            consent_cookie: ConsentCookie {
                name: "samtykke",
                domain: None,
            },
            consent_ttl_days: spec.consent_ttl_days,
            refusal_ttl_days: spec.refusal_ttl_days,
            proof_retention_days: 1095,
            categories: &self.categories,
            providers: &self.providers,
            storage: &[],
            consent_mode: samtykke::ConsentModeMap::NONE,
        }
    }
}

/// Validates a policy without storage (the index is then empty).
fn valid(policy: Policy<'_>) -> ValidPolicy<'_> {
    policy
        .validate(&mut [])
        .expect("generated policies are valid")
}

fn spec_with(
    categories: std::ops::RangeInclusive<usize>,
    providers: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Spec> {
    let all_categories: Vec<u8> = (0..32).collect();
    let all_providers: Vec<u8> = (0..128).collect();
    (
        prop::sample::subsequence(all_categories, categories).prop_shuffle(),
        prop::sample::subsequence(all_providers, providers).prop_shuffle(),
        prop_oneof![1u32..=5, 1u32..=u32::MAX],
        prop::sample::select(vec!["kk.dk", "borger.dk", "example.org"]),
        1u16..=3650,
        1u16..=3650,
        any::<prop::sample::Index>(),
        prop::collection::vec(1u32..=u32::MAX, 16),
        prop::collection::vec(any::<bool>(), 16),
    )
        .prop_map(
            |(category_slots, provider_slots, revision, site, c_ttl, r_ttl, nec, changed, gpc)| {
                let necessary = nec.index(category_slots.len());
                let changed = changed.iter().map(|&c| 1 + c % revision).collect();
                Spec {
                    site,
                    revision,
                    consent_ttl_days: c_ttl,
                    refusal_ttl_days: r_ttl,
                    category_slots,
                    necessary,
                    changed,
                    gpc,
                    provider_slots,
                }
            },
        )
}

fn any_spec() -> impl Strategy<Value = Spec> {
    spec_with(1..=16, 0..=64)
}

/// One random event, its time an offset from the previous one.
#[derive(Clone, Debug)]
struct EventSpec {
    kind: u8,
    dt: i64,
    categories: u32,
    all: bool,
    providers: u128,
    notice: u16,
    control: u8,
    gpc: bool,
}

fn event_spec() -> impl Strategy<Value = EventSpec> {
    (
        0u8..9,
        prop_oneof![0i64..=86_400, 0i64..=100_000_000],
        any::<u32>(),
        any::<bool>(),
        any::<u128>(),
        any::<u16>(),
        0u8..5,
        any::<bool>(),
    )
        .prop_map(
            |(kind, dt, categories, all, providers, notice, control, gpc)| EventSpec {
                kind,
                dt,
                categories,
                all,
                providers,
                notice,
                control,
                gpc,
            },
        )
}

/// A start time: mostly around now, sometimes anywhere `time` can represent
/// (leaving room for the events that follow).
fn start() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => 1_500_000_000i64..=2_500_000_000,
        1 => -377_000_000_000i64..=250_000_000_000,
    ]
}

fn event(e: &EventSpec, at: OffsetDateTime) -> Event {
    let ctx = Ctx {
        at,
        notice: e.notice,
        control: Control::ALL[e.control as usize],
        gpc: e.gpc,
    };
    match e.kind {
        0 => Event::AcceptAll(ctx),
        1 => Event::RejectAll(ctx),
        2 => Event::Save {
            chosen: CategorySet::from_bits(e.categories),
            refused_providers: ProviderSet::from_bits(e.providers),
            ctx,
        },
        3 => Event::Withdraw {
            categories: (!e.all).then_some(CategorySet::from_bits(e.categories)),
            ctx,
        },
        4 => Event::SignalGpc(at),
        5 => Event::Dismiss(at),
        6 => Event::Scroll(at),
        7 => Event::Navigate(at),
        _ => Event::Idle(at),
    }
}

/// The state the events reach from a new state, and the proof records they yield.
fn run(
    policy: &ValidPolicy<'_>,
    id: u128,
    t0: i64,
    events: &[EventSpec],
) -> (ConsentState, Vec<samtykke::Proof>, OffsetDateTime) {
    let mut state = ConsentState::new(id);
    let mut proofs = Vec::new();
    let mut t = t0;
    for e in events {
        t += e.dt;
        let at = OffsetDateTime::from_unix_timestamp(t).expect("times stay in range");
        proofs.extend(state.apply(policy, &event(e, at)));
    }
    let now = OffsetDateTime::from_unix_timestamp(t).expect("times stay in range");
    (state, proofs, now)
}

fn encode(state: &ConsentState, policy: &ValidPolicy<'_>, key: Option<&[u8]>) -> Vec<u8> {
    let mut buf = [0u8; COOKIE_MAX_LEN];
    let n = state
        .encode_cookie(policy, key, &mut buf)
        .expect("COOKIE_MAX_LEN always suffices");
    buf[..n].to_vec()
}

fn kk() -> ValidPolicy<'static> {
    static INDEX: OnceLock<ValidPolicy<'static>> = OnceLock::new();
    *INDEX.get_or_init(|| {
        let index = Box::leak(vec![0u16; KK_DK.storage.len()].into_boxed_slice());
        KK_DK.validate(index).expect("the example policy is valid")
    })
}

/// A base64url encoder without padding, to build records by hand.
fn b64(bytes: &[u8]) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = b"v1.".to_vec();
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            n |= u32::from(b) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize]);
        }
    }
    out
}

fn is_cookie_code(code: Code) -> bool {
    matches!(
        code,
        Code::CookieVersion
            | Code::CookieEncoding
            | Code::CookieMalformed
            | Code::CookieUnsigned
            | Code::CookieBadSignature
            | Code::CookieTooLong
    )
}

/// A reachable state on a random policy, with the policy's spec.
fn reachable() -> impl Strategy<Value = (Spec, u128, i64, Vec<EventSpec>)> {
    (
        any_spec(),
        any::<u128>(),
        start(),
        prop::collection::vec(event_spec(), 0..12),
    )
}

// ---- round trips ---------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Every state reachable by events on any policy comes back exactly, signed or
    /// not, and it is the state its proof records replay to (R18): the cookie
    /// carries the proven state, nothing more and nothing less.
    #[test]
    fn r18_cookie_round_trips_exactly_the_proven_state(
        (spec, id, t0, events) in reachable(),
        signed in any::<bool>(),
    ) {
        let built = spec.build();
        let policy = valid(built.policy(&spec));
        let (state, proofs, _) = run(&policy, id, t0, &events);
        let key = signed.then_some(KEY);
        let value = encode(&state, &policy, key);
        prop_assert!(value.len() <= COOKIE_MAX_LEN);
        prop_assert!(value.starts_with(b"v1."));
        prop_assert!(value[3..]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let decoded = ConsentState::decode_cookie(&policy, &value, key);
        prop_assert_eq!(decoded, Ok(state));
        prop_assert_eq!(ConsentState::replay(&policy, id, &proofs), state);
        // A signed cookie also decodes, unverified, without the key.
        prop_assert_eq!(ConsentState::decode_cookie(&policy, &value, None), Ok(state));
        // A prepared key writes and reads the same values as the key's bytes.
        let prepared = key.map(CookieKey::new);
        let mut buf = [0u8; COOKIE_MAX_LEN];
        let n = state.encode_cookie_with(&policy, prepared.as_ref(), &mut buf).unwrap();
        prop_assert_eq!(&buf[..n], &value[..]);
        prop_assert_eq!(ConsentState::decode_cookie_with(&policy, &value, prepared.as_ref()), Ok(state));
    }

    /// After reject-all the state is decided, and the refusal survives the cookie:
    /// it holds until `refusal_ttl_days` have passed, then the prompt is due (R14).
    #[test]
    fn r14_refusal_encodes_into_cookie_and_lasts_refusal_ttl(
        (spec, id, t0, events) in reachable(),
        dt in 0i64..=1_000_000,
    ) {
        let built = spec.build();
        let policy = valid(built.policy(&spec));
        let (mut state, _, now) = run(&policy, id, t0, &events);
        let at = now + time::Duration::seconds(dt);
        state.reject_all(&policy, Ctx::button(at, 1));
        let decoded = ConsentState::decode_cookie(&policy, &encode(&state, &policy, Some(KEY)), Some(KEY))
            .expect("a refusal decodes");
        prop_assert_eq!(decoded, state);
        prop_assert_eq!(decoded.decided_at(), Some(at));
        prop_assert_eq!(decoded.refused(), policy.consent_slots());
        prop_assert!(decoded.granted().is_empty());
        let ttl = time::Duration::days(i64::from(spec.refusal_ttl_days));
        prop_assert!(!decoded.prompt_due(&policy, at));
        prop_assert!(!decoded.prompt_due(&policy, at + ttl - time::Duration::SECOND));
        prop_assert_eq!(
            decoded.prompt_due(&policy, at + ttl),
            !policy.consent_slots().is_empty()
        );
    }

    /// A signed cookie for a policy of 8 categories and 64 providers is at most 120
    /// characters in every state, whatever the slots, revisions and times (SPEC §5).
    #[test]
    fn signed_cookie_for_8_categories_and_64_providers_is_at_most_120_chars(
        spec in spec_with(8..=8, 64..=64),
        id in any::<u128>(),
        t0 in start(),
        events in prop::collection::vec(event_spec(), 0..12),
    ) {
        let built = spec.build();
        let policy = valid(built.policy(&spec));
        let (state, _, _) = run(&policy, id, t0, &events);
        let value = encode(&state, &policy, Some(KEY));
        prop_assert!(value.len() <= 120, "{} chars: {}", value.len(), String::from_utf8_lossy(&value));
    }
}

/// The longest states for 8 categories and 64 providers: the highest slots, a
/// decision under revision `u32::MAX` and a partial refusal under revision 1 (so
/// both revisions take their longest form), times at the ends of what `time`
/// represents, every provider refused. They stay within the 114 characters the
/// module docs promise.
#[test]
fn longest_states_for_8_categories_and_64_providers_fit_114_chars() {
    let spec = |revision| Spec {
        site: "kk.dk",
        revision,
        consent_ttl_days: 3650,
        refusal_ttl_days: 3650,
        category_slots: (24..32).collect(),
        necessary: 0,
        changed: vec![1; 8],
        gpc: vec![true; 8],
        provider_slots: (64..128).collect(),
    };
    let (old, new) = (spec(1), spec(u32::MAX));
    let (old_built, new_built) = (old.build(), new.build());
    let (v1, vmax) = (valid(old_built.policy(&old)), valid(new_built.policy(&new)));
    let early = datetime!(-9999-01-01 0:00 UTC);
    let late = datetime!(9999-12-31 23:59:59 UTC);
    let mut longest = 0;
    for (decided, partial) in [(early, late), (late, early), (late, late), (early, early)] {
        let mut state = ConsentState::new(u128::MAX);
        let ctx = |at| Ctx {
            at,
            notice: u16::MAX,
            control: Control::Icon,
            gpc: false,
        };
        state.save(
            &vmax,
            CategorySet::from_bits(0x5500_0000),
            ProviderSet::from_bits(u128::MAX),
            ctx(decided),
        );
        state.withdraw(&v1, Some(CategorySet::from_bits(0x0600_0000)), ctx(partial));
        state.signal_gpc(&v1, partial);
        let value = encode(&state, &v1, Some(KEY));
        longest = longest.max(value.len());
        assert_eq!(
            ConsentState::decode_cookie(&v1, &value, Some(KEY)),
            Ok(state)
        );
    }
    assert_eq!(longest, 114);
}

#[test]
fn kk_dk_cookie_is_short_and_round_trips() {
    let policy = kk();
    let mut state = ConsentState::new(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210);
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let chosen = policy.category_set(&["statistics"]).unwrap();
    let providers = policy.provider_set(&["septima"]).unwrap();
    state.save(&policy, chosen, providers, Ctx::button(t0, 1));
    let value = encode(&state, &policy, Some(KEY));
    assert!(value.len() <= 64, "{}", String::from_utf8_lossy(&value));
    assert_eq!(
        ConsentState::decode_cookie(&policy, &value, Some(KEY)),
        Ok(state)
    );
}

/// A decision taken at the Unix epoch itself (time 0, which the state allows) keeps
/// its time and revision through the cookie: the record carries them when either
/// is set, and a decision's revision is never 0. Found by mutation testing:
/// `&&` for `||` in the encoder dropped them when the time alone was 0, and no
/// test decided at time 0.
#[test]
fn r18_a_decision_at_the_unix_epoch_round_trips() {
    let policy = kk();
    let mut state = ConsentState::new(42);
    state.accept_all(&policy, Ctx::button(OffsetDateTime::UNIX_EPOCH, 1));
    assert_eq!(state.to_parts().decided_at, 0);
    assert_ne!(state.to_parts().decided_revision, 0);
    for key in [Some(KEY), None] {
        let value = encode(&state, &policy, key);
        assert_eq!(
            ConsentState::decode_cookie(&policy, &value, key),
            Ok(state),
            "signed: {}",
            key.is_some()
        );
    }
}

// ---- signing ---------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Changing any one character of a signed cookie, to anything, is detected.
    #[test]
    fn tampering_with_any_character_of_a_signed_cookie_is_detected(
        (spec, id, t0, events) in reachable(),
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let built = spec.build();
        let policy = valid(built.policy(&spec));
        let (state, _, _) = run(&policy, id, t0, &events);
        let mut value = encode(&state, &policy, Some(KEY));
        let i = pos.index(value.len());
        prop_assume!(value[i] != byte);
        value[i] = byte;
        prop_assert!(ConsentState::decode_cookie(&policy, &value, Some(KEY)).is_err());
    }

    /// Changing any one byte of a signed cookie's binary record, re-encoded as
    /// valid base64url, is detected by the tag (or by the flag that announces it).
    #[test]
    fn tampering_with_any_byte_of_a_signed_record_is_detected(
        (spec, id, t0, events) in reachable(),
        pos in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let built = spec.build();
        let policy = valid(built.policy(&spec));
        let (state, _, _) = run(&policy, id, t0, &events);
        let value = encode(&state, &policy, Some(KEY));
        let mut record = unb64(&value[3..]);
        let i = pos.index(record.len());
        record[i] ^= flip;
        let err = ConsentState::decode_cookie(&policy, &b64(&record), Some(KEY)).unwrap_err();
        prop_assert!(
            matches!(err, CookieError::BadSignature | CookieError::Unsigned | CookieError::Truncated { .. }),
            "{:?}", err
        );
    }

    /// A cookie signed under one key or for one site does not verify under
    /// another key or for another site sharing the key.
    #[test]
    fn wrong_key_or_wrong_site_fails(
        (spec, id, t0, events) in reachable(),
        other_key in prop::collection::vec(any::<u8>(), 0..80),
    ) {
        prop_assume!(other_key != KEY);
        let built = spec.build();
        let policy = valid(built.policy(&spec));
        let (state, _, _) = run(&policy, id, t0, &events);
        let value = encode(&state, &policy, Some(KEY));
        prop_assert_eq!(
            ConsentState::decode_cookie(&policy, &value, Some(&other_key)),
            Err(CookieError::BadSignature)
        );
        // A site of the same length, so only its text tells them apart.
        let site = match spec.site {
            "kk.dk" => "kk.de",
            "borger.dk" => "borger.de",
            _ => "example.net",
        };
        let other_site = Spec { site, ..spec.clone() };
        let other = valid(built.policy(&other_site));
        prop_assert_eq!(
            ConsentState::decode_cookie(&other, &value, Some(KEY)),
            Err(CookieError::BadSignature)
        );
    }
}

/// Every single-character change of a few signed cookies, exhaustively.
#[test]
fn every_single_character_change_of_a_signed_cookie_is_detected() {
    let policy = kk();
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let mut states = vec![ConsentState::new(1)];
    let mut s = ConsentState::new(u128::MAX / 3);
    s.accept_all(&policy, Ctx::button(t0, 1));
    states.push(s);
    s.withdraw(&policy, None, Ctx::button(t0 + time::Duration::DAY, 1));
    states.push(s);
    for state in states {
        let value = encode(&state, &policy, Some(KEY));
        for i in 0..value.len() {
            for b in 0..=255u8 {
                if b == value[i] {
                    continue;
                }
                let mut v = value.clone();
                v[i] = b;
                assert!(
                    ConsentState::decode_cookie(&policy, &v, Some(KEY)).is_err(),
                    "changing byte {i} to {b:#04x} went unnoticed"
                );
            }
        }
    }
}

#[test]
fn unsigned_cookie_with_a_key_is_unsigned() {
    let policy = kk();
    let value = encode(&ConsentState::new(5), &policy, None);
    let err = ConsentState::decode_cookie(&policy, &value, Some(KEY)).unwrap_err();
    assert_eq!(err, CookieError::Unsigned);
    assert_eq!(err.code(), Code::CookieUnsigned);
    assert_eq!(
        ConsentState::decode_cookie(&policy, &value, None),
        Ok(ConsentState::new(5))
    );
}

#[test]
fn a_prepared_key_shows_no_key_material() {
    assert_eq!(format!("{:?}", CookieKey::new(KEY)), "CookieKey(..)");
}

/// A tag that does not verify is reported even when the record is also broken.
#[test]
fn a_bad_tag_wins_over_a_malformed_record() {
    let policy = kk();
    let mut record = vec![0x01 | 0x20]; // tagged, reserved bit set
    record.extend([0u8; 20 + 16]);
    let err = ConsentState::decode_cookie(&policy, &b64(&record), Some(KEY)).unwrap_err();
    assert_eq!(err, CookieError::BadSignature);
    // Without a key the tag is skipped and the record's fault shows.
    let err = ConsentState::decode_cookie(&policy, &b64(&record), None).unwrap_err();
    assert!(
        matches!(
            err,
            CookieError::InvalidField {
                field: CookieField::Flags,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn wrong_key_is_a_bad_signature() {
    let policy = kk();
    let value = encode(&ConsentState::new(5), &policy, Some(KEY));
    let err = ConsentState::decode_cookie(&policy, &value, Some(b"another key")).unwrap_err();
    assert_eq!(err, CookieError::BadSignature);
    assert_eq!(err.code(), Code::CookieBadSignature);
    // The empty key is a key like any other.
    let err = ConsentState::decode_cookie(&policy, &value, Some(b"")).unwrap_err();
    assert_eq!(err, CookieError::BadSignature);
}

// ---- buffers ------------------------------------------------------------------------

#[test]
fn too_small_buffer_reports_the_length_needed_and_writes_nothing() {
    let policy = kk();
    let mut state = ConsentState::new(42);
    state.accept_all(&policy, Ctx::button(datetime!(2026-03-01 10:00 UTC), 1));
    for key in [None, Some(KEY)] {
        let value = encode(&state, &policy, key);
        let needed = value.len();
        for len in 0..needed {
            let mut buf = vec![0xa5u8; len];
            assert_eq!(
                state.encode_cookie(&policy, key, &mut buf),
                Err(CookieError::BufferTooSmall { needed })
            );
            assert!(buf.iter().all(|&b| b == 0xa5), "written into at {len}");
            assert_eq!(
                CookieError::BufferTooSmall { needed }.code(),
                Code::BufferTooSmall
            );
        }
        let mut buf = vec![0u8; needed + 7];
        assert_eq!(state.encode_cookie(&policy, key, &mut buf), Ok(needed));
        assert_eq!(&buf[..needed], &value[..]);
        assert!(buf[needed..].iter().all(|&b| b == 0));
    }
}

// ---- policies change ------------------------------------------------------------------

/// A cookie written under revision 1 (necessary, functional, statistics) is read
/// under revision 2, which removed functional and added personalization and
/// marketing on new slots: statistics keeps its decision, the new categories are
/// undecided, the removed one is ignored; providers likewise.
#[test]
fn cookie_from_an_older_revision_keeps_its_slots_and_reads_new_ones_as_undecided() {
    fn category(id: &'static str, slot: u8, changed: u32) -> Category<'static> {
        Category {
            id,
            basis: if id == "necessary" {
                Basis::Exempt
            } else {
                Basis::Consent
            },
            slot,
            changed_in_revision: changed,
            gpc_refuses: false,
            label: Text::default(),
            description: Text::default(),
        }
    }
    fn provider(id: &'static str, slot: u8) -> Provider<'static> {
        Provider {
            id,
            name: id,
            party: Party::Third,
            slot,
            domains: "",
            privacy_policy: "",
        }
    }
    let v1_categories = [
        category("necessary", 0, 1),
        category("functional", 1, 1),
        category("statistics", 2, 1),
    ];
    let v1_providers = [
        provider("kk", 0),
        provider("twentythree", 1),
        provider("siteimprove", 2),
    ];
    let v2_categories = [
        category("necessary", 0, 1),
        category("statistics", 2, 1),
        category("personalization", 3, 2),
        category("marketing", 4, 2),
    ];
    let v2_providers = [
        provider("kk", 0),
        provider("siteimprove", 2),
        provider("adnet", 3),
    ];
    let base = Policy {
        categories: &v1_categories,
        providers: &v1_providers,
        storage: &[],
        ..KK_DK
    };
    let v1 = valid(base);
    let v2 = valid(Policy {
        revision: 2,
        categories: &v2_categories,
        providers: &v2_providers,
        ..base
    });

    let t0 = datetime!(2026-03-01 10:00 UTC);
    let mut state = ConsentState::new(7);
    let chosen = v1.category_set(&["functional", "statistics"]).unwrap();
    let refused = v1.provider_set(&["twentythree", "siteimprove"]).unwrap();
    state.save(&v1, chosen, refused, Ctx::button(t0, 1));
    let value = encode(&state, &v1, Some(KEY));

    let read = ConsentState::decode_cookie(&v2, &value, Some(KEY)).expect("same site, same key");
    let status = |id| read.category_status(&v2, v2.category(id).unwrap().1, t0);
    assert_eq!(status("statistics"), Status::Granted);
    assert_eq!(
        status("personalization"),
        Status::Denied(samtykke::Why::Undecided)
    );
    assert_eq!(
        status("marketing"),
        Status::Denied(samtykke::Why::Undecided)
    );
    assert!(read.prompt_due(&v2, t0));
    // The removed category's slot is ignored, not carried along.
    assert_eq!(read.granted(), CategorySet::EMPTY.with(2));
    assert!(read.refused().is_empty());
    // siteimprove (slot 2) stays refused; twentythree (slot 1) is gone; adnet is new.
    assert_eq!(read.providers_refused(), ProviderSet::EMPTY.with(2));
    // Everything else carries over.
    assert_eq!(read.consent_id(), 7);
    assert_eq!(read.decided_at(), Some(t0));
    assert_eq!(read.decided_revision(), 1);
    assert_eq!(read.action(), state.action());
    // Written again under revision 2, it reads back the same.
    let again = encode(&read, &v2, Some(KEY));
    assert_eq!(
        ConsentState::decode_cookie(&v2, &again, Some(KEY)),
        Ok(read)
    );

    // A partial refusal of the removed category disappears; the rest stays.
    state.withdraw(
        &v1,
        Some(v1.category_set(&["functional"]).unwrap()),
        Ctx::button(t0 + time::Duration::DAY, 1),
    );
    let value = encode(&state, &v1, None);
    let read = ConsentState::decode_cookie(&v2, &value, None).unwrap();
    assert!(read.withdrawn().is_empty());
    assert_eq!(read.granted(), CategorySet::EMPTY.with(2));
}

// ---- bad input -------------------------------------------------------------------------

fn unb64(text: &[u8]) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= u32::from(val(c)) << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// A minimal untagged record: undecided, no action, everything zero.
fn record() -> Vec<u8> {
    let mut r = vec![0u8]; // flags
    r.extend([0u8; 16]); // consent id
    r.extend([0, 0, 0, 0]); // action/control, notice, decided slots, providers
    r
}

#[test]
fn each_error_names_what_and_where() {
    let policy = kk();
    let decode = |v: &[u8]| ConsentState::decode_cookie(&policy, v, None);
    assert_eq!(decode(&b64(&record())), Ok(ConsentState::new(0)));

    assert_eq!(decode(b""), Err(CookieError::Version));
    assert_eq!(decode(b"v2.AAAA"), Err(CookieError::Version));
    assert_eq!(decode(b"V1.AAAA"), Err(CookieError::Version));
    let long = [b'A'; COOKIE_MAX_LEN + 1];
    assert_eq!(
        decode(&long),
        Err(CookieError::TooLong {
            len: COOKIE_MAX_LEN + 1
        })
    );
    assert_eq!(
        decode(b"v1.AB*D"),
        Err(CookieError::InvalidChar {
            offset: 5,
            byte: b'*'
        })
    );
    assert_eq!(
        decode(b"v1.AB+D"),
        Err(CookieError::InvalidChar {
            offset: 5,
            byte: b'+'
        })
    );
    assert!(matches!(
        decode(b"v1.AAA="),
        Err(CookieError::InvalidChar {
            offset: 6,
            byte: b'='
        })
    ));
    assert_eq!(
        decode(b"v1.AAAAA"),
        Err(CookieError::InvalidLength { chars: 5 })
    );
    assert_eq!(
        decode(b"v1.AB"),
        Err(CookieError::TrailingBits { offset: 4 })
    );
    assert_eq!(
        decode(b"v1."),
        Err(CookieError::Truncated {
            field: CookieField::Flags
        })
    );

    let full = record();
    let fields = [
        (1, CookieField::ConsentId),
        (17, CookieField::ActionControl),
        (18, CookieField::Notice),
        (19, CookieField::DecidedSlots),
        (20, CookieField::ProvidersRefused),
    ];
    for (len, field) in fields {
        assert_eq!(
            decode(&b64(&full[..len])),
            Err(CookieError::Truncated { field }),
            "cut at {len}"
        );
    }
    let mut r = full.clone();
    r.push(0);
    assert_eq!(
        decode(&b64(&r)),
        Err(CookieError::TrailingBytes { offset: 21 })
    );

    let invalid = |r: &[u8]| match decode(&b64(r)) {
        Err(CookieError::InvalidField { field, offset, .. }) => (field, offset),
        other => panic!("{other:?}"),
    };
    let mut r = full.clone();
    r[0] = 0x20;
    assert_eq!(invalid(&r), (CookieField::Flags, 0));
    let mut r = full.clone();
    r[17] = 10; // action 9 + 1 is the last one
    assert_eq!(invalid(&r), (CookieField::ActionControl, 17));
    let mut r = full.clone();
    r[17] = 5 << 4; // control 5 does not exist
    assert_eq!(invalid(&r), (CookieField::ActionControl, 17));
    let mut r = full.clone();
    r.splice(18..19, [0x80, 0x00]); // notice 0 in two bytes
    assert_eq!(invalid(&r), (CookieField::Notice, 18));
    let mut r = full.clone();
    r.splice(18..19, [0x80, 0x80, 0x04]); // notice 65536
    assert_eq!(invalid(&r), (CookieField::Notice, 18));
    let mut r = full.clone();
    r.splice(19..20, [0b10, 0b100]); // slot 1 withdrawn with a stray bit
    assert_eq!(invalid(&r), (CookieField::Decisions, 20));
    let mut r = full.clone();
    r.splice(19..20, [0b10, 0b00]); // slot 1 granted, but nothing was decided
    assert_eq!(invalid(&r), (CookieField::Flags, 0));
    let mut r = full.clone();
    r.splice(20..21, [17]);
    assert_eq!(invalid(&r), (CookieField::ProvidersRefused, 20));
    let mut r = full.clone();
    r.splice(20..21, [2, 1, 0]); // mask not trimmed
    assert_eq!(invalid(&r), (CookieField::ProvidersRefused, 20));
    let mut r = full.clone();
    r[0] = 0x08; // decided at and revision follow
    r.splice(19..19, [0xff; 10]);
    assert_eq!(invalid(&r), (CookieField::DecidedAt, 19));
    let mut r = full.clone();
    r[0] = 0x18; // decided revision 0, partial revision 0 - 1
    r.splice(19..19, [0, 0, 0, 1]);
    assert_eq!(invalid(&r), (CookieField::PartialRevision, 22));
    let mut r = full.clone();
    r[0] = 0x01; // a tag is announced, but only 5 bytes follow
    r.truncate(5);
    assert_eq!(
        decode(&b64(&r)),
        Err(CookieError::Truncated {
            field: CookieField::Tag
        })
    );

    // Every error renders a message naming its place, and maps to a cookie code.
    let err = decode(b"v1.AB*D").unwrap_err();
    assert_eq!(
        err.to_string(),
        "consent cookie: byte 5 (0x2a) is not a base64url character"
    );
    assert_eq!(err.code(), Code::CookieEncoding);
    let err = decode(&b64(&full[..18])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "consent cookie is truncated in its notice version field"
    );
    assert_eq!(err.code(), Code::CookieMalformed);
    assert_eq!(decode(b"x").unwrap_err().code(), Code::CookieVersion);
    assert_eq!(decode(&long).unwrap_err().code(), Code::CookieTooLong);
}

/// Valid cookies of random reachable states, then one or a few random edits.
fn mutated() -> impl Strategy<Value = (Spec, Vec<u8>, bool)> {
    (
        reachable(),
        any::<bool>(),
        prop::collection::vec((0u8..5, any::<prop::sample::Index>(), any::<u8>()), 1..4),
    )
        .prop_map(|((spec, id, t0, events), signed, edits)| {
            let built = spec.build();
            let policy = valid(built.policy(&spec));
            let (state, _, _) = run(&policy, id, t0, &events);
            let mut v = encode(&state, &policy, signed.then_some(KEY));
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            for (op, at, b) in edits {
                let i = at.index(v.len() + 1);
                match op {
                    0 if i < v.len() => v[i] ^= 1 << (b % 8),
                    1 => v.truncate(i),
                    2 => v.insert(i, A[b as usize % 64]),
                    3 if i < v.len() => {
                        v.remove(i);
                    }
                    _ if i < v.len() => v[i] = A[b as usize % 64],
                    _ => v.push(b),
                }
            }
            (spec, v, signed)
        })
}

/// SPEC §13: the consent cookie decoder, fed 10,000 arbitrary values (raw bytes,
/// and base64url behind `v1.`) under random keys and 10,000 valid cookies of
/// random reachable states with flipped bits, truncations, insertions, deletions
/// and replaced characters (counted), returns a state it can write back or a
/// typed cookie error, never a panic; when a signed cookie is edited, the key
/// notices.
#[test]
fn arbitrary_and_mutated_cookies_decode_or_fail_typed() {
    let mut fed = Fed::new("consent cookie");
    let arbitrary = (
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..160),
            prop::collection::vec(
                prop::sample::select(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".to_vec()
                ),
                0..140
            )
            .prop_map(|v| [b"v1.".to_vec(), v].concat()),
        ],
        prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
    );
    fed.run("arbitrary", file!(), 10_000, arbitrary, |(value, key)| {
        let policy = kk();
        match ConsentState::decode_cookie(&policy, &value, key.as_deref()) {
            Ok(state) => {
                // Whatever decodes is a state the policy can write back.
                let again = encode(&state, &policy, None);
                prop_assert_eq!(
                    ConsentState::decode_cookie(&policy, &again, None),
                    Ok(state)
                );
            }
            Err(e) => {
                prop_assert!(is_cookie_code(e.code()), "{:?}", e);
                prop_assert!(!e.to_string().is_empty());
            }
        }
        Ok(())
    });
    fed.run(
        "mutated",
        file!(),
        10_000,
        mutated(),
        |(spec, value, signed)| {
            let built = spec.build();
            let policy = valid(built.policy(&spec));
            for key in [None, Some(KEY)] {
                match ConsentState::decode_cookie(&policy, &value, key) {
                    Ok(state) => {
                        let again = encode(&state, &policy, key);
                        prop_assert_eq!(
                            ConsentState::decode_cookie(&policy, &again, key),
                            Ok(state)
                        );
                        if key.is_some() {
                            prop_assert!(signed);
                        }
                    }
                    Err(e) => prop_assert!(is_cookie_code(e.code()), "{:?}", e),
                }
            }
            Ok(())
        },
    );
    fed.finish();
}
