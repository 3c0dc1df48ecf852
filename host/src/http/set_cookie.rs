use super::*;
use crate::time::{format_http_date, parse_http_date};

// ---- Set-Cookie -------------------------------------------------------------

samtykke::vocabulary! {
    /// The `SameSite` attribute.
    pub enum SameSite ("SameSite value") {
        /// `SameSite=Strict`.
        Strict = 0 => "Strict",
        /// `SameSite=Lax`.
        Lax = 1 => "Lax",
        /// `SameSite=None`.
        None = 2 => "None",
    }
}

/// The longest attribute value browsers read, in bytes: they skip a longer one
/// (Chrome and Firefox both keep the value before it).
pub const MAX_ATTRIBUTE_VALUE: usize = 1024;

/// A parsed `Set-Cookie` value, borrowing from it.
///
/// Attribute names are case-insensitive; when one repeats, the last wins. Unknown
/// attributes are ignored, as browsers ignore them, and so is a `SameSite` other
/// than `Strict`, `Lax` or `None` (browsers leave it unset; it has no bearing on
/// whether or how long the cookie is kept). An empty `Domain` is ignored (the
/// cookie is host-only); a `Path` that does not start with `/` is ignored (the
/// browser's default path applies).
///
/// A `Max-Age` or `Expires` whose value does not read, or is longer than
/// [`MAX_ATTRIBUTE_VALUE`] bytes, is an error, not ignored: browsers read such
/// a header's lifetime each their own way (Chrome and Firefox fall back from a
/// bad `Max-Age` to `Expires`, but Firefox reads `Max-Age=-x` as a deletion,
/// Chrome takes `Max-Age=+5`, and Firefox honours an `Expires`' zone), so the
/// filter drops it rather than guess. The audit reads such a header as a
/// cookie kept with no known lifetime (docs/audit.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetCookie<'h> {
    /// The cookie's name, exactly as sent.
    pub name: &'h str,
    /// The cookie's value, as sent (quotes included).
    pub value: &'h str,
    /// `Max-Age` in seconds (saturating beyond `i64`).
    pub max_age: Option<i64>,
    /// `Expires`, in UTC.
    pub expires: Option<OffsetDateTime>,
    /// `Domain`, lowercased, without its leading dot.
    pub domain: Option<Cow<'h, str>>,
    /// `Path`.
    pub path: Option<&'h str>,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite`.
    pub same_site: Option<SameSite>,
    /// `Partitioned` (CHIPS).
    pub partitioned: bool,
}

