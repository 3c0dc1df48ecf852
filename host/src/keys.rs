//! The site keys a key file holds (SPEC §15: several keys for rotation, the first
//! signs). The one reader of key files, for the command line, the example site
//! and, through the C library, the WordPress plugin, so that a cookie one of them
//! signed verifies in the others under the same file.
//!
//! A file of printable text (ASCII letters, digits, punctuation, spaces, tabs and
//! line ends, as `openssl rand -hex 32` or `-base64 48` write) holds one key per
//! line: each line trimmed of spaces, tabs and `\r`; empty lines and lines that
//! start with `#` skipped. Any other file (random bytes, as `head -c 48
//! /dev/urandom` writes) is one key, byte for byte. Every key has at least
//! [`MIN_KEY_LEN`] bytes.
//!
//! ```
//! use samtykke_host::keys::{site_keys, KeyFileError};
//!
//! let file = b"# rotated 2026-11\nnew-key-of-more-than-32-bytes-0123456789\n\
//!              old-key-of-more-than-32-bytes-0123456789\n";
//! let keys = site_keys(file).unwrap();
//! assert_eq!(keys, [&b"new-key-of-more-than-32-bytes-0123456789"[..],
//!                   &b"old-key-of-more-than-32-bytes-0123456789"[..]]);
//! assert_eq!(site_keys(b"short\n"), Err(KeyFileError::TooShort { line: Some(1), len: 5 }));
//! ```

/// The fewest bytes a site key has: HMAC-SHA-256's output size (RFC 2104 §3).
pub const MIN_KEY_LEN: usize = 32;

/// Why a key file holds no usable keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    /// The file is empty, or text with no key line.
    #[error("the key file holds no key (one key per line, the first signs)")]
    Empty,
    /// A key is shorter than [`MIN_KEY_LEN`]: on its 1-based `line` in a text
    /// file, or the whole file when it is not text.
    #[error("{}a key of {len} bytes; a site key needs {MIN_KEY_LEN} or more", match line { Some(n) => format!("line {n}: "), None => String::new() })]
    TooShort {
        /// The key's line in a text file; `None` when the file is one key.
        line: Option<usize>,
        /// The key's length in bytes.
        len: usize,
    },
}

impl KeyFileError {
    /// The result code: [`samtykke::Code::KeyFileInvalid`].
    pub const fn code(&self) -> samtykke::Code {
        samtykke::Code::KeyFileInvalid
    }
}

/// The keys `file` holds, the one that signs first (see the module's rules).
///
/// # Errors
///
/// [`KeyFileError::Empty`] when there is no key, [`KeyFileError::TooShort`] for a
/// key under [`MIN_KEY_LEN`] bytes, naming its line.
pub fn site_keys(file: &[u8]) -> Result<Vec<&[u8]>, KeyFileError> {
    let text = file
        .iter()
        .all(|&b| matches!(b, b' '..=b'~' | b'\t' | b'\r' | b'\n'));
    if !text {
        return match file.len() {
            len if len < MIN_KEY_LEN => Err(KeyFileError::TooShort { line: None, len }),
            _ => Ok(vec![file]),
        };
    }
    let mut keys = Vec::new();
    for (i, line) in file.split(|&b| b == b'\n').enumerate() {
        let key = line.trim_ascii();
        if key.is_empty() || key.starts_with(b"#") {
            continue;
        }
        if key.len() < MIN_KEY_LEN {
            return Err(KeyFileError::TooShort {
                line: Some(i + 1),
                len: key.len(),
            });
        }
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(KeyFileError::Empty);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn s15_a_text_file_is_one_key_a_line_trimmed_the_first_signs() {
        let file = [b"  ", A, b"\r\n\n# old:\n\t", &A[1..], b"x \n"].concat();
        let keys = site_keys(&file).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0], A);
        assert_eq!(keys[1], [&A[1..], b"x"].concat());
    }

    #[test]
    fn s15_bytes_that_are_not_text_are_one_key_as_they_are() {
        let mut file = A.to_vec();
        file[3] = 0xff;
        file.push(b'\n');
        assert_eq!(site_keys(&file).unwrap(), [&file[..]]);
        assert_eq!(
            site_keys(&file[..10]),
            Err(KeyFileError::TooShort {
                line: None,
                len: 10
            })
        );
    }

    #[test]
    fn s13_a_short_line_or_no_key_is_an_error_naming_where() {
        let file = [A, b"\nshort\n"].concat();
        let e = site_keys(&file).unwrap_err();
        assert_eq!(
            e,
            KeyFileError::TooShort {
                line: Some(2),
                len: 5
            }
        );
        assert_eq!(
            e.to_string(),
            "line 2: a key of 5 bytes; a site key needs 32 or more"
        );
        assert_eq!(site_keys(b""), Err(KeyFileError::Empty));
        assert_eq!(
            site_keys(b"\n# only a comment\n\n"),
            Err(KeyFileError::Empty)
        );
    }
}
