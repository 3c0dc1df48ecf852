//! Consent states in caller storage: creating one, the events of SPEC §4 and the
//! queries on a state.

use std::ffi::c_char;

use samtykke::{
    Action, CategorySet, Code, ConsentState, Control, Ctx, CtxError, Kind, Permit, Proof,
    ProviderSet, Status, ValidPolicy,
};

use crate::boundary::{bytes, guard, notice, out, put, text, time};
use crate::policy::{policy, samtykke_policy};
use crate::seal::{open_proof, open_state, seal_proof, seal_state, PROOF_WORDS, STATE_WORDS};

/// Size in bytes of a `samtykke_state`.
pub const SAMTYKKE_STATE_SIZE: usize = 104;
/// Alignment in bytes of a `samtykke_state`.
pub const SAMTYKKE_STATE_ALIGN: usize = 8;
/// Size in bytes of a `samtykke_proof`.
pub const SAMTYKKE_PROOF_SIZE: usize = 96;
/// Alignment in bytes of a `samtykke_proof`.
pub const SAMTYKKE_PROOF_ALIGN: usize = 8;
/// Length of a consent id in bytes (128 bits).
pub const SAMTYKKE_CONSENT_ID_LEN: usize = 16;

/// One visitor's consent state, in caller storage (stack, struct field, or a
/// session store: it is plain integers, free to copy with `memcpy`).
///
/// Its words are private: write them only through this library. They carry the
/// fingerprint of the policy the state belongs to and a check word, and every
/// function checks both, so bytes that are not a state made by this library give
/// `SAMTYKKE_RESULT_STATE_INVALID` and a state of another policy (or another
/// revision of it) `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// To carry a state from one request to the next, encode it into the consent
/// cookie (`samtykke_state_to_cookie`) rather than storing these bytes: the cookie
/// survives a new policy revision; the bytes do not.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_state {
    /// Private.
    pub words: [u64; 13],
}

/// The proof record of one grant, refusal or withdrawal (SPEC §7), in caller
/// storage; sealed like `samtykke_state`. Turn it into a JSON line with
/// `samtykke_proof_to_json`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_proof {
    /// Private.
    pub words: [u64; 12],
}

const _: () = {
    assert!(std::mem::size_of::<samtykke_state>() == SAMTYKKE_STATE_SIZE);
    assert!(std::mem::align_of::<samtykke_state>() == SAMTYKKE_STATE_ALIGN);
    assert!(std::mem::size_of::<samtykke_proof>() == SAMTYKKE_PROOF_SIZE);
    assert!(std::mem::align_of::<samtykke_proof>() == SAMTYKKE_PROOF_ALIGN);
    assert!(STATE_WORDS == 13 && PROOF_WORDS == 12);
};

/// Reads and checks the state at `ptr` under `p`.
///
/// # Safety
///
/// `ptr` is NULL or readable for a `samtykke_state` (alignment not required).
pub(crate) unsafe fn load(
    p: &samtykke_policy,
    ptr: *const samtykke_state,
) -> Result<ConsentState, Code> {
    if ptr.is_null() {
        return Err(Code::NullArgument);
    }
    // SAFETY: non-NULL and readable as the caller guarantees; any bit pattern is a
    // valid `[u64; 13]`, and `read_unaligned` needs no alignment.
    let raw = unsafe { ptr.read_unaligned() };
    open_state(p.view().fingerprint(), &raw.words)
}

/// The sealed form of `s` under `p`.
pub(crate) fn sealed(p: &samtykke_policy, s: &ConsentState) -> samtykke_state {
    samtykke_state {
        words: seal_state(p.view().fingerprint(), s),
    }
}

