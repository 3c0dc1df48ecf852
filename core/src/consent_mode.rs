//! Google Consent Mode v2 (SPEC §16): the seven consent types, a policy's mapping
//! of each to a category, and the flags a consent state gives at a time.
//!
//! The mapping is part of the [`Policy`](crate::Policy) (`consent_mode`), checked
//! by [`rules::consent_mode`](crate::rules::consent_mode); a state answers with
//! [`ConsentState::consent_mode`]. A type is granted exactly when the category it is
//! mapped to is granted (in force: neither lapsed nor outdated) or exempt at that
//! time; an unmapped type is denied.

use time::OffsetDateTime;

use crate::policy::{Basis, Category, ValidPolicy};
use crate::state::ConsentState;
use crate::vocabulary;

vocabulary! {
    /// One of Google Consent Mode v2's seven consent types, by its name in `gtag`
    /// calls and in a policy's `consent_mode`.
    pub enum ConsentModeType ("Consent Mode type") {
        /// `ad_storage`: storage for advertising.
        AdStorage = 0 => "ad_storage",
        /// `ad_user_data`: sending user data to Google for advertising.
        AdUserData = 1 => "ad_user_data",
        /// `ad_personalization`: personalised advertising.
        AdPersonalization = 2 => "ad_personalization",
        /// `analytics_storage`: storage for analytics.
        AnalyticsStorage = 3 => "analytics_storage",
        /// `functionality_storage`: storage for the site's functions.
        FunctionalityStorage = 4 => "functionality_storage",
        /// `personalization_storage`: storage for personalisation.
        PersonalizationStorage = 5 => "personalization_storage",
        /// `security_storage`: storage for security; the only type that may follow
        /// the exempt category.
        SecurityStorage = 6 => "security_storage",
    }
}

impl ConsentModeType {
    /// The type's bit in [`ConsentModeFlags::bits`]: `1 << code`.
    pub const fn bit(self) -> u32 {
        1 << self as u8
    }

    /// Whether the type may follow the exempt category (only `security_storage`).
    pub const fn may_be_exempt(self) -> bool {
        matches!(self, ConsentModeType::SecurityStorage)
    }
}

/// How many Consent Mode types there are.
pub const CONSENT_MODE_TYPES: usize = ConsentModeType::ALL.len();

/// A policy's `consent_mode`: for each type, the index into
/// [`Policy::categories`](crate::Policy::categories) of the category it follows, or
/// `None` when the policy does not map it. No allocation: a host can write one in a
/// `static`.
///
/// ```
/// use samtykke::{ConsentModeMap, ConsentModeType as T};
///
/// let map = ConsentModeMap::NONE
///     .with(T::AnalyticsStorage, 2)
///     .with(T::SecurityStorage, 0);
/// assert_eq!(map.get(T::AnalyticsStorage), Some(2));
/// assert_eq!(map.get(T::AdStorage), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConsentModeMap {
    /// Indexed by the type's code ([`ConsentModeType`] `as usize`).
    pub categories: [Option<u8>; CONSENT_MODE_TYPES],
}

impl ConsentModeMap {
    /// No type mapped.
    pub const NONE: ConsentModeMap = ConsentModeMap {
        categories: [None; CONSENT_MODE_TYPES],
    };

    /// This map with `ty` following the category at index `category`.
    #[must_use]
    pub const fn with(mut self, ty: ConsentModeType, category: u8) -> ConsentModeMap {
        self.categories[ty as usize] = Some(category);
        self
    }

    /// The index of the category `ty` follows, if it is mapped.
    pub const fn get(&self, ty: ConsentModeType) -> Option<u8> {
        self.categories[ty as usize]
    }

    /// Whether no type is mapped.
    pub fn is_empty(&self) -> bool {
        self.categories.iter().all(Option::is_none)
    }

