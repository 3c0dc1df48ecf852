//! What a handler sees of the visitor's consent, and what it tells the layer.

use std::fmt;
use std::sync::Arc;

use samtykke::{ConsentId, ConsentState, Kind, Proof, ValidPolicy};
use samtykke_host::declare::Lang;
use samtykke_host::state_json::StateView;
use samtykke_host::text::push_json_string;
use time::OffsetDateTime;

use crate::config::Shared;

/// The visitor's consent at this request, in the request's extensions (and an
/// axum extractor): the state the consent cookie carried, or a new visitor's under
/// a fresh consent id, with the request's GPC signal applied. The extensions hold
/// that [`ConsentState`] on its own too, for a handler that reads only the core's
/// type (`req.extensions().get::<samtykke::ConsentState>()`).
#[derive(Clone)]
pub struct Consent {
    pub(crate) shared: Arc<Shared>,
    pub(crate) state: ConsentState,
    pub(crate) now: OffsetDateTime,
    pub(crate) new_visitor: bool,
    pub(crate) gpc: bool,
    pub(crate) lang: Lang,
    /// Shared with the copy the request's extensions hold.
    pub(crate) host: Arc<str>,
}

impl fmt::Debug for Consent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consent")
            .field("state", &self.state)
            .field("now", &self.now)
            .field("new_visitor", &self.new_visitor)
            .field("gpc", &self.gpc)
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

impl Consent {
    /// The consent state.
    pub fn state(&self) -> &ConsentState {
        &self.state
    }

    /// The policy the layer enforces.
    pub fn policy(&self) -> ValidPolicy<'_> {
        self.shared.policy.view()
    }

    /// The request's time, in whole seconds: every query of this request and every
    /// event it logs uses it.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// The visitor's consent id (its `Display` is the 32 hex digits the log and the
    /// forms use).
    pub fn consent_id(&self) -> ConsentId {
        ConsentId(self.state.consent_id())
    }

    /// Whether the request carried no valid consent cookie: the consent id is
    /// fresh, and the banner's forms carry it as `consent_id`.
    pub fn is_new_visitor(&self) -> bool {
        self.new_visitor
    }

    /// Whether the request carried `Sec-GPC: 1`.
    pub fn gpc(&self) -> bool {
        self.gpc
    }

    /// The language of pages for this request: `?lang=da|en`, else the first of
    /// `da`/`en` in `Accept-Language`, else the configured default.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The path the consent endpoint is routed at (default `/consent`).
    pub fn endpoint(&self) -> &str {
        &self.shared.endpoint
    }

    /// Whether the visitor must be asked now (SPEC §4 `prompt_due`): show the
    /// banner.
    pub fn prompt_due(&self) -> bool {
        self.state.prompt_due(&self.policy(), self.now)
    }

    /// Whether a cookie named `name` may be set now.
    pub fn permits(&self, name: &str) -> bool {
        self.state
            .permits(&self.policy(), name, self.now)
            .is_allowed()
    }

    /// Whether an item of `kind` (local or session storage, IndexedDB) named
    /// `name` may be stored now.
    pub fn permits_kind(&self, kind: Kind, name: &str) -> bool {
        self.state
            .permits_kind(&self.policy(), kind, name, self.now)
            .is_allowed()
    }

    /// The declared non-cookie storage the page must clear now (SPEC §6), as
    /// (kind, name or pattern): the core's `storage_to_clear`, which is also the
    /// deletion plan's `storage_keys`.
    pub fn storage_to_clear(&self) -> Vec<(Kind, String)> {
        samtykke_host::http::storage_keys(&self.state, &self.policy(), self.now)
    }

    /// The state as JSON for the page's script: `samtykke-host`'s state view
    /// (`consent_id`, `decisions`, `status_now`, `prompt_due_now`, …) plus
    /// `clear`, the storage keys to clear by kind (`local_storage`,
    /// `session_storage`, `indexed_db`). Safe to embed in a `<script>` element:
    /// `<`, `>` and `&` are escaped as `\u003c`, `\u003e`, `\u0026`.
    pub fn to_json(&self) -> String {
        self.to_json_clearing(&self.storage_to_clear())
    }

    /// [`Consent::to_json`] and [`Consent::storage_script`] together, the
    /// storage to clear worked out once: what a page that embeds both calls.
    pub fn page_data(&self) -> (String, String) {
        let keys = self.storage_to_clear();
        (
            self.to_json_clearing(&keys),
            samtykke_host::http::storage_script(&keys),
        )
    }

    /// The state JSON with `keys` as its `clear`, script-safe, written directly.
    fn to_json_clearing(&self, keys: &[(Kind, String)]) -> String {
        let policy = self.policy();
        let mut json = String::with_capacity(1024);
        StateView::new(&policy, &self.state, self.now).write_json(&mut json, true);
        // The view is an object: add `clear` before its closing brace.
        json.pop();
        json.push_str(",\"clear\":{");
        for (i, kind) in [Kind::LocalStorage, Kind::SessionStorage, Kind::IndexedDb]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                json.push(',');
            }
            json.push('"');
            json.push_str(kind.as_str());
            json.push_str("\":[");
            let names = keys.iter().filter(|(k, _)| *k == kind);
            for (j, (_, name)) in names.enumerate() {
                if j > 0 {
                    json.push(',');
                }
                push_json_string(&mut json, name, true);
            }
            json.push(']');
        }
        json.push_str("}}");
        json
    }

    /// A `<script>` element that clears the storage this visitor's state denies
    /// (local and session storage keys, IndexedDB databases; `*` and `?` patterns
    /// matched against the keys present), or an empty string when there is
    /// nothing to clear. Embed it in every page: storage other than cookies never
    /// reaches the server, so only the page can remove it. A site with a Content
    /// Security Policy allows it by hash or serves it from a file.
    pub fn storage_script(&self) -> String {
        samtykke_host::http::storage_script(&self.storage_to_clear())
    }
}

