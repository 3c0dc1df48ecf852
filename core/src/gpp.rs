//! IAB GPP strings (SPEC §16): the header and the sections `tcfeuv2` (id 2),
//! `uspv1` (6) and `usnat` (7), decoded in place without allocating.
//!
//! A GPP string is a header and its sections joined by `~`. The header (base64url)
//! holds the type (3), the version (1) and the section ids as a Fibonacci-coded
//! range list, each id written as its distance from the one before. Sections
//! follow in the header's order. [`GppString::decode`] checks the header, that
//! the ids and the sections agree in number, and decodes every section it knows;
//! the others are kept as their raw text.
//!
//! ```
//! use samtykke::gpp::{GppString, Section};
//!
//! // From the iab_gpp crate's documentation (noirotm/iabgpp-rs).
//! let gpp = GppString::decode(b"DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN").unwrap();
//! assert!(gpp.section_ids().eq([2, 6]));
//! let mut sections = gpp.sections();
//! let tcf = sections.next().unwrap();
//! assert!(matches!(tcf.section, Section::TcfEuV2(tc) if tc.cmp_id == 31));
//! let usp = sections.next().unwrap();
//! assert_eq!(usp.raw, b"1YNN");
//! assert!(matches!(usp.section, Section::UspV1(u) if u.opt_out_sale == b'N'));
//! ```

use core::fmt;

use crate::bits::{Bits, MAX_CHARS};
use crate::tcf::{TcString, TcfError, ENCODING};

/// Section id of TCF EU v2.
pub const TCFEUV2: u16 = 2;
/// Section id of the US Privacy string (CCPA).
pub const USPV1: u16 = 6;
/// Section id of the US national section.
pub const USNAT: u16 = 7;

/// The longest GPP string [`GppString::decode`] reads, in bytes.
pub const GPP_MAX_LEN: usize = MAX_CHARS;

/// Why a GPP string could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GppErrorKind {
    /// A character outside the base64url alphabet (the byte given).
    Base64(u8),
    /// The header or section ends before the field does; its length in bits.
    Short {
        /// The length in bits.
        len: u32,
    },
    /// The header's type is not 3; the type read.
    HeaderType(u8),
    /// The header's version is not 1; the version read.
    Version(u8),
    /// A section id past 65535.
    IdTooLarge,
    /// The header lists `ids` sections but `sections` follow.
    SectionCount {
        /// How many ids the header lists.
        ids: u16,
        /// How many sections follow it.
        sections: usize,
    },
    /// A section's version is not one this decoder reads; the version.
    SectionVersion(u8),
    /// A usnat subsection type other than 1 (GPC); the type.
    SubsectionType(u8),
    /// A US Privacy string that is not four characters; its length.
    UspLength(usize),
    /// A US Privacy character that is not `Y`, `N` or `-` (the byte given).
    UspValue(u8),
    /// The `tcfeuv2` section is not a valid TC string.
    Tcf(TcfError),
    /// The string is longer than [`GPP_MAX_LEN`]; its length.
    TooLong(usize),
}

/// A GPP string that cannot be decoded: what is wrong, where.
///
/// Displays as `section 7 (usnat) version at bit 0: …` or, for the header,
/// `header section_ids at bit 12: …`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub struct GppError {
    /// What is wrong.
    pub kind: GppErrorKind,
    /// The section's id, or `None` for the header.
    pub section: Option<u16>,
    /// The field being read, in snake_case; [`ENCODING`] for a character
    /// outside base64url.
    pub field: &'static str,
    /// Where the field starts, in bits from the start of the header or section
    /// (for usnat's GPC subsection, from the start of that subsection).
    pub bit: u32,
}

impl GppError {
    /// The result code of every GPP string error.
    pub const fn code(&self) -> crate::Code {
        crate::Code::GppInvalid
    }
}

impl fmt::Display for GppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.section {
            None => f.write_str("header")?,
            Some(id) => match section_name(id) {
                Some(name) => write!(f, "section {id} ({name})")?,
                None => write!(f, "section {id}")?,
            },
        }
        if let GppErrorKind::Tcf(e) = self.kind {
            return write!(f, ": {e}");
        }
        write!(f, " {} at bit {}: {}", self.field, self.bit, self.kind)
    }
}

