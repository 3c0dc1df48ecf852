//! The C entry points (SPEC §11), called from Rust through the ffi crate's extern
//! functions with raw bytes, as a C host would call them (mozilla's mp4parse_capi
//! fuzzes its C API the same way).
//!
//! The input is sections split at 0xFF bytes (never in UTF-8 text): a policy
//! document (empty: kk.dk), a consent cookie value, a `Cookie` header, `Set-Cookie`
//! lines, a request host, and raw bytes for a `samtykke_state` and a
//! `samtykke_proof`. Beyond not crashing: no call reports a caught panic; each
//! returns a code of its documented range; lengths reported for a too-small buffer
//! are the lengths then written; the filter's output fits in the bound the header
//! promises; a state read from a cookie writes back the cookie that reads the same;
//! garbage state and proof bytes are refused; the server-side calls' log lines
//! are single lines of the §8 shape, and retention keeps no more than it read.

#![no_main]

use std::ffi::CStr;
use std::ptr::{null, null_mut};

use libfuzzer_sys::fuzz_target;
use samtykke::Code;
use samtykke_ffi::*;
use samtykke_fuzz::{KEY, KK_JSON, T0};
use samtykke_host::declare::Lang;

fn ok_or(code: Code, allowed: &[Code]) -> bool {
    // Every code has a message; a caught panic is a bug.
    // SAFETY: the message is a static NUL-terminated string.
    let msg = unsafe { CStr::from_ptr(samtykke_result_message(code as u32)) };
    assert!(!msg.to_bytes().is_empty());
    assert_ne!(code, Code::Panic, "a panic was caught at the boundary");
    assert!(
        code == Code::Ok || allowed.contains(&code),
        "unexpected {code:?}"
    );
    code == Code::Ok
}

fn in_range(code: Code, lo: u32, hi: u32) -> bool {
    (lo..hi).contains(&(code as u32))
}

/// The loaded policy, freed on drop.
struct Policy(*mut samtykke_policy);

impl Drop for Policy {
    fn drop(&mut self) {
        // SAFETY: a handle from samtykke_policy_from_json, freed once.
        unsafe { samtykke_policy_free(self.0) };
    }
}

fn load(json: &[u8]) -> (Code, Option<Policy>) {
    let mut p = null_mut();
    // SAFETY: `json` is readable for its length; `p` is writable.
    let code = unsafe { samtykke_policy_from_json(json.as_ptr().cast(), json.len(), &mut p) };
    assert!(code == Code::Ok || in_range(code, 200, 300), "{code:?}");
    (code, (code == Code::Ok).then(|| Policy(p)))
}

fn explain(json: &[u8], loaded: Code) {
    let (mut code, mut path_len, mut msg_len) = (0u32, 0usize, 0usize);
    // SAFETY: NULL buffers of length 0 ask for the lengths; the outs are writable.
    let r = unsafe {
        samtykke_policy_explain_error(
            json.as_ptr().cast(),
            json.len(),
            &mut code,
            null_mut(),
            0,
            &mut path_len,
            null_mut(),
            0,
            &mut msg_len,
        )
    };
    if loaded == Code::Ok {
        assert_eq!(r, Code::Ok);
        assert_eq!((path_len, msg_len), (0, 0));
        return;
    }
    assert_eq!(r, Code::BufferTooSmall);
    assert!(path_len > 0 && msg_len > 0);
    let (mut path, mut msg) = (vec![0u8; path_len], vec![0u8; msg_len]);
    let (mut pl, mut ml) = (0usize, 0usize);
    // SAFETY: each buffer is writable for its length.
    let r = unsafe {
        samtykke_policy_explain_error(
            json.as_ptr().cast(),
            json.len(),
            &mut code,
            path.as_mut_ptr().cast(),
            path.len(),
            &mut pl,
            msg.as_mut_ptr().cast(),
            msg.len(),
            &mut ml,
        )
    };
    assert_eq!(r, Code::Ok);
    assert_eq!(code, loaded as u32);
    assert_eq!((pl, ml), (path_len, msg_len));
    assert!(std::str::from_utf8(&path).is_ok() && std::str::from_utf8(&msg).is_ok());
}