/// What triggered a notice (SPEC §8 `notice_shown`'s `trigger`): the one in
/// the host crate's log writer.
pub use samtykke_host::log_line::Trigger;

/// A handler's word that its page rendered a consent notice: put it in the
/// response's extensions (with axum, return `Extension(NoticeShown::BANNER)`
/// beside the page) and the layer logs a `notice_shown` event (SPEC §8) under the
/// visitor's consent id. The audit's `consent-without-notice` (R7) needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoticeShown {
    /// `auto` for a banner, `user` for settings the visitor opened.
    pub trigger: Trigger,
    /// The notice's layer: 1 the banner, 2 the settings.
    pub layer: u8,
    /// The choices it offered (`accept_all`, `reject_all`, `settings`, `save`, …).
    pub controls: &'static [&'static str],
}

impl NoticeShown {
    /// The banner [`crate::html::banner`] renders: first layer, shown by the site,
    /// offering Accept all, Reject all and Settings (and a per-category save).
    pub const BANNER: NoticeShown = NoticeShown {
        trigger: Trigger::Auto,
        layer: 1,
        controls: &["accept_all", "reject_all", "settings", "save"],
    };

    /// The settings page the [`ConsentEndpoint`](crate::ConsentEndpoint) renders:
    /// second layer, opened by the visitor.
    pub const SETTINGS: NoticeShown = NoticeShown {
        trigger: Trigger::User,
        layer: 2,
        controls: &["accept_all", "reject_all", "save", "withdraw"],
    };
}

/// A decision the consent endpoint took, for the layer to log and to carry in
/// the consent cookie.
#[derive(Clone, Debug)]
pub(crate) struct Decided {
    /// The state after the decision.
    pub(crate) state: ConsentState,
    /// The request's GPC signal, applied again when the decision moved a new
    /// visitor to the consent id its form carried (`rebased`).
    pub(crate) signal: Option<Proof>,
    /// Whether the state was rebuilt under the form's consent id; otherwise the
    /// layer's own signal (if any) stands.
    pub(crate) rebased: bool,
    /// The decision's proof record; `None` for a withdrawal of nothing.
    pub(crate) proof: Option<Proof>,
    /// The `decision` event's fields besides `ts`, `visitor` and `event`
    /// (`samtykke_host::log_line::decision_fields`).
    pub(crate) event: String,
}

#[cfg(feature = "axum")]
impl<S: Send + Sync> axum_core::extract::FromRequestParts<S> for Consent {
    type Rejection = (http::StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Consent>().cloned().ok_or((
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "samtykke-tower: the Consent extractor needs ConsentLayer around the route",
        ))
    }
}
