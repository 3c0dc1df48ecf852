//! Proof records as JSON lines (SPEC §7) under kk.dk. Beyond not panicking: an error
//! is `proof_invalid`; a record that reads is written back to the line that reads
//! as the same record.

#![no_main]

use libfuzzer_sys::fuzz_target;
use samtykke::Code;
use samtykke_fuzz::kk;
use samtykke_host::proof_json::{proof_from_json, proof_to_json};

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let policy = kk();
    match proof_from_json(policy, line) {
        Ok(proof) => {
            let again = proof_to_json(policy, &proof);
            assert_eq!(proof_from_json(policy, &again), Ok(proof), "{again}");
        }
        Err(e) => {
            assert_eq!(e.code(), Code::ProofInvalid);
            let _ = e.to_string();
        }
    }
});
