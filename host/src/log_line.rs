//! The site's own consent log (SPEC §8) as a server writes it: one JSON line per
//! event, `{"ts":…,"visitor":…,"event":…, …}`, with the visitor's consent id in hex.
//! The one writer of these lines for hosts that are not the tower layer (the C
//! library, and through it PHP plugins), so that `samtykke audit` reads what every
//! host wrote the same way.
//!
//! Each function returns the line without its newline.
//!
//! ```
//! use samtykke_host::log_line;
//! use time::macros::datetime;
//!
//! let t = datetime!(2026-03-01 10:00 UTC);
//! assert_eq!(
//!     log_line::cookie_set(t, 7, "nmstat=1; Max-Age=60"),
//!     r#"{"ts":"2026-03-01T10:00:00Z","visitor":"00000000000000000000000000000007","event":"cookie_set","cookie":"nmstat","max_age_s":60}"#
//! );
//! ```

use samtykke::{Action, CategorySet, ConsentId, Control, ValidPolicy};
use time::OffsetDateTime;

use crate::time::format_rfc3339;

/// Why a notice was shown (SPEC §8's `trigger`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The site showed it because consent was due.
    Auto,
    /// The visitor opened the settings.
    User,
}

impl Trigger {
    /// `auto` or `user`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Trigger::Auto => "auto",
            Trigger::User => "user",
        }
    }
}

/// The lines a C host asks for by number (the header's `samtykke_log_event`;
/// decisions have their own call). Each value's doc says what the call's text
/// and number carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogEvent {
    /// `cookie_present`: the text is the request's raw `Cookie` header, whose
    /// names are logged (a header that does not parse writes no line).
    CookiePresent,
    /// `signal` (`gpc`): the request carried `Sec-GPC: 1`.
    SignalGpc,
    /// `notice_shown`, trigger `auto`: the text is the controls offered, one
    /// per line; the number is the layer.
    NoticeAuto,
    /// `notice_shown`, trigger `user` (the visitor opened the settings).
    NoticeUser,
    /// `cookie_set`: the text is a `Set-Cookie` value that left; the line names
    /// its cookie and `max_age_s`, not its value (see [`cookie_set_fields`]).
    CookieSet,
}

impl LogEvent {
    /// Every value, in number order.
    pub const ALL: [LogEvent; 5] = [
        LogEvent::CookiePresent,
        LogEvent::SignalGpc,
        LogEvent::NoticeAuto,
        LogEvent::NoticeUser,
        LogEvent::CookieSet,
    ];

    /// The value's name: `cookie_present`, `signal_gpc`, `notice_auto`,
    /// `notice_user`, `cookie_set`.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogEvent::CookiePresent => "cookie_present",
            LogEvent::SignalGpc => "signal_gpc",
            LogEvent::NoticeAuto => "notice_auto",
            LogEvent::NoticeUser => "notice_user",
            LogEvent::CookieSet => "cookie_set",
        }
    }
}

fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// What every line of one request begins with, up to the event's name:
/// `{"ts":"…","visitor":"…","event":"`. A host that writes several lines for one
/// request (the tower layer) formats it once and appends, for each line, the
/// event's name, `"`, the event's fields (the `*_fields` functions) and `}`.
pub fn head(now: OffsetDateTime, visitor: u128) -> String {
    format!(
        "{{\"ts\":\"{}\",\"visitor\":\"{}\",\"event\":\"",
        format_rfc3339(now),
        ConsentId(visitor)
    )
}

fn line(now: OffsetDateTime, visitor: u128, event: &str, fields: &str) -> String {
    let mut out = head(now, visitor);
    out.push_str(event);
    out.push('"');
    out.push_str(fields);
    out.push('}');
    out
}

/// `cookie_present`'s fields: `,"cookies":[…]`.
pub fn cookie_present_fields<S: serde::Serialize>(names: &[S]) -> String {
    format!(",\"cookies\":{}", json(names))
}

/// `cookie_present`: the names a request's `Cookie` header carried.
pub fn cookie_present(now: OffsetDateTime, visitor: u128, names: &[&str]) -> String {
    line(
        now,
        visitor,
        "cookie_present",
        &cookie_present_fields(names),
    )
}

/// `signal`'s fields for a GPC signal.
pub const SIGNAL_GPC_FIELDS: &str = ",\"signal\":\"gpc\"";

