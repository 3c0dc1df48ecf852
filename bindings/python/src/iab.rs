//! `samtykke.tcf` and `samtykke.gpp` (SPEC §16): the core's TC string and GPP
//! decoders, their results as Python objects and, for many strings, as columns.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::builder::{ArrayBuilder, StringBuilder};
use arrow_array::types::UInt16Type;
use arrow_array::{
    ArrayRef, BooleanArray, Int64Array, ListArray, PrimitiveArray, RecordBatch, StructArray,
    TimestampMicrosecondArray,
};
use arrow_buffer::{BooleanBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef, Fields};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{
    PyBytes, PyDateTime, PyDict, PyFrozenSet, PyIterator, PyList, PyString, PyTuple,
};
use pyo3::PyTypeInfo;
use samtykke::gpp::{
    GppErrorKind, GppString as CoreGpp, Section, UsNat as CoreUsNat, UspV1 as CoreUsp,
};
use samtykke::tcf::{IdSet, TcString as CoreTc, TcfError as CoreTcfError, VendorSet};

use samtykke_host::vendor_ids::{
    distinct_ids, distinct_runs, restrictions as distinct_restrictions, RestrictionRuns,
};

use crate::errors::{self, wrong_type};
use crate::times::from_deciseconds;

/// Python ints for vendor ids, made once each and shared: a string of a thousand
/// vendors then costs a thousand reference counts, not a thousand allocations.
#[derive(Default)]
struct Ints(Vec<Py<PyAny>>);

impl Ints {
    fn get(&mut self, py: Python<'_>, id: u16) -> PyResult<Py<PyAny>> {
        let i = usize::from(id);
        while self.0.len() <= i {
            let n = self.0.len();
            self.0.push(n.into_pyobject(py)?.into_any().unbind());
        }
        Ok(self.0[i].clone_ref(py))
    }

    fn set(&mut self, py: Python<'_>, ids: impl Iterator<Item = u16>) -> PyResult<Py<PyAny>> {
        let items = ids
            .map(|id| self.get(py, id))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyFrozenSet::new(py, items)?.into_any().unbind())
    }
}

/// The set-valued fields of a TC string, in SPEC §16's order and names.
const SET_FIELDS: [&str; 12] = [
    "special_feature_opt_ins",
    "purposes_consent",
    "purposes_li",
    "vendor_consents",
    "vendor_li",
    "publisher_restrictions",
    "disclosed_vendors",
    "allowed_vendors",
    "pub_purposes_consent",
    "pub_purposes_li",
    "custom_purposes_consent",
    "custom_purposes_li",
];

/// The values of [`SET_FIELDS`] for one string.
fn set_values(py: Python<'_>, tc: &CoreTc<'_>, ints: &mut Ints) -> PyResult<[Py<PyAny>; 12]> {
    let mut make = |ids: &mut dyn Iterator<Item = u16>| ints.set(py, ids);
    let small = |s: IdSet| s.iter().map(u16::from).collect::<Vec<_>>().into_iter();
    let publisher = tc.publisher_tc.unwrap_or_default();
    let mut restrictions = Vec::with_capacity(tc.publisher_restrictions.len());
    for r in &distinct_restrictions(tc) {
        let vendors = make(&mut r.ids())?;
        restrictions.push(PyTuple::new(
            py,
            [
                r.purpose.into_pyobject(py)?.into_any().unbind(),
                r.restriction_type.into_pyobject(py)?.into_any().unbind(),
                vendors,
            ],
        )?);
    }
    Ok([
        make(&mut small(tc.special_feature_opt_ins))?,
        make(&mut small(tc.purposes_consent))?,
        make(&mut small(tc.purposes_li))?,
        make(&mut distinct_ids(&tc.vendor_consents))?,
        make(&mut distinct_ids(&tc.vendor_li))?,
        PyList::new(py, restrictions)?.into_any().unbind(),
        make(&mut tc.disclosed_vendors.iter().flat_map(distinct_ids))?,
        make(&mut tc.allowed_vendors.iter().flat_map(distinct_ids))?,
        make(&mut small(publisher.purposes_consent))?,
        make(&mut small(publisher.purposes_li))?,
        make(&mut small(publisher.custom_purposes_consent))?,
        make(&mut small(publisher.custom_purposes_li))?,
    ])
}

