//! The IAB's TC strings and GPP strings (SPEC §16). Nothing is kept between calls:
//! each function decodes the string it is given (the core's decoders read it in
//! place and allocate nothing), so there is no handle to free.

use std::ffi::c_char;

use samtykke::gpp::{GppString, Section};
use samtykke::tcf::{IdSet, TcString, VendorSet};
use samtykke::Code;
use samtykke_host::vendor_ids::{distinct_ids, restrictions};

use crate::boundary::{guard, try_bytes, try_out, try_out_buf, try_out_slice};

/// `samtykke_tcf_vendors`'s `set`: the vendor consent section.
pub const SAMTYKKE_TCF_VENDOR_CONSENTS: u32 = 0;
/// `samtykke_tcf_vendors`'s `set`: the vendor legitimate interest section.
pub const SAMTYKKE_TCF_VENDOR_LI: u32 = 1;
/// `samtykke_tcf_vendors`'s `set`: the disclosed vendors segment.
pub const SAMTYKKE_TCF_DISCLOSED_VENDORS: u32 = 2;
/// `samtykke_tcf_vendors`'s `set`: the allowed vendors segment.
pub const SAMTYKKE_TCF_ALLOWED_VENDORS: u32 = 3;

/// `samtykke_tcf.warnings`: created after 2026-02-28 without a disclosed vendors
/// segment, which TCF v2.3 requires.
pub const SAMTYKKE_TCF_WARNING_DISCLOSED_VENDORS_MISSING: u32 = 1;

/// The scalar fields of a TC string (SPEC §16). Sets of small ids are masks: bit
/// `id - 1` is set when `id` is in the set.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct samtykke_tcf {
    /// `Version`: 2.
    pub version: u8,
    /// `Created`, deciseconds since 1970-01-01T00:00:00Z.
    pub created_deciseconds: u64,
    /// `LastUpdated`, deciseconds since 1970-01-01T00:00:00Z.
    pub last_updated_deciseconds: u64,
    /// `CmpId`.
    pub cmp_id: u16,
    /// `CmpVersion`.
    pub cmp_version: u16,
    /// `ConsentScreen`.
    pub consent_screen: u8,
    /// `ConsentLanguage`, two ASCII capitals (no NUL).
    pub consent_language: [c_char; 2],
    /// `VendorListVersion`, never 0.
    pub vendor_list_version: u16,
    /// `TcfPolicyVersion`.
    pub tcf_policy_version: u8,
    /// `IsServiceSpecific`.
    pub is_service_specific: bool,
    /// `UseNonStandardTexts`.
    pub use_non_standard_stacks: bool,
    /// `SpecialFeatureOptIns`, 12 ids.
    pub special_feature_opt_ins: u32,
    /// `PurposesConsent`, 24 ids.
    pub purposes_consent: u32,
    /// `PurposesLITransparency`, 24 ids.
    pub purposes_li: u32,
    /// `PurposeOneTreatment`.
    pub purpose_one_treatment: bool,
    /// `PublisherCC`, two ASCII capitals (no NUL).
    pub publisher_cc: [c_char; 2],
    /// The vendor consent section's `MaxVendorId`.
    pub max_vendor_id: u16,
    /// How many publisher restrictions there are.
    pub num_pub_restrictions: u32,
    /// Whether the disclosed vendors segment is present.
    pub has_disclosed_vendors: bool,
    /// Whether the allowed vendors segment is present.
    pub has_allowed_vendors: bool,
    /// Whether the publisher TC segment is present.
    pub has_publisher_tc: bool,
    /// `PubPurposesConsent`, 24 ids (0 without the publisher TC segment).
    pub pub_purposes_consent: u32,
    /// `PubPurposesLITransparency`, 24 ids.
    pub pub_purposes_li: u32,
    /// `NumCustomPurposes`, 0 to 63.
    pub num_custom_purposes: u8,
    /// `CustomPurposesConsent`.
    pub custom_purposes_consent: u64,
    /// `CustomPurposesLITransparency`.
    pub custom_purposes_li: u64,
    /// `SAMTYKKE_TCF_WARNING_*` bits.
    pub warnings: u32,
}

/// One vendor of one publisher restriction.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct samtykke_tcf_restriction {
    /// The purpose id.
    pub purpose: u8,
    /// 0 not allowed, 1 require consent, 2 require legitimate interest.
    pub restriction_type: u8,
    /// The vendor id.
    pub vendor: u16,
}

