//! The consent cookie, format `v1` (SPEC §5): a [`ConsentState`] in one cookie value.
//!
//! A value is the version tag `v1.` followed by the binary record below in
//! base64url without padding (RFC 4648 §5), so it holds RFC 6265 `cookie-octet`s
//! only. Encoding and decoding write into and read from caller buffers; nothing is
//! allocated. [`COOKIE_MAX_LEN`] bytes always suffice.
//!
//! ```
//! use samtykke::{ConsentState, Ctx, COOKIE_MAX_LEN};
//! use time::macros::datetime;
//!
//! let mut index = [0u16; samtykke::example::KK_DK.storage.len()];
//! let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
//! let mut state = ConsentState::new(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
//! state.reject_all(&policy, Ctx::button(datetime!(2026-03-01 10:00 UTC), 1));
//!
//! let key = b"the site's secret key, 32 bytes!";
//! let mut buf = [0u8; COOKIE_MAX_LEN];
//! let n = state.encode_cookie(&policy, Some(key), &mut buf).unwrap();
//! let value = &buf[..n];
//! assert!(value.starts_with(b"v1."));
//! assert_eq!(ConsentState::decode_cookie(&policy, value, Some(key)), Ok(state));
//! ```
//!
//! # Binary layout
//!
//! Integers marked *varint* are unsigned LEB128 (7 bits a byte, least significant
//! group first) in their shortest form; *zigzag* maps a signed `n` to `2n` or
//! `-2n - 1` before the varint. A decoder rejects longer forms, values out of
//! their field's range, set reserved bits and trailing bytes, so each state has
//! exactly one encoding.
//!
//! | field | bytes | content |
//! |---|---|---|
//! | flags | 1 | bit 0: a tag follows; bit 1: a full decision was made; bit 2: its GPC flag; bit 3: decision time and revision follow; bit 4: partial-refusal time and revision follow; bits 5–7: zero |
//! | consent id | 16 | the 128-bit consent id, big-endian |
//! | action, control | 1 | low nibble: the last action + 1 (`0`: none; see [`Action`]); high nibble: the control ([`Control`]) |
//! | notice version | 1–3 | varint, at most 65535 |
//! | decided at | 1–10 | if flag bit 3: zigzag UTC seconds of the last full decision |
//! | decided revision | 1–5 | if flag bit 3: varint, the policy revision of that decision |
//! | partial at | 1–10 | if flag bit 4: zigzag of the partial refusal's UTC seconds minus *decided at* (0 when absent), wrapping |
//! | partial revision | 1–5 | if flag bit 4: zigzag of its revision minus *decided revision* |
//! | decided slots | 1–5 | varint: a bit per category slot that holds a decision |
//! | decisions | ⌈2n/8⌉ | 2 bits per decided slot (`n` of them), in ascending slot order, least significant bits first: `0` granted, `1` refused, `2` withdrawn, `3` refused by a GPC signal; unused high bits zero |
//! | refused providers | 1–17 | a length `L` (0–16), then the refused provider slots' bit mask as `L` little-endian bytes, the last one not zero |
//! | tag | 16 | if flag bit 0: HMAC-SHA-256 truncated to its first 128 bits |
//!
//! A slot with no decision is *undecided*, so a cookie needs room only for the
//! slots decided. A signed cookie for a policy of 8 categories and 64 providers is
//! at most 114 characters, whatever the slots, revisions and times (any time of
//! the years −9999 to 9999, which `time` represents).
//!
//! # Signing
//!
//! With a site key, the tag is HMAC-SHA-256 under that key over
//! `samtykke-v1`, the varint length of the policy's `site`, the site, and
//! every byte of the record before the tag. Naming the site means a cookie signed
//! for one site does not verify for another that shares the key. The tag is
//! compared in constant time.
//!
//! When decoding with a key, an untagged cookie is [`CookieError::Unsigned`] and a
//! tag that does not verify [`CookieError::BadSignature`], whatever the record
//! holds. Without a key, a tagged cookie decodes *unverified*: its tag is skipped,
//! and the state is what the visitor's browser sent, so it must not be taken as
//! proof.
//!
//! A host that reads many cookies keeps a [`CookieKey`] and calls
//! [`ConsentState::decode_cookie_with`] and [`ConsentState::encode_cookie_with`]:
//! the key's two HMAC setup blocks are then hashed once, not on every call, and a
//! verification costs two SHA-256 compressions.
//!
//! # Policies change
//!
//! Decisions are stored by category and provider slot, which a newer policy
//! revision keeps and never reuses (SPEC §3). Decoding therefore keeps only the
//! slots the policy has: decisions for slots it no longer has are ignored, and
//! categories and providers the cookie does not mention read as undecided and not
//! refused. Encoding likewise writes only the policy's slots. Whether an old
//! decision still counts is the state's business (R16, R17), not the cookie's.
//!
//! A value is taken as sent: surrounding double quotes (which RFC 6265 allows)
//! are not stripped here.

use core::fmt;

use crate::error::Code;
use crate::policy::ValidPolicy;
use crate::state::{Action, ConsentState, Control, StateParts};

/// The version tag every `v1` consent cookie starts with.
const VERSION: &[u8] = b"v1.";

/// Domain separation for the tag: no other HMAC under a site key can collide.
/// It is short so that the usual record and site fit SHA-256's first block
/// (55 bytes with the padding), which keeps a verification at two compressions.
const MAC_DOMAIN: &[u8] = b"samtykke-v1";

/// Length of the truncated tag.
const TAG_LEN: usize = 16;