/// A decoded IAB TCF v2.2/v2.3 TC string (SPEC §16).
#[pyclass(frozen, module = "samtykke.tcf", get_all)]
pub(crate) struct TcString {
    version: u8,
    created: Py<PyDateTime>,
    last_updated: Py<PyDateTime>,
    cmp_id: u16,
    cmp_version: u16,
    consent_screen: u8,
    consent_language: String,
    vendor_list_version: u16,
    tcf_policy_version: u8,
    is_service_specific: bool,
    use_non_standard_stacks: bool,
    special_feature_opt_ins: Py<PyAny>,
    purposes_consent: Py<PyAny>,
    purposes_li: Py<PyAny>,
    purpose_one_treatment: bool,
    publisher_cc: String,
    max_vendor_id: u16,
    vendor_consents: Py<PyAny>,
    vendor_li: Py<PyAny>,
    publisher_restrictions: Py<PyAny>,
    disclosed_vendors: Py<PyAny>,
    allowed_vendors: Py<PyAny>,
    pub_purposes_consent: Py<PyAny>,
    pub_purposes_li: Py<PyAny>,
    custom_purposes_consent: Py<PyAny>,
    custom_purposes_li: Py<PyAny>,
    warnings: Vec<&'static str>,
    raw: String,
}

impl TcString {
    fn new(py: Python<'_>, tc: &CoreTc<'_>, raw: &[u8], ints: &mut Ints) -> PyResult<TcString> {
        let [special_feature_opt_ins, purposes_consent, purposes_li, vendor_consents, vendor_li, publisher_restrictions, disclosed_vendors, allowed_vendors, pub_purposes_consent, pub_purposes_li, custom_purposes_consent, custom_purposes_li] =
            set_values(py, tc, ints)?;
        Ok(TcString {
            version: tc.version,
            created: from_deciseconds(py, tc.created)?.unbind(),
            last_updated: from_deciseconds(py, tc.last_updated)?.unbind(),
            cmp_id: tc.cmp_id,
            cmp_version: tc.cmp_version,
            consent_screen: tc.consent_screen,
            consent_language: tc.consent_language_str().to_owned(),
            vendor_list_version: tc.vendor_list_version,
            tcf_policy_version: tc.tcf_policy_version,
            is_service_specific: tc.is_service_specific,
            use_non_standard_stacks: tc.use_non_standard_stacks,
            special_feature_opt_ins,
            purposes_consent,
            purposes_li,
            purpose_one_treatment: tc.purpose_one_treatment,
            publisher_cc: tc.publisher_cc_str().to_owned(),
            max_vendor_id: tc.vendor_consents.max_vendor_id(),
            vendor_consents,
            vendor_li,
            publisher_restrictions,
            disclosed_vendors,
            allowed_vendors,
            pub_purposes_consent,
            pub_purposes_li,
            custom_purposes_consent,
            custom_purposes_li,
            warnings: tc.warnings().map(|w| w.as_str()).collect(),
            raw: String::from_utf8_lossy(raw).into_owned(),
        })
    }
}

#[pymethods]
impl TcString {
    fn __repr__(&self) -> String {
        format!(
            "TcString(cmp_id={}, vendor_list_version={}, raw={:?})",
            self.cmp_id,
            self.vendor_list_version,
            self.raw.get(..12).unwrap_or(&self.raw)
        )
    }
}

/// The `TcfError` for a TC string that does not decode: `path` is the field,
/// with the `segment` and `bit` where it starts.
fn tcf_error(py: Python<'_>, e: &CoreTcfError) -> PyErr {
    let err = errors::error(
        py,
        e.code(),
        e.to_string(),
        Some(e.field),
        &e.kind.to_string(),
    );
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("segment", e.segment)?;
        value.setattr("bit", e.bit)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(x) => x,
    }
}

fn gpp_error(py: Python<'_>, e: &samtykke::gpp::GppError) -> PyErr {
    let message = match e.kind {
        GppErrorKind::Tcf(t) => t.to_string(),
        k => k.to_string(),
    };
    let err = errors::error(py, e.code(), e.to_string(), Some(e.field), &message);
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("section", e.section)?;
        value.setattr("bit", e.bit)?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(x) => x,
    }
}

/// A `str` argument as UTF-8 `bytes`, or a `bytes` argument as it is. A lone
/// surrogate (which UTF-8 has no form for) is written as its three bytes
/// (`surrogatepass`): no TC or GPP string holds one, so the decoder rejects
/// it at its byte, as any other character out of place, instead of a bare
/// `UnicodeEncodeError`.
fn text<'py>(value: &Bound<'py, PyAny>, what: &str) -> PyResult<Bound<'py, PyBytes>> {
    if let Ok(s) = value.cast::<PyString>() {
        return s.encode_utf8().or_else(|_| {
            // `str.encode` itself: a subclass's own `encode` is not called.
            let py = value.py();
            Ok(PyString::type_object(py)
                .call_method1(intern!(py, "encode"), (value, "utf-8", "surrogatepass"))?
                .cast_into::<PyBytes>()?)
        });
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(b.clone());
    }
    Err(wrong_type(what, "a str or bytes", value))
}

