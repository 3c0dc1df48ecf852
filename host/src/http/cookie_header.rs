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
