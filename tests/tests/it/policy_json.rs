//! The policy document (SPEC §3): kk.dk loads and matches the static policy, every
//! rule has its own error with kind, path and message, and no input panics.

use proptest::prelude::*;
use samtykke::{Basis, Code, Duration, Kind, PolicyErrorKind as K};
use samtykke_host::{LoadErrorKind, OwnedPolicy, PolicyLoadError};
use serde_json::{json, Value};

use crate::counted::Fed;

const KK_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/kk.dk.policy.json");
const KK_JSON: &str = include_str!("../../../examples/kk.dk.policy.json");

fn kk() -> Value {
    serde_json::from_str(KK_JSON).expect("kk.dk.policy.json is JSON")
}

fn load(v: &Value) -> Result<OwnedPolicy, PolicyLoadError> {
    OwnedPolicy::from_json(&v.to_string())
}

/// Asserts that `v` fails with exactly this kind (hence code), path and message.
#[track_caller]
fn rejects(v: &Value, kind: K, path: &str, message: &str) {
    let e = load(v).expect_err("the broken policy loaded");
    assert_eq!(e.policy_kind(), Some(kind), "{e}");
    assert_eq!(e.kind(), LoadErrorKind::Policy(kind));
    assert_eq!(e.code(), kind.code());
    assert_eq!(e.path(), path, "{e}");
    assert_eq!(e.message(), message, "{e}");
    assert_eq!(e.to_string(), format!("{path}: {message}"));
}

fn remove(v: &mut Value, pointer: &str, key: &str) {
    v.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .and_then(|o| o.remove(key))
        .unwrap_or_else(|| panic!("{pointer}/{key} is in kk.dk"));
}

/// The smallest valid document, for tests of defaults.
fn minimal() -> Value {
    json!({
        "schema": "samtykke/policy/1",
        "site": "example.dk",
        "revision": 3,
        "consent_cookie": { "name": "samtykke" },
        "consent_ttl_days": 180,
        "categories": [
            { "id": "necessary", "basis": "exempt" },
            { "id": "statistics", "basis": "consent" },
            { "id": "marketing", "basis": "consent" }
        ]
    })
}

// ---------------------------------------------------------------------------
// The example document

#[test]
fn kk_dk_json_loads_and_matches_the_static_policy() {
    let owned = OwnedPolicy::load(KK_PATH).expect("kk.dk loads");
    let mut index = [0u16; samtykke::example::KK_DK.storage.len()];
    let fixed = samtykke::example::KK_DK.validate(&mut index).unwrap();
    let view = owned.view();
    assert_eq!(view.fingerprint(), fixed.fingerprint());
    // The fingerprint covers what gives a consent state its meaning; the whole
    // policy (texts, domains, paths, justifications) must match too, since the
    // static is documented as this file written as Rust data.
    assert_eq!(view.policy(), fixed.policy());

    assert_eq!(owned.source(), Some(std::path::Path::new(KK_PATH)));
    assert_eq!(owned.controller().name, "City of Copenhagen");
    assert_eq!(
        owned.provider_domains(3),
        Some(&["siteimprove.com".to_owned()][..])
    );
    assert_eq!(owned.provider_domains(4), None);
    assert!(owned.gpc_refuses().is_empty());
    let nmstat = view.lookup(Kind::Cookie, "nmstat").unwrap();
    assert_eq!(nmstat.duration, Duration::Days(1000));
    assert_eq!(view.category_of(nmstat).id, "statistics");
    assert_eq!(
        view.lookup(Kind::Cookie, "SESSabc").map(|d| d.name),
        Some("SESS*")
    );
}

#[test]
fn from_json_and_from_str_agree_with_load() {
    let a = OwnedPolicy::from_json(KK_JSON).unwrap();
    let b: OwnedPolicy = KK_JSON.parse().unwrap();
    let c = OwnedPolicy::from_slice(KK_JSON.as_bytes()).unwrap();
    assert_eq!(a.view().policy(), b.view().policy());
    assert_eq!(a.view().policy(), c.view().policy());
    assert_eq!(a.source(), None);
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(KK_JSON.as_bytes());
    assert!(OwnedPolicy::from_slice(&bytes).is_ok());
}

#[test]
fn the_owned_policy_is_shared_across_threads() {
    let policy = std::sync::Arc::new(OwnedPolicy::from_json(KK_JSON).unwrap());
    let fingerprint = policy.view().fingerprint();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let policy = policy.clone();
            std::thread::spawn(move || policy.view().fingerprint())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), fingerprint);
    }
}

#[test]
fn defaults_follow_spec() {
    let owned = load(&minimal()).unwrap();
    let view = owned.view();
    let p = view.policy();
    assert_eq!(p.notice_version, 1);
    assert_eq!(
        p.refusal_ttl_days, 180,
        "refusal_ttl_days = consent_ttl_days"
    );
    assert_eq!(p.proof_retention_days, 1095);
    assert_eq!(p.controller.name, "");
    assert_eq!(p.consent_cookie.domain, None);
    for (i, c) in p.categories.iter().enumerate() {
        assert_eq!(c.slot as usize, i, "slot = position");
        assert_eq!(c.changed_in_revision, 1);
        assert!(!c.gpc_refuses);
    }
    assert!(view.gpc_slots().is_empty());
    assert!(p.providers.is_empty() && p.storage.is_empty());
}

#[test]
fn r22_explicit_values_override_defaults_and_gpc_refuses_sets_flags() {
    let mut v = minimal();
    v["notice_version"] = json!(4);
    v["refusal_ttl_days"] = json!(30);
    v["proof_retention_days"] = json!(2000);
    v["gpc_refuses"] = json!(["marketing"]);
    v["categories"][1]["slot"] = json!(7);
    v["categories"][1]["changed_in_revision"] = json!(2);
    let owned = load(&v).unwrap();
    let view = owned.view();
    let p = view.policy();
    assert_eq!(
        (p.notice_version, p.refusal_ttl_days, p.proof_retention_days),
        (4, 30, 2000)
    );
    assert_eq!(p.categories[1].slot, 7);
    assert_eq!(p.categories[1].changed_in_revision, 2);
    assert_eq!(p.categories[2].slot, 2);
    assert!(p.categories[2].gpc_refuses && !p.categories[1].gpc_refuses);
    assert_eq!(view.gpc_slots(), view.category_set(&["marketing"]).unwrap());
    assert_eq!(owned.gpc_refuses(), ["marketing".to_owned()]);
}

