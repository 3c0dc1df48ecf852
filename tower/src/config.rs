//! The layer's configuration, built once and shared by every request.

use std::fmt;
use std::sync::Arc;

use samtykke::CookieKey;
use samtykke_host::declare::Lang;
use samtykke_host::keys::KeyFileError;
use samtykke_host::OwnedPolicy;
use time::OffsetDateTime;

use crate::sink::{NoSink, Sink};
use crate::ConsentLayer;

/// When the consent cookie and the deletions carry `Secure`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Secure {
    /// When the request came over HTTPS as far as the server can tell: the URI's
    /// scheme where it has one (HTTP/2, an absolute URI), else what a proxy
    /// reports (`Forwarded: proto=…`, `X-Forwarded-Proto`). An HTTP/1.1 request
    /// carries no scheme, over TLS or not, so a server that terminates TLS
    /// itself and speaks HTTP/1.1 sets [`Secure::Always`]: without a word of
    /// HTTPS, `Auto` leaves `Secure` off (SPEC §15: only over HTTPS).
    #[default]
    Auto,
    /// Always: the site is served over HTTPS only.
    Always,
    /// Never: plain HTTP, such as a development server on `127.0.0.1`.
    Never,
}

pub(crate) type Clock = dyn Fn() -> OffsetDateTime + Send + Sync;
pub(crate) type Ids = dyn Fn() -> u128 + Send + Sync;

/// What every request shares: the policy, the keys, the sink.
pub(crate) struct Shared {
    pub(crate) policy: OwnedPolicy,
    pub(crate) keys: Vec<CookieKey>,
    pub(crate) secure: Secure,
    pub(crate) sink: Arc<dyn Sink>,
    pub(crate) clock: Arc<Clock>,
    pub(crate) ids: Arc<Ids>,
    pub(crate) max_cookie_header: usize,
    pub(crate) endpoint: String,
    pub(crate) default_lang: Lang,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No key material.
        f.debug_struct("Shared")
            .field("site", &self.policy.view().policy().site)
            .field("keys", &self.keys.len())
            .field("secure", &self.secure)
            .field("max_cookie_header", &self.max_cookie_header)
            .field("endpoint", &self.endpoint)
            .field("default_lang", &self.default_lang)
            .finish_non_exhaustive()
    }
}