/// GPP section 6, the US Privacy string.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct samtykke_gpp_uspv1 {
    /// `Version`: 1.
    pub version: u8,
    /// `Notice`: `'Y'`, `'N'` or `'-'`.
    pub notice: c_char,
    /// `OptOutSale`: `'Y'`, `'N'` or `'-'`.
    pub opt_out_sale: c_char,
    /// `LspaCovered`: `'Y'`, `'N'` or `'-'`.
    pub lspa_covered: c_char,
}

/// GPP section 7, usnat (versions 1 and 2): each field the 2-bit number the
/// string holds (0 not applicable, 1 yes / opted out / no consent, 2 no / did
/// not opt out / consent).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct samtykke_gpp_usnat {
    /// `Version`: 1 or 2.
    pub version: u8,
    /// `SharingNotice`.
    pub sharing_notice: u8,
    /// `SaleOptOutNotice`.
    pub sale_opt_out_notice: u8,
    /// `SharingOptOutNotice`.
    pub sharing_opt_out_notice: u8,
    /// `TargetedAdvertisingOptOutNotice`.
    pub targeted_advertising_opt_out_notice: u8,
    /// `SensitiveDataProcessingOptOutNotice`.
    pub sensitive_data_processing_opt_out_notice: u8,
    /// `SensitiveDataLimitUseNotice`.
    pub sensitive_data_limit_use_notice: u8,
    /// `SaleOptOut`.
    pub sale_opt_out: u8,
    /// `SharingOptOut`.
    pub sharing_opt_out: u8,
    /// `TargetedAdvertisingOptOut`.
    pub targeted_advertising_opt_out: u8,
    /// `SensitiveDataProcessing`: the first `num_sensitive_data_processing`.
    pub sensitive_data_processing: [u8; 16],
    /// 12 in version 1, 16 in version 2.
    pub num_sensitive_data_processing: u8,
    /// `KnownChildSensitiveDataConsents`: the first `num_known_child_…`.
    pub known_child_sensitive_data_consents: [u8; 3],
    /// 2 in version 1, 3 in version 2.
    pub num_known_child_sensitive_data_consents: u8,
    /// `PersonalDataConsents`.
    pub personal_data_consents: u8,
    /// `MspaCoveredTransaction`.
    pub mspa_covered_transaction: u8,
    /// `MspaOptOutOptionMode`.
    pub mspa_opt_out_option_mode: u8,
    /// `MspaServiceProviderMode`.
    pub mspa_service_provider_mode: u8,
    /// `Gpc`: -1 without the GPC subsection, else 0 or 1.
    pub gpc: i8,
}

fn mask(s: IdSet) -> u64 {
    s.iter().fold(0, |m, id| m | 1 << (id - 1))
}

fn letters(l: [u8; 2]) -> [c_char; 2] {
    [l[0] as c_char, l[1] as c_char]
}

fn tcf_fields(t: &TcString<'_>) -> samtykke_tcf {
    let p = t.publisher_tc.unwrap_or_default();
    samtykke_tcf {
        version: t.version,
        created_deciseconds: t.created,
        last_updated_deciseconds: t.last_updated,
        cmp_id: t.cmp_id,
        cmp_version: t.cmp_version,
        consent_screen: t.consent_screen,
        consent_language: letters(t.consent_language),
        vendor_list_version: t.vendor_list_version,
        tcf_policy_version: t.tcf_policy_version,
        is_service_specific: t.is_service_specific,
        use_non_standard_stacks: t.use_non_standard_stacks,
        special_feature_opt_ins: mask(t.special_feature_opt_ins) as u32,
        purposes_consent: mask(t.purposes_consent) as u32,
        purposes_li: mask(t.purposes_li) as u32,
        purpose_one_treatment: t.purpose_one_treatment,
        publisher_cc: letters(t.publisher_cc),
        max_vendor_id: t.vendor_consents.max_vendor_id(),
        num_pub_restrictions: t.publisher_restrictions.len() as u32,
        has_disclosed_vendors: t.disclosed_vendors.is_some(),
        has_allowed_vendors: t.allowed_vendors.is_some(),
        has_publisher_tc: t.publisher_tc.is_some(),
        pub_purposes_consent: mask(p.purposes_consent) as u32,
        pub_purposes_li: mask(p.purposes_li) as u32,
        num_custom_purposes: p.custom_purposes_consent.width(),
        custom_purposes_consent: mask(p.custom_purposes_consent),
        custom_purposes_li: mask(p.custom_purposes_li),
        warnings: t
            .warnings()
            .map(|_| SAMTYKKE_TCF_WARNING_DISCLOSED_VENDORS_MISSING)
            .fold(0, |a, b| a | b),
    }
}

fn decode_tcf(s: &[u8]) -> Result<TcString<'_>, Code> {
    TcString::decode(s).map_err(|e| e.code())
}

