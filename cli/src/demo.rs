//! `samtykke demo`: a visit to kk.dk on the embedded policy, printed step by step
//! and ended with an audit of the visit's own consent log, and `samtykke decode`'s
//! JSON rendering of a consent state.

use crate::out::outln;
use samtykke::{
    Action, CategorySet, ConsentState, Control, CookieKey, Ctx, Event, Permit, Status, ValidPolicy,
    COOKIE_MAX_LEN,
};
use samtykke_audit::{AuditOptions, Auditor};
use samtykke_host::http::{
    consent_set_cookie, decode_with_keys, deletion_plan, filter_set_cookie, judge_set_cookie,
    readable_cookie_pairs, state_from_cookie_header,
};
use samtykke_host::log_line::{self, Trigger};
use samtykke_host::proof_json::proof_to_json;
use samtykke_host::state_json::{consent_cookie_value, StateView};
use samtykke_host::time::format_rfc3339;
use samtykke_host::OwnedPolicy;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// `samtykke decode`: the cookie's state as pretty JSON, or the decode error.
pub fn decode_to_json(
    policy: &OwnedPolicy,
    value: &str,
    keys: Option<&[CookieKey]>,
) -> Result<String, String> {
    let view = policy.view();
    let value = consent_cookie_value(&view, value);
    let state = decode_with_keys(&view, value.as_bytes(), keys)
        .map_err(|e| format!("cannot decode the consent cookie: {e}"))?
        .state;
    let doc = StateView::new(&view, &state, OffsetDateTime::now_utc());
    Ok(serde_json::to_string_pretty(&doc).expect("JSON values always serialize"))
}

fn cookie_value(policy: &ValidPolicy<'_>, state: &ConsentState, key: &[u8]) -> String {
    let mut buf = [0u8; COOKIE_MAX_LEN];
    let n = state
        .encode_cookie(policy, Some(key), &mut buf)
        .expect("COOKIE_MAX_LEN always suffices");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn permit_text(p: Permit<'_>) -> String {
    match p.category() {
        Some(c) if p.is_allowed() => format!("allowed ({})", c.id),
        Some(c) => format!("denied: {} {}", c.id, p.as_str()),
        None => format!("denied: {}", p.as_str()),
    }
}

struct Visit<'p> {
    policy: ValidPolicy<'p>,
    state: ConsentState,
    step: usize,
    /// The visit as the site logs it (SPEC §8), audited at the end.
    log: Vec<String>,
}

/// The banner's controls and the settings layer's, as the demo's pages offer them.
const BANNER: &[&str] = &["accept_all", "reject_all", "settings"];
const SETTINGS: &[&str] = &["accept_all", "reject_all", "save", "withdraw"];

impl Visit<'_> {
    // The consent log is written as a site writes it, by the host's writer
    // (SPEC §8): the visitor is the consent id in hex, no cookie value is logged.

    fn log_notice(&mut self, at: OffsetDateTime, layer: u8, trigger: Trigger, controls: &[&str]) {
        let id = self.state.consent_id();
        let line = log_line::notice_shown(&self.policy, at, id, layer, trigger, controls);
        self.log.push(line);
    }

    fn log_decision(
        &mut self,
        at: OffsetDateTime,
        action: Action,
        control: Control,
        categories: Option<CategorySet>,
    ) {
        let notice = self.policy.policy().notice_version;
        let id = self.state.consent_id();
        let line = log_line::decision(
            &self.policy,
            at,
            id,
            action,
            notice,
            control,
            categories,
            false,
        );
        self.log.push(line);
    }

    fn log_set_cookie(&mut self, at: OffsetDateTime, header: &str) {
        let line = log_line::cookie_set(at, self.state.consent_id(), header);
        self.log.push(line);
    }

    fn log_present(&mut self, at: OffsetDateTime, names: &[&str]) {
        let line = log_line::cookie_present(at, self.state.consent_id(), names);
        self.log.push(line);
    }

    fn step(&mut self, at: OffsetDateTime, what: &str) {
        self.step += 1;
        outln!("\n[{}] {}  {what}", self.step, format_rfc3339(at));
    }

    fn show_permits(&self, names: &[&str], now: OffsetDateTime) {
        for name in names {
            let p = self.state.permits(&self.policy, name, now);
            outln!("      {name:<28} {}", permit_text(p));
        }
    }

    fn show_prompt(&self, now: OffsetDateTime) {
        let due = self.state.prompt_due(&self.policy, now);
        let p = self.policy.policy();
        let pending: Vec<String> = p
            .categories
            .iter()
            .filter_map(|c| match self.state.category_status(&self.policy, c, now) {
                Status::Denied(w) if w.is_undecided() => Some(format!("{} {}", c.id, w.as_str())),
                _ => None,
            })
            .collect();
        if due {
            outln!(
                "    prompt due: yes ({}): show the banner",
                pending.join(", ")
            );
        } else {
            outln!("    prompt due: no (every consent category holds a decision in force)");
        }
    }
}

