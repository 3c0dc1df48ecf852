//! A generator of realistic kk.dk consent logs (SPEC §8) for the audit's tests and
//! benchmarks: N events from about V visitors, in time order, clean unless asked
//! to inject violations, and then with each injected violation's line, id and
//! visitor known.
//!
//! Visitors arrive over a span of days and come back after minutes, days or
//! (rarely) months. On a visit a visitor with no decision in force sees the
//! banner (an `auto` notice) and decides: accept all, reject all, a choice in the
//! settings layer, or closing the banner; then pages set and send the cookies the
//! decision allows (necessary ones, the consent cookie, and those of granted
//! categories). Some withdraw statistics from the footer link, some browsers send
//! a GPC signal on every visit. Lines are about 150 bytes.
//!
//! The generator keeps a model of each visitor as small as the scripts need,
//! deliberately simpler than the audit (decisions hold 100 days from the last
//! full decision; a withdrawal or a signal switches statistics off until the next
//! one), and every script stays inside what that model can tell. An injected
//! violation is one event added to (or changed in) an otherwise clean visitor's
//! script, placed so that it breaks exactly one rule once.
//!
//! The policy is kk.dk's (`examples/kk.dk.policy.json`) at revision 2, with
//! statistics changed in revision 2 and refused by GPC signals, so that every
//! violation id can occur: [`policy_json`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

use samtykke_audit::ViolationId;

/// kk.dk's policy, as the repository ships it.
pub const KK_DK_JSON: &str = include_str!("../../examples/kk.dk.policy.json");

/// How long a decision holds under the generator's policy: 100 days.
pub const TTL: i64 = 100 * DAY;

const DAY: i64 = 86_400;

/// The policy the generated logs are audited under: kk.dk at revision 2, whose
/// statistics category changed in revision 2 and is refused by GPC signals, with
/// Google Consent Mode's `analytics_storage` on statistics, `functionality_storage`
/// on functional and `security_storage` on necessary.
pub fn policy_json() -> String {
    let mut v: serde_json::Value = serde_json::from_str(KK_DK_JSON).expect("the example parses");
    v["revision"] = 2.into();
    v["gpc_refuses"] = serde_json::json!(["statistics"]);
    v["consent_mode"] = serde_json::json!({
        "analytics_storage": "statistics",
        "functionality_storage": "functional",
        "security_storage": "necessary"
    });
    for c in v["categories"].as_array_mut().expect("categories") {
        if c["id"] == "statistics" {
            c["changed_in_revision"] = 2.into();
        }
    }
    serde_json::to_string_pretty(&v).expect("serializes")
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Events (lines) to write.
    pub events: u64,
    /// Visitors (about: the last visitors' scripts may be cut short).
    pub visitors: u64,
    /// Time of the first arrival, seconds since the epoch.
    pub start: i64,
    /// Arrivals are spread over this many days.
    pub span_days: u32,
    /// Every `inject_every`-th visitor gets one violation, the kinds taken in
    /// turn from `kinds`; 0: a clean log.
    pub inject_every: u64,
    /// The kinds to inject, in turn.
    pub kinds: Vec<ViolationId>,
    /// Random seed: the same spec gives the same log.
    pub seed: u64,
}

impl Spec {
    /// A clean log of `events` events from about `visitors` visitors, arriving over
    /// 120 days from 2026-01-01.
    pub fn new(events: u64, visitors: u64) -> Spec {
        Spec {
            events,
            visitors,
            start: 1_767_225_600,
            span_days: 120,
            inject_every: 0,
            kinds: ViolationId::ALL.to_vec(),
            seed: 1,
        }
    }

    /// The same with every `every`-th visitor injected with a violation.
    #[must_use]
    pub fn inject_every(mut self, every: u64) -> Spec {
        self.inject_every = every;
        self
    }

    /// The same with another seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Spec {
        self.seed = seed;
        self
    }
}

/// An injected violation: where it is and what it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Injected {
    /// Line, from 1.
    pub line: u64,
    /// The violation.
    pub id: ViolationId,
    /// The visitor.
    pub visitor: String,
}

