//! The policy document (JSON, schema `samtykke/policy/1`, SPEC §3) loaded into an
//! [`OwnedPolicy`] that owns its strings and lends the core its borrowed view.
//!
//! The loader walks the document itself rather than deriving `Deserialize`, so that
//! every error names its JSON path (`storage[3].duration`, `categories[1].label.da`)
//! and says what is wrong in words a policy author can act on. It checks what only
//! the JSON has (types, unknown or repeated fields, references by id, defaults); the
//! core checks every rule of the policy itself ([`samtykke::rules`] for single
//! values read from wider JSON integers, [`Policy::validate_with`] for the rest),
//! its [`samtykke::Location`] becomes the same kind of path and its table
//! ([`PolicyError::message`]) gives the words.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use samtykke::{
    rules, Basis, Category, Code, ConsentCookie, ConsentModeMap, ConsentModeType, Controller,
    Declaration, Duration, Field, Kind, Location, Party, Policy, PolicyError, PolicyErrorKind,
    PolicyErrorKind as K, Provider, Text, ValidPolicy,
};
use self_cell::self_cell;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The schema this version reads, the value of the document's `schema` field.
pub const SCHEMA: &str = samtykke::POLICY_SCHEMA;

/// Default `proof_retention_days` (R19): three years.
pub const DEFAULT_PROOF_RETENTION_DAYS: u16 = 1095;

// ---------------------------------------------------------------------------
// Errors

/// What kind of failure a [`PolicyLoadError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The document breaks a rule of SPEC §3; the core's kind gives its code.
    Policy(PolicyErrorKind),
    /// The file could not be read.
    Io(std::io::ErrorKind),
}

/// Why a policy document could not be loaded: what is wrong and where.
///
/// Displays as `storage[3].duration: duration must be positive`; a document read by
/// [`OwnedPolicy::load`] is prefixed with its file (`site.json: storage[3]…`), and an
/// I/O failure reads `site.json: cannot read the policy: …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyLoadError {
    kind: LoadErrorKind,
    path: String,
    message: String,
    file: Option<PathBuf>,
}

impl PolicyLoadError {
    fn new(kind: PolicyErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        let path = path.into();
        PolicyLoadError {
            kind: LoadErrorKind::Policy(kind),
            path: if path.is_empty() { "$".into() } else { path },
            message: message.into(),
            file: None,
        }
    }

    fn io(file: &Path, e: &std::io::Error) -> Self {
        PolicyLoadError {
            kind: LoadErrorKind::Io(e.kind()),
            path: file.display().to_string(),
            message: format!("cannot read the policy: {e}"),
            file: Some(file.to_path_buf()),
        }
    }

    /// Whether the document is invalid or the file unreadable.
    pub fn kind(&self) -> LoadErrorKind {
        self.kind
    }

    /// The core's kind of the broken rule, unless this is an I/O error.
    pub fn policy_kind(&self) -> Option<PolicyErrorKind> {
        match self.kind {
            LoadErrorKind::Policy(k) => Some(k),
            LoadErrorKind::Io(_) => None,
        }
    }

    /// The result code: the core's [`PolicyErrorKind::code`], or [`Code::Io`].
    pub fn code(&self) -> Code {
        match self.kind {
            LoadErrorKind::Policy(k) => k.code(),
            LoadErrorKind::Io(_) => Code::Io,
        }
    }

    /// Where the error is: a JSON path (`storage[3].duration`, `gpc_refuses[0]`,
    /// `$` for the document itself), a text position (`line 4 column 7`) for
    /// malformed JSON, or the file for an I/O error.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong, in words (without the path).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The file the document was read from, for errors of [`OwnedPolicy::load`].
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
}

