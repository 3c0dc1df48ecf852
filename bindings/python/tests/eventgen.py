"""A small generator of kk.dk consent logs for the Arrow and Spark tests: many
visitors, each with a random script of notices, decisions, cookies, signals and
now and then a bad line, spread over several files so that each file is in
per-visitor order and a visitor's events continue from one file to the next.
Any log will do: the tests compare two ways of auditing the same events."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

# SPEC §8's fields as Arrow columns.
ARROW_EVENT_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("ts", "visitor", "event", "trigger", "action", "control", "set_cookie", "cookie", "signal", "url")]
    + [(name, pa.int64()) for name in ("revision", "notice", "layer", "max_age_s")]
    + [("gpc", pa.bool_())]
    + [(name, pa.list_(pa.string())) for name in ("controls", "preselected", "granted", "providers_refused", "categories", "cookies")]
)

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
COOKIES = ["SESSabc", "nmstat", "ad_session_id", "JSESSIONID", "AWSELBCORS", "_ga", "kk_consent"]
ACTIONS = ["accept_all", "reject_all", "save", "withdraw", "dismiss", "scroll", "implied"]


def stamp(t: datetime, rng: random.Random) -> str:
    """RFC 3339, with `Z` or an offset."""
    if rng.random() < 0.2:
        return t.astimezone(timezone(timedelta(hours=2))).isoformat()
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def visitor_events(v: int, rng: random.Random) -> List[Dict[str, Any]]:
    t = T0 + timedelta(seconds=rng.randrange(0, 30 * 86_400))
    out: List[Dict[str, Any]] = []
    for _ in range(rng.randrange(2, 14)):
        t += timedelta(seconds=rng.choice([0, 1, 5, 60, 3600, 86_400, 40 * 86_400]))
        e: Dict[str, Any] = {"ts": stamp(t, rng), "visitor": f"v{v:05d}"}
        kind = rng.random()
        if kind < 0.15:
            e.update(event="notice_shown", controls=rng.choice([["accept_all", "reject_all"], ["accept_all"]]))
            if rng.random() < 0.1:
                e["preselected"] = ["statistics"]
        elif kind < 0.4:
            action = rng.choice(ACTIONS)
            e.update(event="decision", action=action)
            if action in ("save", "implied", "dismiss"):
                e["granted"] = rng.sample(["functional", "statistics"], rng.randrange(0, 3))
            if action == "withdraw" and rng.random() < 0.5:
                e["categories"] = ["statistics"]
        elif kind < 0.6:
            name = rng.choice(COOKIES)
            if rng.random() < 0.5:
                e.update(event="cookie_set", set_cookie=f"{name}=1; Max-Age={rng.choice([0, 3600, 86_400 * 400])}")
            else:
                e.update(event="cookie_set", cookie=name, max_age_s=rng.choice([60, 86_400]))
        elif kind < 0.9:
            e.update(event="cookie_present", cookies=rng.sample(COOKIES, rng.randrange(1, 4)))
        elif kind < 0.96:
            e.update(event="signal", signal="gpc")
        else:
            # A row at fault: an unknown action, or a missing field.
            e.update(event="decision", action=rng.choice(["maybe", None]))
            if e["action"] is None:
                del e["action"]
        out.append(e)
    return out


def write_logs(folder: Path, visitors: int, files: int = 3, seed: int = 7) -> List[Path]:
    """Writes `files` JSON-lines logs named so that they sort in their order
    (`part-0.jsonl`, …): each visitor's events split into consecutive runs over
    the files, visitors interleaved within each file."""
    rng = random.Random(seed)
    parts: List[List[Dict[str, Any]]] = [[] for _ in range(files)]
    for v in range(visitors):
        events = visitor_events(v, rng)
        cuts = sorted(rng.randrange(0, len(events) + 1) for _ in range(files - 1))
        bounds = [0, *cuts, len(events)]
        for k in range(files):
            parts[k].extend(events[bounds[k] : bounds[k + 1]])
    paths = []
    for k, part in enumerate(parts):
        # Visitors interleaved: each file sorted by time, stable per visitor.
        part.sort(key=lambda e: datetime.fromisoformat(e["ts"].replace("Z", "+00:00")))
        p = folder / f"part-{k}.jsonl"
        p.write_text("".join(json.dumps(e) + "\n" for e in part), encoding="utf-8")
        paths.append(p)
    return paths
