//! `samtykke.tcf` and `samtykke.gpp` (SPEC §16): the core's TC string and GPP
//! decoders, their results as Python objects and, for many strings, as columns.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Int64Builder, ListBuilder, StringBuilder, StructBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields};
use pyo3::prelude::*;
use pyo3::types::{
    PyBytes, PyDateTime, PyDict, PyFrozenSet, PyIterator, PyList, PyString, PyTuple,
};
use samtykke::gpp::{
    GppErrorKind, GppString as CoreGpp, Section, UsNat as CoreUsNat, UspV1 as CoreUsp,
};
use samtykke::tcf::{IdSet, TcString as CoreTc, TcfError as CoreTcfError};

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
    for r in tc.publisher_restrictions.iter() {
        let vendors = make(&mut r.vendors.iter())?;
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
        make(&mut tc.vendor_consents.iter())?,
        make(&mut tc.vendor_li.iter())?,
        PyList::new(py, restrictions)?.into_any().unbind(),
        make(&mut tc.disclosed_vendors.iter().flat_map(|s| s.iter()))?,
        make(&mut tc.allowed_vendors.iter().flat_map(|s| s.iter()))?,
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

/// A `str` argument as UTF-8 `bytes`, or a `bytes` argument as it is.
fn text<'py>(value: &Bound<'py, PyAny>, what: &str) -> PyResult<Bound<'py, PyBytes>> {
    if let Ok(s) = value.cast::<PyString>() {
        return s.encode_utf8();
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

/// The columns of `decode_many` as Arrow builders: the scalars of [`SCALARS`],
/// the sets of [`SET_FIELDS`] as lists (the restrictions as a list of
/// `(purpose, restriction_type, vendors)` structs), and `error`.
struct TcColumns {
    version: Int64Builder,
    created: TimestampMicrosecondBuilder,
    last_updated: TimestampMicrosecondBuilder,
    cmp_id: Int64Builder,
    cmp_version: Int64Builder,
    consent_screen: Int64Builder,
    consent_language: StringBuilder,
    vendor_list_version: Int64Builder,
    tcf_policy_version: Int64Builder,
    is_service_specific: BooleanBuilder,
    use_non_standard_stacks: BooleanBuilder,
    purpose_one_treatment: BooleanBuilder,
    publisher_cc: StringBuilder,
    max_vendor_id: Int64Builder,
    warnings: ListBuilder<StringBuilder>,
    /// [`SET_FIELDS`] but the restrictions, in order.
    sets: Vec<ListBuilder<Int64Builder>>,
    restrictions: ListBuilder<StructBuilder>,
    error: StringBuilder,
}

/// The fields of one publisher restriction in the `publisher_restrictions` column.
fn restriction_fields() -> Fields {
    Fields::from(vec![
        Field::new("purpose", DataType::Int64, false),
        Field::new("restriction_type", DataType::Int64, false),
        Field::new_list(
            "vendors",
            Field::new_list_field(DataType::Int64, true),
            false,
        ),
    ])
}

/// Microseconds since the epoch of a TC string's deciseconds.
fn micros(deciseconds: u64) -> i64 {
    i64::try_from(deciseconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(100_000)
}

impl TcColumns {
    fn new() -> TcColumns {
        let time = || TimestampMicrosecondBuilder::new().with_timezone("UTC");
        TcColumns {
            version: Int64Builder::new(),
            created: time(),
            last_updated: time(),
            cmp_id: Int64Builder::new(),
            cmp_version: Int64Builder::new(),
            consent_screen: Int64Builder::new(),
            consent_language: StringBuilder::new(),
            vendor_list_version: Int64Builder::new(),
            tcf_policy_version: Int64Builder::new(),
            is_service_specific: BooleanBuilder::new(),
            use_non_standard_stacks: BooleanBuilder::new(),
            purpose_one_treatment: BooleanBuilder::new(),
            publisher_cc: StringBuilder::new(),
            max_vendor_id: Int64Builder::new(),
            warnings: ListBuilder::new(StringBuilder::new()),
            sets: (0..SET_FIELDS.len() - 1)
                .map(|_| ListBuilder::new(Int64Builder::new()))
                .collect(),
            restrictions: ListBuilder::new(StructBuilder::new(
                restriction_fields(),
                vec![
                    Box::new(Int64Builder::new()) as Box<dyn ArrayBuilder>,
                    Box::new(Int64Builder::new()),
                    Box::new(ListBuilder::new(Int64Builder::new())),
                ],
            )),
            error: StringBuilder::new(),
        }
    }

    /// A row that did not decode: null in every column, and why in `error`.
    fn push_error(&mut self, message: &str) {
        for b in [
            &mut self.version,
            &mut self.cmp_id,
            &mut self.cmp_version,
            &mut self.consent_screen,
            &mut self.vendor_list_version,
            &mut self.tcf_policy_version,
            &mut self.max_vendor_id,
        ] {
            b.append_null();
        }
        self.created.append_null();
        self.last_updated.append_null();
        self.consent_language.append_null();
        self.publisher_cc.append_null();
        self.is_service_specific.append_null();
        self.use_non_standard_stacks.append_null();
        self.purpose_one_treatment.append_null();
        self.warnings.append_null();
        for b in &mut self.sets {
            b.append_null();
        }
        self.restrictions.append_null();
        self.error.append_value(message);
    }

    /// A decoded string's row.
    fn push(&mut self, tc: &CoreTc<'_>) {
        let letters = |l: [u8; 2]| std::str::from_utf8(&l).unwrap_or("").to_owned();
        self.version.append_value(i64::from(tc.version));
        self.created.append_value(micros(tc.created));
        self.last_updated.append_value(micros(tc.last_updated));
        self.cmp_id.append_value(i64::from(tc.cmp_id));
        self.cmp_version.append_value(i64::from(tc.cmp_version));
        self.consent_screen
            .append_value(i64::from(tc.consent_screen));
        self.consent_language
            .append_value(letters(tc.consent_language));
        self.vendor_list_version
            .append_value(i64::from(tc.vendor_list_version));
        self.tcf_policy_version
            .append_value(i64::from(tc.tcf_policy_version));
        self.is_service_specific
            .append_value(tc.is_service_specific);
        self.use_non_standard_stacks
            .append_value(tc.use_non_standard_stacks);
        self.purpose_one_treatment
            .append_value(tc.purpose_one_treatment);
        self.publisher_cc.append_value(letters(tc.publisher_cc));
        self.max_vendor_id
            .append_value(i64::from(tc.vendor_consents.max_vendor_id()));
        for w in tc.warnings() {
            self.warnings.values().append_value(w.as_str());
        }
        self.warnings.append(true);
        let small = |s: IdSet| s.iter().map(u16::from).collect::<Vec<_>>();
        let publisher = tc.publisher_tc.unwrap_or_default();
        let ids: [Vec<u16>; 11] = [
            small(tc.special_feature_opt_ins),
            small(tc.purposes_consent),
            small(tc.purposes_li),
            tc.vendor_consents.iter().collect(),
            tc.vendor_li.iter().collect(),
            tc.disclosed_vendors.iter().flat_map(|s| s.iter()).collect(),
            tc.allowed_vendors.iter().flat_map(|s| s.iter()).collect(),
            small(publisher.purposes_consent),
            small(publisher.purposes_li),
            small(publisher.custom_purposes_consent),
            small(publisher.custom_purposes_li),
        ];
        for (b, ids) in self.sets.iter_mut().zip(ids) {
            b.values()
                .extend(ids.into_iter().map(|i| Some(i64::from(i))));
            b.append(true);
        }
        let one = self.restrictions.values();
        for r in tc.publisher_restrictions.iter() {
            if let Some(b) = one.field_builder::<Int64Builder>(0) {
                b.append_value(i64::from(r.purpose));
            }
            if let Some(b) = one.field_builder::<Int64Builder>(1) {
                b.append_value(i64::from(r.restriction_type));
            }
            if let Some(b) = one.field_builder::<ListBuilder<Int64Builder>>(2) {
                b.values()
                    .extend(r.vendors.iter().map(|i| Some(i64::from(i))));
                b.append(true);
            }
            one.append(true);
        }
        self.restrictions.append(true);
        self.error.append_null();
    }

    /// The columns as one record batch, in the order of [`SCALARS`],
    /// [`SET_FIELDS`] and `error`.
    fn finish(mut self) -> PyResult<RecordBatch> {
        let scalars: [ArrayRef; 15] = [
            Arc::new(self.version.finish()),
            Arc::new(self.created.finish()),
            Arc::new(self.last_updated.finish()),
            Arc::new(self.cmp_id.finish()),
            Arc::new(self.cmp_version.finish()),
            Arc::new(self.consent_screen.finish()),
            Arc::new(self.consent_language.finish()),
            Arc::new(self.vendor_list_version.finish()),
            Arc::new(self.tcf_policy_version.finish()),
            Arc::new(self.is_service_specific.finish()),
            Arc::new(self.use_non_standard_stacks.finish()),
            Arc::new(self.purpose_one_treatment.finish()),
            Arc::new(self.publisher_cc.finish()),
            Arc::new(self.max_vendor_id.finish()),
            Arc::new(self.warnings.finish()),
        ];
        let mut sets = self
            .sets
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef);
        let restrictions: ArrayRef = Arc::new(self.restrictions.finish());
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
    let iter: Bound<'py, PyIterator> = values
        .try_iter()
        .map_err(|_| wrong_type("values", "an iterable of TC strings", values))?;
    let mut cols = TcColumns::new();
    for item in iter {
        let item = item?;
        let bytes = match text(&item, "value") {
            Ok(bytes) => bytes,
            Err(e) => {
                cols.push_error(&e.value(py).to_string());
                continue;
            }
        };
        match CoreTc::decode(bytes.as_bytes()) {
            Ok(tc) => cols.push(&tc),
            Err(e) => cols.push_error(&e.to_string()),
        }
    }
    crate::columns::wrap(py, cols.finish()?)
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
