"""Seeded adversarial consent logs (SPEC §8) for comparing audits.

``case(seed)`` gives a policy (a random small one, or the kk.dk example, as a
JSON document) and two or three "server files" of log lines. Each visitor's
events are in time order, made of requests (events sharing a second, in the
order of SPEC §15: ``cookie_present``, ``signal``, ``notice_shown``,
``decision``, ``cookie_set``); a visitor stays on one server or is spread over
all of them, and each file is in time order (sometimes, for the merge, not
quite), so the files read one after the other break global order. Gaps run
from 0 s to three years and hit the edges the rules turn on: a grant's or
refusal's lapse minus one, at, plus one second; 86,400 s between signals;
the withdrawal grace. A few lines are bad: not JSON, an unknown event, a
missing field, an event earlier than its visitor's previous one.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

DAY = 86_400
T0 = int(datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc).timestamp())
KK_DK = Path(__file__).resolve().parents[4] / "examples" / "kk.dk.policy.json"
POOL = ["functional", "statistics", "marketing", "personalization", "social", "video", "maps", "chat"]
THIRD = ["p1", "p2"]
CONSENT_MODE_TYPES = ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage",
                      "functionality_storage", "personalization_storage"]
_BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
Event = Dict[str, Any]


_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def _case(rng: random.Random, word: str) -> str:
    return rng.choice([word, word.lower(), word.upper()]) if rng.random() < 0.3 else word


def http_date_form(rng: random.Random, t: int, odd: float = 0.5) -> str:
    """The instant `t` as an HTTP date in one of its forms (IMF-fixdate, RFC 850,
    Netscape, asctime), its words in any case or length; with probability
    `odd` one piece is then written as browsers read it otherwise, or not at
    all: a leading word that is no weekday, a glued piece, a two- or
    five-digit year where four are needed, another zone, a day, time or
    second out of range. Some such changes still read (a missing weekday),
    most do not."""
    d = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=t)
    weekday = _case(rng, rng.choice([_WEEKDAYS[d.weekday()][:3], _WEEKDAYS[d.weekday()]]))
    month = _case(rng, rng.choice([_MONTHS[d.month - 1][:3], _MONTHS[d.month - 1]]))
    day = rng.choice([f"{d.day:02}", str(d.day)])
    year4 = f"{d.year:04}"
    year = year4 if rng.random() < 0.7 or not 1970 <= d.year <= 2069 else year4[2:]
    clock = f"{d.hour:02}:{d.minute:02}:{d.second:02}" if rng.random() < 0.8 else f"{d.hour}:{d.minute}:{d.second}"
    zone = _case(rng, rng.choice(["GMT"] * 6 + ["UTC", "UT", "Z", "+0000", "-0000", ""]))
    form = rng.randrange(4)
    pieces: Dict[str, str] = {"weekday": weekday, "day": day, "month": month, "year": year, "clock": clock, "zone": zone}
    if rng.random() < odd:
        what = rng.choice(["weekday", "day", "month", "year", "clock", "zone", "glue", "space", "form"])
        if what == "weekday":
            pieces["weekday"] = rng.choice(["", "Dec", "Pst", "Xyz", "Sonday", "Mo"])
        elif what == "day":
            pieces["day"] = rng.choice(["0", "00", "32", "001", str(d.day) + "th", "x"])
        elif what == "month":
            pieces["month"] = rng.choice(["No", "Xyz", "Mai", "Okt", month + "1", "Dec Jan"])
        elif what == "year":
            pieces["year"] = rng.choice([year4[1:], year4 + "5", year4[3:], "-" + year4, "+" + year4, "1600", "0100", year4[2:]])
        elif what == "clock":
            pieces["clock"] = rng.choice(["24:00:00", "23:60:00", "23:59:60", "08:49", "008:49:37", "08:49:370", "08:49:37.5", "8-49-37"])
        elif what == "zone":
            pieces["zone"] = rng.choice(["PST", "CET", "+0100", "-0800", "GMT+1", "GMT extra", "Z0", "EST5EDT"])
        elif what == "glue":
            form = rng.randrange(4)
        elif what == "space":
            pieces["zone"] = pieces["zone"] + rng.choice([" ", "\t"])
        else:
            form = 4
        glue = what == "glue"
    else:
        glue = False
    w = pieces["weekday"]
    # Where a piece is glued to the next: the gap before the time, before the
    # zone, or (asctime) after the month or before the year.
    joint = rng.choice(["clock", "zone", "day", "year"]) if glue else ""
    gap = {k: "" if k == joint else " " for k in ("clock", "zone", "day", "year")}
    z = gap["zone"] + pieces["zone"] if pieces["zone"] else ""
    if form == 0:  # IMF-fixdate
        return (f"{w}, " if w else "") + f"{pieces['day']} {pieces['month']} {pieces['year']}{gap['clock']}{pieces['clock']}{z}"
    if form == 1:  # RFC 850 / Netscape
        return (f"{w}, " if w else "") + f"{pieces['day']}-{pieces['month']}-{pieces['year']}{gap['clock']}{pieces['clock']}{z}"
    if form == 2:  # asctime: a four-digit year, a day padded to two
        y = year4 if pieces["year"] == year else pieces["year"]
        day = pieces["day"].lstrip("0").rjust(2) if gap["day"] else pieces["day"]
        return (f"{w} " if w else "") + f"{pieces['month']}{gap['day']}{day} {pieces['clock']}{gap['year']}{y}"
    if form == 3:  # day first, several spaces or tabs between
        sp = rng.choice(["  ", "\t", " \t "])
        return (f"{w},{sp}" if w else "") + sp.join([pieces["day"], pieces["month"], pieces["year"], pieces["clock"]]) + (sp + pieces["zone"] if pieces["zone"] else "")
    # Not an HTTP date at all.
    return rng.choice(["never", "yesterday", "0", str(t), d.isoformat(), "Sun, 06/Nov/1994 08:49:37 GMT", ""])


@dataclass
class Case:
    """One generated audit: a policy document, server files' lines, the grace."""

    seed: int
    policy: Dict[str, Any]
    files: List[List[str]]
    grace_seconds: int
    # Every file in time order: what `--merge` asks of its input.
    in_order: bool

    @property
    def lines(self) -> int:
        return sum(len(f) for f in self.files)

    def write(self, folder: Path) -> List[Path]:
        paths = []
        for i, lines in enumerate(self.files):
            path = folder / f"server{i}.jsonl"
            path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            paths.append(path)
        return paths


