//! One visitor's consent: the state, the events that move it and the queries on it.

use time::OffsetDateTime;

use crate::plan::{Deletions, StorageToClear};
use crate::policy::{Basis, Category, Declaration, Kind, ValidPolicy};
use crate::proof::Proof;
use crate::sets::{CategorySet, ProviderSet};
use crate::vocabulary;
use crate::Code;

vocabulary! {
    /// What the visitor (or their browser) did.
    pub enum Action ("action") {
        /// Grant every consent category.
        AcceptAll = 0 => "accept_all",
        /// Refuse every consent category.
        RejectAll = 1 => "reject_all",
        /// Grant exactly the chosen categories, refuse the rest.
        Save = 2 => "save",
        /// Withdraw consent for some or all categories.
        Withdraw = 3 => "withdraw",
        /// A Global Privacy Control signal (`Sec-GPC: 1`).
        SignalGpc = 4 => "signal_gpc",
        /// Closing the banner without choosing. Never consent (R2).
        Dismiss = 5 => "dismiss",
        /// Scrolling on. Never consent (R2).
        Scroll = 6 => "scroll",
        /// Navigating on. Never consent (R2).
        Navigate = 7 => "navigate",
        /// Doing nothing. Never consent (R2).
        Idle = 8 => "idle",
    }
}

impl Action {
    /// Whether this action decides every consent category at once.
    pub const fn is_full_decision(self) -> bool {
        matches!(self, Action::AcceptAll | Action::RejectAll | Action::Save)
    }
}

vocabulary! {
    /// The control the visitor used.
    pub enum Control ("control") {
        /// A button.
        Button = 0 => "button",
        /// A toggle in the settings layer.
        Toggle = 1 => "toggle",
        /// A link (such as "Cookie settings" in the footer).
        Link = 2 => "link",
        /// A floating icon.
        Icon = 3 => "icon",
        /// No control: the browser's `Sec-GPC` header.
        Signal = 4 => "signal",
    }
}

impl Control {
    /// Whether a visitor uses this control: every one but [`Control::Signal`].
    pub const fn is_user_control(self) -> bool {
        !matches!(self, Control::Signal)
    }
}

/// The circumstances of a user action.
///
/// Front ends that take a user action from outside (C, Python, a web handler)
/// build it with [`Ctx::new`], the one place its rules are checked. The fields stay
/// public for readers of what was already recorded, which check on their own
/// terms: the audit refuses a logged decision with notice 0 as an input error, and
/// replays the rest as logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ctx {
    /// When it happened.
    pub at: OffsetDateTime,
    /// The notice (banner text) version shown (R7).
    pub notice: u16,
    /// The control used.
    pub control: Control,
    /// Whether the request carried `Sec-GPC: 1`: grants made so stand against later
    /// signals (R22).
    pub gpc: bool,
}

/// Why a user action's circumstances are refused by [`Ctx::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum CtxError {
    /// A notice version of 0: a grant carries the notice version shown (R7).
    #[error(
        "notice must be in 1..=65535, not 0: a decision carries the notice version shown (R7)"
    )]
    NoNotice,
    /// [`Control::Signal`]: a browser signal is no control a visitor uses
    /// ([`Event::SignalGpc`] records it).
    #[error(
        "control must be \"button\", \"toggle\", \"link\" or \"icon\", not \"signal\": a signal is no user action"
    )]
    SignalControl,
}

impl CtxError {
    /// The result code of this error: [`Code::InvalidArgument`].
    pub const fn code(self) -> Code {
        match self {
            CtxError::NoNotice | CtxError::SignalControl => Code::InvalidArgument,
        }
    }
}

impl Ctx {
    /// A user action at `at`, under the `notice` version shown, with `control`,
    /// with (`gpc`) or without a GPC signal on the request.
    ///
    /// # Errors
    ///
    /// [`CtxError::NoNotice`] for a notice of 0 (R7: a decision carries the notice
    /// version shown); [`CtxError::SignalControl`] for [`Control::Signal`], which
    /// no visitor uses.
    pub const fn new(
        at: OffsetDateTime,
        notice: u16,
        control: Control,
        gpc: bool,
    ) -> Result<Ctx, CtxError> {
        if notice == 0 {
            return Err(CtxError::NoNotice);
        }
        if !control.is_user_control() {
            return Err(CtxError::SignalControl);
        }
        Ok(Ctx {
            at,
            notice,
            control,
            gpc,
        })
    }

    /// A button press at `at` under `notice`, without a GPC signal: a shorthand
    /// for a host that holds the notice it showed (1 or more). Values from
    /// outside go through [`Ctx::new`].
    pub const fn button(at: OffsetDateTime, notice: u16) -> Ctx {
        debug_assert!(notice != 0, "a decision carries the notice shown (R7)");
        Ctx {
            at,
            notice,
            control: Control::Button,
            gpc: false,
        }
    }
}

