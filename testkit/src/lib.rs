//! What samtykke's tests and benchmarks share: proptest generators, a reference
//! model of the consent state, and [`loggen`], a generator of consent logs.
//!
//! The generators make *valid* random policies ([`arb_policy`]), random event
//! sequences of 50–120 events over every [`Event`] variant ([`arb_events`]), and
//! random category and provider choices ([`arb_category_set`],
//! [`arb_provider_set`]); [`arb_scenario`] combines a policy with events made for
//! it. A [`GenPolicy`] owns the generated lists and lends the borrowed
//! [`Policy`] the core takes; [`GenPolicy::valid`] validates it with an owned
//! `Vec<u16>` index. [`walk`] runs a sequence and keeps every intermediate state, so
//! a property can be checked after every step. [`Model`] is a reference model of
//! the consent state written from SPEC §4 apart from the core, for tests to compare
//! the core against.
//!
//! Times run from 2020 to 2035 ([`START`]..=[`END`]), in whole seconds, never
//! backwards, often several events in the same second, with jumps around and
//! beyond the policy's lifetimes so that decisions lapse; never clamped at `END`
//! (see [`arb_events_len`]).
#![deny(missing_docs)]

pub mod loggen;

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};

use proptest::prelude::*;
use proptest::sample::Index;
use samtykke::{
    Action, Basis, Category, CategorySet, ConsentCookie, ConsentModeMap, ConsentState, Control,
    Controller, Ctx, Declaration, Duration, Event, Kind, Party, Policy, PolicyError, Proof,
    Provider, ProviderSet, Status, Text, ValidPolicy, Why, CATEGORY_SLOTS, MAX_CATEGORIES,
    MAX_PROVIDERS, NECESSARY, PROVIDER_SLOTS,
};
use time::OffsetDateTime;

/// 2020-01-01T00:00:00Z, the earliest event time the generators make.
pub const START: i64 = 1_577_836_800;
/// 2035-12-31T23:59:59Z, the latest event time the generators make.
pub const END: i64 = 2_082_758_399;
/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The number of cases for a property test that asks for `n`: `n`, or fewer when
/// the `PROPTEST_CASES` environment variable asks for fewer.
///
/// `ProptestConfig::with_cases` overrides that variable, so a property with its own
/// count passes it through here to let a quick run (the mutation testing of
/// `scripts/mutants`) lower every count at once; the variable never raises one.
pub fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(n, |env| env.clamp(1, n.max(1)))
}

/// The UTC time `secs` seconds after the Unix epoch.
///
/// # Panics
///
/// If `secs` is outside the range `time` supports (never for the generators' times).
pub fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).expect("time in range")
}

/// Seconds since the Unix epoch of `t`.
pub fn secs(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// A `'static` copy of `s`, shared by equal strings.
///
/// Generated names must outlive the borrowed [`Policy`]; interning leaks each
/// distinct string once, and the generators draw from a bounded set of names, so
/// the memory stays bounded however many cases run.
pub fn intern(s: &str) -> &'static str {
    static POOL: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut pool = POOL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(&known) = pool.get(s) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    pool.insert(leaked);
    leaked
}

// ---- policies ----------------------------------------------------------------

/// A generated policy: owned lists from which [`GenPolicy::policy`] lends the
/// core's borrowed [`Policy`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenPolicy {
    /// The site's domain.
    pub site: &'static str,
    /// Policy revision (1..=20 from [`arb_policy`]).
    pub revision: u32,
    /// Notice version.
    pub notice_version: u16,
    /// Name of the consent cookie.
    pub consent_cookie: &'static str,
    /// Lifetime of a grant, days.
    pub consent_ttl_days: u16,
    /// Lifetime of a refusal, days.
    pub refusal_ttl_days: u16,
    /// Proof retention, days.
    pub proof_retention_days: u16,
    /// Categories, `necessary` among them.
    pub categories: Vec<Category<'static>>,
    /// Providers.
    pub providers: Vec<Provider<'static>>,
    /// Storage declarations.
    pub storage: Vec<Declaration<'static>>,
    /// Google Consent Mode mapping (SPEC §16); none from the generators.
    pub consent_mode: ConsentModeMap,
}

