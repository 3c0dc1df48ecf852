//! `samtykke.ConsentState`: one visitor's decisions, an immutable value whose
//! events return new states; and `samtykke.Decision`, the answer of `permits`.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use samtykke::{
    Category, CategorySet, Code, ConsentId, ConsentState as CoreState, Control, Ctx, Event, Kind,
    Permit, Proof, ProviderSet, ValidPolicy, COOKIE_MAX_LEN,
};
use samtykke_host::http::{
    deletion_plan, filter_set_cookie, judge_set_cookie, parse_cookie_header,
};
use samtykke_host::proof_json::proof_to_json;

use crate::args;
use crate::errors::{error, invalid, py_repr};
use crate::http::{DeletionPlan, Filtered};
use crate::policy::Policy;
use crate::times::{from_time_opt, to_time};

/// One visitor's consent decisions under a policy: an immutable value.
///
/// Every event (`accept_all`, `reject_all`, `save`, `withdraw`, `signal_gpc`,
/// `dismiss`, `scroll`, `navigate`, `idle`) returns a new state and leaves this
/// one as it was. Times are timezone-aware datetimes; a naive one raises
/// `ValueError`. Two states are equal when they hold the same decisions under
/// policies of the same meaning.
#[pyclass(frozen, module = "samtykke")]
#[derive(Debug)]
pub struct ConsentState {
    policy: Py<Policy>,
    state: CoreState,
    /// The proof record of the latest decision this state holds, when it was
    /// made by an event here (not decoded from a cookie).
    proof: Option<Proof>,
}

/// The answer of `ConsentState.permits`: truthy when the item may be stored.
///
/// `category` is the item's category id (`None` when undeclared); `reason` is
/// `exempt` or `granted` when allowed, else why not: `undecided`, `refused`,
/// `withdrawn`, `signal`, `expired`, `outdated`, `provider-refused` or
/// `undeclared`; `declaration` is the name or pattern of the declaration that
/// covers it (`None` when undeclared, and for the consent cookie itself).
#[pyclass(frozen, eq, module = "samtykke", get_all)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the item may be stored.
    allowed: bool,
    /// The item's category id, or `None` when undeclared.
    category: Option<String>,
    /// `exempt` or `granted` when allowed, else why not.
    reason: &'static str,
    /// The name or pattern of the declaration that covers the item.
    declaration: Option<String>,
}

#[pymethods]
impl Decision {
    fn __bool__(&self) -> bool {
        self.allowed
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Decision(allowed={}, category={}, reason={})",
            if self.allowed { "True" } else { "False" },
            py_repr(py, &self.category),
            py_repr(py, self.reason)
        )
    }
}

/// The name of the decision a state stores for a category.
fn stored_decision(state: &CoreState, c: &Category<'_>) -> &'static str {
    state.stored_status(c).as_str()
}

/// The arguments every user action takes besides its time.
struct UserAction<'a, 'py> {
    at: &'a Bound<'py, PyAny>,
    notice: Option<i64>,
    control: &'a str,
    gpc: bool,
}

impl ConsentState {
    pub(crate) fn new(policy: Py<Policy>, state: CoreState, proof: Option<Proof>) -> Self {
        ConsentState {
            policy,
            state,
            proof,
        }
    }

    fn view(&self) -> ValidPolicy<'_> {
        self.policy.get().inner.view()
    }

    fn ctx(&self, a: UserAction<'_, '_>) -> PyResult<Ctx> {
        let py = a.at.py();
        let at = to_time(a.at, "at")?;
        let notice = match a.notice {
            None => self.view().policy().notice_version,
            Some(n) => u16::try_from(n)
                .map_err(|_| invalid(py, format!("notice must be in 1..=65535, not {n}")))?,
        };
        let control = Control::parse(a.control).ok_or_else(|| {
            invalid(
                py,
                format!(
                    "control must be \"button\", \"toggle\", \"link\" or \"icon\", not {}",
                    py_repr(py, a.control)
                ),
            )
        })?;
        Ctx::new(at, notice, control, a.gpc).map_err(|e| invalid(py, e.to_string()))
    }

    fn categories(&self, py: Python<'_>, ids: &[String]) -> PyResult<CategorySet> {
        let view = self.view();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        view.category_set(&ids)
            .map_err(|id| unknown(py, "category", id))
    }

    fn providers(&self, py: Python<'_>, ids: &[String]) -> PyResult<ProviderSet> {
        let view = self.view();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        view.provider_set(&ids)
            .map_err(|id| unknown(py, "provider", id))
    }

    /// The state after `event`, keeping the latest proof when it yields none.
    fn then(&self, py: Python<'_>, event: Event) -> ConsentState {
        let mut state = self.state;
        let proof = state.apply(&self.view(), &event);
        ConsentState {
            policy: self.policy.clone_ref(py),
            state,
            proof: proof.or(self.proof),
        }
    }

    fn fingerprint_and_state(&self) -> (u64, CoreState) {
        (self.view().fingerprint(), self.state)
    }
}

