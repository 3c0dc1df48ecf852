//! Errors and the one table of result codes the C and Python layers map from.

use core::fmt;

use crate::policy::Policy;

/// Every result code samtykke reports, across all layers.
///
/// This enum is the single source of the numbers the C library returns and of the
/// Python exception each maps to. Numbers are grouped by range and never reused:
/// `0` success, `1xx` arguments and buffers, `2xx` policies, `3xx` consent cookies,
/// `4xx` consent states, `5xx` logs and I/O.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
#[non_exhaustive]
pub enum Code {
    /// Success.
    Ok = 0,
    /// A required pointer or argument was missing (NULL).
    NullArgument = 100,
    /// An output buffer is too small; the needed length was reported.
    BufferTooSmall = 101,
    /// An enum value or argument is out of range.
    InvalidArgument = 102,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 103,
    /// An internal failure was caught at the boundary (a bug in samtykke).
    Panic = 104,
    /// A time value is out of the supported range.
    InvalidTime = 105,
    /// The `schema` field names no schema this version reads.
    PolicyUnknownSchema = 200,
    /// The policy is not well-formed JSON.
    PolicyMalformedJson = 201,
    /// A required field is missing or empty (R6).
    PolicyMissingField = 202,
    /// A field has the wrong JSON type.
    PolicyWrongType = 203,
    /// A field holds a value outside its vocabulary, or an unknown field appears.
    PolicyUnknownValue = 204,
    /// Two categories or providers share an id.
    PolicyDuplicateId = 205,
    /// Two categories or providers share a slot.
    PolicyDuplicateSlot = 206,
    /// A slot is out of range.
    PolicySlotOutOfRange = 207,
    /// A declaration names a category the policy does not declare.
    PolicyUnknownCategory = 208,
    /// A declaration names a provider the policy does not declare.
    PolicyUnknownProvider = 209,
    /// A basis other than `exempt` or `consent` (R5).
    PolicyBasisNotAllowed = 210,
    /// The policy declares no `necessary` category (R4).
    PolicyNecessaryMissing = 211,
    /// `necessary` is declared refusable (R4).
    PolicyNecessaryRefusable = 212,
    /// A category other than `necessary` is declared exempt.
    PolicyExemptNotNecessary = 213,
    /// `gpc_refuses` names an unknown or exempt category.
    PolicyGpcCategory = 214,
    /// More categories than [`crate::MAX_CATEGORIES`].
    PolicyTooManyCategories = 215,
    /// More providers than [`crate::MAX_PROVIDERS`].
    PolicyTooManyProviders = 216,
    /// A lifetime of zero or over [`crate::MAX_TTL_DAYS`] days.
    PolicyTtlOutOfRange = 217,
    /// A duration of zero.
    PolicyNonPositiveDuration = 218,
    /// A revision, notice version or `changed_in_revision` out of range.
    PolicyRevisionOutOfRange = 219,
    /// Two declarations of the same kind share a name.
    PolicyDuplicateDeclaration = 220,
    /// Too many declarations, or an index buffer shorter than the storage list.
    PolicyTooManyDeclarations = 221,
    /// The consent cookie has the wrong version tag.
    CookieVersion = 300,
    /// The consent cookie is not valid base64url.
    CookieEncoding = 301,
    /// The consent cookie is truncated or its fields are inconsistent.
    CookieMalformed = 302,
    /// A site key was given but the cookie carries no tag.
    CookieUnsigned = 303,
    /// The cookie's tag does not verify under the site key.
    CookieBadSignature = 304,
    /// The cookie is longer than any cookie samtykke writes.
    CookieTooLong = 305,
    /// A consent state's bytes are not a state samtykke wrote.
    StateInvalid = 400,
    /// A consent state belongs to another policy (its fingerprint differs).
    StatePolicyMismatch = 401,
    /// A name or id is unknown to the policy.
    UnknownName = 402,
    /// A log line is not valid.
    LogInvalid = 500,
    /// A file could not be read.
    Io = 501,
    /// A header value could not be parsed.
    HeaderInvalid = 502,
    /// A proof record could not be read.
    ProofInvalid = 503,
}

