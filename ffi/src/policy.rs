//! The policy handle: loaded from JSON, immutable, shared across threads.

use std::ffi::c_char;

use samtykke::{Code, ValidPolicy};
use samtykke_host::{lint, OwnedPolicy};

use crate::boundary::{arg, guard, out, put};

/// Marks a live handle; cleared when it is freed, so a handle freed twice is
/// usually caught (though reading freed memory is the caller's fault).
const LIVE: u64 = 0x5341_4d54_594b_4b45; // "SAMTYKKE"

/// A string the handle owns, with a NUL after its bytes for C's convenience.
#[derive(Debug)]
pub(crate) struct CText(Vec<u8>);

impl CText {
    fn new(s: &str) -> CText {
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

#[derive(Debug)]
struct Warning {
    id: CText,
    path: CText,
    message: CText,
}

/// A loaded policy (SPEC §3): opaque, immutable once loaded, and safe to share
/// between threads.
///
/// Create one with `samtykke_policy_from_json`; free it with
/// `samtykke_policy_free`. Every consent state belongs to the policy it was
/// created or decoded under (it carries the policy's fingerprint).
#[derive(Debug)]
pub struct samtykke_policy {
    live: u64,
    policy: OwnedPolicy,
    lint: Vec<Warning>,
    /// Category ids by index in the policy, for `samtykke_permit`.
    category_ids: Vec<CText>,
    cookie_name: CText,
    cookie_domain: Option<CText>,
}

// One handle serves many threads at once (SPEC §11).
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<samtykke_policy>();
};

impl samtykke_policy {
    pub(crate) fn view(&self) -> ValidPolicy<'_> {
        self.policy.view()
    }

    pub(crate) fn category_id(&self, index: usize) -> Option<&CText> {
        self.category_ids.get(index)
    }
}

/// The policy behind a handle pointer.
///
/// # Safety
///
/// `ptr` is NULL or a handle from `samtykke_policy_from_json` not yet freed.
pub(crate) unsafe fn policy<'a>(ptr: *const samtykke_policy) -> Result<&'a samtykke_policy, Code> {
    // SAFETY: forwarded from the caller.
    let p = unsafe { arg(ptr) }?;
    if p.live != LIVE {
        return Err(Code::InvalidArgument);
    }
    Ok(p)
}

/// Why a policy could not be loaded, in caller storage: the result code, where
/// in the document the fault is, and what is wrong.
///
/// Both texts are NUL-terminated UTF-8; one too long for its array is cut at a
/// character boundary.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_load_error {
    /// The result code, the same `samtykke_policy_from_json` returned.
    pub code: Code,
    /// The JSON path of the fault (`storage[3].duration`, `categories[1].label.da`,
    /// `$` for the document as a whole), or the position of malformed JSON
    /// (`line 4 column 7`).
    pub path: [c_char; 128],
    /// What is wrong, in words (without the path).
    pub message: [c_char; 256],
}

/// Copies `s` into `dst` with a NUL, cut at a character boundary to fit.
fn fill<const N: usize>(dst: &mut [c_char; N], s: &str) {
    let mut end = s.len().min(N - 1);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    for (d, &b) in dst.iter_mut().zip(&s.as_bytes()[..end]) {
        *d = b as c_char;
    }
    dst[end] = 0;
}

/// Loads a policy from its JSON text (`samtykke/policy/1`, SPEC §3).
///
/// - `json`, `json_len`: the document, UTF-8 (an optional byte-order mark is
///   allowed); no terminating NUL is needed.
/// - `policy_out`: receives the new handle on success.
/// - `error_out`: may be NULL; on failure (and only then) receives the result
///   code, the JSON path and the message, so the fault can be explained.
///
/// - Ownership: the caller owns the handle and frees it with
///   `samtykke_policy_free`; the library keeps no reference to `json`.
/// - Lifetime: the handle lives until freed; pointers the library hands out
///   from it (lint texts, category ids) live as long.
/// - Thread-safety: may be called from any thread; the handle it makes may be
///   used from many threads at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT` for a NULL `json` or `policy_out`;
///   a `SAMTYKKE_RESULT_POLICY_*` code for a document that breaks a rule of
///   SPEC §3 (malformed JSON included).
///
/// # Safety
///
/// `json` is readable for `json_len` bytes; `policy_out` and a non-NULL
/// `error_out` are writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_from_json(
    json: *const c_char,
    json_len: usize,
    policy_out: *mut *mut samtykke_policy,
    error_out: *mut samtykke_load_error,
) -> Code {
    guard(|| {
        let policy_out = out(policy_out)?;
        // SAFETY: the caller guarantees `json_len` readable bytes.
        let json = unsafe { crate::boundary::bytes(json.cast::<u8>(), json_len) }?;
        let loaded = match OwnedPolicy::from_slice(json) {
            Ok(p) => p,
            Err(e) => {
                if !error_out.is_null() {
                    let mut detail = samtykke_load_error {
                        code: e.code(),
                        path: [0; 128],
                        message: [0; 256],
                    };
                    fill(&mut detail.path, e.path());
                    fill(&mut detail.message, e.message());
                    // SAFETY: non-NULL, and the caller guarantees it is writable.
                    unsafe { put(error_out, detail) };
                }
                return Err(e.code());
            }
        };
        let lint = lint(&loaded)
            .into_iter()
            .map(|w| Warning {
                id: CText::new(w.id.as_str()),
                path: CText::new(&w.path),
                message: CText::new(&w.message),
            })
            .collect();
        let view = loaded.view();
        let category_ids = view
            .policy()
            .categories
            .iter()
            .map(|c| CText::new(c.id))
            .collect();
        let cookie = view.policy().consent_cookie;
        let cookie_name = CText::new(cookie.name);
        let cookie_domain = cookie.domain.map(CText::new);
        let handle = Box::new(samtykke_policy {
            live: LIVE,
            policy: loaded,
            lint,
            category_ids,
            cookie_name,
            cookie_domain,
        });
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(policy_out, Box::into_raw(handle)) };
        Ok(())
    })
}

