//! Consent states in caller storage: creating one, the events of SPEC §4 and the
//! queries on a state.

use std::ffi::c_char;

use samtykke::{Action, Code, ConsentState, Control, Ctx, CtxError, Event, Kind, Proof, Status};

use samtykke_host::consent_mode;

use crate::boundary::{
    guard, time, try_bytes, try_opt_bytes, try_opt_out, try_out, try_out_buf, try_read, try_str,
    Out,
};
use crate::policy::{
    category_set, provider_set, samtykke_policy, samtykke_provider_set, try_policy,
};
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

/// Google Consent Mode v2's `ad_storage`: its bit in the flags of
/// `samtykke_state_consent_mode`.
pub const SAMTYKKE_CONSENT_MODE_AD_STORAGE: u32 = 1 << 0;
/// `ad_user_data`'s bit.
pub const SAMTYKKE_CONSENT_MODE_AD_USER_DATA: u32 = 1 << 1;
/// `ad_personalization`'s bit.
pub const SAMTYKKE_CONSENT_MODE_AD_PERSONALIZATION: u32 = 1 << 2;
/// `analytics_storage`'s bit.
pub const SAMTYKKE_CONSENT_MODE_ANALYTICS_STORAGE: u32 = 1 << 3;
/// `functionality_storage`'s bit.
pub const SAMTYKKE_CONSENT_MODE_FUNCTIONALITY_STORAGE: u32 = 1 << 4;
/// `personalization_storage`'s bit.
pub const SAMTYKKE_CONSENT_MODE_PERSONALIZATION_STORAGE: u32 = 1 << 5;
/// `security_storage`'s bit.
pub const SAMTYKKE_CONSENT_MODE_SECURITY_STORAGE: u32 = 1 << 6;

// The header's constants are the core's bits (cbindgen needs them written out).
const _: () = {
    use samtykke::ConsentModeType as T;
    assert!(SAMTYKKE_CONSENT_MODE_AD_STORAGE == T::AdStorage.bit());
    assert!(SAMTYKKE_CONSENT_MODE_AD_USER_DATA == T::AdUserData.bit());
    assert!(SAMTYKKE_CONSENT_MODE_AD_PERSONALIZATION == T::AdPersonalization.bit());
    assert!(SAMTYKKE_CONSENT_MODE_ANALYTICS_STORAGE == T::AnalyticsStorage.bit());
    assert!(SAMTYKKE_CONSENT_MODE_FUNCTIONALITY_STORAGE == T::FunctionalityStorage.bit());
    assert!(SAMTYKKE_CONSENT_MODE_PERSONALIZATION_STORAGE == T::PersonalizationStorage.bit());
    assert!(SAMTYKKE_CONSENT_MODE_SECURITY_STORAGE == T::SecurityStorage.bit());
    assert!(T::ALL.len() == 7);
};

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

/// The state a caller's record holds, checked under `p`.
pub(crate) fn open(p: &samtykke_policy, raw: &samtykke_state) -> Result<ConsentState, Code> {
    open_state(p.view().fingerprint(), &raw.words)
}

/// The sealed form of `s` under `p`.
pub(crate) fn sealed(p: &samtykke_policy, s: &ConsentState) -> samtykke_state {
    samtykke_state {
        words: seal_state(p.view().fingerprint(), s),
    }
}

/// The circumstances of a user action from its C arguments: the one place a core
/// [`Ctx`] is made, through the core's validating [`Ctx::new`] (R7: notice 0 and
/// the `signal` control are refused).
pub(crate) fn ctx(at: i64, notice: u32, control: u32, gpc: bool) -> Result<Ctx, Code> {
    Ctx::new(
        time(at)?,
        u16::try_from(notice).map_err(|_| Code::InvalidArgument)?,
        Control::try_from(control)?,
        gpc,
    )
    .map_err(CtxError::code)
}

/// Applies `event` to the state `raw` and writes back the new state and, when
/// asked for and made, the proof; nothing is written unless all succeeds.
/// Returns whether a proof was made.
fn apply(
    p: &samtykke_policy,
    raw: &samtykke_state,
    state_out: Out<'_, samtykke_state>,
    proof_out: Option<Out<'_, samtykke_proof>>,
    event: &Event,
) -> Result<bool, Code> {
    let mut s = open(p, raw)?;
    let proof = s.apply(&p.view(), event);
    state_out.write(sealed(p, &s));
    if let (Some(proof), Some(proof_out)) = (proof, proof_out) {
        proof_out.write(samtykke_proof {
            words: seal_proof(p.view().fingerprint(), &proof),
        });
    }
    Ok(proof.is_some())
}

