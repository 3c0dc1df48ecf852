//! Errors and the one table of result codes the C and Python layers map from.

use core::fmt;

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

/// What is wrong with a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// The `schema` field is not `samtykke/policy/1`.
    #[error("unknown schema; expected \"samtykke/policy/1\"")]
    UnknownSchema,
    /// The text is not well-formed JSON.
    #[error("malformed JSON")]
    MalformedJson,
    /// A required field is missing or empty (R6).
    #[error("required field is missing or empty")]
    MissingField,
    /// A field has the wrong JSON type.
    #[error("wrong type: expected {0}")]
    WrongType(&'static str),
    /// A field's value is not in its vocabulary.
    #[error("unknown value: expected {0}")]
    UnknownValue(&'static str),
    /// An id is declared twice; the index is the earlier item's.
    #[error("duplicate id (first declared at index {0})")]
    DuplicateId(u16),
    /// A slot is used twice; the index is the earlier item's.
    #[error("duplicate slot (first used at index {0})")]
    DuplicateSlot(u16),
    /// A slot is at or over the limit.
    #[error("slot out of range: must be below {0}")]
    SlotOutOfRange(u16),
    /// A reference to a category that is not declared.
    #[error("names no declared category")]
    UnknownCategory,
    /// A reference to a provider that is not declared.
    #[error("names no declared provider")]
    UnknownProvider,
    /// A basis other than `exempt` or `consent` (R5).
    #[error(
        "basis must be \"exempt\" or \"consent\": legitimate interest is no basis for cookies"
    )]
    BasisNotAllowed,
    /// No category has the id `necessary` (R4).
    #[error("the policy must declare the exempt category \"necessary\"")]
    NecessaryMissing,
    /// `necessary` has basis `consent` (R4).
    #[error("\"necessary\" must have basis \"exempt\": necessary storage cannot be refused")]
    NecessaryRefusable,
    /// A category other than `necessary` has basis `exempt`.
    #[error("only \"necessary\" may be exempt; other categories need consent")]
    ExemptNotNecessary,
    /// `gpc_refuses` names a category that does not exist.
    #[error("gpc_refuses names no declared category")]
    GpcUnknownCategory,
    /// `gpc_refuses` names the exempt category.
    #[error("gpc_refuses may name consent categories only, not the exempt one")]
    GpcExempt,
    /// More categories than the capacity.
    #[error("too many categories: at most {0}")]
    TooManyCategories(u16),
    /// More providers than the capacity.
    #[error("too many providers: at most {0}")]
    TooManyProviders(u16),
    /// A lifetime of zero or too many days.
    #[error("must be between 1 and {0} days")]
    TtlOutOfRange(u16),
    /// A duration of zero.
    #[error("duration must be positive")]
    NonPositiveDuration,
    /// A revision or notice version of zero.
    #[error("must be at least 1")]
    ZeroRevision,
    /// `changed_in_revision` is later than the policy's revision.
    #[error("changed_in_revision is later than the policy's revision")]
    ChangedAfterRevision,
    /// A declaration repeats an earlier one's kind and name.
    #[error("duplicate declaration of the same name and kind (first at storage[{0}])")]
    DuplicateDeclaration(u16),
    /// More declarations than the index can hold.
    #[error("too many storage declarations, or index buffer shorter than the storage list")]
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
            PolicyErrorKind::DuplicateSlot(_) => Code::PolicyDuplicateSlot,
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
            PolicyErrorKind::ZeroRevision | PolicyErrorKind::ChangedAfterRevision => {
                Code::PolicyRevisionOutOfRange
            }
            PolicyErrorKind::DuplicateDeclaration(_) => Code::PolicyDuplicateDeclaration,
            PolicyErrorKind::TooManyDeclarations => Code::PolicyTooManyDeclarations,
        }
    }
}

/// A policy that cannot be used: what is wrong and where.
///
/// Displays as `storage[3].duration: duration must be positive`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{at}: {kind}")]
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
}
