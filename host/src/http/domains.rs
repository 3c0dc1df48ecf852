use super::*;

// ---- hosts and the domains they reach ------------------------------------------

/// A request host, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Host {
    /// A domain name, lowercase, without port or trailing dot.
    Name(String),
    /// An IP address (or a name a browser reads as one): host-only cookies only.
    Ip(String),
    /// Anything else, lowercased: host-only cookies only.
    Opaque(String),
}

impl Host {
    pub(super) fn parse(host: &str) -> Host {
        let h = trim_wsp(host).to_ascii_lowercase();
        if let Some(rest) = h.strip_prefix('[') {
            let inner = rest.split(']').next().unwrap_or_default();
            return if inner.parse::<Ipv6Addr>().is_ok() {
                Host::Ip(inner.to_owned())
            } else {
                Host::Opaque(h)
            };
        }
        if h.parse::<Ipv6Addr>().is_ok() {
            return Host::Ip(h);
        }
        let name = match h.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => &h,
        };
        let name = name.strip_suffix('.').unwrap_or(name);
        // WHATWG URL: a host whose last label is a number is an IPv4 address.
        let last = name.rsplit('.').next().unwrap_or_default();
        if name.parse::<Ipv4Addr>().is_ok()
            || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        {
            return Host::Ip(name.to_owned());
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if name.len() <= 253 && name.split('.').all(label_ok) {
            Host::Name(name.to_owned())
        } else {
            Host::Opaque(name.to_owned())
        }
    }

    pub(super) fn as_str(&self) -> &str {
        match self {
            Host::Name(h) | Host::Ip(h) | Host::Opaque(h) => h,
        }
    }

    /// Whether a response from this host can set or delete cookies on `domain`
    /// (normalised): the host is that domain or a subdomain of it.
    pub(super) fn reaches(&self, domain: &str) -> bool {
        match self {
            Host::Name(h) => {
                h == domain
                    || (h.len() > domain.len()
                        && h.ends_with(domain)
                        && h.as_bytes()[h.len() - domain.len() - 1] == b'.')
            }
            Host::Ip(h) | Host::Opaque(h) => h == domain,
        }
    }

    /// The `Domain` attribute values this host can use: itself and each parent up
    /// to, not including, its public suffix.
    pub(super) fn domains(&self) -> Vec<&str> {
        let Host::Name(h) = self else {
            return Vec::new();
        };
        let Some(suffix) = psl::suffix(h.as_bytes()) else {
            return Vec::new();
        };
        let suffix_len = suffix.as_bytes().len();
        let mut out = Vec::new();
        let mut d = h.as_str();
        while d.len() > suffix_len {
            out.push(d);
            match d.split_once('.') {
                Some((_, parent)) => d = parent,
                None => break,
            }
        }
        out
    }
}

/// Whether a page of `site` (the site's domain, or a host under it) can set or
/// delete cookies on `domain`: the domain is the site's, one under it, or a
/// parent of it, compared as the deletion plan compares them (normalised).
pub(crate) fn site_reaches(site: &str, domain: &str) -> bool {
    let (site, domain) = (normalise_domain(site), normalise_domain(domain));
    domain.is_empty()
        || Host::parse(&site).reaches(&domain)
        || domain.ends_with(&format!(".{site}"))
}

pub(crate) fn normalise_domain(d: &str) -> String {
    let d = trim_wsp(d);
    let d = d.strip_prefix('.').unwrap_or(d);
    let d = d.strip_suffix('.').unwrap_or(d);
    d.to_ascii_lowercase()
}

