//! Proof records as JSON lines (SPEC §7, R18).
//!
//! One line per grant, refusal or withdrawal:
//!
//! ```json
//! {"ts":"2026-03-01T10:00:00Z","consent_id":"00000000000000000000000000001234","site":"kk.dk","revision":1,"notice_version":1,"action":"save","control":"button","decisions":{"functional":"refused","statistics":"granted"},"providers_refused":[],"gpc":false,"expires":"2026-06-09T10:00:00Z"}
//! ```
//!
//! Keys come in the order of [`PROOF_KEYS`], categories in the policy's order. A
//! full decision lists every consent category as `granted` or `refused`; a partial
//! refusal (`withdraw`, `signal_gpc`) lists only the categories it refused. Times
//! are RFC 3339 in UTC, whole seconds. A record holds no IP address and no user
//! agent.
//!
//! The reader is strict, since proof is evidence: unknown keys, categories and
//! providers the policy does not declare, and a `site` other than the policy's
//! are errors naming the key.

use crate::time::format_rfc3339;
use std::fmt;

use samtykke::{
    Action, Basis, CategorySet, Code, ConsentId, Control, Proof, ProviderSet, ValidPolicy,
};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde::Serialize as DeriveSerialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The keys of a proof record, in the order they are written.
pub const PROOF_KEYS: [&str; 11] = [
    "ts",
    "consent_id",
    "site",
    "revision",
    "notice_version",
    "action",
    "control",
    "decisions",
    "providers_refused",
    "gpc",
    "expires",
];

/// What is wrong with a proof record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ProofErrorKind {
    /// The line is not JSON.
    #[error("not valid JSON (line {line} column {column})")]
    Json {
        /// Line of the fault, from 1.
        line: usize,
        /// Column of the fault, from 1.
        column: usize,
    },
    /// The line is JSON but not an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// A required key is missing.
    #[error("missing")]
    MissingKey,
    /// A key a proof record does not have (such as an IP address).
    #[error("not a key of a proof record")]
    UnknownKey,
    /// The value has the wrong JSON type; the type expected.
    #[error("expected {0}")]
    WrongType(&'static str),
    /// A number out of range.
    #[error("out of range")]
    OutOfRange,
    /// A time that is not RFC 3339.
    #[error("not an RFC 3339 time")]
    InvalidTime,
    /// A consent id that is not 32 lowercase hex digits.
    #[error("not 32 lowercase hex digits")]
    InvalidConsentId,
    /// A site other than the policy's.
    #[error("not the policy's site")]
    SiteMismatch,
    /// An action that yields no proof record, or no action at all.
    #[error("not an action that yields a proof record")]
    InvalidAction,
    /// An unknown control.
    #[error("not a control")]
    InvalidControl,
    /// A category the policy does not declare.
    #[error("not a category of the policy")]
    UnknownCategory,
    /// The exempt category, which is never decided.
    #[error("the exempt category is never decided")]
    ExemptCategory,
    /// A decision other than `granted` or `refused`, or a grant in a partial
    /// refusal.
    #[error("not a decision this action records")]
    InvalidDecision,
    /// A provider the policy does not declare.
    #[error("not a provider of the policy")]
    UnknownProvider,
}

/// A proof record that could not be read: the key at fault (`decisions.foo`,
/// `providers_refused[2]`; `None` for the line as a whole) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub struct ProofError {
    /// The key at fault.
    pub key: Option<String>,
    /// What is wrong.
    pub kind: ProofErrorKind,
}

impl ProofError {
    /// The result code: [`Code::ProofInvalid`].
    pub const fn code(&self) -> Code {
        Code::ProofInvalid
    }

    fn at(key: impl Into<String>, kind: ProofErrorKind) -> ProofError {
        ProofError {
            key: Some(key.into()),
            kind,
        }
    }
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(k) => write!(f, "proof record, key `{k}`: {}", self.kind),
            None => write!(f, "proof record: {}", self.kind),
        }
    }
}

// ---- writing -----------------------------------------------------------------

/// The `decisions` object, in the policy's category order.
struct Decisions<'p, 'a> {
    policy: &'p ValidPolicy<'a>,
    granted: CategorySet,
    refused: CategorySet,
}

impl Serialize for Decisions<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for c in self.policy.policy().categories {
            if c.basis == Basis::Exempt {
                continue;
            }
            if self.granted.contains(c.slot) {
                map.serialize_entry(c.id, "granted")?;
            } else if self.refused.contains(c.slot) {
                map.serialize_entry(c.id, "refused")?;
            }
        }
        map.end()
    }
}

#[derive(DeriveSerialize)]
struct Line<'p, 'a> {
    ts: String,
    consent_id: String,
    site: &'a str,
    revision: u32,
    notice_version: u16,
    action: &'static str,
    control: &'static str,
    decisions: Decisions<'p, 'a>,
    providers_refused: Vec<&'a str>,
    gpc: bool,
    expires: Option<String>,
}

