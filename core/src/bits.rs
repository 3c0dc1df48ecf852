//! Bits of a base64url text, read in place: the IAB's TC and GPP strings are bit
//! fields written most significant bit first and encoded six bits a character
//! (RFC 4648 §5, without padding). Reading the characters directly means a decoder
//! needs no buffer for the decoded bytes, so it allocates nothing and copies
//! nothing.

/// The value of each base64url character, or [`BAD`].
const SEXTETS: [u8; 256] = {
    let mut t = [BAD; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'-' as usize] = 62;
    t[b'_' as usize] = 63;
    t
};
const BAD: u8 = 0xff;

/// The longest segment or section read, in characters: its bit offsets fit a
/// `u32` with room to spare, and no real TC or GPP string comes near it.
pub const MAX_CHARS: usize = 1 << 24;

/// A segment's characters, all checked to be base64url.
///
/// # Invariants
/// Every byte of `chars` is in the base64url alphabet, and `chars.len()` is at
/// most [`MAX_CHARS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bits<'a> {
    chars: &'a [u8],
}

impl<'a> Bits<'a> {
    /// The characters as bits, or the index of the first character that is not
    /// base64url.
    pub(crate) fn new(chars: &'a [u8]) -> Result<Self, usize> {
        debug_assert!(chars.len() <= MAX_CHARS);
        match chars.iter().position(|&c| SEXTETS[usize::from(c)] == BAD) {
            Some(i) => Err(i),
            None => Ok(Bits { chars }),
        }
    }

    /// How many bits the characters hold.
    pub(crate) fn len(&self) -> u32 {
        // MAX_CHARS * 6 fits a u32.
        self.chars.len() as u32 * 6
    }

    /// `width` bits (at most 64) from bit `at`, most significant first; `None`
    /// when they run past the end.
    #[inline]
    pub(crate) fn get(&self, at: u32, width: u32) -> Option<u64> {
        debug_assert!(width <= 64);
        if u64::from(at) + u64::from(width) > u64::from(self.len()) {
            return None;
        }
        Some(self.read(at, width))
    }

    /// The six bits of character `i` (the caller has checked it is in range).
    #[inline]
    pub(crate) fn sextet(&self, i: usize) -> u8 {
        SEXTETS[usize::from(self.chars[i])]
    }

    /// One bit at `at`; `None` past the end.
    #[inline]
    pub(crate) fn bit(&self, at: u32) -> Option<bool> {
        let c = *self.chars.get((at / 6) as usize)?;
        Some(SEXTETS[usize::from(c)] >> (5 - at % 6) & 1 == 1)
    }

    /// `width` bits from `at`, which the caller has checked are in range: the
    /// characters that hold them (at most 12, as `at % 6 + width` ≤ 69) are
    /// gathered six bits at a time, then shifted into place.
    #[inline]
    fn read(&self, at: u32, width: u32) -> u64 {
        let offset = at % 6;
        let first = (at / 6) as usize;
        let count = (offset + width).div_ceil(6) as usize;
        let mut v = 0u128;
        for &c in &self.chars[first..first + count] {
            v = v << 6 | u128::from(SEXTETS[usize::from(c)]);
        }
        let spare = count as u32 * 6 - offset - width;
        let mask = if width == 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        (v >> spare) as u64 & mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bits_across_characters_most_significant_first() {
        // "D" = 000011, "B" = 000001, "A" = 000000, "B" = 000001 (a GPP header).
        let b = Bits::new(b"DBAB").unwrap();
        assert_eq!(b.len(), 24);
        assert_eq!(b.get(0, 6), Some(3));
        assert_eq!(b.get(6, 6), Some(1));
        assert_eq!(b.get(12, 12), Some(1));
        assert_eq!(b.get(4, 4), Some(0b1100));
        assert_eq!(b.get(0, 24), Some(0x0c_10_01));
        assert_eq!(b.get(20, 5), None);
        assert_eq!(b.bit(23), Some(true));
        assert_eq!(b.bit(24), None);
        assert_eq!(Bits::new(b"AB=C"), Err(2));
        assert_eq!(Bits::new(b"-_").unwrap().get(0, 12), Some(0b111110_111111));
        assert_eq!(b.get(24, 0), Some(0));
        assert_eq!(b.get(3, 0), Some(0));
    }

    #[test]
    fn reads_any_width_at_any_offset_as_bit_by_bit() {
        // Every width 0..=64 at every offset, against one bit at a time.
        let text = b"Q5t-_0aZzBm9x8Kp-_AAgH7wLqe3";
        let b = Bits::new(text).unwrap();
        for at in 0..b.len() {
            for width in 0..=64.min(b.len() - at) {
                let want = (at..at + width).fold(0u64, |v, i| {
                    let bit = SEXTETS[usize::from(text[(i / 6) as usize])] >> (5 - i % 6) & 1;
                    (v << 1) | u64::from(bit)
                });
                assert_eq!(b.get(at, width), Some(want), "{at} {width}");
            }
        }
    }
}