impl fmt::Display for PolicyLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.file) {
            (LoadErrorKind::Policy(_), Some(file)) => {
                write!(f, "{}: {}: {}", file.display(), self.path, self.message)
            }
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for PolicyLoadError {}

type Result<T, E = PolicyLoadError> = std::result::Result<T, E>;

fn err<T>(kind: PolicyErrorKind, path: impl Into<String>, message: impl Into<String>) -> Result<T> {
    Err(PolicyLoadError::new(kind, path, message))
}

// ---------------------------------------------------------------------------
// The JSON tree

/// A parsed JSON value that, unlike `serde_json::Value`, keeps an object's fields
/// in order and keeps repeated keys, so the walk can report them by path.
#[derive(Debug)]
enum Node {
    Null,
    Bool,
    Int(i128),
    /// Any other number; `huge`: a whole one past 64 bits (serde_json reads
    /// integers past `u64` as floats), which no field's range holds.
    Float {
        huge: bool,
    },
    Str(String),
    Arr(Vec<Node>),
    Obj(Vec<(String, Node)>),
}

impl Node {
    fn describe(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool => "a boolean",
            Node::Float { huge: true } => "a number too large to read (past 64 bits)",
            Node::Int(_) | Node::Float { .. } => "a number",
            Node::Str(_) => "a string",
            Node::Arr(_) => "an array",
            Node::Obj(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Bool)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Int(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                // Integer digits past `u64` (or below `i64`) come here as
                // floats; a float written as one (`1e19`, `9.3e18`) within
                // them is a float, which an integer field refuses as such.
                Ok(Node::Float {
                    huge: v.fract() == 0.0 && (v <= -(2f64.powi(63)) || v >= 2f64.powi(64)),
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Arr(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Node>()? {
                    fields.push(entry);
                }
                Ok(Node::Obj(fields))
            }
        }
        d.deserialize_any(V)
    }
}

/// Where a JSON error lies, line and column from 1. serde_json counts a
/// line's columns from 1 but says column 0 when the text ends at a line's
/// start; the error is then at column 1.
pub(crate) fn position(e: &serde_json::Error) -> (usize, usize) {
    (e.line(), e.column().max(1))
}

fn parse(json: &[u8]) -> Result<Node> {
    // Editors on some systems save UTF-8 with a byte-order mark; it is not JSON, but
    // it is not the author's mistake either.
    let json = json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json);
    serde_json::from_slice(json).map_err(|e| {
        let (line, column) = position(&e);
        let at = format!("line {line} column {column}");
        let full = e.to_string();
        let message = full
            .strip_suffix(&format!(" at line {} column {}", e.line(), e.column()))
            .unwrap_or(&full)
            .to_owned();
        PolicyLoadError::new(K::MalformedJson, at, format!("malformed JSON: {message}"))
    })
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_owned()
    } else {
        format!("{base}.{key}")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// An object of the document, checked for unknown and repeated fields.
struct Obj<'n> {
    path: String,
    fields: &'n [(String, Node)],
}

impl<'n> Obj<'n> {
    fn new(node: &'n Node, path: String, allowed: &[&str]) -> Result<Obj<'n>> {
        let Node::Obj(fields) = node else {
            return err(
                K::WrongType("an object"),
                path,
                format!("expected an object, found {}", node.describe()),
            );
        };
        let mut seen = HashSet::with_capacity(fields.len());
        for (key, _) in fields {
            if !allowed.contains(&key.as_str()) {
                return err(
                    K::UnknownValue("a known field"),
                    join(&path, key),
                    format!(
                        "unknown field \"{key}\"; expected one of: {}",
                        allowed.join(", ")
                    ),
                );
            }
            if !seen.insert(key.as_str()) {
                return err(
                    K::MalformedJson,
                    join(&path, key),
                    format!("field \"{key}\" appears more than once"),
                );
            }
        }
        Ok(Obj { path, fields })
    }

    /// The field `key`; an explicit `null` counts as absent.
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Node::Null))
    }

    fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn required(&self, key: &str, why: &str) -> Result<&'n Node> {
        match self.get(key) {
            Some(node) => Ok(node),
            None => err(
                K::MissingField,
                self.at(key),
                format!("missing \"{key}\"{}", because(why)),
            ),
        }
    }

    fn opt_str(&self, key: &str) -> Result<Option<&'n str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Node::Str(s)) => Ok(Some(s)),
            Some(other) => err(
                K::WrongType("a string"),
                self.at(key),
                format!("expected a string, found {}", other.describe()),
            ),
        }
    }

    /// A required, non-empty string.
    fn str(&self, key: &str, why: &str) -> Result<&'n str> {
        self.required(key, why)?;
        match self.opt_str(key)? {
            Some("") => err(
                K::MissingField,
                self.at(key),
                format!("\"{key}\" must not be empty{}", because(why)),
            ),
            s => Ok(s.unwrap_or_default()),
        }
    }

    /// An optional string that, when given, is not empty.
    fn opt_nonempty(&self, key: &str) -> Result<Option<&'n str>> {
        match self.opt_str(key)? {
            Some("") => err(
                K::MissingField,
                self.at(key),
                format!("\"{key}\" must not be empty; leave it out instead"),
            ),
            s => Ok(s),
        }
    }

    fn opt_int(&self, key: &str) -> Result<Option<i128>> {
        self.get(key).map(|n| int(n, self.at(key))).transpose()
    }

    fn opt_arr(&self, key: &str) -> Result<Option<&'n [Node]>> {
        match self.get(key) {
            None => Ok(None),
            Some(Node::Arr(items)) => Ok(Some(items)),
            Some(other) => err(
                K::WrongType("an array"),
                self.at(key),
                format!("expected an array, found {}", other.describe()),
            ),
        }
    }

    fn text(&self, key: &str) -> Result<RawText> {
        let Some(node) = self.get(key) else {
            return Ok(RawText::default());
        };
        let path = self.at(key);
        if !matches!(node, Node::Obj(_)) {
            return err(
                K::WrongType("an object such as {\"en\": …, \"da\": …}"),
                path,
                format!(
                    "expected an object of texts such as {{\"en\": \"…\", \"da\": \"…\"}}, found {}",
                    node.describe()
                ),
            );
        }
        let o = Obj::new(node, path, &["en", "da"])?;
        Ok(RawText {
            en: o.opt_str("en")?.unwrap_or_default().to_owned(),
            da: o.opt_str("da")?.unwrap_or_default().to_owned(),
        })
    }
}