#[test]
fn explicit_null_counts_as_absent() {
    let mut v = minimal();
    v["refusal_ttl_days"] = Value::Null;
    v["categories"][1]["slot"] = Value::Null;
    let owned = load(&v).unwrap();
    assert_eq!(owned.view().policy().refusal_ttl_days, 180);
    assert_eq!(owned.view().policy().categories[1].slot, 1);
}

// ---------------------------------------------------------------------------
// Document-level rules

#[test]
fn unknown_schema_is_rejected() {
    let mut v = kk();
    v["schema"] = json!("samtykke/policy/2");
    rejects(
        &v,
        K::UnknownSchema,
        "schema",
        "unknown schema \"samtykke/policy/2\"; this version reads \"samtykke/policy/1\"",
    );
}

#[test]
fn schema_is_checked_before_unknown_fields() {
    // A document of a later schema has fields this version does not know; the
    // schema is the error worth reporting.
    let mut v = kk();
    v["schema"] = json!("samtykke/policy/2");
    v["new_field"] = json!(true);
    assert_eq!(load(&v).unwrap_err().code(), Code::PolicyUnknownSchema);
}

#[test]
fn missing_schema_is_rejected() {
    let mut v = kk();
    remove(&mut v, "", "schema");
    rejects(
        &v,
        K::MissingField,
        "schema",
        "missing \"schema\"; expected \"samtykke/policy/1\"",
    );
}

#[test]
fn malformed_json_names_line_and_column() {
    let e = OwnedPolicy::from_json("{\n  \"schema\": \"samtykke/policy/1\",\n}").unwrap_err();
    assert_eq!(e.policy_kind(), Some(K::MalformedJson));
    assert_eq!(e.code(), Code::PolicyMalformedJson);
    assert_eq!(e.path(), "line 3 column 1");
    assert_eq!(e.message(), "malformed JSON: trailing comma");
    assert_eq!(
        e.to_string(),
        "line 3 column 1: malformed JSON: trailing comma"
    );

    // Text that ends at a line's start: the error is at that line's column 1
    // (serde_json says column 0 there).
    let e = OwnedPolicy::from_json("{\"schema\": \"samtykke/policy/1\",\n").unwrap_err();
    assert_eq!(e.path(), "line 2 column 1");
    assert_eq!(e.message(), "malformed JSON: EOF while parsing a value");

    let cut = &KK_JSON[..KK_JSON.len() / 2];
    let e = OwnedPolicy::from_json(cut).unwrap_err();
    assert_eq!(e.policy_kind(), Some(K::MalformedJson));
    assert!(e.path().starts_with("line "), "{e}");
    assert!(e.message().contains("EOF"), "{e}");
}

#[test]
fn bytes_that_are_not_utf8_are_malformed_json() {
    let e = OwnedPolicy::from_slice(b"{\"schema\": \"\xff\"}").unwrap_err();
    assert_eq!(e.policy_kind(), Some(K::MalformedJson));
    assert_eq!(e.path(), "line 1 column 13");
    assert_eq!(e.message(), "malformed JSON: invalid unicode code point");
}

#[test]
fn a_document_that_is_not_an_object_is_rejected() {
    rejects(
        &json!([1, 2]),
        K::WrongType("an object"),
        "$",
        "a policy document is a JSON object, found an array",
    );
}

#[test]
fn a_repeated_field_is_rejected_with_its_path() {
    // serde_json::Value keeps the last of two equal keys; a legal document must
    // not say two things at once.
    let text = KK_JSON.replacen(
        "\"category\": \"statistics\",",
        "\"category\": \"statistics\", \"category\": \"necessary\",",
        1,
    );
    let e = OwnedPolicy::from_json(&text).unwrap_err();
    assert_eq!(e.policy_kind(), Some(K::MalformedJson));
    assert_eq!(e.path(), "storage[5].category");
    assert_eq!(e.message(), "field \"category\" appears more than once");
}

#[test]
fn unknown_fields_are_rejected_by_name() {
    let mut v = kk();
    v["consent_ttl"] = json!(100);
    rejects(
        &v,
        K::UnknownValue("a known field"),
        "consent_ttl",
        "unknown field \"consent_ttl\"; expected one of: schema, site, revision, notice_version, controller, consent_cookie, consent_ttl_days, refusal_ttl_days, proof_retention_days, gpc_refuses, categories, providers, storage, consent_mode",
    );

    let mut v = kk();
    let label = v["categories"][1]["label"].clone();
    remove(&mut v, "/categories/1", "label");
    v["categories"][1]["lable"] = label;
    rejects(
        &v,
        K::UnknownValue("a known field"),
        "categories[1].lable",
        "unknown field \"lable\"; expected one of: id, basis, slot, changed_in_revision, label, description",
    );

    let mut v = kk();
    v["storage"][2]["categroy"] = json!("necessary");
    rejects(
        &v,
        K::UnknownValue("a known field"),
        "storage[2].categroy",
        "unknown field \"categroy\"; expected one of: name, kind, provider, category, purpose, duration, domain, path, justification",
    );

    let mut v = kk();
    v["categories"][0]["label"]["de"] = json!("Notwendige Cookies");
    rejects(
        &v,
        K::UnknownValue("a known field"),
        "categories[0].label.de",
        "unknown field \"de\"; expected one of: en, da",
    );

    let mut v = kk();
    v["providers"][0]["website"] = json!("https://kk.dk");
    rejects(
        &v,
        K::UnknownValue("a known field"),
        "providers[0].website",
        "unknown field \"website\"; expected one of: id, name, party, slot, domains, privacy_policy",
    );

    let mut v = kk();
    v["controller"]["email"] = json!("web@kk.dk");
    rejects(
        &v,
        K::UnknownValue("a known field"),
        "controller.email",
        "unknown field \"email\"; expected one of: name, contact",
    );
}