impl Code {
    /// A one-line English explanation of the code.
    pub const fn message(self) -> &'static str {
        match self {
            Code::Ok => "success",
            Code::NullArgument => "a required argument was NULL",
            Code::BufferTooSmall => {
                "the output buffer is too small; the needed length was reported"
            }
            Code::InvalidArgument => "an argument is out of range",
            Code::InvalidUtf8 => "a string argument is not valid UTF-8",
            Code::Panic => "an internal error was caught at the library boundary",
            Code::InvalidTime => "a time is out of the supported range",
            Code::PolicyUnknownSchema => "the policy names an unknown schema",
            Code::PolicyMalformedJson => "the policy is not well-formed JSON",
            Code::PolicyMissingField => "a required policy field is missing or empty",
            Code::PolicyWrongType => "a policy field has the wrong type",
            Code::PolicyUnknownValue => "a policy field has an unknown value",
            Code::PolicyDuplicateId => "two policy entries share an id",
            Code::PolicyDuplicateSlot => "two policy entries share a slot",
            Code::PolicySlotOutOfRange => "a slot is out of range",
            Code::PolicyUnknownCategory => "a declaration names an unknown category",
            Code::PolicyUnknownProvider => "a declaration names an unknown provider",
            Code::PolicyBasisNotAllowed => "a category's basis must be exempt or consent",
            Code::PolicyNecessaryMissing => "the policy declares no necessary category",
            Code::PolicyNecessaryRefusable => "the necessary category must be exempt",
            Code::PolicyExemptNotNecessary => "only the necessary category may be exempt",
            Code::PolicyGpcCategory => "gpc_refuses must name consent categories",
            Code::PolicyTooManyCategories => "the policy declares too many categories",
            Code::PolicyTooManyProviders => "the policy declares too many providers",
            Code::PolicyTtlOutOfRange => "a lifetime is zero or too long",
            Code::PolicyNonPositiveDuration => "a duration must be positive",
            Code::PolicyRevisionOutOfRange => "a revision or notice version is out of range",
            Code::PolicyDuplicateDeclaration => "two declarations share a name and kind",
            Code::PolicyTooManyDeclarations => "the policy declares too many storage items",
            Code::CookieVersion => "the consent cookie has an unknown version",
            Code::CookieEncoding => "the consent cookie is not valid base64url",
            Code::CookieMalformed => "the consent cookie is malformed",
            Code::CookieUnsigned => "the consent cookie is not signed",
            Code::CookieBadSignature => "the consent cookie's signature does not verify",
            Code::CookieTooLong => "the consent cookie is too long",
            Code::StateInvalid => "the consent state is invalid",
            Code::StatePolicyMismatch => "the consent state belongs to another policy",
            Code::UnknownName => "the name is unknown to the policy",
            Code::LogInvalid => "a consent-log line is invalid",
            Code::Io => "a file could not be read",
            Code::HeaderInvalid => "a header value is invalid",
            Code::ProofInvalid => "a proof record is invalid",
        }
    }

    /// Every code, in numeric order (for bindings that build their tables from it).
    pub const ALL: &'static [Code] = &[
        Code::Ok,
        Code::NullArgument,
        Code::BufferTooSmall,
        Code::InvalidArgument,
        Code::InvalidUtf8,
        Code::Panic,
        Code::InvalidTime,
        Code::PolicyUnknownSchema,
        Code::PolicyMalformedJson,
        Code::PolicyMissingField,
        Code::PolicyWrongType,
        Code::PolicyUnknownValue,
        Code::PolicyDuplicateId,
        Code::PolicyDuplicateSlot,
        Code::PolicySlotOutOfRange,
        Code::PolicyUnknownCategory,
        Code::PolicyUnknownProvider,
        Code::PolicyBasisNotAllowed,
        Code::PolicyNecessaryMissing,
        Code::PolicyNecessaryRefusable,
        Code::PolicyExemptNotNecessary,
        Code::PolicyGpcCategory,
        Code::PolicyTooManyCategories,
        Code::PolicyTooManyProviders,
        Code::PolicyTtlOutOfRange,
        Code::PolicyNonPositiveDuration,
        Code::PolicyRevisionOutOfRange,
        Code::PolicyDuplicateDeclaration,
        Code::PolicyTooManyDeclarations,
        Code::CookieVersion,
        Code::CookieEncoding,
        Code::CookieMalformed,
        Code::CookieUnsigned,
        Code::CookieBadSignature,
        Code::CookieTooLong,
        Code::StateInvalid,
        Code::StatePolicyMismatch,
        Code::UnknownName,
        Code::LogInvalid,
        Code::Io,
        Code::HeaderInvalid,
        Code::ProofInvalid,
    ];

    /// The code for a number, if it is one.
    pub fn from_u32(n: u32) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| *c as u32 == n)
    }
}

