//! `samtykke.audit` and `samtykke.audit_lines`: the consent-log audit (SPEC §8,
//! §10) with the interpreter's lock released while lines are read and checked.
//!
//! Files are opened, read and audited entirely without the lock, by the library's
//! `Source` and `Auditor::read_sources` with the command line's options (every
//! core unless `threads` says otherwise), so the two cost the same. Lines from Python are copied into
//! a buffer in chunks under the lock, and each chunk is audited without it.
//! The report keeps the Rust findings and makes Python objects only when asked.

use std::path::PathBuf;
use std::sync::Arc;

use samtykke_audit::arrow_array::{Array, ArrayRef, RecordBatch};
use samtykke_audit::arrow_schema::{ArrowError, Field, Schema, SchemaRef};

use pyo3::exceptions::{PyImportError, PyOSError, PyOverflowError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::{PyRecordBatch, PySchema};
use samtykke_audit::{
    AuditOptions, Auditor, Checked, Format, InputError, InputErrorKind, ReadError, Report,
    ReportWriter, SchemaError, Sink, Source, Summary, TableLayout, Violation, ViolationId, LINES,
    MAX_NESTING, MAX_THREADS,
};

use crate::errors::{invalid, py_repr, wrong_type};
use crate::policy::Policy;

/// Lines taken from Python per chunk, at most.
const CHUNK_LINES: usize = 4096;
/// Bytes of lines taken from Python per chunk, about.
const CHUNK_BYTES: usize = 1 << 20;

/// The columns of `to_dicts()` rows and of `to_pandas()`, in order: SPEC §9's
/// violation keys.
const ROW_KEYS: [&str; 8] = [
    "id", "file", "line", "visitor", "ts", "cookie", "category", "message",
];

/// The `id` of an input error's row in `to_dicts()`.
const INPUT_ERROR_ID: &str = "input-error";

/// A report that also remembers the order in which violations and input
/// errors came, so that `to_dicts()` gives one list in input order.
#[derive(Debug, Default)]
struct Ordered {
    report: Report,
    /// For each finding in input order: whether it is a violation.
    is_violation: Vec<bool>,
}

impl Sink for Ordered {
    fn violation(&mut self, v: Violation) {
        self.is_violation.push(true);
        self.report.violations.push(v);
    }
    fn input_error(&mut self, e: InputError) {
        self.is_violation.push(false);
        self.report.input_errors.push(e);
    }
}

impl Ordered {
    fn into_report(self, summary: Summary) -> AuditReport {
        let Ordered {
            mut report,
            is_violation,
        } = self;
        report.summary = summary;
        AuditReport {
            report,
            is_violation,
            read_errors: Vec::new(),
            violations: PyOnceLock::new(),
            input_errors: PyOnceLock::new(),
        }
    }
}

/// The result of an audit (SPEC §8, §9): the violations and input errors found,
/// in input order, and counts.
///
/// `violations` and `input_errors` are lists of dicts with the keys of the
/// command line's JSON (`samtykke audit --format json`); `summary` is a dict
/// (`events`, `visitors`, `violations_by_id`, `files`, `lines`, `violations`,
/// `input_errors`); `to_dicts()` and `to_pandas()` give every finding as one
/// row; `to_json()` the command line's JSON document; `exit_code` its exit
/// code; `read_errors` the files not read to their end (the report an
/// `OSError` of `samtykke.audit` carries). `len(report)` counts violations and
/// input errors, so a clean log's report is falsy.
#[pyclass(frozen, module = "samtykke")]
pub struct AuditReport {
    report: Report,
    is_violation: Vec<bool>,
    /// Files not read to their end: name and why, as the command line's
    /// `read_errors`.
    read_errors: Vec<(String, String)>,
    violations: PyOnceLock<Py<PyList>>,
    input_errors: PyOnceLock<Py<PyList>>,
}

impl std::fmt::Debug for AuditReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditReport")
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

fn violation_dict<'py>(py: Python<'py>, v: &Violation) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "id"), v.id.as_str())?;
    d.set_item(intern!(py, "file"), &*v.file)?;
    d.set_item(intern!(py, "line"), v.line)?;
    d.set_item(intern!(py, "visitor"), &v.visitor)?;
    d.set_item(intern!(py, "ts"), &v.ts)?;
    d.set_item(intern!(py, "cookie"), v.cookie.as_deref())?;
    d.set_item(intern!(py, "category"), v.category.as_deref())?;
    d.set_item(intern!(py, "message"), &v.message)?;
    Ok(d)
}

fn input_error_dict<'py>(py: Python<'py>, e: &InputError) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "file"), &*e.file)?;
    d.set_item(intern!(py, "line"), e.line)?;
    d.set_item(intern!(py, "message"), &e.message)?;
    Ok(d)
}