const FLAG_TAGGED: u8 = 1 << 0;
const FLAG_DECIDED: u8 = 1 << 1;
const FLAG_GPC: u8 = 1 << 2;
const FLAG_DECIDED_AT: u8 = 1 << 3;
const FLAG_PARTIAL: u8 = 1 << 4;
const FLAG_RESERVED: u8 = !0x1f;

/// The longest record (binary, before base64), field by field as documented above.
const MAX_RECORD: usize = 1 // flags
    + 16 // consent id
    + 1 // action, control
    + 3 // notice
    + 10 + 5 // decided at, revision
    + 10 + 5 // partial at, revision
    + 5 + (crate::CATEGORY_SLOTS * 2).div_ceil(8) // decided slots, decisions
    + 1 + 16 // providers
    + TAG_LEN;

const fn base64_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}

/// The longest value [`ConsentState::encode_cookie`] writes, for any valid policy
/// and state: a buffer this long always suffices. Longer values do not decode
/// ([`CookieError::TooLong`]).
pub const COOKIE_MAX_LEN: usize = VERSION.len() + base64_len(MAX_RECORD);

/// A field of the consent cookie's binary record (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CookieField {
    /// The flag byte.
    Flags,
    /// The 128-bit consent id.
    ConsentId,
    /// The byte holding the action and the control.
    ActionControl,
    /// The notice version.
    Notice,
    /// The time of the last full decision.
    DecidedAt,
    /// The revision of the last full decision.
    DecidedRevision,
    /// The time of the partial refusal.
    PartialAt,
    /// The revision of the partial refusal.
    PartialRevision,
    /// The mask of decided category slots.
    DecidedSlots,
    /// The decision codes of the decided slots.
    Decisions,
    /// The refused providers.
    ProvidersRefused,
    /// The HMAC tag.
    Tag,
}

impl CookieField {
    /// The field's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CookieField::Flags => "flags",
            CookieField::ConsentId => "consent id",
            CookieField::ActionControl => "action and control",
            CookieField::Notice => "notice version",
            CookieField::DecidedAt => "decided at",
            CookieField::DecidedRevision => "decided revision",
            CookieField::PartialAt => "partial-refusal time",
            CookieField::PartialRevision => "partial-refusal revision",
            CookieField::DecidedSlots => "decided slots",
            CookieField::Decisions => "decisions",
            CookieField::ProvidersRefused => "refused providers",
            CookieField::Tag => "tag",
        }
    }
}

impl fmt::Display for CookieField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a consent cookie could not be encoded or decoded, and where.
///
/// Offsets of characters count bytes of the whole value from 0 (the `v` of `v1.`);
/// offsets of fields count bytes of the decoded binary record from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum CookieError {
    /// The value does not start with `v1.`.
    #[error("consent cookie does not start with the version tag \"v1.\"")]
    Version,
    /// The value is longer than any consent cookie samtykke writes.
    #[error("consent cookie is {len} bytes long; at most {max} are ever written", max = COOKIE_MAX_LEN)]
    TooLong {
        /// Length of the value.
        len: usize,
    },
    /// A character outside the base64url alphabet.
    #[error("consent cookie: byte {offset} ({byte:#04x}) is not a base64url character")]
    InvalidChar {
        /// Offset of the character in the value.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// A number of base64url characters no byte string encodes.
    #[error("consent cookie: {chars} base64url characters do not encode whole bytes")]
    InvalidLength {
        /// Number of characters after `v1.`.
        chars: usize,
    },
    /// The last character carries bits no encoder sets (a corrupted or truncated value).
    #[error("consent cookie: the last character, at byte {offset}, has stray low bits")]
    TrailingBits {
        /// Offset of the character in the value.
        offset: usize,
    },
    /// The record ends inside a field.
    #[error("consent cookie is truncated in its {field} field")]
    Truncated {
        /// The field cut short.
        field: CookieField,
    },
    /// A field holds a value no encoder writes.
    #[error("consent cookie: {field} at record byte {offset}: {reason}")]
    InvalidField {
        /// The field.
        field: CookieField,
        /// Offset of the field in the binary record.
        offset: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Bytes follow the last field.
    #[error("consent cookie: unexpected bytes after the last field, from record byte {offset}")]
    TrailingBytes {
        /// Offset of the first extra byte in the binary record.
        offset: usize,
    },
    /// A site key was given, but the cookie carries no tag.
    #[error("consent cookie is not signed, but a site key was given")]
    Unsigned,
    /// The tag does not verify under the site key and the policy's site.
    #[error("consent cookie's signature does not verify for this site and key")]
    BadSignature,
    /// The output buffer is too small; nothing useful was written.
    #[error("output buffer too small for the consent cookie: {needed} bytes needed")]
    BufferTooSmall {
        /// The length the cookie needs.
        needed: usize,
    },
}

impl CookieError {
    /// The result code of this error.
    pub const fn code(&self) -> Code {
        match self {
            CookieError::Version => Code::CookieVersion,
            CookieError::TooLong { .. } => Code::CookieTooLong,
            CookieError::InvalidChar { .. }
            | CookieError::InvalidLength { .. }
            | CookieError::TrailingBits { .. } => Code::CookieEncoding,
            CookieError::Truncated { .. }
            | CookieError::InvalidField { .. }
            | CookieError::TrailingBytes { .. } => Code::CookieMalformed,
            CookieError::Unsigned => Code::CookieUnsigned,
            CookieError::BadSignature => Code::CookieBadSignature,
            CookieError::BufferTooSmall { .. } => Code::BufferTooSmall,
        }
    }
}

// ---- the record --------------------------------------------------------------

/// Two-bit decision codes, in the order the layout table gives them.
const GRANTED: u8 = 0;
const REFUSED: u8 = 1;
const WITHDRAWN: u8 = 2;
const SIGNALLED: u8 = 3;

#[inline]
const fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

#[inline]
const fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// A record under construction, in a fixed buffer that always fits.
struct Writer {
    buf: [u8; MAX_RECORD],
    len: usize,
}

impl Writer {
    #[inline]
    fn byte(&mut self, b: u8) {
        // MAX_RECORD bounds every field; indexing is in range by construction.
        self.buf[self.len] = b;
        self.len += 1;
    }

    #[inline]
    fn bytes(&mut self, b: &[u8]) {
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    #[inline]
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.byte(v as u8 | 0x80);
            v >>= 7;
        }
        self.byte(v as u8);
    }
}

