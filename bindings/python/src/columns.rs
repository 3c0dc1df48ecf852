//! `Policy.decode_cookies`: many consent cookies into columns, for data teams.
//!
//! The loop stays in Rust and fills Arrow builders (SPEC §17): the result
//! exports them through the Arrow PyCapsule interface without a Python object
//! per row, and makes a column's list only when it is asked for (one `str` per
//! consent id, an `int` per time, shared strings for the category columns).
//! Values may come as an iterable of `str`/`bytes` or as an Arrow array or
//! stream of strings (a pyarrow array, a polars or pandas Series), read
//! without a Python object per row and with the GIL released.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt16Type};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, FieldRef, Schema};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyCapsule, PyIterator, PyList, PyString, PyTuple, PyType};
use pyo3_arrow::error::PyArrowResult;
use pyo3_arrow::ffi::{
    to_array_pycapsules, to_schema_pycapsule, to_stream_pycapsule, ArrayIterator,
};
use pyo3_arrow::input::AnyArray;
use samtykke::{ConsentState as CoreState, CookieKey, Status, Why};
use samtykke_host::OwnedPolicy;
use time::OffsetDateTime;

/// The columns every result has, besides one per category.
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

/// The columns under construction, as Arrow builders.
struct Columns {
    consent_id: StringBuilder,
    decided_at: Int64Builder,
    expires: Int64Builder,
    revision: Int64Builder,
    categories: Vec<StringBuilder>,
    error: StringBuilder,
}

impl Columns {
    fn with_capacity(rows: usize, categories: usize) -> Columns {
        Columns {
            consent_id: StringBuilder::with_capacity(rows, rows * 32),
            decided_at: Int64Builder::with_capacity(rows),
            expires: Int64Builder::with_capacity(rows),
            revision: Int64Builder::with_capacity(rows),
            categories: (0..categories)
                .map(|_| StringBuilder::with_capacity(rows, rows * 8))
                .collect(),
            error: StringBuilder::new(),
        }
    }

    /// A row that did not decode: null everywhere, and why in `error`.
    fn push_error(&mut self, message: &str) {
        self.consent_id.append_null();
        self.decided_at.append_null();
        self.expires.append_null();
        self.revision.append_null();
        for column in &mut self.categories {
            column.append_null();
        }
        self.error.append_value(message);
    }

    /// Decodes one cookie value into a row.
    fn push(&mut self, d: &Decoder<'_>, bytes: &[u8]) {
        let view = d.policy.view();
        let state = match CoreState::decode_cookie_with(&view, bytes, d.key) {
            Ok(state) => state,
            Err(e) => return self.push_error(&e.to_string()),
        };
        let hex = hex_id(state.consent_id());
        // Hex digits are ASCII, so always UTF-8.
        self.consent_id
            .append_value(std::str::from_utf8(&hex).unwrap_or_default());
        let decided = state.decided_at();
        self.decided_at
            .append_option(decided.map(OffsetDateTime::unix_timestamp));
        self.expires
            .append_option(state.expires(&view).map(OffsetDateTime::unix_timestamp));
        self.revision
            .append_option(decided.map(|_| i64::from(state.decided_revision())));
        for (column, c) in self.categories.iter_mut().zip(&d.categories) {
            let status = state.category_status(&view, c, d.now);
            column.append_value(STATUS[status_index(status)]);
        }
        self.error.append_null();
    }

    /// The columns as one record batch, named as §10 names them.
    fn finish(mut self, d: &Decoder<'_>) -> RecordBatch {
        let mut fields = Vec::with_capacity(FIXED.len() + self.categories.len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(fields.capacity());
        let mut add = |name: String, array: ArrayRef| {
            fields.push(Field::new(name, array.data_type().clone(), true));
            arrays.push(array);
        };
        add(FIXED[0].into(), Arc::new(self.consent_id.finish()));
        add(FIXED[1].into(), Arc::new(self.decided_at.finish()));
        add(FIXED[2].into(), Arc::new(self.expires.finish()));
        add(FIXED[3].into(), Arc::new(self.revision.finish()));
        for (c, column) in d.categories.iter().zip(&mut self.categories) {
            let name = if FIXED.contains(&c.id) {
                format!("category:{}", c.id)
            } else {
                c.id.to_owned()
            };
            add(name, Arc::new(column.finish()));
        }
        add(FIXED[4].into(), Arc::new(self.error.finish()));
        // The columns are built alike, so they are equally long and typed as
        // their fields.
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .expect("columns built alike are one batch")
    }
}

/// The class the columns are returned as (`samtykke._columns.CookieColumns`).
fn columns_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    CLASS.import(py, "samtykke._columns", "CookieColumns")
}

