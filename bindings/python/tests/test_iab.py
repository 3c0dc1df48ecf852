"""samtykke.tcf and samtykke.gpp (SPEC §16): the IAB's TC and GPP strings.

Vectors: IABTechLab/iabgpp-java @ 044ac66daf428dd565ceb08f9cd9f953ed165c8d,
iabgpp-encoder/src/test/java/com/iab/gpp/encoder/section/TcfEuV2Test.java
(testDecode3, testDecode7); noirotm/iabgpp-rs @
97b777134250e2c2d7aabbcc518a1787ba364efb, iab_gpp/tests/data/*.json.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import List, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

import samtykke
from samtykke import gpp, tcf

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
RANGES = "COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA"
FOUR = (
    "CPcqBNJPcqBNJNwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.YAAAAAAAAAA."
    "QGLtV_T9fb2vj-_Z99_tkeYwf95y3p-wzhheMs-8NyZeH_B4Wv2MyvBX4JiQKGRgksjLBAQdtHGlcTQgBwIlViTLMYk2MjzNKJrJEilsbO2dYGD9Pn8HT3ZCY70-vv__7v3ff_3g."
    "IGLtV_T9fb2vj-_Z99_tkeYwf95y3p-wzhheMs-8NyZeH_B4Wv2MyvBX4JiQKGRgksjLBAQdtHGlcTQgBwIlViTLMYk2MjzNKJrJEilsbO2dYGD9Pn8HT3ZCY70-vv__7v3ff_3g"
)
ALL_SEGMENTS = (
    "COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA."
    "IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw."
    "ZAAgH9794ulA"
)

SPEC_ATTRIBUTES = [
    "version", "created", "last_updated", "cmp_id", "cmp_version", "consent_screen",
    "consent_language", "vendor_list_version", "tcf_policy_version", "is_service_specific",
    "use_non_standard_stacks", "special_feature_opt_ins", "purposes_consent", "purposes_li",
    "purpose_one_treatment", "publisher_cc", "max_vendor_id", "vendor_consents", "vendor_li",
    "publisher_restrictions", "disclosed_vendors", "allowed_vendors", "pub_purposes_consent",
    "pub_purposes_li", "custom_purposes_consent", "custom_purposes_li",
]  # fmt: skip


def test_s16_tcf_decode_has_the_spec_attributes() -> None:
    t = tcf.decode(RANGES)
    for name in SPEC_ATTRIBUTES:
        assert hasattr(t, name), name
    assert t.version == 2
    assert t.created == datetime(2019, 10, 7, 5, 17, 54, tzinfo=timezone.utc)
    assert t.created.tzinfo is not None and t.last_updated == t.created
    assert (t.cmp_id, t.cmp_version, t.consent_screen) == (7, 1, 0)
    assert (t.consent_language, t.publisher_cc) == ("EN", "GB")
    assert (t.vendor_list_version, t.tcf_policy_version) == (48, 2)
    assert t.is_service_specific and not t.use_non_standard_stacks and not t.purpose_one_treatment
    assert t.special_feature_opt_ins == frozenset({1})
    assert t.purposes_consent == frozenset({1})
    assert t.purposes_li == frozenset({2, 7, 9, 10})
    assert t.vendor_consents == frozenset({1, 2, 3, 755})
    assert isinstance(t.vendor_consents, frozenset)
    assert t.max_vendor_id == 755
    assert t.vendor_li == frozenset(range(1, 10))
    assert t.publisher_restrictions == [(1, 0, frozenset({10}))]
    # Absent segments are empty sets.
    assert t.disclosed_vendors == frozenset() and t.allowed_vendors == frozenset()
    assert t.pub_purposes_consent == frozenset() and t.custom_purposes_li == frozenset()
    assert t.raw == RANGES and t.warnings == []
    assert tcf.decode(RANGES.encode()).vendor_consents == t.vendor_consents


def test_s16_tcf_every_segment() -> None:
    t = tcf.decode(FOUR)
    assert t.cmp_id == 880
    assert len(t.allowed_vendors) == 434 and t.allowed_vendors == t.disclosed_vendors
    assert max(t.disclosed_vendors) == 791
    t = tcf.decode(ALL_SEGMENTS)
    assert t.vendor_consents == frozenset({2, 6, 8})
    assert len(t.disclosed_vendors) == 79
    assert t.pub_purposes_consent == frozenset({3, 16})
    assert t.custom_purposes_consent == frozenset({1, 2, 4})
    assert t.custom_purposes_li == frozenset({2, 4})


def test_s16_tcf_errors_are_samtykke_errors_with_field_and_bit() -> None:
    assert issubclass(samtykke.TcfError, samtykke.SamtykkeError)
    assert issubclass(samtykke.GppError, samtykke.SamtykkeError)
    assert tcf.TcfError is samtykke.TcfError
    with pytest.raises(samtykke.TcfError) as e:
        tcf.decode("CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA")
    assert (e.value.path, e.value.segment, e.value.bit) == ("vendor_list_version", 0, 120)
    assert e.value.code == 600
    assert e.value.message == "the vendor list version is 0"
    assert str(e.value) == "vendor_list_version at bit 120 of segment 0: the vendor list version is 0"
    with pytest.raises(samtykke.TcfError) as e:
        tcf.decode(RANGES + ".gAAA")
    assert (e.value.path, e.value.segment, e.value.bit) == ("segment_type", 1, 0)
    with pytest.raises(samtykke.TcfError) as e:
        tcf.decode("CO=C")
    assert e.value.bit == 12
    with pytest.raises(TypeError):
        tcf.decode(5)  # type: ignore[arg-type]


def test_s16_tcf_decode_many_columns_with_an_error_column() -> None:
    cols = tcf.decode_many([RANGES, "garbage!", ALL_SEGMENTS, None])  # type: ignore[list-item]
    assert isinstance(cols, samtykke.CookieColumns)
    assert list(cols)[:2] == ["version", "created"] and list(cols)[-1] == "error"
    for name in SPEC_ATTRIBUTES:
        assert len(cols[name]) == 4, name
    assert cols["cmp_id"] == [7, None, 27, None]
    assert cols["vendor_consents"] == [[1, 2, 3, 755], None, [2, 6, 8], None]
    assert cols["publisher_restrictions"][0] == [(1, 0, [10])]
    assert cols["created"][0] == tcf.decode(RANGES).created
    assert cols["disclosed_vendors"][0] == []
    assert cols["error"][0] is None and cols["error"][2] is None
    assert "base64url" in cols["error"][1]
    assert "str or bytes" in cols["error"][3]
    with pytest.raises(TypeError):
        tcf.decode_many("not a list")


def test_s17_tcf_decode_many_reads_arrow_arrays_and_series() -> None:
    """SPEC §17: the inputs may be Arrow arrays (of any string or binary type,
    chunked too) or polars/pandas Series; the columns are those of the same
    strings given as a list, a null row's error that of a None."""
    pa = pytest.importorskip("pyarrow")
    values = [RANGES, "garbage!", ALL_SEGMENTS, None]
    want = dict(tcf.decode_many(values))  # type: ignore[arg-type]
    inputs = [
        pa.array(values),
        pa.array(values, pa.large_string()),
        pa.array(values, pa.string_view()),
        pa.array([v.encode() if v else None for v in values], pa.binary()),
        pa.chunked_array([values[:1], values[1:]]),
    ]
    pl = None
    try:
        import polars as pl  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:
        pass
    if pl is not None:
        inputs.append(pl.Series(values))
    for given in inputs:
        assert dict(tcf.decode_many(given)) == want, type(given)
    with pytest.raises(TypeError, match="values: expected an Arrow array of strings or binaries"):
        tcf.decode_many(pa.array([1, 2]))


