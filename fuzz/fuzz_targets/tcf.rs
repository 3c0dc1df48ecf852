//! The TC string decoder (SPEC §16). Beyond not panicking: every error is
//! `tcf_invalid` with a field name and a bit inside its segment; what decodes
//! walks every vendor set and restriction to its end without panicking, and a
//! set's `contains` agrees with its iterator.

#![no_main]

use libfuzzer_sys::fuzz_target;
use samtykke::tcf::TcString;
use samtykke::Code;

fuzz_target!(|data: &[u8]| {
    match TcString::decode(data) {
        Err(e) => {
            assert_eq!(e.code(), Code::TcfInvalid);
            assert!(!e.field.is_empty());
            let _ = e.to_string();
        }
        Ok(t) => {
            assert_eq!(t.version, 2);
            assert_ne!(t.vendor_list_version, 0);
            let sets = [
                Some(t.vendor_consents),
                Some(t.vendor_li),
                t.disclosed_vendors,
                t.allowed_vendors,
            ];
            for set in sets.into_iter().flatten() {
                for id in set.iter().take(70_000) {
                    assert!(id >= 1, "vendor id 0 came out of a checked set");
                    assert!(set.contains(id));
                }
            }
            for r in t.publisher_restrictions.iter() {
                for id in r.vendors.iter().take(70_000) {
                    assert!(id >= 1);
                }
            }
            let _ = (
                t.created_at(),
                t.warnings().count(),
                t.consent_language_str(),
            );
        }
    }
});
