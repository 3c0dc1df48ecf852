//! IAB TCF v2.2 / v2.3 TC strings (SPEC §16): a decoder that reads the string in
//! place, allocates nothing and copies nothing.
//!
//! A TC string is up to four base64url segments joined by `.`: the core segment,
//! then in any order the disclosed vendors (segment type 1), allowed vendors (2)
//! and publisher TC (3) segments. [`TcString::decode`] checks every field once and
//! keeps the scalar fields; the vendor sets stay views over the characters
//! ([`VendorSet`]), read by one iterator whether the string encodes them as a bit
//! field or as ranges.
//!
//! ```
//! use samtykke::tcf::TcString;
//!
//! // From IABTechLab/iabgpp-java's TcfEuV2Test (testDecode7).
//! let tc = TcString::decode(b"COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA").unwrap();
//! assert_eq!(tc.cmp_id, 7);
//! assert_eq!(&tc.consent_language, b"EN");
//! assert!(tc.purposes_consent.contains(1));
//! assert!(tc.vendor_consents.iter().eq([1, 2, 3, 755]));
//! let r = tc.publisher_restrictions.iter().next().unwrap();
//! assert_eq!((r.purpose, r.restriction_type), (1, 0));
//! assert!(r.vendors.iter().eq([10]));
//! ```
//!
//! # Errors
//!
//! A [`TcfError`] names the field (in the snake_case of SPEC §16, or of the IAB
//! specification's field for the ones SPEC §16 does not name), the segment (0 for
//! the core segment, counted in the order they appear) and the bit offset in that
//! segment where the field starts. Bits past the last field (the padding to a
//! whole character) are not read.
//!
//! # Validation
//!
//! TCF v2.3 asks every TC string created after 2026-02-28 to carry a disclosed
//! vendors segment. A string without one still decodes: [`TcString::warnings`]
//! reports it.

use core::fmt;

use crate::bits::{Bits, MAX_CHARS};

/// The first creation time, in deciseconds since 1970, from which TCF v2.3 asks for
/// a disclosed vendors segment: 2026-03-01T00:00:00Z, the first instant after
/// 2026-02-28.
pub const DISCLOSED_VENDORS_REQUIRED_FROM: u64 = 1_772_323_200 * 10;

/// The longest TC string [`TcString::decode`] reads, in bytes.
pub const TCF_MAX_LEN: usize = MAX_CHARS;

/// Why a TC string could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TcfErrorKind {
    /// A character outside the base64url alphabet (the byte given).
    Base64(u8),
    /// The segment ends before the field does; the segment's length in bits.
    Short {
        /// The segment's length in bits.
        len: u32,
    },
    /// The version is not 2 (TCF v2.x); the version read.
    Version(u8),
    /// A vendor id of 0 in a range entry.
    VendorIdZero,
    /// A range entry whose end is before its start.
    BackwardsRange {
        /// The entry's first vendor id.
        start: u16,
        /// The entry's last vendor id.
        end: u16,
    },
    /// The vendor list version is 0.
    VendorListVersionZero,
    /// A segment type other than 1, 2 or 3; the type read.
    UnknownSegment(u8),
    /// A second segment of a type already seen; the type.
    DuplicateSegment(u8),
    /// A letter of the consent language or publisher country code over 25 (`Z`);
    /// the value read.
    Letter(u8),
    /// The string is longer than [`TCF_MAX_LEN`]; its length.
    TooLong(usize),
}

/// The `field` of a TC or GPP string error for a character outside base64url:
/// the string's encoding, not a field, is at fault (the bit is the character's).
pub const ENCODING: &str = "encoding";

/// A TC string that cannot be decoded: what is wrong, in which field, where.
///
/// Displays as `vendor_list_version at bit 120 of segment 0: the vendor list
/// version is 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{field} at bit {bit} of segment {segment}: {kind}")]
pub struct TcfError {
    /// What is wrong.
    pub kind: TcfErrorKind,
    /// The field being read, in snake_case (`vendor_consents.max_vendor_id`);
    /// [`ENCODING`] for a character outside base64url, which no field is read
    /// from.
    pub field: &'static str,
    /// The segment, 0 for the core segment, then in the order they appear.
    pub segment: u8,
    /// Where the field starts, in bits from the start of its segment.
    pub bit: u32,
}

