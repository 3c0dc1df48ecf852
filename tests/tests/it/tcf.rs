//! SPEC §16: the TC string and GPP decoders against the public test vectors of the
//! IAB's own libraries and of other decoders, each cited by repository, commit and
//! path; the error kinds with their field and bit; and a property test against an
//! encoder written here from the IAB specification (it never calls the decoder).

use proptest::prelude::*;
use samtykke::gpp::{GppErrorKind, GppString, Section};
use samtykke::tcf::{TcString, TcfErrorKind, TcfWarning};

use crate::counted::Fed;
use crate::http::{arb_edits, mutate};

/// The set's ids; checks on the way that its runs expand to the same ids and,
/// for a bit field, are maximal (never adjacent).
fn ids(set: &samtykke::tcf::VendorSet<'_>) -> Vec<u16> {
    let ids: Vec<u16> = set.iter().collect();
    let runs: Vec<(u16, u16)> = set.runs().collect();
    let expanded: Vec<u16> = runs.iter().flat_map(|&(a, b)| a..=b).collect();
    assert_eq!(expanded, ids, "runs {runs:?}");
    let mut out = vec![0u16; usize::from(set.max_vendor_id()) + 6];
    match set.write_bit_field(&mut out) {
        Some(n) => assert_eq!(out[..n], ids[..]),
        None => assert!(set.is_range_encoded()),
    }
    assert_eq!(
        set.write_bit_field(&mut out[..usize::from(set.max_vendor_id()) + 5]),
        None
    );
    if !set.is_range_encoded() {
        for w in runs.windows(2) {
            assert!(
                w[0].0 <= w[0].1 && u32::from(w[0].1) + 1 < u32::from(w[1].0),
                "{runs:?}"
            );
        }
    }
    ids
}

fn small(set: &samtykke::tcf::IdSet) -> Vec<u8> {
    set.iter().collect()
}

fn tc(s: &str) -> TcString<'_> {
    TcString::decode(s.as_bytes()).unwrap_or_else(|e| panic!("{s}: {e}"))
}

// ---------------------------------------------------------------------------
// IABTechLab/iabgpp-java @ 044ac66daf428dd565ceb08f9cd9f953ed165c8d
// iabgpp-encoder/src/test/java/com/iab/gpp/encoder/section/TcfEuV2Test.java
// ---------------------------------------------------------------------------

#[test]
fn s16_tcf_iabgpp_java_decode3_allowed_and_disclosed_vendors() {
    // testDecode3: four segments, allowed and disclosed vendors of 434 ids each.
    let t = tc("CPcqBNJPcqBNJNwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.YAAAAAAAAAA.QGLtV_T9fb2vj-_Z99_tkeYwf95y3p-wzhheMs-8NyZeH_B4Wv2MyvBX4JiQKGRgksjLBAQdtHGlcTQgBwIlViTLMYk2MjzNKJrJEilsbO2dYGD9Pn8HT3ZCY70-vv__7v3ff_3g.IGLtV_T9fb2vj-_Z99_tkeYwf95y3p-wzhheMs-8NyZeH_B4Wv2MyvBX4JiQKGRgksjLBAQdtHGlcTQgBwIlViTLMYk2MjzNKJrJEilsbO2dYGD9Pn8HT3ZCY70-vv__7v3ff_3g");
    assert_eq!(t.version, 2);
    assert_eq!(t.cmp_id, 880);
    assert_eq!(t.cmp_version, 0);
    assert_eq!(t.consent_screen, 0);
    assert_eq!(t.consent_language_str(), "EN");
    assert_eq!(t.vendor_list_version, 48);
    assert_eq!(t.tcf_policy_version, 2);
    assert!(!t.is_service_specific);
    assert!(!t.use_non_standard_stacks);
    assert!(!t.purpose_one_treatment);
    assert_eq!(t.publisher_cc_str(), "AA");
    assert!(t.publisher_tc.is_some());
    for set in [t.allowed_vendors.unwrap(), t.disclosed_vendors.unwrap()] {
        let v = ids(&set);
        assert_eq!(v.len(), 434);
        assert_eq!(&v[..10], &[1, 2, 4, 6, 8, 10, 11, 12, 13, 14]);
        assert_eq!(
            &v[v.len() - 9..],
            &[782, 783, 784, 785, 786, 788, 789, 790, 791]
        );
    }
}

