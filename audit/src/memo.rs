//! A small memo of what the audit computes from texts a log repeats (a cookie's
//! name, a `Set-Cookie` header's attributes).

use super::hash::fast_hash;

/// The value computed for up to `SLOTS` texts, direct-mapped by a hash of the
/// text (a text evicts the one before it in its slot), so it stays small
/// whatever texts a log holds. A text over `longest` bytes is computed and not
/// kept: the memo holds at most `SLOTS × longest` bytes of text.
#[derive(Debug)]
pub(crate) struct Memo<V, const SLOTS: usize> {
    pub(crate) slots: Vec<Option<(u64, Box<str>, V)>>,
    longest: usize,
}

impl<V: Copy, const SLOTS: usize> Memo<V, SLOTS> {
    /// An empty memo keeping texts of at most `longest` bytes.
    pub(crate) fn new(longest: usize) -> Self {
        Memo {
            slots: (0..SLOTS).map(|_| None).collect(),
            longest,
        }
    }

    /// `compute(text)`, computed once while `text` keeps its slot.
    #[inline]
    pub(crate) fn get(&mut self, text: &str, compute: impl FnOnce(&str) -> V) -> V {
        if text.len() > self.longest {
            return compute(text);
        }
        let h = fast_hash(text.as_bytes());
        let slot = &mut self.slots[h as usize % SLOTS];
        match slot {
            Some((k, t, v)) if *k == h && **t == *text => *v,
            _ => {
                let v = compute(text);
                *slot = Some((h, text.into(), v));
                v
            }
        }
    }
}
