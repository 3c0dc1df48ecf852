//! The deletion plan of a request (SPEC §6): the `Set-Cookie` headers that delete
//! what must go, the non-cookie storage keys for the page script to clear, and
//! the items this host cannot delete, reported rather than dropped.

use std::ffi::c_char;

use samtykke::Code;
use samtykke_host::http::{deletion_plan, parse_cookie_header};

use crate::boundary::{guard, time, try_out, try_read, try_ref, try_str, CText};
use crate::policy::{samtykke_policy, try_policy};
use crate::state::{open, samtykke_state};

/// Marks a live plan; cleared when it is freed.
const LIVE: u64 = 0x4e41_4c50_4b54_4d53; // "SMTKPLAN"

#[derive(Debug)]
struct Undeletable {
    name: CText,
    category: CText,
    domain: CText,
    reason: CText,
}

/// What must go at one request (SPEC §6), made by
/// `samtykke_state_deletion_plan` and freed with `samtykke_plan_free`. It owns
/// its texts (it does not borrow from the policy), is immutable, and may be read
/// from several threads at once.
#[derive(Debug)]
pub struct samtykke_plan {
    live: u64,
    set_cookie: Vec<CText>,
    storage_keys: Vec<(u32, CText)>,
    undeletable: Vec<Undeletable>,
}

/// The plan behind a handle pointer.
///
/// # Safety
///
/// `ptr` is NULL or a plan from `samtykke_state_deletion_plan` not yet freed.
unsafe fn try_plan<'a>(ptr: *const samtykke_plan) -> Result<&'a samtykke_plan, Code> {
    // SAFETY: a live plan is a `Box` this library made, aligned and never written
    // after it was made; the caller guarantees NULL or live.
    let plan = unsafe { try_ref(ptr) }?;
    if plan.live != LIVE {
        return Err(Code::InvalidArgument);
    }
    Ok(plan)
}

/// The deletion plan of a request at `now` (after a withdrawal, a refusal or a
/// lapse; SPEC §6, R12), for the request's `host` (a port and any case allowed)
/// and the cookies present in its raw `Cookie` header (may be empty).
///
/// - `plan_out`: receives the new plan; the caller frees it with
///   `samtykke_plan_free`. Read it with `samtykke_plan_set_cookie`,
///   `samtykke_plan_storage_key` and `samtykke_plan_undeletable` and their
///   counts.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_HEADER_INVALID` for a `Cookie` header holding a control
/// character; `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_STATE_INVALID`;
/// `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `host` and `cookie_header` readable for their lengths;
/// `plan_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_deletion_plan(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    host: *const c_char,
    host_len: usize,
    cookie_header: *const c_char,
    cookie_header_len: usize,
    now: i64,
    plan_out: *mut *mut samtykke_plan,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` NULL or live, `state` NULL
        // or readable, `host` and `cookie_header` readable for their lengths,
        // `plan_out` NULL or writable.
        let (p, raw, host, header, plan_out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_str(host, host_len)?,
                try_str(cookie_header, cookie_header_len)?,
                try_out(plan_out)?,
            )
        };
        let s = open(p, &raw)?;
        let now = time(now)?;
        let present = parse_cookie_header(header).map_err(|e| e.code())?;
        let plan = deletion_plan(&s, &p.view(), host, present.iter().map(|(n, _)| *n), now);
        let handle = Box::new(samtykke_plan {
            live: LIVE,
            set_cookie: plan.set_cookie.iter().map(|h| CText::new(h)).collect(),
            storage_keys: plan
                .storage_keys
                .iter()
                .map(|(kind, key)| (*kind as u32, CText::new(key)))
                .collect(),
            undeletable: plan
                .undeletable
                .iter()
                .map(|u| Undeletable {
                    name: CText::new(&u.name),
                    category: CText::new(&u.category),
                    domain: CText::new(&u.domain),
                    reason: CText::new(u.reason.as_str()),
                })
                .collect(),
        });
        plan_out.write(Box::into_raw(handle));
        Ok(())
    })
}

/// Frees a plan. NULL is allowed and does nothing. Every text handed out from it
/// ends here. A plan freed a second time is usually noticed by its cleared mark
/// and left alone (reading freed memory is still the caller's fault).
///
/// # Safety
///
/// `plan` is NULL or a plan from `samtykke_state_deletion_plan` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn samtykke_plan_free(plan: *mut samtykke_plan) {
    let _ = guard(|| {
        // A plan freed already (its mark cleared, or its memory reused) is
        // left alone, as a policy handle is.
        // SAFETY: this function's contract: NULL or a plan not yet freed;
        // `try_plan` reads only its mark before trusting it.
        if unsafe { try_plan(plan) }.is_err() {
            return Ok(());
        }
        // SAFETY: the caller hands back a plan made by `Box::into_raw` in
        // `samtykke_state_deletion_plan` and not yet freed, its mark checked above.
        let mut handle = unsafe { Box::from_raw(plan) };
        // SAFETY: the mark is a field of the plan this function owns: valid,
        // aligned and writable. Volatile, so the store the free makes dead is
        // kept, for the next free's check to read.
        unsafe { std::ptr::write_volatile(&mut handle.live, 0) };
        drop(handle);
        Ok(())
    });
}

/// The numbers of each part of a plan.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct samtykke_plan_counts {
    /// `Set-Cookie` header values (`samtykke_plan_set_cookie`).
    pub set_cookie: usize,
    /// Non-cookie storage keys (`samtykke_plan_storage_key`).
    pub storage_keys: usize,
    /// Items this host cannot delete (`samtykke_plan_undeletable`).
    pub undeletable: usize,
}

/// How many entries each part of the plan holds; all three are 0 when nothing
/// must go.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`.
///
/// # Safety
///
/// `plan` is a live plan or NULL; `counts_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_plan_count(
    plan: *const samtykke_plan,
    counts_out: *mut samtykke_plan_counts,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `plan` NULL or live, `counts_out`
        // NULL or writable.
        let (plan, counts_out) = unsafe { (try_plan(plan)?, try_out(counts_out)?) };
        counts_out.write(samtykke_plan_counts {
            set_cookie: plan.set_cookie.len(),
            storage_keys: plan.storage_keys.len(),
            undeletable: plan.undeletable.len(),
        });
        Ok(())
    })
}

