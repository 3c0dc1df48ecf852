use super::*;

// ---- filtering a response's Set-Cookie headers --------------------------------

/// Why [`filter_set_cookie`] dropped a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason<'a> {
    /// The cookie is declared, and the state denies it.
    Denied {
        /// The id of the cookie's category.
        category: &'a str,
        /// Why the state denies it ([`Permit::Denied`]).
        why: Why,
    },
    /// No declaration covers the cookie's name (R21).
    Undeclared,
    /// The header could not be parsed.
    Unparsable(HeaderError),
}

impl DropReason<'_> {
    /// The reason's name: the denial's [`Why::as_str`] (`withdrawn`,
    /// `provider-refused`, …), `undeclared` or `unparsable`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            DropReason::Denied { why, .. } => why.as_str(),
            DropReason::Undeclared => "undeclared",
            DropReason::Unparsable(_) => "unparsable",
        }
    }
}

impl fmt::Display for DropReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Denied { category, why } => write!(f, "{category} {}", why.as_str()),
            DropReason::Undeclared => f.write_str("undeclared"),
            DropReason::Unparsable(e) => write!(f, "unparsable: {e}"),
        }
    }
}

/// A `Set-Cookie` header [`filter_set_cookie`] dropped, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dropped<'h, 'a> {
    /// Its position among the headers given.
    pub index: usize,
    /// The header value.
    pub header: &'h str,
    /// The cookie's name, when the header could be parsed.
    pub name: Option<&'h str>,
    /// Why it was dropped.
    pub reason: DropReason<'a>,
}

/// What [`filter_set_cookie`] kept and dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filtered<'h, 'a> {
    /// The headers to send, in their original order.
    pub kept: Vec<&'h str>,
    /// The headers withheld, in their original order, each with its reason.
    pub dropped: Vec<Dropped<'h, 'a>>,
}

/// Keeps the `Set-Cookie` header values the state permits at `now`
/// ([`ConsentState::permits`]) and reports the others rather than dropping them
/// silently. A deletion ([`SetCookie::is_deletion`]) always passes, declared or
/// not, since removing a cookie never needs consent. An unparsable header is
/// dropped: the state cannot vouch for a cookie it cannot name.
///
/// A kept header is sent as it is, lifetime and all: a persistent cookie may
/// outlive the consent it was set under. [`judge_set_cookie`] gives each
/// header's verdict with the lifetime shortened to its category's consent lapse
/// ([`clamp_set_cookie`]), as the tower layer, C and PHP send it.
///
/// `headers` yields `&str`, `&String` or any other `&S` where `S: AsRef<str>`.
pub fn filter_set_cookie<'h, 'a, I, S>(
    state: &ConsentState,
    policy: &ValidPolicy<'a>,
    headers: I,
    now: OffsetDateTime,
) -> Filtered<'h, 'a>
where
    I: IntoIterator<Item = &'h S>,
    S: AsRef<str> + ?Sized + 'h,
{
    let mut out = Filtered::default();
    for (index, header) in headers.into_iter().enumerate() {
        let header = header.as_ref();
        let (name, verdict) = match SetCookie::parse(header) {
            Err(e) => (None, Err(DropReason::Unparsable(e))),
            Ok(c) => (Some(c.name), verdict(state, policy, &c, now)),
        };
        match verdict {
            Ok(_) => out.kept.push(header),
            Err(reason) => out.dropped.push(Dropped {
                index,
                header,
                name,
                reason,
            }),
        }
    }
    out
}

/// The one rule of [`filter_set_cookie`] and [`judge_set_cookie`]: a deletion
/// passes (`Ok(None)`), a cookie the state permits passes under its category
/// (`Ok(Some(category))`), anything else is dropped with its reason.
fn verdict<'a>(
    state: &ConsentState,
    policy: &ValidPolicy<'a>,
    cookie: &SetCookie<'_>,
    now: OffsetDateTime,
) -> Result<Option<&'a Category<'a>>, DropReason<'a>> {
    if cookie.is_deletion(now) {
        return Ok(None);
    }
    match state.permits(policy, cookie.name, now) {
        Permit::Allowed { category, .. } => Ok(Some(category)),
        Permit::Denied { category, why, .. } => Err(DropReason::Denied {
            category: category.id,
            why,
        }),
        Permit::Undeclared => Err(DropReason::Undeclared),
    }
}

