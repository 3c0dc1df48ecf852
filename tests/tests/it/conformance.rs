//! SPEC §18's conformance table, `tests/conformance/*.json`, run through the Rust
//! API (the core and the host crate). The C suite, the PHP test and pytest run the
//! same rows; every front end must give the same answer for every row. The
//! expected answers are in the table, written from SPEC; nothing here computes
//! them. Each test runs every row of one file and lists every failing row by name.
//! The format is described in `tests/conformance/README.md`.

use std::path::PathBuf;

use samtykke::{
    Basis, Code, ConsentState, Control, CookieKey, Ctx, Event, Permit, ProviderSet, ValidPolicy,
};
use samtykke_host::form::read_decision_form;
use samtykke_host::http::{
    deletion_plan, filter_set_cookie, gpc_signal, judge_set_cookie, parse_cookie_header,
    request_lang, same_origin, state_from_cookie_header,
};
use samtykke_host::OwnedPolicy;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rows(file: &str) -> Vec<Value> {
    let path = root().join("tests/conformance").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    match serde_json::from_str(&text) {
        Ok(Value::Array(rows)) => rows,
        other => panic!("{path:?} is not a JSON array of rows: {other:?}"),
    }
}

/// Runs `check` on every row of `file`; fails listing every row that failed.
fn run(file: &str, check: impl Fn(&Value) -> Result<(), String>) {
    let rows = rows(file);
    assert!(!rows.is_empty(), "{file} has no rows");
    let mut failures = Vec::new();
    for row in &rows {
        let name = row["name"].as_str().unwrap_or("<unnamed>");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(row)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(why)) => failures.push(format!("{name}: {why}")),
            Err(_) => failures.push(format!("{name}: PANICKED (SPEC §13: never panic)")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows of {file} fail:\n  {}",
        failures.len(),
        rows.len(),
        failures.join("\n  ")
    );
}

// ---- inputs ---------------------------------------------------------------------

fn load_policy(row: &Value) -> Result<OwnedPolicy, String> {
    match &row["policy"] {
        Value::Null => OwnedPolicy::load(root().join("examples/kk.dk.policy.json")),
        Value::String(path) => OwnedPolicy::load(root().join(path)),
        doc => OwnedPolicy::from_json(&doc.to_string()),
    }
    .map_err(|e| format!("the row's policy does not load: {e}"))
}

/// Unix seconds as the Rust API's instant. The Rust API takes `OffsetDateTime`;
/// a time it cannot hold is refused here, with the code C returns for it.
fn time(secs: &Value) -> Result<OffsetDateTime, Code> {
    let secs = secs.as_i64().ok_or(Code::InvalidTime)?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| Code::InvalidTime)
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The circumstances of a user action, built as a Rust host builds them today:
/// `Ctx`'s fields directly. A notice that does not fit `u16` or a control outside
/// the vocabulary cannot be expressed and counts as InvalidArgument.
fn ctx(view: &ValidPolicy<'_>, ev: &Value) -> Result<Ctx, Code> {
    let at = time(&ev["at"])?;
    let notice = match ev.get("notice") {
        None | Some(Value::Null) => view.policy().notice_version,
        Some(n) => n
            .as_i64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or(Code::InvalidArgument)?,
    };
    let control = match ev.get("control") {
        None | Some(Value::Null) => Control::Button,
        Some(c) => c
            .as_str()
            .and_then(Control::parse)
            .ok_or(Code::InvalidArgument)?,
    };
    let gpc = ev["gpc"].as_bool().unwrap_or(false);
    Ctx::new(at, notice, control, gpc).map_err(|e| e.code())
}

fn category_set(view: &ValidPolicy<'_>, v: &Value) -> Result<samtykke::CategorySet, Code> {
    view.category_set(&strings(v))
        .map_err(|_| Code::UnknownName)
}

