//! The visitors an audit remembers: one core consent state each, and the little
//! the rules need beyond it, kept so that memory grows with the visitors
//! remembered and not with the length of the log.
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
use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;
use samtykke::ConsentState;

/// "No time": a free slot's `last`, a visitor's `signal` before any signal.
pub(crate) const NEVER: i64 = i64::MIN;

const CHUNK: usize = 4096;

/// What the audit keeps per visitor (144 bytes, and 8 in [`Visitors::lasts`]).
/// The hashes come first, beside the state: a lookup and the event it serves read
/// neighbouring bytes.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct Visitor {
    key: u64,
    check: u64,
    /// The core's consent state: every consent rule is the core's.
    pub state: ConsentState,
    /// Time of the last GPC signal (a decision's GPC flag within the longest TTL).
    pub signal: i64,
    /// The latest notice shown per revision, for two revisions (0: empty); more
    /// spill into [`Visitors::spill`].
    notice_revision: [u32; 2],
    notice_at: [i64; 2],
    spilled: bool,
}

impl Visitor {
    const FREE: Visitor = Visitor {
        state: ConsentState::new(0),
        key: 0,
        check: 0,
        signal: NEVER,
        notice_revision: [0; 2],
        notice_at: [NEVER; 2],
        spilled: false,
    };
}

