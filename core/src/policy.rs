//! The policy: what a site declares, borrowed and immutable, and its validation.

use core::cmp::Ordering;
use core::fmt;

use crate::consent_mode::ConsentModeMap;
use crate::error::{Field, Location, PolicyError, PolicyErrorKind as K};
use crate::glob;
use crate::rules;
use crate::sets::{CategorySet, ProviderSet};
use crate::vocabulary;
use crate::{
    CATEGORY_SLOTS, MAX_CATEGORIES, MAX_DECLARATIONS, MAX_PROVIDERS, NECESSARY, SECONDS_PER_DAY,
};

/// A text in Danish and English. An empty string means the text is missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Text<'a> {
    /// English.
    pub en: &'a str,
    /// Danish.
    pub da: &'a str,
}

impl<'a> Text<'a> {
    /// The text in `lang` (`"da"` or anything else for English), falling back to
    /// the other language when it is missing.
    pub fn get(&self, lang: &str) -> &'a str {
        let (first, second) = if lang == "da" {
            (self.da, self.en)
        } else {
            (self.en, self.da)
        };
        if first.is_empty() {
            second
        } else {
            first
        }
    }
}

/// The legal basis of a category (R5: there is no third one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Strictly necessary: no consent needed, cannot be refused (only `necessary`).
    Exempt,
    /// Needs the visitor's consent.
    Consent,
}

/// Who is behind a provider's items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Party {
    /// The site itself.
    First,
    /// A named third party.
    Third,
}

vocabulary! {
    /// What kind of storage a declaration covers.
    pub enum Kind ("kind") {
        /// An HTTP cookie.
        Cookie = 0 => "cookie",
        /// A `localStorage` key.
        LocalStorage = 1 => "local_storage",
        /// A `sessionStorage` key.
        SessionStorage = 2 => "session_storage",
        /// An IndexedDB database.
        IndexedDb = 3 => "indexed_db",
    }
}

/// How long a stored item lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Duration {
    /// Until the browser session ends.
    Session,
    /// A number of seconds.
    Seconds(u32),
    /// A number of hours.
    Hours(u32),
    /// A number of days.
    Days(u32),
}

impl Duration {
    /// The lifetime in seconds; `None` for a session item.
    pub const fn as_seconds(self) -> Option<i64> {
        match self {
            Duration::Session => None,
            Duration::Seconds(n) => Some(n as i64),
            Duration::Hours(n) => Some(n as i64 * 3600),
            Duration::Days(n) => Some(n as i64 * SECONDS_PER_DAY),
        }
    }

    /// Whether this is a persistent (non-session) lifetime of zero.
    pub const fn is_zero(self) -> bool {
        matches!(
            self,
            Duration::Seconds(0) | Duration::Hours(0) | Duration::Days(0)
        )
    }
}

/// A [`Duration`] in words in one language; see [`Duration::in_lang`].
#[derive(Clone, Copy, Debug)]
pub struct DurationText {
    duration: Duration,
    danish: bool,
}

impl Duration {
    /// The duration in words in `lang` (`"da"` for Danish, anything else for
    /// English), in its declared unit: `11 hours`, `1000 dage`, `session`.
    pub fn in_lang(self, lang: &str) -> DurationText {
        DurationText {
            duration: self,
            danish: lang == "da",
        }
    }
}

impl fmt::Display for DurationText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, one, many) = match (self.duration, self.danish) {
            (Duration::Session, _) => return f.write_str("session"),
            (Duration::Seconds(n), false) => (n, "second", "seconds"),
            (Duration::Seconds(n), true) => (n, "sekund", "sekunder"),
            (Duration::Hours(n), false) => (n, "hour", "hours"),
            (Duration::Hours(n), true) => (n, "time", "timer"),
            (Duration::Days(n), false) => (n, "day", "days"),
            (Duration::Days(n), true) => (n, "dag", "dage"),
        };
        write!(f, "{n} {}", if n == 1 { one } else { many })
    }
}

/// In English: `1 hour`, `11 hours`, `1000 days`, `session`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.in_lang("en"), f)
    }
}

/// A category (purpose) of storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Category<'a> {
    /// Stable id (`necessary`, `functional`, `statistics`, …).
    pub id: &'a str,
    /// Legal basis; only `necessary` is [`Basis::Exempt`].
    pub basis: Basis,
    /// Stable slot under which decisions are stored (`0..CATEGORY_SLOTS`).
    pub slot: u8,
    /// Revision of the category's last material change (R17); at least 1.
    pub changed_in_revision: u32,
    /// Whether a GPC signal refuses this category (R22).
    pub gpc_refuses: bool,
    /// Label shown in the banner.
    pub label: Text<'a>,
    /// Description shown in the settings layer.
    pub description: Text<'a>,
}

