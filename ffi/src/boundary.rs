//! What every function at the C boundary shares: the panic boundary, reading
//! arguments (pointers, strings, times, enum values) and writing outputs.
//!
//! Every helper returns a [`Code`] instead of trusting its input, so a function
//! body is a chain of `?` and writes its outputs last, once everything succeeded.

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use samtykke::Code;
use time::OffsetDateTime;

/// Runs a function body, turning a panic into [`Code::Panic`] so that no unwind
/// crosses into C.
///
/// The body may hold `&mut` references to caller memory; since outputs are written
/// only at the end, a panic before that leaves them untouched, so asserting unwind
/// safety is sound.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Code>) -> Code {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => Code::Ok,
        Ok(Err(code)) => code,
        Err(_) => Code::Panic,
    }
}

/// A reference from a pointer, or [`Code::NullArgument`].
///
/// # Safety
///
/// `ptr` is NULL or points to a live, properly initialised `T` that is not
/// written to while the reference lives.
pub(crate) unsafe fn arg<'a, T>(ptr: *const T) -> Result<&'a T, Code> {
    // SAFETY: the caller guarantees `ptr` is NULL or valid; `as_ref` maps NULL to None.
    unsafe { ptr.as_ref() }.ok_or(Code::NullArgument)
}

/// `len` bytes from `ptr`, or [`Code::NullArgument`]. An empty slice may come from
/// any pointer but NULL.
///
/// # Safety
///
/// `ptr` is NULL or valid for reads of `len` bytes, unchanged while the slice lives.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Code> {
    if ptr.is_null() {
        return Err(Code::NullArgument);
    }
    if len > isize::MAX as usize {
        return Err(Code::InvalidArgument);
    }
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes; the length
    // fits in `isize`, as `from_raw_parts` requires.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// An optional byte string: NULL with length 0 is `None`.
///
/// # Safety
///
/// As [`bytes`].
pub(crate) unsafe fn opt_bytes<'a>(ptr: *const u8, len: usize) -> Result<Option<&'a [u8]>, Code> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(Code::NullArgument)
        };
    }
    // SAFETY: forwarded from the caller.
    unsafe { bytes(ptr, len) }.map(Some)
}

/// A UTF-8 string of `len` bytes at `ptr` (no terminating NUL needed).
///
/// # Safety
///
/// As [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const c_char, len: usize) -> Result<&'a str, Code> {
    // SAFETY: forwarded from the caller; `c_char` and `u8` have the same layout.
    let b = unsafe { bytes(ptr.cast::<u8>(), len) }?;
    std::str::from_utf8(b).map_err(|_| Code::InvalidUtf8)
}

/// A time from Unix seconds (UTC).
pub(crate) fn time(secs: i64) -> Result<OffsetDateTime, Code> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| Code::InvalidTime)
}

/// A notice version from its C argument (`0..=65535`).
pub(crate) fn notice(n: u32) -> Result<u16, Code> {
    u16::try_from(n).map_err(|_| Code::InvalidArgument)
}

/// Checks that an output pointer is not NULL, before any work is done.
pub(crate) fn out<T>(ptr: *mut T) -> Result<*mut T, Code> {
    if ptr.is_null() {
        Err(Code::NullArgument)
    } else {
        Ok(ptr)
    }
}

/// Writes `value` through `ptr` (checked non-NULL by [`out`]).
///
/// # Safety
///
/// `ptr` is valid for a write of `T` (alignment is not required).
pub(crate) unsafe fn put<T>(ptr: *mut T, value: T) {
    // SAFETY: the caller guarantees a writable `T`; `write_unaligned` needs no
    // alignment and drops nothing that was there.
    unsafe { ptr.write_unaligned(value) }
}

/// A caller's output buffer: where text goes, how long it is, and where its
/// length is reported.
pub(crate) struct OutBuf {
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
}

impl OutBuf {
    /// Checks the pointers: `out_len` must not be NULL; `buf` may be NULL only
    /// when `len` is 0 (to ask for the length needed).
    pub(crate) fn new(buf: *mut c_char, len: usize, out_len: *mut usize) -> Result<OutBuf, Code> {
        out(out_len)?;
        if buf.is_null() && len != 0 {
            return Err(Code::NullArgument);
        }
        Ok(OutBuf { buf, len, out_len })
    }

    /// Writes `data` and its length; when the buffer is too small, writes only the
    /// length needed and returns [`Code::BufferTooSmall`].
    ///
    /// # Safety
    ///
    /// The pointers given to [`OutBuf::new`] are valid for writes: `buf` of `len`
    /// bytes, `out_len` of a `size_t`. `data` is memory this library owns (a
    /// `String` it built, or the policy handle's), never a caller's buffer, so the
    /// two cannot overlap.
    pub(crate) unsafe fn write(self, data: &[u8]) -> Result<(), Code> {
        if data.len() > self.len {
            // SAFETY: `out_len` was checked non-NULL; the caller guarantees it is writable.
            unsafe { put(self.out_len, data.len()) };
            return Err(Code::BufferTooSmall);
        }
        if !data.is_empty() {
            // SAFETY: `buf` is non-NULL here (len >= data.len() > 0) and writable for
            // `len` bytes; `data` is the library's own memory, so they do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), self.buf.cast::<u8>(), data.len())
            };
        }
        // SAFETY: as above.
        unsafe { put(self.out_len, data.len()) };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_result_code() {
        assert_eq!(guard(|| panic!("a bug")), Code::Panic);
        assert_eq!(guard(|| Err(Code::UnknownName)), Code::UnknownName);
        assert_eq!(guard(|| Ok(())), Code::Ok);
    }

    #[test]
    fn null_and_lengths_are_checked() {
        let null = std::ptr::null::<u8>();
        // SAFETY: NULL is allowed and checked.
        let empty = unsafe { bytes(null, 0) };
        assert_eq!(empty, Err(Code::NullArgument));
        // SAFETY: as above.
        let no_key = unsafe { opt_bytes(null, 0) };
        assert_eq!(no_key, Ok(None));
        // SAFETY: as above.
        let bad_key = unsafe { opt_bytes(null, 3) };
        assert_eq!(bad_key, Err(Code::NullArgument));
        let b = [0xffu8, 0xfe];
        // SAFETY: `b` is readable for its length.
        let not_utf8 = unsafe { text(b.as_ptr().cast(), b.len()) };
        assert_eq!(not_utf8, Err(Code::InvalidUtf8));
        // SAFETY: the length is checked before the pointer is read.
        let huge = unsafe { bytes(b.as_ptr(), usize::MAX) };
        assert_eq!(huge, Err(Code::InvalidArgument));
        assert_eq!(time(i64::MAX), Err(Code::InvalidTime));
        assert_eq!(notice(65_536), Err(Code::InvalidArgument));
    }
}
