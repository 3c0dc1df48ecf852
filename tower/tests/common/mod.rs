//! A site under test: the kk.dk policy, a page that always tries to set three
//! cookies, the consent endpoint, a clock the test moves, and a browser-like jar.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http::header::{COOKIE, SET_COOKIE};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use samtykke_host::http::SetCookie;
use samtykke_host::OwnedPolicy;
use samtykke_tower::{Config, Consent, ConsentEndpoint, MemorySink, NoticeShown, Secure};
use time::OffsetDateTime;
use tower::{Layer, ServiceExt};

pub const KEY: &[u8] = b"the site key of the kk.dk test site, 32+ bytes";
pub const T0: i64 = 1_772_359_200; // 2026-03-01T10:00:00Z

/// kk.dk's policy, with `gpc_refuses` set when given.
pub fn policy(gpc_refuses: &[&str]) -> OwnedPolicy {
    OwnedPolicy::from_json(&policy_json(gpc_refuses).to_string()).unwrap()
}

/// kk.dk's policy with storage other than cookies: statistics' `_pk_*` in
/// local storage and `pk-db` in IndexedDB, functional's `tab` in session storage.
pub fn policy_with_storage() -> OwnedPolicy {
    let mut json = policy_json(&[]);
    let storage = json["storage"].as_array_mut().unwrap();
    let template = storage
        .iter()
        .find(|d| d["name"] == "nmstat")
        .unwrap()
        .clone();
    for (name, kind, category) in [
        ("_pk_*", "local_storage", "statistics"),
        ("pk-db", "indexed_db", "statistics"),
        ("tab", "session_storage", "functional"),
    ] {
        let mut d = template.clone();
        d["name"] = name.into();
        d["kind"] = kind.into();
        d["category"] = category.into();
        storage.push(d);
    }
    OwnedPolicy::from_json(&json.to_string()).unwrap()
}

/// kk.dk's policy at revision 2, whose statistics category changed in it: a
/// grant of statistics given under revision 1 is outdated.
#[allow(dead_code)]
pub fn policy_revised() -> OwnedPolicy {
    let mut json = policy_json(&[]);
    json["revision"] = 2.into();
    for c in json["categories"].as_array_mut().unwrap() {
        if c["id"] == "statistics" {
            c["changed_in_revision"] = 2.into();
        }
    }
    OwnedPolicy::from_json(&json.to_string()).unwrap()
}

fn policy_json(gpc_refuses: &[&str]) -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/kk.dk.policy.json"
    ))
    .unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    if !gpc_refuses.is_empty() {
        json["gpc_refuses"] = serde_json::Value::from(gpc_refuses.to_vec());
    }
    json
}

pub type Svc =
    tower::util::BoxCloneService<Request<Full<Bytes>>, Response<Full<Bytes>>, Infallible>;

/// The page: always tries `SESS…` (necessary), `nmstat` (statistics) and
/// `JSESSIONID` (functional); says it rendered the banner when due.
async fn app(req: Request<Full<Bytes>>) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() == "/consent" {
        return ConsentEndpoint::new().oneshot(req).await;
    }
    let consent = req
        .extensions()
        .get::<Consent>()
        .cloned()
        .expect("the layer");
    // SPEC §15: the state itself is in the extensions too, the same state.
    assert_eq!(
        req.extensions().get::<samtykke::ConsentState>(),
        Some(consent.state())
    );
    // What a page embeds, worked out once, is what the two calls give.
    let (json, script) = consent.page_data();
    assert_eq!(
        (&json, &script),
        (&consent.to_json(), &consent.storage_script())
    );
    let mut r = Response::new(Full::new(Bytes::from(json)));
    for h in [
        "SESSabc=1; Max-Age=39600; Path=/",
        "nmstat=abc; Max-Age=86400000; Path=/",
        "JSESSIONID=xyz; Path=/",
    ] {
        r.headers_mut().append(SET_COOKIE, h.parse().unwrap());
    }
    if consent.prompt_due() {
        r.extensions_mut().insert(NoticeShown::BANNER);
    }
    Ok(r)
}

pub struct Site {
    pub svc: Svc,
    pub sink: Arc<MemorySink>,
    pub clock: Arc<AtomicI64>,
    pub host: String,
}

pub fn site_with(config: impl FnOnce(Config) -> Config, gpc_refuses: &[&str]) -> Site {
    site_keyed(KEY, config, gpc_refuses)
}

/// A site signing with `key`.
pub fn site_keyed(key: &[u8], config: impl FnOnce(Config) -> Config, gpc_refuses: &[&str]) -> Site {
    site_of(policy(gpc_refuses), key, config)
}