fn unknown(py: Python<'_>, what: &str, id: &str) -> PyErr {
    let message = format!("the policy declares no {what} {id:?}");
    error(py, Code::UnknownName, message.clone(), None, &message)
}

#[pymethods]
impl ConsentState {
    /// Grants every consent category (one decision per category, R3).
    ///
    /// `at` is when (an aware datetime); `notice` the banner version shown
    /// (default: the policy's); `control` one of `button`, `toggle`, `link`,
    /// `icon`; `gpc` whether the request carried `Sec-GPC: 1`, which makes the
    /// grants stand against later signals (R22).
    #[pyo3(signature = (at, notice=None, control="button", gpc=false))]
    fn accept_all(
        &self,
        at: &Bound<'_, PyAny>,
        notice: Option<i64>,
        control: &str,
        gpc: bool,
    ) -> PyResult<ConsentState> {
        let ctx = self.ctx(UserAction {
            at,
            notice,
            control,
            gpc,
        })?;
        Ok(self.then(at.py(), Event::AcceptAll(ctx)))
    }

    /// Refuses every consent category (R8); the refusal is stored (R14).
    /// Arguments as for `accept_all`.
    #[pyo3(signature = (at, notice=None, control="button", gpc=false))]
    fn reject_all(
        &self,
        at: &Bound<'_, PyAny>,
        notice: Option<i64>,
        control: &str,
        gpc: bool,
    ) -> PyResult<ConsentState> {
        let ctx = self.ctx(UserAction {
            at,
            notice,
            control,
            gpc,
        })?;
        Ok(self.then(at.py(), Event::RejectAll(ctx)))
    }

    /// Grants exactly `categories` (an iterable of category ids, R3) and refuses
    /// every other consent category; refuses `refused_providers` (provider ids)
    /// inside the granted ones. Saving nothing grants nothing (R1). An unknown id
    /// raises `SamtykkeError`. Other arguments as for `accept_all`.
    #[pyo3(signature = (categories, at, refused_providers=None, notice=None, control="button", gpc=false))]
    #[allow(clippy::too_many_arguments)]
    fn save(
        &self,
        categories: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        refused_providers: Option<&Bound<'_, PyAny>>,
        notice: Option<i64>,
        control: &str,
        gpc: bool,
    ) -> PyResult<ConsentState> {
        let py = at.py();
        let chosen = args::strings(categories, "categories")?;
        let refused =
            args::strings_opt(refused_providers, "refused_providers")?.unwrap_or_default();
        let ctx = self.ctx(UserAction {
            at,
            notice,
            control,
            gpc,
        })?;
        let chosen = self.categories(py, &chosen)?;
        let refused_providers = self.providers(py, &refused)?;
        Ok(self.then(
            py,
            Event::Save {
                chosen,
                refused_providers,
                ctx,
            },
        ))
    }

    /// Withdraws consent for `categories` (an iterable of ids; `None`, the
    /// default: every consent category). Never fails for a known id (R11);
    /// withdrawing again changes nothing but the refusal's time. Other arguments
    /// as for `accept_all`.
    #[pyo3(signature = (at, categories=None, notice=None, control="button", gpc=false))]
    fn withdraw(
        &self,
        at: &Bound<'_, PyAny>,
        categories: Option<&Bound<'_, PyAny>>,
        notice: Option<i64>,
        control: &str,
        gpc: bool,
    ) -> PyResult<ConsentState> {
        let py = at.py();
        let which = args::strings_opt(categories, "categories")?;
        let ctx = self.ctx(UserAction {
            at,
            notice,
            control,
            gpc,
        })?;
        let categories = which.map(|ids| self.categories(py, &ids)).transpose()?;
        Ok(self.then(py, Event::Withdraw { categories, ctx }))
    }