fn int(node: &Node, path: String) -> Result<i128> {
    match node {
        Node::Int(n) => Ok(*n),
        other => err(
            K::WrongType("an integer"),
            path,
            format!("expected an integer, found {}", other.describe()),
        ),
    }
}

/// A JSON integer checked by the core's rule on 64-bit numbers: one past them
/// is checked as the nearest (so one too large stays too large), and its
/// error quotes the number given.
fn ranged<T>(
    n: i128,
    check: impl FnOnce(i64) -> std::result::Result<T, PolicyErrorKind>,
    at: Location,
) -> Result<T> {
    let near = n.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    rule(check(near), at).map_err(|mut e| {
        if i128::from(near) != n {
            e.message = e.message.replace(&near.to_string(), &n.to_string());
        }
        e
    })
}

/// A value checked by the core's rule, its error placed at `at`.
fn rule<T>(checked: Result<T, PolicyErrorKind>, at: Location) -> Result<T> {
    checked.map_err(|kind| from_core(PolicyError::new(kind, at), None, &[]))
}

fn ttl(o: &Obj<'_>, field: Field) -> Result<Option<u16>> {
    o.opt_int(field.as_str())?
        .map(|n| ranged(n, rules::ttl_days, Location::Policy(field)))
        .transpose()
}

fn version(o: &Obj<'_>, field: Field, at: Location) -> Result<Option<u32>> {
    o.opt_int(field.as_str())?
        .map(|n| ranged(n, |n| rules::version(field, n), at))
        .transpose()
}

fn list<'n>(o: &Obj<'n>, key: &str) -> Result<&'n [Node]> {
    Ok(o.opt_arr(key)?.unwrap_or_default())
}

// ---------------------------------------------------------------------------
// The owned document

#[derive(Clone, Debug, Default)]
struct RawText {
    en: String,
    da: String,
}

impl RawText {
    fn view(&self) -> Text<'_> {
        Text {
            en: &self.en,
            da: &self.da,
        }
    }
}

impl RawProvider {
    fn view(&self) -> Provider<'_> {
        Provider {
            id: &self.id,
            name: &self.name,
            party: self.party,
            slot: self.slot,
            domains: &self.joined,
            privacy_policy: &self.privacy_policy,
        }
    }
}

impl RawCategory {
    fn view(&self) -> Category<'_> {
        Category {
            id: &self.id,
            basis: self.basis,
            slot: self.slot,
            changed_in_revision: self.changed_in_revision,
            gpc_refuses: self.gpc_refuses,
            label: self.label.view(),
            description: self.description.view(),
        }
    }
}

#[derive(Debug)]
struct RawCategory {
    id: String,
    basis: Basis,
    slot: u8,
    changed_in_revision: u32,
    gpc_refuses: bool,
    label: RawText,
    description: RawText,
}

#[derive(Debug)]
struct RawProvider {
    id: String,
    name: String,
    party: Party,
    slot: u8,
    domains: Vec<String>,
    /// `domains` joined by spaces, the form the core keeps.
    joined: String,
    privacy_policy: String,
}

#[derive(Debug)]
struct RawDeclaration {
    name: String,
    kind: Kind,
    provider: u8,
    category: u8,
    purpose: RawText,
    duration: Duration,
    domain: Option<String>,
    path: Option<String>,
    justification: String,
}

/// The document with every default applied and every reference resolved, owning
/// its strings.
#[derive(Debug)]
struct Raw {
    site: String,
    revision: u32,
    notice_version: u16,
    controller_name: String,
    controller_contact: String,
    cookie_name: String,
    cookie_domain: Option<String>,
    consent_ttl_days: u16,
    refusal_ttl_days: u16,
    proof_retention_days: u16,
    gpc_refuses: Vec<String>,
    categories: Vec<RawCategory>,
    providers: Vec<RawProvider>,
    storage: Vec<RawDeclaration>,
    consent_mode: ConsentModeMap,
    source: Option<PathBuf>,
}