/// An event that may move a consent state (SPEC §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// Grant every consent category.
    AcceptAll(Ctx),
    /// Refuse every consent category.
    RejectAll(Ctx),
    /// Grant exactly `chosen`; refuse the rest and the named providers.
    Save {
        /// Categories granted.
        chosen: CategorySet,
        /// Providers refused inside granted categories.
        refused_providers: ProviderSet,
        /// Circumstances.
        ctx: Ctx,
    },
    /// Withdraw `categories` (`None`: all).
    Withdraw {
        /// Categories withdrawn; `None` withdraws every consent category.
        categories: Option<CategorySet>,
        /// Circumstances.
        ctx: Ctx,
    },
    /// A GPC signal at a time.
    SignalGpc(OffsetDateTime),
    /// The banner was closed without a choice.
    Dismiss(OffsetDateTime),
    /// The visitor scrolled.
    Scroll(OffsetDateTime),
    /// The visitor navigated on.
    Navigate(OffsetDateTime),
    /// Time passed.
    Idle(OffsetDateTime),
}

impl Event {
    /// When the event happened.
    pub fn at(&self) -> OffsetDateTime {
        match *self {
            Event::AcceptAll(ctx) | Event::RejectAll(ctx) => ctx.at,
            Event::Save { ctx, .. } | Event::Withdraw { ctx, .. } => ctx.at,
            Event::SignalGpc(at)
            | Event::Dismiss(at)
            | Event::Scroll(at)
            | Event::Navigate(at)
            | Event::Idle(at) => at,
        }
    }

    /// The event's action.
    pub fn action(&self) -> Action {
        match self {
            Event::AcceptAll(_) => Action::AcceptAll,
            Event::RejectAll(_) => Action::RejectAll,
            Event::Save { .. } => Action::Save,
            Event::Withdraw { .. } => Action::Withdraw,
            Event::SignalGpc(_) => Action::SignalGpc,
            Event::Dismiss(_) => Action::Dismiss,
            Event::Scroll(_) => Action::Scroll,
            Event::Navigate(_) => Action::Navigate,
            Event::Idle(_) => Action::Idle,
        }
    }
}

vocabulary! {
    /// Why something is denied, or why a category is not granted.
    pub enum Why ("reason") {
        /// The visitor has not decided.
        Undecided = 1 => "undecided",
        /// Refused by a full decision (`reject_all`, or left out of `save`).
        Refused = 2 => "refused",
        /// Withdrawn after a decision.
        Withdrawn = 3 => "withdrawn",
        /// Refused by a GPC signal (R22).
        Signal = 4 => "signal",
        /// The decision lapsed (R16); the visitor must be asked again.
        Expired = 5 => "expired",
        /// The decision predates the category's material change (R17).
        Outdated = 6 => "outdated",
        /// The category is granted but this item's provider is refused.
        ProviderRefused = 7 => "provider-refused",
    }
}

impl Why {
    /// Whether this reason means there is no decision in force (prompt due).
    pub const fn is_undecided(self) -> bool {
        matches!(self, Why::Undecided | Why::Expired | Why::Outdated)
    }
}

/// A category's standing at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The exempt category: always permitted.
    Exempt,
    /// Granted, in force.
    Granted,
    /// Not granted, and why.
    Denied(Why),
}

impl Status {
    /// The status's name: `exempt`, `granted`, or the reason for a denial.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Exempt => "exempt",
            Status::Granted => "granted",
            Status::Denied(why) => why.as_str(),
        }
    }

    /// Whether items of the category may be stored.
    pub const fn is_permitted(self) -> bool {
        matches!(self, Status::Exempt | Status::Granted)
    }
}

/// The answer of [`ConsentState::permits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permit<'a> {
    /// The item may be stored.
    Allowed {
        /// Its category.
        category: &'a Category<'a>,
        /// Its declaration; `None` for the site's own consent cookie.
        declaration: Option<&'a Declaration<'a>>,
    },
    /// The item may not be stored.
    Denied {
        /// Its category.
        category: &'a Category<'a>,
        /// Its declaration.
        declaration: &'a Declaration<'a>,
        /// Why not.
        why: Why,
    },
    /// No declaration covers the name (R21): denied.
    Undeclared,
}

impl<'a> Permit<'a> {
    /// Whether the item may be stored.
    #[inline]
    pub fn is_allowed(&self) -> bool {
        matches!(self, Permit::Allowed { .. })
    }

    /// The reason for a denial (`None` when allowed or undeclared).
    pub fn why(&self) -> Option<Why> {
        match self {
            Permit::Denied { why, .. } => Some(*why),
            _ => None,
        }
    }

    /// The item's category, if declared.
    pub fn category(&self) -> Option<&'a Category<'a>> {
        match self {
            Permit::Allowed { category, .. } | Permit::Denied { category, .. } => Some(category),
            Permit::Undeclared => None,
        }
    }

