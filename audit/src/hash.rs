//! The audit's two hashes of a visitor id (see [`crate::visitors`]): [`Keyed`],
//! SipHash-1-3 under a random key, which places a visitor in its shard and its
//! table, and [`fast_hash`], which checks it.

use std::hash::{BuildHasher, RandomState};

/// SipHash-1-3 under a random 128-bit key, computed over a whole byte string at
/// once. The same function as std's hasher of a `HashMap` and as the reference
/// SipHash-1-3 of the bytes (without the `0xff` that `Hash for str` appends);
/// computed in one piece, reading eight bytes at a time and the tail with whole
/// loads, it takes half the instructions of std's streaming hasher on the
/// 16-byte ids a log holds.
#[derive(Clone)]
pub(crate) struct Keyed {
    k0: u64,
    k1: u64,
}

/// The key is not shown: whoever knew it could write visitor ids that share a
/// place, which it is there to prevent.
impl std::fmt::Debug for Keyed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyed").finish_non_exhaustive()
    }
}

impl Keyed {
    /// A fresh random key, drawn from std's `RandomState` (seeded by the
    /// operating system): the key's two halves are its hashes of 0 and 1.
    pub(crate) fn new() -> Keyed {
        let r = RandomState::new();
        Keyed {
            k0: r.hash_one(0u64),
            k1: r.hash_one(1u64),
        }
    }

    #[cfg(test)]
    pub(crate) fn with_keys(k0: u64, k1: u64) -> Keyed {
        Keyed { k0, k1 }
    }

    /// SipHash-1-3 of `b`.
    #[inline]
    pub(crate) fn hash(&self, b: &[u8]) -> u64 {
        let mut v = [
            self.k0 ^ 0x736f_6d65_7073_6575,
            self.k1 ^ 0x646f_7261_6e64_6f6d,
            self.k0 ^ 0x6c79_6765_6e65_7261,
            self.k1 ^ 0x7465_6462_7974_6573,
        ];
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            compress(&mut v, u64::from_le_bytes(w));
        }
        let n = chunks.remainder().len();
        let tail = if n == 0 { 0 } else { tail_word(b, n) };
        // The length's low byte at the top of the last word (SipHash's padding).
        compress(&mut v, tail | (b.len() as u64) << 56);
        v[2] ^= 0xff;
        for _ in 0..3 {
            round(&mut v);
        }
        v[0] ^ v[1] ^ v[2] ^ v[3]
    }
}

/// One message word through one SipRound (the "1" of SipHash-1-3).
#[inline(always)]
fn compress(v: &mut [u64; 4], m: u64) {
    v[3] ^= m;
    round(v);
    v[0] ^= m;
}

#[inline(always)]
fn round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

/// A fast 64-bit hash of `b`, with the splitmix64 finalizer. Not keyed: it
/// checks a keyed hash, or memoizes, never places alone.
///
/// Sixteen bytes at a time, in two lanes of eight with multipliers of their
/// own, each word multiplied into its lane and rotated: the lanes do not wait
/// for each other, so a memo's key of a hundred bytes is hashed in half the
/// time one chain of multiplications takes, and the slot it names is read
/// sooner. A last whole word goes to the first lane, the bytes after it to
/// the second.
#[inline]
pub(crate) fn fast_hash(b: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    const L: u64 = 0xC2B2_AE3D_27D4_EB4F;
    let word = |c: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        u64::from_le_bytes(w)
    };
    let mut h = (b.len() as u64).wrapping_mul(K);
    let mut g = h ^ L;
    let mut pairs = b.chunks_exact(16);
    for c in &mut pairs {
        h = (h ^ word(&c[..8])).wrapping_mul(K).rotate_left(29);
        g = (g ^ word(&c[8..])).wrapping_mul(L).rotate_left(31);
    }
    let rest = pairs.remainder();
    if rest.len() >= 8 {
        h = (h ^ word(&rest[..8])).wrapping_mul(K).rotate_left(29);
    }
    let n = rest.len() % 8;
    if n != 0 {
        g = (g ^ tail_word(b, n)).wrapping_mul(L).rotate_left(31);
    }
    h ^= g.rotate_left(32);
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