#[test]
fn wrong_types_are_rejected_with_their_paths() {
    let mut v = kk();
    v["revision"] = json!("1");
    rejects(
        &v,
        K::WrongType("an integer"),
        "revision",
        "expected an integer, found a string",
    );

    let mut v = kk();
    v["categories"][1]["label"] = json!("Functional cookies");
    rejects(
        &v,
        K::WrongType("an object such as {\"en\": …, \"da\": …}"),
        "categories[1].label",
        "expected an object of texts such as {\"en\": \"…\", \"da\": \"…\"}, found a string",
    );

    let mut v = kk();
    v["categories"][1]["label"]["da"] = json!(7);
    rejects(
        &v,
        K::WrongType("a string"),
        "categories[1].label.da",
        "expected a string, found a number",
    );

    let mut v = kk();
    v["storage"] = json!({});
    rejects(
        &v,
        K::WrongType("an array"),
        "storage",
        "expected an array, found an object",
    );

    let mut v = kk();
    v["storage"][4] = json!("JSESSIONID");
    rejects(
        &v,
        K::WrongType("an object"),
        "storage[4]",
        "expected an object, found a string",
    );

    let mut v = kk();
    v["consent_ttl_days"] = json!(100.0);
    rejects(
        &v,
        K::WrongType("an integer"),
        "consent_ttl_days",
        "expected an integer, found a number",
    );

    let mut v = kk();
    v["providers"][1]["domains"] = json!("video.kk.dk");
    rejects(
        &v,
        K::WrongType("an array"),
        "providers[1].domains",
        "expected an array, found a string",
    );
}

#[test]
fn required_top_level_fields_are_named() {
    for (key, path, message) in [
        ("site", "site", "missing \"site\""),
        ("revision", "revision", "missing \"revision\""),
        (
            "consent_cookie",
            "consent_cookie",
            "missing \"consent_cookie\"",
        ),
        (
            "consent_ttl_days",
            "consent_ttl_days",
            "missing \"consent_ttl_days\"",
        ),
        (
            "categories",
            "categories",
            "missing \"categories\": a policy declares at least the exempt category \"necessary\"",
        ),
    ] {
        let mut v = kk();
        remove(&mut v, "", key);
        rejects(&v, K::MissingField, path, message);
    }

    let mut v = kk();
    v["consent_cookie"]["name"] = json!("");
    rejects(
        &v,
        K::MissingField,
        "consent_cookie.name",
        "\"name\" must not be empty",
    );
}

#[test]
fn revisions_and_notice_versions_are_in_range() {
    let mut v = kk();
    v["revision"] = json!(0);
    rejects(
        &v,
        K::VersionOutOfRange(0),
        "revision",
        "revision must be between 1 and 4294967295, not 0",
    );

    let mut v = kk();
    v["notice_version"] = json!(65536);
    rejects(
        &v,
        K::VersionOutOfRange(65536),
        "notice_version",
        "notice_version must be between 1 and 65535, not 65536",
    );

    let mut v = kk();
    v["categories"][2]["changed_in_revision"] = json!(2);
    rejects(
        &v,
        K::ChangedAfterRevision {
            changed: 2,
            revision: 1,
        },
        "categories[2].changed_in_revision",
        "changed_in_revision 2 is later than the policy's revision 1",
    );
}

// ---------------------------------------------------------------------------
// Lifetimes

#[test]
fn ttls_of_zero_or_over_ten_years_are_rejected() {
    for key in [
        "consent_ttl_days",
        "refusal_ttl_days",
        "proof_retention_days",
    ] {
        for days in [0, 3651, -5] {
            let mut v = kk();
            v[key] = json!(days);
            rejects(
                &v,
                K::TtlOutOfRange(days),
                key,
                &format!("{key} must be between 1 and 3650 days, not {days}"),
            );
        }
        let mut v = kk();
        v[key] = json!(3650);
        assert!(load(&v).is_ok(), "{key} = 3650 is allowed");
    }
}

/// Integers past 64 bits: the error quotes the number written, never the
/// nearest one the range check saw, and one past `u64` (which JSON readers
/// take as a float) is not called "a number" as `1.5` is.
#[test]
fn numbers_past_64_bits_are_quoted_as_written() {
    let with = |key: &str, digits: &str| {
        let text = KK_JSON.replacen(
            &format!("\"{key}\": {}", kk()[key]),
            &format!("\"{key}\": {digits}"),
            1,
        );
        assert_ne!(text, KK_JSON, "{key} is in kk.dk");
        OwnedPolicy::from_json(&text).expect_err("loaded")
    };
    for (key, range) in [
        ("consent_ttl_days", "between 1 and 3650 days"),
        ("revision", "between 1 and 4294967295"),
    ] {
        for digits in ["18446744073709551615", "9223372036854775808"] {
            let e = with(key, digits);
            assert_eq!(e.path(), key);
            assert_eq!(e.message(), format!("{key} must be {range}, not {digits}"));
        }
        for digits in [
            "18446744073709551616",
            "-9223372036854775809",
            "1000000000000000000000000000000",
            "1e30",
        ] {
            let e = with(key, digits);
            assert_eq!(e.path(), key);
            assert_eq!(e.policy_kind(), Some(K::WrongType("an integer")));
            assert_eq!(
                e.message(),
                "expected an integer, found a number too large to read (past 64 bits)"
            );
        }
        // Floats within 64 bits are written as floats: "a number".
        for float in ["1.5", "1e19", "9.3e18", "-9.2e18"] {
            assert_eq!(
                with(key, float).message(),
                "expected an integer, found a number",
                "{float}"
            );
        }
    }
}