/// An input error as a row beside the violations: every key of a violation,
/// `id` [`INPUT_ERROR_ID`] and no visitor, time, cookie or category.
fn input_error_row<'py>(py: Python<'py>, e: &InputError) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "id"), INPUT_ERROR_ID)?;
    d.set_item(intern!(py, "file"), &*e.file)?;
    d.set_item(intern!(py, "line"), e.line)?;
    d.set_item(intern!(py, "visitor"), py.None())?;
    d.set_item(intern!(py, "ts"), py.None())?;
    d.set_item(intern!(py, "cookie"), py.None())?;
    d.set_item(intern!(py, "category"), py.None())?;
    d.set_item(intern!(py, "message"), &e.message)?;
    Ok(d)
}

fn summary_dict<'py>(py: Python<'py>, s: &Summary) -> PyResult<Bound<'py, PyDict>> {
    let by_id = PyDict::new(py);
    for id in ViolationId::ALL {
        by_id.set_item(id.as_str(), s.count(id))?;
    }
    let d = PyDict::new(py);
    d.set_item("events", s.events)?;
    d.set_item("visitors", s.visitors)?;
    d.set_item("violations_by_id", by_id)?;
    d.set_item("files", s.files)?;
    d.set_item("lines", s.lines)?;
    d.set_item("violations", s.violations())?;
    d.set_item("input_errors", s.input_errors)?;
    Ok(d)
}

#[pymethods]
impl AuditReport {
    /// The violations in input order: dicts with the keys `id`, `file`, `line`,
    /// `visitor`, `ts`, `cookie`, `category` and `message` (`cookie` and
    /// `category` may be None). The list is made on first use and kept.
    #[getter]
    fn violations(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        self.violations
            .get_or_try_init(py, || {
                let items = self
                    .report
                    .violations
                    .iter()
                    .map(|v| violation_dict(py, v))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(PyList::new(py, items)?.unbind())
            })
            .map(|l| l.clone_ref(py))
    }

    /// The input errors in input order: dicts with the keys `file`, `line` and
    /// `message`. A bad line is reported here and not applied; the audit goes on.
    #[getter]
    fn input_errors(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        self.input_errors
            .get_or_try_init(py, || {
                let items = self
                    .report
                    .input_errors
                    .iter()
                    .map(|e| input_error_dict(py, e))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(PyList::new(py, items)?.unbind())
            })
            .map(|l| l.clone_ref(py))
    }

