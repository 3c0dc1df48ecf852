//! `GET /consent` (the settings) and `POST /consent` (a decision).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION, ORIGIN, REFERER};
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body::Body;
use http_body_util::{BodyExt, Full, Limited};
use samtykke::{Action, ConsentState, Ctx};
use samtykke_host::form::{check_form_type, read_decision_form, FormError};
use samtykke_host::http::CrossOrigin;
use samtykke_host::log_line;

use crate::consent::{Consent, Decided, NoticeShown};
use crate::html;
use crate::layer::request_host;

/// The most bytes of a decision's form body: 16 KiB (the host's rule).
pub use samtykke_host::form::MAX_FORM;

/// The consent endpoint (SPEC §15), to route at the layer's endpoint path
/// (default `/consent`), inside the [`ConsentLayer`](crate::ConsentLayer):
///
/// - `GET`: the settings page ([`html::settings`]), logged as a notice shown with
///   trigger `user`.
/// - `POST` (a form, read by the host's rule,
///   [`read_decision_form`](samtykke_host::form::read_decision_form): `action` =
///   `accept_all` | `reject_all` | `save` | `withdraw`, `granted` repeated for
///   `save`, `categories` repeated for `withdraw` (none: all), `notice`
///   (default: the policy's `notice_version`), `control` (default `toggle` for
///   `save`, `link` for `withdraw`, else `button`), `consent_id` (32 hex digits,
///   honoured only for a visitor without a valid consent cookie)): the
///   decision, answered `303 See Other` to the `Referer` when it is on this
///   host, else to `/`. The layer then sets the consent cookie, deletes what is no
///   longer permitted and logs the decision.
///
/// A cross-origin `POST` (an `Origin` of another host, `Sec-Fetch-Site` other
/// than `same-origin` or `none`, or `Origin: null` without `Sec-Fetch-Site:
/// same-origin`: [`samtykke_host::http::same_origin`]) is refused with 403; a
/// post that is not `application/x-www-form-urlencoded` with 415, before its
/// body is read; a body over [`MAX_FORM`] with 413; a bad form with 400, naming
/// the field (status and message by the host's rule, [`FormError`]); another
/// method with 405.
#[derive(Clone, Debug, Default)]
pub struct ConsentEndpoint {
    _private: (),
}

impl ConsentEndpoint {
    /// The endpoint.
    pub fn new() -> ConsentEndpoint {
        ConsentEndpoint::default()
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<B> tower_service::Service<Request<B>> for ConsentEndpoint
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        Box::pin(async move { Ok(handle(req).await) })
    }
}

fn plain(status: StatusCode, message: impl Into<String>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(message.into() + "\n")));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn handle<B>(req: Request<B>) -> Response<Full<Bytes>>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let Some(consent) = req.extensions().get::<Consent>().cloned() else {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "samtykke-tower: the consent endpoint must be routed inside ConsentLayer",
        );
    };
    match *req.method() {
        Method::GET => settings_page(&consent, true),
        // The same headers, but nothing was shown to anyone: no notice logged.
        Method::HEAD => settings_page(&consent, false),
        Method::POST => {
            if let Err(why) = same_origin(&req) {
                return plain(StatusCode::FORBIDDEN, why);
            }
            // Not a form: refused before its body is read.
            // (A header value is shared, not copied, past the body's reading.)
            let content_type = req.headers().get(CONTENT_TYPE).cloned();
            let content_type = content_type.as_ref().map(HeaderValue::as_bytes);
            if let Err(e) = check_form_type(content_type) {
                return form_error(&e);
            }
            let back = redirect_target(&req);
            let body = match Limited::new(req.into_body(), MAX_FORM).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    return if e
                        .downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some()
                    {
                        form_error(&FormError::TooLarge)
                    } else {
                        plain(StatusCode::BAD_REQUEST, "the form could not be read")
                    };
                }
            };
            match decide(&consent, content_type, &body) {
                Ok(decided) => {
                    let mut r = Response::new(Full::new(Bytes::new()));
                    *r.status_mut() = StatusCode::SEE_OTHER;
                    if let Ok(v) = HeaderValue::from_str(&back) {
                        r.headers_mut().insert(LOCATION, v);
                    }
                    r.extensions_mut().insert(decided);
                    r
                }
                Err(Refused::Form(e)) => form_error(&e),
                Err(Refused::Other(message)) => plain(StatusCode::BAD_REQUEST, message),
            }
        }
        _ => {
            let mut r = plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "the consent endpoint takes GET and POST",
            );
            r.headers_mut().insert(
                http::header::ALLOW,
                HeaderValue::from_static("GET, HEAD, POST"),
            );
            r
        }
    }
}

