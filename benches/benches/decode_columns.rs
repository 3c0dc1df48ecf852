//! Batch decoding of consent cookies into columns: the Rust loop that
//! `benches/python/bench_decode.py` holds `Policy.decode_cookies` against
//! (SPEC §12: the Python call within 1.5× of this loop).
//!
//! Run with `cargo bench -p samtykke-benches --bench decode_columns [-- FILE]`.
//! FILE holds one cookie value a line (the Python benchmark writes it, so both
//! sides decode the same list); without one, a list of the same mix is made here.
//! Each pass decodes every cookie, signed under the site key, into the same
//! columns the Python call returns, with the same helper code: the consent id
//! through `ConsentId::hex` into one string (not through `Display` and the
//! formatting machinery, which the Python side does not use), decided-at and
//! expiry as epoch seconds, revision, each consent category's standing at the
//! present (the clock read once a pass, as the Python call reads it once a call),
//! an error message per row, built as Rust vectors; the figure is the median
//! pass, per cookie, in wall time and in this thread's CPU time (which leaves
//! out waiting for a core on a shared machine). The loop as it was before, with the consent id through
//! `Display` (`to_string`), runs in alternate passes, for comparison. The last lines,
//! `decode_columns_ns_per_cookie N` and `decode_columns_cpu_ns_per_cookie N`
//! (wall and CPU), are for the Python benchmark to read.

use std::hint::black_box;
use std::time::Instant;

use samtykke::{Category, ConsentState, CookieKey, Ctx, ValidPolicy, COOKIE_MAX_LEN};
use samtykke_benches::thread_cpu_ns;
use samtykke_host::OwnedPolicy;

/// The key `bench_decode.py` signs with.
const KEY: &[u8] = b"kk.dk consent-cookie key, 32 b.!";
const COOKIES: usize = 100_000;
const PASSES: usize = 21;

/// The columns of `Policy.decode_cookies`, as a Rust program would hold them.
#[derive(Default)]
struct Columns {
    consent_id: Vec<Option<String>>,
    decided_at: Vec<Option<i64>>,
    expires: Vec<Option<i64>>,
    revision: Vec<Option<u32>>,
    categories: Vec<Vec<Option<&'static str>>>,
    error: Vec<Option<String>>,
}

/// The consent id as `Policy.decode_cookies` makes it: `ConsentId::hex`, then
/// one string of the digits.
fn hex_id(id: u128) -> String {
    let hex = samtykke::ConsentId(id).hex();
    // Hex digits are ASCII, so always UTF-8.
    std::str::from_utf8(&hex).unwrap_or_default().to_owned()
}

/// The consent id through `Display`, as this loop made it before.
fn display_id(id: u128) -> String {
    samtykke::ConsentId(id).to_string()
}

fn decode_all(
    policy: &ValidPolicy<'_>,
    values: &[String],
    key: &CookieKey,
    id: fn(u128) -> String,
) -> Columns {
    // One column per category, the exempt one too, as the Python call builds.
    let consent: Vec<&Category<'_>> = policy.policy().categories.iter().collect();
    let now = time::OffsetDateTime::now_utc();
    let n = values.len();
    let mut cols = Columns {
        consent_id: Vec::with_capacity(n),
        decided_at: Vec::with_capacity(n),
        expires: Vec::with_capacity(n),
        revision: Vec::with_capacity(n),
        categories: consent.iter().map(|_| Vec::with_capacity(n)).collect(),
        error: Vec::with_capacity(n),
    };
    for value in values {
        match ConsentState::decode_cookie_with(policy, value.as_bytes(), Some(key)) {
            Ok(state) => {
                cols.consent_id.push(Some(id(state.consent_id())));
                let decided = state.decided_at();
                cols.decided_at.push(decided.map(|t| t.unix_timestamp()));
                cols.expires
                    .push(state.expires(policy).map(|t| t.unix_timestamp()));
                cols.revision
                    .push(decided.map(|_| state.decided_revision()));
                for (column, c) in cols.categories.iter_mut().zip(&consent) {
                    column.push(Some(state.category_status(policy, c, now).as_str()));
                }
                cols.error.push(None);
            }
            Err(e) => {
                cols.consent_id.push(None);
                cols.decided_at.push(None);
                cols.expires.push(None);
                cols.revision.push(None);
                for column in &mut cols.categories {
                    column.push(None);
                }
                cols.error.push(Some(e.to_string()));
            }
        }
    }
    cols
}