impl TcfError {
    /// The result code of every TC string error.
    pub const fn code(&self) -> crate::Code {
        crate::Code::TcfInvalid
    }
}

impl fmt::Display for TcfErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TcfErrorKind::Base64(b) => {
                write!(f, "byte 0x{b:02x} is not a base64url character")
            }
            TcfErrorKind::Short { len } => {
                write!(f, "the segment ends at bit {len}, before this field does")
            }
            TcfErrorKind::Version(v) => {
                write!(f, "version {v} is not TCF v2 (version 2)")
            }
            TcfErrorKind::VendorIdZero => f.write_str("vendor id 0 is not a vendor"),
            TcfErrorKind::BackwardsRange { start, end } => {
                write!(f, "the range {start}-{end} runs backwards")
            }
            TcfErrorKind::VendorListVersionZero => f.write_str("the vendor list version is 0"),
            TcfErrorKind::UnknownSegment(t) => {
                write!(f, "segment type {t} is not 1, 2 or 3")
            }
            TcfErrorKind::DuplicateSegment(t) => {
                write!(f, "a second segment of type {t}")
            }
            TcfErrorKind::Letter(v) => write!(f, "letter value {v} is past Z (25)"),
            TcfErrorKind::TooLong(len) => {
                write!(
                    f,
                    "the string is {len} bytes long; at most {TCF_MAX_LEN} are read"
                )
            }
        }
    }
}

/// Something a decoded TC string should not be, though it decodes (TCF v2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TcfWarning {
    /// Created after 2026-02-28 without a disclosed vendors segment, which TCF
    /// v2.3 requires of such strings.
    DisclosedVendorsMissing,
}

impl TcfWarning {
    /// The warning's stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TcfWarning::DisclosedVendorsMissing => "disclosed_vendors_missing",
        }
    }

    /// The warning in words.
    pub const fn message(self) -> &'static str {
        match self {
            TcfWarning::DisclosedVendorsMissing => {
                "created after 2026-02-28 without a disclosed vendors segment, which TCF v2.3 requires"
            }
        }
    }
}

impl fmt::Display for TcfWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of small ids (purposes, special features, custom purposes) from a fixed
/// bit field: the first bit is id 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct IdSet {
    value: u64,
    width: u8,
}

impl IdSet {
    /// The set of a `width`-bit field (at most 64) whose value is `value`, read
    /// most significant bit first.
    pub const fn from_field(value: u64, width: u8) -> Self {
        IdSet { value, width }
    }

    /// Whether `id` is in the set.
    pub const fn contains(&self, id: u8) -> bool {
        id >= 1 && id <= self.width && (self.value >> (self.width - id)) & 1 == 1
    }

    /// How many ids the field can hold.
    pub const fn width(&self) -> u8 {
        self.width
    }

    /// Whether the set is empty.
    pub const fn is_empty(&self) -> bool {
        self.value == 0
    }

    /// The ids in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        (1..=self.width).filter(|&id| self.contains(id))
    }
}

/// A set of vendor ids as the string writes it: a bit field or a list of ranges.
/// It reads the string's characters; nothing is copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VendorSet<'a> {
    bits: Bits<'a>,
    /// Where the bit field or the first range entry starts.
    at: u32,
    max: u16,
    /// Range entries, when `ranges`.
    entries: u16,
    ranges: bool,
}

impl<'a> VendorSet<'a> {
    /// The set's `MaxVendorId` field (0 for a publisher restriction's vendors,
    /// which have none).
    pub const fn max_vendor_id(&self) -> u16 {
        self.max
    }

    /// Whether the string encodes the set as ranges (else as a bit field).
    pub const fn is_range_encoded(&self) -> bool {
        self.ranges
    }