/// Reads and checks the proof at `ptr` under `p`.
///
/// # Safety
///
/// `ptr` is NULL or readable for a `samtykke_proof` (alignment not required).
pub(crate) unsafe fn load_proof(
    p: &samtykke_policy,
    ptr: *const samtykke_proof,
) -> Result<Proof, Code> {
    if ptr.is_null() {
        return Err(Code::NullArgument);
    }
    // SAFETY: non-NULL and readable as the caller guarantees; any bit pattern is a
    // valid `[u64; 12]`.
    let raw = unsafe { ptr.read_unaligned() };
    open_proof(p.view().fingerprint(), &raw.words)
}

/// The ids in a list separated by commas or whitespace.
fn list(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|id| !id.is_empty())
}

fn categories(view: &ValidPolicy<'_>, ids: &str) -> Result<CategorySet, Code> {
    list(ids).try_fold(CategorySet::EMPTY, |set, id| {
        view.category(id)
            .map(|(_, c)| set.with(c.slot))
            .ok_or(Code::UnknownName)
    })
}

fn providers(view: &ValidPolicy<'_>, ids: &str) -> Result<ProviderSet, Code> {
    list(ids).try_fold(ProviderSet::EMPTY, |set, id| {
        view.provider(id)
            .map(|(_, p)| set.with(p.slot))
            .ok_or(Code::UnknownName)
    })
}

fn ctx(at: i64, notice_shown: u32, control: u32, gpc: bool) -> Result<Ctx, Code> {
    Ctx::new(
        time(at)?,
        notice(notice_shown)?,
        Control::try_from(control)?,
        gpc,
    )
    .map_err(CtxError::code)
}

/// Applies one event to the state at `state` and writes back the new state and,
/// when asked for and made, the proof; nothing is written unless all succeeds.
///
/// # Safety
///
/// `state` is NULL or readable and writable for a `samtykke_state`; `proof_out`
/// NULL or writable for a `samtykke_proof`.
unsafe fn apply(
    p: &samtykke_policy,
    state: *mut samtykke_state,
    proof_out: *mut samtykke_proof,
    event: impl FnOnce(&ValidPolicy<'_>, &mut ConsentState) -> Option<Proof>,
) -> Result<bool, Code> {
    // SAFETY: forwarded from the caller.
    let mut s = unsafe { load(p, state) }?;
    let proof = event(&p.view(), &mut s);
    let new = sealed(p, &s);
    // SAFETY: `state` was checked non-NULL by `load`; the caller guarantees it is
    // writable.
    unsafe { put(state, new) };
    if let (Some(proof), false) = (proof, proof_out.is_null()) {
        let sealed = samtykke_proof {
            words: seal_proof(p.view().fingerprint(), &proof),
        };
        // SAFETY: non-NULL; the caller guarantees it is writable.
        unsafe { put(proof_out, sealed) };
    }
    Ok(proof.is_some())
}

/// Creates the state of a visitor who has decided nothing (R1): no consent
/// category is granted.
///
/// - `consent_id`, `consent_id_len`: the visitor's random 128-bit consent id,
///   exactly `SAMTYKKE_CONSENT_ID_LEN` (16) bytes, big-endian; draw it from a
///   cryptographic source (`getrandom(2)`, PHP's `random_bytes(16)`).
/// - `state_out`: receives the state on success (no alignment required).
///
/// - Ownership: the state is the caller's; nothing is allocated.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: may be called from many threads at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT` for a NULL pointer;
///   `SAMTYKKE_RESULT_INVALID_ARGUMENT` for an id not 16 bytes long.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `consent_id` is readable for
/// `consent_id_len` bytes; `state_out` is writable for a `samtykke_state`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_init(
    policy: *const samtykke_policy,
    consent_id: *const u8,
    consent_id_len: usize,
    state_out: *mut samtykke_state,
) -> Code {
    guard(|| {
        let state_out = out(state_out)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let id = unsafe { bytes(consent_id, consent_id_len) }?;
        let id: [u8; SAMTYKKE_CONSENT_ID_LEN] = id.try_into().map_err(|_| Code::InvalidArgument)?;
        let s = ConsentState::new(u128::from_be_bytes(id));
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(state_out, sealed(p, &s)) };
        Ok(())
    })
}

