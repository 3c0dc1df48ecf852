//! The visitors an audit remembers: one core consent state each, and the little
//! the rules need beyond it, kept so that memory grows with the visitors
//! remembered and not with the length of the log.
//!
//! Under `--merge` a visitor idle for longer than the longest TTL behind the
//! merged clock is shrunk to a [`Tomb`] of 20 bytes, which holds all a later event
//! of theirs needs (see [`Tombs`]).
//!
//! A visitor id is not stored. It is hashed twice: with SipHash-1-3 under a random
//! key, which places the visitor in the table, and with a fast multiplicative
//! hash of a different construction ([`fast_hash`]), kept beside it and compared
//! on every lookup, so two ids that share the first hash (about one pair in 2⁶⁴)
//! stay two visitors. Two ids would be merged only if both 64-bit hashes agreed, a
//! chance of about n²/2¹²⁹ for n visitors (10⁻²⁷ for a million); the keyed first
//! hash keeps a log's author from arranging it. Visitors live in fixed-size chunks, never moved or
//! reallocated, and the hash table holds only 4-byte slot numbers.

use std::collections::HashMap;

use hashbrown::HashTable;
use samtykke::{CategorySet, ConsentState, StateParts};

use crate::hash::{fast_hash, Keyed};

/// "No time": a free slot's `last`, a visitor's `signal` before any signal.
pub(crate) const NEVER: i64 = i64::MIN;

const CHUNK: usize = 4096;

/// What the audit keeps per visitor and reads on most events: 128 bytes,
/// aligned to 64, so that a record is two cache lines and never straddles a
/// third. The hashes and times come first, the core's state after them.
/// The notices shown, read by notice and decision events alone, are kept
/// apart (in [`Visitors::notices`], 24 bytes).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub(crate) struct Visitor {
    key: u64,
    check: u64,
    /// Time of the visitor's last event, [`NEVER`] while the slot is free.
    last: i64,
    /// Time of the last GPC signal (a decision's GPC flag within the longest TTL).
    pub signal: i64,
    /// The latest withdrawal event: its time and the categories it named. Older
    /// ones still within the grace spill into [`Visitors::spill`].
    withdrew_at: i64,
    withdrew: u32,
    spilled: bool,
    /// The core's consent state: every consent rule is the core's.
    pub state: ConsentState,
}

impl Visitor {
    const FREE: Visitor = Visitor {
        state: ConsentState::new(0),
        key: 0,
        check: 0,
        last: NEVER,
        signal: NEVER,
        withdrew_at: NEVER,
        withdrew: 0,
        spilled: false,
    };
}

/// The record of `slot` in `chunks`.
#[inline]
fn record(chunks: &[Box<[Visitor; CHUNK]>], slot: u32) -> &Visitor {
    &chunks[slot as usize / CHUNK][slot as usize % CHUNK]
}

/// The latest notice shown to a visitor per revision, for two revisions (0:
/// empty); more spill into [`Visitors::spill`].
#[derive(Clone, Copy, Debug)]
struct Notices {
    revision: [u32; 2],
    at: [i64; 2],
}

impl Notices {
    const NONE: Notices = Notices {
        revision: [0; 2],
        at: [NEVER; 2],
    };
}

/// What a visitor's rarer records spill into: notices of a third and further
/// revision, and withdrawals still within the grace behind a later one.
#[derive(Debug, Default)]
struct Spill {
    notices: Vec<(u32, i64)>,
    withdrawals: Vec<(i64, u32)>,
}

/// The remembered visitors.
#[derive(Debug)]
pub(crate) struct Visitors {
    pub(crate) place: Keyed,
    /// Applied to the first hash; all ones except in tests that force collisions.
    mask: u64,
    table: HashTable<u32>,
    /// Arrays of [`CHUNK`] records, so that a slot's place in its chunk needs
    /// no bounds check.
    chunks: Vec<Box<[Visitor; CHUNK]>>,
    /// Each slot's notices, apart from its record.
    notices: Vec<Notices>,
    /// Slots handed out so far.
    used: u32,
    free: Vec<u32>,
    /// Notices of a third and further revision and withdrawals within the grace
    /// of a later one, by slot (rare).
    spill: HashMap<u32, Spill>,
    /// Visitors shrunk under `--merge`.
    pub(crate) tombs: Tombs,
}

