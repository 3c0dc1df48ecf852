//! samtykke: a consent-state engine for cookies and similar storage.
//!
//! The crate models what the Danish cookie order and EU law (ePrivacy Art. 5(3),
//! GDPR Art. 4(11) and 7, Planet49) ask of a site that stores things on a visitor's
//! device: a [`Policy`] declares categories, providers and storage items; a
//! [`ConsentState`] holds one visitor's decisions; events ([`Event`]) move the state
//! and yield [`Proof`] records; queries ([`ConsentState::permits`],
//! [`ConsentState::prompt_due`], [`ConsentState::deletion_plan`]) answer what may be
//! stored, when the visitor must be asked, and what must be deleted.
//!
//! The core is `#![no_std]`, allocates nothing and reads no clock: every query and
//! every event takes its time explicitly. A policy is borrowed data; a host can
//! write one as a `static` and validate it once with [`Policy::validate`], which
//! yields the [`ValidPolicy`] every state operation takes.
//!
//! ```
//! use samtykke::{ConsentState, Ctx, Control, Permit, Why};
//! use time::macros::datetime;
//!
//! let mut index = [0u16; samtykke::example::KK_DK.storage.len()];
//! let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
//! let mut state = ConsentState::new(0x1234);
//! let t0 = datetime!(2026-03-01 10:00 UTC);
//!
//! // Nothing is pre-ticked: statistics are undecided, so `nmstat` may not be set.
//! assert_eq!(state.permits(&policy, "nmstat", t0).why(), Some(Why::Undecided));
//! assert!(state.prompt_due(&policy, t0));
//!
//! // The visitor chooses statistics only.
//! let chosen = policy.category_set(&["statistics"]).unwrap();
//! let ctx = Ctx::new(t0, 1, Control::Button, false).unwrap();
//! let proof = state.save(&policy, chosen, Default::default(), ctx);
//! assert!(state.permits(&policy, "nmstat", t0).is_allowed());
//! assert!(!state.permits(&policy, "JSESSIONID", t0).is_allowed());
//! assert_eq!(ConsentState::replay(&policy, state.consent_id(), [&proof]), state);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bits;
pub mod consent_mode;
pub mod cookie;
mod error;
pub mod example;
mod glob;
pub mod gpp;
mod id;
mod plan;
mod policy;
mod proof;
pub mod rules;
mod sets;
mod state;
pub mod tcf;
mod vocab;

pub use consent_mode::{ConsentModeClaims, ConsentModeFlags, ConsentModeMap, ConsentModeType};
pub use cookie::{CookieError, CookieField, CookieKey, COOKIE_MAX_LEN};
pub use error::{
    Code, Field, Location, PolicyError, PolicyErrorKind, PolicyMessage, DECLARATION_FIELDS,
};
pub use id::ConsentId;
pub use plan::{Deletion, Deletions, StorageToClear};
pub use policy::{
    Basis, Category, ConsentCookie, Controller, Declaration, Duration, DurationText, Kind, Party,
    Policy, Provider, Text, ValidPolicy,
};
pub use proof::{may_purge, proof_ended_at, Proof};
pub use sets::{CategorySet, ProviderSet};
pub use state::{
    renew_window, Action, ConsentState, Control, Ctx, CtxError, Event, Permit, StateParts, Status,
    Why, RENEW_SECONDS,
};

/// Most categories a policy may declare.
pub const MAX_CATEGORIES: usize = 16;
/// Category slots are numbered `0..CATEGORY_SLOTS`: twice the capacity, so a policy
/// can retire and add categories over many revisions without reusing a slot.
pub const CATEGORY_SLOTS: usize = 32;
/// Most providers a policy may declare.
pub const MAX_PROVIDERS: usize = 64;
/// Provider slots are numbered `0..PROVIDER_SLOTS`.
pub const PROVIDER_SLOTS: usize = 128;
/// Longest lifetime (consent, refusal, proof retention) a policy may set, in days.
pub const MAX_TTL_DAYS: u16 = 3650;
/// Most storage declarations a policy may hold (the lookup index uses `u16`).
pub const MAX_DECLARATIONS: usize = u16::MAX as usize;
/// The schema of policy documents this version reads (SPEC §3).
pub const POLICY_SCHEMA: &str = "samtykke/policy/1";
/// Identifier of the only exempt category.
pub const NECESSARY: &str = "necessary";

const _: () = {
    assert!(CATEGORY_SLOTS <= u32::BITS as usize);
    assert!(PROVIDER_SLOTS <= u128::BITS as usize);
    assert!(MAX_CATEGORIES <= CATEGORY_SLOTS);
    assert!(MAX_PROVIDERS <= PROVIDER_SLOTS);
};

const SECONDS_PER_DAY: i64 = 86_400;
