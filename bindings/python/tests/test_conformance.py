"""SPEC §18's conformance table, ``tests/conformance/*.json``, run through the
public Python API: one test per row, its id the row's name. The Rust tests, the C
suite and the PHP test run the same rows; every front end must give the answer the
row states. The answers come from the table (written from SPEC), never from calling
the code under test. The format is described in ``tests/conformance/README.md``."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import samtykke

REPO = Path(__file__).resolve().parents[3]
TABLE = REPO / "tests" / "conformance"
DEFAULT_POLICY = "examples/kk.dk.policy.json"
DEFAULT_CONSENT_ID = "0123456789abcdef0123456789abcdef"
INVALID_TIME = 105

# kk.dk's consent-category cookies (all exact names): a fact of the fixture
# examples/kk.dk.policy.json, for checking Cookie headers through deletion plans.
KK_CONSENT_COOKIES = {"ad_session_id", "JSESSIONID", "AWSELBCORS", "nmstat"}
DELETION_SUFFIX = "=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"

Row = Dict[str, Any]


def rows(file: str) -> List[Any]:
    table = json.loads((TABLE / file).read_text(encoding="utf-8"))
    assert isinstance(table, list) and table, f"{file} is not a list of rows"
    return [pytest.param(row, id=row["name"]) for row in table]


# ---- inputs ----------------------------------------------------------------------

_policies: Dict[str, samtykke.Policy] = {}


def load_policy(spec: Any) -> samtykke.Policy:
    if spec is None:
        spec = DEFAULT_POLICY
    if isinstance(spec, str):
        return samtykke.Policy.load(REPO / spec)
    key = json.dumps(spec, sort_keys=True)
    if key not in _policies:
        _policies[key] = samtykke.Policy.from_json(json.dumps(spec))
    return _policies[key]


class Unrepresentable(Exception):
    """A time Python's datetime cannot hold: a Python host cannot pass it."""


def when(secs: int) -> datetime:
    try:
        return datetime.fromtimestamp(secs, tz=timezone.utc)
    except (ValueError, OverflowError, OSError) as e:
        raise Unrepresentable(str(e)) from e


def apply(state: samtykke.ConsentState, ev: Row) -> samtykke.ConsentState:
    action = ev["action"]
    at = when(ev["at"])
    if action in ("signal_gpc", "dismiss", "scroll", "navigate", "idle"):
        method = getattr(state, action)
        result: samtykke.ConsentState = method(at)
        return result
    user: Dict[str, Any] = {}
    if "notice" in ev:
        user["notice"] = ev["notice"]
    if "control" in ev:
        user["control"] = ev["control"]
    if "gpc" in ev:
        user["gpc"] = ev["gpc"]
    if action == "accept_all":
        return state.accept_all(at, **user)
    if action == "reject_all":
        return state.reject_all(at, **user)
    if action == "save":
        return state.save(
            ev["categories"], at, refused_providers=ev.get("refused_providers"), **user
        )
    if action == "withdraw":
        return state.withdraw(at, categories=ev.get("categories"), **user)
    raise AssertionError(f"unknown action {action!r}")


def given(row: Row, policy: samtykke.Policy) -> samtykke.ConsentState:
    state = policy.new_state(row.get("consent_id", DEFAULT_CONSENT_ID))
    for ev in row.get("given", []):
        state = apply(state, ev)
    return state


# ---- answers ---------------------------------------------------------------------


# The codes Python raises as built-in exceptions, without a `.code` (SPEC §10;
# the one map in bindings/python/src/errors.rs): a bad argument is a ValueError,
# a missing one a TypeError.
BUILTIN_CLASS = {100: TypeError, 102: ValueError, 103: ValueError, 105: ValueError}


def expect_error(row: Row, err: BaseException) -> None:
    """The row expects a failure with its code; `err` must carry that code, or be
    the built-in exception Python raises for it."""
    want = row["expect"]["code"]
    assert want != 0, f"expected success, got {type(err).__name__}: {err}"
    if not isinstance(err, samtykke.SamtykkeError) and want in BUILTIN_CLASS:
        assert isinstance(err, BUILTIN_CLASS[want]), f"{type(err).__name__}: {err}"
        return
    got = getattr(err, "code", None)
    assert got == want, (
        f"expected code {want} {row['expect']['code_name']}, "
        f"got {type(err).__name__} (code {got}): {err}"
    )


def expect_success(row: Row) -> None:
    want = row["expect"]
    assert want["code"] == 0, (
        f"expected code {want['code']} {want['code_name']}, but the call succeeded"
    )


