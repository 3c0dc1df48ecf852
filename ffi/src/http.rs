//! The consent cookie (SPEC §5) and HTTP headers (SPEC §6): reading the raw
//! `Cookie` header, encoding and decoding the consent cookie, deletion headers and
//! the `Set-Cookie` filter.

use std::ffi::c_char;

use samtykke::{Code, ConsentState, COOKIE_MAX_LEN};
use samtykke_host::http::{deletion_plan, filter_set_cookie, parse_cookie_header};

use crate::boundary::{guard, opt_bytes, out, put, text, time, OutBuf};
use crate::policy::{policy, samtykke_policy};
use crate::state::{load, samtykke_state, sealed};

/// A buffer of this many bytes always holds a consent cookie value.
pub const SAMTYKKE_COOKIE_MAX_LEN: usize = 133;

// A literal, so cbindgen can write it; the core's constant is the truth.
const _: () = assert!(SAMTYKKE_COOKIE_MAX_LEN == COOKIE_MAX_LEN);

/// The value of the cookie `name` in a raw `Cookie` request header, such as
/// PHP's `$_SERVER['HTTP_COOKIE']`. Names are compared exactly as sent (PHP's
/// `$_COOKIE` rewrites `.` and spaces in names, so read the raw header instead).
/// The first cookie of that name wins.
///
/// - `header`, `header_len`: the header's value (without `Cookie:`).
/// - `name`, `name_len`: the cookie's name.
/// - `buf`, `buf_len`, `out_len`: the output buffer for the value (no NUL is
///   written); `out_len` receives its length, or the length needed when the
///   buffer is too small.
/// - `found_out`: receives whether the cookie is present; when it is not, the
///   call succeeds with `*out_len` 0.
///
/// - Ownership: the caller owns every buffer.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: may be called from any thread.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
///   `SAMTYKKE_RESULT_HEADER_INVALID` for a header holding a control character;
///   `SAMTYKKE_RESULT_BUFFER_TOO_SMALL` (then `found_out` is not written).
///
/// # Safety
///
/// `header` and `name` are readable for their lengths; `buf` writable for
/// `buf_len` bytes; `out_len` and `found_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_cookie_header_get(
    header: *const c_char,
    header_len: usize,
    name: *const c_char,
    name_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    found_out: *mut bool,
) -> Code {
    guard(|| {
        let dst = OutBuf::new(buf, buf_len, out_len)?;
        let found_out = out(found_out)?;
        // SAFETY: forwarded from the caller.
        let header = unsafe { text(header, header_len) }?;
        // SAFETY: forwarded from the caller.
        let name = unsafe { text(name, name_len) }?;
        let pairs = parse_cookie_header(header).map_err(|e| e.code())?;
        // Copied, so the output never aliases the caller's header.
        let value: Option<Vec<u8>> = pairs
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_bytes().to_vec());
        // SAFETY: the caller guarantees the buffer and `out_len` are writable.
        unsafe { dst.write(value.as_deref().unwrap_or_default()) }?;
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(found_out, value.is_some()) };
        Ok(())
    })
}

/// Encodes the state as a `v1` consent cookie value (SPEC §5): `v1.` and
/// base64url, cookie-safe. With a site key the value carries an HMAC-SHA-256
/// tag binding it to the key and the policy's site.
///
/// - `key`, `key_len`: the site's secret key, or NULL and 0 for an unsigned
///   cookie. Keys shorter than 32 bytes are weak.
/// - `buf`, `buf_len`, `out_len`: the output buffer (no NUL is written);
///   `SAMTYKKE_COOKIE_MAX_LEN` bytes always suffice. `out_len` receives the
///   length written, or the length needed when the buffer is too small.
///
/// - Ownership: the caller owns every buffer.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: many threads may encode at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT` (also for a NULL key with a
///   non-zero length); `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`;
///   `SAMTYKKE_RESULT_STATE_INVALID`; `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `key` NULL or readable for `key_len` bytes; `buf` writable
/// for `buf_len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_to_cookie(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    key: *const u8,
    key_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        let dst = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let s = unsafe { load(p, state) }?;
        // SAFETY: forwarded from the caller.
        let key = unsafe { opt_bytes(key, key_len) }?;
        let mut value = [0u8; COOKIE_MAX_LEN];
        let n = s
            .encode_cookie(&p.view(), key, &mut value)
            .map_err(|e| e.code())?;
        // SAFETY: the caller guarantees the buffer and `out_len` are writable.
        unsafe { dst.write(&value[..n]) }
    })
}

