//! Google Consent Mode v2 in the core and the policy JSON (SPEC §16): the
//! mapping, its load errors, the flags a state gives at a time, and the lint.

use proptest::prelude::*;
use samtykke::{
    Basis, Code, ConsentModeFlags, ConsentModeMap, ConsentModeType as T, ConsentState, Control,
    Ctx, Event, Location, PolicyErrorKind, Status,
};
use samtykke_host::{lint, LintId, OwnedPolicy};
use samtykke_testkit::{arb_scenario, query_times, walk, Model};
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

const KK_JSON: &str = include_str!("../../../examples/kk.dk.policy.json");
const ID: u128 = 0x5a17_6b7e_0000_0000_0000_0000_0000_0016;

fn kk() -> Value {
    serde_json::from_str(KK_JSON).unwrap()
}

/// kk.dk with `mapping` as its `consent_mode`.
fn kk_with(mapping: Value) -> Value {
    let mut v = kk();
    v["consent_mode"] = mapping;
    v
}

fn load(v: &Value) -> Result<OwnedPolicy, samtykke_host::PolicyLoadError> {
    OwnedPolicy::from_json(&v.to_string())
}

/// The mapping the tests below use: ads and analytics on statistics, functions and
/// personalisation on functional, security on necessary.
fn full_mapping() -> Value {
    json!({
        "ad_storage": "statistics",
        "ad_user_data": "statistics",
        "ad_personalization": "statistics",
        "analytics_storage": "statistics",
        "functionality_storage": "functional",
        "personalization_storage": "functional",
        "security_storage": "necessary"
    })
}

fn ctx(at: OffsetDateTime) -> Ctx {
    Ctx {
        at,
        notice: 1,
        control: Control::Button,
        gpc: false,
    }
}

/// The seven types' names, written out: the vocabulary is what SPEC §16 lists.
#[test]
fn s16_consent_mode_types_are_the_seven_of_consent_mode_v2() {
    let names: Vec<&str> = T::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        names,
        [
            "ad_storage",
            "ad_user_data",
            "ad_personalization",
            "analytics_storage",
            "functionality_storage",
            "personalization_storage",
            "security_storage"
        ]
    );
    for (i, t) in T::ALL.iter().enumerate() {
        assert_eq!(t.bit(), 1 << i);
        assert_eq!(T::parse(t.as_str()), Some(*t));
    }
}

#[test]
fn s16_consent_mode_json_maps_each_type_to_its_category_index() {
    let owned = load(&kk_with(full_mapping())).unwrap();
    let map = owned.view().policy().consent_mode;
    // kk.dk's categories: necessary 0, functional 1, statistics 2.
    let want = ConsentModeMap {
        categories: [
            Some(2),
            Some(2),
            Some(2),
            Some(2),
            Some(1),
            Some(1),
            Some(0),
        ],
    };
    assert_eq!(map, want);
    let none = load(&kk()).unwrap();
    assert!(none.view().policy().consent_mode.is_empty());
    let partial = load(&kk_with(json!({"analytics_storage": "statistics"}))).unwrap();
    assert_eq!(
        partial.view().policy().consent_mode,
        ConsentModeMap::NONE.with(T::AnalyticsStorage, 2)
    );
}

#[test]
fn s16_consent_mode_unknown_category_is_a_load_error_naming_the_path() {
    let e = load(&kk_with(json!({"ad_storage": "marketing"}))).unwrap_err();
    assert_eq!(e.path(), "consent_mode.ad_storage");
    assert_eq!(e.code(), Code::PolicyUnknownCategory);
    assert!(e.message().contains("\"marketing\""), "{}", e.message());
}

#[test]
fn s16_consent_mode_unknown_type_or_wrong_type_is_a_load_error() {
    let e = load(&kk_with(json!({"ads_storage": "statistics"}))).unwrap_err();
    assert_eq!(e.path(), "consent_mode.ads_storage");
    assert_eq!(e.code(), Code::PolicyUnknownValue);
    let e = load(&kk_with(json!({"ad_storage": 2}))).unwrap_err();
    assert_eq!(e.path(), "consent_mode.ad_storage");
    assert_eq!(e.code(), Code::PolicyWrongType);
    let e = load(&kk_with(json!(["ad_storage"]))).unwrap_err();
    assert_eq!(e.path(), "consent_mode");
    assert_eq!(e.code(), Code::PolicyWrongType);
}

