//! `samtykke._native`: the Python binding of samtykke, re-exported by the
//! `samtykke` package. Every rule lives in the core (`samtykke`) and the host
//! crate (`samtykke-host`); this crate converts arguments, results and errors.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use pyo3::prelude::*;

mod args;
mod audit;
mod columns;
mod errors;
mod http;
mod iab;
mod policy;
mod state;
mod times;

/// The native part of the `samtykke` package; import `samtykke` instead.
#[pymodule]
#[pyo3(name = "_native")]
fn samtykke_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<policy::Policy>()?;
    m.add_class::<policy::LintWarning>()?;
    m.add_class::<state::ConsentState>()?;
    m.add_class::<state::Decision>()?;
    m.add_class::<http::DeletionPlan>()?;
    m.add_class::<http::Undeletable>()?;
    m.add_class::<http::Filtered>()?;
    m.add_class::<http::Dropped>()?;
    audit::add(m)?;
    errors::add_defaults(py)?;
    m.add("SamtykkeError", py.get_type::<errors::SamtykkeError>())?;
    m.add("PolicyError", py.get_type::<errors::PolicyError>())?;
    m.add("CookieError", py.get_type::<errors::CookieError>())?;
    m.add("LogError", py.get_type::<errors::LogError>())?;
    m.add("TcfError", py.get_type::<errors::TcfError>())?;
    m.add("GppError", py.get_type::<errors::GppError>())?;
    m.add("FormError", py.get_type::<errors::FormError>())?;
    m.add_class::<iab::TcString>()?;
    m.add_class::<iab::GppString>()?;
    m.add_class::<iab::GppSection>()?;
    m.add_class::<iab::UspV1>()?;
    m.add_class::<iab::UsNat>()?;
    m.add_function(wrap_pyfunction!(iab::tcf_decode, m)?)?;
    m.add_function(wrap_pyfunction!(iab::tcf_decode_many, m)?)?;
    m.add_function(wrap_pyfunction!(iab::gpp_decode, m)?)?;
    m.add_function(wrap_pyfunction!(http::gpc_signal, m)?)?;
    m.add_function(wrap_pyfunction!(http::site_keys, m)?)?;
    m.add_function(wrap_pyfunction!(http::request_lang, m)?)?;
    m.add_function(wrap_pyfunction!(http::same_origin, m)?)?;
    Ok(())
}
