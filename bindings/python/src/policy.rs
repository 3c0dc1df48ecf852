//! `samtykke.Policy`: a loaded, validated policy, shared by the states made under it.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use samtykke::{ConsentState as CoreState, CookieKey};
use samtykke_host::declare::{self, Format, Lang};
use samtykke_host::http::state_from_cookie_header;
use samtykke_host::{lint, OwnedPolicy};

use crate::args;
use crate::columns;
use crate::errors::{cookie_error, invalid, policy_error, py_repr, wrong_type};
use crate::state::ConsentState;
use crate::times::to_time_opt;

/// A site's cookie policy (schema `samtykke/policy/1`), loaded and validated.
///
/// Immutable, and safe to share across threads. Make one with `Policy.from_json`
/// or `Policy.load`; states made under it (`new_state`, `decode_cookie`) keep it
/// alive.
#[pyclass(frozen, module = "samtykke")]
#[derive(Debug)]
pub struct Policy {
    pub(crate) inner: OwnedPolicy,
    /// The JSON it was loaded from, which is what it pickles as (SPEC §17).
    json: Vec<u8>,
}

/// One lint finding: which rule (`id`), where (`path`) and why (`message`).
#[pyclass(frozen, module = "samtykke", get_all)]
#[derive(Debug, Clone)]
pub struct LintWarning {
    /// The rule's stable id, such as `outlives-consent`.
    id: &'static str,
    /// The JSON path it points at, such as `storage[6].duration`.
    path: String,
    /// The reason, in words.
    message: String,
}

#[pymethods]
impl LintWarning {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "LintWarning(id={}, path={}, message={})",
            py_repr(py, self.id),
            py_repr(py, &self.path),
            py_repr(py, &self.message)
        )
    }

    fn __str__(&self) -> String {
        format!("{}: {} [{}]", self.path, self.message, self.id)
    }
}

