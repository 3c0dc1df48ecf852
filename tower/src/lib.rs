#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The workspace README's Rust examples, compiled as doctests here, where
/// every crate they use is at hand.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

mod config;
mod consent;
mod endpoint;
pub mod html;
mod layer;
mod sink;

pub use config::{Config, ConfigError, Secure, MAX_COOKIE_HEADER};
pub use consent::{Consent, NoticeShown, Trigger};
pub use endpoint::{ConsentEndpoint, MAX_FORM};
pub use layer::{ConsentLayer, ConsentService, ResponseFuture};
pub use sink::{JsonlSink, MemorySink, NoSink, Purged, Sink};
