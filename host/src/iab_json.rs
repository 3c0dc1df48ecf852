//! The IAB's TC and GPP strings as JSON (SPEC §16), for `samtykke decode`, and
//! which kind of consent string a value is.
//!
//! Field names are SPEC §16's (the Python attributes): times as RFC 3339 UTC to
//! the decisecond, sets as ascending arrays, `publisher_restrictions` as
//! `[purpose, restriction_type, [vendors]]` triples.

use samtykke::gpp::{GppError, GppString, Section, UsNat, UspV1};
use samtykke::tcf::{IdSet, TcString, TcfError, VendorSet};
use serde_json::{json, Value};

/// What a value given to `samtykke decode` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentString {
    /// A samtykke consent cookie (`v1.…`, or `name=v1.…`).
    Cookie,
    /// An IAB TCF v2 TC string.
    Tcf,
    /// An IAB GPP string.
    Gpp,
}

/// Recognises a consent string by its first characters: a consent cookie starts
/// `v1.` (after an optional `name=`); a GPP header's first six bits are its type,
/// 3 (`D`), and the next its version, 1 (`B…`), and sections follow a `~`; a TC
/// string's first six bits are its version: 2 (`C`) for TCF v2, and 0 or 1 (`A`,
/// `B`) for strings the TC decoder refuses by their version, as `tcf.decode`
/// does. Anything else is taken as a consent cookie, whose decoder says what is
/// wrong with it.
pub fn recognise(value: &str) -> ConsentString {
    let v = value.trim();
    let after_name = v.split_once('=').map_or(v, |(_, rest)| rest);
    if v.starts_with("v1.") || after_name.starts_with("v1.") {
        ConsentString::Cookie
    } else if v.starts_with("DB") || v.contains('~') {
        ConsentString::Gpp
    } else if v.starts_with(['A', 'B', 'C']) {
        ConsentString::Tcf
    } else {
        ConsentString::Cookie
    }
}

/// A TC string time as RFC 3339 in UTC, to the decisecond.
fn rfc3339(ds: u64) -> String {
    let whole = crate::time::format_rfc3339(crate::time::from_unix_clamped(
        i64::try_from(ds / 10).unwrap_or(i64::MAX),
    ));
    match whole.strip_suffix('Z') {
        Some(head) => format!("{head}.{}Z", ds % 10),
        None => whole,
    }
}

fn ids(s: IdSet) -> Value {
    s.iter().collect::<Vec<_>>().into()
}

fn vendors(s: Option<VendorSet<'_>>) -> Value {
    let mut v: Vec<u16> = s.iter().flat_map(crate::vendor_ids::distinct_ids).collect();
    v.sort_unstable();
    v.dedup();
    v.into()
}

/// A decoded TC string as JSON.
pub fn tcf_json(t: &TcString<'_>, raw: &str) -> Value {
    let p = t.publisher_tc.unwrap_or_default();
    let restrictions: Vec<Value> = crate::vendor_ids::restrictions(t)
        .iter()
        .map(|r| {
            let mut v: Vec<u16> = r.ids().collect();
            v.sort_unstable();
            json!([r.purpose, r.restriction_type, v])
        })
        .collect();
    json!({
        "type": "tcf",
        "version": t.version,
        "created": rfc3339(t.created),
        "last_updated": rfc3339(t.last_updated),
        "cmp_id": t.cmp_id,
        "cmp_version": t.cmp_version,
        "consent_screen": t.consent_screen,
        "consent_language": t.consent_language_str(),
        "vendor_list_version": t.vendor_list_version,
        "tcf_policy_version": t.tcf_policy_version,
        "is_service_specific": t.is_service_specific,
        "use_non_standard_stacks": t.use_non_standard_stacks,
        "special_feature_opt_ins": ids(t.special_feature_opt_ins),
        "purposes_consent": ids(t.purposes_consent),
        "purposes_li": ids(t.purposes_li),
        "purpose_one_treatment": t.purpose_one_treatment,
        "publisher_cc": t.publisher_cc_str(),
        "max_vendor_id": t.vendor_consents.max_vendor_id(),
        "vendor_consents": vendors(Some(t.vendor_consents)),
        "vendor_li": vendors(Some(t.vendor_li)),
        "publisher_restrictions": restrictions,
        "disclosed_vendors": vendors(t.disclosed_vendors),
        "allowed_vendors": vendors(t.allowed_vendors),
        "pub_purposes_consent": ids(p.purposes_consent),
        "pub_purposes_li": ids(p.purposes_li),
        "custom_purposes_consent": ids(p.custom_purposes_consent),
        "custom_purposes_li": ids(p.custom_purposes_li),
        "warnings": t.warnings().map(|w| w.as_str()).collect::<Vec<_>>(),
        "raw": raw,
    })
}