/// Accept all: grants every consent category (R3), one decision per category.
///
/// - `at`: when, in Unix seconds (UTC).
/// - `notice`: the notice (banner text) version shown (R7), 0 to 65535.
/// - `control`: a `samtykke_control` value (`SAMTYKKE_CONTROL_BUTTON`, …).
/// - `gpc`: whether the request carried `Sec-GPC: 1` (its grants then stand
///   against later GPC signals, R22).
/// - `proof_out`: may be NULL; otherwise receives the proof record (R18).
///
/// - Ownership: `state` and `proof_out` are the caller's; nothing is allocated.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: the policy may be shared; a state must not be used by two
///   threads at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
///   for a control or notice out of range; `SAMTYKKE_RESULT_INVALID_TIME`;
///   `SAMTYKKE_RESULT_STATE_INVALID` or `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`
///   for a state that is not this policy's. On error neither output changes.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` is NULL or readable and writable
/// for a `samtykke_state`; `proof_out` is NULL or writable for a
/// `samtykke_proof`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_accept_all(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    at: i64,
    notice: u32,
    control: u32,
    gpc: bool,
    proof_out: *mut samtykke_proof,
) -> Code {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        let ctx = ctx(at, notice, control, gpc)?;
        // SAFETY: forwarded from the caller.
        unsafe { apply(p, state, proof_out, |v, s| Some(s.accept_all(v, ctx))) }.map(drop)
    })
}

/// Reject all: refuses every consent category (R8); the refusal is stored (R14)
/// and lasts the policy's `refusal_ttl_days`.
///
/// Arguments as `samtykke_state_accept_all`.
///
/// - Ownership: `state` and `proof_out` are the caller's; nothing is allocated.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: the policy may be shared; a state must not be used by two
///   threads at once.
/// - Errors: as `samtykke_state_accept_all`.
///
/// # Safety
///
/// As `samtykke_state_accept_all`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_reject_all(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    at: i64,
    notice: u32,
    control: u32,
    gpc: bool,
    proof_out: *mut samtykke_proof,
) -> Code {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        let ctx = ctx(at, notice, control, gpc)?;
        // SAFETY: forwarded from the caller.
        unsafe { apply(p, state, proof_out, |v, s| Some(s.reject_all(v, ctx))) }.map(drop)
    })
}

/// Save a choice: grants exactly the chosen categories (R3), refuses every other
/// consent category, and refuses the named providers inside the granted ones.
/// An empty choice grants nothing (R1).
///
/// - `categories`, `categories_len`: the chosen category ids, separated by
///   commas or spaces (`"functional,statistics"`); may be empty but not NULL.
/// - `refused_providers`, `refused_providers_len`: provider ids, likewise.
/// - The rest as `samtykke_state_accept_all`.
///
/// - Ownership: `state` and `proof_out` are the caller's; nothing is allocated.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: the policy may be shared; a state must not be used by two
///   threads at once.
/// - Errors: as `samtykke_state_accept_all`, and
///   `SAMTYKKE_RESULT_INVALID_UTF8` for a list that is not UTF-8,
///   `SAMTYKKE_RESULT_UNKNOWN_NAME` for an id the policy does not declare.
///
/// # Safety
///
/// As `samtykke_state_accept_all`; both lists are readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_save(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    categories: *const c_char,
    categories_len: usize,
    refused_providers: *const c_char,
    refused_providers_len: usize,
    at: i64,
    notice: u32,
    control: u32,
    gpc: bool,
    proof_out: *mut samtykke_proof,
) -> Code {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let chosen = unsafe { text(categories, categories_len) }?;
        // SAFETY: forwarded from the caller.
        let refused = unsafe { text(refused_providers, refused_providers_len) }?;
        let chosen = self::categories(&p.view(), chosen)?;
        let refused = providers(&p.view(), refused)?;
        let ctx = ctx(at, notice, control, gpc)?;
        // SAFETY: forwarded from the caller.
        unsafe {
            apply(p, state, proof_out, |v, s| {
                Some(s.save(v, chosen, refused, ctx))
            })
        }
        .map(drop)
    })
}