#[test]
fn s16_consent_mode_only_security_storage_may_follow_the_exempt_category() {
    for name in [
        "ad_storage",
        "ad_user_data",
        "ad_personalization",
        "analytics_storage",
        "functionality_storage",
        "personalization_storage",
    ] {
        let e = load(&kk_with(json!({ name: "necessary" }))).unwrap_err();
        assert_eq!(e.path(), format!("consent_mode.{name}"));
        assert_eq!(e.code(), Code::PolicyConsentModeExempt);
        assert_eq!(e.code().as_str(), "policy_consent_mode_exempt");
        assert!(e.message().contains(name), "{}", e.message());
    }
    assert!(load(&kk_with(json!({"security_storage": "necessary"}))).is_ok());
    // security_storage on a consent category loads (the lint questions it).
    assert!(load(&kk_with(json!({"security_storage": "functional"}))).is_ok());
}

#[test]
fn s16_consent_mode_static_policy_validation_shares_the_rules() {
    let base = samtykke::example::KK_DK;
    let mut index = [0u16; 16];
    let bad = samtykke::Policy {
        consent_mode: ConsentModeMap::NONE.with(T::AdUserData, 0),
        ..base
    };
    let e = bad.validate(&mut index).unwrap_err();
    assert_eq!(e.kind, PolicyErrorKind::ConsentModeExempt);
    assert_eq!(e.at, Location::ConsentMode(T::AdUserData));
    assert_eq!(
        e.to_string().split(':').next(),
        Some("consent_mode.ad_user_data")
    );
    let unknown = samtykke::Policy {
        consent_mode: ConsentModeMap::NONE.with(T::AdStorage, 3),
        ..base
    };
    let e = unknown.validate(&mut index).unwrap_err();
    assert_eq!(e.kind, PolicyErrorKind::UnknownCategory);
    assert_eq!(e.at, Location::ConsentMode(T::AdStorage));
    let good = samtykke::Policy {
        consent_mode: ConsentModeMap::NONE
            .with(T::SecurityStorage, 0)
            .with(T::AnalyticsStorage, 2),
        ..base
    };
    assert!(good.validate(&mut index).is_ok());
}

/// The flags as (type name, granted) pairs, for hand-written expectations.
fn granted(flags: ConsentModeFlags) -> Vec<&'static str> {
    flags
        .iter()
        .filter(|&(_, g)| g)
        .map(|(t, _)| t.as_str())
        .collect()
}

#[test]
fn s16_consent_mode_follows_the_categories_status_at_now() {
    let owned = load(&kk_with(json!({
        "ad_storage": "statistics",
        "analytics_storage": "statistics",
        "functionality_storage": "functional",
        "security_storage": "necessary"
    })))
    .unwrap();
    let p = owned.view();
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let mut s = ConsentState::new(ID);
    // Nothing decided: only security (exempt) is granted.
    assert_eq!(granted(s.consent_mode(&p, t0)), ["security_storage"]);
    s.apply(&p, &Event::AcceptAll(ctx(t0)));
    // Every mapped type; the unmapped ones (ad_user_data, ad_personalization,
    // personalization_storage) stay denied.
    assert_eq!(
        granted(s.consent_mode(&p, t0)),
        [
            "ad_storage",
            "analytics_storage",
            "functionality_storage",
            "security_storage"
        ]
    );
    // kk.dk's consent lasts 100 days: at the lapse the grants are denied.
    let lapse = t0 + time::Duration::days(100);
    assert_eq!(
        granted(s.consent_mode(&p, lapse - time::Duration::seconds(1))).len(),
        4
    );
    assert_eq!(granted(s.consent_mode(&p, lapse)), ["security_storage"]);
    // A withdrawal of statistics denies ads and analytics, keeps functions.
    let t1 = t0 + time::Duration::days(1);
    let stats = p.category_set(&["statistics"]).unwrap();
    s.apply(
        &p,
        &Event::Withdraw {
            categories: Some(stats),
            ctx: ctx(t1),
        },
    );
    assert_eq!(
        granted(s.consent_mode(&p, t1)),
        ["functionality_storage", "security_storage"]
    );
}

