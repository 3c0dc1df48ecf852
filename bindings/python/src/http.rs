//! The results of `deletion_plan` and `filter_set_cookie` (SPEC §6), and what
//! a request asks beyond its cookies (SPEC §15).

use pyo3::prelude::*;
use samtykke_host::http::{
    DeletionPlan as HostPlan, DropReason, Filtered as HostFiltered, Undeletable as HostUndeletable,
};

use crate::args;
use crate::errors::py_repr;

/// The site keys a key file holds (`bytes`, the file's contents), the one
/// that signs first, by the rule the command line, the example site, C and
/// the WordPress plugin follow (SPEC §15, §18): a file of text holds one key a
/// line (each line trimmed of spaces and tabs; empty lines and lines starting
/// with `#` skipped; `\n`, `\r\n` or `\r` line ends; a byte-order mark
/// allowed); any other file is one key, byte for byte. Every key has 32 bytes
/// or more, and a file at most 64 KiB; otherwise `SamtykkeError` (code 504),
/// its `path` the short key's line (`line 3`). So `openssl rand -hex 32 > key` gives the key the other
/// front ends read, without its newline.
#[pyfunction]
pub(crate) fn site_keys<'py>(
    py: Python<'py>,
    file: &Bound<'py, PyAny>,
) -> PyResult<Vec<Bound<'py, pyo3::types::PyBytes>>> {
    let Ok(file) = file.cast::<pyo3::types::PyBytes>() else {
        return Err(crate::errors::wrong_type("file", "bytes", file));
    };
    match samtykke_host::keys::site_keys(file.as_bytes()) {
        Ok(keys) => Ok(keys
            .into_iter()
            .map(|k| pyo3::types::PyBytes::new(py, k))
            .collect()),
        Err(e) => {
            // `path` is the short key's line in a text file; `message` the rest.
            let text = e.to_string();
            let path = match e {
                samtykke_host::keys::KeyFileError::TooShort { line: Some(n), .. } => {
                    Some(format!("line {n}"))
                }
                _ => None,
            };
            let message = match &path {
                Some(p) => text.strip_prefix(&format!("{p}: ")).unwrap_or(&text),
                None => &text,
            };
            Err(crate::errors::error(
                py,
                e.code(),
                text.clone(),
                path.as_deref(),
                message,
            ))
        }
    }
}

/// Whether a `Sec-GPC` request header value (`str` or `bytes`) carries the
/// Global Privacy Control signal, by the rule every front end follows (SPEC
/// §15, §18): `1`, spaces and tabs around it allowed; for repeated headers
/// joined with commas, any comma-separated piece that is `1`.
#[pyfunction]
pub(crate) fn gpc_signal(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    let value = args::header_bytes(value, "value")?;
    Ok(samtykke_host::http::gpc_signal(value.as_bytes()))
}

/// Whether a decision's `POST` comes from the site's own pages, by the rule
/// every front end follows (SPEC §15, §18): `sec_fetch_site`, when sent, is
/// `same-origin` or `none`; `origin`, when sent, is an `http` or `https`
/// origin naming the request's `host` (case ignored, the default port written
/// or not), or `null` beside `sec_fetch_site="same-origin"` (a page under
/// `Referrer-Policy: no-referrer`). `None` for a header the request does not
/// have; a request with neither passes, so keep a token of your own (a CSRF
/// token) beside it. `str` or `bytes` each.
#[pyfunction]
#[pyo3(signature = (host, origin=None, sec_fetch_site=None))]
pub(crate) fn same_origin<'py>(
    host: &Bound<'py, PyAny>,
    origin: Option<&Bound<'py, PyAny>>,
    sec_fetch_site: Option<&Bound<'py, PyAny>>,
) -> PyResult<bool> {
    let host = args::header_bytes(host, "host")?;
    let optional = |v: Option<&Bound<'py, PyAny>>, what: &str| match v {
        Some(v) if !v.is_none() => args::header_bytes(v, what).map(Some),
        _ => Ok(None),
    };
    let origin = optional(origin, "origin")?;
    let site = optional(sec_fetch_site, "sec_fetch_site")?;
    Ok(samtykke_host::http::same_origin(
        host.as_bytes(),
        origin.as_ref().map(|b| b.as_bytes()),
        site.as_ref().map(|b| b.as_bytes()),
    )
    .is_ok())
}

/// The page language a request asks for, `"da"` or `"en"`, by the rule every
/// front end follows (SPEC §15, §18): the query string's first `lang` field of
/// either value (`query` without the `?`), else the `Accept-Language` range of
/// either with the highest weight (the first among equals; `q=0` is not
/// wanted, a weight that is not an RFC 9110 qvalue is skipped). `None` when the
/// request names neither, for the site's default. Both `str` or `bytes`.
#[pyfunction]
#[pyo3(signature = (query, accept_language))]
pub(crate) fn request_lang(
    query: &Bound<'_, PyAny>,
    accept_language: &Bound<'_, PyAny>,
) -> PyResult<Option<&'static str>> {
    let query = args::header_bytes(query, "query")?;
    let accept = args::header_bytes(accept_language, "accept_language")?;
    Ok(samtykke_host::http::request_lang(query.as_bytes(), accept.as_bytes()).map(|l| l.as_str()))
}