/// Validates `policy` with an index it owns (a `Vec<u16>` of `storage.len()`
/// entries); borrow the result with [`ValidPolicy::view`].
///
/// # Errors
///
/// The policy's first broken rule.
pub fn validate_owned(policy: Policy<'_>) -> Result<ValidPolicy<'_, Vec<u16>>, PolicyError> {
    policy.validate_with(vec![0u16; policy.storage.len()])
}

impl GenPolicy {
    /// The borrowed policy the core takes.
    pub fn policy(&self) -> Policy<'_> {
        Policy {
            site: self.site,
            revision: self.revision,
            notice_version: self.notice_version,
            controller: Controller {
                name: "Generated controller",
                contact: "privacy@example.invalid",
            },
            consent_cookie: ConsentCookie {
                name: self.consent_cookie,
                domain: Some(self.site),
            },
            consent_ttl_days: self.consent_ttl_days,
            refusal_ttl_days: self.refusal_ttl_days,
            proof_retention_days: self.proof_retention_days,
            categories: &self.categories,
            providers: &self.providers,
            storage: &self.storage,
            consent_mode: self.consent_mode,
        }
    }

    /// The policy validated with an owned index ([`validate_owned`]).
    ///
    /// # Panics
    ///
    /// If the policy is invalid: the generators only make valid ones, so this is a
    /// bug in the generator or in validation, and the message says which rule.
    pub fn valid(&self) -> ValidPolicy<'_, Vec<u16>> {
        match validate_owned(self.policy()) {
            Ok(valid) => valid,
            Err(e) => panic!("generated policy rejected: {e}\n{self:#?}"),
        }
    }

    /// Index of the `necessary` category.
    ///
    /// # Panics
    ///
    /// If there is none (never for generated policies).
    pub fn necessary(&self) -> usize {
        self.categories
            .iter()
            .position(|c| c.id == NECESSARY)
            .expect("generated policies declare necessary")
    }

    /// The slots of the consent categories.
    pub fn consent_slots(&self) -> CategorySet {
        self.categories
            .iter()
            .filter(|c| c.basis == Basis::Consent)
            .map(|c| c.slot)
            .collect()
    }

    /// The slots `gpc_refuses` names.
    pub fn gpc_slots(&self) -> CategorySet {
        self.categories
            .iter()
            .filter(|c| c.gpc_refuses)
            .map(|c| c.slot)
            .collect()
    }

    /// The consent categories.
    pub fn consent_categories(&self) -> impl Iterator<Item = &Category<'static>> {
        self.categories.iter().filter(|c| c.basis == Basis::Consent)
    }

    /// The same policy at a later `revision`, with the categories in `changed`
    /// marked as materially changed in it (R17). Slots, ids and declarations stay.
    ///
    /// # Panics
    ///
    /// If `revision` is not later than the policy's.
    pub fn revised(&self, revision: u32, changed: CategorySet) -> GenPolicy {
        assert!(revision > self.revision, "a revision only goes up");
        let mut next = self.clone();
        next.revision = revision;
        for c in &mut next.categories {
            if c.basis == Basis::Consent && changed.contains(c.slot) {
                c.changed_in_revision = revision;
            }
        }
        next
    }

    /// One name each declaration covers (its name, or its pattern filled in), in
    /// declaration order, with the declaration's kind. The lookup may resolve a
    /// filled-in pattern to another declaration (an exact name or a longer prefix).
    pub fn sample_names(&self) -> Vec<(Kind, &'static str)> {
        self.storage
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let filler = ["", "Z", "x9", "ø"][i % 4];
                (d.kind, intern(&fill_pattern(d.name, filler)))
            })
            .collect()
    }
}

/// `pattern` with every `*` replaced by `star` and every `?` by `q`.
pub fn fill_pattern(pattern: &str, star: &str) -> String {
    pattern.replace('*', star).replace('?', "q")
}

/// Standard consent category ids, then custom ones.
const CATEGORY_IDS: [&str; 20] = [
    "functional",
    "statistics",
    "personalization",
    "marketing",
    "preferences",
    "video",
    "maps",
    "chat",
    "ab_testing",
    "social",
    "survey",
    "heatmaps",
    "ads_measurement",
    "recommendations",
    "newsletter",
    "custom_1",
    "custom_2",
    "custom_3",
    "custom_4",
    "custom_5",
];

const PROVIDER_NAMES: [&str; 10] = [
    "kk",
    "siteimprove",
    "twentythree",
    "septima",
    "google",
    "meta",
    "hotjar",
    "matomo",
    "vimeo",
    "cookieinformation",
];

/// Bases of storage names: real-world cookies, a non-ASCII one, and plain words.
pub const NAME_BASES: [&str; 20] = [
    "_ga",
    "_gid",
    "nmstat",
    "SESS",
    "JSESSIONID",
    "ad_session_id",
    "AWSELBCORS",
    "_fbp",
    "_pk_id",
    "_hj",
    "IDE",
    "test_cookie",
    "closed-banner",
    "Drupal_visitor",
    "pref",
    "lang",
    "cart",
    "theme",
    "sø",
    "x",
];

/// How a generated storage name is shaped.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Exact,
    Star,
    UnderscoreStar,
    Question,
    TwoQuestions,
    LeadingStar,
    MiddleStar,
    QuestionThenStar,
}

impl Shape {
    fn build(self, base: &str, suffix: &str) -> String {
        match self {
            Shape::Exact => format!("{base}{suffix}"),
            Shape::Star => format!("{base}{suffix}*"),
            Shape::UnderscoreStar => format!("{base}_*"),
            Shape::Question => format!("{base}{suffix}?"),
            Shape::TwoQuestions => format!("{base}_??"),
            Shape::LeadingStar => format!("*{base}"),
            Shape::MiddleStar => format!("{base}*{suffix}"),
            Shape::QuestionThenStar => format!("?{base}*"),
        }
    }
}

fn arb_shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        10 => Just(Shape::Exact),
        3 => Just(Shape::Star),
        2 => Just(Shape::UnderscoreStar),
        2 => Just(Shape::Question),
        1 => Just(Shape::TwoQuestions),
        1 => Just(Shape::LeadingStar),
        1 => Just(Shape::MiddleStar),
        1 => Just(Shape::QuestionThenStar),
    ]
}

/// A storage name from [`NAME_BASES`], a short suffix and a shape (exact or a glob
/// with `*` and `?`).
pub fn arb_storage_name() -> impl Strategy<Value = &'static str> {
    (
        proptest::sample::select(&NAME_BASES[..]),
        prop_oneof![Just(String::new()), (0u8..8).prop_map(|n| format!("{n}"))],
        arb_shape(),
    )
        .prop_map(|(base, suffix, shape)| intern(&shape.build(base, &suffix)))
}

/// Every duration form, never zero (R6).
pub fn arb_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::Session),
        (1u32..=u32::MAX).prop_map(Duration::Seconds),
        (1u32..=200_000).prop_map(Duration::Hours),
        (1u32..=20_000).prop_map(Duration::Days),
    ]
}

/// Every storage kind.
pub fn arb_kind() -> impl Strategy<Value = Kind> {
    proptest::sample::select(&Kind::ALL[..])
}

/// A lifetime in days, mostly short (so lapses happen within 2020–2035), sometimes
/// up to the limit.
pub fn arb_ttl_days() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => 1u16..=30,
        5 => 30u16..=400,
        1 => 400u16..=samtykke::MAX_TTL_DAYS,
    ]
}