def test_s17_tcf_decode_many_exports_typed_arrow_columns() -> None:
    pa = pytest.importorskip("pyarrow")
    cols = tcf.decode_many([RANGES, "garbage!", ALL_SEGMENTS])
    table = pa.table(cols)
    assert table.num_rows == 3 and table.column_names == list(cols)
    assert table.schema.field("created").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("cmp_id").type == pa.int64()
    assert table.schema.field("is_service_specific").type == pa.bool_()
    # Ids are at most 16 bits in a TC string: the sets are lists of uint16.
    assert table.schema.field("vendor_consents").type == pa.list_(pa.uint16())
    assert table.schema.field("purposes_consent").type == pa.list_(pa.uint16())
    assert table.schema.field("warnings").type == pa.list_(pa.string())
    restriction = table.schema.field("publisher_restrictions").type.value_type
    assert [f.name for f in restriction] == ["purpose", "restriction_type", "vendors"]
    assert [f.type for f in restriction] == [pa.int64(), pa.int64(), pa.list_(pa.uint16())]
    rows = table.to_pylist()
    assert rows[0]["vendor_consents"] == [1, 2, 3, 755] and rows[1]["vendor_consents"] is None
    assert rows[0]["publisher_restrictions"] == [{"purpose": 1, "restriction_type": 0, "vendors": [10]}]
    assert rows[0]["created"] == tcf.decode(RANGES).created
    assert rows[1]["error"] == cols["error"][1] and rows[2]["cmp_id"] == 27