/// Withdraw consent for some categories (a partial refusal, R11, R12): they are
/// refused from `at`; the others keep their decisions. Never fails for a valid
/// state; withdrawing again changes nothing but the refusal's time.
///
/// - `categories`, `categories_len`: the category ids, separated by commas or
///   spaces; may be empty but not NULL. Use `samtykke_state_withdraw_all` for
///   every category. A list that names no consent category (empty, or only the
///   exempt one) refuses nothing: the state is unchanged and `proof_out` is not
///   written (SPEC §4).
/// - The rest as `samtykke_state_accept_all`.
///
/// - Ownership: `state` and `proof_out` are the caller's; nothing is allocated.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: the policy may be shared; a state must not be used by two
///   threads at once.
/// - Errors: as `samtykke_state_save`.
///
/// # Safety
///
/// As `samtykke_state_save`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_withdraw(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    categories: *const c_char,
    categories_len: usize,
    at: i64,
    notice: u32,
    control: u32,
    gpc: bool,
    proof_out: *mut samtykke_proof,
) -> Code {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let ids = unsafe { text(categories, categories_len) }?;
        let which = self::categories(&p.view(), ids)?;
        let ctx = ctx(at, notice, control, gpc)?;
        // SAFETY: forwarded from the caller.
        unsafe { apply(p, state, proof_out, |v, s| s.withdraw(v, Some(which), ctx)) }.map(drop)
    })
}

/// Withdraw consent for every consent category (R11): one call, as easy as
/// giving it.
///
/// Arguments as `samtykke_state_accept_all`.
///
/// - Ownership: `state` and `proof_out` are the caller's; nothing is allocated.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: the policy may be shared; a state must not be used by two
///   threads at once.
/// - Errors: as `samtykke_state_accept_all`.
///
/// # Safety
///
/// As `samtykke_state_accept_all`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_withdraw_all(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    at: i64,
    notice: u32,
    control: u32,
    gpc: bool,
    proof_out: *mut samtykke_proof,
) -> Code {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        let ctx = ctx(at, notice, control, gpc)?;
        // SAFETY: forwarded from the caller.
        unsafe { apply(p, state, proof_out, |v, s| s.withdraw(v, None, ctx)) }.map(drop)
    })
}

/// A Global Privacy Control signal (`Sec-GPC: 1`) at `at`: refuses the
/// categories the policy's `gpc_refuses` names (R22), except those granted by a
/// decision taken while the signal was present. Never grants.
///
/// - `proof_out`: may be NULL; receives a proof record only when the signal
///   refused something.
/// - `recorded_out`: receives whether it did (and so whether `proof_out` was
///   written).
///
/// - Ownership: `state` and `proof_out` are the caller's; nothing is allocated.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: the policy may be shared; a state must not be used by two
///   threads at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`, `SAMTYKKE_RESULT_INVALID_TIME`,
///   `SAMTYKKE_RESULT_STATE_INVALID`, `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// As `samtykke_state_accept_all`; `recorded_out` is writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_signal_gpc(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    at: i64,
    proof_out: *mut samtykke_proof,
    recorded_out: *mut bool,
) -> Code {
    guard(|| {
        let recorded_out = out(recorded_out)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        let at = time(at)?;
        // SAFETY: forwarded from the caller.
        let recorded = unsafe { apply(p, state, proof_out, |v, s| s.signal_gpc(v, at)) }?;
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(recorded_out, recorded) };
        Ok(())
    })
}

