//! The policy lint (SPEC §3): each rule warns on a policy and stays quiet on a
//! near-identical one that keeps the rule.

use samtykke_host::{
    known_tracker, lint, lint_view, LintId, LintWarning, OwnedPolicy, KNOWN_TRACKERS,
};
use serde_json::{json, Value};

const KK_JSON: &str = include_str!("../../../examples/kk.dk.policy.json");

fn kk() -> Value {
    serde_json::from_str(KK_JSON).unwrap()
}

/// kk.dk with its one finding fixed (nmstat no longer outlives the consent): no
/// warnings, so each test below sees only the rule it breaks.
fn clean() -> Value {
    let mut v = kk();
    v["storage"][6]["duration"] = json!({ "days": 100 });
    v
}

fn warnings(v: &Value) -> Vec<LintWarning> {
    lint(&OwnedPolicy::from_json(&v.to_string()).expect("the policy loads"))
}

fn w(id: LintId, path: &str, message: &str) -> LintWarning {
    LintWarning {
        id,
        path: path.into(),
        message: message.into(),
    }
}

/// A necessary first-party cookie appended to `v` as storage[7].
fn add_necessary(v: &mut Value, name: &str) {
    v["storage"].as_array_mut().unwrap().push(json!({
        "name": name, "kind": "cookie", "provider": "kk", "category": "necessary",
        "purpose": { "en": "Something", "da": "Noget" },
        "duration": { "days": 1 }, "justification": "the site needs it"
    }));
}

#[test]
fn kk_dk_gets_exactly_the_nmstat_warning() {
    // Seed 000 keeps nmstat 1000 days under a 100-day consent: the one finding.
    // Nothing else is flagged, and each rule was checked against the document:
    // - tracking-cookie-necessary: the necessary items are SESS*, the emergency
    //   banner and the voting cookie, none a known tracker (nmstat is one, but it
    //   is declared under statistics, where it belongs);
    // - third-party-necessary: all three necessary items are set by kk (first party);
    // - necessary-long-lived: the longest, Drupal_visitor_votingapi_source, lives
    //   exactly 365 days, not over one year;
    // - necessary-unjustified: all three give a justification;
    // - outlives-consent: ad_session_id, JSESSIONID and AWSELBCORS are session
    //   cookies; only nmstat (storage[6]) outlives its consent;
    // - consent-ttl-too-long: consent lasts 100 days, well under 13 months;
    // - missing-text: every label, description and purpose has en and da.
    let owned = OwnedPolicy::from_json(KK_JSON).unwrap();
    assert_eq!(owned.view().policy().storage[6].name, "nmstat");
    let expected = vec![w(
        LintId::OutlivesConsent,
        "storage[6].duration",
        "\"nmstat\" lives 1000 days, longer than the 100-day consent to \"statistics\" it depends on; shorten it to at most 100 days",
    )];
    assert_eq!(lint(&owned), expected);
    assert_eq!(
        expected[0].to_string(),
        "storage[6].duration: \"nmstat\" lives 1000 days, longer than the 100-day consent to \"statistics\" it depends on; shorten it to at most 100 days [outlives-consent]"
    );
}

#[test]
fn the_static_kk_dk_lints_like_the_loaded_one() {
    let mut index = [0u16; 7];
    let fixed = samtykke::example::KK_DK.validate(&mut index).unwrap();
    let owned = OwnedPolicy::from_json(KK_JSON).unwrap();
    assert_eq!(lint_view(&fixed), lint(&owned));
}

#[test]
fn the_clean_variant_of_kk_dk_does_not_warn() {
    assert_eq!(warnings(&clean()), []);
}

#[test]
fn lint_ids_are_stable() {
    let ids: Vec<&str> = LintId::ALL.iter().map(|id| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "tracking-cookie-necessary",
            "third-party-necessary",
            "necessary-long-lived",
            "necessary-unjustified",
            "outlives-consent",
            "consent-ttl-too-long",
            "missing-text",
            "google-without-consent-mode",
            "security-storage-not-exempt",
            "consent-cookie-declared",
        ]
    );
}

// ---------------------------------------------------------------------------
// consent-cookie-declared

#[test]
fn r02_a_declaration_of_the_consent_cookie_warns_and_is_not_published() {
    // SPEC §3: the consent cookie is declared automatically (necessary, first
    // party), and the core judges it so whatever the policy says.
    let mut v = clean();
    v["storage"].as_array_mut().unwrap().push(json!({
        "name": "samtykke", "kind": "cookie", "provider": "siteimprove", "category": "statistics",
        "purpose": { "en": "Something", "da": "Noget" }, "duration": { "days": 50 }
    }));
    assert_eq!(
        warnings(&v),
        [w(
            LintId::ConsentCookieDeclared,
            "storage[7].name",
            "\"samtykke\" is the consent cookie, which is declared automatically (necessary, first party) and always judged so: this declaration is not used",
        )]
    );
    // The published declaration lists it once, as what the engine does.
    use samtykke_host::declare::{render, Format, Lang};
    let owned = OwnedPolicy::from_json(&v.to_string()).expect("the policy loads");
    let text = render(&owned.view(), Lang::En, Format::Markdown);
    assert_eq!(text.matches("`samtykke`").count(), 1, "{text}");
    assert!(!text.contains("50 days"), "{text}");
}