#[test]
fn s16_tcf_iabgpp_java_decode4_and_5_vendor_counts() {
    // testDecode4.
    let t = tc("CPi8wgAPi8wgAAOACBENCuCoAP_AAEfAACiQJHNd_H__bX9n-f7_6ft0eY1f9_r37uQzDhfNk-8F3L_W_LwX_2E7NF36tq4KmR4ku1LBIUNtHMnUDUmxaokVrzHsak2cpzNKJ_BkknsZe2dYGF9vm5tj-QKZ7_5_d3f52T_9_9v-39z33913v3d93-_13LjdV5_9H_v9fR_b8_Kf9_5-_4v8_____3_e______8AEEggCTDVuIAuxLHAm0DCKBECMKwkKoFABBQDC0QGADg4KdlYBPrCBAAgFAEYEQIcAUYEAgAAAgCQiACQIsEAAAIgEAAIAEQiEABAwCCgAsDAIAAQDQMUQoABAkIMiAiKUwICIEggJbKhBKC6Q0wgCrLACgkRsFAAiAAAUgACAsHAMESAlYsECTFG-QAjBCgFEqFaAGGgAwABBI4RABgACCRwqADAAEEjgA");
    assert_eq!((t.cmp_id, t.cmp_version, t.consent_screen), (14, 2, 1));
    assert_eq!(t.vendor_list_version, 174);
    assert!(t.is_service_specific);
    assert_eq!(small(&t.special_feature_opt_ins), [1]);
    assert_eq!(small(&t.purposes_consent), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(small(&t.purposes_li), [2, 6, 7, 8, 9, 10]);
    assert_eq!(t.publisher_cc_str(), "US");
    assert_eq!(t.vendor_consents.iter().count(), 772);
    assert_eq!(t.vendor_li.iter().count(), 280);
    // testDecode5.
    let t = tc("CPgA5EAPgA5EAAOACBENCuCoAP_AAEfAACiQI0Nd_H__bX9n-f7_6Pt0cY1f9_r3ruQzDhfFk-8F3L_W3LwX32E7NF36pq4KmR4ku1LBIQFtHMnUDUmxaokVrzHsak2cpyNKI7BkknsZe2dYGF9Pm5lD-QKZ7_5_d3f52T_9_9v-39z339V3v3d93-_12PjdV599H_v9fR_b8_Kf9_5-_4v8___4IQAAAAQQ_AJMNW4gC7EscCbQMIoAQIwrCQqAUAEFAMLRAYAODgpmVgEusIEACAUARgRAhxBRgQCAAACAJCIAJAiwQAIAiAQAAgARAIQAEDAIKACwMAgABANAxACgAECQgyICIpTAgIgSCAlsqEEoKpDTCAKssAKARGwUACIAABSAAICwcAwRICViwQJMUbwAw0AGAAIJHCIAMAAQSOFQAYAAgkcA");
    assert_eq!(t.vendor_list_version, 174);
    assert_eq!(t.vendor_consents.iter().count(), 693);
    assert_eq!(t.vendor_li.iter().count(), 254);
}

#[test]
fn s16_tcf_iabgpp_java_decode6_bit_field_vendors() {
    // testDecode6.
    let t = tc("COv_eg6Ov_eg6AOADBENAaCgAP_AAH_AACiQAVEUQQoAIQAqIoghAAQgAA.YAAAAAAAAAAAAAAAAAA");
    assert_eq!((t.cmp_id, t.cmp_version, t.consent_screen), (14, 3, 1));
    assert_eq!(t.vendor_list_version, 26);
    assert!(t.special_feature_opt_ins.is_empty());
    assert_eq!(small(&t.purposes_li), [2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(ids(&t.vendor_consents), [2, 6, 8, 12, 18, 23, 25, 37, 42]);
    assert_eq!(ids(&t.vendor_li), [2, 6, 8, 12, 18, 23, 37, 42]);
    assert!(t.vendor_consents.contains(25) && !t.vendor_li.contains(25));
}

#[test]
fn s16_tcf_iabgpp_java_decode7_ranges_and_a_restriction() {
    // testDecode7: created 2019-10-07T05:17:54Z, vendor consents as ranges.
    let t = tc("COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA");
    assert_eq!(t.created_at().unix_timestamp(), 1_570_425_474);
    assert_eq!(t.last_updated_at().unix_timestamp(), 1_570_425_474);
    assert_eq!((t.cmp_id, t.cmp_version), (7, 1));
    assert_eq!(t.vendor_list_version, 48);
    assert_eq!(small(&t.purposes_consent), [1]);
    assert_eq!(small(&t.purposes_li), [2, 7, 9, 10]);
    assert_eq!(t.publisher_cc_str(), "GB");
    assert_eq!(ids(&t.vendor_consents), [1, 2, 3, 755]);
    assert!(t.vendor_consents.contains(755) && !t.vendor_consents.contains(4));
    assert_eq!(ids(&t.vendor_li), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let r: Vec<_> = t.publisher_restrictions.iter().collect();
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].purpose, r[0].restriction_type), (1, 0));
    assert_eq!(ids(&r[0].vendors), [10]);
}

#[test]
fn s16_tcf_iabgpp_java_decode1_vendor_list_version_zero_is_an_error() {
    // testDecode1 and testDecode2 decode strings whose vendor list version is 0;
    // SPEC §16 makes that an error, found at bit 120 (after 6+36+36+12+12+6+12).
    for s in [
        "CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA.QAAA.IAAA",
        "CPSG_8APSG_8AAAAAAENAACgAAAAAAAAAAAAAAAAAAAA.YAAAAAAAAAAA",
    ] {
        let e = TcString::decode(s.as_bytes()).unwrap_err();
        assert_eq!(e.kind, TcfErrorKind::VendorListVersionZero);
        assert_eq!((e.field, e.segment, e.bit), ("vendor_list_version", 0, 120));
    }
    // testDecodeGarbage1/2: "A" and "z" are no TC strings.
    let e = TcString::decode(b"A").unwrap_err();
    assert_eq!(e.kind, TcfErrorKind::Version(0));
    let e = TcString::decode(b"z").unwrap_err();
    assert_eq!(e.kind, TcfErrorKind::Version(51));
}

// ---------------------------------------------------------------------------
// InteractiveAdvertisingBureau/iabtcf-es @ 05632433c328b0aead5ba3c8af62477108dd4a18
// modules/core/test/ReportedIssues.test.ts
// ---------------------------------------------------------------------------

#[test]
fn s16_tcf_iabtcf_es_issue_201_repeated_restrictions() {
    // "201 unable to decode valid TCF2 String": purpose 1, type 1 covers vendors
    // [7, 20, 71, 122, 140, 183].
    let t = tc("CO4VGswO4VGswAfZCBDEAzCsAP_AAH_AAAigGUNf_X9fb2vj-_599_t0eY1f9_63t-wzjheMs-8NyZ-X_J4Wv2MyvB34JqQKGRgkunLBAQdtHGncTQgBwIlViTLMY02MjzNKJrJEilsbe2dYGH9vn8XT_ZKZ70-_v__7v3___33_5Ayhr_6_r7e18f3_Pvv9ujzGr_v_W9v2GccLxln3huTPy_5PC1-xmV4O_BNSBQyMEl05YICDto407iaEAOBEqsSZZjGmxkeZpRNZIkUtjb2zrAw_t8_i6f7JTPen39___d-___--__ICgKAOAAcAA4AFAAjgB6AEYALcGACAW0AtoJAHAAOAAcACgARwA9ACMAFuFABALaAW0GgDgAHAAOABQAI4AegBGAC3DgAgFtALaEQBwADgAHAAoAEcAPQAjABbiQAQC2gFtCoA4ABwADgAUACOAHoARgAtxYAIBbQC2hkAcAA4ABwAKABHAD0AIwAW40AEAtoBbQ6AOAAcAA4AFAAjgB6AEYALceACAW0AtohAHAAOAAcACgARwA9ACMAFuRABALaAW0SgDgAHAAOABQAI4AegBGAC3JgAgFtALaKQBwADgAHAAoAEcAPQAjABblQAQC2gFtA");
    assert_eq!(t.version, 2);
    let mut vendors: Vec<u16> = t
        .publisher_restrictions
        .iter()
        .filter(|r| (r.purpose, r.restriction_type) == (1, 1))
        .flat_map(|r| r.vendors.iter())
        .collect();
    vendors.sort_unstable();
    vendors.dedup();
    assert_eq!(vendors, [7, 20, 71, 122, 140, 183]);
}

#[test]
fn s16_tcf_iabtcf_es_issue_142_short_bit_field_is_an_error() {
    // "142 it should throw an error if the bitfield length does not match the maxId".
    let s = "CLSYjTaOngnCIAOABBENAXCMAGOAABBAAA7IA5n-m7fP6_3fbqVv6E__PoA5Aqff3aJx8tv_1967rfnQEQoAIAAQCrwkAEABAcACABIMACAAuApEVABABUSABgBCAVSAtIoACACIArYQAHACgAFgAVwBJgDcAI7AWgMAAgBiKgAgBMgFfKQAQBRkQAQA4AFiBAAoA-AEVAJlAVgAtYcACAJcAr4eABAK8OgBgFzAOmAqwgABAWyA.IFukWSQh";
    assert!(TcString::decode(s.as_bytes()).is_err());
}

#[test]
fn s16_tcf_iabtcf_es_issue_156_version_1_is_not_tcf_v2() {
    // "156 it should auto detect 1 version": a TCF v1 string; this decoder reads v2.
    let s = "BOhwdphOxFC7tAHABBFRC--AAAAuhr_7__7-_9_-_f__9uj3Or_v_f__32ccL59v_h_7v-_7fi_20nV4u_1vft9yfk1-5ctDztp507iakivXmqdeb9v_nz3_5pxP78k89r7337Ew_v8_v-b7BCON_YxEiA";
    let e = TcString::decode(s.as_bytes()).unwrap_err();
    assert_eq!(
        (e.kind, e.field, e.bit),
        (TcfErrorKind::Version(1), "version", 0)
    );
}

// ---------------------------------------------------------------------------
// noirotm/iabgpp-rs @ 97b777134250e2c2d7aabbcc518a1787ba364efb (the iab_gpp crate
// 0.1.2 as published), iab_gpp/tests/data/*.json
// ---------------------------------------------------------------------------

const DISCLOSED_720: [u16; 79] = [
    2, 6, 8, 12, 18, 23, 37, 42, 47, 48, 53, 61, 65, 66, 72, 88, 98, 127, 128, 129, 133, 153, 163,
    192, 205, 215, 224, 243, 248, 281, 294, 304, 350, 351, 358, 371, 422, 424, 440, 447, 467, 486,
    498, 502, 512, 516, 553, 556, 571, 587, 612, 613, 618, 626, 648, 653, 656, 657, 665, 676, 681,
    683, 684, 686, 687, 688, 690, 691, 694, 702, 703, 707, 708, 711, 712, 714, 716, 719, 720,
];

fn tcf_section<'a>(gpp: &GppString<'a>) -> TcString<'a> {
    match gpp.section(2).map(|s| s.section) {
        Some(Section::TcfEuV2(t)) => t,
        other => panic!("no tcfeuv2 section: {other:?}"),
    }
}