/// Decodes one TC string; see `samtykke.tcf.decode`.
#[pyfunction]
pub(crate) fn tcf_decode(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<TcString> {
    let bytes = text(value, "value")?;
    let tc = CoreTc::decode(bytes.as_bytes()).map_err(|e| tcf_error(py, &e))?;
    TcString::new(py, &tc, bytes.as_bytes(), &mut Ints::default())
}

/// The scalar columns of `decode_many`, before the set columns.
const SCALARS: [&str; 15] = [
    "version",
    "created",
    "last_updated",
    "cmp_id",
    "cmp_version",
    "consent_screen",
    "consent_language",
    "vendor_list_version",
    "tcf_policy_version",
    "is_service_specific",
    "use_non_standard_stacks",
    "purpose_one_treatment",
    "publisher_cc",
    "max_vendor_id",
    "warnings",
];

/// A vendor id, purpose or feature in a set column: the TC string's ids are at
/// most 16 bits wide, so the sets are `list<uint16>`.
type Id = u16;

/// The Arrow type of [`Id`].
const ID_TYPE: DataType = DataType::UInt16;

/// The item field of a list column of `data_type` (Arrow's default: `item`,
/// nullable).
fn item(data_type: DataType) -> FieldRef {
    Arc::new(Field::new_list_field(data_type, true))
}

/// Rows of lists under construction: where each row's values end.
struct Offsets {
    ends: Vec<i32>,
    /// Set when a column holds more values than an `i32` offset can count.
    overflow: bool,
}

impl Offsets {
    fn with_capacity(rows: usize) -> Offsets {
        let mut ends = Vec::with_capacity(rows + 1);
        ends.push(0);
        Offsets {
            ends,
            overflow: false,
        }
    }

    /// Ends a row at `len` values.
    #[inline]
    fn close(&mut self, len: usize) {
        let end = i32::try_from(len).unwrap_or_else(|_| {
            self.overflow = true;
            i32::MAX
        });
        self.ends.push(end);
    }

    fn finish(self) -> PyResult<OffsetBuffer<i32>> {
        if self.overflow {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "values: a column would hold more than 2**31 - 1 ids; decode fewer strings at a time",
            ));
        }
        Ok(OffsetBuffer::new(ScalarBuffer::from(self.ends)))
    }
}

/// A set column under construction: its ids, row after row, written from the
/// string's runs of ids without an intermediate list.
struct IdLists {
    offsets: Offsets,
    values: Vec<Id>,
}

impl IdLists {
    fn with_capacity(rows: usize) -> IdLists {
        IdLists {
            offsets: Offsets::with_capacity(rows),
            values: Vec::new(),
        }
    }

    /// Ends the current row.
    #[inline]
    fn close(&mut self) {
        self.offsets.close(self.values.len());
    }

    /// A row of small ids.
    #[inline]
    fn push_small(&mut self, set: IdSet) {
        self.values.extend(set.iter().map(Id::from));
        self.close();
    }

    /// A row of the ids of `runs`, a run at a time.
    #[inline]
    fn push_runs(&mut self, runs: &[(u16, u16)]) {
        push_runs(&mut self.values, runs.iter().copied());
        self.close();
    }

    /// A row of vendor ids; `None` is an absent segment, an empty row.
    #[inline]
    fn push_vendors(&mut self, set: Option<VendorSet<'_>>) {
        if let Some(set) = set {
            extend_ids(&mut self.values, &set);
        }
        self.close();
    }

    fn finish(self, nulls: Option<NullBuffer>) -> PyResult<ListArray> {
        let values = PrimitiveArray::<UInt16Type>::from(self.values);
        Ok(ListArray::new(
            item(ID_TYPE),
            self.offsets.finish()?,
            Arc::new(values),
            nulls,
        ))
    }
}

/// Appends a vendor set's ids, a run of consecutive ids at a time, each id
/// once (see [`extend_range_ids`]).
#[inline]
fn extend_ids(values: &mut Vec<Id>, set: &VendorSet<'_>) {
    if !set.is_range_encoded() {
        // A bit field: written a character at a time into room for every id
        // the field could hold, then cut to the ids it has.
        let len = values.len();
        values.resize(len + usize::from(set.max_vendor_id()) + 6, 0);
        let n = set.write_bit_field(&mut values[len..]).unwrap_or(0);
        values.truncate(len + n);
        return;
    }
    extend_range_ids(values, set);
}