const COOKIE_ERRORS: &[Code] = &[
    Code::CookieVersion,
    Code::CookieEncoding,
    Code::CookieMalformed,
    Code::CookieUnsigned,
    Code::CookieBadSignature,
    Code::CookieTooLong,
];
const STATE_ERRORS: &[Code] = &[Code::StateInvalid, Code::StatePolicyMismatch];

fn zero_state() -> samtykke_state {
    samtykke_state { words: [0; 13] }
}

fn to_cookie(p: &Policy, state: &samtykke_state, key: Option<&[u8]>) -> (Code, Vec<u8>) {
    let (k, kl) = key.map_or((null(), 0), |k| (k.as_ptr(), k.len()));
    let mut buf = [0u8; SAMTYKKE_COOKIE_MAX_LEN];
    let mut len = 0usize;
    // SAFETY: live handle, readable state and key, writable buffer and length.
    let code = unsafe {
        samtykke_state_to_cookie(
            p.0,
            state,
            k,
            kl,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut len,
        )
    };
    assert!(ok_or(code, STATE_ERRORS) || len == 0 || code != Code::BufferTooSmall);
    (
        code,
        if code == Code::Ok {
            buf[..len].to_vec()
        } else {
            Vec::new()
        },
    )
}

fn from_cookie(p: &Policy, value: &[u8], key: Option<&[u8]>) -> Option<samtykke_state> {
    let (k, kl) = key.map_or((null(), 0), |k| (k.as_ptr(), k.len()));
    let mut state = zero_state();
    // SAFETY: live handle, readable value and key, writable state.
    let code = unsafe {
        samtykke_state_from_cookie(p.0, value.as_ptr().cast(), value.len(), k, kl, &mut state)
    };
    ok_or(code, COOKIE_ERRORS).then_some(state)
}

/// The state a request arrives with: any header gives `Ok`; with a cookie that
/// verifies appended, one is always found (noise before it hides nothing).
fn from_cookie_header(p: &Policy, header: &[u8], signed: &[u8]) {
    let other = [0xffu8; 32];
    let keys = [other.as_ptr(), KEY.as_ptr()];
    let lens = [other.len(), KEY.len()];
    let mut cc = samtykke_consent_cookie {
        name: null(),
        name_len: 0,
        domain: null(),
        domain_len: 0,
        max_age: 0,
    };
    // SAFETY: live handle, writable output.
    assert_eq!(
        unsafe { samtykke_policy_consent_cookie(p.0, &mut cc) },
        Code::Ok
    );
    // SAFETY: the name is borrowed from the live handle, `name_len` bytes.
    let name = unsafe { std::slice::from_raw_parts(cc.name.cast::<u8>(), cc.name_len) };
    let mut with = header.to_vec();
    with.extend_from_slice(b"; ");
    with.extend_from_slice(name);
    with.push(b'=');
    with.extend_from_slice(signed);
    for (h, must) in [(header, false), (&with[..], !signed.is_empty())] {
        let (mut state, mut index, mut found) = (zero_state(), usize::MAX, false);
        // SAFETY: live handle, readable header, two readable keys with their
        // lengths, writable outputs.
        let code = unsafe {
            samtykke_state_from_cookie_header(
                p.0,
                h.as_ptr().cast(),
                h.len(),
                keys.as_ptr(),
                lens.as_ptr(),
                keys.len(),
                &mut state,
                &mut index,
                &mut found,
            )
        };
        assert_eq!(code, Code::Ok);
        assert!(found || !must, "a verifying consent cookie was not found");
        assert!(!found || index < 2);
    }
}

