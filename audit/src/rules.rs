//! The auditor: each visitor replayed through the core's state machine, and the
//! thirteen violations of SPEC §8 read off the core's answers.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use samtykke::{
    Action, Basis, Category, CategorySet, ConsentModeFlags, ConsentState, Ctx, Declaration, Event,
    Kind, Permit, ProviderSet, Status, ValidPolicy, Why,
};
use samtykke_host::time::{format_rfc3339, from_unix_clamped};
use time::OffsetDateTime;

use super::event::{self, Body, Decision, Line, LogAction, Notice};
use super::memo::{Found, Memo, ParseMemo};
use super::report::{InputError, InputErrorKind, Report, Sink, Summary, Violation, ViolationId};
use super::scan::{self, ScanError};
use super::stamp;
use super::visitors::{Visitors, NEVER};
use super::{AuditOptions, MAX_LINE};

/// Audits a consent log line by line (SPEC §8).
///
/// Feed it lines ([`Auditor::line`]), JSON values ([`Auditor::value`]) or whole
/// files ([`Auditor::read`], [`Auditor::read_path`]), in order; what it finds goes
/// to its [`Sink`] as it is found, and [`Auditor::finish`] (or
/// [`Auditor::into_parts`]) hands back the result with the [`Summary`]. An
/// auditor owns all its data and borrows only the policy, so it is `Send` when the
/// policy is, and may run with a Python interpreter's lock released.
///
/// ```
/// use samtykke_audit::{AuditOptions, Auditor, ViolationId};
///
/// let policy = samtykke_host::OwnedPolicy::from_json(include_str!(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../examples/kk.dk.policy.json"
/// )))
/// .unwrap();
/// let mut audit = Auditor::new(policy.view(), AuditOptions::new());
/// audit.line(1, br#"{"ts":"2026-03-01T10:00:00Z","visitor":"v1","event":"cookie_present","cookies":["nmstat"]}"#);
/// let report = audit.finish();
/// assert_eq!(report.violations[0].id, ViolationId::CookieBeforeConsent);
/// assert_eq!(report.summary.events, 1);
/// ```
#[derive(Debug)]
pub struct Auditor<'p, S: Sink = Report> {
    policy: ValidPolicy<'p>,
    options: AuditOptions,
    /// The longer of the two TTLs, seconds: the horizon of every rule.
    longest: i64,
    pub(crate) visitors: Visitors,
    sink: S,
    summary: Summary,
    file: Arc<str>,
    /// Under `--merge`, the merged clock: the latest time of any event taken.
    clock: i64,
    since_sweep: u64,
    /// The cutoff of the last sweep: visitors idle since before it are shrunk.
    swept_to: i64,
    shrunk: u64,
    /// Under `--merge`, findings wait here, keyed by file and line, to reach the
    /// sink in input order.
    pub(crate) held: Option<Vec<Held>>,
    /// The current file's position among the files read.
    file_index: u32,
    /// With [`AuditOptions::threads`] above 1: the shards, one a worker, each
    /// remembering the visitors `route` places in it.
    pub(crate) shards: Vec<super::shard::Shard<'p>>,
    /// Why a sharded read stopped when one of its threads failed: the shards
    /// then hold different stretches of that input, so no later read runs.
    pub(crate) halted: Option<String>,
    /// The key visitors are placed and routed under.
    pub(crate) route: crate::hash::Keyed,
    names: Names<'p>,
    lists: Memo<Asks, 4096>,
    /// Whether a list seen before is judged whole ([`Asks`]); off only in the
    /// test that holds that shortcut to judging each name.
    lists_whole: bool,
    /// The core's time of each event, made from its seconds.
    moments: stamp::Moments,
    attributes: event::AttributeMemo,
    parse_memo: ParseMemo,
}

/// A memo of the policy's lookup by cookie name: the lookup is the core's, done
/// once per name rather than once per cookie. (A name over 256 bytes is looked
/// up every time.)
type Names<'p> = Memo<Option<&'p Declaration<'p>>, 512>;

/// What a list of cookie names (a `cookie_present`'s `cookies`) asks of a
/// visitor's state, worked out once per list text: when every consent category
/// it names stands granted and none of its providers is refused, each name is
/// permitted and the list has nothing to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Asks {
    /// A name no declaration covers: reported on every request.
    undeclared: bool,
    /// The consent categories of the names' declarations.
    categories: CategorySet,
    /// The providers of those declarations.
    providers: ProviderSet,
}

impl Asks {
    /// The longest list text whose asks are kept.
    const LONGEST: usize = 512;

    /// What `list` asks, its names' declarations found by `lookup` (the
    /// policy's, or a memo of it).
    pub(crate) fn of<'p>(
        policy: &ValidPolicy<'p>,
        mut lookup: impl FnMut(&str) -> Option<&'p Declaration<'p>>,
        list: scan::Strings<'_>,
    ) -> Asks {
        let mut asks = Asks {
            undeclared: false,
            categories: CategorySet::EMPTY,
            providers: ProviderSet::EMPTY,
        };
        for name in list {
            // The consent cookie is always permitted (the core's `permits`).
            if policy.is_consent_cookie(Kind::Cookie, &name) {
                continue;
            }
            match lookup(&name) {
                None => asks.undeclared = true,
                Some(d) => {
                    let category = policy.category_of(d);
                    if category.basis == Basis::Consent {
                        asks.categories = asks.categories.with(category.slot);
                        asks.providers = asks.providers.with(policy.provider_of(d).slot);
                    }
                }
            }
        }
        asks
    }

    /// [`Asks::of`] with the policy's own lookup, for a list seen once.
    pub(crate) fn looked_up(policy: &ValidPolicy<'_>, list: scan::Strings<'_>) -> Asks {
        Asks::of(policy, |n| policy.lookup(Kind::Cookie, n), list)
    }

    /// Whether `state` permits every name of the list at `now`, as the core's
    /// `permits` would say name by name (the core's rule for a set of
    /// declarations, [`ConsentState::permits_all`]).
    fn all_permitted(
        &self,
        policy: &ValidPolicy<'_>,
        state: &ConsentState,
        now: OffsetDateTime,
    ) -> bool {
        !self.undeclared && state.permits_all(policy, self.categories, self.providers, now)
    }
}

