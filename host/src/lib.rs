//! samtykke for hosts with `std`: the policy JSON (`samtykke/policy/1`) loaded into
//! an owned policy that lends the no-alloc core its borrowed view, the policy lint,
//! `Cookie` and `Set-Cookie` headers and deletion headers, proof records as JSON
//! lines, and the consent-log audit.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
pub mod http;
pub mod json;
pub mod lint;
pub mod proof_json;

pub use json::{LoadErrorKind, OwnedPolicy, PolicyLoadError, SCHEMA};
pub use lint::{lint, lint_view, KnownTracker, LintId, LintWarning};
pub use samtykke;

pub use http::{
    cookie_domains, deletion_plan, filter_set_cookie, format_http_date, parse_cookie_header,
    parse_http_date, DeletionPlan, DropReason, Dropped, Filtered, Header, HeaderError,
    HeaderErrorKind, SameSite, SetCookie, Undeletable, UndeletableReason,
};
pub use proof_json::{
    format_rfc3339, proof_from_json, proof_to_json, ProofError, ProofErrorKind, PROOF_KEYS,
};

/// The Rust examples in the README, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