/// A list like the Python benchmark's: mostly decided visitors of every kind,
/// some undecided, one in a hundred garbage.
fn generate(policy: &ValidPolicy<'_>) -> Vec<String> {
    let mut seed = 0x2026_0301_u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 16
    };
    let t0 = time::macros::datetime!(2026-01-01 0:00 UTC);
    let mut buf = [0u8; COOKIE_MAX_LEN];
    (0..COOKIES)
        .map(|_| {
            let id = (u128::from(next()) << 64) | u128::from(next());
            let at = t0 + time::Duration::seconds((next() % (365 * 86_400)) as i64);
            let ctx = Ctx::button(at, 1);
            let mut state = ConsentState::new(id);
            match next() % 100 {
                0 => return "v1.not-a-consent-cookie".to_owned(),
                1..=30 => drop(state.accept_all(policy, ctx)),
                31..=55 => drop(state.reject_all(policy, ctx)),
                56..=80 => {
                    let chosen = samtykke::CategorySet::from_bits(
                        (next() as u32) & policy.consent_slots().bits(),
                    );
                    state.save(policy, chosen, Default::default(), ctx);
                }
                81..=95 => {
                    state.accept_all(policy, ctx);
                    let later = Ctx::button(at + time::Duration::days(3), 1);
                    state.withdraw(policy, None, later);
                }
                _ => {}
            }
            let n = state
                .encode_cookie(policy, Some(KEY), &mut buf)
                .expect("COOKIE_MAX_LEN suffices");
            String::from_utf8_lossy(&buf[..n]).into_owned()
        })
        .collect()
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/kk.dk.policy.json");
    let owned = OwnedPolicy::load(path).expect("the kk.dk policy loads");
    let policy = owned.view();
    // cargo runs benchmarks in the package's folder; a relative FILE is taken
    // from the workspace root, where the command was most likely typed.
    let file = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(|f| std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join(f));
    let values: Vec<String> = match &file {
        Some(f) => std::fs::read_to_string(f)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display()))
            .lines()
            .map(str::to_owned)
            .collect(),
        None => generate(&policy),
    };
    let key = CookieKey::new(KEY);

    let first = decode_all(&policy, &values, &key, hex_id);
    let errors = first.error.iter().filter(|e| e.is_some()).count();
    assert_eq!(
        first.consent_id,
        decode_all(&policy, &values, &key, display_id).consent_id
    );
    let n = values.len() as f64;
    // Wall and CPU nanoseconds per cookie of one pass.
    let pass = |id: fn(u128) -> String| {
        let cpu = thread_cpu_ns();
        let start = Instant::now();
        let cols = decode_all(&policy, black_box(&values), &key, id);
        let wall = start.elapsed().as_nanos() as f64 / n;
        let cpu = match (cpu, thread_cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64 / n,
            _ => wall,
        };
        black_box(cols);
        (wall, cpu)
    };
    let mut samples: [Vec<f64>; 4] = Default::default();
    for _ in 0..PASSES {
        let (wall, cpu) = pass(hex_id);
        samples[0].push(wall);
        samples[1].push(cpu);
        let (wall, cpu) = pass(display_id);
        samples[2].push(wall);
        samples[3].push(cpu);
    }
    let [median, median_cpu, median_before, median_before_cpu] = samples.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    });
    println!(
        "decode into columns, Rust loop: {} cookies ({} errors) from {}, median of {PASSES} passes",
        values.len(),
        errors,
        file.as_ref()
            .map_or("the built-in list".into(), |f| f.display().to_string())
    );
    println!(
        "  decode + HMAC verify + columns   {median:7.1} ns/cookie wall, {median_cpu:7.1} CPU"
    );
    println!("  the same, consent id by Display  {median_before:7.1} ns/cookie wall, {median_before_cpu:7.1} CPU (the loop before)");
    println!("decode_columns_ns_per_cookie {median:.1}");
    println!("decode_columns_cpu_ns_per_cookie {median_cpu:.1}");
    println!("decode_columns_display_cpu_ns_per_cookie {median_before_cpu:.1}");
}