impl<'p> Auditor<'p, Report> {
    /// An auditor that collects everything into a [`Report`].
    pub fn new(policy: ValidPolicy<'p>, options: AuditOptions) -> Self {
        Auditor::with_sink(policy, options, Report::default())
    }

    /// The report: every violation and input error in input order, and the
    /// summary.
    pub fn finish(self) -> Report {
        let (mut report, summary) = self.into_parts();
        report.summary = summary;
        report
    }
}

/// The default file name of lines fed without [`Auditor::file`].
pub const LINES: &str = "<lines>";

impl<'p, S: Sink> Auditor<'p, S> {
    /// An auditor that sends what it finds to `sink`.
    pub fn with_sink(policy: ValidPolicy<'p>, mut options: AuditOptions, sink: S) -> Self {
        if options.threads == 0 {
            options.threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        }
        Auditor {
            longest: policy.consent_cookie_max_age(),
            visitors: Visitors::new(options.weak_hash, policy.consent_slots()),
            policy,
            options,
            sink,
            summary: Summary::default(),
            file: Arc::from(LINES),
            clock: NEVER,
            since_sweep: 0,
            swept_to: NEVER,
            shrunk: 0,
            held: None,
            file_index: 0,
            shards: Vec::new(),
            halted: None,
            route: crate::hash::Keyed::new(),
            names: Names::new(256),
            lists: Memo::new(Asks::LONGEST),
            lists_whole: true,
            moments: stamp::Moments::default(),
            attributes: event::AttributeMemo::default(),
            parse_memo: ParseMemo::default(),
        }
    }

    /// Starts a new file: the lines fed after this are reported under `name`.
    /// Visitors carry over from file to file (several files are one log, in
    /// order).
    pub fn file(&mut self, name: &str) {
        self.file = Arc::from(name);
        self.file_index = self.summary.files as u32;
        self.summary.files += 1;
    }

    /// Under `--merge`: the lines that follow belong to the file numbered `index`
    /// (from 0, in the order given), named `name`.
    pub(crate) fn switch_file(&mut self, index: u32, name: &Arc<str>) {
        self.file_index = index;
        self.file = Arc::clone(name);
    }

    /// The counts so far (of this auditor's own thread; see
    /// [`Auditor::into_parts`] for all).
    pub(crate) fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The counts so far, of every shard.
    pub fn counts(&self) -> Summary {
        self.total_summary()
    }

    /// The options audited with.
    pub(crate) fn options(&self) -> &AuditOptions {
        &self.options
    }

    /// The current file's position and name.
    pub(crate) fn current_file(&self) -> (u32, Arc<str>) {
        (self.file_index, Arc::clone(&self.file))
    }

    /// The sink.
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// The sink, to drain it while the audit runs.
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// Visitors remembered now.
    pub fn remembered(&self) -> usize {
        self.visitors.len() + self.shards.iter().map(|s| s.visitors.len()).sum::<usize>()
    }

    /// Visitors shrunk to tombstones so far, idle past the longest TTL behind
    /// the merged clock (see [`AuditOptions::merge`]); a visitor who returns is
    /// counted again if shrunk again.
    pub fn shrunk(&self) -> u64 {
        self.shrunk + self.shards.iter().map(|s| s.shrunk).sum::<u64>()
    }

    /// Tombstones held now, and the bytes they take.
    pub fn tombstones(&self) -> (usize, usize) {
        let mut t = (self.visitors.tombs.len(), self.visitors.tombs.bytes());
        for s in &self.shards {
            t.0 += s.visitors.tombs.len();
            t.1 += s.visitors.tombs.bytes();
        }
        t
    }