/// Creates the state of a visitor who has decided nothing (R1): no consent
/// category is granted.
///
/// - `consent_id`, `consent_id_len`: the visitor's random 128-bit consent id,
///   exactly `SAMTYKKE_CONSENT_ID_LEN` (16) bytes, big-endian; draw it from a
///   cryptographic source (`getrandom(2)`, PHP's `random_bytes(16)`).
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for an id not 16 bytes long.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `consent_id` is readable for
/// `consent_id_len` bytes; `state_out` is NULL or writable for a
/// `samtykke_state`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_init(
    policy: *const samtykke_policy,
    consent_id: *const u8,
    consent_id_len: usize,
    state_out: *mut samtykke_state,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live,
        // `consent_id` readable for `consent_id_len` bytes and `state_out` NULL
        // or writable.
        let (p, id, state_out) = unsafe {
            (
                try_policy(policy)?,
                try_bytes(consent_id, consent_id_len)?,
                try_out(state_out)?,
            )
        };
        let id: [u8; SAMTYKKE_CONSENT_ID_LEN] = id.try_into().map_err(|_| Code::InvalidArgument)?;
        state_out.write(sealed(p, &ConsentState::new(u128::from_be_bytes(id))));
        Ok(())
    })
}

/// Accept all: grants every consent category (R3), one decision per category.
///
/// - `state`: read, and on success replaced by the new state.
/// - `at`: when. `notice`: the notice (banner text) version shown (R7).
///   `control`: a `samtykke_control` value. `gpc`: whether the request carried
///   `Sec-GPC: 1` (its grants then stand against later GPC signals, R22).
/// - `proof_out`: optional; receives the proof record (R18).
///
/// The other events take the same arguments.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for a control or notice out of range; `SAMTYKKE_RESULT_INVALID_TIME`;
/// `SAMTYKKE_RESULT_STATE_INVALID` or `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`
/// for a state that is not this policy's.
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
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable and writable, `proof_out` NULL or writable.
        let (p, raw, state_out, proof_out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_out(state)?,
                try_opt_out(proof_out),
            )
        };
        let event = Event::AcceptAll(ctx(at, notice, control, gpc)?);
        apply(p, &raw, state_out, proof_out, &event).map(drop)
    })
}

/// Reject all: refuses every consent category (R8); the refusal is stored (R14)
/// and lasts the policy's `refusal_ttl_days`.
///
/// Arguments as `samtykke_state_accept_all`. Errors: as `samtykke_state_accept_all`.
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
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable and writable, `proof_out` NULL or writable.
        let (p, raw, state_out, proof_out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_out(state)?,
                try_opt_out(proof_out),
            )
        };
        let event = Event::RejectAll(ctx(at, notice, control, gpc)?);
        apply(p, &raw, state_out, proof_out, &event).map(drop)
    })
}

/// Save a choice: grants exactly the chosen categories (R3), refuses every other
/// consent category, and refuses the given providers inside the granted ones.
/// An empty choice grants nothing (R1).
///
/// - `categories`: the chosen categories as a mask of
///   `samtykke_policy_category_bit` bits (0: none).
/// - `refused_providers`: optional (NULL: none); a set of
///   `samtykke_policy_provider_bit` bits.
/// - The rest as `samtykke_state_accept_all`.
///
/// Errors: as `samtykke_state_accept_all`, and `SAMTYKKE_RESULT_UNKNOWN_NAME`
/// for a bit that names no category or provider of the policy.
///
/// # Safety
///
/// As `samtykke_state_accept_all`; `refused_providers` is NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_save(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    categories: u32,
    refused_providers: *const samtykke_provider_set,
    at: i64,
    notice: u32,
    control: u32,
    gpc: bool,
    proof_out: *mut samtykke_proof,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable and writable, `refused_providers` NULL or readable
        // (any bits are a valid set), `proof_out` NULL or writable.
        let (p, raw, state_out, refused, proof_out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_out(state)?,
                try_read(refused_providers).unwrap_or_default(),
                try_opt_out(proof_out),
            )
        };
        let view = p.view();
        let event = Event::Save {
            chosen: category_set(&view, categories)?,
            refused_providers: provider_set(&view, refused)?,
            ctx: ctx(at, notice, control, gpc)?,
        };
        apply(p, &raw, state_out, proof_out, &event).map(drop)
    })
}