def test_s16_gpp_decode_sections() -> None:
    g = gpp.decode("DBACNYA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN")
    assert g.section_ids == [2, 6]
    tc = g.sections[2]
    assert isinstance(tc, tcf.TcString) and tc.cmp_id == 31
    assert tc.raw == "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA"
    usp = g.sections[6]
    assert isinstance(usp, gpp.UspV1)
    assert (usp.version, usp.notice, usp.opt_out_sale, usp.lspa_covered, usp.raw) == (1, "Y", "N", "N", "1YNN")

    n = gpp.decode("DBABLA~BVVVkkkklWA.YA").sections[7]
    assert isinstance(n, gpp.UsNat)
    assert n.version == 1 and n.gpc is True and n.raw == "BVVVkkkklWA.YA"
    assert n.sale_opt_out == n.sharing_opt_out == n.targeted_advertising_opt_out == 1
    assert n.sensitive_data_processing == [2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0]
    assert n.known_child_sensitive_data_consents == [2, 1]
    assert (n.mspa_covered_transaction, n.mspa_opt_out_option_mode, n.mspa_service_provider_mode) == (1, 1, 2)
    assert gpp.decode("DBABLA~BVVVkkkklWA").sections[7].gpc is None  # type: ignore[union-attr]

    other = gpp.decode("DBABBg~BVqqqqpY.YA").sections[8]
    assert isinstance(other, gpp.GppSection)
    assert (other.id, other.raw) == (8, "BVqqqqpY.YA")


def test_s16_gpp_errors() -> None:
    with pytest.raises(samtykke.GppError) as e:
        gpp.decode("DBABTA~1YNN~1YNN")
    assert e.value.section is None and e.value.path == "section_ids" and e.value.code == 601
    assert "lists 1 section ids but 2 sections follow" in str(e.value)
    with pytest.raises(samtykke.GppError) as e:
        gpp.decode("DBABMA~CAAAAAAAAAAAAAAAAAENAACAAAAAAAAAAAAAAAAAAAAA")
    assert (e.value.section, e.value.path, e.value.bit) == (2, "vendor_list_version", 120)
    with pytest.raises(samtykke.GppError) as e:
        gpp.decode("DBABLA~DAAAAAAAAQA")
    assert (e.value.section, e.value.path) == (7, "version")