#[test]
fn s16_consent_mode_outdated_grants_are_denied() {
    // Revision 2 materially changes statistics: a grant under revision 1 is
    // outdated (R17), so the types on statistics are denied; functional stands.
    let mut v = kk_with(json!({
        "analytics_storage": "statistics",
        "functionality_storage": "functional"
    }));
    let old = load(&v).unwrap();
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let mut s = ConsentState::new(ID);
    s.apply(&old.view(), &Event::AcceptAll(ctx(t0)));
    v["revision"] = json!(2);
    v["categories"][2]["changed_in_revision"] = json!(2);
    let new = load(&v).unwrap();
    assert_eq!(
        granted(s.consent_mode(&new.view(), t0)),
        ["functionality_storage"]
    );
}

#[test]
fn s16_consent_mode_default_flags_grant_only_the_exempt() {
    let owned = load(&kk_with(full_mapping())).unwrap();
    let p = owned.view();
    let flags = p.policy().consent_mode.default_flags(p.policy().categories);
    assert_eq!(granted(flags), ["security_storage"]);
    assert_eq!(flags.bits(), 1 << 6);
    assert_eq!(ConsentModeFlags::from_bits(0xffff_ffff).bits(), 0x7f);
}

/// SPEC §16: what a page's head starts with is the default script then the
/// update, with the nonce on both; nothing without a mapping; a nonce with a
/// character outside base64 and base64url is refused.
#[test]
fn s16_consent_mode_head_scripts_default_then_update_with_a_checked_nonce() {
    use samtykke_host::consent_mode::{head_scripts, InvalidNonce};
    let owned = load(&kk_with(full_mapping())).unwrap();
    let p = owned.view();
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let mut state = ConsentState::new(ID);
    state.apply(&p, &Event::AcceptAll(ctx(t0)));
    let head = head_scripts(&p, &state, t0, Some(b"aZ09+/-_=")).unwrap();
    assert_eq!(
        head.matches("<script nonce=\"aZ09+/-_=\">").count(),
        2,
        "{head}"
    );
    let default = head.find("'default'").unwrap();
    let update = head.find("'update'").unwrap();
    assert!(default < update, "{head}");
    assert!(
        head[update..].contains("'analytics_storage':'granted'"),
        "{head}"
    );
    assert!(
        head[default..update].contains("'analytics_storage':'denied'"),
        "{head}"
    );
    assert!(!head_scripts(&p, &state, t0, None)
        .unwrap()
        .contains("nonce"));
    for bad in [&b"a\"b"[..], b"a b", b"a<b", "ø".as_bytes()] {
        assert_eq!(head_scripts(&p, &state, t0, Some(bad)), Err(InvalidNonce));
    }
    let plain = OwnedPolicy::from_json(KK_JSON).unwrap();
    assert_eq!(head_scripts(&plain.view(), &state, t0, None).unwrap(), "");
}

/// A valid random mapping for a policy of `categories`: each type unmapped or on a
/// category, the exempt one only for `security_storage`.
fn mapping_for(
    categories: &[samtykke::Category<'static>],
    picks: &[Option<usize>; 7],
) -> ConsentModeMap {
    let mut map = ConsentModeMap::NONE;
    for (t, pick) in T::ALL.into_iter().zip(picks) {
        let Some(pick) = pick else { continue };
        let i = pick % categories.len();
        if categories[i].basis == Basis::Exempt && t != T::SecurityStorage {
            continue;
        }
        map = map.with(t, i as u8);
    }
    map
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(samtykke_testkit::cases(64)))]

    /// SPEC §16: over random policies, mappings, event sequences and query times,
    /// a type is granted exactly when it is mapped and the reference model (written
    /// from SPEC §4 apart from the core) holds its category exempt or granted.
    #[test]
    fn s16_consent_mode_grants_exactly_the_types_whose_category_is_permitted(
        mut s in arb_scenario(),
        picks in proptest::array::uniform7(proptest::option::of(0usize..64)),
    ) {
        s.policy.consent_mode = mapping_for(&s.policy.categories, &picks);
        let valid = s.policy.valid();
        let policy = valid.view();
        let mut model = Model::new(&s.policy.policy());
        for step in walk(&policy, ID, &s.events) {
            model.apply(&step.event);
            for q in query_times(&policy, &step.after, step.event.at(), &s.offsets) {
                let flags = step.after.consent_mode(&policy, q);
                for t in T::ALL {
                    let want = s.policy.consent_mode.get(t).is_some_and(|i| {
                        let slot = s.policy.categories[usize::from(i)].slot;
                        matches!(
                            model.status(slot, q.unix_timestamp()),
                            Status::Exempt | Status::Granted
                        )
                    });
                    prop_assert_eq!(flags.granted(t), want, "{} at {}", t, q);
                }
            }
        }
    }
}