    /// The status behind the answer: [`Status::Exempt`] or [`Status::Granted`]
    /// when allowed (by the category's basis), [`Status::Denied`] with the reason;
    /// `None` for an undeclared name.
    pub fn status(&self) -> Option<Status> {
        match self {
            Permit::Allowed { category, .. } if category.basis == Basis::Exempt => {
                Some(Status::Exempt)
            }
            Permit::Allowed { .. } => Some(Status::Granted),
            Permit::Denied { why, .. } => Some(Status::Denied(*why)),
            Permit::Undeclared => None,
        }
    }

    /// The answer in one word, as every front end reports it: `exempt`,
    /// `granted`, the denial's reason ([`Why::as_str`]) or `undeclared`.
    ///
    /// ```
    /// use samtykke::{ConsentState, Ctx};
    /// use time::macros::datetime;
    ///
    /// let mut index = [0u16; samtykke::example::KK_DK.storage.len()];
    /// let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
    /// let t0 = datetime!(2026-03-01 10:00 UTC);
    /// let mut state = ConsentState::new(1);
    /// assert_eq!(state.permits(&policy, "nmstat", t0).as_str(), "undecided");
    /// assert_eq!(state.permits(&policy, "SESSabc", t0).as_str(), "exempt");
    /// assert_eq!(state.permits(&policy, "_ga", t0).as_str(), "undeclared");
    /// state.accept_all(&policy, Ctx::button(t0, 1));
    /// assert_eq!(state.permits(&policy, "nmstat", t0).as_str(), "granted");
    /// ```
    pub fn as_str(&self) -> &'static str {
        self.status().map_or("undeclared", Status::as_str)
    }
}

/// One visitor's consent decisions: fixed size, `Copy`, no heap.
///
/// Decisions are kept per category slot. A *full* decision (`accept_all`,
/// `reject_all`, `save`) decides every consent category at its time and revision.
/// A *partial refusal* (`withdraw`, a GPC signal) refuses some categories from its
/// own time; the others keep theirs, so a refusal never extends a grant.
///
/// # Invariants
///
/// `granted`, `refused`, `withdrawn` and `signalled` are disjoint; `partial_at` and
/// `partial_revision` are meaningful while `withdrawn | signalled` is not empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConsentState {
    consent_id: u128,
    granted: u32,
    refused: u32,
    withdrawn: u32,
    signalled: u32,
    providers_refused: u128,
    decided: bool,
    decided_at: i64,
    decided_revision: u32,
    partial_at: i64,
    partial_revision: u32,
    notice: u16,
    action: Option<Action>,
    control: Control,
    gpc: bool,
}

/// The plain integers a [`ConsentState`] is made of, for hosts that store it
/// themselves (the C library). [`ConsentState::from_parts`] checks them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub struct StateParts {
    pub consent_id: u128,
    pub granted: u32,
    pub refused: u32,
    pub withdrawn: u32,
    pub signalled: u32,
    pub providers_refused: u128,
    pub decided_at: i64,
    pub decided_revision: u32,
    pub partial_at: i64,
    pub partial_revision: u32,
    pub notice: u16,
    /// Bit 0: decided; bit 1: gpc; bits 8..16: action + 1 (0 = none); bits 16..24: control.
    pub flags: u32,
}

/// When, under which revision and whether under a GPC signal a decision was made:
/// what its proof record says of it beside the decisions.
#[derive(Clone, Copy)]
struct Made {
    at: OffsetDateTime,
    revision: u32,
    gpc: bool,
}

impl Made {
    const fn new(at: OffsetDateTime, revision: u32, gpc: bool) -> Made {
        Made { at, revision, gpc }
    }
}

/// How long after a GPC refusal's time a signal that would only renew it records
/// nothing (SPEC §4): one day, or half the policy's refusal lifetime where
/// that is shorter ([`renew_window`]).
pub const RENEW_SECONDS: i64 = 86_400;

/// How long after a GPC refusal's time a signal that would only renew it
/// records nothing under `policy`: [`RENEW_SECONDS`], but at most half the
/// refusal's lifetime. With `refusal_ttl_days: 1` a quiet day would be the
/// refusal's whole life, and a visitor who signals on every request would see
/// it lapse at each day's end; SPEC §4's first promise (who keeps sending GPC
/// never sees it lapse) is kept for whoever signals at least once in every
/// lifetime less the window.
pub fn renew_window(policy: &ValidPolicy<'_>) -> i64 {
    RENEW_SECONDS.min(policy.facts_refusal_secs() / 2)
}

#[inline]
fn secs(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

#[inline]
pub(crate) fn from_secs(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).unwrap_or(if s < 0 {
        OffsetDateTime::UNIX_EPOCH
    } else {
        time::PrimitiveDateTime::MAX.assume_utc()
    })
}

impl ConsentState {
    /// A visitor who has decided nothing (R1), under a caller-chosen random id.
    pub const fn new(consent_id: u128) -> ConsentState {
        ConsentState {
            consent_id,
            granted: 0,
            refused: 0,
            withdrawn: 0,
            signalled: 0,
            providers_refused: 0,
            decided: false,
            decided_at: 0,
            decided_revision: 0,
            partial_at: 0,
            partial_revision: 0,
            notice: 0,
            action: None,
            control: Control::Button,
            gpc: false,
        }
    }