# An encoder of TC strings written here from the IAB's field table, independent of
# the Rust decoder: the core segment with bit-field vendor sets.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _encode(fields: Tuple[int, int, int, int, int, int, int, List[int], List[int]]) -> str:
    created, cmp_id, cmp_version, vlv, purposes, special, lang, consents, li = fields
    bits = ""

    def put(value: int, width: int) -> None:
        nonlocal bits
        bits += format(value, f"0{width}b") if width else ""

    def vendors(ids: List[int]) -> None:
        top = max(ids, default=0)
        put(top, 16)
        put(0, 1)
        for i in range(1, top + 1):
            put(int(i in ids), 1)

    put(2, 6)
    put(created, 36)
    put(created, 36)
    put(cmp_id, 12)
    put(cmp_version, 12)
    put(1, 6)
    put(lang, 12)
    put(vlv, 12)
    put(4, 6)
    put(0, 1)
    put(0, 1)
    put(special, 12)
    put(purposes, 24)
    put(0, 24)
    put(0, 1)
    put(lang, 12)
    vendors(consents)
    vendors(li)
    put(0, 12)
    bits += "0" * (-len(bits) % 6)
    return "".join(_ALPHABET[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


def _encode_ranges(entries: List[Tuple[int, int]]) -> str:
    """A core segment whose vendor consents are the range entries ``entries``
    (start, end), from the same field table as ``_encode``."""
    bits = ""

    def put(value: int, width: int) -> None:
        nonlocal bits
        bits += format(value, f"0{width}b")

    for value, width in [(2, 6), (16_500_000_000, 36), (16_500_000_000, 36), (7, 12), (1, 12), (1, 6)]:
        put(value, width)
    for value, width in [(4 << 6 | 13, 12), (100, 12), (4, 6), (0, 1), (0, 1), (0, 12), (1, 24), (0, 24)]:
        put(value, width)
    put(0, 1)
    put(4 << 6 | 13, 12)
    put(max((e for _, e in entries), default=0), 16)
    put(1, 1)
    put(len(entries), 12)
    for start, end in entries:
        put(int(start != end), 1)
        put(start, 16)
        if start != end:
            put(end, 16)
    put(0, 16)
    put(0, 1)
    put(0, 12)
    bits += "0" * (-len(bits) % 6)
    return "".join(_ALPHABET[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


def test_s16_tcf_a_vendor_named_twice_is_listed_once() -> None:
    # Range entries may name a vendor again (real strings repeat entries): a
    # set holds each vendor once, in the order the string first names it.
    twice = _encode_ranges([(5, 6), (1, 3), (2, 4), (6, 6)])
    assert tcf.decode(twice).vendor_consents == frozenset({1, 2, 3, 4, 5, 6})
    assert tcf.decode_many([twice])["vendor_consents"] == [[5, 6, 1, 2, 3, 4]]
    # 400 entries of all 65,535 ids (26 million as written) are 65,535 ids.
    every = _encode_ranges([(1, 65535)] * 400)
    assert len(tcf.decode(every).vendor_consents) == 65535
    cols = tcf.decode_many([every, twice])
    assert [len(v) for v in cols["vendor_consents"]] == [65535, 6]


def test_s16_tcf_a_repeated_restriction_lists_each_vendor_once() -> None:
    # iabtcf-es issue 201: restrictions repeated under one purpose and type.
    s = "CO4VGswO4VGswAfZCBDEAzCsAP_AAH_AAAigGUNf_X9fb2vj-_599_t0eY1f9_63t-wzjheMs-8NyZ-X_J4Wv2MyvB34JqQKGRgkunLBAQdtHGncTQgBwIlViTLMY02MjzNKJrJEilsbe2dYGH9vn8XT_ZKZ70-_v__7v3___33_5Ayhr_6_r7e18f3_Pvv9ujzGr_v_W9v2GccLxln3huTPy_5PC1-xmV4O_BNSBQyMEl05YICDto407iaEAOBEqsSZZjGmxkeZpRNZIkUtjb2zrAw_t8_i6f7JTPen39___d-___--__ICgKAOAAcAA4AFAAjgB6AEYALcGACAW0AtoJAHAAOAAcACgARwA9ACMAFuFABALaAW0GgDgAHAAOABQAI4AegBGAC3DgAgFtALaEQBwADgAHAAoAEcAPQAjABbiQAQC2gFtCoA4ABwADgAUACOAHoARgAtxYAIBbQC2hkAcAA4ABwAKABHAD0AIwAW40AEAtoBbQ6AOAAcAA4AFAAjgB6AEYALceACAW0AtohAHAAOAAcACgARwA9ACMAFuRABALaAW0SgDgAHAAOABQAI4AegBGAC3JgAgFtALaKQBwADgAHAAoAEcAPQAjABblQAQC2gFtA"
    for rows in (tcf.decode_many([s])["publisher_restrictions"][0], tcf.decode(s).publisher_restrictions):
        triples = [(p, t, v) for p, t, vendors in rows for v in vendors]
        assert len(triples) == len(set(triples)) == 70
    assert sorted(v for p, t, vs in tcf.decode(s).publisher_restrictions if (p, t) == (1, 1) for v in vs) == [
        7, 20, 71, 122, 140, 183
    ]


_fields = st.tuples(
    st.integers(0, 2**36 - 1),
    st.integers(0, 4095),
    st.integers(0, 4095),
    st.integers(1, 4095),
    st.integers(0, 2**24 - 1),
    st.integers(0, 4095),
    st.tuples(st.integers(0, 25), st.integers(0, 25)).map(lambda t: t[0] << 6 | t[1]),
    st.lists(st.integers(1, 800), max_size=30),
    st.lists(st.integers(1, 800), max_size=30),
)


@given(st.lists(_fields, min_size=1, max_size=5))
def test_s16_tcf_decode_gives_back_the_encoded_fields(rows: list) -> None:
    strings = [_encode(f) for f in rows]
    cols = tcf.decode_many(strings)
    for i, (f, s) in enumerate(zip(rows, strings)):
        created, cmp_id, cmp_version, vlv, purposes, special, lang, consents, li = f
        t = tcf.decode(s)
        assert t.created == EPOCH + timedelta(microseconds=created * 100_000)
        assert (t.cmp_id, t.cmp_version, t.vendor_list_version) == (cmp_id, cmp_version, vlv)
        assert t.purposes_consent == frozenset(i + 1 for i in range(24) if purposes >> (23 - i) & 1)
        assert t.special_feature_opt_ins == frozenset(i + 1 for i in range(12) if special >> (11 - i) & 1)
        assert t.consent_language == chr(65 + (lang >> 6)) + chr(65 + (lang & 63))
        assert t.vendor_consents == frozenset(consents) and t.vendor_li == frozenset(li)
        assert cols["vendor_consents"][i] == sorted(set(consents))
        assert cols["cmp_id"][i] == cmp_id and cols["error"][i] is None


@given(st.text(alphabet="ABCDabcd0123-_.~=+!", max_size=80))
def test_s16_any_text_decodes_or_raises_a_samtykke_error(s: str) -> None:
    for decode in (tcf.decode, gpp.decode):
        try:
            decode(s)
        except samtykke.SamtykkeError:
            pass


@given(st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3), st.text(alphabet="ABCDabcd", max_size=8))
def test_s16_a_lone_surrogate_is_a_samtykke_error_at_its_byte(surrogates: str, head: str) -> None:
    # A str that UTF-8 has no form for: rejected as any character out of place.
    for decode, error in ((tcf.decode, samtykke.TcfError), (gpp.decode, samtykke.GppError)):
        with pytest.raises(error, match="byte 0xed is not a base64url character"):
            decode(head + surrogates)
    cols = tcf.decode_many(["C" + surrogates])
    assert cols["error"][0] is not None


# Richer TC strings for the batch decoder: every segment, vendor sets as bit fields
# or as ranges, publisher restrictions; written from the IAB's field table like
# _encode above, without the decoder.
def _bits(value: int, width: int) -> str:
    return format(value, f"0{width}b") if width else ""


def _vendor_bits(kind: str, ids: List[int], ranges: List[Tuple[int, int]]) -> Tuple[str, List[int]]:
    """A vendor section and the ids in the order it lists them."""
    if kind == "bits":
        top = max(ids, default=0)
        return _bits(top, 16) + "0" + "".join(str(int(i in ids)) for i in range(1, top + 1)), sorted(set(ids))
    top = max((b for _, b in ranges), default=0)
    out = _bits(top, 16) + "1" + _bits(len(ranges), 12) + _entries(ranges)
    return out, _once(ranges)


def _restriction_rows(restrictions: List[Tuple[int, int, List[Tuple[int, int]]]]) -> List[Tuple[int, int, List[int]]]:
    """Each restriction with the vendors no earlier one of its purpose and type listed."""
    seen: dict = {}
    rows = []
    for p, t, r in restrictions:
        listed = seen.setdefault((p, t), set())
        ids = [i for i in _once(r) if i not in listed]
        listed.update(ids)
        rows.append((p, t, ids))
    return rows


def _once(ranges: List[Tuple[int, int]]) -> List[int]:
    """The ids the entries name, each once, where first named."""
    return list(dict.fromkeys(i for a, b in ranges for i in range(a, b + 1)))


def _entries(ranges: List[Tuple[int, int]]) -> str:
    return "".join("0" + _bits(a, 16) if a == b else "1" + _bits(a, 16) + _bits(b, 16) for a, b in ranges)


def _b64(bits: str) -> str:
    bits += "0" * (-len(bits) % 6)
    return "".join(_ALPHABET[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


_ranges = st.lists(st.tuples(st.integers(1, 3000), st.integers(0, 40)).map(lambda t: (t[0], t[0] + t[1])), max_size=6)
_vendors = st.tuples(st.sampled_from(["bits", "ranges"]), st.lists(st.integers(1, 900), max_size=80), _ranges)


@st.composite
def _tc_strings(draw: st.DrawFn) -> Tuple[str, dict]:
    """A valid TC string and what its columns must hold."""
    want: dict = {}
    created, updated = draw(st.integers(0, 2**36 - 1)), draw(st.integers(0, 2**36 - 1))
    cmp_id, cmp_version, screen = draw(st.integers(0, 4095)), draw(st.integers(0, 4095)), draw(st.integers(0, 63))
    vlv, policy = draw(st.integers(1, 4095)), draw(st.integers(0, 63))
    flags = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    special, purposes, purposes_li = draw(st.integers(0, 4095)), draw(st.integers(0, 2**24 - 1)), draw(st.integers(0, 2**24 - 1))
    lang, cc = draw(st.tuples(st.integers(0, 25), st.integers(0, 25))), draw(st.tuples(st.integers(0, 25), st.integers(0, 25)))
    consents, consent_ids = _vendor_bits(*draw(_vendors))
    li, li_ids = _vendor_bits(*draw(_vendors))
    restrictions = draw(st.lists(st.tuples(st.integers(0, 63), st.integers(0, 3), _ranges), max_size=3))
    core = (
        _bits(2, 6) + _bits(created, 36) + _bits(updated, 36) + _bits(cmp_id, 12) + _bits(cmp_version, 12)
        + _bits(screen, 6) + _bits(lang[0], 6) + _bits(lang[1], 6) + _bits(vlv, 12) + _bits(policy, 6)
        + str(int(flags[0])) + str(int(flags[1])) + _bits(special, 12) + _bits(purposes, 24) + _bits(purposes_li, 24)
        + str(int(flags[2])) + _bits(cc[0], 6) + _bits(cc[1], 6) + consents + li + _bits(len(restrictions), 12)
        + "".join(_bits(p, 6) + _bits(t, 2) + _bits(len(r), 12) + _entries(r) for p, t, r in restrictions)
    )  # fmt: skip
    segments = [_b64(core)]
    disclosed, allowed = draw(st.none() | _vendors), draw(st.none() | _vendors)
    for ty, v, name in ((1, disclosed, "disclosed_vendors"), (2, allowed, "allowed_vendors")):
        want[name] = []
        if v is not None:
            section, want[name] = _vendor_bits(*v)
            segments.append(_b64(_bits(ty, 3) + section))
    publisher = draw(st.none() | st.tuples(st.integers(0, 2**24 - 1), st.integers(0, 2**24 - 1), st.integers(0, 20)))
    small = lambda v, w: [i + 1 for i in range(w) if v >> (w - 1 - i) & 1]  # noqa: E731
    want.update(pub_purposes_consent=[], pub_purposes_li=[], custom_purposes_consent=[], custom_purposes_li=[])
    if publisher is not None:
        pc, pl, n = publisher
        custom = draw(st.integers(0, 2**n - 1)), draw(st.integers(0, 2**n - 1))
        segments.append(_b64(_bits(3, 3) + _bits(pc, 24) + _bits(pl, 24) + _bits(n, 6) + _bits(custom[0], n) + _bits(custom[1], n)))
        want.update(
            pub_purposes_consent=small(pc, 24), pub_purposes_li=small(pl, 24),
            custom_purposes_consent=small(custom[0], n), custom_purposes_li=small(custom[1], n),
        )  # fmt: skip
    want.update(
        version=2, cmp_id=cmp_id, cmp_version=cmp_version, consent_screen=screen, vendor_list_version=vlv,
        tcf_policy_version=policy, is_service_specific=flags[0], use_non_standard_stacks=flags[1],
        purpose_one_treatment=flags[2], consent_language=chr(65 + lang[0]) + chr(65 + lang[1]),
        publisher_cc=chr(65 + cc[0]) + chr(65 + cc[1]),
        created=EPOCH + timedelta(microseconds=created * 100_000),
        last_updated=EPOCH + timedelta(microseconds=updated * 100_000),
        special_feature_opt_ins=small(special, 12), purposes_consent=small(purposes, 24),
        purposes_li=small(purposes_li, 24), vendor_consents=consent_ids, vendor_li=li_ids,
        publisher_restrictions=_restriction_rows(restrictions),
    )  # fmt: skip
    return ".".join(segments), want


_rows = st.lists(
    _tc_strings() | st.text(alphabet="ABCDabcd0123-_.=", max_size=40).map(lambda s: (s, None)),
    min_size=1,
    max_size=8,
)


@given(_rows)
def test_s17_tcf_decode_many_columns_equal_decode_one_by_one(rows: list) -> None:
    strings = [s for s, _ in rows]
    cols = tcf.decode_many(strings)
    table = cols.to_arrow()
    assert table.num_rows == len(strings)
    # The Arrow buffers and the lists read from them agree.
    for name in cols:
        assert table.column(name).to_pylist() == [
            [dict(zip(("purpose", "restriction_type", "vendors"), r)) for r in v]
            if name == "publisher_restrictions" and v is not None else v
            for v in cols[name]
        ], name  # fmt: skip
    for i, (s, want) in enumerate(rows):
        try:
            t = tcf.decode(s)
        except samtykke.TcfError as e:
            assert want is None, s
            assert cols["error"][i] == str(e)
            assert all(cols[name][i] is None for name in cols if name != "error")
            continue
        assert cols["error"][i] is None
        for name in SPEC_ATTRIBUTES:
            got, one = cols[name][i], getattr(t, name)
            if name == "publisher_restrictions":
                assert [(p, ty, frozenset(v)) for p, ty, v in got] == one
            elif isinstance(one, frozenset):
                assert frozenset(got) == one, name
            else:
                assert got == one, name
        assert cols["warnings"][i] == t.warnings
        if want is not None:  # the encoder's own account, in the string's order
            for name, value in want.items():
                assert cols[name][i] == value, name