/// What must go at a request (SPEC §6).
///
/// `set_cookie`: `Set-Cookie` header values (without the `Set-Cookie:` prefix)
/// that delete every present cookie that must go, on every domain the host
/// reaches; `storage_keys`: `(kind, name)` pairs of the declared non-cookie items
/// (`local_storage`, `session_storage`, `indexed_db`) of denied categories, for
/// the page script to clear; `undeletable`: the present cookies that must go but
/// that this host cannot delete. Truthy when anything is to be done or reported.
#[pyclass(frozen, module = "samtykke", get_all)]
#[derive(Debug, Clone)]
pub struct DeletionPlan {
    /// `Set-Cookie` deletion header values.
    set_cookie: Vec<String>,
    /// `(kind, name)` of the non-cookie items to clear.
    storage_keys: Vec<(&'static str, String)>,
    /// The present cookies this host cannot delete.
    undeletable: Vec<Undeletable>,
}

/// A present cookie that must go but that the request's host cannot delete.
///
/// `reason` is `outside-reach` (declared on a domain the host does not reach),
/// `invalid-name` or `invalid-path` (cannot be written in a `Set-Cookie` header).
#[pyclass(frozen, module = "samtykke", get_all)]
#[derive(Debug, Clone)]
pub struct Undeletable {
    /// The cookie's name as present.
    name: String,
    /// The id of its category.
    category: String,
    /// Its domain: the declared one, else the request host.
    domain: String,
    /// Why it cannot be deleted here.
    reason: &'static str,
}

impl From<HostUndeletable> for Undeletable {
    fn from(u: HostUndeletable) -> Self {
        Undeletable {
            name: u.name,
            category: u.category,
            domain: u.domain,
            reason: u.reason.as_str(),
        }
    }
}

impl From<HostPlan> for DeletionPlan {
    fn from(p: HostPlan) -> Self {
        DeletionPlan {
            set_cookie: p.set_cookie,
            storage_keys: p
                .storage_keys
                .into_iter()
                .map(|(kind, name)| (kind.as_str(), name))
                .collect(),
            undeletable: p.undeletable.into_iter().map(Undeletable::from).collect(),
        }
    }
}

#[pymethods]
impl DeletionPlan {
    fn __bool__(&self) -> bool {
        !(self.set_cookie.is_empty() && self.storage_keys.is_empty() && self.undeletable.is_empty())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "DeletionPlan(set_cookie={}, storage_keys={}, undeletable=[{}])",
            py_repr(py, &self.set_cookie),
            py_repr(py, &self.storage_keys),
            self.undeletable
                .iter()
                .map(|u| u.__repr__(py))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

#[pymethods]
impl Undeletable {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Undeletable(name={}, category={}, domain={}, reason={})",
            py_repr(py, &self.name),
            py_repr(py, &self.category),
            py_repr(py, &self.domain),
            py_repr(py, self.reason)
        )
    }
}

/// What `filter_set_cookie` kept and dropped: `kept`, the header values to send,
/// in their order; `dropped`, the others, each a `Dropped` with its reason.
#[pyclass(frozen, module = "samtykke", get_all)]
#[derive(Debug, Clone)]
pub struct Filtered {
    /// The header values to send, in their original order.
    kept: Vec<String>,
    /// The header values withheld, in their original order.
    dropped: Vec<Dropped>,
}

/// A `Set-Cookie` header value `filter_set_cookie` withheld.
///
/// `index` is its position among the headers given; `name` the cookie's name
/// (`None` when unparsable); `category` its category id (`None` unless declared
/// and denied); `reason` the denial's reason (`withdrawn`, `provider-refused`,
/// …), `undeclared` or `unparsable`; `message` says it in words.
#[pyclass(frozen, module = "samtykke", get_all)]
#[derive(Debug, Clone)]
pub struct Dropped {
    /// Position among the headers given.
    index: usize,
    /// The header value.
    header: String,
    /// The cookie's name, when the header could be parsed.
    name: Option<String>,
    /// The category id of a declared, denied cookie.
    category: Option<String>,
    /// Why it was dropped.
    reason: &'static str,
    /// The reason in words.
    message: String,
}

impl From<HostFiltered<'_, '_>> for Filtered {
    fn from(f: HostFiltered<'_, '_>) -> Self {
        Filtered {
            kept: f.kept.into_iter().map(str::to_owned).collect(),
            dropped: f
                .dropped
                .into_iter()
                .map(|d| Dropped {
                    index: d.index,
                    header: d.header.to_owned(),
                    name: d.name.map(str::to_owned),
                    category: match d.reason {
                        DropReason::Denied { category, .. } => Some(category.to_owned()),
                        _ => None,
                    },
                    reason: d.reason.as_str(),
                    message: d.reason.to_string(),
                })
                .collect(),
        }
    }
}

#[pymethods]
impl Filtered {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Filtered(kept={}, dropped=[{}])",
            py_repr(py, &self.kept),
            self.dropped
                .iter()
                .map(|d| d.__repr__(py))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

#[pymethods]
impl Dropped {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Dropped(index={}, name={}, reason={})",
            self.index,
            py_repr(py, &self.name),
            py_repr(py, self.reason)
        )
    }
}
