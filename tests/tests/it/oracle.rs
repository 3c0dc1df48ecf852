//! Oracles the property tests judge the core by, written from SPEC §3 apart from
//! the core: name patterns as anchored regular expressions (the `regex` crate, not
//! the core's matcher), and the lookup order built on them.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::Regex;
use samtykke::{Declaration, Kind};

/// The anchored regular expression of a name pattern (SPEC §3): `*` any run of
/// characters, `?` exactly one character, every other character itself (regex
/// metacharacters escaped); `(?s)` so that a newline is a character like any other.
pub(crate) fn glob_regex(pattern: &str) -> String {
    let mut re = String::from(r"(?s)\A");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    re.push_str(r"\z");
    re
}

/// Whether `pattern` is a glob (holds `*` or `?`).
pub(crate) fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Whether the declared `pattern` covers `name`: equal, for an exact name; a match
/// of [`glob_regex`], for a pattern. Compiled regexes are kept per thread.
pub(crate) fn covers(pattern: &str, name: &str) -> bool {
    thread_local! {
        static CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
    }
    if !is_glob(pattern) {
        return pattern == name;
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 4096 {
            cache.clear();
        }
        cache
            .entry(pattern.to_owned())
            .or_insert_with(|| Regex::new(&glob_regex(pattern)).expect("an escaped pattern"))
            .is_match(name)
    })
}

/// Length in bytes of the literal text before `pattern`'s first wildcard.
pub(crate) fn literal_prefix_len(pattern: &str) -> usize {
    pattern.find(['*', '?']).unwrap_or(pattern.len())
}

/// The declaration SPEC §3 says `name` of `kind` resolves to, by index: an exact
/// name of the kind first; else, among the patterns of the kind that cover it
/// ([`covers`]), the longest literal prefix, then the first declared.
pub(crate) fn lookup(storage: &[Declaration<'_>], kind: Kind, name: &str) -> Option<usize> {
    storage
        .iter()
        .position(|d| d.kind == kind && !is_glob(d.name) && d.name == name)
        .or_else(|| {
            storage
                .iter()
                .enumerate()
                .filter(|(_, d)| d.kind == kind && is_glob(d.name) && covers(d.name, name))
                .min_by_key(|&(i, d)| (std::cmp::Reverse(literal_prefix_len(d.name)), i))
                .map(|(i, _)| i)
        })
}
