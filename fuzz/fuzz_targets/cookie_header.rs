//! The `Cookie` request header (SPEC §6). Beyond not panicking: pairs hold no `;`,
//! names no `=`, both are trimmed; an error is `header_invalid` at a control
//! character.

#![no_main]

use libfuzzer_sys::fuzz_target;
use samtykke::Code;
use samtykke_host::http::parse_cookie_header;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    match parse_cookie_header(s) {
        Ok(pairs) => {
            for (name, value) in pairs {
                assert!(!name.contains(';') && !value.contains(';'));
                assert!(!name.contains('='));
                assert_eq!(name.trim_matches([' ', '\t']), name);
                assert_eq!(value.trim_matches([' ', '\t']), value);
            }
        }
        Err(e) => {
            assert_eq!(e.code(), Code::HeaderInvalid);
            let b = s.as_bytes()[e.offset];
            assert!(b < 0x20 || b == 0x7f, "{e}");
            let _ = e.to_string();
        }
    }
});