/// Who is behind stored items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Provider<'a> {
    /// Stable id.
    pub id: &'a str,
    /// Name shown to visitors.
    pub name: &'a str,
    /// First or third party.
    pub party: Party,
    /// Stable slot under which provider refusals are stored (`0..PROVIDER_SLOTS`).
    pub slot: u8,
    /// The provider's domains, separated by spaces or commas (information only).
    pub domains: &'a str,
    /// Link to the provider's privacy policy, or empty.
    pub privacy_policy: &'a str,
}

impl<'a> Provider<'a> {
    /// The provider's domains one by one.
    pub fn domains(&self) -> impl Iterator<Item = &'a str> {
        self.domains.split([' ', ',']).filter(|d| !d.is_empty())
    }
}

/// One cookie or storage item the site declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Declaration<'a> {
    /// Exact name, or a pattern with `*` (any run) and `?` (one character).
    pub name: &'a str,
    /// Kind of storage.
    pub kind: Kind,
    /// Index into [`Policy::providers`].
    pub provider: u8,
    /// Index into [`Policy::categories`].
    pub category: u8,
    /// What the item is for.
    pub purpose: Text<'a>,
    /// How long it lives.
    pub duration: Duration,
    /// Domain it is set on; `None` means the request's host.
    pub domain: Option<&'a str>,
    /// Path it is set on; `None` means `/`.
    pub path: Option<&'a str>,
    /// Why a necessary item is necessary; empty when none is given.
    pub justification: &'a str,
}

impl Declaration<'_> {
    /// Whether the name is a pattern.
    pub fn is_pattern(&self) -> bool {
        glob::is_glob(self.name)
    }

    /// Whether `name` is covered by this declaration (exactly or by its pattern).
    pub fn covers(&self, name: &str) -> bool {
        if self.is_pattern() {
            glob::matches(self.name, name)
        } else {
            self.name == name
        }
    }
}

/// The site's own consent cookie, declared automatically as necessary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConsentCookie<'a> {
    /// Cookie name.
    pub name: &'a str,
    /// Domain it is set on; `None` means host-only.
    pub domain: Option<&'a str>,
}

/// The data controller named in the declaration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Controller<'a> {
    /// Name.
    pub name: &'a str,
    /// How to reach them.
    pub contact: &'a str,
}

/// What a site declares: borrowed, immutable data a host can write as a `static`.
///
/// Validate it once with [`Policy::validate`] to get the [`ValidPolicy`] that every
/// state operation takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy<'a> {
    /// The site's domain (`kk.dk`).
    pub site: &'a str,
    /// Raised on every change; at least 1.
    pub revision: u32,
    /// Version of the banner text shown; at least 1.
    pub notice_version: u16,
    /// The data controller.
    pub controller: Controller<'a>,
    /// The consent cookie.
    pub consent_cookie: ConsentCookie<'a>,
    /// Lifetime of a grant, days (R16).
    pub consent_ttl_days: u16,
    /// Lifetime of a refusal, days (R14, R16).
    pub refusal_ttl_days: u16,
    /// How long proof outlives the decision it proves, days (R19).
    pub proof_retention_days: u16,
    /// Categories; exactly one, `necessary`, is exempt.
    pub categories: &'a [Category<'a>],
    /// Providers.
    pub providers: &'a [Provider<'a>],
    /// Storage declarations.
    pub storage: &'a [Declaration<'a>],
    /// Google Consent Mode v2: the category each type follows (SPEC §16).
    pub consent_mode: ConsentModeMap,
}

