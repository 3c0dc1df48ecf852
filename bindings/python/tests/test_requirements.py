"""The requirements of SPEC §2, property-tested from Python over random policies,
event sequences and times: each test mirrors the core's test of the same id."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import samtykke

from conftest import (
    DAY,
    KEY,
    NON_GRANTING,
    T0,
    Generated,
    apply,
    events,
    granted,
    pick,
    policies,
    run,
)

later = st.integers(0, 500 * DAY).map(lambda s: timedelta(seconds=s))


@given(policies(), later)
def test_r01_no_preticked_consent(g: Generated, dt: timedelta) -> None:
    now = T0 + dt
    state = g.policy.new_state()
    assert state.toggles(now) == []
    assert state.prompt_due(now)
    for c in g.consent:
        assert state.category_status(c, now) == "undecided"
        assert state.decisions[c] == "undecided"
        for d in g.decls_of(c, kind=None):
            decision = state.permits(d.concrete, now, kind=d.kind)
            assert not decision
            assert (decision.category, decision.reason) == (c, "undecided")
    untouched = state.save([], now)
    assert granted(g, untouched, now) == set()
    assert untouched.toggles(now) == []
    assert set(untouched.decisions.values()) == {"refused"}


@given(policies(), events(), st.lists(st.tuples(st.sampled_from(NON_GRANTING), later)), later)
def test_r02_only_an_active_user_action_grants(
    g: Generated, evs: list, passive: list, dt: timedelta
) -> None:
    state, at = run(g, evs)
    for kind, step in passive:
        at += step
        before = granted(g, state, at)
        state = apply(g, state, (kind, 0, 0, False), at)
        assert granted(g, state, at) <= before, kind
    # Time passing never grants.
    assert granted(g, state, at + dt) <= granted(g, state, at)
    # Nor does a new policy revision with material changes: the same cookie
    # read under it grants at most what it granted.
    doc = copy.deepcopy(g.doc)
    doc["revision"] += 1
    for c in doc["categories"]:
        if c["basis"] == "consent" and dt.seconds % 2:
            c["changed_in_revision"] = doc["revision"]
    newer = samtykke.Policy.from_json(json.dumps(doc))
    reread = newer.decode_cookie(state.to_cookie(KEY), KEY)
    assert {c for c in g.consent if reread.category_status(c, at) == "granted"} <= granted(g, state, at)


@given(policies(), events(), later)
def test_r04_necessary_is_exempt_and_cannot_be_refused(g: Generated, evs: list, dt: timedelta) -> None:
    state, at = run(g, evs)
    for s in [state, state.reject_all(at), state.withdraw(at), state.save([], at)]:
        now = at + dt
        assert s.category_status("necessary", now) == "exempt"
        for d in g.decls_of("necessary", kind=None):
            decision = s.permits(d.concrete, now, kind=d.kind)
            assert decision and decision.reason == "exempt" and decision.category == "necessary"
        assert s.permits("consent", now), "the consent cookie itself is necessary"
        plan = s.deletion_plan("example.dk", [d.concrete for d in g.decls_of("necessary")], now)
        assert plan.set_cookie == [] and plan.undeletable == []
        assert not {name for _, name in plan.storage_keys} & {d.name for d in g.decls_of("necessary", kind=None)}


@given(policies())
def test_r04_a_policy_without_exempt_necessary_is_rejected(g: Generated) -> None:
    doc = copy.deepcopy(g.doc)
    i = next(i for i, c in enumerate(doc["categories"]) if c["id"] == "necessary")
    refusable = copy.deepcopy(doc)
    refusable["categories"][i]["basis"] = "consent"
    with pytest.raises(samtykke.PolicyError) as e:
        samtykke.Policy.from_json(json.dumps(refusable))
    assert e.value.code == 212 and e.value.path == f"categories[{i}].basis"
    missing = copy.deepcopy(doc)
    del missing["categories"][i]
    missing["storage"] = [s for s in missing["storage"] if s["category"] != "necessary"]
    with pytest.raises(samtykke.PolicyError) as e:
        samtykke.Policy.from_json(json.dumps(missing))
    assert e.value.code == 211 and e.value.path == "categories"


@given(policies(), events(), later)
def test_r08_one_event_refuses_everything_from_every_state(g: Generated, evs: list, dt: timedelta) -> None:
    state, at = run(g, evs)
    at += dt
    refused = state.reject_all(at)
    assert not refused.prompt_due(at)
    for c in g.consent:
        assert refused.category_status(c, at) == "refused"
        for d in g.decls_of(c, kind=None):
            assert not refused.permits(d.concrete, at, kind=d.kind)


@given(policies(), events(), later, later)
def test_r11_withdrawal_at_any_time_and_again_changes_only_its_time(
    g: Generated, evs: list, dt: timedelta, again: timedelta
) -> None:
    state, at = run(g, evs)
    t1 = at + dt
    once = state.withdraw(t1)
    assert {once.category_status(c, t1) for c in g.consent} == {"withdrawn"}
    assert once.proof_record()["action"] == "withdraw"
    t2 = t1 + again
    twice = once.withdraw(t2)
    assert twice.decisions == once.decisions
    assert (twice.decided_at, twice.revision) == (once.decided_at, once.revision)
    assert twice.partial_refusal_at == t2
    assert twice.providers_refused == once.providers_refused


@given(policies(), events(), st.integers(1, 63), later, st.lists(st.sampled_from(NON_GRANTING)))
def test_r12_withdrawal_stops_and_deletes_and_the_past_stays_lawful(
    g: Generated, evs: list, mask: int, dt: timedelta, passive: list
) -> None:
    state, at = run(g, evs)
    which = pick(g, mask) or g.consent[:1]
    cookies = [d.concrete for c in which for d in g.decls_of(c)]
    t = at + dt
    withdrawn = state.withdraw(t, which)
    # The past stays lawful (replaying the proof records up to a time before the
    # withdrawal answers as the state did then): test_state_oracle.py's
    # test_r12_…, against the reference model.
    record = withdrawn.proof_record()
    assert record["action"] == "withdraw" and record["decisions"] == {c: "refused" for c in which}
    # Stops: denied from then on, through anything but a new grant.
    s, now = withdrawn, t
    for kind in passive:
        now += timedelta(days=3)
        s = apply(g, s, (kind, 0, 0, False), now)
        for c in which:
            for d in g.decls_of(c, kind=None):
                assert not s.permits(d.concrete, now, kind=d.kind)
    # Deletes: every present declared cookie of the categories gets a deletion
    # header (host-only, then each domain the host reaches).
    plan = withdrawn.deletion_plan("www.example.dk", cookies, t)
    for name in cookies:
        assert f"{name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/" in plan.set_cookie
        assert f"{name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=example.dk" in plan.set_cookie
    for c in which:
        for d in g.decls_of(c, kind=None):
            if d.kind != "cookie":
                assert (d.kind, d.name) in plan.storage_keys
    # And a Set-Cookie for them is withheld.
    kept = withdrawn.filter_set_cookie([f"{n}=1; Max-Age=60" for n in cookies], t).kept
    assert kept == []


@given(policies(), events(), later, st.booleans())
def test_r14_a_refusal_is_stored_and_lasts_refusal_ttl_days(
    g: Generated, evs: list, dt: timedelta, signed: bool
) -> None:
    state, at = run(g, evs)
    t = at + dt
    refused = state.reject_all(t)
    assert refused.decided_at == t and not refused.prompt_due(t)
    key = KEY if signed else None
    cookie = refused.to_cookie(key)
    decoded = g.policy.decode_cookie(cookie, key)
    assert decoded == refused
    assert set(decoded.decisions.values()) == {"refused"}
    ttl = g.policy.refusal_ttl_days * DAY
    last = t + timedelta(seconds=ttl - 1)
    lapse = t + timedelta(seconds=ttl)
    for s in (refused, decoded):
        assert not s.prompt_due(last)
        assert {s.category_status(c, last) for c in g.consent} == {"refused"}
        assert s.prompt_due(lapse)
        assert {s.category_status(c, lapse) for c in g.consent} == {"expired"}


@given(policies(), events(), st.integers(0, 63), later)
def test_r16_decisions_expire(g: Generated, evs: list, mask: int, dt: timedelta) -> None:
    state, at = run(g, evs)
    t = at + dt
    chosen = pick(g, mask)
    saved = state.save(chosen, t)
    grant = g.policy.consent_ttl_days * DAY
    refusal = g.policy.refusal_ttl_days * DAY
    lapses = [grant] * bool(chosen) + [refusal] * (len(chosen) < len(g.consent))
    assert saved.expires == t + timedelta(seconds=min(lapses))
    for c in g.consent:
        ttl = grant if c in chosen else refusal
        held = "granted" if c in chosen else "refused"
        assert saved.category_status(c, t + timedelta(seconds=ttl - 1)) == held
        assert saved.category_status(c, t + timedelta(seconds=ttl)) == "expired"
    assert not saved.prompt_due(t + timedelta(seconds=min(lapses) - 1))
    assert saved.prompt_due(t + timedelta(seconds=min(lapses)))
    for c in chosen:
        for d in g.decls_of(c):
            assert saved.permits(d.concrete, t + timedelta(seconds=grant - 1))
            expired = saved.permits(d.concrete, t + timedelta(seconds=grant))
            assert not expired and expired.reason == "expired"


@given(policies(), events(), st.integers(0, 63), later)
def test_r03_exactly_the_chosen_categories_are_granted(g: Generated, evs: list, mask: int, dt: timedelta) -> None:
    state, at = run(g, evs)
    t = at + dt
    chosen = pick(g, mask)
    assert granted(g, state.save(chosen, t), t) == set(chosen)
    assert state.save(chosen, t).toggles(t) == chosen
    record = state.accept_all(t).proof_record()
    assert record["decisions"] == {c: "granted" for c in g.consent}


@given(policies(), events(), later)
def test_r22_a_signal_only_refuses(g: Generated, evs: list, dt: timedelta) -> None:
    state, at = run(g, evs)
    t = at + dt
    signalled = state.signal_gpc(t)
    assert granted(g, signalled, t) <= granted(g, state, t)
    for c in g.doc["gpc_refuses"]:
        status = signalled.category_status(c, t)
        if state.gpc and state.category_status(c, t) == "granted":
            assert status == "granted", "a grant made under the signal stands"
        else:
            assert status != "granted"


@given(policies(), events(), later)
def test_cookie_round_trip_of_every_state(g: Generated, evs: list, dt: timedelta) -> None:
    state, _ = run(g, evs)
    now = T0 + dt
    for key in (None, KEY):
        cookie = state.to_cookie(key)
        assert cookie.startswith("v1.") and len(cookie) <= 120
        assert g.policy.decode_cookie(cookie, key) == state
    columns = g.policy.decode_cookies([state.to_cookie(KEY)], KEY, now=now)
    assert columns["error"] == [None]
    assert columns["consent_id"] == [state.consent_id]
    assert columns["decided_at"] == [None if state.decided_at is None else int(state.decided_at.timestamp())]
    assert columns["expires"] == [None if state.expires is None else int(state.expires.timestamp())]
    assert columns["revision"] == [state.revision]
    # One column per category, the exempt one too (SPEC §10), in the policy's order.
    names = [c if c not in ("consent_id", "decided_at", "expires", "revision", "error") else f"category:{c}"
             for c in g.policy.categories]
    assert list(columns) == ["consent_id", "decided_at", "expires", "revision", *names, "error"]
    for c, key_ in zip(g.policy.categories, names):
        assert columns[key_] == [state.category_status(c, now)]


@given(policies(), events(), st.data())
def test_permits_agrees_with_category_status(g: Generated, evs: list, data: st.DataObject) -> None:
    state, at = run(g, evs)
    now = at + data.draw(later)
    for d in g.decls:
        decision = state.permits(d.concrete, now, kind=d.kind)
        status = state.category_status(d.category, now)
        assert decision.category == d.category and decision.declaration == d.name
        if status in ("exempt",):
            assert decision and decision.reason == "exempt"
        elif status != "granted":
            assert not decision and decision.reason == status
    assert not state.permits("undeclared-name", now)
    assert state.permits("undeclared-name", now).reason == "undeclared"