    /// A Global Privacy Control signal (`Sec-GPC: 1`) at `at`: refuses the
    /// policy's `gpc_refuses` categories, except those granted by a decision taken
    /// under the signal; never grants (R22).
    fn signal_gpc(&self, at: &Bound<'_, PyAny>) -> PyResult<ConsentState> {
        let t = to_time(at, "at")?;
        Ok(self.then(at.py(), Event::SignalGpc(t)))
    }

    /// The banner was closed without a choice: nothing is granted (R2).
    fn dismiss(&self, at: &Bound<'_, PyAny>) -> PyResult<ConsentState> {
        let t = to_time(at, "at")?;
        Ok(self.then(at.py(), Event::Dismiss(t)))
    }

    /// The visitor scrolled: nothing is granted (R2).
    fn scroll(&self, at: &Bound<'_, PyAny>) -> PyResult<ConsentState> {
        let t = to_time(at, "at")?;
        Ok(self.then(at.py(), Event::Scroll(t)))
    }

    /// The visitor navigated on: nothing is granted (R2).
    fn navigate(&self, at: &Bound<'_, PyAny>) -> PyResult<ConsentState> {
        let t = to_time(at, "at")?;
        Ok(self.then(at.py(), Event::Navigate(t)))
    }

    /// Time passed: nothing is granted (R2).
    fn idle(&self, at: &Bound<'_, PyAny>) -> PyResult<ConsentState> {
        let t = to_time(at, "at")?;
        Ok(self.then(at.py(), Event::Idle(t)))
    }

    /// Whether an item named `name` may be stored at `now` (R4, R12, R21).
    ///
    /// `kind` is `cookie` (the default), `local_storage`, `session_storage` or
    /// `indexed_db`. Returns a `Decision`, truthy when allowed.
    #[pyo3(signature = (name, now, kind="cookie"))]
    fn permits(
        &self,
        name: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        kind: &str,
    ) -> PyResult<Decision> {
        let py = now.py();
        let name = args::string(name, "name")?;
        let now = to_time(now, "now")?;
        let kind = Kind::parse(kind).ok_or_else(|| {
            invalid(
                py,
                format!(
                    "kind must be \"cookie\", \"local_storage\", \"session_storage\" or \"indexed_db\", not {}",
                    py_repr(py, kind)
                ),
            )
        })?;
        let view = self.view();
        let permit = self.state.permits_kind(&view, kind, &name, now);
        Ok(match permit {
            Permit::Allowed {
                category,
                declaration,
            } => Decision {
                allowed: true,
                category: Some(category.id.to_owned()),
                reason: permit.as_str(),
                declaration: declaration.map(|d| d.name.to_owned()),
            },
            Permit::Denied {
                category,
                declaration,
                why: _,
            } => Decision {
                allowed: false,
                category: Some(category.id.to_owned()),
                reason: permit.as_str(),
                declaration: Some(declaration.name.to_owned()),
            },
            Permit::Undeclared => Decision {
                allowed: false,
                category: None,
                reason: permit.as_str(),
                declaration: None,
            },
        })
    }

    /// The standing of `category` (an id) at `now`: `exempt`, `granted`, or why
    /// it is not granted: `undecided`, `refused`, `withdrawn`, `signal`,
    /// `expired` (R16) or `outdated` (R17).
    fn category_status(
        &self,
        category: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        let py = now.py();
        let id = args::string(category, "category")?;
        let now = to_time(now, "now")?;
        let view = self.view();
        let (_, c) = view
            .category(&id)
            .ok_or_else(|| unknown(py, "category", &id))?;
        Ok(self.state.category_status(&view, c, now).as_str())
    }

    /// Whether the visitor must be asked at `now`: some consent category holds
    /// no decision in force (never decided, lapsed or outdated). False while
    /// every consent category holds one, refusals included (R15).
    fn prompt_due(&self, now: &Bound<'_, PyAny>) -> PyResult<bool> {
        let now = to_time(now, "now")?;
        Ok(self.state.prompt_due(&self.view(), now))
    }

