//! samtykke for hosts with `std`, around the no-alloc core:
//!
//! - the policy JSON (`samtykke/policy/1`) loaded into an [`OwnedPolicy`] that
//!   lends the core its borrowed view, and the policy [`lint`];
//! - [`declare`]: the cookie declaration a site publishes (Markdown or HTML,
//!   Danish or English);
//! - [`http`]: the `Cookie` request header, `Set-Cookie` values, the filter that
//!   keeps only what a consent state permits, and deletion plans;
//! - [`proof_json`]: proof records as JSON lines; [`state_json`]: a consent state
//!   as JSON;
//! - [`consent_mode`]: Google Consent Mode v2's `gtag('consent', …)` calls;
//! - [`log_line`]: the site's consent log lines (SPEC §8) for hosts that write them;
//! - [`time`]: the one place times are converted (Unix seconds, RFC 3339, HTTP
//!   dates).
//!
//! The consent-log audit is the crate `samtykke-audit`. Each item has one path:
//! policy loading and lint at the crate root, the rest in its module.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod consent_mode;
pub mod declare;
pub mod form;
pub mod http;
pub mod iab_json;
mod json;
pub mod keys;
mod lint;
pub mod log_line;
pub mod notice;
pub mod proof_json;
pub mod state_json;
pub mod text;
pub mod time;
pub mod vendor_ids;

pub use json::{LoadErrorKind, OwnedPolicy, PolicyLoadError, SCHEMA};
pub use lint::{known_tracker, lint, lint_view, KnownTracker, LintId, LintWarning, KNOWN_TRACKERS};

/// The Rust examples of `docs/rust.md`, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/rust.md")]
pub struct RustGuideDoctests;

/// The example of the core's crate page (`core/README.md`), run as a doctest here,
/// where the workspace's other examples are checked too.
#[cfg(doctest)]
#[doc = include_str!("../../core/README.md")]
pub struct CoreReadmeDoctests;

/// This crate's README example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct HostReadmeDoctests;
