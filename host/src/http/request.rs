// ---- what a request asks beyond its cookies ---------------------------------

use crate::declare::Lang;

/// Whether a `Sec-GPC` request header value carries the Global Privacy Control
/// signal (SPEC §15): the value `1`, with optional spaces or tabs around it. A
/// server that joins repeated headers with commas (PHP's
/// `$_SERVER['HTTP_SEC_GPC']` behind most servers) passes the joined value: the
/// signal is there when any comma-separated piece is `1`, as it is when any of
/// the repeated headers is. Any other value (`0`, `true`, `11`, empty) is no
/// signal.
///
/// ```
/// use samtykke_host::http::gpc_signal;
/// assert!(gpc_signal(b"1"));
/// assert!(gpc_signal(b"0, 1"));
/// assert!(!gpc_signal(b"true"));
/// ```
pub fn gpc_signal(value: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|piece| trim_ows(piece) == b"1")
}

/// The page language a request asks for (SPEC §15: the banner, the settings and
/// the declaration in Danish or English), or `None` when it names neither, for
/// the site's default:
///
/// 1. the first `lang` field of the URL's query string (`query`, without the
///    `?`; form-encoded) whose value is `da` or `en`, exactly;
/// 2. else, of the `Accept-Language` header's (`accept_language`) language
///    ranges whose primary subtag is `da` or `en` (any case: `da-DK`, `EN`),
///    the one with the highest weight, the first listed among equals. A range
///    weighted `q=0` is not wanted. A range's only parameter is its weight,
///    `q=` (any case) and an RFC 9110 qvalue (`0` to `1`, at most three
///    decimals): a range with another parameter, or another weight (`q=.8`,
///    `q=2`, `q=high`, `q =0.8`), is skipped. `*` names no language, but its
///    weight is every other language's: when it outweighs the best range of
///    `da` or `en`, the visitor asks for nothing in particular.
///
/// `None` leaves the choice to the site's default. Pass empty slices for a
/// missing query or header.
///
/// ```
/// use samtykke_host::declare::Lang;
/// use samtykke_host::http::request_lang;
/// assert_eq!(request_lang(b"", b"fr-FR, en;q=0.5, da;q=0.7"), Some(Lang::Da));
/// assert_eq!(request_lang(b"lang=en", b"da"), Some(Lang::En));
/// assert_eq!(request_lang(b"", b"de, *"), None);
/// assert_eq!(request_lang(b"", b"de, *;q=0.5, da;q=0.1"), None);
/// ```
pub fn request_lang(query: &[u8], accept_language: &[u8]) -> Option<Lang> {
    for (k, v) in form_urlencoded::parse(query) {
        if k == "lang" {
            if let Some(lang) = Lang::parse(&v) {
                return Some(lang);
            }
        }
    }
    // Weights in thousandths, so that equal weights compare equal.
    let mut best: Option<(u16, Lang)> = None;
    // The weight of `*`: every language not named.
    let mut any = 0;
    for item in accept_language.split(|&b| b == b',') {
        let mut parts = item.split(|&b| b == b';');
        let range = trim_ows(parts.next().unwrap_or_default());
        // RFC 9110 §12.5.4: `language-range [ weight ]`, nothing else.
        let weight = match (parts.next().map(trim_ows), parts.next()) {
            (None, _) => Some(1000),
            (Some([b'q' | b'Q', b'=', q @ ..]), None) => qvalue(q),
            _ => None,
        };
        let Some(q) = weight else {
            continue;
        };
        if range == b"*" {
            any = any.max(q);
            continue;
        }
        let primary = range.split(|&b| b == b'-').next().unwrap_or_default();
        let lang = if primary.eq_ignore_ascii_case(b"da") {
            Lang::Da
        } else if primary.eq_ignore_ascii_case(b"en") {
            Lang::En
        } else {
            continue;
        };
        if q > 0 && !matches!(best, Some((b, _)) if b >= q) {
            best = Some((q, lang));
        }
    }
    best.filter(|&(q, _)| q >= any).map(|(_, lang)| lang)
}

