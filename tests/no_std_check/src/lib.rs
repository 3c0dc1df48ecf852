//! Uses the core with neither std nor an allocator: validation, every kind of
//! event, `permits` and the deletion plan on the kk.dk policy, so that all of it is
//! compiled and linked into this static library.
#![no_std]
#![forbid(unsafe_code)]

use core::panic::PanicInfo;

use samtykke::example::KK_DK;
use samtykke::{CategorySet, ConsentState, Ctx, Event, ProviderSet};
use time::OffsetDateTime;

/// Runs a short visit at `unix_seconds` and returns a digest of the answers, so
/// nothing can be optimised away.
pub fn visit(unix_seconds: i64) -> u64 {
    let mut index = [0u16; 7];
    let Ok(policy) = KK_DK.validate(&mut index) else {
        return 0;
    };
    let Ok(t) = OffsetDateTime::from_unix_timestamp(unix_seconds) else {
        return 0;
    };
    let statistics = policy
        .category_set(&["statistics"])
        .unwrap_or(CategorySet::EMPTY);
    let ctx = Ctx::button(t, 1);
    let mut state = ConsentState::new(u128::from(unix_seconds as u64));
    let events = [
        Event::Dismiss(t),
        Event::SignalGpc(t),
        Event::AcceptAll(ctx),
        Event::Save {
            chosen: statistics,
            refused_providers: ProviderSet::EMPTY,
            ctx,
        },
        Event::Withdraw {
            categories: Some(statistics),
            ctx,
        },
        Event::RejectAll(ctx),
    ];
    let mut digest = 0u64;
    for event in &events {
        if let Some(proof) = state.apply(&policy, event) {
            digest = digest
                .wrapping_mul(31)
                .wrapping_add(u64::from(proof.refused.bits()));
        }
        for name in ["nmstat", "SESSabc", "JSESSIONID", "foo"] {
            let allowed = state.permits(&policy, name, t).is_allowed();
            digest = digest.wrapping_mul(31).wrapping_add(u64::from(allowed));
        }
        for gone in state.deletion_plan(&policy, t, ["nmstat", "SESS1", "JSESSIONID"]) {
            digest = digest.wrapping_mul(31).wrapping_add(gone.name.len() as u64);
        }
    }
    digest.wrapping_add(u64::from(state.prompt_due(&policy, t)))
}

/// Keeps `visit` (and with it every generic the core instantiates for it, such as
/// the deletion plan's iterator) compiled into the archive without exporting an
/// unmangled symbol, which would take unsafe code.
#[used]
static VISIT: fn(i64) -> u64 = visit;

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}