/// Withdraw consent for some categories (a partial refusal, R11, R12): they are
/// refused from `at`; the others keep their decisions. Withdrawing again
/// changes nothing but the refusal's time.
///
/// - `categories`: a mask of `samtykke_policy_category_bit` bits. A mask that
///   names no consent category (0, or only the exempt one) refuses nothing: the
///   state is unchanged and `proof_out` is not written (SPEC §4). Use
///   `samtykke_state_withdraw_all` for every category.
/// - `recorded_out`: optional (NULL); receives whether the withdrawal refused
///   something (and so whether `proof_out` was written).
/// - The rest as `samtykke_state_accept_all`.
///
/// Errors: as `samtykke_state_save`.
///
/// # Safety
///
/// As `samtykke_state_accept_all`; `recorded_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_withdraw(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    categories: u32,
    at: i64,
    notice: u32,
    control: u32,
    gpc: bool,
    proof_out: *mut samtykke_proof,
    recorded_out: *mut bool,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable and writable, `proof_out` and `recorded_out` NULL
        // or writable.
        let (p, raw, state_out, proof_out, recorded_out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_out(state)?,
                try_opt_out(proof_out),
                try_opt_out(recorded_out),
            )
        };
        let event = Event::Withdraw {
            categories: Some(category_set(&p.view(), categories)?),
            ctx: ctx(at, notice, control, gpc)?,
        };
        let recorded = apply(p, &raw, state_out, proof_out, &event)?;
        if let Some(out) = recorded_out {
            out.write(recorded);
        }
        Ok(())
    })
}

/// Withdraw consent for every consent category (R11): one call, as easy as
/// giving it. A policy with no consent category has nothing to withdraw: the
/// state is unchanged and `proof_out` is not written.
///
/// - `recorded_out`: optional (NULL); receives whether the withdrawal refused
///   something (and so whether `proof_out` was written).
/// - The rest as `samtykke_state_accept_all`.
///
/// Errors: as `samtykke_state_accept_all`.
///
/// # Safety
///
/// As `samtykke_state_accept_all`; `recorded_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_withdraw_all(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    at: i64,
    notice: u32,
    control: u32,
    gpc: bool,
    proof_out: *mut samtykke_proof,
    recorded_out: *mut bool,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable and writable, `proof_out` and `recorded_out` NULL
        // or writable.
        let (p, raw, state_out, proof_out, recorded_out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_out(state)?,
                try_opt_out(proof_out),
                try_opt_out(recorded_out),
            )
        };
        let event = Event::Withdraw {
            categories: None,
            ctx: ctx(at, notice, control, gpc)?,
        };
        let recorded = apply(p, &raw, state_out, proof_out, &event)?;
        if let Some(out) = recorded_out {
            out.write(recorded);
        }
        Ok(())
    })
}

/// A Global Privacy Control signal (`Sec-GPC: 1`) at `at`: refuses the
/// categories the policy's `gpc_refuses` names (R22), except those granted by a
/// decision taken while the signal was present. Never grants.
///
/// - `proof_out`: optional; receives a proof record only when the signal
///   refused something.
/// - `recorded_out`: receives whether it did (and so whether `proof_out` was
///   written).
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`, `SAMTYKKE_RESULT_INVALID_TIME`,
/// `SAMTYKKE_RESULT_STATE_INVALID`, `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// As `samtykke_state_accept_all`; `recorded_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_signal_gpc(
    policy: *const samtykke_policy,
    state: *mut samtykke_state,
    at: i64,
    proof_out: *mut samtykke_proof,
    recorded_out: *mut bool,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable and writable, `proof_out` and `recorded_out` NULL or
        // writable.
        let (p, raw, state_out, proof_out, recorded_out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_out(state)?,
                try_opt_out(proof_out),
                try_out(recorded_out)?,
            )
        };
        let event = Event::SignalGpc(time(at)?);
        recorded_out.write(apply(p, &raw, state_out, proof_out, &event)?);
        Ok(())
    })
}

