//! A consent state as JSON: what it stores, and how it stands at a moment. This is
//! what `samtykke decode` prints and the demonstration shows; a host can log or
//! return it as it is.
//!
//! ```
//! use samtykke::{ConsentState, Ctx};
//! use samtykke_host::state_json::StateView;
//! use time::macros::datetime;
//!
//! let mut index = [0u16; 16];
//! let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
//! let t0 = datetime!(2026-03-01 10:00 UTC);
//! let mut state = ConsentState::new(0x1234);
//! state.reject_all(&policy, Ctx::button(t0, 1));
//! let json = serde_json::to_value(StateView::new(&policy, &state, t0)).unwrap();
//! assert_eq!(json["consent_id"], "00000000000000000000000000001234");
//! assert_eq!(json["decisions"]["statistics"], "refused");
//! assert_eq!(json["prompt_due_now"], false);
//! ```

use samtykke::{ConsentId, ConsentState, ValidPolicy};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::time::format_rfc3339;

/// A serde view of `state` under `policy` at `now` (`null` where Python's
/// `ConsentState` gives `None`): `consent_id` (hex),
/// `decided_at`, `revision`, `partial_refusal_at`, `partial_refusal_revision`,
/// `notice_version`, `action`, `control`, `gpc`, `decisions` (each category's stored
/// decision), `providers_refused`, `expires`, `now`, `status_now` (each category's
/// status at `now`) and `prompt_due_now`. Times are RFC 3339, UTC.
#[derive(Debug, Clone, Copy)]
pub struct StateView<'v, 'p> {
    policy: &'v ValidPolicy<'p>,
    state: &'v ConsentState,
    now: OffsetDateTime,
}

impl<'v, 'p> StateView<'v, 'p> {
    /// The view of `state` under `policy` at `now`.
    pub fn new(policy: &'v ValidPolicy<'p>, state: &'v ConsentState, now: OffsetDateTime) -> Self {
        StateView { policy, state, now }
    }

    /// The view as a JSON value.
    pub fn to_value(&self) -> Value {
        let (policy, state, now) = (self.policy, self.state, self.now);
        let p = policy.policy();
        let mut decisions = Map::new();
        let mut status = Map::new();
        for c in p.categories {
            decisions.insert(c.id.into(), state.stored_status(c).as_str().into());
            status.insert(
                c.id.into(),
                state.category_status(policy, c, now).as_str().into(),
            );
        }
        let providers: Vec<&str> = policy.provider_ids(state.providers_refused()).collect();
        json!({
            "consent_id": ConsentId(state.consent_id()).to_string(),
            "decided_at": state.decided_at().map(format_rfc3339),
            "revision": state.decided_at().map(|_| state.decided_revision()),
            "partial_refusal_at": state.partial_at().map(format_rfc3339),
            "partial_refusal_revision": state.partial_at().map(|_| state.partial_revision()),
            "notice_version": state.action().map(|_| state.notice()),
            "action": state.action().map(|a| a.as_str()),
            "control": state.action().map(|_| state.control().as_str()),
            "gpc": state.gpc(),
            "decisions": decisions,
            "providers_refused": providers,
            "expires": state.expires(policy).map(format_rfc3339),
            "now": format_rfc3339(now),
            "status_now": status,
            "prompt_due_now": state.prompt_due(policy, now),
        })
    }
}

impl Serialize for StateView<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

/// The consent cookie's value in `text`: the text itself, or what follows
/// `NAME=` when it was copied from a `Cookie` header with the policy's cookie
/// name, trimmed.
pub fn consent_cookie_value<'t>(policy: &ValidPolicy<'_>, text: &'t str) -> &'t str {
    text.strip_prefix(policy.policy().consent_cookie.name)
        .and_then(|v| v.strip_prefix('='))
        .unwrap_or(text)
        .trim()
}