/// A cursor over a decoded record that names the field it fails in.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    fn take(&mut self, n: usize, field: CookieField) -> Result<&'a [u8], CookieError> {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        let got = rest.get(..n).ok_or(CookieError::Truncated { field })?;
        self.pos += n;
        Ok(got)
    }

    #[inline]
    fn byte(&mut self, field: CookieField) -> Result<u8, CookieError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or(CookieError::Truncated { field })?;
        self.pos += 1;
        Ok(b)
    }

    /// A shortest-form varint no greater than `max`.
    #[inline]
    fn varint(&mut self, field: CookieField, max: u64) -> Result<u64, CookieError> {
        let start = self.pos;
        let invalid = |reason| CookieError::InvalidField {
            field,
            offset: start,
            reason,
        };
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.byte(field)?;
            if shift == 63 && b > 1 {
                return Err(invalid("number does not fit in 64 bits"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 {
                    return Err(invalid("number not in its shortest form"));
                }
                break;
            }
            shift += 7;
        }
        if v > max {
            return Err(invalid("number out of range"));
        }
        Ok(v)
    }
}

impl ConsentState {
    /// Writes the state as a `v1` consent cookie value into `out` and returns its
    /// length. With `key`, the value carries a tag binding it to the key and to the
    /// policy's site (see the [module docs](crate::cookie)).
    ///
    /// Only the policy's category and provider slots are written.
    /// [`COOKIE_MAX_LEN`] bytes always suffice.
    ///
    /// # Errors
    ///
    /// [`CookieError::BufferTooSmall`] with the length needed, when `out` is
    /// shorter; `out` is then left untouched.
    pub fn encode_cookie(
        &self,
        policy: &ValidPolicy<'_>,
        key: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<usize, CookieError> {
        self.encode_cookie_with(policy, key.map(CookieKey::new).as_ref(), out)
    }

    /// [`ConsentState::encode_cookie`] with a prepared key.
    ///
    /// # Errors
    ///
    /// [`CookieError::BufferTooSmall`] with the length needed, when `out` is
    /// shorter; `out` is then left untouched.
    pub fn encode_cookie_with(
        &self,
        policy: &ValidPolicy<'_>,
        key: Option<&CookieKey>,
        out: &mut [u8],
    ) -> Result<usize, CookieError> {
        let mut w = Writer {
            buf: [0; MAX_RECORD],
            len: 0,
        };
        let p = self.to_parts();
        let consent = policy.consent_slots().bits();
        let (granted, refused) = (p.granted & consent, p.refused & consent);
        let (withdrawn, signalled) = (p.withdrawn & consent, p.signalled & consent);
        let providers = p.providers_refused & policy.provider_slots().bits();

        let has_decided_at = p.decided_at != 0 || p.decided_revision != 0;
        let has_partial = p.partial_at != 0 || p.partial_revision != 0;
        let decided = p.flags & 1 != 0;
        let gpc = p.flags & 2 != 0;
        let flags = if key.is_some() { FLAG_TAGGED } else { 0 }
            | if decided { FLAG_DECIDED } else { 0 }
            | if gpc { FLAG_GPC } else { 0 }
            | if has_decided_at { FLAG_DECIDED_AT } else { 0 }
            | if has_partial { FLAG_PARTIAL } else { 0 };
        w.byte(flags);
        w.bytes(&p.consent_id.to_be_bytes());
        let action = self.action().map_or(0, |a| a as u8 + 1);
        w.byte(action | (self.control() as u8) << 4);
        w.varint(u64::from(p.notice));
        if has_decided_at {
            w.varint(zigzag(p.decided_at));
            w.varint(u64::from(p.decided_revision));
        }
        if has_partial {
            w.varint(zigzag(p.partial_at.wrapping_sub(p.decided_at)));
            let delta = i64::from(p.partial_revision) - i64::from(p.decided_revision);
            w.varint(zigzag(delta));
        }

        let decided_slots = granted | refused | withdrawn | signalled;
        w.varint(u64::from(decided_slots));
        let (mut acc, mut bits) = (0u8, 0u32);
        let mut rest = decided_slots;
        while rest != 0 {
            let bit = rest & rest.wrapping_neg();
            rest &= rest - 1;
            let code = if granted & bit != 0 {
                GRANTED
            } else if refused & bit != 0 {
                REFUSED
            } else if withdrawn & bit != 0 {
                WITHDRAWN
            } else {
                SIGNALLED
            };
            acc |= code << bits;
            bits += 2;
            if bits == 8 {
                w.byte(acc);
                (acc, bits) = (0, 0);
            }
        }
        if bits != 0 {
            w.byte(acc);
        }

        let len = (16 - providers.leading_zeros() / 8) as usize;
        w.byte(len as u8);
        w.bytes(&providers.to_le_bytes()[..len]);

        if let Some(key) = key {
            let tag = key.tag(policy.policy().site, &w.buf[..w.len]);
            w.bytes(&tag[..TAG_LEN]);
        }

        let needed = VERSION.len() + base64_len(w.len);
        let Some(out) = out.get_mut(..needed) else {
            return Err(CookieError::BufferTooSmall { needed });
        };
        out[..VERSION.len()].copy_from_slice(VERSION);
        encode_base64(&w.buf[..w.len], &mut out[VERSION.len()..]);
        Ok(needed)
    }

    /// Reads a `v1` consent cookie value under `policy` (SPEC §5).
    ///
    /// With `key`, the value must carry a tag that verifies under the key and the
    /// policy's site. Without one, a tag is skipped unverified. Decisions for slots
    /// the policy no longer has are ignored; categories and providers the cookie
    /// does not mention read as undecided and not refused.
    ///
    /// # Errors
    ///
    /// A [`CookieError`] naming what is wrong and where; never panics, whatever the
    /// input.
    pub fn decode_cookie(
        policy: &ValidPolicy<'_>,
        value: &[u8],
        key: Option<&[u8]>,
    ) -> Result<ConsentState, CookieError> {
        ConsentState::decode_cookie_with(policy, value, key.map(CookieKey::new).as_ref())
    }

    /// [`ConsentState::decode_cookie`] with a prepared key: the fast path for a
    /// host that reads many cookies under one key.
    ///
    /// # Errors
    ///
    /// A [`CookieError`] naming what is wrong and where; never panics, whatever the
    /// input.
    pub fn decode_cookie_with(
        policy: &ValidPolicy<'_>,
        value: &[u8],
        key: Option<&CookieKey>,
    ) -> Result<ConsentState, CookieError> {
        if value.len() > COOKIE_MAX_LEN {
            return Err(CookieError::TooLong { len: value.len() });
        }
        let Some(text) = value.strip_prefix(VERSION) else {
            return Err(CookieError::Version);
        };
        let mut buf = [0u8; MAX_RECORD + 3];
        let n = decode_base64(text, &mut buf)?;
        let record = &buf[..n];

        let flags = *record.first().ok_or(CookieError::Truncated {
            field: CookieField::Flags,
        })?;
        if flags & FLAG_TAGGED == 0 {
            return match key {
                Some(_) => Err(CookieError::Unsigned),
                None => parse(policy, record),
            };
        }
        let Some(split) = n.checked_sub(TAG_LEN).filter(|&s| s > 0) else {
            return Err(CookieError::Truncated {
                field: CookieField::Tag,
            });
        };
        let (body, tag) = record.split_at(split);
        let Some(key) = key else {
            return parse(policy, body);
        };
        // A tag that does not verify wins over whatever the record holds.
        key.verify(policy.policy().site, body, tag)?;
        parse(policy, body)
    }
}

/// Reads an untagged record into a state, masked to the policy's slots.
fn parse(policy: &ValidPolicy<'_>, body: &[u8]) -> Result<ConsentState, CookieError> {
    use CookieField as F;
    let mut r = Reader {
        bytes: body,
        pos: 0,
    };
    let invalid = |field, offset, reason| CookieError::InvalidField {
        field,
        offset,
        reason,
    };

    let flags = r.byte(F::Flags)?;
    if flags & FLAG_RESERVED != 0 {
        return Err(invalid(F::Flags, 0, "reserved flag bits are set"));
    }
    let id = r.take(16, F::ConsentId)?;
    let mut id_bytes = [0u8; 16];
    id_bytes.copy_from_slice(id);
    let consent_id = u128::from_be_bytes(id_bytes);

    let at = r.pos;
    let how = r.byte(F::ActionControl)?;
    let action = u32::from(how & 0x0f);
    if action > Action::ALL.len() as u32 {
        return Err(invalid(F::ActionControl, at, "unknown action"));
    }
    let control = u32::from(how >> 4);
    if Control::try_from(control).is_err() {
        return Err(invalid(F::ActionControl, at, "unknown control"));
    }
    let notice = r.varint(F::Notice, u64::from(u16::MAX))? as u16;

    let (mut decided_at, mut decided_revision) = (0i64, 0u32);
    if flags & FLAG_DECIDED_AT != 0 {
        decided_at = unzigzag(r.varint(F::DecidedAt, u64::MAX)?);
        decided_revision = r.varint(F::DecidedRevision, u64::from(u32::MAX))? as u32;
    }
    let (mut partial_at, mut partial_revision) = (0i64, 0u32);
    if flags & FLAG_PARTIAL != 0 {
        partial_at = decided_at.wrapping_add(unzigzag(r.varint(F::PartialAt, u64::MAX)?));
        let at = r.pos;
        let delta = unzigzag(r.varint(F::PartialRevision, u64::MAX)?);
        partial_revision = i64::from(decided_revision)
            .checked_add(delta)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(invalid(F::PartialRevision, at, "revision out of range"))?;
    }

    let decided_slots = r.varint(F::DecidedSlots, u64::from(u32::MAX))? as u32;
    let count = decided_slots.count_ones() as usize;
    let at = r.pos;
    let codes = r.take((count * 2).div_ceil(8), F::Decisions)?;
    if count % 4 != 0 && codes.last().is_some_and(|&b| b >> ((count % 4) * 2) != 0) {
        return Err(invalid(F::Decisions, at, "unused bits are set"));
    }
    let mut masks = [0u32; 4];
    let mut rest = decided_slots;
    let mut i = 0;
    while rest != 0 {
        let bit = rest & rest.wrapping_neg();
        rest &= rest - 1;
        // `codes` holds ⌈2·count/8⌉ bytes, so `i / 4` is in range.
        let code = (codes[i / 4] >> ((i % 4) * 2)) & 3;
        masks[code as usize] |= bit;
        i += 1;
    }

    let at = r.pos;
    let len = r.byte(F::ProvidersRefused)? as usize;
    if len > 16 {
        return Err(invalid(F::ProvidersRefused, at, "more than 16 mask bytes"));
    }
    let mask = r.take(len, F::ProvidersRefused)?;
    if mask.last() == Some(&0) {
        return Err(invalid(F::ProvidersRefused, at, "mask not trimmed"));
    }
    let mut provider_bytes = [0u8; 16];
    provider_bytes[..len].copy_from_slice(mask);
    let providers_refused = u128::from_le_bytes(provider_bytes);

    if r.pos != body.len() {
        return Err(CookieError::TrailingBytes { offset: r.pos });
    }

    let consent = policy.consent_slots().bits();
    let decided = flags & FLAG_DECIDED != 0;
    let parts = StateParts {
        consent_id,
        granted: masks[GRANTED as usize] & consent,
        refused: masks[REFUSED as usize] & consent,
        withdrawn: masks[WITHDRAWN as usize] & consent,
        signalled: masks[SIGNALLED as usize] & consent,
        providers_refused: providers_refused & policy.provider_slots().bits(),
        decided_at,
        decided_revision,
        partial_at,
        partial_revision,
        notice,
        flags: u32::from(decided)
            | u32::from(flags & FLAG_GPC != 0) << 1
            | action << 8
            | control << 16,
    };
    // The two-bit codes keep the masks disjoint, and action and control are
    // checked above, so the one rule left for `from_parts` is that only a decided
    // state holds grants, refusals or refused providers.
    if !decided && (decided_slots & !(masks[2] | masks[3]) != 0 || providers_refused != 0) {
        return Err(invalid(
            F::Flags,
            0,
            "grants, refusals or refused providers without a full decision",
        ));
    }
    ConsentState::from_parts(&parts).ok_or(invalid(F::Flags, 0, "inconsistent state"))
}

// ---- the tag -----------------------------------------------------------------

/// A site key made ready for signing and verifying consent cookies.
///
/// HMAC-SHA-256 (RFC 2104) starts by hashing the key padded with two constants;
/// a `CookieKey` holds the SHA-256 states after those two blocks, so a host that
/// keeps one saves two of the compressions a verification otherwise costs. The
/// functions taking `Option<&[u8]>` prepare one per call.
///
/// The HMAC is written over `sha2::compress256` for the one message shape a
/// cookie has (the domain, the site's varint length, the site and a record no
/// longer than a cookie of [`COOKIE_MAX_LEN`] holds), with no buffering and no
/// state to clone: the streaming `Hmac<Sha256>` of the `hmac` crate cost more than the two
/// compressions themselves. The tests check every tag against that crate and
/// RFC 4231's vectors.
///
/// Its `Debug` output shows no key material.
#[derive(Clone)]
pub struct CookieKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_H0: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

type Block = sha2::digest::generic_array::GenericArray<u8, sha2::digest::consts::U64>;

/// Feeds bytes to a SHA-256 state one 64-byte block at a time and pads the end
/// (FIPS 180-4, 5.1.1): the hash of a message whose first `prefix` bytes (the
/// HMAC key block) were compressed into `state` already.
struct Sha256Blocks {
    state: [u32; 8],
    block: Block,
    filled: usize,
    total: u64,
}

impl Sha256Blocks {
    #[inline]
    fn new(state: [u32; 8], prefix: u64) -> Sha256Blocks {
        Sha256Blocks {
            state,
            block: Block::default(),
            filled: 0,
            total: prefix,
        }
    }

