//! What a server-side enforcer (a CMS plugin) needs per request beyond the state
//! itself, each from the one implementation in the host crate (SPEC §15's
//! contract): a response's `Set-Cookie` headers judged and clamped, the consent
//! cookie's own `Set-Cookie`, and the site's consent log lines (SPEC §8).

use std::ffi::c_char;

use samtykke::{Action, Code, ConsentState, COOKIE_MAX_LEN};
use samtykke_host::http::{
    consent_set_cookie, deletion_plan, judge_set_cookie, parse_cookie_header,
    readable_cookie_pairs, sets_cookie, storage_keys, storage_script,
};
use samtykke_host::log_line::{self, LogEvent, Trigger};
use samtykke_host::proof_json::retain_proofs;

use crate::boundary::{
    guard, time, try_bytes, try_opt_bytes, try_opt_key, try_opt_out, try_out_buf, try_read, try_str,
};
use crate::http::with_set_cookie_lines;
use crate::policy::{category_set, samtykke_policy, try_policy};
use crate::state::{open, samtykke_state};

/// Judges a response's `Set-Cookie` header values at `now` as the tower layer does
/// (SPEC §15): each is kept only when the state permits it (deletions always
/// pass; undeclared, denied and unparsable ones are withheld), and a kept
/// persistent cookie's `Max-Age`/`Expires` is shortened to its category's consent
/// lapse.
///
/// - `headers`, `headers_len`: header values (without `Set-Cookie: `), one per
///   line (`\n` or `\r\n`); empty lines are skipped.
/// - `buf`, `buf_len`, `out_len`: the output: each header to send (shortened
///   where needed) followed by `\n`, in the original order. `out_len` receives
///   the length written, or the length needed when the buffer is too small.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`;
/// `SAMTYKKE_RESULT_STATE_INVALID`; `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `headers` readable for `headers_len` bytes; `buf` writable
/// for `buf_len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_judge_set_cookies(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    headers: *const c_char,
    headers_len: usize,
    now: i64,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    // SAFETY: this function's contract is `with_set_cookie_lines`'s.
    unsafe {
        with_set_cookie_lines(
            policy,
            state,
            headers,
            headers_len,
            now,
            buf,
            buf_len,
            out_len,
            |s, view, values, now| {
                let mut lines = String::new();
                for h in values {
                    if let Ok(kept) = judge_set_cookie(s, view, h, now) {
                        lines.push_str(&kept);
                        lines.push('\n');
                    }
                }
                lines
            },
        )
    }
}

/// The consent cookie's `Set-Cookie` value for the state on a response from
/// `host` (SPEC §15): `NAME=VALUE; Max-Age=…; Path=/; SameSite=Lax; HttpOnly`,
/// `; Secure` when `secure`, and the policy's `Domain` only when `host` is that
/// domain or under it (host-only otherwise, such as on `127.0.0.1`).
///
/// - `key`, `key_len`: the site key that signs the value, or NULL and 0.
/// - `host`, `host_len`: the request's `Host` header (a port is allowed).
/// - `buf`, `buf_len`, `out_len`: the output buffer (no NUL is written).
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for a key under 32 bytes; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`; `SAMTYKKE_RESULT_STATE_INVALID`;
/// `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `key` NULL or readable for `key_len` bytes; `host`
/// readable for `host_len` bytes; `buf` writable for `buf_len` bytes; `out_len`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_consent_set_cookie(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    key: *const u8,
    key_len: usize,
    host: *const c_char,
    host_len: usize,
    secure: bool,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` NULL or live, `state` NULL
        // or readable, `key` NULL or readable for `key_len` bytes, `host`
        // readable for `host_len` bytes, `buf` writable for `buf_len` bytes,
        // `out_len` NULL or writable.
        let (p, raw, key, host, dst) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_opt_key(key, key_len)?,
                try_str(host, host_len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let s = open(p, &raw)?;
        let view = p.view();
        let mut value = [0u8; COOKIE_MAX_LEN];
        let n = s
            .encode_cookie(&view, key, &mut value)
            .map_err(|e| e.code())?;
        let value = std::str::from_utf8(&value[..n]).map_err(|_| Code::Panic)?;
        dst.write(consent_set_cookie(&view, value, host, secure).as_bytes())
    })
}

/// `samtykke_state_respond`'s flags, OR-ed together (the header's
/// `samtykke_respond_flag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum RespondFlag {
    /// The state was changed by an event of this request (a decision, a
    /// signal): the consent cookie is issued again even where the comparison
    /// with `arrived` would not say so.
    Reissue = 1,
    /// Write the request's `cookie_present` and `cookie_set` consent-log lines
    /// (SPEC §8) too.
    Log = 2,
}

