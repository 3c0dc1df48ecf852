//! The policy handle: loaded from JSON, immutable, shared across threads.

use std::ffi::c_char;
use std::sync::{Arc, Mutex, OnceLock};

use samtykke::{CategorySet, Code, ProviderSet, ValidPolicy};
use samtykke_host::declare::{self, Format, Lang};
use samtykke_host::{lint, OwnedPolicy};

use crate::boundary::{guard, try_bytes, try_out, try_out_buf, try_ref, try_str, CText};

/// Marks a live handle; cleared when it is freed, so a handle freed twice is
/// usually caught (though reading freed memory is the caller's fault).
const LIVE: u64 = 0x5341_4d54_594b_4b45; // "SAMTYKKE"

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
    loaded: Arc<Loaded>,
}

/// A loaded document; handles of the same document share one.
#[derive(Debug)]
struct Loaded {
    policy: OwnedPolicy,
    /// Made on the first lint call: a host that loads the policy per request
    /// (PHP) and never asks does not pay for it.
    lint: OnceLock<Vec<Warning>>,
    /// Category ids by index in the policy, for `samtykke_permit`.
    category_ids: Vec<CText>,
    cookie_name: CText,
    cookie_domain: Option<CText>,
    site: CText,
}

/// The last document loaded and what it loaded to: a host that loads the same
/// policy on every request (PHP, which keeps nothing between requests, with the
/// library preloaded) gets it without parsing and validating it again.
static LAST: Mutex<Option<(Vec<u8>, Arc<Loaded>)>> = Mutex::new(None);

fn load_shared(json: &[u8]) -> Result<Arc<Loaded>, Code> {
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((bytes, loaded)) = last.as_ref() {
        if bytes.as_slice() == json {
            return Ok(Arc::clone(loaded));
        }
    }
    let policy = OwnedPolicy::from_slice(json).map_err(|e| e.code())?;
    let view = policy.view();
    let category_ids = view
        .policy()
        .categories
        .iter()
        .map(|c| CText::new(c.id))
        .collect();
    let cookie = view.policy().consent_cookie;
    let cookie_name = CText::new(cookie.name);
    let cookie_domain = cookie.domain.map(CText::new);
    let site = CText::new(view.policy().site);
    let loaded = Arc::new(Loaded {
        policy,
        lint: OnceLock::new(),
        category_ids,
        cookie_name,
        cookie_domain,
        site,
    });
    *last = Some((json.to_vec(), Arc::clone(&loaded)));
    Ok(loaded)
}

// One handle serves many threads at once (SPEC §11).
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<samtykke_policy>();
};

impl samtykke_policy {
    pub(crate) fn view(&self) -> ValidPolicy<'_> {
        self.loaded.policy.view()
    }

    fn lint(&self) -> &[Warning] {
        self.loaded.lint.get_or_init(|| {
            lint(&self.loaded.policy)
                .into_iter()
                .map(|w| Warning {
                    id: CText::new(w.id.as_str()),
                    path: CText::new(&w.path),
                    message: CText::new(&w.message),
                })
                .collect()
        })
    }

    pub(crate) fn category_id(&self, index: usize) -> Option<&CText> {
        self.loaded.category_ids.get(index)
    }
}

/// The policy behind a handle pointer.
///
/// # Safety
///
/// `ptr` is NULL or a handle from `samtykke_policy_from_json` not yet freed.
pub(crate) unsafe fn try_policy<'a>(
    ptr: *const samtykke_policy,
) -> Result<&'a samtykke_policy, Code> {
    // SAFETY: a live handle is a `Box` this library made, aligned and never
    // written after it was made; the caller guarantees NULL or live.
    let p = unsafe { try_ref(ptr) }?;
    if p.live != LIVE {
        return Err(Code::InvalidArgument);
    }
    Ok(p)
}

/// Loads a policy from its JSON text (`samtykke/policy/1`, SPEC §3).
///
/// - `json`, `json_len`: the document, UTF-8 (a byte-order mark is allowed).
/// - `policy_out`: receives the new handle; the caller frees it with
///   `samtykke_policy_free`.
///
/// To explain a failure (its JSON path and message), pass the same document to
/// `samtykke_policy_explain_error`.
///
/// The library keeps the last document that loaded: loading the same bytes
/// again (a PHP host does so on every request) shares what was loaded, without
/// parsing and validating it again. Each handle is still freed on its own.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; a `SAMTYKKE_RESULT_POLICY_*` code
/// for a document that breaks a rule of SPEC §3 (malformed JSON included).
///
/// # Safety
///
/// `json` is readable for `json_len` bytes; `policy_out` is writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_from_json(
    json: *const c_char,
    json_len: usize,
    policy_out: *mut *mut samtykke_policy,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `json` is readable for `json_len`
        // bytes and `policy_out` writable (each checked for NULL here).
        let (json, policy_out) =
            unsafe { (try_bytes(json.cast(), json_len)?, try_out(policy_out)?) };
        let handle = Box::new(samtykke_policy {
            live: LIVE,
            loaded: load_shared(json)?,
        });
        policy_out.write(Box::into_raw(handle));
        Ok(())
    })
}

