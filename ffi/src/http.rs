//! The consent cookie (SPEC §5) and HTTP headers (SPEC §6): reading the raw
//! `Cookie` header, encoding and decoding the consent cookie, deletion headers and
//! the `Set-Cookie` filter.

use std::ffi::c_char;

use samtykke::{Code, ConsentState, CookieKey, ValidPolicy, COOKIE_MAX_LEN};
use samtykke_host::form::{read_decision_form, DecisionForm, FormError};
use samtykke_host::http::{
    filter_set_cookie, parse_cookie_header, state_from_cookie_header, DropReason,
};

use crate::boundary::{
    guard, site_key, time, try_bytes, try_opt_bytes, try_opt_key, try_opt_out, try_opt_slice,
    try_out, try_out_buf, try_out_slice, try_read, try_str, OutBuf,
};
use crate::policy::{samtykke_policy, try_policy};
use crate::state::{open, samtykke_state, sealed};

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
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_HEADER_INVALID` for a header holding a control character;
/// `SAMTYKKE_RESULT_BUFFER_TOO_SMALL` (then `found_out` is not written).
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
        // SAFETY: this function's contract: `header` and `name` readable for
        // their lengths, `buf` writable for `buf_len` bytes, `out_len` and
        // `found_out` NULL or writable.
        let (header, name, dst, found_out) = unsafe {
            (
                try_str(header, header_len)?,
                try_str(name, name_len)?,
                try_out_buf(buf, buf_len, out_len)?,
                try_out(found_out)?,
            )
        };
        let pairs = parse_cookie_header(header).map_err(|e| e.code())?;
        // Copied, so the output never aliases the caller's header.
        let value: Option<Vec<u8>> = pairs
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_bytes().to_vec());
        dst.write(value.as_deref().unwrap_or_default())?;
        found_out.write(value.is_some());
        Ok(())
    })
}

/// Encodes the state as a `v1` consent cookie value (SPEC §5): `v1.` and
/// base64url, cookie-safe. With a site key the value carries an HMAC-SHA-256
/// tag binding it to the key and the policy's site.
///
/// - `key`, `key_len`: the site's secret key, or NULL and 0 for an unsigned
///   cookie. A key under 32 bytes is refused (`SAMTYKKE_RESULT_INVALID_ARGUMENT`):
///   HMAC-SHA-256 needs 32 random bytes, the rule of key files.
/// - `buf`, `buf_len`, `out_len`: the output buffer (no NUL is written);
///   `SAMTYKKE_COOKIE_MAX_LEN` bytes always suffice. `out_len` receives the
///   length written, or the length needed when the buffer is too small.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT` (also for a NULL key with a
/// non-zero length); `SAMTYKKE_RESULT_INVALID_ARGUMENT` for a key under 32
/// bytes; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`;
/// `SAMTYKKE_RESULT_STATE_INVALID`; `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
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
        // SAFETY: this function's contract: `policy` NULL or live, `state` NULL
        // or readable, `key` NULL or readable for `key_len` bytes, `buf`
        // writable for `buf_len` bytes, `out_len` NULL or writable.
        let (p, raw, key, dst) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_opt_key(key, key_len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let s = open(p, &raw)?;
        let mut value = [0u8; COOKIE_MAX_LEN];
        let n = s
            .encode_cookie(&p.view(), key, &mut value)
            .map_err(|e| e.code())?;
        dst.write(&value[..n])
    })
}