/// Decodes a consent cookie value into a state of this policy (SPEC §5).
/// Categories the cookie lacks read as undecided; slots the policy no longer has
/// are ignored.
///
/// - `value`, `value_len`: the cookie's value as sent (see
///   `samtykke_cookie_header_get`).
/// - `key`, `key_len`: the site key, or NULL and 0. With a key the cookie must
///   carry a tag that verifies (compared in constant time); without one, a tag
///   is skipped unverified, so the state is only what the browser claims.
/// - `state_out`: receives the state on success.
///
/// - Ownership: the caller owns every buffer.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: many threads may decode at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_COOKIE_*` for a
///   value that is not a consent cookie (version, encoding, malformed or
///   truncated, too long, unsigned, bad signature). Any bytes at all give a
///   result code.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `value` readable for `value_len` bytes;
/// `key` NULL or readable for `key_len` bytes; `state_out` NULL or writable for
/// a `samtykke_state`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_from_cookie(
    policy: *const samtykke_policy,
    value: *const c_char,
    value_len: usize,
    key: *const u8,
    key_len: usize,
    state_out: *mut samtykke_state,
) -> Code {
    guard(|| {
        let state_out = out(state_out)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let value = unsafe { crate::boundary::bytes(value.cast::<u8>(), value_len) }?;
        // SAFETY: forwarded from the caller.
        let key = unsafe { opt_bytes(key, key_len) }?;
        let s = ConsentState::decode_cookie(&p.view(), value, key).map_err(|e| e.code())?;
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(state_out, sealed(p, &s)) };
        Ok(())
    })
}

/// The `Set-Cookie` header values that delete what the state no longer permits
/// at `now` (after a withdrawal, a refusal or a lapse; SPEC §6, R12): for each
/// declared cookie present in the request that must go, one header host-only
/// and one per `Domain` the host reaches (up to, not including, the public
/// suffix), each with `Max-Age=0`, a past `Expires` and the declared `Path`.
///
/// - `host`, `host_len`: the request's host (a port and any case allowed).
/// - `cookie_header`, `cookie_header_len`: the request's raw `Cookie` header
///   (may be empty), whose names say what is present.
/// - `buf`, `buf_len`, `out_len`: the output: each header value (without
///   `Set-Cookie: `) followed by `\n`; empty when nothing must be deleted.
///   `out_len` receives the length written, or the length needed when the
///   buffer is too small.
///
/// - Ownership: the caller owns every buffer.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: many threads may call it at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
///   `SAMTYKKE_RESULT_HEADER_INVALID` for a `Cookie` header holding a control
///   character; `SAMTYKKE_RESULT_INVALID_TIME`;
///   `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`; `SAMTYKKE_RESULT_STATE_INVALID`;
///   `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `host` and `cookie_header` readable for their lengths;
/// `buf` writable for `buf_len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_deletion_headers(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    host: *const c_char,
    host_len: usize,
    cookie_header: *const c_char,
    cookie_header_len: usize,
    now: i64,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        let dst = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let s = unsafe { load(p, state) }?;
        // SAFETY: forwarded from the caller.
        let host = unsafe { text(host, host_len) }?;
        // SAFETY: forwarded from the caller.
        let header = unsafe { text(cookie_header, cookie_header_len) }?;
        let now = time(now)?;
        let present = parse_cookie_header(header).map_err(|e| e.code())?;
        let plan = deletion_plan(&s, &p.view(), host, present.iter().map(|(n, _)| *n), now);
        let mut lines = String::new();
        for h in &plan.set_cookie {
            lines.push_str(h);
            lines.push('\n');
        }
        // SAFETY: the caller guarantees the buffer and `out_len` are writable.
        unsafe { dst.write(lines.as_bytes()) }
    })
}

/// Keeps the `Set-Cookie` header values the state permits at `now` (SPEC §6):
/// declared cookies of categories allowed, necessary ones, and every deletion.
/// Undeclared, denied and unparsable ones are withheld.
///
/// - `headers`, `headers_len`: header values (without `Set-Cookie: `), one per
///   line (`\n` or `\r\n`); empty lines are skipped.
/// - `buf`, `buf_len`, `out_len`: the output: each kept value followed by
///   `\n`, in the original order. It is never longer than `headers_len` plus
///   one byte per header. `out_len` receives the length written, or the length
///   needed when the buffer is too small.
///
/// - Ownership: the caller owns every buffer.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: many threads may call it at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
///   `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`;
///   `SAMTYKKE_RESULT_STATE_INVALID`; `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `headers` readable for `headers_len` bytes; `buf` writable
/// for `buf_len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_filter_set_cookie(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    headers: *const c_char,
    headers_len: usize,
    now: i64,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        let dst = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let s = unsafe { load(p, state) }?;
        // SAFETY: forwarded from the caller.
        let headers = unsafe { text(headers, headers_len) }?;
        let now = time(now)?;
        let values: Vec<&str> = headers
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .filter(|l| !l.is_empty())
            .collect();
        let filtered = filter_set_cookie(&s, &p.view(), values.iter(), now);
        let mut lines = String::new();
        for h in filtered.kept {
            lines.push_str(h);
            lines.push('\n');
        }
        // SAFETY: the caller guarantees the buffer and `out_len` are writable.
        unsafe { dst.write(lines.as_bytes()) }
    })
}