impl Visitors {
    pub(crate) fn new(weak_hash: bool, consent: CategorySet) -> Visitors {
        Visitors {
            place: Keyed::new(),
            mask: if weak_hash { 0x7 } else { u64::MAX },
            table: HashTable::new(),
            chunks: Vec::new(),
            notices: Vec::new(),
            used: 0,
            free: Vec::new(),
            spill: HashMap::new(),
            tombs: Tombs::new(consent),
        }
    }

    /// Visitors remembered now.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Time of the visitor's last event ([`NEVER`] for a new one).
    #[inline]
    pub(crate) fn last(&self, slot: u32) -> i64 {
        self.get(slot).last
    }

    #[inline]
    pub(crate) fn set_last(&mut self, slot: u32, at: i64) {
        self.get_mut(slot).last = at;
    }

    #[inline]
    pub(crate) fn get(&self, slot: u32) -> &Visitor {
        record(&self.chunks, slot)
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut Visitor {
        &mut self.chunks[slot as usize / CHUNK][slot as usize % CHUNK]
    }

    /// Loads what applying an event of the visitors filed under `places` will
    /// read (their table entries and records), so that those loads
    /// overlap here instead of stalling one event at a time. Changes nothing.
    pub(crate) fn warm(&self, places: impl Iterator<Item = u64>) {
        let mut sum = 0u64;
        for place in places {
            let key = place & self.mask;
            if let Some(&slot) = self.table.find(key, |&s| self.get(s).key == key) {
                // Both of the record's cache lines: the state copied whole
                // spans them.
                let v = self.get(slot);
                sum = sum.wrapping_add(v.last as u64);
                std::hint::black_box(v.state);
            }
        }
        std::hint::black_box(sum);
    }

    /// The slot of visitor `id`, and whether it is new (then with a fresh state).
    #[cfg(test)]
    pub(crate) fn find_or_insert(&mut self, id: &str) -> (u32, bool) {
        self.find_or_insert_placed(id, None)
    }

    /// The slot of visitor `id`, and whether it is new (then with a fresh
    /// state), given the id's keyed hash as `place` if already computed.
    pub(crate) fn find_or_insert_placed(&mut self, id: &str, place: Option<u64>) -> (u32, bool) {
        let key = place.unwrap_or_else(|| self.place.hash(id.as_bytes())) & self.mask;
        let check = fast_hash(id.as_bytes());
        if let Some(&slot) = self.table.find(key, |&s| {
            let v = self.get(s);
            v.key == key && v.check == check
        }) {
            return (slot, false);
        }
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = self.used;
                if slot as usize % CHUNK == 0 {
                    let chunk = vec![Visitor::FREE; CHUNK].into_boxed_slice();
                    // A slice of CHUNK records is an array of them.
                    self.chunks
                        .extend(<Box<[Visitor; CHUNK]>>::try_from(chunk).ok());
                }
                self.notices.push(Notices::NONE);
                // A slot per visitor remembered at once: four billion would need
                // some 600 GB, so u32 is not the limit.
                self.used += 1;
                slot
            }
        };
        *self.get_mut(slot) = Visitor {
            key,
            check,
            ..Visitor::FREE
        };
        self.notices[slot as usize] = Notices::NONE;
        let chunks = &self.chunks;
        self.table
            .insert_unique(key, slot, |&s| record(chunks, s).key);
        (slot, true)
    }

    /// The 64-bit hash a tombstone of visitor `slot` is filed under.
    #[inline]
    fn tomb_hash(&self, slot: u32) -> u64 {
        let v = self.get(slot);
        v.key ^ v.check.rotate_left(32)
    }

    /// If visitor `slot`, just inserted, was shrunk before, takes their tombstone
    /// back: their state (the tombstone keeps no time of a last event). Returns
    /// whether there was one.
    pub(crate) fn revive(&mut self, slot: u32) -> bool {
        if self.tombs.is_empty() {
            return false;
        }
        let Some(tomb) = self.tombs.take(self.tomb_hash(slot)) else {
            return false;
        };
        self.get_mut(slot).state = tomb.state(self.tombs.consent);
        true
    }

    /// Remembers a notice of `revision` shown at `at`. Notices before `stale` can
    /// no longer matter and make room.
    pub(crate) fn note_notice(&mut self, slot: u32, revision: u32, at: i64, stale: i64) {
        let n = &mut self.notices[slot as usize];
        for i in 0..2 {
            if n.revision[i] == revision {
                n.at[i] = at;
                return;
            }
        }
        for i in 0..2 {
            if n.revision[i] == 0 || n.at[i] < stale {
                n.revision[i] = revision;
                n.at[i] = at;
                return;
            }
        }
        let older = usize::from(n.at[1] < n.at[0]);
        let evicted = (n.revision[older], n.at[older]);
        n.revision[older] = revision;
        n.at[older] = at;
        self.get_mut(slot).spilled = true;
        let list = &mut self.spill.entry(slot).or_default().notices;
        list.retain(|&(_, t)| t >= stale);
        match list.iter_mut().find(|(r, _)| *r == evicted.0) {
            Some(e) => e.1 = e.1.max(evicted.1),
            None => list.push(evicted),
        }
    }

    /// Whether a notice of `revision` was shown at or after `since`.
    pub(crate) fn notice_since(&self, slot: u32, revision: u32, since: i64) -> bool {
        let n = &self.notices[slot as usize];
        let inline = (0..2).any(|i| n.revision[i] == revision && n.at[i] >= since);
        inline
            || (self.get(slot).spilled
                && self
                    .spill
                    .get(&slot)
                    .is_some_and(|l| l.notices.iter().any(|&(r, t)| r == revision && t >= since)))
    }

    /// Remembers a withdrawal at `at` naming the categories `which`. An earlier
    /// one keeps only the categories no later one named.
    pub(crate) fn note_withdrawal(&mut self, slot: u32, at: i64, which: u32) {
        let v = self.get_mut(slot);
        let (before_at, before) = (v.withdrew_at, v.withdrew & !which);
        v.withdrew_at = at;
        v.withdrew = which;
        if before == 0 && !v.spilled {
            return;
        }
        v.spilled = true;
        let list = &mut self.spill.entry(slot).or_default().withdrawals;
        list.retain_mut(|(_, w)| {
            *w &= !which;
            *w != 0
        });
        if before != 0 {
            list.push((before_at, before));
        }
    }

    /// Forgets the visitor's withdrawals: a full decision replaced them.
    pub(crate) fn clear_withdrawals(&mut self, slot: u32) {
        let v = self.get_mut(slot);
        v.withdrew = 0;
        if v.spilled {
            if let Some(spill) = self.spill.get_mut(&slot) {
                spill.withdrawals.clear();
            }
        }
    }

    /// The time of the latest withdrawal naming the category `category_bit`
    /// since the last full decision, if any.
    pub(crate) fn withdrawn_at(&self, slot: u32, category_bit: u32) -> Option<i64> {
        let v = self.get(slot);
        if v.withdrew & category_bit != 0 {
            return Some(v.withdrew_at);
        }
        if !v.spilled {
            return None;
        }
        let spill = self.spill.get(&slot)?;
        spill
            .withdrawals
            .iter()
            .rev()
            .find(|&&(_, w)| w & category_bit != 0)
            .map(|&(t, _)| t)
    }

    /// Shrinks every visitor whose last event came before `cutoff` to a tombstone;
    /// returns how many. Only for visitors whose every decision has lapsed and
    /// whose notices, signals and withdrawals are out of reach of any later event.
    pub(crate) fn shrink_before(&mut self, cutoff: i64) -> usize {
        let mut shrunk = 0;
        for slot in 0..self.used {
            let last = self.get(slot).last;
            if last == NEVER || last >= cutoff {
                continue;
            }
            let v = *self.get(slot);
            let tomb = Tomb::of(self.tomb_hash(slot), &v.state, self.tombs.consent);
            self.tombs.add(tomb);
            if let Ok(entry) = self.table.find_entry(v.key, |&s| s == slot) {
                entry.remove();
            }
            if v.spilled {
                self.spill.remove(&slot);
            }
            // (Its notices are cleared when the slot is handed out again.)
            *self.get_mut(slot) = Visitor::FREE;
            self.free.push(slot);
            shrunk += 1;
        }
        shrunk
    }
}