/// Whether a decision's `POST` comes from the site's own pages (SPEC §15: a
/// cross-origin `POST` is refused, so another site cannot decide for the
/// visitor):
///
/// - `Sec-Fetch-Site`, when sent, is `same-origin` or `none` (the visitor's
///   own navigation);
/// - `Origin`, when sent, is an `http` or `https` origin
///   (`scheme://host[:port]`, RFC 6454) whose host and port are the request's
///   `Host` (`host`; ASCII case ignored; the scheme's default port written or
///   not). `Origin: null` passes only beside `Sec-Fetch-Site: same-origin`: a
///   browser sends `null` for a site's own form on a page under
///   `Referrer-Policy: no-referrer`, and also for a sandboxed frame or a
///   `data:` page of any site, which nothing else tells apart. Browsers send
///   `Sec-Fetch-Site` only to HTTPS sites (and `localhost`), so a plain-HTTP
///   site under `no-referrer` cannot take decisions: serve the notice over
///   HTTPS, or without that policy.
///
/// A request with neither header (an older browser, a script) passes, so
/// this check alone does not stop every forged decision: a host that needs
/// more adds a token of its own tied to the visitor. Pass `None` for a header
/// the request does not have.
///
/// # Errors
///
/// Which header says the request comes from elsewhere (`Sec-Fetch-Site` is
/// looked at first).
///
/// ```
/// use samtykke_host::http::{same_origin, CrossOrigin};
/// assert_eq!(same_origin(b"www.kk.dk", Some(b"https://www.kk.dk"), Some(b"same-origin")), Ok(()));
/// assert_eq!(same_origin(b"www.kk.dk", Some(b"https://evil.example"), None), Err(CrossOrigin::Origin));
/// assert_eq!(same_origin(b"www.kk.dk", Some(b"null"), None), Err(CrossOrigin::Origin));
/// assert_eq!(same_origin(b"www.kk.dk", Some(b"null"), Some(b"same-origin")), Ok(()));
/// assert_eq!(same_origin(b"www.kk.dk:443", Some(b"https://www.kk.dk"), None), Ok(()));
/// assert_eq!(same_origin(b"www.kk.dk", None, Some(b"cross-site")), Err(CrossOrigin::FetchSite));
/// ```
pub fn same_origin(
    host: &[u8],
    origin: Option<&[u8]>,
    sec_fetch_site: Option<&[u8]>,
) -> Result<(), CrossOrigin> {
    if let Some(site) = sec_fetch_site {
        if !matches!(trim_ows(site), b"same-origin" | b"none") {
            return Err(CrossOrigin::FetchSite);
        }
    }
    let Some(origin) = origin.map(trim_ows) else {
        return Ok(());
    };
    if origin == b"null" {
        // Only the site's own form under `no-referrer` is vouched for.
        return match sec_fetch_site.map(trim_ows) {
            Some(b"same-origin") => Ok(()),
            _ => Err(CrossOrigin::Origin),
        };
    }
    match origin_authority(origin) {
        Some((authority, default_port)) => {
            // `Host: www.kk.dk:443` is `https://www.kk.dk`.
            let host = host.strip_suffix(default_port).unwrap_or(host);
            let authority = authority.strip_suffix(default_port).unwrap_or(authority);
            if !host.is_empty() && authority.eq_ignore_ascii_case(host) {
                Ok(())
            } else {
                Err(CrossOrigin::Origin)
            }
        }
        None => Err(CrossOrigin::Origin),
    }
}

/// Which header of a request says it comes from another site than its host's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossOrigin {
    /// `Sec-Fetch-Site` is neither `same-origin` nor `none`.
    FetchSite,
    /// `Origin` is not the request's host (or not an `http`/`https` origin,
    /// or `null` without `Sec-Fetch-Site: same-origin` beside it).
    Origin,
}

/// The `host[:port]` of a serialized origin, `http://host[:port]` or
/// `https://host[:port]` (no path, query, fragment or user; the scheme in
/// any case), and its scheme's default port (`:80`, `:443`); `None` for
/// anything else, `null` and other schemes included.
fn origin_authority(origin: &[u8]) -> Option<(&[u8], &'static [u8])> {
    let at = origin.windows(3).position(|w| w == b"://")?;
    let (scheme, authority) = (&origin[..at], &origin[at + 3..]);
    let default_port: &[u8] = if scheme.eq_ignore_ascii_case(b"https") {
        b":443"
    } else if scheme.eq_ignore_ascii_case(b"http") {
        b":80"
    } else {
        return None;
    };
    let authority_ok = !authority.is_empty()
        && authority
            .iter()
            .all(|&b| b.is_ascii_graphic() && !matches!(b, b'/' | b'?' | b'#' | b'@'));
    authority_ok.then_some((authority, default_port))
}

/// An RFC 9110 §12.4.2 qvalue in thousandths: `0`, `0.` and up to three digits,
/// or `1`, `1.` and up to three zeros.
fn qvalue(q: &[u8]) -> Option<u16> {
    let (&unit, rest) = q.split_first()?;
    let decimals = match rest {
        [] => &[][..],
        [b'.', d @ ..] if d.len() <= 3 => d,
        _ => return None,
    };
    let mut thousandths = 0u16;
    for (i, &d) in decimals.iter().enumerate() {
        if !d.is_ascii_digit() {
            return None;
        }
        thousandths += u16::from(d - b'0') * [100, 10, 1][i];
    }
    match unit {
        b'0' => Some(thousandths),
        b'1' if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// `s` without the spaces and tabs around it (HTTP's optional whitespace).
pub(crate) fn trim_ows(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ' && b != b'\t');
    let Some(start) = start else {
        return &[];
    };
    let end = s
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .unwrap_or(start);
    &s[start..=end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qvalues_are_read_as_rfc_9110_writes_them() {
        for (q, want) in [
            (&b"1"[..], Some(1000)),
            (b"1.", Some(1000)),
            (b"1.000", Some(1000)),
            (b"0", Some(0)),
            (b"0.5", Some(500)),
            (b"0.05", Some(50)),
            (b"0.001", Some(1)),
            (b"0.999", Some(999)),
            (b"1.001", None),
            (b"0.1234", None),
            (b".5", None),
            (b"2", None),
            (b"-0", None),
            (b"0,5", None),
            (b"0.5 ", None),
            (b"", None),
            (b"high", None),
        ] {
            assert_eq!(qvalue(q), want, "{:?}", String::from_utf8_lossy(q));
        }
    }

    #[test]
    fn ows_is_spaces_and_tabs() {
        assert_eq!(trim_ows(b" \t1\t "), b"1");
        assert_eq!(trim_ows(b" \t "), b"");
        assert_eq!(trim_ows(b"\n1"), b"\n1");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_skipped_with_their_range() {
        assert_eq!(request_lang(b"", b"\xff\xfe, en;q=0.2"), Some(Lang::En));
        assert!(gpc_signal(b"\xff, 1"));
    }
}