/// A field of a policy document, as named in its JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum Field {
    Schema,
    Site,
    Revision,
    NoticeVersion,
    Controller,
    ConsentCookie,
    ConsentTtlDays,
    RefusalTtlDays,
    ProofRetentionDays,
    GpcRefuses,
    Categories,
    Providers,
    Storage,
    Id,
    Basis,
    Slot,
    ChangedInRevision,
    Label,
    Description,
    Name,
    Party,
    Domains,
    PrivacyPolicy,
    Kind,
    Provider,
    Category,
    Purpose,
    Duration,
    Domain,
    Path,
    Justification,
    Contact,
    En,
    Da,
}

impl Field {
    /// The field's JSON name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::Schema => "schema",
            Field::Site => "site",
            Field::Revision => "revision",
            Field::NoticeVersion => "notice_version",
            Field::Controller => "controller",
            Field::ConsentCookie => "consent_cookie",
            Field::ConsentTtlDays => "consent_ttl_days",
            Field::RefusalTtlDays => "refusal_ttl_days",
            Field::ProofRetentionDays => "proof_retention_days",
            Field::GpcRefuses => "gpc_refuses",
            Field::Categories => "categories",
            Field::Providers => "providers",
            Field::Storage => "storage",
            Field::Id => "id",
            Field::Basis => "basis",
            Field::Slot => "slot",
            Field::ChangedInRevision => "changed_in_revision",
            Field::Label => "label",
            Field::Description => "description",
            Field::Name => "name",
            Field::Party => "party",
            Field::Domains => "domains",
            Field::PrivacyPolicy => "privacy_policy",
            Field::Kind => "kind",
            Field::Provider => "provider",
            Field::Category => "category",
            Field::Purpose => "purpose",
            Field::Duration => "duration",
            Field::Domain => "domain",
            Field::Path => "path",
            Field::Justification => "justification",
            Field::Contact => "contact",
            Field::En => "en",
            Field::Da => "da",
        }
    }
}

/// Where in a policy an error or warning points: a list item by index and a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// A top-level field (`consent_ttl_days`).
    Policy(Field),
    /// A field of `categories[i]`.
    Category(u16, Field),
    /// A field of `providers[i]`.
    Provider(u16, Field),
    /// A field of `storage[i]`.
    Storage(u16, Field),
    /// The item `gpc_refuses[i]`.
    GpcRefuses(u16),
    /// A position in the JSON text (1-based line and column).
    Text {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Location::Policy(field) => f.write_str(field.as_str()),
            Location::Category(i, field) => write!(f, "categories[{i}].{}", field.as_str()),
            Location::Provider(i, field) => write!(f, "providers[{i}].{}", field.as_str()),
            Location::Storage(i, field) => write!(f, "storage[{i}].{}", field.as_str()),
            Location::GpcRefuses(i) => write!(f, "gpc_refuses[{i}]"),
            Location::Text { line, column } => write!(f, "line {line} column {column}"),
        }
    }
}

