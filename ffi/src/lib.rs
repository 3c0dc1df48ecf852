//! libsamtykke: the C library of samtykke, for CMS plugin authors (from C, or
//! from PHP through its FFI). Header: `include/samtykke.h`.
//!
//! The library is thin: every rule lives in the core (`samtykke`) and the host
//! crate (`samtykke-host`); this crate only checks arguments and converts them.
//!
//! # Conventions (SPEC §11)
//!
//! - Every symbol starts with `samtykke_` (`SAMTYKKE_` for constants).
//! - A fallible function returns a `samtykke_result` (the core's [`Code`]):
//!   `SAMTYKKE_RESULT_OK` (0) or an error; `samtykke_result_message` explains
//!   any code.
//! - Outputs come last and are written only on success, except that a buffer too
//!   small reports the length needed in its out-length and returns
//!   `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
//! - Text goes in as a pointer and a length (UTF-8, no NUL needed) and comes out
//!   into a caller buffer with its length and an out-length (no NUL written).
//! - Enum values (`samtykke_kind`, `samtykke_control`, `samtykke_action`) go in as
//!   `uint32_t`; a value out of range is `SAMTYKKE_RESULT_INVALID_ARGUMENT`.
//! - Times are Unix seconds (UTC) as `int64_t`.
//! - Every pointer is checked for NULL (`SAMTYKKE_RESULT_NULL_ARGUMENT`); a
//!   pointer documented as optional may be NULL; `samtykke_policy_free(NULL)` is
//!   fine.
//! - No panic crosses the boundary: it becomes `SAMTYKKE_RESULT_PANIC`.
//! - A policy is an opaque, immutable handle, shared freely across threads; a
//!   consent state lives in caller storage (`samtykke_state`, plain integers of
//!   `SAMTYKKE_STATE_SIZE` bytes aligned to `SAMTYKKE_STATE_ALIGN`), carries its
//!   policy's fingerprint, and is checked on every call.
#![allow(non_camel_case_types)]

// In the order the header lists them.
mod boundary;
mod http;
mod plan;
mod policy;
mod result;
mod seal;
mod state;

pub use http::*;
pub use plan::*;
pub use policy::*;
pub use result::*;
pub use state::*;

pub use samtykke::{Action, Code, Control, Kind, Why};