    #[inline]
    fn update(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        while !bytes.is_empty() {
            let n = (64 - self.filled).min(bytes.len());
            self.block[self.filled..self.filled + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == 64 {
                sha2::compress256(&mut self.state, core::slice::from_ref(&self.block));
                self.filled = 0;
            }
        }
    }

    #[inline]
    fn finish(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.finish_state()) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// The state after the padding: the hash as eight big-endian words.
    #[inline]
    fn finish_state(mut self) -> [u32; 8] {
        let bits = self.total.wrapping_mul(8);
        self.block[self.filled] = 0x80;
        self.block[self.filled + 1..].fill(0);
        if self.filled >= 56 {
            sha2::compress256(&mut self.state, core::slice::from_ref(&self.block));
            self.block.fill(0);
        }
        self.block[56..].copy_from_slice(&bits.to_be_bytes());
        sha2::compress256(&mut self.state, core::slice::from_ref(&self.block));
        self.state
    }
}

impl CookieKey {
    /// Prepares `key`. HMAC takes keys of any length; keys longer than 64 bytes
    /// are hashed first (RFC 2104). Keys shorter than 32 bytes are weak; choosing
    /// the key is the host's business.
    pub fn new(key: &[u8]) -> CookieKey {
        let mut padded = [0u8; 64];
        if key.len() > 64 {
            let mut h = Sha256Blocks::new(SHA256_H0, 0);
            h.update(key);
            padded[..32].copy_from_slice(&h.finish());
        } else {
            padded[..key.len()].copy_from_slice(key);
        }
        let prepared = |pad: u8| {
            let block = Block::from_exact_iter(padded.iter().map(|b| b ^ pad)).unwrap_or_default();
            let mut state = SHA256_H0;
            sha2::compress256(&mut state, core::slice::from_ref(&block));
            state
        };
        CookieKey {
            inner: prepared(0x36),
            outer: prepared(0x5c),
        }
    }