/// Decodes a consent cookie value into a state of this policy (SPEC §5).
/// Categories the cookie lacks read as undecided; slots the policy no longer has
/// are ignored.
///
/// - `value`, `value_len`: the cookie's value as sent (see
///   `samtykke_cookie_header_get`).
/// - `key`, `key_len`: the site key (32 bytes or more), or NULL and 0. With a
///   key the cookie must carry a tag that verifies (compared in constant time);
///   without one, a tag is skipped unverified, so the state is only what the
///   browser claims.
/// - `state_out`: receives the state on success.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for a key under 32 bytes; `SAMTYKKE_RESULT_COOKIE_*` for a
/// value that is not a consent cookie (version, encoding, malformed or
/// truncated, too long, unsigned, bad signature). Any bytes at all give a
/// result code.
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
        // SAFETY: this function's contract: `policy` NULL or live, `value`
        // readable for `value_len` bytes, `key` NULL or readable for `key_len`
        // bytes, `state_out` NULL or writable.
        let (p, value, key, state_out) = unsafe {
            (
                try_policy(policy)?,
                try_bytes(value.cast(), value_len)?,
                try_opt_key(key, key_len)?,
                try_out(state_out)?,
            )
        };
        let s = ConsentState::decode_cookie(&p.view(), value, key).map_err(|e| e.code())?;
        state_out.write(sealed(p, &s));
        Ok(())
    })
}

/// Why `samtykke_state_from_cookie` refuses a consent cookie value, from the
/// same arguments, into `buf`: the error's text, with the byte or part at
/// fault (`consent cookie: byte 7 (0x21) is not a base64url character`); an
/// empty text for a value that decodes.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for a key under 32 bytes; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `value` readable for `value_len` bytes;
/// `key` NULL or readable for `key_len` bytes; `buf` writable for `buf_len`
/// bytes; `out_len` NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn samtykke_cookie_explain(
    policy: *const samtykke_policy,
    value: *const c_char,
    value_len: usize,
    key: *const u8,
    key_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` NULL or live, `value`
        // readable for `value_len` bytes, `key` NULL or readable for `key_len`
        // bytes, `buf` writable for `buf_len` bytes, `out_len` NULL or writable.
        let (p, value, key, dst) = unsafe {
            (
                try_policy(policy)?,
                try_bytes(value.cast(), value_len)?,
                try_opt_key(key, key_len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let why = ConsentState::decode_cookie(&p.view(), value, key)
            .err()
            .map(|e| e.to_string());
        dst.write(why.unwrap_or_default().as_bytes())
    })
}

/// The visitor's state from the policy's consent cookie in a raw `Cookie`
/// request header (PHP's `$_SERVER['HTTP_COOKIE']`), by the rule every front
/// end follows (SPEC §15, §18): among the header's readable pairs, in order, the
/// first consent cookie that verifies under one of the keys, tried in order,
/// wins (the order of the cookies comes before the order of the keys). A
/// browser sends several consent cookies when it holds several (a host-only
/// one and one a sibling subdomain set, say). A piece of the header that is not
/// UTF-8 or holds a control character is skipped, not an error: another
/// application's cookie does not hide the consent cookie.
///
/// - `header`, `header_len`: the header's value (without `Cookie:`), any bytes.
/// - `keys`, `key_lens`, `keys_count`: the site keys, the one that signs first
///   and older ones still accepted after it, each `key_lens[i]` bytes long.
///   `keys` NULL with `keys_count` 0 reads the cookie unverified, only what the
///   browser claims; a non-NULL `keys` with `keys_count` 0 verifies nothing.
/// - `state_out`: receives the state when one is found.
/// - `key_index_out`: NULL, or receives the index of the key the cookie
///   verified under when one is found (0 when read unverified); above 0, re-sign
///   the cookie with the first key (`SAMTYKKE_RESPOND_FLAG_REISSUE`).
/// - `found_out`: receives whether a consent cookie verified. When none did
///   (none sent, or none that verifies: a new visitor), the call succeeds and
///   writes only `false`.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT` (also for a NULL `keys` or
/// `key_lens` with a non-zero `keys_count`, and for a NULL key of any length);
/// `SAMTYKKE_RESULT_INVALID_ARGUMENT` for a key under 32 bytes.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `header` readable for `header_len`
/// bytes; `keys` and `key_lens` NULL or aligned and readable for `keys_count`
/// values, each key readable for its length; `state_out` NULL or writable for
/// a `samtykke_state`; `key_index_out` and `found_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_from_cookie_header(
    policy: *const samtykke_policy,
    header: *const c_char,
    header_len: usize,
    keys: *const *const u8,
    key_lens: *const usize,
    keys_count: usize,
    state_out: *mut samtykke_state,
    key_index_out: *mut usize,
    found_out: *mut bool,
) -> Code {
    guard(|| {
        let unverified = keys.is_null() && keys_count == 0;
        // SAFETY: this function's contract: `policy` NULL or live, `header`
        // readable for `header_len` bytes, `keys` and `key_lens` NULL or aligned
        // and readable for `keys_count` values, the outputs NULL or writable.
        let (p, header, keys, key_lens, state_out, key_index_out, found_out) = unsafe {
            (
                try_policy(policy)?,
                try_bytes(header.cast(), header_len)?,
                try_opt_slice(keys, keys_count)?,
                try_opt_slice(key_lens, keys_count)?,
                try_out(state_out)?,
                try_opt_out(key_index_out),
                try_out(found_out)?,
            )
        };
        let keys = keys
            .iter()
            .zip(key_lens)
            .map(|(&k, &len)| {
                // SAFETY: this function's contract: each key readable for its length.
                unsafe { try_bytes(k, len) }
                    .and_then(site_key)
                    .map(CookieKey::new)
            })
            .collect::<Result<Vec<_>, Code>>()?;
        let view = p.view();
        let keys = (!unverified).then_some(keys.as_slice());
        match state_from_cookie_header(&view, [header], keys) {
            Some(arrived) => {
                state_out.write(sealed(p, &arrived.state));
                if let Some(out) = key_index_out {
                    out.write(arrived.key_index);
                }
                found_out.write(true);
            }
            None => found_out.write(false),
        }
        Ok(())
    })
}

