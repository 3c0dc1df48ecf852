//! What every function at the C boundary shares: the panic boundary, turning the
//! caller's pointers into typed Rust values, and writing outputs.
//!
//! Each helper that takes a pointer is an `unsafe fn` whose contract is the one
//! the extern function states to C ("NULL or valid for …"); the helper checks
//! NULL and lengths and hands back a reference, a slice or an output slot. So an
//! extern function has one `unsafe` block, where it converts its arguments, and
//! the rest of its body is safe code that writes its outputs last.

use std::ffi::c_char;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use samtykke::Code;
use time::OffsetDateTime;

/// Runs a function body, turning a panic into [`Code::Panic`] so that no unwind
/// crosses into C.
///
/// The body may hold output slots into caller memory; since outputs are written
/// only at the end, a panic before that leaves them untouched, so asserting unwind
/// safety is sound.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Code>) -> Code {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => Code::Ok,
        Ok(Err(code)) => code,
        Err(_) => Code::Panic,
    }
}

/// A shared reference from a pointer, or [`Code::NullArgument`].
///
/// # Safety
///
/// `ptr` is NULL or points to a live, aligned, initialised `T` that is not
/// written to while the reference lives.
pub(crate) unsafe fn try_ref<'a, T>(ptr: *const T) -> Result<&'a T, Code> {
    // SAFETY: the caller guarantees `ptr` is NULL or valid; `as_ref` maps NULL to None.
    unsafe { ptr.as_ref() }.ok_or(Code::NullArgument)
}

/// A copy of the plain value at `ptr` (no alignment needed), or
/// [`Code::NullArgument`]. For the caller-storage records (`samtykke_state`,
/// `samtykke_proof`), whose every bit pattern is a valid value; whether the bytes
/// mean anything is checked afterwards (`crate::seal`).
///
/// # Safety
///
/// `ptr` is NULL or readable for a `T`, and every bit pattern is a valid `T`.
pub(crate) unsafe fn try_read<T: Copy>(ptr: *const T) -> Result<T, Code> {
    if ptr.is_null() {
        return Err(Code::NullArgument);
    }
    // SAFETY: non-NULL and readable as the caller guarantees; `read_unaligned`
    // needs no alignment, and any bits are a valid `T`.
    Ok(unsafe { ptr.read_unaligned() })
}

/// `len` bytes from `ptr`, or [`Code::NullArgument`]. An empty slice may come from
/// any pointer but NULL.
///
/// # Safety
///
/// `ptr` is NULL or valid for reads of `len` bytes, unchanged while the slice lives.
pub(crate) unsafe fn try_bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Code> {
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

/// `len` values of `T` from `ptr`; NULL with length 0 is the empty slice (a
/// caller with nothing to pass), NULL with a length is [`Code::NullArgument`].
///
/// # Safety
///
/// `ptr` is NULL or aligned and valid for reads of `len` values of `T`,
/// unchanged while the slice lives.
pub(crate) unsafe fn try_opt_slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], Code> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Code::NullArgument);
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Code::InvalidArgument);
    }
    // SAFETY: non-NULL, and the caller guarantees `len` aligned, readable values;
    // the size in bytes fits in `isize`, as `from_raw_parts` requires.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// An optional byte string (a site key): NULL with length 0 is `None`.
///
/// # Safety
///
/// As [`try_bytes`].
pub(crate) unsafe fn try_opt_bytes<'a>(
    ptr: *const u8,
    len: usize,
) -> Result<Option<&'a [u8]>, Code> {
    match (ptr.is_null(), len) {
        (true, 0) => Ok(None),
        (true, _) => Err(Code::NullArgument),
        // SAFETY: the caller's guarantee is the one `try_bytes` needs.
        (false, _) => unsafe { try_bytes(ptr, len) }.map(Some),
    }
}

/// An optional site key: NULL with length 0 is `None` (an unsigned cookie);
/// a key under 32 bytes, the empty one too, is [`Code::InvalidArgument`] (the
/// key rule of key files and the tower layer, `samtykke_host::keys::site_key`).
///
/// # Safety
///
/// As [`try_bytes`].
pub(crate) unsafe fn try_opt_key<'a>(ptr: *const u8, len: usize) -> Result<Option<&'a [u8]>, Code> {
    // SAFETY: the caller's guarantee is the one `try_opt_bytes` needs.
    let key = unsafe { try_opt_bytes(ptr, len) }?;
    key.map(site_key).transpose()
}

