//! The GPP decoder (SPEC §16). Beyond not panicking: every error is
//! `gpp_invalid`; what decodes has as many sections as section ids, each
//! section's text is a part of the input, and the decoded sections decode again
//! on their own to the same thing.

#![no_main]

use libfuzzer_sys::fuzz_target;
use samtykke::gpp::{decode_section, GppString};
use samtykke::Code;

fuzz_target!(|data: &[u8]| {
    match GppString::decode(data) {
        Err(e) => {
            assert_eq!(e.code(), Code::GppInvalid);
            let _ = e.to_string();
        }
        Ok(g) => {
            let ids: Vec<u16> = g.section_ids().collect();
            assert_eq!(ids.len(), g.len());
            assert_eq!(g.sections().count(), ids.len());
            for w in ids.windows(2) {
                assert!(w[0] < w[1], "section ids ascend: {ids:?}");
            }
            let range = data.as_ptr_range();
            for s in g.sections() {
                let r = s.raw.as_ptr_range();
                assert!(range.start <= r.start && r.end <= range.end);
                assert_eq!(decode_section(s.id, s.raw), Ok(s.section));
            }
        }
    }
});
