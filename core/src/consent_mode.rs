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