#[test]
fn s16_gpp_iab_gpp_tcfeuv2_core_only() {
    // tcfeuv2_core_only.json
    let g = GppString::decode(b"DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA").unwrap();
    assert!(g.section_ids().eq([2]));
    let t = tcf_section(&g);
    assert_eq!((t.cmp_id, t.cmp_version, t.consent_screen), (31, 640, 1));
    assert_eq!(t.created / 10, 1_650_492_000);
    assert!(t.is_service_specific);
    assert_eq!(t.publisher_cc_str(), "DE");
    assert_eq!(t.vendor_list_version, 126);
    assert!(t.vendor_consents.is_empty() && t.publisher_restrictions.is_empty());
    assert!(t.disclosed_vendors.is_none() && t.publisher_tc.is_none());
}

#[test]
fn s16_gpp_iab_gpp_tcfeuv2_every_segment_in_either_order() {
    // tcfeuv2_with_all_segments_disclosed_vendors_first.json and
    // tcfeuv2_with_all_segments_publisher_purposes_first.json
    for s in [
        "DBABM~COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw.ZAAgH9794ulA",
        "DBABM~COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA.ZAAgH9794ulA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw",
    ] {
        let g = GppString::decode(s.as_bytes()).unwrap();
        let t = tcf_section(&g);
        assert_eq!((t.cmp_id, t.vendor_list_version), (27, 15));
        assert_eq!(t.created / 10, 1_582_243_059);
        assert_eq!(small(&t.purposes_consent), [1, 2, 3]);
        assert_eq!(ids(&t.vendor_consents), [2, 6, 8]);
        assert_eq!(ids(&t.vendor_li), [2, 6, 8]);
        assert_eq!(ids(&t.disclosed_vendors.unwrap()), DISCLOSED_720);
        assert!(t.allowed_vendors.is_none());
        let p = t.publisher_tc.unwrap();
        assert_eq!(small(&p.purposes_consent), [3, 16]);
        assert_eq!(
            small(&p.purposes_li),
            [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24]
        );
        assert_eq!(small(&p.custom_purposes_consent), [1, 2, 4]);
        assert_eq!(small(&p.custom_purposes_li), [2, 4]);
    }
}

#[test]
fn s16_gpp_iab_gpp_tcfeuv2_allowed_vendors() {
    // tcfeuv2_with_allowed_vendors.json
    let g = GppString::decode(b"DBABM~COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA.QFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw").unwrap();
    let t = tcf_section(&g);
    assert_eq!(ids(&t.allowed_vendors.unwrap()), DISCLOSED_720);
    assert!(t.disclosed_vendors.is_none());
}

#[test]
fn s16_gpp_iab_gpp_usnat_versions_and_gpc() {
    // usnat_v1_not_applicable.json: all 0 but mspa_covered_transaction 1, no GPC.
    let n = usnat("DBABLA~BAAAAAAAAQA");
    assert_eq!(n.version, 1);
    assert_eq!(n.sensitive_data_processing(), [0; 12]);
    assert_eq!(n.known_child_sensitive_data_consents(), [0; 2]);
    assert_eq!(n.mspa_covered_transaction, 1);
    assert_eq!(n.gpc, None);
    // usnat_v1_opted_out.json and usnat_v1_with_gpc.json
    for (s, gpc) in [
        ("DBABLA~BVVVVVVVVWA", None),
        ("DBABLA~BVVVVVVVVWA.YA", Some(true)),
    ] {
        let n = usnat(s);
        assert_eq!(
            [
                n.sharing_notice,
                n.sale_opt_out_notice,
                n.sharing_opt_out_notice,
                n.targeted_advertising_opt_out_notice,
                n.sensitive_data_processing_opt_out_notice,
                n.sensitive_data_limit_use_notice,
                n.sale_opt_out,
                n.sharing_opt_out,
                n.targeted_advertising_opt_out,
            ],
            [1; 9]
        );
        assert_eq!(n.sensitive_data_processing(), [1; 12]);
        assert_eq!(n.known_child_sensitive_data_consents(), [1; 2]);
        assert_eq!(n.personal_data_consents, 1);
        assert_eq!(n.mspa_covered_transaction, 1);
        assert_eq!(n.mspa_opt_out_option_mode, 1);
        assert_eq!(n.mspa_service_provider_mode, 2);
        assert_eq!(n.gpc, gpc);
    }
    // usnat_v2_not_applicable.json: 16 sensitive categories, 3 child consents.
    let n = usnat("DBABLA~CAAAAAAAAAWA.Q");
    assert_eq!(n.version, 2);
    assert_eq!(n.sensitive_data_processing(), [0; 16]);
    assert_eq!(n.known_child_sensitive_data_consents(), [0, 0, 1]);
    assert_eq!(n.personal_data_consents, 1);
    assert_eq!(n.mspa_covered_transaction, 2);
    assert_eq!(n.gpc, Some(false));
}

