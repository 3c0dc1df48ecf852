//! Python exceptions, mapped from the core's one table of result codes.

use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::IntoPyObjectExt;
use samtykke::{Code, CookieError as CoreCookieError, CookieField};
use samtykke_host::{LoadErrorKind, PolicyLoadError};

pyo3::create_exception!(
    samtykke,
    SamtykkeError,
    PyValueError,
    "Base of samtykke's own errors (a ValueError).\n\n\
     Attributes: `code`, the result code (the same number the C library returns); \
     `path`, where the error points (a JSON path such as `storage[3].duration`, a \
     cookie field, or None); `message`, what is wrong, without the path."
);
pyo3::create_exception!(
    samtykke,
    PolicyError,
    SamtykkeError,
    "A policy document that cannot be loaded: `path` names the JSON path \
     (`storage[3].duration`) or the text position (`line 4 column 7`)."
);
pyo3::create_exception!(
    samtykke,
    CookieError,
    SamtykkeError,
    "A consent cookie that does not decode or verify: `path` names the record \
     field at fault where there is one (`decisions`, `tag`)."
);
pyo3::create_exception!(
    samtykke,
    LogError,
    SamtykkeError,
    "A consent-log line or proof record that cannot be read."
);

pyo3::create_exception!(
    samtykke,
    TcfError,
    SamtykkeError,
    "An IAB TCF TC string that does not decode (SPEC §16): `path` names the field \
     (`vendor_consents.start_or_only_vendor_id`), `segment` its segment (0 for the \
     core segment) and `bit` where the field starts in that segment."
);
pyo3::create_exception!(
    samtykke,
    GppError,
    SamtykkeError,
    "An IAB GPP string that does not decode (SPEC §16): `path` names the field, \
     `section` the section id (None for the header) and `bit` where the field \
     starts."
);
pyo3::create_exception!(
    samtykke,
    FormError,
    SamtykkeError,
    "A post that asks for no decision (`Policy.decision_form`): `path` names the \
     field at fault (the action's field, `notice`, `Content-Type`, `body`, …) and \
     `status` the HTTP status to answer: 415 for a post that is not a form, 413 for \
     one over 16 KiB, else 400."
);

/// The Python exception class a result code raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// `TypeError`.
    Type,
    /// `ValueError`.
    Value,
    /// `OSError` (a subclass chosen by the I/O error's kind).
    Os,
    /// `samtykke.SamtykkeError`.
    Samtykke,
    /// `samtykke.PolicyError`.
    Policy,
    /// `samtykke.CookieError`.
    Cookie,
    /// `samtykke.LogError`.
    Log,
    /// `samtykke.TcfError`.
    Tcf,
    /// `samtykke.GppError`.
    Gpp,
    /// `samtykke.FormError`.
    Form,
}

/// The one map from the core's codes to Python exceptions. `Code` is
/// `#[non_exhaustive]`, so a code added to the core after this was written gives
/// `None` (raised as `SamtykkeError`); a test checks every code in `Code::ALL` has
/// its own arm.
pub(crate) fn class_of(code: Code) -> Option<Class> {
    Some(match code {
        Code::NullArgument => Class::Type,
        Code::InvalidArgument | Code::InvalidUtf8 | Code::InvalidTime => Class::Value,
        Code::Io => Class::Os,
        Code::Ok
        | Code::BufferTooSmall
        | Code::Panic
        | Code::StateInvalid
        | Code::StatePolicyMismatch
        | Code::UnknownName
        | Code::HeaderInvalid
        | Code::KeyFileInvalid => Class::Samtykke,
        Code::FormInvalid => Class::Form,
        Code::PolicyUnknownSchema
        | Code::PolicyMalformedJson
        | Code::PolicyMissingField
        | Code::PolicyWrongType
        | Code::PolicyUnknownValue
        | Code::PolicyDuplicateId
        | Code::PolicyDuplicateSlot
        | Code::PolicySlotOutOfRange
        | Code::PolicyUnknownCategory
        | Code::PolicyUnknownProvider
        | Code::PolicyBasisNotAllowed
        | Code::PolicyNecessaryMissing
        | Code::PolicyNecessaryRefusable
        | Code::PolicyExemptNotNecessary
        | Code::PolicyGpcCategory
        | Code::PolicyTooManyCategories
        | Code::PolicyTooManyProviders
        | Code::PolicyTtlOutOfRange
        | Code::PolicyNonPositiveDuration
        | Code::PolicyRevisionOutOfRange
        | Code::PolicyDuplicateDeclaration
        | Code::PolicyTooManyDeclarations
        | Code::PolicyConsentModeExempt => Class::Policy,
        Code::CookieVersion
        | Code::CookieEncoding
        | Code::CookieMalformed
        | Code::CookieUnsigned
        | Code::CookieBadSignature
        | Code::CookieTooLong => Class::Cookie,
        Code::LogInvalid | Code::ProofInvalid => Class::Log,
        Code::TcfInvalid => Class::Tcf,
        Code::GppInvalid => Class::Gpp,
        _ => return None,
    })
}