    /// The counts: `events` applied, `visitors` seen, `violations_by_id` (every
    /// id, with 0 for those not found), `files`, `lines` (not blank),
    /// `violations` and `input_errors`. A new dict on each call.
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        summary_dict(py, &self.report.summary)
    }

    /// The exit code `samtykke audit` gives for this report: 2 on any input
    /// or read error, else 1 on any violation, else 0.
    #[getter]
    fn exit_code(&self) -> u8 {
        if self.read_errors.is_empty() {
            self.report.exit_code()
        } else {
            2
        }
    }

    /// The files not read to their end, in the order they failed: dicts with
    /// `file` and `message`, as the command line's JSON has them. Empty but
    /// for the report an exception of `samtykke.audit` carries (a file or an
    /// Arrow stream that failed; a stream's `file` is the empty string). A new
    /// list on each call.
    #[getter]
    fn read_errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for (file, message) in &self.read_errors {
            let d = PyDict::new(py);
            d.set_item(intern!(py, "file"), file)?;
            d.set_item(intern!(py, "message"), message)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Every finding as one row, in input order: violations as in
    /// `violations`, and input errors with the same keys, `id` `"input-error"`
    /// and `visitor`, `ts`, `cookie` and `category` None. New dicts on each call.
    fn to_dicts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let mut violations = self.report.violations.iter();
        let mut errors = self.report.input_errors.iter();
        let mut rows = Vec::with_capacity(self.is_violation.len());
        for &is_violation in &self.is_violation {
            let row = if is_violation {
                violations.next().map(|v| violation_dict(py, v))
            } else {
                errors.next().map(|e| input_error_row(py, e))
            };
            if let Some(row) = row {
                rows.push(row?);
            }
        }
        PyList::new(py, rows)
    }

    /// `to_dicts()` as a `pandas.DataFrame` with the columns `id`, `file`,
    /// `line`, `visitor`, `ts`, `cookie`, `category` and `message` (also when
    /// empty). Raises `ImportError` without pandas.
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pandas = py.import("pandas").map_err(|e| {
            let err = PyImportError::new_err(
                "AuditReport.to_pandas() needs pandas, which is not installed \
                 (pip install pandas, or samtykke[pandas])",
            );
            err.set_cause(py, Some(e));
            err
        })?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("columns", PyList::new(py, ROW_KEYS)?)?;
        pandas.call_method("DataFrame", (self.to_dicts(py)?,), Some(&kwargs))
    }

    /// The violations as an Arrow table (a `pyarrow.Table`): columns `id`,
    /// `file`, `line`, `visitor`, `ts`, `cookie`, `category` and `message`, in
    /// input order, built in Rust. Raises `ImportError` without pyarrow.
    fn violations_table<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(
            py,
            findings_batch(&self.report, &self.is_violation, Which::Violations),
        )
    }

    /// The input errors as an Arrow table (a `pyarrow.Table`): columns `file`,
    /// `line` and `message`. Raises `ImportError` without pyarrow.
    fn input_errors_table<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(
            py,
            findings_batch(&self.report, &self.is_violation, Which::InputErrors),
        )
    }

    /// The violations as a `polars.DataFrame` (the columns of
    /// `violations_table()`), through the Arrow PyCapsule interface. Raises
    /// `ImportError` without polars.
    fn to_polars<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let polars = py.import("polars").map_err(|e| {
            let err = PyImportError::new_err(
                "AuditReport.to_polars() needs polars, which is not installed (pip install polars)",
            );
            err.set_cause(py, Some(e));
            err
        })?;
        let batch = findings_batch(&self.report, &self.is_violation, Which::Violations);
        polars.call_method1("DataFrame", (crate::columns::exporter(py, batch)?,))
    }

    /// Every finding as one Arrow record batch in input order (the rows of
    /// `to_dicts()`), exported through the PyCapsule interface; for
    /// `samtykke.spark`.
    fn _findings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(crate::columns::exporter(
            py,
            findings_batch(&self.report, &self.is_violation, Which::All),
        )?
        .into_any())
    }

    /// The report as the JSON document `samtykke audit --format json` writes
    /// (SPEC §9): `{"violations":[…],"input_errors":[…],"summary":{…}}`.
    fn to_json(&self) -> PyResult<String> {
        let failed =
            |e: std::io::Error| PyOSError::new_err(format!("cannot write the report: {e}"));
        // The command line's own writer, so the document is its document,
        // `read_errors` included; without its closing newline.
        let mut w = ReportWriter::new(Vec::new(), Format::Json);
        for v in &self.report.violations {
            w.violation(v.clone());
        }
        for e in &self.report.input_errors {
            w.input_error(e.clone());
        }
        for (file, message) in &self.read_errors {
            w.read_error(file, message);
        }
        let mut doc = w.finish(&self.report.summary).map_err(failed)?;
        if doc.last() == Some(&b'\n') {
            doc.pop();
        }
        String::from_utf8(doc).map_err(|e| failed(std::io::Error::other(e)))
    }

    fn __len__(&self) -> usize {
        self.is_violation.len()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let s = &self.report.summary;
        format!(
            "AuditReport(events={}, visitors={}, violations={}, input_errors={}, files={})",
            s.events,
            s.visitors,
            s.violations(),
            s.input_errors,
            py_repr(py, s.files)
        )
    }
}

/// An int argument `name` in `min..=max`. One out of that range, however
/// large, is the package's `ValueError` naming the argument (never the
/// `OverflowError` of a conversion); anything but an int stays the `TypeError`
/// of the conversion, which pyo3 prefixes with the argument's name.
fn int_in(obj: &Bound<'_, PyAny>, name: &str, min: i64, max: i64) -> PyResult<i64> {
    let py = obj.py();
    let out_of_range = || {
        // Python writes no int of over 4,300 digits as text.
        let value = obj
            .str()
            .map(|s| s.to_string())
            .unwrap_or_else(|_| "an int of thousands of digits".into());
        invalid(py, format!("{name} must be {min} to {max}, not {value}"))
    };
    match obj.extract::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        Ok(_) => Err(out_of_range()),
        Err(e) if e.is_instance_of::<PyOverflowError>(py) => Err(out_of_range()),
        Err(e) => Err(e),
    }
}

/// `grace_seconds`: the withdrawal grace, a whole number of seconds from 0.
fn grace_arg(obj: &Bound<'_, PyAny>) -> PyResult<u32> {
    int_in(obj, "grace_seconds", 0, u32::MAX.into()).map(|n| n as u32)
}

/// `threads`: `None` (every core) or 1 to [`MAX_THREADS`].
fn threads_arg(obj: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
    if obj.is_none() {
        return Ok(None);
    }
    let max = i64::try_from(MAX_THREADS).unwrap_or(i64::MAX);
    int_in(obj, "threads", 1, max).map(|n| Some(n as usize))
}

/// The options: every core unless `threads` says otherwise, and `--merge` when
/// asked.
fn file_options(grace_seconds: u32, threads: Option<usize>, merge: bool) -> AuditOptions {
    let options = AuditOptions::new()
        .grace_seconds(grace_seconds)
        .merge(merge);
    match threads {
        None => options,
        Some(n) => options.threads(n),
    }
}

