//! Arguments taken from Python: names, strings and keys.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::errors::wrong_type;

/// A `str` argument. Under the stable ABI of Python 3.9 a `str` cannot be
/// borrowed as UTF-8, so it is copied.
pub(crate) fn string(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    match obj.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(wrong_type(what, "a str", obj)),
    }
}

/// The strings of an iterable of `str` (a list, a tuple, a set, a generator).
/// A bare `str` or `bytes` is refused: iterating it would give its characters.
pub(crate) fn strings(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(wrong_type(what, "an iterable of str", obj));
    }
    let iter = obj
        .try_iter()
        .map_err(|_| wrong_type(what, "an iterable of str", obj))?;
    iter.map(|item| {
        let item = item?;
        string(&item, &format!("each item of {what}"))
    })
    .collect()
}

/// An optional iterable of `str`; `None` stays `None`.
pub(crate) fn strings_opt(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Option<Vec<String>>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => strings(o, what).map(Some),
    }
}

/// A site key: `bytes` or `None`.
pub(crate) fn key<'a>(obj: Option<&'a Bound<'_, PyAny>>) -> PyResult<Option<&'a [u8]>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => match o.cast::<PyBytes>() {
            Ok(b) => site_key(b.as_bytes(), "key").map(Some),
            Err(_) => Err(wrong_type("key", "bytes or None", o)),
        },
    }
}

/// A site key of 32 bytes or more (the rule of key files and every other front
/// end, `samtykke_host::keys::site_key`), else `ValueError` naming `what`: a
/// shorter key, the empty one too, signs cookies anyone could forge.
pub(crate) fn site_key<'a>(key: &'a [u8], what: &str) -> PyResult<&'a [u8]> {
    samtykke_host::keys::site_key(key)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("{what}: {e}")))
}

/// A request header's bytes: `bytes` as they are, a `str` as UTF-8 with the
/// lone surrogates of `surrogateescape` (how `os.environ` holds a header that
/// is not UTF-8) back to their original bytes.
pub(crate) fn header_bytes<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.clone());
    }
    if obj.is_instance_of::<PyString>() {
        let py = obj.py();
        return Ok(obj
            .call_method1(pyo3::intern!(py, "encode"), ("utf-8", "surrogateescape"))?
            .cast_into::<PyBytes>()?);
    }
    Err(wrong_type(what, "a str or bytes", obj))
}