// ---- lint ------------------------------------------------------------------

fn with_google(v: &mut Value, name: &str, domains: Value) {
    v["providers"].as_array_mut().unwrap().push(json!({
        "id": "google", "name": name, "party": "third", "domains": domains
    }));
}

fn ids(v: &Value) -> Vec<(LintId, String)> {
    lint(&load(v).unwrap())
        .into_iter()
        .filter(|w| {
            matches!(
                w.id,
                LintId::GoogleWithoutConsentMode | LintId::SecurityStorageNotExempt
            )
        })
        .map(|w| (w.id, w.path))
        .collect()
}

/// A statistics cookie `name` of the provider `with_google` added.
fn add_google_cookie(v: &mut Value, name: &str) {
    v["storage"].as_array_mut().unwrap().push(json!({
        "name": name, "kind": "cookie", "provider": "google", "category": "statistics",
        "purpose": { "en": "Statistics", "da": "Statistik" }, "duration": { "days": 90 }
    }));
}

#[test]
fn s16_lint_knows_a_google_provider_by_a_google_cookie_it_sets() {
    // A provider named just "Google", no tag domain: its `_ga` is Google
    // Analytics' cookie in the linter's own knowledge base.
    let mut v = kk();
    with_google(&mut v, "Google", json!(["google.com"]));
    assert_eq!(ids(&v), []);
    add_google_cookie(&mut v, "_ga");
    assert_eq!(
        ids(&v),
        [(
            LintId::GoogleWithoutConsentMode,
            "providers[4].name".to_owned()
        )]
    );
    let w = lint(&load(&v).unwrap());
    assert!(
        w.iter().any(|w| w
            .message
            .contains("(it sets \"_ga\", a Google Analytics cookie)")),
        "{w:?}"
    );
    v["consent_mode"] = json!({"analytics_storage": "statistics"});
    assert_eq!(ids(&v), []);
    // A pattern covering one of Google's cookies counts too.
    let mut v = kk();
    with_google(&mut v, "Google", json!(["google.com"]));
    add_google_cookie(&mut v, "_gcl_*");
    assert_eq!(
        ids(&v),
        [(
            LintId::GoogleWithoutConsentMode,
            "providers[4].name".to_owned()
        )]
    );
}

#[test]
fn s16_lint_warns_on_a_google_provider_without_consent_mode() {
    // kk.dk itself declares no Google provider.
    assert_eq!(ids(&kk()), []);
    for (name, domains) in [
        ("Google Analytics", json!([])),
        ("Google Ads", json!([])),
        ("google tag manager", json!([])),
        ("Analytics", json!(["www.google-analytics.com"])),
        ("Tags", json!(["googletagmanager.com"])),
        ("Ads", json!(["stats.g.doubleclick.net"])),
    ] {
        let mut v = kk();
        with_google(&mut v, name, domains.clone());
        assert_eq!(
            ids(&v),
            [(
                LintId::GoogleWithoutConsentMode,
                "providers[4].name".to_owned()
            )],
            "{name} {domains}"
        );
        v["consent_mode"] = json!({"analytics_storage": "statistics"});
        assert_eq!(ids(&v), [], "{name} {domains} with a mapping");
    }
    // Not Google's tags: no warning.
    let mut v = kk();
    with_google(
        &mut v,
        "Googleplex Bakery",
        json!(["notdoubleclick.net.example"]),
    );
    assert_eq!(ids(&v), []);
}

#[test]
fn s16_lint_warns_when_security_storage_is_not_exempt() {
    let v = kk_with(json!({"security_storage": "functional"}));
    assert_eq!(
        ids(&v),
        [(
            LintId::SecurityStorageNotExempt,
            "consent_mode.security_storage".to_owned()
        )]
    );
    assert_eq!(ids(&kk_with(json!({"security_storage": "necessary"}))), []);
    assert_eq!(
        LintId::GoogleWithoutConsentMode.as_str(),
        "google-without-consent-mode"
    );
    assert_eq!(
        LintId::SecurityStorageNotExempt.as_str(),
        "security-storage-not-exempt"
    );
}

// ---- audit: tag_request and consent-mode-mismatch (SPEC §8, §16) ----------