/// One path: a `str`, `bytes` or `os.PathLike`, decoded as `os.fsdecode` does
/// (so that `bytes` paths work where `str` ones do).
fn one_path(obj: &Bound<'_, PyAny>) -> Option<PathBuf> {
    let decoded = obj
        .py()
        .import(intern!(obj.py(), "os"))
        .and_then(|os| os.call_method1(intern!(obj.py(), "fsdecode"), (obj,)))
        .ok()?;
    decoded.extract::<PathBuf>().ok()
}

/// The paths of `paths`: one path (`str`, `bytes` or `os.PathLike`), or an
/// iterable of them.
fn path_list(paths: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    const EXPECTED: &str = "a str or os.PathLike path, or a list of them";
    let single = paths.is_instance_of::<PyString>()
        || paths.is_instance_of::<PyBytes>()
        || paths.hasattr(intern!(paths.py(), "__fspath__"))?;
    if single {
        return one_path(paths)
            .map(|p| vec![p])
            .ok_or_else(|| wrong_type("paths", EXPECTED, paths));
    }
    // A file object iterates over its lines, which would be taken for paths.
    if paths.hasattr(intern!(paths.py(), "read"))? {
        return Err(wrong_type(
            "paths",
            "a str or os.PathLike path, or a list of them (a file object's lines are \
             audited by samtykke.audit_lines)",
            paths,
        ));
    }
    let iter = paths
        .try_iter()
        .map_err(|_| wrong_type("paths", EXPECTED, paths))?;
    iter.map(|item| {
        let item = item?;
        one_path(&item).ok_or_else(|| wrong_type("each path", "a str or os.PathLike", &item))
    })
    .collect()
}

/// A file that could not be opened or read, as Python's `OSError` of its kind
/// (`FileNotFoundError`, …) with `filename` set.
fn read_error(py: Python<'_>, e: &ReadError) -> PyErr {
    let name = e.file.clone();
    // A Parquet file whose columns cannot be events: the `LogError` the same
    // columns get as an Arrow table, naming the file too.
    if let Some(schema) = e
        .source
        .get_ref()
        .and_then(|r| r.downcast_ref::<SchemaError>())
    {
        return crate::errors::error(
            py,
            samtykke::Code::LogInvalid,
            format!("{name}: {schema}"),
            Some(&schema.column),
            &schema.message,
        );
    }
    match e.source.raw_os_error() {
        Some(errno) => {
            let text = e.source.to_string();
            // Python writes `[Errno 2] …` itself.
            let text = match text.rfind(" (os error ") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            PyOSError::new_err((errno, text, name))
        }
        None => PyOSError::new_err(format!("{name}: {}", e.source)),
    }
}

/// Which findings an Arrow table holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Violations,
    InputErrors,
    All,
}

/// Findings as one record batch: for violations and all findings the columns of
/// `to_dicts()` (input errors with `id` `input-error`), for input errors `file`,
/// `line` and `message`.
fn findings_batch(report: &Report, is_violation: &[bool], which: Which) -> RecordBatch {
    use samtykke_audit::arrow_array::builder::{StringBuilder, UInt64Builder};
    let mut id = StringBuilder::new();
    let mut file = StringBuilder::new();
    let mut line = UInt64Builder::new();
    let mut visitor = StringBuilder::new();
    let mut ts = StringBuilder::new();
    let mut cookie = StringBuilder::new();
    let mut category = StringBuilder::new();
    let mut message = StringBuilder::new();
    let mut violations = report.violations.iter();
    let mut errors = report.input_errors.iter();
    let order: Box<dyn Iterator<Item = bool>> = match which {
        Which::All => Box::new(is_violation.iter().copied()),
        Which::Violations => Box::new(std::iter::repeat_n(true, report.violations.len())),
        Which::InputErrors => Box::new(std::iter::repeat_n(false, report.input_errors.len())),
    };
    for v in order {
        if v {
            let Some(v) = violations.next() else { break };
            id.append_value(v.id.as_str());
            file.append_value(&*v.file);
            line.append_value(v.line);
            visitor.append_value(&v.visitor);
            ts.append_value(&v.ts);
            cookie.append_option(v.cookie.as_deref());
            category.append_option(v.category.as_deref());
            message.append_value(&v.message);
        } else {
            let Some(e) = errors.next() else { break };
            id.append_value(INPUT_ERROR_ID);
            file.append_value(&*e.file);
            line.append_value(e.line);
            visitor.append_null();
            ts.append_null();
            cookie.append_null();
            category.append_null();
            message.append_value(&e.message);
        }
    }
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(id.finish())),
        ("file", Arc::new(file.finish())),
        ("line", Arc::new(line.finish())),
        ("visitor", Arc::new(visitor.finish())),
        ("ts", Arc::new(ts.finish())),
        ("cookie", Arc::new(cookie.finish())),
        ("category", Arc::new(category.finish())),
        ("message", Arc::new(message.finish())),
    ];
    if which == Which::InputErrors {
        columns.retain(|(name, _)| matches!(*name, "file" | "line" | "message"));
    }
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, a)| {
            Field::new(
                *name,
                a.data_type().clone(),
                !matches!(*name, "file" | "line" | "message" | "id"),
            )
        })
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("findings' columns are built alike")
}