    /// The policy audited against.
    pub(crate) fn policy(&self) -> ValidPolicy<'p> {
        self.policy
    }

    /// Whether to read and parse on a thread of their own.
    pub(crate) fn threads(&self) -> usize {
        self.options.threads
    }

    /// The sink and the summary.
    pub fn into_parts(self) -> (S, Summary) {
        let summary = self.total_summary();
        (self.sink, summary)
    }

    /// Audits one line, numbered `number` in the current file. A line of
    /// whitespace is skipped; a trailing `\r` and, on line 1, a byte-order mark are
    /// ignored.
    pub fn line(&mut self, number: u64, text: &[u8]) {
        let parsed = parse_line(&self.policy, &mut self.parse_memo, number == 1, text);
        self.take_routed(number, parsed);
    }

    /// Takes line `number`, read, as [`Auditor::line`] does: on this
    /// auditor, or on its visitor's shard when sharded.
    pub(crate) fn take_routed(&mut self, number: u64, parsed: Parsed<'_>) {
        if self.options.threads > 1 && !self.options.merge {
            // Sharded: the visitor's shard applies it, as a worker would.
            self.ensure_shards();
            let j = match &parsed {
                Parsed::Event(line) => self.shard_of(&line.visitor),
                _ => 0,
            };
            let (index, name) = self.current_file();
            let shard = &mut self.shards[j];
            shard.switch_file(index, &name);
            shard.take(number, parsed);
            self.gather();
        } else {
            self.take(number, parsed);
        }
    }

    /// Counts a parsed line, and applies it or reports why not.
    #[inline]
    pub(crate) fn take(&mut self, number: u64, mut parsed: Parsed<'_>) {
        self.take_in_place(number, &mut parsed);
    }

    /// [`Auditor::take`] of a line left where it is (an input error's message
    /// taken out of it). A line (160 bytes) handed to a call that is not
    /// inlined is copied on its way: the sharded workers hand theirs so.
    pub(crate) fn take_in_place(&mut self, number: u64, parsed: &mut Parsed<'_>) {
        match parsed {
            Parsed::Blank => {}
            Parsed::Error(kind, message) => {
                self.summary.lines += 1;
                self.input_error(number, *kind, std::mem::take(message));
            }
            Parsed::Event(line) => {
                self.summary.lines += 1;
                self.apply(number, line);
            }
        }
    }

    /// Audits one event given as a JSON value (a Python dict, say), numbered
    /// `number` in the current file.
    pub fn value(&mut self, number: u64, value: &serde_json::Value) {
        match serde_json::to_vec(value) {
            Ok(text) => self.line(number, &text),
            Err(e) => self.input_error(number, InputErrorKind::NotJson, format!("not JSON: {e}")),
        }
    }

    /// Reports line `number` of the current file as an input error the caller
    /// found before the audit could read it (a host value that has no JSON
    /// form, say): counted as a line, like any bad line, and not applied.
    pub fn reject(&mut self, number: u64, kind: InputErrorKind, message: String) {
        self.take(number, Parsed::Error(kind, message));
    }

    fn input_error(&mut self, line: u64, kind: InputErrorKind, message: String) {
        self.summary.input_errors += 1;
        let e = InputError {
            file: Arc::clone(&self.file),
            line,
            kind,
            message,
        };
        match &mut self.held {
            Some(held) => held.push(Held {
                file: self.file_index,
                line,
                finding: Finding::InputError(e),
            }),
            None => self.sink.input_error(e),
        }
    }

    /// Sends the held findings to the sink in input order (file, then line, then
    /// the order found).
    pub(crate) fn release(&mut self) {
        if let Some(held) = &mut self.held {
            held.sort_by_key(|h| (h.file, h.line));
            for h in held.drain(..) {
                match h.finding {
                    Finding::Violation(v) => self.sink.violation(v),
                    Finding::InputError(e) => self.sink.input_error(e),
                }
            }
        }
    }

    fn apply(&mut self, number: u64, line: &Line<'_>) {
        // A `Set-Cookie` header is read first: a bad one is an input error, and
        // the line is not applied.
        let setting = match &line.body {
            Body::CookieSet(c) => match c.read(line.at, &mut self.attributes) {
                Ok(s) => Some(s),
                Err(bad) => return self.input_error(number, bad.kind, bad.message),
            },
            _ => None,
        };
        if self.options.merge {
            if line.at < self.clock {
                let message = format!(
                    "{} is not in time order, needed by --merge: the merged files have reached {}",
                    line.ts,
                    rfc3339(self.clock)
                );
                return self.input_error(number, InputErrorKind::OutOfOrder, message);
            }
            self.clock = line.at;
        }
        let (slot, new) = self
            .visitors
            .find_or_insert_placed(&line.visitor, line.place);
        // A visitor stays the same visitor however long they were away (SPEC §8).
        let new = new && !self.visitors.revive(slot);
        let last = self.visitors.last(slot);
        if new {
            self.summary.visitors += 1;
        } else if line.at < last {
            let message = format!(
                "{} is earlier than visitor {:?}'s previous event ({})",
                line.ts,
                line.visitor,
                rfc3339(last)
            );
            self.input_error(number, InputErrorKind::OutOfOrder, message);
            return;
        }
        let now = self.moments.at(line.at);
        // A copy of the state, written back by the events that change it
        // (decisions and signals).
        let mut state = self.visitors.get(slot).state;
        let at = Here { number, line, now };
        match &line.body {
            Body::Notice(n) => self.notice(&at, slot, &state, n),
            Body::Decision(d) => {
                self.decision(&at, slot, &mut state, d);
                self.visitors.get_mut(slot).state = state;
            }
            Body::CookieSet(_) => {
                // A deletion is never a violation (SPEC §8).
                if let Some(s) = setting.filter(|s| !s.deletion) {
                    self.cookie(&at, slot, &state, &s.name, Some(s.lifetime));
                }
            }
            Body::CookiePresent(list, asks) => {
                self.cookies_present(&at, slot, &state, list.clone(), *asks)
            }
            Body::CookieDeleted => {}
            Body::Signal => {
                state.signal_gpc(&self.policy, now);
                let v = self.visitors.get_mut(slot);
                v.signal = line.at;
                v.state = state;
            }
            Body::TagRequest(claimed) => self.tag_request(&at, &state, *claimed),
        }
        self.visitors.set_last(slot, line.at);
        self.summary.events += 1;
        if self.options.merge && self.options.shrink {
            self.since_sweep += 1;
            let every = self.options.sweep_every.max(self.visitors.len() as u64 / 2);
            if self.since_sweep >= every {
                self.since_sweep = 0;
                // Idle for more than the longest TTL behind the clock: every
                // decision has lapsed and every notice, signal and withdrawal is
                // out of reach of the visitor's next event, which cannot come
                // before the clock.
                let cutoff = self.clock.saturating_sub(self.longest);
                // A sweep finds someone only once the cutoff has moved on.
                if cutoff > self.swept_to.saturating_add(SWEEP_STEP_SECONDS) {
                    self.swept_to = cutoff;
                    self.shrunk += self.visitors.shrink_before(cutoff) as u64;
                }
            }
        }
    }

    fn emit(
        &mut self,
        at: &Here<'_, '_>,
        id: ViolationId,
        cookie: Option<&str>,
        category: Option<&str>,
        message: String,
    ) {
        self.summary.violations_by_id[id as usize] += 1;
        let v = Violation {
            id,
            file: Arc::clone(&self.file),
            line: at.number,
            visitor: at.line.visitor.to_string(),
            ts: at.line.ts.to_string(),
            cookie: cookie.map(str::to_owned),
            category: category.map(str::to_owned),
            message,
        };
        match &mut self.held {
            Some(held) => held.push(Held {
                file: self.file_index,
                line: at.number,
                finding: Finding::Violation(v),
            }),
            None => self.sink.violation(v),
        }
    }

    /// The consent categories in `set`, in the policy's order.
    fn names(&self, set: CategorySet) -> Vec<&'p str> {
        if set.intersection(self.policy.consent_slots()).is_empty() {
            return Vec::new();
        }
        self.policy
            .category_ids(set.intersection(self.policy.consent_slots()))
            .collect()
    }

    fn notice(&mut self, at: &Here<'_, '_>, slot: u32, state: &ConsentState, n: &Notice) {
        let layer = || n.layer.map_or(String::new(), |l| format!(" (layer {l})"));
        let preselected = self.names(n.preselected);
        if let Some(first) = preselected.first() {
            let layer = layer();
            let message = format!(
                "notice{layer} shown with {} preselected: consent needs an active choice",
                preselected.join(", ")
            );
            self.emit(
                at,
                ViolationId::PreselectedConsent,
                None,
                Some(first),
                message,
            );
        }
        if n.accept_all && !n.reject_all {
            let layer = layer();
            let message = format!("notice{layer} offers accept_all without reject_all");
            self.emit(at, ViolationId::NoRejectOption, None, None, message);
        }
        if !n.user && !state.prompt_due(&self.policy, at.now) {
            let refused: Vec<&str> = self
                .consent_categories()
                .filter(|c| {
                    matches!(
                        state.category_status(&self.policy, c, at.now),
                        Status::Denied(Why::Refused | Why::Withdrawn | Why::Signal)
                    )
                })
                .map(|c| c.id)
                .collect();
            if let Some(first) = refused.first() {
                let message = format!(
                    "notice shown unasked while every consent category holds a decision in force ({} refused)",
                    refused.join(", ")
                );
                self.emit(at, ViolationId::RepromptTooSoon, None, Some(first), message);
            }
        }
        let t = at.line.at;
        self.visitors
            .note_notice(slot, n.revision, t, t.saturating_sub(self.longest));
    }

    fn consent_categories(&self) -> impl Iterator<Item = &'p Category<'p>> {
        self.policy.consent_categories()
    }

    fn decision(&mut self, at: &Here<'_, '_>, slot: u32, state: &mut ConsentState, d: &Decision) {
        let now = at.now;
        let t = at.line.at;
        let ctx = |gpc| Ctx {
            at: now,
            notice: d.notice,
            control: d.control,
            gpc,
        };
        let action = match d.action {
            LogAction::Core(
                a @ (Action::AcceptAll | Action::RejectAll | Action::Save | Action::Withdraw),
            ) => a,
            LogAction::Core(_) | LogAction::Implied => {
                let listed = self.names(d.granted);
                if let Some(first) = listed.first() {
                    let name = d.action.name();
                    // `an implied decision`, `an idle decision`.
                    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    };
                    let message = format!(
                        "{article} {name} decision lists {} as granted: {name} is not consent",
                        listed.join(", ")
                    );
                    self.emit(at, ViolationId::ImpliedConsent, None, Some(first), message);
                }
                // The core decides nothing on these (R2); `implied` has no name
                // there and is passed as idling.
                let event = match d.action {
                    LogAction::Core(Action::Dismiss) => Event::Dismiss(now),
                    LogAction::Core(Action::Scroll) => Event::Scroll(now),
                    LogAction::Core(Action::Navigate) => Event::Navigate(now),
                    _ => Event::Idle(now),
                };
                state.apply(&self.policy, &event);
                return;
            }
        };
        let signal = self.visitors.get(slot).signal;
        let gpc = d.gpc || (signal != NEVER && t - signal <= self.longest);
        let event = match action {
            Action::AcceptAll => Event::AcceptAll(ctx(gpc)),
            Action::RejectAll => Event::RejectAll(ctx(gpc)),
            Action::Save => Event::Save {
                chosen: d.granted,
                refused_providers: d.providers_refused,
                ctx: ctx(gpc),
            },
            _ => Event::Withdraw {
                categories: d.categories,
                ctx: ctx(gpc),
            },
        };
        // A decision taken under an older (or newer) revision keeps it (R17).
        let Some(proof) = state.apply_at_revision(&self.policy, &event, d.revision) else {
            return;
        };
        if action == Action::Withdraw {
            // Withdrawal grace counts from the withdrawal itself (SPEC §4).
            self.visitors.note_withdrawal(slot, t, proof.refused.bits());
        } else {
            self.visitors.clear_withdrawals(slot);
        }
        if !proof.granted.is_empty()
            && !self
                .visitors
                .notice_since(slot, d.revision, t.saturating_sub(self.longest))
        {
            let message = format!(
                "{} grants {} with no notice of revision {} shown before it",
                action.as_str(),
                self.names(proof.granted).join(", "),
                d.revision
            );
            self.emit(at, ViolationId::ConsentWithoutNotice, None, None, message);
        }
    }

    fn cookies_present(
        &mut self,
        at: &Here<'_, '_>,
        slot: u32,
        state: &ConsentState,
        list: scan::Strings<'_>,
        known: Option<Asks>,
    ) {
        // A list seen before whose names the state all permits has nothing to
        // report: most requests of a log. What it asks comes with the line
        // when the line's tail was remembered (the memo of tails compared the
        // list already), else from the memo of lists.
        if self.lists_whole {
            let asks = known.or_else(|| {
                let raw = list.raw().filter(|raw| raw.len() <= Asks::LONGEST)?;
                let (policy, names) = (&self.policy, &mut self.names);
                let lookup = |n: &str| names.get(n, |n| policy.lookup(Kind::Cookie, n));
                Some(
                    self.lists
                        .get(raw, |_| Asks::of(policy, lookup, list.clone())),
                )
            });
            if asks.is_some_and(|asks| asks.all_permitted(&self.policy, state, at.now)) {
                return;
            }
        }
        // A name sent twice in one request is one cookie. Lists are short: the
        // first sixteen names are kept on the stack, a set holds any more.
        const FEW: usize = 16;
        let mut few: [&str; FEW] = [""; FEW];
        let mut n = 0;
        let mut more: HashSet<Cow<'_, str>> = HashSet::new();
        for name in list {
            if few[..n].contains(&name.as_ref()) || more.contains(&name) {
                continue;
            }
            match name {
                Cow::Borrowed(b) if n < FEW => {
                    few[n] = b;
                    n += 1;
                }
                _ => {
                    more.insert(name.clone());
                }
            }
            self.cookie(at, slot, state, &name, None);
        }
    }

    /// A Google tag hit (SPEC §16): one violation for each Consent Mode type it
    /// claims granted while the core's `consent_mode` denies it at that second.
    fn tag_request(&mut self, at: &Here<'_, '_>, state: &ConsentState, claimed: ConsentModeFlags) {
        if claimed == ConsentModeFlags::NONE {
            return;
        }
        let flags = state.consent_mode(&self.policy, at.now);
        let p = *self.policy.policy();
        for (ty, granted) in claimed.iter() {
            if !granted || flags.granted(ty) {
                continue;
            }
            let category = p
                .consent_mode
                .get(ty)
                .and_then(|i| p.categories.get(usize::from(i)));
            let message = match category {
                Some(c) => {
                    let status = state.category_status(&self.policy, c, at.now);
                    format!(
                        "tag request claims {ty} granted, but {} is {}",
                        c.id,
                        status.as_str()
                    )
                }
                None => format!(
                    "tag request claims {ty} granted, but the policy maps {ty} to no category"
                ),
            };
            self.emit(
                at,
                ViolationId::ConsentModeMismatch,
                None,
                category.map(|c| c.id),
                message,
            );
        }
    }

    /// One cookie set (with its lifetime) or present.
    fn cookie(
        &mut self,
        at: &Here<'_, '_>,
        slot: u32,
        state: &ConsentState,
        name: &str,
        set: Option<Option<i64>>,
    ) {
        let verb = if set.is_some() { "set" } else { "present" };
        // The core's `permits`, with its lookup memoized.
        let permit = if self.policy.is_consent_cookie(Kind::Cookie, name) {
            state.permits(&self.policy, name, at.now)
        } else {
            let policy = &self.policy;
            match self.names.get(name, |n| policy.lookup(Kind::Cookie, n)) {
                Some(d) => state.permits_declaration(&self.policy, d, at.now),
                None => Permit::Undeclared,
            }
        };
        let (category, declaration) = match permit {
            Permit::Allowed {
                category,
                declaration,
            } => (category, declaration),
            Permit::Denied {
                category,
                declaration,
                ..
            } => (category, Some(declaration)),
            Permit::Undeclared => {
                let message = format!("{name} {verb}, but no declaration of the policy covers it");
                self.emit(at, ViolationId::UndeclaredCookie, Some(name), None, message);
                return;
            }
        };
        if let Some(lifetime) = set {
            // The consent cookie has no declaration: it lives the longer TTL.
            let (limit, declared) = match declaration {
                Some(d) => (d.duration.as_seconds(), d.duration),
                None => (
                    Some(self.longest),
                    samtykke::Duration::Days(
                        u32::try_from(self.longest / 86_400).unwrap_or(u32::MAX),
                    ),
                ),
            };
            let over = match (lifetime, limit) {
                (Some(l), None) => Some(format!(
                    "{name} set to live {l} s, but it is declared a session cookie"
                )),
                (Some(l), Some(max)) if l > max => Some(format!(
                    "{name} set to live {l} s, over its declared {declared} ({max} s)"
                )),
                _ => None,
            };
            if let Some(message) = over {
                self.emit(
                    at,
                    ViolationId::DurationExceedsDeclaration,
                    Some(name),
                    Some(category.id),
                    message,
                );
            }
        }
        let Permit::Denied { why, .. } = permit else {
            return;
        };
        let cat = category.id;
        let granted = state.granted().contains(category.slot);
        let (id, message) = match why {
            // A new visitor, or one whose decision on the category no longer
            // stands (a partial refusal that lapsed and was dropped): the words
            // do not tell them apart, since a visitor shrunk to a tombstone
            // keeps no history and the report must not change (SPEC §8).
            Why::Undecided => (
                ViolationId::CookieBeforeConsent,
                format!("{name} {verb} while {cat} is undecided: no decision on it stands"),
            ),
            Why::Expired if granted => {
                let decided = state.decided_at().map_or(0, |t| t.unix_timestamp());
                let lapsed = state
                    .lapses_at(&self.policy, category)
                    .map_or(decided, |t| t.unix_timestamp());
                (
                    ViolationId::CookieOnExpiredConsent,
                    format!(
                        "{name} {verb} on the grant of {cat} at {}, which lapsed at {}",
                        rfc3339(decided),
                        rfc3339(lapsed)
                    ),
                )
            }
            Why::Expired => (
                ViolationId::CookieBeforeConsent,
                format!("{name} {verb} while {cat} is undecided: its refusal has lapsed"),
            ),
            Why::Outdated if granted => (
                ViolationId::CookieOnOutdatedConsent,
                format!(
                    "{name} {verb} on a grant of {cat} under revision {}, older than {cat}'s change in revision {}",
                    state.decided_revision(),
                    category.changed_in_revision
                ),
            ),
            Why::Outdated => (
                ViolationId::CookieBeforeConsent,
                format!(
                    "{name} {verb} while {cat} is undecided: its refusal predates {cat}'s change in revision {}",
                    category.changed_in_revision
                ),
            ),
            Why::Refused => {
                // Refused by the last full decision; a withdrawal or a signal
                // since has taken the state's last action, not its refusals.
                let decided = rfc3339(state.decided_at().map_or(0, |t| t.unix_timestamp()));
                let message = match state.action() {
                    Some(a) if !matches!(a, Action::Withdraw | Action::SignalGpc) => format!(
                        "{name} {verb} while {cat} is refused by {} at {decided}",
                        a.as_str()
                    ),
                    _ => format!("{name} {verb} while {cat} is refused by the decision at {decided}"),
                };
                (ViolationId::CookieAfterRefusal, message)
            }
            Why::ProviderRefused => {
                let provider = declaration.map_or("its provider", |d| {
                    self.policy.provider_of(d).name
                });
                (
                    ViolationId::CookieAfterRefusal,
                    format!("{name} {verb} while its provider {provider} is refused"),
                )
            }
            Why::Withdrawn => {
                // The latest withdrawal naming the category: a later signal or
                // withdrawal of others re-times the state's refusal, not this.
                let withdrawn = self
                    .visitors
                    .withdrawn_at(slot, 1 << category.slot)
                    .unwrap_or(NEVER);
                let late = at.line.at.saturating_sub(withdrawn);
                if late <= i64::from(self.options.grace_seconds) {
                    return;
                }
                (
                    ViolationId::CookieAfterWithdrawal,
                    format!(
                        "{name} {verb} {late} s after {cat} was withdrawn at {} (grace {} s)",
                        rfc3339(withdrawn),
                        self.options.grace_seconds
                    ),
                )
            }
            Why::Signal => {
                // The latest signal's own time: the refusal's time is shared
                // with any partial refusal since (a withdrawal re-times it).
                let signal = self.visitors.get(slot).signal;
                let at = if signal == NEVER {
                    state.partial_at().map_or(0, |t| t.unix_timestamp())
                } else {
                    signal
                };
                (
                    ViolationId::SignalIgnored,
                    format!(
                        "{name} {verb} while {cat} is refused by the visitor's GPC signal (the latest at {})",
                        rfc3339(at)
                    ),
                )
            }
        };
        self.emit(at, id, Some(name), Some(cat), message);
    }
}