#[test]
fn r06_a_non_positive_duration_is_rejected() {
    for (i, duration) in [
        (3, json!({ "days": 0 })),
        (0, json!({ "hours": -1 })),
        (6, json!({ "seconds": 0 })),
    ] {
        let mut v = kk();
        v["storage"][i]["duration"] = duration;
        let path = format!("storage[{i}].duration");
        rejects(
            &v,
            K::NonPositiveDuration,
            &path,
            "duration must be positive",
        );
        assert_eq!(
            load(&v).unwrap_err().to_string(),
            format!("storage[{i}].duration: duration must be positive")
        );
    }
}

#[test]
fn r06_durations_have_one_shape() {
    let cases = [
        (
            json!("forever"),
            K::UnknownValue("\"session\" or {\"seconds\"|\"hours\"|\"days\": n}"),
            "storage[3].duration",
            "unknown duration \"forever\"; expected \"session\" or one of {\"seconds\": n}, {\"hours\": n}, {\"days\": n}",
        ),
        (
            json!({ "days": 1, "hours": 2 }),
            K::UnknownValue("exactly one of seconds, hours, days"),
            "storage[3].duration",
            "duration has 2 units; give exactly one of seconds, hours or days",
        ),
        (
            json!({}),
            K::MissingField,
            "storage[3].duration",
            "duration needs one of seconds, hours or days (R6)",
        ),
        (
            json!({ "weeks": 2 }),
            K::UnknownValue("a known field"),
            "storage[3].duration.weeks",
            "unknown field \"weeks\"; expected one of: seconds, hours, days",
        ),
        (
            json!({ "days": 1.5 }),
            K::WrongType("a positive integer"),
            "storage[3].duration.days",
            "expected a positive integer, found a number",
        ),
        (
            json!({ "days": 4294967296u64 }),
            K::WrongType("a 32-bit integer"),
            "storage[3].duration.days",
            "4294967296 days is too long a duration (at most 4294967295)",
        ),
        (
            json!(3600),
            K::WrongType("\"session\" or an object"),
            "storage[3].duration",
            "expected \"session\" or an object such as {\"days\": n}, found a number",
        ),
    ];
    for (duration, kind, path, message) in cases {
        let mut v = kk();
        v["storage"][3]["duration"] = duration;
        rejects(&v, kind, path, message);
    }
}

// ---------------------------------------------------------------------------
// Ids, slots and references

#[test]
fn duplicate_category_ids_are_rejected() {
    let mut v = kk();
    v["categories"][2]["id"] = json!("functional");
    rejects(
        &v,
        K::DuplicateId(1),
        "categories[2].id",
        "id \"functional\" is already used by categories[1]",
    );
}

#[test]
fn duplicate_provider_ids_are_rejected() {
    let mut v = kk();
    v["providers"][2]["id"] = json!("twentythree");
    rejects(
        &v,
        K::DuplicateId(1),
        "providers[2].id",
        "id \"twentythree\" is already used by providers[1]",
    );
}

#[test]
fn duplicate_category_slots_are_rejected() {
    let mut v = kk();
    v["categories"][2]["slot"] = json!(1);
    rejects(
        &v,
        K::DuplicateSlot { slot: 1, first: 1 },
        "categories[2].slot",
        "slot 1 is already used by categories[1]",
    );
}

#[test]
fn duplicate_provider_slots_are_rejected() {
    let mut v = kk();
    v["providers"][3]["slot"] = json!(0);
    rejects(
        &v,
        K::DuplicateSlot { slot: 0, first: 0 },
        "providers[3].slot",
        "slot 0 is already used by providers[0]",
    );
}

#[test]
fn slots_out_of_range_are_rejected() {
    let mut v = kk();
    v["categories"][1]["slot"] = json!(32);
    rejects(
        &v,
        K::SlotOutOfRange(32),
        "categories[1].slot",
        "slot 32 is out of range: category slots are 0 to 31",
    );
    let mut v = kk();
    v["providers"][1]["slot"] = json!(-1);
    rejects(
        &v,
        K::SlotOutOfRange(-1),
        "providers[1].slot",
        "slot -1 is out of range: provider slots are 0 to 127",
    );
}

#[test]
fn unknown_category_references_are_rejected() {
    let mut v = kk();
    v["storage"][6]["category"] = json!("statistic");
    rejects(
        &v,
        K::UnknownCategory,
        "storage[6].category",
        "category \"statistic\" is not declared in categories",
    );
}

#[test]
fn unknown_provider_references_are_rejected() {
    let mut v = kk();
    v["storage"][5]["provider"] = json!("SiteImprove");
    rejects(
        &v,
        K::UnknownProvider,
        "storage[5].provider",
        "provider \"SiteImprove\" is not declared in providers",
    );
}

#[test]
fn duplicate_declarations_are_rejected() {
    let mut v = kk();
    v["storage"][4]["name"] = json!("ad_session_id");
    rejects(
        &v,
        K::DuplicateDeclaration(3),
        "storage[4].name",
        "cookie \"ad_session_id\" is already declared at storage[3]",
    );
    // The same name as another kind of storage is another item.
    let mut v = kk();
    v["storage"][4]["name"] = json!("ad_session_id");
    v["storage"][4]["kind"] = json!("local_storage");
    assert!(load(&v).is_ok());
}

#[test]
fn unknown_kinds_and_parties_are_rejected() {
    let mut v = kk();
    v["storage"][1]["kind"] = json!("localStorage");
    rejects(
        &v,
        K::UnknownValue("cookie, local_storage, session_storage or indexed_db"),
        "storage[1].kind",
        "unknown kind \"localStorage\"; expected cookie, local_storage, session_storage or indexed_db",
    );
    let mut v = kk();
    v["providers"][2]["party"] = json!("partner");
    rejects(
        &v,
        K::UnknownValue("\"first\" or \"third\""),
        "providers[2].party",
        "unknown party \"partner\"; expected \"first\" or \"third\"",
    );
}

