//! The layer: the consent state in on the request, the cookies out on the response.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use http::header::{COOKIE, HOST, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Request, Response};
use samtykke::{ConsentState, Proof, COOKIE_MAX_LEN};
use samtykke_host::declare::Lang;
use samtykke_host::http::{
    consent_set_cookie, deletion_plan, gpc_signal, judge_set_cookie, readable_cookie_pairs,
    sets_cookie, state_from_cookie_pairs,
};
use samtykke_host::log_line;
use samtykke_host::proof_json::proof_to_json;
use time::OffsetDateTime;
use tower_layer::Layer;
use tower_service::Service;

use crate::config::{Secure, Shared};
use crate::consent::{Consent, Decided, NoticeShown};

/// The consent layer (SPEC §15): build it with [`Config::layer`](crate::Config::layer).
///
/// It must be the outermost layer that touches cookies: a layer outside it (such
/// as tower-cookies or axum-extra's cookie jar, which append their `Set-Cookie`
/// headers in their own response futures) would add cookies after the filter.
#[derive(Clone)]
pub struct ConsentLayer {
    pub(crate) shared: Arc<Shared>,
}

impl fmt::Debug for ConsentLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsentLayer")
            .field("shared", &self.shared)
            .finish()
    }
}

impl<S> Layer<S> for ConsentLayer {
    type Service = ConsentService<S>;

    fn layer(&self, inner: S) -> ConsentService<S> {
        ConsentService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service [`ConsentLayer`] wraps around a service.
#[derive(Clone)]
pub struct ConsentService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S: fmt::Debug> fmt::Debug for ConsentService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsentService")
            .field("inner", &self.inner)
            .field("shared", &self.shared)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ConsentService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let arrival = Arrival::read(&self.shared, &req);
        // The state alone too (SPEC §15), for a handler that knows the core
        // and not this crate.
        req.extensions_mut().insert(arrival.consent.state);
        req.extensions_mut().insert(arrival.consent.clone());
        ResponseFuture {
            inner: self.inner.call(req),
            arrival: Some(arrival),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`ConsentService`]: the inner service's, whose
    /// response's cookies it rewrites when it is ready.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        arrival: Option<Arrival>,
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("arrival", &self.arrival)
            .finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        if let Some(arrival) = this.arrival.take() {
            let (parts, body) = response.into_parts();
            let mut parts = parts;
            arrival.finish(&mut parts.headers, &mut parts.extensions);
            response = Response::from_parts(parts, body);
        }
        Poll::Ready(Ok(response))
    }
}

/// What the layer learnt from the request, kept for the response.
pub(crate) struct Arrival {
    pub(crate) consent: Consent,
    /// The state a valid consent cookie carried, before the request's signal.
    arrived: Option<ConsentState>,
    /// The request's GPC signal's proof, when it changed the state.
    signal: Option<Proof>,
    /// Cookie names in the request's `Cookie` headers, in order.
    names: Vec<String>,
    /// Verified by a key other than the signing one: re-issue signed.
    resign: bool,
    secure: bool,
}