/// A record batch as a `pyarrow.Table`.
fn to_pyarrow(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyAny>> {
    let pyarrow = py.import("pyarrow").map_err(|e| {
        let err = PyImportError::new_err(
            "an Arrow table needs pyarrow, which is not installed (pip install pyarrow, or samtykke[arrow])",
        );
        err.set_cause(py, Some(e));
        err
    })?;
    pyarrow.call_method1("table", (crate::columns::exporter(py, batch)?,))
}

/// Audits the consent logs at `paths` (SPEC §8) against `policy`.
///
/// `paths` is one path (a `str` or `os.PathLike`; `-` is standard input) or a
/// list of them, read in order as one log; gzip files are read transparently,
/// and a `.parquet` file as a table. It may instead be an Arrow table or
/// record-batch stream (pyarrow, polars, DuckDB results: anything with
/// `__arrow_c_stream__` or `__arrow_c_array__`) whose columns are the log's
/// fields (SPEC §17): a null cell is an absent field, `ts` a timestamp with a
/// time zone or an RFC 3339 string; `line` is the row number from 1 and `file`
/// the empty string, unless the table has `file` and `line` columns. A table
/// whose columns cannot be events raises `LogError` naming the column (its
/// `path`).
/// `grace_seconds` lets cookies of a withdrawn category through for that long
/// after the withdrawal (default 0: only its own second). `threads` workers
/// (default: every core) share the visitors; `merge=True` merges the files, each
/// in time order, by time into one clock, as `samtykke audit --merge` does. The
/// interpreter's lock is released while the files are read and checked.
///
/// Returns an `AuditReport`; a log's bad lines are its input errors, never
/// exceptions. Raises `FileNotFoundError` (an `OSError`) for a file that is not
/// there, before anything is audited, `ValueError` for one stream given twice
/// (`-`, standard input, twice, or `-` and `/dev/stdin`), and `TypeError` for arguments of the wrong type. Without
/// `merge` each file is opened when its turn comes, so a log of more files
/// than the process may hold open is read whole. A file that cannot be opened
/// or read to its end (a `.gz` cut short, a read that fails) raises `OSError`,
/// and a Parquet file whose columns cannot be events `LogError` naming the file
/// and the column (its `path`), as for those columns in an Arrow table: for the
/// first such file, once every other file is audited to its end, and the
/// exception's `report` attribute is the
/// `AuditReport` of everything read, each faulty file's whole lines before
/// its fault included, with those files in `read_errors` and `exit_code` 2, as
/// `samtykke audit` reports it.
#[pyfunction]
#[pyo3(signature = (paths, policy, grace_seconds = 0, threads = None, merge = false))]
pub(crate) fn audit(
    py: Python<'_>,
    paths: &Bound<'_, PyAny>,
    policy: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = grace_arg)] grace_seconds: u32,
    #[pyo3(from_py_with = threads_arg)] threads: Option<usize>,
    merge: bool,
) -> PyResult<AuditReport> {
    let arrow = paths.hasattr(intern!(py, "__arrow_c_stream__"))?
        || paths.hasattr(intern!(py, "__arrow_c_array__"))?;
    let paths_or_table = paths;
    let paths = if arrow { Vec::new() } else { path_list(paths)? };
    let policy = policy
        .cast::<Policy>()
        .map_err(|_| wrong_type("policy", "a samtykke.Policy", policy))?;
    let options = file_options(grace_seconds, threads, merge);
    let owned = &policy.get().inner;
    if arrow {
        return audit_table(py, paths_or_table, owned, options);
    }
    // A stream can be read once: given twice, merged readers would share it,
    // each taking lines at random.
    if let Some((first, second)) = samtykke_audit::one_stream_twice(&paths) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "paths: `{first}` and `{second}` are one stream (standard input, a pipe); it can be read once"
        )));
    }
    let merge = options.merges();
    let (mut report, fault) = py
        .detach(|| {
            // A file that is not there fails at once, before anything is read.
            for path in paths.iter().filter(|p| p.as_os_str() != "-") {
                if let Err(source) = std::fs::metadata(path) {
                    let file = path.to_string_lossy().into_owned();
                    return Err(samtykke_audit::ReadError { file, source });
                }
            }
            let mut auditor = Auditor::with_sink(owned.view(), options, Ordered::default());
            let mut faults = Vec::new();
            if merge {
                // Merged files are read together: every one open at once.
                let mut sources = Vec::new();
                for path in &paths {
                    match Source::open(path) {
                        Ok(s) => sources.push(s),
                        Err(e) => faults.push(e),
                    }
                }
                auditor.read_sources(sources, |e| faults.push(e));
            } else {
                // One after the other, each opened when its turn comes.
                for path in &paths {
                    match Source::open(path) {
                        Ok(s) => auditor.read_sources(vec![s], |e| faults.push(e)),
                        Err(e) => faults.push(e),
                    }
                }
            }
            let (sink, summary) = auditor.into_parts();
            Ok((sink.into_report(summary), faults))
        })
        .map_err(|e| read_error(py, &e))?;
    let Some(first) = fault.first() else {
        return Ok(report);
    };
    // The findings of what was read travel with the error, not lost.
    let err = read_error(py, first);
    report.read_errors = fault
        .iter()
        .map(|e| (e.file.clone(), e.source.to_string()))
        .collect();
    err.value(py)
        .setattr(intern!(py, "report"), Py::new(py, report)?)?;
    Err(err)
}