mod audit {
    use super::*;
    use samtykke_audit::{audit_lines, AuditOptions, InputErrorKind, Report, ViolationId};

    /// kk.dk with every type mapped: the four Google ad/analytics types on
    /// statistics, functions and personalisation on functional, security on
    /// necessary.
    fn policy() -> OwnedPolicy {
        load(&kk_with(full_mapping())).unwrap()
    }

    fn line(secs: i64, fields: Value) -> String {
        let t = datetime!(2026-03-01 10:00:00 UTC) + time::Duration::seconds(secs);
        let mut m = json!({
            "ts": t.format(&time::format_description::well_known::Rfc3339).unwrap(),
            "visitor": "v1"
        });
        for (k, v) in fields.as_object().unwrap() {
            m[k] = v.clone();
        }
        m.to_string()
    }

    fn hit(secs: i64, query: &str) -> String {
        line(
            secs,
            json!({"event": "tag_request", "url": format!("https://www.google-analytics.com/g/collect?v=2&tid=G-X&{query}")}),
        )
    }

    fn accept_all(secs: i64) -> Vec<String> {
        vec![
            line(
                secs,
                json!({"event": "notice_shown", "controls": ["accept_all", "reject_all"]}),
            ),
            line(secs, json!({"event": "decision", "action": "accept_all"})),
        ]
    }

    fn run(p: &OwnedPolicy, lines: &[String]) -> Report {
        audit_lines(p.view(), lines, AuditOptions::new().threads(1))
    }

    /// The mismatches of `lines` as (line, category) in order, and no other
    /// finding.
    fn mismatches(p: &OwnedPolicy, lines: &[String]) -> Vec<(u64, Option<String>, String)> {
        let r = run(p, lines);
        assert_eq!(r.input_errors, [], "{lines:?}");
        r.violations
            .iter()
            .map(|v| {
                assert_eq!(v.id, ViolationId::ConsentModeMismatch, "{v:?}");
                assert_eq!(v.cookie, None);
                (v.line, v.category.clone(), v.message.clone())
            })
            .collect()
    }

