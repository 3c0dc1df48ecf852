//! Consent cookie decode + HMAC verify with a prepared key on the kk.dk policy,
//! beside its floor: the SHA-256 block compressions that HMAC-SHA-256 needs for
//! the same message, run with the `sha2` crate's own compression function
//! (`sha2::compress256`, the code the HMAC runs) in the same run (SPEC §12: ≤ 1.5×
//! the floor). See [`hmac_blocks`] for how the blocks are counted.
//!
//! Run with `cargo bench -p samtykke-benches --bench cookie`. All paths run
//! batch by batch, interleaved, in the same run, so their ratios hold on a noisy
//! machine; each figure is the median of many batches.
//!
//! The headline pair decodes a shuffled (seeded) sequence of 4,096 cookies of
//! different visitors (accepted, refused, mixed, withdrawn, undecided), so no
//! branch pattern repeats; the floor runs over the same sequence, each cookie's
//! own block count. The single cookie decoded over and over, the earlier input,
//! is kept beside it, with the same cookie's floor. The key's bytes on every
//! call, the unsigned decode and the encode are printed for scale, and so is
//! parsing the same consent as a cookieconsent-v3 `cc_cookie` (URL-encoded
//! JSON) with serde_json, as a typical reader writes it (a new string, owned
//! fields) and in its kindest form (a reused buffer, borrowed strings).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use samtykke::example::KK_DK;
use samtykke::{ConsentState, CookieKey, Ctx, ValidPolicy, COOKIE_MAX_LEN};
use samtykke_benches::Rng;
use serde::Deserialize;
use sha2::digest::generic_array::GenericArray;
use time::macros::datetime;

const KEY: &[u8] = b"kk.dk consent-cookie key, 32 b.!";
/// Calls per batch: short, so that few batches are preempted on a busy machine.
const BATCH: usize = 250;
const BATCHES: usize = 1_501;
/// Distinct cookies in the shuffled sequence.
const VISITORS: usize = 4_096;

/// The domain-separation prefix of the tagged message (core/src/cookie.rs).
const MAC_DOMAIN: &[u8] = b"samtykke-v1";
/// Bytes of the truncated tag at the end of a signed record.
const TAG_LEN: usize = 16;

/// The SHA-256 compressions an HMAC-SHA-256 verify of the signed cookie `value`
/// needs once the key is prepared (`CookieKey`).
///
/// HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). A prepared key has already
/// compressed the two key blocks `K ⊕ ipad` and `K ⊕ opad` (64 bytes each) and
/// keeps the two states, so a verify costs:
///
/// - the inner hash, from the ipad state, over `m` = `samtykke-v1` (11 bytes),
///   the varint length of the policy's site, the site, and the record before
///   the tag; SHA-256 pads with a 0x80 byte and the 8-byte bit length, so it
///   compresses ⌈(|m| + 9) / 64⌉ blocks;
/// - the outer hash, from the opad state, over the 32-byte inner digest:
///   32 + 9 ≤ 64, one block.
///
/// The record is the base64url (unpadded) text after `v1.`: ⌊3n/4⌋ bytes for n
/// characters, the last 16 of them the tag.
fn hmac_blocks(site: &str, value: &[u8]) -> usize {
    let record = (value.len() - 3) * 3 / 4;
    let varint = (site.len().max(1).ilog2() / 7 + 1) as usize;
    let message = MAC_DOMAIN.len() + varint + site.len() + record - TAG_LEN;
    (message + 9).div_ceil(64) + 1
}

/// The floor of one verify: `blocks` compressions one after the other (each
/// depends on the state the one before left, as in HMAC, where the outer hash
/// needs the inner digest), from a fresh state each cookie, as each verify
/// starts from the prepared key's.
#[inline]
fn floor(blocks: usize, block: &GenericArray<u8, sha2::digest::consts::U64>) -> [u32; 8] {
    // SHA-256's initial state; any state costs the same.
    let mut state = black_box([
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ]);
    for _ in 0..blocks {
        sha2::compress256(&mut state, std::slice::from_ref(black_box(block)));
    }
    state
}

/// `VISITORS` signed cookies of different visitors on `policy`, in random
/// (seeded) order: accepted, refused, some categories, withdrawn, undecided.
fn visitors(policy: &ValidPolicy<'_>) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(2026_0301);
    let t0 = datetime!(2026-01-01 0:00 UTC);
    let mut buf = [0u8; COOKIE_MAX_LEN];
    let mut out: Vec<Vec<u8>> = (0..VISITORS)
        .map(|_| {
            let id = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
            let at = t0 + time::Duration::seconds(rng.below(365 * 86_400) as i64);
            let ctx = Ctx::button(at, 1);
            let mut state = ConsentState::new(id);
            match rng.below(100) {
                0..=29 => drop(state.accept_all(policy, ctx)),
                30..=54 => drop(state.reject_all(policy, ctx)),
                55..=79 => {
                    let chosen = samtykke::CategorySet::from_bits(
                        (rng.next_u64() as u32) & policy.consent_slots().bits(),
                    );
                    state.save(policy, chosen, Default::default(), ctx);
                }
                80..=94 => {
                    state.accept_all(policy, ctx);
                    let later = Ctx::button(at + time::Duration::days(3), 1);
                    state.withdraw(policy, None, later);
                }
                _ => {}
            }
            let n = state
                .encode_cookie(policy, Some(KEY), &mut buf)
                .expect("fits");
            buf[..n].to_vec()
        })
        .collect();
    rng.shuffle(&mut out);
    out
}

