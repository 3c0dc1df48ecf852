//! The consent layer's own cost per request (SPEC §15): reading and verifying the
//! consent cookie, the GPC header, the extensions, filtering and shortening the
//! response's `Set-Cookie` headers, the deletion plan and, where the state
//! changed, encoding and signing the consent cookie again. The sink is `NoSink`
//! (what a sink costs is its own: a file write per event for `JsonlSink`).
//!
//! Run with `cargo bench -p samtykke-benches --bench tower_layer`. Each workload
//! builds the same request (a `Cookie` header with the consent cookie and three
//! other cookies, a `Host`) and calls a handler that answers with the example
//! site's three `Set-Cookie` headers; "bare" calls the handler without the
//! layer, so the layer's cost is the difference. Workloads run batch by batch,
//! interleaved; figures are medians.
//!
//! - returning visitors: 1,024 signed cookies of visitors who accepted, refused,
//!   chose some categories or withdrew, in random (seeded) order, each beside
//!   the cookies its state lets in (what a browser holds);
//! - the same visitors sending `nmstat` and `JSESSIONID` whatever they chose (the
//!   worst case: the layer writes deletions on every such request);
//! - new visitors: no consent cookie (a fresh consent id, nothing re-issued);
//! - re-issued: a cookie signed with the previous key during key rotation, so
//!   every request verifies twice, encodes and signs a new cookie;
//! - GPC: `Sec-GPC: 1` to a visitor who accepted all under a policy that lets
//!   GPC refuse statistics, so every request applies the signal and re-issues
//!   the cookie (the worst case: a state change on every request).

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use bytes::Bytes;
use http::header::{COOKIE, HOST, SET_COOKIE};
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use samtykke::{CategorySet, ConsentState, Ctx, COOKIE_MAX_LEN};
use samtykke_benches::{interleaved_medians, Rng};
use samtykke_host::OwnedPolicy;
use samtykke_tower::{Config, Secure};
use time::macros::datetime;
use tower_layer::Layer;
use tower_service::Service;

const KEY: &[u8] = b"kk.dk consent-cookie key, 32 b.!";
const OLD_KEY: &[u8] = b"last year's key, still verifying";
const BATCH: usize = 64;
const BATCHES: usize = 2_001;
const VISITORS: usize = 1_024;

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Polls a future that is ready at once (the handler and the layer never wait).
fn ready<F: Future>(f: F, cx: &mut Context<'_>) -> F::Output {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(cx) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the handler is synchronous"),
    }
}

/// The example site's handler: three cookies tried, a small body.
#[derive(Clone, Copy)]
struct Handler;

impl Service<Request<Full<Bytes>>> for Handler {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Full<Bytes>>) -> Self::Future {
        black_box(&req);
        let mut r = Response::new(Full::new(Bytes::from_static(b"<!doctype html>")));
        let h = r.headers_mut();
        h.append(
            SET_COOKIE,
            HeaderValue::from_static(
                "SESS0123456789abcdef=0123456789abcdef; Max-Age=39600; Path=/; HttpOnly",
            ),
        );
        h.append(
            SET_COOKIE,
            HeaderValue::from_static("nmstat=1a2b3c4d; Max-Age=86400000; Path=/"),
        );
        h.append(
            SET_COOKIE,
            HeaderValue::from_static("JSESSIONID=9f8e7d; Path=/"),
        );
        std::future::ready(Ok(r))
    }
}

fn request(cookie: &str, gpc: bool) -> Request<Full<Bytes>> {
    let mut b = Request::get("/").header(HOST, "www.kk.dk");
    if !cookie.is_empty() {
        b = b.header(COOKIE, cookie);
    }
    if gpc {
        b = b.header("sec-gpc", "1");
    }
    b.body(Full::default()).expect("a request")
}

fn kk(gpc: bool) -> OwnedPolicy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/kk.dk.policy.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("kk.dk policy")).expect("JSON");
    if gpc {
        json["gpc_refuses"] = serde_json::json!(["statistics"]);
    }
    OwnedPolicy::from_json(&json.to_string()).expect("a valid policy")
}

/// The `Cookie` header of a visitor in `state`: the session cookie, the consent
/// cookie, and `nmstat` and `JSESSIONID` when `all` or when the state permits
/// them at `now` (a browser holds what the site let in).
fn cookie_header(
    policy: &OwnedPolicy,
    state: &ConsentState,
    key: &[u8],
    now: time::OffsetDateTime,
    all: bool,
) -> String {
    let view = policy.view();
    let mut buf = [0u8; COOKIE_MAX_LEN];
    let n = state
        .encode_cookie(&view, Some(key), &mut buf)
        .expect("fits");
    let mut h = format!(
        "SESS0123456789abcdef=0123456789abcdef; samtykke={}",
        std::str::from_utf8(&buf[..n]).expect("ASCII")
    );
    for (name, value) in [("nmstat", "1a2b3c4d"), ("JSESSIONID", "9f8e7d")] {
        if all || state.permits(&view, name, now).is_allowed() {
            h.push_str(&format!("; {name}={value}"));
        }
    }
    h
}