/// Explains why a JSON document does not load as a policy: where the fault is
/// and what is wrong. Call it after `samtykke_policy_from_json` failed, with the
/// same document.
///
/// - `path_buf`, `path_buf_len`, `path_len_out`: the JSON path of the fault
///   (`storage[3].duration`, `categories[1].label.da`, `$` for the document as
///   a whole), or the position of malformed JSON (`line 4 column 7`).
/// - `message_buf`, `message_buf_len`, `message_len_out`: what is wrong, in
///   words (without the path).
/// - `code_out`: receives the result code `samtykke_policy_from_json` gave.
///
/// When either buffer is too small, both out-lengths receive the lengths needed
/// and nothing else is written. A document that loads has nothing to explain:
/// both lengths are 0 and `code_out` is `SAMTYKKE_RESULT_OK`.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `json` is readable for `json_len` bytes; each buffer is writable for its
/// length; the out-pointers are writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_explain_error(
    json: *const c_char,
    json_len: usize,
    code_out: *mut u32,
    path_buf: *mut c_char,
    path_buf_len: usize,
    path_len_out: *mut usize,
    message_buf: *mut c_char,
    message_buf_len: usize,
    message_len_out: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `json` is readable for `json_len`
        // bytes, each buffer writable for its length and each out-pointer
        // writable (each checked for NULL here).
        let (json, code_out, path, message) = unsafe {
            (
                try_bytes(json.cast(), json_len)?,
                try_out(code_out)?,
                try_out_buf(path_buf, path_buf_len, path_len_out)?,
                try_out_buf(message_buf, message_buf_len, message_len_out)?,
            )
        };
        let (code, p, m) = match OwnedPolicy::from_slice(json) {
            Ok(_) => (Code::Ok, String::new(), String::new()),
            Err(e) => (e.code(), e.path().to_owned(), e.message().to_owned()),
        };
        if p.len() > path_buf_len || m.len() > message_buf_len {
            // Both lengths, so one retry suffices.
            path.len_only(p.len());
            message.len_only(m.len());
            return Err(Code::BufferTooSmall);
        }
        path.write(p.as_bytes())?;
        message.write(m.as_bytes())?;
        code_out.write(code as u32);
        Ok(())
    })
}

/// The cookie declaration a site publishes (SPEC §9's `samtykke declare`): each
/// item's purpose, who is behind it and how long it lives, grouped under each
/// category's label, and how to consent, decline and withdraw; the one rendering
/// the command line prints.
///
/// - `lang`: a `samtykke_lang` value; `format`: a `samtykke_declaration_format`
///   value: Markdown; a complete, styled UTF-8 HTML page; or that page's content
///   alone (`SAMTYKKE_DECLARATION_FORMAT_HTML_FRAGMENT`, a `<div>` to go inside a
///   site's own `<main>`, without `<html>`, head or stylesheet).
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT` for
/// an unknown language or format; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `buf` writable for `buf_len` bytes;
/// `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_declaration(
    policy: *const samtykke_policy,
    lang: u32,
    format: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `buf`
        // writable for `buf_len` bytes, `out_len` NULL or writable.
        let (p, dst) = unsafe { (try_policy(policy)?, try_out_buf(buf, buf_len, out_len)?) };
        let text = declare::render(&p.view(), Lang::try_from(lang)?, Format::try_from(format)?);
        dst.write(text.as_bytes())
    })
}

