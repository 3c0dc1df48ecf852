//! Aware `datetime`s in and out: the core counts whole UTC seconds.

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDateTime, PyTzInfo};
use time::OffsetDateTime;

use crate::errors::wrong_type;

const SECONDS_PER_DAY: i64 = 86_400;

/// 1970-01-01 00:00 UTC as an aware `datetime`, to subtract from.
fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyDateTime>> {
    static EPOCH: PyOnceLock<Py<PyDateTime>> = PyOnceLock::new();
    let epoch = EPOCH.get_or_try_init(py, || {
        let utc = PyTzInfo::utc(py)?;
        PyDateTime::new(py, 1970, 1, 1, 0, 0, 0, 0, Some(&utc)).map(Bound::unbind)
    })?;
    Ok(epoch.bind(py))
}

/// The instant of an aware `datetime`, floored to whole seconds.
///
/// A naive `datetime` is a `ValueError` (it names no instant); anything else a
/// `TypeError`. `what` names the argument in the message.
pub(crate) fn to_time(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<OffsetDateTime> {
    let py = obj.py();
    let Ok(dt) = obj.cast::<PyDateTime>() else {
        return Err(wrong_type(what, "a timezone-aware datetime", obj));
    };
    if dt.call_method0(intern!(py, "utcoffset"))?.is_none() {
        return Err(PyValueError::new_err(format!(
            "{what} is a naive datetime; give it a time zone, such as datetime.timezone.utc"
        )));
    }
    // timedelta normalises to whole days and 0 <= seconds < 86400, so this floors.
    let delta = dt.sub(epoch(py)?)?;
    let days: i64 = delta.getattr(intern!(py, "days"))?.extract()?;
    let seconds: i64 = delta.getattr(intern!(py, "seconds"))?.extract()?;
    OffsetDateTime::from_unix_timestamp(days * SECONDS_PER_DAY + seconds)
        .map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

/// An optional time argument (`None` stays `None`).
pub(crate) fn to_time_opt(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Option<OffsetDateTime>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => to_time(o, what).map(Some),
    }
}

/// A time as an aware `datetime` in UTC.
///
/// # Errors
///
/// `ValueError` for a time outside the years `datetime` holds (1 to 9999), which
/// only a decoded cookie can carry.
pub(crate) fn from_time(py: Python<'_>, t: OffsetDateTime) -> PyResult<Bound<'_, PyDateTime>> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = t.year();
    if !(1..=9999).contains(&year) {
        return Err(PyValueError::new_err(format!(
            "the time {} s after the epoch is outside the years datetime holds (1 to 9999)",
            t.unix_timestamp()
        )));
    }
    let utc = PyTzInfo::utc(py)?;
    PyDateTime::new(
        py,
        year,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        0,
        Some(&utc),
    )
}

/// An optional time as an aware `datetime` or `None`.
pub(crate) fn from_time_opt(
    py: Python<'_>,
    t: Option<OffsetDateTime>,
) -> PyResult<Option<Bound<'_, PyDateTime>>> {
    t.map(|t| from_time(py, t)).transpose()
}

/// Microseconds since 1970 as an aware `datetime` in UTC, to the microsecond.
pub(crate) fn from_micros(py: Python<'_>, us: i64) -> PyResult<Bound<'_, PyDateTime>> {
    let t = OffsetDateTime::from_unix_timestamp(us.div_euclid(1_000_000))
        .map_err(|e| PyValueError::new_err(format!("{us} microseconds: {e}")))?;
    if !(1..=9999).contains(&t.year()) {
        return Err(PyValueError::new_err(format!(
            "the time {us} µs after the epoch is outside the years datetime holds (1 to 9999)"
        )));
    }
    utc_datetime(py, t, us.rem_euclid(1_000_000) as u32)
}

/// A TC string's time (deciseconds since 1970, 36 bits: never past 2187) as an
/// aware `datetime` in UTC, to the decisecond.
pub(crate) fn from_deciseconds(py: Python<'_>, ds: u64) -> PyResult<Bound<'_, PyDateTime>> {
    let seconds = i64::try_from(ds / 10).unwrap_or(i64::MAX);
    let t = OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|e| PyValueError::new_err(format!("{ds} deciseconds: {e}")))?;
    utc_datetime(py, t, (ds % 10) as u32 * 100_000)
}

/// `t`'s whole seconds and `micros` as an aware `datetime` in UTC.
fn utc_datetime(py: Python<'_>, t: OffsetDateTime, micros: u32) -> PyResult<Bound<'_, PyDateTime>> {
    let utc = PyTzInfo::utc(py)?;
    PyDateTime::new(
        py,
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        micros,
        Some(&utc),
    )
}
