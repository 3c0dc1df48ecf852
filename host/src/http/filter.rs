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
        let (name, reason) = match SetCookie::parse(header) {
            Err(e) => (None, Some(DropReason::Unparsable(e))),
            Ok(c) if c.is_deletion(now) => (Some(c.name), None),
            Ok(c) => match state.permits(policy, c.name, now) {
                Permit::Allowed { .. } => (Some(c.name), None),
                Permit::Denied { category, why, .. } => (
                    Some(c.name),
                    Some(DropReason::Denied {
                        category: category.id,
                        why,
                    }),
                ),
                Permit::Undeclared => (Some(c.name), Some(DropReason::Undeclared)),
            },
        };
        match reason {
            None => out.kept.push(header),
            Some(reason) => out.dropped.push(Dropped {
                index,
                header,
                name,
                reason,
            }),
        }
    }
    out
}