    /// The visitor's consent id.
    pub const fn consent_id(&self) -> u128 {
        self.consent_id
    }

    /// Time of the last full decision, if any.
    pub fn decided_at(&self) -> Option<OffsetDateTime> {
        self.decided.then(|| from_secs(self.decided_at))
    }

    /// Policy revision of the last full decision (0 if none).
    pub const fn decided_revision(&self) -> u32 {
        self.decided_revision
    }

    /// Time of the latest partial refusal, if one is kept.
    pub fn partial_at(&self) -> Option<OffsetDateTime> {
        self.has_partial().then(|| from_secs(self.partial_at))
    }

    /// Policy revision of the latest partial refusal (0 if none).
    pub const fn partial_revision(&self) -> u32 {
        self.partial_revision
    }

    /// Notice version shown at the last decision (0 if none).
    pub const fn notice(&self) -> u16 {
        self.notice
    }

    /// The last decision's action, if any.
    pub const fn action(&self) -> Option<Action> {
        self.action
    }

    /// The last decision's control.
    pub const fn control(&self) -> Control {
        self.control
    }

    /// Whether the last full decision was made under a GPC signal.
    pub const fn gpc(&self) -> bool {
        self.gpc
    }

    /// Categories granted by the last full decision and not since refused.
    pub const fn granted(&self) -> CategorySet {
        CategorySet::from_bits(self.granted)
    }

    /// Categories refused by the last full decision.
    pub const fn refused(&self) -> CategorySet {
        CategorySet::from_bits(self.refused)
    }

    /// Categories withdrawn since.
    pub const fn withdrawn(&self) -> CategorySet {
        CategorySet::from_bits(self.withdrawn)
    }

    /// Categories refused by a GPC signal since.
    pub const fn signalled(&self) -> CategorySet {
        CategorySet::from_bits(self.signalled)
    }

    /// Providers refused inside granted categories.
    pub const fn providers_refused(&self) -> ProviderSet {
        ProviderSet::from_bits(self.providers_refused)
    }

    /// The `# Invariants` of [`ConsentState`], checked in debug builds after
    /// every transition.
    #[inline]
    fn debug_check(&self) {
        let masks = [self.granted, self.refused, self.withdrawn, self.signalled];
        debug_assert!(
            masks
                .iter()
                .enumerate()
                .all(|(i, a)| masks[..i].iter().all(|b| a & b == 0)),
            "granted, refused, withdrawn and signalled are disjoint"
        );
        debug_assert!(
            self.decided || self.granted | self.refused == 0,
            "only a decided state holds a full decision"
        );
    }

    const fn has_partial(&self) -> bool {
        self.withdrawn | self.signalled != 0
    }

    /// The state as plain integers.
    pub fn to_parts(&self) -> StateParts {
        let action = self.action.map_or(0, |a| a as u32 + 1);
        StateParts {
            consent_id: self.consent_id,
            granted: self.granted,
            refused: self.refused,
            withdrawn: self.withdrawn,
            signalled: self.signalled,
            providers_refused: self.providers_refused,
            decided_at: self.decided_at,
            decided_revision: self.decided_revision,
            partial_at: self.partial_at,
            partial_revision: self.partial_revision,
            notice: self.notice,
            flags: u32::from(self.decided)
                | (u32::from(self.gpc) << 1)
                | (action << 8)
                | ((self.control as u32) << 16),
        }
    }

    /// A state from plain integers, checked: `None` unless they are a state
    /// [`ConsentState::to_parts`] could have produced.
    pub fn from_parts(p: &StateParts) -> Option<ConsentState> {
        let masks = [p.granted, p.refused, p.withdrawn, p.signalled];
        let mut seen = 0u32;
        for m in masks {
            if seen & m != 0 {
                return None;
            }
            seen |= m;
        }
        if p.flags & !0x00ff_ff03 != 0 {
            return None;
        }
        let action = match (p.flags >> 8) & 0xff {
            0 => None,
            n => Some(Action::try_from(n - 1).ok()?),
        };
        let control = Control::try_from((p.flags >> 16) & 0xff).ok()?;
        let s = ConsentState {
            consent_id: p.consent_id,
            granted: p.granted,
            refused: p.refused,
            withdrawn: p.withdrawn,
            signalled: p.signalled,
            providers_refused: p.providers_refused,
            decided: p.flags & 1 != 0,
            decided_at: p.decided_at,
            decided_revision: p.decided_revision,
            partial_at: p.partial_at,
            partial_revision: p.partial_revision,
            notice: p.notice,
            action,
            control,
            gpc: p.flags & 2 != 0,
        };
        let decided_ok = s.decided || (p.granted | p.refused == 0 && p.providers_refused == 0);
        (decided_ok && s.to_parts() == *p).then_some(s)
    }