/// A finding held back under `--merge` until the files are read.
#[derive(Debug)]
pub(crate) struct Held {
    file: u32,
    line: u64,
    finding: Finding,
}

#[derive(Debug)]
enum Finding {
    Violation(Violation),
    InputError(InputError),
}

/// A line read, before the rules.
#[derive(Debug)]
pub(crate) enum Parsed<'a> {
    /// Whitespace only: skipped, not counted.
    Blank,
    /// Not applied, and why.
    Error(InputErrorKind, String),
    /// An event to apply.
    Event(Line<'a>),
}

/// The shard, of `shards`, that takes line `number`: its visitor's, by the
/// keyed hash of the id, which the line keeps (the shard's table is keyed
/// alike, so the hash serves it too); any shard for an input error, which
/// needs no visitor.
pub(crate) fn route(
    parsed: &mut Parsed<'_>,
    number: u64,
    key: &crate::hash::Keyed,
    shards: usize,
) -> usize {
    match parsed {
        Parsed::Event(line) => {
            let place = key.hash(line.visitor.as_bytes());
            line.place = Some(place);
            shard_of_place(place, shards)
        }
        Parsed::Error(..) | Parsed::Blank => (number % shards as u64) as usize,
    }
}

/// The shard, of `shards`, of a visitor whose id hashes to `place`: the hash
/// scaled to the count by a multiplication (the high word of the product), which
/// costs less than a division and splits the hashes as evenly.
#[inline]
pub(crate) fn shard_of_place(place: u64, shards: usize) -> usize {
    ((u128::from(place) * shards as u128) >> 64) as usize
}

