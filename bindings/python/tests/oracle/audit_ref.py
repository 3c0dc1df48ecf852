#!/usr/bin/env python3
"""A straightforward pure-Python auditor of samtykke consent logs (SPEC §8).

Two uses. It is the test oracle the Rust audit is compared against
(``tests/test_audit_oracle.py``), so its rules are written from SPEC §4 and §8
alone, never from the Rust code, with the points the SPEC leaves open resolved
as written below. And it is the benchmark peer of SPEC §12 (the Rust audit is to
be at least 30 times faster): ``json.loads`` per line, a dict per visitor, a
dict of held decisions per visitor, the plain way. Plain python3 (3.9 or
later), no dependencies; ``benches/python/audit_ref.py`` runs it as a script.

    python3 bindings/python/tests/oracle/audit_ref.py --policy POLICY.json [--merge] LOG [LOG...]

prints the report as SPEC §9's JSON document (messages are shorter than the
Rust audit's) and exits 0 clean, 1 violations, 2 input errors.

The state of a visitor (SPEC §4), per consent category: undecided, or held as
``granted``/``refused`` by the last full decision (its time, revision and GPC
flag shared by all categories), or ``withdrawn``/``signal`` by a partial refusal
(one shared partial time and revision). Resolutions of what the SPEC leaves open:

- A visitor is never reset or forgotten, however long idle (§8);
  ``summary.visitors`` counts distinct visitor ids with an applied event.
- Status at ``now``: a grant lapses at decided + consent TTL, a full refusal at
  decided + refusal TTL, a partial refusal at partial time + refusal TTL;
  ``now >= lapse`` is *expired*, checked before *outdated* (revision below the
  category's ``changed_in_revision``).
- ``signal`` (gpc) at t refuses S = ``gpc_refuses`` minus each category whose
  grant is in force at t and came from a full decision with the GPC flag. S
  empty: nothing. Otherwise the would-be state has S refused by signal, every
  other partial refusal that is lapsed or outdated at t dropped to undecided
  (not back to the full decision beneath it, R13), the rest kept, all at time
  t and revision max(policy revision, the previous partial revision when a
  previous partial refusal is still in force). A would-be state that differs
  only in the partial time, within 86,400 s of it, records nothing.
- ``withdraw`` at t under revision r: the same with W = the named consent
  categories (absent: all), refused as withdrawn and revision max(r, …);
  no 24-hour rule: withdrawing again re-times. W empty: nothing.
- A full decision sets every consent category, clears partial refusals and
  records t, its revision, refused providers (``save`` only) and the GPC flag
  (``gpc`` or a ``signal`` from the visitor at most the longest TTL before).
- Withdrawal grace counts from the latest withdraw event naming the category.
- A ``Set-Cookie``'s last ``Max-Age`` wins over its last ``Expires``; one that
  does not read (a date outside ``http_date``'s grammar, written out there)
  leaves the cookie set with no known lifetime.
- ``--merge``: the files are merged by (time, file index, line) of each file's
  next line; a line without a readable time comes out at once; a line whose
  time is behind the latest time taken (the clock) is an input error, "not in
  time order, needed by --merge". Only an applied event moves the clock: a
  bad line (an unknown event, say) with a time far ahead does not make every
  line after it an error. Violations and input errors are reported in
  (file, line) order either way.
- §16's ``tag_request``: the URL's query (after the first ``?`` that comes
  before the fragment, which starts at the first ``#``) read by ``urllib.parse.parse_qsl`` (the first of a repeated parameter
  counts); ``gcs`` ``G1xy`` claims ``ad_storage`` (x) and ``analytics_storage``
  (y), ``1`` granted; ``gcd``'s characters 2, 4, 6, 8 claim ``ad_storage``,
  ``analytics_storage``, ``ad_user_data``, ``ad_personalization``, each a
  base64url digit (low two bits the update, next two the default; 1 not set, 2
  denied, 3 granted; the update where set, else the default; a 0 claims
  nothing). Each type claimed granted whose mapped category is not exempt or
  granted at that second (an unmapped type always) is one
  ``consent-mode-mismatch``, with the mapped category.
"""

from __future__ import annotations

import argparse
import functools
import heapq
import json
import os
import re
import sys
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

DAY = 86_400
IDS = [
    "cookie-before-consent", "cookie-after-refusal", "cookie-after-withdrawal",
    "signal-ignored", "cookie-on-expired-consent", "cookie-on-outdated-consent",
    "implied-consent", "preselected-consent", "consent-without-notice",
    "no-reject-option", "reprompt-too-soon", "undeclared-cookie",
    "duration-exceeds-declaration", "consent-mode-mismatch",
]  # fmt: skip
CONSENT_MODE_TYPES = [
    "ad_storage", "ad_user_data", "ad_personalization", "analytics_storage",
    "functionality_storage", "personalization_storage", "security_storage",
]  # fmt: skip
GCS_TYPES = ["ad_storage", "analytics_storage"]
GCD_TYPES = [(2, "ad_storage"), (4, "analytics_storage"), (6, "ad_user_data"), (8, "ad_personalization")]
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
INVALID_ACTIONS = frozenset({"dismiss", "scroll", "navigate", "idle", "implied"})
FULL_ACTIONS = frozenset({"accept_all", "reject_all", "save"})
ACTIONS = FULL_ACTIONS | {"withdraw"} | INVALID_ACTIONS
CONTROLS = frozenset({"button", "toggle", "link", "icon"})
MAX_LINE = 1 << 20
# The log format's fields (SPEC §8's table): one given twice in a line is an
# input error; other keys may repeat.
FIELDS = frozenset({
    "ts", "visitor", "event", "revision", "notice", "layer", "trigger", "controls",
    "preselected", "action", "control", "granted", "providers_refused", "categories",
    "gpc", "set_cookie", "cookie", "max_age_s", "cookies", "signal", "url",
})  # fmt: skip


