//! Random visits through the layer: after every step the browser's jar holds
//! `nmstat` (statistics) and `JSESSIONID` (functional) exactly when a small model
//! of the visitor's choices, written from SPEC §4 without the core, says they are
//! permitted; and the site's own log of the whole visit audits clean.

mod common;

use common::*;
use proptest::prelude::*;
use samtykke_audit::{audit_lines, AuditOptions};

#[derive(Clone, Debug)]
enum Step {
    /// `GET /`: the page tries every cookie.
    Visit,
    /// `GET /consent`: the settings.
    Settings,
    Accept,
    Reject,
    /// Save with functional and statistics ticked or not.
    Save(bool, bool),
    /// Withdraw functional and/or statistics; `(false, false)` withdraws all.
    Withdraw(bool, bool),
    /// Time passes.
    Wait(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => Just(Step::Visit),
        1 => Just(Step::Settings),
        2 => Just(Step::Accept),
        2 => Just(Step::Reject),
        2 => (any::<bool>(), any::<bool>()).prop_map(|(f, s)| Step::Save(f, s)),
        2 => (any::<bool>(), any::<bool>()).prop_map(|(f, s)| Step::Withdraw(f, s)),
        // Up to 120 days, so grants (100 days) lapse in some visits and not others.
        2 => (0i64..=120 * 86_400).prop_map(Step::Wait),
        1 => prop_oneof![Just(100 * 86_400 - 1), Just(100 * 86_400)].prop_map(Step::Wait),
    ]
}

/// The `consent_id` the settings page's forms carry.
fn hidden_consent_id(html: &str) -> String {
    let field = "name=\"consent_id\" value=\"";
    let at = html.find(field).expect("a consent_id field") + field.len();
    html[at..at + 32].to_owned()
}

/// The model: when each category's grant was made, if it stands.
#[derive(Default, Debug)]
struct Model {
    functional: Option<i64>,
    statistics: Option<i64>,
}

const CONSENT_TTL: i64 = 100 * 86_400; // kk.dk's consent_ttl_days

impl Model {
    fn allowed(grant: Option<i64>, now: i64) -> bool {
        grant.is_some_and(|at| now < at + CONSENT_TTL)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(samtykke_testkit::cases(128)))]

    #[test]
    fn r01_r12_r16_the_jar_holds_exactly_what_the_visitors_choices_permit(
        steps in proptest::collection::vec(step(), 1..24)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let site = site();
            let mut jar = Jar::default();
            let mut model = Model::default();
            let mut form_id: Option<String> = None;
            // Whether the page in the browser offers the decision forms (the banner
            // or the settings): a visitor decides only from such a page, so before a
            // decision without one the visitor opens the settings from the footer.
            let mut on_notice = false;
            let mut log = Vec::new();
            for s in &steps {
                let now = site.clock.load(std::sync::atomic::Ordering::SeqCst);
                if matches!(s, Step::Accept | Step::Reject | Step::Save(..) | Step::Withdraw(..)) && !on_notice {
                    let got = site.visit("/consent", &mut jar).await;
                    if !jar.has("samtykke") {
                        form_id = Some(hidden_consent_id(&got.body));
                    }
                }
                on_notice = false;
                // A decision from a page whose banner a new visitor saw carries
                // that page's consent id.
                let id = |form: &str| match (&form_id, jar.has("samtykke")) {
                    (Some(id), false) => format!("{form}&consent_id={id}"),
                    _ => form.to_owned(),
                };
                let decided = match s {
                    Step::Visit | Step::Settings => {
                        let path = if matches!(s, Step::Visit) { "/" } else { "/consent" };
                        let got = site.visit(path, &mut jar).await;
                        prop_assert_eq!(got.status.as_u16(), 200);
                        on_notice = matches!(s, Step::Settings) || got.json()["prompt_due_now"] == true;
                        if !jar.has("samtykke") {
                            form_id = Some(if matches!(s, Step::Visit) {
                                form_consent_id(&got.json())
                            } else {
                                hidden_consent_id(&got.body)
                            });
                        }
                        false
                    }
                    Step::Accept => {
                        site.decide(&id("action=accept_all"), &mut jar).await;
                        model.functional = Some(now);
                        model.statistics = Some(now);
                        true
                    }
                    Step::Reject => {
                        site.decide(&id("action=reject_all"), &mut jar).await;
                        model = Model::default();
                        true
                    }
                    Step::Save(f, st) => {
                        let mut form = "action=save".to_owned();
                        if *f { form.push_str("&granted=functional"); }
                        if *st { form.push_str("&granted=statistics"); }
                        site.decide(&id(&form), &mut jar).await;
                        model.functional = f.then_some(now);
                        model.statistics = st.then_some(now);
                        true
                    }
                    Step::Withdraw(f, st) => {
                        let mut form = "action=withdraw".to_owned();
                        if *f { form.push_str("&categories=functional"); }
                        if *st { form.push_str("&categories=statistics"); }
                        site.decide(&id(&form), &mut jar).await;
                        let all = !f && !st;
                        if *f || all { model.functional = None; }
                        if *st || all { model.statistics = None; }
                        true
                    }
                    Step::Wait(secs) => {
                        site.clock.fetch_add(*secs, std::sync::atomic::Ordering::SeqCst);
                        if *secs > 86_400 {
                            // Away for more than a day: the browser was closed, and
                            // its session cookies (JSESSIONID) went with it. A
                            // browser that keeps them past the consent's lapse
                            // sends one without consent (see the crate's README).
                            jar.end_session();
                        }
                        false
                    }
                };
                if decided {
                    prop_assert!(jar.has("samtykke"), "a decision is stored after {:?}", s);
                }
                log.extend(site.log());
                if matches!(s, Step::Wait(_)) {
                    continue;
                }
                // After a page view the jar holds exactly the permitted cookies; after a
                // decision (no page) at most them: what is no longer permitted was deleted.
                for (name, grant) in [("nmstat", model.statistics), ("JSESSIONID", model.functional)] {
                    let allowed = Model::allowed(grant, now);
                    if matches!(s, Step::Visit) {
                        prop_assert_eq!(jar.has(name), allowed, "{} after {:?} at {}", name, s, now);
                    } else {
                        prop_assert!(!jar.has(name) || allowed, "{} after {:?} at {}", name, s, now);
                    }
                }
            }
            let owned = policy(&[]);
            let report = audit_lines(owned.view(), &log, AuditOptions::default());
            prop_assert!(report.input_errors.is_empty(), "{:?}", report.input_errors);
            prop_assert!(report.violations.is_empty(), "{:#?}\n{:#?}", report.violations, log);
            Ok(())
        })?;
    }
}