#[test]
fn s16_gpp_iab_gpp_other_sections_are_listed_raw() {
    // usca_with_gpc.json (8), usva_opted_out.json (9), tcfcav1_basic.json (5),
    // tcfeuv1_basic.json (1): listed by id, kept as text.
    for (s, id, raw) in [
        ("DBABBg~BVqqqqpY.YA", 8, "BVqqqqpY.YA"),
        ("DBABRg~BVVVVWY", 9, "BVVVVWY"),
        (
            "DBABDA~BPXuQIAPXuQIAAfKABENB-CgAAAAAAAAAAAAAAAA",
            5,
            "BPXuQIAPXuQIAAfKABENB-CgAAAAAAAAAAAAAAAA",
        ),
        (
            "DBABYA~BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA",
            1,
            "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA",
        ),
    ] {
        let g = GppString::decode(s.as_bytes()).unwrap();
        let all: Vec<_> = g.sections().collect();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].id, id);
        assert_eq!(all[0].raw, raw.as_bytes());
        assert_eq!(all[0].section, Section::Other);
    }
}

fn usnat(s: &str) -> samtykke::gpp::UsNat {
    let g = GppString::decode(s.as_bytes()).unwrap_or_else(|e| panic!("{s}: {e}"));
    match g.section(7).map(|s| s.section) {
        Some(Section::UsNat(n)) => n,
        other => panic!("no usnat section: {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// IABTechLab/iabgpp-java @ 044ac66daf428dd565ceb08f9cd9f953ed165c8d
// iabgpp-encoder/src/test/java/com/iab/gpp/encoder/section/HeaderV1Test.java
// and @ 0a9d59ae294bccf7a8d430820f6e09500eb49f6b .../section/UsNatTest.java
// ---------------------------------------------------------------------------

#[test]
fn s16_gpp_iabgpp_java_headers() {
    // testDecode1-3: "DBAA" no sections, "DBABMA" [2], "DBACNYA" [2, 6].
    assert!(GppString::decode(b"DBAA")
        .unwrap()
        .section_ids()
        .eq([0u16; 0]));
    // A header alone decodes; one id and no section is a count mismatch.
    let e = GppString::decode(b"DBABMA").unwrap_err();
    assert_eq!(
        e.kind,
        GppErrorKind::SectionCount {
            ids: 1,
            sections: 0
        }
    );
    let g = GppString::decode(b"DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA").unwrap();
    assert!(g.section_ids().eq([2]));
    let g =
        GppString::decode(b"DBACNYA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN").unwrap();
    assert!(g.section_ids().eq([2, 6]));
    // testDecodeGarbage: "z" is no header.
    let e = GppString::decode(b"z").unwrap_err();
    assert_eq!(
        (e.kind, e.field, e.section),
        (GppErrorKind::HeaderType(51), "type", None)
    );
}

#[test]
fn s16_gpp_iabgpp_java_usnat_decode1_with_and_without_gpc() {
    // UsNatTest testDecode1 "BVVVkkkklWA.YA" and testDecodeWithGpcSegmentExcluded.
    for (s, gpc) in [
        ("DBABLA~BVVVkkkklWA.YA", Some(true)),
        ("DBABLA~BVVVkkkklWA", None),
    ] {
        let n = usnat(s);
        assert_eq!(n.sharing_notice, 1);
        assert_eq!(n.targeted_advertising_opt_out, 1);
        assert_eq!(
            n.sensitive_data_processing(),
            [2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0]
        );
        assert_eq!(n.known_child_sensitive_data_consents(), [2, 1]);
        assert_eq!(n.personal_data_consents, 1);
        assert_eq!(n.mspa_covered_transaction, 1);
        assert_eq!(n.mspa_opt_out_option_mode, 1);
        assert_eq!(n.mspa_service_provider_mode, 2);
        assert_eq!(n.gpc, gpc);
    }
}

#[test]
fn s16_gpp_uspv1_and_its_errors() {
    // The iab_gpp crate's README example (noirotm/iabgpp-rs @ 97b7771…, iab_gpp/src/lib.rs).
    let g = GppString::decode(b"DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN").unwrap();
    match g.section(6).unwrap().section {
        Section::UspV1(u) => {
            assert_eq!(
                (u.version, u.notice, u.opt_out_sale, u.lspa_covered),
                (1, b'Y', b'N', b'N')
            )
        }
        other => panic!("{other:?}"),
    }
    let e = GppString::decode(b"DBABTA~1YXN").unwrap_err();
    assert_eq!(
        (e.kind, e.section, e.field),
        (GppErrorKind::UspValue(b'X'), Some(6), "opt_out_sale")
    );
    let e = GppString::decode(b"DBABTA~1YN").unwrap_err();
    assert_eq!(e.kind, GppErrorKind::UspLength(3));
}

// ---------------------------------------------------------------------------
// Error kinds, each with its field and bit offset.
// ---------------------------------------------------------------------------

/// The core segment of iabgpp-java's testDecode7, whose vendor consents are ranges
/// and whose bits we edit below.
const RANGES: &str = "COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA";

#[test]
fn s16_tcf_a_list_naming_every_vendor_again_and_again_lists_each_once() {
    // 400 entries each of all 65,535 ids: 26 million ids as written.
    let f = Fields {
        consents: VendorEnc::Ranges(vec![(1, u16::MAX); 400]),
        ..Fields::default()
    };
    let text = f.encode();
    let t = TcString::decode(text.as_bytes()).unwrap();
    assert_eq!(t.vendor_consents.iter().count(), 400 * 65_535);
    let runs: Vec<(u16, u16)> =
        samtykke_host::vendor_ids::distinct_runs(&t.vendor_consents).collect();
    assert_eq!(runs, [(1, u16::MAX)]);
    // The command line's JSON lists each once too.
    let json = samtykke_host::iab_json::tcf_json(&t, &text);
    assert_eq!(
        json["vendor_consents"].as_array().map(Vec::len),
        Some(65_535)
    );
}

#[test]
fn s16_tcf_a_repeated_restriction_lists_each_vendor_once_under_its_purpose_and_type() {
    use samtykke_host::vendor_ids::restrictions;
    let f = Fields {
        restrictions: vec![
            (1, 0, vec![(5, 5)]),
            (1, 0, vec![(5, 7), (6, 6)]),
            (2, 0, vec![(5, 5)]),
            (1, 1, vec![(5, 5)]),
        ],
        ..Fields::default()
    };
    let text = f.encode();
    let t = TcString::decode(text.as_bytes()).unwrap();
    let got: Vec<(u8, u8, Vec<u16>)> = restrictions(&t)
        .iter()
        .map(|r| (r.purpose, r.restriction_type, r.ids().collect()))
        .collect();
    assert_eq!(
        got,
        [
            (1, 0, vec![5]),
            (1, 0, vec![6, 7]),
            (2, 0, vec![5]),
            (1, 1, vec![5]),
        ]
    );
    // 300 restrictions of all 65,535 ids, one purpose and type: 65,535 in all.
    let f = Fields {
        restrictions: vec![(1, 0, vec![(1, u16::MAX)]); 300],
        ..Fields::default()
    };
    let text = f.encode();
    let t = TcString::decode(text.as_bytes()).unwrap();
    let all = restrictions(&t);
    assert_eq!(all.len(), 300);
    assert_eq!(all.iter().map(|r| r.len()).sum::<usize>(), 65_535);
    assert!(all[1..].iter().all(|r| r.is_empty()));
}

#[test]
fn s16_tcf_errors_name_field_and_bit() {
    let err = |s: &str| TcString::decode(s.as_bytes()).unwrap_err();

    // Bad base64url: the character's bit offset in its segment.
    // No field is read from it: the encoding is named (not the segment's
    // first field, which the message named before).
    let e = err("COoC-kUOoC=kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA");
    assert_eq!(
        (e.kind, e.field, e.segment, e.bit),
        (TcfErrorKind::Base64(b'='), "encoding", 0, 60)
    );
    assert_eq!(
        e.to_string(),
        "encoding at bit 60 of segment 0: byte 0x3d is not a base64url character"
    );
    let e = err(&format!("{RANGES}.Q+AA"));
    assert_eq!(
        (e.kind, e.field, e.segment, e.bit),
        (TcfErrorKind::Base64(b'+'), "encoding", 1, 6)
    );

    // A segment shorter than its fields: the empty string, a cut core segment.
    let e = err("");
    assert_eq!(
        (e.kind, e.field, e.bit),
        (TcfErrorKind::Short { len: 0 }, "version", 0)
    );
    let e = err(&RANGES[..20]);
    assert_eq!(
        (e.kind, e.field, e.bit),
        (TcfErrorKind::Short { len: 120 }, "vendor_list_version", 120)
    );
    let e = err(&format!("{RANGES}."));
    assert_eq!(
        (e.kind, e.field, e.segment),
        (TcfErrorKind::Short { len: 0 }, "segment_type", 1)
    );

    // Unknown segment types and a repeated one.
    for (seg, ty) in [("AAAA", 0), ("gAAA", 4), ("4AAA", 7)] {
        let e = err(&format!("{RANGES}.{seg}"));
        assert_eq!(
            (e.kind, e.field, e.segment, e.bit),
            (TcfErrorKind::UnknownSegment(ty), "segment_type", 1, 0)
        );
    }
    let e = err(&format!("{RANGES}.IAAA.IAAA"));
    assert_eq!((e.kind, e.segment), (TcfErrorKind::DuplicateSegment(1), 2));

    // Vendor id 0 and a backwards range, built by the encoder below.
    let mut f = Fields {
        consents: VendorEnc::Ranges(vec![(5, 5), (0, 0)]),
        ..Fields::default()
    };
    let e = err(&f.encode());
    // 213 + 16 + 1 + 12 = 242: entry 1 is 17 bits, entry 2's start after its flag.
    assert_eq!(
        (e.kind, e.field, e.bit),
        (
            TcfErrorKind::VendorIdZero,
            "vendor_consents.start_or_only_vendor_id",
            242 + 17 + 1
        )
    );
    f.consents = VendorEnc::Ranges(vec![(9, 3)]);
    let e = err(&f.encode());
    assert_eq!(
        (e.kind, e.field, e.bit),
        (
            TcfErrorKind::BackwardsRange { start: 9, end: 3 },
            "vendor_consents.end_vendor_id",
            242 + 1 + 16
        )
    );
    f.consents = VendorEnc::Bits(vec![]);
    f.restrictions = vec![(2, 1, vec![(4, 2)])];
    let e = err(&f.encode());
    // Consents: 17 bits; LI: 17; restrictions count 12, then 6 + 2 + 12 + 1 + 16.
    assert_eq!(e.field, "publisher_restrictions.end_vendor_id");
    assert_eq!(e.bit, 213 + 17 + 17 + 12 + 20 + 17);
    f.restrictions = vec![];
    f.vendor_list_version = 0;
    assert_eq!(err(&f.encode()).kind, TcfErrorKind::VendorListVersionZero);
    f.vendor_list_version = 3;
    f.version = 3;
    assert_eq!(err(&f.encode()).kind, TcfErrorKind::Version(3));
    f.version = 2;
    f.language = [26, 0];
    let e = err(&f.encode());
    assert_eq!(
        (e.kind, e.field, e.bit),
        (TcfErrorKind::Letter(26), "consent_language", 108)
    );

    // The message says all of it.
    let e = err("CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(
        e.to_string(),
        "vendor_list_version at bit 120 of segment 0: the vendor list version is 0"
    );
    assert_eq!(e.code(), samtykke::Code::TcfInvalid);
}

#[test]
fn s16_gpp_errors_name_field_and_bit() {
    let err = |s: &str| GppString::decode(s.as_bytes()).unwrap_err();
    // Wrong type, wrong version.
    assert_eq!(err("CBAA").kind, GppErrorKind::HeaderType(2));
    let e = err("DCAA");
    assert_eq!(
        (e.kind, e.field, e.bit),
        (GppErrorKind::Version(2), "version", 6)
    );
    // Header too short for its id count; bad base64url in the header.
    let e = err("DBA");
    assert_eq!(
        (e.kind, e.field),
        (GppErrorKind::Short { len: 18 }, "section_ids.num_entries")
    );
    let e = err("DB*B");
    assert_eq!(
        (e.kind, e.field, e.bit),
        (GppErrorKind::Base64(b'*'), "encoding", 12)
    );
    // Ids and sections disagree in number, both ways.
    let e = err("DBACNYA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA");
    assert_eq!(
        e.kind,
        GppErrorKind::SectionCount {
            ids: 2,
            sections: 1
        }
    );
    let e = err("DBABTA~1YNN~1YNN");
    assert_eq!(
        e.kind,
        GppErrorKind::SectionCount {
            ids: 1,
            sections: 2
        }
    );
    assert_eq!(
        e.to_string(),
        "header section_ids at bit 12: the header lists 1 section ids but 2 sections follow"
    );
    // A bad TC string inside section 2 carries the TC error.
    let e = err("DBABMA~CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(e.section, Some(2));
    assert!(
        matches!(e.kind, GppErrorKind::Tcf(t) if t.kind == TcfErrorKind::VendorListVersionZero)
    );
    // usnat: unknown version, unknown subsection, cut short.
    let e = err("DBABLA~DAAAAAAAAQA");
    assert_eq!(
        (e.kind, e.section, e.field),
        (GppErrorKind::SectionVersion(3), Some(7), "version")
    );
    let e = err("DBABLA~BVVVVVVVVWA.gA");
    assert_eq!(
        (e.kind, e.field),
        (GppErrorKind::SubsectionType(2), "subsection_type")
    );
    let e = err("DBABLA~BVVV");
    assert_eq!(
        (e.kind, e.field, e.bit),
        (
            GppErrorKind::Short { len: 24 },
            "sensitive_data_processing",
            24
        )
    );
    assert_eq!(e.code(), samtykke::Code::GppInvalid);
}

#[test]
fn s16_tcf_v2_3_disclosed_vendors_warning() {
    // Created on 2026-02-28 23:59:59.9: no warning without disclosed vendors.
    let mut f = Fields {
        created: 1_772_323_200 * 10 - 1,
        ..Fields::default()
    };
    let s = f.encode();
    assert_eq!(
        TcString::decode(s.as_bytes()).unwrap().warnings().count(),
        0
    );
    // From 2026-03-01: a warning, and still a decoded string.
    f.created += 1;
    let s = f.encode();
    let t = TcString::decode(s.as_bytes()).unwrap();
    assert!(t.warnings().eq([TcfWarning::DisclosedVendorsMissing]));
    f.disclosed = Some(VendorEnc::Bits(vec![3]));
    let s = f.encode();
    assert_eq!(
        TcString::decode(s.as_bytes()).unwrap().warnings().count(),
        0
    );
}

// ---------------------------------------------------------------------------
// An encoder written from the IAB's "TCF v2.2 Consent string and vendor list
// formats" field table, independent of the decoder, and a property test over it.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum VendorEnc {
    /// A bit field of the given ids (max = the largest).
    Bits(Vec<u16>),
    /// Range entries (start, end); start == end is a single id.
    Ranges(Vec<(u16, u16)>),
}

impl VendorEnc {
    fn expected(&self) -> Vec<u16> {
        match self {
            VendorEnc::Bits(v) => {
                let mut v = v.clone();
                v.sort_unstable();
                v.dedup();
                v
            }
            VendorEnc::Ranges(r) => r.iter().flat_map(|&(a, b)| a..=b).collect(),
        }
    }
}

/// A publisher restriction: purpose, type, range entries.
type RestrictionEnc = (u64, u64, Vec<(u16, u16)>);

#[derive(Clone, Debug)]
struct Fields {
    version: u64,
    created: u64,
    last_updated: u64,
    cmp_id: u64,
    cmp_version: u64,
    consent_screen: u64,
    language: [u64; 2],
    vendor_list_version: u64,
    policy_version: u64,
    service_specific: bool,
    non_standard: bool,
    special_features: u64,
    purposes_consent: u64,
    purposes_li: u64,
    purpose_one: bool,
    country: [u64; 2],
    consents: VendorEnc,
    li: VendorEnc,
    restrictions: Vec<RestrictionEnc>,
    disclosed: Option<VendorEnc>,
    allowed: Option<VendorEnc>,
    publisher: Option<(u64, u64, u8, u64, u64)>,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            version: 2,
            created: 16_500_000_000,
            last_updated: 16_500_000_001,
            cmp_id: 300,
            cmp_version: 2,
            consent_screen: 1,
            language: [3, 0],
            vendor_list_version: 100,
            policy_version: 5,
            service_specific: true,
            non_standard: false,
            special_features: 0,
            purposes_consent: 0,
            purposes_li: 0,
            purpose_one: false,
            country: [3, 10],
            consents: VendorEnc::Bits(vec![]),
            li: VendorEnc::Bits(vec![]),
            restrictions: vec![],
            disclosed: None,
            allowed: None,
            publisher: None,
        }
    }
}

#[derive(Default)]
struct BitWriter(Vec<bool>);

impl BitWriter {
    fn put(&mut self, value: u64, width: u32) {
        for i in (0..width).rev() {
            self.0.push(value >> i & 1 == 1);
        }
    }

    fn vendors(&mut self, v: &VendorEnc) {
        match v {
            VendorEnc::Bits(ids) => {
                let max = ids.iter().copied().max().unwrap_or(0);
                self.put(u64::from(max), 16);
                self.put(0, 1);
                for id in 1..=max {
                    self.put(u64::from(ids.contains(&id)), 1);
                }
            }
            VendorEnc::Ranges(r) => {
                let max = r.iter().map(|&(a, b)| a.max(b)).max().unwrap_or(0);
                self.put(u64::from(max), 16);
                self.put(1, 1);
                self.put(r.len() as u64, 12);
                self.entries(r);
            }
        }
    }

    fn entries(&mut self, r: &[(u16, u16)]) {
        for &(a, b) in r {
            let range = a != b;
            self.put(u64::from(range), 1);
            self.put(u64::from(a), 16);
            if range {
                self.put(u64::from(b), 16);
            }
        }
    }

    /// base64url without padding, the last character's spare bits zero.
    fn text(&self) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        self.0
            .chunks(6)
            .map(|c| {
                let v = (0..6).fold(0usize, |v, i| v << 1 | usize::from(c.get(i) == Some(&true)));
                ALPHABET[v] as char
            })
            .collect()
    }
}

