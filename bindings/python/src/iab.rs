//! `samtykke.tcf` and `samtykke.gpp` (SPEC §16): the core's TC string and GPP
//! decoders, their results as Python objects and, for many strings, as columns.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBytes, PyDateTime, PyDict, PyFrozenSet, PyIterator, PyList, PyString, PyTuple, PyType,
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

    fn list(&mut self, py: Python<'_>, ids: impl Iterator<Item = u16>) -> PyResult<Py<PyAny>> {
        let items = ids
            .map(|id| self.get(py, id))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any().unbind())
    }

    fn set(&mut self, py: Python<'_>, ids: impl Iterator<Item = u16>) -> PyResult<Py<PyAny>> {
        let items = ids
            .map(|id| self.get(py, id))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyFrozenSet::new(py, items)?.into_any().unbind())
    }
}

/// How the sets of a decoded string are given: frozensets for one `TcString`,
/// lists in columns (a list column is what Arrow and pandas read).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sets {
    Frozen,
    Lists,
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
fn set_values(
    py: Python<'_>,
    tc: &CoreTc<'_>,
    ints: &mut Ints,
    how: Sets,
) -> PyResult<[Py<PyAny>; 12]> {
    let mut make = |ids: &mut dyn Iterator<Item = u16>| match how {
        Sets::Frozen => ints.set(py, ids),
        Sets::Lists => ints.list(py, ids),
    };
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
            set_values(py, tc, ints, Sets::Frozen)?;
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

/// The class the columns are returned as (`samtykke._columns.CookieColumns`, the
/// one `Policy.decode_cookies` returns).
fn columns_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    CLASS.import(py, "samtykke._columns", "CookieColumns")
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
    let rows = values.len().unwrap_or(0);
    let mut scalars: Vec<Vec<Py<PyAny>>> = (0..SCALARS.len())
        .map(|_| Vec::with_capacity(rows))
        .collect();
    let mut sets: Vec<Vec<Py<PyAny>>> = (0..SET_FIELDS.len())
        .map(|_| Vec::with_capacity(rows))
        .collect();
    let mut error: Vec<Py<PyAny>> = Vec::with_capacity(rows);
    let mut ints = Ints::default();
    let mut languages: Vec<(u16, Py<PyAny>)> = Vec::new();
    let mut letters = |py: Python<'_>, l: [u8; 2]| -> Py<PyAny> {
        // Few languages and countries repeat over many rows: one str each.
        let key = u16::from_be_bytes(l);
        if let Some((_, s)) = languages.iter().find(|(k, _)| *k == key) {
            return s.clone_ref(py);
        }
        let s = PyString::new(py, std::str::from_utf8(&l).unwrap_or(""))
            .into_any()
            .unbind();
        languages.push((key, s.clone_ref(py)));
        s
    };
    let warning = PyString::intern(
        py,
        samtykke::tcf::TcfWarning::DisclosedVendorsMissing.as_str(),
    )
    .into_any()
    .unbind();
    for item in iter {
        let item = item?;
        let bytes = match text(&item, "value") {
            Ok(bytes) => bytes,
            Err(e) => {
                push_error(
                    py,
                    &mut scalars,
                    &mut sets,
                    &mut error,
                    &e.value(py).to_string(),
                );
                continue;
            }
        };
        let tc = match CoreTc::decode(bytes.as_bytes()) {
            Ok(tc) => tc,
            Err(e) => {
                push_error(py, &mut scalars, &mut sets, &mut error, &e.to_string());
                continue;
            }
        };
        let int = |v: u16| v.into_pyobject(py).map(|i| i.into_any().unbind());
        let flag = |b: bool| {
            pyo3::types::PyBool::new(py, b)
                .to_owned()
                .into_any()
                .unbind()
        };
        let warnings: Vec<Py<PyAny>> = tc.warnings().map(|_| warning.clone_ref(py)).collect();
        let row: [Py<PyAny>; 15] = [
            int(u16::from(tc.version))?,
            from_deciseconds(py, tc.created)?.into_any().unbind(),
            from_deciseconds(py, tc.last_updated)?.into_any().unbind(),
            int(tc.cmp_id)?,
            int(tc.cmp_version)?,
            int(u16::from(tc.consent_screen))?,
            letters(py, tc.consent_language),
            int(tc.vendor_list_version)?,
            int(u16::from(tc.tcf_policy_version))?,
            flag(tc.is_service_specific),
            flag(tc.use_non_standard_stacks),
            flag(tc.purpose_one_treatment),
            letters(py, tc.publisher_cc),
            int(tc.vendor_consents.max_vendor_id())?,
            PyList::new(py, warnings)?.into_any().unbind(),
        ];
        for (column, v) in scalars.iter_mut().zip(row) {
            column.push(v);
        }
        for (column, v) in sets
            .iter_mut()
            .zip(set_values(py, &tc, &mut ints, Sets::Lists)?)
        {
            column.push(v);
        }
        error.push(py.None());
    }
    let dict = PyDict::new(py);
    for (name, column) in SCALARS.iter().zip(scalars) {
        dict.set_item(name, PyList::new(py, column)?)?;
    }
    for (name, column) in SET_FIELDS.iter().zip(sets) {
        dict.set_item(name, PyList::new(py, column)?)?;
    }
    dict.set_item("error", PyList::new(py, error)?)?;
    columns_class(py)?.call1((dict,))
}

/// A row that did not decode: `None` in every column, and why in `error`.
fn push_error(
    py: Python<'_>,
    scalars: &mut [Vec<Py<PyAny>>],
    sets: &mut [Vec<Py<PyAny>>],
    error: &mut Vec<Py<PyAny>>,
    message: &str,
) {
    for column in scalars.iter_mut().chain(sets.iter_mut()) {
        column.push(py.None());
    }
    error.push(PyString::new(py, message).into_any().unbind());
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