/// A visitor shrunk under `--merge` (SPEC §8): 20 bytes. Every decision of theirs
/// has lapsed, so a later event needs only, per consent category, whether the
/// last decision was a grant (then `cookie-on-expired-consent`, with the grant's
/// time), a full refusal or a partial one (which the next partial refusal drops),
/// or none. The last event's time is not needed: under a merge the clock, which
/// is past it, orders every later event.
///
/// Packed to 4-byte alignment, so that a bucket's array holds 20 bytes a
/// tombstone and not 24; its fields are read and written by value only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed(4))]
pub(crate) struct Tomb {
    /// A 64-bit hash of the visitor id (see [`Visitors`]); two ids sharing it
    /// would share a tombstone, a chance of about n²/2⁶⁵ for n visitors shrunk.
    hash: u64,
    /// The last full decision's time.
    decided_at: i64,
    /// Two bits per consent category, in the order of the policy's consent
    /// slots (at most 15: one of the 16 categories is the exempt one, so bits
    /// 30 and 31 are free): 0 undecided, 1 granted, 2 refused by a full
    /// decision, 3 refused by a withdrawal or signal; and [`Tomb::TAKEN`].
    codes: u32,
}

impl Tomb {
    /// Set in `codes` when the tombstone was taken back (the visitor revived).
    const TAKEN: u32 = 1 << 31;