/// The remembered visitors.
/// A fast 64-bit hash of `b`, eight bytes at a time, with the splitmix64
/// finalizer. Not keyed: it checks a keyed hash, or memoizes, never places alone.
#[inline]
pub(crate) fn fast_hash(b: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (b.len() as u64).wrapping_mul(K);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

#[derive(Debug)]
pub(crate) struct Visitors {
    place: RandomState,
    /// Applied to the first hash; all ones except in tests that force collisions.
    mask: u64,
    table: HashTable<u32>,
    chunks: Vec<Box<[Visitor]>>,
    /// Time of each slot's last event, [`NEVER`] while the slot is free: apart,
    /// so that looking for idle visitors reads 8 bytes a visitor, in order.
    lasts: Vec<i64>,
    /// Slots handed out so far.
    used: u32,
    free: Vec<u32>,
    /// Notices of a third and further revision, by slot (rare).
    spill: HashMap<u32, Vec<(u32, i64)>>,
}

impl Visitors {
    pub(crate) fn new(weak_hash: bool) -> Visitors {
        Visitors {
            place: RandomState::new(),
            mask: if weak_hash { 0x7 } else { u64::MAX },
            table: HashTable::new(),
            chunks: Vec::new(),
            lasts: Vec::new(),
            used: 0,
            free: Vec::new(),
            spill: HashMap::new(),
        }
    }

    /// Visitors remembered now.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Time of the visitor's last event ([`NEVER`] for a new one).
    #[inline]
    pub(crate) fn last(&self, slot: u32) -> i64 {
        self.lasts[slot as usize]
    }

    #[inline]
    pub(crate) fn set_last(&mut self, slot: u32, at: i64) {
        self.lasts[slot as usize] = at;
    }

    #[inline]
    pub(crate) fn get(&self, slot: u32) -> &Visitor {
        &self.chunks[slot as usize / CHUNK][slot as usize % CHUNK]
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut Visitor {
        &mut self.chunks[slot as usize / CHUNK][slot as usize % CHUNK]
    }

    /// The slot of visitor `id`, and whether it is new (then with a fresh state).
    pub(crate) fn find_or_insert(&mut self, id: &str) -> (u32, bool) {
        let key = self.place.hash_one(id) & self.mask;
        let check = fast_hash(id.as_bytes());
        let chunks = &self.chunks;
        let at = |slot: u32| &chunks[slot as usize / CHUNK][slot as usize % CHUNK];
        if let Some(&slot) = self.table.find(key, |&s| {
            let v = at(s);
            v.key == key && v.check == check
        }) {
            return (slot, false);
        }
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = self.used;
                if slot as usize % CHUNK == 0 {
                    self.chunks
                        .push(vec![Visitor::FREE; CHUNK].into_boxed_slice());
                }
                self.lasts.push(NEVER);
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
        let chunks = &self.chunks;
        self.table.insert_unique(key, slot, |&s| {
            chunks[s as usize / CHUNK][s as usize % CHUNK].key
        });
        (slot, true)
    }

    /// Starts visitor `slot` afresh, as a new visitor.
    pub(crate) fn reset(&mut self, slot: u32) {
        let v = self.get_mut(slot);
        let spilled = v.spilled;
        *v = Visitor {
            key: v.key,
            check: v.check,
            ..Visitor::FREE
        };
        if spilled {
            self.spill.remove(&slot);
        }
    }

    /// Remembers a notice of `revision` shown at `at`. Notices before `stale` can
    /// no longer matter and make room.
    pub(crate) fn note_notice(&mut self, slot: u32, revision: u32, at: i64, stale: i64) {
        let v = self.get_mut(slot);
        for i in 0..2 {
            if v.notice_revision[i] == revision {
                v.notice_at[i] = at;
                return;
            }
        }
        for i in 0..2 {
            if v.notice_revision[i] == 0 || v.notice_at[i] < stale {
                v.notice_revision[i] = revision;
                v.notice_at[i] = at;
                return;
            }
        }
        let older = usize::from(v.notice_at[1] < v.notice_at[0]);
        let evicted = (v.notice_revision[older], v.notice_at[older]);
        v.notice_revision[older] = revision;
        v.notice_at[older] = at;
        v.spilled = true;
        let list = self.spill.entry(slot).or_default();
        list.retain(|&(_, t)| t >= stale);
        match list.iter_mut().find(|(r, _)| *r == evicted.0) {
            Some(e) => e.1 = e.1.max(evicted.1),
            None => list.push(evicted),
        }
    }

    /// Whether a notice of `revision` was shown at or after `since`.
    pub(crate) fn notice_since(&self, slot: u32, revision: u32, since: i64) -> bool {
        let v = self.get(slot);
        let inline = (0..2).any(|i| v.notice_revision[i] == revision && v.notice_at[i] >= since);
        inline
            || (v.spilled
                && self
                    .spill
                    .get(&slot)
                    .is_some_and(|l| l.iter().any(|&(r, t)| r == revision && t >= since)))
    }

    /// Forgets every visitor whose last event came before `cutoff`; returns how
    /// many.
    pub(crate) fn forget_before(&mut self, cutoff: i64) -> usize {
        let mut forgotten = 0;
        for slot in 0..self.lasts.len() {
            let last = self.lasts[slot];
            if last == NEVER || last >= cutoff {
                continue;
            }
            let slot = slot as u32;
            let v = *self.get(slot);
            if let Ok(entry) = self.table.find_entry(v.key, |&s| s == slot) {
                entry.remove();
            }
            if v.spilled {
                self.spill.remove(&slot);
            }
            *self.get_mut(slot) = Visitor::FREE;
            self.lasts[slot as usize] = NEVER;
            self.free.push(slot);
            forgotten += 1;
        }
        forgotten
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_fits_its_budget() {
        assert!(std::mem::size_of::<Visitor>() <= 144);
        assert_eq!(std::mem::size_of::<ConsentState>(), 80);
    }

    #[test]
    fn ids_sharing_a_first_hash_stay_apart() {
        let mut vs = Visitors::new(true);
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
        let mut vs = Visitors::new(false);
        let (slot, _) = vs.find_or_insert("v");
        for rev in 1..=5 {
            vs.note_notice(slot, rev, 100 + i64::from(rev), 0);
        }
        for rev in 1..=5 {
            assert!(vs.notice_since(slot, rev, 100 + i64::from(rev)), "{rev}");
            assert!(!vs.notice_since(slot, rev, 101 + i64::from(rev)), "{rev}");
        }
        assert!(!vs.notice_since(slot, 6, 0));
        vs.reset(slot);
        assert!(!vs.notice_since(slot, 1, 0));
    }

    #[test]
    fn forgetting_frees_slots_for_reuse() {
        let mut vs = Visitors::new(false);
        for i in 0..10 {
            let (slot, _) = vs.find_or_insert(&format!("v{i}"));
            vs.set_last(slot, i);
        }
        assert_eq!(vs.forget_before(5), 5);
        assert_eq!(vs.len(), 5);
        let (slot, new) = vs.find_or_insert("v0");
        assert!(new && slot < 10);
        assert!(!vs.find_or_insert("v7").1);
    }
}