    /// Google Consent Mode v2 at `now` (SPEC §16): a dict of the seven types
    /// (`ad_storage`, `ad_user_data`, `ad_personalization`, `analytics_storage`,
    /// `functionality_storage`, `personalization_storage`, `security_storage`) to
    /// `"granted"` or `"denied"`. A type is granted when the policy's
    /// `consent_mode` maps it to a category granted (in force) or exempt at `now`.
    fn consent_mode<'py>(&self, now: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let py = now.py();
        let now = to_time(now, "now")?;
        let flags = self.state.consent_mode(&self.view(), now);
        let out = PyDict::new(py);
        for (ty, _) in flags.iter() {
            out.set_item(ty.as_str(), flags.word(ty))?;
        }
        Ok(out)
    }

    /// The settings layer's toggles at `now`: the ids of the consent categories
    /// granted and in force. Empty for a new visitor: nothing is pre-ticked (R1).
    fn toggles(&self, now: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let now = to_time(now, "now")?;
        let view = self.view();
        let on = self.state.toggles(&view, now);
        Ok(view
            .category_ids(on.intersection(view.consent_slots()))
            .map(str::to_owned)
            .collect())
    }

    /// What must be deleted at `now` for a request to `host` (SPEC §6).
    ///
    /// `present` is the request's `Cookie` header (a `str`) or the names of the
    /// cookies it carries (an iterable of `str`). Returns a `DeletionPlan` with
    /// the `Set-Cookie` deletion header values (`.set_cookie`), the non-cookie
    /// storage keys for the page script to clear (`.storage_keys`) and the items
    /// this host cannot delete (`.undeletable`). A `Cookie` header with a control
    /// character raises `SamtykkeError`.
    fn deletion_plan(
        &self,
        host: &Bound<'_, PyAny>,
        present: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<DeletionPlan> {
        let py = now.py();
        let host = args::string(host, "host")?;
        let now = to_time(now, "now")?;
        let names: Vec<String> = if let Ok(header) = present.cast::<PyString>() {
            let header = header.to_cow()?;
            match parse_cookie_header(&header) {
                Ok(pairs) => pairs.into_iter().map(|(n, _)| n.to_owned()).collect(),
                Err(e) => {
                    let text = e.to_string();
                    return Err(error(py, e.code(), text.clone(), None, &text));
                }
            }
        } else {
            args::strings(present, "present")?
        };
        let view = self.view();
        Ok(DeletionPlan::from(deletion_plan(
            &self.state,
            &view,
            &host,
            &names,
            now,
        )))
    }

    /// Keeps the `Set-Cookie` header values (an iterable of `str`) that the state
    /// permits at `now`; deletions always pass. Returns a `Filtered` with the
    /// headers `kept` and those `dropped`, each with its reason.
    fn filter_set_cookie(
        &self,
        headers: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<Filtered> {
        let headers = args::strings(headers, "headers")?;
        let now = to_time(now, "now")?;
        let view = self.view();
        Ok(Filtered::from(filter_set_cookie(
            &self.state,
            &view,
            &headers,
            now,
        )))
    }

    /// The `Set-Cookie` header values (an iterable of `str`) to send at `now`,
    /// judged as the tower layer and C's `samtykke_state_judge_set_cookies`
    /// judge them (SPEC §15): each kept only when the state permits it
    /// (deletions always pass; denied, undeclared and unparsable ones are
    /// left out), and a kept persistent cookie's `Max-Age`/`Expires`
    /// shortened to its category's consent lapse. A list of `str` in the
    /// original order. `filter_set_cookie` says why each one left out was.
    fn judge_set_cookies(
        &self,
        headers: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<String>> {
        let headers = args::strings(headers, "headers")?;
        let now = to_time(now, "now")?;
        let view = self.view();
        Ok(headers
            .iter()
            .filter_map(|h| judge_set_cookie(&self.state, &view, h, now).ok())
            .map(|h| h.into_owned())
            .collect())
    }

    /// The proof record (SPEC §7) of the latest decision this state holds, as a
    /// dict with the keys `ts`, `consent_id`, `site`, `revision`,
    /// `notice_version`, `action`, `control`, `decisions`, `providers_refused`,
    /// `gpc` and `expires`; `None` for a state no event here has decided (a new
    /// or decoded one).
    fn proof_record<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.proof_json() {
            None => Ok(None),
            Some(line) => py.import("json")?.call_method1("loads", (line,)).map(Some),
        }
    }

    /// The proof record as one JSON line (no newline), to append to a log; `None`
    /// where `proof_record` is `None`.
    fn proof_json(&self) -> Option<String> {
        self.proof.map(|p| proof_to_json(&self.view(), &p))
    }

    /// The state as a consent cookie value (`v1.…`, RFC 6265 cookie octets).
    /// With `key` (`bytes`), the value is signed for the policy's site.
    #[pyo3(signature = (key=None))]
    fn to_cookie(&self, py: Python<'_>, key: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let key = args::key(key)?;
        self.encode(py, key)
    }

    /// The policy the state belongs to.
    #[getter]
    fn policy(&self, py: Python<'_>) -> Py<Policy> {
        self.policy.clone_ref(py)
    }

    /// The visitor's consent id, as 32 lowercase hex digits.
    #[getter]
    fn consent_id(&self) -> String {
        ConsentId(self.state.consent_id()).to_string()
    }

    /// When the last full decision (`accept_all`, `reject_all`, `save`) was
    /// taken, or `None`.
    #[getter]
    fn decided_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(from_time_opt(py, self.state.decided_at())?.map(Bound::into_any))
    }

    /// The policy revision of the last full decision, or `None`.
    #[getter]
    fn revision(&self) -> Option<u32> {
        self.state
            .decided_at()
            .map(|_| self.state.decided_revision())
    }

    /// When the latest partial refusal (a withdrawal or a signal) was made, or
    /// `None`.
    #[getter]
    fn partial_refusal_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(from_time_opt(py, self.state.partial_at())?.map(Bound::into_any))
    }

    /// The notice version shown at the last decision, or `None`.
    #[getter]
    fn notice_version(&self) -> Option<u16> {
        self.state.action().map(|_| self.state.notice())
    }

    /// The last decision's action (`accept_all`, `reject_all`, `save`,
    /// `withdraw`, `signal_gpc`), or `None`.
    #[getter]
    fn action(&self) -> Option<&'static str> {
        self.state.action().map(|a| a.as_str())
    }

    /// The last decision's control (`button`, `toggle`, `link`, `icon`,
    /// `signal`), or `None`.
    #[getter]
    fn control(&self) -> Option<&'static str> {
        self.state.action().map(|_| self.state.control().as_str())
    }

    /// Whether the last full decision was taken under a GPC signal.
    #[getter]
    fn gpc(&self) -> bool {
        self.state.gpc()
    }

    /// The decision stored for each consent category, whatever the time:
    /// `granted`, `refused`, `withdrawn`, `signal` or `undecided`.
    #[getter]
    fn decisions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let view = self.view();
        let d = PyDict::new(py);
        for c in view.consent_categories() {
            d.set_item(c.id, stored_decision(&self.state, c))?;
        }
        Ok(d)
    }

    /// The ids of the providers refused inside granted categories.
    #[getter]
    fn providers_refused(&self) -> Vec<String> {
        let view = self.view();
        view.provider_ids(self.state.providers_refused())
            .map(str::to_owned)
            .collect()
    }

    /// The earliest time one of the decisions lapses (R16), when the prompt
    /// falls due; `None` when no consent category holds a decision.
    #[getter]
    fn expires<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(from_time_opt(py, self.state.expires(&self.view()))?.map(Bound::into_any))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<ConsentState>() {
            Ok(o) => self.fingerprint_and_state() == o.get().fingerprint_and_state(),
            Err(_) => false,
        }
    }

    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.fingerprint_and_state().hash(&mut h);
        h.finish()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let view = self.view();
        let decisions: Vec<String> = view
            .consent_categories()
            .map(|c| {
                format!(
                    "{}: {}",
                    py_repr(py, c.id),
                    py_repr(py, stored_decision(&self.state, c))
                )
            })
            .collect();
        format!(
            "ConsentState(consent_id='{}', decisions={{{}}})",
            ConsentId(self.state.consent_id()),
            decisions.join(", ")
        )
    }
}

impl ConsentState {
    fn encode(&self, py: Python<'_>, key: Option<&[u8]>) -> PyResult<String> {
        let mut buf = [0u8; COOKIE_MAX_LEN];
        match self.state.encode_cookie(&self.view(), key, &mut buf) {
            Ok(n) => Ok(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(e) => Err(crate::errors::cookie_error(py, &e)),
        }
    }
}