/// Whether a `Sec-GPC` request header value carries the Global Privacy
/// Control signal (SPEC §15), by the rule every front end follows: the value
/// `1`, with optional spaces or tabs around it; for repeated headers joined
/// with commas (PHP's `$_SERVER['HTTP_SEC_GPC']`), any comma-separated piece
/// that is `1`. Any other value is no signal.
///
/// - `value`, `value_len`: the header's value (without `Sec-GPC:`), any bytes;
///   NULL with length 0 when the request has no such header.
/// - `signal_out`: receives whether the signal is there.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`.
///
/// # Safety
///
/// `value` NULL or readable for `value_len` bytes; `signal_out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_gpc_signal(
    value: *const c_char,
    value_len: usize,
    signal_out: *mut bool,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `value` NULL or readable for
        // `value_len` bytes, `signal_out` NULL or writable.
        let (value, signal_out) = unsafe {
            (
                try_opt_bytes(value.cast(), value_len)?.unwrap_or_default(),
                try_out(signal_out)?,
            )
        };
        signal_out.write(samtykke_host::http::gpc_signal(value));
        Ok(())
    })
}

/// The page language a request asks for (SPEC §15), by the rule every front
/// end follows: the first `lang` field of the query string whose value is
/// `da` or `en`; else, of the `Accept-Language` ranges whose primary subtag is
/// `da` or `en` (any case), the one with the highest weight, the first listed
/// among equals (`q=0`: not wanted; a weight that is not an RFC 9110 qvalue,
/// and `*`, are skipped). When the request names neither, the call succeeds,
/// writes `false` to `found_out`, and the site's own default applies.
///
/// - `query`, `query_len`: the URL's query string, without `?` (PHP's
///   `$_SERVER['QUERY_STRING']`); NULL with length 0 for none.
/// - `accept_language`, `accept_language_len`: the `Accept-Language` header's
///   value; NULL with length 0 for none.
/// - `lang_out`: receives the `samtykke_lang` when one is found.
/// - `found_out`: receives whether one is.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`.
///
/// # Safety
///
/// `query` and `accept_language` NULL or readable for their lengths;
/// `lang_out` and `found_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_request_lang(
    query: *const c_char,
    query_len: usize,
    accept_language: *const c_char,
    accept_language_len: usize,
    lang_out: *mut u32,
    found_out: *mut bool,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `query` and `accept_language`
        // NULL or readable for their lengths, the outputs NULL or writable.
        let (query, accept, lang_out, found_out) = unsafe {
            (
                try_opt_bytes(query.cast(), query_len)?.unwrap_or_default(),
                try_opt_bytes(accept_language.cast(), accept_language_len)?.unwrap_or_default(),
                try_out(lang_out)?,
                try_out(found_out)?,
            )
        };
        match samtykke_host::http::request_lang(query, accept) {
            Some(lang) => {
                lang_out.write(lang as u32);
                found_out.write(true);
            }
            None => found_out.write(false),
        }
        Ok(())
    })
}

