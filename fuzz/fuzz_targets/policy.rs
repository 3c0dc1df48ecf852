//! The policy JSON loader (SPEC §3). Beyond not panicking: an error carries a policy
//! code (2xx), a path and a message; a policy that loads lints, and its first
//! state survives accept-all through the consent cookie and the proof record's JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use samtykke::{ConsentState, Ctx, COOKIE_MAX_LEN};
use samtykke_fuzz::t0;
use samtykke_host::proof_json::{proof_from_json, proof_to_json};
use samtykke_host::{lint, OwnedPolicy};

fuzz_target!(|data: &[u8]| {
    match OwnedPolicy::from_slice(data) {
        Err(e) => {
            let code = e.code() as u32;
            assert!((200..300).contains(&code), "{e} has code {code}");
            assert!(!e.path().is_empty() && !e.message().is_empty(), "{e:?}");
            let _ = e.to_string();
        }
        Ok(owned) => {
            let _ = lint(&owned);
            let policy = owned.view();
            let mut state = ConsentState::new(0x0123_4567_89ab_cdef);
            let proof = state.accept_all(&policy, Ctx::button(t0(), 1));
            let mut buf = [0u8; COOKIE_MAX_LEN];
            let n = state
                .encode_cookie(&policy, None, &mut buf)
                .expect("COOKIE_MAX_LEN bytes always suffice");
            let again = ConsentState::decode_cookie(&policy, &buf[..n], None)
                .expect("a cookie samtykke wrote decodes");
            assert_eq!(again, state);
            let line = proof_to_json(&policy, &proof);
            assert_eq!(proof_from_json(&policy, &line), Ok(proof), "{line}");
        }
    }
});
