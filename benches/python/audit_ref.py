#!/usr/bin/env python3
"""A straightforward pure-Python auditor of samtykke consent logs (SPEC §8).

The reference the Rust audit is measured against (SPEC §12: the Rust audit is
to be at least 30 times faster). It implements the same rules the plain way:
`json.loads` per line, a dict per visitor, sets of categories, and the consent
state machine of SPEC §4 written out again. Plain python3, no dependencies.

    python3 benches/python/audit_ref.py --policy POLICY.json LOG [LOG...]

prints the report as SPEC §9's JSON document (messages are shorter than the
Rust audit's) and exits 0 clean, 1 violations, 2 input errors.
"""

import argparse
import email.utils
import json
import re
import sys
from datetime import datetime

DAY = 86_400
IDS = [
    "cookie-before-consent", "cookie-after-refusal", "cookie-after-withdrawal",
    "signal-ignored", "cookie-on-expired-consent", "cookie-on-outdated-consent",
    "implied-consent", "preselected-consent", "consent-without-notice",
    "no-reject-option", "reprompt-too-soon", "undeclared-cookie",
    "duration-exceeds-declaration",
]
INVALID_ACTIONS = {"dismiss", "scroll", "navigate", "idle", "implied"}
ACTIONS = {"accept_all", "reject_all", "save", "withdraw"} | INVALID_ACTIONS
MAX_LINE = 1 << 20


def duration_seconds(d):
    if d == "session":
        return None
    (unit, n), = d.items()
    return n * {"seconds": 1, "hours": 3600, "days": DAY}[unit]


class Policy:
    def __init__(self, doc):
        self.revision = doc["revision"]
        self.notice_version = doc.get("notice_version", 1)
        self.consent_ttl = doc["consent_ttl_days"] * DAY
        self.refusal_ttl = doc.get("refusal_ttl_days", doc["consent_ttl_days"]) * DAY
        self.longest = max(self.consent_ttl, self.refusal_ttl)
        self.consent_cookie = doc["consent_cookie"]["name"]
        self.categories = [c["id"] for c in doc["categories"]]
        self.consent = [c["id"] for c in doc["categories"] if c["basis"] == "consent"]
        self.changed = {c["id"]: c.get("changed_in_revision", 1) for c in doc["categories"]}
        self.gpc = set(doc.get("gpc_refuses", []))
        self.providers = {p["id"]: p["name"] for p in doc["providers"]}
        self.exact = {}
        self.globs = []
        for i, d in enumerate(doc["storage"]):
            if d["kind"] != "cookie":
                continue
            entry = (d["category"], d["provider"], duration_seconds(d["duration"]))
            name = d["name"]
            if "*" in name or "?" in name:
                prefix = re.split(r"[*?]", name, maxsplit=1)[0]
                pattern = "".join(
                    ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in name
                )
                self.globs.append((-len(prefix), i, re.compile(pattern + r"\Z", re.S), entry))
            else:
                self.exact.setdefault(name, entry)
        self.globs.sort(key=lambda g: (g[0], g[1]))

    def lookup(self, name):
        if name in self.exact:
            return self.exact[name]
        for _, _, rx, entry in self.globs:
            if rx.match(name):
                return entry
        return None


class Visitor:
    def __init__(self):
        self.granted = set()
        self.refused = set()
        self.withdrawn = set()
        self.signalled = set()
        self.providers_refused = set()
        self.decided_at = 0
        self.decided_rev = 0
        self.partial_at = 0
        self.partial_rev = 0
        self.action = None
        self.gpc = False
        self.last = None
        self.signal_at = None
        self.notices = {}


def status(p, v, cat, now):
    if cat in v.granted:
        rev, held, lapse = v.decided_rev, "granted", v.decided_at + p.consent_ttl
    elif cat in v.refused:
        rev, held, lapse = v.decided_rev, "refused", v.decided_at + p.refusal_ttl
    elif cat in v.withdrawn:
        rev, held, lapse = v.partial_rev, "withdrawn", v.partial_at + p.refusal_ttl
    elif cat in v.signalled:
        rev, held, lapse = v.partial_rev, "signal", v.partial_at + p.refusal_ttl
    else:
        return "undecided"
    if now >= lapse:
        return "expired"
    if rev < p.changed[cat]:
        return "outdated"
    return held


def mark_partial(v, cats, signal, at, rev):
    if not cats:
        return
    had = bool(v.withdrawn or v.signalled)
    for s in (v.granted, v.refused, v.withdrawn, v.signalled):
        s -= cats
    (v.signalled if signal else v.withdrawn).update(cats)
    if had:
        v.partial_at = max(v.partial_at, at)
        v.partial_rev = max(v.partial_rev, rev)
    else:
        v.partial_at, v.partial_rev = at, rev