/// A site enforcing `policy`.
pub fn site_of(policy: OwnedPolicy, key: &[u8], config: impl FnOnce(Config) -> Config) -> Site {
    let sink = Arc::new(MemorySink::new());
    let clock = Arc::new(AtomicI64::new(T0));
    let ids = Arc::new(AtomicU64::new(1));
    let c = clock.clone();
    let layer = config(
        Config::new(policy, key)
            .unwrap()
            .sink(sink.clone())
            .secure(Secure::Never)
            .clock(move || OffsetDateTime::from_unix_timestamp(c.load(Ordering::SeqCst)).unwrap())
            .consent_ids(move || {
                0xabc0_0000_0000_0000_0000_0000_0000_0000
                    + u128::from(ids.fetch_add(1, Ordering::SeqCst))
            }),
    )
    .layer();
    let svc = layer.layer(tower::service_fn(app));
    Site {
        svc: tower::util::BoxCloneService::new(svc),
        sink,
        clock,
        host: "127.0.0.1:8080".into(),
    }
}

pub fn site() -> Site {
    site_with(|c| c, &[])
}

/// What the test reads of a response.
#[derive(Debug)]
pub struct Got {
    pub status: StatusCode,
    pub set_cookie: Vec<String>,
    pub location: Option<String>,
    pub body: String,
}

impl Got {
    pub fn sets(&self, name: &str) -> Option<SetCookie<'_>> {
        self.set_cookie
            .iter()
            .filter_map(|h| SetCookie::parse(h).ok())
            .find(|c| c.name == name && !matches!(c.max_age, Some(n) if n <= 0))
    }
    pub fn deletes(&self, name: &str) -> Vec<&String> {
        self.set_cookie
            .iter()
            .filter(|h| SetCookie::parse(h).is_ok_and(|c| c.name == name && c.max_age == Some(0)))
            .collect()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

impl Site {
    pub fn advance_days(&self, days: i64) {
        self.clock.fetch_add(days * 86_400, Ordering::SeqCst);
    }

    pub async fn send(&self, req: Request<Full<Bytes>>) -> Got {
        let r = self.svc.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let set_cookie = r
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| String::from_utf8(v.as_bytes().to_vec()).unwrap())
            .collect();
        let location = r
            .headers()
            .get(http::header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let body =
            String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        Got {
            status,
            set_cookie,
            location,
            body,
        }
    }

    pub fn get(&self, path: &str, jar: &Jar) -> http::request::Builder {
        let mut b = Request::get(path).header("host", &self.host);
        if let Some(c) = jar.header() {
            b = b.header(COOKIE, c);
        }
        b
    }

    pub fn post(&self, form: &str, jar: &Jar) -> Request<Full<Bytes>> {
        let mut b = Request::post("/consent")
            .header("host", &self.host)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", format!("http://{}", self.host))
            .header("sec-fetch-site", "same-origin")
            .header("referer", format!("http://{}/page?x=1", self.host));
        if let Some(c) = jar.header() {
            b = b.header(COOKIE, c);
        }
        b.body(Full::new(Bytes::from(form.to_owned()))).unwrap()
    }

    /// GET `path` as a browser would, applying what it set to the jar.
    pub async fn visit(&self, path: &str, jar: &mut Jar) -> Got {
        jar.at(self.clock.load(Ordering::SeqCst));
        let got = self
            .send(self.get(path, jar).body(Full::default()).unwrap())
            .await;
        jar.apply(&got);
        got
    }

    /// POST a decision as a browser would.
    pub async fn decide(&self, form: &str, jar: &mut Jar) -> Got {
        jar.at(self.clock.load(Ordering::SeqCst));
        let got = self.send(self.post(form, jar)).await;
        jar.apply(&got);
        got
    }

    pub fn log(&self) -> Vec<String> {
        self.sink.take_events()
    }
}

/// A browser's cookie jar for one host: names to values and when each expires
/// (a session cookie never does here), as a browser keeps them: a cookie past
/// its `Max-Age` or `Expires` is gone.
#[derive(Debug, Default, Clone)]
pub struct Jar(pub BTreeMap<String, (String, Option<i64>)>, pub i64);

impl Jar {
    /// Sets the jar's clock (the site's), dropping what expired.
    pub fn at(&mut self, now: i64) {
        self.1 = now;
        self.0
            .retain(|_, (_, exp)| !matches!(exp, Some(e) if *e <= now));
    }
    pub fn header(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .iter()
                .map(|(k, (v, _))| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
    pub fn apply(&mut self, got: &Got) {
        let now = time::OffsetDateTime::from_unix_timestamp(self.1.max(0)).unwrap();
        for h in &got.set_cookie {
            let c = SetCookie::parse(h).unwrap();
            if c.is_deletion(now) {
                self.0.remove(c.name);
            } else {
                let exp = c.lifetime_seconds(now).map(|n| self.1 + n);
                self.0.insert(c.name.to_owned(), (c.value.to_owned(), exp));
            }
        }
    }
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
    /// The browser closes: its session cookies go.
    pub fn end_session(&mut self) {
        self.0.retain(|_, (_, exp)| exp.is_some());
    }
    pub fn value(&self, name: &str) -> String {
        self.0[name].0.clone()
    }
    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_owned(), (value.to_owned(), None));
    }
}

/// The consent id a banner's form carries.
pub fn form_consent_id(state_json: &serde_json::Value) -> String {
    state_json["consent_id"].as_str().unwrap().to_owned()
}