/// Whether a decision's `POST` comes from the site's own pages (SPEC §15: a
/// cross-origin `POST` is refused), by the rule every front end follows:
/// `Sec-Fetch-Site`, when sent, is `same-origin` or `none`; `Origin`, when
/// sent, is an `http` or `https` origin naming the request's `Host` (ASCII
/// case ignored, the scheme's default port written or not), or `null` beside
/// `Sec-Fetch-Site: same-origin` (a site's own form on a page under
/// `Referrer-Policy: no-referrer`); `null` alone is not the site. Browsers send
/// `Sec-Fetch-Site` only to HTTPS sites, so a plain-HTTP site under
/// `no-referrer` cannot take decisions. A request with neither header passes:
/// this check does not stop a forged decision from a browser that sends
/// neither.
///
/// - `host`, `host_len`: the request's `Host` header (never NULL; empty when
///   the request has none, which no origin names).
/// - `origin`, `origin_len`: the `Origin` header's value; NULL with length 0
///   when the request has none (a non-NULL empty value is a header sent empty,
///   which is not the site).
/// - `sec_fetch_site`, `sec_fetch_site_len`: the `Sec-Fetch-Site` value; NULL
///   with length 0 when the request has none.
/// - `same_out`: receives whether the request may decide.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`.
///
/// # Safety
///
/// `host` readable for `host_len` bytes; `origin` and `sec_fetch_site` NULL or
/// readable for their lengths; `same_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_same_origin(
    host: *const c_char,
    host_len: usize,
    origin: *const c_char,
    origin_len: usize,
    sec_fetch_site: *const c_char,
    sec_fetch_site_len: usize,
    same_out: *mut bool,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `host` readable for `host_len`
        // bytes, `origin` and `sec_fetch_site` NULL or readable for their
        // lengths, `same_out` NULL or writable.
        let (host, origin, site, same_out) = unsafe {
            (
                try_bytes(host.cast(), host_len)?,
                try_opt_bytes(origin.cast(), origin_len)?,
                try_opt_bytes(sec_fetch_site.cast(), sec_fetch_site_len)?,
                try_out(same_out)?,
            )
        };
        same_out.write(samtykke_host::http::same_origin(host, origin, site).is_ok());
        Ok(())
    })
}