#[pymethods]
impl Policy {
    /// Loads a policy from its JSON text (`str`, or UTF-8 `bytes`).
    ///
    /// Raises `PolicyError` naming the JSON path of the first rule the document
    /// breaks (SPEC §3), and `TypeError` for anything but `str` or `bytes`.
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &Bound<'_, PyAny>) -> PyResult<Policy> {
        let bytes = if let Ok(s) = json.cast::<PyString>() {
            s.to_cow()?.into_owned().into_bytes()
        } else if let Ok(b) = json.cast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else {
            return Err(wrong_type("json", "a str or bytes", json));
        };
        py.detach(|| OwnedPolicy::from_slice(&bytes))
            .map(|inner| Policy { inner, json: bytes })
            .map_err(|e| policy_error(py, &e))
    }

    /// Loads a policy from a JSON file (a `str` or `os.PathLike` path).
    ///
    /// Raises `OSError` (such as `FileNotFoundError`) when the file cannot be
    /// read, and `PolicyError`, prefixed with the file, when it does not load.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Policy> {
        let inner = py
            .detach(|| OwnedPolicy::load(&path))
            .map_err(|e| policy_error(py, &e))?;
        // Kept for pickling; the file was just read whole.
        let json = py.detach(|| std::fs::read(&path))?;
        Ok(Policy { inner, json })
    }

    /// Pickles as its JSON: `Policy.from_json(the document's bytes)`, so a
    /// policy reaches Spark's executors (SPEC §17).
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let from_json = slf.get_type().getattr("from_json")?;
        Ok((from_json, (PyBytes::new(py, &slf.get().json),)))
    }

    /// The lint warnings of the policy (a list of `LintWarning`): tracking cookies
    /// declared necessary, items that outlive their consent, missing texts, …
    fn lint(&self) -> Vec<LintWarning> {
        lint(&self.inner)
            .into_iter()
            .map(|w| LintWarning {
                id: w.id.as_str(),
                path: w.path,
                message: w.message,
            })
            .collect()
    }

    /// The cookie declaration the site publishes, the text `samtykke declare`
    /// prints: `lang` `"da"` or `"en"`; `format` `"markdown"`, `"html"` (a
    /// complete, styled page) or `"html-fragment"` (its content alone, for the
    /// site's own `<main>`). Another language or format raises `ValueError`.
    #[pyo3(signature = (lang="da", format="html"))]
    fn declaration(&self, py: Python<'_>, lang: &str, format: &str) -> PyResult<String> {
        let names = |all: &[&str]| {
            all.iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let l = Lang::parse(lang).ok_or_else(|| {
            let all = Lang::ALL.map(Lang::as_str);
            invalid(
                py,
                format!(
                    "lang must be one of {}, not {}",
                    names(&all),
                    py_repr(py, lang)
                ),
            )
        })?;
        let f = Format::parse(format).ok_or_else(|| {
            let all = Format::ALL.map(Format::as_str);
            invalid(
                py,
                format!(
                    "format must be one of {}, not {}",
                    names(&all),
                    py_repr(py, format)
                ),
            )
        })?;
        Ok(py.detach(|| declare::render(&self.inner.view(), l, f)))
    }

    /// A visitor who has decided nothing (R1).
    ///
    /// `consent_id` is the visitor's 128-bit consent id, as an `int` or 32 hex
    /// digits; by default a random one (from `os.urandom`).
    #[pyo3(signature = (consent_id=None))]
    fn new_state(
        slf: &Bound<'_, Self>,
        consent_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ConsentState> {
        let py = slf.py();
        let id = match consent_id {
            Some(id) if !id.is_none() => parse_consent_id(id)?,
            _ => {
                let bytes = py.import("os")?.call_method1("urandom", (16,))?;
                let bytes = bytes.cast::<PyBytes>()?.as_bytes();
                let mut id = [0u8; 16];
                id.copy_from_slice(bytes.get(..16).unwrap_or(&[0; 16]));
                u128::from_be_bytes(id)
            }
        };
        Ok(ConsentState::new(
            slf.clone().unbind(),
            CoreState::new(id),
            None,
        ))
    }

    /// Reads a consent cookie value (`v1.…`) into a `ConsentState`.
    ///
    /// With `key` (`bytes`), the cookie must carry a tag that verifies under the
    /// key and this policy's site; without one, a tag is skipped unverified.
    /// Raises `CookieError` naming what is wrong.
    #[pyo3(signature = (value, key=None))]
    fn decode_cookie(
        slf: &Bound<'_, Self>,
        value: &Bound<'_, PyAny>,
        key: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ConsentState> {
        let py = slf.py();
        let value = args::string(value, "value")?;
        let key = args::key(key)?;
        let view = slf.get().inner.view();
        match CoreState::decode_cookie(&view, value.as_bytes(), key) {
            Ok(state) => Ok(ConsentState::new(slf.clone().unbind(), state, None)),
            Err(e) => Err(cookie_error(py, &e)),
        }
    }

    /// The decision a banner's or the settings' form asks for, read by the
    /// rule every front end follows (SPEC §15, §18): `content_type` is the
    /// post's `Content-Type` (`None`: none was sent; WSGI's
    /// `environ.get("CONTENT_TYPE")`), which must be
    /// `application/x-www-form-urlencoded`; `body` the post's body (`bytes` or
    /// `str`, at most 16 KiB), its action in the field `action_field`. Returns
    /// a dict: `action` (`accept_all`, `reject_all`, `save`, `withdraw`),
    /// `notice`, `control`, `granted` (ids, for `save`), `categories` (ids for
    /// `withdraw`, `None`: all) and `consent_id` (32 hex digits or `None`). A
    /// post that asks for no decision raises `FormError` (code 505) whose
    /// `.path` is the field at fault and `.status` the HTTP status to answer.
    #[pyo3(signature = (content_type, body, action_field="action"))]
    fn decision_form(
        slf: &Bound<'_, Self>,
        content_type: Option<&Bound<'_, PyAny>>,
        body: &Bound<'_, PyAny>,
        action_field: &str,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let content_type = content_type
            .map(|t| args::header_bytes(t, "content_type"))
            .transpose()?;
        let body = args::header_bytes(body, "body")?;
        let view = slf.get().inner.view();
        let read = samtykke_host::form::read_decision_form(
            &view,
            content_type.as_ref().map(|t| t.as_bytes()),
            body.as_bytes(),
            action_field,
        );
        match read {
            Ok(form) => {
                let json = py.import("json")?;
                Ok(json.call_method1("loads", (form.to_json(&view),))?.unbind())
            }
            Err(e) => {
                let text = e.to_string();
                let err = crate::errors::error(py, e.code(), text.clone(), Some(e.field()), &text);
                match err.value(py).setattr("status", e.status()) {
                    Ok(()) => Err(err),
                    Err(set) => Err(set),
                }
            }
        }
    }

    /// The state a request arrives with, read from its raw `Cookie` header
    /// (`bytes` as a server or a log holds it, or `str`; a `str` holding lone
    /// surrogates, as `os.environ` gives a header that is not UTF-8, is read
    /// as its original bytes) by the rule every front end follows (SPEC §15,
    /// §18): of the consent cookies sent, the first that verifies under one of
    /// `keys` (`bytes`, or an iterable of them, the one that signs first), tried
    /// in order, wins; a piece of the header that is not UTF-8 or holds a
    /// control character is skipped. `keys=None` reads unverified: the first
    /// that decodes wins, only what the browser claims. An empty list verifies
    /// nothing.
    ///
    /// Returns `(state, key_index)`, `key_index` being the key it verified under
    /// (0 when read unverified; above 0 an older key), or `None` for a new
    /// visitor: no consent cookie, or none that verifies. Never raises for what
    /// a browser sent.
    #[pyo3(signature = (header, keys=None))]
    fn state_from_cookie_header(
        slf: &Bound<'_, Self>,
        header: &Bound<'_, PyAny>,
        keys: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<(ConsentState, usize)>> {
        let py = slf.py();
        let header = args::header_bytes(header, "header")?;
        let header = header.as_bytes();
        let keys: Option<Vec<CookieKey>> = match keys {
            None => None,
            Some(k) if k.is_none() => None,
            Some(k) if k.is_instance_of::<PyBytes>() => Some(vec![CookieKey::new(args::site_key(
                k.cast::<PyBytes>()?.as_bytes(),
                "keys",
            )?)]),
            Some(k) => {
                let what = "bytes, an iterable of bytes or None";
                // A str (or any bytes-like value) would iterate as characters.
                if k.is_instance_of::<PyString>() || k.hasattr(pyo3::intern!(py, "decode"))? {
                    return Err(wrong_type("keys", what, k));
                }
                let iter = k.try_iter().map_err(|_| wrong_type("keys", what, k))?;
                let mut keys = Vec::new();
                for item in iter {
                    let item = item?;
                    match item.cast::<PyBytes>() {
                        Ok(b) => keys.push(CookieKey::new(args::site_key(
                            b.as_bytes(),
                            "each item of keys",
                        )?)),
                        Err(_) => return Err(wrong_type("each item of keys", "bytes", &item)),
                    }
                }
                Some(keys)
            }
        };
        let view = slf.get().inner.view();
        Ok(
            state_from_cookie_header(&view, [header], keys.as_deref()).map(|a| {
                (
                    ConsentState::new(slf.clone().unbind(), a.state, None),
                    a.key_index,
                )
            }),
        )
    }

    /// Decodes many consent cookies in one call, into columns.
    ///
    /// `values` is any iterable of cookie values (`str` or `bytes`), or an Arrow
    /// array or stream of strings or binaries (a pyarrow array, a polars or
    /// pandas Series), read without a Python object per row. The result is
    /// a `CookieColumns`, a read-only mapping of equally long lists (each built
    /// on first access): `consent_id` (32 hex
    /// digits), `decided_at` and `expires` (UTC epoch seconds), `revision` (of the
    /// last full decision), one column per category, the exempt one too (named by its id, or
    /// `category:<id>` where the id is one of these column names) and `error`.
    /// A row that does not decode has `None` everywhere but in `error`, which says
    /// why; `error` is `None` on the rows that decoded. Items that are not
    /// strings (such as a missing `None`) are errors of their row too.
    ///
    /// A category column holds the category's standing at `now` (an aware
    /// datetime; default the present, SPEC §10): `granted`, or why it is not:
    /// `refused`, `withdrawn`, `signal`, `undecided`, `expired` (R16) or
    /// `outdated` (R17). Pass `now` for an answer that does not move with the
    /// clock; `policy.decode_cookie(value).decisions` gives what one cookie
    /// stores.
    ///
    /// The result exports its columns through the Arrow PyCapsule interface, so
    /// `pyarrow.table(cols)` and `polars.DataFrame(cols)` take them without a
    /// copy; `to_arrow()`, `to_pandas()` and `to_polars()` are shorthands.
    #[pyo3(signature = (values, key=None, *, now=None))]
    fn decode_cookies<'py>(
        slf: &Bound<'py, Self>,
        values: &Bound<'py, PyAny>,
        key: Option<&Bound<'py, PyAny>>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = args::key(key)?.map(CookieKey::new);
        let now = to_time_opt(now, "now")?.unwrap_or_else(time::OffsetDateTime::now_utc);
        if values.is_instance_of::<PyString>() || values.is_instance_of::<PyBytes>() {
            return Err(wrong_type("values", "an iterable of cookie values", values));
        }
        let py = slf.py();
        if values.hasattr(pyo3::intern!(py, "__arrow_c_array__"))?
            || values.hasattr(pyo3::intern!(py, "__arrow_c_stream__"))?
        {
            return columns::decode_arrow(py, &slf.get().inner, values, key.as_ref(), now);
        }
        let iter = values
            .try_iter()
            .map_err(|_| wrong_type("values", "an iterable of cookie values", values))?;
        let rows = values.len().unwrap_or(0);
        columns::decode(slf.py(), &slf.get().inner, iter, rows, key.as_ref(), now)
    }

    /// The site's domain, such as `kk.dk`.
    #[getter]
    fn site(&self) -> &str {
        self.inner.view().policy().site
    }

    /// The policy's revision, raised on every change.
    #[getter]
    fn revision(&self) -> u32 {
        self.inner.view().policy().revision
    }

    /// The version of the banner text (the default `notice` of events).
    #[getter]
    fn notice_version(&self) -> u16 {
        self.inner.view().policy().notice_version
    }

    /// The ids of every category, `necessary` included, in document order.
    #[getter]
    fn categories(&self) -> Vec<&str> {
        let view = self.inner.view();
        view.policy().categories.iter().map(|c| c.id).collect()
    }

    /// The ids of the categories that need consent, in document order.
    #[getter]
    fn consent_categories(&self) -> Vec<&str> {
        let view = self.inner.view();
        view.consent_categories().map(|c| c.id).collect()
    }

    /// The ids of every provider, in document order.
    #[getter]
    fn providers(&self) -> Vec<&str> {
        let view = self.inner.view();
        view.policy().providers.iter().map(|p| p.id).collect()
    }

    /// The name of the consent cookie.
    #[getter]
    fn consent_cookie(&self) -> &str {
        self.inner.view().policy().consent_cookie.name
    }

    /// Lifetime of a grant, in days (R16).
    #[getter]
    fn consent_ttl_days(&self) -> u16 {
        self.inner.view().policy().consent_ttl_days
    }

    /// Lifetime of a refusal, in days (R14, R16).
    #[getter]
    fn refusal_ttl_days(&self) -> u16 {
        self.inner.view().policy().refusal_ttl_days
    }

    /// How long proof outlives the decision it proves, in days (R19).
    #[getter]
    fn proof_retention_days(&self) -> u16 {
        self.inner.view().policy().proof_retention_days
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let view = self.inner.view();
        let p = view.policy();
        format!(
            "Policy(site={}, revision={})",
            py_repr(py, p.site),
            p.revision
        )
    }
}

/// A consent id from an `int` in `0..2**128` or a string of 32 hex digits.
fn parse_consent_id(id: &Bound<'_, PyAny>) -> PyResult<u128> {
    let py = id.py();
    let range = || {
        invalid(
            py,
            "consent_id must be in 0..2**128, or 32 hex digits".into(),
        )
    };
    if let Ok(s) = id.cast::<PyString>() {
        let s = s.to_cow()?;
        return samtykke::ConsentId::parse(&s)
            .map(|id| id.0)
            .ok_or_else(range);
    }
    if id.is_instance_of::<pyo3::types::PyInt>() && !id.is_instance_of::<pyo3::types::PyBool>() {
        return id.extract::<u128>().map_err(|_| range());
    }
    Err(wrong_type(
        "consent_id",
        "an int, a str of 32 hex digits or None",
        id,
    ))
}