/// [`extend_ids`] of a range list: runs in ascending order (what strings
/// write) are copied as they come; at the first that is not, the set's ids
/// are written again through [`distinct_runs`]. Out of line, so that the
/// bit-field path above, the common one, is compiled on its own.
#[inline(never)]
fn extend_range_ids(values: &mut Vec<Id>, set: &VendorSet<'_>) {
    let len = values.len();
    let mut end: Option<u16> = None;
    for (first, last) in set.runs() {
        if end.is_some_and(|end| first <= end) {
            values.truncate(len);
            push_runs(values, distinct_runs(set));
            return;
        }
        end = Some(last);
        push_runs(values, std::iter::once((first, last)));
    }
}

/// Appends the ids of `runs`.
#[inline]
fn push_runs(values: &mut Vec<Id>, runs: impl Iterator<Item = (u16, u16)>) {
    for (first, last) in runs {
        if first == last {
            values.push(first);
        } else {
            // A half-open range of u32 (`last` may be u16::MAX) extends fastest.
            values.extend((u32::from(first)..u32::from(last) + 1).map(|id| id as Id));
        }
    }
}

/// The columns of `decode_many` under construction, as plain vectors: the
/// scalars of [`SCALARS`], the sets of [`SET_FIELDS`] as lists (the
/// restrictions as a list of `(purpose, restriction_type, vendors)` structs),
/// and `error`. A row that did not decode is null in every column but `error`,
/// so all of them share one validity buffer.
struct TcColumns {
    /// Whether each row decoded.
    valid: Vec<bool>,
    version: Vec<i64>,
    created: Vec<i64>,
    last_updated: Vec<i64>,
    cmp_id: Vec<i64>,
    cmp_version: Vec<i64>,
    consent_screen: Vec<i64>,
    consent_language: StringBuilder,
    vendor_list_version: Vec<i64>,
    tcf_policy_version: Vec<i64>,
    is_service_specific: Vec<bool>,
    use_non_standard_stacks: Vec<bool>,
    purpose_one_treatment: Vec<bool>,
    publisher_cc: StringBuilder,
    max_vendor_id: Vec<i64>,
    warnings: Offsets,
    warning_values: StringBuilder,
    /// [`SET_FIELDS`] but the restrictions, in order.
    sets: [IdLists; 11],
    /// Restrictions of each row.
    restrictions: Offsets,
    purpose: Vec<i64>,
    restriction_type: Vec<i64>,
    /// Vendors of each restriction.
    restricted: IdLists,
    error: StringBuilder,
}

/// The fields of one publisher restriction in the `publisher_restrictions` column.
fn restriction_fields() -> Fields {
    Fields::from(vec![
        Field::new("purpose", DataType::Int64, false),
        Field::new("restriction_type", DataType::Int64, false),
        Field::new_list("vendors", Field::new_list_field(ID_TYPE, true), false),
    ])
}