    /// HMAC-SHA-256 over the domain, the site's varint length, the site and `body`.
    fn tag(&self, site: &str, body: &[u8]) -> [u8; 32] {
        let mut len = [0u8; 10];
        let mut n = 0;
        let mut v = site.len() as u64;
        while v >= 0x80 {
            len[n] = v as u8 | 0x80;
            v >>= 7;
            n += 1;
        }
        len[n] = v as u8;
        let parts: [&[u8]; 4] = [MAC_DOMAIN, &len[..=n], site.as_bytes(), body];
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if total <= 55 {
            // One block with its padding: every kk.dk-sized cookie. Written in
            // place, with no streaming state.
            let mut block = Block::default();
            let mut at = 0;
            for part in parts {
                block[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
            block[at] = 0x80;
            block[56..].copy_from_slice(&((64 + total as u64) * 8).to_be_bytes());
            let mut inner = self.inner;
            sha2::compress256(&mut inner, core::slice::from_ref(&block));
            return self.outer(inner);
        }
        self.hmac(&parts)
    }

    /// The outer hash of HMAC over the inner hash's state: one block.
    #[inline]
    fn outer(&self, inner: [u32; 8]) -> [u8; 32] {
        let mut block = Block::default();
        for (chunk, word) in block[..32].chunks_exact_mut(4).zip(inner) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        block[32] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        let mut state = self.outer;
        sha2::compress256(&mut state, core::slice::from_ref(&block));
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// HMAC-SHA-256 of the concatenation of `parts`.
    #[inline]
    fn hmac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut inner = Sha256Blocks::new(self.inner, 64);
        for part in parts {
            inner.update(part);
        }
        self.outer(inner.finish_state())
    }

    /// Whether `tag` is the first [`TAG_LEN`] bytes of the MAC, compared in
    /// constant time (the `subtle` crate).
    fn verify(&self, site: &str, body: &[u8], tag: &[u8]) -> Result<(), CookieError> {
        use subtle::ConstantTimeEq as _;
        let mac = self.tag(site, body);
        let Ok(tag) = <[u8; TAG_LEN]>::try_from(tag) else {
            return Err(CookieError::BadSignature);
        };
        // The two halves' differences folded into one word, then one
        // constant-time comparison of it with zero.
        let half = |b: &[u8], i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 * i..8 * i + 8]);
            u64::from_ne_bytes(w)
        };
        let diff = (half(&mac, 0) ^ half(&tag, 0)) | (half(&mac, 1) ^ half(&tag, 1));
        if bool::from(diff.ct_eq(&0)) {
            Ok(())
        } else {
            Err(CookieError::BadSignature)
        }
    }
}

impl fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieKey(..)")
    }
}

