//! The rules a single policy value obeys, for [`crate::Policy::validate`] and for
//! loaders that read wider numbers than the policy keeps (JSON integers): both call
//! these, so a rule and its limit exist once.

use crate::consent_mode::ConsentModeMap;
use crate::error::{Field, Location, PolicyError, PolicyErrorKind as K};
use crate::policy::{Basis, Category, Provider};
use crate::{CATEGORY_SLOTS, MAX_TTL_DAYS, PROVIDER_SLOTS};

/// A lifetime in days (`consent_ttl_days`, `refusal_ttl_days`,
/// `proof_retention_days`): 1 to [`MAX_TTL_DAYS`].
///
/// # Errors
///
/// [`K::TtlOutOfRange`] with the days given.
pub const fn ttl_days(days: i64) -> Result<u16, K> {
    if days >= 1 && days <= MAX_TTL_DAYS as i64 {
        Ok(days as u16)
    } else {
        Err(K::TtlOutOfRange(days))
    }
}

/// The largest value of a version `field`: 65535 for `notice_version`, else
/// `u32::MAX` (`revision`, `changed_in_revision`).
pub const fn version_max(field: Field) -> u32 {
    match field {
        Field::NoticeVersion => u16::MAX as u32,
        _ => u32::MAX,
    }
}

/// A revision, notice version or `changed_in_revision` (`field` says which):
/// 1 to [`version_max`].
///
/// # Errors
///
/// [`K::VersionOutOfRange`] with the number given.
pub const fn version(field: Field, n: i64) -> Result<u32, K> {
    if n >= 1 && n <= version_max(field) as i64 {
        Ok(n as u32)
    } else {
        Err(K::VersionOutOfRange(n))
    }
}

/// A category's slot: `0..CATEGORY_SLOTS`.
///
/// # Errors
///
/// [`K::SlotOutOfRange`] with the slot given.
pub const fn category_slot(slot: i64) -> Result<u8, K> {
    slot_below(slot, CATEGORY_SLOTS)
}

/// A provider's slot: `0..PROVIDER_SLOTS`.
///
/// # Errors
///
/// [`K::SlotOutOfRange`] with the slot given.
pub const fn provider_slot(slot: i64) -> Result<u8, K> {
    slot_below(slot, PROVIDER_SLOTS)
}

const fn slot_below(slot: i64, limit: usize) -> Result<u8, K> {
    if slot >= 0 && slot < limit as i64 {
        Ok(slot as u8)
    } else {
        Err(K::SlotOutOfRange(slot))
    }
}

/// The rules of a policy's categories alone, the first step of
/// [`crate::Policy::validate`]: capacity, ids, slots, revisions, the exempt
/// `necessary` (R4), and `gpc_refuses` on consent categories only (R22). A
/// loader that resolves references to categories calls it before resolving
/// them, so a repeated or missing category is reported as such.
///
/// # Errors
///
/// The first rule broken, with the category's index and field.
pub fn categories(categories: &[Category<'_>], revision: u32) -> Result<(), PolicyError> {
    crate::policy::check_categories(categories, revision).map(drop)
}

/// The rules of a policy's providers alone, the step of
/// [`crate::Policy::validate`] after [`categories`]: ids and names given, ids and
/// slots unique, slots in range. A loader that resolves references to providers
/// calls it before resolving them.
///
/// # Errors
///
/// The first rule broken, with the provider's index and field.
pub fn providers(providers: &[Provider<'_>]) -> Result<(), PolicyError> {
    crate::policy::check_providers(providers).map(drop)
}

/// The rules of a policy's `consent_mode` (SPEC §16), the step of
/// [`crate::Policy::validate`] after [`categories`]: each mapped type names a
/// declared category, and only `security_storage` may follow the exempt one.
///
/// # Errors
///
/// The first type, in type order, that breaks a rule: [`K::UnknownCategory`] or
/// [`K::ConsentModeExempt`] at [`Location::ConsentMode`].
pub fn consent_mode(map: &ConsentModeMap, categories: &[Category<'_>]) -> Result<(), PolicyError> {
    for (ty, index) in map.iter() {
        let at = Location::ConsentMode(ty);
        match categories.get(usize::from(index)) {
            None => return Err(PolicyError::new(K::UnknownCategory, at)),
            Some(c) if c.basis == Basis::Exempt && !ty.may_be_exempt() => {
                return Err(PolicyError::new(K::ConsentModeExempt, at))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Where a rule of one value at `at` is broken.
pub(crate) fn at<T>(r: Result<T, K>, at: Location) -> Result<T, PolicyError> {
    match r {
        Ok(v) => Ok(v),
        Err(kind) => Err(PolicyError::new(kind, at)),
    }
}