/// The decision a banner's or the settings' form asks for (SPEC §15), read by
/// the rule the tower layer follows: a post of `Content-Type`
/// `application/x-www-form-urlencoded` (parameters such as `charset` aside)
/// with a body of at most 16 KiB, its action field (`action_field`:
/// `action`, or `choice` where `action` routes the request, as in WordPress's
/// `admin-post.php`) of `accept_all`, `reject_all`, `save` or `withdraw`;
/// `granted` repeated for `save`; `categories` repeated for `withdraw` (none:
/// every consent category); `notice` (absent or empty: the policy's
/// `notice_version`); `control` (absent or empty: `toggle` for `save`, `link`
/// for `withdraw`, else `button`); `consent_id` (32 hex digits). A list field
/// may be written `granted[]`, and its empty values are skipped; of a single
/// field sent twice the last counts; other fields are left alone. A category
/// that needs no consent is left out of `granted` and refused in `categories`.
///
/// - `content_type`, `content_type_len`: the post's `Content-Type` header's
///   value (PHP: `$_SERVER['CONTENT_TYPE']`); NULL with length 0 when none was
///   sent.
/// - `body`, `body_len`: the post's body (PHP:
///   `file_get_contents('php://input')`).
/// - `action_field`, `action_field_len`: the name of the action's field.
/// - `buf`, `buf_len`, `out_len`: the decision as one JSON object (no NUL is
///   written), `{"action":"save","notice":1,"control":"toggle",
///   "granted":["statistics"],"categories":null,"consent_id":null}`
///   (`categories` null: all; ids in the policy's order). `out_len` receives
///   the length written, or the length needed when the buffer is too small.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8` for
/// an action field that is not UTF-8; `SAMTYKKE_RESULT_FORM_INVALID` for a
/// post that asks for no decision: not a form, too large, or a field at fault
/// (`samtykke_decision_form_explain` says which, why and the HTTP status to
/// answer); `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `content_type` NULL or, like `body` and
/// `action_field`, readable for its length; `buf` writable for `buf_len`
/// bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_decision_form(
    policy: *const samtykke_policy,
    content_type: *const c_char,
    content_type_len: usize,
    body: *const c_char,
    body_len: usize,
    action_field: *const c_char,
    action_field_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    // SAFETY: this function's contract is `with_form`'s.
    unsafe {
        with_form(
            (policy, (content_type, content_type_len), (body, body_len)),
            (action_field, action_field_len),
            (buf, buf_len, out_len),
            |view, form, dst| match form {
                Ok(form) => dst.write(form.to_json(view).as_bytes()),
                Err(e) => Err(e.code()),
            },
        )
    }
}

/// Explains why `samtykke_decision_form` answered
/// `SAMTYKKE_RESULT_FORM_INVALID`, for the answer a host sends: called with
/// the same arguments, it writes one JSON object,
/// `{"field":"notice","status":400,"message":"…"}`: the field at fault (the
/// action's field when the action is missing or unknown, `Content-Type` for a
/// post that is not a form, `body` for one over 16 KiB), the HTTP status to
/// answer (415, 413, else 400) and why, in words (a value repeated there is
/// cut to 64 characters). A form that asks for a decision has nothing to
/// explain: `out_len` receives 0.
///
/// - `buf`, `buf_len`, `out_len`: the output (no NUL is written); `out_len`
///   receives the length written, or the length needed when the buffer is too
///   small. 4096 bytes hold it when the action field's name is under 100
///   bytes.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8` for
/// an action field that is not UTF-8; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// As `samtykke_decision_form`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_decision_form_explain(
    policy: *const samtykke_policy,
    content_type: *const c_char,
    content_type_len: usize,
    body: *const c_char,
    body_len: usize,
    action_field: *const c_char,
    action_field_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    // SAFETY: this function's contract is `with_form`'s.
    unsafe {
        with_form(
            (policy, (content_type, content_type_len), (body, body_len)),
            (action_field, action_field_len),
            (buf, buf_len, out_len),
            |_, form, dst| match form {
                Ok(_) => dst.write(b""),
                Err(e) => dst.write(e.to_json().as_bytes()),
            },
        )
    }
}