/// Frees a policy handle. NULL is allowed and does nothing.
///
/// - Ownership: takes the handle back.
/// - Lifetime: every pointer handed out from it (lint texts, category ids,
///   consent cookie texts) ends here. States made under it stay valid bytes
///   and can be used with a policy loaded again from the same document.
/// - Thread-safety: the caller must make sure no other thread still uses the
///   handle.
/// - Errors: none.
///
/// # Safety
///
/// `policy` is NULL or a handle from `samtykke_policy_from_json` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_free(policy: *mut samtykke_policy) {
    let _ = guard(|| {
        if policy.is_null() {
            return Ok(());
        }
        // SAFETY: the caller hands back a handle made by `Box::into_raw` above.
        let mut handle = unsafe { Box::from_raw(policy) };
        handle.live = 0;
        drop(handle);
        Ok(())
    });
}

/// One lint warning (SPEC §3), borrowed from the policy handle.
///
/// Each text is UTF-8 of the given length, followed by a NUL; it lives as long
/// as the handle.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_lint_warning {
    /// The rule's stable id (`outlives-consent`, `tracking-cookie-necessary`, …).
    pub id: *const c_char,
    /// Length of `id` in bytes.
    pub id_len: usize,
    /// The JSON path it points at (`storage[6].duration`).
    pub path: *const c_char,
    /// Length of `path` in bytes.
    pub path_len: usize,
    /// The reason, in words.
    pub message: *const c_char,
    /// Length of `message` in bytes.
    pub message_len: usize,
}

/// The number of lint warnings of a policy (computed once, when it was loaded).
///
/// - Ownership: nothing changes hands.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: may be called from many threads at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT` for a NULL argument.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `count_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_lint_count(
    policy: *const samtykke_policy,
    count_out: *mut usize,
) -> Code {
    guard(|| {
        let count_out = out(count_out)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(count_out, p.lint.len()) };
        Ok(())
    })
}

/// The lint warning at `index` (from 0 to the count less one).
///
/// - Ownership: the texts written to `warning_out` belong to the policy handle;
///   never free them.
/// - Lifetime: they live until the handle is freed.
/// - Thread-safety: may be called from many threads at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT` for a NULL argument;
///   `SAMTYKKE_RESULT_INVALID_ARGUMENT` for an index out of range.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `warning_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_lint_warning(
    policy: *const samtykke_policy,
    index: usize,
    warning_out: *mut samtykke_lint_warning,
) -> Code {
    guard(|| {
        let warning_out = out(warning_out)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        let w = p.lint.get(index).ok_or(Code::InvalidArgument)?;
        let warning = samtykke_lint_warning {
            id: w.id.ptr(),
            id_len: w.id.len(),
            path: w.path.ptr(),
            path_len: w.path.len(),
            message: w.message.ptr(),
            message_len: w.message.len(),
        };
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(warning_out, warning) };
        Ok(())
    })
}

/// The site's consent cookie as the policy declares it, borrowed from the handle.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_consent_cookie {
    /// The cookie's name (NUL-terminated UTF-8).
    pub name: *const c_char,
    /// Length of `name` in bytes.
    pub name_len: usize,
    /// The `Domain` to set it on (NUL-terminated), or NULL for a host-only cookie.
    pub domain: *const c_char,
    /// Length of `domain` in bytes (0 when NULL).
    pub domain_len: usize,
    /// Its lifetime in seconds, for `Max-Age`: the longer of the consent and
    /// refusal lifetimes.
    pub max_age: i64,
}

/// Where and how long to store the consent cookie (its name, `Domain` and
/// `Max-Age`), as the policy declares it.
///
/// - Ownership: the texts belong to the handle; never free them.
/// - Lifetime: until the handle is freed.
/// - Thread-safety: may be called from many threads at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT` for a NULL argument.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `cookie_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_consent_cookie(
    policy: *const samtykke_policy,
    cookie_out: *mut samtykke_consent_cookie,
) -> Code {
    guard(|| {
        let cookie_out = out(cookie_out)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        let (domain, domain_len) = match &p.cookie_domain {
            Some(d) => (d.ptr(), d.len()),
            None => (std::ptr::null(), 0),
        };
        let cookie = samtykke_consent_cookie {
            name: p.cookie_name.ptr(),
            name_len: p.cookie_name.len(),
            domain,
            domain_len,
            max_age: p.view().consent_cookie_max_age(),
        };
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(cookie_out, cookie) };
        Ok(())
    })
}