/// Unique random slots below `limit`, `n` of them.
fn unique_slots(limit: u8, n: usize) -> impl Strategy<Value = Vec<u8>> {
    Just((0..limit).collect::<Vec<u8>>())
        .prop_shuffle()
        .prop_map(move |v| v[..n].to_vec())
}

/// Random valid categories: 1–16, `necessary` (exempt) at a random position,
/// unique slots below [`CATEGORY_SLOTS`], `changed_in_revision` in `1..=revision`,
/// random `gpc_refuses` on consent categories.
pub fn arb_categories(revision: u32) -> impl Strategy<Value = Vec<Category<'static>>> {
    (1..=MAX_CATEGORIES).prop_flat_map(move |n| {
        (
            Just(CATEGORY_IDS.to_vec()).prop_shuffle(),
            unique_slots(CATEGORY_SLOTS as u8, n),
            0..n,
            proptest::collection::vec((1..=revision, any::<bool>()), n),
        )
            .prop_map(move |(ids, slots, necessary, facts)| {
                let mut consent_ids = ids.into_iter();
                (0..n)
                    .map(|i| {
                        let (changed_in_revision, gpc) = facts[i];
                        let (id, basis, gpc_refuses) = if i == necessary {
                            (NECESSARY, Basis::Exempt, false)
                        } else {
                            (consent_ids.next().expect("enough ids"), Basis::Consent, gpc)
                        };
                        Category {
                            id,
                            basis,
                            slot: slots[i],
                            changed_in_revision,
                            gpc_refuses,
                            label: Text { en: id, da: id },
                            description: Text {
                                en: "generated category",
                                da: "genereret kategori",
                            },
                        }
                    })
                    .collect()
            })
    })
}

/// Random valid providers: 1–64, first or third party, unique slots below
/// [`PROVIDER_SLOTS`].
pub fn arb_providers() -> impl Strategy<Value = Vec<Provider<'static>>> {
    (1..=MAX_PROVIDERS).prop_flat_map(|n| {
        (
            unique_slots(PROVIDER_SLOTS as u8, n),
            proptest::collection::vec(any::<bool>(), n),
        )
            .prop_map(move |(slots, third)| {
                (0..n)
                    .map(|i| {
                        let base = PROVIDER_NAMES[i % PROVIDER_NAMES.len()];
                        let id = intern(&format!("{base}{i}"));
                        Provider {
                            id,
                            name: id,
                            party: if third[i] { Party::Third } else { Party::First },
                            slot: slots[i],
                            domains: "example.invalid",
                            privacy_policy: "",
                        }
                    })
                    .collect()
            })
    })
}

/// Random declarations (0–60) referring to `categories` categories and `providers`
/// providers: all four kinds, exact names and globs, all durations. Repeats of the
/// same kind and name are dropped, so the list may be shorter than drawn.
pub fn arb_storage(
    categories: usize,
    providers: usize,
    site: &'static str,
) -> impl Strategy<Value = Vec<Declaration<'static>>> {
    let one = (
        arb_storage_name(),
        prop_oneof![4 => Just(Kind::Cookie), 1 => arb_kind()],
        0..providers,
        0..categories,
        arb_duration(),
        prop_oneof![Just(None), Just(Some(site)), Just(Some("other.example"))],
        prop_oneof![Just(None), Just(Some("/")), Just(Some("/app"))],
    )
        .prop_map(
            |(name, kind, provider, category, duration, domain, path)| Declaration {
                name,
                kind,
                provider: provider as u8,
                category: category as u8,
                purpose: Text {
                    en: "generated purpose",
                    da: "",
                },
                duration,
                domain,
                path,
                justification: "",
            },
        );
    proptest::collection::vec(one, 0..=60).prop_map(|mut list| {
        let mut seen = HashSet::new();
        list.retain(|d| seen.insert((d.kind, d.name)));
        list
    })
}

/// What [`arb_policy_with`] may vary.
#[derive(Clone, Copy, Debug)]
pub struct PolicyParams {
    /// Force `refusal_ttl_days != consent_ttl_days` (R16 tells them apart).
    pub distinct_ttls: bool,
    /// Largest revision.
    pub max_revision: u32,
}

impl Default for PolicyParams {
    fn default() -> Self {
        PolicyParams {
            distinct_ttls: false,
            max_revision: 20,
        }
    }
}

/// A random valid policy ([`arb_policy_with`] with default parameters).
pub fn arb_policy() -> impl Strategy<Value = GenPolicy> {
    arb_policy_with(PolicyParams::default())
}

/// A random valid policy: 1–16 categories, 1–64 providers, 0–60 declarations,
/// random lifetimes (equal in about a third of the cases unless `distinct_ttls`),
/// revision and notice version.
pub fn arb_policy_with(params: PolicyParams) -> impl Strategy<Value = GenPolicy> {
    (
        1..=params.max_revision,
        arb_providers(),
        prop_oneof![Just("kk.dk"), Just("example.dk"), Just("shop.example.com")],
    )
        .prop_flat_map(|(revision, providers, site)| {
            (
                Just(revision),
                arb_categories(revision),
                Just(providers),
                Just(site),
            )
        })
        .prop_flat_map(move |(revision, categories, providers, site)| {
            let storage = arb_storage(categories.len(), providers.len(), site);
            (
                Just(revision),
                Just(categories),
                Just(providers),
                Just(site),
                storage,
                1u16..=9,
                prop_oneof![Just("samtykke"), Just("consent"), Just("cc_cookie")],
                arb_ttl_days(),
                prop_oneof![1 => Just(None), 2 => arb_ttl_days().prop_map(Some)],
                1u16..=samtykke::MAX_TTL_DAYS,
            )
                .prop_map(
                    move |(
                        revision,
                        categories,
                        providers,
                        site,
                        storage,
                        notice_version,
                        consent_cookie,
                        consent_ttl_days,
                        refusal,
                        proof_retention_days,
                    )| {
                        let mut refusal_ttl_days = refusal.unwrap_or(consent_ttl_days);
                        if params.distinct_ttls && refusal_ttl_days == consent_ttl_days {
                            refusal_ttl_days = if consent_ttl_days > 1 {
                                consent_ttl_days / 2
                            } else {
                                7
                            };
                        }
                        GenPolicy {
                            site,
                            revision,
                            notice_version,
                            consent_cookie,
                            consent_ttl_days,
                            refusal_ttl_days,
                            proof_retention_days,
                            categories,
                            providers,
                            storage,
                            consent_mode: ConsentModeMap::NONE,
                        }
                    },
                )
        })
}