/// What was generated.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    /// Lines written.
    pub events: u64,
    /// Visitors who appear in them.
    pub visitors: u64,
    /// The injected violations, by line.
    pub injected: Vec<Injected>,
    /// Bytes written.
    pub bytes: u64,
}

/// Writes the log `spec` describes to `out`.
///
/// # Errors
///
/// The writer's.
pub fn generate<W: Write>(spec: &Spec, out: W) -> io::Result<Generated> {
    Generator::new(spec).run(out)
}

/// The log `spec` describes, as lines, and the injected violations.
pub fn generate_lines(spec: &Spec) -> (Vec<String>, Vec<Injected>) {
    let mut buf = Vec::new();
    let g = generate(spec, &mut buf).expect("writing to memory does not fail");
    let text = String::from_utf8(buf).expect("the generator writes UTF-8");
    (text.lines().map(str::to_owned).collect(), g.injected)
}

// ---- randomness -------------------------------------------------------------

/// A small deterministic generator (splitmix64): the same seed gives the same
/// log; the audit's property tests draw from it too.
#[derive(Clone, Copy, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.bits() % (hi - lo + 1) as u64) as i64
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.bits() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.bits() % 100 < percent
    }

    /// One of `xs`, which must not be empty.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

fn mix(x: u64) -> u64 {
    Rng(x).bits()
}

// ---- events -----------------------------------------------------------------

const FUNCTIONAL: u8 = 1;
const STATISTICS: u8 = 2;
const ALL: u8 = FUNCTIONAL | STATISTICS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ck {
    Consent,
    Banner(u8),
    Voting,
    Sess(u32),
    AdSession,
    Jsession,
    Awselb,
    Nmstat,
    Ga,
}

impl Ck {
    fn name(self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match self {
            Ck::Consent => write!(out, "samtykke"),
            Ck::Banner(n) => write!(out, "closed-emergency-banner-{n}"),
            Ck::Voting => write!(out, "Drupal_visitor_votingapi_source"),
            Ck::Sess(x) => write!(out, "SESS{x:08x}"),
            Ck::AdSession => write!(out, "ad_session_id"),
            Ck::Jsession => write!(out, "JSESSIONID"),
            Ck::Awselb => write!(out, "AWSELBCORS"),
            Ck::Nmstat => write!(out, "nmstat"),
            Ck::Ga => write!(out, "_ga"),
        };
    }

    /// Declared lifetime in seconds (`None`: session); the consent cookie lives
    /// the longer TTL.
    fn max_age(self) -> Option<u32> {
        match self {
            Ck::Consent => Some(TTL as u32),
            Ck::Voting => Some(365 * DAY as u32),
            Ck::Sess(_) => Some(11 * 3600),
            Ck::Nmstat => Some(1000 * DAY as u32),
            Ck::Ga => Some(730 * DAY as u32),
            Ck::Banner(_) | Ck::AdSession | Ck::Jsession | Ck::Awselb => None,
        }
    }