/// A gesture that is never consent (R2): `SAMTYKKE_ACTION_DISMISS`,
/// `SAMTYKKE_ACTION_SCROLL`, `SAMTYKKE_ACTION_NAVIGATE` or
/// `SAMTYKKE_ACTION_IDLE`. It grants nothing and changes nothing; the call
/// checks its arguments, so a host can route every banner event through the
/// library.
///
/// Errors: `SAMTYKKE_RESULT_INVALID_ARGUMENT` for any other action;
/// `SAMTYKKE_RESULT_NULL_ARGUMENT`, `SAMTYKKE_RESULT_INVALID_TIME`,
/// `SAMTYKKE_RESULT_STATE_INVALID`, `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
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
        // SAFETY: this function's contract: `policy` is NULL or live and `state`
        // NULL or readable and writable.
        let (p, raw, state_out) =
            unsafe { (try_policy(policy)?, try_read(state)?, try_out(state)?) };
        let at = time(at)?;
        let event = match Action::try_from(action)? {
            Action::Dismiss => Event::Dismiss(at),
            Action::Scroll => Event::Scroll(at),
            Action::Navigate => Event::Navigate(at),
            Action::Idle => Event::Idle(at),
            _ => return Err(Code::InvalidArgument),
        };
        apply(p, &raw, state_out, None, &event).map(drop)
    })
}

/// The answer of `samtykke_state_permits` and `samtykke_state_category_status`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct samtykke_permit {
    /// Whether the item may be stored (or the category's items).
    pub allowed: bool,
    /// Whether it is allowed because its category is exempt (`necessary`, R4)
    /// rather than granted.
    pub exempt: bool,
    /// Whether a declaration covers the name; `false` means *undeclared*, which
    /// is denied (R21).
    pub declared: bool,
    /// Whether `why` means no decision is in force for the category (undecided,
    /// expired or outdated: the visitor is to be asked), as against a decision
    /// that denies (refused, withdrawn, a signal, a provider refused). The
    /// core's grouping, for a settings page that shows "not decided" apart
    /// from "refused".
    pub undecided: bool,
    /// Why not, as a `samtykke_why` value; 0 when allowed or undeclared.
    pub why: u32,
    /// The id of the item's category, borrowed from the policy handle; NULL when
    /// undeclared.
    pub category: *const c_char,
    /// Length of `category` in bytes (0 when NULL).
    pub category_len: usize,
}

/// The answer for a declared item or a category `id`, from the core's status.
fn permit_of(p: &samtykke_policy, id: &str, status: Status) -> samtykke_permit {
    let text = p.view().category(id).and_then(|(i, _)| p.category_id(i));
    let (allowed, exempt, why) = match status {
        Status::Exempt => (true, true, 0),
        Status::Granted => (true, false, 0),
        Status::Denied(why) => (false, false, why as u32),
    };
    samtykke_permit {
        allowed,
        exempt,
        declared: true,
        undecided: matches!(status, Status::Denied(why) if why.is_undecided()),
        why,
        category: text.map_or(std::ptr::null(), |t| t.ptr()),
        category_len: text.map_or(0, |t| t.len()),
    }
}

/// Whether an item named `name` of `kind` (a `samtykke_kind` value) may be
/// stored at `now` (R4, R12, R21): allowed, denied with a reason, or undeclared
/// (denied). `name` is the item's name exactly as sent.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for a kind out of range; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_STATE_INVALID`;
/// `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
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
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable, `name` readable for `name_len` bytes, `permit_out`
        // NULL or writable.
        let (p, raw, name, permit_out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_str(name, name_len)?,
                try_out(permit_out)?,
            )
        };
        let s = open(p, &raw)?;
        let kind = Kind::try_from(kind)?;
        let now = time(now)?;
        let view = p.view();
        let permit = s.permits_kind(&view, kind, name, now);
        permit_out.write(match (permit.category(), permit.status()) {
            (Some(category), Some(status)) => permit_of(p, category.id, status),
            _ => samtykke_permit {
                allowed: false,
                exempt: false,
                declared: false,
                undecided: false,
                why: 0,
                category: std::ptr::null(),
                category_len: 0,
            },
        });
        Ok(())
    })
}