/// A fixed large policy: 16 categories (`necessary` first, the rest with
/// `gpc_refuses` on every third), 64 providers and `declarations` cookies of which
/// `globs` are patterns. For allocation checks and benchmarks.
///
/// # Panics
///
/// If `globs > declarations`.
pub fn large_policy(declarations: usize, globs: usize) -> GenPolicy {
    assert!(globs <= declarations);
    let categories = (0..MAX_CATEGORIES)
        .map(|i| {
            let id = if i == 0 {
                NECESSARY
            } else {
                CATEGORY_IDS[i - 1]
            };
            Category {
                id,
                basis: if i == 0 {
                    Basis::Exempt
                } else {
                    Basis::Consent
                },
                slot: (i * 2) as u8,
                changed_in_revision: 1,
                gpc_refuses: i != 0 && i % 3 == 0,
                label: Text { en: id, da: id },
                description: Text {
                    en: "large policy",
                    da: "stor politik",
                },
            }
        })
        .collect();
    let providers = (0..MAX_PROVIDERS)
        .map(|i| {
            let id = intern(&format!("provider{i}"));
            Provider {
                id,
                name: id,
                party: if i == 0 { Party::First } else { Party::Third },
                slot: i as u8,
                domains: "example.invalid",
                privacy_policy: "",
            }
        })
        .collect();
    let storage = (0..declarations)
        .map(|i| {
            let name = if i < globs {
                intern(&format!("glob{i}_*"))
            } else {
                intern(&format!("cookie{i}"))
            };
            Declaration {
                name,
                kind: Kind::Cookie,
                provider: (i % MAX_PROVIDERS) as u8,
                category: (i % MAX_CATEGORIES) as u8,
                purpose: Text {
                    en: "large policy item",
                    da: "",
                },
                duration: Duration::Days(30),
                domain: None,
                path: None,
                justification: "",
            }
        })
        .collect();
    GenPolicy {
        site: "large.example",
        revision: 2,
        notice_version: 1,
        consent_cookie: "samtykke",
        consent_ttl_days: 180,
        refusal_ttl_days: 90,
        proof_retention_days: 1095,
        categories,
        providers,
        storage,
        consent_mode: ConsentModeMap::NONE,
    }
}

// ---- choices -------------------------------------------------------------------

/// A random category choice for `p`: mostly a subset of its consent slots, at times
/// with the exempt slot or slots the policy does not use (the core must ignore
/// those).
pub fn arb_category_set(p: &GenPolicy) -> impl Strategy<Value = CategorySet> {
    let slots: Vec<u8> = p.categories.iter().map(|c| c.slot).collect();
    let n = slots.len();
    prop_oneof![
        6 => proptest::collection::vec(any::<bool>(), n).prop_map(move |pick| {
            slots
                .iter()
                .zip(pick)
                .filter(|&(_, on)| on)
                .map(|(&s, _)| s)
                .collect::<CategorySet>()
        }),
        1 => Just(CategorySet::EMPTY),
        1 => any::<u32>().prop_map(CategorySet::from_bits),
    ]
}

/// A random provider choice for `p`: mostly none, else a subset of its providers,
/// at times arbitrary bits.
pub fn arb_provider_set(p: &GenPolicy) -> impl Strategy<Value = ProviderSet> {
    let slots: Vec<u8> = p.providers.iter().map(|q| q.slot).collect();
    let n = slots.len();
    prop_oneof![
        3 => Just(ProviderSet::EMPTY),
        2 => proptest::collection::vec(proptest::bool::weighted(0.2), n).prop_map(move |pick| {
            slots
                .iter()
                .zip(pick)
                .filter(|&(_, on)| on)
                .map(|(&s, _)| s)
                .collect::<ProviderSet>()
        }),
        1 => any::<u128>().prop_map(ProviderSet::from_bits),
    ]
}

// ---- events --------------------------------------------------------------------

/// How far the next event lies after the previous one.
#[derive(Clone, Copy, Debug)]
pub enum Jump {
    /// The same second.
    Same,
    /// A few seconds.
    Seconds(i64),
    /// Within a day.
    WithinDay(i64),
    /// Some days and seconds.
    Days(i64),
    /// Within two seconds either side of the consent lifetime.
    NearConsentTtl(i64),
    /// Within two seconds either side of the refusal lifetime.
    NearRefusalTtl(i64),
    /// Longer than both lifetimes, by up to 400 days.
    BeyondTtls(i64),
}

impl Jump {
    /// The jump in seconds under lifetimes of `consent` and `refusal` days.
    pub fn seconds(self, consent: u16, refusal: u16) -> i64 {
        let (c, r) = (i64::from(consent) * DAY, i64::from(refusal) * DAY);
        match self {
            Jump::Same => 0,
            Jump::Seconds(s) | Jump::WithinDay(s) | Jump::Days(s) => s,
            Jump::NearConsentTtl(d) => (c + d).max(0),
            Jump::NearRefusalTtl(d) => (r + d).max(0),
            Jump::BeyondTtls(s) => c.max(r) + s,
        }
    }