// ---------------------------------------------------------------------------
// tracking-cookie-necessary

#[test]
fn r04_a_known_tracking_cookie_declared_necessary_warns() {
    let mut v = clean();
    add_necessary(&mut v, "_ga");
    assert_eq!(
        warnings(&v),
        [w(
            LintId::TrackingCookieNecessary,
            "storage[7].category",
            "\"_ga\" is declared necessary, but it is a known analytics cookie (Google Analytics: distinguishes visitors); analytics storage needs consent",
        )]
    );

    // The same cookie under statistics, within the consent's lifetime, is fine.
    let mut v = clean();
    add_necessary(&mut v, "_ga");
    v["storage"][7]["category"] = json!("statistics");
    assert_eq!(warnings(&v), []);
}

#[test]
fn r04_a_necessary_pattern_covering_a_tracker_warns() {
    let mut v = clean();
    add_necessary(&mut v, "_g*");
    assert_eq!(
        warnings(&v),
        [w(
            LintId::TrackingCookieNecessary,
            "storage[7].category",
            "\"_g*\" is declared necessary, but it covers \"_ga\", a known analytics cookie (Google Analytics: distinguishes visitors); analytics storage needs consent",
        )]
    );
    let mut v = clean();
    add_necessary(&mut v, "_csrf*");
    assert_eq!(warnings(&v), []);
}

#[test]
fn r04_every_known_tracker_is_recognised_when_declared_necessary() {
    let names = [
        "_ga",
        "_ga_ABC123",
        "_gid",
        "_gat",
        "_gat_UA-1",
        "_fbp",
        "_fbc",
        "_pk_id.1.abcd",
        "_pk_ses.1.abcd",
        "nmstat",
        "_hjSessionUser_123",
        "IDE",
        "test_cookie",
        "_gcl_au",
        "fr",
        "__utma",
        "__utmz",
        "siteimproveses",
    ];
    for name in names {
        assert!(
            known_tracker(name).is_some(),
            "{name} is in the knowledge base"
        );
        let mut v = clean();
        // kk.dk declares nmstat itself; drop it so the name can be declared again.
        v["storage"].as_array_mut().unwrap().remove(6);
        add_necessary(&mut v, name);
        let found = warnings(&v);
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        assert_eq!(found[0].id, LintId::TrackingCookieNecessary);
    }
    // Every entry's own names are recognised.
    for k in KNOWN_TRACKERS {
        let name = k.pattern.replace('*', "1");
        assert_eq!(
            known_tracker(&name).map(|k| k.vendor),
            Some(k.vendor),
            "{name}"
        );
    }
    // Ordinary first-party cookies, including near misses, are not trackers.
    for name in [
        "SESSabc",
        "PHPSESSID",
        "csrftoken",
        "frontend",
        "ga",
        "lang",
        "IDEA",
        "_g",
    ] {
        assert!(known_tracker(name).is_none(), "{name}");
        let mut v = clean();
        add_necessary(&mut v, name);
        assert_eq!(warnings(&v), [], "{name}");
    }
}

// ---------------------------------------------------------------------------
// third-party-necessary

#[test]
fn r04_a_third_party_item_declared_necessary_warns() {
    let mut v = clean();
    v["storage"][0]["provider"] = json!("septima");
    assert_eq!(
        warnings(&v),
        [w(
            LintId::ThirdPartyNecessary,
            "storage[0].provider",
            "\"SESS*\" is declared necessary but is set by the third party \"Septima\"; a third party's storage is rarely strictly necessary for the service the visitor asked for",
        )]
    );
    // A third party in a consent category is ordinary (kk.dk has three).
    let mut v = clean();
    v["storage"][3]["provider"] = json!("septima");
    assert_eq!(warnings(&v), []);
}

// ---------------------------------------------------------------------------
// necessary-long-lived