impl fmt::Debug for Arrival {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arrival")
            .field("consent", &self.consent)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

/// Whether a request came over HTTPS, as far as the server can tell
/// ([`Secure::Auto`]): the URI's scheme where it has one (HTTP/2, an absolute
/// URI); else the protocol a proxy reports, the first `Forwarded` element's
/// `proto` or the first `X-Forwarded-Proto` value; else not (SPEC §15: `Secure`
/// only over HTTPS). HTTP/1.1 carries no scheme, over TLS or not: a server that
/// terminates TLS itself sets [`Secure::Always`].
pub(crate) fn over_https<B>(req: &Request<B>) -> bool {
    if let Some(scheme) = req.uri().scheme_str() {
        return scheme.eq_ignore_ascii_case("https");
    }
    let headers = req.headers();
    let forwarded = headers
        .get("forwarded")
        .and_then(|v| forwarded_proto(v.as_bytes()));
    let proto = forwarded.or_else(|| {
        let v = headers.get("x-forwarded-proto")?.as_bytes();
        let first = v.split(|&b| b == b',').next()?.trim_ascii();
        (!first.is_empty()).then_some(first)
    });
    proto.is_some_and(|p| p.eq_ignore_ascii_case(b"https"))
}

/// The `proto` parameter of a `Forwarded` header's first element (RFC 7239),
/// unquoted.
fn forwarded_proto(value: &[u8]) -> Option<&[u8]> {
    let first = value.split(|&b| b == b',').next()?;
    first.split(|&b| b == b';').find_map(|pair| {
        let pair = pair.trim_ascii();
        let eq = pair.iter().position(|&b| b == b'=')?;
        let (name, v) = (pair[..eq].trim_ascii(), pair[eq + 1..].trim_ascii());
        if !name.eq_ignore_ascii_case(b"proto") {
            return None;
        }
        let v = v
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(v);
        (!v.is_empty()).then_some(v)
    })
}

/// The request's host: the URI's authority (HTTP/2) or the `Host` header.
pub(crate) fn request_host<B>(req: &Request<B>) -> &str {
    if let Some(a) = req.uri().authority() {
        return a.as_str();
    }
    req.headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
}

/// The page language a request asks for: `?lang=`, else `Accept-Language`,
/// by the host's rule ([`samtykke_host::http::request_lang`]), else `default`.
fn request_lang<B>(req: &Request<B>, default: Lang) -> Lang {
    let query = req.uri().query().unwrap_or_default();
    let accept = req
        .headers()
        .get(http::header::ACCEPT_LANGUAGE)
        .map_or(&b""[..], |h| h.as_bytes());
    samtykke_host::http::request_lang(query.as_bytes(), accept).unwrap_or(default)
}

impl Arrival {
    fn read<B>(shared: &Arc<Shared>, req: &Request<B>) -> Arrival {
        let now = truncate((shared.clock)());
        let policy = shared.policy.view();
        // The header is read once: the names, and the first consent cookie
        // that verifies under a key (the host's rule, as C, PHP and Python read it).
        let mut names = Vec::new();
        let mut arrived = None;
        for h in cookie_headers(req.headers(), shared.max_cookie_header) {
            let mut pairs =
                readable_cookie_pairs(h.as_bytes()).inspect(|(n, _)| names.push((*n).to_owned()));
            if arrived.is_none() {
                arrived = state_from_cookie_pairs(&policy, &mut pairs, Some(&shared.keys));
            }
            // The names after the consent cookie that arrived.
            pairs.for_each(drop);
        }
        let resign = arrived.is_some_and(|a| a.key_index > 0);
        let arrived = arrived.map(|a| a.state);
        let gpc = req
            .headers()
            .get_all("sec-gpc")
            .iter()
            .any(|v| gpc_signal(v.as_bytes()));
        let mut state = arrived.unwrap_or_else(|| ConsentState::new((shared.ids)()));
        let signal = if gpc {
            state.signal_gpc(&policy, now)
        } else {
            None
        };
        let secure = match shared.secure {
            Secure::Always => true,
            Secure::Never => false,
            Secure::Auto => over_https(req),
        };
        Arrival {
            consent: Consent {
                shared: Arc::clone(shared),
                state,
                now,
                new_visitor: arrived.is_none(),
                gpc,
                lang: request_lang(req, shared.default_lang),
                host: Arc::from(request_host(req)),
            },
            arrived,
            signal,
            names,
            resign,
            secure,
        }
    }