/// The proof record as one JSON line (no trailing newline), keys as SPEC §7 and
/// [`PROOF_KEYS`]. Category and provider slots the policy does not have are left
/// out.
pub fn proof_to_json(policy: &ValidPolicy<'_>, proof: &Proof) -> String {
    let full = proof.action.is_full_decision();
    let line = Line {
        ts: format_rfc3339(proof.at),
        consent_id: ConsentId(proof.consent_id).to_string(),
        site: policy.policy().site,
        revision: proof.revision,
        notice_version: proof.notice,
        action: proof.action.as_str(),
        control: proof.control.as_str(),
        decisions: Decisions {
            policy,
            granted: if full {
                proof.granted
            } else {
                CategorySet::EMPTY
            },
            refused: proof.refused,
        },
        providers_refused: policy.provider_ids(proof.providers_refused).collect(),
        gpc: proof.gpc,
        expires: proof.expires.map(format_rfc3339),
    };
    // Serialising strings, integers and booleans into a String cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

// ---- reading -----------------------------------------------------------------

fn string<'v>(v: &'v Value, key: &str) -> Result<&'v str, ProofError> {
    v.as_str()
        .ok_or_else(|| ProofError::at(key, ProofErrorKind::WrongType("a string")))
}

fn integer<T: TryFrom<u64>>(v: &Value, key: &str) -> Result<T, ProofError> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| ProofError::at(key, ProofErrorKind::OutOfRange)),
        _ => Err(ProofError::at(key, ProofErrorKind::WrongType("an integer"))),
    }
}

fn time(v: &Value, key: &str) -> Result<OffsetDateTime, ProofError> {
    let t = OffsetDateTime::parse(string(v, key)?, &Rfc3339)
        .map_err(|_| ProofError::at(key, ProofErrorKind::InvalidTime))?;
    // Proof times are whole seconds in UTC.
    OffsetDateTime::from_unix_timestamp(t.unix_timestamp())
        .map_err(|_| ProofError::at(key, ProofErrorKind::InvalidTime))
}

/// Reads a proof record written by [`proof_to_json`] back, against the policy it
/// was written under (or a later revision that keeps its categories and
/// providers). Times with an offset are read as the same instant in UTC;
/// fractions of a second are dropped.
///
/// # Errors
///
/// The first fault, with the key at fault: malformed JSON (with line and column),
/// a missing or unknown key, a wrong type, a time that is not RFC 3339, a consent
/// id that is not 32 lowercase hex digits, another site, an action that yields no
/// record, an unknown control, category or provider, the exempt category in
/// `decisions`, or a grant in a partial refusal.
pub fn proof_from_json(policy: &ValidPolicy<'_>, line: &str) -> Result<Proof, ProofError> {
    use ProofErrorKind as K;
    let value: Value = serde_json::from_str(line).map_err(|e| {
        let (line, column) = crate::json::position(&e);
        ProofError {
            key: None,
            kind: K::Json { line, column },
        }
    })?;
    let Value::Object(map) = value else {
        return Err(ProofError {
            key: None,
            kind: K::NotAnObject,
        });
    };
    if let Some(k) = map.keys().find(|k| !PROOF_KEYS.contains(&k.as_str())) {
        return Err(ProofError::at(k.as_str(), K::UnknownKey));
    }
    let get = |key: &'static str| {
        map.get(key)
            .ok_or_else(|| ProofError::at(key, K::MissingKey))
    };

    let at = time(get("ts")?, "ts")?;
    let id = string(get("consent_id")?, "consent_id")?;
    let consent_id = ConsentId::parse(id)
        .ok_or_else(|| ProofError::at("consent_id", K::InvalidConsentId))?
        .0;
    if string(get("site")?, "site")? != policy.policy().site {
        return Err(ProofError::at("site", K::SiteMismatch));
    }
    let revision: u32 = integer(get("revision")?, "revision")?;
    let notice: u16 = integer(get("notice_version")?, "notice_version")?;
    let action = Action::parse(string(get("action")?, "action")?)
        .filter(|a| a.is_full_decision() || matches!(a, Action::Withdraw | Action::SignalGpc))
        .ok_or_else(|| ProofError::at("action", K::InvalidAction))?;
    let control = Control::parse(string(get("control")?, "control")?)
        .ok_or_else(|| ProofError::at("control", K::InvalidControl))?;

    let Value::Object(decisions) = get("decisions")? else {
        return Err(ProofError::at("decisions", K::WrongType("an object")));
    };
    let (mut granted, mut refused) = (CategorySet::EMPTY, CategorySet::EMPTY);
    for (id, decision) in decisions {
        let key = || format!("decisions.{id}");
        let (_, category) = policy
            .category(id)
            .ok_or_else(|| ProofError::at(key(), K::UnknownCategory))?;
        if category.basis == Basis::Exempt {
            return Err(ProofError::at(key(), K::ExemptCategory));
        }
        match decision.as_str() {
            Some("granted") if action.is_full_decision() => granted = granted.with(category.slot),
            Some("refused") => refused = refused.with(category.slot),
            Some(_) => return Err(ProofError::at(key(), K::InvalidDecision)),
            None => return Err(ProofError::at(key(), K::WrongType("a string"))),
        }
    }

    let Value::Array(providers) = get("providers_refused")? else {
        return Err(ProofError::at(
            "providers_refused",
            K::WrongType("an array"),
        ));
    };
    let mut providers_refused = ProviderSet::EMPTY;
    for (i, p) in providers.iter().enumerate() {
        let key = format!("providers_refused[{i}]");
        let (_, provider) = policy
            .provider(string(p, &key)?)
            .ok_or_else(|| ProofError::at(key.as_str(), K::UnknownProvider))?;
        providers_refused = providers_refused.with(provider.slot);
    }

    let gpc = get("gpc")?
        .as_bool()
        .ok_or_else(|| ProofError::at("gpc", K::WrongType("a boolean")))?;
    let expires = match get("expires")? {
        Value::Null => None,
        v @ Value::String(_) => Some(time(v, "expires")?),
        _ => return Err(ProofError::at("expires", K::WrongType("a string or null"))),
    };
    Ok(Proof {
        at,
        consent_id,
        revision,
        notice,
        action,
        control,
        granted,
        refused,
        providers_refused,
        gpc,
        expires,
    })
}

