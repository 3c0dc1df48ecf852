//! Consent states and proof records in caller storage: plain integers, sealed.
//!
//! A C caller keeps a state as bytes it may copy, store, or overwrite by mistake.
//! Each record therefore starts with a magic word (what it is and its layout
//! version), carries the fingerprint of the policy it belongs to, and ends with a
//! check word over everything before it. Reading one back checks all three, then
//! lets the core check the integers themselves ([`ConsentState::from_parts`]), so
//! garbage, a truncated copy or another policy's state is an error code, never a
//! wrong answer and never undefined behaviour.

use samtykke::{Action, CategorySet, Code, ConsentState, Control, Proof, ProviderSet, StateParts};

use crate::boundary::time;

/// "SMTS", layout 1.
const STATE_MAGIC: u64 = 0x5354_4d53 | (1 << 32);
/// "SMTP", layout 1.
const PROOF_MAGIC: u64 = 0x5054_4d53 | (1 << 32);

/// Words of a sealed state: magic, fingerprint, ten of data, check.
pub(crate) const STATE_WORDS: usize = 13;
/// Words of a sealed proof record: magic, fingerprint, nine of data, check.
pub(crate) const PROOF_WORDS: usize = 12;

/// A check word over `words`, seeded by the magic so a state never passes as a
/// proof. Not a MAC: it catches accidents, not forgery (the caller owns the bytes).
fn check(words: &[u64]) -> u64 {
    words.iter().fold(0x243f_6a88_85a3_08d3, |h, &w| {
        let h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^ (h >> 29)
    })
}

fn hi(n: u128) -> u64 {
    (n >> 64) as u64
}

fn lo(n: u128) -> u64 {
    n as u64
}

fn join(hi: u64, lo: u64) -> u128 {
    (u128::from(hi) << 64) | u128::from(lo)
}

fn pair(a: u32, b: u32) -> u64 {
    u64::from(a) | (u64::from(b) << 32)
}

fn split(w: u64) -> (u32, u32) {
    (w as u32, (w >> 32) as u32)
}

/// Seals a state under the policy fingerprint `fp`.
pub(crate) fn seal_state(fp: u64, s: &ConsentState) -> [u64; STATE_WORDS] {
    let p = s.to_parts();
    let mut w = [
        STATE_MAGIC,
        fp,
        hi(p.consent_id),
        lo(p.consent_id),
        hi(p.providers_refused),
        lo(p.providers_refused),
        p.decided_at as u64,
        p.partial_at as u64,
        pair(p.granted, p.refused),
        pair(p.withdrawn, p.signalled),
        pair(p.decided_revision, p.partial_revision),
        pair(p.flags, u32::from(p.notice)),
        0,
    ];
    w[STATE_WORDS - 1] = check(&w[..STATE_WORDS - 1]);
    w
}

/// Opens a sealed state, for the policy fingerprint `fp`.
pub(crate) fn open_state(fp: u64, w: &[u64; STATE_WORDS]) -> Result<ConsentState, Code> {
    if w[0] != STATE_MAGIC || w[STATE_WORDS - 1] != check(&w[..STATE_WORDS - 1]) {
        return Err(Code::StateInvalid);
    }
    if w[1] != fp {
        return Err(Code::StatePolicyMismatch);
    }
    let (granted, refused) = split(w[8]);
    let (withdrawn, signalled) = split(w[9]);
    let (decided_revision, partial_revision) = split(w[10]);
    let (flags, notice) = split(w[11]);
    let parts = StateParts {
        consent_id: join(w[2], w[3]),
        granted,
        refused,
        withdrawn,
        signalled,
        providers_refused: join(w[4], w[5]),
        decided_at: w[6] as i64,
        decided_revision,
        partial_at: w[7] as i64,
        partial_revision,
        notice: u16::try_from(notice).map_err(|_| Code::StateInvalid)?,
        flags,
    };
    ConsentState::from_parts(&parts).ok_or(Code::StateInvalid)
}

const GPC: u32 = 1 << 16;
const HAS_EXPIRES: u32 = 1 << 17;

