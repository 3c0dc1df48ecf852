use super::*;

// ---- the Cookie request header ----------------------------------------------

/// The `(name, value)` pairs of a `Cookie` request header, in order.
///
/// Lenient as RFC 6265 §5.4 browsers are: empty pieces are skipped, whitespace
/// around names and values is trimmed, and a piece without `=` is a nameless
/// cookie (an empty name and the piece as its value, RFC 6265bis). Names are kept
/// exactly as sent, duplicates included.
///
/// # Errors
///
/// A control character other than a tab, with its byte offset.
pub fn parse_cookie_header(header: &str) -> Result<Vec<(&str, &str)>, HeaderError> {
    Ok(cookie_pairs(header)?.collect())
}

/// The pairs of a `Cookie` header's bytes that read: the whole header as
/// [`cookie_pairs`] reads it when it is UTF-8 without control characters, else
/// each `;`-separated piece that is (`;` is never part of a UTF-8 character), the
/// others skipped. What a server enforcing consent reads: another application's
/// cookie on the same domain whose value is Latin-1 does not hide the consent
/// cookie, nor the cookies that must be deleted.
///
/// ```
/// let pairs: Vec<_> = samtykke_host::http::readable_cookie_pairs(b"a=1; old=\xe6\xf8; b=2").collect();
/// assert_eq!(pairs, [("a", "1"), ("b", "2")]);
/// ```
pub fn readable_cookie_pairs(header: &[u8]) -> impl Iterator<Item = (&str, &str)> + '_ {
    let whole = std::str::from_utf8(header)
        .ok()
        .and_then(|text| cookie_pairs(text).ok());
    let pieces = whole.is_none().then(|| {
        header.split(|&b| b == b';').flat_map(|piece| {
            std::str::from_utf8(piece)
                .ok()
                .and_then(|text| cookie_pairs(text).ok())
                .into_iter()
                .flatten()
        })
    });
    whole
        .into_iter()
        .flatten()
        .chain(pieces.into_iter().flatten())
}

/// A visitor's consent state as it arrives in a request: read from the consent
/// cookie of its `Cookie` header by [`state_from_cookie_header`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrived {
    /// The state the cookie holds.
    pub state: ConsentState,
    /// Which of the keys it verified under: 0 is the key that signs now; a
    /// later one is an older key still accepted, and the host re-signs the
    /// cookie with the first. 0 when read unverified.
    pub key_index: usize,
}

/// The visitor's state from the policy's consent cookie in a request's `Cookie`
/// header values (one, or several as HTTP/2 may send; a browser sends several
/// consent cookies when it holds several, such as a host-only one and one a
/// sibling subdomain set for the parent domain).
///
/// The rule every front end follows (SPEC §15, §18): among the pairs
/// [`readable_cookie_pairs`] reads, in order, the first value of the consent
/// cookie (its name compared exactly) that verifies under one of `keys`, tried in
/// order, wins: the order of the cookies comes before the order of the keys.
/// `keys` `None` reads unverified: the first value that decodes wins, only what
/// the browser claims. An empty list verifies nothing. `None` returned means a
/// new visitor: no consent cookie, or none that verifies; a missing, altered or
/// foreign cookie is never an error.
///
/// ```
/// use samtykke::{ConsentState, CookieKey, Ctx};
/// use samtykke_host::http::state_from_cookie_header;
/// use time::macros::datetime;
///
/// let mut index = [0u16; 16];
/// let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
/// let mut state = ConsentState::new(7);
/// state.reject_all(&policy, Ctx::button(datetime!(2026-03-01 10:00 UTC), 1));
/// let keys = [CookieKey::new(&[2; 32]), CookieKey::new(&[1; 32])]; // new, old
/// let mut value = [0u8; samtykke::COOKIE_MAX_LEN];
/// let n = state.encode_cookie(&policy, Some(&[1; 32]), &mut value).unwrap();
/// let header = [b"lang=da; samtykke=v1.junk; samtykke=".as_slice(), &value[..n]].concat();
///
/// let arrived = state_from_cookie_header(&policy, [header.as_slice()], Some(&keys)).unwrap();
/// assert_eq!((arrived.state, arrived.key_index), (state, 1));
/// assert!(state_from_cookie_header(&policy, [header.as_slice()], Some(&keys[..1])).is_none());
/// ```
pub fn state_from_cookie_header<'h>(
    policy: &ValidPolicy<'_>,
    headers: impl IntoIterator<Item = &'h [u8]>,
    keys: Option<&[CookieKey]>,
) -> Option<Arrived> {
    state_from_cookie_pairs(
        policy,
        headers.into_iter().flat_map(readable_cookie_pairs),
        keys,
    )
}

/// [`state_from_cookie_header`] over pairs already read by
/// [`readable_cookie_pairs`], for a host that also wants the names (the tower
/// layer reads a request's header once for both).
pub fn state_from_cookie_pairs<'p>(
    policy: &ValidPolicy<'_>,
    pairs: impl IntoIterator<Item = (&'p str, &'p str)>,
    keys: Option<&[CookieKey]>,
) -> Option<Arrived> {
    let name = policy.policy().consent_cookie.name;
    for (n, value) in pairs {
        if n == name {
            if let Ok(a) = decode_with_keys(policy, value.as_bytes(), keys) {
                return Some(a);
            }
        }
    }
    None
}

/// One consent cookie value under the site keys in order, the first that
/// verifies, with its index (`keys` `None`: read unverified, index 0). The
/// rule [`state_from_cookie_header`] applies to each consent cookie it finds,
/// for a host that holds a value alone (the command line's `decode`).
///
/// # Errors
///
/// The first key's [`CookieError`] when none verifies (an empty list of keys:
/// [`CookieError::BadSignature`], as no key verifies).
pub fn decode_with_keys(
    policy: &ValidPolicy<'_>,
    value: &[u8],
    keys: Option<&[CookieKey]>,
) -> Result<Arrived, CookieError> {
    let Some(keys) = keys else {
        let state = ConsentState::decode_cookie_with(policy, value, None)?;
        return Ok(Arrived {
            state,
            key_index: 0,
        });
    };
    let mut first = None;
    for (key_index, key) in keys.iter().enumerate() {
        match ConsentState::decode_cookie_with(policy, value, Some(key)) {
            Ok(state) => return Ok(Arrived { state, key_index }),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.unwrap_or(CookieError::BadSignature))
}

/// [`parse_cookie_header`]'s pairs as an iterator, for a host that reads each
/// pair once and keeps none of them (the tower layer on every request): the
/// header is checked whole first, then split as it is read.
///
/// ```
/// let pairs: Vec<_> = samtykke_host::http::cookie_pairs("a=1; ; b = 2;c").unwrap().collect();
/// assert_eq!(pairs, [("a", "1"), ("b", "2"), ("", "c")]);
/// assert!(samtykke_host::http::cookie_pairs("a=1\u{1}").is_err());
/// ```
///
/// # Errors
///
/// A control character other than a tab, with its byte offset.
pub fn cookie_pairs(header: &str) -> Result<impl Iterator<Item = (&str, &str)> + '_, HeaderError> {
    check_controls(Header::Cookie, header)?;
    Ok(pieces(header).filter(|(_, piece)| !piece.is_empty()).map(
        |(_, piece)| match split_at_equals(piece) {
            Some((name, value)) => (trim_wsp(name), trim_wsp(value)),
            None => ("", piece),
        },
    ))
}
