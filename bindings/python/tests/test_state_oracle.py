"""The consent state compared with an independent reference model
(``oracle/state_ref.py``, written from SPEC §4 alone) over random policies (TTLs,
categories, ``gpc_refuses``, providers, ``changed_in_revision``), random event
sequences of up to 60 events and query times on every TTL boundary; and the
requirements R3 (refused providers), R12, R13, R15, R17, R18, R19 and R21 proven
against it."""

from __future__ import annotations

import json
import os
import string
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

import samtykke

from conftest import KEY, T0
from oracle.state_ref import (
    DAY,
    EXEMPT,
    FULL,
    GRANTED,
    PolicyRef,
    StateRef,
    at_time,
    parse_rfc3339,
    replay,
    seconds,
)

KINDS = ["cookie", "local_storage", "session_storage", "indexed_db"]
NOT_IN_FORCE = ("undecided", "expired", "outdated")
# The long sequences cost more per example than the other properties.
EXAMPLES = max(10, int(os.environ.get("SAMTYKKE_HYPOTHESIS_EXAMPLES", "100")) // 2)
long_run = settings(max_examples=EXAMPLES)


def text(s: str) -> Dict[str, str]:
    return {"en": s, "da": s}


@dataclass(frozen=True)
class World:
    """A random policy: its document, the package's policy, the model's, and
    the (name, kind) pairs worth asking about."""

    doc: Dict[str, Any]
    policy: samtykke.Policy
    ref: PolicyRef
    names: Tuple[Tuple[str, str], ...]

    @property
    def consent(self) -> List[str]:
        return self.ref.consent

    def items_of(self, c: str) -> List[Tuple[str, str, str]]:
        """(a concrete name, kind, provider) of every declaration of `c`: the
        provider of the declaration that covers the name, which may be another
        of `c`'s (`c-?1` and `c-*` both cover `c-x1`)."""
        found = []
        for i in self.ref.items:
            if i.category == c:
                cover = self.ref.lookup(concrete(i.name), i.kind)
                assert cover is not None and cover.category == c
                found.append((concrete(i.name), i.kind, cover.provider))
        return found

    def storage_of(self, c: str) -> List[Tuple[str, str]]:
        """(kind, declared name) of every non-cookie declaration of `c`."""
        return [(i.kind, i.name) for i in self.ref.items if i.category == c and i.kind != "cookie"]


def concrete(name: str) -> str:
    return name.replace("*", "x1").replace("?", "q")


cat_ids = st.from_regex(r"[a-z]{1,6}", fullmatch=True).filter(lambda s: s != "necessary")


@st.composite
def worlds(draw: Callable[..., Any]) -> World:
    consent = draw(st.lists(cat_ids, min_size=1, max_size=8, unique=True))
    revision = draw(st.integers(1, 4))
    categories: List[Dict[str, Any]] = [
        {"id": "necessary", "basis": "exempt", "label": text("Necessary"), "description": text("Needed")}
    ]
    for c in consent:
        categories.append(
            {
                "id": c,
                "basis": "consent",
                "changed_in_revision": draw(st.integers(1, revision)),
                "label": text(c),
                "description": text(c),
            }
        )
    categories = draw(st.permutations(categories))
    providers: List[Dict[str, Any]] = [{"id": "site", "name": "The site", "party": "first", "domains": ["example.dk"]}]
    providers += [
        {"id": f"p{i}", "name": f"Provider {i}", "party": "third", "domains": [f"p{i}.example"]}
        for i in range(draw(st.integers(0, 5)))
    ]
    storage: List[Dict[str, Any]] = []
    # Names are `<category>-…`: ids hold no `-`, so no declaration of one
    # category covers a name of another; within one, globs overlap (`c-*`,
    # `c-g0*`), so the longest literal prefix decides.
    for c in ["necessary", *consent]:
        shapes = draw(st.lists(st.sampled_from(["exact", "star", "qmark", "wide"]), min_size=1, max_size=3))
        for k, shape in enumerate(shapes):
            name = {"exact": f"{c}-{k}", "star": f"{c}-g{k}*", "qmark": f"{c}-?{k}", "wide": f"{c}-*"}[shape]
            if any(s["name"] == name for s in storage):
                continue
            item: Dict[str, Any] = {
                "name": name,
                "kind": draw(st.sampled_from(["cookie", "cookie", *KINDS])),
                "provider": draw(st.sampled_from([p["id"] for p in providers])),
                "category": c,
                "purpose": text(f"{c} item {k}"),
                "duration": draw(st.sampled_from(["session", {"days": 1}, {"hours": 5}])),
            }
            if c == "necessary":
                item["provider"] = "site"
                item["justification"] = "needed for the service asked for"
            storage.append(item)
    doc: Dict[str, Any] = {
        "schema": "samtykke/policy/1",
        "site": "example.dk",
        "revision": revision,
        "consent_cookie": {"name": "consent"},
        "consent_ttl_days": draw(st.integers(1, 40)),
        "categories": categories,
        "providers": providers,
        "storage": storage,
        "gpc_refuses": draw(st.lists(st.sampled_from(consent), unique=True)),
    }
    if draw(st.booleans()):
        doc["notice_version"] = draw(st.integers(1, 4))
    if draw(st.booleans()):
        doc["refusal_ttl_days"] = draw(st.integers(1, 40))
    if draw(st.booleans()):
        doc["proof_retention_days"] = draw(st.integers(1, 3650))
    names: List[Tuple[str, str]] = []
    for s in storage:
        n = concrete(s["name"])
        names += [(n, s["kind"]), (n, draw(st.sampled_from(KINDS)))]
        names.append((s["name"].replace("*", "").replace("?", ""), s["kind"]))  # a glob's `*` matches nothing
    names += [("consent", "cookie"), ("consent", "local_storage")]
    alphabet = st.sampled_from([*consent[:2], "necessary", "-", "g", "0", "1", "x", "q", "*", "?", "é"])
    randoms = st.lists(alphabet, max_size=6).map("".join)
    names += draw(st.lists(st.tuples(randoms, st.sampled_from(KINDS)), max_size=6))
    return World(doc, samtykke.Policy.from_json(json.dumps(doc)), PolicyRef(doc), tuple(dict.fromkeys(names)))


# (kind, seconds after the previous event, category mask, provider mask, gpc,
# notice shown or None, control)
Ev = Tuple[str, int, int, int, bool, Optional[int], str]
EVENT_KINDS = [
    "accept_all", "reject_all", "save", "save", "withdraw", "withdraw_some", "withdraw_some",
    "signal_gpc", "signal_gpc", "dismiss", "scroll", "navigate", "idle",
]  # fmt: skip
GRANTS = ("accept_all", "save")
CONTROLS = ["button", "toggle", "link", "icon"]


def gaps(w: World) -> st.SearchStrategy[int]:
    """Gaps between events: none, seconds, about a day (the signal's 24 hours),
    a few days, and exactly around each TTL."""
    ttls = {w.ref.consent_ttl, w.ref.refusal_ttl}
    edges = sorted({t + d for t in ttls for d in (-1, 0, 1)} | {DAY - 1, DAY, DAY + 1})
    longest = max(ttls)
    return st.one_of(
        st.just(0),
        st.integers(1, 3600),
        st.sampled_from(edges),
        st.integers(0, 5 * DAY),
        st.integers(0, 2 * longest),
    )


def events_for(w: World, max_size: int = 60, kinds: Sequence[str] = EVENT_KINDS) -> st.SearchStrategy[List[Ev]]:
    """Up to `max_size` events, as many as a uniform draw says (hypothesis's own
    lists are mostly a handful long)."""
    return st.integers(0, max_size).flatmap(lambda n: st.lists(
        st.tuples(
            st.sampled_from(list(kinds)),
            gaps(w),
            st.integers(0, 255),
            st.integers(0, 63),
            st.booleans(),
            st.one_of(st.none(), st.integers(1, 4)),
            st.sampled_from(CONTROLS),
        ),
        min_size=n,
        max_size=n,
    ))


@st.composite
def scenarios(draw: Callable[..., Any], max_size: int = 60) -> Tuple[World, List[Ev]]:
    w = draw(worlds())
    return w, draw(events_for(w, max_size))


def pick(items: Sequence[str], mask: int) -> List[str]:
    return [x for i, x in enumerate(items) if mask >> i & 1]


def step(
    w: World, s: samtykke.ConsentState, m: StateRef, ev: Ev, at: int
) -> Tuple[samtykke.ConsentState, Optional[Dict[str, Any]]]:
    """Applies `ev` at `at` to the package's state and (in place) to the model;
    returns the new state and the proof record the model says the event yields."""
    kind, _, cmask, pmask, gpc, notice, control = ev
    t = at_time(at)
    if kind == "accept_all":
        return s.accept_all(t, notice=notice, control=control, gpc=gpc), m.decide(
            kind, w.consent, at, (), notice, control, gpc
        )
    if kind == "reject_all":
        return s.reject_all(t, notice=notice, control=control, gpc=gpc), m.decide(
            kind, [], at, (), notice, control, gpc
        )
    if kind == "save":
        chosen, provs = pick(w.consent, cmask), pick(w.ref.providers, pmask)
        return s.save(chosen, t, refused_providers=provs, notice=notice, control=control, gpc=gpc), m.decide(
            kind, chosen, at, provs, notice, control, gpc
        )
    if kind in ("withdraw", "withdraw_some"):
        which = None if kind == "withdraw" else pick(w.consent, cmask)
        return s.withdraw(t, which, notice=notice, control=control, gpc=gpc), m.withdraw(
            at, which, notice, control, gpc
        )
    if kind == "signal_gpc":
        return s.signal_gpc(t), m.signal_gpc(at)
    method: Callable[[datetime], samtykke.ConsentState] = getattr(s, kind)
    return method(t), None


def final(w: World, evs: List[Ev]) -> Tuple[List["Step"], samtykke.ConsentState, StateRef, int]:
    """The steps of `evs`, and the state, model and time after the last."""
    history = list(drive(w, evs))
    if not history:
        return history, w.policy.new_state(0x5A17), StateRef(w.ref), seconds(T0)
    return history, history[-1].state, history[-1].model.copy(), history[-1].at


@dataclass
class Step:
    ev: Ev
    at: int
    state: samtykke.ConsentState
    model: StateRef
    record: Optional[Dict[str, Any]]  # the package's new proof record, if any


def drive(
    w: World, evs: List[Ev], s: Optional[samtykke.ConsentState] = None, m: Optional[StateRef] = None, at: int = 0
) -> Iterator[Step]:
    """Runs `evs` on the package and the model side by side, checking at each
    step that an event yields a proof record exactly when the model says so,
    and the record the model writes (SPEC §7)."""
    s = w.policy.new_state(0x5A17) if s is None else s
    m = StateRef(w.ref) if m is None else m
    at = at or seconds(T0)
    for ev in evs:
        at += ev[1]
        before, record_before = s, s.proof_record()
        s, expected = step(w, s, m, ev, at)
        record = s.proof_record()
        if expected is None:
            assert s == before and record == record_before, ev
            yield Step(ev, at, s, m.copy(), None)
            continue
        assert record is not None, ev
        assert record["consent_id"] == s.consent_id
        assert {k: v for k, v in record.items() if k != "consent_id"} == expected, ev
        yield Step(ev, at, s, m.copy(), record)


def boundaries(m: StateRef, at: int, extra: int = 0) -> List[int]:
    """Query times: the event's, one later, and each lapse and the second before."""
    times = {at, at + extra}
    for c in m.policy.consent:
        lapse = m.lapse(c)
        if lapse is not None:
            times |= {lapse - 1, lapse}
    return sorted(times)


def same_fields(s: samtykke.ConsentState, m: StateRef) -> None:
    assert s.decisions == m.decisions()
    assert s.decided_at == (at_time(m.decided_at) if m.decided else None)
    assert s.revision == (m.decided_rev if m.decided else None)
    partial = any(h in ("withdrawn", "signal") for h in m.held.values())
    assert s.partial_refusal_at == (at_time(m.partial_at) if partial else None)
    assert s.providers_refused == m.providers_refused_list()
    assert s.gpc == m.gpc
    assert s.action == m.action
    assert s.control == (m.control if m.action else None)
    assert s.notice_version == (m.notice if m.action else None)
    expires = m.expires()
    assert s.expires == (None if expires is None else at_time(expires))


def same_answers(w: World, s: samtykke.ConsentState, m: StateRef, now: int, names: bool = True) -> None:
    t = at_time(now)
    for c in w.ref.categories:
        assert s.category_status(c, t) == m.status(c, now), (c, now)
    assert s.prompt_due(t) == m.prompt_due(now)
    assert s.toggles(t) == m.toggles(now)
    if names:
        for name, kind in w.names:
            d = s.permits(name, t, kind=kind)
            assert (d.allowed, d.category, d.reason) == m.permits(name, now, kind), (name, kind, now)


# ---- the model


@long_run
@given(scenarios(), st.integers(0, 3 * DAY))
def test_r15_r16_r22_every_answer_agrees_with_the_reference_model(sc: Tuple[World, List[Ev]], extra: int) -> None:
    """Every field, status, prompt, toggle and `permits` answer of every state
    along the sequence is the model's, at the event and on each TTL boundary."""
    w, evs = sc
    for i, st_ in enumerate(drive(w, evs)):
        same_fields(st_.state, st_.model)
        for now in boundaries(st_.model, st_.at, extra):
            same_answers(w, st_.state, st_.model, now, names=now in (st_.at, st_.at + extra))


# ---- R3: refused providers


@given(scenarios(max_size=20), st.integers(1, 255), st.integers(1, 63), st.integers(0, 40 * DAY))
def test_r03_save_refuses_providers_inside_granted_categories(
    sc: Tuple[World, List[Ev]], cmask: int, pmask: int, dt: int
) -> None:
    w, evs = sc
    _, s, _, at = final(w, evs)
    chosen = pick(w.consent, cmask) or w.consent[:1]
    refused = pick(w.ref.providers, pmask) or w.ref.providers[:1]
    t = at + dt
    saved = s.save(chosen, at_time(t), refused_providers=refused)
    record = saved.proof_record()
    assert record is not None and record["providers_refused"] == [p for p in w.ref.providers if p in refused]
    assert saved.providers_refused == record["providers_refused"]
    assert w.policy.decode_cookie(saved.to_cookie(KEY), KEY) == saved
    grant_lapse = t + w.ref.consent_ttl
    for now in (t, grant_lapse - 1):
        for c in chosen:
            assert saved.category_status(c, at_time(now)) == "granted"
            for name, kind, provider in w.items_of(c):
                d = saved.permits(name, at_time(now), kind=kind)
                if provider in refused:
                    assert not d and d.reason == "provider-refused" and d.category == c, (name, provider)
                else:
                    assert d and d.reason == "granted", (name, provider)
        # Refusing a provider never touches the exempt category.
        for name, kind, _ in w.items_of("necessary"):
            assert saved.permits(name, at_time(now), kind=kind)
    # Their cookies are deleted and their Set-Cookie withheld while the category stands.
    cookies = [(name, c) for c in chosen for name, kind, p in w.items_of(c) if kind == "cookie" and p in refused]
    plan = saved.deletion_plan("www.example.dk", [n for n, _ in cookies], at_time(t))
    assert {h.split("=", 1)[0] for h in plan.set_cookie} == {n for n, _ in cookies}
    assert saved.filter_set_cookie([f"{n}=1" for n, _ in cookies], at_time(t)).kept == []
    # A new full decision without them gives them back.
    again = saved.save(chosen, at_time(t + 1))
    for c in chosen:
        for name, kind, _ in w.items_of(c):
            assert again.permits(name, at_time(t + 1), kind=kind)


# ---- R12


def answers(w: World, s: Any, now: int) -> Tuple[Any, ...]:
    """What a state (the package's or the model's) answers at `now`."""
    if isinstance(s, StateRef):
        return (
            tuple(s.status(c, now) for c in w.ref.categories),
            s.prompt_due(now),
            tuple(s.permits(n, now, k) for n, k in w.names),
        )
    t = at_time(now)
    return (
        tuple(s.category_status(c, t) for c in w.ref.categories),
        s.prompt_due(t),
        tuple((d.allowed, d.category, d.reason) for d in (s.permits(n, t, kind=k) for n, k in w.names)),
    )


@long_run
@given(scenarios(), st.integers(1, 255), st.integers(1, 30 * DAY), st.data())
def test_r12_withdrawal_stops_and_deletes_and_the_past_stays_lawful(
    sc: Tuple[World, List[Ev]], cmask: int, dt: int, data: st.DataObject
) -> None:
    w, evs = sc
    history, s, m, at = final(w, evs)
    t = at + dt
    which = pick(w.consent, cmask) or w.consent[:1]
    records = [h.record for h in history if h.record is not None]

    withdrawn = s.withdraw(at_time(t), which)
    expected = m.withdraw(t, which)
    record = withdrawn.proof_record()
    assert record is not None and expected is not None
    assert record["action"] == "withdraw" and record["decisions"] == {c: "refused" for c in which}
    assert parse_rfc3339(record["ts"]) == t

    # Stops: every declaration of the categories, of every kind, is denied from
    # then on, through any events, until a new grant of the category.
    later = data.draw(events_for(w, max_size=20), label="after")
    open_ = set(which)
    deny_times = [t, t + 1, t + w.ref.refusal_ttl - 1, t + w.ref.refusal_ttl]
    for now in deny_times:
        for c in which:
            for name, kind, _ in w.items_of(c):
                assert not withdrawn.permits(name, at_time(now), kind=kind), (c, name, now)
    for st_ in drive(w, later, withdrawn, m.copy(), t):
        kind, _, cmask2, *_ = st_.ev
        if kind == "accept_all" or (kind == "save" and cmask2):
            open_ -= set(pick(w.consent, cmask2)) if kind == "save" else set(w.consent)
        for c in open_:
            assert st_.state.category_status(c, at_time(st_.at)) != GRANTED
            for name, k, _ in w.items_of(c):
                assert not st_.state.permits(name, at_time(st_.at), kind=k), (c, name)

    # Deletes: the plan names every present declared item of the categories.
    present = [n for c in w.ref.categories for n, k, _ in w.items_of(c) if k == "cookie"] + ["undeclared-x"]
    plan = withdrawn.deletion_plan("www.example.dk", present, at_time(t))
    named = {h.split("=", 1)[0] for h in plan.set_cookie}
    for c in which:
        for name, kind, _ in w.items_of(c):
            if kind == "cookie":
                assert name in named, name
                assert f"{name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/" in plan.set_cookie
        for key in w.storage_of(c):
            assert key in plan.storage_keys, key
    # And only items denied at that moment.
    assert named == {n for n in present if not m.permits(n, t)[0] and m.permits(n, t)[2] != "undeclared"}

    # The past stays lawful: replaying the proof records up to any time before
    # the withdrawal gives the answers the state in force then gave.
    records.append(record)
    checked = 0
    for i, h in enumerate(history):
        nxt = history[i + 1].at if i + 1 < len(history) else t
        if nxt == h.at:
            continue  # a later event at the same second: not the state in force
        for now in {h.at, nxt - 1, (h.at + nxt) // 2}:
            past = replay(w.ref, [r for r in records if parse_rfc3339(r["ts"]) <= now])
            assert answers(w, past, now) == answers(w, h.state, now), (i, now)
            checked += 1
    # Including the moment just before it, from the state the withdrawal started from.
    before = replay(w.ref, [r for r in records if parse_rfc3339(r["ts"]) < t])
    assert answers(w, before, t - 1) == answers(w, s, t - 1)


# ---- R13


@long_run
@given(scenarios(), st.integers(0, 3 * DAY))
def test_r13_a_refusal_becomes_a_grant_only_by_an_explicit_grant(sc: Tuple[World, List[Ev]], extra: int) -> None:
    w, evs = sc
    prev = w.policy.new_state(0x5A17)
    prev_at = seconds(T0)
    for st_ in drive(w, evs):
        kind, _, cmask, *_ = st_.ev
        explicit = set(w.consent) if kind == "accept_all" else set(pick(w.consent, cmask)) if kind == "save" else set()
        for c in w.consent:
            # The stored decision turns to granted only by an explicit grant of it.
            if st_.state.decisions[c] == GRANTED and prev.decisions[c] != GRANTED:
                assert c in explicit, (kind, c)
            # Nor does time: a status granted at any moment is a stored grant.
            for now in boundaries(st_.model, st_.at, extra):
                if st_.state.category_status(c, at_time(now)) == GRANTED:
                    assert st_.state.decisions[c] == GRANTED
                    assert now < st_.model.decided_at + w.ref.consent_ttl
            # And an event that grants nothing never makes a category granted.
            if c not in explicit and prev.category_status(c, at_time(prev_at)) != GRANTED:
                assert st_.state.category_status(c, at_time(st_.at)) != GRANTED, (kind, c)
        prev, prev_at = st_.state, st_.at


# ---- R15


@long_run
@given(scenarios(), st.integers(0, 3 * DAY))
def test_r15_no_prompt_while_every_category_holds_a_decision_in_force(
    sc: Tuple[World, List[Ev]], extra: int
) -> None:
    w, evs = sc
    for st_ in drive(w, evs):
        for now in boundaries(st_.model, st_.at, extra):
            t = at_time(now)
            statuses = {c: st_.state.category_status(c, t) for c in w.consent}
            in_force = all(st_.model.in_force(c, now) for c in w.consent)
            assert st_.state.prompt_due(t) == (not in_force), (now, statuses)
            assert in_force == all(v not in NOT_IN_FORCE for v in statuses.values())
            if in_force:
                # Refusals (full or partial) hold the prompt back just as grants do.
                assert st_.model.expires() is not None and now < st_.model.expires()


# ---- R17


@long_run
@given(scenarios(max_size=30), st.integers(1, 3), st.integers(0, 255), st.data())
def test_r17_material_change_re_asks_for_that_category_only(
    sc: Tuple[World, List[Ev]], bump: int, changed_mask: int, data: st.DataObject
) -> None:
    w, evs = sc
    _, s, m, at = final(w, evs)
    # A newer revision that changes some categories materially: same categories,
    # slots and providers, so the cookie keeps its meaning.
    doc = json.loads(json.dumps(w.doc))
    doc["revision"] += bump
    changed = set(pick(w.consent, changed_mask))
    for c in doc["categories"]:
        if c["id"] in changed:
            c["changed_in_revision"] = data.draw(st.integers(w.doc["revision"] + 1, doc["revision"]), label=c["id"])
    newer = World(doc, samtykke.Policy.from_json(json.dumps(doc)), PolicyRef(doc), w.names)
    reread = newer.policy.decode_cookie(s.to_cookie(KEY), KEY)
    m.policy = newer.ref
    for now in boundaries(m, at, 1):
        t = at_time(now)
        for c in w.consent:
            old, new = s.category_status(c, t), reread.category_status(c, t)
            if c in changed and old not in ("undecided", "expired"):
                assert new == "outdated", (c, old)
            elif c not in changed:
                assert new == old, (c, old, new)  # other categories keep theirs
        same_answers(newer, reread, m, now, names=now == at)
    # Events under the newer revision mix with the decisions of the older one.
    for st_ in drive(newer, data.draw(events_for(newer, max_size=30), label="newer"), reread, m, at):
        same_fields(st_.state, st_.model)
        for now in boundaries(st_.model, st_.at):
            same_answers(newer, st_.state, st_.model, now, names=False)


# ---- R18


@long_run
@given(scenarios())
def test_r18_replaying_the_proof_records_gives_exactly_the_state(sc: Tuple[World, List[Ev]]) -> None:
    w, evs = sc
    records: List[Dict[str, Any]] = []
    final_state = w.policy.new_state(0x5A17)
    for st_ in drive(w, evs):
        # Every grant, refusal and withdrawal that changes anything yields its
        # record (`drive` checks which and what against the model); replaying
        # the records so far gives the state.
        if st_.record is not None:
            records.append(st_.record)
        same_fields(st_.state, replay(w.ref, records))
        final_state = st_.state
    # Replayed through the package's own events, from the records alone, the
    # state is the same, and so is its cookie, to the byte.
    s = w.policy.new_state(final_state.consent_id)
    for r in records:
        assert r["consent_id"] == s.consent_id
        t = at_time(parse_rfc3339(r["ts"]))
        how = dict(notice=r["notice_version"], control=r["control"], gpc=r["gpc"])
        if r["action"] == "accept_all":
            s = s.accept_all(t, **how)
        elif r["action"] == "reject_all":
            s = s.reject_all(t, **how)
        elif r["action"] == "save":
            granted = [c for c, d in r["decisions"].items() if d == GRANTED]
            s = s.save(granted, t, refused_providers=r["providers_refused"], **how)
        elif r["action"] == "withdraw":
            s = s.withdraw(t, list(r["decisions"]), **how)
        else:
            s = s.signal_gpc(t)
        assert s.proof_record() == r
    assert s == final_state
    assert s.to_cookie(KEY) == final_state.to_cookie(KEY)
    assert w.policy.decode_cookie(s.to_cookie(), None) == final_state


# ---- R19


@given(scenarios(max_size=30))
def test_r19_proof_records_carry_what_retention_needs(sc: Tuple[World, List[Ev]]) -> None:
    """The package exposes no purge function (SPEC §10 names none): what it
    exposes for R19 is the policy's `proof_retention_days` and each record's
    `expires`, the earliest lapse of the decisions it leaves, with no IP
    address or user agent in it."""
    w, evs = sc
    assert w.policy.proof_retention_days == w.doc.get("proof_retention_days", 1095)
    for st_ in drive(w, evs):
        if st_.record is None:
            continue
        expires = st_.model.expires()
        assert expires is not None, "a record leaves some decision held"
        assert parse_rfc3339(st_.record["expires"]) == expires
        assert st_.state.expires == at_time(expires)
        assert st_.state.prompt_due(at_time(expires))
        assert list(json.loads(st_.state.proof_json() or "{}")) == [
            "ts", "consent_id", "site", "revision", "notice_version", "action", "control",
            "decisions", "providers_refused", "gpc", "expires",
        ]  # fmt: skip


# ---- R21

name_chars = st.sampled_from(list(string.ascii_lowercase[:6] + "-_*?0123456789") + ["é", " "])


@given(worlds(), st.lists(st.tuples(st.lists(name_chars, max_size=10).map("".join), st.sampled_from(KINDS)), max_size=20), st.integers(0, 100 * DAY))
def test_r21_undeclared_names_answer_undeclared(w: World, extra: List[Tuple[str, str]], dt: int) -> None:
    now = seconds(T0) + dt
    t = at_time(now)
    for s in (w.policy.new_state(1), w.policy.new_state(1).accept_all(T0)):
        m = StateRef(w.ref)
        if s.action:
            m.decide("accept_all", w.consent, seconds(T0))
        for name, kind in [*w.names, *extra]:
            d = s.permits(name, t, kind=kind)
            item = w.ref.lookup(name, kind)
            if item is None and not (kind == "cookie" and name == "consent"):
                assert not d and (d.reason, d.category, d.declaration) == ("undeclared", None, None), (name, kind)
            else:
                assert d.category == (item.category if item else "necessary"), (name, kind)
                assert d.declaration == (item.name if item else None)
            assert (d.allowed, d.category, d.reason) == m.permits(name, now, kind)
        cookies = [n for n, k in [*w.names, *extra] if k == "cookie" and w.ref.lookup(n) is None and n != "consent"]
        plan = s.deletion_plan("www.example.dk", cookies, t)
        assert plan.set_cookie == [] and plan.undeletable == []
        headers = [f"{n}=1" for n in cookies if n and all(ch not in n for ch in " ;=é")]
        assert s.filter_set_cookie(headers, t).kept == []
