//! The consent cookie decoder (SPEC §5) on the kk.dk policy, without a key and with
//! the site key. Beyond not panicking: every error is a cookie code (3xx); a value
//! that verifies under the key reads the same without it; and what decodes
//! re-encodes, signed and unsigned, to a value that decodes to the same state.

#![no_main]

use libfuzzer_sys::fuzz_target;
use samtykke::{ConsentState, COOKIE_MAX_LEN};
use samtykke_fuzz::{kk, KEY};

fuzz_target!(|data: &[u8]| {
    let policy = kk();
    let unkeyed = ConsentState::decode_cookie(policy, data, None);
    let keyed = ConsentState::decode_cookie(policy, data, Some(KEY));
    for r in [&unkeyed, &keyed] {
        if let Err(e) = r {
            let code = e.code() as u32;
            assert!((300..400).contains(&code), "{e:?} has code {code}");
            let _ = e.to_string();
        }
    }
    if let Ok(state) = &keyed {
        assert_eq!(
            unkeyed.as_ref(),
            Ok(state),
            "a verified cookie reads the same unverified"
        );
    }
    if let Ok(state) = unkeyed {
        let mut buf = [0u8; COOKIE_MAX_LEN];
        for key in [None, Some(&KEY[..])] {
            let n = state
                .encode_cookie(policy, key, &mut buf)
                .expect("COOKIE_MAX_LEN bytes always suffice");
            let again = ConsentState::decode_cookie(policy, &buf[..n], key)
                .expect("a cookie samtykke wrote decodes");
            assert_eq!(again, state, "{:?}", std::str::from_utf8(&buf[..n]));
        }
    }
});