/// The core's records, borrowing the strings of [`Raw`].
#[derive(Debug)]
struct Lists<'a> {
    categories: Vec<Category<'a>>,
    providers: Vec<Provider<'a>>,
    storage: Vec<Declaration<'a>>,
}

self_cell!(
    struct Document {
        owner: Raw,
        #[covariant]
        dependent: Lists,
    }
    impl {Debug}
);

type Valid<'a> = ValidPolicy<'a, Vec<u16>>;

self_cell!(
    struct Cell {
        owner: Document,
        #[covariant]
        dependent: Valid,
    }
    impl {Debug}
);

/// A policy loaded from its JSON document: it owns its data and lends the core the
/// [`ValidPolicy`] every state operation takes.
///
/// Immutable once loaded, `Send` and `Sync`: share it across threads behind an
/// `Arc` (the C handle and the Python object do).
///
/// ```
/// use samtykke_host::OwnedPolicy;
///
/// let json = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../examples/kk.dk.policy.json"
/// ))
/// .unwrap();
/// let policy = OwnedPolicy::from_json(&json).unwrap();
/// let view = policy.view();
/// assert_eq!(view.policy().site, "kk.dk");
/// assert!(view.lookup(samtykke::Kind::Cookie, "nmstat").is_some());
/// ```
#[derive(Debug)]
pub struct OwnedPolicy {
    cell: Cell,
}

// C handles and Python objects share one policy across threads.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<OwnedPolicy>();
};

impl OwnedPolicy {
    /// Loads a policy from its JSON text.
    ///
    /// # Errors
    ///
    /// The first rule of SPEC §3 the document breaks, with its JSON path.
    pub fn from_json(json: &str) -> Result<OwnedPolicy> {
        OwnedPolicy::from_slice(json.as_bytes())
    }

    /// Loads a policy from JSON bytes (UTF-8, an optional byte-order mark allowed).
    ///
    /// # Errors
    ///
    /// As [`OwnedPolicy::from_json`]; bytes that are not UTF-8 are malformed JSON.
    pub fn from_slice(json: &[u8]) -> Result<OwnedPolicy> {
        let raw = read(&parse(json)?)?;
        OwnedPolicy::assemble(raw)
    }

    /// Loads a policy from a file, remembering the path (see [`OwnedPolicy::source`]).
    ///
    /// # Errors
    ///
    /// An unreadable file is an error of kind [`LoadErrorKind::Io`] naming the
    /// path; a broken document as [`OwnedPolicy::from_json`], with
    /// [`PolicyLoadError::file`] set.
    pub fn load(path: impl AsRef<Path>) -> Result<OwnedPolicy> {
        let path = path.as_ref();
        let with_file = |mut e: PolicyLoadError| {
            e.file = Some(path.to_path_buf());
            e
        };
        let bytes = std::fs::read(path).map_err(|e| PolicyLoadError::io(path, &e))?;
        let mut raw = read(&parse(&bytes).map_err(with_file)?).map_err(with_file)?;
        raw.source = Some(path.to_path_buf());
        OwnedPolicy::assemble(raw).map_err(with_file)
    }

    fn assemble(raw: Raw) -> Result<OwnedPolicy> {
        let document = Document::new(raw, |raw| Lists {
            categories: raw.categories.iter().map(RawCategory::view).collect(),
            providers: raw.providers.iter().map(RawProvider::view).collect(),
            storage: raw
                .storage
                .iter()
                .map(|d| Declaration {
                    name: &d.name,
                    kind: d.kind,
                    provider: d.provider,
                    category: d.category,
                    purpose: d.purpose.view(),
                    duration: d.duration,
                    domain: d.domain.as_deref(),
                    path: d.path.as_deref(),
                    justification: &d.justification,
                })
                .collect(),
        });
        let cell = Cell::try_new(document, |document| {
            let raw = document.borrow_owner();
            let lists = document.borrow_dependent();
            let policy = Policy {
                site: &raw.site,
                revision: raw.revision,
                notice_version: raw.notice_version,
                controller: Controller {
                    name: &raw.controller_name,
                    contact: &raw.controller_contact,
                },
                consent_cookie: ConsentCookie {
                    name: &raw.cookie_name,
                    domain: raw.cookie_domain.as_deref(),
                },
                consent_ttl_days: raw.consent_ttl_days,
                refusal_ttl_days: raw.refusal_ttl_days,
                proof_retention_days: raw.proof_retention_days,
                categories: &lists.categories,
                providers: &lists.providers,
                storage: &lists.storage,
                consent_mode: raw.consent_mode,
            };
            policy
                .validate_with(vec![0u16; lists.storage.len()])
                .map_err(|e| from_core(e, Some(&policy), &raw.gpc_refuses))
        })?;
        Ok(OwnedPolicy { cell })
    }