#[test]
fn provider_domains_are_single_names() {
    let mut v = kk();
    v["providers"][3]["domains"] = json!([
        "siteimprove.com",
        "siteimproveanalytics.com, siteimprove.net"
    ]);
    rejects(
        &v,
        K::UnknownValue("a domain name"),
        "providers[3].domains[1]",
        "\"siteimproveanalytics.com, siteimprove.net\" is not a domain name: list each domain on its own",
    );
    let mut v = kk();
    v["providers"][3]["domains"] = json!([""]);
    rejects(
        &v,
        K::MissingField,
        "providers[3].domains[0]",
        "a domain must not be empty",
    );
    let mut v = kk();
    v["providers"][3]["domains"] = json!(["siteimprove.com", "siteimproveanalytics.io"]);
    let owned = load(&v).unwrap();
    assert_eq!(
        owned.view().policy().providers[3]
            .domains()
            .collect::<Vec<_>>(),
        ["siteimprove.com", "siteimproveanalytics.io"]
    );
}

#[test]
fn cookie_paths_start_with_a_slash_and_domains_are_not_empty() {
    let mut v = kk();
    v["storage"][6]["path"] = json!("stats");
    rejects(
        &v,
        K::UnknownValue("a path starting with \"/\""),
        "storage[6].path",
        "unknown value: expected a path starting with \"/\"",
    );
    let mut v = kk();
    v["storage"][6]["domain"] = json!("");
    rejects(
        &v,
        K::MissingField,
        "storage[6].domain",
        "\"domain\" must not be empty; leave it out instead",
    );
}

// ---------------------------------------------------------------------------
// R4, R5, R6, R22

#[test]
fn r04_refusable_necessary_is_rejected() {
    let mut v = kk();
    v["categories"][0]["basis"] = json!("consent");
    rejects(
        &v,
        K::NecessaryRefusable,
        "categories[0].basis",
        "\"necessary\" must have basis \"exempt\": necessary storage cannot be refused (R4)",
    );
}

#[test]
fn r04_missing_necessary_is_rejected() {
    let mut v = kk();
    v["categories"].as_array_mut().unwrap().remove(0);
    rejects(
        &v,
        K::NecessaryMissing,
        "categories",
        "the policy must declare the exempt category \"necessary\" (R4)",
    );
}

#[test]
fn r04_only_necessary_may_be_exempt() {
    let mut v = kk();
    v["categories"][2]["basis"] = json!("exempt");
    rejects(
        &v,
        K::ExemptNotNecessary,
        "categories[2].basis",
        "only \"necessary\" may be exempt; \"statistics\" needs basis \"consent\" (R4)",
    );
}

#[test]
fn r05_legitimate_interest_is_rejected() {
    let mut v = kk();
    v["categories"][2]["basis"] = json!("legitimate_interest");
    rejects(
        &v,
        K::BasisNotAllowed,
        "categories[2].basis",
        "basis \"legitimate_interest\" is not allowed: a category's basis is \"exempt\" or \"consent\", and legitimate interest is no basis for cookies (R5)",
    );
    assert_eq!(load(&v).unwrap_err().code(), Code::PolicyBasisNotAllowed);
}

#[test]
fn r05_a_basis_must_be_given_as_a_string() {
    let mut v = kk();
    remove(&mut v, "/categories/1", "basis");
    rejects(
        &v,
        K::MissingField,
        "categories[1].basis",
        "missing \"basis\": \"exempt\" (necessary only) or \"consent\"",
    );
    let mut v = kk();
    v["categories"][1]["basis"] = json!(true);
    rejects(
        &v,
        K::WrongType("a string"),
        "categories[1].basis",
        "expected \"exempt\" or \"consent\", found a boolean",
    );
    // The two allowed bases load, and only them.
    let owned = load(&kk()).unwrap();
    let bases: Vec<Basis> = owned
        .view()
        .policy()
        .categories
        .iter()
        .map(|c| c.basis)
        .collect();
    assert_eq!(bases, [Basis::Exempt, Basis::Consent, Basis::Consent]);
}

const R6_MESSAGE: &str =
    ": every declaration needs a name, kind, provider, category, purpose and duration (R6)";

#[test]
fn r06_every_missing_declaration_field_is_named() {
    for field in [
        "name", "kind", "provider", "category", "purpose", "duration",
    ] {
        let mut v = kk();
        remove(&mut v, "/storage/4", field);
        rejects(
            &v,
            K::MissingField,
            &format!("storage[4].{field}"),
            &format!("missing \"{field}\"{R6_MESSAGE}"),
        );
    }
}

#[test]
fn r06_empty_declaration_fields_are_missing() {
    let mut v = kk();
    v["storage"][2]["name"] = json!("");
    rejects(
        &v,
        K::MissingField,
        "storage[2].name",
        &format!("\"name\" must not be empty{R6_MESSAGE}"),
    );

    let mut v = kk();
    v["storage"][2]["purpose"] = json!({ "en": "", "da": "" });
    rejects(
        &v,
        K::MissingField,
        "storage[2].purpose",
        "purpose needs a text in English or Danish (R6)",
    );

    // One language is enough to load (the lint asks for the other).
    let mut v = kk();
    v["storage"][2]["purpose"] = json!({ "da": "Gør det muligt at stemme på idéforslag" });
    assert!(load(&v).is_ok());
}

#[test]
fn r22_gpc_refuses_an_unknown_category_is_rejected() {
    let mut v = kk();
    v["gpc_refuses"] = json!(["marketing"]);
    rejects(
        &v,
        K::GpcUnknownCategory,
        "gpc_refuses[0]",
        "gpc_refuses names \"marketing\", which is no declared category",
    );
    assert_eq!(load(&v).unwrap_err().code(), Code::PolicyGpcCategory);
}