impl<'a> Policy<'a> {
    /// Checks every rule of SPEC §3 and builds the lookup index in `index`, which
    /// must hold at least `storage.len()` entries.
    ///
    /// # Errors
    ///
    /// The first rule broken, with the item's index and field.
    pub fn validate(self, index: &'a mut [u16]) -> Result<ValidPolicy<'a>, PolicyError> {
        let facts = self.check(index)?;
        Ok(ValidPolicy::assemble(self, &*index, facts))
    }

    /// Like [`Policy::validate`], keeping the index in a container of the caller's
    /// choice (a `Vec<u16>` on hosts with an allocator). Borrow the result as a
    /// plain [`ValidPolicy`] with [`ValidPolicy::view`].
    ///
    /// # Errors
    ///
    /// The first rule broken, with the item's index and field.
    pub fn validate_with<I>(self, mut index: I) -> Result<ValidPolicy<'a, I>, PolicyError>
    where
        I: AsRef<[u16]> + AsMut<[u16]>,
    {
        let facts = self.check(index.as_mut())?;
        Ok(ValidPolicy::assemble(self, index, facts))
    }

    /// The rules, step by step; the facts learnt on the way.
    fn check(&self, index: &mut [u16]) -> Result<Facts, PolicyError> {
        self.check_document(index.len())?;
        let categories = check_categories(self.categories, self.revision)?;
        let providers = check_providers(self.providers)?;
        rules::consent_mode(&self.consent_mode, self.categories)?;
        self.check_storage()?;
        let lookup = build_index(self.storage, &mut index[..self.storage.len()])?;
        let consent_cookie_ttl = i64::from(self.consent_ttl_days.max(self.refusal_ttl_days));
        Ok(Facts {
            exact: lookup.exact,
            prefix_lengths: lookup.prefix_lengths,
            max_prefix: lookup.max_prefix,
            exact_starts: lookup.exact_starts,
            pattern_starts: lookup.pattern_starts,
            necessary: categories.necessary,
            consent: categories.consent,
            gpc: categories.gpc,
            providers,
            slot_to_category: categories.slot_to_category,
            consent_secs: i64::from(self.consent_ttl_days) * SECONDS_PER_DAY,
            refusal_secs: i64::from(self.refusal_ttl_days) * SECONDS_PER_DAY,
            consent_cookie_secs: consent_cookie_ttl * SECONDS_PER_DAY,
            fingerprint: fingerprint(self),
        })
    }

    /// The top-level fields and the capacities of the lists.
    fn check_document(&self, index_len: usize) -> Result<(), PolicyError> {
        use Location as L;
        let err = |kind, at| Err(PolicyError::new(kind, at));
        if self.site.is_empty() {
            return err(K::MissingField, L::Policy(Field::Site));
        }
        for (n, field) in [
            (self.revision, Field::Revision),
            (u32::from(self.notice_version), Field::NoticeVersion),
        ] {
            rules::at(rules::version(field, i64::from(n)), L::Policy(field))?;
        }
        if self.consent_cookie.name.is_empty() {
            return err(K::MissingField, L::Policy(Field::ConsentCookie));
        }
        for (days, field) in [
            (self.consent_ttl_days, Field::ConsentTtlDays),
            (self.refusal_ttl_days, Field::RefusalTtlDays),
            (self.proof_retention_days, Field::ProofRetentionDays),
        ] {
            rules::at(rules::ttl_days(i64::from(days)), L::Policy(field))?;
        }
        if self.categories.len() > MAX_CATEGORIES {
            return err(
                K::TooManyCategories(self.categories.len()),
                L::Policy(Field::Categories),
            );
        }
        if self.providers.len() > MAX_PROVIDERS {
            return err(
                K::TooManyProviders(self.providers.len()),
                L::Policy(Field::Providers),
            );
        }
        if self.storage.len() > MAX_DECLARATIONS || index_len < self.storage.len() {
            return err(K::TooManyDeclarations, L::Policy(Field::Storage));
        }
        Ok(())
    }

    /// Every declaration is complete (R6) and names a declared category and
    /// provider.
    fn check_storage(&self) -> Result<(), PolicyError> {
        let err = |kind, at| Err(PolicyError::new(kind, at));
        for (i, d) in self.storage.iter().enumerate() {
            let at = |f| Location::Storage(i as u16, f);
            if d.name.is_empty() {
                return err(K::MissingField, at(Field::Name));
            }
            if d.provider as usize >= self.providers.len() {
                return err(K::UnknownProvider, at(Field::Provider));
            }
            if d.category as usize >= self.categories.len() {
                return err(K::UnknownCategory, at(Field::Category));
            }
            if d.purpose.en.is_empty() && d.purpose.da.is_empty() {
                return err(K::MissingField, at(Field::Purpose));
            }
            if d.duration.is_zero() {
                return err(K::NonPositiveDuration, at(Field::Duration));
            }
            if d.path.is_some_and(|p| !p.starts_with('/')) {
                return err(
                    K::UnknownValue("a path starting with \"/\""),
                    at(Field::Path),
                );
            }
        }
        Ok(())
    }
}

/// Every provider: id and name given, ids and slots unique and in range.
pub(crate) fn check_providers(providers: &[Provider<'_>]) -> Result<ProviderSet, PolicyError> {
    let err = |kind, at| Err(PolicyError::new(kind, at));
    // The capacity first, as for categories: a loader calls this before the
    // document's other checks, and past it a provider's default slot (its
    // position) is out of range too.
    if providers.len() > MAX_PROVIDERS {
        let kind = K::TooManyProviders(providers.len());
        return err(kind, Location::Policy(Field::Providers));
    }
    let mut slots = ProviderSet::EMPTY;
    for (i, p) in providers.iter().enumerate() {
        let at = |f| Location::Provider(i as u16, f);
        if p.id.is_empty() {
            return err(K::MissingField, at(Field::Id));
        }
        if p.name.is_empty() {
            return err(K::MissingField, at(Field::Name));
        }
        if let Some(j) = providers[..i].iter().position(|q| q.id == p.id) {
            return err(K::DuplicateId(j as u16), at(Field::Id));
        }
        rules::at(rules::provider_slot(i64::from(p.slot)), at(Field::Slot))?;
        if slots.contains(p.slot) {
            let first = providers[..i]
                .iter()
                .position(|q| q.slot == p.slot)
                .unwrap_or(0) as u16;
            let kind = K::DuplicateSlot {
                slot: p.slot,
                first,
            };
            return err(kind, at(Field::Slot));
        }
        slots = slots.with(p.slot);
    }
    Ok(slots)
}

/// What the categories step learnt.
pub(crate) struct CategoryFacts {
    necessary: u8,
    consent: CategorySet,
    gpc: CategorySet,
    slot_to_category: [u8; CATEGORY_SLOTS],
}

/// The categories' rules (see [`rules::categories`]).
pub(crate) fn check_categories(
    categories: &[Category<'_>],
    revision: u32,
) -> Result<CategoryFacts, PolicyError> {
    let err = |kind, at| Err(PolicyError::new(kind, at));
    if categories.len() > MAX_CATEGORIES {
        let kind = K::TooManyCategories(categories.len());
        return err(kind, Location::Policy(Field::Categories));
    }
    let mut necessary = None;
    let mut consent = CategorySet::EMPTY;
    let mut gpc = CategorySet::EMPTY;
    let mut slot_to_category = [u8::MAX; CATEGORY_SLOTS];
    for (i, c) in categories.iter().enumerate() {
        let at = |f| Location::Category(i as u16, f);
        if c.id.is_empty() {
            return err(K::MissingField, at(Field::Id));
        }
        if let Some(j) = categories[..i].iter().position(|d| d.id == c.id) {
            return err(K::DuplicateId(j as u16), at(Field::Id));
        }
        let slot = rules::at(rules::category_slot(i64::from(c.slot)), at(Field::Slot))?;
        let first = slot_to_category[slot as usize];
        if first != u8::MAX {
            let kind = K::DuplicateSlot {
                slot,
                first: u16::from(first),
            };
            return err(kind, at(Field::Slot));
        }
        slot_to_category[slot as usize] = i as u8;
        let changed = i64::from(c.changed_in_revision);
        rules::at(
            rules::version(Field::ChangedInRevision, changed),
            at(Field::ChangedInRevision),
        )?;
        if c.changed_in_revision > revision {
            let kind = K::ChangedAfterRevision {
                changed: c.changed_in_revision,
                revision,
            };
            return err(kind, at(Field::ChangedInRevision));
        }
        match (c.id == NECESSARY, c.basis) {
            (true, Basis::Exempt) => necessary = Some(i as u8),
            (true, Basis::Consent) => return err(K::NecessaryRefusable, at(Field::Basis)),
            (false, Basis::Exempt) => return err(K::ExemptNotNecessary, at(Field::Basis)),
            (false, Basis::Consent) => consent = consent.with(slot),
        }
        if c.gpc_refuses {
            if c.basis == Basis::Exempt {
                return err(K::GpcExempt, at(Field::GpcRefuses));
            }
            gpc = gpc.with(slot);
        }
    }
    let Some(necessary) = necessary else {
        return err(K::NecessaryMissing, Location::Policy(Field::Categories));
    };
    Ok(CategoryFacts {
        necessary,
        consent,
        gpc,
        slot_to_category,
    })
}

/// Buckets of the exact names (a power of two), and of the patterns' literal
/// prefixes; their start offsets are kept in [`Facts`].
const EXACT_BUCKETS: usize = 128;
const PATTERN_BUCKETS: usize = 64;
/// A bucket's run up to this long is scanned; a longer one (policies of
/// thousands of declarations) is searched by halves, as it is sorted.
const LINEAR_RUN: usize = 12;

/// A hash of `key` from its length and its first and last eight bytes (all of it
/// when shorter), for the lookup's buckets: a few instructions whatever the
/// length, so a miss costs no string comparison in the usual case.
#[inline]
fn key_hash(key: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let n = key.len();
    let (head, tail) = match (key.first_chunk::<8>(), key.last_chunk::<8>()) {
        (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
        _ => {
            let mut v = 0u64;
            for (i, &b) in key.iter().enumerate() {
                v |= u64::from(b) << (8 * i);
            }
            (v, 0)
        }
    };
    ((head.wrapping_mul(K) ^ tail).wrapping_mul(K) ^ n as u64).wrapping_mul(K)
}

/// The bucket of a hash among `buckets` (a power of two): its top bits.
#[inline]
fn bucket(hash: u64, buckets: usize) -> usize {
    (hash >> (64 - buckets.trailing_zeros())) as usize
}

/// Start offsets of each bucket's run, from each bucket's count.
fn bucket_starts<const N: usize>(items: &[u16], bucket_of: impl Fn(u16) -> usize) -> [u16; N] {
    let mut starts = [0u16; N];
    for &i in items {
        starts[bucket_of(i) + 1] += 1;
    }
    for b in 1..N {
        starts[b] += starts[b - 1];
    }
    starts
}

/// What the lookup index says of the names and patterns.
struct Lookup {
    exact: u16,
    prefix_lengths: u64,
    max_prefix: u16,
    exact_starts: [u16; EXACT_BUCKETS + 1],
    pattern_starts: [u16; PATTERN_BUCKETS + 1],
}

/// Orders `index` for [`ValidPolicy::lookup`]: exact names first, grouped by the
/// bucket of their name's hash and sorted within it by (kind, name); then
/// patterns, grouped by the bucket of their literal prefix's hash and sorted
/// within it by (literal prefix, position), so the patterns whose prefix equals a
/// given prefix of a name form one run, in declaration order. Two declarations of
/// one kind and name are an error.
fn build_index(storage: &[Declaration<'_>], index: &mut [u16]) -> Result<Lookup, PolicyError> {
    let duplicate = |first: u16, second: u16| {
        Err(PolicyError::new(
            K::DuplicateDeclaration(first.min(second)),
            Location::Storage(first.max(second), Field::Name),
        ))
    };
    let exact_bucket =
        |i: u16| bucket(key_hash(storage[i as usize].name.as_bytes()), EXACT_BUCKETS);
    let prefix_bucket = |i: u16| {
        let prefix = glob::literal_prefix(storage[i as usize].name);
        bucket(key_hash(prefix.as_bytes()), PATTERN_BUCKETS)
    };
    for (i, slot) in index.iter_mut().enumerate() {
        *slot = i as u16;
    }
    index.sort_unstable_by(|&a, &b| {
        let (da, db) = (&storage[a as usize], &storage[b as usize]);
        match (da.is_pattern(), db.is_pattern()) {
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, false) => {
                (exact_bucket(a), da.kind, da.name, a).cmp(&(exact_bucket(b), db.kind, db.name, b))
            }
            (true, true) => {
                let (la, lb) = (glob::literal_prefix(da.name), glob::literal_prefix(db.name));
                (prefix_bucket(a), la, a).cmp(&(prefix_bucket(b), lb, b))
            }
        }
    });
    let exact = index
        .iter()
        .take_while(|&&i| !storage[i as usize].is_pattern())
        .count();
    // Equal names share a bucket, so duplicates sit side by side.
    for w in index[..exact].windows(2) {
        let (a, b) = (&storage[w[0] as usize], &storage[w[1] as usize]);
        if a.kind == b.kind && a.name == b.name {
            return duplicate(w[0], w[1]);
        }
    }
    let mut prefix_lengths = 0u64;
    let mut max_prefix = 0usize;
    let patterns = &index[exact..];
    for (n, &i) in patterns.iter().enumerate() {
        let d = &storage[i as usize];
        let prefix = glob::literal_prefix(d.name);
        prefix_lengths |= 1 << prefix.len().min(63);
        max_prefix = max_prefix.max(prefix.len());
        // Equal names share a prefix, so duplicates sit in the same run.
        let run = patterns[..n]
            .iter()
            .rev()
            .take_while(|&&j| glob::literal_prefix(storage[j as usize].name) == prefix);
        for &j in run {
            let e = &storage[j as usize];
            if e.kind == d.kind && e.name == d.name {
                return duplicate(j, i);
            }
        }
    }
    Ok(Lookup {
        exact: exact as u16,
        prefix_lengths,
        max_prefix: max_prefix.min(usize::from(u16::MAX)) as u16,
        exact_starts: bucket_starts(&index[..exact], exact_bucket),
        pattern_starts: bucket_starts(patterns, prefix_bucket),
    })
}

/// What validation learnt about a policy, kept beside it.
#[derive(Clone, Copy, Debug)]
struct Facts {
    exact: u16,
    /// Bit `n` is set when some pattern's literal prefix is `n` bytes long; bit 63
    /// stands for every length from 63 up to `max_prefix`.
    prefix_lengths: u64,
    max_prefix: u16,
    /// Where each bucket's run of exact names starts in the index, and where each
    /// bucket's run of patterns starts after the exact names.
    exact_starts: [u16; EXACT_BUCKETS + 1],
    pattern_starts: [u16; PATTERN_BUCKETS + 1],
    necessary: u8,
    consent: CategorySet,
    gpc: CategorySet,
    providers: ProviderSet,
    slot_to_category: [u8; CATEGORY_SLOTS],
    consent_secs: i64,
    refusal_secs: i64,
    consent_cookie_secs: i64,
    fingerprint: u64,
}

/// A policy that passed [`Policy::validate`], with its lookup index.
///
/// # Invariants
///
/// Every rule of SPEC §3 holds; `index` orders the storage list as
/// [`Policy::validate`] documents; the masks agree with the categories.
#[derive(Clone, Copy, Debug)]
pub struct ValidPolicy<'a, I = &'a [u16]> {
    policy: Policy<'a>,
    index: I,
    facts: Facts,
}

impl<'a, I: AsRef<[u16]>> ValidPolicy<'a, I> {
    fn assemble(policy: Policy<'a>, index: I, facts: Facts) -> Self {
        debug_assert!(index.as_ref().len() >= policy.storage.len());
        debug_assert!(usize::from(facts.exact) <= policy.storage.len());
        debug_assert!(policy
            .categories
            .iter()
            .all(|c| facts.consent.contains(c.slot) == (c.basis == Basis::Consent)));
        debug_assert!(facts.gpc.difference(facts.consent).is_empty());
        ValidPolicy {
            policy,
            index,
            facts,
        }
    }

    /// The policy as the plain [`ValidPolicy`] every state operation takes; O(1).
    #[inline]
    pub fn view(&self) -> ValidPolicy<'_> {
        ValidPolicy {
            policy: self.policy,
            index: self.index.as_ref(),
            facts: self.facts,
        }
    }
}

impl<'a> ValidPolicy<'a> {
    /// The policy's data.
    #[inline]
    pub fn policy(&self) -> &Policy<'a> {
        &self.policy
    }

    /// A 64-bit fingerprint of everything that gives a consent state its meaning
    /// (site, revision, categories, slots, providers, declarations).
    pub fn fingerprint(&self) -> u64 {
        self.facts.fingerprint
    }

    #[inline]
    pub(crate) fn facts_consent_secs(&self) -> i64 {
        self.facts.consent_secs
    }

    #[inline]
    pub(crate) fn facts_refusal_secs(&self) -> i64 {
        self.facts.refusal_secs
    }

    /// The exempt `necessary` category.
    #[inline]
    pub fn necessary_category(&self) -> &'a Category<'a> {
        &self.policy.categories[self.facts.necessary as usize]
    }

    /// The exempt `necessary` category's index.
    pub fn necessary(&self) -> usize {
        self.facts.necessary as usize
    }

    /// The slots of every consent category.
    #[inline]
    pub fn consent_slots(&self) -> CategorySet {
        self.facts.consent
    }

    /// The slots `gpc_refuses` names.
    #[inline]
    pub fn gpc_slots(&self) -> CategorySet {
        self.facts.gpc
    }

    /// The slots of every provider.
    #[inline]
    pub fn provider_slots(&self) -> ProviderSet {
        self.facts.providers
    }

    /// Lifetime of the consent cookie in seconds: the longer of the two TTLs.
    pub fn consent_cookie_max_age(&self) -> i64 {
        self.facts.consent_cookie_secs
    }

    /// The category stored under `slot`.
    #[inline]
    pub fn category_at_slot(&self, slot: u8) -> Option<&'a Category<'a>> {
        let i = *self.facts.slot_to_category.get(slot as usize)?;
        let categories: &'a [Category<'a>] = self.policy.categories;
        categories.get(i as usize)
    }

    /// The consent categories (every one but the exempt `necessary`), in order.
    pub fn consent_categories(&self) -> impl Iterator<Item = &'a Category<'a>> + 'a {
        let categories: &'a [Category<'a>] = self.policy.categories;
        categories.iter().filter(|c| c.basis == Basis::Consent)
    }

    /// The category with `id`, and its index.
    pub fn category(&self, id: &str) -> Option<(usize, &'a Category<'a>)> {
        self.policy
            .categories
            .iter()
            .enumerate()
            .find(|(_, c)| c.id == id)
    }

    /// The provider with `id`, and its index.
    pub fn provider(&self, id: &str) -> Option<(usize, &'a Provider<'a>)> {
        self.policy
            .providers
            .iter()
            .enumerate()
            .find(|(_, p)| p.id == id)
    }

    /// The set of categories named by `ids`.
    ///
    /// # Errors
    ///
    /// The first id the policy does not declare.
    pub fn category_set<'s>(&self, ids: &[&'s str]) -> Result<CategorySet, &'s str> {
        ids.iter().try_fold(CategorySet::EMPTY, |set, id| {
            self.category(id).map(|(_, c)| set.with(c.slot)).ok_or(*id)
        })
    }

    /// The set of providers named by `ids`.
    ///
    /// # Errors
    ///
    /// The first id the policy does not declare.
    pub fn provider_set<'s>(&self, ids: &[&'s str]) -> Result<ProviderSet, &'s str> {
        ids.iter().try_fold(ProviderSet::EMPTY, |set, id| {
            self.provider(id).map(|(_, p)| set.with(p.slot)).ok_or(*id)
        })
    }

    /// The ids of the categories in `set`, in the policy's order: the inverse of
    /// [`ValidPolicy::category_set`].
    pub fn category_ids(&self, set: CategorySet) -> impl Iterator<Item = &'a str> + '_ {
        self.policy
            .categories
            .iter()
            .filter(move |c| set.contains(c.slot))
            .map(|c| c.id)
    }

    /// The ids of the providers in `set`, in the policy's order: the inverse of
    /// [`ValidPolicy::provider_set`].
    pub fn provider_ids(&self, set: ProviderSet) -> impl Iterator<Item = &'a str> + '_ {
        self.policy
            .providers
            .iter()
            .filter(move |p| set.contains(p.slot))
            .map(|p| p.id)
    }

    /// The declaration that covers `name` of `kind`: an exact name first, else the
    /// matching pattern with the longest literal prefix, then the first declared.
    #[inline]
    pub fn lookup(&self, kind: Kind, name: &str) -> Option<&'a Declaration<'a>> {
        let storage: &'a [Declaration<'a>] = self.policy.storage;
        // The caller's index may be longer than the storage list; the slots past
        // it hold nothing of the order.
        let (exact, patterns) = self.index[..storage.len()].split_at(self.facts.exact as usize);
        let bytes = name.as_bytes();
        let run = |slots: &'a [u16], starts: &[u16], b: usize| -> &'a [u16] {
            slots
                .get(usize::from(starts[b])..usize::from(starts[b + 1]))
                .unwrap_or(&[])
        };
        if !exact.is_empty() {
            let b = bucket(key_hash(bytes), EXACT_BUCKETS);
            let same_bucket = run(exact, &self.facts.exact_starts, b);
            let found = if same_bucket.len() <= LINEAR_RUN {
                same_bucket.iter().find(|&&i| {
                    let d = &storage[i as usize];
                    d.kind == kind && d.name == name
                })
            } else {
                same_bucket
                    .binary_search_by(|&i| {
                        let d = &storage[i as usize];
                        (d.kind, d.name).cmp(&(kind, name))
                    })
                    .ok()
                    .map(|pos| &same_bucket[pos])
            };
            if let Some(&i) = found {
                return Some(&storage[i as usize]);
            }
        }
        if patterns.is_empty() {
            return None;
        }
        // Try each prefix length some pattern has, longest first; for each, the
        // patterns of the bucket whose literal prefix is exactly that prefix of
        // `name`: equal bytes, followed by a wildcard, with none before it.
        let with_prefix = |len: usize| -> Option<&'a Declaration<'a>> {
            let key = &bytes[..len];
            let b = bucket(key_hash(key), PATTERN_BUCKETS);
            let mut same_bucket = run(patterns, &self.facts.pattern_starts, b);
            if same_bucket.len() > LINEAR_RUN {
                let prefix = |i: &u16| glob::cmp_prefix(storage[*i as usize].name, key);
                let start = same_bucket.partition_point(|i| prefix(i).is_lt());
                let end = same_bucket.partition_point(|i| prefix(i).is_le());
                same_bucket = &same_bucket[start..end.max(start)];
            }
            same_bucket.iter().map(|&i| &storage[i as usize]).find(|d| {
                let p = d.name.as_bytes();
                d.kind == kind
                    && matches!(p.get(len), Some(b'*' | b'?'))
                    && &p[..len] == key
                    && glob::literal_prefix(d.name).len() == len
                    && glob::matches_bytes(&p[len..], &bytes[len..])
            })
        };
        let mut lengths = self.facts.prefix_lengths;
        if lengths & (1 << 63) != 0 {
            let longest = bytes.len().min(usize::from(self.facts.max_prefix));
            for len in (63..=longest).rev() {
                if let Some(d) = with_prefix(len) {
                    return Some(d);
                }
            }
            lengths &= !(1 << 63);
        }
        if bytes.len() < 63 {
            lengths &= (1u64 << (bytes.len() + 1)) - 1;
        }
        while lengths != 0 {
            let len = 63 - lengths.leading_zeros() as usize;
            lengths &= !(1 << len);
            if let Some(d) = with_prefix(len) {
                return Some(d);
            }
        }
        None
    }

    /// Whether `name` is the site's consent cookie.
    #[inline]
    pub fn is_consent_cookie(&self, kind: Kind, name: &str) -> bool {
        kind == Kind::Cookie && name == self.policy.consent_cookie.name
    }

    /// The category of a declaration.
    #[inline]
    pub fn category_of(&self, d: &Declaration<'_>) -> &'a Category<'a> {
        &self.policy.categories[d.category as usize]
    }

    /// The provider of a declaration.
    #[inline]
    pub fn provider_of(&self, d: &Declaration<'_>) -> &'a Provider<'a> {
        &self.policy.providers[d.provider as usize]
    }
}

