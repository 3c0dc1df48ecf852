//! Fixed-size sets of category and provider slots.

use crate::{CATEGORY_SLOTS, PROVIDER_SLOTS};

/// A set of category slots (a bit per slot). Build one from ids with
/// [`crate::ValidPolicy::category_set`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CategorySet(u32);

/// A set of provider slots (a bit per slot). Build one from ids with
/// [`crate::ValidPolicy::provider_set`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProviderSet(u128);

macro_rules! slot_set {
    ($set:ident, $word:ty, $slots:expr) => {
        impl $set {
            /// The empty set.
            pub const EMPTY: $set = $set(0);

            /// The set whose slot `n` is bit `n` of `bits` (every bit is a slot).
            #[inline]
            pub const fn from_bits(bits: $word) -> $set {
                $set(bits)
            }

            /// The set as bits, slot `n` as bit `n`: the form the consent cookie,
            /// the C library and sealed states carry.
            #[inline]
            pub const fn bits(self) -> $word {
                self.0
            }

            /// Whether `slot` is in the set (`false` for slots out of range).
            #[inline]
            pub const fn contains(self, slot: u8) -> bool {
                (slot as usize) < $slots && self.0 & (1 << slot) != 0
            }

            /// The set with `slot` added; slots out of range are ignored.
            #[inline]
            #[must_use]
            pub const fn with(self, slot: u8) -> $set {
                if (slot as usize) < $slots {
                    $set(self.0 | (1 << slot))
                } else {
                    self
                }
            }

            /// Whether the set is empty.
            #[inline]
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// Number of slots in the set.
            #[inline]
            pub const fn len(self) -> u32 {
                self.0.count_ones()
            }

            /// Slots in both sets.
            #[inline]
            #[must_use]
            pub const fn intersection(self, other: $set) -> $set {
                $set(self.0 & other.0)
            }

            /// Slots in either set.
            #[inline]
            #[must_use]
            pub const fn union(self, other: $set) -> $set {
                $set(self.0 | other.0)
            }

            /// Slots in `self` but not in `other`.
            #[inline]
            #[must_use]
            pub const fn difference(self, other: $set) -> $set {
                $set(self.0 & !other.0)
            }

            /// The slots in ascending order.
            pub fn slots(self) -> impl Iterator<Item = u8> {
                let mut rest = self.0;
                core::iter::from_fn(move || {
                    if rest == 0 {
                        None
                    } else {
                        let slot = rest.trailing_zeros() as u8;
                        rest &= rest - 1;
                        Some(slot)
                    }
                })
            }
        }

        impl FromIterator<u8> for $set {
            fn from_iter<I: IntoIterator<Item = u8>>(iter: I) -> Self {
                iter.into_iter().fold($set::EMPTY, $set::with)
            }
        }
    };
}

slot_set!(CategorySet, u32, CATEGORY_SLOTS);
slot_set!(ProviderSet, u128, PROVIDER_SLOTS);
