//! Errors and the one table of result codes the C and Python layers map from.

use core::fmt;

use crate::consent_mode::ConsentModeType;
use crate::policy::Policy;

/// Declares [`Code`] from one list: each code's number, stable name and message.
macro_rules! codes {
    (
        $(#[$meta:meta])*
        pub enum Code {
            $( $(#[$vmeta:meta])* $variant:ident = $number:literal => $name:literal, $message:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$vmeta])* $variant = $number, )+
        }

        impl Code {
            /// Every code, in numeric order (for bindings that build their tables
            /// from it).
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// A one-line English explanation of the code.
            pub const fn message(self) -> &'static str {
                match self {
                    $(Code::$variant => $message,)+
                }
            }

            /// The code's stable snake_case name (`policy_duplicate_id`), the one a
            /// conformance table and logs use.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)+
                }
            }
        }
    };
}

codes! {
    /// Every result code samtykke reports, across all layers.
    ///
    /// This enum is the single source of the numbers the C library returns and of the
    /// Python exception each maps to. Numbers are grouped by range and never reused:
    /// `0` success, `1xx` arguments and buffers, `2xx` policies, `3xx` consent cookies,
    /// `4xx` consent states, `5xx` logs and I/O, `6xx` the IAB's consent strings.
    pub enum Code {
    /// Success.
    Ok = 0 => "ok", "success";
    /// A required pointer or argument was missing (NULL).
    NullArgument = 100 => "null_argument", "a required argument was NULL";
    /// An output buffer is too small; the needed length was reported.
    BufferTooSmall = 101 => "buffer_too_small", "the output buffer is too small; the needed length was reported";
    /// An enum value or argument is out of range.
    InvalidArgument = 102 => "invalid_argument", "an argument is out of range";
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 103 => "invalid_utf8", "a string argument is not valid UTF-8";
    /// An internal failure was caught at the boundary (a bug in samtykke).
    Panic = 104 => "panic", "an internal error was caught at the library boundary";
    /// A time value is out of the supported range.
    InvalidTime = 105 => "invalid_time", "a time is out of the supported range";
    /// The `schema` field names no schema this version reads.
    PolicyUnknownSchema = 200 => "policy_unknown_schema", "the policy names an unknown schema";
    /// The policy is not well-formed JSON.
    PolicyMalformedJson = 201 => "policy_malformed_json", "the policy is not well-formed JSON";
    /// A required field is missing or empty (R6).
    PolicyMissingField = 202 => "policy_missing_field", "a required policy field is missing or empty";
    /// A field has the wrong JSON type.
    PolicyWrongType = 203 => "policy_wrong_type", "a policy field has the wrong type";
    /// A field holds a value outside its vocabulary, or an unknown field appears.
    PolicyUnknownValue = 204 => "policy_unknown_value", "a policy field has an unknown value";
    /// Two categories or providers share an id.
    PolicyDuplicateId = 205 => "policy_duplicate_id", "two policy entries share an id";
    /// Two categories or providers share a slot.
    PolicyDuplicateSlot = 206 => "policy_duplicate_slot", "two policy entries share a slot";
    /// A slot is out of range.
    PolicySlotOutOfRange = 207 => "policy_slot_out_of_range", "a slot is out of range";
    /// A declaration names a category the policy does not declare.
    PolicyUnknownCategory = 208 => "policy_unknown_category", "a declaration names an unknown category";
    /// A declaration names a provider the policy does not declare.
    PolicyUnknownProvider = 209 => "policy_unknown_provider", "a declaration names an unknown provider";
    /// A basis other than `exempt` or `consent` (R5).
    PolicyBasisNotAllowed = 210 => "policy_basis_not_allowed", "a category's basis must be exempt or consent";
    /// The policy declares no `necessary` category (R4).
    PolicyNecessaryMissing = 211 => "policy_necessary_missing", "the policy declares no necessary category";
    /// `necessary` is declared refusable (R4).
    PolicyNecessaryRefusable = 212 => "policy_necessary_refusable", "the necessary category must be exempt";
    /// A category other than `necessary` is declared exempt.
    PolicyExemptNotNecessary = 213 => "policy_exempt_not_necessary", "only the necessary category may be exempt";
    /// `gpc_refuses` names an unknown or exempt category.
    PolicyGpcCategory = 214 => "policy_gpc_category", "gpc_refuses must name consent categories";
    /// More categories than [`crate::MAX_CATEGORIES`].
    PolicyTooManyCategories = 215 => "policy_too_many_categories", "the policy declares too many categories";
    /// More providers than [`crate::MAX_PROVIDERS`].
    PolicyTooManyProviders = 216 => "policy_too_many_providers", "the policy declares too many providers";
    /// A lifetime of zero or over [`crate::MAX_TTL_DAYS`] days.
    PolicyTtlOutOfRange = 217 => "policy_ttl_out_of_range", "a lifetime is zero or too long";
    /// A duration of zero.
    PolicyNonPositiveDuration = 218 => "policy_non_positive_duration", "a duration must be positive";
    /// A revision, notice version or `changed_in_revision` out of range.
    PolicyRevisionOutOfRange = 219 => "policy_revision_out_of_range", "a revision or notice version is out of range";
    /// Two declarations of the same kind share a name.
    PolicyDuplicateDeclaration = 220 => "policy_duplicate_declaration", "two declarations share a name and kind";
    /// Too many declarations, or an index buffer shorter than the storage list.
    PolicyTooManyDeclarations = 221 => "policy_too_many_declarations", "the policy declares too many storage items";
    /// `consent_mode` maps a type other than `security_storage` to the exempt
    /// category (SPEC §16).
    PolicyConsentModeExempt = 222 => "policy_consent_mode_exempt", "only security_storage may follow the exempt category in consent_mode";
    /// The consent cookie has the wrong version tag.
    CookieVersion = 300 => "cookie_version", "the consent cookie has an unknown version";
    /// The consent cookie is not valid base64url.
    CookieEncoding = 301 => "cookie_encoding", "the consent cookie is not valid base64url";
    /// The consent cookie is truncated or its fields are inconsistent.
    CookieMalformed = 302 => "cookie_malformed", "the consent cookie is malformed";
    /// A site key was given but the cookie carries no tag.
    CookieUnsigned = 303 => "cookie_unsigned", "the consent cookie is not signed";
    /// The cookie's tag does not verify under the site key.
    CookieBadSignature = 304 => "cookie_bad_signature", "the consent cookie's signature does not verify";
    /// The cookie is longer than any cookie samtykke writes.
    CookieTooLong = 305 => "cookie_too_long", "the consent cookie is too long";
    /// A consent state's bytes are not a state samtykke wrote.
    StateInvalid = 400 => "state_invalid", "the consent state is invalid";
    /// A consent state belongs to another policy (its fingerprint differs).
    StatePolicyMismatch = 401 => "state_policy_mismatch", "the consent state belongs to another policy";
    /// A name or id is unknown to the policy.
    UnknownName = 402 => "unknown_name", "the name is unknown to the policy";
    /// A log line is not valid.
    LogInvalid = 500 => "log_invalid", "a consent-log line is invalid";
    /// A file could not be read.
    Io = 501 => "io", "a file could not be read";
    /// A header value could not be parsed.
    HeaderInvalid = 502 => "header_invalid", "a header value is invalid";
    /// A proof record could not be read.
    ProofInvalid = 503 => "proof_invalid", "a proof record is invalid";
    /// A key file holds no site key, or one shorter than 32 bytes.
    KeyFileInvalid = 504 => "key_file_invalid", "a key file holds no site key of 32 bytes or more";
    /// A decision's form asks for no decision a form can take (SPEC §15).
    FormInvalid = 505 => "form_invalid", "a decision's form is invalid";
    /// An IAB TCF TC string could not be decoded (SPEC §16).
    TcfInvalid = 600 => "tcf_invalid", "a TC string is invalid";
    /// An IAB GPP string could not be decoded (SPEC §16).
    GppInvalid = 601 => "gpp_invalid", "a GPP string is invalid";
    }
}