    /// The validated policy every state operation takes; O(1).
    #[inline]
    pub fn view(&self) -> ValidPolicy<'_> {
        self.cell.borrow_dependent().view()
    }

    fn raw(&self) -> &Raw {
        self.cell.borrow_owner().borrow_owner()
    }

    /// The data controller (`controller`; empty strings where not given).
    pub fn controller(&self) -> Controller<'_> {
        self.view().policy().controller
    }

    /// The `domains` of the provider at `index` (in document order), as listed.
    /// `None` when there is no such provider.
    pub fn provider_domains(&self, index: usize) -> Option<&[String]> {
        self.raw()
            .providers
            .get(index)
            .map(|p| p.domains.as_slice())
    }

    /// The category ids `gpc_refuses` names, in document order (R22).
    pub fn gpc_refuses(&self) -> &[String] {
        &self.raw().gpc_refuses
    }

    /// The file the policy was loaded from, if it came from [`OwnedPolicy::load`].
    pub fn source(&self) -> Option<&Path> {
        self.raw().source.as_deref()
    }
}

impl std::str::FromStr for OwnedPolicy {
    type Err = PolicyLoadError;
    fn from_str(json: &str) -> Result<OwnedPolicy> {
        OwnedPolicy::from_json(json)
    }
}

// ---------------------------------------------------------------------------
// The walk

const TOP: &[&str] = &[
    "schema",
    "site",
    "revision",
    "notice_version",
    "controller",
    "consent_cookie",
    "consent_ttl_days",
    "refusal_ttl_days",
    "proof_retention_days",
    "gpc_refuses",
    "categories",
    "providers",
    "storage",
    "consent_mode",
];
const CATEGORY: &[&str] = &[
    "id",
    "basis",
    "slot",
    "changed_in_revision",
    "label",
    "description",
];
const PROVIDER: &[&str] = &["id", "name", "party", "slot", "domains", "privacy_policy"];
const DECLARATION: &[&str] = &[
    "name",
    "kind",
    "provider",
    "category",
    "purpose",
    "duration",
    "domain",
    "path",
    "justification",
];
const R6: &str = samtykke::DECLARATION_FIELDS;

/// `": why"`, or nothing when there is no why to give.
fn because(why: &str) -> String {
    if why.is_empty() {
        String::new()
    } else {
        format!(": {why}")
    }
}