/// Decodes a TC string (IAB TCF v2.2/v2.3) and writes its scalar fields.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_TCF_INVALID` for a
/// string that does not decode (`samtykke_tcf_explain` says which field, segment
/// and bit).
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `out` NULL or writable for a
/// `samtykke_tcf`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_tcf_decode(
    s: *const c_char,
    len: usize,
    out: *mut samtykke_tcf,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `s` readable for `len` bytes or NULL,
        // `out` writable or NULL.
        let (s, out) = unsafe { (try_bytes(s.cast(), len)?, try_out(out)?) };
        let t = decode_tcf(s)?;
        out.write(tcf_fields(&t));
        Ok(())
    })
}

/// Writes the vendor ids of one vendor set of a TC string (`set`: one of the
/// `SAMTYKKE_TCF_*` set constants) into `ids`, in the order the string writes
/// them and each once (a range entry's ids an earlier entry named are left
/// out, so a set has at most 65,535), and their number into `*out_len`. A
/// segment the string lacks has no ids.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for an unknown `set`; `SAMTYKKE_RESULT_TCF_INVALID`;
/// `SAMTYKKE_RESULT_BUFFER_TOO_SMALL` when more than `cap` ids (the number
/// needed is written to `*out_len`; `ids` may be NULL with `cap` 0 to ask).
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `ids` NULL or writable for `cap`
/// `uint16_t`s; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_tcf_vendors(
    s: *const c_char,
    len: usize,
    set: u32,
    ids: *mut u16,
    cap: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract for `s`, `ids` and `out_len`.
        let (s, out) = unsafe { (try_bytes(s.cast(), len)?, try_out_slice(ids, cap, out_len)?) };
        let t = decode_tcf(s)?;
        let set: Option<VendorSet<'_>> = match set {
            SAMTYKKE_TCF_VENDOR_CONSENTS => Some(t.vendor_consents),
            SAMTYKKE_TCF_VENDOR_LI => Some(t.vendor_li),
            SAMTYKKE_TCF_DISCLOSED_VENDORS => t.disclosed_vendors,
            SAMTYKKE_TCF_ALLOWED_VENDORS => t.allowed_vendors,
            _ => return Err(Code::InvalidArgument),
        };
        out.write(set.iter().flat_map(distinct_ids))
    })
}

/// Writes the publisher restrictions of a TC string, one entry per restricted
/// vendor, in the order the string writes them (a vendor once under each
/// purpose and restriction type, however often the string repeats it), and
/// their number into `*out_len`.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_TCF_INVALID`;
/// `SAMTYKKE_RESULT_BUFFER_TOO_SMALL` as for `samtykke_tcf_vendors`.
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `out` NULL or writable for `cap`
/// entries; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_tcf_restrictions(
    s: *const c_char,
    len: usize,
    out: *mut samtykke_tcf_restriction,
    cap: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract for `s`, `out` and `out_len`.
        let (s, out) = unsafe { (try_bytes(s.cast(), len)?, try_out_slice(out, cap, out_len)?) };
        let t = decode_tcf(s)?;
        let list = restrictions(&t);
        out.write(list.iter().flat_map(|r| {
            r.ids().map(move |vendor| samtykke_tcf_restriction {
                purpose: r.purpose,
                restriction_type: r.restriction_type,
                vendor,
            })
        }))
    })
}

/// Why a TC string does not decode, naming the field, segment and bit
/// (`"vendor_list_version at bit 120 of segment 0: the vendor list version is
/// 0"`), into `buf`; an empty text for a string that decodes.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `buf` writable for `buf_len` bytes;
/// `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_tcf_explain(
    s: *const c_char,
    len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    // SAFETY: this function's contract is `explain`'s.
    unsafe {
        explain(s, len, buf, buf_len, out_len, |s| {
            TcString::decode(s).err().map(|e| e.to_string())
        })
    }
}

/// The body of `samtykke_tcf_explain` and `samtykke_gpp_explain`: `why`'s
/// message for the bytes `s`, or the empty text when it has none.
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `buf` writable for `buf_len` bytes;
/// `out_len` NULL or writable.
unsafe fn explain(
    s: *const c_char,
    len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    why: fn(&[u8]) -> Option<String>,
) -> Code {
    guard(|| {
        // SAFETY: the caller's guarantee for `s`, `buf` and `out_len`.
        let (s, out) = unsafe {
            (
                try_bytes(s.cast(), len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        out.write(why(s).unwrap_or_default().as_bytes())
    })
}

fn decode_gpp(s: &[u8]) -> Result<GppString<'_>, Code> {
    GppString::decode(s).map_err(|e| e.code())
}

/// Decodes a GPP string (its header and every section of id 2, 6 and 7) and
/// writes its section ids, in the header's order, into `ids` and their number
/// into `*out_len`.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_GPP_INVALID` (for a
/// header whose ids and sections disagree in number too; `samtykke_gpp_explain`
/// says where); `SAMTYKKE_RESULT_BUFFER_TOO_SMALL` as for
/// `samtykke_tcf_vendors`.
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `ids` NULL or writable for `cap`
/// `uint16_t`s; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_gpp_decode(
    s: *const c_char,
    len: usize,
    ids: *mut u16,
    cap: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract for `s`, `ids` and `out_len`.
        let (s, out) = unsafe { (try_bytes(s.cast(), len)?, try_out_slice(ids, cap, out_len)?) };
        out.write(decode_gpp(s)?.section_ids())
    })
}