/// A gesture that is never consent (R2): `SAMTYKKE_ACTION_DISMISS`,
/// `SAMTYKKE_ACTION_SCROLL`, `SAMTYKKE_ACTION_NAVIGATE` or
/// `SAMTYKKE_ACTION_IDLE`. It grants nothing and changes nothing; the call
/// checks its arguments, so a host can route every banner event through the
/// library.
///
/// - Ownership: `state` and `proof_out` are the caller's; nothing is allocated.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: the policy may be shared; a state must not be used by two
///   threads at once.
/// - Errors: `SAMTYKKE_RESULT_INVALID_ARGUMENT` for any other action;
///   `SAMTYKKE_RESULT_NULL_ARGUMENT`, `SAMTYKKE_RESULT_INVALID_TIME`,
///   `SAMTYKKE_RESULT_STATE_INVALID`, `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` is NULL or readable and writable
/// for a `samtykke_state`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_gesture(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    action: u32,
    at: i64,
) -> Code {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        let at = time(at)?;
        let event = match Action::try_from(action)? {
            Action::Dismiss => samtykke::Event::Dismiss(at),
            Action::Scroll => samtykke::Event::Scroll(at),
            Action::Navigate => samtykke::Event::Navigate(at),
            Action::Idle => samtykke::Event::Idle(at),
            _ => return Err(Code::InvalidArgument),
        };
        // SAFETY: forwarded from the caller.
        unsafe { apply(p, state, std::ptr::null_mut(), |v, s| s.apply(v, &event)) }.map(drop)
    })
}

/// The answer of `samtykke_state_permits` and `samtykke_state_category_status`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_permit {
    /// Whether the item may be stored (or the category's items).
    pub allowed: bool,
    /// Whether a declaration covers the name; `false` means *undeclared*, which
    /// is denied (R21).
    pub declared: bool,
    /// Why not, as a `samtykke_why` value; 0 when allowed or undeclared.
    pub why: u32,
    /// The id of the item's category (NUL-terminated, owned by the policy
    /// handle); NULL when undeclared.
    pub category: *const c_char,
    /// Length of `category` in bytes (0 when NULL).
    pub category_len: usize,
}

fn permit_of(p: &samtykke_policy, id: Option<&str>, allowed: bool, why: u32) -> samtykke_permit {
    let text = id
        .and_then(|id| p.view().category(id))
        .and_then(|(i, _)| p.category_id(i));
    samtykke_permit {
        allowed,
        declared: id.is_some(),
        why,
        category: text.map_or(std::ptr::null(), |t| t.ptr()),
        category_len: text.map_or(0, |t| t.len()),
    }
}

/// Whether an item named `name` of `kind` may be stored at `now` (R4, R12, R21):
/// allowed, denied with a reason, or undeclared (denied).
///
/// - `kind`: a `samtykke_kind` value (`SAMTYKKE_KIND_COOKIE`, …).
/// - `name`, `name_len`: the item's name exactly as sent (UTF-8).
/// - `now`: Unix seconds (UTC).
/// - `permit_out`: receives the answer.
///
/// - Ownership: the category text in the answer belongs to the policy handle.
/// - Lifetime: the category text in the answer lives as long as the policy
///   handle; nothing else is kept past the call.
/// - Thread-safety: many threads may query one policy at once, each with its
///   own state (or one state only read).
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
///   for a kind out of range; `SAMTYKKE_RESULT_INVALID_UTF8`;
///   `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_STATE_INVALID`;
///   `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `name` readable for `name_len` bytes; `permit_out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_permits(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    kind: u32,
    name: *const c_char,
    name_len: usize,
    now: i64,
    permit_out: *mut samtykke_permit,
) -> Code {
    guard(|| {
        let permit_out = out(permit_out)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let s = unsafe { load(p, state) }?;
        let kind = Kind::try_from(kind)?;
        // SAFETY: forwarded from the caller.
        let name = unsafe { text(name, name_len) }?;
        let now = time(now)?;
        let permit = match s.permits_kind(&p.view(), kind, name, now) {
            Permit::Allowed { category, .. } => permit_of(p, Some(category.id), true, 0),
            Permit::Denied { category, why, .. } => {
                permit_of(p, Some(category.id), false, why as u32)
            }
            Permit::Undeclared => permit_of(p, None, false, 0),
        };
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(permit_out, permit) };
        Ok(())
    })
}