/// Applies one event; `Ok(true)` when it recorded a proof. On error the state is
/// unchanged.
fn apply(state: &mut ConsentState, view: &ValidPolicy<'_>, ev: &Value) -> Result<bool, Code> {
    let action = ev["action"].as_str().unwrap_or_default();
    let event = match action {
        "accept_all" => Event::AcceptAll(ctx(view, ev)?),
        "reject_all" => Event::RejectAll(ctx(view, ev)?),
        "save" => {
            let chosen = category_set(view, &ev["categories"])?;
            let refused_providers = match ev.get("refused_providers") {
                None | Some(Value::Null) => ProviderSet::EMPTY,
                Some(p) => view
                    .provider_set(&strings(p))
                    .map_err(|_| Code::UnknownName)?,
            };
            Event::Save {
                chosen,
                refused_providers,
                ctx: ctx(view, ev)?,
            }
        }
        "withdraw" => {
            let categories = match ev.get("categories") {
                None | Some(Value::Null) => None,
                Some(c) => Some(category_set(view, c)?),
            };
            Event::Withdraw {
                categories,
                ctx: ctx(view, ev)?,
            }
        }
        "signal_gpc" => Event::SignalGpc(time(&ev["at"])?),
        "dismiss" => Event::Dismiss(time(&ev["at"])?),
        "scroll" => Event::Scroll(time(&ev["at"])?),
        "navigate" => Event::Navigate(time(&ev["at"])?),
        "idle" => Event::Idle(time(&ev["at"])?),
        _ => return Err(Code::InvalidArgument),
    };
    Ok(state.apply(view, &event).is_some())
}

