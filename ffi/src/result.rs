//! Result codes explained, and the library's version.
//!
//! The codes themselves are the core's [`Code`]: cbindgen emits that enum as
//! `samtykke_result`, so there is no second table to keep in step. The messages
//! are the core's [`Code::message`], copied at compile time into NUL-terminated
//! static storage, so explaining a code allocates nothing.

use std::ffi::c_char;

use samtykke::Code;

/// Longest message plus its NUL; a longer message fails the build.
const MESSAGE_CAP: usize = 96;

const fn messages() -> [[u8; MESSAGE_CAP]; Code::ALL.len()] {
    let mut table = [[0u8; MESSAGE_CAP]; Code::ALL.len()];
    let mut i = 0;
    while i < Code::ALL.len() {
        let m = Code::ALL[i].message().as_bytes();
        assert!(m.len() < MESSAGE_CAP, "a result message is too long");
        let mut j = 0;
        while j < m.len() {
            assert!(m[j] != 0, "a result message holds a NUL");
            table[i][j] = m[j];
            j += 1;
        }
        i += 1;
    }
    table
}

static MESSAGES: [[u8; MESSAGE_CAP]; Code::ALL.len()] = messages();

static UNKNOWN: &[u8] = b"unknown result code\0";

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// A one-line English explanation of a result code, such as
/// `"the consent cookie's signature does not verify"`.
///
/// The string is static (never free it). Errors: none; a number that is no
/// result code gives `"unknown result code"`. Safety: none required.
#[no_mangle]
pub extern "C" fn samtykke_result_message(result: u32) -> *const c_char {
    let line = Code::ALL.iter().position(|c| *c as u32 == result);
    match line {
        Some(i) => MESSAGES[i].as_ptr().cast(),
        None => UNKNOWN.as_ptr().cast(),
    }
}

/// The library's version, such as `"0.1.0"`: the same as the header's
/// `SAMTYKKE_VERSION`, unless the program runs against another build than it was
/// compiled with.
///
/// The string is static (never free it). Errors: none. Safety: none required.
#[no_mangle]
pub extern "C" fn samtykke_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_code_has_its_core_message() {
        for &code in Code::ALL {
            // SAFETY: the function returns a pointer to a static NUL-terminated string.
            let got = unsafe { CStr::from_ptr(samtykke_result_message(code as u32)) };
            assert_eq!(got.to_str().unwrap(), code.message());
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(samtykke_result_message(99_999)) };
        assert_eq!(unknown.to_str().unwrap(), "unknown result code");
    }

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(samtykke_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