/// A line over 1 MiB, in the same words whichever reader met it (some do
/// not keep such a line, so none reports its length).
pub(crate) fn too_long<'a>() -> Parsed<'a> {
    Parsed::Error(
        InputErrorKind::TooLong,
        "the line is over 1 MiB long".to_owned(),
    )
}

/// Reads a line as an event: JSON, its fields, its timestamp; `first` when it
/// is the input's first line (which may open with a byte-order mark). Needs
/// nothing of the visitors, so it may run on another thread than the rules.
pub(crate) fn parse_line<'t>(
    policy: &ValidPolicy<'_>,
    parse_memo: &mut ParseMemo,
    first: bool,
    text: &'t [u8],
) -> Parsed<'t> {
    let range = match trim(text, first) {
        Ok(range) => range,
        Err(skip) => return skip.parsed(),
    };
    let line = &text[range];
    match std::str::from_utf8(line) {
        Ok(text) => parse_json(policy, parse_memo, text),
        Err(e) => {
            // A column, in characters from 1, as the other faults of the
            // JSON are placed ("at byte" is an offset from 0 in a header's
            // text): the characters before the fault, which are UTF-8.
            let before =
                std::str::from_utf8(&line[..e.valid_up_to()]).map_or(0, |s| s.chars().count());
            Parsed::Error(
                InputErrorKind::NotJson,
                format!("not JSON: not UTF-8 at column {}", before + 1),
            )
        }
    }
}

