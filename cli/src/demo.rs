//! `samtykke demo`: a visit to kk.dk on the embedded policy, printed step by step
//! and ended with an audit of the visit's own consent log, and `samtykke decode`'s
//! JSON rendering of a consent state.

use samtykke::{ConsentState, Control, Ctx, Event, Permit, Status, ValidPolicy, COOKIE_MAX_LEN};
use samtykke_audit::{AuditOptions, Auditor};
use samtykke_host::http::{deletion_plan, filter_set_cookie, parse_cookie_header};
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
    key: Option<&[u8]>,
) -> Result<String, String> {
    let view = policy.view();
    let value = consent_cookie_value(&view, value);
    let state = ConsentState::decode_cookie(&view, value.as_bytes(), key)
        .map_err(|e| format!("cannot decode the consent cookie: {e}"))?;
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

impl Visit<'_> {
    /// Appends an event of this visitor to the consent log; `fields` are the
    /// event's JSON members after `ts` and `visitor`.
    fn log(&mut self, at: OffsetDateTime, fields: &str) {
        self.log.push(format!(
            "{{\"ts\":\"{}\",\"visitor\":\"{:016x}\",{fields}}}",
            format_rfc3339(at),
            self.state.consent_id() >> 64
        ));
    }

    fn log_set_cookie(&mut self, at: OffsetDateTime, header: &str) {
        let quoted = serde_json::to_string(header).expect("strings serialize");
        self.log(
            at,
            &format!("\"event\":\"cookie_set\",\"set_cookie\":{quoted}"),
        );
    }

    fn step(&mut self, at: OffsetDateTime, what: &str) {
        self.step += 1;
        println!("\n[{}] {}  {what}", self.step, format_rfc3339(at));
    }

    fn show_permits(&self, names: &[&str], now: OffsetDateTime) {
        for name in names {
            let p = self.state.permits(&self.policy, name, now);
            println!("      {name:<28} {}", permit_text(p));
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
            println!(
                "    prompt due: yes ({}): show the banner",
                pending.join(", ")
            );
        } else {
            println!("    prompt due: no (every consent category holds a decision in force)");
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

    println!("samtykke demo: a visit to {host} under the embedded kk.dk policy (seed 000)");
    println!(
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
        println!("lint: {w}");
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
    v.log(
        t0,
        &format!(
            "\"event\":\"notice_shown\",\"revision\":{},\"notice\":{},\"layer\":1,\"trigger\":\"auto\",\"controls\":[\"accept_all\",\"reject_all\",\"settings\"],\"preselected\":[]",
            p.revision, p.notice_version
        ),
    );
    println!(
        "    banner (notice {}): [Accept all] [Reject all] [Settings]; settings toggles all off: {:?}",
        p.notice_version,
        v.state.toggles(&v.policy, t0).slots().collect::<Vec<_>>()
    );
    println!("    the page wants to store:");
    v.show_permits(&page_cookies, t0);
    let headers = [
        "SESSf3a9c2=ab12; Max-Age=39600; Path=/; Secure; HttpOnly",
        "nmstat=7c1d; Max-Age=86400000; Path=/",
        "JSESSIONID=99; Path=/",
    ];
    let filtered = filter_set_cookie(&v.state, &v.policy, headers.iter().copied(), t0);
    println!("    Set-Cookie filter:");
    for h in &filtered.kept {
        println!("      kept     {h}");
    }
    let kept: Vec<String> = filtered.kept.iter().map(|h| h.to_string()).collect();
    for h in &kept {
        v.log_set_cookie(t0, h);
    }
    for d in &filtered.dropped {
        println!("      dropped  {}  ({})", d.header, d.reason);
    }

    let t1 = t0 + Duration::seconds(4);
    v.step(
        t1,
        "The visitor scrolls, then closes the banner without choosing.",
    );
    for e in [Event::Scroll(t1), Event::Dismiss(t1)] {
        let proof = v.state.apply(&v.policy, &e);
        v.log(
            t1,
            &format!(
                "\"event\":\"decision\",\"action\":\"{}\"",
                e.action().as_str()
            ),
        );
        println!(
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
    v.log(
        t2 - Duration::seconds(6),
        "\"event\":\"notice_shown\",\"layer\":2,\"trigger\":\"user\",\"controls\":[\"accept_all\",\"reject_all\",\"save\"],\"preselected\":[]",
    );
    let proof = v.state.save(&v.policy, chosen, Default::default(), ctx);
    v.log(
        t2,
        "\"event\":\"decision\",\"action\":\"save\",\"granted\":[\"statistics\"],\"control\":\"toggle\"",
    );
    println!("    proof record: {}", proof_to_json(&v.policy, &proof));
    let cookie = cookie_value(&v.policy, &v.state, key);
    let consent_cookie = format!(
        "{}={cookie}; Max-Age={}; Path=/; Domain={}; Secure; SameSite=Lax",
        p.consent_cookie.name,
        v.policy.consent_cookie_max_age(),
        p.consent_cookie.domain.unwrap_or(p.site)
    );
    println!("    Set-Cookie: {consent_cookie}");
    v.log_set_cookie(t2, &consent_cookie);
    let nmstat = "nmstat=7c1d; Max-Age=86400000; Path=/";
    println!("    Set-Cookie: {nmstat}   (statistics may be stored now)");
    v.log_set_cookie(t2, nmstat);
    println!(
        "    ({} characters, signed with the site key)",
        cookie.len()
    );
    v.show_permits(&page_cookies, t2);

    let t3 = datetime!(2026-03-02 09:00:00 UTC);
    let header = format!(
        "{}={cookie}; nmstat=7c1d; SESSf3a9c2=ab12",
        p.consent_cookie.name
    );
    v.step(t3, "Next day, the browser sends its cookies.");
    println!("    Cookie: {header}");
    let pairs = parse_cookie_header(&header).expect("well-formed");
    let names: Vec<String> = pairs.iter().map(|(n, _)| format!("{n:?}")).collect();
    let present_event = format!(
        "\"event\":\"cookie_present\",\"cookies\":[{}]",
        names.join(",")
    );
    v.log(t3, &present_event);
    let value = pairs
        .iter()
        .find(|(n, _)| *n == p.consent_cookie.name)
        .map(|(_, v)| *v)
        .expect("present");
    let decoded =
        ConsentState::decode_cookie(&v.policy, value.as_bytes(), Some(key)).expect("verifies");
    println!(
        "    consent cookie verified and decoded: {}",
        if decoded == v.state {
            "the same state"
        } else {
            "A DIFFERENT STATE"
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
    v.log(
        t4 - Duration::seconds(5),
        "\"event\":\"notice_shown\",\"layer\":2,\"trigger\":\"user\",\"controls\":[\"accept_all\",\"reject_all\",\"save\"],\"preselected\":[]",
    );
    let proof = v
        .state
        .withdraw(&v.policy, Some(chosen), ctx)
        .expect("statistics is a consent category, so its withdrawal is recorded");
    v.log(
        t4,
        "\"event\":\"decision\",\"action\":\"withdraw\",\"categories\":[\"statistics\"],\"control\":\"link\"",
    );
    // The request that withdrew still carried the cookies: not late (SPEC §8).
    v.log(t4, &present_event);
    println!("    proof record: {}", proof_to_json(&v.policy, &proof));
    let present: Vec<&str> = pairs.iter().map(|(n, _)| *n).collect();
    let plan = deletion_plan(&v.state, &v.policy, host, &present, t4);
    println!("    deletion headers for a response from {host}:");
    for h in &plan.set_cookie {
        println!("      Set-Cookie: {h}");
    }
    for h in &plan.set_cookie {
        v.log_set_cookie(t4, h);
    }
    for (kind, key) in &plan.storage_keys {
        println!("      page script clears {} {key}", kind.as_str());
    }
    for u in &plan.undeletable {
        println!("      cannot delete here: {u:?}");
    }
    println!("    from now on:");
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
    v.log(
        t5 - Duration::seconds(3),
        "\"event\":\"notice_shown\",\"layer\":1,\"trigger\":\"user\",\"controls\":[\"accept_all\",\"reject_all\",\"settings\"],\"preselected\":[]",
    );
    let proof = v.state.accept_all(&v.policy, ctx);
    v.log(
        t5,
        "\"event\":\"decision\",\"action\":\"accept_all\",\"control\":\"icon\"",
    );
    println!("    proof record: {}", proof_to_json(&v.policy, &proof));
    println!("    a new grant, so statistics may be stored again (R13):");
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
    println!("    deletion headers for the lapsed categories:");
    for h in &plan.set_cookie {
        println!("      Set-Cookie: {h}");
    }
    v.log(
        lapse,
        &format!(
            "\"event\":\"notice_shown\",\"revision\":{},\"notice\":{},\"layer\":1,\"trigger\":\"auto\",\"controls\":[\"accept_all\",\"reject_all\",\"settings\"],\"preselected\":[]",
            p.revision, p.notice_version
        ),
    );
    for h in &plan.set_cookie {
        v.log_set_cookie(lapse, h);
    }
    println!("\nEnd of the visit. The consent state, decoded, is:");
    println!(
        "{}",
        serde_json::to_string_pretty(&StateView::new(&v.policy, &v.state, lapse))
            .expect("JSON values always serialize")
    );

    audit_visit(&v, lapse);
}

/// The visit's own consent log, audited; then the same log with one cookie the
/// site should not have set, audited again.
fn audit_visit(v: &Visit<'_>, lapse: OffsetDateTime) {
    println!("\nThe visit as the site's consent log (SPEC §8):");
    for line in &v.log {
        println!("  {line}");
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
            println!("    {line}");
        }
        println!("    exit code: {}", report.exit_code());
    };
    println!("\nAudit of the visit's log (samtykke audit visit.log --policy kk.dk.policy.json):");
    audit(&v.log);
    let mut tampered = v.log.clone();
    tampered.push(format!(
        "{{\"ts\":\"{}\",\"visitor\":\"{:016x}\",\"event\":\"cookie_set\",\"set_cookie\":\"nmstat=7c1d; Max-Age=86400000; Path=/\"}}",
        format_rfc3339(lapse + Duration::minutes(1)),
        v.state.consent_id() >> 64
    ));
    println!("\nHad a page set nmstat again a minute after the lapse, before a new choice:");
    audit(&tampered);
}