#[test]
fn r04_a_necessary_item_living_over_a_year_warns() {
    let mut v = clean();
    v["storage"][2]["duration"] = json!({ "days": 366 });
    assert_eq!(
        warnings(&v),
        [w(
            LintId::NecessaryLongLived,
            "storage[2].duration",
            "necessary \"Drupal_visitor_votingapi_source\" lives 366 days, over one year; storage exempt from consent should last no longer than the service needs",
        )]
    );
    let mut v = clean();
    v["storage"][0]["duration"] = json!({ "hours": 8761 });
    let found = warnings(&v);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, LintId::NecessaryLongLived);
    assert!(found[0].message.contains("lives 8761 hours"), "{found:?}");

    // Exactly a year (kk.dk's voting cookie) and a session are not over one year.
    let mut v = clean();
    v["storage"][0]["duration"] = json!({ "hours": 8760 });
    v["storage"][2]["duration"] = json!({ "days": 365 });
    v["storage"][1]["duration"] = json!("session");
    assert_eq!(warnings(&v), []);
}

// ---------------------------------------------------------------------------
// necessary-unjustified

#[test]
fn r04_a_necessary_item_without_justification_warns() {
    let mut v = clean();
    v["storage"][1]
        .as_object_mut()
        .unwrap()
        .remove("justification");
    v["storage"][2]["justification"] = json!("  ");
    assert_eq!(
        warnings(&v),
        [
            w(
                LintId::NecessaryUnjustified,
                "storage[1].justification",
                "necessary \"closed-emergency-banner-*\" gives no justification: say why the service the visitor asked for cannot work without it",
            ),
            w(
                LintId::NecessaryUnjustified,
                "storage[2].justification",
                "necessary \"Drupal_visitor_votingapi_source\" gives no justification: say why the service the visitor asked for cannot work without it",
            ),
        ]
    );
    // Consent-category items need no justification (kk.dk gives none for four).
    assert_eq!(warnings(&clean()), []);
}

// ---------------------------------------------------------------------------
// outlives-consent

#[test]
fn r16_an_item_outliving_its_consent_warns() {
    let mut v = clean();
    v["storage"][6]["duration"] = json!({ "days": 101 });
    v["storage"][3]["duration"] = json!({ "seconds": 8640001 });
    assert_eq!(
        warnings(&v),
        [
            w(
                LintId::OutlivesConsent,
                "storage[3].duration",
                "\"ad_session_id\" lives 8640001 seconds, longer than the 100-day consent to \"functional\" it depends on; shorten it to at most 100 days",
            ),
            w(
                LintId::OutlivesConsent,
                "storage[6].duration",
                "\"nmstat\" lives 101 days, longer than the 100-day consent to \"statistics\" it depends on; shorten it to at most 100 days",
            ),
        ]
    );
    // Exactly the consent's lifetime is fine; so is a longer consent.
    let mut v = clean();
    v["storage"][3]["duration"] = json!({ "seconds": 8640000 });
    assert_eq!(warnings(&v), []);
    let mut v = kk();
    v["consent_ttl_days"] = json!(395);
    v["storage"][6]["duration"] = json!({ "days": 395 });
    assert_eq!(warnings(&v), []);
}

// ---------------------------------------------------------------------------
// consent-ttl-too-long

#[test]
fn r16_consent_lasting_over_thirteen_months_warns() {
    let mut v = clean();
    v["consent_ttl_days"] = json!(396);
    assert_eq!(
        warnings(&v),
        [w(
            LintId::ConsentTtlTooLong,
            "consent_ttl_days",
            "consent lasts 396 days, over 13 months (395 days); ask again at least every 13 months",
        )]
    );
    let mut v = clean();
    v["consent_ttl_days"] = json!(395);
    assert_eq!(warnings(&v), []);
}

// ---------------------------------------------------------------------------
// missing-text

#[test]
fn a_missing_danish_or_english_text_warns() {
    let mut v = clean();
    v["categories"][1]["label"]
        .as_object_mut()
        .unwrap()
        .remove("da");
    v["categories"][2]["description"] = json!({ "en": "", "da": "" });
    v["storage"][5]["purpose"]
        .as_object_mut()
        .unwrap()
        .remove("en");
    assert_eq!(
        warnings(&v),
        [
            w(
                LintId::MissingText,
                "categories[1].label.da",
                "category \"functional\" has no Danish label",
            ),
            w(
                LintId::MissingText,
                "categories[2].description.en",
                "category \"statistics\" has no English description",
            ),
            w(
                LintId::MissingText,
                "categories[2].description.da",
                "category \"statistics\" has no Danish description",
            ),
            w(
                LintId::MissingText,
                "storage[5].purpose.en",
                "\"AWSELBCORS\" has no English purpose",
            ),
        ]
    );
    let mut v = clean();
    v["categories"][0].as_object_mut().unwrap().remove("label");
    let found = warnings(&v);
    let paths: Vec<&str> = found.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(paths, ["categories[0].label.en", "categories[0].label.da"]);
    // Both languages present (kk.dk throughout): no warning.
    assert_eq!(warnings(&clean()), []);
}