/// Runs the demonstration.
pub fn run() {
    let owned = OwnedPolicy::from_json(crate::KK_DK_JSON).expect("the embedded policy loads");
    let policy = owned.view();
    let p = policy.policy();
    let key = b"demo site key: keep the real one secret";
    let host = "www.kk.dk";
    let page_cookies = [
        "SESSf3a9c2",
        "closed-emergency-banner-42",
        "ad_session_id",
        "JSESSIONID",
        "nmstat",
        "_ga",
    ];

    outln!("samtykke demo: a visit to {host} under the embedded kk.dk policy (seed 000)");
    outln!(
        "policy: {} revision {}, {} categories, {} providers, {} declarations; consent lasts {} days, a refusal {} days",
        p.site,
        p.revision,
        p.categories.len(),
        p.providers.len(),
        p.storage.len(),
        p.consent_ttl_days,
        p.refusal_ttl_days
    );
    for w in samtykke_host::lint(&owned) {
        outln!("lint: {w}");
    }

    let mut v = Visit {
        policy,
        state: ConsentState::new(0x5a3f_0c1e_9b7d_4e21_8a6f_2d4c_1b0e_7f93),
        step: 0,
        log: Vec::new(),
    };
    let t0 = datetime!(2026-03-01 10:00:00 UTC);

    v.step(t0, "First request: no consent cookie yet.");
    v.show_prompt(t0);
    v.log_notice(t0, 1, Trigger::Auto, BANNER);
    outln!(
        "    banner (notice {}): [Accept all] [Reject all] [Settings]; settings toggles all off: {:?}",
        p.notice_version,
        v.state.toggles(&v.policy, t0).slots().collect::<Vec<_>>()
    );
    outln!("    the page wants to store:");
    v.show_permits(&page_cookies, t0);
    let headers = [
        "SESSf3a9c2=ab12; Max-Age=39600; Path=/; Secure; HttpOnly",
        "nmstat=7c1d; Max-Age=86400000; Path=/",
        "JSESSIONID=99; Path=/",
    ];
    let filtered = filter_set_cookie(&v.state, &v.policy, headers.iter().copied(), t0);
    outln!("    Set-Cookie filter:");
    for h in &filtered.kept {
        outln!("      kept     {h}");
    }
    let kept: Vec<String> = filtered.kept.iter().map(|h| h.to_string()).collect();
    for h in &kept {
        v.log_set_cookie(t0, h);
    }
    for d in &filtered.dropped {
        outln!("      dropped  {}  ({})", d.header, d.reason);
    }

    let t1 = t0 + Duration::seconds(4);
    v.step(
        t1,
        "The visitor scrolls, then closes the banner with its button without choosing.",
    );
    for e in [Event::Scroll(t1), Event::Dismiss(t1)] {
        let proof = v.state.apply(&v.policy, &e);
        // The server hears of the button, not of the scrolling.
        if e.action() == Action::Dismiss {
            v.log_decision(t1, Action::Dismiss, Control::Button, None);
        }
        outln!(
            "    {:?}: no decision, no proof record ({})",
            e.action(),
            if proof.is_none() {
                "none"
            } else {
                "unexpected"
            }
        );
    }
    v.show_prompt(t1);

    let t2 = t0 + Duration::seconds(20);
    v.step(
        t2,
        "The visitor opens Settings, switches on statistics only, and saves.",
    );
    let chosen = v.policy.category_set(&["statistics"]).expect("declared");
    let ctx = Ctx {
        at: t2,
        notice: p.notice_version,
        control: Control::Toggle,
        gpc: false,
    };
    v.log_notice(t2 - Duration::seconds(6), 2, Trigger::User, SETTINGS);
    let proof = v.state.save(&v.policy, chosen, Default::default(), ctx);
    v.log_decision(t2, Action::Save, Control::Toggle, Some(chosen));
    outln!("    proof record: {}", proof_to_json(&v.policy, &proof));
    let cookie = cookie_value(&v.policy, &v.state, key);
    let consent_cookie = consent_set_cookie(&v.policy, &cookie, host, true);
    outln!("    Set-Cookie: {consent_cookie}");
    outln!(
        "      (the consent cookie: {} characters, signed with the site key)",
        cookie.len()
    );
    v.log_set_cookie(t2, &consent_cookie);
    // The page asks for 1000 days; what leaves is shortened to the consent's
    // lapse, as the tower layer and the C library's server calls send it.
    let asked = "nmstat=7c1d; Max-Age=86400000; Path=/";
    let nmstat = judge_set_cookie(&v.state, &v.policy, asked, t2)
        .expect("statistics is granted")
        .into_owned();
    outln!("    Set-Cookie: {nmstat}");
    outln!("      (statistics may be stored now; the page asked for Max-Age=86400000, 1000 days,");
    outln!(
        "       shortened to the {} days the consent lasts)",
        p.consent_ttl_days
    );
    v.log_set_cookie(t2, &nmstat);
    v.show_permits(&page_cookies, t2);

    let t3 = datetime!(2026-03-02 09:00:00 UTC);
    let header = format!(
        "{}={cookie}; nmstat=7c1d; SESSf3a9c2=ab12",
        p.consent_cookie.name
    );
    v.step(t3, "Next day, the browser sends its cookies.");
    outln!("    Cookie: {header}");
    let present: Vec<&str> = readable_cookie_pairs(header.as_bytes())
        .map(|(n, _)| n)
        .collect();
    v.log_present(t3, &present);
    let keys = [CookieKey::new(key)];
    let arrived = state_from_cookie_header(&v.policy, [header.as_bytes()], Some(&keys));
    outln!(
        "    consent cookie verified and decoded: {}",
        match arrived {
            Some(a) if a.state == v.state => "the same state",
            Some(_) => "A DIFFERENT STATE",
            None => "NOT VERIFIED",
        }
    );
    v.show_prompt(t3);

    let t4 = datetime!(2026-03-03 09:00:00 UTC);
    v.step(
        t4,
        "The visitor follows \"Cookie settings\" in the footer and withdraws statistics.",
    );
    let ctx = Ctx {
        at: t4,
        notice: p.notice_version,
        control: Control::Link,
        gpc: false,
    };
    v.log_notice(t4 - Duration::seconds(5), 2, Trigger::User, SETTINGS);
    let proof = v
        .state
        .withdraw(&v.policy, Some(chosen), ctx)
        .expect("statistics is a consent category, so its withdrawal is recorded");
    v.log_decision(t4, Action::Withdraw, Control::Link, Some(chosen));
    // The request that withdrew still carried the cookies: not late (SPEC §8).
    v.log_present(t4, &present);
    outln!("    proof record: {}", proof_to_json(&v.policy, &proof));
    let plan = deletion_plan(&v.state, &v.policy, host, &present, t4);
    outln!("    deletion headers for a response from {host}:");
    for h in &plan.set_cookie {
        outln!("      Set-Cookie: {h}");
    }
    for h in &plan.set_cookie {
        v.log_set_cookie(t4, h);
    }
    for (kind, key) in &plan.storage_keys {
        outln!("      page script clears {} {key}", kind.as_str());
    }
    for u in &plan.undeletable {
        outln!("      cannot delete here: {u:?}");
    }
    outln!("    from now on:");
    v.show_permits(&["nmstat", "SESSf3a9c2"], t4);

    let t5 = datetime!(2026-03-10 12:00:00 UTC);
    v.step(
        t5,
        "A week later the visitor accepts all from the banner icon.",
    );
    let ctx = Ctx {
        at: t5,
        notice: p.notice_version,
        control: Control::Icon,
        gpc: false,
    };
    v.log_notice(t5 - Duration::seconds(3), 1, Trigger::User, BANNER);
    let proof = v.state.accept_all(&v.policy, ctx);
    v.log_decision(t5, Action::AcceptAll, Control::Icon, None);
    outln!("    proof record: {}", proof_to_json(&v.policy, &proof));
    outln!("    a new grant, so statistics may be stored again (R13):");
    v.show_permits(&["nmstat", "JSESSIONID", "ad_session_id"], t5);

    let lapse = v.state.expires(&v.policy).expect("decided");
    v.step(
        lapse,
        &format!("{} days later the consent lapses.", p.consent_ttl_days),
    );
    v.show_prompt(lapse);
    v.show_permits(&["nmstat", "JSESSIONID"], lapse);
    let plan = deletion_plan(
        &v.state,
        &v.policy,
        host,
        ["nmstat", "JSESSIONID", "SESSf3a9c2"],
        lapse,
    );
    outln!("    deletion headers for the lapsed categories:");
    for h in &plan.set_cookie {
        outln!("      Set-Cookie: {h}");
    }
    v.log_notice(lapse, 1, Trigger::Auto, BANNER);
    for h in &plan.set_cookie {
        v.log_set_cookie(lapse, h);
    }
    outln!("\nEnd of the visit. The consent state, decoded, is:");
    outln!(
        "{}",
        serde_json::to_string_pretty(&StateView::new(&v.policy, &v.state, lapse))
            .expect("JSON values always serialize")
    );

    audit_visit(&v, lapse);
}