/// A request's `Sec-GPC` and `Accept-Language` bytes (and a query string):
/// always a signal and a language or none, and an explicit `lang=en` in the
/// query wins over any header; repeated values joined with commas signal
/// exactly when one of them does.
fn request(query: &[u8], header: &[u8]) {
    let mut signal = false;
    // SAFETY: readable bytes, a writable flag.
    let code = unsafe { samtykke_gpc_signal(header.as_ptr().cast(), header.len(), &mut signal) };
    assert_eq!(code, Code::Ok);
    let one = |v: &[u8]| {
        let mut s = false;
        // SAFETY: readable bytes, a writable flag.
        assert_eq!(
            unsafe { samtykke_gpc_signal(v.as_ptr().cast(), v.len(), &mut s) },
            Code::Ok
        );
        s
    };
    assert_eq!(signal, header.split(|&b| b == b',').any(one));
    let mut same = false;
    // SAFETY: readable host, origin and Sec-Fetch-Site bytes, a writable flag.
    let code = unsafe {
        samtykke_same_origin(
            query.as_ptr().cast(),
            query.len(),
            header.as_ptr().cast(),
            header.len(),
            null(),
            0,
            &mut same,
        )
    };
    assert_eq!(code, Code::Ok);
    // Without Sec-Fetch-Site, only an origin that names the host passes.
    let origin = header.trim_ascii();
    assert!(
        !same
            || (origin.len() > query.len()
                && origin[origin.len() - query.len()..].eq_ignore_ascii_case(query))
    );
    for q in [query, b"lang=en"] {
        let (mut lang, mut found) = (99u32, false);
        // SAFETY: readable query and header, writable outputs.
        let code = unsafe {
            samtykke_request_lang(
                q.as_ptr().cast(),
                q.len(),
                header.as_ptr().cast(),
                header.len(),
                &mut lang,
                &mut found,
            )
        };
        assert_eq!(code, Code::Ok);
        assert!(!found || Lang::try_from(lang).is_ok());
        if q == b"lang=en" {
            assert!(found && lang == Lang::En as u32);
        }
    }
}

/// Any body and action field, posted as a form, with no `Content-Type` and
/// with the body's bytes as one: a decision as JSON, or `form_invalid` and an
/// explanation naming the field at fault (within 4096 bytes for an action
/// field's name under 100 bytes), or `invalid_utf8` for the field's name; the
/// output always fits the buffer the length asked for.
fn decision_form(p: &Policy, body: &[u8], field: &[u8]) {
    for content_type in [Some(FORM_TYPE), None, Some(body)] {
        decision_post(p, content_type, body, field);
    }
}

/// The `Content-Type` of a form, as a browser sends it.
const FORM_TYPE: &[u8] = b"application/x-www-form-urlencoded; charset=UTF-8";