/// [`parse_line`] of a line known to be UTF-8 (a block the sharded reader has
/// checked whole).
#[inline]
pub(crate) fn parse_text<'t>(
    policy: &ValidPolicy<'_>,
    parse_memo: &mut ParseMemo,
    first: bool,
    text: &'t str,
) -> Parsed<'t> {
    parse_trimmed(text, first, |line| parse_json(policy, parse_memo, line))
}

/// `parse` of `text` trimmed ([`trim`]), or why it is not parsed.
#[inline(always)]
fn parse_trimmed<'t>(
    text: &'t str,
    first: bool,
    parse: impl FnOnce(&'t str) -> Parsed<'t>,
) -> Parsed<'t> {
    match trim(text.as_bytes(), first) {
        // The range cuts only whole characters (`\r`, a byte-order mark).
        Ok(range) => parse(text.get(range).unwrap_or("")),
        Err(skip) => skip.parsed(),
    }
}

/// [`parse_text`] of a line the sharded reader routed by its
/// [`Leading`](scan::Leading) strings: they are not read again. The line starts
/// with `{`, so it has no byte-order mark to cut.
#[inline]
pub(crate) fn parse_routed<'t>(
    policy: &ValidPolicy<'_>,
    parse_memo: &mut ParseMemo,
    text: &'t str,
    leading: scan::Leading,
) -> Parsed<'t> {
    parse_trimmed(text, false, |line| {
        parse_led(policy, parse_memo, line, leading.lead(line))
    })
}