    /// Whether the jump is scaled to a lifetime (near or beyond one), rather than
    /// at most 30 days.
    pub fn is_long(self) -> bool {
        matches!(
            self,
            Jump::NearConsentTtl(_) | Jump::NearRefusalTtl(_) | Jump::BeyondTtls(_)
        )
    }
}

/// A random [`Jump`]: mostly short, at times around or beyond the lifetimes.
pub fn arb_jump() -> impl Strategy<Value = Jump> {
    prop_oneof![
        15 => Just(Jump::Same),
        15 => (1i64..60).prop_map(Jump::Seconds),
        20 => (60i64..DAY).prop_map(Jump::WithinDay),
        34 => (DAY..30 * DAY).prop_map(Jump::Days),
        4 => (-2i64..=2).prop_map(Jump::NearConsentTtl),
        4 => (-2i64..=2).prop_map(Jump::NearRefusalTtl),
        4 => (1i64..400 * DAY).prop_map(Jump::BeyondTtls),
    ]
}

/// A user action's circumstances, at a placeholder time.
fn arb_ctx(notice_version: u16) -> impl Strategy<Value = Ctx> + Clone {
    (
        1..=notice_version.saturating_add(1),
        proptest::sample::select(
            Control::ALL
                .into_iter()
                .filter(|c| c.is_user_control())
                .collect::<Vec<_>>(),
        ),
        proptest::bool::weighted(0.3),
    )
        .prop_map(|(notice, control, gpc)| {
            Ctx::new(OffsetDateTime::UNIX_EPOCH, notice, control, gpc)
                .expect("a notice from 1 and a user's control")
        })
}

/// A random event for `p`, of any variant, at a placeholder time ([`with_time`]
/// sets it).
pub fn arb_event(p: &GenPolicy) -> impl Strategy<Value = Event> {
    let epoch = OffsetDateTime::UNIX_EPOCH;
    let ctx = arb_ctx(p.notice_version);
    prop_oneof![
        10 => ctx.clone().prop_map(Event::AcceptAll),
        8 => ctx.clone().prop_map(Event::RejectAll),
        14 => (arb_category_set(p), arb_provider_set(p), ctx.clone()).prop_map(
            |(chosen, refused_providers, ctx)| Event::Save { chosen, refused_providers, ctx }
        ),
        12 => (proptest::option::weighted(0.6, arb_category_set(p)), ctx).prop_map(
            |(categories, ctx)| Event::Withdraw { categories, ctx }
        ),
        10 => Just(Event::SignalGpc(epoch)),
        4 => Just(Event::Dismiss(epoch)),
        4 => Just(Event::Scroll(epoch)),
        4 => Just(Event::Navigate(epoch)),
        4 => Just(Event::Idle(epoch)),
    ]
}

/// `event` with `f` applied to its user action's context ([`Ctx`]); a signal and
/// the events that carry only a time come back as they are.
pub fn map_ctx(event: Event, f: impl FnOnce(Ctx) -> Ctx) -> Event {
    match event {
        Event::AcceptAll(ctx) => Event::AcceptAll(f(ctx)),
        Event::RejectAll(ctx) => Event::RejectAll(f(ctx)),
        Event::Save {
            chosen,
            refused_providers,
            ctx,
        } => Event::Save {
            chosen,
            refused_providers,
            ctx: f(ctx),
        },
        Event::Withdraw { categories, ctx } => Event::Withdraw {
            categories,
            ctx: f(ctx),
        },
        other => other,
    }
}

/// `event` moved to time `t`.
pub fn with_time(event: Event, t: OffsetDateTime) -> Event {
    match map_ctx(event, |ctx| Ctx { at: t, ..ctx }) {
        Event::SignalGpc(_) => Event::SignalGpc(t),
        Event::Dismiss(_) => Event::Dismiss(t),
        Event::Scroll(_) => Event::Scroll(t),
        Event::Navigate(_) => Event::Navigate(t),
        Event::Idle(_) => Event::Idle(t),
        other => other,
    }
}

/// A random sequence of 50–120 events for `p`, timed from a start in 2020–2021 by
/// [`arb_jump`]s that never carry it past [`END`] (see [`arb_events_len`]).
pub fn arb_events(p: &GenPolicy) -> impl Strategy<Value = Vec<Event>> {
    arb_events_len(p, 50..=120)
}

/// Like [`arb_events`], with a chosen number of events.
///
/// No clock is clamped: the short jumps (at most 30 days each, so at most ten
/// years for 120 of them) are set aside first, and the jumps across a lifetime
/// ([`Jump::is_long`]) share what is left up to a day before [`END`], in order;
/// one that no longer fits becomes its remainder modulo a day (at most what is
/// left). So every sequence ends a day before `END` or earlier, and a lifetime's boundary is crossed wherever the room
/// allows, at the exact second when the jump says so.
pub fn arb_events_len(
    p: &GenPolicy,
    len: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Vec<Event>> {
    let (consent, refusal) = (p.consent_ttl_days, p.refusal_ttl_days);
    (
        START..START + 2 * 365 * DAY,
        proptest::collection::vec((arb_jump(), arb_event(p)), len),
    )
        .prop_map(move |(start, steps)| {
            let short: i64 = steps
                .iter()
                .filter(|(jump, _)| !jump.is_long())
                .map(|(jump, _)| jump.seconds(consent, refusal))
                .sum();
            // A day short of END, so no sequence ends on its very second.
            let mut room = END - DAY - start - short;
            let mut t = start;
            steps
                .into_iter()
                .map(|(jump, event)| {
                    let mut dt = jump.seconds(consent, refusal);
                    if jump.is_long() {
                        if dt > room {
                            dt = (dt % DAY).min(room);
                        }
                        room -= dt;
                    }
                    t += dt;
                    debug_assert!(t <= END - DAY);
                    with_time(event, at(t))
                })
                .collect()
        })
}

/// A random policy with a random event sequence made for it.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The policy.
    pub policy: GenPolicy,
    /// 50–120 events in time order.
    pub events: Vec<Event>,
    /// Random query offsets in seconds (0 up to beyond the longer lifetime), to be
    /// added to an event's time.
    pub offsets: Vec<i64>,
}

