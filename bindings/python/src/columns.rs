//! `Policy.decode_cookies`: many consent cookies into columns, for data teams.
//!
//! The loop stays in Rust and makes as few Python objects as it can: one `str`
//! per consent id, two `int`s per row for the times, and shared strings for the
//! category columns, so its cost stays close to the decode itself (SPEC §12).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyIterator, PyList, PyString, PyType};
use samtykke::{ConsentState as CoreState, CookieKey, Status, Why};
use samtykke_host::OwnedPolicy;
use time::OffsetDateTime;

/// The columns every result has, besides one per consent category.
const FIXED: [&str; 5] = ["consent_id", "decided_at", "expires", "revision", "error"];

/// Every reason a denial can give, in the order of [`status_index`].
const WHYS: [Why; Why::ALL.len()] = Why::ALL;

/// The position of a status among the shared strings: exempt, granted, then
/// the reasons of [`WHYS`].
fn status_index(s: Status) -> usize {
    match s {
        Status::Exempt => 0,
        Status::Granted => 1,
        Status::Denied(why) => 2 + WHYS.iter().position(|&w| w == why).unwrap_or(0),
    }
}

/// 32 lowercase hex digits of a consent id, as proof records write it.
fn hex_id(id: u128) -> [u8; 32] {
    samtykke::ConsentId(id).hex()
}

/// The columns under construction, one vector of Python objects per column.
struct Columns {
    consent_id: Vec<Py<PyAny>>,
    decided_at: Vec<Py<PyAny>>,
    expires: Vec<Py<PyAny>>,
    revision: Vec<Py<PyAny>>,
    categories: Vec<Vec<Py<PyAny>>>,
    error: Vec<Py<PyAny>>,
}

impl Columns {
    fn with_capacity(rows: usize, categories: usize) -> Columns {
        Columns {
            consent_id: Vec::with_capacity(rows),
            decided_at: Vec::with_capacity(rows),
            expires: Vec::with_capacity(rows),
            revision: Vec::with_capacity(rows),
            categories: (0..categories).map(|_| Vec::with_capacity(rows)).collect(),
            error: Vec::with_capacity(rows),
        }
    }

    /// A row that did not decode: `None` everywhere, and why in `error`.
    fn push_error(&mut self, py: Python<'_>, message: &str) {
        self.consent_id.push(py.None());
        self.decided_at.push(py.None());
        self.expires.push(py.None());
        self.revision.push(py.None());
        for column in &mut self.categories {
            column.push(py.None());
        }
        self.error
            .push(PyString::new(py, message).into_any().unbind());
    }
}

fn time_or_none(py: Python<'_>, t: Option<OffsetDateTime>) -> Py<PyAny> {
    match t {
        Some(t) => t
            .unix_timestamp()
            .into_pyobject(py)
            .map_or_else(|_| py.None(), |i| i.into_any().unbind()),
        None => py.None(),
    }
}

/// The class the columns are returned as (`samtykke._columns.CookieColumns`).
fn columns_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    CLASS.import(py, "samtykke._columns", "CookieColumns")
}

/// Decodes every value `values` yields; see `Policy.decode_cookies`.
pub(crate) fn decode<'py>(
    py: Python<'py>,
    policy: &OwnedPolicy,
    values: Bound<'py, PyIterator>,
    rows: usize,
    key: Option<&CookieKey>,
    now: Option<OffsetDateTime>,
) -> PyResult<Bound<'py, PyAny>> {
    let view = policy.view();
    let consent: Vec<_> = view.consent_categories().collect();
    let mut names: Vec<Py<PyAny>> = Vec::with_capacity(2 + WHYS.len());
    for s in [Status::Exempt, Status::Granted]
        .into_iter()
        .chain(WHYS.iter().map(|&w| Status::Denied(w)))
    {
        names.push(PyString::intern(py, s.as_str()).into_any().unbind());
    }

    let mut cols = Columns::with_capacity(rows, consent.len());
    for item in values {
        let item = item?;
        let bytes_owner;
        let bytes: &[u8] = if let Ok(s) = item.cast::<PyString>() {
            match s.encode_utf8() {
                Ok(b) => {
                    bytes_owner = b;
                    bytes_owner.as_bytes()
                }
                Err(e) => {
                    cols.push_error(py, &format!("not UTF-8: {e}"));
                    continue;
                }
            }
        } else if let Ok(b) = item.cast::<PyBytes>() {
            b.as_bytes()
        } else {
            let found = item
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            cols.push_error(py, &format!("expected a str or bytes, found {found}"));
            continue;
        };
        let state = match CoreState::decode_cookie_with(&view, bytes, key) {
            Ok(state) => state,
            Err(e) => {
                cols.push_error(py, &e.to_string());
                continue;
            }
        };
        let hex = hex_id(state.consent_id());
        // Hex digits are ASCII, so always UTF-8.
        let id = std::str::from_utf8(&hex).unwrap_or_default();
        cols.consent_id
            .push(PyString::new(py, id).into_any().unbind());
        let decided = state.decided_at();
        cols.decided_at.push(time_or_none(py, decided));
        cols.expires.push(time_or_none(py, state.expires(&view)));
        cols.revision.push(match decided {
            Some(_) => state
                .decided_revision()
                .into_pyobject(py)
                .map_or_else(|_| py.None(), |i| i.into_any().unbind()),
            None => py.None(),
        });
        for (column, c) in cols.categories.iter_mut().zip(&consent) {
            let status = match now {
                Some(now) => state.category_status(&view, c, now),
                None => state.stored_status(c),
            };
            column.push(names[status_index(status)].clone_ref(py));
        }
        cols.error.push(py.None());
    }

    let dict = PyDict::new(py);
    dict.set_item(FIXED[0], PyList::new(py, cols.consent_id)?)?;
    dict.set_item(FIXED[1], PyList::new(py, cols.decided_at)?)?;
    dict.set_item(FIXED[2], PyList::new(py, cols.expires)?)?;
    dict.set_item(FIXED[3], PyList::new(py, cols.revision)?)?;
    for (c, column) in consent.iter().zip(cols.categories) {
        let list = PyList::new(py, column)?;
        if FIXED.contains(&c.id) {
            dict.set_item(format!("category:{}", c.id), list)?;
        } else {
            dict.set_item(c.id, list)?;
        }
    }
    dict.set_item(FIXED[4], PyList::new(py, cols.error)?)?;
    columns_class(py)?.call1((dict,))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_ids_match_proof_records() {
        let id = 0x0123_4567_89ab_cdef_0011_2233_4455_6677_u128;
        assert_eq!(&hex_id(id), format!("{id:032x}").as_bytes());
        assert_eq!(&hex_id(0), b"00000000000000000000000000000000");
        assert_eq!(&hex_id(u128::MAX), b"ffffffffffffffffffffffffffffffff");
    }

    #[test]
    fn every_status_has_its_own_string() {
        let mut seen = std::collections::HashSet::new();
        for s in [Status::Exempt, Status::Granted]
            .into_iter()
            .chain(WHYS.iter().map(|&w| Status::Denied(w)))
        {
            assert!(seen.insert(status_index(s)), "{s:?}");
        }
    }
}