    /// The vendor ids in the set, in the order the string writes them (ascending
    /// for a bit field; a range list's entries as they come).
    pub fn iter(&self) -> VendorIds<'a> {
        VendorIds {
            set: *self,
            pos: self.at,
            next: 1,
            // Bit field: nothing loaded yet, id 1 first. Ranges: no entry yet
            // (next > end).
            end: if self.ranges { 0 } else { 1 },
            word: 0,
            left: self.entries,
        }
    }

    /// The same ids as [`VendorSet::iter`], in the same order, as runs of
    /// consecutive ids `(first, last)`, both included: a range list's entries as
    /// they come, a bit field's runs of set bits ascending. A batch decoder copies
    /// a run at a time instead of an id at a time.
    pub fn runs(&self) -> VendorRuns<'a> {
        VendorRuns {
            set: *self,
            pos: self.at,
            next: 1,
            end: 1,
            word: 0,
            left: self.entries,
        }
    }

    /// Writes the ids of a bit-field set into `out`, ascending, and returns how
    /// many; without a branch an id, a character (six bits) at a time. `None`,
    /// writing nothing, for a range-encoded set or when `out` is shorter than
    /// [`VendorSet::max_vendor_id`] + 6 (a character's ids are written before
    /// they are counted).
    pub fn write_bit_field(&self, out: &mut [u16]) -> Option<usize> {
        let max = u32::from(self.max);
        if self.ranges || out.len() < self.max as usize + 6 {
            return None;
        }
        if max == 0 {
            return Some(0);
        }
        let first = self.at / 6;
        let last = (self.at + max - 1) / 6;
        let mut n = 0usize;
        for i in first..=last {
            let mut v = self.bits.sextet(i as usize);
            // The field's bits only: none before its start or past its end.
            let start = i * 6;
            if start < self.at {
                v &= 0x3f >> (self.at - start);
            }
            let end = start + 6;
            if end > self.at + max {
                v &= 0x3f << (end - self.at - max);
            }
            // The id of the character's first bit; less than 1 in the first
            // character when the field starts inside it (those bits are masked).
            let base = (start as i64 - self.at as i64 + 1) as i32;
            let row = &SET_BITS[usize::from(v & 0x3f)];
            let slots = &mut out[n..n + 6];
            for (slot, offset) in slots.iter_mut().zip(row) {
                *slot = (base + i32::from(*offset)) as u16;
            }
            n += usize::from(row[SET_COUNT]);
        }
        Some(n)
    }

    /// Whether vendor `id` is in the set.
    pub fn contains(&self, id: u16) -> bool {
        if self.ranges {
            let mut entries = RangeEntries {
                bits: self.bits,
                pos: self.at,
                left: self.entries,
            };
            entries.any(|(start, end)| start <= id && id <= end)
        } else {
            id >= 1 && id <= self.max && self.bits.bit(self.at + u32::from(id) - 1) == Some(true)
        }
    }

    /// Whether the set holds no vendor.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// The range entries of a checked list: `(start, end)`, end inclusive.
struct RangeEntries<'a> {
    bits: Bits<'a>,
    pos: u32,
    left: u16,
}

impl Iterator for RangeEntries<'_> {
    type Item = (u16, u16);

    #[inline]
    fn next(&mut self) -> Option<(u16, u16)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let is_range = self.bits.bit(self.pos)?;
        let start = self.bits.get(self.pos + 1, 16)? as u16;
        if is_range {
            let end = self.bits.get(self.pos + 17, 16)? as u16;
            self.pos += 33;
            Some((start, end))
        } else {
            self.pos += 17;
            Some((start, start))
        }
    }
}

/// The ids of a [`VendorSet`]; see [`VendorSet::iter`].
#[derive(Clone, Debug)]
pub struct VendorIds<'a> {
    set: VendorSet<'a>,
    /// Bit field: unused. Ranges: where the next entry starts.
    pos: u32,
    /// Bit field: the id of `word`'s top bit. Ranges: the next id of the current
    /// entry.
    next: u32,
    /// Bit field: the first id not yet loaded into `word`. Ranges: the current
    /// entry's last id.
    end: u32,
    /// Bit field: a window of the field, left-aligned, ids already returned
    /// shifted out; each id costs a count of leading zeros, and a refill every
    /// 54 bits.
    word: u64,
    /// Ranges: entries not yet read.
    left: u16,
}