    /// The mapped types and their categories' indices, in type order.
    pub fn iter(&self) -> impl Iterator<Item = (ConsentModeType, u8)> + '_ {
        ConsentModeType::ALL
            .into_iter()
            .filter_map(|t| self.get(t).map(|c| (t, c)))
    }

    /// The flags of a page before any decision is known (the `gtag` default):
    /// every type denied but those mapped to the exempt category.
    pub fn default_flags(&self, categories: &[Category<'_>]) -> ConsentModeFlags {
        self.iter()
            .filter(|&(_, c)| {
                categories
                    .get(usize::from(c))
                    .is_some_and(|c| c.basis == Basis::Exempt)
            })
            .fold(ConsentModeFlags::NONE, |f, (t, _)| f.with(t))
    }
}

/// Which of the seven types are granted: one bit per type ([`ConsentModeType::bit`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConsentModeFlags(u8);

impl ConsentModeFlags {
    /// Every type denied.
    pub const NONE: ConsentModeFlags = ConsentModeFlags(0);

    /// Every bit that names a type.
    pub const MASK: u32 = (1 << CONSENT_MODE_TYPES) - 1;

    /// The flags of `bits`; bits that name no type are ignored.
    pub const fn from_bits(bits: u32) -> ConsentModeFlags {
        ConsentModeFlags((bits & Self::MASK) as u8)
    }

    /// The flags as bits, `ty.bit()` set for each granted type.
    pub const fn bits(self) -> u32 {
        self.0 as u32
    }

    /// Whether `ty` is granted.
    pub const fn granted(self, ty: ConsentModeType) -> bool {
        self.bits() & ty.bit() != 0
    }

    /// These flags with `ty` granted.
    #[must_use]
    pub const fn with(self, ty: ConsentModeType) -> ConsentModeFlags {
        ConsentModeFlags(self.0 | ty.bit() as u8)
    }

    /// `"granted"` or `"denied"`, the words `gtag` takes, for `ty`.
    pub const fn word(self, ty: ConsentModeType) -> &'static str {
        if self.granted(ty) {
            GRANTED
        } else {
            DENIED
        }
    }

    /// Every type with whether it is granted, in type order.
    pub fn iter(self) -> impl Iterator<Item = (ConsentModeType, bool)> {
        ConsentModeType::ALL
            .into_iter()
            .map(move |t| (t, self.granted(t)))
    }
}

/// The word `gtag` takes for a granted type.
pub const GRANTED: &str = "granted";
/// The word `gtag` takes for a denied type.
pub const DENIED: &str = "denied";

impl ConsentState {
    /// Google Consent Mode v2 (SPEC §16): each type granted when the policy maps it
    /// to a category whose status at `now` is granted or exempt
    /// ([`ConsentState::category_status`]); unmapped types, and types whose category
    /// is undecided, refused, withdrawn, lapsed or outdated, are denied.
    pub fn consent_mode(&self, policy: &ValidPolicy<'_>, now: OffsetDateTime) -> ConsentModeFlags {
        let p = policy.policy();
        p.consent_mode
            .iter()
            .filter(|&(_, c)| {
                p.categories
                    .get(usize::from(c))
                    .is_some_and(|c| self.category_status(policy, c, now).is_permitted())
            })
            .fold(ConsentModeFlags::NONE, |f, (t, _)| f.with(t))
    }
}

/// What a Google tag hit says of each type (SPEC §16): granted, denied, or
/// nothing. Read from the hit's `gcs` ([`ConsentModeClaims::from_gcs`]) and `gcd`
/// ([`ConsentModeClaims::from_gcd`]) parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConsentModeClaims {
    granted: ConsentModeFlags,
    denied: ConsentModeFlags,
}

/// The types `gcs` (`G1xy`) speaks of, by position after `G1`.
const GCS: [ConsentModeType; 2] = [
    ConsentModeType::AdStorage,
    ConsentModeType::AnalyticsStorage,
];

/// The types `gcd` speaks of, with the index of each one's character.
const GCD: [(usize, ConsentModeType); 4] = [
    (2, ConsentModeType::AdStorage),
    (4, ConsentModeType::AnalyticsStorage),
    (6, ConsentModeType::AdUserData),
    (8, ConsentModeType::AdPersonalization),
];