def parse_ts(text):
    t = datetime.fromisoformat(text)
    if t.tzinfo is None:
        raise ValueError("no time zone")
    return int(t.timestamp()) if t.microsecond == 0 else int(t.replace(microsecond=0).timestamp())


def parse_set_cookie(header, now):
    parts = header.split(";")
    name, eq, _ = parts[0].partition("=")
    name = name.strip(" \t")
    if not eq or not name:
        raise ValueError("bad Set-Cookie")
    max_age = expires = None
    for attr in parts[1:]:
        key, _, val = attr.partition("=")
        key, val = key.strip(" \t").lower(), val.strip(" \t")
        if key == "max-age":
            max_age = int(val)
        elif key == "expires":
            expires = int(email.utils.parsedate_to_datetime(val).timestamp())
    if max_age is not None:
        return name, max_age <= 0, max(max_age, 0)
    if expires is not None:
        return name, expires <= now, max(expires - now, 0)
    return name, False, None


class Audit:
    def __init__(self, policy):
        self.p = policy
        self.visitors = {}
        self.violations = []
        self.errors = []
        self.by_id = dict.fromkeys(IDS, 0)
        self.events = self.lines = self.files = self.visitor_count = 0

    def violation(self, file, line, rec, vid, cookie, category, message):
        self.by_id[vid] += 1
        self.violations.append({
            "id": vid, "file": file, "line": line, "visitor": rec["visitor"], "ts": rec["ts"],
            "cookie": cookie, "category": category, "message": message,
        })

    def error(self, file, line, message):
        self.errors.append({"file": file, "line": line, "message": message})

    def run(self, path):
        self.files += 1
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                raw = raw.rstrip(b"\r\n")
                if not raw.strip():
                    continue
                self.lines += 1
                if len(raw) > MAX_LINE:
                    self.error(path, number, "line over 1 MiB")
                    continue
                try:
                    rec = json.loads(raw)
                    if not isinstance(rec, dict):
                        raise ValueError("not a JSON object")
                    self.apply(path, number, rec)
                except (ValueError, KeyError, TypeError) as e:
                    self.error(path, number, str(e))

    def categories(self, names):
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise TypeError("expected an array of strings")
        for n in names:
            if n not in self.p.categories:
                raise ValueError(f"unknown category {n!r}")
        return set(names)

    def apply(self, file, number, rec):
        p = self.p
        if not isinstance(rec.get("ts"), str) or not isinstance(rec.get("visitor"), str):
            raise KeyError("ts and visitor")
        now = parse_ts(rec["ts"])
        event = rec["event"]
        v = self.visitors.get(rec["visitor"])
        if v is not None and now < v.last:
            raise ValueError("earlier than the visitor's previous event")
        if v is None or now - v.last > p.longest:
            v = Visitor()
            self.visitors[rec["visitor"]] = v
            self.visitor_count += 1
        if event == "notice_shown":
            self.notice(file, number, rec, v, now)
        elif event == "decision":
            self.decision(file, number, rec, v, now)
        elif event == "cookie_set":
            if "set_cookie" in rec:
                name, deletion, lifetime = parse_set_cookie(rec["set_cookie"], now)
            else:
                name, age = rec["cookie"], rec.get("max_age_s")
                deletion, lifetime = age is not None and age <= 0, age
            if not deletion:
                self.cookie(file, number, rec, v, now, name, True, lifetime)
        elif event == "cookie_present":
            seen = set()
            for name in rec["cookies"]:
                if name not in seen:
                    seen.add(name)
                    self.cookie(file, number, rec, v, now, name, False, None)
        elif event == "cookie_deleted":
            rec["cookie"]
        elif event == "signal":
            if rec["signal"] != "gpc":
                raise ValueError("signal must be gpc")
            which = set()
            for cat in p.gpc:
                s = status(p, v, cat, now)
                if (s == "granted" and v.gpc) or s in ("refused", "withdrawn", "signal"):
                    continue
                which.add(cat)
            mark_partial(v, which, True, now, p.revision)
            v.signal_at = now
        else:
            raise ValueError(f"unknown event {event!r}")
        v.last = now
        self.events += 1

    def notice(self, file, number, rec, v, now):
        p = self.p
        revision = rec.get("revision", p.revision)
        pre = [c for c in p.consent if c in self.categories(rec.get("preselected", []))]
        if pre:
            self.violation(file, number, rec, "preselected-consent", None, pre[0], "preselected")
        controls = rec.get("controls", [])
        if "accept_all" in controls and "reject_all" not in controls:
            self.violation(file, number, rec, "no-reject-option", None, None, "no reject_all")
        if rec.get("trigger", "auto") == "auto":
            statuses = [(c, status(p, v, c, now)) for c in p.consent]
            if not any(s in ("undecided", "expired", "outdated") for _, s in statuses):
                refused = [c for c, s in statuses if s in ("refused", "withdrawn", "signal")]
                if refused:
                    self.violation(file, number, rec, "reprompt-too-soon", None, refused[0],
                                   "auto notice while a refusal stands")
        v.notices[revision] = now

    def decision(self, file, number, rec, v, now):
        p = self.p
        action = rec["action"]
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        granted = self.categories(rec.get("granted", []))
        revision = rec.get("revision", p.revision)
        if action in INVALID_ACTIONS:
            listed = [c for c in p.consent if c in granted]
            if listed:
                self.violation(file, number, rec, "implied-consent", None, listed[0], "implied")
            return
        if action == "withdraw":
            cats = self.categories(rec["categories"]) if "categories" in rec else set(p.consent)
            mark_partial(v, cats & set(p.consent), False, now, revision)
            return
        chosen = {"accept_all": set(p.consent), "reject_all": set()}.get(action, granted)
        v.granted = chosen & set(p.consent)
        v.refused = set(p.consent) - v.granted
        v.withdrawn, v.signalled = set(), set()
        v.providers_refused = set(rec.get("providers_refused", [])) if action == "save" else set()
        v.decided_at, v.decided_rev = now, revision
        v.partial_at = v.partial_rev = 0
        v.action = action
        v.gpc = bool(rec.get("gpc", False)) or (
            v.signal_at is not None and now - v.signal_at <= p.longest)
        if v.granted:
            shown = v.notices.get(revision)
            if shown is None or now - shown > p.longest:
                self.violation(file, number, rec, "consent-without-notice", None, None,
                               "grant with no notice")

    def cookie(self, file, number, rec, v, now, name, is_set, lifetime):
        p = self.p
        if name == p.consent_cookie:
            if is_set and lifetime is not None and lifetime > p.longest:
                self.violation(file, number, rec, "duration-exceeds-declaration", name,
                               "necessary", "over the declared duration")
            return
        d = p.lookup(name)
        if d is None:
            self.violation(file, number, rec, "undeclared-cookie", name, None, "undeclared")
            return
        category, provider, declared = d
        if is_set and lifetime is not None and (declared is None or lifetime > declared):
            self.violation(file, number, rec, "duration-exceeds-declaration", name, category,
                           "over the declared duration")
        if category not in p.consent:
            return
        s = status(p, v, category, now)
        if s == "granted":
            if provider in v.providers_refused:
                self.violation(file, number, rec, "cookie-after-refusal", name, category,
                               "provider refused")
            return
        granted = category in v.granted
        if s == "undecided" or (s in ("expired", "outdated") and not granted):
            vid = "cookie-before-consent"
        elif s == "expired":
            vid = "cookie-on-expired-consent"
        elif s == "outdated":
            vid = "cookie-on-outdated-consent"
        elif s == "refused":
            vid = "cookie-after-refusal"
        elif s == "withdrawn":
            if now - v.partial_at <= self.grace:
                return
            vid = "cookie-after-withdrawal"
        else:
            vid = "signal-ignored"
        self.violation(file, number, rec, vid, name, category, s)

    grace = 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--policy", required=True)
    ap.add_argument("--grace-seconds", type=int, default=0)
    ap.add_argument("--cpu-time", action="store_true",
                    help="print the audit's CPU seconds to standard error")
    args = ap.parse_args()
    import time
    start = time.process_time()
    with open(args.policy, encoding="utf-8") as f:
        audit = Audit(Policy(json.load(f)))
    audit.grace = args.grace_seconds
    for log in args.logs:
        audit.run(log)
    if args.cpu_time:
        print(f"cpu_seconds {time.process_time() - start:.3f}", file=sys.stderr)
    json.dump({
        "violations": audit.violations,
        "input_errors": audit.errors,
        "summary": {"events": audit.events, "visitors": audit.visitor_count,
                    "violations_by_id": audit.by_id, "files": audit.files,
                    "lines": audit.lines, "violations": len(audit.violations),
                    "input_errors": len(audit.errors)},
    }, sys.stdout)
    sys.stdout.write("\n")
    sys.exit(2 if audit.errors else 1 if audit.violations else 0)


if __name__ == "__main__":
    main()
