//! The visitors an audit remembers: one core consent state each, and the little
//! the rules need beyond it, kept so that memory grows with the visitors
//! remembered and not with the length of the log.
//!
//! A visitor id is not stored. It is hashed twice with SipHash-1-3 under two
//! independent random keys: the first hash places the visitor in the table, the
//! second is kept beside it and compared on every lookup, so two ids that share the
//! first hash (about one pair in 2⁶⁴) stay two visitors. Two ids would be merged
//! only if both 64-bit hashes agreed, a chance of about n²/2¹²⁹ for n visitors
//! (10⁻²⁷ for a million). Visitors live in fixed-size chunks, never moved or
//! reallocated, and the hash table holds only 4-byte slot numbers.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;
use samtykke::ConsentState;

/// "No time": a free slot's `last`, a visitor's `signal` before any signal.
pub(crate) const NEVER: i64 = i64::MIN;

const CHUNK: usize = 4096;

/// What the audit keeps per visitor (144 bytes).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Visitor {
    /// The core's consent state: every consent rule is the core's.
    pub state: ConsentState,
    key: u64,
    check: u64,
    /// Time of the last event applied; [`NEVER`] while the slot is free.
    pub last: i64,
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
        last: NEVER,
        signal: NEVER,
        notice_revision: [0; 2],
        notice_at: [NEVER; 2],
        spilled: false,
    };
}

/// The remembered visitors.
#[derive(Debug)]
pub(crate) struct Visitors {
    place: RandomState,
    check: RandomState,
    /// Applied to the first hash; all ones except in tests that force collisions.
    mask: u64,
    table: HashTable<u32>,
    chunks: Vec<Box<[Visitor]>>,
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
            check: RandomState::new(),
            mask: if weak_hash { 0x7 } else { u64::MAX },
            table: HashTable::new(),
            chunks: Vec::new(),
            used: 0,
            free: Vec::new(),
            spill: HashMap::new(),
        }
    }

    /// Visitors remembered now.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
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
        let check = self.check.hash_one(id);
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
        let before = self.table.len();
        let chunks = &mut self.chunks;
        let free = &mut self.free;
        let spill = &mut self.spill;
        self.table.retain(|&mut slot| {
            let v = &mut chunks[slot as usize / CHUNK][slot as usize % CHUNK];
            if v.last >= cutoff {
                return true;
            }
            if v.spilled {
                spill.remove(&slot);
            }
            *v = Visitor::FREE;
            free.push(slot);
            false
        });
        before - self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_fits_its_budget() {
        assert!(std::mem::size_of::<Visitor>() <= 144);
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
            vs.get_mut(slot).last = i;
        }
        assert_eq!(vs.forget_before(5), 5);
        assert_eq!(vs.len(), 5);
        let (slot, new) = vs.find_or_insert("v0");
        assert!(new && slot < 10);
        assert!(!vs.find_or_insert("v7").1);
    }
}
