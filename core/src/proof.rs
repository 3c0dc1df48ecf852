//! Proof records (R18) and how long they must be kept (R19).

use time::OffsetDateTime;

use crate::policy::ValidPolicy;
use crate::sets::{CategorySet, ProviderSet};
use crate::state::{from_secs, Action, Control};

/// The record of one grant, refusal or withdrawal (GDPR Art. 7(1)).
///
/// A full decision (`accept_all`, `reject_all`, `save`) lists every consent
/// category in `granted` or `refused`; a partial refusal (`withdraw`, a GPC
/// signal) lists the categories it refused. Replaying a visitor's records in order
/// with [`crate::ConsentState::replay`] gives exactly the visitor's state. A
/// record holds no IP address and no user agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Proof {
    /// When the decision was taken (whole seconds, UTC).
    pub at: OffsetDateTime,
    /// The visitor's consent id.
    pub consent_id: u128,
    /// Policy revision in force.
    pub revision: u32,
    /// Notice version shown.
    pub notice: u16,
    /// What the visitor did.
    pub action: Action,
    /// With which control.
    pub control: Control,
    /// Categories granted.
    pub granted: CategorySet,
    /// Categories refused or withdrawn.
    pub refused: CategorySet,
    /// Providers refused inside granted categories.
    pub providers_refused: ProviderSet,
    /// Whether the visitor's GPC signal was present.
    pub gpc: bool,
    /// The earliest time one of the visitor's decisions lapses after this one.
    pub expires: Option<OffsetDateTime>,
}

/// When the decision that `records[index]` proves stopped being in force: the
/// next full decision after it, or the lapse of the last of its own decisions,
/// whichever comes first; `None` if `index` is out of range. Records must be one
/// visitor's, in time order.
///
/// A partial refusal's refusals lapse with the latest partial refusal before the
/// next full decision, since the state keeps them under that one's time; a partial
/// refusal that refused nothing ended when it was made.
pub fn proof_ended_at(
    policy: &ValidPolicy<'_>,
    records: &[Proof],
    index: usize,
) -> Option<OffsetDateTime> {
    let record = records.get(index)?;
    let at = record.at.unix_timestamp();
    let until = records[index + 1..]
        .iter()
        .position(|r| r.action.is_full_decision())
        .map_or(records.len(), |k| index + 1 + k);
    let lapse = if record.action.is_full_decision() {
        let grant = if record.granted.is_empty() {
            i64::MIN
        } else {
            at.saturating_add(policy.facts_consent_secs())
        };
        let refusal = if record.refused.is_empty() {
            i64::MIN
        } else {
            at.saturating_add(policy.facts_refusal_secs())
        };
        let latest = grant.max(refusal);
        if latest == i64::MIN {
            at.saturating_add(policy.facts_consent_secs().max(policy.facts_refusal_secs()))
        } else {
            latest
        }
    } else if record.refused.is_empty() {
        // A partial refusal of nothing decided nothing.
        at
    } else {
        // Partial refusals since the last full decision share the latest one's time
        // (see `ConsentState`): a later partial refusal made while this one's
        // refusals were still in force carries them on under its own time; one
        // made after they lapsed finds them undecided, and they stay so.
        let mut lapse = at.saturating_add(policy.facts_refusal_secs());
        for r in records[index + 1..until]
            .iter()
            .filter(|r| !r.refused.is_empty())
        {
            let t = r.at.unix_timestamp();
            if t >= lapse {
                break;
            }
            lapse = lapse.max(t.saturating_add(policy.facts_refusal_secs()));
        }
        lapse
    };
    let superseded = records.get(until).map(|r| r.at.unix_timestamp());
    Some(from_secs(superseded.map_or(lapse, |s| s.min(lapse))))
}

/// Whether `records[index]` may be purged at `now` (R19): only once the decision
/// it proves is no longer in force *and* `proof_retention_days` have passed since.
pub fn may_purge(
    policy: &ValidPolicy<'_>,
    records: &[Proof],
    index: usize,
    now: OffsetDateTime,
) -> bool {
    let Some(ended) = proof_ended_at(policy, records, index) else {
        return false;
    };
    let keep = i64::from(policy.policy().proof_retention_days) * crate::SECONDS_PER_DAY;
    now.unix_timestamp() >= ended.unix_timestamp().saturating_add(keep)
}
