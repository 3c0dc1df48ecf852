//! A TC string's vendor sets with each vendor once (SPEC §16), for every front
//! end that lists them.
//!
//! A range-encoded set may name a vendor in more than one entry: real strings
//! do (iabtcf-es issue 201 repeats entries of a publisher restriction), and the
//! core reads the entries as the string writes them. A set holds each vendor
//! once, and a list of 4,095 entries of all 65,535 ids would otherwise stand
//! for some 268 million. [`distinct_runs`] keeps the string's order and drops
//! what an earlier entry named, so no set is longer than 65,535 ids.

use samtykke::tcf::{VendorRuns, VendorSet};

/// The ids of `set` as runs `(first, last)`, both included, in the order the
/// string writes them (ascending for a bit field), each id once: the part of a
/// range entry an earlier entry named is left out.
pub fn distinct_runs<'a>(set: &VendorSet<'a>) -> DistinctRuns<'a> {
    DistinctRuns {
        runs: set.runs(),
        // A bit field names each id once; a range list is checked against the
        // ids named so far, one bit each (8 KiB).
        seen: set.is_range_encoded().then(|| vec![0u64; 1024]),
        rest: None,
    }
}

/// The ids of `set`, each once, in [`distinct_runs`]'s order.
pub fn distinct_ids<'a>(set: &VendorSet<'a>) -> impl Iterator<Item = u16> + Clone + 'a {
    distinct_runs(set).flat_map(|(first, last)| first..=last)
}

/// See [`distinct_runs`].
#[derive(Clone, Debug)]
pub struct DistinctRuns<'a> {
    runs: VendorRuns<'a>,
    /// Bit `id` set once `id` was named (range lists only).
    seen: Option<Vec<u64>>,
    /// What is left of the run being read: from, to.
    rest: Option<(u32, u32)>,
}

impl Iterator for DistinctRuns<'_> {
    type Item = (u16, u16);

    fn next(&mut self) -> Option<(u16, u16)> {
        let Some(seen) = &mut self.seen else {
            return self.runs.next();
        };
        loop {
            let (from, to) = match self.rest.take() {
                Some(rest) => rest,
                None => {
                    let (first, last) = self.runs.next()?;
                    (u32::from(first), u32::from(last))
                }
            };
            // Past the ids named before (whole words of them at a time).
            let start = skip(seen, from, to, true);
            if start > to {
                continue;
            }
            // The ids not named before, marked as they are passed.
            let end = skip(seen, start, to, false);
            mark(seen, start, end - 1);
            if end <= to {
                self.rest = Some((end, to));
            }
            return Some((start as u16, (end - 1) as u16));
        }
    }
}

/// The first id from `from` to `to` whose bit in `seen` is not `set`, or
/// `to + 1`.
fn skip(seen: &[u64], mut from: u32, to: u32, set: bool) -> u32 {
    while from <= to {
        let word = seen[(from / 64) as usize];
        let word = if set { !word } else { word };
        // Bits of the word from `from` on that end the stretch.
        let here = word >> (from % 64);
        if here != 0 {
            return (from + here.trailing_zeros()).min(to + 1);
        }
        from = (from / 64 + 1) * 64;
    }
    to + 1
}

/// Sets the bits of the ids `first..=last`.
fn mark(seen: &mut [u64], first: u32, last: u32) {
    for word in first / 64..=last / 64 {
        let lo = if word == first / 64 { first % 64 } else { 0 };
        let hi = if word == last / 64 { last % 64 } else { 63 };
        seen[word as usize] |= (u64::MAX >> (63 - hi)) & (u64::MAX << lo);
    }
}
