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
        from: set.runs(),
        read: 0,
        // A bit field names each id once, ascending.
        check: set.is_range_encoded(),
        max_end: None,
        seen: None,
        rest: None,
    }
}

/// The ids of `set`, each once, in [`distinct_runs`]'s order.
pub fn distinct_ids<'a>(set: &VendorSet<'a>) -> impl Iterator<Item = u16> + Clone + 'a {
    distinct_runs(set).flat_map(|(first, last)| first..=last)
}

/// See [`distinct_runs`]. Runs that come in ascending order, each past the
/// last, are passed on as they are; at the first that does not, the ids named
/// so far are marked, one bit each (8 KiB), and every later run is checked
/// against them.
#[derive(Clone, Debug)]
pub struct DistinctRuns<'a> {
    runs: VendorRuns<'a>,
    /// The set's runs from the start, to mark those read once a run repeats.
    from: VendorRuns<'a>,
    /// Runs taken from `runs`.
    read: usize,
    /// Whether runs may repeat ids (a range list).
    check: bool,
    /// The largest id passed on so far.
    max_end: Option<u16>,
    /// Bit `id` set once `id` was named (after the first run out of order).
    seen: Option<Vec<u64>>,
    /// What is left of the run being read: from, to.
    rest: Option<(u32, u32)>,
}

impl Iterator for DistinctRuns<'_> {
    type Item = (u16, u16);

    fn next(&mut self) -> Option<(u16, u16)> {
        if self.seen.is_none() {
            let (first, last) = self.runs.next()?;
            self.read += 1;
            if !self.check || self.max_end.map_or(true, |end| first > end) {
                self.max_end = Some(last);
                return Some((first, last));
            }
            // A run that starts at or before an id already passed on.
            let mut seen = vec![0u64; 1024];
            for (a, b) in self.from.clone().take(self.read - 1) {
                mark(&mut seen, u32::from(a), u32::from(b));
            }
            self.seen = Some(seen);
            self.rest = Some((u32::from(first), u32::from(last)));
        }
        let seen = self.seen.as_mut()?;
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

/// One publisher restriction with its vendors as runs `(first, last)`, each
/// vendor once under its purpose and restriction type: see [`restrictions`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestrictionRuns {
    /// The purpose id.
    pub purpose: u8,
    /// The restriction type, 0 to 3.
    pub restriction_type: u8,
    /// The vendors not listed under this purpose and type by an earlier
    /// restriction, in the string's order.
    pub runs: Vec<(u16, u16)>,
}

impl RestrictionRuns {
    /// The vendor ids, in order.
    pub fn ids(&self) -> impl Iterator<Item = u16> + Clone + '_ {
        self.runs.iter().flat_map(|&(first, last)| first..=last)
    }

    /// How many vendors.
    pub fn len(&self) -> usize {
        self.runs
            .iter()
            .map(|&(first, last)| usize::from(last - first) + 1)
            .sum()
    }

    /// Whether it lists no vendor (every one repeats an earlier restriction's).
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

/// The publisher restrictions of `tc` in the string's order, each vendor once
/// under its purpose and restriction type: a string may repeat a restriction
/// (iabtcf-es issue 201) or name a vendor again, and 4,095 restrictions of all
/// 65,535 ids would otherwise stand for 268 million. A restriction keeps its
/// place with the vendors the earlier ones of its purpose and type did not
/// list, so the ids are at most 65,535 for each of the 256 purpose and type
/// pairs a string can write.
pub fn restrictions(tc: &samtykke::tcf::TcString<'_>) -> Vec<RestrictionRuns> {
    // The purpose (6 bits) and type (2 bits) pairs met so far.
    let mut met = [false; 256];
    let mut out: Vec<RestrictionRuns> = Vec::with_capacity(tc.publisher_restrictions.len());
    for r in tc.publisher_restrictions.iter() {
        let pair = usize::from(r.purpose & 0x3f) << 2 | usize::from(r.restriction_type & 3);
        let mut runs = distinct_runs(&r.vendors);
        if met[pair] {
            // A pair again (rare): the ids its earlier restrictions listed.
            let mut seen = vec![0u64; 1024];
            for earlier in out
                .iter()
                .filter(|e| (e.purpose, e.restriction_type) == (r.purpose, r.restriction_type))
            {
                for &(a, b) in &earlier.runs {
                    mark(&mut seen, u32::from(a), u32::from(b));
                }
            }
            runs.seen = Some(seen);
        }
        met[pair] = true;
        out.push(RestrictionRuns {
            purpose: r.purpose,
            restriction_type: r.restriction_type,
            runs: runs.collect(),
        });
    }
    out
}