/// The standing of the category `category` (its id) at `now` (R15, R16, R17):
/// allowed when exempt or granted and in force; otherwise denied with a reason
/// (`undecided`, `expired`, `outdated`, `refused`, `withdrawn`, `signal`).
///
/// Errors: as `samtykke_state_permits`, and `SAMTYKKE_RESULT_UNKNOWN_NAME` for
/// an id the policy does not declare.
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
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable, `category` readable for `category_len` bytes,
        // `permit_out` NULL or writable.
        let (p, raw, id, permit_out) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_str(category, category_len)?,
                try_out(permit_out)?,
            )
        };
        let s = open(p, &raw)?;
        let now = time(now)?;
        let view = p.view();
        let (_, c) = view.category(id).ok_or(Code::UnknownName)?;
        permit_out.write(permit_of(p, c.id, s.category_status(&view, c, now)));
        Ok(())
    })
}

/// Whether the visitor must be asked at `now`: some consent category holds no
/// decision in force (never decided, lapsed, or outdated). While every consent
/// category holds one, refusals included, this is false (R15).
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`, `SAMTYKKE_RESULT_INVALID_TIME`,
/// `SAMTYKKE_RESULT_STATE_INVALID`, `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
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
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable, `due_out` NULL or writable.
        let (p, raw, due_out) =
            unsafe { (try_policy(policy)?, try_read(state)?, try_out(due_out)?) };
        let s = open(p, &raw)?;
        due_out.write(s.prompt_due(&p.view(), time(now)?));
        Ok(())
    })
}

/// What a consent state records (SPEC §4), as `samtykke_state_describe` gives it:
/// for a settings page ("your consent id …, given on …"), a host's own records,
/// or a check of a decoded cookie. The same as the Python `ConsentState`'s
/// attributes of these names; each category's decision is
/// `samtykke_state_category_status`'s.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct samtykke_state_info {
    /// The visitor's random consent id, `SAMTYKKE_CONSENT_ID_LEN` bytes (written
    /// as 32 lowercase hex digits in proof records and logs). The length is
    /// written out: PHP's `FFI::cdef` reads no macro.
    pub consent_id: [u8; 16],
    /// Whether a full decision (`accept_all`, `reject_all`, `save`) is recorded.
    pub decided: bool,
    /// Its time, in Unix seconds; 0 when `decided` is false.
    pub decided_at: i64,
    /// The policy revision it was taken under; 0 when `decided` is false.
    pub revision: u32,
    /// Whether a partial refusal (a withdrawal, a GPC signal) is kept.
    pub partial_refusal: bool,
    /// Its time, in Unix seconds; 0 when `partial_refusal` is false.
    pub partial_refusal_at: i64,
    /// Whether any decision is recorded: `action`, `control` and
    /// `notice_version` are the last one's, and 0 when this is false.
    pub has_action: bool,
    /// The last decision's action, a `samtykke_action` value.
    pub action: u32,
    /// The control it was made with, a `samtykke_control` value.
    pub control: u32,
    /// The notice version shown at it.
    pub notice_version: u32,
    /// Whether the last full decision was taken under a GPC signal.
    pub gpc: bool,
    /// Whether some consent category holds a decision that lapses (R16).
    pub expires: bool,
    /// When the first of them lapses, in Unix seconds: when the visitor is to
    /// be asked again; 0 when `expires` is false.
    pub expires_at: i64,
}

const _: () = assert!(SAMTYKKE_CONSENT_ID_LEN == 16);