fn main() {
    let now = datetime!(2026-03-10 12:00 UTC);
    let t0 = datetime!(2026-03-01 10:00 UTC);
    let clock = move || now;
    let policy = kk(false);
    let view = policy.view();
    let mut rng = Rng::new(2026_1129);
    let states: Vec<ConsentState> = (0..VISITORS)
        .map(|_| {
            let id = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
            let mut s = ConsentState::new(id);
            let ctx = Ctx::button(t0, 1);
            match rng.below(4) {
                0 => drop(s.accept_all(&view, ctx)),
                1 => drop(s.reject_all(&view, ctx)),
                2 => {
                    let chosen = CategorySet::from_bits(
                        (rng.next_u64() as u32) & view.consent_slots().bits(),
                    );
                    s.save(&view, chosen, Default::default(), ctx);
                }
                _ => {
                    s.accept_all(&view, ctx);
                    s.withdraw(&view, None, Ctx::button(t0 + time::Duration::days(2), 1));
                }
            }
            s
        })
        .collect();
    let visitors: Vec<String> = states
        .iter()
        .map(|s| cookie_header(&policy, s, KEY, now, false))
        .collect();
    let stale: Vec<String> = states
        .iter()
        .map(|s| cookie_header(&policy, s, KEY, now, true))
        .collect();
    let mut accepted = ConsentState::new(7);
    accepted.accept_all(&view, Ctx::button(t0, 1));
    let rotated = cookie_header(&policy, &accepted, OLD_KEY, now, false);
    let gpc_policy = kk(true);
    let gpc_cookie = cookie_header(&gpc_policy, &accepted, KEY, now, false);
    let fresh = "SESS0123456789abcdef=0123456789abcdef".to_owned();

    let layered = |p: OwnedPolicy| {
        Config::new(p, KEY)
            .and_then(|c| c.verify_also(OLD_KEY))
            .expect("the benchmark's keys are 32 bytes")
            .secure(Secure::Always)
            .clock(clock)
            .consent_ids(|| 0x5eed)
            .layer()
            .layer(Handler)
    };
    let mut bare = Handler;
    let mut layer = layered(kk(false));
    let mut gpc_layer = layered(kk(true));
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);

    let mut cx2 = Context::from_waker(&waker);
    let mut cx3 = Context::from_waker(&waker);
    let mut cx4 = Context::from_waker(&waker);
    let mut cx5 = Context::from_waker(&waker);
    let mut w_bare = |i: usize| {
        let r = ready(bare.call(request(&visitors[i % VISITORS], false)), &mut cx);
        black_box(r.ok());
    };
    let mut l1 = layer.clone();
    let mut w_returning = |i: usize| {
        let r = ready(l1.call(request(&visitors[i % VISITORS], false)), &mut cx2);
        black_box(r.ok());
    };
    let mut l3 = layer.clone();
    let mut cx6 = Context::from_waker(&waker);
    let mut w_stale = |i: usize| {
        let r = ready(l3.call(request(&stale[i % VISITORS], false)), &mut cx6);
        black_box(r.ok());
    };
    let mut l2 = layer.clone();
    let mut w_new = |_: usize| {
        let r = ready(l2.call(request(&fresh, false)), &mut cx3);
        black_box(r.ok());
    };
    let mut w_rotated = |_: usize| {
        let r = ready(layer.call(request(&rotated, false)), &mut cx4);
        black_box(r.ok());
    };
    let mut w_gpc = |_: usize| {
        let r = ready(gpc_layer.call(request(&gpc_cookie, true)), &mut cx5);
        black_box(r.ok());
    };
    let m = interleaved_medians(
        BATCHES,
        BATCH,
        &mut [
            &mut w_bare,
            &mut w_returning,
            &mut w_stale,
            &mut w_new,
            &mut w_rotated,
            &mut w_gpc,
        ],
    );
    println!("tower layer, kk.dk, medians of {BATCHES} interleaved batches of {BATCH} requests");
    println!(
        "  bare handler (request built, 3 Set-Cookie):  {:8.0} ns",
        m[0]
    );
    for (name, v) in [
        ("returning visitors, random order", m[1]),
        ("the same, denied cookies present", m[2]),
        ("new visitors (no consent cookie)", m[3]),
        ("old key: verify twice, re-issue", m[4]),
        ("Sec-GPC: 1, a change every request", m[5]),
    ] {
        println!("  layer, {name:<36} {v:8.0} ns  (+{:.0} ns)", v - m[0]);
    }
}