/// A site key of 32 bytes or more, else [`Code::InvalidArgument`].
pub(crate) fn site_key(key: &[u8]) -> Result<&[u8], Code> {
    samtykke_host::keys::site_key(key).map_err(|_| Code::InvalidArgument)
}

/// A UTF-8 string of `len` bytes at `ptr` (no terminating NUL needed), or
/// [`Code::NullArgument`] / [`Code::InvalidUtf8`].
///
/// # Safety
///
/// As [`try_bytes`].
pub(crate) unsafe fn try_str<'a>(ptr: *const c_char, len: usize) -> Result<&'a str, Code> {
    // SAFETY: the caller's guarantee is the one `try_bytes` needs; `c_char` and
    // `u8` have the same size and alignment.
    let b = unsafe { try_bytes(ptr.cast::<u8>(), len) }?;
    std::str::from_utf8(b).map_err(|_| Code::InvalidUtf8)
}

/// Where one output goes: a pointer checked non-NULL, written at most once, by
/// value and without needing alignment (a `samtykke_state` in a PHP string buffer
/// need not be aligned).
pub(crate) struct Out<'a, T> {
    ptr: NonNull<T>,
    _caller: PhantomData<&'a mut T>,
}

impl<T> Out<'_, T> {
    /// Writes the output.
    pub(crate) fn write(self, value: T) {
        // SAFETY: `try_out`'s caller guaranteed the pointer writable for a `T` for
        // as long as this slot lives; `write_unaligned` needs no alignment and
        // drops nothing that was there.
        unsafe { self.ptr.as_ptr().write_unaligned(value) }
    }
}

/// The output slot at `ptr`, or [`Code::NullArgument`].
///
/// # Safety
///
/// `ptr` is NULL or valid for a write of `T` (alignment not required) while the
/// slot lives.
pub(crate) unsafe fn try_out<'a, T>(ptr: *mut T) -> Result<Out<'a, T>, Code> {
    let ptr = NonNull::new(ptr).ok_or(Code::NullArgument)?;
    Ok(Out {
        ptr,
        _caller: PhantomData,
    })
}

/// An optional output slot: NULL is `None`.
///
/// # Safety
///
/// As [`try_out`].
pub(crate) unsafe fn try_opt_out<'a, T>(ptr: *mut T) -> Option<Out<'a, T>> {
    NonNull::new(ptr).map(|ptr| Out {
        ptr,
        _caller: PhantomData,
    })
}

/// A caller's text buffer: where text goes, how long it is, and where its length
/// is reported.
pub(crate) struct OutBuf<'a> {
    buf: *mut u8,
    len: usize,
    out_len: Out<'a, usize>,
}

/// The text buffer `buf` of `len` bytes with its out-length `out_len`. `out_len`
/// must not be NULL; `buf` may be NULL only when `len` is 0 (to ask for the
/// length needed).
///
/// # Safety
///
/// `buf` is NULL or writable for `len` bytes and `out_len` NULL or writable for a
/// `size_t`, while the buffer lives; neither overlaps an input of the call.
pub(crate) unsafe fn try_out_buf<'a>(
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> Result<OutBuf<'a>, Code> {
    // SAFETY: the caller's guarantee for `out_len` is the one `try_out` needs.
    let out_len = unsafe { try_out(out_len) }?;
    if buf.is_null() && len != 0 {
        return Err(Code::NullArgument);
    }
    Ok(OutBuf {
        buf: buf.cast(),
        len,
        out_len,
    })
}

impl OutBuf<'_> {
    /// Reports only the length needed (the caller then returns
    /// [`Code::BufferTooSmall`]).
    pub(crate) fn len_only(self, needed: usize) {
        self.out_len.write(needed);
    }

    /// Writes `data` and its length; when the buffer is too small, writes only the
    /// length needed and returns [`Code::BufferTooSmall`].
    pub(crate) fn write(self, data: &[u8]) -> Result<(), Code> {
        if data.len() > self.len {
            self.out_len.write(data.len());
            return Err(Code::BufferTooSmall);
        }
        if !data.is_empty() {
            // SAFETY: `buf` is non-NULL here (len >= data.len() > 0) and writable
            // for `len` bytes, as `try_out_buf`'s caller guaranteed; `copy` is
            // correct even if `data` were to overlap it.
            unsafe { std::ptr::copy(data.as_ptr(), self.buf, data.len()) };
        }
        self.out_len.write(data.len());
        Ok(())
    }
}

/// A caller's array of `cap` elements with its out-length.
pub(crate) struct OutSlice<'a, T> {
    ptr: *mut T,
    cap: usize,
    out_len: Out<'a, usize>,
}