/// For each character's six bits, the offsets (0 for its most significant bit)
/// of those set, ascending, then padding; at [`SET_COUNT`], how many are set.
/// (A table, not `count_ones`: without the `popcnt` target feature, which a
/// portable build does not assume, that is a dozen instructions.)
const SET_BITS: [[u8; 8]; 64] = {
    let mut t = [[0u8; 8]; 64];
    let mut v = 0;
    while v < 64 {
        let mut n = 0;
        let mut k = 0;
        while k < 6 {
            if v >> (5 - k) & 1 == 1 {
                t[v][n] = k as u8;
                n += 1;
            }
            k += 1;
        }
        t[v][SET_COUNT] = n as u8;
        v += 1;
    }
    t
};

/// Where a row of [`SET_BITS`] holds its count of set bits.
const SET_COUNT: usize = 7;

/// Bits loaded into a bit field's window at a time: nine characters.
const WINDOW: u32 = 54;

impl Iterator for VendorIds<'_> {
    type Item = u16;

    #[inline]
    fn next(&mut self) -> Option<u16> {
        let set = &self.set;
        if !set.ranges {
            loop {
                if self.word != 0 {
                    let skip = self.word.leading_zeros();
                    let id = self.next + skip;
                    // Two shifts: a shift by 64 would overflow.
                    self.word = (self.word << skip) << 1;
                    self.next = id + 1;
                    return Some(id as u16);
                }
                let first = self.end;
                let max = u32::from(set.max);
                if first > max {
                    return None;
                }
                let width = (max - first + 1).min(WINDOW);
                let bits = set.bits.get(set.at + first - 1, width).unwrap_or(0);
                self.word = bits << (64 - width);
                self.next = first;
                self.end = first + width;
            }
        }
        loop {
            if self.next <= self.end {
                let id = self.next;
                self.next += 1;
                return Some(id as u16);
            }
            let mut entries = RangeEntries {
                bits: set.bits,
                pos: self.pos,
                left: self.left,
            };
            let (start, end) = entries.next()?;
            self.pos = entries.pos;
            self.left = entries.left;
            self.next = u32::from(start);
            self.end = u32::from(end);
        }
    }
}

/// The runs of a [`VendorSet`]; see [`VendorSet::runs`].
#[derive(Clone, Debug)]
pub struct VendorRuns<'a> {
    set: VendorSet<'a>,
    /// Ranges: where the next entry starts.
    pos: u32,
    /// Bit field: the id of `word`'s top bit.
    next: u32,
    /// Bit field: the first id not yet loaded into `word`.
    end: u32,
    /// Bit field: a window of the field, left-aligned, ids already returned
    /// shifted out.
    word: u64,
    /// Ranges: entries not yet read.
    left: u16,
}

impl VendorRuns<'_> {
    /// Loads the next window of a bit field; false past its end.
    #[inline]
    fn refill(&mut self) -> bool {
        let first = self.end;
        let max = u32::from(self.set.max);
        if first > max {
            return false;
        }
        let width = (max - first + 1).min(WINDOW);
        let bits = self
            .set
            .bits
            .get(self.set.at + first - 1, width)
            .unwrap_or(0);
        self.word = bits << (64 - width);
        self.next = first;
        self.end = first + width;
        true
    }

    /// Shifts `n` (at most 64) ids out of the window.
    #[inline]
    fn consume(&mut self, n: u32) {
        // Two shifts: a shift by 64 would overflow.
        self.word = (self.word << (n / 2)) << (n - n / 2);
        self.next += n;
    }
}

