//! Consent-log lines (SPEC §8) through the audit's public API, each line of the
//! input a log line under kk.dk. Beyond not panicking: the audit reads every line
//! (it never stops on a bad one), counts what it reports, and writes its report.

#![no_main]

use libfuzzer_sys::fuzz_target;
use samtykke_audit::{audit_lines, AuditOptions};
use samtykke_fuzz::kk_owned;

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let report = audit_lines(kk_owned().view(), &lines, AuditOptions::default());
    let s = &report.summary;
    // Every line counts but blank ones (only whitespace, after a byte-order mark
    // on line 1).
    let blank = |(i, l): (usize, &&[u8])| {
        let l = if i == 0 {
            l.strip_prefix("\u{feff}".as_bytes()).unwrap_or(l)
        } else {
            l
        };
        l.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    };
    let counted = lines.iter().enumerate().filter(|l| !blank(*l)).count();
    assert_eq!(s.lines, counted as u64);
    assert_eq!(s.input_errors, report.input_errors.len() as u64);
    assert!(s.events + s.input_errors <= s.lines, "{s:?}");
    for e in &report.input_errors {
        assert!((1..=lines.len() as u64).contains(&e.line), "{e:?}");
    }
    let _ = report.to_json();
    let mut text = Vec::new();
    report.write_text(&mut text).expect("writing to memory");
});
