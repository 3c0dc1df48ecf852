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

use samtykke::{Category, ConsentId, ConsentState, ValidPolicy};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;
use time::OffsetDateTime;

use crate::time::rfc3339_bytes;

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
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// ASCII bytes as a JSON string.
struct Ascii<'b>(&'b [u8]);

impl Serialize for Ascii<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(std::str::from_utf8(self.0).unwrap_or_default())
    }
}

/// A time as RFC 3339 ([`crate::time::format_rfc3339`]), written from the stack.
struct Time(OffsetDateTime);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Ascii(&rfc3339_bytes(self.0)).serialize(s)
    }
}

/// Each category's id with a status word, as a JSON object.
struct Statuses<'v, 'p, F> {
    policy: &'v ValidPolicy<'p>,
    status: F,
}

impl<F> Serialize for Statuses<'_, '_, F>
where
    F: Fn(&Category<'_>) -> &'static str,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let categories = self.policy.policy().categories;
        let mut m = s.serialize_map(Some(categories.len()))?;
        for c in categories {
            m.serialize_entry(c.id, (self.status)(c))?;
        }
        m.end()
    }
}

/// Written field by field (no intermediate JSON value), in the order listed on
/// [`StateView`].
impl Serialize for StateView<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (policy, state, now) = (self.policy, self.state, self.now);
        let decided = state.decided_at();
        let partial = state.partial_at();
        let action = state.action();
        let mut m = s.serialize_map(Some(15))?;
        let id = ConsentId(state.consent_id()).hex();
        m.serialize_entry("consent_id", &Ascii(&id))?;
        m.serialize_entry("decided_at", &decided.map(Time))?;
        m.serialize_entry("revision", &decided.map(|_| state.decided_revision()))?;
        m.serialize_entry("partial_refusal_at", &partial.map(Time))?;
        m.serialize_entry(
            "partial_refusal_revision",
            &partial.map(|_| state.partial_revision()),
        )?;
        m.serialize_entry("notice_version", &action.map(|_| state.notice()))?;
        m.serialize_entry("action", &action.map(|a| a.as_str()))?;
        m.serialize_entry("control", &action.map(|_| state.control().as_str()))?;
        m.serialize_entry("gpc", &state.gpc())?;
        m.serialize_entry(
            "decisions",
            &Statuses {
                policy,
                status: |c: &Category<'_>| state.stored_status(c).as_str(),
            },
        )?;
        let providers: Vec<&str> = policy.provider_ids(state.providers_refused()).collect();
        m.serialize_entry("providers_refused", &providers)?;
        m.serialize_entry("expires", &state.expires(policy).map(Time))?;
        m.serialize_entry("now", &Time(now))?;
        m.serialize_entry(
            "status_now",
            &Statuses {
                policy,
                status: |c: &Category<'_>| state.category_status(policy, c, now).as_str(),
            },
        )?;
        m.serialize_entry("prompt_due_now", &state.prompt_due(policy, now))?;
        m.end()
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