/// Why a [`Config`] is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A site key (signing or verifying) shorter than
    /// [`MIN_KEY_LEN`](samtykke_host::keys::MIN_KEY_LEN) bytes: HMAC-SHA-256 needs
    /// 32 random bytes to resist guessing, as the key files the command line,
    /// C and PHP read.
    KeyTooShort {
        /// The key's length in bytes.
        len: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The words of the key rule everywhere (host's `site_key`).
            ConfigError::KeyTooShort { len } => KeyFileError::TooShort {
                line: None,
                len: *len,
            }
            .fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A site key of at least [`MIN_KEY_LEN`](samtykke_host::keys::MIN_KEY_LEN) bytes.
fn site_key(key: &[u8]) -> Result<CookieKey, ConfigError> {
    samtykke_host::keys::site_key(key)
        .map(CookieKey::new)
        .map_err(|_| ConfigError::KeyTooShort { len: key.len() })
}

/// The layer's configuration: the policy, the site key, and optional settings.
///
/// ```
/// use samtykke_host::OwnedPolicy;
/// use samtykke_tower::{Config, Secure};
///
/// let policy = OwnedPolicy::load("../examples/kk.dk.policy.json").unwrap();
/// let layer = Config::new(policy, b"the site key, 32 bytes or longer")?
///     .verify_also(b"last year's key, still verifying")?
///     .secure(Secure::Always)
///     .layer();
/// # let _ = layer;
/// # Ok::<(), samtykke_tower::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct Config {
    shared: Shared,
}

/// The most bytes of `Cookie` headers read per request (the sum over all of
/// them): 16 KiB, above what browsers send for one site. A request over it is read
/// as a new visitor with no cookies.
pub const MAX_COOKIE_HEADER: usize = 16 * 1024;

impl Config {
    /// A configuration for `policy`, signing (and verifying) consent cookies with
    /// `signing_key` (HMAC-SHA-256: 32 random bytes or more, from a secret
    /// store; [`samtykke_host::keys::read_site_keys`] reads a key file).
    /// Defaults: [`Secure::Auto`], no sink, the system clock, random consent ids
    /// from the operating system, the endpoint at `/consent`, Danish where the
    /// request names no language.
    ///
    /// # Errors
    ///
    /// [`ConfigError::KeyTooShort`] for a key under
    /// [`MIN_KEY_LEN`](samtykke_host::keys::MIN_KEY_LEN) bytes.
    pub fn new(policy: OwnedPolicy, signing_key: &[u8]) -> Result<Config, ConfigError> {
        let key = site_key(signing_key)?;
        Ok(Config {
            shared: Shared {
                policy,
                keys: vec![key],
                secure: Secure::Auto,
                sink: Arc::new(NoSink),
                clock: Arc::new(OffsetDateTime::now_utc),
                ids: Arc::new(random_id),
                max_cookie_header: MAX_COOKIE_HEADER,
                endpoint: "/consent".to_owned(),
                default_lang: Lang::Da,
            },
        })
    }

    /// Also accepts consent cookies signed with `key` (an earlier key, during key
    /// rotation). Cookies verified by it are re-issued signed with the signing key.
    ///
    /// # Errors
    ///
    /// [`ConfigError::KeyTooShort`] for a key under
    /// [`MIN_KEY_LEN`](samtykke_host::keys::MIN_KEY_LEN) bytes.
    pub fn verify_also(mut self, key: &[u8]) -> Result<Config, ConfigError> {
        self.shared.keys.push(site_key(key)?);
        Ok(self)
    }

    /// When cookies carry `Secure` (default [`Secure::Auto`]).
    pub fn secure(mut self, secure: Secure) -> Config {
        self.shared.secure = secure;
        self
    }

    /// Where proof records and the site's consent log go (default: nowhere).
    pub fn sink(mut self, sink: impl Sink) -> Config {
        self.shared.sink = Arc::new(sink);
        self
    }

    /// The clock (default: [`OffsetDateTime::now_utc`]); tests set their own.
    /// Times are taken in whole seconds.
    pub fn clock(mut self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Config {
        self.shared.clock = Arc::new(clock);
        self
    }

    /// Where new visitors' consent ids come from (default: 128 random bits from
    /// the operating system); tests set their own.
    pub fn consent_ids(mut self, ids: impl Fn() -> u128 + Send + Sync + 'static) -> Config {
        self.shared.ids = Arc::new(ids);
        self
    }

    /// The most bytes of `Cookie` headers read per request (default
    /// [`MAX_COOKIE_HEADER`]).
    pub fn max_cookie_header(mut self, bytes: usize) -> Config {
        self.shared.max_cookie_header = bytes;
        self
    }

    /// The path the [`ConsentEndpoint`](crate::ConsentEndpoint) is routed at, which
    /// the banner's forms post to (default `/consent`).
    pub fn endpoint_path(mut self, path: &str) -> Config {
        self.shared.endpoint = path.to_owned();
        self
    }

    /// The language of pages for a request that names none (default Danish).
    pub fn default_lang(mut self, lang: Lang) -> Config {
        self.shared.default_lang = lang;
        self
    }

    /// The layer.
    pub fn layer(self) -> ConsentLayer {
        ConsentLayer {
            shared: Arc::new(self.shared),
        }
    }
}

/// 128 random bits from the operating system. If it has none to give (it always
/// has, on the systems a web server runs on), the time's nanoseconds and the
/// process id stand in rather than failing the request.
fn random_id() -> u128 {
    let mut b = [0u8; 16];
    match getrandom::fill(&mut b) {
        Ok(()) => u128::from_le_bytes(b),
        Err(_) => {
            let t = OffsetDateTime::now_utc().unix_timestamp_nanos() as u128;
            t ^ (u128::from(std::process::id()) << 96)
        }
    }
}