/// A [`Scenario`] over [`arb_policy`].
pub fn arb_scenario() -> impl Strategy<Value = Scenario> {
    arb_scenario_with(PolicyParams::default())
}

/// `n` scenarios drawn as the property tests draw them, from a deterministic
/// runner, for tests that count what the generator covers.
pub fn sample_scenarios(n: usize) -> impl Iterator<Item = Scenario> {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = arb_scenario();
    (0..n).map(move |_| {
        strategy
            .new_tree(&mut runner)
            .expect("a scenario")
            .current()
    })
}

/// A [`Scenario`] over [`arb_policy_with`]`(params)`.
pub fn arb_scenario_with(params: PolicyParams) -> impl Strategy<Value = Scenario> {
    arb_policy_with(params).prop_flat_map(|policy| {
        let longest = i64::from(policy.consent_ttl_days.max(policy.refusal_ttl_days)) * DAY;
        let events = arb_events(&policy);
        let offsets = proptest::collection::vec(
            prop_oneof![
                Just(0i64),
                1i64..DAY,
                0..longest,
                longest - 2..longest + 2 * DAY
            ],
            3,
        );
        (Just(policy), events, offsets).prop_map(|(policy, events, offsets)| Scenario {
            policy,
            events,
            offsets,
        })
    })
}

/// A random time from 2020 to 2035, in whole seconds.
pub fn arb_time() -> impl Strategy<Value = OffsetDateTime> {
    (START..=END).prop_map(at)
}

/// A random index into something, for picking steps of a walk.
pub fn arb_index() -> impl Strategy<Value = Index> {
    any::<Index>()
}

// ---- walking -------------------------------------------------------------------

/// One event applied to a state.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    /// The event.
    pub event: Event,
    /// The state before it.
    pub before: ConsentState,
    /// The state after it.
    pub after: ConsentState,
    /// The proof record it yielded, if any.
    pub proof: Option<Proof>,
}

/// Applies `events` in order to a new state with `consent_id`, keeping every step.
pub fn walk(policy: &ValidPolicy<'_>, consent_id: u128, events: &[Event]) -> Vec<Step> {
    let mut state = ConsentState::new(consent_id);
    events
        .iter()
        .map(|event| {
            let before = state;
            let proof = state.apply(policy, event);
            Step {
                event: *event,
                before,
                after: state,
                proof,
            }
        })
        .collect()
}

/// The times worth asking a state about after an event at `t`: `t` itself, `t`
/// plus each of `offsets`, and one second either side of each lapse the state's
/// decisions can have (decided + either lifetime, partial refusal + refusal
/// lifetime).
pub fn query_times(
    policy: &ValidPolicy<'_>,
    state: &ConsentState,
    t: OffsetDateTime,
    offsets: &[i64],
) -> Vec<OffsetDateTime> {
    let p = policy.policy();
    let (c, r) = (
        i64::from(p.consent_ttl_days) * DAY,
        i64::from(p.refusal_ttl_days) * DAY,
    );
    let t = secs(t);
    let mut times = vec![t];
    times.extend(offsets.iter().map(|o| t + o));
    let mut edges = Vec::new();
    if let Some(d) = state.decided_at() {
        edges.extend([secs(d) + c, secs(d) + r]);
    }
    if let Some(pa) = state.partial_at() {
        edges.push(secs(pa) + r);
    }
    for e in edges {
        times.extend([e - 1, e, e + 1]);
    }
    times.retain(|&q| q >= t);
    times.sort_unstable();
    times.dedup();
    times.into_iter().map(at).collect()
}

// ---- a reference model of SPEC §4 ------------------------------------------------

/// What a [`Model`] holds for one consent category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Held {
    /// No decision: never decided, or a partial refusal dropped because it had lapsed
    /// or was outdated when a later partial refusal came (SPEC §4).
    Nothing,
    /// Granted by the last full decision.
    Granted,
    /// Refused by the last full decision.
    Refused,
    /// Withdrawn since the last full decision (a partial refusal).
    Withdrawn,
    /// Refused by a GPC signal since the last full decision (a partial refusal).
    Signal,
}

impl Held {
    /// Whether this is a partial refusal (withdrawn or signalled).
    pub fn is_partial(self) -> bool {
        matches!(self, Held::Withdrawn | Held::Signal)
    }
}

/// What a [`Model`] says an event records: the proof's action and categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelRecord {
    /// The action recorded.
    pub action: Action,
    /// The categories granted (full decisions only).
    pub granted: CategorySet,
    /// The categories refused (by a full decision) or refused by a partial one.
    pub refused: CategorySet,
}

/// A reference model of one visitor's consent state, written from the text of
/// SPEC §4 apart from the core, for tests to compare the core against.
///
/// It keeps per consent category what is held ([`Held`]); one time, revision and
/// GPC flag for the last full decision; one time and revision shared by the partial
/// refusals kept (the latest time, the highest revision); and since when partial
/// refusals have stood without a break ([`Model::partial_since`], for R19). Times
/// are whole seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    consent: CategorySet,
    exempt: CategorySet,
    gpc_refuses: CategorySet,
    changed: [u32; CATEGORY_SLOTS],
    providers: ProviderSet,
    providers_refused: ProviderSet,
    consent_secs: i64,
    refusal_secs: i64,
    revision: u32,
    held: [Held; CATEGORY_SLOTS],
    decided_at: i64,
    decided_revision: u32,
    decided_gpc: bool,
    partial_at: i64,
    partial_revision: u32,
    partial_since: i64,
}