/// One post of [`decision_form`].
fn decision_post(p: &Policy, content_type: Option<&[u8]>, body: &[u8], field: &[u8]) {
    let (type_ptr, type_len) =
        content_type.map_or((std::ptr::null(), 0), |t| (t.as_ptr(), t.len()));
    let mut buf = vec![0u8; 64];
    let mut len = 0usize;
    for _ in 0..2 {
        // SAFETY: live handle, a NULL content type of length 0 or a readable
        // one, readable body and field, a writable buffer of its length, a
        // writable length.
        let code = unsafe {
            samtykke_decision_form(
                p.0,
                type_ptr.cast(),
                type_len,
                body.as_ptr().cast(),
                body.len(),
                field.as_ptr().cast(),
                field.len(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut len,
            )
        };
        if code == Code::BufferTooSmall {
            buf = vec![0u8; len];
            continue;
        }
        ok_or(code, &[Code::FormInvalid, Code::InvalidUtf8]);
        if code == Code::InvalidUtf8 {
            return;
        }
        if code == Code::FormInvalid {
            let mut explained = vec![0u8; 4096];
            // SAFETY: as above, with a buffer of its length.
            let code = unsafe {
                samtykke_decision_form_explain(
                    p.0,
                    type_ptr.cast(),
                    type_len,
                    body.as_ptr().cast(),
                    body.len(),
                    field.as_ptr().cast(),
                    field.len(),
                    explained.as_mut_ptr().cast(),
                    explained.len(),
                    &mut len,
                )
            };
            if code == Code::BufferTooSmall {
                // A long action field's name is repeated in the message.
                assert!(
                    field.len() >= 100,
                    "{len} bytes for a field of {}",
                    field.len()
                );
                return;
            }
            assert_eq!(code, Code::Ok);
            let out = std::str::from_utf8(&explained[..len]).expect("JSON is UTF-8");
            assert!(
                out.starts_with("{\"field\":\"") && out.ends_with('}'),
                "{out}"
            );
            // No `Content-Type` is never a form; the form's always is.
            let not_a_form = out.contains("\"status\":415,");
            match content_type {
                None => assert!(not_a_form, "{out}"),
                Some(FORM_TYPE) => assert!(!not_a_form, "{out}"),
                Some(_) => {}
            }
            return;
        }
        let out = std::str::from_utf8(&buf[..len]).expect("JSON is UTF-8");
        assert!(
            out.starts_with("{\"action\":\"") && out.ends_with('}'),
            "{out}"
        );
        return;
    }
    panic!("a second call with the length asked for was too small");
}

/// The notice's words in any `samtykke_lang` value: the host's words of that
/// language, within the documented 4096 bytes, or `invalid_argument`.
fn notice_words(lang: u32) {
    let mut buf = [0u8; 4096];
    let mut len = 0usize;
    // SAFETY: a writable buffer of its length, a writable length.
    let code = unsafe { samtykke_notice_words(lang, buf.as_mut_ptr().cast(), buf.len(), &mut len) };
    if !ok_or(code, &[Code::InvalidArgument]) {
        return;
    }
    let lang = Lang::try_from(lang).expect("a language the call took");
    assert_eq!(
        &buf[..len],
        samtykke_host::notice::words_json(lang).as_bytes()
    );
}

/// A 32-bit number from the input's tail (bytes 8 to 12), else its length.
fn number_of(tail: &[u8]) -> u32 {
    tail.get(8..12).map_or(tail.len() as u32, |b| {
        u32::from_le_bytes(b.try_into().expect("4 bytes"))
    })
}

/// A key file's bytes: its keys, or `key_file_invalid`; the output fits the
/// documented bound and is one hex key of 32 bytes or more a line.
fn site_keys(file: &[u8]) {
    let mut buf = vec![0u8; 2 * file.len() + 1];
    let mut len = 0usize;
    // SAFETY: readable file bytes, a writable buffer of its length, a writable length.
    let code = unsafe {
        samtykke_site_keys(
            file.as_ptr(),
            file.len(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut len,
        )
    };
    if !ok_or(code, &[Code::KeyFileInvalid]) {
        return;
    }
    assert!(len <= buf.len());
    let out = std::str::from_utf8(&buf[..len]).expect("hex is ASCII");
    assert!(out.ends_with('\n'));
    for key in out.lines() {
        assert!(key.len() >= 64 && key.len() % 2 == 0, "{key}");
        assert!(key
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
}

fn cookie_header_get(header: &[u8], name: &[u8]) {
    let (mut len, mut found) = (0usize, false);
    let allowed = &[Code::BufferTooSmall, Code::InvalidUtf8, Code::HeaderInvalid];
    // SAFETY: readable header and name; a NULL buffer of length 0; writable outs.
    let code = unsafe {
        samtykke_cookie_header_get(
            header.as_ptr().cast(),
            header.len(),
            name.as_ptr().cast(),
            name.len(),
            null_mut(),
            0,
            &mut len,
            &mut found,
        )
    };
    if !ok_or(code, allowed) {
        if code != Code::BufferTooSmall {
            return;
        }
        assert!(len > 0 && len <= header.len());
    } else {
        assert_eq!(len, 0);
        return;
    }
    let mut buf = vec![0u8; len];
    let mut written = 0usize;
    // SAFETY: the buffer is writable for its length.
    let code = unsafe {
        samtykke_cookie_header_get(
            header.as_ptr().cast(),
            header.len(),
            name.as_ptr().cast(),
            name.len(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut written,
            &mut found,
        )
    };
    assert_eq!(code, Code::Ok);
    assert!(found && written == len);
}

fn filter(p: &Policy, state: &samtykke_state, headers: &[u8], now: i64) -> Code {
    let lines = headers.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut buf = vec![0u8; headers.len() + lines];
    let mut len = 0usize;
    let allowed = &[
        Code::InvalidUtf8,
        Code::InvalidTime,
        Code::StateInvalid,
        Code::StatePolicyMismatch,
    ];
    // SAFETY: live handle, readable state and headers, writable buffer and length.
    let code = unsafe {
        samtykke_state_filter_set_cookie(
            p.0,
            state,
            headers.as_ptr().cast(),
            headers.len(),
            now,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut len,
        )
    };
    // Never longer than the input plus a byte per header: the bound suffices.
    if ok_or(code, allowed) {
        assert!(len <= buf.len());
        assert!(std::str::from_utf8(&buf[..len]).is_ok());
    }
    code
}

/// A call writing text into a caller buffer: first with none (the length it
/// needs), then with exactly that length, which must suffice and be what it wrote.
fn sized(
    allowed: &[Code],
    mut call: impl FnMut(*mut std::ffi::c_char, usize, &mut usize) -> Code,
) -> Option<Vec<u8>> {
    let mut need = 0usize;
    let code = call(null_mut(), 0, &mut need);
    let mut with_too_small = allowed.to_vec();
    with_too_small.push(Code::BufferTooSmall);
    if !ok_or(code, &with_too_small) {
        if code != Code::BufferTooSmall {
            return None;
        }
        let mut buf = vec![0u8; need];
        let mut written = 0usize;
        let again = call(buf.as_mut_ptr().cast(), buf.len(), &mut written);
        assert_eq!(again, Code::Ok, "the reported length suffices");
        assert_eq!(written, need);
        return Some(buf);
    }
    assert_eq!(need, 0);
    Some(Vec::new())
}

/// The server-side calls (SPEC §15 for a CMS plugin): judge and clamp, the
/// consent cookie's header, log lines, a decision line and proof retention.
fn server(p: &Policy, state: &samtykke_state, text: &[u8], host: &[u8], number: u32, now: i64) {
    let bad_state = [
        Code::StateInvalid,
        Code::StatePolicyMismatch,
        Code::InvalidTime,
    ];
    let mut allowed = vec![Code::InvalidUtf8];
    allowed.extend_from_slice(&bad_state);
    // SAFETY (each call below): live handle, readable state and inputs for their
    // lengths, a buffer writable for the length given (NULL with 0), writable outs.
    if let Some(kept) = sized(&allowed, |buf, len, out| unsafe {
        samtykke_state_judge_set_cookies(
            p.0,
            state,
            text.as_ptr().cast(),
            text.len(),
            now,
            buf,
            len,
            out,
        )
    }) {
        let kept = std::str::from_utf8(&kept).expect("kept headers are UTF-8");
        assert!(kept.is_empty() || kept.ends_with('\n'));
    }
    sized(&allowed, |buf, len, out| unsafe {
        samtykke_state_consent_set_cookie(
            p.0,
            state,
            KEY.as_ptr(),
            KEY.len(),
            host.as_ptr().cast(),
            host.len(),
            number & 1 == 1,
            buf,
            len,
            out,
        )
    });
    let mut log_allowed = allowed.clone();
    log_allowed.extend_from_slice(&[Code::InvalidArgument, Code::HeaderInvalid]);
    for event in [number % 6, 0, 4] {
        if let Some(line) = sized(&log_allowed, |buf, len, out| unsafe {
            samtykke_log_line(
                p.0,
                state,
                event,
                now,
                text.as_ptr().cast(),
                text.len(),
                number >> 8,
                buf,
                len,
                out,
            )
        }) {
            let line = std::str::from_utf8(&line).expect("a log line is UTF-8");
            assert!(
                line.starts_with("{\"ts\":\"")
                    && line.contains("\"visitor\":\"")
                    && line.ends_with('}')
            );
            assert!(!line.contains('\n'));
        }
    }
    let mut decision_allowed = log_allowed.clone();
    decision_allowed.push(Code::UnknownName);
    if let Some(line) = sized(&decision_allowed, |buf, len, out| unsafe {
        samtykke_log_decision(
            p.0,
            state,
            now,
            number % 10,
            number >> 4 & 0xffff,
            number >> 20 & 7,
            number >> 8,
            number & 2 == 2,
            buf,
            len,
            out,
        )
    }) {
        let line = std::str::from_utf8(&line).expect("a decision line is UTF-8");
        assert!(line.contains("\"event\":\"decision\"") && line.ends_with('}'));
    }
    let mut removed = 0usize;
    if let Some(kept) = sized(
        &[Code::InvalidUtf8, Code::InvalidTime],
        |buf, len, out| unsafe {
            samtykke_proofs_retain(
                p.0,
                text.as_ptr().cast(),
                text.len(),
                now,
                buf,
                len,
                out,
                &mut removed,
            )
        },
    ) {
        assert!(kept.len() <= text.len() + 1);
    }
}

fn plan(p: &Policy, state: &samtykke_state, host: &[u8], cookies: &[u8], now: i64) -> Code {
    let mut plan = null_mut();
    let allowed = &[
        Code::InvalidUtf8,
        Code::HeaderInvalid,
        Code::InvalidTime,
        Code::StateInvalid,
        Code::StatePolicyMismatch,
    ];
    // SAFETY: live handle, readable state, host and header, writable out.
    let code = unsafe {
        samtykke_state_deletion_plan(
            p.0,
            state,
            host.as_ptr().cast(),
            host.len(),
            cookies.as_ptr().cast(),
            cookies.len(),
            now,
            &mut plan,
        )
    };
    if !ok_or(code, allowed) {
        return code;
    }
    let mut counts = samtykke_plan_counts {
        set_cookie: 0,
        storage_keys: 0,
        undeletable: 0,
    };
    // SAFETY: `plan` is live until freed below; every out is writable.
    unsafe {
        assert_eq!(samtykke_plan_count(plan, &mut counts), Code::Ok);
        for i in 0..=counts.set_cookie {
            let (mut v, mut vl) = (null(), 0usize);
            let r = samtykke_plan_set_cookie(plan, i, &mut v, &mut vl);
            if i < counts.set_cookie {
                assert_eq!(r, Code::Ok);
                let bytes = std::slice::from_raw_parts(v.cast::<u8>(), vl);
                assert!(std::str::from_utf8(bytes).is_ok());
            } else {
                assert_eq!(r, Code::InvalidArgument);
            }
        }
        for i in 0..=counts.storage_keys {
            let mut k = std::mem::zeroed::<samtykke_storage_key>();
            let r = samtykke_plan_storage_key(plan, i, &mut k);
            let want = if i < counts.storage_keys {
                Code::Ok
            } else {
                Code::InvalidArgument
            };
            assert_eq!(r, want);
        }
        for i in 0..=counts.undeletable {
            let mut u = std::mem::zeroed::<samtykke_undeletable>();
            let r = samtykke_plan_undeletable(plan, i, &mut u);
            let want = if i < counts.undeletable {
                Code::Ok
            } else {
                Code::InvalidArgument
            };
            assert_eq!(r, want);
        }
        samtykke_plan_free(plan);
    }
    code
}

/// Queries and events on `state`: each is OK or refuses the state.
fn query(p: &Policy, state: &mut samtykke_state, name: &[u8], kind: u32, now: i64) {
    let common = &[
        Code::InvalidUtf8,
        Code::InvalidTime,
        Code::InvalidArgument,
        Code::UnknownName,
        Code::StateInvalid,
        Code::StatePolicyMismatch,
    ];
    // SAFETY: live handle, a readable and writable state, readable name, writable
    // outs.
    unsafe {
        let mut permit = std::mem::zeroed::<samtykke_permit>();
        let r = samtykke_state_permits(
            p.0,
            state,
            kind,
            name.as_ptr().cast(),
            name.len(),
            now,
            &mut permit,
        );
        ok_or(r, common);
        let r = samtykke_state_category_status(
            p.0,
            state,
            name.as_ptr().cast(),
            name.len(),
            now,
            &mut permit,
        );
        ok_or(r, common);
        let mut due = false;
        ok_or(samtykke_state_prompt_due(p.0, state, now, &mut due), common);
        let mut proof = std::mem::zeroed::<samtykke_proof>();
        let r = samtykke_state_accept_all(p.0, state, now, 1, kind, false, &mut proof);
        if ok_or(r, common) {
            let mut len = 0usize;
            let r = samtykke_proof_to_json(p.0, &proof, null_mut(), 0, &mut len);
            assert_eq!(r, Code::BufferTooSmall);
            let mut buf = vec![0u8; len];
            let r = samtykke_proof_to_json(p.0, &proof, buf.as_mut_ptr().cast(), len, &mut len);
            assert_eq!(r, Code::Ok);
        }
        let mut recorded = false;
        ok_or(
            samtykke_state_signal_gpc(p.0, state, now, &mut proof, &mut recorded),
            common,
        );
        ok_or(samtykke_state_gesture(p.0, state, kind, now), common);
        ok_or(
            samtykke_state_withdraw_all(p.0, state, now, 1, 0, true, null_mut(), null_mut()),
            common,
        );
    }
}

/// Bytes copied into a value of `T` made of integers (zero-padded).
fn words<const N: usize>(bytes: &[u8]) -> [u64; N] {
    let mut w = [0u64; N];
    for (i, chunk) in bytes.chunks(8).take(N).enumerate() {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        w[i] = u64::from_le_bytes(b);
    }
    w
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0xff);
    let mut next = || parts.next().unwrap_or(&[]);
    let (json, cookie, header, set_cookies, host, garbage) =
        (next(), next(), next(), next(), next(), next());
    let tail = next();
    let now = match tail.get(..8) {
        Some(b) => i64::from_le_bytes(b.try_into().expect("8 bytes")),
        None => T0 + tail.len() as i64 * 86_400,
    };
    let kind = tail.first().copied().unwrap_or(0) as u32 % 8;

    let policy = if json.is_empty() {
        load(KK_JSON.as_bytes()).1.expect("kk.dk loads")
    } else {
        let (code, loaded) = load(json);
        explain(json, code);
        match loaded {
            Some(p) => p,
            None => load(KK_JSON.as_bytes()).1.expect("kk.dk loads"),
        }
    };
    let p = &policy;

    // The consent cookie: decoded states write back values that decode the same.
    let unkeyed = from_cookie(p, cookie, None);
    let keyed = from_cookie(p, cookie, Some(KEY));
    if keyed.is_some() {
        assert!(unkeyed.is_some(), "a verified cookie reads unverified too");
    }
    let mut state = match unkeyed {
        Some(s) => {
            for key in [None, Some(&KEY[..])] {
                let (code, value) = to_cookie(p, &s, key);
                assert_eq!(code, Code::Ok);
                let again = from_cookie(p, &value, key).expect("a written cookie reads");
                assert_eq!(to_cookie(p, &again, key).1, value);
            }
            s
        }
        None => {
            let mut s = zero_state();
            let id = [7u8; SAMTYKKE_CONSENT_ID_LEN];
            // SAFETY: live handle, a readable id, a writable state.
            let r = unsafe { samtykke_state_init(p.0, id.as_ptr(), id.len(), &mut s) };
            assert_eq!(r, Code::Ok);
            s
        }
    };

    let signed = to_cookie(p, &state, Some(&KEY[..])).1;
    from_cookie_header(p, header, &signed);
    site_keys(header);
    request(cookie, header);
    notice_words(number_of(tail));
    decision_form(p, set_cookies, cookie);
    cookie_header_get(header, b"samtykke");
    cookie_header_get(header, cookie);
    filter(p, &state, set_cookies, now);
    plan(p, &state, host, header, now);
    query(p, &mut state, cookie, kind, now);
    let number = number_of(tail);
    server(p, &state, set_cookies, host, number, now);
    server(p, &state, header, host, number, now);

    // Garbage bytes as a state and a proof: refused, never read.
    let mut bad = samtykke_state {
        words: words::<13>(garbage),
    };
    if bad.words != state.words {
        let (code, _) = to_cookie(p, &bad, None);
        assert!(code != Code::Ok || garbage.len() >= SAMTYKKE_STATE_SIZE);
        let code = filter(p, &bad, set_cookies, now);
        assert!(code != Code::Ok || garbage.len() >= SAMTYKKE_STATE_SIZE);
        plan(p, &bad, host, header, now);
        query(p, &mut bad, cookie, kind, now);
        server(p, &bad, set_cookies, host, kind, now);
    }
    let proof = samtykke_proof {
        words: words::<12>(garbage),
    };
    let mut len = 0usize;
    // SAFETY: live handle, a readable proof, a NULL buffer of length 0.
    let r = unsafe { samtykke_proof_to_json(p.0, &proof, null_mut(), 0, &mut len) };
    ok_or(
        r,
        &[
            Code::ProofInvalid,
            Code::StatePolicyMismatch,
            Code::BufferTooSmall,
        ],
    );
});
