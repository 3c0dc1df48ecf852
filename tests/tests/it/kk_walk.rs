//! One visit to kk.dk (`samtykke::example::KK_DK`, seed 000), step by step: the
//! banner, a choice of statistics only, the cookies that choice allows, withdrawal
//! with its deletion plan, and the lapse of the decisions after 100 days.

use samtykke::example::KK_DK;
use samtykke::{
    Action, CategorySet, ConsentState, Control, Ctx, Permit, Proof, ProviderSet, Status,
    ValidPolicy, Why,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const ID: u128 = 0x6b6b_2e64_6b00_0000_0000_0000_0000_0042;
/// The banner is shown.
const BANNER: OffsetDateTime = datetime!(2026-03-01 10:00:00 UTC);
/// The visitor saves statistics only.
const SAVED: OffsetDateTime = datetime!(2026-03-01 10:00:04 UTC);
/// The next day's request.
const NEXT_DAY: OffsetDateTime = datetime!(2026-03-02 09:00:00 UTC);
/// The visitor withdraws statistics through the footer link.
const WITHDRAWN: OffsetDateTime = datetime!(2026-03-03 09:00:00 UTC);

/// Asserts that `name` is allowed under `category`, and that the answer's
/// accessors and the category's status say so too.
fn allowed(
    policy: &ValidPolicy<'_>,
    state: &ConsentState,
    name: &str,
    at: OffsetDateTime,
    category: &str,
) {
    let permit = state.permits(policy, name, at);
    match permit {
        Permit::Allowed { category: c, .. } => {
            assert_eq!(c.id, category, "{name}");
            assert!(
                state.category_status(policy, c, at).is_permitted(),
                "{name}"
            );
        }
        other => panic!("{name} should be allowed, got {other:?}"),
    }
    assert!(permit.is_allowed(), "{name}");
    assert_eq!(permit.category().map(|c| c.id), Some(category), "{name}");
    assert_eq!(permit.why(), None, "{name}");
    // Necessary is exempt (R4); every other allowed category is granted.
    let (status, word) = if category == "necessary" {
        (Status::Exempt, "exempt")
    } else {
        (Status::Granted, "granted")
    };
    assert_eq!(permit.status(), Some(status), "{name}");
    assert_eq!(permit.as_str(), word, "{name}");
}

/// Asserts that `name` is denied under `category` for `why`, and that the answer's
/// accessors and the category's status say so too.
fn denied(
    policy: &ValidPolicy<'_>,
    state: &ConsentState,
    name: &str,
    at: OffsetDateTime,
    category: &str,
    why: Why,
) {
    let permit = state.permits(policy, name, at);
    match permit {
        Permit::Denied {
            category: c,
            why: w,
            declaration,
        } => {
            assert_eq!((c.id, w), (category, why), "{name}");
            assert!(
                crate::oracle::covers(declaration.name, name),
                "{name} resolved to {}",
                declaration.name
            );
            assert_eq!(
                state.category_status(policy, c, at).is_permitted(),
                why == Why::ProviderRefused,
                "{name}"
            );
        }
        other => panic!("{name} should be denied, got {other:?}"),
    }
    assert!(!permit.is_allowed(), "{name}");
    assert_eq!(permit.category().map(|c| c.id), Some(category), "{name}");
    assert_eq!(permit.why(), Some(why), "{name}");
    assert_eq!(permit.status(), Some(Status::Denied(why)), "{name}");
    // The reasons' names of SPEC §4.
    let word = match why {
        Why::Undecided => "undecided",
        Why::Refused => "refused",
        Why::Withdrawn => "withdrawn",
        Why::Signal => "signal",
        Why::Expired => "expired",
        Why::Outdated => "outdated",
        Why::ProviderRefused => "provider-refused",
    };
    assert_eq!(permit.as_str(), word, "{name}");
}

/// Asserts that no declaration covers `name` (R21): undeclared, denied, with no
/// category, reason or status.
fn undeclared(policy: &ValidPolicy<'_>, state: &ConsentState, name: &str, at: OffsetDateTime) {
    let permit = state.permits(policy, name, at);
    assert_eq!(permit, Permit::Undeclared, "{name}");
    assert!(!permit.is_allowed(), "{name}");
    assert_eq!(permit.category(), None, "{name}");
    assert_eq!(permit.why(), None, "{name}");
    assert_eq!(permit.status(), None, "{name}");
    assert_eq!(permit.as_str(), "undeclared", "{name}");
}

/// The visit up to the choice: statistics granted, functional refused.
fn saved(policy: &ValidPolicy<'_>) -> (ConsentState, Proof) {
    let mut state = ConsentState::new(ID);
    let chosen = policy.category_set(&["statistics"]).expect("declared");
    let proof = state.save(policy, chosen, ProviderSet::EMPTY, Ctx::button(SAVED, 1));
    (state, proof)
}

/// The visit up to the withdrawal of statistics.
fn withdrawn(policy: &ValidPolicy<'_>) -> (ConsentState, [Proof; 2]) {
    let (mut state, first) = saved(policy);
    let statistics = policy.category_set(&["statistics"]).expect("declared");
    let ctx = Ctx {
        control: Control::Link,
        ..Ctx::button(WITHDRAWN, 1)
    };
    let second = state
        .withdraw(policy, Some(statistics), ctx)
        .expect("statistics is a consent category");
    (state, [first, second])
}

#[test]
fn kk_banner_prompts_and_permits_only_necessary() {
    let mut index = [0u16; 7];
    let policy = KK_DK.validate(&mut index).expect("kk.dk is valid");
    let state = ConsentState::new(ID);
    assert!(state.prompt_due(&policy, BANNER));
    assert_eq!(state.toggles(&policy, BANNER), CategorySet::EMPTY);
    assert_eq!(state.expires(&policy), None);
    for (_, c) in ["functional", "statistics"].map(|id| policy.category(id).expect("declared")) {
        assert_eq!(
            state.category_status(&policy, c, BANNER),
            Status::Denied(Why::Undecided)
        );
    }
    // Nothing but necessary items and the consent cookie itself.
    allowed(&policy, &state, "SESSabc", BANNER, "necessary");
    allowed(
        &policy,
        &state,
        "closed-emergency-banner-7",
        BANNER,
        "necessary",
    );
    allowed(
        &policy,
        &state,
        "Drupal_visitor_votingapi_source",
        BANNER,
        "necessary",
    );
    match state.permits(&policy, "samtykke", BANNER) {
        Permit::Allowed {
            category,
            declaration: None,
        } => assert_eq!(category.id, "necessary"),
        other => panic!("the consent cookie should be allowed, got {other:?}"),
    }
    for (name, category) in [
        ("nmstat", "statistics"),
        ("AWSELBCORS", "statistics"),
        ("JSESSIONID", "functional"),
        ("ad_session_id", "functional"),
    ] {
        denied(&policy, &state, name, BANNER, category, Why::Undecided);
    }
    undeclared(&policy, &state, "foo", BANNER);
}

#[test]
fn kk_save_statistics_only() {
    let mut index = [0u16; 7];
    let policy = KK_DK.validate(&mut index).expect("kk.dk is valid");
    let (state, proof) = saved(&policy);
    let statistics = policy.category_set(&["statistics"]).unwrap();
    let functional = policy.category_set(&["functional"]).unwrap();
    assert_eq!(proof.action, Action::Save);
    assert_eq!(proof.granted, statistics);
    assert_eq!(proof.refused, functional);
    assert_eq!(proof.at, SAVED);
    assert_eq!(proof.revision, 1);
    assert_eq!(proof.notice, 1);
    assert_eq!(proof.expires, Some(SAVED + Duration::days(100)));
    assert!(!state.prompt_due(&policy, SAVED));
    assert_eq!(state.toggles(&policy, SAVED), statistics);
    assert_eq!(ConsentState::replay(&policy, ID, [&proof]), state);
}

#[test]
fn kk_cookies_after_the_choice() {
    let mut index = [0u16; 7];
    let policy = KK_DK.validate(&mut index).expect("kk.dk is valid");
    let (state, _) = saved(&policy);
    allowed(&policy, &state, "nmstat", NEXT_DAY, "statistics");
    allowed(&policy, &state, "AWSELBCORS", NEXT_DAY, "statistics");
    denied(
        &policy,
        &state,
        "JSESSIONID",
        NEXT_DAY,
        "functional",
        Why::Refused,
    );
    denied(
        &policy,
        &state,
        "ad_session_id",
        NEXT_DAY,
        "functional",
        Why::Refused,
    );
    allowed(&policy, &state, "SESSabc", NEXT_DAY, "necessary");
    allowed(&policy, &state, "samtykke", NEXT_DAY, "necessary");
    undeclared(&policy, &state, "foo", NEXT_DAY);
    // Nothing to delete while the choice stands.
    let present = ["nmstat", "SESS1", "JSESSIONID"];
    let plan: Vec<_> = state.deletion_plan(&policy, NEXT_DAY, present).collect();
    assert_eq!(
        plan.iter().map(|d| (d.name, d.why)).collect::<Vec<_>>(),
        [("JSESSIONID", Why::Refused)],
        "a refused category's present cookie is deleted too"
    );
}

#[test]
fn kk_withdrawal_stops_statistics_and_plans_deletion() {
    let mut index = [0u16; 7];
    let policy = KK_DK.validate(&mut index).expect("kk.dk is valid");
    let (state, proofs) = withdrawn(&policy);
    let statistics = policy.category_set(&["statistics"]).unwrap();
    assert_eq!(proofs[1].action, Action::Withdraw);
    assert_eq!(proofs[1].control, Control::Link);
    assert_eq!(proofs[1].refused, statistics);
    assert!(proofs[1].granted.is_empty());
    denied(
        &policy,
        &state,
        "nmstat",
        WITHDRAWN,
        "statistics",
        Why::Withdrawn,
    );
    denied(
        &policy,
        &state,
        "AWSELBCORS",
        WITHDRAWN,
        "statistics",
        Why::Withdrawn,
    );
    denied(
        &policy,
        &state,
        "JSESSIONID",
        WITHDRAWN,
        "functional",
        Why::Refused,
    );
    allowed(&policy, &state, "SESS1", WITHDRAWN, "necessary");
    // Every decision still stands: no reason to ask again.
    assert!(!state.prompt_due(&policy, WITHDRAWN));

    // The plan's rule (`ConsentState::deletion_plan`): every present name whose
    // declaration is denied, in the order present; undeclared names and the consent
    // cookie are left alone. So the refused functional cookie goes with nmstat.
    let present = ["nmstat", "SESS1", "JSESSIONID", "foo", "samtykke"];
    let plan: Vec<_> = state.deletion_plan(&policy, WITHDRAWN, present).collect();
    let summary: Vec<_> = plan
        .iter()
        .map(|d| (d.name, d.declaration.name, d.category.id, d.why))
        .collect();
    assert_eq!(
        summary,
        [
            ("nmstat", "nmstat", "statistics", Why::Withdrawn),
            ("JSESSIONID", "JSESSIONID", "functional", Why::Refused),
        ]
    );
    // Seed 000 declares no domain for nmstat: it is deleted on the request host.
    assert_eq!(plan[0].declaration.domain, None);
    assert_eq!(state.storage_to_clear(&policy, WITHDRAWN).count(), 0);

    // The past stays lawful: the records up to the day before say nmstat was fine.
    let before = ConsentState::replay(&policy, ID, proofs.iter().filter(|p| p.at < WITHDRAWN));
    allowed(&policy, &before, "nmstat", NEXT_DAY, "statistics");
    assert_eq!(ConsentState::replay(&policy, ID, &proofs), state);
}

#[test]
fn kk_decisions_lapse_after_100_days() {
    let mut index = [0u16; 7];
    let policy = KK_DK.validate(&mut index).expect("kk.dk is valid");
    let (state, _) = withdrawn(&policy);
    let (_, functional) = policy.category("functional").unwrap();
    let (_, statistics) = policy.category("statistics").unwrap();

    // The save's refusal of functional lapses 100 days after it.
    let lapse = SAVED + Duration::days(100);
    let just_before = lapse - Duration::seconds(1);
    assert!(!state.prompt_due(&policy, just_before));
    denied(
        &policy,
        &state,
        "JSESSIONID",
        just_before,
        "functional",
        Why::Refused,
    );
    assert!(state.prompt_due(&policy, lapse));
    assert_eq!(
        state.category_status(&policy, functional, lapse),
        Status::Denied(Why::Expired)
    );
    denied(
        &policy,
        &state,
        "JSESSIONID",
        lapse,
        "functional",
        Why::Expired,
    );
    // The withdrawal counts from its own time.
    denied(
        &policy,
        &state,
        "nmstat",
        lapse,
        "statistics",
        Why::Withdrawn,
    );
    let withdrawal_lapse = WITHDRAWN + Duration::days(100);
    assert_eq!(
        state.category_status(&policy, statistics, withdrawal_lapse),
        Status::Denied(Why::Expired)
    );
    assert_eq!(state.expires(&policy), Some(lapse));

    // A grant lapses the same way: accept all, and 100 days on nmstat must go.
    let mut accepted = ConsentState::new(ID);
    accepted.accept_all(&policy, Ctx::button(SAVED, 1));
    allowed(&policy, &accepted, "nmstat", just_before, "statistics");
    assert!(accepted.prompt_due(&policy, lapse));
    denied(
        &policy,
        &accepted,
        "nmstat",
        lapse,
        "statistics",
        Why::Expired,
    );
    let plan: Vec<_> = accepted
        .deletion_plan(&policy, lapse, ["nmstat", "SESS1"])
        .map(|d| (d.name, d.why))
        .collect();
    assert_eq!(plan, [("nmstat", Why::Expired)]);
}

#[test]
fn kk_stored_status_is_the_decision_kept_whatever_the_time() {
    let mut index = [0u16; 7];
    let policy = KK_DK.validate(&mut index).unwrap();
    let [necessary, functional, statistics] = [0, 1, 2].map(|i| &KK_DK.categories[i]);
    let fresh = ConsentState::new(ID);
    assert_eq!(fresh.stored_status(necessary), Status::Exempt);
    assert_eq!(
        fresh.stored_status(statistics),
        Status::Denied(Why::Undecided)
    );
    let (state, _) = withdrawn(&policy);
    assert_eq!(
        state.stored_status(functional),
        Status::Denied(Why::Refused)
    );
    assert_eq!(
        state.stored_status(statistics),
        Status::Denied(Why::Withdrawn)
    );
    let (granted, _) = saved(&policy);
    // Long after the lapse the stored decision is still the grant; the standing
    // at that time is expired.
    let much_later = SAVED + Duration::days(400);
    assert_eq!(granted.stored_status(statistics), Status::Granted);
    assert_eq!(
        granted.category_status(&policy, statistics, much_later),
        Status::Denied(Why::Expired)
    );
    assert_eq!(
        Status::Denied(Why::ProviderRefused).as_str(),
        "provider-refused"
    );
    assert_eq!(Status::Granted.as_str(), "granted");
}