/// A table that cannot be events, as `samtykke.LogError` with `path` the
/// column at fault.
fn schema_error(py: Python<'_>, e: &SchemaError) -> PyErr {
    crate::errors::error(
        py,
        samtykke::Code::LogInvalid,
        e.to_string(),
        Some(&e.column),
        &e.message,
    )
}

/// Audits an Arrow table or record-batch stream (SPEC §17), the lock released;
/// each row's cells are read straight into an event ([`Auditor::read_table`]:
/// with `file`/`line` columns the rows are fed one by one, their cells carried
/// through; without, blocks of rows are read by the workers, visitors sharded
/// among them as a file's lines are). A stream that fails, or a later batch
/// that cannot be events, raises with the report of the rows before it as the
/// exception's `report`, as a file cut short does.
fn audit_table(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    owned: &samtykke_host::OwnedPolicy,
    options: AuditOptions,
) -> PyResult<AuditReport> {
    let unreadable = |what: String| {
        crate::errors::error(
            py,
            samtykke::Code::LogInvalid,
            format!("the Arrow stream failed: {what}"),
            None,
            &what,
        )
    };
    // A pyarrow RecordBatchReader (`from_batches` checks no batch against its
    // schema) is read batch by batch, each batch imported with its own schema
    // and compared with the stream's: through the C stream interface, which
    // carries one schema, a batch of another layout would be read out of
    // bounds.
    let (schema, reader): (SchemaRef, Box<dyn Iterator<Item = BatchRead> + Send>) =
        if table.hasattr(intern!(py, "read_next_batch"))? {
            let schema = table
                .getattr(intern!(py, "schema"))?
                .extract::<PySchema>()?
                .into_inner();
            let batches = PyBatches {
                schema: schema.clone(),
                iter: table.try_iter()?.unbind(),
                index: 0,
            };
            (schema, Box::new(batches))
        } else {
            // An Arrow array that is not of structs (a single column) is no
            // table. Importing malformed data can panic in arrow-rs: an error
            // of the data, not a panic across the boundary.
            let any = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::columns::arrow_ready(table)?.extract::<AnyRecordBatch>()
            }))
            .map_err(|_| unreadable("its data does not match its schema".to_owned()))?
            .map_err(|e: PyErr| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "paths: expected a path, a list of paths or an Arrow table or record-batch \
             stream of events (one column a field), not this Arrow data ({})",
                    e.value(py)
                ))
            })?;
            let reader = any.into_reader()?;
            (reader.schema(), Box::new(reader))
        };
    // A schema that cannot be events is refused before anything is audited.
    TableLayout::new(&schema).map_err(|e| schema_error(py, &e))?;
    let (mut report, outcome) = py.detach(|| {
        let mut auditor = Auditor::with_sink(owned.view(), options, Ordered::default());
        // With `file` and `line` columns their cells are carried through, and
        // under `merge` the table's files are merged by time (SPEC §8, §17).
        // Every batch checked: a stream's later batch that is not of its
        // schema would be read out of bounds.
        let outcome = auditor.read_table("", Checked::new(reader, true));
        let (sink, summary) = auditor.into_parts();
        (sink.into_report(summary), outcome)
    });
    let Err(e) = outcome else {
        return Ok(report);
    };
    let err = match e.get_ref().and_then(|r| r.downcast_ref::<SchemaError>()) {
        Some(e) => schema_error(py, e),
        None => unreadable(e.to_string()),
    };
    // The findings of the rows read travel with the error, not lost.
    report.read_errors = vec![(String::new(), e.to_string())];
    err.value(py)
        .setattr(intern!(py, "report"), Py::new(py, report)?)?;
    Err(err)
}