/// What `state` records: its consent id, its last full decision (time,
/// revision, GPC flag), its kept partial refusal, its last decision's action,
/// control and notice version, and when its first decision lapses. Times are
/// Unix seconds; each "whether" field says if the fields after it hold a value.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`, `SAMTYKKE_RESULT_STATE_INVALID`,
/// `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `info_out` NULL or writable for a `samtykke_state_info`.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_describe(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    info_out: *mut samtykke_state_info,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable, `info_out` NULL or writable.
        let (p, raw, info_out) =
            unsafe { (try_policy(policy)?, try_read(state)?, try_out(info_out)?) };
        let s = open(p, &raw)?;
        let secs = |t: Option<time::OffsetDateTime>| t.map_or(0, |t| t.unix_timestamp());
        let expires = s.expires(&p.view());
        info_out.write(samtykke_state_info {
            consent_id: s.consent_id().to_be_bytes(),
            decided: s.decided_at().is_some(),
            decided_at: secs(s.decided_at()),
            revision: s.decided_at().map_or(0, |_| s.decided_revision()),
            partial_refusal: s.partial_at().is_some(),
            partial_refusal_at: secs(s.partial_at()),
            has_action: s.action().is_some(),
            action: s.action().map_or(0, |a| a as u32),
            control: s.action().map_or(0, |_| s.control() as u32),
            notice_version: s.action().map_or(0, |_| u32::from(s.notice())),
            gpc: s.gpc(),
            expires: expires.is_some(),
            expires_at: secs(expires),
        });
        Ok(())
    })
}

/// Google Consent Mode v2 (SPEC §16): which of the seven types are granted at
/// `now`, as a mask of the `SAMTYKKE_CONSENT_MODE_*` bits. A type is granted when
/// the policy's `consent_mode` maps it to a category that is granted (in force:
/// not lapsed, not outdated) or exempt at `now`; unmapped types are denied.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`, `SAMTYKKE_RESULT_INVALID_TIME`,
/// `SAMTYKKE_RESULT_STATE_INVALID`, `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `flags_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_consent_mode(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    now: i64,
    flags_out: *mut u32,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable, `flags_out` NULL or writable.
        let (p, raw, flags_out) =
            unsafe { (try_policy(policy)?, try_read(state)?, try_out(flags_out)?) };
        let s = open(p, &raw)?;
        flags_out.write(s.consent_mode(&p.view(), time(now)?).bits());
        Ok(())
    })
}

/// Google Consent Mode v2's `<script>` elements for the page's `<head>`, before
/// any Google tag (SPEC §16): the `gtag('consent','default',…)` call (every type
/// denied but those the exempt category holds, `wait_for_update`), then the
/// `…'update'…` call from the state at `now`, as the library writes them for
/// every host. Nothing (length 0) when the policy maps no Consent Mode type.
///
/// - `nonce`, `nonce_len`: a Content Security Policy nonce for the elements'
///   `nonce` attribute, or NULL and 0 for none; only the characters of a base64
///   or base64url value (`A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`, `-`, `_`, `=`).
/// - `buf`, `buf_len`, `out_len`: the output buffer (no NUL is written);
///   `out_len` receives the length written, or the length needed when the buffer
///   is too small.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for a nonce with another character; `SAMTYKKE_RESULT_INVALID_TIME`;
/// `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`; `SAMTYKKE_RESULT_STATE_INVALID`;
/// `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `nonce` NULL or readable for `nonce_len` bytes; `buf`
/// writable for `buf_len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_consent_mode_scripts(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    now: i64,
    nonce: *const c_char,
    nonce_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` is NULL or live, `state`
        // NULL or readable, `nonce` NULL or readable for `nonce_len` bytes, `buf`
        // writable for `buf_len` bytes, `out_len` NULL or writable.
        let (p, raw, nonce, dst) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_opt_bytes(nonce.cast(), nonce_len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let s = open(p, &raw)?;
        let out = consent_mode::head_scripts(&p.view(), &s, time(now)?, nonce)
            .map_err(|_| Code::InvalidArgument)?;
        dst.write(out.as_bytes())
    })
}

/// The proof record as one JSON line (SPEC §7), without a newline:
/// `{"ts":…,"consent_id":…,"site":…,"revision":…,"notice_version":…,"action":…,
/// "control":…,"decisions":{…},"providers_refused":[…],"gpc":…,"expires":…}`.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`;
/// `SAMTYKKE_RESULT_PROOF_INVALID` for bytes that are not a proof record;
/// `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH` for a record of another policy.
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
        // SAFETY: this function's contract: `policy` is NULL or live, `proof`
        // NULL or readable, `buf` writable for `buf_len` bytes, `out_len` NULL
        // or writable.
        let (p, raw, dst) = unsafe {
            (
                try_policy(policy)?,
                try_read(proof)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let proof: Proof = open_proof(p.view().fingerprint(), &raw.words)?;
        dst.write(samtykke_host::proof_json::proof_to_json(&p.view(), &proof).as_bytes())
    })
}