impl Code {
    /// The code for a number, if it is one.
    pub fn from_u32(n: u32) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| *c as u32 == n)
    }

    /// The code with the stable name `name` ([`Code::as_str`]).
    pub fn parse(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::vocabulary! {
    /// A field of a policy document, as named in its JSON.
    #[non_exhaustive]
    pub enum Field ("field") {
        /// `schema`.
        Schema = 0 => "schema",
        /// `site`.
        Site = 1 => "site",
        /// `revision`.
        Revision = 2 => "revision",
        /// `notice_version`.
        NoticeVersion = 3 => "notice_version",
        /// `controller`.
        Controller = 4 => "controller",
        /// `consent_cookie`.
        ConsentCookie = 5 => "consent_cookie",
        /// `consent_ttl_days`.
        ConsentTtlDays = 6 => "consent_ttl_days",
        /// `refusal_ttl_days`.
        RefusalTtlDays = 7 => "refusal_ttl_days",
        /// `proof_retention_days`.
        ProofRetentionDays = 8 => "proof_retention_days",
        /// `gpc_refuses`.
        GpcRefuses = 9 => "gpc_refuses",
        /// `categories`.
        Categories = 10 => "categories",
        /// `providers`.
        Providers = 11 => "providers",
        /// `storage`.
        Storage = 12 => "storage",
        /// `id`.
        Id = 13 => "id",
        /// `basis`.
        Basis = 14 => "basis",
        /// `slot`.
        Slot = 15 => "slot",
        /// `changed_in_revision`.
        ChangedInRevision = 16 => "changed_in_revision",
        /// `label`.
        Label = 17 => "label",
        /// `description`.
        Description = 18 => "description",
        /// `name`.
        Name = 19 => "name",
        /// `party`.
        Party = 20 => "party",
        /// `domains`.
        Domains = 21 => "domains",
        /// `privacy_policy`.
        PrivacyPolicy = 22 => "privacy_policy",
        /// `kind`.
        Kind = 23 => "kind",
        /// `provider`.
        Provider = 24 => "provider",
        /// `category`.
        Category = 25 => "category",
        /// `purpose`.
        Purpose = 26 => "purpose",
        /// `duration`.
        Duration = 27 => "duration",
        /// `domain`.
        Domain = 28 => "domain",
        /// `path`.
        Path = 29 => "path",
        /// `justification`.
        Justification = 30 => "justification",
        /// `contact`.
        Contact = 31 => "contact",
        /// `en`.
        En = 32 => "en",
        /// `da`.
        Da = 33 => "da",
        /// `consent_mode` (SPEC §16).
        ConsentMode = 34 => "consent_mode",
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
    /// The type's entry of `consent_mode` (`consent_mode.ad_storage`).
    ConsentMode(ConsentModeType),
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
            Location::ConsentMode(ty) => write!(f, "{}.{ty}", Field::ConsentMode.as_str()),
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
    /// `consent_mode` maps a type other than `security_storage` to the exempt
    /// category (SPEC §16).
    #[error("{}", PolicyMessage::of_kind(*self))]
    ConsentModeExempt,
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
            PolicyErrorKind::ConsentModeExempt => Code::PolicyConsentModeExempt,
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

/// The rule a declaration's missing or empty field breaks (R6), in the words
/// every message about it uses.
pub const DECLARATION_FIELDS: &str =
    "every declaration needs a name, kind, provider, category, purpose and duration (R6)";
const R6: &str = DECLARATION_FIELDS;

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
            K::ConsentModeExempt => {
                let ty = match item {
                    Some(Location::ConsentMode(ty)) => ty.as_str(),
                    _ => "this type",
                };
                write!(
                    f,
                    "{ty} may not follow the exempt category \"{}\": only {} may; map it to a consent category (SPEC §16)",
                    crate::NECESSARY,
                    ConsentModeType::SecurityStorage
                )
            }
            K::TooManyDeclarations => write!(
                f,
                "too many storage items (a policy holds at most {}), or an index buffer shorter than the storage list",
                crate::MAX_DECLARATIONS
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn each_code_has_one_stable_snake_case_name() {
        // Written out here, not derived: a conformance table depends on them.
        for (code, name) in [
            (Code::Ok, "ok"),
            (Code::InvalidArgument, "invalid_argument"),
            (Code::PolicyDuplicateId, "policy_duplicate_id"),
            (Code::PolicyTtlOutOfRange, "policy_ttl_out_of_range"),
            (Code::CookieBadSignature, "cookie_bad_signature"),
            (Code::StatePolicyMismatch, "state_policy_mismatch"),
            (Code::Io, "io"),
        ] {
            assert_eq!(code.as_str(), name);
            assert_eq!(Code::parse(name), Some(code));
        }
        for (i, a) in Code::ALL.iter().enumerate() {
            assert!(a
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
            for b in &Code::ALL[..i] {
                assert_ne!(a.as_str(), b.as_str());
                assert!((*b as u32) < (*a as u32), "ALL is in numeric order");
            }
        }
        assert_eq!(Code::ALL.len(), 47);
    }
}