fn read(root: &Node) -> Result<Raw> {
    let Node::Obj(fields) = root else {
        return err(
            K::WrongType("an object"),
            "",
            format!(
                "a policy document is a JSON object, found {}",
                root.describe()
            ),
        );
    };
    // The schema comes first: a document of another schema is expected to have
    // fields this version does not know, and the schema is the error to report.
    match fields.iter().find(|(k, _)| k == "schema").map(|(_, v)| v) {
        Some(Node::Str(s)) if s == SCHEMA => {}
        Some(Node::Str(s)) => {
            return err(
                K::UnknownSchema,
                "schema",
                format!("unknown schema \"{s}\"; this version reads \"{SCHEMA}\""),
            )
        }
        None | Some(Node::Null) => {
            return err(
                K::MissingField,
                "schema",
                format!("missing \"schema\"; expected \"{SCHEMA}\""),
            )
        }
        Some(other) => {
            return err(
                K::WrongType("a string"),
                "schema",
                format!(
                    "expected the string \"{SCHEMA}\", found {}",
                    other.describe()
                ),
            )
        }
    }
    let top = Obj::new(root, String::new(), TOP)?;

    let site = top.str("site", "")?.to_owned();
    top.required("revision", "")?;
    let at = |field| Location::Policy(field);
    let revision = version(&top, Field::Revision, at(Field::Revision))?.unwrap_or(1);
    let notice_version =
        version(&top, Field::NoticeVersion, at(Field::NoticeVersion))?.unwrap_or(1) as u16;

    let (controller_name, controller_contact) = match top.get("controller") {
        None => (String::new(), String::new()),
        Some(node) => {
            let o = Obj::new(node, top.at("controller"), &["name", "contact"])?;
            (
                o.opt_str("name")?.unwrap_or_default().to_owned(),
                o.opt_str("contact")?.unwrap_or_default().to_owned(),
            )
        }
    };

    let cookie = Obj::new(
        top.required("consent_cookie", "")?,
        top.at("consent_cookie"),
        &["name", "domain"],
    )?;
    let cookie_name = cookie.str("name", "")?.to_owned();
    let cookie_domain = cookie.opt_nonempty("domain")?.map(str::to_owned);

    top.required("consent_ttl_days", "")?;
    let consent_ttl_days = ttl(&top, Field::ConsentTtlDays)?.unwrap_or_default();
    let refusal_ttl_days = ttl(&top, Field::RefusalTtlDays)?.unwrap_or(consent_ttl_days);
    let proof_retention_days =
        ttl(&top, Field::ProofRetentionDays)?.unwrap_or(DEFAULT_PROOF_RETENTION_DAYS);

    top.required(
        "categories",
        "a policy declares at least the exempt category \"necessary\"",
    )?;
    let mut categories = list(&top, "categories")?
        .iter()
        .enumerate()
        .map(|(i, node)| read_category(node, format!("categories[{i}]"), i))
        .collect::<Result<Vec<_>>>()?;
    let mut gpc_refuses = Vec::new();
    for (i, node) in top
        .opt_arr("gpc_refuses")?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let path = format!("gpc_refuses[{i}]");
        let Node::Str(id) = node else {
            return err(
                K::WrongType("a string"),
                path,
                format!("expected a category id, found {}", node.describe()),
            );
        };
        let Some(c) = categories.iter_mut().find(|c| &c.id == id) else {
            return err(
                K::GpcUnknownCategory,
                path,
                format!("gpc_refuses names \"{id}\", which is no declared category"),
            );
        };
        if c.gpc_refuses {
            return err(
                K::DuplicateId(gpc_refuses.iter().position(|g| g == id).unwrap_or(0) as u16),
                path,
                format!("gpc_refuses names \"{id}\" twice"),
            );
        }
        c.gpc_refuses = true;
        gpc_refuses.push(id.clone());
    }

    // The categories' and providers' rules come before references to them are resolved, so
    // that a repeated or missing category is reported as such, not as an
    // unknown reference.
    let views: Vec<Category<'_>> = categories.iter().map(RawCategory::view).collect();
    rules::categories(&views, revision)
        .map_err(|e| from_core(e, Some(&lists_only(&views, &[], revision)), &gpc_refuses))?;

    let providers = list(&top, "providers")?
        .iter()
        .enumerate()
        .map(|(i, node)| read_provider(node, format!("providers[{i}]"), i))
        .collect::<Result<Vec<_>>>()?;
    let provider_views: Vec<Provider<'_>> = providers.iter().map(RawProvider::view).collect();
    rules::providers(&provider_views).map_err(|e| {
        let policy = lists_only(&views, &provider_views, revision);
        from_core(e, Some(&policy), &gpc_refuses)
    })?;

    let storage = list(&top, "storage")?
        .iter()
        .enumerate()
        .map(|(i, node)| read_declaration(node, format!("storage[{i}]"), &categories, &providers))
        .collect::<Result<Vec<_>>>()?;

    let consent_mode = match top.get("consent_mode") {
        None => ConsentModeMap::NONE,
        Some(node) => read_consent_mode(node, top.at("consent_mode"), &categories)?,
    };
    // The core's rule (only `security_storage` on the exempt category) is checked
    // with the rest of the policy in `assemble`.

    Ok(Raw {
        site,
        revision,
        notice_version,
        controller_name,
        controller_contact,
        cookie_name,
        cookie_domain,
        consent_ttl_days,
        refusal_ttl_days,
        proof_retention_days,
        gpc_refuses,
        categories,
        providers,
        storage,
        consent_mode,
        source: None,
    })
}

/// `consent_mode` (SPEC §16): an object from Consent Mode type names to category
/// ids, resolved to the categories' indices.
fn read_consent_mode(
    node: &Node,
    path: String,
    categories: &[RawCategory],
) -> Result<ConsentModeMap> {
    let names = ConsentModeType::ALL.map(ConsentModeType::as_str);
    let o = Obj::new(node, path, &names)?;
    let mut map = ConsentModeMap::NONE;
    for ty in ConsentModeType::ALL {
        let Some(id) = o.opt_str(ty.as_str())? else {
            continue;
        };
        let at = Location::ConsentMode(ty);
        let Some(index) = categories.iter().position(|c| c.id == id) else {
            let e = PolicyError::new(K::UnknownCategory, at);
            return err(
                K::UnknownCategory,
                at.to_string(),
                format!("\"{id}\" {}", e.message(None)),
            );
        };
        map = map.with(ty, index as u8);
    }
    Ok(map)
}