/// What is wrong with a policy, with the values involved.
///
/// Displays without its place (`must be between 1 and 3650 days, not 0`); a
/// [`PolicyError`] adds the place, and [`PolicyError::message`] the names of the
/// policy's items. All three come from one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// The `schema` field is not `samtykke/policy/1`.
    #[error("{}", PolicyMessage::of_kind(*self))]
    UnknownSchema,
    /// The text is not well-formed JSON.
    #[error("{}", PolicyMessage::of_kind(*self))]
    MalformedJson,
    /// A required field is missing or empty (R6).
    #[error("{}", PolicyMessage::of_kind(*self))]
    MissingField,
    /// A field has the wrong JSON type; the type expected.
    #[error("{}", PolicyMessage::of_kind(*self))]
    WrongType(&'static str),
    /// A field's value is not in its vocabulary; what is expected.
    #[error("{}", PolicyMessage::of_kind(*self))]
    UnknownValue(&'static str),
    /// An id is declared twice; the index is the earlier item's.
    #[error("{}", PolicyMessage::of_kind(*self))]
    DuplicateId(u16),
    /// A slot is used twice.
    #[error("{}", PolicyMessage::of_kind(*self))]
    DuplicateSlot {
        /// The slot.
        slot: u8,
        /// The index of the earlier item using it.
        first: u16,
    },
    /// A slot at or over the limit of its list (or negative); the slot given.
    #[error("{}", PolicyMessage::of_kind(*self))]
    SlotOutOfRange(i64),
    /// A reference to a category that is not declared.
    #[error("{}", PolicyMessage::of_kind(*self))]
    UnknownCategory,
    /// A reference to a provider that is not declared.
    #[error("{}", PolicyMessage::of_kind(*self))]
    UnknownProvider,
    /// A basis other than `exempt` or `consent` (R5).
    #[error("{}", PolicyMessage::of_kind(*self))]
    BasisNotAllowed,
    /// No category has the id `necessary` (R4).
    #[error("{}", PolicyMessage::of_kind(*self))]
    NecessaryMissing,
    /// `necessary` has basis `consent` (R4).
    #[error("{}", PolicyMessage::of_kind(*self))]
    NecessaryRefusable,
    /// A category other than `necessary` has basis `exempt`.
    #[error("{}", PolicyMessage::of_kind(*self))]
    ExemptNotNecessary,
    /// `gpc_refuses` names a category that does not exist.
    #[error("{}", PolicyMessage::of_kind(*self))]
    GpcUnknownCategory,
    /// `gpc_refuses` names the exempt category.
    #[error("{}", PolicyMessage::of_kind(*self))]
    GpcExempt,
    /// More categories than [`crate::MAX_CATEGORIES`]; how many are declared.
    #[error("{}", PolicyMessage::of_kind(*self))]
    TooManyCategories(usize),
    /// More providers than [`crate::MAX_PROVIDERS`]; how many are declared.
    #[error("{}", PolicyMessage::of_kind(*self))]
    TooManyProviders(usize),
    /// A lifetime of zero or over [`crate::MAX_TTL_DAYS`] days; the days given.
    #[error("{}", PolicyMessage::of_kind(*self))]
    TtlOutOfRange(i64),
    /// A duration of zero (or less).
    #[error("{}", PolicyMessage::of_kind(*self))]
    NonPositiveDuration,
    /// A revision, notice version or `changed_in_revision` of zero or over the
    /// field's maximum ([`crate::rules::version_max`]); the number given.
    #[error("{}", PolicyMessage::of_kind(*self))]
    VersionOutOfRange(i64),
    /// `changed_in_revision` is later than the policy's revision.
    #[error("{}", PolicyMessage::of_kind(*self))]
    ChangedAfterRevision {
        /// The category's `changed_in_revision`.
        changed: u32,
        /// The policy's revision.
        revision: u32,
    },
    /// A declaration repeats an earlier one's kind and name; the earlier's index.
    #[error("{}", PolicyMessage::of_kind(*self))]
    DuplicateDeclaration(u16),
    /// More declarations than the index can hold.
    #[error("{}", PolicyMessage::of_kind(*self))]
    TooManyDeclarations,
}

impl PolicyErrorKind {
    /// The result code of this error.
    pub const fn code(self) -> Code {
        match self {
            PolicyErrorKind::UnknownSchema => Code::PolicyUnknownSchema,
            PolicyErrorKind::MalformedJson => Code::PolicyMalformedJson,
            PolicyErrorKind::MissingField => Code::PolicyMissingField,
            PolicyErrorKind::WrongType(_) => Code::PolicyWrongType,
            PolicyErrorKind::UnknownValue(_) => Code::PolicyUnknownValue,
            PolicyErrorKind::DuplicateId(_) => Code::PolicyDuplicateId,
            PolicyErrorKind::DuplicateSlot { .. } => Code::PolicyDuplicateSlot,
            PolicyErrorKind::SlotOutOfRange(_) => Code::PolicySlotOutOfRange,
            PolicyErrorKind::UnknownCategory => Code::PolicyUnknownCategory,
            PolicyErrorKind::UnknownProvider => Code::PolicyUnknownProvider,
            PolicyErrorKind::BasisNotAllowed => Code::PolicyBasisNotAllowed,
            PolicyErrorKind::NecessaryMissing => Code::PolicyNecessaryMissing,
            PolicyErrorKind::NecessaryRefusable => Code::PolicyNecessaryRefusable,
            PolicyErrorKind::ExemptNotNecessary => Code::PolicyExemptNotNecessary,
            PolicyErrorKind::GpcUnknownCategory | PolicyErrorKind::GpcExempt => {
                Code::PolicyGpcCategory
            }
            PolicyErrorKind::TooManyCategories(_) => Code::PolicyTooManyCategories,
            PolicyErrorKind::TooManyProviders(_) => Code::PolicyTooManyProviders,
            PolicyErrorKind::TtlOutOfRange(_) => Code::PolicyTtlOutOfRange,
            PolicyErrorKind::NonPositiveDuration => Code::PolicyNonPositiveDuration,
            PolicyErrorKind::VersionOutOfRange(_)
            | PolicyErrorKind::ChangedAfterRevision { .. } => Code::PolicyRevisionOutOfRange,
            PolicyErrorKind::DuplicateDeclaration(_) => Code::PolicyDuplicateDeclaration,
            PolicyErrorKind::TooManyDeclarations => Code::PolicyTooManyDeclarations,
        }
    }
}

/// A policy that cannot be used: what is wrong and where.
///
/// Displays as `storage[3].duration: duration must be positive`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{at}: {}", self.message(None))]
pub struct PolicyError {
    /// What is wrong.
    pub kind: PolicyErrorKind,
    /// Where it is.
    pub at: Location,
}

impl PolicyError {
    /// An error of `kind` at `at`.
    pub const fn new(kind: PolicyErrorKind, at: Location) -> Self {
        PolicyError { kind, at }
    }

    /// The result code of this error.
    pub const fn code(&self) -> Code {
        self.kind.code()
    }

    /// What is wrong in words, without the place: with `policy` (the one whose
    /// validation failed) the words name its items (`id "functional" is already
    /// used by categories[1]`).
    pub const fn message<'e>(&'e self, policy: Option<&'e Policy<'e>>) -> PolicyMessage<'e> {
        PolicyMessage {
            kind: self.kind,
            at: Some(self.at),
            policy,
        }
    }
}