/// The value of a base64url digit (`A`–`Z`, `a`–`z`, `0`–`9`, `-`, `_`).
const fn base64url(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// A two-bit `gcd` state: 1 not set, 2 denied, 3 granted; 0 is no state.
const fn gcd_state(bits: u8) -> Option<Option<bool>> {
    match bits {
        1 => Some(None),
        2 => Some(Some(false)),
        3 => Some(Some(true)),
        _ => None,
    }
}

impl ConsentModeClaims {
    /// No claim on any type.
    pub const NONE: ConsentModeClaims = ConsentModeClaims {
        granted: ConsentModeFlags::NONE,
        denied: ConsentModeFlags::NONE,
    };

    /// These claims with `ty` claimed granted (`true`) or denied (`false`),
    /// replacing any claim on it.
    #[must_use]
    pub const fn with(self, ty: ConsentModeType, granted: bool) -> ConsentModeClaims {
        let bit = ty.bit();
        let (g, d) = (self.granted.bits() & !bit, self.denied.bits() & !bit);
        if granted {
            ConsentModeClaims {
                granted: ConsentModeFlags::from_bits(g | bit),
                denied: ConsentModeFlags::from_bits(d),
            }
        } else {
            ConsentModeClaims {
                granted: ConsentModeFlags::from_bits(g),
                denied: ConsentModeFlags::from_bits(d | bit),
            }
        }
    }

    /// The claim on `ty`: `Some(true)` granted, `Some(false)` denied, `None` none.
    pub const fn claim(self, ty: ConsentModeType) -> Option<bool> {
        if self.granted.granted(ty) {
            Some(true)
        } else if self.denied.granted(ty) {
            Some(false)
        } else {
            None
        }
    }

    /// The types claimed granted.
    pub const fn granted(self) -> ConsentModeFlags {
        self.granted
    }

    /// The types claimed granted by either: what a hit carrying both `gcs` and
    /// `gcd` claims granted.
    #[must_use]
    pub const fn union_granted(self, other: ConsentModeClaims) -> ConsentModeFlags {
        ConsentModeFlags::from_bits(self.granted.bits() | other.granted.bits())
    }

    /// The claims of a `gcs` value, `G1xy`: `x` is `ad_storage`, `y`
    /// `analytics_storage`, `1` granted and `0` denied; any other character claims
    /// nothing for its type. A value that is not four characters starting `G1`
    /// claims nothing. Characters, not bytes, are counted (as for `gcd`):
    /// `G1é1` claims `analytics_storage` granted.
    pub fn from_gcs(gcs: &str) -> ConsentModeClaims {
        let mut out = ConsentModeClaims::NONE;
        let mut chars = gcs.chars();
        let (Some('G'), Some('1'), Some(x), Some(y), None) = (
            chars.next(),
            chars.next(),
            chars.next(),
            chars.next(),
            chars.next(),
        ) else {
            return out;
        };
        for (ty, c) in GCS.into_iter().zip([x, y]) {
            match c {
                '1' => out = out.with(ty, true),
                '0' => out = out.with(ty, false),
                _ => {}
            }
        }
        out
    }

    /// The claims of a `gcd` value: the characters at indices 2, 4, 6 and 8
    /// (from 0) are `ad_storage`, `analytics_storage`, `ad_user_data` and
    /// `ad_personalization`, each a base64url digit whose low two bits are the
    /// update state and the next two the default (1 not set, 2 denied, 3 granted).
    /// The claim is the update where it is set, else the default. A character that
    /// is missing, not base64url, or holds a state 0 claims nothing for its type.
    pub fn from_gcd(gcd: &str) -> ConsentModeClaims {
        let mut out = ConsentModeClaims::NONE;
        let mut chars = gcd.chars().enumerate();
        for (i, ty) in GCD {
            // Characters, not bytes, are counted.
            let Some((_, c)) = chars.find(|&(j, _)| j == i) else {
                break;
            };
            let Some(v) = u8::try_from(c).ok().and_then(base64url) else {
                continue;
            };
            let (Some(update), Some(default)) = (gcd_state(v & 3), gcd_state((v >> 2) & 3)) else {
                continue;
            };
            if let Some(granted) = update.or(default) {
                out = out.with(ty, granted);
            }
        }
        out
    }
}