/// What every row is decoded with.
struct Decoder<'p> {
    policy: &'p OwnedPolicy,
    /// Every category of the policy, in its order (SPEC §10: one column each;
    /// an exempt one reads `exempt` on every decoded row).
    categories: Vec<&'p samtykke::Category<'p>>,
    key: Option<&'p CookieKey>,
    now: OffsetDateTime,
}

/// Every status's name, in the order of [`status_index`].
static STATUS: [&str; 2 + WHYS.len()] = {
    let mut names = [""; 2 + WHYS.len()];
    names[0] = Status::Exempt.as_str();
    names[1] = Status::Granted.as_str();
    let mut i = 0;
    while i < WHYS.len() {
        names[2 + i] = Status::Denied(WHYS[i]).as_str();
        i += 1;
    }
    names
};

/// The message of a value that is neither a string nor bytes; an Arrow null
/// is given the one a list's `None` gets, so both inputs give one answer.
fn not_a_value(type_name: &str) -> String {
    format!("expected a str or bytes, found {type_name}")
}

/// Cookie values from an Arrow array of strings or binaries.
fn push_array(cols: &mut Columns, d: &Decoder<'_>, array: &dyn Array) -> Result<(), String> {
    let none = not_a_value("NoneType");
    for_each_text(array, |v| match v {
        Some(bytes) => cols.push(d, bytes),
        None => cols.push_error(&none),
    })
}

/// Each value of an Arrow array of strings or binaries, in order, as bytes
/// (`None` for a null): what `decode_cookies` and `tcf.decode_many` read of
/// an Arrow input.
///
/// # Errors
///
/// The expected type, for an array of another type.
pub(crate) fn for_each_text<'a>(
    array: &'a dyn Array,
    mut f: impl FnMut(Option<&'a [u8]>),
) -> Result<(), String> {
    each_text(array, &mut f)
}

/// [`for_each_text`]'s work, through a `dyn` closure so that a dictionary's
/// values are read by the same function.
fn each_text<'a>(array: &'a dyn Array, f: &mut dyn FnMut(Option<&'a [u8]>)) -> Result<(), String> {
    match array.data_type() {
        DataType::Utf8 => array
            .as_string::<i32>()
            .iter()
            .for_each(|v| f(v.map(str::as_bytes))),
        DataType::LargeUtf8 => array
            .as_string::<i64>()
            .iter()
            .for_each(|v| f(v.map(str::as_bytes))),
        DataType::Utf8View => array
            .as_string_view()
            .iter()
            .for_each(|v| f(v.map(str::as_bytes))),
        DataType::Binary => array.as_binary::<i32>().iter().for_each(f),
        DataType::LargeBinary => array.as_binary::<i64>().iter().for_each(f),
        DataType::BinaryView => array.as_binary_view().iter().for_each(f),
        DataType::Null => (0..array.len()).for_each(|_| f(None)),
        // Dictionary-encoded (pandas' `category`, polars' `Categorical`): each
        // row is its key's value.
        DataType::Dictionary(..) => {
            let d = array.as_any_dictionary();
            let mut texts = Vec::with_capacity(d.values().len());
            each_text(d.values().as_ref(), &mut |v| texts.push(v))?;
            if texts.is_empty() {
                // No values (an empty or all-null column): every row is null.
                // (`normalized_keys` asserts there is a value.)
                (0..array.len()).for_each(|_| f(None));
                return Ok(());
            }
            let nulls = d.keys().logical_nulls();
            for (i, k) in d.normalized_keys().into_iter().enumerate() {
                let null = nulls.as_ref().is_some_and(|n| n.is_null(i));
                f(if null {
                    None
                } else {
                    texts.get(k).copied().flatten()
                });
            }
        }
        other => {
            return Err(format!(
                "an Arrow array of strings or binaries, not of {other}"
            ))
        }
    }
    Ok(())
}

