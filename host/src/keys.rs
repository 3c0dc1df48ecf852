//! The site keys a key file holds (SPEC §15: several keys for rotation, the first
//! signs). The one reader of key files, for the command line, the example site
//! and, through the C library, the WordPress plugin, so that a cookie one of them
//! signed verifies in the others under the same file.
//!
//! A file of text (UTF-8, a byte-order mark allowed, no control character but
//! tabs and line ends, as `openssl rand -hex 32` or an editor writes) holds one
//! key per line: lines end at `\n`, `\r\n` or `\r`; each line is trimmed of
//! spaces and tabs; empty lines and lines that start with `#` are skipped. Any
//! other file (random bytes, as `head -c 48 /dev/urandom` writes) is one key,
//! byte for byte. Every key has at least [`MIN_KEY_LEN`] bytes; a file has at
//! most [`MAX_KEY_FILE_LEN`].
//!
//! ```
//! use samtykke_host::keys::{site_keys, KeyFileError};
//!
//! let file = "# nøglen skiftet 2026-11\nnew-key-of-more-than-32-bytes-0123456789\n\
//!             old-key-of-more-than-32-bytes-0123456789\n";
//! let keys = site_keys(file.as_bytes()).unwrap();
//! assert_eq!(keys, [&b"new-key-of-more-than-32-bytes-0123456789"[..],
//!                   &b"old-key-of-more-than-32-bytes-0123456789"[..]]);
//! assert_eq!(site_keys(b"short\n"), Err(KeyFileError::TooShort { line: Some(1), len: 5 }));
//! ```

/// The fewest bytes a site key has: HMAC-SHA-256's output size (RFC 2104 §3).
pub const MIN_KEY_LEN: usize = 32;

/// The most bytes a key file has (64 KiB): room for a thousand keys; a larger
/// file is a mistake (a device, a log) and is refused before it is read whole.
pub const MAX_KEY_FILE_LEN: usize = 64 * 1024;

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
    /// The file has more than [`MAX_KEY_FILE_LEN`] bytes.
    #[error("the key file has more than {MAX_KEY_FILE_LEN} bytes; is it the right file?")]
    TooLarge,
}

impl KeyFileError {
    /// The result code: [`samtykke::Code::KeyFileInvalid`].
    pub const fn code(&self) -> samtykke::Code {
        samtykke::Code::KeyFileInvalid
    }
}

/// A site key handed over in code rather than read from a file (the tower
/// layer's configuration, C's and Python's cookie calls): at least
/// [`MIN_KEY_LEN`] bytes, the rule a key file's keys follow.
///
/// # Errors
///
/// [`KeyFileError::TooShort`] (with no line) for a shorter key, the empty one
/// too.
pub fn site_key(key: &[u8]) -> Result<&[u8], KeyFileError> {
    if key.len() < MIN_KEY_LEN {
        return Err(KeyFileError::TooShort {
            line: None,
            len: key.len(),
        });
    }
    Ok(key)
}

/// Whether `file` is text: UTF-8 without a control character but tabs and line
/// ends. Random bytes almost never are (each byte has about an even chance of
/// breaking it).
fn is_text(file: &[u8]) -> bool {
    std::str::from_utf8(file).is_ok_and(|t| {
        t.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n'))
    })
}

/// The keys `file` holds, the one that signs first (see the module's rules).
///
/// # Errors
///
/// [`KeyFileError::Empty`] when there is no key, [`KeyFileError::TooShort`] for a
/// key under [`MIN_KEY_LEN`] bytes, naming its line; [`KeyFileError::TooLarge`]
/// past [`MAX_KEY_FILE_LEN`] bytes.
pub fn site_keys(file: &[u8]) -> Result<Vec<&[u8]>, KeyFileError> {
    if file.len() > MAX_KEY_FILE_LEN {
        return Err(KeyFileError::TooLarge);
    }
    if !is_text(file) {
        return match file.len() {
            len if len < MIN_KEY_LEN => Err(KeyFileError::TooShort { line: None, len }),
            _ => Ok(vec![file]),
        };
    }
    let text = file.strip_prefix("\u{feff}".as_bytes()).unwrap_or(file);
    let mut keys = Vec::new();
    // `\r\n` ends one line: split at `\n`, then at a lone `\r`.
    let lines = text
        .split(|&b| b == b'\n')
        .flat_map(|l| l.strip_suffix(b"\r").unwrap_or(l).split(|&b| b == b'\r'));
    for (i, line) in lines.enumerate() {
        let key = trim(line);
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

/// Why [`read_site_keys`] gave no keys.
#[derive(Debug, thiserror::Error)]
pub enum ReadKeysError {
    /// The file could not be read.
    #[error("cannot read the key: {0}")]
    Io(#[from] std::io::Error),
    /// It holds no usable key.
    #[error(transparent)]
    Keys(#[from] KeyFileError),
}

/// The keys of the key file at `path`, the one that signs first: [`site_keys`]
/// of its bytes, of which no more than [`MAX_KEY_FILE_LEN`] and one are read.
///
/// # Errors
///
/// [`ReadKeysError::Io`] when the file cannot be read, else
/// [`ReadKeysError::Keys`] as [`site_keys`] says.
pub fn read_site_keys(path: &std::path::Path) -> Result<Vec<Vec<u8>>, ReadKeysError> {
    use std::io::Read;
    let mut file = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_KEY_FILE_LEN as u64 + 1)
        .read_to_end(&mut file)?;
    Ok(site_keys(&file)?.into_iter().map(<[u8]>::to_vec).collect())
}

/// `line` without spaces and tabs at either end.
fn trim(line: &[u8]) -> &[u8] {
    let blank = |b: &u8| matches!(b, b' ' | b'\t');
    let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |i| i + 1);
    &line[start..end]
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
    fn s15_utf8_comments_a_byte_order_mark_and_old_line_ends_are_text() {
        let file = ["\u{feff}# gammel nøgle\r".as_bytes(), A, b"\rB", A].concat();
        let keys = site_keys(&file).unwrap();
        assert_eq!(keys, [A, &[b"B", A].concat()[..]]);
        // A control character (a form feed) makes the file one key, as random
        // bytes are.
        let ff = [A, b"\x0c\n", A].concat();
        assert_eq!(site_keys(&ff).unwrap(), [&ff[..]]);
    }

    #[test]
    fn s13_a_file_past_the_limit_is_refused() {
        let big = vec![b'a'; MAX_KEY_FILE_LEN + 1];
        assert_eq!(site_keys(&big), Err(KeyFileError::TooLarge));
        assert_eq!(site_keys(&big[1..]).unwrap().len(), 1);
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