/// The `Set-Cookie` header value at `index` (without `Set-Cookie: `), borrowed
/// from the plan: for each present cookie that must go, one host-only and one
/// per `Domain` the host reaches (up to, not including, the public suffix), each
/// with `Max-Age=0`, a past `Expires` and the declared `Path`.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for an index out of range.
///
/// # Safety
///
/// `plan` is a live plan or NULL; `value_out` and `value_len_out` are writable
/// or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_plan_set_cookie(
    plan: *const samtykke_plan,
    index: usize,
    value_out: *mut *const c_char,
    value_len_out: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `plan` NULL or live, `value_out` and
        // `value_len_out` NULL or writable.
        let (plan, value_out, value_len_out) = unsafe {
            (
                try_plan(plan)?,
                try_out(value_out)?,
                try_out(value_len_out)?,
            )
        };
        let h = plan.set_cookie.get(index).ok_or(Code::InvalidArgument)?;
        value_out.write(h.ptr());
        value_len_out.write(h.len());
        Ok(())
    })
}

/// A non-cookie item for the page script to clear, borrowed from the plan.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_storage_key {
    /// Where it is stored: a `samtykke_kind` value other than
    /// `SAMTYKKE_KIND_COOKIE`.
    pub kind: u32,
    /// Its key as declared (a pattern declaration is given as its pattern).
    pub key: *const c_char,
    /// Length of `key` in bytes.
    pub key_len: usize,
}

/// The storage key at `index`, in declaration order.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for an index out of range.
///
/// # Safety
///
/// `plan` is a live plan or NULL; `key_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_plan_storage_key(
    plan: *const samtykke_plan,
    index: usize,
    key_out: *mut samtykke_storage_key,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `plan` NULL or live, `key_out` NULL
        // or writable.
        let (plan, key_out) = unsafe { (try_plan(plan)?, try_out(key_out)?) };
        let (kind, key) = plan.storage_keys.get(index).ok_or(Code::InvalidArgument)?;
        key_out.write(samtykke_storage_key {
            kind: *kind,
            key: key.ptr(),
            key_len: key.len(),
        });
        Ok(())
    })
}

/// A present cookie that must go but that this host cannot delete, borrowed
/// from the plan.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_undeletable {
    /// The cookie's name as present.
    pub name: *const c_char,
    /// Length of `name` in bytes.
    pub name_len: usize,
    /// The id of its category.
    pub category: *const c_char,
    /// Length of `category` in bytes.
    pub category_len: usize,
    /// Its domain: the declared one, else the request host.
    pub domain: *const c_char,
    /// Length of `domain` in bytes.
    pub domain_len: usize,
    /// Why it cannot be deleted here: `outside-reach` (declared on a domain the
    /// host does not reach), `invalid-name` or `invalid-path` (not writable in a
    /// `Set-Cookie` header).
    pub reason: *const c_char,
    /// Length of `reason` in bytes.
    pub reason_len: usize,
}

/// The undeletable item at `index`.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for an index out of range.
///
/// # Safety
///
/// `plan` is a live plan or NULL; `item_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn samtykke_plan_undeletable(
    plan: *const samtykke_plan,
    index: usize,
    item_out: *mut samtykke_undeletable,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `plan` NULL or live, `item_out` NULL
        // or writable.
        let (plan, item_out) = unsafe { (try_plan(plan)?, try_out(item_out)?) };
        let u = plan.undeletable.get(index).ok_or(Code::InvalidArgument)?;
        item_out.write(samtykke_undeletable {
            name: u.name.ptr(),
            name_len: u.name.len(),
            category: u.category.ptr(),
            category_len: u.category.len(),
            domain: u.domain.ptr(),
            domain_len: u.domain.len(),
            reason: u.reason.ptr(),
            reason_len: u.reason.len(),
        });
        Ok(())
    })
}