impl Fields {
    fn encode(&self) -> String {
        let mut w = BitWriter::default();
        w.put(self.version, 6);
        w.put(self.created, 36);
        w.put(self.last_updated, 36);
        w.put(self.cmp_id, 12);
        w.put(self.cmp_version, 12);
        w.put(self.consent_screen, 6);
        w.put(self.language[0], 6);
        w.put(self.language[1], 6);
        w.put(self.vendor_list_version, 12);
        w.put(self.policy_version, 6);
        w.put(u64::from(self.service_specific), 1);
        w.put(u64::from(self.non_standard), 1);
        w.put(self.special_features, 12);
        w.put(self.purposes_consent, 24);
        w.put(self.purposes_li, 24);
        w.put(u64::from(self.purpose_one), 1);
        w.put(self.country[0], 6);
        w.put(self.country[1], 6);
        w.vendors(&self.consents);
        w.vendors(&self.li);
        w.put(self.restrictions.len() as u64, 12);
        for (purpose, ty, entries) in &self.restrictions {
            w.put(*purpose, 6);
            w.put(*ty, 2);
            w.put(entries.len() as u64, 12);
            w.entries(entries);
        }
        let mut out = w.text();
        for (ty, set) in [(1, &self.disclosed), (2, &self.allowed)] {
            if let Some(set) = set {
                let mut w = BitWriter::default();
                w.put(ty, 3);
                w.vendors(set);
                out.push('.');
                out.push_str(&w.text());
            }
        }
        if let Some((pc, pl, n, cc, cl)) = self.publisher {
            let mut w = BitWriter::default();
            w.put(3, 3);
            w.put(pc, 24);
            w.put(pl, 24);
            w.put(u64::from(n), 6);
            w.put(cc, u32::from(n));
            w.put(cl, u32::from(n));
            out.push('.');
            out.push_str(&w.text());
        }
        out
    }
}