/// The exception for `code`: `text` is its `str()`; samtykke's own classes also
/// carry `code`, `path` and `message` as attributes.
pub(crate) fn error(
    py: Python<'_>,
    code: Code,
    text: String,
    path: Option<&str>,
    message: &str,
) -> PyErr {
    let class: Bound<'_, PyType> = match class_of(code).unwrap_or(Class::Samtykke) {
        Class::Type => return PyTypeError::new_err(text),
        Class::Value => return PyValueError::new_err(text),
        Class::Os => return PyOSError::new_err(text),
        Class::Samtykke => py.get_type::<SamtykkeError>(),
        Class::Policy => py.get_type::<PolicyError>(),
        Class::Cookie => py.get_type::<CookieError>(),
        Class::Log => py.get_type::<LogError>(),
        Class::Tcf => py.get_type::<TcfError>(),
        Class::Gpp => py.get_type::<GppError>(),
        Class::Form => py.get_type::<FormError>(),
    };
    let err = PyErr::from_type(class, (text,));
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("code", code as u32)?;
        value.setattr("path", path)?;
        value.setattr("message", message)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// A `ValueError` for an argument out of range ([`Code::InvalidArgument`]).
pub(crate) fn invalid(py: Python<'_>, text: String) -> PyErr {
    error(py, Code::InvalidArgument, text, None, "")
}

/// Python's `repr()` of a value, for the `__repr__` of result classes.
pub(crate) fn py_repr<'py, T>(py: Python<'py>, value: T) -> String
where
    T: IntoPyObject<'py>,
{
    value
        .into_bound_py_any(py)
        .and_then(|v| v.repr())
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// A `TypeError` naming what was expected and what came.
pub(crate) fn wrong_type(what: &str, expected: &str, found: &Bound<'_, PyAny>) -> PyErr {
    let name = found
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!("{what} must be {expected}, not {name}"))
}

/// The exception for a policy that does not load: `PolicyError`, or the
/// `OSError` subclass of the I/O error's kind (`FileNotFoundError`, …), whose
/// message names the file.
pub(crate) fn policy_error(py: Python<'_>, e: &PolicyLoadError) -> PyErr {
    if let LoadErrorKind::Io(kind) = e.kind() {
        return PyErr::from(std::io::Error::new(kind, e.to_string()));
    }
    error(py, e.code(), e.to_string(), Some(e.path()), e.message())
}

/// The record field a cookie error points at, if it names one.
fn cookie_field(e: &CoreCookieError) -> Option<CookieField> {
    match *e {
        CoreCookieError::Truncated { field } | CoreCookieError::InvalidField { field, .. } => {
            Some(field)
        }
        CoreCookieError::Unsigned | CoreCookieError::BadSignature => Some(CookieField::Tag),
        _ => None,
    }
}

/// The `CookieError` for a consent cookie that does not decode.
pub(crate) fn cookie_error(py: Python<'_>, e: &CoreCookieError) -> PyErr {
    let text = e.to_string();
    let path = cookie_field(e).map(CookieField::as_str);
    error(py, e.code(), text.clone(), path, &text)
}

/// Class-level defaults, so the attributes exist on the classes too (for
/// `help()` and type checkers' stub tests), not only on raised instances.
pub(crate) fn add_defaults(py: Python<'_>) -> PyResult<()> {
    let base = py.get_type::<SamtykkeError>();
    base.setattr("code", 0u32)?;
    base.setattr("path", py.None())?;
    base.setattr("message", "")?;
    let tcf = py.get_type::<TcfError>();
    tcf.setattr("segment", 0u8)?;
    tcf.setattr("bit", 0u32)?;
    let gpp = py.get_type::<GppError>();
    gpp.setattr("section", py.None())?;
    gpp.setattr("bit", 0u32)?;
    py.get_type::<FormError>().setattr("status", 400u16)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_class() {
        for &code in Code::ALL {
            assert!(
                class_of(code).is_some(),
                "{code:?} falls to the wildcard arm"
            );
        }
        assert_eq!(class_of(Code::PolicyMissingField), Some(Class::Policy));
        assert_eq!(class_of(Code::CookieBadSignature), Some(Class::Cookie));
        assert_eq!(class_of(Code::LogInvalid), Some(Class::Log));
        assert_eq!(class_of(Code::Io), Some(Class::Os));
        assert_eq!(class_of(Code::FormInvalid), Some(Class::Form));
    }
}