impl<'h> SetCookie<'h> {
    /// A cookie `name=value` with no attributes.
    pub const fn new(name: &'h str, value: &'h str) -> SetCookie<'h> {
        SetCookie {
            name,
            value,
            max_age: None,
            expires: None,
            domain: None,
            path: None,
            secure: false,
            http_only: false,
            same_site: None,
            partitioned: false,
        }
    }

    /// Parses a `Set-Cookie` header value (without the `Set-Cookie:` prefix).
    ///
    /// # Errors
    ///
    /// A control character; a name-value pair without `=` or with an empty name;
    /// a `Max-Age` that is not an integer, an `Expires` that is not an HTTP date,
    /// either over [`MAX_ATTRIBUTE_VALUE`] bytes: each with the attribute and its
    /// byte offset. These attributes' bad values are errors rather than ignored,
    /// because the filter decides on them and browsers read them differently.
    pub fn parse(header: &'h str) -> Result<SetCookie<'h>, HeaderError> {
        use HeaderErrorKind as K;
        let err = |kind, attribute, offset| {
            Err(HeaderError::new(Header::SetCookie, kind, attribute, offset))
        };
        check_controls(Header::SetCookie, header)?;
        let mut parts = pieces(header);
        let (name, value) = name_value(parts.next())?;
        let mut cookie = SetCookie::new(name, value);
        for (at, piece) in parts {
            if piece.is_empty() {
                continue;
            }
            let (key, val) = match split_at_equals(piece) {
                Some((k, v)) => (trim_wsp(k), trim_wsp(v)),
                None => (piece, ""),
            };
            // (A name of another length is rejected before any letter is read.)
            let Some(attribute) = Attribute::ALL
                .into_iter()
                .find(|a| key.eq_ignore_ascii_case(a.name()))
            else {
                continue;
            };
            let named = Some(attribute.name());
            let long = val.len() > MAX_ATTRIBUTE_VALUE;
            match attribute {
                Attribute::MaxAge if long => return err(K::InvalidMaxAge, named, at),
                Attribute::Expires if long => return err(K::InvalidExpires, named, at),
                Attribute::MaxAge => match parse_max_age(val) {
                    Some(n) => cookie.max_age = Some(n),
                    None => return err(K::InvalidMaxAge, named, at),
                },
                Attribute::Expires => match parse_http_date(val) {
                    Some(t) => cookie.expires = Some(t),
                    None => return err(K::InvalidExpires, named, at),
                },
                Attribute::Domain => cookie.domain = domain_attribute(val),
                Attribute::Path => cookie.path = val.starts_with('/').then_some(val),
                Attribute::Secure => cookie.secure = true,
                Attribute::HttpOnly => cookie.http_only = true,
                Attribute::Partitioned => cookie.partitioned = true,
                Attribute::SameSite => {
                    cookie.same_site = if val.eq_ignore_ascii_case("Strict") {
                        Some(SameSite::Strict)
                    } else if val.eq_ignore_ascii_case("Lax") {
                        Some(SameSite::Lax)
                    } else if val.eq_ignore_ascii_case("None") {
                        Some(SameSite::None)
                    } else {
                        None
                    };
                }
            }
        }
        Ok(cookie)
    }

    /// The name and value of a `Set-Cookie` header's name-value pair (its
    /// text up to the first `;`), and nothing else of it: what
    /// [`SetCookie::parse`] gives as `name` and `value` for a header of the
    /// pair alone, or its error, without building the whole cookie. For a
    /// reader that takes the attributes from elsewhere (the audit memoizes
    /// them).
    ///
    /// # Errors
    ///
    /// A control character, a pair without `=`, an empty name: as `parse`.
    #[inline]
    pub fn parse_pair(header: &'h str) -> Result<(&'h str, &'h str), HeaderError> {
        if let Some(pair) = plain_pair(header) {
            return Ok(pair);
        }
        check_controls(Header::SetCookie, header)?;
        name_value(pieces(header).next())
    }

    /// Whether this header deletes its cookie at `now`: `Max-Age` ≤ 0, or (without
    /// `Max-Age`, which takes precedence) an `Expires` at or before `now`.
    pub fn is_deletion(&self, now: OffsetDateTime) -> bool {
        match (self.max_age, self.expires) {
            (Some(n), _) => n <= 0,
            (None, Some(t)) => t <= now,
            (None, None) => false,
        }
    }

    /// How long the cookie lives from `now`, in seconds: `Max-Age`, else the time
    /// to `Expires`, never below zero; `None` for a session cookie.
    pub fn lifetime_seconds(&self, now: OffsetDateTime) -> Option<i64> {
        match (self.max_age, self.expires) {
            (Some(n), _) => Some(n.max(0)),
            (None, Some(t)) => Some(
                t.unix_timestamp()
                    .saturating_sub(now.unix_timestamp())
                    .max(0),
            ),
            (None, None) => None,
        }
    }
}