    // ---- transitions ------------------------------------------------------

    /// Applies `event`; returns the proof record of a grant, refusal or withdrawal,
    /// `None` for events that decide nothing (R2).
    pub fn apply(&mut self, policy: &ValidPolicy<'_>, event: &Event) -> Option<Proof> {
        self.apply_at_revision(policy, event, policy.policy().revision)
    }

    /// Applies `event` as taken under policy `revision` rather than the policy's
    /// own: what a consent log says of a decision made before the policy changed
    /// (the audit, SPEC §8). The decision keeps that revision, so a grant under an
    /// older revision is outdated where a category changed since (R17).
    pub fn apply_at_revision(
        &mut self,
        policy: &ValidPolicy<'_>,
        event: &Event,
        revision: u32,
    ) -> Option<Proof> {
        let (action, chosen, refused_providers, ctx) = match *event {
            Event::AcceptAll(ctx) => (
                Action::AcceptAll,
                policy.consent_slots(),
                ProviderSet::EMPTY,
                ctx,
            ),
            Event::RejectAll(ctx) => (
                Action::RejectAll,
                CategorySet::EMPTY,
                ProviderSet::EMPTY,
                ctx,
            ),
            Event::Save {
                chosen,
                refused_providers,
                ctx,
            } => (Action::Save, chosen, refused_providers, ctx),
            Event::Withdraw { categories, ctx } => {
                return self.withdraw_at_revision(policy, categories, ctx, revision)
            }
            Event::SignalGpc(at) => return self.signal_at_revision(policy, at, revision),
            Event::Dismiss(_) | Event::Scroll(_) | Event::Navigate(_) | Event::Idle(_) => {
                return None
            }
        };
        Some(self.decide(policy, action, chosen, refused_providers, ctx, revision))
    }

    /// Grants every consent category (one decision per category, R3).
    pub fn accept_all(&mut self, policy: &ValidPolicy<'_>, ctx: Ctx) -> Proof {
        self.decide(
            policy,
            Action::AcceptAll,
            policy.consent_slots(),
            ProviderSet::EMPTY,
            ctx,
            policy.policy().revision,
        )
    }

    /// Refuses every consent category (R8); the refusal is stored (R14).
    pub fn reject_all(&mut self, policy: &ValidPolicy<'_>, ctx: Ctx) -> Proof {
        self.decide(
            policy,
            Action::RejectAll,
            CategorySet::EMPTY,
            ProviderSet::EMPTY,
            ctx,
            policy.policy().revision,
        )
    }

    /// Grants exactly `chosen` (R3), refuses every other consent category, and
    /// refuses `refused_providers` inside the granted ones. Saving an untouched
    /// selection (the empty set) grants nothing (R1).
    pub fn save(
        &mut self,
        policy: &ValidPolicy<'_>,
        chosen: CategorySet,
        refused_providers: ProviderSet,
        ctx: Ctx,
    ) -> Proof {
        let revision = policy.policy().revision;
        self.decide(
            policy,
            Action::Save,
            chosen,
            refused_providers,
            ctx,
            revision,
        )
    }

    fn decide(
        &mut self,
        policy: &ValidPolicy<'_>,
        action: Action,
        chosen: CategorySet,
        refused_providers: ProviderSet,
        ctx: Ctx,
        revision: u32,
    ) -> Proof {
        let consent = policy.consent_slots();
        let granted = chosen.intersection(consent);
        self.granted = granted.bits();
        self.refused = consent.difference(granted).bits();
        self.withdrawn = 0;
        self.signalled = 0;
        self.providers_refused = refused_providers
            .intersection(policy.provider_slots())
            .bits();
        self.decided = true;
        self.decided_at = secs(ctx.at);
        self.decided_revision = revision;
        self.partial_at = 0;
        self.partial_revision = 0;
        self.notice = ctx.notice;
        self.action = Some(action);
        self.control = ctx.control;
        self.gpc = ctx.gpc;
        self.debug_check();
        self.proof(
            policy,
            Made::new(ctx.at, revision, ctx.gpc),
            action,
            CategorySet::from_bits(self.granted),
            CategorySet::from_bits(self.refused),
        )
    }

    /// Withdraws `categories` (`None`: every consent category): a partial refusal
    /// from `ctx.at` (R11). Never fails; withdrawing again changes nothing but the
    /// refusal's time. A withdrawal that names no consent category refuses
    /// nothing, records nothing and returns `None` (SPEC §4).
    pub fn withdraw(
        &mut self,
        policy: &ValidPolicy<'_>,
        categories: Option<CategorySet>,
        ctx: Ctx,
    ) -> Option<Proof> {
        self.withdraw_at_revision(policy, categories, ctx, policy.policy().revision)
    }