impl Iterator for VendorRuns<'_> {
    type Item = (u16, u16);

    // Inlined into a caller's loop, a run costs a few instructions, not a call.
    #[inline(always)]
    fn next(&mut self) -> Option<(u16, u16)> {
        if self.set.ranges {
            let mut entries = RangeEntries {
                bits: self.set.bits,
                pos: self.pos,
                left: self.left,
            };
            let run = entries.next()?;
            self.pos = entries.pos;
            self.left = entries.left;
            return Some(run);
        }
        while self.word == 0 {
            if !self.refill() {
                return None;
            }
        }
        let skip = self.word.leading_zeros();
        self.consume(skip);
        let first = self.next;
        let ones = self.word.leading_ones();
        self.consume(ones);
        // A run that reaches the end of the window may go on in the next one.
        while self.word == 0 && self.next == self.end && self.refill() {
            let ones = self.word.leading_ones();
            self.consume(ones);
            if ones < WINDOW {
                break;
            }
        }
        Some((first as u16, (self.next - 1) as u16))
    }
}

/// One publisher restriction: a purpose, a restriction type (0 not allowed, 1
/// require consent, 2 require legitimate interest) and the vendors it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restriction<'a> {
    /// The purpose id.
    pub purpose: u8,
    /// The restriction type, 0 to 3.
    pub restriction_type: u8,
    /// The vendors restricted.
    pub vendors: VendorSet<'a>,
}

/// The publisher restrictions of the core segment, read in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restrictions<'a> {
    bits: Bits<'a>,
    at: u32,
    count: u16,
}

impl<'a> Restrictions<'a> {
    /// How many restrictions the string holds.
    pub const fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are none.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The restrictions in the order the string writes them.
    pub fn iter(&self) -> impl Iterator<Item = Restriction<'a>> + Clone + 'a {
        let bits = self.bits;
        let mut pos = self.at;
        (0..self.count).map(move |_| {
            let purpose = bits.get(pos, 6).unwrap_or(0) as u8;
            let restriction_type = bits.get(pos + 6, 2).unwrap_or(0) as u8;
            let entries = bits.get(pos + 8, 12).unwrap_or(0) as u16;
            let vendors = VendorSet {
                bits,
                at: pos + 20,
                max: 0,
                entries,
                ranges: true,
            };
            let mut walk = RangeEntries {
                bits,
                pos: pos + 20,
                left: entries,
            };
            for _ in walk.by_ref() {}
            pos = walk.pos;
            Restriction {
                purpose,
                restriction_type,
                vendors,
            }
        })
    }
}

/// The publisher TC segment (type 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct PublisherTc {
    /// `PubPurposesConsent`.
    pub purposes_consent: IdSet,
    /// `PubPurposesLITransparency`.
    pub purposes_li: IdSet,
    /// `CustomPurposesConsent`.
    pub custom_purposes_consent: IdSet,
    /// `CustomPurposesLITransparency`.
    pub custom_purposes_li: IdSet,
}

/// A decoded TC string: the core segment's fields and the optional segments,
/// borrowing the string's characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcString<'a> {
    /// `Version`: always 2.
    pub version: u8,
    /// `Created`, in deciseconds since 1970-01-01T00:00:00Z.
    pub created: u64,
    /// `LastUpdated`, in deciseconds since 1970-01-01T00:00:00Z.
    pub last_updated: u64,
    /// `CmpId`.
    pub cmp_id: u16,
    /// `CmpVersion`.
    pub cmp_version: u16,
    /// `ConsentScreen`.
    pub consent_screen: u8,
    /// `ConsentLanguage`: two ASCII capitals.
    pub consent_language: [u8; 2],
    /// `VendorListVersion`, never 0.
    pub vendor_list_version: u16,
    /// `TcfPolicyVersion`.
    pub tcf_policy_version: u8,
    /// `IsServiceSpecific`.
    pub is_service_specific: bool,
    /// `UseNonStandardTexts` (formerly `UseNonStandardStacks`).
    pub use_non_standard_stacks: bool,
    /// `SpecialFeatureOptIns`.
    pub special_feature_opt_ins: IdSet,
    /// `PurposesConsent`.
    pub purposes_consent: IdSet,
    /// `PurposesLITransparency`.
    pub purposes_li: IdSet,
    /// `PurposeOneTreatment`.
    pub purpose_one_treatment: bool,
    /// `PublisherCC`: two ASCII capitals.
    pub publisher_cc: [u8; 2],
    /// The vendor consent section.
    pub vendor_consents: VendorSet<'a>,
    /// The vendor legitimate interest section.
    pub vendor_li: VendorSet<'a>,
    /// The publisher restrictions section.
    pub publisher_restrictions: Restrictions<'a>,
    /// The disclosed vendors segment, when present.
    pub disclosed_vendors: Option<VendorSet<'a>>,
    /// The allowed vendors segment, when present (TCF v2.2 dropped it; older
    /// strings still carry it).
    pub allowed_vendors: Option<VendorSet<'a>>,
    /// The publisher TC segment, when present.
    pub publisher_tc: Option<PublisherTc>,
}