impl Model {
    /// How long after a GPC refusal's time a signal that would only renew it
    /// records nothing (SPEC §4): a day, or half the refusal's lifetime where
    /// that is shorter (written from the rule, not the core's function).
    pub fn renew_window(&self) -> i64 {
        if self.refusal_secs < 2 * DAY {
            self.refusal_secs / 2
        } else {
            DAY
        }
    }

    /// A visitor who has decided nothing, under `policy`.
    pub fn new(policy: &Policy<'_>) -> Model {
        let mut changed = [0u32; CATEGORY_SLOTS];
        let (mut consent, mut exempt, mut gpc_refuses) =
            (CategorySet::EMPTY, CategorySet::EMPTY, CategorySet::EMPTY);
        for c in policy.categories {
            changed[usize::from(c.slot)] = c.changed_in_revision;
            match c.basis {
                Basis::Exempt => exempt = exempt.with(c.slot),
                Basis::Consent => {
                    consent = consent.with(c.slot);
                    if c.gpc_refuses {
                        gpc_refuses = gpc_refuses.with(c.slot);
                    }
                }
            }
        }
        Model {
            consent,
            exempt,
            gpc_refuses,
            changed,
            providers: policy.providers.iter().map(|p| p.slot).collect(),
            providers_refused: ProviderSet::EMPTY,
            consent_secs: i64::from(policy.consent_ttl_days) * DAY,
            refusal_secs: i64::from(policy.refusal_ttl_days) * DAY,
            revision: policy.revision,
            held: [Held::Nothing; CATEGORY_SLOTS],
            decided_at: 0,
            decided_revision: 0,
            decided_gpc: false,
            partial_at: 0,
            partial_revision: 0,
            partial_since: 0,
        }
    }

    /// The same visitor's history, judged from now on under `policy`: a later
    /// revision of the one the model was made with (SPEC §3: the same slots, ids and
    /// declarations), whose categories' `changed_in_revision`, lifetimes and
    /// `gpc_refuses` then apply, and under whose revision later events are taken
    /// (R17). What is held, and when and under which revision it was decided, stay.
    pub fn under(&self, policy: &Policy<'_>) -> Model {
        let fresh = Model::new(policy);
        Model {
            held: self.held,
            decided_at: self.decided_at,
            decided_revision: self.decided_revision,
            decided_gpc: self.decided_gpc,
            partial_at: self.partial_at,
            partial_revision: self.partial_revision,
            partial_since: self.partial_since,
            providers_refused: self.providers_refused,
            ..fresh
        }
    }

    /// The providers the last full decision refused (a `save`'s
    /// `refused_providers` that the policy has; none for accept-all and reject-all).
    pub fn providers_refused(&self) -> ProviderSet {
        self.providers_refused
    }

    /// Whether an item of category `category` and provider `provider` may be
    /// stored at `now`: its category's [`Model::status`], except that a granted
    /// category's item whose provider the last full decision refused is denied as
    /// `ProviderRefused` (SPEC §4 `save`).
    pub fn permit(&self, category: u8, provider: u8, now: i64) -> Status {
        match self.status(category, now) {
            Status::Granted if self.providers_refused.contains(provider) => {
                Status::Denied(Why::ProviderRefused)
            }
            st => st,
        }
    }

    /// What is held for `slot`.
    pub fn held(&self, slot: u8) -> Held {
        self.held[usize::from(slot)]
    }

    /// The slots holding a partial refusal.
    pub fn partial(&self) -> CategorySet {
        self.consent
            .slots()
            .filter(|&s| self.held(s).is_partial())
            .collect()
    }

    /// The time the partial refusals kept share, if any are kept.
    pub fn partial_at(&self) -> Option<i64> {
        (!self.partial().is_empty()).then_some(self.partial_at)
    }

    /// The revision of the last full decision (0 before the first).
    pub fn decided_revision(&self) -> u32 {
        self.decided_revision
    }

    /// The revision the partial refusals kept share, if any are kept.
    pub fn partial_revision(&self) -> Option<u32> {
        (!self.partial().is_empty()).then_some(self.partial_revision)
    }

    /// Since when partial refusals have stood without a break (each partial refusal
    /// made while an earlier one was in force carries it on), if any are kept.
    pub fn partial_since(&self) -> Option<i64> {
        (!self.partial().is_empty()).then_some(self.partial_since)
    }

    /// Whether the last full decision was made under a GPC signal.
    pub fn decided_gpc(&self) -> bool {
        self.decided_gpc
    }

    /// When the decision held for `slot` lapses (R16), if one is held.
    pub fn lapse(&self, slot: u8) -> Option<i64> {
        match self.held(slot) {
            Held::Nothing => None,
            Held::Granted => Some(self.decided_at + self.consent_secs),
            Held::Refused => Some(self.decided_at + self.refusal_secs),
            Held::Withdrawn | Held::Signal => Some(self.partial_at + self.refusal_secs),
        }
    }

    /// The earliest lapse of a decision held (a proof's `expires`).
    pub fn expires(&self) -> Option<i64> {
        self.consent.slots().filter_map(|s| self.lapse(s)).min()
    }

    /// The standing of `slot` at `now` (R15–R17): a lapsed decision is expired, one
    /// under a revision older than the category's material change outdated (lapse
    /// checked first).
    pub fn status(&self, slot: u8, now: i64) -> Status {
        if self.exempt.contains(slot) {
            return Status::Exempt;
        }
        let (revision, held) = match self.held(slot) {
            Held::Nothing => return Status::Denied(Why::Undecided),
            Held::Granted => (self.decided_revision, Status::Granted),
            Held::Refused => (self.decided_revision, Status::Denied(Why::Refused)),
            Held::Withdrawn => (self.partial_revision, Status::Denied(Why::Withdrawn)),
            Held::Signal => (self.partial_revision, Status::Denied(Why::Signal)),
        };
        if self.lapse(slot).is_some_and(|l| now >= l) {
            Status::Denied(Why::Expired)
        } else if revision < self.changed[usize::from(slot)] {
            Status::Denied(Why::Outdated)
        } else {
            held
        }
    }