#[test]
fn r22_gpc_refuses_the_exempt_category_is_rejected() {
    let mut v = kk();
    v["gpc_refuses"] = json!(["statistics", "necessary"]);
    rejects(
        &v,
        K::GpcExempt,
        "gpc_refuses[1]",
        "gpc_refuses names the exempt category \"necessary\"; a signal can refuse consent categories only (R4, R22)",
    );
    assert_eq!(load(&v).unwrap_err().code(), Code::PolicyGpcCategory);
}

#[test]
fn r22_gpc_refuses_names_each_category_once() {
    let mut v = kk();
    v["gpc_refuses"] = json!(["statistics", "functional", "statistics"]);
    rejects(
        &v,
        K::DuplicateId(0),
        "gpc_refuses[2]",
        "gpc_refuses names \"statistics\" twice",
    );
    let mut v = kk();
    v["gpc_refuses"] = json!([2]);
    rejects(
        &v,
        K::WrongType("a string"),
        "gpc_refuses[0]",
        "expected a category id, found a number",
    );
}

// ---------------------------------------------------------------------------
// Capacities

#[test]
fn more_categories_than_the_capacity_are_rejected() {
    let mut v = kk();
    let categories = v["categories"].as_array_mut().unwrap();
    for i in categories.len()..samtykke::MAX_CATEGORIES {
        categories.push(json!({ "id": format!("extra{i}"), "basis": "consent" }));
    }
    assert!(load(&v).is_ok(), "exactly the capacity loads");
    v["categories"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "one_too_many", "basis": "consent" }));
    rejects(
        &v,
        K::TooManyCategories(17),
        "categories",
        "17 categories declared; a policy holds at most 16",
    );
}

#[test]
fn more_providers_than_the_capacity_are_rejected() {
    let mut v = kk();
    let providers = v["providers"].as_array_mut().unwrap();
    for i in providers.len()..samtykke::MAX_PROVIDERS {
        providers
            .push(json!({ "id": format!("p{i}"), "name": format!("P {i}"), "party": "third" }));
    }
    assert!(load(&v).is_ok(), "exactly the capacity loads");
    v["providers"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "one_too_many", "name": "X", "party": "third" }));
    rejects(
        &v,
        K::TooManyProviders(65),
        "providers",
        "65 providers declared; a policy holds at most 64",
    );
    // Past the slots too (129: the last one's position, its default slot, is
    // out of range): still the capacity, not a slot no document wrote.
    let providers = v["providers"].as_array_mut().unwrap();
    for i in providers.len()..=samtykke::PROVIDER_SLOTS {
        providers
            .push(json!({ "id": format!("q{i}"), "name": format!("Q {i}"), "party": "third" }));
    }
    rejects(
        &v,
        K::TooManyProviders(samtykke::PROVIDER_SLOTS + 1),
        "providers",
        "129 providers declared; a policy holds at most 64",
    );
}

// ---------------------------------------------------------------------------
// Files

#[test]
fn an_unreadable_file_is_an_io_error_naming_the_path() {
    let path = std::env::temp_dir().join("samtykke-no-such-policy.json");
    let e = OwnedPolicy::load(&path).unwrap_err();
    assert_eq!(e.kind(), LoadErrorKind::Io(std::io::ErrorKind::NotFound));
    assert_eq!(e.policy_kind(), None);
    assert_eq!(e.code(), Code::Io);
    assert_eq!(e.file(), Some(path.as_path()));
    assert_eq!(e.path(), path.display().to_string());
    assert!(
        e.to_string()
            .starts_with(&format!("{}: cannot read the policy: ", path.display())),
        "{e}"
    );
}

#[test]
fn an_invalid_file_names_the_file_and_the_json_path() {
    let mut v = kk();
    v["storage"][3]["duration"] = json!({ "days": 0 });
    let path = std::env::temp_dir().join(format!("samtykke-broken-{}.json", std::process::id()));
    std::fs::write(&path, v.to_string()).unwrap();
    let e = OwnedPolicy::load(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(e.policy_kind(), Some(K::NonPositiveDuration));
    assert_eq!(e.path(), "storage[3].duration");
    assert_eq!(e.file(), Some(path.as_path()));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: storage[3].duration: duration must be positive",
            path.display()
        )
    );
}

// ---------------------------------------------------------------------------
// No input panics (SPEC §13): 4,000 + 4,000 + 3,000 cases.

/// A loaded policy is usable, and an error is a typed policy error with a path.
fn check_outcome(r: Result<OwnedPolicy, PolicyLoadError>) -> Result<(), TestCaseError> {
    match r {
        Ok(owned) => {
            let view = owned.view();
            for d in view.policy().storage {
                prop_assert!(view.lookup(d.kind, d.name).is_some() || d.is_pattern());
            }
            let _ = samtykke_host::lint(&owned);
        }
        Err(e) => {
            let code = e.code() as u32;
            prop_assert!((200..300).contains(&code), "{e}: code {code}");
            prop_assert!(e.policy_kind().is_some());
            prop_assert!(!e.path().is_empty() && !e.message().is_empty());
            prop_assert!(e.to_string().starts_with(e.path()));
        }
    }
    Ok(())
}

/// One edit of a JSON text's bytes.
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Replace(usize, u8),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        &b"{"[..],
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"0",
        b"-1",
        b"null",
        b"\\u00",
        b"\xff",
        b"1e999",
        b"\"session\"",
    ]);
    prop_oneof![
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..4))
            .prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), tokens).prop_map(|(at, t)| Edit::Insert(at, t.to_vec())),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Duplicate(at, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    let len = bytes.len().max(1);
    match *e {
        Edit::Delete(at, n) => {
            let at = at % len;
            let end = (at + n).min(bytes.len());
            bytes.drain(at.min(end)..end);
        }
        Edit::Insert(at, ref b) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Edit::Replace(at, b) => {
            if !bytes.is_empty() {
                let at = at % bytes.len();
                bytes[at] = b;
            }
        }
        Edit::Duplicate(at, n) => {
            let at = at % len;
            let end = (at + n).min(bytes.len());
            let slice = bytes[at.min(end)..end].to_vec();
            bytes.splice(end..end, slice);
        }
    }
}