/// The `Domain` attribute values a response from `host` can use, most specific
/// first: the host itself and each parent domain up to, not including, its public
/// suffix (from the public-suffix list). `host` may carry a port and any case.
/// Empty for IP addresses, public suffixes and hosts that are not domain names.
///
/// `www.example.co.uk` gives `["www.example.co.uk", "example.co.uk"]`.
pub fn cookie_domains(host: &str) -> Vec<String> {
    Host::parse(host)
        .domains()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The `Domain` attribute to write for a cookie meant for `domain` on a response
/// from `host`: `domain` normalised (lowercase, no leading or trailing dot) when
/// the host is that domain or under it and it is not a public suffix; `None`
/// otherwise, and then the cookie is host-only (another site's host, an IP address
/// such as `127.0.0.1`, a public suffix).
///
/// `domain_attribute("www.kk.dk:8443", ".KK.dk")` is `Some("kk.dk")`;
/// `domain_attribute("127.0.0.1:8080", "kk.dk")` is `None`.
pub fn domain_attribute(host: &str, domain: &str) -> Option<String> {
    let domain = normalise_domain(domain);
    let host = Host::parse(host);
    host.domains().contains(&domain.as_str()).then_some(domain)
}

/// The consent cookie's `Set-Cookie` value on a response from `host` (SPEC §15):
/// `NAME=VALUE; Max-Age=…; Path=/; SameSite=Lax; HttpOnly`, then `; Secure` when
/// `secure` (the site is served over HTTPS), then the policy's `Domain` only where
/// [`domain_attribute`] allows it (host-only otherwise). A name with the
/// `__Host-` prefix gets `Secure` and no `Domain`, one with `__Secure-` gets
/// `Secure`, as browsers keep them only so. The one writer of this header, for
/// the tower layer and the C library.
///
/// ```
/// let mut index = [0u16; 16];
/// let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
/// let h = samtykke_host::http::consent_set_cookie(&policy, "v1.x", "127.0.0.1:8080", false);
/// assert!(h.ends_with("; Path=/; SameSite=Lax; HttpOnly"));
/// ```
pub fn consent_set_cookie(
    policy: &samtykke::ValidPolicy<'_>,
    value: &str,
    host: &str,
    secure: bool,
) -> String {
    use super::deletion::has_prefix_ignore_case;
    let cookie = &policy.policy().consent_cookie;
    let mut h = format!(
        "{}={value}; Max-Age={}; Path=/; SameSite=Lax; HttpOnly",
        cookie.name,
        policy.consent_cookie_max_age()
    );
    // A name's prefix binds the browser (RFC 6265bis): a `__Host-` cookie is
    // kept only with `Secure`, `Path=/` and no `Domain`, a `__Secure-` one only
    // with `Secure`, as their deletions are written.
    let host_only = has_prefix_ignore_case(cookie.name, "__Host-");
    if secure || host_only || has_prefix_ignore_case(cookie.name, "__Secure-") {
        h.push_str("; Secure");
    }
    if let Some(d) = cookie
        .domain
        .filter(|_| !host_only)
        .and_then(|d| domain_attribute(host, d))
    {
        h.push_str("; Domain=");
        h.push_str(&d);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefixed_consent_cookie_name_gets_what_its_prefix_asks() {
        let policy_for = |name: &str| {
            let mut p = samtykke::example::KK_DK;
            p.consent_cookie.name = Box::leak(name.to_owned().into_boxed_str());
            p
        };
        let mut index = [0u16; 16];
        for (name, want) in [
            (
                "__Host-samtykke",
                "; Path=/; SameSite=Lax; HttpOnly; Secure",
            ),
            (
                "__host-samtykke",
                "; Path=/; SameSite=Lax; HttpOnly; Secure",
            ),
            (
                "__Secure-samtykke",
                "; Path=/; SameSite=Lax; HttpOnly; Secure; Domain=kk.dk",
            ),
            ("samtykke", "; Path=/; SameSite=Lax; HttpOnly; Domain=kk.dk"),
        ] {
            let p = policy_for(name);
            let policy = p.validate(&mut index).unwrap();
            // Over plain HTTP (`secure` false), on a host under the policy's domain.
            let h = consent_set_cookie(&policy, "v1.x", "www.kk.dk", false);
            assert!(h.starts_with(&format!("{name}=v1.x; Max-Age=")), "{h}");
            assert!(h.ends_with(want), "{name}: {h}");
        }
    }

    #[test]
    fn domain_attribute_only_where_the_host_reaches_it() {
        assert_eq!(
            domain_attribute("www.kk.dk:8443", ".KK.dk"),
            Some("kk.dk".into())
        );
        assert_eq!(domain_attribute("kk.dk", "kk.dk"), Some("kk.dk".into()));
        assert_eq!(domain_attribute("127.0.0.1:8080", "kk.dk"), None);
        assert_eq!(domain_attribute("localhost:8080", "kk.dk"), None);
        assert_eq!(domain_attribute("kk.dk.example.com", "kk.dk"), None);
        assert_eq!(domain_attribute("evilkk.dk", "kk.dk"), None);
        assert_eq!(domain_attribute("www.kk.dk", "dk"), None, "a public suffix");
        assert_eq!(domain_attribute("[::1]:80", "::1"), None);
    }

    #[test]
    fn hosts() {
        assert_eq!(
            Host::parse("WWW.KK.DK:8443"),
            Host::Name("www.kk.dk".into())
        );
        assert_eq!(Host::parse("www.kk.dk."), Host::Name("www.kk.dk".into()));
        assert_eq!(Host::parse("[::1]:8080"), Host::Ip("::1".into()));
        assert_eq!(Host::parse("10.0.0.1:80"), Host::Ip("10.0.0.1".into()));
        assert_eq!(Host::parse("bad host"), Host::Opaque("bad host".into()));
        assert!(Host::parse("www.kk.dk").reaches("kk.dk"));
        assert!(!Host::parse("www.kk.dk").reaches("k.dk"));
        assert!(!Host::parse("kk.dk").reaches("www.kk.dk"));
    }
}