/// `obj` as the Arrow readers here can read it: a polars object with its
/// columns of polars' `Null` type cast to strings, every cell as it was
/// (`samtykke._arrow.without_null_type`: polars exports that type with a
/// buffer the Arrow C Data Interface gives it none, which arrow refuses); any
/// other object as it is.
pub(crate) fn arrow_ready<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let module = obj.get_type().module()?;
    if module.to_cow()?.split('.').next() == Some("polars") {
        return obj
            .py()
            .import(pyo3::intern!(obj.py(), "samtykke._arrow"))?
            .call_method1(pyo3::intern!(obj.py(), "without_null_type"), (obj,));
    }
    Ok(obj.clone())
}

/// Decodes every value of an Arrow array or stream of arrays (a pyarrow
/// array, a polars or pandas Series) without a Python object per row, the GIL
/// released.
pub(crate) fn decode_arrow<'py>(
    py: Python<'py>,
    policy: &OwnedPolicy,
    values: &Bound<'py, PyAny>,
    key: Option<&CookieKey>,
    now: OffsetDateTime,
) -> PyResult<Bound<'py, PyAny>> {
    let any: AnyArray = arrow_ready(values)?.extract()?;
    let reader = any.into_reader()?;
    let view = policy.view();
    let d = Decoder {
        policy,
        categories: view.policy().categories.iter().collect(),
        key,
        now,
    };
    let batch = py.detach(|| {
        let mut cols = Columns::with_capacity(0, d.categories.len());
        for array in reader {
            let array = array.map_err(|e| e.to_string())?;
            push_array(&mut cols, &d, array.as_ref())?;
        }
        Ok::<_, String>(cols.finish(&d))
    });
    match batch {
        Ok(batch) => wrap(py, batch),
        Err(message) => Err(PyTypeError::new_err(format!("values: expected {message}"))),
    }
}

/// Decodes every value `values` yields; see `Policy.decode_cookies`.
pub(crate) fn decode<'py>(
    py: Python<'py>,
    policy: &OwnedPolicy,
    values: Bound<'py, PyIterator>,
    rows: usize,
    key: Option<&CookieKey>,
    now: OffsetDateTime,
) -> PyResult<Bound<'py, PyAny>> {
    let view = policy.view();
    let d = Decoder {
        policy,
        categories: view.policy().categories.iter().collect(),
        key,
        now,
    };
    let mut cols = Columns::with_capacity(rows, d.categories.len());
    for item in values {
        let item = item?;
        if let Ok(s) = item.cast::<PyString>() {
            match s.encode_utf8() {
                Ok(b) => cols.push(&d, b.as_bytes()),
                Err(e) => cols.push_error(&format!("not UTF-8: {e}")),
            }
        } else if let Ok(b) = item.cast::<PyBytes>() {
            cols.push(&d, b.as_bytes());
        } else {
            let found = item
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            cols.push_error(&not_a_value(&found));
        }
    }
    wrap(py, cols.finish(&d))
}

