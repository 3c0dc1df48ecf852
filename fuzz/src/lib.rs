//! What the fuzz targets share: the kk.dk policy, in its static form and loaded
//! from its JSON, and the conformance table's site key.

use std::sync::OnceLock;

use samtykke::example::KK_DK;
use samtykke::ValidPolicy;
use samtykke_host::OwnedPolicy;
use time::OffsetDateTime;

/// The site key of `tests/conformance/cookies.json` (`key_hex` 00 01 … 1f), so the
/// signed seeds verify.
pub const KEY: &[u8; 32] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];

/// `examples/kk.dk.policy.json`, the same policy as [`KK_DK`].
pub const KK_JSON: &str = include_str!("../../examples/kk.dk.policy.json");

/// 2026-03-01T10:00:00Z, the conformance table's `now`.
pub const T0: i64 = 1_772_359_200;

/// [`T0`] as a time.
pub fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(T0).expect("in range")
}

/// [`KK_DK`], validated once.
pub fn kk() -> &'static ValidPolicy<'static> {
    static P: OnceLock<ValidPolicy<'static>> = OnceLock::new();
    P.get_or_init(|| {
        let index = Box::leak(vec![0u16; KK_DK.storage.len()].into_boxed_slice());
        KK_DK.validate(index).expect("kk.dk is valid")
    })
}

/// [`KK_JSON`], loaded once.
pub fn kk_owned() -> &'static OwnedPolicy {
    static P: OnceLock<OwnedPolicy> = OnceLock::new();
    P.get_or_init(|| OwnedPolicy::from_json(KK_JSON).expect("kk.dk loads"))
}