/// A policy of `categories` and `providers` alone, for naming them in an error of
/// [`rules::categories`] or [`rules::providers`].
fn lists_only<'a>(
    categories: &'a [Category<'a>],
    providers: &'a [Provider<'a>],
    revision: u32,
) -> Policy<'a> {
    Policy {
        site: "",
        revision,
        notice_version: 1,
        controller: Controller::default(),
        consent_cookie: ConsentCookie {
            name: "",
            domain: None,
        },
        consent_ttl_days: 0,
        refusal_ttl_days: 0,
        proof_retention_days: 0,
        categories,
        providers,
        storage: &[],
        consent_mode: ConsentModeMap::NONE,
    }
}

/// A slot: the one given, checked by the core's rule, else the item's position.
fn slot(
    o: &Obj<'_>,
    i: usize,
    check: fn(i64) -> Result<u8, PolicyErrorKind>,
    at: Location,
) -> Result<u8> {
    match o.opt_int("slot")? {
        // Past 255 items the core reports the capacity first.
        None => Ok(i.min(255) as u8),
        Some(n) => ranged(n, check, at),
    }
}

fn read_category(node: &Node, path: String, i: usize) -> Result<RawCategory> {
    let o = Obj::new(node, path, CATEGORY)?;
    let id = o.str("id", "")?.to_owned();
    let basis = match o.required("basis", "\"exempt\" (necessary only) or \"consent\"")? {
        Node::Str(s) if s == "exempt" => Basis::Exempt,
        Node::Str(s) if s == "consent" => Basis::Consent,
        Node::Str(s) => {
            return err(
                K::BasisNotAllowed,
                o.at("basis"),
                format!("basis \"{s}\" is not allowed: {}", K::BasisNotAllowed),
            )
        }
        other => {
            return err(
                K::WrongType("a string"),
                o.at("basis"),
                format!(
                    "expected \"exempt\" or \"consent\", found {}",
                    other.describe()
                ),
            )
        }
    };
    Ok(RawCategory {
        id,
        basis,
        slot: slot(
            &o,
            i,
            rules::category_slot,
            Location::Category(i as u16, Field::Slot),
        )?,
        changed_in_revision: version(
            &o,
            Field::ChangedInRevision,
            Location::Category(i as u16, Field::ChangedInRevision),
        )?
        .unwrap_or(1),
        gpc_refuses: false,
        label: o.text("label")?,
        description: o.text("description")?,
    })
}

fn read_provider(node: &Node, path: String, i: usize) -> Result<RawProvider> {
    let o = Obj::new(node, path, PROVIDER)?;
    let id = o.str("id", "")?.to_owned();
    let name = o.str("name", "")?.to_owned();
    let party = match o.required("party", "\"first\" or \"third\"")? {
        Node::Str(s) if s == "first" => Party::First,
        Node::Str(s) if s == "third" => Party::Third,
        Node::Str(s) => {
            return err(
                K::UnknownValue("\"first\" or \"third\""),
                o.at("party"),
                format!("unknown party \"{s}\"; expected \"first\" or \"third\""),
            )
        }
        other => {
            return err(
                K::WrongType("a string"),
                o.at("party"),
                format!(
                    "expected \"first\" or \"third\", found {}",
                    other.describe()
                ),
            )
        }
    };
    let slot = slot(
        &o,
        i,
        rules::provider_slot,
        Location::Provider(i as u16, Field::Slot),
    )?;
    let mut domains = Vec::new();
    for (j, node) in o.opt_arr("domains")?.unwrap_or_default().iter().enumerate() {
        let at = format!("{}[{j}]", o.at("domains"));
        match node {
            Node::Str(d) if d.is_empty() => {
                return err(K::MissingField, at, "a domain must not be empty")
            }
            // The core keeps the list as one string split at spaces and commas.
            Node::Str(d) if d.contains([' ', ',']) => {
                return err(
                    K::UnknownValue("a domain name"),
                    at,
                    format!("\"{d}\" is not a domain name: list each domain on its own"),
                )
            }
            Node::Str(d) => domains.push(d.clone()),
            other => {
                return err(
                    K::WrongType("a string"),
                    at,
                    format!("expected a domain name, found {}", other.describe()),
                )
            }
        }
    }
    Ok(RawProvider {
        id,
        name,
        party,
        slot,
        joined: domains.join(" "),
        domains,
        privacy_policy: o.opt_str("privacy_policy")?.unwrap_or_default().to_owned(),
    })
}