/// The standing of one category at `now` (R15, R16, R17): allowed when exempt
/// or granted and in force; otherwise denied with a reason (`undecided`,
/// `expired`, `outdated`, `refused`, `withdrawn`, `signal`).
///
/// - `category`, `category_len`: the category id.
/// - Ownership: the state is only read; the answer is the caller's.
/// - Lifetime: the category text in the answer lives as long as the policy
///   handle; nothing else is kept past the call.
/// - Thread-safety: many threads may query one policy at once, each with its
///   own state (or one state only read).
/// - Errors: as `samtykke_state_permits`, and `SAMTYKKE_RESULT_UNKNOWN_NAME` for
///   an id the policy does not declare.
///
/// # Safety
///
/// As `samtykke_state_permits`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_category_status(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    category: *const c_char,
    category_len: usize,
    now: i64,
    permit_out: *mut samtykke_permit,
) -> Code {
    guard(|| {
        let permit_out = out(permit_out)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let s = unsafe { load(p, state) }?;
        // SAFETY: forwarded from the caller.
        let id = unsafe { text(category, category_len) }?;
        let now = time(now)?;
        let view = p.view();
        let (_, c) = view.category(id).ok_or(Code::UnknownName)?;
        let permit = match s.category_status(&view, c, now) {
            Status::Exempt | Status::Granted => permit_of(p, Some(c.id), true, 0),
            Status::Denied(why) => permit_of(p, Some(c.id), false, why as u32),
        };
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(permit_out, permit) };
        Ok(())
    })
}

/// Whether the visitor must be asked at `now`: some consent category holds no
/// decision in force (never decided, lapsed, or outdated). While every consent
/// category holds one, refusals included, this is false (R15).
///
/// - Ownership: the state is only read; the answer is the caller's.
/// - Lifetime: the category text in the answer lives as long as the policy
///   handle; nothing else is kept past the call.
/// - Thread-safety: many threads may query one policy at once, each with its
///   own state (or one state only read).
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`, `SAMTYKKE_RESULT_INVALID_TIME`,
///   `SAMTYKKE_RESULT_STATE_INVALID`, `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `due_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_prompt_due(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    now: i64,
    due_out: *mut bool,
) -> Code {
    guard(|| {
        let due_out = out(due_out)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let s = unsafe { load(p, state) }?;
        let due = s.prompt_due(&p.view(), time(now)?);
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { put(due_out, due) };
        Ok(())
    })
}

/// The proof record as one JSON line (SPEC §7), without a newline:
/// `{"ts":…,"consent_id":…,"site":…,"revision":…,"notice_version":…,"action":…,
/// "control":…,"decisions":{…},"providers_refused":[…],"gpc":…,"expires":…}`.
///
/// - `buf`, `buf_len`: the output buffer; no NUL is written.
/// - `out_len`: receives the length written, or, when the buffer is too small,
///   the length needed (and nothing else is written).
///
/// - Ownership: the caller owns the buffer.
/// - Lifetime: the library keeps no pointer past the call.
/// - Thread-safety: may be called from many threads at once.
/// - Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT` (`buf` may be NULL only when
///   `buf_len` is 0); `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`;
///   `SAMTYKKE_RESULT_PROOF_INVALID` for bytes that are not a proof record;
///   `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH` for a record of another policy.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `proof` NULL or readable for a
/// `samtykke_proof`; `buf` writable for `buf_len` bytes; `out_len` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_proof_to_json(
    policy: *const samtykke_policy,
    proof: *const samtykke_proof,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        let dst = crate::boundary::OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: forwarded from the caller.
        let p = unsafe { self::policy(policy) }?;
        // SAFETY: forwarded from the caller.
        let proof = unsafe { load_proof(p, proof) }?;
        let line = samtykke_host::proof_json::proof_to_json(&p.view(), &proof);
        // SAFETY: the caller guarantees the buffer and `out_len` are writable.
        unsafe { dst.write(line.as_bytes()) }
    })
}
