"""Bad input (SPEC §13): garbage cookies, broken policies and wrong types raise
the documented exception class with the core's message and path, never
anything else."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import samtykke

from conftest import KEY, KK_DK, T0


# ---- policies -----------------------------------------------------------------


def broken(kk_json: Dict[str, Any], edit: Any) -> str:
    doc = copy.deepcopy(kk_json)
    edit(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(
    "edit, code, path, message",
    [
        (lambda d: d.update(schema="samtykke/policy/9"), 200, "schema", 'unknown schema "samtykke/policy/9"'),
        (lambda d: d["storage"][3].pop("purpose"), 202, "storage[3].purpose", "every declaration needs"),
        (lambda d: d["storage"][0].update(duration={"hours": 0}), 218, "storage[0].duration", "positive"),
        (lambda d: d["categories"][2].update(basis="legitimate_interest"), 210, "categories[2].basis", "legitimate interest is no basis"),
        (lambda d: d["categories"][0].update(basis="consent"), 212, "categories[0].basis", "necessary"),
        (lambda d: d.update(consent_ttl_days=0), 217, "consent_ttl_days", "3650"),
        (lambda d: d["storage"][4].update(provider="nobody"), 209, "storage[4].provider", "nobody"),
        (lambda d: d.update(gpc_refuses=["necessary"]), 214, "gpc_refuses[0]", "exempt"),
        (lambda d: d["categories"].append(dict(d["categories"][1])), 205, "categories[3].id", "already used"),
    ],
)
def test_broken_policies_raise_policy_error_with_path(
    kk_json: Dict[str, Any], edit: Any, code: int, path: str, message: str
) -> None:
    with pytest.raises(samtykke.PolicyError) as e:
        samtykke.Policy.from_json(broken(kk_json, edit))
    err = e.value
    assert (err.code, err.path) == (code, path)
    assert message in err.message
    assert str(err) == f"{path}: {err.message}"
    assert isinstance(err, samtykke.SamtykkeError) and isinstance(err, ValueError)


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(samtykke.PolicyError) as e:
        samtykke.Policy.from_json('{\n  "schema": "samtykke/policy/1",\n  "site": }')
    assert e.value.code == 201
    assert e.value.path == "line 3 column 11"
    assert str(e.value).startswith("line 3 column 11: ")


def test_a_broken_policy_file_is_named(tmp_path: Path, kk_json: Dict[str, Any]) -> None:
    f = tmp_path / "site.json"
    f.write_text(broken(kk_json, lambda d: d.update(consent_ttl_days=9999)))
    with pytest.raises(samtykke.PolicyError) as e:
        samtykke.Policy.load(f)
    assert str(e.value) == f"{f}: consent_ttl_days: {e.value.message}"
    assert e.value.path == "consent_ttl_days"


def test_a_missing_policy_file_is_an_os_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(FileNotFoundError) as e:
        samtykke.Policy.load(missing)
    assert str(missing) in str(e.value) and "cannot read the policy" in str(e.value)
    with pytest.raises(OSError):
        samtykke.Policy.load(tmp_path)  # a directory


def test_policy_wrong_types() -> None:
    with pytest.raises(TypeError, match="json must be a str or bytes, not int"):
        samtykke.Policy.from_json(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        samtykke.Policy.load(42)  # type: ignore[arg-type]
    with pytest.raises(samtykke.PolicyError) as e:
        samtykke.Policy.from_json(b"\xff\xfe not utf-8")
    assert e.value.code == 201


@given(st.text(max_size=300) | st.binary(max_size=300))
def test_garbage_policies_raise_policy_error_only(data: Any) -> None:
    try:
        samtykke.Policy.from_json(data)
    except samtykke.PolicyError as e:
        assert 200 <= e.code < 300 and e.message and e.path


# ---- consent cookies ----------------------------------------------------------


@pytest.mark.parametrize(
    "value, code, path, message",
    [
        ("", 300, None, 'does not start with the version tag "v1."'),
        ("v2.AAAA", 300, None, "version tag"),
        ("v1." + "A" * 200, 305, None, "203 bytes long; at most 133 are ever written"),
        ("v1.AA*A", 301, None, "byte 5 (0x2a) is not a base64url character"),
        ("v1.A", 301, None, "do not encode whole bytes"),
        ("v1.AAAA", 302, "consent id", "truncated in its consent id field"),
        ("v1.gA", 302, "flags", "flags"),
    ],
)
def test_garbage_cookies_raise_cookie_error(
    kk: samtykke.Policy, value: str, code: int, path: Any, message: str
) -> None:
    with pytest.raises(samtykke.CookieError) as e:
        kk.decode_cookie(value)
    err = e.value
    assert (err.code, err.path) == (code, path)
    assert message in str(err) and err.message == str(err)


def test_signature_errors(kk: samtykke.Policy) -> None:
    state = kk.new_state(1).accept_all(T0)
    unsigned = state.to_cookie()
    with pytest.raises(samtykke.CookieError, match="not signed") as e:
        kk.decode_cookie(unsigned, KEY)
    assert (e.value.code, e.value.path) == (303, "tag")
    signed = state.to_cookie(KEY)
    with pytest.raises(samtykke.CookieError, match="does not verify") as e:
        kk.decode_cookie(signed, b"another key, also of thirty-two!")
    assert e.value.code == 304
    tampered = signed[:10] + ("A" if signed[10] != "A" else "B") + signed[11:]
    with pytest.raises(samtykke.CookieError):
        kk.decode_cookie(tampered, KEY)
    # Without a key a tag is skipped, unverified.
    assert kk.decode_cookie(signed) == state


@given(st.text(max_size=160))
def test_arbitrary_text_decodes_or_raises_cookie_error(text: str) -> None:
    policy = samtykke.Policy.load(KK_DK)
    for value in (text, "v1." + text):
        try:
            policy.decode_cookie(value, KEY)
        except samtykke.CookieError as e:
            assert 300 <= e.code < 400
    columns = policy.decode_cookies([text, "v1." + text], KEY)
    assert len(columns["error"]) == 2


@given(st.binary(min_size=1, max_size=90))
def test_mutated_cookies_never_crash(noise: bytes) -> None:
    policy = samtykke.Policy.load(KK_DK)
    good = policy.new_state(7).save(["statistics"], T0).withdraw(T0).to_cookie()
    i = noise[0] % len(good)
    mutated = good[:i] + noise[1:].decode("latin-1") + good[i + 1 :]
    try:
        state = policy.decode_cookie(mutated)
    except samtykke.CookieError:
        return
    assert state.policy is policy


def test_cookie_wrong_types(kk: samtykke.Policy) -> None:
    state = kk.new_state(1)
    with pytest.raises(TypeError, match="key must be bytes or None, not str"):
        state.to_cookie("secret")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="value must be a str, not bytes"):
        kk.decode_cookie(b"v1.AAAA")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="key must be bytes or None, not bytearray"):
        kk.decode_cookie("v1.AAAA", bytearray(b"k"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="values must be an iterable of cookie values, not str"):
        kk.decode_cookies("v1.AAAA")
    with pytest.raises(TypeError, match="values must be an iterable of cookie values, not int"):
        kk.decode_cookies(5)  # type: ignore[arg-type]


@given(st.binary(max_size=200), st.binary(max_size=40))
def test_s13_any_cookie_header_bytes_arrive_as_a_state_or_none(noise: bytes, piece: bytes) -> None:
    # Whatever a browser or a log holds: a state or None, never an exception;
    # and a piece of noise before the consent cookie hides nothing.
    policy = samtykke.Policy.load(KK_DK)
    good = policy.new_state(7).save(["statistics"], T0).to_cookie(KEY)
    got = policy.state_from_cookie_header(noise, [KEY, b"last year's key, still verifying"])
    assert got is None or (got[0].policy is policy and got[1] in (0, 1))
    clean = piece.replace(b";", b"")
    header = clean + b"; samtykke=" + good.encode()
    arrived = policy.state_from_cookie_header(header, KEY)
    assert arrived is not None and arrived[0].consent_id == f"{7:032x}" and arrived[1] == 0


def test_s13_a_site_key_under_32_bytes_is_refused(kk: samtykke.Policy) -> None:
    # The key rule of key files, the tower layer and C: a shorter key, the
    # empty one too, signs cookies anyone could forge.
    state = kk.new_state(1).accept_all(T0)
    good = state.to_cookie(KEY)
    for short in (b"", b"k" * 31):
        message = f"a key of {len(short)} bytes; a site key needs 32 or more"
        with pytest.raises(ValueError, match=f"^key: {message}$"):
            state.to_cookie(short)
        with pytest.raises(ValueError, match=f"^key: {message}$"):
            kk.decode_cookie(good, short)
        with pytest.raises(ValueError, match=f"^key: {message}$"):
            kk.decode_cookies([good], short)
        with pytest.raises(ValueError, match=f"^keys: {message}$"):
            kk.state_from_cookie_header("samtykke=" + good, short)
        with pytest.raises(ValueError, match=f"^each item of keys: {message}$"):
            kk.state_from_cookie_header("samtykke=" + good, [KEY, short])


def test_cookie_header_wrong_types(kk: samtykke.Policy) -> None:
    with pytest.raises(TypeError, match="header must be a str or bytes, not int"):
        kk.state_from_cookie_header(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="each item of keys must be bytes, not str"):
        kk.state_from_cookie_header("a=1", ["secret"])  # type: ignore[list-item]
    for bad in (5, "secret", bytearray(b"k" * 32)):
        with pytest.raises(TypeError, match="keys must be bytes, an iterable of bytes or None, not"):
            kk.state_from_cookie_header("a=1", bad)  # type: ignore[arg-type]
    # A header os.environ decoded with surrogates is read as its bytes, not refused.
    good = kk.new_state(7).accept_all(T0).to_cookie(KEY)
    environ = (b"old=\xe6\xf8; samtykke=" + good.encode()).decode("utf-8", "surrogateescape")
    arrived = kk.state_from_cookie_header(environ, KEY)
    assert arrived is not None and arrived[0].consent_id == f"{7:032x}"
    assert kk.state_from_cookie_header("samtykke=" + good, []) is None, "no key verifies"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=12), max_size=5), st.binary(max_size=40))
def test_s13_any_request_header_bytes_give_a_signal_and_a_language_or_none(
    values: list[bytes], accept: bytes
) -> None:
    # Whatever a browser sends: a bool and a language or None, never an
    # exception; repeated Sec-GPC headers joined with commas (as PHP's
    # $_SERVER holds them) give the signal exactly when one of them does.
    joined = b",".join(values)
    assert samtykke.gpc_signal(joined) is any(samtykke.gpc_signal(v) for v in values)
    lang = samtykke.request_lang(b"", accept)
    assert lang in (None, "da", "en")
    # A str holding the same bytes (os.environ's surrogates) gives the same answer.
    text = accept.decode("utf-8", "surrogateescape")
    assert samtykke.request_lang("", text) == lang
    # An explicit ?lang= wins over whatever the header asks.
    assert samtykke.request_lang("lang=en", accept) == "en"


def test_request_reading_wrong_types() -> None:
    with pytest.raises(TypeError, match="value must be a str or bytes, not int"):
        samtykke.gpc_signal(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="accept_language must be a str or bytes, not NoneType"):
        samtykke.request_lang("", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="query must be a str or bytes, not dict"):
        samtykke.request_lang({}, "da")  # type: ignore[arg-type]


# ---- states: times, names and arguments ------------------------------------------


def test_naive_datetimes_raise_value_error(kk: samtykke.Policy) -> None:
    state = kk.new_state(1)
    naive = datetime(2026, 3, 1, 10)
    with pytest.raises(ValueError, match="at is a naive datetime"):
        state.accept_all(naive)
    with pytest.raises(ValueError, match="now is a naive datetime"):
        state.permits("nmstat", naive)
    with pytest.raises(ValueError, match="now is a naive datetime"):
        kk.decode_cookies([], now=naive)
    assert not isinstance(ValueError("x"), samtykke.SamtykkeError)


@pytest.mark.parametrize("bad", ["2026-03-01T10:00:00Z", 1772359200, None, datetime(2026, 3, 1).date()])
def test_times_of_other_types_raise_type_error(kk: samtykke.Policy, bad: Any) -> None:
    state = kk.new_state(1)
    with pytest.raises(TypeError, match="must be a timezone-aware datetime"):
        state.reject_all(bad)
    with pytest.raises(TypeError, match="now must be a timezone-aware datetime"):
        state.prompt_due(bad)


def test_wrong_argument_types_and_values(kk: samtykke.Policy) -> None:
    state = kk.new_state(1)
    with pytest.raises(TypeError, match="categories must be an iterable of str, not str"):
        state.save("statistics", T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="each item of categories must be a str, not int"):
        state.save([1], T0)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="headers must be an iterable of str, not str"):
        state.filter_set_cookie("nmstat=1", T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name must be a str, not int"):
        state.permits(5, T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        state.accept_all(T0, notice="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="notice must be in 1..=65535, not 0"):
        state.accept_all(T0, notice=0)
    with pytest.raises(ValueError, match='control must be "button", "toggle", "link" or "icon", not \'click\''):
        state.accept_all(T0, control="click")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not .signal."):
        state.withdraw(T0, control="signal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind must be"):
        state.permits("nmstat", T0, kind="flash")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="consent_id must be in 0..2\\*\\*128"):
        kk.new_state(-1)
    with pytest.raises(ValueError, match="consent_id"):
        kk.new_state("not hex")
    with pytest.raises(TypeError, match="consent_id must be an int"):
        kk.new_state(1.5)  # type: ignore[arg-type]


def test_unknown_names_raise_samtykke_error(kk: samtykke.Policy) -> None:
    state = kk.new_state(1)
    for call in (
        lambda: state.save(["statistics", "marketing"], T0),
        lambda: state.withdraw(T0, ["marketing"]),
        lambda: state.category_status("marketing", T0),
    ):
        with pytest.raises(samtykke.SamtykkeError) as e:
            call()
        assert type(e.value) is samtykke.SamtykkeError
        assert e.value.code == 402
        assert str(e.value) == 'the policy declares no category "marketing"'
    with pytest.raises(samtykke.SamtykkeError, match='no provider "acme"'):
        state.save(["statistics"], T0, refused_providers=["acme"])


def test_a_cookie_header_with_a_control_character(kk: samtykke.Policy) -> None:
    state = kk.new_state(1).reject_all(T0)
    with pytest.raises(samtykke.SamtykkeError) as e:
        state.deletion_plan("kk.dk", "nmstat=1;\x00", T0)
    assert e.value.code == 502
    assert str(e.value) == "Cookie header, at byte 9: a control character"


def test_times_outside_datetime_years(kk: samtykke.Policy) -> None:
    # A decoded cookie can carry any time; reading it as a datetime says so.
    state = kk.new_state(1).accept_all(datetime(9999, 12, 30, tzinfo=timezone.utc))
    assert state.expires == datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


# ---- audit lines given as dicts -----------------------------------------------


@pytest.mark.parametrize("levels", [2, 64, 65, 127, 128, 129, 200])
def test_s13_a_dict_line_may_nest_as_deep_as_its_json_text(kk: samtykke.Policy, levels: int) -> None:
    """A line's JSON may nest 128 levels deep, its object the first: a line
    given as a dict is read as its JSON text is, at every depth."""
    value: Any = []
    for _ in range(levels - 2):
        value = [value]
    line = {"ts": "2026-03-01T10:00:00Z", "visitor": "v", "event": "notice_shown", "x": value}
    text = json.dumps(line)
    assert text.count("[") == levels - 1
    from_dict = samtykke.audit_lines([line], kk)
    from_text = samtykke.audit_lines([text], kk)
    deep_enough = levels > 128
    for report in (from_dict, from_text):
        assert report.summary["events"] == (0 if deep_enough else 1)
        assert report.summary["input_errors"] == (1 if deep_enough else 0)
    if deep_enough:
        assert from_dict.input_errors[0]["message"].startswith("not JSON: the value of `x` nests more than 128 deep")
        assert from_text.input_errors[0]["message"].startswith("not JSON: nested too deeply")