/// Writes the header value back: `name=value`, then `Max-Age`, `Expires`
/// (IMF-fixdate), `Domain`, `Path`, `Secure`, `HttpOnly`, `SameSite`,
/// `Partitioned`, those that are set.
impl fmt::Display for SetCookie<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Pieces written as they are (no format strings): a layer that shortens
        // a kept cookie's lifetime writes the header again on every request.
        let mut buf = [0u8; 20];
        for s in [self.name, "=", self.value] {
            f.write_str(s)?;
        }
        if let Some(n) = self.max_age {
            f.write_str("; Max-Age=")?;
            f.write_str(crate::text::decimal(n, &mut buf))?;
        }
        if let Some(t) = self.expires {
            f.write_str("; Expires=")?;
            f.write_str(&format_http_date(t))?;
        }
        if let Some(d) = &self.domain {
            // Parsing drops one leading dot (RFC 6265 §5.2.3), so a domain that
            // still starts with one (from `Domain=..example`), or with the
            // whitespace that followed it (`Domain=. example`, which a bare
            // `Domain=` would trim), is written with the dot it lost, and reads
            // back the same.
            let dot = if d.starts_with(['.', ' ', '\t']) {
                "."
            } else {
                ""
            };
            for s in ["; Domain=", dot, d] {
                f.write_str(s)?;
            }
        }
        if let Some(p) = self.path {
            f.write_str("; Path=")?;
            f.write_str(p)?;
        }
        if self.secure {
            f.write_str("; Secure")?;
        }
        if self.http_only {
            f.write_str("; HttpOnly")?;
        }
        if let Some(s) = self.same_site {
            f.write_str("; SameSite=")?;
            f.write_str(s.as_str())?;
        }
        if self.partitioned {
            f.write_str("; Partitioned")?;
        }
        Ok(())
    }
}

/// The attributes [`SetCookie::parse`] reads.
#[derive(Clone, Copy)]
enum Attribute {
    MaxAge,
    Expires,
    Domain,
    Path,
    Secure,
    HttpOnly,
    Partitioned,
    SameSite,
}

impl Attribute {
    const ALL: [Attribute; 8] = [
        Attribute::MaxAge,
        Attribute::Expires,
        Attribute::Domain,
        Attribute::Path,
        Attribute::Secure,
        Attribute::HttpOnly,
        Attribute::Partitioned,
        Attribute::SameSite,
    ];

    const fn name(self) -> &'static str {
        match self {
            Attribute::MaxAge => "Max-Age",
            Attribute::Expires => "Expires",
            Attribute::Domain => "Domain",
            Attribute::Path => "Path",
            Attribute::Secure => "Secure",
            Attribute::HttpOnly => "HttpOnly",
            Attribute::Partitioned => "Partitioned",
            Attribute::SameSite => "SameSite",
        }
    }
}

/// The name (not empty) and the value of a header's first piece, each trimmed
/// of whitespace; an error at the piece's offset.
#[inline]
fn name_value(first: Option<(usize, &str)>) -> Result<(&str, &str), HeaderError> {
    let (at, pair) = first.unwrap_or((0, ""));
    let err = |kind| Err(HeaderError::new(Header::SetCookie, kind, None, at));
    let Some((name, value)) = split_at_equals(pair) else {
        return err(HeaderErrorKind::MissingEquals);
    };
    let name = trim_wsp(name);
    if name.is_empty() {
        return err(HeaderErrorKind::EmptyName);
    }
    Ok((name, trim_wsp(value)))
}

fn parse_max_age(v: &str) -> Option<i64> {
    let (negative, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Browsers cap a huge Max-Age rather than reject the cookie: saturate likewise.
    // A negative one accumulates downwards, so that `i64::MIN` reads back exactly.
    Some(digits.bytes().fold(0i64, |n, b| {
        let d = i64::from(b - b'0');
        let n = n.saturating_mul(10);
        if negative {
            n.saturating_sub(d)
        } else {
            n.saturating_add(d)
        }
    }))
}

fn domain_attribute(v: &str) -> Option<Cow<'_, str>> {
    let d = v.strip_prefix('.').unwrap_or(v);
    if d.is_empty() {
        None
    } else if d.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Cow::Owned(d.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(d))
    }
}