/// Field names of one vendor set, so an error names the set it is in.
struct SetNames {
    max: &'static str,
    is_range: &'static str,
    bit_field: &'static str,
    num_entries: &'static str,
    entry: RangeNames,
}

struct RangeNames {
    is_a_range: &'static str,
    start: &'static str,
    end: &'static str,
}

macro_rules! set_names {
    ($set:literal) => {
        SetNames {
            max: concat!($set, ".max_vendor_id"),
            is_range: concat!($set, ".is_range_encoding"),
            bit_field: concat!($set, ".bit_field"),
            num_entries: concat!($set, ".num_entries"),
            entry: RangeNames {
                is_a_range: concat!($set, ".is_a_range"),
                start: concat!($set, ".start_or_only_vendor_id"),
                end: concat!($set, ".end_vendor_id"),
            },
        }
    };
}

const VENDOR_CONSENTS: SetNames = set_names!("vendor_consents");
const VENDOR_LI: SetNames = set_names!("vendor_li");
const DISCLOSED: SetNames = set_names!("disclosed_vendors");
const ALLOWED: SetNames = set_names!("allowed_vendors");
const RESTRICTION: RangeNames = RangeNames {
    is_a_range: "publisher_restrictions.is_a_range",
    start: "publisher_restrictions.start_or_only_vendor_id",
    end: "publisher_restrictions.end_vendor_id",
};

/// Reads fields in order from one segment.
struct Cursor<'a> {
    bits: Bits<'a>,
    at: u32,
    segment: u8,
}

impl<'a> Cursor<'a> {
    fn new(chars: &'a [u8], segment: u8) -> Result<Self, TcfError> {
        match Bits::new(chars) {
            Ok(bits) => Ok(Cursor {
                bits,
                at: 0,
                segment,
            }),
            Err(i) => Err(TcfError {
                kind: TcfErrorKind::Base64(chars[i]),
                field: ENCODING,
                segment,
                bit: i as u32 * 6,
            }),
        }
    }

    fn error(&self, kind: TcfErrorKind, field: &'static str, bit: u32) -> TcfError {
        TcfError {
            kind,
            field,
            segment: self.segment,
            bit,
        }
    }

    #[inline]
    fn take(&mut self, width: u32, field: &'static str) -> Result<u64, TcfError> {
        match self.bits.get(self.at, width) {
            Some(v) => {
                self.at += width;
                Ok(v)
            }
            None => Err(self.error(
                TcfErrorKind::Short {
                    len: self.bits.len(),
                },
                field,
                self.at,
            )),
        }
    }

    fn flag(&mut self, field: &'static str) -> Result<bool, TcfError> {
        Ok(self.take(1, field)? == 1)
    }

    fn ids(&mut self, width: u8, field: &'static str) -> Result<IdSet, TcfError> {
        Ok(IdSet::from_field(
            self.take(u32::from(width), field)?,
            width,
        ))
    }

    fn letters(&mut self, field: &'static str) -> Result<[u8; 2], TcfError> {
        let at = self.at;
        let v = self.take(12, field)?;
        let (a, b) = ((v >> 6) as u8, (v & 0x3f) as u8);
        for letter in [a, b] {
            if letter > 25 {
                return Err(self.error(TcfErrorKind::Letter(letter), field, at));
            }
        }
        Ok([b'A' + a, b'A' + b])
    }