/// What a [`PolicyError`] says, rendered by its `Display`; see
/// [`PolicyError::message`].
#[derive(Clone, Copy, Debug)]
pub struct PolicyMessage<'e> {
    kind: PolicyErrorKind,
    at: Option<Location>,
    policy: Option<&'e Policy<'e>>,
}

impl PolicyMessage<'_> {
    const fn of_kind(kind: PolicyErrorKind) -> PolicyMessage<'static> {
        PolicyMessage {
            kind,
            at: None,
            policy: None,
        }
    }
}

const R6: &str =
    "every declaration needs a name, kind, provider, category, purpose and duration (R6)";

impl fmt::Display for PolicyMessage<'_> {
    /// The one table of policy error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PolicyErrorKind as K;
        let (field, item) = match self.at {
            Some(
                Location::Policy(field)
                | Location::Category(_, field)
                | Location::Provider(_, field)
                | Location::Storage(_, field),
            ) => (Some(field), self.at),
            _ => (None, self.at),
        };
        let name = field.map_or("the field", Field::as_str);
        let policy = self.policy;
        let category = |i: u16| policy.and_then(|p| p.categories.get(usize::from(i)));
        let list = match item {
            Some(Location::Category(..)) => "categories",
            Some(Location::Provider(..)) => "providers",
            Some(Location::GpcRefuses(_)) => "gpc_refuses",
            _ => "the list",
        };
        match self.kind {
            K::UnknownSchema => {
                write!(f, "unknown schema; expected \"{}\"", crate::POLICY_SCHEMA)
            }
            K::MalformedJson => f.write_str("malformed JSON"),
            K::MissingField => match item {
                Some(Location::Storage(_, Field::Purpose)) => {
                    f.write_str("purpose needs a text in English or Danish (R6)")
                }
                Some(Location::Storage(..)) => write!(f, "\"{name}\" must not be empty: {R6}"),
                Some(_) => write!(f, "\"{name}\" must not be empty"),
                None => f.write_str("a required field is missing or empty"),
            },
            K::WrongType(t) => write!(f, "wrong type: expected {t}"),
            K::UnknownValue(t) => write!(f, "unknown value: expected {t}"),
            K::DuplicateId(first) => {
                let id = match item {
                    Some(Location::Category(i, _)) => category(i).map(|c| c.id),
                    Some(Location::Provider(i, _)) => {
                        policy.and_then(|p| p.providers.get(usize::from(i)).map(|p| p.id))
                    }
                    _ => None,
                };
                match id {
                    Some(id) => write!(f, "id \"{id}\" is already used by {list}[{first}]"),
                    None => write!(f, "the id is already used by {list}[{first}]"),
                }
            }
            K::DuplicateSlot { slot, first } => {
                write!(f, "slot {slot} is already used by {list}[{first}]")
            }
            K::SlotOutOfRange(slot) => {
                let (what, limit) = match item {
                    Some(Location::Provider(..)) => ("provider", crate::PROVIDER_SLOTS),
                    _ => ("category", crate::CATEGORY_SLOTS),
                };
                write!(
                    f,
                    "slot {slot} is out of range: {what} slots are 0 to {}",
                    limit - 1
                )
            }
            K::UnknownCategory => f.write_str("names no declared category"),
            K::UnknownProvider => f.write_str("names no declared provider"),
            K::BasisNotAllowed => f.write_str(
                "a category's basis is \"exempt\" or \"consent\", and legitimate interest is no basis for cookies (R5)",
            ),
            K::NecessaryMissing => write!(
                f,
                "the policy must declare the exempt category \"{}\" (R4)",
                crate::NECESSARY
            ),
            K::NecessaryRefusable => write!(
                f,
                "\"{}\" must have basis \"exempt\": necessary storage cannot be refused (R4)",
                crate::NECESSARY
            ),
            K::ExemptNotNecessary => {
                let id = match item {
                    Some(Location::Category(i, _)) => category(i).map(|c| c.id),
                    _ => None,
                };
                write!(f, "only \"{}\" may be exempt; ", crate::NECESSARY)?;
                match id {
                    Some(id) => write!(f, "\"{id}\" needs basis \"consent\" (R4)"),
                    None => f.write_str("other categories need basis \"consent\" (R4)"),
                }
            }
            K::GpcUnknownCategory => f.write_str("gpc_refuses names no declared category"),
            K::GpcExempt => write!(
                f,
                "gpc_refuses names the exempt category \"{}\"; a signal can refuse consent categories only (R4, R22)",
                crate::NECESSARY
            ),
            K::TooManyCategories(n) => write!(
                f,
                "{n} categories declared; a policy holds at most {}",
                crate::MAX_CATEGORIES
            ),
            K::TooManyProviders(n) => write!(
                f,
                "{n} providers declared; a policy holds at most {}",
                crate::MAX_PROVIDERS
            ),
            K::TtlOutOfRange(days) => write!(
                f,
                "{} must be between 1 and {} days, not {days}",
                field.map_or("a lifetime", Field::as_str),
                crate::MAX_TTL_DAYS
            ),
            K::NonPositiveDuration => f.write_str("duration must be positive"),
            K::VersionOutOfRange(n) => write!(
                f,
                "{} must be between 1 and {}, not {n}",
                field.map_or("a revision", Field::as_str),
                field.map_or(u32::MAX, crate::rules::version_max)
            ),
            K::ChangedAfterRevision { changed, revision } => write!(
                f,
                "changed_in_revision {changed} is later than the policy's revision {revision}"
            ),
            K::DuplicateDeclaration(first) => {
                let d = match item {
                    Some(Location::Storage(i, _)) => {
                        policy.and_then(|p| p.storage.get(usize::from(i)))
                    }
                    _ => None,
                };
                match d {
                    Some(d) => write!(
                        f,
                        "{} \"{}\" is already declared at storage[{first}]",
                        d.kind.as_str(),
                        d.name
                    ),
                    None => write!(
                        f,
                        "the same name and kind are already declared at storage[{first}]"
                    ),
                }
            }
            K::TooManyDeclarations => write!(
                f,
                "too many storage items (a policy holds at most {}), or an index buffer shorter than the storage list",
                crate::MAX_DECLARATIONS
            ),
        }
    }
}