/// Every JSON pointer in `v`.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                pointers(
                    x,
                    format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(here);
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        prop::sample::select(vec![
            0i64,
            1,
            -1,
            2,
            16,
            32,
            64,
            128,
            3650,
            3651,
            65535,
            65536,
            i64::MIN
        ])
        .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        prop::sample::select(vec![
            "",
            "session",
            "necessary",
            "statistics",
            "functional",
            "kk",
            "siteimprove",
            "cookie",
            "local_storage",
            "exempt",
            "consent",
            "legitimate_interest",
            "first",
            "third",
            "samtykke/policy/1",
            "nmstat",
            "SESS*",
            "*",
            "?",
            "/",
            "kk.dk",
            "a b",
        ])
        .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "id", "name", "days", "hours", "seconds", "en", "da", "basis", "slot",
                        "kind", "x",
                    ]),
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    Add(usize, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let key = prop::sample::select(vec![
        "schema",
        "slot",
        "gpc_refuses",
        "duration",
        "domain",
        "path",
        "justification",
        "changed_in_revision",
        "refusal_ttl_days",
        "typo",
    ]);
    prop_oneof![
        (any::<usize>(), value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), key, value()).prop_map(|(i, k, v)| Mutation::Add(i, k.to_owned(), v)),
    ]
}

