//! The visitor's consent id and its one text form.

use core::fmt;

/// A visitor's consent id: 128 random bits, written as 32 lowercase hex digits in
/// proof records, logs and reprs ([`ConsentId::hex`], `Display`) and read back
/// with [`ConsentId::parse`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConsentId(pub u128);

impl ConsentId {
    /// The id as 32 lowercase hex digits.
    pub const fn hex(self) -> [u8; 32] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let bytes = self.0.to_be_bytes();
        let mut out = [0u8; 32];
        let mut i = 0;
        while i < 16 {
            out[2 * i] = DIGITS[(bytes[i] >> 4) as usize];
            out[2 * i + 1] = DIGITS[(bytes[i] & 0xf) as usize];
            i += 1;
        }
        out
    }

    /// The id written as exactly 32 lowercase hex digits, as [`ConsentId::hex`]
    /// writes it; `None` for anything else.
    pub fn parse(s: &str) -> Option<ConsentId> {
        if s.len() != 32 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        u128::from_str_radix(s, 16).ok().map(ConsentId)
    }
}

impl From<u128> for ConsentId {
    fn from(id: u128) -> Self {
        ConsentId(id)
    }
}

impl fmt::Display for ConsentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        // The digits are ASCII.
        f.write_str(core::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

#[cfg(test)]
mod tests {
    use super::ConsentId;

    #[test]
    fn hex_is_32_lowercase_digits_and_parses_back() {
        let id = ConsentId(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(&id.hex(), b"0123456789abcdef0011223344556677");
        assert_eq!(&ConsentId(0).hex(), b"00000000000000000000000000000000");
        assert_eq!(
            &ConsentId(u128::MAX).hex(),
            b"ffffffffffffffffffffffffffffffff"
        );
        assert_eq!(
            ConsentId::parse("0123456789abcdef0011223344556677"),
            Some(id)
        );
        for bad in [
            "",
            "0123456789ABCDEF0011223344556677",
            "+123456789abcdef0011223344556677",
            "0123456789abcdef001122334455667",
        ] {
            assert_eq!(ConsentId::parse(bad), None, "{bad}");
        }
    }
}