fn usp_json(u: &UspV1, raw: &str) -> Value {
    let c = |b: u8| char::from(b).to_string();
    json!({
        "version": u.version,
        "notice": c(u.notice),
        "opt_out_sale": c(u.opt_out_sale),
        "lspa_covered": c(u.lspa_covered),
        "raw": raw,
    })
}

fn usnat_json(n: &UsNat, raw: &str) -> Value {
    json!({
        "version": n.version,
        "sharing_notice": n.sharing_notice,
        "sale_opt_out_notice": n.sale_opt_out_notice,
        "sharing_opt_out_notice": n.sharing_opt_out_notice,
        "targeted_advertising_opt_out_notice": n.targeted_advertising_opt_out_notice,
        "sensitive_data_processing_opt_out_notice": n.sensitive_data_processing_opt_out_notice,
        "sensitive_data_limit_use_notice": n.sensitive_data_limit_use_notice,
        "sale_opt_out": n.sale_opt_out,
        "sharing_opt_out": n.sharing_opt_out,
        "targeted_advertising_opt_out": n.targeted_advertising_opt_out,
        "sensitive_data_processing": n.sensitive_data_processing(),
        "known_child_sensitive_data_consents": n.known_child_sensitive_data_consents(),
        "personal_data_consents": n.personal_data_consents,
        "mspa_covered_transaction": n.mspa_covered_transaction,
        "mspa_opt_out_option_mode": n.mspa_opt_out_option_mode,
        "mspa_service_provider_mode": n.mspa_service_provider_mode,
        "gpc": n.gpc,
        "raw": raw,
    })
}

/// A decoded GPP string as JSON: `section_ids`, and `sections` keyed by id (as
/// text, JSON's only key type), each decoded or `{"raw": …}`.
pub fn gpp_json(g: &GppString<'_>) -> Value {
    let mut sections = serde_json::Map::new();
    for s in g.sections() {
        let raw = String::from_utf8_lossy(s.raw);
        let value = match s.section {
            Section::TcfEuV2(t) => tcf_json(&t, &raw),
            Section::UspV1(u) => usp_json(&u, &raw),
            Section::UsNat(n) => usnat_json(&n, &raw),
            _ => json!({ "raw": raw }),
        };
        let mut value = value;
        if let Value::Object(m) = &mut value {
            m.remove("type");
            if let Some(name) = samtykke::gpp::section_name(s.id) {
                m.insert("name".into(), name.into());
            }
        }
        sections.insert(s.id.to_string(), value);
    }
    json!({
        "type": "gpp",
        "section_ids": g.section_ids().collect::<Vec<_>>(),
        "sections": sections,
    })
}

/// Decodes a TC string into JSON.
///
/// # Errors
/// The core's [`TcfError`].
pub fn decode_tcf(value: &str) -> Result<Value, TcfError> {
    let v = value.trim();
    TcString::decode(v.as_bytes()).map(|t| tcf_json(&t, v))
}

/// Decodes a GPP string into JSON.
///
/// # Errors
/// The core's [`GppError`].
pub fn decode_gpp(value: &str) -> Result<Value, GppError> {
    GppString::decode(value.trim().as_bytes()).map(|g| gpp_json(&g))
}