def text(s: str) -> Dict[str, str]:
    return {"en": s, "da": s}


def kk_dk(gpc_refuses: Optional[List[str]] = None) -> Dict[str, Any]:
    doc: Dict[str, Any] = json.loads(KK_DK.read_text(encoding="utf-8"))
    if gpc_refuses is not None:
        doc = copy.deepcopy(doc)
        doc["gpc_refuses"] = gpc_refuses
    return doc


def random_duration(rng: random.Random) -> Any:
    return rng.choice(["session", {"seconds": rng.randint(60, 7200)}, {"hours": rng.randint(1, 48)}, {"days": rng.randint(1, 400)}])


def random_policy(rng: random.Random) -> Dict[str, Any]:
    """2 to 6 consent categories and `necessary`; revision 1 or 2 with some
    categories changed in 2; exact names, globs of which one beats another by
    its longer literal prefix, a `?` glob, a local-storage item; TTLs of a few
    days to 100 days; a random `gpc_refuses`."""
    consent = rng.sample(POOL, rng.randint(2, 6))
    revision = rng.choice([1, 2])
    categories: List[Dict[str, Any]] = [
        {"id": "necessary", "basis": "exempt", "label": text("Necessary"), "description": text("Needed")}
    ]
    for c in consent:
        cat: Dict[str, Any] = {"id": c, "basis": "consent", "label": text(c), "description": text(c)}
        if revision == 2 and rng.random() < 0.5:
            cat["changed_in_revision"] = 2
        categories.append(cat)
    rng.shuffle(categories)
    providers = [{"id": "site", "name": "The site", "party": "first", "domains": ["example.dk"]}]
    providers += [
        {"id": p, "name": f"Provider {p}", "party": "third", "domains": [f"{p}.example"]}
        for p in THIRD[: rng.randint(1, 2)]
    ]
    provider_ids = [p["id"] for p in providers]

    def item(name: str, category: str, kind: str = "cookie", duration: Any = None) -> Dict[str, Any]:
        d: Dict[str, Any] = {
            "name": name,
            "kind": kind,
            "provider": "site" if category == "necessary" else rng.choice(provider_ids),
            "category": category,
            "purpose": text(f"{category}: {name}"),
            "duration": duration if duration is not None else random_duration(rng),
        }
        if category == "necessary":
            d["justification"] = "needed for the service asked for"
        return d

    storage = [item("SESS*", "necessary", duration={"hours": 11}), item("csrf", "necessary", duration="session")]
    for c in consent:
        storage.append(item(f"{c[:3]}_id", c))
        if rng.random() < 0.5:
            storage.append(item(f"{c[:3]}_*", c))
    a, b = rng.sample(consent, 2)
    storage.append(item("_tr*", a))  # "_tr_bx" is b's: the longer literal prefix wins
    storage.append(item("_tr_b?", b))
    storage.append(item(f"ls_{a[:3]}", a, kind="local_storage"))
    rng.shuffle(storage)
    ttl = rng.choice([3, 7, 30, 100, rng.randint(3, 100)])
    doc: Dict[str, Any] = {
        "schema": "samtykke/policy/1",
        "site": "example.dk",
        "revision": revision,
        "consent_cookie": {"name": "consent"},
        "consent_ttl_days": ttl,
        "categories": categories,
        "providers": providers,
        "storage": storage,
        "gpc_refuses": [c for c in consent if rng.random() < 0.5],
    }
    if rng.random() < 0.6:
        doc["refusal_ttl_days"] = rng.choice([3, 7, 30, 100, rng.randint(3, 100)])
    if rng.random() < 0.5:
        # Google Consent Mode: some types on consent categories, security
        # storage perhaps on the exempt one; the rest unmapped.
        mapping = {t: rng.choice(consent) for t in CONSENT_MODE_TYPES if rng.random() < 0.6}
        if rng.random() < 0.5:
            mapping["security_storage"] = "necessary"
        doc["consent_mode"] = mapping
    return doc