impl fmt::Display for GppErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            GppErrorKind::Base64(b) => write!(f, "byte 0x{b:02x} is not a base64url character"),
            GppErrorKind::Short { len } => {
                write!(f, "it ends at bit {len}, before this field does")
            }
            GppErrorKind::HeaderType(t) => write!(f, "type {t} is not a GPP header (3)"),
            GppErrorKind::Version(v) => write!(f, "version {v} is not GPP version 1"),
            GppErrorKind::IdTooLarge => f.write_str("a section id past 65535"),
            GppErrorKind::SectionCount { ids, sections } => write!(
                f,
                "the header lists {ids} section ids but {sections} sections follow"
            ),
            GppErrorKind::SectionVersion(v) => {
                write!(f, "version {v} is not one this decoder reads")
            }
            GppErrorKind::SubsectionType(t) => write!(f, "subsection type {t} is not 1 (GPC)"),
            GppErrorKind::UspLength(n) => {
                write!(f, "a US Privacy string has 4 characters, not {n}")
            }
            GppErrorKind::UspValue(b) => {
                write!(f, "byte 0x{b:02x} is not Y, N or -")
            }
            GppErrorKind::Tcf(e) => write!(f, "{e}"),
            GppErrorKind::TooLong(len) => {
                write!(
                    f,
                    "the string is {len} bytes long; at most {GPP_MAX_LEN} are read"
                )
            }
        }
    }
}

/// The GPP name of a section id, for the ids the IAB has assigned.
pub const fn section_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "tcfeuv1",
        2 => "tcfeuv2",
        3 => "header",
        5 => "tcfcav1",
        6 => "uspv1",
        7 => "usnat",
        8 => "usca",
        9 => "usva",
        10 => "usco",
        11 => "usut",
        12 => "usct",
        13 => "usfl",
        14 => "usmt",
        15 => "usor",
        16 => "ustx",
        17 => "usde",
        18 => "usia",
        19 => "usne",
        20 => "usnh",
        21 => "usnj",
        22 => "ustn",
        23 => "usmn",
        _ => return None,
    })
}

/// The US Privacy string (section 6): four characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UspV1 {
    /// `Version`: always 1.
    pub version: u8,
    /// `Notice`: `b'Y'`, `b'N'` or `b'-'`.
    pub notice: u8,
    /// `OptOutSale`: `b'Y'`, `b'N'` or `b'-'`.
    pub opt_out_sale: u8,
    /// `LspaCovered`: `b'Y'`, `b'N'` or `b'-'`.
    pub lspa_covered: u8,
}

/// The usnat section (7), versions 1 and 2. Each field is the 2-bit value the
/// string holds: notices and opt-outs 0 not applicable, 1 yes (provided / opted
/// out), 2 no; consents 0 not applicable, 1 no consent, 2 consent; MSPA fields 0
/// not applicable, 1 yes, 2 no.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UsNat {
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
    sensitive: [u8; 16],
    children: [u8; 3],
    /// `PersonalDataConsents`.
    pub personal_data_consents: u8,
    /// `MspaCoveredTransaction`.
    pub mspa_covered_transaction: u8,
    /// `MspaOptOutOptionMode`.
    pub mspa_opt_out_option_mode: u8,
    /// `MspaServiceProviderMode`.
    pub mspa_service_provider_mode: u8,
    /// `Gpc`, when the GPC subsection is present.
    pub gpc: Option<bool>,
}

impl UsNat {
    /// `SensitiveDataProcessing`: 12 values in version 1, 16 in version 2.
    pub fn sensitive_data_processing(&self) -> &[u8] {
        &self.sensitive[..if self.version == 1 { 12 } else { 16 }]
    }

    /// `KnownChildSensitiveDataConsents`: 2 values in version 1, 3 in version 2.
    pub fn known_child_sensitive_data_consents(&self) -> &[u8] {
        &self.children[..if self.version == 1 { 2 } else { 3 }]
    }
}