fn mutate(v: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    pointers(v, String::new(), &mut all);
    match m {
        Mutation::Replace(i, x) => {
            if let Some(target) = v.pointer_mut(&all[i % all.len()]) {
                *target = x.clone();
            }
        }
        Mutation::Remove(i) => {
            let p = &all[i % all.len()];
            if let Some((parent, last)) = p.rsplit_once('/') {
                match v.pointer_mut(parent) {
                    Some(Value::Object(o)) => {
                        o.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(a)) => {
                        if let Ok(i) = last.parse::<usize>() {
                            a.remove(i);
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::Add(i, k, x) => {
            if let Some(Value::Object(o)) = v.pointer_mut(&all[i % all.len()]) {
                o.insert(k.clone(), x.clone());
            }
        }
    }
}

/// SPEC §13: the policy loader, fed 4,000 random byte strings, 4,000 texts of the
/// kk.dk policy with random byte edits and 3,000 kk.dk documents with random
/// structural mutations (counted), loads or returns a typed error naming where,
/// never a panic.
#[test]
fn random_and_mutated_policies_never_panic() {
    let mut fed = Fed::new("policy JSON");
    fed.run(
        "random bytes",
        file!(),
        4_000,
        prop::collection::vec(any::<u8>(), 0..512),
        |bytes| check_outcome(OwnedPolicy::from_slice(&bytes)),
    );
    fed.run(
        "mutated text",
        file!(),
        4_000,
        prop::collection::vec(edit(), 1..6),
        |edits| {
            let mut bytes = KK_JSON.as_bytes().to_vec();
            for e in &edits {
                apply(&mut bytes, e);
            }
            check_outcome(OwnedPolicy::from_slice(&bytes))
        },
    );
    fed.run(
        "mutated documents",
        file!(),
        3_000,
        prop::collection::vec(mutation(), 1..4),
        |mutations| {
            let mut v = kk();
            for m in &mutations {
                mutate(&mut v, m);
            }
            check_outcome(load(&v))
        },
    );
    fed.finish();
}

/// The fingerprint tells apart policies that give a consent state another meaning
/// (its doc: site, revision, categories, slots, providers, declarations): kk.dk
/// against itself at revision 2, with a declaration dropped, a declaration
/// renamed, one moved to another category, to another provider or to another
/// kind of storage, and with GPC refusing statistics. Found by mutation testing
/// (scripts/mutants): first no test compared two policies' fingerprints, then
/// none changed a string alone (`Fnv::str` as a no-op survived) or a
/// declaration's category, provider or kind, or a category's `gpc_refuses` (their
/// packing into one word with `&` for `|` or `>>` for `<<` survived).
#[test]
fn the_fingerprint_changes_with_what_gives_a_state_its_meaning() {
    let base = load(&kk()).unwrap().view().fingerprint();
    let nmstat = kk()["storage"]
        .as_array()
        .unwrap()
        .iter()
        .position(|d| d["name"] == "nmstat")
        .unwrap();
    let changed = |what: &'static str, change: &dyn Fn(&mut Value)| {
        let mut v = kk();
        change(&mut v);
        (what, v)
    };
    let declaration = |what, field: &'static str, value: &'static str| {
        changed(what, &|v| v["storage"][nmstat][field] = json!(value))
    };
    let cases = [
        changed("revision", &|v| v["revision"] = json!(2)),
        changed("a declaration dropped", &|v| {
            v["storage"].as_array_mut().unwrap().pop();
        }),
        declaration("a declaration renamed", "name", "nmstat2"),
        declaration(
            "a declaration in another category",
            "category",
            "functional",
        ),
        declaration("a declaration of another provider", "provider", "septima"),
        declaration("a declaration of another kind", "kind", "local_storage"),
        changed("GPC refusing statistics", &|v| {
            v["gpc_refuses"] = json!(["statistics"]);
        }),
    ];
    let mut seen = std::collections::HashMap::from([(base, "kk.dk")]);
    for (what, other) in cases {
        let f = load(&other)
            .unwrap_or_else(|e| panic!("{what}: {e}"))
            .view()
            .fingerprint();
        if let Some(before) = seen.insert(f, what) {
            panic!("{what} has the fingerprint of {before}");
        }
    }
}

/// Every revision of kk.dk from 1 to 255, and every multiple of 256 up to
/// 65,280, has a fingerprint of its own, so a C caller's stored state of one
/// revision is a policy mismatch under any other (the header's promise). FNV-1a
/// makes this certain, not likely: XOR-ing a byte into the state and multiplying
/// by an odd prime are each one-to-one, so policies that differ in one byte of
/// the hashed input never share a fingerprint. Found by mutation testing: with
/// `|=` for `^=`, bytes whose bits the state already holds fall together, and the
/// test above, comparing two revisions, passed.
#[test]
fn the_fingerprint_tells_apart_every_revision_that_differs_in_one_byte() {
    let mut seen = std::collections::HashMap::new();
    for revision in (1..=255u32).chain((1..=255u32).map(|k| k << 8)) {
        let mut v = kk();
        v["revision"] = json!(revision);
        let f = load(&v).unwrap().view().fingerprint();
        if let Some(other) = seen.insert(f, revision) {
            panic!("revisions {other} and {revision} share the fingerprint {f:#x}");
        }
    }
}

/// Withdrawing deletes the site's own cookies; one declared on another site's
/// domain is reported undeletable by the deletion plan (SPEC §6), and the
/// declaration says so instead of promising it away.
#[test]
fn r12_the_declaration_names_what_withdrawing_cannot_delete() {
    use samtykke_host::declare::{render, Format, Lang};
    let en = |v: &serde_json::Value| render(&load(v).unwrap().view(), Lang::En, Format::Markdown);
    let mut v = kk();
    assert!(
        en(&v).contains("deleted at once. Consent lapses"),
        "{}",
        en(&v)
    );
    let storage = v["storage"].as_array_mut().unwrap();
    let nmstat = storage.iter_mut().find(|d| d["name"] == "nmstat").unwrap();
    nmstat["domain"] = serde_json::json!(".SiteImprove.com");
    let text = en(&v);
    assert!(
        text.contains("deleted at once, except “nmstat”, set on other sites' domains (siteimprove.com), which only your browser can delete."),
        "{text}"
    );
    let da = render(&load(&v).unwrap().view(), Lang::Da, Format::Markdown);
    assert!(
        da.contains("slettes med det samme, undtagen “nmstat”, der er sat på andre websteders domæner (siteimprove.com) og kun kan slettes i din browser."),
        "{da}"
    );
    // On the site's own domain, under it, or written with a dot or in capitals
    // (as the deletion plan reads a domain): deleted, nothing to except.
    for ours in ["www.kk.dk", "KK.DK.", " .kk.dk", "kk.dk"] {
        let storage = v["storage"].as_array_mut().unwrap();
        let nmstat = storage.iter_mut().find(|d| d["name"] == "nmstat").unwrap();
        nmstat["domain"] = serde_json::json!(ours);
        let text = en(&v);
        assert!(
            text.contains("deleted at once. Consent lapses"),
            "{ours}: {text}"
        );
    }
}

/// The how-to paragraphs name the refusal's and the consent's lifetimes as the
/// tables name a duration: one day is `1 day` / `1 dag`, not `1 days`.
#[test]
fn r06_the_declaration_says_one_day_in_the_singular() {
    use samtykke_host::declare::{render, Format, Lang};
    let mut v = kk();
    v["consent_ttl_days"] = serde_json::json!(1);
    v["refusal_ttl_days"] = serde_json::json!(1);
    let policy = load(&v).unwrap();
    let en = render(&policy.view(), Lang::En, Format::Markdown);
    assert!(
        en.contains("for 1 day, so that") && en.contains("after 1 day, and"),
        "{en}"
    );
    assert!(!en.contains("1 days"), "{en}");
    let da = render(&policy.view(), Lang::Da, Format::Markdown);
    assert!(
        da.contains("i 1 dag, så") && da.contains("efter 1 dag, og"),
        "{da}"
    );
    assert!(!da.contains("1 dage"), "{da}");
}

/// The consent cookie is declared under the necessary category (SPEC §3),
/// wherever the policy lists that category: here last of three, so its index is
/// neither 0 nor 1. Found by mutation testing: every policy the tests rendered
/// listed `necessary` first.
#[test]
fn r06_the_consent_cookie_is_declared_under_necessary_wherever_it_is_listed() {
    use samtykke_host::declare::{render, Format, Lang};
    let mut v = kk();
    let categories = v["categories"].as_array_mut().unwrap();
    let necessary = categories.remove(0);
    assert_eq!(necessary["id"], "necessary");
    categories.push(necessary);
    let policy = load(&v).unwrap();
    let page = render(&policy.view(), Lang::En, Format::Markdown);
    let row = "| `samtykke` | cookie | Remembers your cookie choice";
    assert_eq!(page.matches(row).count(), 1, "{page}");
    let section = |heading: &str| {
        let start = page
            .find(heading)
            .unwrap_or_else(|| panic!("{heading}: {page}"));
        let rest = &page[start + heading.len()..];
        &rest[..rest.find("\n## ").unwrap_or(rest.len())]
    };
    assert!(section("## Necessary cookies").contains(row), "{page}");
    assert!(!section("## Functional cookies").contains(row), "{page}");
    assert!(!section("## Statistical cookies").contains(row), "{page}");
}

/// A label reads in the language asked for (`da`, anything else English) and
/// falls back to the other where it is missing (SPEC §3: texts are `{en, da}`).
/// Found by mutation testing: only the declaration's rendering read `Text::get`,
/// and no Rust test ran it.
#[test]
fn a_text_reads_in_the_language_asked_for_and_falls_back_to_the_other() {
    use samtykke::Text;
    let both = Text {
        en: "Statistics",
        da: "Statistik",
    };
    assert_eq!(both.get("da"), "Statistik");
    assert_eq!(both.get("en"), "Statistics");
    assert_eq!(both.get("de"), "Statistics");
    let en = Text {
        en: "Statistics",
        da: "",
    };
    assert_eq!(en.get("da"), "Statistics");
    let da = Text {
        en: "",
        da: "Statistik",
    };
    assert_eq!(da.get("en"), "Statistik");
}