/// A kept `Set-Cookie` header, with a persistent cookie's lifetime shortened to its
/// category's consent lapse at `now` (SPEC §15): a cookie of a consent category
/// must not outlive the grant that let it in, so a `Max-Age` reaching past the
/// lapse ([`ConsentState::lapses_at`]) becomes the seconds left until it, and an
/// `Expires` past it becomes the lapse. The header comes back unchanged (borrowed)
/// when nothing needs shortening: a session cookie, a deletion, a cookie of the
/// exempt category, an unparsable or undeclared one (which
/// [`filter_set_cookie`] drops), or one that lapses in time. A shortened header is
/// written back by [`SetCookie`]'s `Display`, which drops attributes it does not
/// know.
///
/// ```
/// use samtykke::{ConsentState, Ctx};
/// use samtykke_host::http::clamp_set_cookie;
/// use time::macros::datetime;
///
/// let mut index = [0u16; 16];
/// let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
/// let t0 = datetime!(2026-03-01 10:00 UTC);
/// let mut state = ConsentState::new(7);
/// state.accept_all(&policy, Ctx::button(t0, 1)); // kk.dk: consent lasts 100 days
/// let kept = clamp_set_cookie(&state, &policy, "nmstat=1; Max-Age=86400000; Path=/", t0);
/// assert_eq!(kept, "nmstat=1; Max-Age=8640000; Path=/");
/// ```
pub fn clamp_set_cookie<'h>(
    state: &ConsentState,
    policy: &ValidPolicy<'_>,
    header: &'h str,
    now: OffsetDateTime,
) -> Cow<'h, str> {
    judge_set_cookie(state, policy, header, now).unwrap_or(Cow::Borrowed(header))
}

/// [`clamp_set_cookie`] on a parsed cookie the state allows under `category`.
fn clamp_parsed<'h>(
    state: &ConsentState,
    policy: &ValidPolicy<'_>,
    mut cookie: SetCookie<'_>,
    category: &Category<'_>,
    header: &'h str,
    now: OffsetDateTime,
) -> Cow<'h, str> {
    if cookie.is_deletion(now) || cookie.lifetime_seconds(now).is_none() {
        return Cow::Borrowed(header);
    }
    let Some(lapse) = state.lapses_at(policy, category) else {
        return Cow::Borrowed(header);
    };
    let left = lapse
        .unix_timestamp()
        .saturating_sub(now.unix_timestamp())
        .max(0);
    let mut shortened = false;
    if cookie.max_age.is_some_and(|n| n > left) {
        cookie.max_age = Some(left);
        shortened = true;
    }
    if cookie.expires.is_some_and(|t| t > lapse) {
        cookie.expires = Some(lapse);
        shortened = true;
    }
    if shortened {
        // Sized for the header it replaces (an `Expires` written again may be a
        // few bytes longer): written without growing the string on the way.
        let mut out = String::with_capacity(header.len() + 40);
        let _ = std::fmt::Write::write_fmt(&mut out, format_args!("{cookie}"));
        Cow::Owned(out)
    } else {
        Cow::Borrowed(header)
    }
}

/// One `Set-Cookie` header judged at `now`, as [`filter_set_cookie`] judges it
/// and then shortened as [`clamp_set_cookie`] shortens it, parsing it once: a
/// server-side enforcer's single call per header. `Ok` holds the header to send
/// (borrowed when unchanged), `Err` why it must not leave.
///
/// # Errors
///
/// The [`DropReason`]: denied, undeclared or unparsable.
pub fn judge_set_cookie<'h, 'a>(
    state: &ConsentState,
    policy: &ValidPolicy<'a>,
    header: &'h str,
    now: OffsetDateTime,
) -> Result<Cow<'h, str>, DropReason<'a>> {
    let cookie = SetCookie::parse(header).map_err(DropReason::Unparsable)?;
    match verdict(state, policy, &cookie, now)? {
        None => Ok(Cow::Borrowed(header)),
        Some(category) => Ok(clamp_parsed(state, policy, cookie, category, header, now)),
    }
}

/// Whether the `Set-Cookie` value `header` sets the cookie `name` (the name is
/// what precedes the first `=`, trimmed of spaces and tabs). A server that owns
/// the consent cookie drops any other `Set-Cookie` of that name (SPEC §15).
pub fn sets_cookie(header: &str, name: &str) -> bool {
    super::split_at_equals(header).is_some_and(|(n, _)| super::trim_wsp(n) == name)
}