/// A proof-record file with the records that may be purged taken out
/// ([`retain_proofs`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Retained {
    /// The file's new content: every line kept, each ending in `\n`.
    pub kept: Vec<u8>,
    /// Records kept.
    pub records: usize,
    /// Records purged.
    pub removed: usize,
    /// Lines kept that are not proof records of the policy (not UTF-8 included).
    pub unreadable: usize,
}

/// The proof-record file `bytes` without the records that may be purged at
/// `now` ([`purgeable_lines`]): the one retention pass of the tower layer's file
/// sink and the C library. Blank lines go; a line that is not a record of this
/// policy, UTF-8 or not, stays as it is (a purge must not destroy what it cannot
/// read).
pub fn retain_proofs(
    policy: &samtykke::ValidPolicy<'_>,
    bytes: &[u8],
    now: time::OffsetDateTime,
) -> Retained {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    // A line that is not UTF-8 reads as blank text: never a record.
    let lines: Vec<(&[u8], &str)> = bytes
        .split(|&b| b == b'\n')
        .map(|l| (l, std::str::from_utf8(l).unwrap_or("")))
        .collect();
    let text = lines.iter().map(|(_, t)| *t).collect::<Vec<_>>().join("\n");
    let drop = purgeable_lines(policy, &text, now);
    let blank = |raw: &[u8]| raw.iter().all(u8::is_ascii_whitespace);
    let mut out = Retained::default();
    for ((raw, t), gone) in lines.iter().zip(drop) {
        if blank(raw) {
            continue;
        }
        if gone {
            out.removed += 1;
            continue;
        }
        if proof_from_json(policy, t).is_ok() {
            out.records += 1;
        } else {
            out.unreadable += 1;
        }
        out.kept.extend_from_slice(raw);
        out.kept.push(b'\n');
    }
    out
}

/// Which lines of a proof-record file may be purged at `now` under the policy's
/// retention (R19, [`samtykke::may_purge`]): each visitor's records are taken in
/// file order (their time order). One flag per line of `text` (split at `\n`);
/// blank lines and lines that are not proof records of this policy are never
/// flagged (a purge must not destroy what it cannot read). The one retention pass
/// of the tower layer's file sink and the C library's.
pub fn purgeable_lines(
    policy: &samtykke::ValidPolicy<'_>,
    text: &str,
    now: time::OffsetDateTime,
) -> Vec<bool> {
    use std::collections::HashMap;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut visitors: HashMap<u128, Vec<(usize, samtykke::Proof)>> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        if let Ok(p) = proof_from_json(policy, line) {
            visitors.entry(p.consent_id).or_default().push((i, p));
        }
    }
    let mut drop = vec![false; lines.len()];
    for records in visitors.values() {
        let proofs: Vec<samtykke::Proof> = records.iter().map(|(_, p)| *p).collect();
        for (k, (i, _)) in records.iter().enumerate() {
            if samtykke::may_purge(policy, &proofs, k, now) {
                drop[*i] = true;
            }
        }
    }
    drop
}