/// The visit's own consent log, audited; then the same log with one cookie the
/// site should not have set, audited again.
fn audit_visit(v: &Visit<'_>, lapse: OffsetDateTime) {
    outln!("\nThe visit as the site's consent log (SPEC §8):");
    for line in &v.log {
        outln!("  {line}");
    }
    let audit = |lines: &[String]| {
        let mut auditor = Auditor::new(v.policy, AuditOptions::new());
        auditor.file("visit.log");
        for (i, line) in lines.iter().enumerate() {
            auditor.line(i as u64 + 1, line.as_bytes());
        }
        let report = auditor.finish();
        let mut text = Vec::new();
        report
            .write_text(&mut text)
            .expect("writing to memory does not fail");
        for line in String::from_utf8_lossy(&text).lines() {
            outln!("    {line}");
        }
        outln!("    exit code: {}", report.exit_code());
    };
    outln!("\nAudit of the visit's log (samtykke audit visit.log --policy kk.dk.policy.json):");
    audit(&v.log);
    let mut tampered = v.log.clone();
    tampered.push(log_line::cookie_set(
        lapse + Duration::minutes(1),
        v.state.consent_id(),
        "nmstat=7c1d; Max-Age=86400000; Path=/",
    ));
    outln!("\nHad a page set nmstat again a minute after the lapse, before a new choice:");
    audit(&tampered);
}
