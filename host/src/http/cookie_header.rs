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