/// The last `n` (1 to 7) bytes of `b` as a little-endian word, zero-extended:
/// what copying them into a zeroed word gives, read with whole loads rather
/// than a copy of a length known only at run time (which is a call to `memcpy`
/// and a stall when the word is read back).
#[inline(always)]
fn tail_word(b: &[u8], n: usize) -> u64 {
    let len = b.len();
    if len >= 8 {
        // The last eight bytes, the `n` wanted at the top, shifted down.
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[len - 8..]);
        return u64::from_le_bytes(w) >> (8 * (8 - n));
    }
    let rest = &b[len - n..];
    if n >= 4 {
        // Two loads of four that overlap, each byte at its own place.
        let mut lo = [0u8; 4];
        let mut hi = [0u8; 4];
        lo.copy_from_slice(&rest[..4]);
        hi.copy_from_slice(&rest[n - 4..]);
        u64::from(u32::from_le_bytes(lo)) | u64::from(u32::from_le_bytes(hi)) << (8 * (n - 4))
    } else {
        // One to three bytes: the first, the middle and the last.
        u64::from(rest[0])
            | u64::from(rest[n / 2]) << (8 * (n / 2))
            | u64::from(rest[n - 1]) << (8 * (n - 1))
    }
}

#[cfg(test)]
mod tests {
    use std::hash::Hasher;

    use proptest::prelude::*;

    use super::*;

    /// `tail_word` reads the last bytes as copying them into a zeroed word
    /// does: every tail length, in texts of every length up to 24.
    #[test]
    fn a_tail_word_is_the_tail_copied_into_a_zeroed_word() {
        let text: Vec<u8> = (1..=24u8).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
        for len in 1..=text.len() {
            let b = &text[..len];
            let n = len % 8;
            if n == 0 {
                continue;
            }
            let mut w = [0u8; 8];
            w[..n].copy_from_slice(&b[len - n..]);
            assert_eq!(tail_word(b, n), u64::from_le_bytes(w), "{len} bytes");
        }
    }

    /// The reference SipHash-1-3 of the bytes, from the `siphasher` crate.
    fn reference(k0: u64, k1: u64, b: &[u8]) -> u64 {
        let mut h = siphasher::sip::SipHasher13::new_with_keys(k0, k1);
        h.write(b);
        h.finish()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases()))]
        /// The one-piece hash is SipHash-1-3 of the bytes for any key and any
        /// text up to 40 bytes long (every tail length, with and without whole
        /// words before it).
        #[test]
        fn the_keyed_hash_is_the_reference_siphash13(
            k0 in any::<u64>(),
            k1 in any::<u64>(),
            b in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            prop_assert_eq!(Keyed::with_keys(k0, k1).hash(&b), reference(k0, k1, &b));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases()))]
        /// Every bit of every byte reaches the fast hash, in both lanes, the
        /// last whole word and the bytes after it, and so does the length: a
        /// text with one bit flipped, or a zero byte added, hashes otherwise
        /// (for texts of 0 to 80 bytes, every length of remainder).
        #[test]
        fn every_bit_and_the_length_reach_the_fast_hash(
            b in proptest::collection::vec(any::<u8>(), 0..=80),
            at in any::<proptest::sample::Index>(),
            bit in 0u8..8,
        ) {
            if !b.is_empty() {
                let mut flipped = b.clone();
                flipped[at.index(b.len())] ^= 1 << bit;
                prop_assert_ne!(fast_hash(&b), fast_hash(&flipped));
            }
            let mut longer = b.clone();
            longer.push(0);
            prop_assert_ne!(fast_hash(&b), fast_hash(&longer));
        }
    }

    #[test]
    fn each_auditor_draws_its_own_key() {
        let (a, b) = (Keyed::new(), Keyed::new());
        let ids = ["53e4775612f5d1c5", "v", ""];
        assert!(ids
            .iter()
            .any(|id| a.hash(id.as_bytes()) != b.hash(id.as_bytes())));
    }
}
