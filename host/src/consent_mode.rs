//! Google Consent Mode v2 on a page (SPEC §16): the `gtag('consent', …)` calls a
//! site puts before its Google tags, from the core's
//! [`samtykke::ConsentModeFlags`].
//!
//! The default call goes first, before any tag loads: every type denied but those
//! the policy maps to the exempt category, with `wait_for_update` so the tags wait
//! for the update. The update call carries the visitor's state at the time of the
//! request ([`samtykke::ConsentState::consent_mode`]).
//!
//! ```
//! use samtykke::ConsentState;
//! use samtykke_host::{consent_mode, OwnedPolicy};
//!
//! let mut doc: serde_json::Value = serde_json::from_str(include_str!(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/../examples/kk.dk.policy.json"
//! )))
//! .unwrap();
//! doc["consent_mode"] = serde_json::json!({
//!     "analytics_storage": "statistics",
//!     "security_storage": "necessary"
//! });
//! let policy = OwnedPolicy::from_json(&doc.to_string()).unwrap();
//! let view = policy.view();
//! assert!(consent_mode::default_call(&view).starts_with(
//!     "gtag('consent','default',{'ad_storage':'denied',"
//! ));
//! let state = ConsentState::new(1);
//! let flags = state.consent_mode(&view, time::OffsetDateTime::UNIX_EPOCH);
//! assert!(consent_mode::update_call(flags).ends_with("'security_storage':'granted'});"));
//! ```

use std::fmt::Write as _;

use samtykke::{ConsentModeClaims, ConsentModeFlags, ConsentModeType, ConsentState, ValidPolicy};
use time::OffsetDateTime;

/// Milliseconds the default call asks Google's tags to wait for the update.
pub const WAIT_FOR_UPDATE_MS: u32 = 500;

/// The line that defines `dataLayer` and `gtag` as Google's snippet does; each
/// script below starts with it, so either works on its own.
pub const GTAG_PRELUDE: &str =
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}";

/// The flags of a page whose visitor's choice is not yet known: every type denied
/// but those mapped to the exempt category.
pub fn default_flags(policy: &ValidPolicy<'_>) -> ConsentModeFlags {
    let p = policy.policy();
    p.consent_mode.default_flags(p.categories)
}

/// The JavaScript object of every type's word, in type order, with single quotes
/// as in Google's examples and nothing after the last type:
/// `{'ad_storage':'denied',…,'security_storage':'granted'`.
fn object(out: &mut String, flags: ConsentModeFlags) {
    out.push('{');
    for (i, ty) in ConsentModeType::ALL.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "'{}':'{}'", ty.as_str(), flags.word(ty));
    }
}

/// `gtag('consent','default',{…,'wait_for_update':500});`: every type denied but
/// those mapped to the exempt category.
pub fn default_call(policy: &ValidPolicy<'_>) -> String {
    let mut out = String::from("gtag('consent','default',");
    object(&mut out, default_flags(policy));
    let _ = write!(out, ",'wait_for_update':{WAIT_FOR_UPDATE_MS}}});");
    out
}

/// `gtag('consent','update',{…});` for `flags`.
pub fn update_call(flags: ConsentModeFlags) -> String {
    let mut out = String::from("gtag('consent','update',");
    object(&mut out, flags);
    out.push_str("});");
    out
}

/// A `<script>` element holding `body` after [`GTAG_PRELUDE`]; with a CSP nonce
/// when given (the caller's, already safe as an attribute value).
fn script(body: &str, nonce: Option<&str>) -> String {
    let mut out = String::from("<script");
    if let Some(n) = nonce {
        let _ = write!(out, " nonce=\"{n}\"");
    }
    let _ = write!(out, ">{GTAG_PRELUDE}{body}</script>");
    out
}

/// The default call as a `<script>` element, to go in the page's `<head>` before
/// any Google tag.
pub fn default_script(policy: &ValidPolicy<'_>, nonce: Option<&str>) -> String {
    script(&default_call(policy), nonce)
}

/// The update call for `state` at `now` as a `<script>` element, to follow the
/// default.
pub fn update_script(
    policy: &ValidPolicy<'_>,
    state: &ConsentState,
    now: OffsetDateTime,
    nonce: Option<&str>,
) -> String {
    script(&update_call(state.consent_mode(policy, now)), nonce)
}

/// A Content Security Policy nonce with a character other than a base64 or
/// base64url value's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a CSP nonce holds only `A`-`Z`, `a`-`z`, `0`-`9`, `+`, `/`, `-`, `_` and `=`")]
pub struct InvalidNonce;

/// What a page's `<head>` starts with, before any Google tag: the
/// [`default_script`], then the [`update_script`] for `state` at `now`; nothing
/// when the policy maps no Consent Mode type. `nonce`: a CSP nonce for both
/// elements' `nonce` attribute, only the characters of a base64 or base64url
/// value (`A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`, `-`, `_`, `=`).
///
/// # Errors
///
/// [`InvalidNonce`] for a nonce with another character.
pub fn head_scripts(
    policy: &ValidPolicy<'_>,
    state: &ConsentState,
    now: OffsetDateTime,
    nonce: Option<&[u8]>,
) -> Result<String, InvalidNonce> {
    let nonce = match nonce {
        None => None,
        Some(n)
            if n.iter()
                .all(|&c| c.is_ascii_alphanumeric() || b"+/-_=".contains(&c)) =>
        {
            Some(std::str::from_utf8(n).map_err(|_| InvalidNonce)?)
        }
        Some(_) => return Err(InvalidNonce),
    };
    if policy.policy().consent_mode.is_empty() {
        return Ok(String::new());
    }
    let mut out = default_script(policy, nonce);
    out.push_str(&update_script(policy, state, now, nonce));
    Ok(out)
}

/// The flags as a JSON object of the seven types to `"granted"` or `"denied"`, in
/// type order: `{"ad_storage":"denied",…}`.
pub fn flags_json(flags: ConsentModeFlags) -> String {
    let mut out = String::from("{");
    for (i, ty) in ConsentModeType::ALL.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{}\":\"{}\"", ty.as_str(), flags.word(ty));
    }
    out.push('}');
    out
}

/// What a Google tag hit's URL claims (SPEC §16): the claims of its `gcs` and
/// its `gcd` query parameters, each read with
/// [`ConsentModeClaims::from_gcs`]/[`from_gcd`](ConsentModeClaims::from_gcd),
/// as `(gcs, gcd)`. The query (after the first `?` before the fragment, which
/// starts at the first `#`: RFC 3986 §3.5, so `…/collect#?gcs=G111` has no
/// query) is read as `application/x-www-form-urlencoded`, percent escapes and
/// `+` decoded; the first of a repeated parameter counts. A URL without a
/// query, or without either parameter, claims nothing; nothing in a URL is an
/// error.
pub fn tag_claims(url: &str) -> (ConsentModeClaims, ConsentModeClaims) {
    let url = url.split_once('#').map_or(url, |(u, _)| u);
    let Some((_, query)) = url.split_once('?') else {
        return (ConsentModeClaims::NONE, ConsentModeClaims::NONE);
    };
    let (mut gcs, mut gcd) = (None, None);
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "gcs" if gcs.is_none() => gcs = Some(ConsentModeClaims::from_gcs(&value)),
            "gcd" if gcd.is_none() => gcd = Some(ConsentModeClaims::from_gcd(&value)),
            _ => {}
        }
        if gcs.is_some() && gcd.is_some() {
            break;
        }
    }
    (gcs.unwrap_or_default(), gcd.unwrap_or_default())
}