    fn taken(&self) -> bool {
        self.codes & Tomb::TAKEN != 0
    }

    fn of(hash: u64, state: &ConsentState, consent: CategorySet) -> Tomb {
        let p = state.to_parts();
        let mut codes = 0u32;
        for (i, slot) in consent.slots().enumerate() {
            let bit = 1u32 << slot;
            let code = if p.granted & bit != 0 {
                1
            } else if p.refused & bit != 0 {
                2
            } else if (p.withdrawn | p.signalled) & bit != 0 {
                3
            } else {
                0
            };
            codes |= code << (2 * i);
        }
        debug_assert_eq!(codes & Tomb::TAKEN, 0, "at most 15 consent categories");
        Tomb {
            hash,
            decided_at: p.decided_at,
            codes,
        }
    }

    /// A state that answers every later event as the shrunk one would: the same
    /// decisions, all lapsed.
    fn state(&self, consent: CategorySet) -> ConsentState {
        let mut p = StateParts::default();
        for (i, slot) in consent.slots().enumerate() {
            let bit = 1u32 << slot;
            match (self.codes >> (2 * i)) & 3 {
                1 => p.granted |= bit,
                2 => p.refused |= bit,
                3 => p.withdrawn |= bit,
                _ => {}
            }
        }
        p.decided_at = self.decided_at;
        // Lapsed long before any later event, as the shrunk refusals had.
        p.partial_at = i64::MIN / 2;
        p.flags = u32::from(p.granted | p.refused != 0);
        // Parts made from a state's own sets are always a state.
        ConsentState::from_parts(&p).unwrap_or(ConsentState::new(0))
    }
}

/// The tombstones: 16,384 buckets by the hash's top bits, each a sorted array
/// grown one tombstone at a time, so that memory is the tombstones themselves and
/// a few bytes a bucket, and a lookup reads one bucket. A revived visitor's is
/// marked taken and dropped at the bucket's next growth.
#[derive(Debug)]
pub(crate) struct Tombs {
    buckets: Box<[Vec<Tomb>]>,
    len: usize,
    dead: usize,
    /// The policy's consent categories, whose order the codes follow.
    consent: CategorySet,
}

impl Tombs {
    const BITS: u32 = 14;