/// Microseconds since the epoch of a TC string's deciseconds.
fn micros(deciseconds: u64) -> i64 {
    i64::try_from(deciseconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(100_000)
}

impl TcColumns {
    fn with_capacity(rows: usize) -> TcColumns {
        let ints = || Vec::with_capacity(rows);
        let flags = || Vec::with_capacity(rows);
        let letters = || StringBuilder::with_capacity(rows, rows * 2);
        TcColumns {
            valid: flags(),
            version: ints(),
            created: ints(),
            last_updated: ints(),
            cmp_id: ints(),
            cmp_version: ints(),
            consent_screen: ints(),
            consent_language: letters(),
            vendor_list_version: ints(),
            tcf_policy_version: ints(),
            is_service_specific: flags(),
            use_non_standard_stacks: flags(),
            purpose_one_treatment: flags(),
            publisher_cc: letters(),
            max_vendor_id: ints(),
            warnings: Offsets::with_capacity(rows),
            warning_values: StringBuilder::new(),
            sets: std::array::from_fn(|_| IdLists::with_capacity(rows)),
            restrictions: Offsets::with_capacity(rows),
            purpose: Vec::new(),
            restriction_type: Vec::new(),
            restricted: IdLists::with_capacity(0),
            error: StringBuilder::with_capacity(rows, 0),
        }
    }

    /// Decodes the strings of one chunk (or the reasons they are not strings)
    /// into rows, growing each column once to what the chunk needs.
    fn push_chunk(&mut self, texts: &[Result<&[u8], &str>]) {
        let rows: Vec<Row<'_>> = texts
            .iter()
            .map(|t| match t {
                Ok(bytes) => match CoreTc::decode(bytes) {
                    Ok(tc) => Row::Decoded(tc),
                    Err(e) => Row::Error(Cow::Owned(e.to_string())),
                },
                Err(message) => Row::Error(Cow::Borrowed(message)),
            })
            .collect();
        // The restrictions of a row that repeats a purpose and type, each vendor
        // once under it: worked out once, for the room they need and for the
        // rows (rare; any other row's restrictions are read in place).
        let restricted: Vec<Option<Vec<RestrictionRuns>>> = rows
            .iter()
            .map(|row| match row {
                Row::Decoded(tc) if tc.publisher_restrictions.len() > 1 && pairs_repeat(tc) => {
                    Some(distinct_restrictions(tc))
                }
                _ => None,
            })
            .collect();
        let mut most = [0usize; 5];
        for (row, restricted) in rows.iter().zip(&restricted) {
            if let Row::Decoded(tc) = row {
                most[0] += most_ids(&tc.vendor_consents);
                most[1] += most_ids(&tc.vendor_li);
                most[2] += tc.disclosed_vendors.as_ref().map_or(0, most_ids);
                most[3] += tc.allowed_vendors.as_ref().map_or(0, most_ids);
                most[4] += match restricted {
                    Some(list) => list.iter().map(RestrictionRuns::len).sum::<usize>(),
                    None => tc
                        .publisher_restrictions
                        .iter()
                        .map(|r| most_ids(&r.vendors))
                        .sum::<usize>(),
                };
            }
        }
        let [_, _, _, consents, li, disclosed, allowed, ..] = &mut self.sets;
        for (s, n) in [consents, li, disclosed, allowed, &mut self.restricted]
            .into_iter()
            .zip(most)
        {
            s.values.reserve(n);
        }
        for (row, restricted) in rows.iter().zip(&restricted) {
            match row {
                Row::Decoded(tc) => self.push(tc, restricted.as_deref()),
                Row::Error(message) => self.push_error(message),
            }
        }
    }

    /// A row that did not decode: null in every column, and why in `error`.
    fn push_error(&mut self, message: &str) {
        self.valid.push(false);
        for v in [
            &mut self.version,
            &mut self.created,
            &mut self.last_updated,
            &mut self.cmp_id,
            &mut self.cmp_version,
            &mut self.consent_screen,
            &mut self.vendor_list_version,
            &mut self.tcf_policy_version,
            &mut self.max_vendor_id,
        ] {
            v.push(0);
        }
        self.consent_language.append_null();
        self.publisher_cc.append_null();
        self.is_service_specific.push(false);
        self.use_non_standard_stacks.push(false);
        self.purpose_one_treatment.push(false);
        self.warnings.close(self.warning_values.len());
        for s in &mut self.sets {
            s.close();
        }
        self.restrictions.close(self.purpose.len());
        self.error.append_value(message);
    }

    /// A decoded string's row.
    fn push(&mut self, tc: &CoreTc<'_>, restricted: Option<&[RestrictionRuns]>) {
        self.valid.push(true);
        self.version.push(i64::from(tc.version));
        self.created.push(micros(tc.created));
        self.last_updated.push(micros(tc.last_updated));
        self.cmp_id.push(i64::from(tc.cmp_id));
        self.cmp_version.push(i64::from(tc.cmp_version));
        self.consent_screen.push(i64::from(tc.consent_screen));
        self.consent_language
            .append_value(tc.consent_language_str());
        self.vendor_list_version
            .push(i64::from(tc.vendor_list_version));
        self.tcf_policy_version
            .push(i64::from(tc.tcf_policy_version));
        self.is_service_specific.push(tc.is_service_specific);
        self.use_non_standard_stacks
            .push(tc.use_non_standard_stacks);
        self.purpose_one_treatment.push(tc.purpose_one_treatment);
        self.publisher_cc.append_value(tc.publisher_cc_str());
        self.max_vendor_id
            .push(i64::from(tc.vendor_consents.max_vendor_id()));
        for w in tc.warnings() {
            self.warning_values.append_value(w.as_str());
        }
        self.warnings.close(self.warning_values.len());
        let publisher = tc.publisher_tc.unwrap_or_default();
        let [special, purposes, purposes_li, consents, li, disclosed, allowed, pub_consent, pub_li, custom, custom_li] =
            &mut self.sets;
        special.push_small(tc.special_feature_opt_ins);
        purposes.push_small(tc.purposes_consent);
        purposes_li.push_small(tc.purposes_li);
        consents.push_vendors(Some(tc.vendor_consents));
        li.push_vendors(Some(tc.vendor_li));
        disclosed.push_vendors(tc.disclosed_vendors);
        allowed.push_vendors(tc.allowed_vendors);
        pub_consent.push_small(publisher.purposes_consent);
        pub_li.push_small(publisher.purposes_li);
        custom.push_small(publisher.custom_purposes_consent);
        custom_li.push_small(publisher.custom_purposes_li);
        match restricted {
            Some(list) => {
                for r in list {
                    self.purpose.push(i64::from(r.purpose));
                    self.restriction_type.push(i64::from(r.restriction_type));
                    self.restricted.push_runs(&r.runs);
                }
            }
            None => {
                for r in tc.publisher_restrictions.iter() {
                    self.purpose.push(i64::from(r.purpose));
                    self.restriction_type.push(i64::from(r.restriction_type));
                    self.restricted.push_vendors(Some(r.vendors));
                }
            }
        }
        self.restrictions.close(self.purpose.len());
        self.error.append_null();
    }

    /// The columns as one record batch, in the order of [`SCALARS`],
    /// [`SET_FIELDS`] and `error`.
    fn finish(mut self) -> PyResult<RecordBatch> {
        let nulls = if self.valid.iter().all(|&v| v) {
            None
        } else {
            Some(NullBuffer::from(std::mem::take(&mut self.valid)))
        };
        let ints = |v: Vec<i64>| -> ArrayRef {
            Arc::new(Int64Array::new(ScalarBuffer::from(v), nulls.clone()))
        };
        let time = |v: Vec<i64>| -> ArrayRef {
            Arc::new(
                TimestampMicrosecondArray::new(ScalarBuffer::from(v), nulls.clone())
                    .with_timezone("UTC"),
            )
        };
        let flags = |v: Vec<bool>| -> ArrayRef {
            Arc::new(BooleanArray::new(BooleanBuffer::from(v), nulls.clone()))
        };
        let warnings = ListArray::new(
            item(DataType::Utf8),
            self.warnings.finish()?,
            Arc::new(self.warning_values.finish()),
            nulls.clone(),
        );
        let scalars: [ArrayRef; 15] = [
            ints(self.version),
            time(self.created),
            time(self.last_updated),
            ints(self.cmp_id),
            ints(self.cmp_version),
            ints(self.consent_screen),
            Arc::new(self.consent_language.finish()),
            ints(self.vendor_list_version),
            ints(self.tcf_policy_version),
            flags(self.is_service_specific),
            flags(self.use_non_standard_stacks),
            flags(self.purpose_one_treatment),
            Arc::new(self.publisher_cc.finish()),
            ints(self.max_vendor_id),
            Arc::new(warnings),
        ];
        let one = StructArray::new(
            restriction_fields(),
            vec![
                Arc::new(Int64Array::from(self.purpose)) as ArrayRef,
                Arc::new(Int64Array::from(self.restriction_type)),
                Arc::new(self.restricted.finish(None)?),
            ],
            None,
        );
        let restrictions: ArrayRef = Arc::new(ListArray::new(
            item(DataType::Struct(restriction_fields())),
            self.restrictions.finish()?,
            Arc::new(one),
            nulls.clone(),
        ));
        let mut sets = Vec::with_capacity(self.sets.len());
        for s in self.sets {
            sets.push(Arc::new(s.finish(nulls.clone())?) as ArrayRef);
        }
        let mut sets = sets.into_iter();
        let mut columns: Vec<(&str, ArrayRef)> = SCALARS.iter().copied().zip(scalars).collect();
        for name in SET_FIELDS {
            let array = if name == "publisher_restrictions" {
                restrictions.clone()
            } else {
                sets.next().unwrap_or_else(|| restrictions.clone())
            };
            columns.push((name, array));
        }
        columns.push(("error", Arc::new(self.error.finish())));
        RecordBatch::try_from_iter(columns.into_iter().map(|(n, a)| (n.to_owned(), a)))
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
    }
}

/// Decodes many TC strings into columns; see `samtykke.tcf.decode_many`.
#[pyfunction]
pub(crate) fn tcf_decode_many<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    if values.is_instance_of::<PyString>() || values.is_instance_of::<PyBytes>() {
        return Err(wrong_type("values", "an iterable of TC strings", values));
    }
    // An Arrow array or stream (pyarrow, a polars or pandas Series): read from
    // its buffers, as `decode_cookies` reads one, never a Python object a row.
    if values.hasattr(pyo3::intern!(py, "__arrow_c_array__"))?
        || values.hasattr(pyo3::intern!(py, "__arrow_c_stream__"))?
    {
        let any: pyo3_arrow::input::AnyArray = crate::columns::arrow_ready(values)?.extract()?;
        let reader = any.into_reader()?;
        let mut cols = TcColumns::with_capacity(0);
        // A null row's error: what a `None` in an iterable gets.
        let none = text(&py.None().into_bound(py), "value")
            .err()
            .map(|e| e.value(py).to_string())
            .unwrap_or_default();
        let read = py.detach(|| {
            for array in reader {
                let array = array.map_err(|e| e.to_string())?;
                let mut texts: Vec<Result<&[u8], &str>> = Vec::with_capacity(array.len());
                crate::columns::for_each_text(array.as_ref(), |v| {
                    texts.push(v.ok_or(none.as_str()));
                })?;
                for chunk in texts.chunks(CHUNK) {
                    cols.push_chunk(chunk);
                }
            }
            Ok::<_, String>(())
        });
        read.map_err(|m| pyo3::exceptions::PyTypeError::new_err(format!("values: expected {m}")))?;
        let batch = py.detach(|| cols.finish())?;
        return crate::columns::wrap(py, batch);
    }
    let iter: Bound<'py, PyIterator> = values
        .try_iter()
        .map_err(|_| wrong_type("values", "an iterable of TC strings", values))?;
    let mut cols = TcColumns::with_capacity(values.len().unwrap_or(0));
    let mut chunk: Vec<Result<Bound<'py, PyBytes>, String>> = Vec::new();
    let mut iter = iter.peekable();
    while iter.peek().is_some() {
        chunk.clear();
        for item in iter.by_ref().take(CHUNK) {
            let item = item?;
            chunk.push(text(&item, "value").map_err(|e| e.value(py).to_string()));
        }
        let texts: Vec<Result<&[u8], &str>> = chunk
            .iter()
            .map(|t| t.as_ref().map(|b| b.as_bytes()).map_err(String::as_str))
            .collect();
        py.detach(|| cols.push_chunk(&texts));
    }
    let batch = py.detach(|| cols.finish())?;
    crate::columns::wrap(py, batch)
}