    fn withdraw_at_revision(
        &mut self,
        policy: &ValidPolicy<'_>,
        categories: Option<CategorySet>,
        ctx: Ctx,
        revision: u32,
    ) -> Option<Proof> {
        let consent = policy.consent_slots();
        let which = categories.unwrap_or(consent).intersection(consent);
        if which.is_empty() {
            return None;
        }
        self.mark_partial(policy, which.bits(), false, secs(ctx.at), revision);
        self.notice = ctx.notice;
        self.action = Some(Action::Withdraw);
        self.control = ctx.control;
        Some(self.proof(
            policy,
            Made::new(ctx.at, revision, ctx.gpc),
            Action::Withdraw,
            CategorySet::EMPTY,
            which,
        ))
    }

    /// A GPC signal at `at` (R22): refuses every category of `gpc_refuses`,
    /// including one already refused by another event (it becomes refused by the
    /// signal), except one whose grant is in force and was made by a decision
    /// taken under the signal (the decision's GPC flag). Never grants.
    ///
    /// Each signal renews the refusal's time, so a visitor who keeps signalling
    /// never sees it lapse; but a signal that would change nothing but that time,
    /// within 24 hours of it (half the refusal's lifetime where that is shorter:
    /// [`renew_window`]), records nothing, so a host need not re-issue the
    /// consent cookie on every request. Returns the proof when the state changed.
    pub fn signal_gpc(&mut self, policy: &ValidPolicy<'_>, at: OffsetDateTime) -> Option<Proof> {
        self.signal_at_revision(policy, at, policy.policy().revision)
    }

    fn signal_at_revision(
        &mut self,
        policy: &ValidPolicy<'_>,
        at: OffsetDateTime,
        revision: u32,
    ) -> Option<Proof> {
        let now = secs(at);
        let mut which = CategorySet::EMPTY;
        for slot in policy.gpc_slots().slots() {
            if !(self.gpc && self.slot_status(policy, slot, now) == Status::Granted) {
                which = which.with(slot);
            }
        }
        if which.is_empty() {
            return None;
        }
        let mut next = *self;
        next.mark_partial(policy, which.bits(), true, now, revision);
        let only_retimed = ConsentState {
            partial_at: self.partial_at,
            ..next
        } == *self;
        if only_retimed && now < self.partial_at.saturating_add(renew_window(policy)) {
            return None;
        }
        *self = next;
        self.action = Some(Action::SignalGpc);
        self.control = Control::Signal;
        Some(self.proof(
            policy,
            Made::new(at, revision, true),
            Action::SignalGpc,
            CategorySet::EMPTY,
            which,
        ))
    }

    /// Moves the slots in `m` to the partial refusals at `at` under `revision`.
    /// The other partial refusals still in force at `at` are kept, and all share
    /// the latest time and the highest revision: a refusal may last longer, never
    /// shorter. One lapsed or outdated at `at` is undecided and stays so.
    fn mark_partial(
        &mut self,
        policy: &ValidPolicy<'_>,
        m: u32,
        signal: bool,
        at: i64,
        revision: u32,
    ) {
        if m == 0 {
            return;
        }
        let mut stale = 0u32;
        for slot in CategorySet::from_bits(self.withdrawn | self.signalled).slots() {
            if matches!(
                self.slot_status(policy, slot, at),
                Status::Denied(Why::Expired | Why::Outdated)
            ) {
                stale |= 1 << slot;
            }
        }
        self.withdrawn &= !stale;
        self.signalled &= !stale;
        // Only refusals still in force carry their time and revision on (one
        // this event renews among them: a refusal may last longer, never
        // shorter); a stale one does not.
        let kept = self.withdrawn | self.signalled != 0;
        self.granted &= !m;
        self.refused &= !m;
        self.withdrawn &= !m;
        self.signalled &= !m;
        if signal {
            self.signalled |= m;
        } else {
            self.withdrawn |= m;
        }
        if kept {
            self.partial_at = self.partial_at.max(at);
            self.partial_revision = self.partial_revision.max(revision);
        } else {
            self.partial_at = at;
            self.partial_revision = revision;
        }
        self.debug_check();
    }

    fn proof(
        &self,
        policy: &ValidPolicy<'_>,
        made: Made,
        action: Action,
        granted: CategorySet,
        refused: CategorySet,
    ) -> Proof {
        Proof {
            at: from_secs(secs(made.at)),
            consent_id: self.consent_id,
            revision: made.revision,
            notice: self.notice,
            action,
            control: self.control,
            granted,
            refused,
            providers_refused: if action.is_full_decision() {
                ProviderSet::from_bits(self.providers_refused)
            } else {
                ProviderSet::EMPTY
            },
            gpc: made.gpc,
            expires: self.expires(policy),
        }
    }

