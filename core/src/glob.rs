//! Name patterns of storage declarations: `*` matches any run, `?` one character.

/// Whether `name` contains a wildcard.
#[inline]
pub(crate) fn is_glob(name: &str) -> bool {
    name.bytes().any(|b| b == b'*' || b == b'?')
}

/// The literal text before the first wildcard.
#[inline]
pub(crate) fn literal_prefix(pattern: &str) -> &str {
    match pattern.bytes().position(|b| b == b'*' || b == b'?') {
        Some(i) => &pattern[..i],
        None => pattern,
    }
}

/// Compares `pattern`'s literal prefix with `key`, byte by byte, without first
/// finding where the prefix ends.
#[inline]
pub(crate) fn cmp_prefix(pattern: &str, key: &[u8]) -> core::cmp::Ordering {
    use core::cmp::Ordering;
    let p = pattern.as_bytes();
    let mut i = 0;
    loop {
        let literal = match p.get(i) {
            None | Some(b'*' | b'?') => None,
            Some(&b) => Some(b),
        };
        match (literal, key.get(i)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(&b)) if a != b => return a.cmp(&b),
            _ => i += 1,
        }
    }
}

/// Length in bytes of the UTF-8 character that starts with `b`.
#[inline]
fn char_len(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Whether `name` matches `pattern`.
///
/// Iterative, with one backtrack point for the last `*` seen, so it runs in
/// O(pattern × name) at worst and never recurses; the last `*` of a pattern
/// compares the literal tail after it with the end of the name at once.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    matches_bytes(pattern.as_bytes(), name.as_bytes())
}

/// [`matches`] on bytes, for callers that already compared a literal prefix and
/// pass the rest.
pub(crate) fn matches_bytes(p: &[u8], n: &[u8]) -> bool {
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] == b'*' {
            pi += 1;
            let rest = &p[pi..];
            if !rest.iter().any(|&b| b == b'*' || b == b'?') {
                // The last star: it takes whatever comes before a literal tail,
                // which starts at a character boundary since the tail does.
                return n.len() - ni >= rest.len() && n.ends_with(rest);
            }
            star = Some((pi, ni));
        } else if pi < p.len() && p[pi] == b'?' {
            pi += 1;
            ni += char_len(n[ni]).min(n.len() - ni);
        } else if pi < p.len() && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if let Some((sp, sn)) = star {
            // Let the last star swallow one more character and retry after it.
            let next = sn + char_len(n[sn]).min(n.len() - sn);
            star = Some((sp, next));
            pi = sp;
            ni = next;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_documented() {
        assert!(matches("SESS*", "SESSabc"));
        assert!(matches("SESS*", "SESS"));
        assert!(!matches("SESS*", "xSESS"));
        assert!(matches("_ga_*", "_ga_ABC123"));
        assert!(!matches("_ga_*", "_ga"));
        assert!(matches("a?c", "abc"));
        assert!(matches("a?c", "aøc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*x*y", "aaxbby"));
        assert!(!matches("*x*y", "aaxbb"));
        assert!(matches("*", ""));
        assert!(matches(
            "closed-emergency-banner-*",
            "closed-emergency-banner-42"
        ));
        assert_eq!(literal_prefix("closed-*-x?"), "closed-");
        assert_eq!(literal_prefix("abc"), "abc");
        assert!(is_glob("a*") && is_glob("a?") && !is_glob("abc"));
        use core::cmp::Ordering::*;
        for (pattern, key) in [
            ("SESS*", "SESS"),
            ("SESS*", "SES"),
            ("SESS*", "SESSa"),
            ("a?", "b"),
            ("ab", "ab"),
            ("", ""),
        ] {
            assert_eq!(
                cmp_prefix(pattern, key.as_bytes()),
                literal_prefix(pattern).as_bytes().cmp(key.as_bytes()),
                "{pattern} vs {key}"
            );
        }
        assert_eq!(cmp_prefix("x*", b"y"), Less);
    }

    /// The last star's literal tail must fit after what came before the star:
    /// `a*ab` does not cover `ab` although `ab` ends with the tail.
    #[test]
    fn the_last_star_tail_never_overlaps_the_text_before_it() {
        assert!(!matches("a*ab", "ab"));
        assert!(matches("a*ab", "aab"));
        assert!(!matches("ab*b", "ab"));
        assert!(matches("ab*b", "abb"));
        assert!(!matches("*?*xy", "xy"));
        assert!(matches("*?*xy", "axy"));
        assert!(matches("a*", "a") && matches("a*b*", "ab") && !matches("a*b*c", "ab"));
    }

    /// `?` is one character, whatever its UTF-8 length: one byte (`c`), two (`ø`),
    /// three (`€`) or four (`😀`), never part of one nor two of them. Found by
    /// mutation testing (scripts/mutants): no test had a three-byte character.
    #[test]
    fn question_mark_matches_one_character_of_any_utf8_length() {
        for [one, two, one_b, two_b] in [
            ["ac", "acc", "acb", "accb"],
            ["aø", "aøø", "aøb", "aøøb"],
            ["a€", "a€€", "a€b", "a€€b"],
            ["a😀", "a😀😀", "a😀b", "a😀😀b"],
        ] {
            assert!(matches("a?", one), "a? vs {one}");
            assert!(!matches("a??", one), "a?? vs {one}");
            assert!(!matches("a?", two), "a? vs {two}");
            assert!(matches("a?b", one_b), "a?b vs {one_b}");
            assert!(matches("*?b", one_b), "*?b vs {one_b}");
            assert!(!matches("a?b", two_b), "a?b vs {two_b}");
            assert!(matches("a??b", two_b), "a??b vs {two_b}");
        }
    }
}