/// The part of a line to parse: without a trailing `\r` and, on the input's
/// `first` line, a byte-order mark; or why it is not parsed (blank, or over
/// 1 MiB).
fn trim(text: &[u8], first: bool) -> Result<std::ops::Range<usize>, Skip> {
    let end = text.len() - usize::from(text.ends_with(b"\r"));
    let bom = "\u{feff}".as_bytes();
    let start = if first && text[..end].starts_with(bom) {
        bom.len()
    } else {
        0
    };
    let line = &text[start..end];
    if line
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        return Err(Skip::Blank);
    }
    if line.len() > MAX_LINE {
        return Err(Skip::TooLong);
    }
    Ok(start..end)
}

/// Why a line is not parsed.
enum Skip {
    Blank,
    /// Over 1 MiB.
    TooLong,
}

impl Skip {
    fn parsed<'t>(self) -> Parsed<'t> {
        match self {
            Skip::Blank => Parsed::Blank,
            Skip::TooLong => too_long(),
        }
    }
}

/// A trimmed line read as an event.
#[inline]
fn parse_json<'t>(policy: &ValidPolicy<'_>, memo: &mut ParseMemo, text: &'t str) -> Parsed<'t> {
    parse_led(policy, memo, text, scan::lead_of(text))
}

/// [`parse_json`] of `text`, whose [`Lead`](scan::Lead) (`lead_of(text)`) is
/// known.
#[inline(always)]
fn parse_led<'t>(
    policy: &ValidPolicy<'_>,
    memo: &mut ParseMemo,
    text: &'t str,
    lead: Option<scan::Lead>,
) -> Parsed<'t> {
    let mut missing = None;
    if let Some(lead) = lead {
        match memo.tails.find(text, lead.tail) {
            Found::Body(body) => {
                let (ts, visitor) = lead.strings(text);
                return match event::decode_plain_lead(ts, visitor, &mut memo.day) {
                    Ok((at, ts, visitor)) => Parsed::Event(Line {
                        at,
                        ts,
                        visitor,
                        place: None,
                        body,
                    }),
                    Err(bad) => Parsed::Error(bad.kind, bad.message),
                };
            }
            Found::Missing(at) => missing = Some((at, lead.tail)),
            Found::Skipped => {}
        }
    }
    let mut fields = scan::Fields::new(text);
    if let Err(e) = scan::scan(&mut fields) {
        let (kind, message) = match e {
            ScanError::Syntax { at, expected } => (
                InputErrorKind::NotJson,
                format!(
                    "not JSON: expected {expected} at column {}",
                    column(text, at)
                ),
            ),
            ScanError::TooDeep { at } => (
                InputErrorKind::NotJson,
                format!("not JSON: nested too deeply at column {}", column(text, at)),
            ),
            ScanError::NotObject => (InputErrorKind::NotJson, "not a JSON object".to_owned()),
            ScanError::Duplicate(key) => (
                InputErrorKind::BadField,
                format!("`{}` is given twice", key.name()),
            ),
        };
        return Parsed::Error(kind, message);
    }
    match event::decode(&fields, policy, &mut memo.day) {
        Ok(line) => {
            if let Some((at, tail)) = missing {
                memo.tails.keep(at, text, tail, &line.body, policy);
            }
            Parsed::Event(line)
        }
        Err(bad) => Parsed::Error(bad.kind, bad.message),
    }
}

/// Log time the shrinking cutoff must move on by between two sweeps.
const SWEEP_STEP_SECONDS: i64 = 3600;

/// Where a violation is found.
struct Here<'l, 'a> {
    number: u64,
    line: &'l Line<'a>,
    now: OffsetDateTime,
}

fn rfc3339(secs: i64) -> String {
    format_rfc3339(from_unix_clamped(secs))
}