/// A section's decoded content.
// The core has no allocator to box the TC string into; a section is made as it is
// read, on the stack, never stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Section<'a> {
    /// Section 2, a TC string.
    TcfEuV2(TcString<'a>),
    /// Section 6.
    UspV1(UspV1),
    /// Section 7.
    UsNat(UsNat),
    /// Any other section, not decoded.
    Other,
}

/// One section of a GPP string: its id, its text and what it decodes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GppSection<'a> {
    /// The section id.
    pub id: u16,
    /// The section's text, as the string holds it.
    pub raw: &'a [u8],
    /// The decoded section ([`Section::Other`] for ids not decoded here).
    pub section: Section<'a>,
}

/// A checked GPP string, borrowing its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GppString<'a> {
    header: Bits<'a>,
    count: u16,
    /// The text after the header's `~`, if it has one.
    body: Option<&'a [u8]>,
}

/// Reads a Fibonacci-coded integer (Zeckendorf, least significant first, ended
/// by a second consecutive 1) from `at`; the value and the bit after it.
fn fibonacci(bits: &Bits<'_>, mut at: u32, field: &'static str) -> Result<(u32, u32), GppError> {
    let start = at;
    let (mut a, mut b) = (1u32, 2u32);
    let mut value = 0u32;
    let mut last = false;
    loop {
        let bit = bits.bit(at).ok_or(GppError {
            kind: GppErrorKind::Short { len: bits.len() },
            section: None,
            field,
            bit: start,
        })?;
        at += 1;
        if bit && last {
            return Ok((value, at));
        }
        if bit {
            value = value.saturating_add(a);
            if value > u32::from(u16::MAX) {
                return Err(GppError {
                    kind: GppErrorKind::IdTooLarge,
                    section: None,
                    field,
                    bit: start,
                });
            }
        }
        last = bit;
        (a, b) = (b, a.saturating_add(b));
    }
}

/// The section ids of a header, walking its Fibonacci range list.
#[derive(Clone, Debug)]
pub struct SectionIds<'a> {
    bits: Bits<'a>,
    pos: u32,
    left: u16,
    next: u32,
    end: u32,
}

impl SectionIds<'_> {
    /// The next id, or the error where the header is wrong.
    fn step(&mut self) -> Result<Option<u16>, GppError> {
        if self.next <= self.end {
            let id = self.next;
            self.next += 1;
            return Ok(Some(id as u16));
        }
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let is_range = self.bits.bit(self.pos).ok_or(GppError {
            kind: GppErrorKind::Short {
                len: self.bits.len(),
            },
            section: None,
            field: "section_ids.is_a_range",
            bit: self.pos,
        })?;
        let field_at = self.pos + 1;
        let (delta, at) = fibonacci(&self.bits, field_at, "section_ids.start_or_only_id")?;
        // Each id is written as its distance from the previous one (0 before the
        // first), and a range's end as its distance from its start.
        let start = self.end + delta;
        let (end, at) = if is_range {
            let (count, at) = fibonacci(&self.bits, at, "section_ids.end_id")?;
            (start + count, at)
        } else {
            (start, at)
        };
        if end > u32::from(u16::MAX) {
            return Err(GppError {
                kind: GppErrorKind::IdTooLarge,
                section: None,
                field: "section_ids.start_or_only_id",
                bit: field_at,
            });
        }
        self.pos = at;
        self.next = start + 1;
        self.end = end;
        Ok(Some(start as u16))
    }
}

impl Iterator for SectionIds<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        // The header was checked when decoding, so no step fails.
        self.step().ok().flatten()
    }
}