    /// Checks `count` range entries and moves past them.
    fn ranges(&mut self, count: u16, names: &RangeNames) -> Result<(), TcfError> {
        for _ in 0..count {
            let is_range = self.flag(names.is_a_range)?;
            let start_at = self.at;
            let start = self.take(16, names.start)? as u16;
            if start == 0 {
                return Err(self.error(TcfErrorKind::VendorIdZero, names.start, start_at));
            }
            if is_range {
                let end_at = self.at;
                let end = self.take(16, names.end)? as u16;
                if end < start {
                    return Err(self.error(
                        TcfErrorKind::BackwardsRange { start, end },
                        names.end,
                        end_at,
                    ));
                }
            }
        }
        Ok(())
    }

    /// A vendor section: `MaxVendorId`, `IsRangeEncoding`, then a bit field or
    /// range entries.
    fn vendor_set(&mut self, names: &SetNames) -> Result<VendorSet<'a>, TcfError> {
        let max = self.take(16, names.max)? as u16;
        let ranges = self.flag(names.is_range)?;
        if ranges {
            let entries = self.take(12, names.num_entries)? as u16;
            let at = self.at;
            self.ranges(entries, &names.entry)?;
            Ok(VendorSet {
                bits: self.bits,
                at,
                max,
                entries,
                ranges,
            })
        } else {
            let at = self.at;
            if u64::from(at) + u64::from(max) > u64::from(self.bits.len()) {
                return Err(self.error(
                    TcfErrorKind::Short {
                        len: self.bits.len(),
                    },
                    names.bit_field,
                    at,
                ));
            }
            self.at += u32::from(max);
            Ok(VendorSet {
                bits: self.bits,
                at,
                max,
                entries: 0,
                ranges,
            })
        }
    }

    fn restrictions(&mut self) -> Result<Restrictions<'a>, TcfError> {
        let count = self.take(12, "publisher_restrictions.num_pub_restrictions")? as u16;
        let at = self.at;
        for _ in 0..count {
            self.take(6, "publisher_restrictions.purpose_id")?;
            self.take(2, "publisher_restrictions.restriction_type")?;
            let entries = self.take(12, "publisher_restrictions.num_entries")? as u16;
            self.ranges(entries, &RESTRICTION)?;
        }
        Ok(Restrictions {
            bits: self.bits,
            at,
            count,
        })
    }
}