    /// Replays a proof record onto the state (R18). The policy says which earlier
    /// partial refusals had lapsed when a partial refusal was made.
    pub fn apply_proof(&mut self, policy: &ValidPolicy<'_>, proof: &Proof) {
        let at = secs(proof.at);
        if proof.action.is_full_decision() {
            self.granted = proof.granted.bits();
            self.refused = proof.refused.bits() & !proof.granted.bits();
            self.withdrawn = 0;
            self.signalled = 0;
            self.providers_refused = proof.providers_refused.bits();
            self.decided = true;
            self.decided_at = at;
            self.decided_revision = proof.revision;
            self.partial_at = 0;
            self.partial_revision = 0;
            self.gpc = proof.gpc;
        } else {
            let signal = proof.action == Action::SignalGpc;
            self.mark_partial(policy, proof.refused.bits(), signal, at, proof.revision);
        }
        if proof.action != Action::SignalGpc {
            self.notice = proof.notice;
        }
        self.action = Some(proof.action);
        self.control = proof.control;
        self.debug_check();
    }

    /// The state a visitor's proof records give, in order (R18).
    pub fn replay<'p, I>(policy: &ValidPolicy<'_>, consent_id: u128, records: I) -> ConsentState
    where
        I: IntoIterator<Item = &'p Proof>,
    {
        let mut s = ConsentState::new(consent_id);
        for r in records {
            s.apply_proof(policy, r);
        }
        s
    }

    // ---- queries ----------------------------------------------------------

    /// When the decision held for `slot` lapses, if there is one.
    fn lapse(&self, policy: &ValidPolicy<'_>, slot: u8) -> Option<i64> {
        let (status, at, _) = self.held(slot)?;
        let ttl = match status {
            Status::Granted => policy.facts_consent_secs(),
            _ => policy.facts_refusal_secs(),
        };
        Some(at.saturating_add(ttl))
    }

    /// The decision the state holds for `slot`, whatever the time, with the time
    /// it counts from and its revision; `None` when there is none. The one place
    /// the four masks are read in order.
    #[inline]
    fn held(&self, slot: u8) -> Option<(Status, i64, u32)> {
        let bit = 1u32 << (slot & 31);
        let full = (self.decided_at, self.decided_revision);
        let partial = (self.partial_at, self.partial_revision);
        let ((at, revision), status) = if self.granted & bit != 0 {
            (full, Status::Granted)
        } else if self.refused & bit != 0 {
            (full, Status::Denied(Why::Refused))
        } else if self.withdrawn & bit != 0 {
            (partial, Status::Denied(Why::Withdrawn))
        } else if self.signalled & bit != 0 {
            (partial, Status::Denied(Why::Signal))
        } else {
            return None;
        };
        Some((status, at, revision))
    }

    #[inline]
    fn slot_status(&self, policy: &ValidPolicy<'_>, slot: u8, now: i64) -> Status {
        let Some((held, _, revision)) = self.held(slot) else {
            return Status::Denied(Why::Undecided);
        };
        match self.lapse(policy, slot) {
            Some(lapse) if now >= lapse => return Status::Denied(Why::Expired),
            _ => {}
        }
        let changed = policy
            .category_at_slot(slot)
            .map_or(0, |c| c.changed_in_revision);
        if revision < changed {
            return Status::Denied(Why::Outdated);
        }
        held
    }

    /// The decision the state stores for `category`, whatever the time: exempt,
    /// granted, or denied as undecided, refused, withdrawn or signal. Unlike
    /// [`ConsentState::category_status`] it never says expired or outdated.
    pub fn stored_status(&self, category: &Category<'_>) -> Status {
        match (category.basis, self.held(category.slot)) {
            (Basis::Exempt, _) => Status::Exempt,
            (Basis::Consent, Some((status, _, _))) => status,
            (Basis::Consent, None) => Status::Denied(Why::Undecided),
        }
    }

    /// When the decision the state holds for `category` lapses (R16): a grant at
    /// decided + `consent_ttl_days`, a refusal at its time + `refusal_ttl_days`;
    /// `None` for the exempt category and for one never decided.
    pub fn lapses_at(
        &self,
        policy: &ValidPolicy<'_>,
        category: &Category<'_>,
    ) -> Option<OffsetDateTime> {
        match category.basis {
            Basis::Exempt => None,
            Basis::Consent => self.lapse(policy, category.slot).map(from_secs),
        }
    }

    /// The standing of `category` at `now` (R15, R16, R17).
    pub fn category_status(
        &self,
        policy: &ValidPolicy<'_>,
        category: &Category<'_>,
        now: OffsetDateTime,
    ) -> Status {
        match category.basis {
            Basis::Exempt => Status::Exempt,
            Basis::Consent => self.slot_status(policy, category.slot, secs(now)),
        }
    }

    /// Whether a cookie named `name` may be stored at `now`.
    #[inline]
    pub fn permits<'a>(
        &self,
        policy: &ValidPolicy<'a>,
        name: &str,
        now: OffsetDateTime,
    ) -> Permit<'a> {
        self.permits_kind(policy, Kind::Cookie, name, now)
    }

    /// Whether an item of `kind` named `name` may be stored at `now` (R4, R12, R21).
    pub fn permits_kind<'a>(
        &self,
        policy: &ValidPolicy<'a>,
        kind: Kind,
        name: &str,
        now: OffsetDateTime,
    ) -> Permit<'a> {
        if policy.is_consent_cookie(kind, name) {
            return Permit::Allowed {
                category: policy.necessary_category(),
                declaration: None,
            };
        }
        match policy.lookup(kind, name) {
            None => Permit::Undeclared,
            Some(d) => self.permits_declaration(policy, d, now),
        }
    }

    /// Whether items of declaration `d` may be stored at `now`.
    #[inline]
    pub fn permits_declaration<'a>(
        &self,
        policy: &ValidPolicy<'a>,
        d: &'a Declaration<'a>,
        now: OffsetDateTime,
    ) -> Permit<'a> {
        let category = policy.category_of(d);
        match self.category_status(policy, category, now) {
            Status::Exempt => Permit::Allowed {
                category,
                declaration: Some(d),
            },
            Status::Granted => {
                let provider = policy.provider_of(d);
                if ProviderSet::from_bits(self.providers_refused).contains(provider.slot) {
                    Permit::Denied {
                        category,
                        declaration: d,
                        why: Why::ProviderRefused,
                    }
                } else {
                    Permit::Allowed {
                        category,
                        declaration: Some(d),
                    }
                }
            }
            Status::Denied(why) => Permit::Denied {
                category,
                declaration: d,
                why,
            },
        }
    }

    /// Whether every declaration of a set may be stored at `now`, given the
    /// set's consent categories and the providers of its consent-category
    /// declarations: true exactly when each category in `categories` stands
    /// granted and no provider in `providers` is refused, which is when
    /// [`ConsentState::permits_declaration`] allows each declaration of the set
    /// (R4, R12, R21).
    ///
    /// Slots in `categories` that are not consent categories of the policy
    /// (the exempt one, whose declarations are always allowed, or none of the
    /// policy's) are ignored. A provider in `providers` is checked whatever
    /// its declarations' category: leave out the providers of exempt
    /// declarations, which a refusal of their provider does not deny.
    ///
    /// A caller that judges the same set often (the cookies a request names)
    /// works out its categories and providers once, and then answers with this
    /// alone instead of one `permits_declaration` a name.
    pub fn permits_all(
        &self,
        policy: &ValidPolicy<'_>,
        categories: CategorySet,
        providers: ProviderSet,
        now: OffsetDateTime,
    ) -> bool {
        if !ProviderSet::from_bits(self.providers_refused)
            .intersection(providers)
            .is_empty()
        {
            return false;
        }
        let now = secs(now);
        categories
            .intersection(policy.consent_slots())
            .slots()
            .all(|slot| self.slot_status(policy, slot, now) == Status::Granted)
    }

    /// Whether the visitor must be asked at `now`: some consent category holds no
    /// decision in force (never decided, lapsed, or outdated). While every consent
    /// category holds one, refusals included, this is false (R15).
    pub fn prompt_due(&self, policy: &ValidPolicy<'_>, now: OffsetDateTime) -> bool {
        let now = secs(now);
        policy.consent_slots().slots().any(|slot| {
            matches!(self.slot_status(policy, slot, now), Status::Denied(w) if w.is_undecided())
        })
    }

    /// The earliest time one of the decisions lapses (R16), when the prompt falls
    /// due; `None` when no consent category holds a decision.
    pub fn expires(&self, policy: &ValidPolicy<'_>) -> Option<OffsetDateTime> {
        policy
            .consent_slots()
            .slots()
            .filter_map(|slot| self.lapse(policy, slot))
            .min()
            .map(from_secs)
    }

    /// The settings layer's toggles: the categories granted and in force at `now`.
    /// For a new visitor this is empty: nothing is pre-ticked (R1).
    pub fn toggles(&self, policy: &ValidPolicy<'_>, now: OffsetDateTime) -> CategorySet {
        let now = secs(now);
        policy
            .consent_slots()
            .slots()
            .filter(|&slot| self.slot_status(policy, slot, now) == Status::Granted)
            .collect()
    }

    /// The declared cookies among `present` that must be deleted at `now` (after a
    /// withdrawal, a refusal or a lapse): every present name whose declaration is
    /// denied. Undeclared names and the consent cookie are left alone.
    pub fn deletion_plan<'s, 'a, 'p, I>(
        &'s self,
        policy: &'s ValidPolicy<'a>,
        now: OffsetDateTime,
        present: I,
    ) -> Deletions<'s, 'a, I::IntoIter>
    where
        I: IntoIterator<Item = &'p str>,
    {
        Deletions::new(self, policy, now, present.into_iter())
    }

    /// The declared non-cookie storage items (local and session storage, IndexedDB)
    /// the page script must clear at `now`: every one whose category is denied.
    pub fn storage_to_clear<'s, 'a>(
        &'s self,
        policy: &'s ValidPolicy<'a>,
        now: OffsetDateTime,
    ) -> StorageToClear<'s, 'a> {
        StorageToClear::new(self, policy, now)
    }
}
