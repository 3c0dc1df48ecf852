"""A reference model of one visitor's consent state (SPEC §4), the oracle the
package's ``ConsentState`` is compared against (``tests/test_state_oracle.py``).

Written from SPEC §3, §4 and §7 alone, never from the Rust code, in the plainest
way: a dict of what each consent category holds. Times are whole seconds since
the epoch. Plain Python, no dependencies; it does not import ``samtykke``.

What a consent category holds:

- ``granted`` / ``refused``: by the last full decision (``accept_all``,
  ``reject_all``, ``save``), which all share its time, revision and GPC flag;
- ``withdrawn`` / ``signal``: by a partial refusal (``withdraw``, a GPC signal),
  which all share one partial time and revision: the latest time and the
  highest revision among those kept in force (a refusal may last longer, never
  shorter); one lapsed or outdated when another partial refusal comes is
  undecided and stays so;
- nothing: undecided.

Its status at ``now``: ``exempt`` for a category that needs no consent;
``undecided``; ``expired`` when ``now`` is at or past its lapse (a grant at its
time + consent TTL, a refusal at its time + refusal TTL), before ``outdated``
(its revision is below the category's ``changed_in_revision``); else what it
holds. A GPC signal refuses ``gpc_refuses`` except a category granted and in
force under a full decision taken with the GPC flag; a signal that would change
nothing but the partial time, within 24 hours of it (half the refusal TTL
where that is shorter), records nothing.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Tuple

DAY = 86_400
RENEW = DAY  # a signal that only renews records nothing within this of the last,
# or within half the refusal's lifetime where that is shorter (SPEC §4's
# first promise: who keeps signalling never sees the refusal lapse)

GRANTED, REFUSED, WITHDRAWN, SIGNAL = "granted", "refused", "withdrawn", "signal"
UNDECIDED, EXPIRED, OUTDATED, EXEMPT = "undecided", "expired", "outdated", "exempt"
FULL = ("accept_all", "reject_all", "save")


def seconds(t: datetime) -> int:
    return int(t.timestamp())


def at_time(s: int) -> datetime:
    return datetime.fromtimestamp(s, tz=timezone.utc)


def rfc3339(s: int) -> str:
    return at_time(s).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> int:
    return seconds(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc))


@dataclass(frozen=True)
class Item:
    """A storage declaration: its name (exact or a glob), kind, category, provider."""

    name: str
    kind: str
    category: str
    provider: str

    @property
    def is_glob(self) -> bool:
        return "*" in self.name or "?" in self.name


def _glob(name: str) -> "re.Pattern[str]":
    return re.compile(
        "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in name) + r"\Z", re.S
    )


class PolicyRef:
    """What the state needs of a policy document (SPEC §3). The document is
    expected to be valid: the package's loader is what validates."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.site: str = doc["site"]
        self.revision: int = doc["revision"]
        self.notice_version: int = doc.get("notice_version", 1)
        self.consent_ttl: int = doc["consent_ttl_days"] * DAY
        self.refusal_ttl: int = doc.get("refusal_ttl_days", doc["consent_ttl_days"]) * DAY
        self.proof_retention_days: int = doc.get("proof_retention_days", 1095)
        self.categories: List[str] = [c["id"] for c in doc["categories"]]
        self.consent: List[str] = [c["id"] for c in doc["categories"] if c["basis"] == "consent"]
        self.changed: Dict[str, int] = {c["id"]: c.get("changed_in_revision", 1) for c in doc["categories"]}
        gpc = set(doc.get("gpc_refuses", []))
        self.gpc_refuses: List[str] = [c for c in self.consent if c in gpc]
        self.providers: List[str] = [p["id"] for p in doc["providers"]]
        self.consent_cookie: str = doc["consent_cookie"]["name"]
        self.items: List[Item] = [Item(s["name"], s["kind"], s["category"], s["provider"]) for s in doc["storage"]]
        self._globs = [(i, _glob(i.name)) for i in self.items if i.is_glob]

    def lookup(self, name: str, kind: str = "cookie") -> Optional[Item]:
        """The declaration of `kind` covering `name`: an exact name first, else
        the matching glob with the longest literal prefix, then the first declared."""
        for i in self.items:
            if not i.is_glob and i.kind == kind and i.name == name:
                return i
        best: Optional[Item] = None
        best_len = -1
        for i, rx in self._globs:
            if i.kind != kind or not rx.match(name):
                continue
            prefix = len(re.split(r"[*?]", i.name, maxsplit=1)[0])
            if prefix > best_len:
                best, best_len = i, prefix
        return best


