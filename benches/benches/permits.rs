//! `permits(name, now)`: median ns per call on the kk.dk policy and on a generated
//! 500-declaration policy with 50 patterns, over exact hits, pattern hits and
//! misses in equal parts (SPEC §12: ≤ 50 ns and ≤ 200 ns).
//!
//! Run: `cargo bench -p samtykke-benches --bench permits`

use std::hint::black_box;

use samtykke::example::KK_DK;
use samtykke::{ConsentState, Ctx, Policy};
use samtykke_benches::{median_ns, Generated};
use time::macros::datetime;

fn bench(label: &str, policy: &samtykke::ValidPolicy<'_>, names: &[&str]) {
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let mut state = ConsentState::new(7);
    let chosen = policy.category_set(&["statistics"]).unwrap();
    state.save(policy, chosen, Default::default(), Ctx::button(t0, 1));
    let now = datetime!(2026-03-02 10:00 UTC);
    let ns = median_ns(101, 30_000, |i| {
        let name = names[i % names.len()];
        black_box(state.permits(policy, black_box(name), now));
    });
    println!("permits  {label:<48} median {ns:>7.1} ns/call");
}

fn main() {
    let mut index = [0u16; 7];
    let kk = KK_DK.validate(&mut index).unwrap();
    // Exact hits, pattern hits and misses in equal parts.
    bench(
        "kk.dk (7 declarations, 2 patterns)",
        &kk,
        &[
            "nmstat",
            "JSESSIONID",
            "SESSabc123",
            "closed-emergency-banner-17",
            "unknown",
            "_ga",
        ],
    );

    let generated = Generated::new(500, 50);
    let declarations = generated.declarations();
    let policy = Policy {
        storage: &declarations,
        ..KK_DK
    };
    let valid = policy
        .validate_with(vec![0u16; declarations.len()])
        .unwrap();
    let mut names: Vec<&str> = Vec::new();
    for i in 0..50 {
        names.push(&generated.exact_hits[i * 9]);
        names.push(&generated.glob_hits[i]);
        names.push(&generated.misses[i * 7]);
    }
    bench(
        "generated (500 declarations, 50 patterns)",
        &valid.view(),
        &names,
    );
}