/// FNV-1a over what gives a stored consent state its meaning.
fn fingerprint(p: &Policy<'_>) -> u64 {
    struct Fnv(u64);
    impl Fnv {
        fn bytes(&mut self, b: &[u8]) {
            for &x in b {
                self.0 ^= u64::from(x);
                self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
            }
        }
        fn str(&mut self, s: &str) {
            self.bytes(&(s.len() as u64).to_le_bytes());
            self.bytes(s.as_bytes());
        }
        fn num(&mut self, n: u64) {
            self.bytes(&n.to_le_bytes());
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    h.str(p.site);
    h.num(u64::from(p.revision));
    h.num(u64::from(p.consent_ttl_days));
    h.num(u64::from(p.refusal_ttl_days));
    for c in p.categories {
        h.str(c.id);
        h.num(u64::from(c.slot));
        h.num(u64::from(c.changed_in_revision));
        h.num(u64::from(c.gpc_refuses) | ((c.basis as u64) << 1));
    }
    for pr in p.providers {
        h.str(pr.id);
        h.num(u64::from(pr.slot));
    }
    for d in p.storage {
        h.str(d.name);
        h.num(d.kind as u64 | (u64::from(d.category) << 8) | (u64::from(d.provider) << 16));
    }
    h.0
}

#[cfg(test)]
mod tests {
    use super::{bucket, key_hash, Duration, EXACT_BUCKETS, PATTERN_BUCKETS};

    extern crate std;
    use std::format;
    use std::string::{String, ToString};
    use std::vec::Vec;

    /// The lookup's speed rests on its hash spreading names over the buckets (a
    /// miss then meets a handful of names, none in the usual case); any hash
    /// gives the right answers, so the lookup's tests cannot see a bad one.
    #[test]
    fn the_lookup_hash_spreads_names_of_every_shape_over_the_buckets() {
        let shapes: [fn(usize) -> String; 4] = [
            |i| format!("c{i}"),
            |i| format!("sess_{i:04}"),
            |i| format!("_hjSessionUser_{i}"),
            |i| format!("{i:x}_consent_state_of_the_visitor"),
        ];
        for shape in shapes {
            let names: Vec<String> = (0..1024).map(shape).collect();
            for buckets in [EXACT_BUCKETS, PATTERN_BUCKETS] {
                let mut counts = [0usize; EXACT_BUCKETS];
                for name in &names {
                    counts[bucket(key_hash(name.as_bytes()), buckets)] += 1;
                }
                let fullest = counts.iter().max().copied().unwrap_or(0);
                let mean = names.len() / buckets;
                assert!(
                    fullest <= 3 * mean,
                    "{buckets} buckets, names like {:?}: the fullest holds {fullest}, the mean is {mean}",
                    names[1]
                );
            }
        }
    }

    #[test]
    fn a_duration_reads_in_its_declared_unit() {
        let cases = [
            (Duration::Session, "session", "session"),
            (Duration::Seconds(1), "1 second", "1 sekund"),
            (Duration::Seconds(30), "30 seconds", "30 sekunder"),
            (Duration::Hours(1), "1 hour", "1 time"),
            (Duration::Hours(11), "11 hours", "11 timer"),
            (Duration::Days(1), "1 day", "1 dag"),
            (Duration::Days(1000), "1000 days", "1000 dage"),
        ];
        for (d, en, da) in cases {
            assert_eq!(d.to_string(), en);
            assert_eq!(d.in_lang("en").to_string(), en);
            assert_eq!(d.in_lang("da").to_string(), da);
        }
    }
}