/// The 1-based character column of byte offset `at`.
fn column(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.get(..at).map_or(at, |s| s.chars().count()) + 1
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use samtykke::Control;

    use super::*;

    const DAY: i64 = 86_400;

    /// kk.dk's policy at revision 3, with `statistics` changed in revision 2, a
    /// refusal that lapses sooner than a grant, and GPC refusing `statistics`:
    /// every way a category can stand or not.
    fn policy_json() -> String {
        let mut p: serde_json::Value =
            serde_json::from_str(include_str!("../../examples/kk.dk.policy.json")).unwrap();
        p["revision"] = 3.into();
        p["refusal_ttl_days"] = 30.into();
        p["gpc_refuses"] = serde_json::json!(["statistics"]);
        p["categories"][2]["changed_in_revision"] = 2.into();
        p.to_string()
    }

    /// Names of every standing: exact and glob declarations of the exempt and
    /// both consent categories, the consent cookie, an undeclared name, and
    /// one written with an escape.
    const NAMES: [&str; 9] = [
        "samtykke",
        "SESSabc",
        "closed-emergency-banner-3",
        "ad_session_id",
        "JSESSIONID",
        "AWSELBCORS",
        "nmstat",
        "not-declared",
        "nm\\u0073tat",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases()))]
        /// The shortcut for a list of cookies seen before says "nothing to
        /// report" exactly when the core's `permits` allows every name of the
        /// list, one by one (R4: necessary always; R12: withdrawn denied; R21:
        /// undeclared denied): over states made by random decisions, withdrawals
        /// and signals under random revisions, asked at random later times.
        #[test]
        fn r4_r12_r21_a_list_is_all_permitted_exactly_when_each_name_is(
            steps in proptest::collection::vec(
                (0u8..5, 0..120 * DAY, 1u32..=3, any::<u8>(), any::<u8>()), 0..8),
            later in prop_oneof![Just(0), 0..2 * DAY, 0..120 * DAY],
            picks in proptest::collection::vec(0..NAMES.len(), 0..6),
        ) {
            let owned = samtykke_host::OwnedPolicy::from_json(&policy_json()).unwrap();
            let policy = owned.view();
            let consent = policy.consent_slots();
            let providers = policy.policy().providers.len();
            let mut state = ConsentState::new(7);
            let mut t = 1_780_000_000;
            for (kind, dt, revision, a, b) in steps {
                t += dt;
                let at = OffsetDateTime::from_unix_timestamp(t).unwrap();
                let ctx = Ctx::new(at, 1, Control::Button, a & 0x80 != 0).unwrap();
                let chosen = CategorySet::from_bits(u32::from(a)).intersection(consent);
                let event = match kind {
                    0 => Event::AcceptAll(ctx),
                    1 => Event::RejectAll(ctx),
                    2 => Event::Save {
                        chosen,
                        refused_providers: ProviderSet::from_bits(
                            u128::from(b) & ((1 << providers) - 1),
                        ),
                        ctx,
                    },
                    3 => Event::Withdraw {
                        categories: (b & 1 == 0).then_some(chosen),
                        ctx,
                    },
                    _ => Event::SignalGpc(at),
                };
                state.apply_at_revision(&policy, &event, revision);
            }
            let now = OffsetDateTime::from_unix_timestamp(t + later).unwrap();
            let text = list(&picks);
            let each = scan::Strings::over(&text)
                .all(|name| state.permits(&policy, &name, now).is_allowed());
            let mut names = Names::new(256);
            let lookup = |n: &str| names.get(n, |n| policy.lookup(Kind::Cookie, n));
            let asks = Asks::of(&policy, lookup, scan::Strings::over(&text));
            prop_assert_eq!(asks.all_permitted(&policy, &state, now), each, "{}", text);
        }
    }

    /// A list of cookie names picked from [`NAMES`], as JSON.
    fn list(picks: &[usize]) -> String {
        let names: Vec<String> = picks.iter().map(|&i| format!("\"{}\"", NAMES[i])).collect();
        format!("[{}]", names.join(","))
    }

    /// A log line of visitor `v` at `t`: a decision of each kind (under
    /// `revision`, with or without a GPC flag), a withdrawal, a GPC signal, or
    /// (most often) a request's cookies.
    fn log_line(v: u8, t: i64, kind: u8, revision: u32, bits: u8, picks: &[usize]) -> String {
        let head = format!("{{\"ts\":\"{}\",\"visitor\":\"v{v}\",", rfc3339(t));
        let gpc = if bits & 0x80 != 0 {
            ",\"gpc\":true"
        } else {
            ""
        };
        let decision = |action: &str, more: String, control: &str| {
            format!(
                "{head}\"event\":\"decision\",\"action\":\"{action}\"{more},\"revision\":{revision},\"notice\":1,\"control\":\"{control}\"{gpc}}}"
            )
        };
        let categories = |b: u8| {
            let ids: Vec<&str> = [(1, "\"functional\""), (2, "\"statistics\"")]
                .iter()
                .filter(|(bit, _)| b & bit != 0)
                .map(|(_, id)| *id)
                .collect();
            format!("[{}]", ids.join(","))
        };
        match kind {
            0 => decision("accept_all", String::new(), "button"),
            1 => decision("reject_all", String::new(), "button"),
            2 => {
                let refused: Vec<&str> = [
                    "\"kk\"",
                    "\"twentythree\"",
                    "\"septima\"",
                    "\"siteimprove\"",
                ]
                .iter()
                .enumerate()
                .filter(|(i, _)| bits >> (2 + i) & 1 != 0)
                .map(|(_, p)| *p)
                .collect();
                let more = format!(
                    ",\"granted\":{},\"providers_refused\":[{}]",
                    categories(bits),
                    refused.join(",")
                );
                decision("save", more, "toggle")
            }
            3 if bits & 0x40 != 0 => decision("withdraw", String::new(), "link"),
            3 => decision(
                "withdraw",
                format!(",\"categories\":{}", categories(bits)),
                "link",
            ),
            4 => format!("{head}\"event\":\"signal\",\"signal\":\"gpc\"}}"),
            _ => format!(
                "{head}\"event\":\"cookie_present\",\"cookies\":{}}}",
                list(picks)
            ),
        }
    }

    fn audit(policy: ValidPolicy<'_>, lines: &[String], lists_whole: bool) -> Report {
        let mut audit = Auditor::new(policy, crate::AuditOptions::new().threads(1));
        audit.lists_whole = lists_whole;
        for (i, line) in lines.iter().enumerate() {
            audit.line(i as u64 + 1, line.as_bytes());
        }
        audit.finish()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_cases() / 10))]
        /// Judging a list seen before whole changes no report: random logs of
        /// three visitors (decisions of every kind under random revisions, with
        /// and without GPC, withdrawals, signals, and requests whose cookies
        /// have every standing, gaps across both TTLs) audited with lists
        /// judged whole and name by name give the same violations, errors and
        /// summary (R4, R12, R21).
        #[test]
        fn r4_r12_r21_lists_judged_whole_give_the_report_of_each_name_judged(
            events in proptest::collection::vec(
                (0u8..3, 0u8..9, prop_oneof![Just(0i64), 0..DAY, 0..120 * DAY], 1u32..=3, any::<u8>(),
                 proptest::collection::vec(0..NAMES.len(), 0..5)),
                1..60),
        ) {
            let owned = samtykke_host::OwnedPolicy::from_json(&policy_json()).unwrap();
            let mut t = 1_780_000_000;
            let lines: Vec<String> = events
                .iter()
                .map(|(v, kind, dt, revision, bits, picks)| {
                    t += dt;
                    log_line(*v, t, *kind, *revision, *bits, picks)
                })
                .collect();
            let whole = audit(owned.view(), &lines, true);
            prop_assert_eq!(whole.input_errors.len(), 0, "{:?}", whole.input_errors);
            prop_assert_eq!(whole, audit(owned.view(), &lines, false));
        }
    }
}