fn consent_id(row: &Value) -> Result<u128, String> {
    match row["consent_id"].as_str() {
        None => Ok(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        Some(hex) => u128::from_str_radix(hex, 16).map_err(|e| format!("consent_id: {e}")),
    }
}

/// The state the row's `given` events make from a new state.
fn given(row: &Value, view: &ValidPolicy<'_>) -> Result<ConsentState, String> {
    let mut state = ConsentState::new(consent_id(row)?);
    for (i, ev) in row["given"].as_array().into_iter().flatten().enumerate() {
        apply(&mut state, view, ev)
            .map_err(|c| format!("given[{i}] fails with {} {c:?}", c as u32))?;
    }
    Ok(state)
}

// ---- answers --------------------------------------------------------------------

fn code_of(row: &Value) -> u32 {
    row["expect"]["code"].as_u64().unwrap_or(u64::MAX) as u32
}

fn expect_code(row: &Value, got: Code) -> Result<(), String> {
    let want = code_of(row);
    if got as u32 == want {
        Ok(())
    } else {
        Err(format!(
            "expected code {want} {}, got {} {got:?}",
            row["expect"]["code_name"].as_str().unwrap_or("?"),
            got as u32
        ))
    }
}

fn same(what: &str, want: &Value, got: &Value) -> Result<(), String> {
    if want == got {
        Ok(())
    } else {
        Err(format!("{what}: expected {want}, got {got}"))
    }
}

fn permit_reason(p: &Permit<'_>) -> &'static str {
    match p {
        Permit::Allowed { category, .. } if category.basis == Basis::Exempt => "exempt",
        Permit::Allowed { .. } => "granted",
        Permit::Denied { why, .. } => why.as_str(),
        Permit::Undeclared => "undeclared",
    }
}

/// Checks `status`, `prompt_due`, `partial_refusal_at`, `expires` and `permits`
/// of `expect` against the state.
fn check_state(
    expect: &Value,
    state: &ConsentState,
    view: &ValidPolicy<'_>,
    now: OffsetDateTime,
) -> Result<(), String> {
    if let Some(status) = expect["status"].as_object() {
        let mut got = Map::new();
        for id in status.keys() {
            let s = match view.category(id) {
                Some((_, c)) => state.category_status(view, c, now).as_str(),
                None => "<no such category>",
            };
            got.insert(id.clone(), json!(s));
        }
        same("status", &expect["status"], &Value::Object(got))?;
    }
    if let Some(due) = expect.get("prompt_due") {
        same("prompt_due", due, &json!(state.prompt_due(view, now)))?;
    }
    if let Some(t) = expect.get("partial_refusal_at") {
        let got = state.partial_at().map(|t| t.unix_timestamp());
        same("partial_refusal_at", t, &json!(got))?;
    }
    if let Some(t) = expect.get("expires") {
        let got = state.expires(view).map(|t| t.unix_timestamp());
        same("expires", t, &json!(got))?;
    }
    if let Some(permits) = expect["permits"].as_object() {
        let mut got = Map::new();
        for name in permits.keys() {
            got.insert(
                name.clone(),
                json!(permit_reason(&state.permits(view, name, now))),
            );
        }
        same("permits", &expect["permits"], &Value::Object(got))?;
    }
    Ok(())
}

fn now(row: &Value) -> Result<OffsetDateTime, String> {
    time(&row["now"]).map_err(|_| "the row's `now` is out of range".to_owned())
}

// ---- the files ------------------------------------------------------------------

fn check_event(row: &Value) -> Result<(), String> {
    let policy = load_policy(row)?;
    let view = policy.view();
    let mut state = given(row, &view)?;
    let before = state;
    let result = apply(&mut state, &view, &row["event"]);
    let expect = &row["expect"];
    match result {
        Err(code) => {
            expect_code(row, code)?;
            (state == before)
                .then_some(())
                .ok_or_else(|| "the state changed on error".to_owned())
        }
        Ok(_) if code_of(row) != 0 => expect_code(row, Code::Ok),
        Ok(recorded) => {
            same("recorded", &expect["recorded"], &json!(recorded))?;
            if let Some(n) = expect.get("notice_version") {
                same("notice_version", n, &json!(state.notice()))?;
            }
            check_state(expect, &state, &view, now(row)?)
        }
    }
}

fn check_policy(row: &Value) -> Result<(), String> {
    let loaded = match (&row["policy_text"], &row["policy"]) {
        (Value::String(text), _) => OwnedPolicy::from_json(text),
        (_, Value::String(path)) => OwnedPolicy::load(root().join(path)),
        (_, doc) => OwnedPolicy::from_json(&doc.to_string()),
    };
    let expect = &row["expect"];
    match loaded {
        Err(e) => {
            expect_code(row, e.code())?;
            match expect["path"].as_str() {
                Some(path) => same("path", &json!(path), &json!(e.path())),
                None => Ok(()),
            }
        }
        Ok(_) if code_of(row) != 0 => expect_code(row, Code::Ok),
        Ok(policy) => {
            let view = policy.view();
            let p = view.policy();
            same("site", &expect["site"], &json!(p.site))?;
            let ids: Vec<&str> = p.categories.iter().map(|c| c.id).collect();
            same("categories", &expect["categories"], &json!(ids))
        }
    }
}

fn hex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("odd hex {s:?}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| format!("hex {s:?}: {e}")))
        .collect()
}

fn check_cookie(row: &Value) -> Result<(), String> {
    let policy = load_policy(row)?;
    let view = policy.view();
    let key = row["key_hex"].as_str().map(hex).transpose()?;
    let value = row["value"].as_str().ok_or("the row has no `value`")?;
    let expect = &row["expect"];
    match ConsentState::decode_cookie(&view, value.as_bytes(), key.as_deref()) {
        Err(e) => expect_code(row, e.code()),
        Ok(_) if code_of(row) != 0 => expect_code(row, Code::Ok),
        Ok(state) => {
            same(
                "consent_id",
                &expect["consent_id"],
                &json!(format!("{:032x}", state.consent_id())),
            )?;
            if let Some(r) = expect.get("revision") {
                same("revision", r, &json!(state.decided_revision()))?;
            }
            if let Some(t) = expect.get("decided_at") {
                let got = state.decided_at().map(|t| t.unix_timestamp());
                same("decided_at", t, &json!(got))?;
            }
            if let Some(n) = expect.get("notice_version") {
                same("notice_version", n, &json!(state.notice()))?;
            }
            if let Some(a) = expect.get("action") {
                same("action", a, &json!(state.action().map(|a| a.as_str())))?;
            }
            if let Some(c) = expect.get("control") {
                same("control", c, &json!(state.control().as_str()))?;
            }
            if let Some(g) = expect.get("gpc") {
                same("gpc", g, &json!(state.gpc()))?;
            }
            check_state(expect, &state, &view, now(row)?)
        }
    }
}

fn check_header(row: &Value) -> Result<(), String> {
    let expect = &row["expect"];
    match row["type"].as_str() {
        Some("cookie_header") => {
            let header = row["header"].as_str().ok_or("the row has no `header`")?;
            match parse_cookie_header(header) {
                Err(e) => expect_code(row, e.code()),
                Ok(_) if code_of(row) != 0 => expect_code(row, Code::Ok),
                Ok(pairs) => same("pairs", &expect["pairs"], &json!(pairs)),
            }
        }
        Some("set_cookie_filter") => {
            let policy = load_policy(row)?;
            let view = policy.view();
            let state = given(row, &view)?;
            let headers = strings(&row["set_cookie"]);
            let out = filter_set_cookie(&state, &view, &headers, now(row)?);
            if code_of(row) != 0 {
                return expect_code(row, Code::Ok);
            }
            same("kept", &expect["kept"], &json!(out.kept))?;
            let dropped: Vec<Value> = out
                .dropped
                .iter()
                .map(|d| json!({"index": d.index, "name": d.name, "reason": d.reason.as_str()}))
                .collect();
            same("dropped", &expect["dropped"], &json!(dropped))?;
            if expect.get("sent").is_none() {
                return Ok(());
            }
            // What leaves, shortened to the lapse: the judge's answer per header.
            let sent: Vec<String> = headers
                .iter()
                .filter_map(|h| judge_set_cookie(&state, &view, h, now(row).ok()?).ok())
                .map(|h| h.into_owned())
                .collect();
            same("sent", &expect["sent"], &json!(sent))
        }
        Some("deletion") => {
            let policy = load_policy(row)?;
            let view = policy.view();
            let state = given(row, &view)?;
            let header = row["cookie_header"].as_str().unwrap_or_default();
            let names: Vec<&str> = match parse_cookie_header(header) {
                Err(e) => return expect_code(row, e.code()),
                Ok(pairs) => pairs.into_iter().map(|(n, _)| n).collect(),
            };
            let host = row["host"].as_str().unwrap_or_default();
            let plan = deletion_plan(&state, &view, host, &names, now(row)?);
            if code_of(row) != 0 {
                return expect_code(row, Code::Ok);
            }
            same("set_cookie", &expect["set_cookie"], &json!(plan.set_cookie))?;
            let keys: Vec<Value> = plan
                .storage_keys
                .iter()
                .map(|(k, n)| json!([k.as_str(), n]))
                .collect();
            same("storage_keys", &expect["storage_keys"], &json!(keys))?;
            let undeletable: Vec<Value> = plan
                .undeletable
                .iter()
                .map(|u| {
                    json!({"name": u.name, "category": u.category, "domain": u.domain,
                           "reason": u.reason.as_str()})
                })
                .collect();
            same("undeletable", &expect["undeletable"], &json!(undeletable))
        }
        Some("sec_gpc") => {
            let signal = gpc_signal(row["value"].as_str().unwrap_or_default().as_bytes());
            expect_code(row, Code::Ok)?;
            same("signal", &expect["signal"], &json!(signal))
        }
        Some("request_lang") => {
            let field = |k: &str| row[k].as_str().unwrap_or_default().as_bytes();
            let lang = request_lang(field("query"), field("accept_language"));
            expect_code(row, Code::Ok)?;
            same("lang", &expect["lang"], &json!(lang.map(|l| l.as_str())))
        }
        Some("same_origin") => {
            let header = |k: &str| row[k].as_str().map(str::as_bytes);
            let host = row["host"].as_str().unwrap_or_default().as_bytes();
            let passes = same_origin(host, header("origin"), header("sec_fetch_site")).is_ok();
            expect_code(row, Code::Ok)?;
            same("same", &expect["same"], &json!(passes))
        }
        Some("decision_form") => {
            let policy = load_policy(row)?;
            let view = policy.view();
            let body = row["body"].as_str().unwrap_or_default().as_bytes();
            let field = row["action_field"].as_str().unwrap_or("action");
            // Absent: a form's; null: no header.
            let content_type = match row.get("content_type") {
                None => Some(&b"application/x-www-form-urlencoded"[..]),
                Some(t) => t.as_str().map(str::as_bytes),
            };
            match read_decision_form(&view, content_type, body, field) {
                Err(e) => {
                    expect_code(row, e.code())?;
                    same("field", &expect["field"], &json!(e.field()))?;
                    same("http_status", &expect["http_status"], &json!(e.status()))
                }
                Ok(form) => {
                    expect_code(row, Code::Ok)?;
                    let got: Value = serde_json::from_str(&form.to_json(&view))
                        .map_err(|e| format!("the decision's JSON: {e}"))?;
                    for k in [
                        "action",
                        "notice",
                        "control",
                        "granted",
                        "categories",
                        "consent_id",
                    ] {
                        same(k, &expect[k], &got[k])?;
                    }
                    Ok(())
                }
            }
        }
        Some("consent_cookie_header") => {
            let policy = load_policy(row)?;
            let view = policy.view();
            // Absent: no keys, read unverified; a list (even empty): those keys.
            let keys: Option<Vec<CookieKey>> = row["keys_hex"]
                .as_array()
                .map(|k| {
                    k.iter()
                        .map(|h| hex(h.as_str().unwrap_or_default()).map(|k| CookieKey::new(&k)))
                        .collect::<Result<_, _>>()
                })
                .transpose()?;
            let header = match row["header_hex"].as_str() {
                Some(h) => hex(h)?,
                None => row["header"]
                    .as_str()
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec(),
            };
            let arrived = state_from_cookie_header(&view, [header.as_slice()], keys.as_deref());
            expect_code(row, Code::Ok)?;
            same("found", &expect["found"], &json!(arrived.is_some()))?;
            match arrived {
                None => Ok(()),
                Some(a) => {
                    same("key_index", &expect["key_index"], &json!(a.key_index))?;
                    same(
                        "consent_id",
                        &expect["consent_id"],
                        &json!(format!("{:032x}", a.state.consent_id())),
                    )?;
                    same(
                        "action",
                        &expect["action"],
                        &json!(a.state.action().map(|a| a.as_str())),
                    )?;
                    check_state(expect, &a.state, &view, now(row)?)
                }
            }
        }
        other => Err(format!("unknown row type {other:?}")),
    }
}

/// A row of `iab.json` (SPEC §16): a TC or GPP string, its code, and for a TC
/// string its CMP id and vendor consents, for a GPP string its section ids.
fn check_iab(row: &Value) -> Result<(), String> {
    let value = row["value"].as_str().ok_or("the row has no `value`")?;
    let expect = &row["expect"];
    match row["type"].as_str() {
        Some("tcf") => match samtykke::tcf::TcString::decode(value.as_bytes()) {
            Err(e) => expect_code(row, e.code()),
            Ok(_) if code_of(row) != 0 => expect_code(row, Code::Ok),
            Ok(t) => {
                if let Some(c) = expect.get("cmp_id") {
                    same("cmp_id", c, &json!(t.cmp_id))?;
                }
                let ids: Vec<u16> = t.vendor_consents.iter().collect();
                same("ids", &expect["ids"], &json!(ids))
            }
        },
        Some("gpp") => match samtykke::gpp::GppString::decode(value.as_bytes()) {
            Err(e) => expect_code(row, e.code()),
            Ok(_) if code_of(row) != 0 => expect_code(row, Code::Ok),
            Ok(g) => {
                let ids: Vec<u16> = g.section_ids().collect();
                same("ids", &expect["ids"], &json!(ids))
            }
        },
        other => Err(format!("unknown row type {other:?}")),
    }
}

#[test]
fn conformance_iab() {
    run("iab.json", check_iab);
}

#[test]
fn conformance_events() {
    run("events.json", check_event);
}

#[test]
fn conformance_policies() {
    run("policies.json", check_policy);
}

#[test]
fn conformance_cookies() {
    run("cookies.json", check_cookie);
}

#[test]
fn conformance_headers() {
    run("headers.json", check_header);
}

/// Every row in every file has a unique name, a note, an expected code with its
/// name matching the core's table, and at least 40 rows in all (SPEC §18).
#[test]
fn conformance_table_is_well_formed() {
    let mut names = std::collections::HashSet::new();
    let mut total = 0;
    for file in [
        "events.json",
        "policies.json",
        "cookies.json",
        "headers.json",
        "iab.json",
    ] {
        for row in rows(file) {
            total += 1;
            let name = row["name"].as_str().expect("every row has a name");
            assert!(names.insert(name.to_owned()), "row name {name} is repeated");
            assert!(row["note"].is_string(), "{name} has no note");
            let code = row["expect"]["code"].as_u64().expect("expect.code");
            let code =
                Code::from_u32(code as u32).unwrap_or_else(|| panic!("{name}: no code {code}"));
            assert_eq!(
                row["expect"]["code_name"].as_str(),
                Some(format!("{code:?}").as_str()),
                "{name}: code_name is not the name of code {}",
                code as u32
            );
        }
    }
    assert!(total >= 40, "only {total} rows");
}