/// The consent notice's own words in `lang` (SPEC §15), as the tower layer's
/// banner and settings say them: one JSON object of name to text (`title`,
/// `intro`, `accept_all`, `reject_all`, `settings`, `choose`, `save`,
/// `settings_title`, `settings_intro`, `always_on`, `status`, `granted`,
/// `refused`, `undecided`, `withdraw_title`, `withdraw_one`, `withdraw_all`,
/// `declaration`, `footer_link`, `skip_to_banner`). A host that renders its
/// own notice takes its words from here, so every front end asks in the same
/// words; the categories' labels and descriptions are the policy's.
///
/// - `lang`: a `samtykke_lang` value.
/// - `buf`, `buf_len`, `out_len`: the output (no NUL is written); `out_len`
///   receives the length written, or the length needed when the buffer is too
///   small. 4096 bytes always hold it.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT` for
/// an unknown language; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `buf` writable for `buf_len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_notice_words(
    lang: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `buf` writable for `buf_len`
        // bytes, `out_len` NULL or writable.
        let dst = unsafe { try_out_buf(buf, buf_len, out_len)? };
        let json = samtykke_host::notice::words_json(Lang::try_from(lang)?);
        dst.write(json.as_bytes())
    })
}

/// Frees a policy handle. NULL is allowed and does nothing.
///
/// Every pointer handed out from the handle (lint texts, category ids, consent
/// cookie texts) ends here. States made under it stay valid bytes and can be
/// used with a policy loaded again from the same document. No other thread may
/// still use the handle. A handle freed a second time is usually noticed by its
/// cleared mark and left alone (reading freed memory is still the caller's
/// fault).
///
/// # Safety
///
/// `policy` is NULL or a handle from `samtykke_policy_from_json` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_free(policy: *mut samtykke_policy) {
    let _ = guard(|| {
        // A handle freed already (its mark cleared, or its memory reused) is
        // left alone: freeing it twice would free its policy twice.
        // SAFETY: this function's contract: NULL or a handle not yet freed;
        // `try_policy` reads only its mark before trusting it.
        if unsafe { try_policy(policy) }.is_err() {
            return Ok(());
        }
        // SAFETY: the caller hands back a handle made by `Box::into_raw` in
        // `samtykke_policy_from_json` and not yet freed, its mark checked above.
        let mut handle = unsafe { Box::from_raw(policy) };
        // SAFETY: the mark is a field of the handle this function owns: valid,
        // aligned and writable. Volatile, so the store the free makes dead is
        // kept, for the next free's check to read.
        unsafe { std::ptr::write_volatile(&mut handle.live, 0) };
        drop(handle);
        Ok(())
    });
}

/// One lint warning (SPEC §3), borrowed from the policy handle.
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
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`.
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
        // SAFETY: this function's contract: `policy` is NULL or live and
        // `count_out` NULL or writable.
        let (p, count_out) = unsafe { (try_policy(policy)?, try_out(count_out)?) };
        count_out.write(p.lint().len());
        Ok(())
    })
}

/// The lint warning at `index` (from 0 to the count less one); its texts are
/// borrowed from the policy handle.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for an index out of range.
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
        // SAFETY: this function's contract: `policy` is NULL or live and
        // `warning_out` NULL or writable.
        let (p, warning_out) = unsafe { (try_policy(policy)?, try_out(warning_out)?) };
        let w = p.lint().get(index).ok_or(Code::InvalidArgument)?;
        warning_out.write(samtykke_lint_warning {
            id: w.id.ptr(),
            id_len: w.id.len(),
            path: w.path.ptr(),
            path_len: w.path.len(),
            message: w.message.ptr(),
            message_len: w.message.len(),
        });
        Ok(())
    })
}

/// The site's consent cookie as the policy declares it, borrowed from the handle.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_consent_cookie {
    /// The cookie's name.
    pub name: *const c_char,
    /// Length of `name` in bytes.
    pub name_len: usize,
    /// The `Domain` to set it on, or NULL for a host-only cookie.
    pub domain: *const c_char,
    /// Length of `domain` in bytes (0 when NULL).
    pub domain_len: usize,
    /// Its lifetime in seconds, for `Max-Age`: the longer of the consent and
    /// refusal lifetimes.
    pub max_age: i64,
}

/// Where and how long to store the consent cookie (its name, `Domain` and
/// `Max-Age`), as the policy declares it; the texts are borrowed from the handle.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`.
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
        // SAFETY: this function's contract: `policy` is NULL or live and
        // `cookie_out` NULL or writable.
        let (p, cookie_out) = unsafe { (try_policy(policy)?, try_out(cookie_out)?) };
        let (domain, domain_len) = match &p.loaded.cookie_domain {
            Some(d) => (d.ptr(), d.len()),
            None => (std::ptr::null(), 0),
        };
        cookie_out.write(samtykke_consent_cookie {
            name: p.loaded.cookie_name.ptr(),
            name_len: p.loaded.cookie_name.len(),
            domain,
            domain_len,
            max_age: p.view().consent_cookie_max_age(),
        });
        Ok(())
    })
}