    fn new(consent: CategorySet) -> Tombs {
        Tombs {
            buckets: Box::default(),
            len: 0,
            dead: 0,
            consent,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len - self.dead
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held: the tombstones' arrays and the buckets.
    pub(crate) fn bytes(&self) -> usize {
        let arrays: usize = self.buckets.iter().map(Vec::capacity).sum();
        arrays * std::mem::size_of::<Tomb>() + std::mem::size_of_val(&*self.buckets)
    }

    fn bucket(hash: u64) -> usize {
        (hash >> (64 - Self::BITS)) as usize
    }

    fn add(&mut self, tomb: Tomb) {
        if self.buckets.is_empty() {
            self.buckets = (0..1usize << Self::BITS).map(|_| Vec::new()).collect();
        }
        let bucket = &mut self.buckets[Self::bucket(tomb.hash)];
        let before = bucket.len();
        bucket.retain(|t| !t.taken());
        let dropped = before - bucket.len();
        self.dead -= dropped;
        self.len -= dropped;
        // Grown by one: no doubling, so memory is what the tombstones need.
        bucket.reserve_exact(1);
        let at = bucket.partition_point(|t| t.hash < tomb.hash);
        bucket.insert(at, tomb);
        self.len += 1;
    }

    fn take(&mut self, hash: u64) -> Option<Tomb> {
        let bucket = self.buckets.get_mut(Self::bucket(hash))?;
        let start = bucket.partition_point(|t| t.hash < hash);
        let found = bucket[start..]
            .iter()
            .take_while(|t| t.hash == hash)
            .position(|t| !t.taken())?;
        let tomb = &mut bucket[start + found];
        let shrunk = *tomb;
        tomb.codes |= Tomb::TAKEN;
        self.dead += 1;
        Some(shrunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_fits_its_budget() {
        assert_eq!(std::mem::size_of::<Visitor>(), 128);
        assert_eq!(std::mem::align_of::<Visitor>(), 64);
        assert_eq!(std::mem::size_of::<Notices>(), 24);
        assert_eq!(std::mem::size_of::<Tomb>(), 20);
        assert_eq!(std::mem::size_of::<ConsentState>(), 80);
    }

    #[test]
    fn ids_sharing_a_first_hash_stay_apart() {
        let mut vs = Visitors::new(true, CategorySet::from_bits(0b110));
        let ids: Vec<String> = (0..100).map(|i| format!("v{i}")).collect();
        let slots: Vec<u32> = ids.iter().map(|id| vs.find_or_insert(id).0).collect();
        for (id, &slot) in ids.iter().zip(&slots) {
            assert_eq!(vs.find_or_insert(id), (slot, false));
        }
        let mut sorted = slots.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 100);
    }

    #[test]
    fn notices_of_many_revisions_are_all_remembered() {
        let mut vs = Visitors::new(false, CategorySet::from_bits(0b110));
        let (slot, _) = vs.find_or_insert("v");
        for rev in 1..=5 {
            vs.note_notice(slot, rev, 100 + i64::from(rev), 0);
        }
        for rev in 1..=5 {
            assert!(vs.notice_since(slot, rev, 100 + i64::from(rev)), "{rev}");
            assert!(!vs.notice_since(slot, rev, 101 + i64::from(rev)), "{rev}");
        }
        assert!(!vs.notice_since(slot, 6, 0));
    }

    #[test]
    fn each_category_keeps_its_latest_withdrawal() {
        let mut vs = Visitors::new(false, CategorySet::from_bits(0b110));
        let (slot, _) = vs.find_or_insert("v");
        vs.note_withdrawal(slot, 100, 0b011);
        vs.note_withdrawal(slot, 105, 0b010);
        vs.note_withdrawal(slot, 110, 0b100);
        assert_eq!(vs.withdrawn_at(slot, 0b001), Some(100));
        assert_eq!(vs.withdrawn_at(slot, 0b010), Some(105));
        assert_eq!(vs.withdrawn_at(slot, 0b100), Some(110));
        vs.note_withdrawal(slot, 200, 0b001);
        assert_eq!(vs.withdrawn_at(slot, 0b001), Some(200));
        assert_eq!(vs.withdrawn_at(slot, 0b010), Some(105));
        vs.clear_withdrawals(slot);
        assert_eq!(vs.withdrawn_at(slot, 0b001), None);
        assert_eq!(vs.withdrawn_at(slot, 0b010), None);
    }

    #[test]
    fn shrinking_frees_slots_and_revives_from_the_tombstone() {
        let mut vs = Visitors::new(false, CategorySet::from_bits(0b110));
        for i in 0..10 {
            let (slot, _) = vs.find_or_insert(&format!("v{i}"));
            vs.set_last(slot, i);
            vs.note_notice(slot, 1, i, 0);
        }
        assert_eq!(vs.shrink_before(5), 5);
        assert_eq!(vs.len(), 5);
        assert_eq!(vs.tombs.len(), 5);
        let (slot, new) = vs.find_or_insert("v0");
        assert!(new && slot < 5, "a freed slot is handed out again");
        // The slot's last holder's notice is not the new holder's.
        assert!(!vs.notice_since(slot, 1, 0));
        assert!(vs.revive(slot));
        assert_eq!(vs.tombs.len(), 4);
        assert!(!vs.find_or_insert("v7").1);
        let (slot, _) = vs.find_or_insert("v10");
        assert!(!vs.revive(slot));
    }
}
