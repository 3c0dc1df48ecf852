"""Shared fixtures and hypothesis strategies: random policies (as JSON documents)
and random event sequences, the Python mirror of the core's property tests."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

import samtykke

REPO = Path(__file__).resolve().parents[3]
KK_DK = REPO / "examples" / "kk.dk.policy.json"
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
DAY = 86_400
KEY = b"a site key of thirty-two bytes!!"

settings.register_profile(
    "samtykke",
    deadline=None,
    max_examples=int(os.environ.get("SAMTYKKE_HYPOTHESIS_EXAMPLES", "100")),
    suppress_health_check=[HealthCheck.too_slow],
    # SAMTYKKE_HYPOTHESIS_SHRINK=0 reports failures unshrunk: quick when only
    # whether a property fails matters (a deliberately broken core).
    phases=[p for p in Phase if p != Phase.shrink or os.environ.get("SAMTYKKE_HYPOTHESIS_SHRINK", "1") != "0"],
)
settings.load_profile("samtykke")


@pytest.fixture(scope="session")
def kk() -> samtykke.Policy:
    return samtykke.Policy.load(KK_DK)


@pytest.fixture(scope="session")
def kk_json() -> Dict[str, Any]:
    return json.loads(KK_DK.read_text(encoding="utf-8"))


def text(s: str) -> Dict[str, str]:
    return {"en": s, "da": s}


@dataclass(frozen=True)
class Decl:
    """A declaration of a random policy and a concrete name it covers."""

    name: str  # as declared (exact, or a pattern)
    concrete: str  # a name it covers
    kind: str
    category: str


@dataclass(frozen=True)
class Generated:
    """A random policy: its document, the loaded policy, and its declarations."""

    doc: Dict[str, Any]
    policy: samtykke.Policy
    decls: Tuple[Decl, ...]

    @property
    def consent(self) -> List[str]:
        return self.policy.consent_categories

    def decls_of(self, category: str, kind: Optional[str] = "cookie") -> List[Decl]:
        return [d for d in self.decls if d.category == category and (kind is None or d.kind == kind)]


ids = st.from_regex(r"[a-z]{1,8}", fullmatch=True).filter(lambda s: s != "necessary")


@st.composite
def documents(draw: Callable[..., Any]) -> Tuple[Dict[str, Any], Tuple[Decl, ...]]:
    """A valid policy document: `necessary` plus 1 to 6 consent categories, in
    any order, with exact and pattern declarations of every kind, random TTLs,
    revisions and `gpc_refuses`."""
    consent = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    revision = draw(st.integers(1, 5))
    categories = [{"id": "necessary", "basis": "exempt", "label": text("Necessary"), "description": text("Needed")}]
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
    providers = [{"id": "site", "name": "The site", "party": "first", "domains": ["example.dk"]}]
    providers += [
        {"id": f"p{i}", "name": f"Provider {i}", "party": "third", "domains": [f"p{i}.example"]}
        for i in range(draw(st.integers(0, 3)))
    ]
    storage: List[Dict[str, Any]] = []
    decls: List[Decl] = []
    # Names are `<category>-…`: categories' ids hold no `-`, so no declaration of
    # one category covers a name of another.
    for c in ["necessary", *consent]:
        for k in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["cookie", "cookie", "local_storage", "session_storage", "indexed_db"]))
            pattern = draw(st.booleans())
            name, concrete = (f"{c}-g{k}-*", f"{c}-g{k}-x1") if pattern else (f"{c}-{k}", f"{c}-{k}")
            item: Dict[str, Any] = {
                "name": name,
                "kind": kind,
                "provider": draw(st.sampled_from([p["id"] for p in providers])),
                "category": c,
                "purpose": text(f"{c} item {k}"),
                "duration": draw(st.sampled_from(["session", {"days": 30}, {"hours": 5}])),
            }
            if c == "necessary":
                item["provider"] = "site"
                item["justification"] = "needed for the service asked for"
            storage.append(item)
            decls.append(Decl(name, concrete, kind, c))
    consent_ttl = draw(st.integers(1, 400))
    doc: Dict[str, Any] = {
        "schema": "samtykke/policy/1",
        "site": "example.dk",
        "revision": revision,
        "consent_cookie": {"name": "consent"},
        "consent_ttl_days": consent_ttl,
        "categories": categories,
        "providers": providers,
        "storage": storage,
    }
    if draw(st.booleans()):
        doc["refusal_ttl_days"] = draw(st.integers(1, 400))
    doc["gpc_refuses"] = draw(st.lists(st.sampled_from(consent), unique=True))
    return doc, tuple(decls)


@st.composite
def policies(draw: Callable[..., Any]) -> Generated:
    doc, decls = draw(documents())
    return Generated(doc, samtykke.Policy.from_json(json.dumps(doc)), decls)


EVENT_KINDS = [
    "accept_all",
    "reject_all",
    "save",
    "withdraw",
    "withdraw_some",
    "signal_gpc",
    "dismiss",
    "scroll",
    "navigate",
    "idle",
]
NON_GRANTING = ["signal_gpc", "dismiss", "scroll", "navigate", "idle"]

# (kind, seconds after the previous event, mask, gpc flag): the mask's low six
# bits choose categories, the next four the providers a `save` refuses.
Ev = Tuple[str, int, int, bool]


def events(kinds: List[str] = EVENT_KINDS, max_size: int = 24) -> st.SearchStrategy[List[Ev]]:
    """Up to `max_size` events, as many as a uniform draw says (hypothesis's own
    lists are mostly a handful long)."""
    return st.integers(0, max_size).flatmap(
        lambda n: st.lists(
            st.tuples(st.sampled_from(kinds), st.integers(0, 150 * DAY), st.integers(0, 1023), st.booleans()),
            min_size=n,
            max_size=n,
        )
    )


def pick(g: Generated, mask: int) -> List[str]:
    return [c for i, c in enumerate(g.consent) if mask >> i & 1]


def pick_providers(g: Generated, mask: int) -> List[str]:
    return [p for i, p in enumerate(g.policy.providers) if mask >> (6 + i) & 1]


def apply(g: Generated, state: samtykke.ConsentState, ev: Ev, at: datetime) -> samtykke.ConsentState:
    kind, _, mask, gpc = ev
    if kind == "accept_all":
        return state.accept_all(at, gpc=gpc)
    if kind == "reject_all":
        return state.reject_all(at, gpc=gpc)
    if kind == "save":
        return state.save(pick(g, mask), at, refused_providers=pick_providers(g, mask), gpc=gpc, control="toggle")
    if kind == "withdraw":
        return state.withdraw(at, control="link")
    if kind == "withdraw_some":
        return state.withdraw(at, pick(g, mask))
    method: Callable[[datetime], samtykke.ConsentState] = getattr(state, kind)
    return method(at)


def run(g: Generated, evs: List[Ev], start: datetime = T0) -> Tuple[samtykke.ConsentState, datetime]:
    """The state after `evs` from a new visitor, and the time of the last event."""
    state = g.policy.new_state(0x5A17)
    at = start
    for ev in evs:
        at += timedelta(seconds=ev[1])
        state = apply(g, state, ev, at)
    return state, at


def granted(g: Generated, state: samtykke.ConsentState, now: datetime) -> set[str]:
    return {c for c in g.consent if state.category_status(c, now) == "granted"}