impl<'a> GppString<'a> {
    /// Decodes a GPP string: the header, and every section of id 2, 6 or 7.
    ///
    /// # Errors
    /// A [`GppError`] naming the header or section, the field and bit.
    pub fn decode(s: &'a [u8]) -> Result<Self, GppError> {
        if s.len() > GPP_MAX_LEN {
            return Err(GppError {
                kind: GppErrorKind::TooLong(s.len()),
                section: None,
                field: "type",
                bit: 0,
            });
        }
        let (header, body) = match s.iter().position(|&b| b == b'~') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let bits = Bits::new(header).map_err(|i| GppError {
            kind: GppErrorKind::Base64(header[i]),
            section: None,
            field: ENCODING,
            bit: i as u32 * 6,
        })?;
        let short = |field, bit| GppError {
            kind: GppErrorKind::Short { len: bits.len() },
            section: None,
            field,
            bit,
        };
        let ty = bits.get(0, 6).ok_or(short("type", 0))? as u8;
        if ty != 3 {
            return Err(GppError {
                kind: GppErrorKind::HeaderType(ty),
                section: None,
                field: "type",
                bit: 0,
            });
        }
        let version = bits.get(6, 6).ok_or(short("version", 6))? as u8;
        if version != 1 {
            return Err(GppError {
                kind: GppErrorKind::Version(version),
                section: None,
                field: "version",
                bit: 6,
            });
        }
        let entries = bits
            .get(12, 12)
            .ok_or(short("section_ids.num_entries", 12))? as u16;
        let gpp = GppString {
            header: bits,
            count: 0,
            body,
        };
        let mut ids = SectionIds {
            bits,
            pos: 24,
            left: entries,
            next: 1,
            end: 0,
        };
        let mut count = 0u16;
        let mut raw = gpp.raw_sections();
        while let Some(id) = ids.step()? {
            count = count.saturating_add(1);
            match raw.next() {
                Some(text) => {
                    decode_section(id, text)?;
                }
                None => {
                    // Count the rest of the ids for the message.
                    while ids.step()?.is_some() {
                        count = count.saturating_add(1);
                    }
                    return Err(gpp.count_error(count, gpp.raw_sections().count()));
                }
            }
        }
        let extra = raw.count();
        if extra > 0 {
            return Err(gpp.count_error(count, gpp.raw_sections().count()));
        }
        Ok(GppString { count, ..gpp })
    }

    fn count_error(&self, ids: u16, sections: usize) -> GppError {
        GppError {
            kind: GppErrorKind::SectionCount { ids, sections },
            section: None,
            field: "section_ids",
            bit: 12,
        }
    }

    fn raw_sections(&self) -> impl Iterator<Item = &'a [u8]> {
        self.body
            .into_iter()
            .flat_map(|body| body.split(|&b| b == b'~'))
    }

    /// The section ids, in the header's order.
    pub fn section_ids(&self) -> SectionIds<'a> {
        SectionIds {
            bits: self.header,
            pos: 24,
            left: self.header.get(12, 12).unwrap_or(0) as u16,
            next: 1,
            end: 0,
        }
    }

    /// How many sections the string has.
    pub const fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the string has no section.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The sections, in order, each with its id, text and decoded content.
    pub fn sections(&self) -> impl Iterator<Item = GppSection<'a>> {
        self.section_ids()
            .zip(self.raw_sections())
            .map(|(id, raw)| GppSection {
                id,
                raw,
                // Checked by `decode`; a section that failed would have failed it.
                section: decode_section(id, raw).unwrap_or(Section::Other),
            })
    }

    /// The text of section `id`, if the string has it.
    pub fn section(&self, id: u16) -> Option<GppSection<'a>> {
        self.sections().find(|s| s.id == id)
    }
}

/// Decodes one section's text by its id.
///
/// # Errors
/// A [`GppError`] for a section of id 2, 6 or 7 that does not decode.
pub fn decode_section(id: u16, raw: &[u8]) -> Result<Section<'_>, GppError> {
    if raw.len() > GPP_MAX_LEN {
        return Err(GppError {
            kind: GppErrorKind::TooLong(raw.len()),
            section: Some(id),
            field: "version",
            bit: 0,
        });
    }
    match id {
        TCFEUV2 => TcString::decode(raw)
            .map(Section::TcfEuV2)
            .map_err(|e| GppError {
                kind: GppErrorKind::Tcf(e),
                section: Some(id),
                field: e.field,
                bit: e.bit,
            }),
        USPV1 => decode_usp(raw).map(Section::UspV1),
        USNAT => decode_usnat(raw).map(Section::UsNat),
        _ => Ok(Section::Other),
    }
}