def stamp(at: int, rng: random.Random) -> str:
    """RFC 3339: mostly `Z`, sometimes an offset, rarely a fraction."""
    r = rng.random()
    offset = 0 if r < 0.8 else rng.choice([120, -300, 330])
    local = datetime.fromtimestamp(at, timezone.utc) + timedelta(minutes=offset)
    fraction = ".250" if rng.random() < 0.03 else ""
    if offset == 0:
        return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"
    sign = "+" if offset > 0 else "-"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


class _Gen:
    def __init__(self, rng: random.Random, doc: Dict[str, Any], grace: int) -> None:
        self.rng = rng
        self.doc = doc
        self.grace = grace
        self.revision: int = doc["revision"]
        self.consent = [c["id"] for c in doc["categories"] if c["basis"] == "consent"]
        self.providers = [p["id"] for p in doc["providers"] if p.get("party") == "third"]
        self.consent_ttl = doc["consent_ttl_days"] * DAY
        self.refusal_ttl = doc.get("refusal_ttl_days", doc["consent_ttl_days"]) * DAY
        self.lifetimes: Dict[str, Optional[int]] = {}
        self.names: List[str] = [doc["consent_cookie"]["name"], "_ga", "IDE"]
        self.lifetimes[doc["consent_cookie"]["name"]] = max(self.consent_ttl, self.refusal_ttl)
        for d in doc["storage"]:
            name = d["name"]
            if "*" in name or "?" in name:
                concrete = [name.replace("*", x).replace("?", "x") for x in ("", "x1", "_bx")]
            else:
                concrete = [name]
            dur = d["duration"]
            life = None if dur == "session" else next(iter(dur.values())) * {"seconds": 1, "hours": 3600, "days": DAY}[next(iter(dur))]
            for n in concrete:
                self.names.append(n)
                if d["category"] != "necessary" and d["kind"] == "cookie":
                    self.names.append(n)  # weigh consent items up
                self.lifetimes.setdefault(n, life)

    # --- times

    def gap(self, t: int, anchors: Dict[str, int]) -> int:
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            edges = []
            if "full" in anchors:
                edges += [anchors["full"] + self.consent_ttl + d for d in (-1, 0, 1)]
                edges += [anchors["full"] + self.refusal_ttl + d for d in (-1, 0, 1)]
            if "partial" in anchors:
                edges += [anchors["partial"] + self.refusal_ttl + d for d in (-1, 0, 1)]
            if "withdraw" in anchors:
                edges += [anchors["withdraw"] + self.grace + d for d in (0, 1)]
            if "signal" in anchors:
                edges += [anchors["signal"] + DAY + d for d in (-1, 0, 1)]
            edges = [e for e in edges if e >= t]
            if edges:
                edge: int = rng.choice(edges)
                return edge
        if r < 0.45:
            return t
        if r < 0.65:
            return t + rng.randint(1, 120)
        if r < 0.85:
            return t + rng.randint(1, 3 * DAY)
        if r < 0.97:
            return t + rng.randint(1, 120) * DAY + rng.randint(0, DAY)
        return t + rng.randint(0, 3 * 365 * DAY)

    # --- events

    def cats(self, extra: float = 0.1) -> List[str]:
        chosen = [c for c in self.consent if self.rng.random() < 0.5]
        if self.rng.random() < extra:
            chosen.append("necessary")
        self.rng.shuffle(chosen)
        return chosen

    def revision_field(self, e: Event) -> None:
        r = self.rng.random()
        if r < 0.25 and self.revision == 2:
            e["revision"] = 1
        elif r < 0.4:
            e["revision"] = self.revision

    def notice(self) -> Event:
        rng = self.rng
        e: Event = {"event": "notice_shown"}
        self.revision_field(e)
        if rng.random() < 0.5:
            e["notice"] = 1
        if rng.random() < 0.3:
            e["layer"] = rng.choice([1, 2])
        trigger = rng.choice([None, None, "auto", "user"])
        if trigger is not None:
            e["trigger"] = trigger
        r = rng.random()
        if r < 0.8:
            e["controls"] = ["accept_all", "reject_all", "settings"]
        elif r < 0.9:
            e["controls"] = ["accept_all", "settings"]
        if rng.random() < 0.5:
            r = rng.random()
            e["preselected"] = [] if r < 0.7 else ["necessary"] if r < 0.85 else [rng.choice(self.consent)]
        return e

    def decision(self, gpc: bool) -> Tuple[Event, str]:
        rng = self.rng
        r = rng.random()
        action = (
            "accept_all" if r < 0.25 else "reject_all" if r < 0.45 else "save" if r < 0.7
            else "withdraw" if r < 0.9 else rng.choice(["dismiss", "scroll", "navigate", "idle", "implied"])
        )  # fmt: skip
        e: Event = {"event": "decision", "action": action}
        self.revision_field(e)
        if rng.random() < 0.5:
            e["notice"] = 1
        if rng.random() < 0.6:
            # `signal` is no visitor's control: an input error.
            e["control"] = rng.choice(["button", "toggle", "link", "icon"] * 10 + ["signal"])
        if action == "save":
            e["granted"] = self.cats()
            if self.providers and rng.random() < 0.3:
                e["providers_refused"] = rng.sample(self.providers, rng.randint(1, len(self.providers)))
        elif action == "withdraw":
            r = rng.random()
            if r < 0.6:
                e["categories"] = self.cats(extra=0.2)
        elif action not in ("accept_all", "reject_all") and rng.random() < 0.5:
            e["granted"] = self.cats()
        if gpc or rng.random() < 0.1:
            e["gpc"] = gpc or rng.random() < 0.5
        return e, action

    def cookie_set(self, t: int) -> Event:
        rng = self.rng
        name = rng.choice(self.names)
        life = self.lifetimes.get(name)
        r = rng.random()
        if life is not None and r < 0.4:
            age = life + rng.choice([-1, 0, 1])
        elif r < 0.55:
            age = rng.choice([0, -1])
        elif r < 0.7:
            age = None
        else:
            age = rng.randint(1, 400 * DAY)
        if rng.random() < 0.2:
            e: Event = {"event": "cookie_set", "cookie": name}
            if age is not None:
                e["max_age_s"] = age
            return e
        header = f"{name}={rng.randint(0, 1 << 32):x}"
        attributes = []
        if age is not None and rng.random() < 0.3:
            # Expires: at the event's very second (age 0) the cookie is gone.
            # Any form of HTTP date, now and then one browsers read otherwise.
            attributes.append("Expires=" + http_date_form(rng, t + age, odd=0.1))
        elif age is not None:
            attributes.append(f"Max-Age={age}")
        attributes += rng.choice([["Path=/"], ["Path=/", "Secure", "HttpOnly"], []])
        if rng.random() < 0.15:
            # A value that does not read, anywhere among the attributes: a bad
            # Max-Age or Expires leaves the cookie set with no known lifetime,
            # a bad SameSite is left unset.
            bad = rng.choice(["SameSite=bad", "Max-Age=soon", "Max-Age=+5", "Expires=never", "Max-Age="])
            attributes.insert(rng.randint(0, len(attributes)), bad)
        header += "".join("; " + a for a in attributes)
        return {"event": "cookie_set", "set_cookie": header}

    def cookie_present(self) -> Event:
        names = list(dict.fromkeys(self.rng.choice(self.names) for _ in range(self.rng.randint(1, 3))))
        return {"event": "cookie_present", "cookies": names}

    def tag_request(self) -> Event:
        """A Google tag hit: `gcs` and `gcd` of every shape, now and then
        percent-escaped, repeated, in the fragment, or not ASCII."""
        rng = self.rng

        def gcs() -> str:
            states = "01" * 4 + "-xé"
            return rng.choice(["G1", "G1", "G1", "G2", "g1", ""]) + "".join(rng.choice(states) for _ in range(rng.choice([2, 2, 2, 1, 3])))

        def gcd() -> str:
            return "".join(rng.choice(_BASE64URL + "*é") for _ in range(rng.randint(0, 12)))

        params = []
        if rng.random() < 0.7:
            params.append("gcs=" + gcs())
        if rng.random() < 0.6:
            params.append("gcd=" + gcd())
        if params and rng.random() < 0.1:
            params.append(rng.choice(params).split("=")[0] + "=" + (gcs() if rng.random() < 0.5 else gcd()))
        rng.shuffle(params)
        query = "&".join(["v=2", "tid=G-X"] + params)
        if rng.random() < 0.15:
            query = query.replace("1", "%31").replace("é", "%C3%A9")
        base = "https://www.google-analytics.com/g/collect"
        r = rng.random()
        if r < 0.08:
            url = f"{base}#?{query}"  # a fragment: no query
        elif r < 0.16:
            url = f"{base}?v=2#&{query}"
        else:
            url = f"{base}?{query}"
        return {"event": "tag_request", "url": url}

    def visitor(self, start: int) -> List[Tuple[int, List[Event]]]:
        """A visitor's requests: (time, events in SPEC §15's order)."""
        rng = self.rng
        requests: List[Tuple[int, List[Event]]] = []
        anchors: Dict[str, int] = {}
        t = start
        signal_every = rng.randint(1, 40) * DAY if rng.random() < 0.3 else None
        if signal_every is not None and rng.random() < 0.3:
            signal_every = DAY  # exactly the 24 hours of the quiet window
        for _ in range(rng.randint(2, 24)):
            if signal_every is not None and "signal" in anchors and rng.random() < 0.5:
                t = max(t, anchors["signal"] + signal_every)
            else:
                t = self.gap(t, anchors)
            events: List[Event] = []
            if rng.random() < 0.5:
                events.append(self.cookie_present())
            gpc = (signal_every is not None and rng.random() < 0.8) or rng.random() < 0.08
            if gpc:
                events.append({"event": "signal", "signal": "gpc"})
                anchors["signal"] = t
            if rng.random() < 0.35:
                events.append(self.notice())
            if rng.random() < 0.35:
                e, action = self.decision(gpc and rng.random() < 0.8)
                events.append(e)
                if action in ("accept_all", "reject_all", "save"):
                    anchors["full"] = t
                    anchors.pop("partial", None)
                elif action == "withdraw":
                    anchors["withdraw"] = anchors["partial"] = t
            if gpc and not ("partial" in anchors and t < anchors["partial"] + DAY):
                anchors["partial"] = t  # a signal within a day of the last records nothing
            for _ in range(rng.choice([0, 0, 1, 1, 2])):
                events.append(self.cookie_set(t))
            if rng.random() < 0.05:
                events.append({"event": "cookie_deleted", "cookie": rng.choice(self.names)})
            if "consent_mode" in self.doc and rng.random() < 0.2:
                events.append(self.tag_request())
            if not events:
                events.append(self.cookie_present())
            requests.append((t, events))
        return requests