/// The array `ptr` of `cap` elements and its out-length: `out_len` must not be
/// NULL; `ptr` may be NULL only when `cap` is 0.
///
/// # Safety
///
/// `ptr` NULL or writable for `cap` elements of `T` and `out_len` NULL or
/// writable, while the slot lives.
pub(crate) unsafe fn try_out_slice<'a, T>(
    ptr: *mut T,
    cap: usize,
    out_len: *mut usize,
) -> Result<OutSlice<'a, T>, Code> {
    // SAFETY: the caller's guarantee for `out_len` is the one `try_out` needs.
    let out_len = unsafe { try_out(out_len) }?;
    if ptr.is_null() && cap != 0 {
        return Err(Code::NullArgument);
    }
    Ok(OutSlice { ptr, cap, out_len })
}

impl<T: Copy> OutSlice<'_, T> {
    /// Writes the items and their number; when there are more than `cap`, writes
    /// only their number and returns [`Code::BufferTooSmall`].
    pub(crate) fn write(self, items: impl Iterator<Item = T> + Clone) -> Result<(), Code> {
        let n = items.clone().count();
        if n > self.cap {
            self.out_len.write(n);
            return Err(Code::BufferTooSmall);
        }
        for (i, item) in items.enumerate() {
            // SAFETY: `i < n <= cap`, and `ptr` is writable for `cap` elements as
            // `try_out_slice`'s caller guaranteed (non-NULL here since `cap >= n > 0`);
            // `write_unaligned` needs no alignment.
            unsafe { self.ptr.add(i).write_unaligned(item) };
        }
        self.out_len.write(n);
        Ok(())
    }
}

/// A time from Unix seconds (UTC), in the years 0000–9999 that proof records
/// and log lines can state.
pub(crate) fn time(secs: i64) -> Result<OffsetDateTime, Code> {
    samtykke_host::time::from_unix_writable(secs).ok_or(Code::InvalidTime)
}

/// A string the library owns, with a NUL after its bytes for C's convenience;
/// handed out as a pointer and a length that live as long as its owner.
#[derive(Debug)]
pub(crate) struct CText(Vec<u8>);

impl CText {
    pub(crate) fn new(s: &str) -> CText {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.extend_from_slice(s.as_bytes());
        v.push(0);
        CText(v)
    }

    pub(crate) fn ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len() - 1
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
        let empty = unsafe { try_bytes(null, 0) };
        assert_eq!(empty, Err(Code::NullArgument));
        // SAFETY: as above.
        let no_key = unsafe { try_opt_bytes(null, 0) };
        assert_eq!(no_key, Ok(None));
        // SAFETY: as above.
        let bad_key = unsafe { try_opt_bytes(null, 3) };
        assert_eq!(bad_key, Err(Code::NullArgument));
        let b = [0xffu8, 0xfe];
        // SAFETY: `b` is readable for its length.
        let not_utf8 = unsafe { try_str(b.as_ptr().cast(), b.len()) };
        assert_eq!(not_utf8, Err(Code::InvalidUtf8));
        // SAFETY: the length is checked before the pointer is read.
        let huge = unsafe { try_bytes(b.as_ptr(), usize::MAX) };
        assert_eq!(huge, Err(Code::InvalidArgument));
        assert_eq!(time(i64::MAX), Err(Code::InvalidTime));
        // SAFETY: NULL is allowed and checked.
        let no_out = unsafe { try_out(std::ptr::null_mut::<u64>()) }.map(drop);
        assert_eq!(no_out, Err(Code::NullArgument));
    }

    #[test]
    fn a_small_buffer_gets_the_length_needed_and_nothing_else() {
        let mut buf = [b'x'; 4];
        let mut n = 0usize;
        // SAFETY: `buf` and `n` are writable locals.
        let out = unsafe { try_out_buf(buf.as_mut_ptr().cast(), 2, &mut n) }.unwrap();
        assert_eq!(out.write(b"abc"), Err(Code::BufferTooSmall));
        assert_eq!((n, &buf), (3, b"xxxx"));
        // SAFETY: as above.
        let out = unsafe { try_out_buf(buf.as_mut_ptr().cast(), 4, &mut n) }.unwrap();
        assert_eq!(out.write(b"abc"), Ok(()));
        assert_eq!((n, &buf), (3, b"abcx"));
        // SAFETY: NULL with length 0 asks for the length.
        let ask = unsafe { try_out_buf(std::ptr::null_mut(), 0, &mut n) }.unwrap();
        assert_eq!(ask.write(b"hello"), Err(Code::BufferTooSmall));
        assert_eq!(n, 5);
    }
}