    fn attributes(self) -> &'static str {
        match self {
            Ck::Consent => "; Path=/; Domain=kk.dk; Secure; SameSite=Lax",
            Ck::Sess(_) => "; Path=/; Secure; HttpOnly",
            Ck::AdSession => "; Path=/; Domain=video.kk.dk",
            Ck::Awselb => "; Path=/; Secure; SameSite=None",
            Ck::Nmstat => "; Path=/; Domain=kk.dk",
            _ => "; Path=/",
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Desc {
    Notice {
        revision: u8,
        user: bool,
        accept_only: bool,
        preselect: bool,
    },
    Decide {
        action: &'static str,
        granted: u8,
        revision: u8,
        control: &'static str,
        gpc: bool,
    },
    Set {
        ck: Ck,
        /// `Some(0)`: a deletion; `Some(n)`: this Max-Age instead of the declared.
        max_age: Option<u32>,
        short_form: bool,
    },
    Present {
        cks: [Ck; 6],
        len: u8,
    },
    Deleted(Ck),
    Signal,
    /// A Google tag hit with these `gcs` and `gcd` values.
    Tag {
        gcs: &'static str,
        gcd: &'static str,
    },
}

/// Something due at a time: a visitor's next visit, or one event of a visit.
#[derive(Clone, Copy, Debug)]
struct Due {
    at: i64,
    seq: u64,
    visitor: u32,
    what: Option<(Desc, Option<ViolationId>, bool)>,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// What the generator knows of one visitor.
#[derive(Clone, Copy, Debug)]
struct Visitor {
    rng: Rng,
    /// Events left to write.
    left: u32,
    /// Last full decision (`i64::MIN`: none).
    decided: i64,
    /// Categories the visitor's cookies may use now.
    active: u8,
    /// Whether the last full decision was taken under a GPC signal.
    flagged: bool,
    /// Sends `Sec-GPC: 1` on every visit.
    gpc_browser: bool,
    inject: Option<ViolationId>,
    visits: u32,
    banner: u8,
    sess: u32,
    seen: bool,
}

struct Generator<'s> {
    spec: &'s Spec,
    heap: BinaryHeap<Reverse<Due>>,
    visitors: Vec<Visitor>,
    seq: u64,
    line: String,
}

impl<'s> Generator<'s> {
    fn new(spec: &'s Spec) -> Generator<'s> {
        let mut rng = Rng(spec.seed ^ 0x5a17_c0de);
        let v = spec.visitors.clamp(1, u64::from(u32::MAX));
        let per = spec.events.div_ceil(v).max(1);
        let span = i64::from(spec.span_days.max(1)) * DAY;
        let mut heap = BinaryHeap::with_capacity(v as usize);
        let mut visitors = Vec::with_capacity(v as usize);
        let mut injected = 0u64;
        for i in 0..v {
            let inject = (spec.inject_every > 0
                && !spec.kinds.is_empty()
                && (i + 1) % spec.inject_every == 0)
                .then(|| {
                    let k = spec.kinds[(injected % spec.kinds.len() as u64) as usize];
                    injected += 1;
                    k
                });
            let mut arrival = spec.start + rng.range(0, span - 1);
            if inject == Some(ViolationId::CookieOnExpiredConsent) {
                // Room for the grant to lapse while the visitor keeps coming.
                arrival = spec.start + rng.range(0, (span - TTL - 2 * DAY).max(0));
            }
            let left = rng.range(1, 2 * per as i64 - 1) as u32;
            let left = if inject.is_some() { left.max(24) } else { left };
            visitors.push(Visitor {
                rng: Rng(mix(spec.seed.wrapping_add(i))),
                left,
                decided: i64::MIN,
                active: 0,
                flagged: false,
                gpc_browser: inject.is_none() && rng.chance(8),
                inject,
                visits: 0,
                banner: (rng.bits() % 40) as u8,
                sess: rng.bits() as u32,
                seen: false,
            });
            heap.push(Reverse(Due {
                at: arrival,
                seq: i,
                visitor: i as u32,
                what: None,
            }));
        }
        // Enough events for the cut at `spec.events` to fall in the log's last
        // days, not before the last visitors arrive.
        let want = spec.events + spec.events / 20;
        let have: u64 = visitors.iter().map(|v| u64::from(v.left)).sum();
        // Spread the shortfall evenly, one event at a time.
        let short = want.saturating_sub(have);
        for k in 0..short {
            let i = (k as u128 * u128::from(v) / u128::from(short)) as usize;
            visitors[i].left = visitors[i].left.saturating_add(1);
        }
        Generator {
            spec,
            heap,
            visitors,
            seq: v,
            line: String::with_capacity(256),
        }
    }

    fn run<W: Write>(mut self, out: W) -> io::Result<Generated> {
        let mut out = io::BufWriter::with_capacity(1 << 20, out);
        let mut g = Generated::default();
        while g.events < self.spec.events {
            let Some(Reverse(due)) = self.heap.pop() else {
                break;
            };
            let Some((desc, inject, last)) = due.what else {
                self.visit(due.visitor, due.at);
                continue;
            };
            let v = &mut self.visitors[due.visitor as usize];
            if v.left == 0 {
                continue;
            }
            v.left -= 1;
            if !v.seen {
                v.seen = true;
                g.visitors += 1;
            }
            if last && v.left > 0 {
                let next = next_visit(v, due.at);
                self.seq += 1;
                self.heap.push(Reverse(Due {
                    at: next,
                    seq: self.seq,
                    visitor: due.visitor,
                    what: None,
                }));
            }
            g.events += 1;
            if let Some(id) = inject {
                g.injected.push(Injected {
                    line: g.events,
                    id,
                    visitor: visitor_id(due.visitor),
                });
            }
            self.render(due.at, due.visitor, desc);
            g.bytes += self.line.len() as u64;
            out.write_all(self.line.as_bytes())?;
        }
        out.flush()?;
        Ok(g)
    }

    /// Plans visitor `i`'s visit starting at `t0`: its events go on the heap.
    fn visit(&mut self, i: u32, t0: i64) {
        let mut v = self.visitors[i as usize];
        let mut plan = Plan {
            t: t0,
            events: Vec::with_capacity(16),
        };
        let visit = v.visits;
        v.visits += 1;
        let inject = v.inject;
        let due = |v: &Visitor, t: i64| v.decided == i64::MIN || t - v.decided >= TTL;
        use ViolationId as V;
        match (inject, visit) {
            (Some(V::CookieAfterWithdrawal), 0) => {
                decide_visit(&mut v, &mut plan, Some("accept_all"), None);
                pages(&mut v, &mut plan, 2);
                plan.next(&mut v, 5, 60);
                plan.push(notice(2, true));
                plan.next(&mut v, 2, 20);
                plan.push(decide("withdraw", 0, "link", false));
                v.active &= !STATISTICS;
                plan.next(&mut v, 1, 60);
                plan.inject(
                    present(&[Ck::Consent, Ck::Nmstat]),
                    V::CookieAfterWithdrawal,
                );
                plan.next(&mut v, 0, 5);
                plan.push(set_deletion(Ck::Nmstat));
                plan.push(Desc::Deleted(Ck::Nmstat));
            }
            (Some(V::SignalIgnored), 0) => {
                decide_visit(&mut v, &mut plan, Some("accept_all"), None);
                pages(&mut v, &mut plan, 3);
            }
            (Some(V::SignalIgnored), 1) => {
                v.gpc_browser = true;
                plan.push(Desc::Signal);
                plan.next(&mut v, 0, 20);
                plan.inject(present(&[Ck::Consent, Ck::Nmstat]), V::SignalIgnored);
                v.active &= !STATISTICS;
                pages(&mut v, &mut plan, 2);
            }
            (Some(V::CookieOnExpiredConsent), 0) => {
                decide_visit(&mut v, &mut plan, Some("accept_all"), None);
                pages(&mut v, &mut plan, 3);
            }
            (Some(V::CookieOnExpiredConsent), 1) => pages(&mut v, &mut plan, 2),
            (Some(V::CookieOnExpiredConsent), 2) => {
                plan.inject(
                    present(&[Ck::Consent, Ck::Nmstat]),
                    V::CookieOnExpiredConsent,
                );
                plan.next(&mut v, 0, 5);
                decide_visit(&mut v, &mut plan, None, None);
                pages(&mut v, &mut plan, 2);
            }
            (Some(V::RepromptTooSoon), 0) => {
                decide_visit(&mut v, &mut plan, Some("reject_all"), None);
                pages(&mut v, &mut plan, 2);
            }
            (Some(V::RepromptTooSoon), 1) => {
                plan.inject(notice(2, false), V::RepromptTooSoon);
                plan.next(&mut v, 2, 20);
                plan.push(decide("reject_all", 0, "button", false));
                v.decided = plan.t;
                pages(&mut v, &mut plan, 2);
            }
            (Some(kind), 0) => first_visit_with(&mut v, &mut plan, kind),
            _ => {
                if v.gpc_browser {
                    plan.push(Desc::Signal);
                    if !v.flagged {
                        v.active &= !STATISTICS;
                    }
                    plan.next(&mut v, 0, 3);
                }
                if due(&v, plan.t) {
                    decide_visit(&mut v, &mut plan, None, None);
                } else if v.rng.chance(4) && v.active & STATISTICS != 0 {
                    plan.push(notice(2, true));
                    plan.next(&mut v, 2, 30);
                    plan.push(decide("withdraw", 0, "link", false));
                    v.active &= !STATISTICS;
                    plan.next(&mut v, 0, 2);
                    plan.push(set_deletion(Ck::Nmstat));
                    plan.push(Desc::Deleted(Ck::Nmstat));
                } else if v.rng.chance(4) {
                    plan.push(notice(2, true));
                    plan.next(&mut v, 2, 30);
                    let chosen = (v.rng.bits() % 4) as u8;
                    plan.push(decide("save", chosen, "toggle", v.gpc_browser));
                    set_decided(&mut v, plan.t, chosen);
                }
                let n = v.rng.range(1, 6) as u32;
                pages(&mut v, &mut plan, n);
            }
        }
        let n = plan.events.len();
        for (k, (at, desc, inject)) in plan.events.into_iter().enumerate() {
            self.seq += 1;
            self.heap.push(Reverse(Due {
                at,
                seq: self.seq,
                visitor: i,
                what: Some((desc, inject, k + 1 == n)),
            }));
        }
        self.visitors[i as usize] = v;
    }

    fn render(&mut self, at: i64, visitor: u32, desc: Desc) {
        use std::fmt::Write as _;
        let l = &mut self.line;
        l.clear();
        l.push_str("{\"ts\":\"");
        timestamp(l, at, mix(at as u64 ^ u64::from(visitor)) % 20 == 0);
        let _ = write!(
            l,
            "\",\"visitor\":\"{:016x}\",\"event\":",
            mix(u64::from(visitor))
        );
        match desc {
            Desc::Notice {
                revision,
                user,
                accept_only,
                preselect,
            } => {
                let _ = write!(
                    l,
                    "\"notice_shown\",\"revision\":{revision},\"notice\":1,\"layer\":{},\"trigger\":\"{}\",\"controls\":{},\"preselected\":{}",
                    if user { 2 } else { 1 },
                    if user { "user" } else { "auto" },
                    if accept_only {
                        "[\"accept_all\",\"settings\"]"
                    } else if user {
                        "[\"accept_all\",\"reject_all\",\"save\"]"
                    } else {
                        "[\"accept_all\",\"reject_all\",\"settings\"]"
                    },
                    if preselect { "[\"necessary\",\"statistics\"]" } else { "[\"necessary\"]" },
                );
            }
            Desc::Decide {
                action,
                granted,
                revision,
                control,
                gpc,
            } => {
                let _ = write!(l, "\"decision\",\"action\":\"{action}\"");
                if action == "withdraw" {
                    l.push_str(",\"categories\":[\"statistics\"]");
                } else if matches!(action, "save" | "dismiss") {
                    l.push_str(",\"granted\":[");
                    let mut first = true;
                    for (bit, id) in [(FUNCTIONAL, "functional"), (STATISTICS, "statistics")] {
                        if granted & bit != 0 {
                            if !first {
                                l.push(',');
                            }
                            first = false;
                            let _ = write!(l, "\"{id}\"");
                        }
                    }
                    l.push(']');
                }
                if revision != 0 {
                    let _ = write!(l, ",\"revision\":{revision}");
                }
                let _ = write!(l, ",\"notice\":1,\"control\":\"{control}\"");
                if gpc {
                    l.push_str(",\"gpc\":true");
                }
            }
            Desc::Set {
                ck,
                max_age,
                short_form,
            } => {
                let age = max_age.map_or(ck.max_age(), Some);
                if short_form {
                    l.push_str("\"cookie_set\",\"cookie\":\"");
                    ck.name(l);
                    l.push('"');
                    if let Some(a) = age {
                        let _ = write!(l, ",\"max_age_s\":{a}");
                    }
                } else {
                    l.push_str("\"cookie_set\",\"set_cookie\":\"");
                    ck.name(l);
                    if max_age == Some(0) {
                        l.push_str("=; Max-Age=0");
                    } else {
                        let _ = write!(l, "={:010x}", mix(at as u64) & 0xff_ffff_ffff);
                        if let Some(a) = age {
                            let _ = write!(l, "; Max-Age={a}");
                        }
                    }
                    l.push_str(ck.attributes());
                    l.push('"');
                }
            }
            Desc::Present { cks, len } => {
                l.push_str("\"cookie_present\",\"cookies\":[");
                for (k, ck) in cks[..usize::from(len)].iter().enumerate() {
                    if k > 0 {
                        l.push(',');
                    }
                    l.push('"');
                    ck.name(l);
                    l.push('"');
                }
                l.push(']');
            }
            Desc::Deleted(ck) => {
                l.push_str("\"cookie_deleted\",\"cookie\":\"");
                ck.name(l);
                l.push('"');
            }
            Desc::Signal => l.push_str("\"signal\",\"signal\":\"gpc\""),
            Desc::Tag { gcs, gcd } => {
                let _ = write!(
                    l,
                    "\"tag_request\",\"url\":\"https://www.google-analytics.com/g/collect?v=2&tid=G-KKDK&gcs={gcs}&gcd={gcd}\""
                );
            }
        }
        l.push_str("}\n");
    }
}

/// When visitor `v`, whose visit ended at `end`, comes back: minutes, days, or
/// (rarely) months later, or when an injected script needs it.
fn next_visit(v: &mut Visitor, end: i64) -> i64 {
    use ViolationId as V;
    let next = match (v.inject, v.visits) {
        // Back while the decision of the first visit is in force.
        (Some(V::SignalIgnored | V::RepromptTooSoon), 1) => end + v.rng.range(3600, 20 * DAY),
        (Some(V::CookieOnExpiredConsent), 1) => end + v.rng.range(40 * DAY, 60 * DAY),
        // Just after the grant lapsed, never idle past the TTL.
        (Some(V::CookieOnExpiredConsent), 2) => v.decided + TTL + v.rng.range(60, 3600),
        _ => {
            end + match v.rng.bits() % 100 {
                0..=64 => v.rng.range(600, 6 * 3600),
                65..=94 => v.rng.range(DAY, 25 * DAY),
                _ => v.rng.range(TTL + DAY, TTL + 30 * DAY),
            }
        }
    };
    // A decision must not lapse in the middle of a visit.
    let lapse = v.decided.saturating_add(TTL);
    if next < lapse && next + 3600 >= lapse {
        lapse + v.rng.range(60, 3600)
    } else {
        next
    }
}

/// The visitor id the generator writes for visitor `i`.
pub fn visitor_id(i: u32) -> String {
    format!("{:016x}", mix(u64::from(i)))
}

/// A visit's events, in order, with times.
struct Plan {
    t: i64,
    events: Vec<(i64, Desc, Option<ViolationId>)>,
}

impl Plan {
    fn push(&mut self, d: Desc) {
        self.events.push((self.t, d, None));
    }

    fn inject(&mut self, d: Desc, id: ViolationId) {
        self.events.push((self.t, d, Some(id)));
    }

    /// Moves on by `lo..=hi` seconds.
    fn next(&mut self, v: &mut Visitor, lo: i64, hi: i64) {
        self.t += v.rng.range(lo, hi);
    }
}

fn notice(revision: u8, user: bool) -> Desc {
    Desc::Notice {
        revision,
        user,
        accept_only: false,
        preselect: false,
    }
}

fn decide(action: &'static str, granted: u8, control: &'static str, gpc: bool) -> Desc {
    Desc::Decide {
        action,
        granted,
        revision: 0,
        control,
        gpc,
    }
}

fn set(ck: Ck) -> Desc {
    Desc::Set {
        ck,
        max_age: None,
        short_form: false,
    }
}

fn set_deletion(ck: Ck) -> Desc {
    Desc::Set {
        ck,
        max_age: Some(0),
        short_form: false,
    }
}

fn present(cks: &[Ck]) -> Desc {
    let mut all = [Ck::Consent; 6];
    let len = cks.len().min(6);
    all[..len].copy_from_slice(&cks[..len]);
    Desc::Present {
        cks: all,
        len: len as u8,
    }
}

fn set_decided(v: &mut Visitor, t: i64, granted: u8) {
    v.decided = t;
    v.active = granted;
    v.flagged = v.gpc_browser;
}

/// The banner and a decision (`action`, or one at random); `notice_desc` replaces
/// the banner.
fn decide_visit(
    v: &mut Visitor,
    plan: &mut Plan,
    action: Option<&'static str>,
    notice_desc: Option<Desc>,
) {
    plan.push(notice_desc.unwrap_or_else(|| notice(2, false)));
    plan.next(v, 2, 25);
    let action = action.unwrap_or_else(|| match v.rng.bits() % 100 {
        0..=44 => "accept_all",
        45..=74 => "reject_all",
        75..=89 => "save",
        _ => "dismiss",
    });
    let gpc = v.gpc_browser && v.rng.chance(50);
    match action {
        "accept_all" => {
            plan.push(decide("accept_all", 0, "button", gpc));
            set_decided(v, plan.t, ALL);
        }
        "reject_all" => {
            plan.push(decide("reject_all", 0, "button", gpc));
            set_decided(v, plan.t, 0);
        }
        "save" => {
            plan.push(notice(2, true));
            plan.next(v, 3, 40);
            let chosen = (v.rng.bits() % 4) as u8;
            plan.push(decide("save", chosen, "toggle", gpc));
            set_decided(v, plan.t, chosen);
        }
        _ => {
            plan.push(decide("dismiss", 0, "button", false));
            // Nothing is decided: the banner comes back on the next visit.
            v.active = 0;
        }
    }
    if action != "dismiss" {
        plan.next(v, 0, 1);
        plan.push(set(Ck::Consent));
    }
}

/// `n` page views: cookies set and sent as the visitor's decisions allow.
fn pages(v: &mut Visitor, plan: &mut Plan, n: u32) {
    for _ in 0..n {
        plan.next(v, 1, 40);
        let mut cks = vec![Ck::Banner(v.banner)];
        if v.decided != i64::MIN {
            cks.insert(0, Ck::Consent);
        }
        if v.active & FUNCTIONAL != 0 {
            cks.push(if v.rng.chance(50) {
                Ck::Jsession
            } else {
                Ck::AdSession
            });
        }
        if v.active & STATISTICS != 0 {
            cks.push(Ck::Nmstat);
            if v.rng.chance(30) {
                cks.push(Ck::Awselb);
            }
        }
        if v.rng.chance(10) {
            cks.push(Ck::Voting);
        }
        if v.rng.chance(3) {
            cks.push(Ck::Sess(v.sess));
        }
        if v.rng.chance(55) {
            plan.push(present(&cks));
        } else {
            let ck = cks[(v.rng.bits() % cks.len() as u64) as usize];
            let short_form = v.rng.chance(10);
            plan.push(Desc::Set {
                ck,
                max_age: None,
                short_form,
            });
        }
    }
}

/// A first visit carrying one of the violations that need no history.
fn first_visit_with(v: &mut Visitor, plan: &mut Plan, kind: ViolationId) {
    use ViolationId as V;
    match kind {
        V::CookieBeforeConsent => {
            plan.push(notice(2, false));
            plan.next(v, 1, 5);
            plan.inject(set(Ck::Nmstat), kind);
            plan.next(v, 2, 20);
            plan.push(decide("reject_all", 0, "button", false));
            set_decided(v, plan.t, 0);
        }
        V::CookieAfterRefusal => {
            decide_visit(v, plan, Some("reject_all"), None);
            plan.next(v, 1, 30);
            plan.inject(present(&[Ck::Consent, Ck::Nmstat]), kind);
        }
        V::CookieOnOutdatedConsent => {
            plan.push(notice(1, false));
            plan.next(v, 2, 20);
            plan.push(Desc::Decide {
                action: "accept_all",
                granted: 0,
                revision: 1,
                control: "button",
                gpc: false,
            });
            plan.next(v, 1, 10);
            plan.inject(set(Ck::Nmstat), kind);
            plan.next(v, 5, 60);
            // Statistics is undecided again: the banner may ask.
            decide_visit(v, plan, None, None);
        }
        V::ImpliedConsent => {
            plan.push(notice(2, false));
            plan.next(v, 2, 20);
            plan.inject(decide("dismiss", STATISTICS, "button", false), kind);
            v.active = 0;
        }
        V::PreselectedConsent => {
            let banner = Desc::Notice {
                revision: 2,
                user: false,
                accept_only: false,
                preselect: true,
            };
            let at = plan.events.len();
            decide_visit(v, plan, None, Some(banner));
            plan.events[at].2 = Some(kind);
        }
        V::ConsentWithoutNotice => {
            plan.inject(decide("accept_all", 0, "button", false), kind);
            set_decided(v, plan.t, ALL);
            plan.next(v, 0, 1);
            plan.push(set(Ck::Consent));
        }
        V::NoRejectOption => {
            let banner = Desc::Notice {
                revision: 2,
                user: false,
                accept_only: true,
                preselect: false,
            };
            let at = plan.events.len();
            decide_visit(v, plan, None, Some(banner));
            plan.events[at].2 = Some(kind);
        }
        V::UndeclaredCookie => {
            decide_visit(v, plan, None, None);
            plan.next(v, 1, 30);
            plan.inject(present(&[Ck::Consent, Ck::Ga]), kind);
        }
        V::DurationExceedsDeclaration => {
            decide_visit(v, plan, None, None);
            plan.next(v, 1, 30);
            plan.inject(
                Desc::Set {
                    ck: Ck::Sess(v.sess),
                    max_age: Some(86_400),
                    short_form: false,
                },
                kind,
            );
        }
        V::ConsentModeMismatch => {
            decide_visit(v, plan, Some("reject_all"), None);
            plan.next(v, 1, 30);
            // The page's tag claims analytics granted (gcs); its gcd claims the
            // four types denied: one mismatch, analytics_storage.
            plan.inject(
                Desc::Tag {
                    gcs: "G101",
                    gcd: "11p1q1q1q5",
                },
                kind,
            );
            plan.next(v, 1, 30);
            // After the update, the tag says what the visitor chose: no mismatch.
            plan.push(Desc::Tag {
                gcs: "G100",
                gcd: "11q1q1q1q5",
            });
        }
        // The kinds that need history have scripts of their own.
        _ => decide_visit(v, plan, None, None),
    }
    pages(v, plan, 2);
}

/// `YYYY-MM-DDTHH:MM:SSZ`, or with `+01:00` (the same instant) when `offset`.
fn timestamp(out: &mut String, at: i64, offset: bool) {
    use std::fmt::Write as _;
    let local = if offset { at + 3600 } else { at };
    let days = local.div_euclid(DAY);
    let secs = local.rem_euclid(DAY);
    // H. Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        if offset { "+01:00" } else { "Z" }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_agree_with_the_time_crate() {
        use time::format_description::well_known::Rfc3339;
        for at in [0, 1_767_225_600, 1_709_164_800 + 12_345, 4_102_444_799] {
            let mut s = String::new();
            timestamp(&mut s, at, false);
            let t = time::OffsetDateTime::parse(&s, &Rfc3339).unwrap();
            assert_eq!(t.unix_timestamp(), at, "{s}");
            s.clear();
            timestamp(&mut s, at, true);
            let t = time::OffsetDateTime::parse(&s, &Rfc3339).unwrap();
            assert_eq!(t.unix_timestamp(), at, "{s}");
        }
    }

    #[test]
    fn the_same_spec_gives_the_same_log() {
        let spec = Spec::new(2_000, 100).inject_every(5);
        assert_eq!(generate_lines(&spec), generate_lines(&spec));
        let (lines, _) = generate_lines(&spec);
        assert_eq!(lines.len(), 2_000);
    }
}