/// A batch read from an Arrow source.
type BatchRead = Result<RecordBatch, ArrowError>;

/// A pyarrow `RecordBatchReader`'s batches, each imported with its own
/// schema (its `__arrow_c_array__`) and refused, as the stream's error, where
/// its columns are not the stream's.
struct PyBatches {
    schema: SchemaRef,
    iter: Py<pyo3::types::PyIterator>,
    index: usize,
}

impl Iterator for PyBatches {
    type Item = BatchRead;

    fn next(&mut self) -> Option<BatchRead> {
        Python::attach(|py| {
            let item = self.iter.bind(py).clone().next()?;
            let index = self.index;
            self.index += 1;
            let batch = item
                .and_then(|b| b.extract::<PyRecordBatch>())
                .map(PyRecordBatch::into_inner)
                .map_err(|e| ArrowError::ExternalError(Box::new(e)));
            Some(batch.and_then(|batch| {
                let same = batch.schema().fields().len() == self.schema.fields().len()
                    && batch
                        .schema()
                        .fields()
                        .iter()
                        .zip(self.schema.fields())
                        .all(|(a, b)| a.name() == b.name() && a.data_type() == b.data_type());
                if same {
                    Ok(batch)
                } else {
                    Err(ArrowError::SchemaError(format!(
                        "batch {index} is not of the stream's schema: {} against {}",
                        batch.schema(),
                        self.schema
                    )))
                }
            }))
        })
    }
}

/// A line taken from Python: where its text ends in the chunk's buffer, or why
/// it has no text.
enum Entry {
    Text(usize),
    Rejected(String),
}

/// Lines taken from Python under the lock, to be audited without it.
#[derive(Default)]
struct Chunk {
    buf: Vec<u8>,
    entries: Vec<(u64, Entry)>,
}

impl Chunk {
    fn full(&self) -> bool {
        self.entries.len() >= CHUNK_LINES || self.buf.len() >= CHUNK_BYTES
    }

    fn push_text(&mut self, number: u64, text: &[u8]) {
        // A line read from a file object keeps its newline; the audit's own
        // reader splits it off, and so does this.
        let text = text.strip_suffix(b"\n").unwrap_or(text);
        self.buf.extend_from_slice(text);
        self.entries.push((number, Entry::Text(self.buf.len())));
    }

    fn audit(&mut self, auditor: &mut Auditor<'_, Ordered>) {
        let mut start = 0;
        for (number, entry) in self.entries.drain(..) {
            match entry {
                Entry::Text(end) => {
                    auditor.line(number, &self.buf[start..end]);
                    start = end;
                }
                Entry::Rejected(message) => {
                    auditor.reject(number, InputErrorKind::NotJson, message);
                }
            }
        }
        self.buf.clear();
    }
}

/// Writes `obj` as JSON the way `json.dumps` would, into `buf`; the reason
/// when it has no JSON form. `key` is the top-level field it belongs to.
fn write_json(
    buf: &mut Vec<u8>,
    obj: &Bound<'_, PyAny>,
    key: &str,
    depth: usize,
) -> Result<(), String> {
    let no_form =
        |what: &str| format!("not JSON: the value of `{key}` is {what}, which has no JSON form");
    // A dict or list here is at level `depth + 1`, the line's dict at level 1:
    // as deep as the line its JSON stands for may go, and no deeper.
    let too_deep = || {
        Err(format!(
            "not JSON: the value of `{key}` nests more than {MAX_NESTING} deep"
        ))
    };
    if obj.is_none() {
        buf.extend_from_slice(b"null");
    } else if let Ok(b) = obj.cast::<PyBool>() {
        buf.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
    } else if let Ok(s) = obj.cast::<PyString>() {
        let s = s
            .to_cow()
            .map_err(|_| no_form("a str that is not valid Unicode"))?;
        serde_json::to_writer(&mut *buf, &*s).map_err(|e| no_form(&e.to_string()))?;
    } else if obj.is_instance_of::<PyInt>() {
        match obj.extract::<i128>() {
            Ok(n) => buf.extend_from_slice(n.to_string().as_bytes()),
            Err(_) => return Err(no_form("an int too large")),
        }
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        let f = f.value();
        if !f.is_finite() {
            return Err(no_form(&format!("the float {f}")));
        }
        serde_json::to_writer(&mut *buf, &f).map_err(|e| no_form(&e.to_string()))?;
    } else if let Ok(d) = obj.cast::<PyDict>() {
        if depth >= MAX_NESTING {
            return too_deep();
        }
        buf.push(b'{');
        for (i, (k, v)) in d.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            let Ok(k) = k.cast::<PyString>() else {
                return Err(format!(
                    "not JSON: a key of `{key}` is {}, not a str",
                    py_repr(obj.py(), &k)
                ));
            };
            let k = k
                .to_cow()
                .map_err(|_| no_form("a key that is not valid Unicode"))?;
            serde_json::to_writer(&mut *buf, &*k).map_err(|e| no_form(&e.to_string()))?;
            buf.push(b':');
            // Below the top level, messages keep naming the field.
            let inner = if depth == 0 { &*k } else { key };
            write_json(buf, &v, inner, depth + 1)?;
        }
        buf.push(b'}');
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        if depth >= MAX_NESTING {
            return too_deep();
        }
        buf.push(b'[');
        let items = obj.try_iter().map_err(|e| no_form(&e.to_string()))?;
        for (i, item) in items.enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            let item = item.map_err(|e| no_form(&e.to_string()))?;
            write_json(buf, &item, key, depth + 1)?;
        }
        buf.push(b']');
    } else {
        let kind = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        return Err(no_form(&format!("a {kind}")));
    }
    Ok(())
}