def check_state(expect: Row, state: samtykke.ConsentState, now: datetime) -> None:
    if "status" in expect:
        got = {c: state.category_status(c, now) for c in expect["status"]}
        assert got == expect["status"], "status"
    if "prompt_due" in expect:
        assert state.prompt_due(now) == expect["prompt_due"], "prompt_due"
    for key in ["partial_refusal_at", "expires"]:
        if key in expect:
            at = getattr(state, key)
            got = None if at is None else int(at.timestamp())
            assert got == expect[key], key
    if "permits" in expect:
        got = {n: state.permits(n, now).reason for n in expect["permits"]}
        assert got == expect["permits"], "permits"


# ---- events.json -----------------------------------------------------------------


@pytest.mark.parametrize("row", rows("events.json"))
def test_event(row: Row) -> None:
    policy = load_policy(row.get("policy"))
    before = given(row, policy)
    try:
        after = apply(before, row["event"])
    except Unrepresentable:
        assert row["expect"]["code"] == INVALID_TIME, "a time datetime cannot hold"
        return
    except (samtykke.SamtykkeError, ValueError, TypeError) as e:
        expect_error(row, e)
        return
    expect_success(row)
    expect = row["expect"]
    recorded = after.proof_json() != before.proof_json()
    assert recorded == expect["recorded"], "recorded"
    if not expect["recorded"]:
        assert after == before, "an event that records nothing changed the state"
    if "notice_version" in expect:
        assert after.notice_version == expect["notice_version"], "notice_version"
    check_state(expect, after, when(row["now"]))


# ---- policies.json ---------------------------------------------------------------


@pytest.mark.parametrize("row", rows("policies.json"))
def test_policy(row: Row) -> None:
    try:
        if "policy_text" in row:
            policy = samtykke.Policy.from_json(row["policy_text"])
        else:
            policy = load_policy(row.get("policy"))
    except samtykke.PolicyError as e:
        expect_error(row, e)
        if "path" in row["expect"]:
            assert e.path == row["expect"]["path"], "path"
        return
    expect_success(row)
    assert policy.site == row["expect"]["site"], "site"
    assert policy.categories == row["expect"]["categories"], "categories"


# ---- cookies.json ----------------------------------------------------------------


@pytest.mark.parametrize("row", rows("cookies.json"))
def test_cookie(row: Row) -> None:
    policy = load_policy(row.get("policy"))
    key: Optional[bytes] = bytes.fromhex(row["key_hex"]) if "key_hex" in row else None
    try:
        state = policy.decode_cookie(row["value"], key)
    except samtykke.CookieError as e:
        expect_error(row, e)
        return
    expect_success(row)
    expect = row["expect"]
    assert state.consent_id == expect["consent_id"], "consent_id"
    if "revision" in expect:
        assert state.revision == expect["revision"], "revision"
    if "decided_at" in expect:
        decided = state.decided_at
        assert decided is not None and int(decided.timestamp()) == expect["decided_at"]
    if "notice_version" in expect:
        assert state.notice_version == expect["notice_version"], "notice_version"
    if "action" in expect:
        assert state.action == expect["action"], "action"
    if "control" in expect:
        assert state.control == expect["control"], "control"
    if "gpc" in expect:
        assert state.gpc == expect["gpc"], "gpc"
    check_state(expect, state, when(row["now"]))


# ---- headers.json ----------------------------------------------------------------


def deleted_names(plan: samtykke.DeletionPlan) -> List[str]:
    """The names a kk.dk deletion plan on host kk.dk deletes, once each, in order."""
    names: List[str] = []
    for header in plan.set_cookie:
        name = header.split("=", 1)[0]
        assert header in (
            f"{name}{DELETION_SUFFIX}",
            f"{name}{DELETION_SUFFIX}; Domain=kk.dk",
        ), header
        if name not in names:
            names.append(name)
    return names


def check_cookie_header(row: Row) -> None:
    # SPEC §10 gives Python no Cookie-header reader: the header is read by
    # deletion_plan. A new kk.dk state has every consent category undecided, so
    # each kk.dk consent cookie the header names must be deleted, once, in order.
    policy = load_policy(DEFAULT_POLICY)
    state = policy.new_state(DEFAULT_CONSENT_ID)
    now = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
    try:
        plan = state.deletion_plan("kk.dk", row["header"], now)
    except samtykke.SamtykkeError as e:
        expect_error(row, e)
        return
    expect_success(row)
    want: List[str] = []
    for name, _value in row["expect"]["pairs"]:
        if name in KK_CONSENT_COOKIES and name not in want:
            want.append(name)
    assert deleted_names(plan) == want, "names read from the Cookie header"


