//! The consent state as JSON for a page's script (SPEC §15: "the state is
//! available to templates"): the direct writer the tower layer's pages call on
//! every request must write what the serde view writes, and nothing that could
//! close the `<script>` element it sits in. The oracle is serde_json: its string
//! writer, its parser and its `Value`.

use proptest::prelude::*;
use samtykke::{ConsentState, NECESSARY};
use samtykke_host::http::script_safe;
use samtykke_host::state_json::StateView;
use samtykke_host::text::push_json_string;
use samtykke_testkit::{arb_scenario, cases, intern, walk, GenPolicy};
use time::macros::datetime;
use time::Duration;

/// Strings rich in what JSON and HTML must escape: quotes, backslashes, every
/// control character, `<`, `>`, `&`, DEL and characters of two to four bytes.
fn arb_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::char::range('\u{0}', '\u{7f}'),
            1 => proptest::sample::select(vec!['"', '\\', '<', '>', '&', '/', '\u{1f}', 'æ', '€', '😀']),
            1 => any::<char>(),
        ],
        0..24,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// `p` with its consent categories renamed to `names` (made unique), so their
/// ids hold what must be escaped.
fn renamed(p: &GenPolicy, names: &[String]) -> GenPolicy {
    let mut p = p.clone();
    for (i, c) in p.categories.iter_mut().enumerate() {
        if c.id != NECESSARY {
            c.id = intern(&format!("{}#{i}", names[i % names.len()]));
        }
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(512)))]

    /// A string is written exactly as serde_json writes it; in script mode it
    /// holds no `<`, `>` or `&` and still reads back as the same string.
    #[test]
    fn s15_a_json_string_is_written_as_serde_json_writes_it(s in arb_text()) {
        let mut plain = String::from("x");
        push_json_string(&mut plain, &s, false);
        prop_assert_eq!(&plain[1..], serde_json::to_string(&s).unwrap());

        let mut script = String::new();
        push_json_string(&mut script, &s, true);
        prop_assert!(!script.contains(['<', '>', '&']), "{}", script);
        prop_assert_eq!(&script, &script_safe(serde_json::to_string(&s).unwrap()));
        prop_assert_eq!(serde_json::from_str::<String>(&script).unwrap(), s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    /// On random policies whose category ids need escaping, after every event of
    /// a random history and at later times: the JSON written directly parses to
    /// the serde view's value, key order included, plain and script-safe.
    #[test]
    fn s15_the_state_json_a_page_embeds_is_the_state_view(
        scenario in arb_scenario(),
        names in proptest::collection::vec(arb_text(), 1..6),
    ) {
        let gen = renamed(&scenario.policy, &names);
        let policy = gen.valid();
        let policy = policy.view();
        let mut states = vec![(ConsentState::new(0x00c0_ffee), scenario.events[0].at())];
        states.extend(
            walk(&policy, 0x00c0_ffee, &scenario.events)
                .iter()
                .map(|s| (s.after, s.event.at())),
        );
        for (state, t) in states {
            for dt in &scenario.offsets {
                let now = t + Duration::seconds(*dt);
                let view = StateView::new(&policy, &state, now);
                let serde_text = serde_json::to_string(&view).unwrap();
                for script in [false, true] {
                    let mut direct = String::new();
                    view.write_json(&mut direct, script);
                    if !script {
                        // Byte for byte what serde_json writes for the view.
                        prop_assert_eq!(&direct, &serde_text);
                    } else {
                        // serde_json's text with `<`, `>`, `&` escaped after it.
                        prop_assert!(!direct.contains(['<', '>', '&']), "{}", direct);
                        prop_assert_eq!(&direct, &script_safe(serde_text.clone()));
                        let parsed: serde_json::Value = serde_json::from_str(&direct).unwrap();
                        prop_assert_eq!(parsed, view.to_value());
                    }
                }
            }
        }
    }
}

/// The view's fields, written out by hand for one kk.dk visitor (SPEC §15's
/// "small JSON for the page's script"): who refused everything but functional
/// cookies and the provider septima at 10:00, asked at 11:00 on the same day.
/// Both writers share one field list, so this pins the list itself: names,
/// order, nulls and the status words.
#[test]
fn s15_the_state_json_holds_the_documented_fields_in_order() {
    let mut index = [0u16; 16];
    let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
    let mut state = ConsentState::new(0x1234);
    let t0 = datetime!(2026-03-01 10:00 UTC);
    state.save(
        &policy,
        policy.category_set(&["functional"]).unwrap(),
        policy.provider_set(&["septima"]).unwrap(),
        samtykke::Ctx::button(t0, 3),
    );
    let view = StateView::new(&policy, &state, datetime!(2026-03-01 11:00 UTC));
    let want = concat!(
        r#"{"consent_id":"00000000000000000000000000001234","#,
        r#""decided_at":"2026-03-01T10:00:00Z","revision":1,"#,
        r#""partial_refusal_at":null,"partial_refusal_revision":null,"#,
        r#""notice_version":3,"action":"save","control":"button","gpc":false,"#,
        r#""decisions":{"necessary":"exempt","functional":"granted","statistics":"refused"},"#,
        r#""providers_refused":["septima"],"#,
        r#""expires":"2026-06-09T10:00:00Z","now":"2026-03-01T11:00:00Z","#,
        r#""status_now":{"necessary":"exempt","functional":"granted","statistics":"refused"},"#,
        r#""prompt_due_now":false}"#,
    );
    let mut direct = String::new();
    view.write_json(&mut direct, true);
    assert_eq!(direct, want);
    assert_eq!(serde_json::to_string(&view).unwrap(), want);
}