/// Seals a proof record under the policy fingerprint `fp`.
pub(crate) fn seal_proof(fp: u64, p: &Proof) -> [u64; PROOF_WORDS] {
    let flags = p.action as u32
        | (p.control as u32) << 8
        | if p.gpc { GPC } else { 0 }
        | if p.expires.is_some() { HAS_EXPIRES } else { 0 };
    let mut w = [
        PROOF_MAGIC,
        fp,
        hi(p.consent_id),
        lo(p.consent_id),
        hi(p.providers_refused.bits()),
        lo(p.providers_refused.bits()),
        p.at.unix_timestamp() as u64,
        p.expires.map_or(0, |t| t.unix_timestamp() as u64),
        pair(p.granted.bits(), p.refused.bits()),
        pair(p.revision, u32::from(p.notice)),
        u64::from(flags),
        0,
    ];
    w[PROOF_WORDS - 1] = check(&w[..PROOF_WORDS - 1]);
    w
}

/// Opens a sealed proof record, for the policy fingerprint `fp`.
pub(crate) fn open_proof(fp: u64, w: &[u64; PROOF_WORDS]) -> Result<Proof, Code> {
    let invalid = Code::ProofInvalid;
    if w[0] != PROOF_MAGIC || w[PROOF_WORDS - 1] != check(&w[..PROOF_WORDS - 1]) {
        return Err(invalid);
    }
    if w[1] != fp {
        return Err(Code::StatePolicyMismatch);
    }
    let (granted, refused) = split(w[8]);
    let (revision, notice) = split(w[9]);
    let flags = u32::try_from(w[10]).map_err(|_| invalid)?;
    if flags & !(0xffff | GPC | HAS_EXPIRES) != 0 {
        return Err(invalid);
    }
    let action = Action::try_from(flags & 0xff).map_err(|_| invalid)?;
    let control = Control::try_from((flags >> 8) & 0xff).map_err(|_| invalid)?;
    let expires = if flags & HAS_EXPIRES != 0 {
        Some(time(w[7] as i64).map_err(|_| invalid)?)
    } else if w[7] != 0 {
        return Err(invalid);
    } else {
        None
    };
    Ok(Proof {
        at: time(w[6] as i64).map_err(|_| invalid)?,
        consent_id: join(w[2], w[3]),
        revision,
        notice: u16::try_from(notice).map_err(|_| invalid)?,
        action,
        control,
        granted: CategorySet::from_bits(granted),
        refused: CategorySet::from_bits(refused),
        providers_refused: ProviderSet::from_bits(join(w[4], w[5])),
        gpc: flags & GPC != 0,
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use samtykke::Ctx;
    use time::macros::datetime;

    #[test]
    fn a_sealed_state_opens_only_intact_and_under_its_policy() {
        let mut index = [0u16; 16];
        let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
        let mut s = ConsentState::new(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        let t = datetime!(2026-03-01 10:00 UTC);
        s.accept_all(&policy, Ctx::button(t, 1));
        let stats = policy.category_set(&["statistics"]).unwrap();
        s.withdraw(&policy, Some(stats), Ctx::button(t, 1));
        let fp = policy.fingerprint();
        let w = seal_state(fp, &s);
        assert_eq!(open_state(fp, &w), Ok(s));
        assert_eq!(open_state(fp ^ 1, &w), Err(Code::StatePolicyMismatch));
        for i in 0..STATE_WORDS {
            for bit in [0, 17, 63] {
                let mut bad = w;
                bad[i] ^= 1 << bit;
                assert_eq!(
                    open_state(fp, &bad),
                    Err(Code::StateInvalid),
                    "word {i} bit {bit}"
                );
            }
        }
        assert_eq!(open_state(fp, &[0; STATE_WORDS]), Err(Code::StateInvalid));
    }

    #[test]
    fn a_sealed_proof_round_trips_and_is_not_a_state() {
        let mut index = [0u16; 16];
        let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
        let mut s = ConsentState::new(42);
        let t = datetime!(2026-03-01 10:00 UTC);
        let proof = s.reject_all(&policy, Ctx::button(t, 1));
        let fp = policy.fingerprint();
        let w = seal_proof(fp, &proof);
        assert_eq!(open_proof(fp, &w), Ok(proof));
        let mut as_state = [0u64; STATE_WORDS];
        as_state[..PROOF_WORDS].copy_from_slice(&w);
        assert_eq!(open_state(fp, &as_state), Err(Code::StateInvalid));
    }
}