/// `signal`: the request carried `Sec-GPC: 1`.
pub fn signal_gpc(now: OffsetDateTime, visitor: u128) -> String {
    line(now, visitor, "signal", SIGNAL_GPC_FIELDS)
}

/// `notice_shown`'s fields: the policy's revision and notice version, the
/// layer, the trigger, the controls offered, nothing preselected.
pub fn notice_shown_fields(
    policy: &ValidPolicy<'_>,
    layer: u8,
    trigger: Trigger,
    controls: &[&str],
) -> String {
    let p = policy.policy();
    format!(
        ",\"revision\":{},\"notice\":{},\"layer\":{layer},\"trigger\":\"{}\",\"controls\":{},\"preselected\":[]",
        p.revision,
        p.notice_version,
        trigger.as_str(),
        json(controls),
    )
}

/// `notice_shown` for the policy's revision and notice version, nothing
/// preselected, offering `controls` (`accept_all`, `reject_all`, `settings`, …).
pub fn notice_shown(
    policy: &ValidPolicy<'_>,
    now: OffsetDateTime,
    visitor: u128,
    layer: u8,
    trigger: Trigger,
    controls: &[&str],
) -> String {
    line(
        now,
        visitor,
        "notice_shown",
        &notice_shown_fields(policy, layer, trigger, controls),
    )
}

/// `decision`'s fields: `granted` for `save`, `categories` for a withdrawal of
/// some categories (`None`: all), `gpc` when the request carried `Sec-GPC: 1`.
pub fn decision_fields(
    policy: &ValidPolicy<'_>,
    action: Action,
    notice: u16,
    control: Control,
    categories: Option<CategorySet>,
    gpc: bool,
) -> String {
    let mut rest = format!(
        ",\"action\":\"{}\",\"revision\":{},\"notice\":{notice},\"control\":\"{}\"",
        action.as_str(),
        policy.policy().revision,
        control.as_str()
    );
    if let Some(set) = categories {
        let ids: Vec<&str> = policy.category_ids(set).collect();
        let field = if action == Action::Save {
            "granted"
        } else {
            "categories"
        };
        rest.push_str(&format!(",\"{field}\":{}", json(&ids)));
    }
    if gpc {
        rest.push_str(",\"gpc\":true");
    }
    rest
}

/// `decision`: `granted` is written for `save`, `categories` for a withdrawal of
/// some categories (`None`: all), `gpc` when the request carried `Sec-GPC: 1`.
#[allow(clippy::too_many_arguments)]
pub fn decision(
    policy: &ValidPolicy<'_>,
    now: OffsetDateTime,
    visitor: u128,
    action: Action,
    notice: u16,
    control: Control,
    categories: Option<CategorySet>,
    gpc: bool,
) -> String {
    line(
        now,
        visitor,
        "decision",
        &decision_fields(policy, action, notice, control, categories, gpc),
    )
}

/// `cookie_set`'s fields for a `Set-Cookie` value that left at `now`: the
/// cookie's name and, unless it is a session cookie, how long it lives from the
/// line's second (`max_age_s`, 0 for a deletion), as `,"cookie":"…","max_age_s":…`.
///
/// The cookie's value is not written: the log is handed to auditors, and a value
/// may be a login session's token. What the audit reads of the header (its name,
/// whether it deletes, how long it lives) is all there, worked out at the second
/// the line's `ts` names, as the audit works it out from a whole header. A value
/// that does not parse as a `Set-Cookie` header is written whole as `set_cookie`,
/// so that the audit reports it.
pub fn cookie_set_fields(set_cookie: &str, now: OffsetDateTime) -> String {
    let Ok(c) = crate::http::SetCookie::parse(set_cookie) else {
        return format!(",\"set_cookie\":{}", json(set_cookie));
    };
    match c.lifetime_seconds(now) {
        Some(n) => format!(",\"cookie\":{},\"max_age_s\":{n}", json(c.name)),
        None => format!(",\"cookie\":{}", json(c.name)),
    }
}

/// `cookie_set`: a `Set-Cookie` value that left in a response, without the
/// cookie's value (see [`cookie_set_fields`]).
pub fn cookie_set(now: OffsetDateTime, visitor: u128, set_cookie: &str) -> String {
    line(
        now,
        visitor,
        "cookie_set",
        &cookie_set_fields(set_cookie, now),
    )
}