/// The ids of a `width`-bit field, the first bit being id 1.
fn field_ids(value: u64, width: u32) -> Vec<u8> {
    (1..=width)
        .filter(|i| value >> (width - i) & 1 == 1)
        .map(|i| i as u8)
        .collect()
}

fn vendor_enc() -> impl Strategy<Value = VendorEnc> {
    prop_oneof![
        prop::collection::vec(1u16..2000, 0..60).prop_map(VendorEnc::Bits),
        prop::collection::vec((1u16..u16::MAX, 0u16..40), 0..30).prop_map(|r| VendorEnc::Ranges(
            r.into_iter()
                .map(|(a, n)| (a, a.saturating_add(n)))
                .collect()
        )),
    ]
}

fn fields() -> impl Strategy<Value = Fields> {
    let core = (
        (
            0u64..1 << 36,
            0u64..1 << 36,
            0u64..4096,
            0u64..4096,
            0u64..64,
        ),
        (
            [0u64..26, 0u64..26],
            1u64..4096,
            0u64..64,
            any::<bool>(),
            any::<bool>(),
        ),
        (
            0u64..4096,
            0u64..1 << 24,
            0u64..1 << 24,
            any::<bool>(),
            [0u64..26, 0u64..26],
        ),
    );
    let rest = (
        vendor_enc(),
        vendor_enc(),
        prop::collection::vec(
            (
                0u64..64,
                0u64..4,
                prop::collection::vec((1u16..3000, 0u16..5), 0..5),
            ),
            0..4,
        ),
        prop::option::of(vendor_enc()),
        prop::option::of(vendor_enc()),
        prop::option::of((
            0u64..1 << 24,
            0u64..1 << 24,
            0u8..64,
            any::<u64>(),
            any::<u64>(),
        )),
    );
    (core, rest).prop_map(|(c, r)| {
        let ((created, last_updated, cmp_id, cmp_version, consent_screen), a, b) = c;
        let (language, vendor_list_version, policy_version, service_specific, non_standard) = a;
        let (special_features, purposes_consent, purposes_li, purpose_one, country) = b;
        let (consents, li, restrictions, disclosed, allowed, publisher) = r;
        Fields {
            version: 2,
            created,
            last_updated,
            cmp_id,
            cmp_version,
            consent_screen,
            language,
            vendor_list_version,
            policy_version,
            service_specific,
            non_standard,
            special_features,
            purposes_consent,
            purposes_li,
            purpose_one,
            country,
            consents,
            li,
            restrictions: restrictions
                .into_iter()
                .map(|(p, t, e)| (p, t, e.into_iter().map(|(a, n)| (a, a + n)).collect()))
                .collect(),
            disclosed,
            allowed,
            publisher: publisher.map(|(pc, pl, n, cc, cl)| {
                let mask = if n == 0 {
                    0
                } else {
                    u64::MAX >> (64 - u32::from(n))
                };
                (pc, pl, n, cc & mask, cl & mask)
            }),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn s16_tcf_decode_gives_back_every_encoded_field(f in fields()) {
        let s = f.encode();
        let t = TcString::decode(s.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(u64::from(t.version), f.version);
        prop_assert_eq!(t.created, f.created);
        prop_assert_eq!(t.last_updated, f.last_updated);
        prop_assert_eq!(u64::from(t.cmp_id), f.cmp_id);
        prop_assert_eq!(u64::from(t.cmp_version), f.cmp_version);
        prop_assert_eq!(u64::from(t.consent_screen), f.consent_screen);
        prop_assert_eq!(t.consent_language, [b'A' + f.language[0] as u8, b'A' + f.language[1] as u8]);
        prop_assert_eq!(u64::from(t.vendor_list_version), f.vendor_list_version);
        prop_assert_eq!(u64::from(t.tcf_policy_version), f.policy_version);
        prop_assert_eq!(t.is_service_specific, f.service_specific);
        prop_assert_eq!(t.use_non_standard_stacks, f.non_standard);
        prop_assert_eq!(small(&t.special_feature_opt_ins), field_ids(f.special_features, 12));
        prop_assert_eq!(small(&t.purposes_consent), field_ids(f.purposes_consent, 24));
        prop_assert_eq!(small(&t.purposes_li), field_ids(f.purposes_li, 24));
        prop_assert_eq!(t.purpose_one_treatment, f.purpose_one);
        prop_assert_eq!(t.publisher_cc, [b'A' + f.country[0] as u8, b'A' + f.country[1] as u8]);
        prop_assert_eq!(ids(&t.vendor_consents), f.consents.expected());
        prop_assert_eq!(ids(&t.vendor_li), f.li.expected());
        for id in f.consents.expected() {
            prop_assert!(t.vendor_consents.contains(id));
        }
        let got: Vec<(u8, u8, Vec<u16>)> = t
            .publisher_restrictions
            .iter()
            .map(|r| (r.purpose, r.restriction_type, ids(&r.vendors)))
            .collect();
        let want: Vec<(u8, u8, Vec<u16>)> = f
            .restrictions
            .iter()
            .map(|(p, ty, e)| (*p as u8, *ty as u8, e.iter().flat_map(|&(a, b)| a..=b).collect()))
            .collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(t.disclosed_vendors.map(|s| ids(&s)), f.disclosed.as_ref().map(VendorEnc::expected));
        prop_assert_eq!(t.allowed_vendors.map(|s| ids(&s)), f.allowed.as_ref().map(VendorEnc::expected));
        match (t.publisher_tc, f.publisher) {
            (None, None) => {}
            (Some(p), Some((pc, pl, n, cc, cl))) => {
                prop_assert_eq!(small(&p.purposes_consent), field_ids(pc, 24));
                prop_assert_eq!(small(&p.purposes_li), field_ids(pl, 24));
                prop_assert_eq!(small(&p.custom_purposes_consent), field_ids(cc, u32::from(n)));
                prop_assert_eq!(small(&p.custom_purposes_li), field_ids(cl, u32::from(n)));
            }
            (a, b) => prop_assert!(false, "publisher segment {:?} vs {:?}", a, b),
        }
    }

    #[test]
    fn s16_tcf_vendor_runs_of_dense_bit_fields(
        bits in prop::collection::vec(prop::bool::weighted(0.8), 0..400),
        ones in 0u16..300,
    ) {
        // Long runs cross the decoder's 54-bit windows, once or many times.
        let mut ids: Vec<u16> = (1..=ones).collect();
        ids.extend(bits.iter().enumerate().filter(|(_, &b)| b).map(|(i, _)| ones + 1 + i as u16));
        let f = Fields { consents: VendorEnc::Bits(ids.clone()), ..Fields::default() };
        let s = f.encode();
        let t = tc(&s);
        prop_assert_eq!(self::ids(&t.vendor_consents), ids.clone());
        let runs: Vec<(u16, u16)> = t.vendor_consents.runs().collect();
        let mut want: Vec<(u16, u16)> = Vec::new();
        for id in ids {
            match want.last_mut() {
                Some(last) if last.1 + 1 == id => last.1 = id,
                _ => want.push((id, id)),
            }
        }
        prop_assert_eq!(runs, want);
    }

    #[test]
    fn s16_tcf_front_ends_list_each_vendor_once_in_the_strings_order(
        entries in prop::collection::vec((1u16..=u16::MAX, 0u16..300), 0..40),
        near in 0u16..4,
    ) {
        // Entries that overlap (`near` packs them into a few hundred ids, or
        // leaves them spread): the set the front ends list (C, Python, the
        // command line) holds each id once, where the list first names it.
        let entries: Vec<(u16, u16)> = entries
            .into_iter()
            .map(|(a, n)| {
                let a = if near == 0 { a } else { a % (100 * near) + 1 };
                (a, a.saturating_add(n))
            })
            .collect();
        let f = Fields {
            consents: VendorEnc::Ranges(entries.clone()),
            ..Fields::default()
        };
        let text = f.encode();
        let t = TcString::decode(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let mut want: Vec<u16> = Vec::new();
        let mut named = std::collections::HashSet::new();
        for &(a, b) in &entries {
            for id in a..=b {
                if named.insert(id) {
                    want.push(id);
                }
            }
        }
        let got: Vec<u16> = samtykke_host::vendor_ids::distinct_ids(&t.vendor_consents).collect();
        prop_assert_eq!(&got, &want);
        // Runs are never empty, and together they are the ids above, in order.
        let runs: Vec<u16> = samtykke_host::vendor_ids::distinct_runs(&t.vendor_consents)
            .flat_map(|(first, last)| {
                assert!(first <= last);
                first..=last
            })
            .collect();
        prop_assert_eq!(runs, want);
    }

    #[test]
    fn s16_tcf_any_text_decodes_or_errs_without_panicking(s in "[A-Za-z0-9_.=~-]{0,300}") {
        let _ = TcString::decode(s.as_bytes()).map(|t| {
            t.vendor_consents.iter().count() + t.publisher_restrictions.iter().count()
        });
        let _ = GppString::decode(s.as_bytes()).map(|g| g.sections().count());
    }

    #[test]
    fn s16_gpp_header_ids_round_trip(ids in prop::collection::btree_set(8u16..600, 0..12)) {
        // Encoder from the GPP spec: Fibonacci ints, each id its distance from the last.
        let ids: Vec<u16> = ids.into_iter().collect();
        let mut w = BitWriter::default();
        w.put(3, 6);
        w.put(1, 6);
        w.put(ids.len() as u64, 12);
        let mut last = 0u16;
        for &id in &ids {
            w.put(0, 1);
            fib(&mut w, u32::from(id - last));
            last = id;
        }
        let mut s = w.text();
        for _ in &ids {
            s.push_str("~x");
        }
        let g = GppString::decode(s.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(g.section_ids().collect::<Vec<_>>(), ids);
    }
}

/// Fibonacci coding (Zeckendorf, smallest term first, then an extra 1).
fn fib(w: &mut BitWriter, mut n: u32) {
    let mut terms = vec![1u32, 2];
    while terms[terms.len() - 1] <= n {
        let k = terms.len();
        terms.push(terms[k - 1] + terms[k - 2]);
    }
    terms.pop();
    let mut bits = vec![false; terms.len()];
    for i in (0..terms.len()).rev() {
        if terms[i] <= n {
            bits[i] = true;
            n -= terms[i];
        }
    }
    while bits.last() == Some(&false) {
        bits.pop();
    }
    for b in bits {
        w.put(u64::from(b), 1);
    }
    w.put(1, 1);
}

// ---- SPEC §13: 10,000 inputs each, counted ------------------------------------

/// GPP strings of the public vectors above, to be mutated.
const GPP_SEEDS: [&str; 8] = [
    "DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA",
    "DBABM~COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA.ZAAgH9794ulA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw",
    "DBABLA~BVVVVVVVVWA.YA",
    "DBABLA~CAAAAAAAAAWA.Q",
    "DBABBg~BVqqqqpY.YA",
    "DBABDA~BPXuQIAPXuQIAAfKABENB-CgAAAAAAAAAAAAAAAA",
    "DBABYA~BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA",
    "DBACNYA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN",
];

/// A TC string decodes to a version 2 string whose vendor sets and restrictions
/// walk to their end with no id 0, each id `contains`ed by its set, or fails with
/// `tcf_invalid` naming a field (the `tcf` fuzz target's checks).
fn check_tc(input: &[u8]) -> Result<(), TestCaseError> {
    match TcString::decode(input) {
        Err(e) => {
            prop_assert_eq!(e.code(), samtykke::Code::TcfInvalid);
            prop_assert!(!e.field.is_empty(), "{e}");
        }
        Ok(t) => {
            prop_assert_eq!(t.version, 2);
            prop_assert_ne!(t.vendor_list_version, 0);
            let sets = [
                Some(t.vendor_consents),
                Some(t.vendor_li),
                t.disclosed_vendors,
                t.allowed_vendors,
            ];
            for set in sets.into_iter().flatten() {
                for id in set.iter().take(70_000) {
                    prop_assert!(id >= 1 && set.contains(id), "vendor {id}");
                }
            }
            for r in t.publisher_restrictions.iter() {
                prop_assert!(r.vendors.iter().take(70_000).all(|id| id >= 1));
            }
        }
    }
    Ok(())
}

/// A GPP string decodes to as many sections as ids, ids ascending, each section
/// a part of the input that decodes on its own to the same section, or fails with
/// `gpp_invalid` (the `gpp` fuzz target's checks).
fn check_gpp(input: &[u8]) -> Result<(), TestCaseError> {
    match GppString::decode(input) {
        Err(e) => prop_assert_eq!(e.code(), samtykke::Code::GppInvalid),
        Ok(g) => {
            let ids: Vec<u16> = g.section_ids().collect();
            prop_assert_eq!(ids.len(), g.len());
            prop_assert_eq!(g.sections().count(), ids.len());
            prop_assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
            let range = input.as_ptr_range();
            for s in g.sections() {
                let r = s.raw.as_ptr_range();
                prop_assert!(range.start <= r.start && r.end <= range.end);
                prop_assert_eq!(samtykke::gpp::decode_section(s.id, s.raw), Ok(s.section));
            }
        }
    }
    Ok(())
}

/// Feeds `decoder` 5,000 arbitrary byte strings and 5,000 `mutated` strings,
/// counted, each to `check`.
fn feed(
    decoder: &'static str,
    mutated: impl Strategy<Value = String>,
    check: fn(&[u8]) -> Result<(), TestCaseError>,
) {
    let mut fed = Fed::new(decoder);
    let arbitrary = prop::collection::vec(any::<u8>(), 0..400);
    fed.run("arbitrary", file!(), 5_000, arbitrary, |b| check(&b));
    fed.run("mutated", file!(), 5_000, mutated, |s| check(s.as_bytes()));
    fed.finish();
}

/// SPEC §13: the TC string decoder, fed 5,000 arbitrary byte strings and 5,000
/// TC strings of random fields with random edits (counted), returns a string
/// that holds together or an error naming a field, never a panic.
#[test]
fn s16_tcf_decoder_takes_arbitrary_and_mutated_input() {
    let mutated = (fields(), arb_edits()).prop_map(|(f, edits)| mutate(&f.encode(), &edits));
    feed("TC string", mutated, check_tc);
}

/// SPEC §13: the GPP decoder, fed 5,000 arbitrary byte strings and 5,000 GPP
/// strings (the public vectors, and a header before a TC string of random
/// fields) with random edits (counted), returns sections that hold together or
/// `gpp_invalid`, never a panic.
#[test]
fn s16_gpp_decoder_takes_arbitrary_and_mutated_input() {
    let seed = prop_oneof![
        prop::sample::select(GPP_SEEDS.to_vec()).prop_map(str::to_owned),
        fields().prop_map(|f| format!("DBABM~{}", f.encode())),
    ];
    let mutated = (seed, arb_edits()).prop_map(|(s, edits)| mutate(&s, &edits));
    feed("GPP string", mutated, check_gpp);
}