impl<'a> TcString<'a> {
    /// Decodes a TC string, checking every field.
    ///
    /// # Errors
    /// A [`TcfError`] naming the field, segment and bit where the string is wrong.
    pub fn decode(s: &'a [u8]) -> Result<Self, TcfError> {
        if s.len() > TCF_MAX_LEN {
            return Err(TcfError {
                kind: TcfErrorKind::TooLong(s.len()),
                field: "version",
                segment: 0,
                bit: 0,
            });
        }
        let mut segments = s.split(|&b| b == b'.');
        let core = segments.next().unwrap_or_default();
        let mut c = Cursor::new(core, 0)?;
        let version = c.take(6, "version")? as u8;
        if version != 2 {
            return Err(c.error(TcfErrorKind::Version(version), "version", 0));
        }
        let created = c.take(36, "created")?;
        let last_updated = c.take(36, "last_updated")?;
        let cmp_id = c.take(12, "cmp_id")? as u16;
        let cmp_version = c.take(12, "cmp_version")? as u16;
        let consent_screen = c.take(6, "consent_screen")? as u8;
        let consent_language = c.letters("consent_language")?;
        let vlv_at = c.at;
        let vendor_list_version = c.take(12, "vendor_list_version")? as u16;
        if vendor_list_version == 0 {
            return Err(c.error(
                TcfErrorKind::VendorListVersionZero,
                "vendor_list_version",
                vlv_at,
            ));
        }
        let tcf_policy_version = c.take(6, "tcf_policy_version")? as u8;
        let is_service_specific = c.flag("is_service_specific")?;
        let use_non_standard_stacks = c.flag("use_non_standard_stacks")?;
        let special_feature_opt_ins = c.ids(12, "special_feature_opt_ins")?;
        let purposes_consent = c.ids(24, "purposes_consent")?;
        let purposes_li = c.ids(24, "purposes_li")?;
        let purpose_one_treatment = c.flag("purpose_one_treatment")?;
        let publisher_cc = c.letters("publisher_cc")?;
        let vendor_consents = c.vendor_set(&VENDOR_CONSENTS)?;
        let vendor_li = c.vendor_set(&VENDOR_LI)?;
        let publisher_restrictions = c.restrictions()?;

        let mut tc = TcString {
            version,
            created,
            last_updated,
            cmp_id,
            cmp_version,
            consent_screen,
            consent_language,
            vendor_list_version,
            tcf_policy_version,
            is_service_specific,
            use_non_standard_stacks,
            special_feature_opt_ins,
            purposes_consent,
            purposes_li,
            purpose_one_treatment,
            publisher_cc,
            vendor_consents,
            vendor_li,
            publisher_restrictions,
            disclosed_vendors: None,
            allowed_vendors: None,
            publisher_tc: None,
        };
        for (i, chars) in segments.enumerate() {
            let segment = u8::try_from(i + 1).unwrap_or(u8::MAX);
            let mut c = Cursor::new(chars, segment)?;
            let kind = c.take(3, "segment_type")? as u8;
            let seen = match kind {
                1 => tc.disclosed_vendors.is_some(),
                2 => tc.allowed_vendors.is_some(),
                3 => tc.publisher_tc.is_some(),
                _ => return Err(c.error(TcfErrorKind::UnknownSegment(kind), "segment_type", 0)),
            };
            if seen {
                return Err(c.error(TcfErrorKind::DuplicateSegment(kind), "segment_type", 0));
            }
            match kind {
                1 => tc.disclosed_vendors = Some(c.vendor_set(&DISCLOSED)?),
                2 => tc.allowed_vendors = Some(c.vendor_set(&ALLOWED)?),
                _ => {
                    let purposes_consent = c.ids(24, "pub_purposes_consent")?;
                    let purposes_li = c.ids(24, "pub_purposes_li")?;
                    let n = c.take(6, "num_custom_purposes")? as u8;
                    let custom_purposes_consent = c.ids(n, "custom_purposes_consent")?;
                    let custom_purposes_li = c.ids(n, "custom_purposes_li")?;
                    tc.publisher_tc = Some(PublisherTc {
                        purposes_consent,
                        purposes_li,
                        custom_purposes_consent,
                        custom_purposes_li,
                    });
                }
            }
        }
        Ok(tc)
    }

    /// When the string was created, to the decisecond.
    pub fn created_at(&self) -> time::OffsetDateTime {
        deciseconds(self.created)
    }

    /// When the string was last updated, to the decisecond.
    pub fn last_updated_at(&self) -> time::OffsetDateTime {
        deciseconds(self.last_updated)
    }

    /// The consent language as text (`"EN"`).
    pub fn consent_language_str(&self) -> &str {
        letters_str(&self.consent_language)
    }

    /// The publisher country code as text (`"DK"`).
    pub fn publisher_cc_str(&self) -> &str {
        letters_str(&self.publisher_cc)
    }

    /// What TCF v2.3 asks of the string that it does not do; see [`TcfWarning`].
    pub fn warnings(&self) -> impl Iterator<Item = TcfWarning> {
        let missing =
            self.disclosed_vendors.is_none() && self.created >= DISCLOSED_VENDORS_REQUIRED_FROM;
        missing
            .then_some(TcfWarning::DisclosedVendorsMissing)
            .into_iter()
    }
}

fn letters_str(l: &[u8; 2]) -> &str {
    // Both are ASCII capitals, checked when decoding.
    core::str::from_utf8(l).unwrap_or("")
}

fn deciseconds(ds: u64) -> time::OffsetDateTime {
    // 36 bits of deciseconds end in the year 2187, inside `time`'s range.
    let nanos = i128::from(ds) * 100_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
