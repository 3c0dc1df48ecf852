//! A [tower] layer that enforces cookie consent on the server (SPEC §15), for
//! axum, hyper and anything else built on tower.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use axum::{routing::get, Router};
//! use samtykke_tower::{Config, Consent, ConsentEndpoint};
//!
//! let policy = samtykke_host::OwnedPolicy::load("policy.json").expect("a valid policy");
//! let app: Router = Router::new()
//!     .route("/", get(|consent: Consent| async move { format!("banner: {}", consent.prompt_due()) }))
//!     .route_service("/consent", ConsentEndpoint::new())
//!     .layer(Config::new(policy, b"the site key from your secret store").layer());
//! # let _ = app; Ok(()) }
//! ```
//!
//! On each request the layer:
//!
//! - reads the consent cookie from the `Cookie` headers and verifies it with the
//!   site keys (the first signs; the others verify, for rotation). A missing,
//!   altered, foreign-site or old-format cookie makes a new visitor under a fresh
//!   consent id, never an error page;
//! - applies `Sec-GPC: 1` as a GPC signal (R22);
//! - puts the visitor's [`Consent`] in the request's extensions (and, with the
//!   `axum` feature, as an extractor);
//!
//! and on the response:
//!
//! - keeps each `Set-Cookie` of the inner service only if the state permits it now
//!   ([`samtykke_host::http::filter_set_cookie`]), shortening a kept persistent
//!   cookie to its category's consent lapse
//!   ([`samtykke_host::http::clamp_set_cookie`]); deletions always pass;
//! - re-issues the consent cookie when the state changed (a decision, a signal, a
//!   cookie verified by an older key): `Path=/; SameSite=Lax; HttpOnly`, `Secure`
//!   per [`Secure`], and the policy's `Domain` only when the request's host is
//!   that domain or under it (host-only on `127.0.0.1` and other hosts);
//! - appends the deletion plan's headers for the names in the request's `Cookie`
//!   header that are no longer permitted (withdrawn, refused, lapsed, outdated,
//!   never decided);
//! - logs to the [`Sink`], in this order and under one time: `cookie_present`,
//!   `signal`, `notice_shown` (when the handler returned [`NoticeShown`]),
//!   `decision`, `cookie_set` per `Set-Cookie` that left; and the proof records
//!   of signals and decisions. `visitor` is the consent id in hex, so `samtykke
//!   audit` runs on what the site really did.
//!
//! Decisions come from the [`ConsentEndpoint`], routed inside the layer. Nothing
//! but necessary cookies is set before a choice: a new visitor's consent id
//! travels in the banner's forms as `consent_id`, so the decision is logged under
//! the id the notice was shown to. [`html`] renders the banner and the settings
//! as plain forms that work without JavaScript.
//!
//! The layer must be the outermost layer that touches cookies: a layer outside it
//! (tower-cookies, axum-extra's cookie jar) appends its `Set-Cookie` headers in
//! its own response future, after the filter.
//!
//! [tower]: https://docs.rs/tower
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod consent;
mod endpoint;
pub mod html;
mod layer;
mod sink;

pub use config::{Config, Secure, MAX_COOKIE_HEADER};
pub use consent::{Consent, NoticeShown, Trigger};
pub use endpoint::{ConsentEndpoint, MAX_FORM};
pub use layer::{ConsentLayer, ConsentService, ResponseFuture};
pub use sink::{JsonlSink, MemorySink, NoSink, Purged, Sink};