/// What a page shows about the policy, borrowed from the handle: the site, the
/// revision, and the notice version a banner's form carries.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_site {
    /// The site's domain (`kk.dk`).
    pub site: *const c_char,
    /// Length of `site` in bytes.
    pub site_len: usize,
    /// The policy's revision (raised on every change, SPEC §3).
    pub revision: u32,
    /// The version of the banner text (R7): what a decision's `notice` is when
    /// the visitor saw this policy's banner.
    pub notice_version: u32,
}

/// The policy's site, revision and notice version, without the host parsing
/// the document again; the text is borrowed from the handle.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `site_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_site(
    policy: *const samtykke_policy,
    site_out: *mut samtykke_site,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live and
        // `site_out` NULL or writable.
        let (p, site_out) = unsafe { (try_policy(policy)?, try_out(site_out)?) };
        let view = p.view();
        let doc = view.policy();
        site_out.write(samtykke_site {
            site: p.loaded.site.ptr(),
            site_len: p.loaded.site.len(),
            revision: doc.revision,
            notice_version: u32::from(doc.notice_version),
        });
        Ok(())
    })
}

/// A set of providers, a bit per provider slot (the policy's `slot`, SPEC §3):
/// slots 0 to 63 in `bits[0]`, 64 to 127 in `bits[1]`. Make one with
/// `samtykke_policy_provider_bit`, OR-ing the bits of several; all zero is the
/// empty set.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct samtykke_provider_set {
    /// The bits, low slots first.
    pub bits: [u64; 2],
}

// The one place a C bitmask and a core slot set meet, both ways. A bit naming no
// category (or provider) of the policy is `UnknownName`, as an unknown id is.

/// The core's category set of a C mask, checked against `view`.
pub(crate) fn category_set(view: &ValidPolicy<'_>, mask: u32) -> Result<CategorySet, Code> {
    let set = CategorySet::from_bits(mask);
    let declared = view.consent_slots().with(view.necessary_category().slot);
    if set.difference(declared).is_empty() {
        Ok(set)
    } else {
        Err(Code::UnknownName)
    }
}

/// The C mask of a core category set.
fn category_mask(set: CategorySet) -> u32 {
    set.bits()
}

/// The core's provider set of a C set, checked against `view`.
pub(crate) fn provider_set(
    view: &ValidPolicy<'_>,
    set: samtykke_provider_set,
) -> Result<ProviderSet, Code> {
    let set = ProviderSet::from_bits(u128::from(set.bits[0]) | (u128::from(set.bits[1]) << 64));
    if set.difference(view.provider_slots()).is_empty() {
        Ok(set)
    } else {
        Err(Code::UnknownName)
    }
}

/// The C set of a core provider set.
fn provider_bits(set: ProviderSet) -> samtykke_provider_set {
    samtykke_provider_set {
        bits: [set.bits() as u64, (set.bits() >> 64) as u64],
    }
}

/// The bit of the category `name` (`1u << slot`), for the category masks the
/// state functions take (`samtykke_state_save`, `samtykke_state_withdraw`);
/// OR the bits of several categories to choose them together.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_UNKNOWN_NAME` for an id the policy does not declare.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `name` is readable for `name_len` bytes;
/// `bit_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_category_bit(
    policy: *const samtykke_policy,
    name: *const c_char,
    name_len: usize,
    bit_out: *mut u32,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `name`
        // readable for `name_len` bytes and `bit_out` NULL or writable.
        let (p, name, bit_out) = unsafe {
            (
                try_policy(policy)?,
                try_str(name, name_len)?,
                try_out(bit_out)?,
            )
        };
        let set = p
            .view()
            .category_set(&[name])
            .map_err(|_| Code::UnknownName)?;
        bit_out.write(category_mask(set));
        Ok(())
    })
}

/// The set holding only the provider `name`, for the refused providers of
/// `samtykke_state_save`; OR the bits of several to refuse them together.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_UNKNOWN_NAME` for an id the policy does not declare.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `name` is readable for `name_len` bytes;
/// `set_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_policy_provider_bit(
    policy: *const samtykke_policy,
    name: *const c_char,
    name_len: usize,
    set_out: *mut samtykke_provider_set,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `name`
        // readable for `name_len` bytes and `set_out` NULL or writable.
        let (p, name, set_out) = unsafe {
            (
                try_policy(policy)?,
                try_str(name, name_len)?,
                try_out(set_out)?,
            )
        };
        let set = p
            .view()
            .provider_set(&[name])
            .map_err(|_| Code::UnknownName)?;
        set_out.write(provider_bits(set));
        Ok(())
    })
}