@dataclass
class StateRef:
    """One visitor's decisions: see the module's documentation."""

    policy: PolicyRef
    held: Dict[str, str] = field(default_factory=dict)
    decided: bool = False
    decided_at: int = 0
    decided_rev: int = 0
    partial_at: int = 0
    partial_rev: int = 0
    providers_refused: FrozenSet[str] = frozenset()
    gpc: bool = False
    notice: int = 0
    action: Optional[str] = None
    control: str = "button"

    def copy(self) -> "StateRef":
        c = copy.copy(self)
        c.held = dict(self.held)
        return c

    # ---- queries

    def lapse(self, c: str) -> Optional[int]:
        h = self.held.get(c)
        if h is None:
            return None
        if h == GRANTED:
            return self.decided_at + self.policy.consent_ttl
        if h == REFUSED:
            return self.decided_at + self.policy.refusal_ttl
        return self.partial_at + self.policy.refusal_ttl

    def revision_of(self, c: str) -> int:
        return self.decided_rev if self.held.get(c) in (GRANTED, REFUSED) else self.partial_rev

    def status(self, c: str, now: int) -> str:
        if c not in self.policy.consent:
            return EXEMPT
        h = self.held.get(c)
        if h is None:
            return UNDECIDED
        lapse = self.lapse(c)
        assert lapse is not None
        if now >= lapse:
            return EXPIRED
        if self.revision_of(c) < self.policy.changed[c]:
            return OUTDATED
        return h

    def in_force(self, c: str, now: int) -> bool:
        return self.status(c, now) not in (UNDECIDED, EXPIRED, OUTDATED)

    def permits(self, name: str, now: int, kind: str = "cookie") -> Tuple[bool, Optional[str], str]:
        """(allowed, category, reason) as `ConsentState.permits` answers."""
        if kind == "cookie" and name == self.policy.consent_cookie:
            return True, "necessary", EXEMPT
        item = self.policy.lookup(name, kind)
        if item is None:
            return False, None, "undeclared"
        s = self.status(item.category, now)
        if s == EXEMPT:
            return True, item.category, EXEMPT
        if s == GRANTED:
            if item.provider in self.providers_refused:
                return False, item.category, "provider-refused"
            return True, item.category, GRANTED
        return False, item.category, s

    def prompt_due(self, now: int) -> bool:
        return any(not self.in_force(c, now) for c in self.policy.consent)

    def toggles(self, now: int) -> List[str]:
        return [c for c in self.policy.consent if self.status(c, now) == GRANTED]

    def expires(self) -> Optional[int]:
        lapses = [self.lapse(c) for c in self.policy.consent if c in self.held]
        return min(x for x in lapses if x is not None) if lapses else None

    def decisions(self) -> Dict[str, str]:
        """What each consent category stores, whatever the time."""
        return {c: self.held.get(c, UNDECIDED) for c in self.policy.consent}

    def providers_refused_list(self) -> List[str]:
        return [p for p in self.policy.providers if p in self.providers_refused]

    def lapsed_partials(self, now: int) -> List[str]:
        return [c for c, h in self.held.items() if h in (WITHDRAWN, SIGNAL) and not self.in_force(c, now)]

    # ---- events: each returns the proof record it yields (SPEC §7), or None

    def _record(self, at: int, rev: int, action: str, decisions: Dict[str, str], gpc: bool) -> Dict[str, Any]:
        expires = self.expires()
        return {
            "ts": rfc3339(at),
            "site": self.policy.site,
            "revision": rev,
            "notice_version": self.notice,
            "action": action,
            "control": self.control,
            "decisions": decisions,
            "providers_refused": self.providers_refused_list() if action in FULL else [],
            "gpc": gpc,
            "expires": None if expires is None else rfc3339(expires),
        }

    def decide(
        self,
        action: str,
        chosen: Iterable[str],
        at: int,
        refused_providers: Iterable[str] = (),
        notice: Optional[int] = None,
        control: str = "button",
        gpc: bool = False,
        revision: Optional[int] = None,
    ) -> Dict[str, Any]:
        """A full decision: grants `chosen`, refuses every other consent category."""
        chosen = set(chosen)
        rev = self.policy.revision if revision is None else revision
        self.held = {c: GRANTED if c in chosen else REFUSED for c in self.policy.consent}
        self.decided, self.decided_at, self.decided_rev = True, at, rev
        self.partial_at = self.partial_rev = 0
        self.providers_refused = frozenset(p for p in refused_providers if p in self.policy.providers)
        self.gpc = gpc
        self.notice = self.policy.notice_version if notice is None else notice
        self.action, self.control = action, control
        return self._record(at, rev, action, self.decisions(), gpc)

    def _partial(self, refuse: List[str], kind: str, at: int, rev: int) -> None:
        for c in self.lapsed_partials(at):
            del self.held[c]  # undecided, and stays so (unless refused again now)
        kept = any(h in (WITHDRAWN, SIGNAL) for h in self.held.values())
        for c in refuse:
            self.held[c] = kind
        if kept:
            self.partial_at = max(self.partial_at, at)
            self.partial_rev = max(self.partial_rev, rev)
        else:
            self.partial_at, self.partial_rev = at, rev

    def withdraw(
        self,
        at: int,
        categories: Optional[Iterable[str]] = None,
        notice: Optional[int] = None,
        control: str = "button",
        gpc: bool = False,
        revision: Optional[int] = None,
    ) -> Optional[Dict[str, Any]]:
        named = set(self.policy.consent if categories is None else categories)
        which = [c for c in self.policy.consent if c in named]
        if not which:
            return None
        rev = self.policy.revision if revision is None else revision
        self._partial(which, WITHDRAWN, at, rev)
        self.notice = self.policy.notice_version if notice is None else notice
        self.action, self.control = "withdraw", control
        return self._record(at, rev, "withdraw", {c: REFUSED for c in which}, gpc)

    def signal_gpc(self, at: int, revision: Optional[int] = None) -> Optional[Dict[str, Any]]:
        rev = self.policy.revision if revision is None else revision
        which = [c for c in self.policy.gpc_refuses if not (self.gpc and self.status(c, at) == GRANTED)]
        if not which:
            return None
        after = self.copy()
        after.held = dict(self.held)
        after._partial(which, SIGNAL, at, rev)
        only_renewed = after.held == self.held and after.partial_rev == self.partial_rev
        if only_renewed and at < self.partial_at + min(RENEW, self.policy.refusal_ttl // 2):
            return None
        self.held, self.partial_at, self.partial_rev = after.held, after.partial_at, after.partial_rev
        self.action, self.control = "signal_gpc", "signal"
        return self._record(at, rev, "signal_gpc", {c: REFUSED for c in which}, True)

    # ---- replay (R18)

    def replay(self, record: Mapping[str, Any]) -> None:
        """Applies a proof record as SPEC §7 writes it."""
        at = parse_rfc3339(record["ts"])
        rev = record["revision"]
        decisions: Mapping[str, str] = record["decisions"]
        action = record["action"]
        if action in FULL:
            self.held = {c: d for c, d in decisions.items() if d in (GRANTED, REFUSED)}
            self.decided, self.decided_at, self.decided_rev = True, at, rev
            self.partial_at = self.partial_rev = 0
            self.providers_refused = frozenset(record["providers_refused"])
            self.gpc = record["gpc"]
        else:
            kind = SIGNAL if action == "signal_gpc" else WITHDRAWN
            self._partial([c for c in self.policy.consent if c in decisions], kind, at, rev)
        if action != "signal_gpc":
            self.notice = record["notice_version"]
        self.action, self.control = action, record["control"]


def replay(policy: PolicyRef, records: Iterable[Mapping[str, Any]]) -> StateRef:
    """The state a visitor's proof records give, in order."""
    s = StateRef(policy)
    for r in records:
        s.replay(r)
    return s