    /// Rewrites the response's cookies and logs what the request did.
    fn finish(self, headers: &mut HeaderMap, extensions: &mut http::Extensions) {
        let shared = &self.consent.shared;
        let policy = shared.policy.view();
        let now = self.consent.now;
        let decided = extensions.remove::<Decided>();
        let notice = extensions.remove::<NoticeShown>();
        let (state, signal) = match &decided {
            Some(d) if d.rebased => (d.state, d.signal),
            Some(d) => (d.state, self.signal),
            None => (self.consent.state, self.signal),
        };
        let mut log = Log::new(&*shared.sink, now, state.consent_id());
        let proof = |p: &Proof| {
            if shared.sink.takes_proofs() {
                shared
                    .sink
                    .proof(&policy, p, &proof_to_json(&policy, p), now);
            }
        };

        if !self.names.is_empty() {
            log.event("cookie_present", || {
                log_line::cookie_present_fields(&self.names)
            });
        }
        if let Some(p) = &signal {
            log.event("signal", || log_line::SIGNAL_GPC_FIELDS.to_owned());
            proof(p);
        }
        if let Some(n) = notice {
            log.event("notice_shown", || {
                log_line::notice_shown_fields(&policy, n.layer, n.trigger, n.controls)
            });
        }
        if let Some(d) = &decided {
            log.event("decision", || d.event.clone());
            if let Some(p) = &d.proof {
                proof(p);
            }
        }

        // The inner service's cookies: keep what the state permits now, shortened
        // to the consent's lapse. The consent cookie is the layer's own.
        let cookie_name = policy.policy().consent_cookie.name;
        let sent: Vec<HeaderValue> = match headers.entry(SET_COOKIE) {
            http::header::Entry::Occupied(e) => e.remove_entry_mult().1.collect(),
            http::header::Entry::Vacant(_) => Vec::new(),
        };
        for value in sent {
            let Ok(text) = std::str::from_utf8(value.as_bytes()) else {
                continue;
            };
            if sets_cookie(text, cookie_name) {
                continue;
            }
            match judge_set_cookie(&state, &policy, text, now) {
                Ok(Cow::Borrowed(_)) => {
                    log.event("cookie_set", || log_line::cookie_set_fields(text, now));
                    headers.append(SET_COOKIE, value);
                }
                Ok(Cow::Owned(shortened)) => {
                    if let Some(v) = header_value(shortened) {
                        log.event("cookie_set", || {
                            log_line::cookie_set_fields(text_of(&v), now)
                        });
                        headers.append(SET_COOKIE, v);
                    }
                }
                Err(_) => {}
            }
        }

        let changed = match self.arrived {
            Some(a) => a != state || self.resign,
            None => state != ConsentState::new(state.consent_id()),
        };
        let mut out: Vec<String> = Vec::new();
        if changed {
            let mut buf = [0u8; COOKIE_MAX_LEN];
            if let Ok(n) = state.encode_cookie_with(&policy, shared.keys.first(), &mut buf) {
                let value = String::from_utf8_lossy(&buf[..n]);
                let h = consent_set_cookie(&policy, &value, &self.consent.host, self.secure);
                out.push(h);
            }
        }

        // Deletions, when some present name must go (the core's plan says so
        // without allocating; the host's writes the headers).
        let names = self.names.iter().map(String::as_str);
        if state.deletion_plan(&policy, now, names).next().is_some() {
            let plan = deletion_plan(&state, &policy, &self.consent.host, &self.names, now);
            for mut h in plan.set_cookie {
                if self.secure && !h.ends_with("; Secure") {
                    h.push_str("; Secure");
                }
                out.push(h);
            }
        }

        for h in out {
            if let Some(v) = header_value(h) {
                log.event("cookie_set", || {
                    log_line::cookie_set_fields(text_of(&v), now)
                });
                headers.append(SET_COOKIE, v);
            }
        }
    }
}

/// The site's consent log for one request: lines that share its time and
/// visitor, built only when the sink takes events, and handed over together
/// when the response is done (one write for a file sink).
struct Log<'s> {
    sink: &'s dyn crate::Sink,
    head: Option<String>,
    lines: String,
}

impl<'s> Log<'s> {
    fn new(sink: &'s dyn crate::Sink, now: OffsetDateTime, visitor: u128) -> Log<'s> {
        let head = sink.takes_events().then(|| log_line::head(now, visitor));
        Log {
            sink,
            head,
            lines: String::new(),
        }
    }

    /// Adds `{"ts":…,"visitor":…,"event":EVENT` + `rest()` + `}`; `rest` is only
    /// called when the sink takes events.
    fn event(&mut self, event: &str, rest: impl FnOnce() -> String) {
        if let Some(head) = &self.head {
            self.lines.push_str(head);
            self.lines.push_str(event);
            self.lines.push('"');
            self.lines.push_str(&rest());
            self.lines.push_str("}\n");
        }
    }
}

impl Drop for Log<'_> {
    fn drop(&mut self) {
        if !self.lines.is_empty() {
            self.sink.events(&self.lines);
        }
    }
}

/// The request's `Cookie` headers, each read by [`readable_cookie_pairs`]. Headers
/// past `limit` bytes in all are not read: the request is then a new visitor
/// with no cookies. In a header that is not UTF-8 (or holds a control character,
/// which `http` lets through only as a tab), only the `;`-separated pieces at
/// fault are skipped: another application's cookie on the same domain hides
/// neither the consent cookie nor the cookies to delete.
fn cookie_headers(headers: &HeaderMap, limit: usize) -> impl Iterator<Item = &HeaderValue> {
    let all = headers.get_all(COOKIE);
    let total: usize = all.iter().map(|h| h.len()).sum();
    (total <= limit).then_some(all).into_iter().flatten()
}

/// A header value that takes `text`'s buffer instead of copying it; `None` when
/// it holds a byte a header value cannot (as [`HeaderValue::from_str`] judges).
fn header_value(text: String) -> Option<HeaderValue> {
    HeaderValue::from_maybe_shared(bytes::Bytes::from(text)).ok()
}

/// The text of a header value made by [`header_value`] (UTF-8, since it was a
/// `String`; `to_str` would refuse its bytes above ASCII).
fn text_of(v: &HeaderValue) -> &str {
    std::str::from_utf8(v.as_bytes()).unwrap_or_default()
}

/// `t` in whole seconds, as the core keeps times.
fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}