fn settings_page(consent: &Consent, shown: bool) -> Response<Full<Bytes>> {
    let lang = consent.lang();
    let body = format!(
        "<main>{}</main>{}",
        html::settings(consent),
        consent.storage_script()
    );
    let page = html::page(lang, html::settings_title(lang), "", &body);
    let mut r = Response::new(Full::new(Bytes::from(page)));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    if shown {
        r.extensions_mut().insert(NoticeShown::SETTINGS);
    }
    r
}

/// Refuses a cross-origin POST (CSRF) by the host's rule
/// ([`samtykke_host::http::same_origin`]), naming the header that refused it.
fn same_origin<B>(req: &Request<B>) -> Result<(), String> {
    let host = request_host(req);
    let header = |name: &str| req.headers().get(name).map(HeaderValue::as_bytes);
    let (origin, site) = (header(ORIGIN.as_str()), header("sec-fetch-site"));
    let shown = |v: Option<&[u8]>| String::from_utf8_lossy(v.unwrap_or_default()).into_owned();
    samtykke_host::http::same_origin(host.as_bytes(), origin, site).map_err(|e| match e {
        CrossOrigin::FetchSite => format!(
            "a cross-origin decision is refused (Sec-Fetch-Site: {})",
            shown(site)
        ),
        CrossOrigin::Origin => format!(
            "a cross-origin decision is refused (Origin: {}, host: {host})",
            shown(origin)
        ),
    })
}

/// Where a decision sends the visitor back: the `Referer`'s path and query when
/// it is on this host, else `/`. Never another host (no open redirect).
fn redirect_target<B>(req: &Request<B>) -> String {
    let host = request_host(req).to_ascii_lowercase();
    let Some(referer) = req.headers().get(REFERER).and_then(|v| v.to_str().ok()) else {
        return "/".into();
    };
    let Ok(uri) = referer.parse::<Uri>() else {
        return "/".into();
    };
    let same = uri
        .authority()
        .is_some_and(|a| a.as_str().eq_ignore_ascii_case(&host))
        && uri.scheme().is_some();
    match uri.path_and_query() {
        Some(pq) if same && pq.as_str().starts_with('/') && !pq.as_str().starts_with("//") => {
            pq.as_str().to_owned()
        }
        _ => "/".into(),
    }
}

/// The answer to a form the host's rule refuses: its status and message.
fn form_error(e: &FormError) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    plain(status, e.to_string())
}

/// Why a post decides nothing.
enum Refused {
    /// The form, by the host's rule.
    Form(FormError),
    /// The decision's context (a `400`).
    Other(String),
}

/// The decision a post asks for (the host's rule,
/// [`samtykke_host::form::read_decision_form`]), applied to the visitor's state.
fn decide(consent: &Consent, content_type: Option<&[u8]>, body: &[u8]) -> Result<Decided, Refused> {
    let policy = consent.policy();
    let form = read_decision_form(&policy, content_type, body, "action").map_err(Refused::Form)?;
    let (action, notice, control) = (form.action, form.notice, form.control);
    let ctx = Ctx::new(consent.now(), notice, control, consent.gpc())
        .map_err(|e| Refused::Other(e.to_string()))?;

    // A new visitor decides under the consent id their notice was shown to.
    let mut state = consent.state;
    let mut signal = None;
    // (When the form names the id the visitor already has, nothing moves.)
    if consent.is_new_visitor() {
        if let Some(id) = form.consent_id {
            state = ConsentState::new(id.0);
            if consent.gpc() {
                signal = state.signal_gpc(&policy, consent.now());
            }
        }
    }

    let (proof, logged) = match action {
        Action::AcceptAll => (Some(state.accept_all(&policy, ctx)), None),
        Action::RejectAll => (Some(state.reject_all(&policy, ctx)), None),
        Action::Save => {
            let proof = state.save(&policy, form.granted, Default::default(), ctx);
            (Some(proof), Some(form.granted))
        }
        _ => (
            state.withdraw(&policy, form.categories, ctx),
            form.categories,
        ),
    };
    let event = log_line::decision_fields(&policy, action, notice, control, logged, consent.gpc());
    let rebased = state.consent_id() != consent.state.consent_id();
    Ok(Decided {
        state,
        signal: rebased.then_some(signal).flatten(),
        rebased,
        proof,
        event,
    })
}