fn decode_usp(raw: &[u8]) -> Result<UspV1, GppError> {
    let err = |kind, field, bit| GppError {
        kind,
        section: Some(USPV1),
        field,
        bit,
    };
    let &[version, notice, opt_out_sale, lspa_covered] = raw else {
        return Err(err(GppErrorKind::UspLength(raw.len()), "version", 0));
    };
    if version != b'1' {
        return Err(err(GppErrorKind::SectionVersion(version), "version", 0));
    }
    let names = ["notice", "opt_out_sale", "lspa_covered"];
    for (i, (&c, field)) in raw[1..].iter().zip(names).enumerate() {
        if !matches!(c, b'Y' | b'N' | b'-') {
            return Err(err(GppErrorKind::UspValue(c), field, (i as u32 + 1) * 8));
        }
    }
    Ok(UspV1 {
        version: 1,
        notice,
        opt_out_sale,
        lspa_covered,
    })
}

fn decode_usnat(raw: &[u8]) -> Result<UsNat, GppError> {
    let mut parts = raw.split(|&b| b == b'.');
    let core = parts.next().unwrap_or_default();
    let bits = bits_of(core, USNAT)?;
    let mut at = 0u32;
    let mut take = |width: u32, field: &'static str| -> Result<u8, GppError> {
        let v = bits.get(at, width).ok_or(GppError {
            kind: GppErrorKind::Short { len: bits.len() },
            section: Some(USNAT),
            field,
            bit: at,
        })?;
        at += width;
        Ok(v as u8)
    };
    let version = take(6, "version")?;
    let (sensitive_n, children_n) = match version {
        1 => (12, 2),
        2 => (16, 3),
        v => {
            return Err(GppError {
                kind: GppErrorKind::SectionVersion(v),
                section: Some(USNAT),
                field: "version",
                bit: 0,
            })
        }
    };
    let mut n = UsNat {
        version,
        sharing_notice: take(2, "sharing_notice")?,
        sale_opt_out_notice: take(2, "sale_opt_out_notice")?,
        sharing_opt_out_notice: take(2, "sharing_opt_out_notice")?,
        targeted_advertising_opt_out_notice: take(2, "targeted_advertising_opt_out_notice")?,
        sensitive_data_processing_opt_out_notice: take(
            2,
            "sensitive_data_processing_opt_out_notice",
        )?,
        sensitive_data_limit_use_notice: take(2, "sensitive_data_limit_use_notice")?,
        sale_opt_out: take(2, "sale_opt_out")?,
        sharing_opt_out: take(2, "sharing_opt_out")?,
        targeted_advertising_opt_out: take(2, "targeted_advertising_opt_out")?,
        sensitive: [0; 16],
        children: [0; 3],
        personal_data_consents: 0,
        mspa_covered_transaction: 0,
        mspa_opt_out_option_mode: 0,
        mspa_service_provider_mode: 0,
        gpc: None,
    };
    for v in &mut n.sensitive[..sensitive_n] {
        *v = take(2, "sensitive_data_processing")?;
    }
    for v in &mut n.children[..children_n] {
        *v = take(2, "known_child_sensitive_data_consents")?;
    }
    n.personal_data_consents = take(2, "personal_data_consents")?;
    n.mspa_covered_transaction = take(2, "mspa_covered_transaction")?;
    n.mspa_opt_out_option_mode = take(2, "mspa_opt_out_option_mode")?;
    n.mspa_service_provider_mode = take(2, "mspa_service_provider_mode")?;
    for sub in parts {
        let bits = bits_of(sub, USNAT)?;
        let short = |field, bit| GppError {
            kind: GppErrorKind::Short { len: bits.len() },
            section: Some(USNAT),
            field,
            bit,
        };
        let ty = bits.get(0, 2).ok_or(short("subsection_type", 0))? as u8;
        if ty != 1 {
            return Err(GppError {
                kind: GppErrorKind::SubsectionType(ty),
                section: Some(USNAT),
                field: "subsection_type",
                bit: 0,
            });
        }
        n.gpc = Some(bits.bit(2).ok_or(short("gpc", 2))?);
    }
    Ok(n)
}

fn bits_of(chars: &[u8], id: u16) -> Result<Bits<'_>, GppError> {
    Bits::new(chars).map_err(|i| GppError {
        kind: GppErrorKind::Base64(chars[i]),
        section: Some(id),
        field: ENCODING,
        bit: i as u32 * 6,
    })
}