/// Strings decoded at a time by `decode_many`: their text is held until their
/// rows are written, so that each column grows once a chunk, to the size the
/// chunk's strings need.
const CHUNK: usize = 1 << 16;

/// A row of `decode_many` before it is written. A chunk's rows live in one
/// vector for as long as the chunk, so the decoded string stays inline rather
/// than in an allocation of its own.
#[allow(clippy::large_enum_variant)]
enum Row<'a> {
    Decoded(CoreTc<'a>),
    Error(Cow<'a, str>),
}

/// Whether two of `tc`'s publisher restrictions have one purpose and type
/// (then their vendors are listed once across them, by
/// [`distinct_restrictions`]).
fn pairs_repeat(tc: &CoreTc<'_>) -> bool {
    let mut met = [0u64; 4];
    for r in tc.publisher_restrictions.iter() {
        let pair = usize::from(r.purpose & 0x3f) << 2 | usize::from(r.restriction_type & 3);
        let bit = 1u64 << (pair % 64);
        if met[pair / 64] & bit != 0 {
            return true;
        }
        met[pair / 64] |= bit;
    }
    false
}

/// At most how many ids a vendor set holds: a bit field's width (and six to
/// spare), or the distinct ids of a range list.
fn most_ids(set: &VendorSet<'_>) -> usize {
    if set.is_range_encoded() {
        // The runs' lengths, exact while they come in ascending order.
        let (mut n, mut end) = (0usize, None::<u16>);
        for (first, last) in set.runs() {
            if end.is_some_and(|end| first <= end) {
                return distinct_runs(set)
                    .map(|(first, last)| usize::from(last - first) + 1)
                    .sum();
            }
            end = Some(last);
            n += usize::from(last - first) + 1;
        }
        n
    } else {
        // `extend_ids` writes a bit field with six ids of room to spare.
        usize::from(set.max_vendor_id()) + 6
    }
}

/// The US Privacy string, GPP section 6.
#[pyclass(frozen, module = "samtykke.gpp", get_all)]
pub(crate) struct UspV1 {
    version: u8,
    notice: String,
    opt_out_sale: String,
    lspa_covered: String,
    raw: String,
}

#[pymethods]
impl UspV1 {
    fn __repr__(&self) -> String {
        format!("UspV1({:?})", self.raw)
    }
}

impl UspV1 {
    fn new(u: &CoreUsp, raw: String) -> UspV1 {
        let c = |b: u8| char::from(b).to_string();
        UspV1 {
            version: u.version,
            notice: c(u.notice),
            opt_out_sale: c(u.opt_out_sale),
            lspa_covered: c(u.lspa_covered),
            raw,
        }
    }
}

/// The US national section, GPP section 7, with its spec's field names; each
/// value is the 2-bit number the string holds (0 not applicable, …).
#[pyclass(frozen, module = "samtykke.gpp", get_all)]
pub(crate) struct UsNat {
    version: u8,
    sharing_notice: u8,
    sale_opt_out_notice: u8,
    sharing_opt_out_notice: u8,
    targeted_advertising_opt_out_notice: u8,
    sensitive_data_processing_opt_out_notice: u8,
    sensitive_data_limit_use_notice: u8,
    sale_opt_out: u8,
    sharing_opt_out: u8,
    targeted_advertising_opt_out: u8,
    sensitive_data_processing: Vec<u16>,
    known_child_sensitive_data_consents: Vec<u16>,
    personal_data_consents: u8,
    mspa_covered_transaction: u8,
    mspa_opt_out_option_mode: u8,
    mspa_service_provider_mode: u8,
    gpc: Option<bool>,
    raw: String,
}

#[pymethods]
impl UsNat {
    fn __repr__(&self) -> String {
        format!("UsNat({:?})", self.raw)
    }
}

impl UsNat {
    fn new(n: &CoreUsNat, raw: String) -> UsNat {
        UsNat {
            version: n.version,
            sharing_notice: n.sharing_notice,
            sale_opt_out_notice: n.sale_opt_out_notice,
            sharing_opt_out_notice: n.sharing_opt_out_notice,
            targeted_advertising_opt_out_notice: n.targeted_advertising_opt_out_notice,
            sensitive_data_processing_opt_out_notice: n.sensitive_data_processing_opt_out_notice,
            sensitive_data_limit_use_notice: n.sensitive_data_limit_use_notice,
            sale_opt_out: n.sale_opt_out,
            sharing_opt_out: n.sharing_opt_out,
            targeted_advertising_opt_out: n.targeted_advertising_opt_out,
            sensitive_data_processing: n
                .sensitive_data_processing()
                .iter()
                .map(|&v| u16::from(v))
                .collect(),
            known_child_sensitive_data_consents: n
                .known_child_sensitive_data_consents()
                .iter()
                .map(|&v| u16::from(v))
                .collect(),
            personal_data_consents: n.personal_data_consents,
            mspa_covered_transaction: n.mspa_covered_transaction,
            mspa_opt_out_option_mode: n.mspa_opt_out_option_mode,
            mspa_service_provider_mode: n.mspa_service_provider_mode,
            gpc: n.gpc,
            raw,
        }
    }
}

/// A GPP section this version does not decode: its id and text.
#[pyclass(frozen, module = "samtykke.gpp", get_all)]
pub(crate) struct GppSection {
    id: u16,
    raw: String,
}

#[pymethods]
impl GppSection {
    fn __repr__(&self) -> String {
        format!("GppSection(id={}, raw={:?})", self.id, self.raw)
    }
}

/// A decoded GPP string (SPEC §16).
#[pyclass(frozen, module = "samtykke.gpp", get_all)]
pub(crate) struct GppString {
    section_ids: Vec<u16>,
    sections: Py<PyDict>,
    raw: String,
}

#[pymethods]
impl GppString {
    fn __repr__(&self) -> String {
        format!("GppString(section_ids={:?})", self.section_ids)
    }
}

/// Decodes one GPP string; see `samtykke.gpp.decode`.
#[pyfunction]
pub(crate) fn gpp_decode(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<GppString> {
    let bytes = text(value, "value")?;
    let gpp = CoreGpp::decode(bytes.as_bytes()).map_err(|e| gpp_error(py, &e))?;
    let sections = PyDict::new(py);
    let mut ints = Ints::default();
    for s in gpp.sections() {
        let raw = String::from_utf8_lossy(s.raw).into_owned();
        let object: Py<PyAny> = match s.section {
            Section::TcfEuV2(tc) => {
                Py::new(py, TcString::new(py, &tc, s.raw, &mut ints)?)?.into_any()
            }
            Section::UspV1(u) => Py::new(py, UspV1::new(&u, raw))?.into_any(),
            Section::UsNat(n) => Py::new(py, UsNat::new(&n, raw))?.into_any(),
            _ => Py::new(py, GppSection { id: s.id, raw })?.into_any(),
        };
        sections.set_item(s.id, object)?;
    }
    Ok(GppString {
        section_ids: gpp.section_ids().collect(),
        sections: sections.unbind(),
        raw: String::from_utf8_lossy(bytes.as_bytes()).into_owned(),
    })
}