/// cookieconsent v3's `cc_cookie`, as a typical server-side reader types it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct CcCookie {
    categories: Vec<String>,
    revision: u32,
    data: Option<serde_json::Value>,
    consent_id: String,
    consent_timestamp: String,
    last_consent_timestamp: String,
    services: HashMap<String, Vec<String>>,
    language_code: String,
    expiration_time: u64,
}

/// The same, borrowing its strings from the decoded buffer (the kindest serde path).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct CcCookieRef<'a> {
    #[serde(borrow)]
    categories: Vec<&'a str>,
    revision: u32,
    data: Option<serde::de::IgnoredAny>,
    consent_id: &'a str,
    consent_timestamp: &'a str,
    last_consent_timestamp: &'a str,
    #[serde(borrow)]
    services: HashMap<&'a str, Vec<&'a str>>,
    language_code: &'a str,
    expiration_time: u64,
}

/// `encodeURIComponent`, which cookieconsent v3 applies before writing the cookie.
fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding into a reused buffer.
fn percent_decode(s: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
    out.clear();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hi = s.get(i + 1).copied().and_then(hex).ok_or("bad escape")?;
            let lo = s.get(i + 2).copied().and_then(hex).ok_or("bad escape")?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut index = [0u16; 16];
    let policy = KK_DK.validate(&mut index).expect("kk.dk is valid");

    // A visitor who chose functional and statistics on 1 March 2026.
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let id = 0x4b2c_1f0e_9d3a_4c57_8e21_6f0a_b3d4_c5e6_u128;
    let mut state = ConsentState::new(id);
    let chosen = policy
        .category_set(&["functional", "statistics"])
        .expect("declared");
    state.save(&policy, chosen, Default::default(), Ctx::button(t0, 1));
    let mut buf = [0u8; COOKIE_MAX_LEN];
    let n = state
        .encode_cookie(&policy, Some(KEY), &mut buf)
        .expect("fits");
    let ours = buf[..n].to_vec();

    let json = r#"{"categories":["necessary","functional","statistics"],"revision":1,"data":null,"consentTimestamp":"2026-03-01T10:00:00.000Z","consentId":"4b2c1f0e-9d3a-4c57-8e21-6f0ab3d4c5e6","services":{"necessary":[],"functional":["twentythree","septima"],"statistics":["siteimprove"]},"languageCode":"da","lastConsentTimestamp":"2026-03-01T10:00:00.000Z","expirationTime":1781085600000}"#;
    let theirs = encode_uri_component(json);

    // Both sides read the same consent.
    let decoded = ConsentState::decode_cookie(&policy, &ours, Some(KEY)).expect("decodes");
    assert_eq!(decoded, state);
    let mut scratch = Vec::with_capacity(theirs.len());
    percent_decode(theirs.as_bytes(), &mut scratch).expect("decodes");
    let cc: CcCookie = serde_json::from_slice(&scratch).expect("parses");
    assert_eq!(cc.categories, ["necessary", "functional", "statistics"]);

    println!("consent cookie, kk.dk policy (medians of {BATCHES} batches of {BATCH})");
    println!(
        "  samtykke v1 value:  {} bytes  {}",
        ours.len(),
        String::from_utf8_lossy(&ours)
    );
    println!("  cc_cookie value:    {} bytes", theirs.len());

    let prepared = CookieKey::new(KEY);
    let unsigned_value = {
        let n = state.encode_cookie(&policy, None, &mut buf).expect("fits");
        buf[..n].to_vec()
    };
    let site = policy.policy().site;
    let ours_blocks = hmac_blocks(site, &ours);
    // The unsigned record is the signed one without its tag: a check of the count.
    assert_eq!(
        (unsigned_value.len() - 3) * 3 / 4 + TAG_LEN,
        (ours.len() - 3) * 3 / 4
    );
    let many = visitors(&policy);
    let many_blocks: Vec<usize> = many.iter().map(|v| hmac_blocks(site, v)).collect();
    for v in &many {
        ConsentState::decode_cookie_with(&policy, v, Some(&prepared)).expect("verifies");
    }
    let (shortest, longest) = (
        many.iter().map(Vec::len).min().unwrap_or(0),
        many.iter().map(Vec::len).max().unwrap_or(0),
    );
    let mean_blocks = many_blocks.iter().sum::<usize>() as f64 / many.len() as f64;
    println!(
        "  {VISITORS} visitors' cookies: {shortest}–{longest} bytes, {:.2} compressions each on average; the single cookie: {ours_blocks}",
        mean_blocks
    );
    let block = GenericArray::from([0x5a_u8; 64]);

    let mut times: [Vec<f64>; 10] = Default::default();
    let per_op = |start: Instant| start.elapsed().as_nanos() as f64 / BATCH as f64;
    let mut at = 0;
    for _ in 0..BATCHES {
        // The headline pair, over the same stretch of the shuffled sequence.
        let from = at;
        let start = Instant::now();
        for k in 0..BATCH {
            let value = &many[(from + k) % VISITORS];
            let key = black_box(Some(&prepared));
            let s = ConsentState::decode_cookie_with(&policy, black_box(value), key);
            black_box(s.ok());
        }
        times[0].push(per_op(start));

        let start = Instant::now();
        for k in 0..BATCH {
            black_box(floor(many_blocks[(from + k) % VISITORS], &block));
        }
        times[1].push(per_op(start));

        // The same compressions, each cookie's chain starting from where the
        // previous one ended: no overlap between cookies, pure latency.
        let start = Instant::now();
        let mut chain = [0u32; 8];
        for k in 0..BATCH {
            for _ in 0..many_blocks[(from + k) % VISITORS] {
                sha2::compress256(&mut chain, std::slice::from_ref(black_box(&block)));
            }
        }
        black_box(chain);
        times[9].push(per_op(start));
        at = (at + BATCH) % VISITORS;

        let start = Instant::now();
        for _ in 0..BATCH {
            let key = black_box(Some(&prepared));
            let s = ConsentState::decode_cookie_with(&policy, black_box(&ours), key);
            black_box(s.ok());
        }
        times[2].push(per_op(start));

        let start = Instant::now();
        for _ in 0..BATCH {
            black_box(floor(black_box(ours_blocks), &block));
        }
        times[3].push(per_op(start));

        let start = Instant::now();
        for _ in 0..BATCH {
            let s = ConsentState::decode_cookie(&policy, black_box(&ours), black_box(Some(KEY)));
            black_box(s.ok());
        }
        times[4].push(per_op(start));

        let start = Instant::now();
        for _ in 0..BATCH {
            let s = ConsentState::decode_cookie(&policy, black_box(&unsigned_value), None);
            black_box(s.ok());
        }
        times[5].push(per_op(start));

        let start = Instant::now();
        for _ in 0..BATCH {
            let key = black_box(Some(&prepared));
            let n = black_box(&state).encode_cookie_with(&policy, key, &mut buf);
            black_box((n.ok(), &buf));
        }
        times[6].push(per_op(start));

        // What a typical reader does: decode into a new string, parse into owned fields.
        let start = Instant::now();
        for _ in 0..BATCH {
            let mut json = Vec::new();
            percent_decode(black_box(theirs.as_bytes()), &mut json).ok();
            let cc = String::from_utf8(json)
                .ok()
                .and_then(|json| serde_json::from_str::<CcCookie>(&json).ok());
            black_box(cc);
        }
        times[7].push(per_op(start));

        // The kindest serde path: a reused buffer and borrowed strings.
        let start = Instant::now();
        for _ in 0..BATCH {
            percent_decode(black_box(theirs.as_bytes()), &mut scratch).ok();
            let cc: Result<CcCookieRef<'_>, _> = serde_json::from_slice(&scratch);
            black_box(cc.ok());
        }
        times[8].push(per_op(start));
    }
    let [many_ns, many_floor, one, one_floor, raw, unsigned, encode, owned, borrowed, chained] =
        times.map(median);
    let ratio = many_ns / many_floor;
    let met = |r: f64| if r <= 1.5 { "met" } else { "missed" };
    println!("  decode + HMAC verify, prepared CookieKey, {VISITORS} visitors in random order  {many_ns:7.1} ns/op");
    println!("  HMAC floor: sha2::compress256 × each cookie's blocks, same order          {many_floor:7.1} ns/op");
    println!(
        "  the same compressions chained across cookies (latency, no overlap)        {chained:7.1} ns/op"
    );
    println!(
        "  ratio to the floor: {ratio:.2}× (target ≤ 1.5×: {}); to the chained floor {:.2}×",
        met(ratio),
        many_ns / chained
    );
    println!(
        "  decode + HMAC verify, prepared CookieKey, one cookie over and over      {one:7.1} ns/op"
    );
    println!("  HMAC floor: sha2::compress256 × {ours_blocks} blocks                               {one_floor:7.1} ns/op");
    println!("  ratio to the floor, one cookie: {:.2}×", one / one_floor);
    println!(
        "  decode + HMAC verify, key bytes per call                                {raw:7.1} ns/op"
    );
    println!("  decode, unsigned                                                        {unsigned:7.1} ns/op");
    println!("  encode + HMAC sign, prepared CookieKey                                  {encode:7.1} ns/op");
    println!("  cc_cookie percent-decode + serde_json, owned                            {owned:7.1} ns/op");
    println!("  cc_cookie percent-decode + serde_json, borrowed                         {borrowed:7.1} ns/op");
    println!(
        "  prepared key against cc_cookie (for scale): {:.1}× owned, {:.1}× borrowed",
        owned / many_ns,
        borrowed / many_ns,
    );
}