def case(seed: int, pad: int = 0) -> Case:
    """The generated audit of `seed`; with `pad`, the second file also holds
    that many requests of one more visitor, in its first 20 days, which carry
    only a necessary cookie: enough lines for an audit's periodic look for
    idle visitors to run while files read later still hold early events."""
    rng = random.Random(seed)
    r = rng.random()
    doc = kk_dk() if r < 0.15 else kk_dk(["statistics"]) if r < 0.3 else random_policy(rng)
    grace = rng.choice([0, 0, 0, 1, 60, 3600])
    gen = _Gen(rng, doc, grace)
    n_files = rng.randint(2, 3)
    # (time, generation order, file, line)
    rows: List[Tuple[int, int, int, str]] = []
    first: Dict[str, int] = {}  # visitor -> the file of their first line
    for v in range(rng.randint(4, 30)):
        vid = f"v{seed}-{v}" if rng.random() < 0.9 else f"{v:032x}"
        spread = rng.random() < 0.2
        home = rng.randrange(n_files)
        for t, events in gen.visitor(T0 + rng.randint(0, 60 * DAY)):
            f = rng.randrange(n_files) if spread else home
            for e in events:
                line = json.dumps({"ts": stamp(t, rng), "visitor": vid, **e}, separators=(",", ":"))
                rows.append((t, len(rows), f, line))
                first.setdefault(vid, f)
    for k in range(pad):
        t = T0 + k * 20 * DAY // max(pad, 1)
        line = json.dumps({"ts": stamp(t, rng), "visitor": "pad", "event": "cookie_present", "cookies": ["SESSpad"]}, separators=(",", ":"))
        rows.append((t, len(rows), 1, line))
    files: List[List[Tuple[int, int, str]]] = [[] for _ in range(n_files)]
    for t, order, f, line in sorted(rows):
        files[f].append((t, order, line))
    out = [[line for _, _, line in lines] for lines in files]
    in_order = True
    # A few bad lines.
    for _ in range(rng.choice([0, 0, 1, 2, 4])):
        f = rng.randrange(n_files)
        at = rng.randrange(len(out[f]) + 1)
        near = files[f][min(at, len(files[f]) - 1)][0] if files[f] else T0
        ts = stamp(near, rng)
        kind = rng.randrange(4)
        if kind == 0:
            bad = rng.choice(['{"ts":"' + ts + '","visitor":"x",', "not json", "[1,2,3]"])
        elif kind == 1:
            bad = json.dumps({"ts": ts, "visitor": "vbad", "event": "page_view"})
        elif kind == 2:
            bad = rng.choice([
                json.dumps({"ts": ts, "visitor": "vbad", "event": "decision"}),
                json.dumps({"ts": ts, "visitor": "vbad", "event": "cookie_present"}),
                json.dumps({"ts": ts, "event": "cookie_present", "cookies": ["csrf"]}),
                json.dumps({"visitor": "vbad", "event": "cookie_present", "cookies": ["csrf"]}),
                # A field given twice.
                '{"ts":"' + ts + '","visitor":"vbad","event":"cookie_present","cookies":["csrf"],"cookies":[]}',
            ])  # fmt: skip
        else:
            # Earlier than every event: behind its visitor's previous one (a
            # visitor with an earlier line in this file), and behind the clock.
            mine = [vid for vid, home_file in first.items() if home_file == f]
            if not mine:
                continue
            bad = json.dumps({"ts": stamp(T0 - DAY, rng), "visitor": rng.choice(mine), "event": "cookie_present", "cookies": ["csrf"]})
            at = len(out[f])
        out[f].insert(at, bad)
    if rng.random() < 0.15:
        # A file not quite in time order: two neighbours of different times swapped.
        f = rng.randrange(n_files)
        swaps = [i for i in range(len(files[f]) - 1) if files[f][i][0] != files[f][i + 1][0]]
        if swaps:
            i = rng.choice(swaps)
            j = out[f].index(files[f][i][2])
            if j + 1 < len(out[f]) and out[f][j + 1] == files[f][i + 1][2]:
                out[f][j], out[f][j + 1] = out[f][j + 1], out[f][j]
                in_order = False
    return Case(seed, doc, out, grace, in_order)