/// Takes one line from Python into `chunk`.
fn take_line(chunk: &mut Chunk, number: u64, item: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(s) = item.cast::<PyString>() {
        match s.encode_utf8() {
            Ok(bytes) => chunk.push_text(number, bytes.as_bytes()),
            // Lone surrogates: the bytes as they are, which the audit reports
            // as not UTF-8, where they stand in the line.
            Err(_) => {
                let bytes =
                    s.call_method1(intern!(s.py(), "encode"), ("utf-8", "surrogatepass"))?;
                chunk.push_text(number, bytes.cast::<PyBytes>()?.as_bytes());
            }
        }
    } else if let Ok(b) = item.cast::<PyBytes>() {
        chunk.push_text(number, b.as_bytes());
    } else if item.is_instance_of::<PyDict>() {
        let start = chunk.buf.len();
        match write_json(&mut chunk.buf, item, "", 0) {
            Ok(()) => chunk.entries.push((number, Entry::Text(chunk.buf.len()))),
            Err(message) => {
                chunk.buf.truncate(start);
                chunk.entries.push((number, Entry::Rejected(message)));
            }
        }
    } else {
        return Err(wrong_type(
            &format!("item {number} of lines"),
            "a str, bytes or dict",
            item,
        ));
    }
    Ok(())
}

/// Audits `lines` (SPEC §8) against `policy`: any iterable of JSON lines as
/// `str` or `bytes` (a file opened for reading, say), or of events as dicts.
///
/// Lines are numbered from 1 under the file name `<lines>`; blank ones are
/// skipped. A dict is audited as its JSON text (`json.dumps`); one holding a
/// value JSON has no form for (a `datetime`, a `set`) is an input error.
/// Lines are taken in chunks, each audited with the interpreter's lock
/// released. Returns an `AuditReport`; bad lines are input errors, never
/// exceptions. Raises `TypeError` when `lines` is not an iterable (or is a
/// bare `str`, `bytes` or `dict`) or yields anything but `str`, `bytes` or
/// `dict`.
#[pyfunction]
#[pyo3(signature = (lines, policy, grace_seconds = 0))]
pub(crate) fn audit_lines(
    py: Python<'_>,
    lines: &Bound<'_, PyAny>,
    policy: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = grace_arg)] grace_seconds: u32,
) -> PyResult<AuditReport> {
    const EXPECTED: &str = "an iterable of str, bytes or dict";
    // Iterating these would give characters, bytes or keys, not lines.
    if lines.is_instance_of::<PyString>()
        || lines.is_instance_of::<PyBytes>()
        || lines.is_instance_of::<PyByteArray>()
        || lines.is_instance_of::<PyDict>()
    {
        return Err(wrong_type("lines", EXPECTED, lines));
    }
    let iter = lines
        .try_iter()
        .map_err(|_| wrong_type("lines", EXPECTED, lines))?;
    let policy = policy
        .cast::<Policy>()
        .map_err(|_| wrong_type("policy", "a samtykke.Policy", policy))?;
    let owned = &policy.get().inner;
    let mut auditor = Auditor::with_sink(
        owned.view(),
        AuditOptions::new().grace_seconds(grace_seconds),
        Ordered::default(),
    );
    auditor.file(LINES);
    let mut chunk = Chunk::default();
    for (i, item) in iter.enumerate() {
        take_line(&mut chunk, i as u64 + 1, &item?)?;
        if chunk.full() {
            py.detach(|| chunk.audit(&mut auditor));
        }
    }
    py.detach(|| chunk.audit(&mut auditor));
    let (sink, summary) = auditor.into_parts();
    Ok(sink.into_report(summary))
}

/// Registers the audit's functions and class.
pub(crate) fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AuditReport>()?;
    m.add_function(wrap_pyfunction!(audit, m)?)?;
    m.add_function(wrap_pyfunction!(audit_lines, m)?)?;
    Ok(())
}