/// A form call's arguments checked, the form read, and `write` given the
/// policy's view, what the form asks for and the output.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `content_type` NULL or, like `body` and
/// `action_field`, readable for its length; `buf` writable for `buf_len`
/// bytes; `out_len` NULL or writable.
unsafe fn with_form(
    (policy, content_type, body): (
        *const samtykke_policy,
        (*const c_char, usize),
        (*const c_char, usize),
    ),
    (action_field, action_field_len): (*const c_char, usize),
    (buf, buf_len, out_len): (*mut c_char, usize, *mut usize),
    write: impl FnOnce(
        &ValidPolicy<'_>,
        Result<DecisionForm, FormError>,
        OutBuf<'_>,
    ) -> Result<(), Code>,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` NULL or live,
        // `content_type` NULL or readable for its length as `body` and
        // `action_field` are, `buf` writable for `buf_len` bytes, `out_len`
        // NULL or writable.
        let (p, content_type, body, field, dst) = unsafe {
            (
                try_policy(policy)?,
                try_opt_bytes(content_type.0.cast(), content_type.1)?,
                try_bytes(body.0.cast(), body.1)?,
                try_str(action_field, action_field_len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let view = p.view();
        write(
            &view,
            read_decision_form(&view, content_type, body, field),
            dst,
        )
    })
}

/// The site keys a key file holds (SPEC §15: several keys for rotation, the
/// first signs), read as the command line and the example site read
/// `--key-file`: a file of printable text holds one key a line (each line
/// trimmed of spaces, tabs and `\r`; empty lines and lines starting with `#`
/// skipped); any other file is one key, byte for byte. Every key has 32 bytes
/// or more, and a file at most 64 KiB. (Text is UTF-8, a byte-order mark
/// allowed, with no control character but tabs and line ends; lines end at
/// `\n`, `\r\n` or `\r`.)
///
/// - `file`, `file_len`: the file's bytes.
/// - `buf`, `buf_len`, `out_len`: the output: each key in lowercase hex
///   followed by `\n`, the one that signs first. It is never longer than
///   `2 * file_len + 1` bytes. `out_len` receives the length
///   written, or the length needed when the buffer is too small.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_KEY_FILE_INVALID`
/// when the file holds no key or a key shorter than 32 bytes, or is larger;
/// `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `file` readable for `file_len` bytes; `buf` writable for `buf_len` bytes;
/// `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_site_keys(
    file: *const u8,
    file_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `file` readable for `file_len`
        // bytes, `buf` writable for `buf_len` bytes, `out_len` NULL or writable.
        let (file, dst) = unsafe {
            (
                try_bytes(file, file_len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let keys = samtykke_host::keys::site_keys(file).map_err(|e| e.code())?;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = Vec::with_capacity(2 * file.len() + keys.len());
        for key in keys {
            for &b in key {
                out.extend([HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
            out.push(b'\n');
        }
        dst.write(&out)
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
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`;
/// `SAMTYKKE_RESULT_STATE_INVALID`; `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
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
    // SAFETY: this function's contract is `with_set_cookie_lines`'s.
    unsafe {
        with_set_cookie_lines(
            policy,
            state,
            headers,
            headers_len,
            now,
            buf,
            buf_len,
            out_len,
            |s, view, values, now| {
                let values: Vec<&str> = values.collect();
                let filtered = filter_set_cookie(s, view, values.iter(), now);
                let mut lines = String::new();
                for h in filtered.kept {
                    lines.push_str(h);
                    lines.push('\n');
                }
                lines
            },
        )
    }
}

/// A `Set-Cookie` header value `samtykke_state_filter_set_cookie` withholds, and
/// why: what `samtykke_state_filter_set_cookie_dropped` lists. Exactly one of
/// `undeclared`, `unparsable` and a `why` above 0 holds.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_dropped {
    /// Its position among the header lines given, from 0; empty lines are not
    /// counted.
    pub index: usize,
    /// Whether no declaration covers the cookie's name (R21).
    pub undeclared: bool,
    /// Whether the header could not be read: no `name=value`, a control
    /// character, a `Max-Age` or `Expires` browsers read differently (SPEC §6).
    pub unparsable: bool,
    /// Why the state denies the declared cookie, a `samtykke_why` value
    /// (`SAMTYKKE_WHY_WITHDRAWN`, …); 0 when undeclared or unparsable.
    pub why: u32,
    /// The id of the cookie's category when denied, borrowed from the policy
    /// handle; NULL otherwise.
    pub category: *const c_char,
    /// Length of `category` in bytes (0 when NULL).
    pub category_len: usize,
}

/// Lists the `Set-Cookie` header values `samtykke_state_filter_set_cookie`
/// withholds from the same arguments, each with its reason, in their order:
/// for a plugin's log or an administrator's page that says why a cookie did
/// not go out. `headers` and `now` as for `samtykke_state_filter_set_cookie`.
///
/// - `out`, `cap`, `out_len`: the entries, and their number in `*out_len`.
///   `out` may be NULL with `cap` 0 to ask for the number.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL` when
/// more than `cap` are withheld (the number is written to `*out_len`);
/// `SAMTYKKE_RESULT_STATE_INVALID`; `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `headers` readable for `headers_len` bytes; `out` NULL or
/// writable for `cap` `samtykke_dropped`s; `out_len` NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn samtykke_state_filter_set_cookie_dropped(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    headers: *const c_char,
    headers_len: usize,
    now: i64,
    out: *mut samtykke_dropped,
    cap: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` NULL or live, `state` NULL
        // or readable, `headers` readable for `headers_len` bytes, `out` NULL
        // or writable for `cap` entries, `out_len` NULL or writable.
        let (p, raw, headers, out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_str(headers, headers_len)?,
                try_out_slice(out, cap, out_len)?,
            )
        };
        let s = open(p, &raw)?;
        let now = time(now)?;
        let view = p.view();
        let values: Vec<&str> = set_cookie_lines(headers).collect();
        let filtered = filter_set_cookie(&s, &view, values.iter(), now);
        out.write(filtered.dropped.iter().map(|d| {
            let (undeclared, unparsable, why, category) = match d.reason {
                DropReason::Undeclared => (true, false, 0, None),
                DropReason::Unparsable(_) => (false, true, 0, None),
                DropReason::Denied { category, why } => (
                    false,
                    false,
                    why as u32,
                    view.category(category).and_then(|(i, _)| p.category_id(i)),
                ),
                // A reason added later reads as unparsable: withheld, not named.
                _ => (false, true, 0, None),
            };
            samtykke_dropped {
                index: d.index,
                undeclared,
                unparsable,
                why,
                category: category.map_or(std::ptr::null(), |t| t.ptr()),
                category_len: category.map_or(0, |t| t.len()),
            }
        }))
    })
}

/// A `headers` argument's non-empty lines, a `\r` before a `\n` dropped.
fn set_cookie_lines(headers: &str) -> impl Iterator<Item = &str> {
    headers
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
}

/// What `samtykke_state_filter_set_cookie` and `samtykke_state_judge_set_cookies`
/// share: the policy and state opened, `headers` split into its non-empty lines
/// (a `\r` before a `\n` dropped), `now` checked, and the text `f` makes from
/// them written to the caller's buffer.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `headers` readable for `headers_len` bytes; `buf` writable
/// for `buf_len` bytes; `out_len` NULL or writable.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn with_set_cookie_lines(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    headers: *const c_char,
    headers_len: usize,
    now: i64,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    f: impl FnOnce(
        &ConsentState,
        &ValidPolicy<'_>,
        &mut dyn Iterator<Item = &str>,
        time::OffsetDateTime,
    ) -> String,
) -> Code {
    guard(|| {
        // SAFETY: the caller's guarantee: `policy` NULL or live, `state` NULL
        // or readable, `headers` readable for `headers_len` bytes, `buf`
        // writable for `buf_len` bytes, `out_len` NULL or writable.
        let (p, raw, headers, dst) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_str(headers, headers_len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let s = open(p, &raw)?;
        let now = time(now)?;
        let mut values = set_cookie_lines(headers);
        let text = f(&s, &p.view(), &mut values, now);
        dst.write(text.as_bytes())
    })
}
