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

use std::cell::Cell;

use samtykke::{ConsentId, ConsentState, ValidPolicy};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;
use time::OffsetDateTime;

use crate::text::{decimal, push_json_string};
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

/// The fields of a state view, in order: what both writers of the view (serde's
/// and [`StateView::write_json`]) receive from the one list in
/// [`StateView::fields`].
trait Fields {
    type Error;
    /// A string, or `null`.
    fn text(&mut self, key: &'static str, value: Option<&str>) -> Result<(), Self::Error>;
    /// A whole number, or `null`.
    fn number(&mut self, key: &'static str, value: Option<u32>) -> Result<(), Self::Error>;
    fn flag(&mut self, key: &'static str, value: bool) -> Result<(), Self::Error>;
    /// An array of strings.
    fn list<'i>(
        &mut self,
        key: &'static str,
        items: impl Iterator<Item = &'i str>,
    ) -> Result<(), Self::Error>;
    /// An object of string values.
    fn object<'i>(
        &mut self,
        key: &'static str,
        entries: impl Iterator<Item = (&'i str, &'static str)>,
    ) -> Result<(), Self::Error>;
}

/// A time as RFC 3339 ([`crate::time::format_rfc3339`]), on the stack.
struct Time([u8; 20]);

impl Time {
    fn of(t: OffsetDateTime) -> Time {
        Time(rfc3339_bytes(t))
    }

    fn as_str(&self) -> &str {
        // RFC 3339 as written is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl StateView<'_, '_> {
    /// The view's fields, in the order listed on [`StateView`]: the one list both
    /// writers follow.
    fn fields<F: Fields>(&self, f: &mut F) -> Result<(), F::Error> {
        let (policy, state, now) = (self.policy, self.state, self.now);
        let decided = state.decided_at().map(Time::of);
        let partial = state.partial_at().map(Time::of);
        let action = state.action();
        let id = ConsentId(state.consent_id()).hex();
        let categories = policy.policy().categories.iter();
        f.text(
            "consent_id",
            Some(std::str::from_utf8(&id).unwrap_or_default()),
        )?;
        f.text("decided_at", decided.as_ref().map(Time::as_str))?;
        f.number(
            "revision",
            decided.as_ref().map(|_| state.decided_revision()),
        )?;
        f.text("partial_refusal_at", partial.as_ref().map(Time::as_str))?;
        f.number(
            "partial_refusal_revision",
            partial.as_ref().map(|_| state.partial_revision()),
        )?;
        f.number("notice_version", action.map(|_| u32::from(state.notice())))?;
        f.text("action", action.map(|a| a.as_str()))?;
        f.text("control", action.map(|_| state.control().as_str()))?;
        f.flag("gpc", state.gpc())?;
        f.object(
            "decisions",
            categories
                .clone()
                .map(|c| (c.id, state.stored_status(c).as_str())),
        )?;
        f.list(
            "providers_refused",
            policy.provider_ids(state.providers_refused()),
        )?;
        let expires = state.expires(policy).map(Time::of);
        f.text("expires", expires.as_ref().map(Time::as_str))?;
        f.text("now", Some(Time::of(now).as_str()))?;
        f.object(
            "status_now",
            categories.map(|c| (c.id, state.category_status(policy, c, now).as_str())),
        )?;
        f.flag("prompt_due_now", state.prompt_due(policy, now))
    }

    /// The view as compact JSON appended to `out`, written directly (the same
    /// fields as its `Serialize`, in the same order); with `script`, `<`, `>`
    /// and `&` inside strings are written as `\u` escapes, so the JSON can sit
    /// inside an HTML `<script>` element. What a page that embeds the state for
    /// its script calls on every request.
    ///
    /// ```
    /// # use samtykke::ConsentState;
    /// # use samtykke_host::state_json::StateView;
    /// # use time::macros::datetime;
    /// let mut index = [0u16; 16];
    /// let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
    /// let state = ConsentState::new(0x1234);
    /// let view = StateView::new(&policy, &state, datetime!(2026-03-01 10:00 UTC));
    /// let mut json = String::new();
    /// view.write_json(&mut json, true);
    /// let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// assert_eq!(value, view.to_value());
    /// assert_eq!(value["prompt_due_now"], true);
    /// ```
    pub fn write_json(&self, out: &mut String, script: bool) {
        out.push('{');
        let mut w = Direct {
            out,
            script,
            first: true,
        };
        // The direct writer cannot fail (its error type has no value).
        if let Err(never) = self.fields(&mut w) {
            match never {}
        }
        out.push('}');
    }
}

/// [`Fields`] written as JSON text.
struct Direct<'o> {
    out: &'o mut String,
    script: bool,
    first: bool,
}

impl Direct<'_> {
    fn key(&mut self, key: &'static str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        // The keys are the plain words above: nothing to escape.
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
    }
}