impl RespondFlag {
    /// Every flag, in number order.
    pub const ALL: [RespondFlag; 2] = [RespondFlag::Reissue, RespondFlag::Log];

    /// `reissue` or `log`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RespondFlag::Reissue => "reissue",
            RespondFlag::Log => "log",
        }
    }
}

/// Everything a server-side enforcer does to a response's cookies, in one call,
/// as the tower layer does it (SPEC §15), for hosts where each call costs (PHP):
///
/// 1. the response's `Set-Cookie` values, except any of the consent cookie's
///    name, each kept only when the state permits it and a kept persistent one
///    shortened to its category's consent lapse (as
///    `samtykke_state_judge_set_cookies`; a line that is not UTF-8 is dropped);
/// 2. the consent cookie's own `Set-Cookie` (as
///    `samtykke_state_consent_set_cookie`, signed with `key`) when `flags` has
///    `SAMTYKKE_RESPOND_FLAG_REISSUE`, or the state differs from `arrived` (the state
///    the request's consent cookie held), or, with `arrived` NULL (a new
///    visitor), from a new visitor's;
/// 3. deletions for the cookies in `cookie_header` that are no longer permitted
///    (the deletion plan's headers, `; Secure` added when `secure`);
/// 4. the page's `<script>` that clears the declared local and session storage
///    and IndexedDB databases the state denies (the tower layer's script).
///
/// The output is lines, each a tag, a space and its text, in this order:
/// `P` the `cookie_present` log line (with `SAMTYKKE_RESPOND_FLAG_LOG`, when the
/// `Cookie` header has cookies); `H` a `Set-Cookie` value to send, in order; `C`
/// the `cookie_set` log line of each `H` (with `SAMTYKKE_RESPOND_FLAG_LOG`); `S` the
/// storage-clearing `<script>` element, one line (only when there is storage to
/// clear). Of a `Cookie` header that is not UTF-8 or holds a control
/// character, the `;`-separated pieces that do are skipped and the others read.
/// `out_len` receives the length written, or the length needed when the buffer
/// is too small.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// (unknown flags, a key under 32 bytes); `SAMTYKKE_RESULT_INVALID_UTF8` (`host`);
/// `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`;
/// `SAMTYKKE_RESULT_STATE_INVALID`; `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `arrived` NULL or readable for a `samtykke_state`; `key`
/// NULL or readable for `key_len` bytes; `host`, `cookie_header` and
/// `set_cookies` readable for their lengths; `buf` writable for `buf_len` bytes;
/// `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_state_respond(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    arrived: *const samtykke_state,
    key: *const u8,
    key_len: usize,
    host: *const c_char,
    host_len: usize,
    secure: bool,
    cookie_header: *const c_char,
    cookie_header_len: usize,
    set_cookies: *const c_char,
    set_cookies_len: usize,
    now: i64,
    flags: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` NULL or live, `state` NULL
        // or readable, `key`, `host`, `cookie_header` and `set_cookies` readable
        // for their lengths, `buf` writable for `buf_len` bytes, `out_len` NULL
        // or writable.
        let (p, raw, key, host, header, sent, dst) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_opt_key(key, key_len)?,
                try_str(host, host_len)?,
                try_bytes(cookie_header.cast(), cookie_header_len)?,
                try_bytes(set_cookies.cast(), set_cookies_len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let arrived = if arrived.is_null() {
            None
        } else {
            // SAFETY: this function's contract: `arrived` NULL or readable.
            Some(unsafe { try_read(arrived) }?)
        };
        let known = RespondFlag::ALL.iter().fold(0, |m, f| m | *f as u32);
        if flags & !known != 0 {
            return Err(Code::InvalidArgument);
        }
        let log = flags & RespondFlag::Log as u32 != 0;
        let s = open(p, &raw)?;
        let arrived = arrived.map(|a| open(p, &a)).transpose()?;
        let now = time(now)?;
        let view = p.view();
        let visitor = s.consent_id();
        let mut out = String::new();
        let mut line = |tag: char, text: &str| {
            out.push(tag);
            out.push(' ');
            out.push_str(text);
            out.push('\n');
        };

        let present: Vec<&str> = readable_cookie_pairs(header).map(|(n, _)| n).collect();
        if log && !present.is_empty() {
            line('P', &log_line::cookie_present(now, visitor, &present));
        }

        let name = view.policy().consent_cookie.name;
        let mut headers: Vec<String> = Vec::new();
        for h in sent
            .split(|b| *b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| !l.is_empty())
            .filter_map(|l| std::str::from_utf8(l).ok())
            .filter(|h| !sets_cookie(h, name))
        {
            if let Ok(kept) = judge_set_cookie(&s, &view, h, now) {
                headers.push(kept.into_owned());
            }
        }
        let changed = flags & RespondFlag::Reissue as u32 != 0
            || match arrived {
                Some(a) => a != s,
                None => s != ConsentState::new(visitor),
            };
        if changed {
            let mut value = [0u8; COOKIE_MAX_LEN];
            let n = s
                .encode_cookie(&view, key, &mut value)
                .map_err(|e| e.code())?;
            let value = std::str::from_utf8(&value[..n]).map_err(|_| Code::Panic)?;
            headers.push(consent_set_cookie(&view, value, host, secure));
        }
        if !present.is_empty() {
            let plan = deletion_plan(&s, &view, host, present.iter().copied(), now);
            for mut h in plan.set_cookie {
                if secure && !h.ends_with("; Secure") {
                    h.push_str("; Secure");
                }
                headers.push(h);
            }
        }
        let storage = storage_script(&storage_keys(&s, &view, now));
        for h in &headers {
            line('H', h);
        }
        if log {
            for h in &headers {
                line('C', &log_line::cookie_set(now, visitor, h));
            }
        }
        if !storage.is_empty() {
            line('S', &storage);
        }
        dst.write(out.as_bytes())
    })
}

/// One line of the site's consent log (SPEC §8), without a newline. Decisions
/// have their own call, `samtykke_log_decision`.
///
/// - `event`: a `samtykke_log_event` value (what each writes is said there); `text`, `text_len` and `number` as
///   it says (NULL and 0 where unused).
/// - `buf`, `buf_len`, `out_len`: the output buffer (no NUL is written).
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for an unknown event or a layer over 255; `SAMTYKKE_RESULT_INVALID_UTF8`;
/// `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_HEADER_INVALID`;
/// `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`; `SAMTYKKE_RESULT_STATE_INVALID`;
/// `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `text` NULL or readable for `text_len` bytes; `buf`
/// writable for `buf_len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_log_line(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    event: u32,
    now: i64,
    text: *const c_char,
    text_len: usize,
    number: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` NULL or live, `state` NULL
        // or readable, `text` NULL or readable for `text_len` bytes, `buf`
        // writable for `buf_len` bytes, `out_len` NULL or writable.
        let (p, raw, text, dst) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_opt_bytes(text.cast(), text_len)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let text = std::str::from_utf8(text.unwrap_or_default()).map_err(|_| Code::InvalidUtf8)?;
        let s = open(p, &raw)?;
        let now = time(now)?;
        let visitor = s.consent_id();
        let line = match LogEvent::ALL
            .get(event as usize)
            .copied()
            .ok_or(Code::InvalidArgument)?
        {
            LogEvent::CookiePresent => {
                let pairs = parse_cookie_header(text).map_err(|e| e.code())?;
                let names: Vec<&str> = pairs.iter().map(|(n, _)| *n).collect();
                log_line::cookie_present(now, visitor, &names)
            }
            LogEvent::SignalGpc => log_line::signal_gpc(now, visitor),
            e @ (LogEvent::NoticeAuto | LogEvent::NoticeUser) => {
                let layer = u8::try_from(number).map_err(|_| Code::InvalidArgument)?;
                let controls: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
                let trigger = if e == LogEvent::NoticeAuto {
                    Trigger::Auto
                } else {
                    Trigger::User
                };
                log_line::notice_shown(&p.view(), now, visitor, layer, trigger, &controls)
            }
            LogEvent::CookieSet => log_line::cookie_set(now, visitor, text),
        };
        dst.write(line.as_bytes())
    })
}

/// The `decision` line of the site's consent log (SPEC §8) for a decision just
/// applied to `state` (so the visitor is its consent id), without a newline.
///
/// - `action`: a `samtykke_action` value: accept_all, reject_all, save or withdraw.
/// - `notice`, `control`: as given to the event (`samtykke_control`), checked
///   as the event checks them: a notice of 1 or more, a user's control.
/// - `categories`: a mask of `samtykke_policy_category_bit` bits: the granted
///   categories of a `save`, the withdrawn ones of a `withdraw` (0 = all: no
///   `categories` field); ignored for the other actions.
/// - `gpc`: the request carried `Sec-GPC: 1`.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_ARGUMENT`
/// for another action, an unknown control, `SAMTYKKE_CONTROL_SIGNAL` or a notice
/// of 0 (no line the audit would refuse is written); `SAMTYKKE_RESULT_UNKNOWN_NAME` for
/// category bits the policy lacks;
/// `SAMTYKKE_RESULT_INVALID_TIME`; `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`;
/// `SAMTYKKE_RESULT_STATE_INVALID`; `SAMTYKKE_RESULT_STATE_POLICY_MISMATCH`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `state` NULL or readable for a
/// `samtykke_state`; `buf` writable for `buf_len` bytes; `out_len` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_log_decision(
    policy: *const samtykke_policy,
    state: *const samtykke_state,
    now: i64,
    action: u32,
    notice: u32,
    control: u32,
    categories: u32,
    gpc: bool,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` NULL or live, `state` NULL
        // or readable, `buf` writable for `buf_len` bytes, `out_len` NULL or
        // writable.
        let (p, raw, dst) = unsafe {
            (
                try_policy(policy)?,
                try_read(state)?,
                try_out_buf(buf, buf_len, out_len)?,
            )
        };
        let s = open(p, &raw)?;
        let view = p.view();
        let action = Action::try_from(action)?;
        let set = match action {
            Action::AcceptAll | Action::RejectAll => None,
            Action::Save => Some(category_set(&view, categories)?),
            Action::Withdraw if categories == 0 => None,
            Action::Withdraw => Some(category_set(&view, categories)?),
            _ => return Err(Code::InvalidArgument),
        };
        // The event's own checks (`Ctx::new`), so the line is one the event
        // could have recorded.
        let ctx = crate::state::ctx(now, notice, control, gpc)?;
        let line = log_line::decision(
            &view,
            ctx.at,
            s.consent_id(),
            action,
            ctx.notice,
            ctx.control,
            set,
            gpc,
        );
        dst.write(line.as_bytes())
    })
}

/// The proof records of a file that survive the policy's retention at `now`
/// (R19): the lines of `text` a purge keeps, each followed by `\n`, in order.
/// Each visitor's records are judged together, in file order; blank lines are
/// dropped; lines that are not proof records of this policy, UTF-8 or not, are
/// kept as they are.
///
/// - `text`, `text_len`: the file's content (JSON lines, SPEC §7).
/// - `buf`, `buf_len`, `out_len`: the output; never longer than `text_len` + 1.
/// - `removed_out`: NULL, or receives how many records were purged.
///
/// Errors: `SAMTYKKE_RESULT_NULL_ARGUMENT`; `SAMTYKKE_RESULT_INVALID_TIME`;
/// `SAMTYKKE_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `policy` is a live handle or NULL; `text` readable for `text_len` bytes;
/// `buf` writable for `buf_len` bytes; `out_len` and `removed_out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn samtykke_proofs_retain(
    policy: *const samtykke_policy,
    text: *const c_char,
    text_len: usize,
    now: i64,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    removed_out: *mut usize,
) -> Code {
    guard(|| {
        // SAFETY: this function's contract: `policy` NULL or live, `text`
        // readable for `text_len` bytes, `buf` writable for `buf_len` bytes,
        // `out_len` and `removed_out` NULL or writable.
        let (p, text, dst, removed_out) = unsafe {
            (
                try_policy(policy)?,
                try_bytes(text.cast(), text_len)?,
                try_out_buf(buf, buf_len, out_len)?,
                try_opt_out(removed_out),
            )
        };
        let retained = retain_proofs(&p.view(), text, time(now)?);
        dst.write(&retained.kept)?;
        if let Some(out) = removed_out {
            out.write(retained.removed);
        }
        Ok(())
    })
}