// ---- base64url -----------------------------------------------------------------

fn encode_base64(bytes: &[u8], out: &mut [u8]) {
    use base64::Engine as _;
    // `out` is exactly `base64_len(bytes.len())` long, which is what is needed.
    let _ = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_slice(bytes, out);
}

/// Decodes the characters after `v1.`; errors carry offsets into the whole value.
fn decode_base64(text: &[u8], out: &mut [u8]) -> Result<usize, CookieError> {
    use base64::{DecodeError as D, DecodeSliceError as S, Engine as _};
    let base = VERSION.len();
    match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode_slice(text, out) {
        Ok(n) => Ok(n),
        Err(S::DecodeError(D::InvalidByte(i, byte))) => Err(CookieError::InvalidChar {
            offset: base + i,
            byte,
        }),
        Err(S::DecodeError(D::InvalidLastSymbol(i, _))) => {
            Err(CookieError::TrailingBits { offset: base + i })
        }
        Err(S::DecodeError(D::InvalidLength(_))) => {
            Err(CookieError::InvalidLength { chars: text.len() })
        }
        // Padding and anything else: name the first character outside the alphabet.
        Err(_) => Err(first_invalid(text)
            .map(|(i, byte)| CookieError::InvalidChar {
                offset: base + i,
                byte,
            })
            .unwrap_or(CookieError::InvalidLength { chars: text.len() })),
    }
}