impl Fields for Direct<'_> {
    type Error = std::convert::Infallible;

    fn text(&mut self, key: &'static str, value: Option<&str>) -> Result<(), Self::Error> {
        self.key(key);
        match value {
            Some(v) => push_json_string(self.out, v, self.script),
            None => self.out.push_str("null"),
        }
        Ok(())
    }

    fn number(&mut self, key: &'static str, value: Option<u32>) -> Result<(), Self::Error> {
        self.key(key);
        match value {
            Some(n) => self.out.push_str(decimal(i64::from(n), &mut [0; 20])),
            None => self.out.push_str("null"),
        }
        Ok(())
    }

    fn flag(&mut self, key: &'static str, value: bool) -> Result<(), Self::Error> {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
        Ok(())
    }

    fn list<'i>(
        &mut self,
        key: &'static str,
        items: impl Iterator<Item = &'i str>,
    ) -> Result<(), Self::Error> {
        self.key(key);
        self.out.push('[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_json_string(self.out, item, self.script);
        }
        self.out.push(']');
        Ok(())
    }

    fn object<'i>(
        &mut self,
        key: &'static str,
        entries: impl Iterator<Item = (&'i str, &'static str)>,
    ) -> Result<(), Self::Error> {
        self.key(key);
        self.out.push('{');
        for (i, (k, v)) in entries.enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_json_string(self.out, k, self.script);
            self.out.push(':');
            push_json_string(self.out, v, self.script);
        }
        self.out.push('}');
        Ok(())
    }
}

/// [`Fields`] given to a serde map.
struct Serde<M>(M);

/// An iterator serialized once, as a sequence.
struct Each<I>(Cell<Option<I>>);

impl<'i, I: Iterator<Item = &'i str>> Serialize for Each<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.take().into_iter().flatten())
    }
}

/// Pairs serialized once, as a map.
struct Pairs<I>(Cell<Option<I>>);

impl<'i, I: Iterator<Item = (&'i str, &'static str)>> Serialize for Pairs<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.take().into_iter().flatten())
    }
}

impl<M: SerializeMap> Fields for Serde<M> {
    type Error = M::Error;

    fn text(&mut self, key: &'static str, value: Option<&str>) -> Result<(), M::Error> {
        self.0.serialize_entry(key, &value)
    }

    fn number(&mut self, key: &'static str, value: Option<u32>) -> Result<(), M::Error> {
        self.0.serialize_entry(key, &value)
    }

    fn flag(&mut self, key: &'static str, value: bool) -> Result<(), M::Error> {
        self.0.serialize_entry(key, &value)
    }

    fn list<'i>(
        &mut self,
        key: &'static str,
        items: impl Iterator<Item = &'i str>,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(key, &Each(Cell::new(Some(items))))
    }

    fn object<'i>(
        &mut self,
        key: &'static str,
        entries: impl Iterator<Item = (&'i str, &'static str)>,
    ) -> Result<(), M::Error> {
        self.0
            .serialize_entry(key, &Pairs(Cell::new(Some(entries))))
    }
}

/// Written field by field (no intermediate JSON value), in the order listed on
/// [`StateView`].
impl Serialize for StateView<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = Serde(s.serialize_map(Some(15))?);
        self.fields(&mut m)?;
        m.0.end()
    }
}

/// The consent cookie's value in `text`: the text itself, or what follows
/// `NAME=` when it was copied from a `Cookie` header with the policy's cookie
/// name, trimmed.
pub fn consent_cookie_value<'t>(policy: &ValidPolicy<'_>, text: &'t str) -> &'t str {
    // Trimmed first too: a pair copied from after a header's `; ` starts with
    // the space.
    let text = text.trim();
    text.strip_prefix(policy.policy().consent_cookie.name)
        .and_then(|v| v.strip_prefix('='))
        .unwrap_or(text)
        .trim()
}