def check_filter(row: Row) -> None:
    policy = load_policy(row.get("policy"))
    state = given(row, policy)
    out = state.filter_set_cookie(row["set_cookie"], when(row["now"]))
    expect_success(row)
    assert out.kept == row["expect"]["kept"], "kept"
    dropped = [{"index": d.index, "name": d.name, "reason": d.reason} for d in out.dropped]
    assert dropped == row["expect"]["dropped"], "dropped"
    if "sent" in row["expect"]:
        sent = state.judge_set_cookies(row["set_cookie"], when(row["now"]))
        assert sent == row["expect"]["sent"], f"sent {sent}"


def check_deletion(row: Row) -> None:
    policy = load_policy(row.get("policy"))
    state = given(row, policy)
    try:
        plan = state.deletion_plan(row["host"], row["cookie_header"], when(row["now"]))
    except samtykke.SamtykkeError as e:
        expect_error(row, e)
        return
    expect_success(row)
    expect = row["expect"]
    assert plan.set_cookie == expect["set_cookie"], "set_cookie"
    keys: List[Tuple[str, str]] = [(k, n) for k, n in expect["storage_keys"]]
    assert plan.storage_keys == keys, "storage_keys"
    undeletable = [
        {"name": u.name, "category": u.category, "domain": u.domain, "reason": u.reason}
        for u in plan.undeletable
    ]
    assert undeletable == expect["undeletable"], "undeletable"


def check_arrival(row: Row) -> None:
    policy = load_policy(row.get("policy"))
    header = bytes.fromhex(row["header_hex"]) if "header_hex" in row else row["header"]
    # Absent: no keys, read unverified; a list (even empty): those keys.
    keys = [bytes.fromhex(k) for k in row["keys_hex"]] if "keys_hex" in row else None
    arrived = policy.state_from_cookie_header(header, keys)
    expect_success(row)
    expect = row["expect"]
    assert (arrived is not None) == expect["found"], "found"
    if arrived is not None:
        state, key_index = arrived
        assert key_index == expect["key_index"], "key_index"
        assert state.consent_id == expect["consent_id"], "consent_id"
        assert state.action == expect["action"], "action"
        check_state(expect, state, when(row["now"]))


@pytest.mark.parametrize("row", rows("headers.json"))
def test_header(row: Row) -> None:
    kind = row["type"]
    if kind == "cookie_header":
        check_cookie_header(row)
    elif kind == "set_cookie_filter":
        check_filter(row)
    elif kind == "deletion":
        check_deletion(row)
    elif kind == "consent_cookie_header":
        check_arrival(row)
    elif kind == "sec_gpc":
        expect_success(row)
        assert samtykke.gpc_signal(row["value"]) is row["expect"]["signal"], "signal"
    elif kind == "decision_form":
        policy = load_policy(row.get("policy"))
        # Absent: a form's; None: no header.
        content_type = row.get("content_type", "application/x-www-form-urlencoded")
        try:
            form = policy.decision_form(content_type, row["body"], row.get("action_field", "action"))
        except samtykke.FormError as e:
            expect_error(row, e)
            assert e.path == row["expect"]["field"], "field"
            assert e.status == row["expect"]["http_status"], f"status {e.status}"
            return
        expect_success(row)
        for k in ["action", "notice", "control", "granted", "categories", "consent_id"]:
            assert form[k] == row["expect"][k], k
    elif kind == "same_origin":
        expect_success(row)
        got = samtykke.same_origin(row["host"], row.get("origin"), row.get("sec_fetch_site"))
        assert got is row["expect"]["same"], "same"
    elif kind == "request_lang":
        expect_success(row)
        got = samtykke.request_lang(row["query"], row["accept_language"])
        assert got == row["expect"]["lang"], f"lang {got!r}"
    else:
        raise AssertionError(f"unknown row type {kind!r}")


# ---- iab.json --------------------------------------------------------------------


@pytest.mark.parametrize("row", rows("iab.json"))
def test_iab(row: Row) -> None:
    expect = row["expect"]
    if row["type"] == "tcf":
        try:
            t = samtykke.tcf.decode(row["value"])
        except samtykke.TcfError as e:
            expect_error(row, e)
            return
        expect_success(row)
        if "cmp_id" in expect:
            assert t.cmp_id == expect["cmp_id"], "cmp_id"
        assert sorted(t.vendor_consents) == sorted(expect["ids"]), "ids"
    else:
        try:
            g = samtykke.gpp.decode(row["value"])
        except samtykke.GppError as e:
            expect_error(row, e)
            return
        expect_success(row)
        assert g.section_ids == expect["ids"], "ids"
