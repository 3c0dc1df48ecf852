//! libsamtykke: the C library of samtykke, for CMS plugin authors (from C, or
//! from PHP through its FFI). Header: `include/samtykke.h`.
//!
//! The library is thin: every rule lives in the core (`samtykke`) and the host
//! crate (`samtykke-host`); this crate only checks arguments and converts them.
//!
//! # Conventions (SPEC §11)
//!
//! The conventions every function follows (results, outputs, buffers, text, NULL,
//! enums, sets, time, ownership, thread-safety) are stated once, in the header's
//! preamble (`header` in `ffi/cbindgen.toml`, the top of `include/samtykke.h`).
//! Inside the crate, `boundary` turns each pointer into a typed value in one
//! `unsafe` block per function, and wraps each body in the panic boundary.
#![allow(non_camel_case_types)]

// In the order the header lists them.
mod boundary;
mod http;
mod iab;
mod plan;
mod policy;
mod result;
mod seal;
mod server;
mod state;

pub use http::*;
pub use iab::*;
pub use plan::*;
pub use policy::*;
pub use result::*;
pub use server::*;
pub use state::*;

pub use samtykke::{Action, Code, Control, Kind, Why};