fn first_invalid(text: &[u8]) -> Option<(usize, u8)> {
    text.iter()
        .copied()
        .enumerate()
        .find(|&(_, b)| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_round_trips_extremes() {
        for n in [0, 1, -1, i64::MAX, i64::MIN, 1_772_000_000, -62_000_000_000] {
            assert_eq!(unzigzag(zigzag(n)), n);
        }
    }

    proptest::proptest! {
        /// The tag covers exactly the documented framing: domain, site length, site, record.
        #[test]
        fn tag_is_hmac_sha256(
            key in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            site in "[a-z.]{0,200}",
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        ) {
            use hmac::Mac as _;
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
            let mut len = [0u8; 2];
            let n = if site.len() < 128 {
                len[0] = site.len() as u8;
                1
            } else {
                len = [site.len() as u8 | 0x80, (site.len() >> 7) as u8];
                2
            };
            mac.update(MAC_DOMAIN);
            mac.update(&len[..n]);
            mac.update(site.as_bytes());
            mac.update(&body);
            let want: [u8; 32] = mac.finalize().into_bytes().into();
            proptest::prop_assert_eq!(CookieKey::new(&key).tag(&site, &body), want);
        }
    }

    /// The tag is HMAC-SHA-256 for every record length from empty to three
    /// blocks, each side of the one-block path's limit (55 bytes of message) and of
    /// each block boundary, checked against the `hmac` crate.
    #[test]
    fn tag_is_hmac_sha256_at_every_length() {
        use hmac::Mac as _;
        let key = CookieKey::new(b"a site key of thirty-two bytes..");
        let body: [u8; 192] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for site in ["", "kk.dk", "www.kk.dk.example.invalid"] {
            for n in 0..=body.len() {
                let mut mac =
                    hmac::Hmac::<sha2::Sha256>::new_from_slice(b"a site key of thirty-two bytes..")
                        .unwrap();
                mac.update(MAC_DOMAIN);
                mac.update(&[site.len() as u8]);
                mac.update(site.as_bytes());
                mac.update(&body[..n]);
                let want: [u8; 32] = mac.finalize().into_bytes().into();
                assert_eq!(key.tag(site, &body[..n]), want, "{site:?}, {n} bytes");
            }
        }
    }

    /// A tag verifies only when all 16 bytes are the MAC's: one flipped bit in any
    /// byte fails, and so does the same change made to both halves (which a
    /// comparison folding the halves with `^` instead of `|` would let through).
    #[test]
    fn verify_refuses_every_other_tag() {
        let key = CookieKey::new(b"a site key of thirty-two bytes..");
        let body = b"a record";
        let mac = key.tag("kk.dk", body);
        assert_eq!(key.verify("kk.dk", body, &mac[..TAG_LEN]), Ok(()));
        for i in 0..TAG_LEN {
            for bit in 0..8 {
                let mut tag = [0u8; TAG_LEN];
                tag.copy_from_slice(&mac[..TAG_LEN]);
                tag[i] ^= 1 << bit;
                assert_eq!(
                    key.verify("kk.dk", body, &tag),
                    Err(CookieError::BadSignature)
                );
                tag[(i + 8) % TAG_LEN] ^= 1 << bit;
                assert_eq!(
                    key.verify("kk.dk", body, &tag),
                    Err(CookieError::BadSignature)
                );
            }
        }
        assert_eq!(
            key.verify("kk.dk", body, &mac[..TAG_LEN - 1]),
            Err(CookieError::BadSignature)
        );
        assert_eq!(
            key.verify("kk.dk", body, &mac[..TAG_LEN + 1]),
            Err(CookieError::BadSignature)
        );
    }

    /// RFC 4231's HMAC-SHA-256 test cases 1–4, 6 and 7 (case 5 truncates): short,
    /// 20-, 25- and 131-byte keys (the last hashed first), messages of one and
    /// of several blocks.
    #[test]
    fn hmac_gives_rfc_4231_vectors() {
        fn hex(s: &str) -> [u8; 32] {
            core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        }
        let cases: [(&[u8], &[u8], &str); 6] = [
            (&[0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (&[0xaa; 20], &[0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (
                &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
                &[0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                &[0xaa; 131],
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (key, data, want) in cases {
            assert_eq!(CookieKey::new(key).hmac(&[data]), hex(want), "{key:?}");
        }
    }

    /// The longest state any valid policy can hold: 15 consent categories on the
    /// highest slots, 64 providers on the highest slots, every integer extreme.
    /// It fits `COOKIE_MAX_LEN` exactly and comes back whole.
    #[test]
    fn the_longest_state_fits_cookie_max_len() {
        use crate::policy::{Basis, Category, ConsentCookie, Controller, Policy, Provider};
        use crate::Party;
        let categories: [Category<'_>; 16] = core::array::from_fn(|i| Category {
            id: [
                "necessary",
                "c1",
                "c2",
                "c3",
                "c4",
                "c5",
                "c6",
                "c7",
                "c8",
                "c9",
                "c10",
                "c11",
                "c12",
                "c13",
                "c14",
                "c15",
            ][i],
            basis: if i == 0 {
                Basis::Exempt
            } else {
                Basis::Consent
            },
            slot: if i == 0 { 0 } else { 16 + i as u8 },
            changed_in_revision: 1,
            gpc_refuses: false,
            label: Default::default(),
            description: Default::default(),
        });
        let names: [[u8; 3]; 64] =
            core::array::from_fn(|i| [b'p', b'0' + i as u8 / 10, b'0' + i as u8 % 10]);
        let providers: [Provider<'_>; 64] = core::array::from_fn(|i| Provider {
            id: core::str::from_utf8(&names[i]).unwrap(),
            name: "p",
            party: Party::Third,
            slot: 64 + i as u8,
            domains: "",
            privacy_policy: "",
        });
        let policy = Policy {
            site: "example.org",
            revision: u32::MAX,
            notice_version: 1,
            controller: Controller::default(),
            consent_cookie: ConsentCookie {
                name: "c",
                domain: None,
            },
            consent_ttl_days: 1,
            refusal_ttl_days: 1,
            proof_retention_days: 1,
            categories: &categories,
            providers: &providers,
            storage: &[],
            consent_mode: crate::ConsentModeMap::NONE,
        }
        .validate(&mut [])
        .unwrap();
        let consent = policy.consent_slots().bits();
        let mut parts = ConsentState::new(u128::MAX).to_parts();
        parts.granted = consent & 0x5555_5555;
        parts.refused = consent & 0x2222_2222;
        parts.withdrawn = consent & 0x8888_8888;
        parts.providers_refused = u128::MAX << 64;
        // Each integer at its longest, the deltas included.
        parts.decided_at = i64::MIN;
        parts.decided_revision = u32::MAX;
        parts.partial_at = 0;
        parts.partial_revision = 1;
        parts.notice = u16::MAX;
        parts.flags = 0b11 | (9 << 8) | (4 << 16);
        let state = ConsentState::from_parts(&parts).unwrap();
        let mut buf = [0u8; COOKIE_MAX_LEN];
        let n = state.encode_cookie(&policy, Some(b"k"), &mut buf).unwrap();
        // 15 decided slots take 4 code bytes, not the 8 that 32 would.
        assert_eq!(n, 3 + base64_len(MAX_RECORD - 4));
        assert_eq!(
            ConsentState::decode_cookie(&policy, &buf[..n], Some(b"k")),
            Ok(state)
        );
    }

    /// The kk.dk policy, validated into `index`.
    fn kk(index: &mut [u16; 16]) -> ValidPolicy<'_> {
        crate::example::KK_DK.validate(index).unwrap()
    }

    /// A value of exactly [`COOKIE_MAX_LEN`] bytes is read: its record, the
    /// longest there is (97 bytes), is decoded whole and parsed, here up to the
    /// zeros padded after a real record. One character more is too long.
    #[test]
    fn a_value_of_cookie_max_len_is_read_and_a_longer_one_is_too_long() {
        let mut index = [0u16; 16];
        let policy = kk(&mut index);
        let mut value = [0u8; COOKIE_MAX_LEN + 1];
        let n = ConsentState::new(7)
            .encode_cookie(&policy, None, &mut value)
            .unwrap();
        let mut record = [0u8; MAX_RECORD + 3];
        let len = decode_base64(&value[VERSION.len()..n], &mut record).unwrap();
        assert!(len < MAX_RECORD);
        encode_base64(
            &record[..MAX_RECORD],
            &mut value[VERSION.len()..COOKIE_MAX_LEN],
        );
        assert_eq!(
            ConsentState::decode_cookie(&policy, &value[..COOKIE_MAX_LEN], None),
            Err(CookieError::TrailingBytes { offset: len })
        );
        value[COOKIE_MAX_LEN] = b'A';
        assert_eq!(
            ConsentState::decode_cookie(&policy, &value, None),
            Err(CookieError::TooLong {
                len: COOKIE_MAX_LEN + 1
            })
        );
    }

    /// A tagged record no longer than its tag has no body: the tag is what is
    /// cut short, with a key or without.
    #[test]
    fn a_tagged_record_of_only_a_tag_is_truncated_in_its_tag() {
        let mut index = [0u16; 16];
        let policy = kk(&mut index);
        let key = CookieKey::new(b"a site key of thirty-two bytes..");
        for len in [1, TAG_LEN - 1, TAG_LEN] {
            let mut record = [0u8; TAG_LEN];
            record[0] = FLAG_TAGGED;
            let mut value = [0u8; COOKIE_MAX_LEN];
            value[..VERSION.len()].copy_from_slice(VERSION);
            let end = VERSION.len() + base64_len(len);
            encode_base64(&record[..len], &mut value[VERSION.len()..end]);
            for key in [None, Some(&key)] {
                assert_eq!(
                    ConsentState::decode_cookie_with(&policy, &value[..end], key),
                    Err(CookieError::Truncated {
                        field: CookieField::Tag
                    }),
                    "a record of {len} bytes, key {}",
                    key.is_some()
                );
            }
        }
    }

    /// A record whose decided flag is cleared while it still holds grants (with
    /// refused providers or without) is refused for exactly that; only a full
    /// decision holds them.
    #[test]
    fn grants_without_a_full_decision_are_named_as_such() {
        let mut index = [0u16; 16];
        let policy = kk(&mut index);
        for providers_refused in [0, 1] {
            let mut parts = ConsentState::new(7).to_parts();
            parts.granted = policy.consent_slots().bits();
            parts.providers_refused = providers_refused;
            parts.decided_at = 1_700_000_000;
            parts.decided_revision = 1;
            parts.notice = 1;
            parts.flags = 1 | (1 << 8) | (1 << 16);
            let state = ConsentState::from_parts(&parts).unwrap();
            let mut value = [0u8; COOKIE_MAX_LEN];
            let n = state.encode_cookie(&policy, None, &mut value).unwrap();
            assert_eq!(
                ConsentState::decode_cookie(&policy, &value[..n], None),
                Ok(state)
            );
            let mut record = [0u8; MAX_RECORD + 3];
            let len = decode_base64(&value[VERSION.len()..n], &mut record).unwrap();
            assert_ne!(record[0] & FLAG_DECIDED, 0);
            record[0] &= !FLAG_DECIDED;
            encode_base64(&record[..len], &mut value[VERSION.len()..n]);
            assert_eq!(
                ConsentState::decode_cookie(&policy, &value[..n], None),
                Err(CookieError::InvalidField {
                    field: CookieField::Flags,
                    offset: 0,
                    reason: "grants, refusals or refused providers without a full decision",
                }),
                "providers refused: {providers_refused}"
            );
        }
    }

    /// Padding is no part of the cookie's base64url: the error names the first
    /// `=`, past the alphabet's own `-` and `_`.
    #[test]
    fn padding_is_named_after_the_alphabets_dash_and_underscore() {
        let mut index = [0u16; 16];
        let policy = kk(&mut index);
        for value in [&b"v1.A_A="[..], b"v1.A-A=", b"v1.-_-_-_A=", b"v1.AAA_-="] {
            let at = value.iter().position(|&b| b == b'=').unwrap();
            assert_eq!(
                ConsentState::decode_cookie(&policy, value, None),
                Err(CookieError::InvalidChar {
                    offset: at,
                    byte: b'='
                }),
                "{}",
                core::str::from_utf8(value).unwrap()
            );
        }
    }

    #[test]
    fn max_len_is_the_documented_sum() {
        assert_eq!(MAX_RECORD, 97);
        assert_eq!(COOKIE_MAX_LEN, 3 + 130);
    }
}