# JSON nests at most this deep, the line's object counted (the audit's limit,
# docs/audit.md).
MAX_DEPTH = 128


def _no_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which are not JSON.
    raise ValueError(f"{name} is not JSON")


def _json_faults(value: Any, depth: int = 1) -> Optional[str]:
    """What the JSON grammar forbids in a parsed line that Python's json lets
    through: nesting past MAX_DEPTH, and a lone surrogate (`\\ud800`) in any
    string, a key too."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "a lone surrogate"
        return None
    if isinstance(value, (dict, list)):
        if depth > MAX_DEPTH:
            return "nested too deeply"
        items = [*value.keys(), *value.values(), *getattr(value, "shadowed", ())] if isinstance(value, dict) else value
        for item in items:
            fault = _json_faults(item, depth + 1)
            if fault:
                return fault
    return None


class _Line(dict):  # type: ignore[type-arg]
    """A JSON object, with the fields its keys gave twice, and the values a
    later one of the same key replaced (still JSON to be checked)."""

    twice: List[str]
    shadowed: List[Any]


def _pairs(pairs: List[Tuple[str, Any]]) -> _Line:
    obj = _Line(pairs)
    obj.twice = []
    obj.shadowed = []
    seen: Dict[str, Any] = {}
    for k, v in pairs:
        if k in seen:
            obj.shadowed.append(seen[k])
            if k in FIELDS:
                obj.twice.append(k)
        seen[k] = v
    return obj


MERGE_MESSAGE = "not in time order, needed by --merge"

# What a consent category holds, and its status at a moment.
GRANTED, REFUSED, WITHDRAWN, SIGNAL = "granted", "refused", "withdrawn", "signal"
UNDECIDED, EXPIRED, OUTDATED = "undecided", "expired", "outdated"
PARTIAL = (WITHDRAWN, SIGNAL)
NOT_IN_FORCE = (UNDECIDED, EXPIRED, OUTDATED)

PathLike = Union[str, "os.PathLike[str]"]


class InputError(Exception):
    """A line that is not applied (SPEC §8's input errors)."""


@dataclass(frozen=True)
class Declared:
    """A cookie declaration: its category, provider and lifetime (None: session)."""

    category: str
    provider: str
    lifetime: Optional[int]


def duration_seconds(d: Any) -> Optional[int]:
    if d == "session":
        return None
    ((unit, n),) = d.items()
    return int(n) * {"seconds": 1, "hours": 3600, "days": DAY}[unit]


class Policy:
    """What the audit needs of a policy document (SPEC §3), loaded leniently:
    the document is expected to be valid (the Rust loader is what validates)."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.revision: int = doc["revision"]
        self.consent_ttl: int = doc["consent_ttl_days"] * DAY
        self.refusal_ttl: int = doc.get("refusal_ttl_days", doc["consent_ttl_days"]) * DAY
        self.longest = max(self.consent_ttl, self.refusal_ttl)
        self.categories: Set[str] = {c["id"] for c in doc["categories"]}
        self.consent: List[str] = [c["id"] for c in doc["categories"] if c["basis"] == "consent"]
        self.consent_set = frozenset(self.consent)
        self.changed: Dict[str, int] = {c["id"]: c.get("changed_in_revision", 1) for c in doc["categories"]}
        self.gpc: List[str] = [c for c in self.consent if c in set(doc.get("gpc_refuses", []))]
        self.providers: Set[str] = {p["id"] for p in doc["providers"]}
        self.consent_mode: Dict[str, str] = dict(doc.get("consent_mode", {}))
        self.exact: Dict[str, Declared] = {}
        globs: List[Tuple[int, int, "re.Pattern[str]", Declared]] = []
        for i, d in enumerate(doc["storage"]):
            # Cookie events are about cookies: other kinds do not declare a cookie.
            if d["kind"] != "cookie":
                continue
            entry = Declared(d["category"], d["provider"], duration_seconds(d["duration"]))
            name: str = d["name"]
            if "*" in name or "?" in name:
                prefix = re.split(r"[*?]", name, maxsplit=1)[0]
                pattern = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in name)
                globs.append((-len(prefix), i, re.compile(pattern + r"\Z", re.S), entry))
            else:
                self.exact.setdefault(name, entry)
        # The consent cookie is declared automatically: necessary, the longer
        # TTL, whatever else the storage says of its name (SPEC §3).
        self.exact[doc["consent_cookie"]["name"]] = Declared("necessary", "", self.longest)
        # Longest literal prefix first, then the first declared.
        globs.sort(key=lambda g: (g[0], g[1]))
        self.globs = [(rx, entry) for _, _, rx, entry in globs]

    def lookup(self, name: str) -> Optional[Declared]:
        found = self.exact.get(name)
        if found is not None:
            return found
        for rx, entry in self.globs:
            if rx.match(name):
                return entry
        return None


class Visitor:
    __slots__ = (
        "held", "decided_at", "decided_rev", "gpc", "providers_refused", "partial_at",
        "partial_rev", "withdrawn_at", "last", "last_signal", "notices",
    )  # fmt: skip

    def __init__(self, now: int) -> None:
        # Consent category -> granted/refused (full decision) or withdrawn/signal
        # (partial refusal); absent: undecided.
        self.held: Dict[str, str] = {}
        self.decided_at = 0
        self.decided_rev = 0
        self.gpc = False
        self.providers_refused: Set[str] = set()
        self.partial_at = 0
        self.partial_rev = 0
        # Category -> time of the latest withdraw event that named it.
        self.withdrawn_at: Dict[str, int] = {}
        self.last = now
        self.last_signal: Optional[int] = None
        # Revision -> time of the latest notice of it.
        self.notices: Dict[int, int] = {}


# What a checked line does to its visitor at its time.
Effect = Callable[[Visitor, int], None]
# A checked line: its visitor, its time, what it does (None: nothing).
Decoded = Tuple[str, int, Optional[Effect]]


def tag_claims_granted(url: str) -> List[str]:
    """The Consent Mode types a tag hit's URL claims granted, in type order."""
    # RFC 3986 §3.5: the fragment starts at the first "#", and a "?" in it
    # starts no query.
    before_fragment = url.split("#", 1)[0]
    if "?" not in before_fragment:
        return []
    query = before_fragment.split("?", 1)[1]
    first: Dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        first.setdefault(key, value)
    granted: Set[str] = set()
    gcs = first.get("gcs")
    if gcs is not None and len(gcs) == 4 and gcs.startswith("G1"):
        granted |= {t for t, ch in zip(GCS_TYPES, gcs[2:]) if ch == "1"}
    gcd = first.get("gcd")
    for i, t in GCD_TYPES:
        if gcd is None or i >= len(gcd) or gcd[i] not in BASE64URL:
            continue
        digit = BASE64URL.index(gcd[i])
        update, default = digit % 4, digit // 4 % 4
        if update == 0 or default == 0:
            continue
        claim = default if update == 1 else update
        if claim == 3:
            granted.add(t)
    return [t for t in CONSENT_MODE_TYPES if t in granted]


def status(p: Policy, v: Visitor, cat: str, now: int) -> Tuple[str, Optional[str]]:
    """(status at `now`, what is held): the status is what is held, or undecided,
    expired or outdated."""
    held = v.held.get(cat)
    if held is None:
        return UNDECIDED, None
    if held == GRANTED:
        lapse, rev = v.decided_at + p.consent_ttl, v.decided_rev
    elif held == REFUSED:
        lapse, rev = v.decided_at + p.refusal_ttl, v.decided_rev
    else:
        lapse, rev = v.partial_at + p.refusal_ttl, v.partial_rev
    if now >= lapse:
        return EXPIRED, held
    if rev < p.changed[cat]:
        return OUTDATED, held
    return held, held


def partial_refusal(p: Policy, v: Visitor, refuse: Set[str], kind: str, now: int, rev: int, quiet: bool) -> bool:
    """Refuses `refuse` as `kind` (withdrawn or signal) at `now` under `rev`.
    With `quiet` (a signal), a change of nothing but the partial time within a
    day of it records nothing. Returns whether the state changed."""
    held = dict(v.held)
    in_force = False
    for c, h in v.held.items():
        if h not in PARTIAL:
            continue
        if status(p, v, c, now)[0] in (EXPIRED, OUTDATED):
            held.pop(c)  # undecided, and stays so (unless refused again below)
        else:
            in_force = True
    for c in refuse:
        held[c] = kind
    new_rev = max(v.partial_rev, rev) if in_force else rev
    new_at = max(v.partial_at, now) if in_force else now
    # Within a day (half the refusal's lifetime where that is shorter) a
    # signal that would only re-time the refusal records nothing.
    if quiet and held == v.held and new_rev == v.partial_rev and now < v.partial_at + min(DAY, p.refusal_ttl // 2):
        return False
    v.held, v.partial_at, v.partial_rev = held, new_at, new_rev
    return True


def parse_ts(text: str) -> int:
    """RFC 3339 with `Z` or an offset, in whole seconds since the epoch."""
    m = _TS.match(text)
    if m is None:
        raise InputError(f"`ts` {text!r} is not an RFC 3339 date-time")
    date, hour, minute, second, zone = m.groups()
    if zone is None:
        raise InputError(f"`ts` {text!r} has no time zone")
    day = _DAYS.get(date)
    if day is None:
        year, month, mday = int(date[:4]), int(date[5:7]), int(date[8:])
        if not (1 <= month <= 12 and 1 <= mday <= _month_days(year, month)):
            raise InputError(f"`ts` {text!r} is not a date")
        day = _DAYS[date] = _days_from_civil(year, month, mday) * DAY
    h, mi, sec = int(hour), int(minute), int(second)
    if h > 23 or mi > 59 or sec > 60:
        raise InputError(f"`ts` {text!r} is not a time of day")
    offset = 0
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        if int(zone[1:3]) > 23 or int(zone[4:6]) > 59:
            raise InputError(f"`ts` {text!r} has an offset past ±23:59")
        offset = sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    if sec == 60:
        sec = 59
    at = day + h * 3600 + mi * 60 + sec - offset
    if second == "60":
        # A leap second ends a month in UTC (RFC 3339 §5.7): the second after
        # its stand-in, :59, starts the first day of a month.
        after = at + 1
        if after % DAY or _civil_from_days(after // DAY)[2] != 1:
            raise InputError(f"`ts` {text!r} is not a time of day")
    if at > 253_402_300_799:
        raise InputError(f"`ts` {text!r} is after 9999-12-31T23:59:59Z")
    return at


# ASCII digits only (`\d` alone takes any script's, `２０２６`).
_TS = re.compile(r"(\d{4}-\d\d-\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d+)?([Zz]|[+-]\d\d:\d\d)?\Z", re.ASCII)


# The proleptic Gregorian calendar for every year RFC 3339 writes, 0000 among
# them (Python's datetime starts at year 1).
def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to the date."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def _civil_from_days(days: int) -> Tuple[int, int, int]:
    """The date `days` after 1970-01-01: (year, month, day)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day
# Date -> its midnight in seconds since the epoch: a log's lines share few dates.
_DAYS: Dict[str, int] = {}


# Browsers skip an attribute value longer than this; the Rust reader (and so
# the filter) refuses such a Max-Age or Expires.
MAX_ATTRIBUTE_VALUE = 1024
_MAX_AGE = re.compile(r"-?[0-9]+\Z")


class _Unread(Exception):
    """A Max-Age or Expires that does not read."""


def parse_set_cookie(header: str, now: int) -> Tuple[str, bool, Optional[int]]:
    """(name, is a deletion, lifetime in seconds or None for a session cookie
    or one whose lifetime is not known). A Max-Age or Expires that does not
    read leaves the cookie kept, for how long not known: browsers disagree on
    such a header's lifetime, never on its being set."""
    if any(ord(c) < 0x20 and c != "\t" or c == "\x7f" for c in header):
        raise InputError("`set_cookie` has a control character")
    parts = header.split(";")
    name, eq, _ = parts[0].partition("=")
    name = name.strip(" \t")
    if not eq or not name:
        raise InputError("`set_cookie` has no name=value")
    try:
        max_age, expires = _lifetime(parts[1:])
    except _Unread:
        return name, False, None
    if max_age is not None:  # Max-Age wins over Expires (RFC 6265 §5.3)
        return name, max_age <= 0, max(max_age, 0)
    if expires is not None:
        # Expiring at this very second, the cookie is gone.
        return name, expires <= now, max(expires - now, 0)
    return name, False, None


def _lifetime(attributes: List[str]) -> Tuple[Optional[int], Optional[int]]:
    """The last Max-Age and the last Expires, or _Unread."""
    max_age: Optional[int] = None
    expires: Optional[int] = None
    for attr in attributes:
        key, _, val = attr.partition("=")
        key, val = key.strip(" \t").lower(), val.strip(" \t")
        if key in ("max-age", "expires") and len(val.encode()) > MAX_ATTRIBUTE_VALUE:
            raise _Unread
        if key == "max-age":
            if not _MAX_AGE.match(val):
                raise _Unread
            max_age = int(val)
        elif key == "expires":
            expires = http_date(val)
            if expires is None:
                raise _Unread
    return max_age, expires


_WSP = " \t"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ZONES = ("", "gmt", "utc", "ut", "z", "+0000", "-0000")


def _letters(s: str) -> int:
    """How many ASCII letters `s` starts with."""
    n = 0
    while n < len(s) and s[n].isascii() and s[n].isalpha():
        n += 1
    return n


def _digits(s: str, most: int) -> int:
    """How many ASCII digits `s` starts with, at most `most`."""
    n = 0
    while n < min(most, len(s)) and "0" <= s[n] <= "9":
        n += 1
    return n


def http_date(text: str) -> Optional[int]:
    """An HTTP date (a Set-Cookie's Expires) in seconds since the epoch, or None
    where it does not read. Written from the grammar SPEC §6 and RFC 6265 §5.1.1
    give, narrowed to the dates browsers read alike:

    - IMF-fixdate ``Sun, 06 Nov 1994 08:49:37 GMT``, RFC 850 ``Sunday,
      06-Nov-94 08:49:37 GMT``, Netscape ``Sun, 06-Nov-1994 08:49:37 GMT``:
      day (1 or 2 digits), a dash or whitespace, month, a dash or whitespace,
      year (4 digits, else 2), whitespace, time; asctime ``Sun Nov  6 08:49:37
      1994``: month, day, time and year (4 digits), whitespace between each;
    - a leading word (followed by a comma or by another word) must name a
      weekday, short or long, any case; it is not checked against the date;
    - a month is its first three letters, any case (``November``);
    - a time is ``h:m:s``, each 1 or 2 digits;
    - after the time or year, nothing, or whitespace and a zone of GMT, UTC,
      UT, Z, +0000 or -0000 (any case);
    - a year of 0-69 is 20xx and 70-99 19xx, in two digits or four; a year
      before 1601 is no date.
    """
    s = text.strip(_WSP)
    n = _letters(s)
    if n:
        word, rest = s[:n].lower(), s[n:]
        after: Optional[str] = None
        if rest.startswith(","):
            after = rest[1:].lstrip(_WSP)
        elif rest.lstrip(_WSP)[:1].isascii() and rest.lstrip(_WSP)[:1].isalpha():
            after = rest.lstrip(_WSP)
        if after is not None:
            if not any(word in (d, d[:3]) for d in _WEEKDAYS):
                return None
            s = after
    fields: Dict[str, int] = {}

    def take(s: str, name: str, least: int, most: int) -> Optional[str]:
        n = _digits(s, most)
        if n < least:
            return None
        fields[name] = int(s[:n])
        return s[n:]

    def month(s: str) -> Optional[str]:
        head = s[:3].lower()
        if len(head) < 3 or not head.isascii() or head not in _MONTHS:
            return None
        fields["month"] = _MONTHS.index(head) + 1
        return s[3 + _letters(s[3:]) :]

    def clock(s: str) -> Optional[str]:
        for i, name in enumerate(("hour", "minute", "second")):
            if i:
                if not s.startswith(":"):
                    return None
                s = s[1:]
            r = take(s, name, 1, 2)
            if r is None:
                return None
            s = r
        return s

    def space(s: Optional[str]) -> Optional[str]:
        """At least one whitespace character, skipped."""
        if s is None or s[:1] not in (" ", "\t"):
            return None
        return s.lstrip(_WSP)

    def date_sep(s: Optional[str]) -> Optional[str]:
        if s is not None and s.startswith("-"):
            return s[1:]
        return space(s)

    def year(s: Optional[str], two: bool) -> Optional[str]:
        if s is None:
            return None
        if _digits(s, 4) == 4:
            return take(s, "year", 4, 4)
        if two and _digits(s, 2) == 2:
            return take(s, "year", 2, 2)
        return None

    r: Optional[str]
    if s[:1].isascii() and s[:1].isdigit():
        r = take(s, "day", 1, 2)
        r = date_sep(r)
        r = month(r) if r is not None else None
        r = year(date_sep(r), two=True)
        r = space(r)
        r = clock(r) if r is not None else None
    else:
        r = month(s)
        r = space(r)
        r = take(r, "day", 1, 2) if r is not None else None
        r = space(r)
        r = clock(r) if r is not None else None
        r = year(space(r), two=False)
    if r is None:
        return None
    if r and r[0] not in _WSP:
        return None
    zone = r.lstrip(_WSP)
    if not zone.isascii() or zone.lower() not in _ZONES:
        return None
    y = fields["year"]
    y += 2000 if y <= 69 else 1900 if y <= 99 else 0
    if y < 1601:
        return None
    mon, mday, hh, mm, ss = (fields[k] for k in ("month", "day", "hour", "minute", "second"))
    if not (1 <= mday <= _month_days(y, mon) and hh <= 23 and mm <= 59 and ss <= 59):
        return None
    return _days_from_civil(y, mon, mday) * DAY + hh * 3600 + mm * 60 + ss


# --- fields, checked


def _string(rec: Mapping[str, Any], key: str) -> Optional[str]:
    value = rec.get(key)
    if value is None or isinstance(value, str):
        return value
    raise InputError(f"`{key}` must be a string")


def _required(rec: Mapping[str, Any], key: str) -> str:
    value = rec.get(key)
    if isinstance(value, str) and value:
        return value
    if value is None:
        raise InputError(f"missing `{key}`")
    if not isinstance(value, str):
        raise InputError(f"`{key}` must be a string")
    raise InputError(f"`{key}` is empty")


def _int(rec: Mapping[str, Any], key: str, low: int, high: int) -> Optional[int]:
    value = rec.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(f"`{key}` must be an integer")
    if not low <= value <= high:
        raise InputError(f"`{key}` is {value}, outside {low}..={high}")
    return value


def _strings(rec: Mapping[str, Any], key: str, required: bool = False) -> Optional[List[str]]:
    value = rec.get(key)
    if value is None:
        if required:
            raise InputError(f"missing `{key}`")
        return None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise InputError(f"`{key}` must be an array of strings")
    return value


@dataclass
class Report:
    """SPEC §9's document: violations and input errors in (file, line) order."""

    violations: List[Dict[str, Any]]
    input_errors: List[Dict[str, Any]]
    summary: Dict[str, Any]

    @property
    def exit_code(self) -> int:
        return 2 if self.input_errors else 1 if self.violations else 0

    def to_json(self) -> Dict[str, Any]:
        return {"violations": self.violations, "input_errors": self.input_errors, "summary": self.summary}


# A finding, sortable into report order: (file index, line, emission order, item).
_Found = Tuple[int, int, int, Dict[str, Any]]


def _order(found: _Found) -> Tuple[int, int, int]:
    return found[:3]


class Audit:
    def __init__(self, policy: Policy, grace_seconds: int = 0) -> None:
        self.p = policy
        self.grace = grace_seconds
        self.visitors: Dict[str, Visitor] = {}
        self.found: List[_Found] = []
        self.errors: List[_Found] = []
        self.by_id = dict.fromkeys(IDS, 0)
        self.events = self.lines = self.files = 0
        # Where the line being applied is: file index, file name, line number.
        self.at: Tuple[int, str, int] = (0, "", 0)

    # --- reading

    def run(self, paths: Sequence[PathLike], merge: bool = False) -> Report:
        names = [os.fspath(p) for p in paths]
        self.files += len(names)
        if merge:
            self._run_merged(names)
        else:
            decode, apply = self.decode, self.apply
            for index, name in enumerate(names):
                for number, raw in _lines(name):
                    self.at = (index, name, number)
                    self.lines += 1
                    try:
                        apply(*decode(raw))
                    except InputError as e:
                        self.error(str(e))
        return self.report()

    def _run_merged(self, names: List[str]) -> None:
        # A k-way merge of the files' next lines by (time, file index, line). A
        # bad line is keyed by the clock, so it comes out at once and is
        # reported in place; it does not move the clock.
        clock: Optional[int] = None
        heap: List[Tuple[int, int, int, Optional[Decoded], str]] = []
        readers = [_lines(name) for name in names]

        def push(index: int) -> None:
            for number, raw in readers[index]:
                try:
                    line = self.decode(raw)
                    heapq.heappush(heap, (line[1], index, number, line, ""))
                except InputError as e:
                    key = clock if clock is not None else -(1 << 62)
                    heapq.heappush(heap, (key, index, number, None, str(e)))
                return

        for index in range(len(names)):
            push(index)
        while heap:
            _, index, number, line, problem = heapq.heappop(heap)
            self.at = (index, names[index], number)
            self.lines += 1
            try:
                if line is None:
                    raise InputError(problem)
                if clock is not None and line[1] < clock:
                    raise InputError(MERGE_MESSAGE)
                self.apply(*line)
                clock = line[1]
            except InputError as e:
                self.error(str(e))
            push(index)

    # --- findings

    def violation(self, rec: Mapping[str, Any], vid: str, cookie: Optional[str], category: Optional[str], message: str) -> None:
        index, name, number = self.at
        self.by_id[vid] += 1
        item = {
            "id": vid, "file": name, "line": number, "visitor": rec["visitor"], "ts": rec["ts"],
            "cookie": cookie, "category": category, "message": message,
        }  # fmt: skip
        self.found.append((index, number, len(self.found), item))

    def error(self, message: str) -> None:
        index, name, number = self.at
        self.errors.append((index, number, len(self.errors), {"file": name, "line": number, "message": message}))

    def report(self) -> Report:
        return Report(
            [f[3] for f in sorted(self.found, key=_order)],
            [f[3] for f in sorted(self.errors, key=_order)],
            {
                "events": self.events, "visitors": len(self.visitors), "violations_by_id": dict(self.by_id),
                "files": self.files, "lines": self.lines, "violations": len(self.found),
                "input_errors": len(self.errors),
            },
        )  # fmt: skip

    # --- events

    def categories(self, rec: Mapping[str, Any], key: str) -> Optional[Set[str]]:
        names = _strings(rec, key)
        if names is None:
            return None
        for n in names:
            if n not in self.p.categories:
                raise InputError(f"`{key}`: unknown category {n!r}")
        return set(names)

    def decode(self, raw: bytes) -> Decoded:
        """Reads and checks a line, without looking at any visitor: (visitor,
        time, what the event does)."""
        if len(raw) > MAX_LINE:
            raise InputError("line over 1 MiB")
        try:
            rec = json.loads(raw.decode("utf-8"), object_pairs_hook=_pairs, parse_constant=_no_constant)
        except UnicodeDecodeError:
            raise InputError("not UTF-8") from None
        except (ValueError, RecursionError):
            raise InputError("not JSON") from None
        # Only a line with an escape or enough brackets can hold what the
        # walk looks for.
        brackets = len(raw) > 2 * MAX_DEPTH and raw.count(b"[") + raw.count(b"{") > MAX_DEPTH
        if (brackets or b"\\u" in raw) and _json_faults(rec):
            raise InputError("not JSON")
        if not isinstance(rec, _Line):
            raise InputError("not a JSON object")
        if rec.twice:
            raise InputError(f"`{rec.twice[0]}` is given twice")
        ts = rec.get("ts")
        now = parse_ts(ts if isinstance(ts, str) else _required(rec, "ts"))
        visitor = rec.get("visitor")
        if not isinstance(visitor, str) or not visitor:
            visitor = _required(rec, "visitor")
        event = rec.get("event")
        if not isinstance(event, str):
            event = _required(rec, "event")
        effect: Optional[Effect]
        if event == "notice_shown":
            effect = self.notice(rec)
        elif event == "decision":
            effect = self.decision(rec)
        elif event == "cookie_set":
            effect = self.cookie_set(rec, now)
        elif event == "cookie_present":
            cookies = _strings(rec, "cookies", required=True)
            assert cookies is not None
            if "" in cookies:
                raise InputError(f"`cookies[{cookies.index('')}]` is empty")
            effect = functools.partial(self.cookies_present, rec, cookies)
        elif event == "cookie_deleted":
            _required(rec, "cookie")
            effect = None
        elif event == "signal":
            if _required(rec, "signal") != "gpc":
                raise InputError('`signal` must be "gpc"')
            effect = self.signal
        elif event == "tag_request":
            claimed = tag_claims_granted(_required(rec, "url"))
            effect = functools.partial(self.tag_request, rec, claimed)
        else:
            raise InputError(f"unknown event {event!r}")
        return visitor, now, effect

    def apply(self, visitor: str, now: int, effect: Optional[Effect]) -> None:
        """Applies a decoded line to its visitor, unless it is out of their order."""
        v = self.visitors.get(visitor)
        if v is None:
            v = self.visitors[visitor] = Visitor(now)
        elif now < v.last:
            raise InputError("earlier than the visitor's previous event")
        if effect is not None:
            effect(v, now)
        v.last = now
        self.events += 1

    def notice(self, rec: Dict[str, Any]) -> Effect:
        p = self.p
        revision = _int(rec, "revision", 1, 2**32 - 1)
        _int(rec, "notice", 1, 65535)
        _int(rec, "layer", 0, 2**32 - 1)
        trigger = _string(rec, "trigger")
        if trigger not in (None, "auto", "user"):
            raise InputError('`trigger` must be "auto" or "user"')
        controls = _strings(rec, "controls") or []
        preselected = self.categories(rec, "preselected") or set()

        def run(v: Visitor, now: int) -> None:
            pre = [c for c in p.consent if c in preselected]
            if pre:
                self.violation(rec, "preselected-consent", None, pre[0], "a consent category preselected")
            if "accept_all" in controls and "reject_all" not in controls:
                self.violation(rec, "no-reject-option", None, None, "accept_all without reject_all")
            if trigger in (None, "auto"):
                statuses = [(c, status(p, v, c, now)[0]) for c in p.consent]
                if not any(s in NOT_IN_FORCE for _, s in statuses):
                    refused = [c for c, s in statuses if s in (REFUSED, WITHDRAWN, SIGNAL)]
                    if refused:
                        self.violation(rec, "reprompt-too-soon", None, refused[0], "auto notice while a refusal stands")
            v.notices[revision if revision is not None else p.revision] = now

        return run

    def decision(self, rec: Dict[str, Any]) -> Effect:
        p = self.p
        action = _required(rec, "action")
        if action not in ACTIONS:
            raise InputError(f"unknown action {action!r}")
        rev = _int(rec, "revision", 1, 2**32 - 1)
        revision = rev if rev is not None else p.revision
        _int(rec, "notice", 1, 65535)
        control = _string(rec, "control")
        if control is not None and control not in CONTROLS:
            raise InputError(f"unknown control {control!r}")
        granted = self.categories(rec, "granted") or set()
        named = self.categories(rec, "categories")
        providers = _strings(rec, "providers_refused") or []
        for name in providers:
            if name not in p.providers:
                raise InputError(f"`providers_refused`: unknown provider {name!r}")
        gpc = rec.get("gpc")
        if gpc is None:  # absent or null: a null is an absent field
            gpc = False
        if not isinstance(gpc, bool):
            raise InputError("`gpc` must be true or false")

        def run(v: Visitor, now: int) -> None:
            if action in INVALID_ACTIONS:
                listed = [c for c in p.consent if c in granted]
                if listed:
                    self.violation(rec, "implied-consent", None, listed[0], f"{action} is not consent")
                return
            if action == "withdraw":
                which = p.consent_set if named is None else named & p.consent_set
                if which and partial_refusal(p, v, set(which), WITHDRAWN, now, revision, quiet=False):
                    for c in which:
                        v.withdrawn_at[c] = now
                return
            chosen = p.consent_set if action == "accept_all" else set() if action == "reject_all" else granted
            v.held = {c: GRANTED if c in chosen else REFUSED for c in p.consent}
            v.decided_at, v.decided_rev = now, revision
            v.partial_at = v.partial_rev = 0
            v.providers_refused = set(providers) if action == "save" else set()
            v.gpc = gpc or (v.last_signal is not None and now - v.last_signal <= p.longest)
            if any(h == GRANTED for h in v.held.values()):
                shown = v.notices.get(revision)
                if shown is None or now - shown > p.longest:
                    self.violation(rec, "consent-without-notice", None, None, "a grant with no notice of its revision")

        return run

    def signal(self, v: Visitor, now: int) -> None:
        p = self.p
        which = {c for c in p.gpc if not (v.gpc and v.held.get(c) == GRANTED and status(p, v, c, now)[0] == GRANTED)}
        if which:
            partial_refusal(p, v, which, SIGNAL, now, p.revision, quiet=True)
        v.last_signal = now

    def tag_request(self, rec: Dict[str, Any], claimed: List[str], v: Visitor, now: int) -> None:
        p = self.p
        for t in claimed:
            cat = p.consent_mode.get(t)
            if cat is None:
                self.violation(rec, "consent-mode-mismatch", None, None, f"{t} is not mapped")
            elif cat in p.consent_set and status(p, v, cat, now)[0] != GRANTED:
                self.violation(rec, "consent-mode-mismatch", None, cat, f"{t} claimed granted")

    def cookie_set(self, rec: Dict[str, Any], now: int) -> Effect:
        header = _string(rec, "set_cookie")
        name = _string(rec, "cookie")
        if header is not None and name is not None:
            raise InputError("`set_cookie` or `cookie`, not both")
        if header is not None:
            name, deletion, lifetime = parse_set_cookie(header, now)
        elif name is not None:
            if not name:
                raise InputError("`cookie` is empty")
            lifetime = _int(rec, "max_age_s", -(2**63), 2**63 - 1)
            deletion = lifetime is not None and lifetime <= 0
        else:
            raise InputError("missing `set_cookie` (or `cookie`)")
        cookie = name

        def run(v: Visitor, now: int) -> None:
            if not deletion:  # a deletion is never a violation
                self.cookie(rec, v, now, cookie, True, lifetime)

        return run

    def cookies_present(self, rec: Dict[str, Any], cookies: List[str], v: Visitor, now: int) -> None:
        seen: Set[str] = set()
        for name in cookies:
            if name not in seen:
                seen.add(name)
                self.cookie(rec, v, now, name, False, None)

    def cookie(self, rec: Dict[str, Any], v: Visitor, now: int, name: str, is_set: bool, lifetime: Optional[int]) -> None:
        p = self.p
        d = p.lookup(name)
        if d is None:
            self.violation(rec, "undeclared-cookie", name, None, "no declaration")
            return
        if is_set and lifetime is not None and (d.lifetime is None or lifetime > d.lifetime):
            self.violation(rec, "duration-exceeds-declaration", name, d.category, "outlives its declaration")
        if d.category not in p.consent_set:
            return  # necessary: never a consent violation
        s, held = status(p, v, d.category, now)
        if s == GRANTED:
            if d.provider in v.providers_refused:
                self.violation(rec, "cookie-after-refusal", name, d.category, "its provider refused")
            return
        if s == UNDECIDED:
            vid = "cookie-before-consent"
        elif s == EXPIRED:
            vid = "cookie-on-expired-consent" if held == GRANTED else "cookie-before-consent"
        elif s == OUTDATED:
            vid = "cookie-on-outdated-consent" if held == GRANTED else "cookie-before-consent"
        elif s == REFUSED:
            vid = "cookie-after-refusal"
        elif s == SIGNAL:
            vid = "signal-ignored"
        else:
            if now - v.withdrawn_at[d.category] <= self.grace:
                return
            vid = "cookie-after-withdrawal"
        self.violation(rec, vid, name, d.category, f"{d.category} is {s}")


def _lines(path: str) -> Iterator[Tuple[int, bytes]]:
    """(line number from 1, content) for each non-blank line."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            raw = raw.rstrip(b"\n")
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            # The first line may open with a byte-order mark.
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            # Blank: JSON's whitespace only (a form feed is not).
            if raw.strip(b" \t\r\n"):
                yield number, raw


def load_policy(policy: Union[Mapping[str, Any], PathLike]) -> Policy:
    if isinstance(policy, Mapping):
        return Policy(policy)
    with open(policy, encoding="utf-8") as f:
        return Policy(json.load(f))


def audit(
    paths: Union[PathLike, Iterable[PathLike]],
    policy: Union[Mapping[str, Any], PathLike],
    grace_seconds: int = 0,
    merge: bool = False,
) -> Report:
    """Audits log files (one path or several, read in the order given) under a
    policy (its JSON document as a dict, or its path)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return Audit(load_policy(policy), grace_seconds).run(list(paths), merge=merge)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--policy", required=True)
    ap.add_argument("--grace-seconds", type=int, default=0)
    ap.add_argument("--merge", action="store_true", help="merge the files by time into one clock")
    ap.add_argument("--cpu-time", action="store_true", help="print the audit's CPU seconds to standard error")
    args = ap.parse_args()
    start = time.process_time()
    report = audit(args.logs, args.policy, args.grace_seconds, args.merge)
    if args.cpu_time:
        print(f"cpu_seconds {time.process_time() - start:.3f}", file=sys.stderr)
    json.dump(report.to_json(), sys.stdout)
    sys.stdout.write("\n")
    sys.exit(report.exit_code)


if __name__ == "__main__":
    main()