    /// The types the mismatches of `lines` name, by the type's name in the message.
    fn types(p: &OwnedPolicy, lines: &[String]) -> Vec<&'static str> {
        mismatches(p, lines)
            .iter()
            .map(|(_, _, m)| {
                T::ALL
                    .iter()
                    .map(|t| t.as_str())
                    .find(|t| m.starts_with(&format!("tag request claims {t} granted")))
                    .unwrap_or_else(|| panic!("a message naming a type: {m}"))
            })
            .collect()
    }

    #[test]
    fn s16_audit_consent_mode_mismatch_id_is_fixed() {
        assert_eq!(
            ViolationId::ConsentModeMismatch.as_str(),
            "consent-mode-mismatch"
        );
    }

    #[test]
    fn s16_audit_gcs_letters_claim_ad_storage_then_analytics_storage() {
        let p = policy();
        // An undecided visitor: both types denied.
        assert_eq!(types(&p, &[hit(0, "gcs=G110")]), ["ad_storage"]);
        assert_eq!(types(&p, &[hit(0, "gcs=G101")]), ["analytics_storage"]);
        assert_eq!(
            types(&p, &[hit(0, "gcs=G111")]),
            ["ad_storage", "analytics_storage"]
        );
        assert_eq!(types(&p, &[hit(0, "gcs=G100")]), Vec::<&str>::new());
        // Other characters claim nothing for their type.
        assert_eq!(types(&p, &[hit(0, "gcs=G1-1")]), ["analytics_storage"]);
        assert_eq!(types(&p, &[hit(0, "gcs=G11x")]), ["ad_storage"]);
        // Characters are counted, not bytes (found by a review: `G1é1` was
        // five bytes and claimed nothing); a byte that is no UTF-8 decodes
        // to U+FFFD, one character.
        for four in ["gcs=G1%C3%A91", "gcs=G1é1", "gcs=G1%FF1"] {
            assert_eq!(types(&p, &[hit(0, four)]), ["analytics_storage"], "{four}");
        }
        assert_eq!(types(&p, &[hit(0, "gcs=G11%C3%A9")]), ["ad_storage"]);
        // Not `G1xy`: nothing.
        for junk in [
            "gcs=G211",
            "gcs=G11",
            "gcs=G1111",
            "gcs=g111",
            "gcs=",
            "gcs",
        ] {
            assert_eq!(types(&p, &[hit(0, junk)]), Vec::<&str>::new(), "{junk}");
        }
        // Granted by the visitor: no mismatch.
        let mut lines = accept_all(0);
        lines.push(hit(5, "gcs=G111"));
        assert_eq!(types(&p, &lines), Vec::<&str>::new());
    }

    /// A `gcd` of ten characters with `c` at index `i` and `l` (not set, not set)
    /// at the other three type positions.
    fn gcd(i: usize, c: char) -> String {
        let mut chars: Vec<char> = "11l1l1l1l5".chars().collect();
        chars[i] = c;
        chars.into_iter().collect()
    }

    const GCD_TYPES: [(usize, &str); 4] = [
        (2, "ad_storage"),
        (4, "analytics_storage"),
        (6, "ad_user_data"),
        (8, "ad_personalization"),
    ];

    #[test]
    fn s16_audit_gcd_positions_with_update_over_default() {
        let p = policy();
        for (i, ty) in GCD_TYPES {
            // `r`: update granted over default denied → a granted claim.
            assert_eq!(
                types(&p, &[hit(0, &format!("gcd={}", gcd(i, 'r')))]),
                [ty],
                "r at {i}"
            );
            // `t`: update not set, default granted → granted.
            assert_eq!(
                types(&p, &[hit(0, &format!("gcd={}", gcd(i, 't')))]),
                [ty],
                "t at {i}"
            );
            // `u`: update denied over default granted → denied; `q` denied and
            // denied; `p` default denied; `l` nothing set: no claim of a grant.
            for c in ['u', 'q', 'p', 'l'] {
                assert_eq!(
                    types(&p, &[hit(0, &format!("gcd={}", gcd(i, c)))]),
                    Vec::<&str>::new(),
                    "{c} at {i}"
                );
            }
            // Granted by the visitor: no mismatch.
            let mut lines = accept_all(0);
            lines.push(hit(5, &format!("gcd={}", gcd(i, 'r'))));
            assert_eq!(types(&p, &lines), Vec::<&str>::new());
        }
    }

    /// The base64url alphabet, written out.
    const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    #[test]
    fn s16_audit_every_gcd_digit_at_every_position() {
        // The claim of each digit from its value's bits, computed here: low two
        // bits the update, next two the default; 1 not set, 2 denied, 3 granted;
        // a 0 in either is malformed, and claims nothing.
        let p = policy();
        for (v, c) in B64URL.chars().enumerate() {
            let (update, default) = (v & 3, (v >> 2) & 3);
            let granted =
                update != 0 && default != 0 && (update == 3 || (update == 1 && default == 3));
            for (i, ty) in GCD_TYPES {
                let want: Vec<&str> = if granted { vec![ty] } else { vec![] };
                assert_eq!(
                    types(&p, &[hit(0, &format!("gcd={}", gcd(i, c)))]),
                    want,
                    "{c} ({v}) at {i}"
                );
            }
        }
        // Characters outside the alphabet, and a value too short to reach a
        // position, claim nothing for it.
        for bad in ['*', '.', '=', ' '] {
            let q = format!("gcd={}", gcd(2, bad).replace(' ', "%20"));
            assert_eq!(types(&p, &[hit(0, &q)]), Vec::<&str>::new(), "{q}");
        }
        // Indices count characters, not bytes.
        assert_eq!(types(&p, &[hit(0, "gcd=%C3%A91r")]), ["ad_storage"]);
        assert_eq!(
            types(&p, &[hit(0, "gcd=11r1r")]),
            ["ad_storage", "analytics_storage"]
        );
    }

    #[test]
    fn s16_audit_one_violation_per_hit_and_type() {
        let p = policy();
        // gcs and gcd both claim ad_storage granted: one violation for it.
        let found = mismatches(&p, &[hit(0, &format!("gcs=G110&gcd={}", gcd(2, 'r')))]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 1);
        assert_eq!(found[0].1.as_deref(), Some("statistics"));
        // Two hits: one each.
        assert_eq!(
            mismatches(&p, &[hit(0, "gcs=G110"), hit(1, "gcs=G110")])
                .iter()
                .map(|f| f.0)
                .collect::<Vec<_>>(),
            [1, 2]
        );
    }

    #[test]
    fn s16_audit_the_query_is_percent_decoded() {
        let p = policy();
        assert_eq!(
            types(&p, &[hit(0, "gcs=G1%31%31")]),
            ["ad_storage", "analytics_storage"]
        );
        assert_eq!(types(&p, &[hit(0, "g%63s=G110")]), ["ad_storage"]);
        // A fragment is not the query; the first of a repeated parameter counts.
        assert_eq!(types(&p, &[hit(0, "x=1#gcs=G111")]), Vec::<&str>::new());
        // A `?` in the fragment starts no query (RFC 3986 §3.5; found by a
        // review: `…/collect#?gcs=G111` was read as the query).
        let url = |u: &str| line(0, json!({"event": "tag_request", "url": u}));
        for no_query in [
            "https://www.google-analytics.com/g/collect#?gcs=G111",
            "https://www.google-analytics.com/g/collect#x?gcs=G111",
        ] {
            assert_eq!(
                types(&p, &[url(no_query)]),
                Vec::<&str>::new(),
                "{no_query}"
            );
        }
        assert_eq!(
            types(
                &p,
                &[url(
                    "https://www.google-analytics.com/g/collect?gcs=G101#?gcs=G110"
                )]
            ),
            ["analytics_storage"]
        );
        assert_eq!(
            types(&p, &[hit(0, "gcs=G100&gcs=G111")]),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn s16_audit_state_at_that_second_lapse_and_withdrawal() {
        let p = policy();
        let ttl = 100 * 86_400;
        let mut lines = accept_all(0);
        lines.push(hit(ttl - 1, "gcs=G111"));
        lines.push(hit(ttl, "gcs=G111"));
        let found = mismatches(&p, &lines);
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [4, 4]);
        assert!(
            found[0].2.ends_with("but statistics is expired"),
            "{}",
            found[0].2
        );
        // A withdrawal of statistics: from that second on, a mismatch.
        let mut lines = accept_all(0);
        lines.push(line(
            10,
            json!({"event": "decision", "action": "withdraw", "categories": ["statistics"]}),
        ));
        lines.push(hit(10, "gcs=G101"));
        assert_eq!(types(&p, &lines), ["analytics_storage"]);
    }

    #[test]
    fn s16_audit_unmapped_types_are_denied() {
        // kk.dk without a mapping: every claimed grant is a mismatch, with no
        // category.
        let p = load(&kk()).unwrap();
        let mut lines = accept_all(0);
        lines.push(hit(5, "gcs=G111"));
        let found = mismatches(&p, &lines);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|f| f.1.is_none()));
        assert!(
            found[0].2.contains("maps ad_storage to no category"),
            "{}",
            found[0].2
        );
    }

    #[test]
    fn s16_audit_tag_request_needs_a_url_string() {
        let p = policy();
        let r = run(&p, &[line(0, json!({"event": "tag_request"}))]);
        assert_eq!(r.input_errors.len(), 1);
        assert_eq!(r.input_errors[0].kind, InputErrorKind::MissingField);
        let r = run(&p, &[line(0, json!({"event": "tag_request", "url": 5}))]);
        assert_eq!(r.input_errors[0].kind, InputErrorKind::BadField);
        // Junk URLs are no input error and claim nothing.
        for url in [
            "",
            "not a url",
            "?",
            "https://x/?gcs=%ZZ&gcd=%",
            "https://x/?&&==&gcd=\u{e9}\u{e9}*",
        ] {
            let r = run(&p, &[line(0, json!({"event": "tag_request", "url": url}))]);
            assert_eq!(r.violations, [], "{url}");
            // An empty `url` is an empty value, as for every required string.
            let want = usize::from(url.is_empty());
            assert_eq!(r.input_errors.len(), want, "{url}: {:?}", r.input_errors);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(samtykke_testkit::cases(256)))]

        /// Any URL: the audit never panics, never reports an input error for it,
        /// and reports at most one mismatch per type.
        #[test]
        fn s16_audit_any_url_is_read_without_panic(url in ".{0,80}", gcs in "[G1x0%]{0,6}", gcd in "[a-zA-Z0-9_%=&.-]{0,12}") {
            let p = policy();
            for u in [url.clone(), format!("https://x/?gcs={gcs}&gcd={gcd}"), format!("{url}?gcd={gcd}&gcs={gcs}")] {
                let r = run(&p, &[line(0, json!({"event": "tag_request", "url": u}))]);
                prop_assert_eq!(r.input_errors.len(), usize::from(u.is_empty()));
                prop_assert!(r.violations.len() <= 4);
            }
        }
    }
}