/// Where section `id` of a GPP string is: its offset from `s` and its length, so
/// that `s + offset` is its text (for section 2, a TC string for
/// `samtykke_tcf_decode`).
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_GPP_INVALID`;
/// `SAMTYKKE_RESULT_UNKNOWN_NAME` when the string has no section `id`.
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `offset_out` and `len_out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_gpp_section(
    s: *const c_char,
    len: usize,
    id: u16,
    offset_out: *mut usize,
    len_out: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract for `s`, `offset_out` and `len_out`.
        let (s, offset_out, len_out) = unsafe {
            (
                try_bytes(s.cast(), len)?,
                try_out(offset_out)?,
                try_out(len_out)?,
            )
        };
        let section = decode_gpp(s)?.section(id).ok_or(Code::UnknownName)?;
        // The section's text is a subslice of `s`.
        let offset = section.raw.as_ptr() as usize - s.as_ptr() as usize;
        offset_out.write(offset);
        len_out.write(section.raw.len());
        Ok(())
    })
}

/// The US Privacy section (6) of a GPP string.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_GPP_INVALID`;
/// `SAMTYKKE_RESULT_UNKNOWN_NAME` when the string has no section 6.
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_gpp_uspv1_decode(
    s: *const c_char,
    len: usize,
    out: *mut samtykke_gpp_uspv1,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract for `s` and `out`.
        let (s, out) = unsafe { (try_bytes(s.cast(), len)?, try_out(out)?) };
        let section = decode_gpp(s)?.section(samtykke::gpp::USPV1);
        let Some(Section::UspV1(u)) = section.map(|s| s.section) else {
            return Err(Code::UnknownName);
        };
        out.write(samtykke_gpp_uspv1 {
            version: u.version,
            notice: u.notice as c_char,
            opt_out_sale: u.opt_out_sale as c_char,
            lspa_covered: u.lspa_covered as c_char,
        });
        Ok(())
    })
}

/// The usnat section (7) of a GPP string.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_GPP_INVALID`;
/// `SAMTYKKE_RESULT_UNKNOWN_NAME` when the string has no section 7.
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_gpp_usnat_decode(
    s: *const c_char,
    len: usize,
    out: *mut samtykke_gpp_usnat,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract for `s` and `out`.
        let (s, out) = unsafe { (try_bytes(s.cast(), len)?, try_out(out)?) };
        let section = decode_gpp(s)?.section(samtykke::gpp::USNAT);
        let Some(Section::UsNat(n)) = section.map(|s| s.section) else {
            return Err(Code::UnknownName);
        };
        let mut sensitive = [0u8; 16];
        let sdp = n.sensitive_data_processing();
        sensitive[..sdp.len()].copy_from_slice(sdp);
        let mut children = [0u8; 3];
        let kids = n.known_child_sensitive_data_consents();
        children[..kids.len()].copy_from_slice(kids);
        out.write(samtykke_gpp_usnat {
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
            sensitive_data_processing: sensitive,
            num_sensitive_data_processing: sdp.len() as u8,
            known_child_sensitive_data_consents: children,
            num_known_child_sensitive_data_consents: kids.len() as u8,
            personal_data_consents: n.personal_data_consents,
            mspa_covered_transaction: n.mspa_covered_transaction,
            mspa_opt_out_option_mode: n.mspa_opt_out_option_mode,
            mspa_service_provider_mode: n.mspa_service_provider_mode,
            gpc: n.gpc.map_or(-1, i8::from),
        });
        Ok(())
    })
}

/// Why a GPP string does not decode, naming the header or section, field and
/// bit, into `buf`; an empty text for a string that decodes.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `buf` writable for `buf_len` bytes;
/// `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_gpp_explain(
    s: *const c_char,
    len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    // SAFETY: this function's contract is `explain`'s.
    unsafe {
        explain(s, len, buf, buf_len, out_len, |s| {
            GppString::decode(s).err().map(|e| e.to_string())
        })
    }
}
