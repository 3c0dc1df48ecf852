//! `Set-Cookie` values (SPEC §6), one per line. Beyond not panicking: a value that
//! parses is written back to one that parses the same; an error is
//! `header_invalid` within the value; the filter keeps or drops each line exactly
//! once, keeping lines as they were.

#![no_main]

use libfuzzer_sys::fuzz_target;
use samtykke::{Code, ConsentState, Ctx};
use samtykke_fuzz::{kk, t0};
use samtykke_host::http::{filter_set_cookie, SetCookie};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<&str> = s.split('\n').collect();
    for line in &lines {
        match SetCookie::parse(line) {
            Ok(c) => {
                assert!(!c.name.is_empty() && !c.name.contains(';'));
                let again = c.to_string();
                assert_eq!(SetCookie::parse(&again).as_ref(), Ok(&c), "{again}");
                let _ = (c.is_deletion(t0()), c.lifetime_seconds(t0()));
            }
            Err(e) => {
                assert_eq!(e.code(), Code::HeaderInvalid);
                assert!(e.offset <= line.len(), "{e}");
                let _ = e.to_string();
            }
        }
    }
    let policy = kk();
    let mut state = ConsentState::new(7);
    state.accept_all(policy, Ctx::button(t0(), 1));
    let f = filter_set_cookie(&state, policy, &lines, t0());
    assert_eq!(f.kept.len() + f.dropped.len(), lines.len());
    for kept in &f.kept {
        assert!(lines.contains(kept));
    }
});