fn read_declaration(
    node: &Node,
    path: String,
    categories: &[RawCategory],
    providers: &[RawProvider],
) -> Result<RawDeclaration> {
    let o = Obj::new(node, path, DECLARATION)?;
    let name = o.str("name", R6)?.to_owned();
    let kind = match o.required("kind", R6)? {
        Node::Str(s) => Kind::parse(s).ok_or_else(|| {
            PolicyLoadError::new(
                K::UnknownValue("cookie, local_storage, session_storage or indexed_db"),
                o.at("kind"),
                format!(
                    "unknown kind \"{s}\"; expected cookie, local_storage, session_storage or indexed_db"
                ),
            )
        })?,
        other => {
            return err(
                K::WrongType("a string"),
                o.at("kind"),
                format!("expected a kind such as \"cookie\", found {}", other.describe()),
            )
        }
    };
    let provider_id = o.str("provider", R6)?;
    let Some(provider) = providers.iter().position(|p| p.id == provider_id) else {
        return err(
            K::UnknownProvider,
            o.at("provider"),
            format!("provider \"{provider_id}\" is not declared in providers"),
        );
    };
    let category_id = o.str("category", R6)?;
    let Some(category) = categories.iter().position(|c| c.id == category_id) else {
        return err(
            K::UnknownCategory,
            o.at("category"),
            format!("category \"{category_id}\" is not declared in categories"),
        );
    };
    o.required("purpose", R6)?;
    let purpose = o.text("purpose")?;
    let duration = read_duration(o.required("duration", R6)?, o.at("duration"))?;
    let path = o.opt_nonempty("path")?;
    Ok(RawDeclaration {
        name,
        kind,
        provider: provider as u8,
        category: category as u8,
        purpose,
        duration,
        domain: o.opt_nonempty("domain")?.map(str::to_owned),
        path: path.map(str::to_owned),
        justification: o.opt_str("justification")?.unwrap_or_default().to_owned(),
    })
}

const UNITS: &[&str] = &["seconds", "hours", "days"];

fn read_duration(node: &Node, path: String) -> Result<Duration> {
    match node {
        Node::Str(s) if s == "session" => Ok(Duration::Session),
        Node::Str(s) => err(
            K::UnknownValue("\"session\" or {\"seconds\"|\"hours\"|\"days\": n}"),
            path,
            format!(
                "unknown duration \"{s}\"; expected \"session\" or one of {{\"seconds\": n}}, {{\"hours\": n}}, {{\"days\": n}}"
            ),
        ),
        Node::Obj(fields) => {
            let o = Obj::new(node, path, UNITS)?;
            let [(unit, value)] = fields.as_slice() else {
                let n = fields.len();
                return if n == 0 {
                    err(
                        K::MissingField,
                        o.path,
                        "duration needs one of seconds, hours or days (R6)",
                    )
                } else {
                    err(
                        K::UnknownValue("exactly one of seconds, hours, days"),
                        o.path,
                        format!(
                            "duration has {n} unit{}; give exactly one of seconds, hours or days",
                            plural(n)
                        ),
                    )
                };
            };
            let n = match value {
                Node::Int(n) => *n,
                other => {
                    return err(
                        K::WrongType("a positive integer"),
                        o.at(unit),
                        format!("expected a positive integer, found {}", other.describe()),
                    )
                }
            };
            // Zero stands for every non-positive number: the core's rule says
            // what is wrong with it.
            let Ok(n) = u32::try_from(n.max(0)) else {
                return err(
                    K::WrongType("a 32-bit integer"),
                    o.at(unit),
                    format!("{n} {unit} is too long a duration (at most {})", u32::MAX),
                );
            };
            Ok(match unit.as_str() {
                "seconds" => Duration::Seconds(n),
                "hours" => Duration::Hours(n),
                _ => Duration::Days(n),
            })
        }
        other => err(
            K::WrongType("\"session\" or an object"),
            path,
            format!(
                "expected \"session\" or an object such as {{\"days\": n}}, found {}",
                other.describe()
            ),
        ),
    }
}

/// The core's error as a load error: its location as a JSON path, its words from
/// the core's table, naming the items of `policy` (the one checked, if any). The
/// core keeps `gpc_refuses` as a flag on each category; the document lists ids,
/// and `gpc_refuses` gives the list's order back.
fn from_core(
    e: PolicyError,
    policy: Option<&Policy<'_>>,
    gpc_refuses: &[String],
) -> PolicyLoadError {
    let path = match e.at {
        Location::Category(i, Field::GpcRefuses) => {
            let id = policy.and_then(|p| p.categories.get(usize::from(i)));
            let k = id.and_then(|c| gpc_refuses.iter().position(|g| g == c.id));
            k.map_or(e.at, |k| Location::GpcRefuses(k as u16))
                .to_string()
        }
        at => at.to_string(),
    };
    PolicyLoadError::new(e.kind, path, e.message(policy).to_string())
}