/// Columns of a record batch, as Python sees them: §10's read-only mapping of
/// column name to list (`samtykke.CookieColumns`, each list built on first
/// access) over an [`ArrowColumns`], which exports the batch through the Arrow
/// PyCapsule interface. `decode_cookies` returns this, and so may any other
/// batch decoder.
pub(crate) fn wrap(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyAny>> {
    let native = Bound::new(py, ArrowColumns { batch })?;
    columns_class(py)?.call1((native,))
}

/// A record batch as a bare exporter of the PyCapsule interface (`pyarrow.table`
/// and `polars.DataFrame` take it).
pub(crate) fn exporter(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, ArrowColumns>> {
    Bound::new(py, ArrowColumns { batch })
}

/// Columns built in Rust, exported to Arrow without a copy
/// (`__arrow_c_stream__`, `__arrow_c_array__`, `__arrow_c_schema__`: a
/// struct array of the columns) and to Python lists one column at a time.
#[pyclass(module = "samtykke._native", frozen)]
pub(crate) struct ArrowColumns {
    batch: RecordBatch,
}

impl ArrowColumns {
    fn struct_field(&self) -> FieldRef {
        Arc::new(Field::new_struct(
            "",
            self.batch.schema().fields().clone(),
            false,
        ))
    }

    fn struct_array(&self) -> ArrayRef {
        Arc::new(StructArray::from(self.batch.clone()))
    }
}

#[pymethods]
impl ArrowColumns {
    /// The column names, in order.
    fn names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// Rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column `name` as a list (`None` for a null); `KeyError` if there
    /// is none.
    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyList>> {
        let Some(array) = self.batch.column_by_name(name) else {
            return Err(pyo3::exceptions::PyKeyError::new_err(name.to_owned()));
        };
        let rows = array.len();
        let list: Vec<Py<PyAny>> = match array.data_type() {
            DataType::Int64 => {
                let a = array.as_primitive::<Int64Type>();
                (0..rows)
                    .map(|i| {
                        if a.is_null(i) {
                            Ok(py.None())
                        } else {
                            Ok(a.value(i).into_pyobject(py)?.into_any().unbind())
                        }
                    })
                    .collect::<PyResult<_>>()?
            }
            DataType::Utf8 => {
                let a = array.as_string::<i32>();
                // Statuses repeat: one string object for each.
                let shared: Vec<Py<PyAny>> = STATUS
                    .iter()
                    .map(|s| PyString::intern(py, s).into_any().unbind())
                    .collect();
                (0..rows)
                    .map(|i| {
                        if a.is_null(i) {
                            return py.None();
                        }
                        let v = a.value(i);
                        match STATUS.iter().position(|s| *s == v) {
                            Some(k) => shared[k].clone_ref(py),
                            None => PyString::new(py, v).into_any().unbind(),
                        }
                    })
                    .collect()
            }
            _ => (0..rows)
                .map(|i| py_value(py, array.as_ref(), i))
                .collect::<PyResult<_>>()?,
        };
        PyList::new(py, list)
    }

    /// The columns as an Arrow C stream of one struct array.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyArrowResult<Bound<'py, PyCapsule>> {
        let reader = Box::new(ArrayIterator::new(
            std::iter::once(Ok(self.struct_array())),
            self.struct_field(),
        ));
        to_stream_pycapsule(py, reader, requested_schema)
    }

    /// The columns as one Arrow C struct array and its schema.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyArrowResult<Bound<'py, PyTuple>> {
        to_array_pycapsules(
            py,
            self.struct_field(),
            self.struct_array().as_ref(),
            requested_schema,
        )
    }

    /// The columns' Arrow C schema (a struct).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyArrowResult<Bound<'py, PyCapsule>> {
        to_schema_pycapsule(py, self.struct_field().as_ref())
    }
}

/// Row `i` of `array` as a Python value: `None` for a null, `int`, `bool`,
/// `str`, an aware `datetime` for a timestamp in UTC, a list for a list, a
/// tuple for a struct (the columns of `tcf.decode_many`).
fn py_value(py: Python<'_>, array: &dyn Array, i: usize) -> PyResult<Py<PyAny>> {
    use arrow_array::types::TimestampMicrosecondType;
    use arrow_schema::TimeUnit;
    if array.is_null(i) {
        return Ok(py.None());
    }
    Ok(match array.data_type() {
        DataType::Int64 => array
            .as_primitive::<Int64Type>()
            .value(i)
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        DataType::UInt16 => array
            .as_primitive::<UInt16Type>()
            .value(i)
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        DataType::Boolean => pyo3::types::PyBool::new(py, array.as_boolean().value(i))
            .to_owned()
            .into_any()
            .unbind(),
        DataType::Utf8 => PyString::new(py, array.as_string::<i32>().value(i))
            .into_any()
            .unbind(),
        DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) if tz.as_ref() == "UTC" => {
            let us = array.as_primitive::<TimestampMicrosecondType>().value(i);
            crate::times::from_micros(py, us)?.into_any().unbind()
        }
        DataType::List(_) => {
            let items = array.as_list::<i32>().value(i);
            if items.data_type() == &DataType::UInt16 && items.null_count() == 0 {
                // The id sets of `tcf.decode_many`: no null to look for.
                let ids = items.as_primitive::<UInt16Type>().values();
                return Ok(PyList::new(py, ids.iter())?.into_any().unbind());
            }
            let values = (0..items.len())
                .map(|j| py_value(py, items.as_ref(), j))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, values)?.into_any().unbind()
        }
        DataType::Struct(_) => {
            let row = array.as_struct();
            let values = row
                .columns()
                .iter()
                .map(|c| py_value(py, c.as_ref(), i))
                .collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, values)?.into_any().unbind()
        }
        other => {
            return Err(PyTypeError::new_err(format!(
                "a column of {other}, which has no list form here"
            )))
        }
    })
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