    /// Whether `slot` holds a decision in force at `now`.
    pub fn in_force(&self, slot: u8, now: i64) -> bool {
        !matches!(self.status(slot, now), Status::Denied(w) if w.is_undecided())
    }

    /// Whether some consent category holds no decision in force at `now`.
    pub fn prompt_due(&self, now: i64) -> bool {
        self.consent.slots().any(|s| !self.in_force(s, now))
    }

    /// Applies `event` under the policy's revision; what it records, if anything.
    pub fn apply(&mut self, event: &Event) -> Option<ModelRecord> {
        self.apply_at_revision(event, self.revision)
    }

    /// Applies `event` as taken under `revision`; what it records, if anything.
    pub fn apply_at_revision(&mut self, event: &Event, revision: u32) -> Option<ModelRecord> {
        let t = secs(event.at());
        match *event {
            Event::AcceptAll(ctx) => Some(self.full(
                Action::AcceptAll,
                self.consent,
                ProviderSet::EMPTY,
                ctx,
                revision,
            )),
            Event::RejectAll(ctx) => Some(self.full(
                Action::RejectAll,
                CategorySet::EMPTY,
                ProviderSet::EMPTY,
                ctx,
                revision,
            )),
            Event::Save {
                chosen,
                refused_providers,
                ctx,
            } => Some(self.full(Action::Save, chosen, refused_providers, ctx, revision)),
            Event::Withdraw { categories, .. } => {
                let named = categories
                    .unwrap_or(self.consent)
                    .intersection(self.consent);
                if named.is_empty() {
                    return None;
                }
                self.partial_refusal(named, Held::Withdrawn, t, revision);
                Some(ModelRecord {
                    action: Action::Withdraw,
                    granted: CategorySet::EMPTY,
                    refused: named,
                })
            }
            Event::SignalGpc(_) => {
                let refuses: CategorySet = self
                    .gpc_refuses
                    .slots()
                    .filter(|&s| !(self.decided_gpc && self.status(s, t) == Status::Granted))
                    .collect();
                if refuses.is_empty() {
                    return None;
                }
                let mut next = self.clone();
                next.partial_refusal(refuses, Held::Signal, t, revision);
                let only_renews = next.held == self.held
                    && next.partial_revision == self.partial_revision
                    && t < self.partial_at + self.renew_window();
                if only_renews {
                    return None;
                }
                *self = next;
                Some(ModelRecord {
                    action: Action::SignalGpc,
                    granted: CategorySet::EMPTY,
                    refused: refuses,
                })
            }
            Event::Dismiss(_) | Event::Scroll(_) | Event::Navigate(_) | Event::Idle(_) => None,
        }
    }

    /// Applies a proof record, as a replay does (R18).
    pub fn apply_proof(&mut self, proof: &Proof) {
        let t = secs(proof.at);
        match proof.action {
            Action::AcceptAll | Action::RejectAll | Action::Save => {
                for s in self.consent.slots() {
                    self.held[usize::from(s)] = if proof.granted.contains(s) {
                        Held::Granted
                    } else {
                        Held::Refused
                    };
                }
                self.decided_at = t;
                self.decided_revision = proof.revision;
                self.decided_gpc = proof.gpc;
                self.providers_refused = proof.providers_refused.intersection(self.providers);
            }
            Action::Withdraw | Action::SignalGpc => {
                let why = if proof.action == Action::Withdraw {
                    Held::Withdrawn
                } else {
                    Held::Signal
                };
                let named = proof.refused.intersection(self.consent);
                if !named.is_empty() {
                    self.partial_refusal(named, why, t, proof.revision);
                }
            }
            _ => {}
        }
    }

    fn full(
        &mut self,
        action: Action,
        chosen: CategorySet,
        refused_providers: ProviderSet,
        ctx: Ctx,
        revision: u32,
    ) -> ModelRecord {
        let granted = chosen.intersection(self.consent);
        self.providers_refused = refused_providers.intersection(self.providers);
        for s in self.consent.slots() {
            self.held[usize::from(s)] = if granted.contains(s) {
                Held::Granted
            } else {
                Held::Refused
            };
        }
        self.decided_at = secs(ctx.at);
        self.decided_revision = revision;
        self.decided_gpc = ctx.gpc;
        ModelRecord {
            action,
            granted,
            refused: self.consent.difference(granted),
        }
    }

    /// SPEC §4: the partial refusals lapsed or outdated at `t` become undecided
    /// (unless named again); the others are kept; the named ones are refused as
    /// `why`. Where refusals still in force are kept (a named one renewed among
    /// them), all share the latest time and the highest revision, so a refusal may
    /// last longer, never shorter; else the new refusal has its own.
    fn partial_refusal(&mut self, named: CategorySet, why: Held, t: i64, revision: u32) {
        let before = self.partial();
        let kept = before.slots().any(|s| self.in_force(s, t));
        for s in before.slots() {
            if !self.in_force(s, t) {
                self.held[usize::from(s)] = Held::Nothing;
            }
        }
        for s in named.slots() {
            self.held[usize::from(s)] = why;
        }
        if kept {
            self.partial_at = self.partial_at.max(t);
            self.partial_revision = self.partial_revision.max(revision);
        } else {
            self.partial_at = t;
            self.partial_revision = revision;
            self.partial_since = t;
        }
    }
}
