"""The consent-log audit against what a data team would write in DuckDB SQL.

SPEC §12 ("audit vs peers") asks that ``samtykke audit`` be at least 3 times as
fast as a DuckDB query of the simplest rule alone, on the same file and the same
cores, with the table materialised first. This script generates a kk.dk log
with the repository's generator (``samtykke-loggen``: 2 million events of about
150 bytes, 100,000 visitors, one violation injected every 100 events) into
``target/bench/``, builds the release command line, and then, in each round:

1. DuckDB, ``SET threads TO os.cpu_count()``: ``CREATE TABLE log AS SELECT *
   FROM read_json(...)`` with every field of SPEC §8 given its type (``ts`` as
   TIMESTAMPTZ, lists as VARCHAR[]) -- timed on its own as "materialise";
2. DuckDB: ``SIMPLEST_RULE`` below over that table -- timed on its own as
   "query" (the table already materialised, as the SPEC's target has it);
3. ``samtykke audit FILE --policy P --format json`` (every rule, every core, a
   process of its own, its report to /dev/null; exit code 1 is normal, the log
   has injected violations), and the same with ``--threads 1``.

Figures are medians over the rounds; ratios are of the medians. The policy's
declarations and consent categories are loaded into two small tables once,
outside the clock (a handful of rows). The events/s column counts the log's
lines for every row.

The rule, as SQL (``SIMPLEST_RULE``): every cookie seen -- each name of a
``cookie_present``'s ``cookies``, and the name of a ``cookie_set`` (its
``cookie`` field, else the ``set_cookie`` header before the first ``=``) --
whose name matches a declaration of a consent category (exact names and globs,
the globs translated to ``LIKE``: ``*`` -> ``%``, ``?`` -> ``_``, the literal
``%``, ``_`` and ``\\`` escaped with ``ESCAPE '\\'``), is a violation unless the
visitor's latest decision on that category at or before the cookie's time (an
``ASOF LEFT JOIN`` on visitor and category, ``cookie.ts >= decision.ts``) is a
grant less than ``consent_ttl_days`` old. Decisions are spread over the
consent categories first: ``accept_all`` grants every one, ``save`` grants
those in ``granted`` and refuses the rest, ``reject_all`` refuses every one,
``withdraw`` refuses those in ``categories`` (all when absent) and leaves the
others alone. A ``Set-Cookie`` with ``Max-Age=0`` or negative, or a
``max_age_s`` <= 0, is a deletion and skipped.

What the SQL simplifies, against the audit (SPEC §4, §8): it ignores GPC
signals and a decision's GPC flag (``signal-ignored`` goes unseen), the
category's ``changed_in_revision`` and a decision's revision (no
``cookie-on-outdated-consent``), refused providers, the withdrawal grace (a
cookie in the same second as a withdrawal is reported; the audit lets it be),
``refusal_ttl_days`` (a lapsed refusal and a standing one are both just "no
grant"), ``Expires`` in the past as a deletion, the exact-before-glob and
longest-prefix precedence of declarations (a name is a consent cookie when any
consent-category declaration matches it), the order of same-second events
within the file (a decision in the same second as a cookie counts, even on a
later line), input errors (a ``ts`` without a zone is read in DuckDB's time
zone instead of rejected; a bad line fails the whole load), and every other
rule of §8 (notices, implied consent, undeclared cookies, durations, Consent
Mode). It only counts; it does not say which kind of violation each is. So
its count is set beside the audit's count of consent-category cookie
violations, which it approximates but does not equal.

Run from the repository root with the project's virtual environment (made by
``scripts/test-python``) and DuckDB installed in it
(``.venv/bin/pip install -r benches/python/requirements-bench.txt``):

    .venv/bin/python benches/python/bench_duckdb.py [--events N] [--rounds R] [--command PATH]...

``--command`` names a ``samtykke`` to time instead of building the release
command line (a path, from the current directory); given more than once, each
is timed in every round, each first in turn, so ``--command target/release/samtykke --command target/pgo/samtykke``
sets the plain build beside the profile-guided one (``scripts/pgo``) in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

try:
    import duckdb
except ImportError:
    print("duckdb is not installed in this environment; install it with:", file=sys.stderr)
    print("    .venv/bin/pip install duckdb", file=sys.stderr)
    print("(pinned: .venv/bin/pip install -r benches/python/requirements-bench.txt)", file=sys.stderr)
    sys.exit(2)

# The same generated log as bench_audit.py, made by the same code.
from bench_audit import ROOT, generate, run  # noqa: E402

# Every field of SPEC §8, typed. Keys not listed here would be ignored; a value
# of the wrong type fails the load.
MATERIALISE = """
CREATE OR REPLACE TABLE log AS
SELECT * FROM read_json(
    $file,
    format = 'newline_delimited',
    records = true,
    columns = {
        ts: 'TIMESTAMPTZ',
        visitor: 'VARCHAR',
        event: 'VARCHAR',
        revision: 'BIGINT',
        notice: 'BIGINT',
        layer: 'BIGINT',
        trigger: 'VARCHAR',
        controls: 'VARCHAR[]',
        preselected: 'VARCHAR[]',
        action: 'VARCHAR',
        control: 'VARCHAR',
        granted: 'VARCHAR[]',
        providers_refused: 'VARCHAR[]',
        categories: 'VARCHAR[]',
        gpc: 'BOOLEAN',
        set_cookie: 'VARCHAR',
        cookie: 'VARCHAR',
        max_age_s: 'BIGINT',
        cookies: 'VARCHAR[]',
        signal: 'VARCHAR',
        url: 'VARCHAR'
    }
)
"""

# The simplest rule: a cookie of a consent category with no standing grant.
# Tables: log (above); consent_category(category): the policy's consent
# categories; declaration(pattern, category): its storage names of consent
# categories as LIKE patterns. Parameter: $consent_ttl_days.
SIMPLEST_RULE = r"""
WITH
-- each decision as one row per consent category it decides
decided AS (
    SELECT d.visitor, c.category, d.ts,
           d.action = 'accept_all'
           OR (d.action = 'save' AND list_contains(d.granted, c.category)) AS granted
    FROM log d CROSS JOIN consent_category c
    WHERE d.event = 'decision'
      AND (d.action IN ('accept_all', 'save', 'reject_all')
           OR (d.action = 'withdraw'
               AND (d.categories IS NULL OR list_contains(d.categories, c.category))))
),
-- every cookie seen: the names in a Cookie header, and the names set (deletions skipped)
seen AS (
    SELECT visitor, ts, unnest(cookies) AS name
    FROM log
    WHERE event = 'cookie_present'
    UNION ALL
    SELECT visitor, ts, coalesce(cookie, trim(split_part(set_cookie, '=', 1))) AS name
    FROM log
    WHERE event = 'cookie_set'
      AND NOT coalesce(max_age_s <= 0, false)
      AND NOT coalesce(regexp_matches(set_cookie, '(?i);\s*max-age\s*=\s*(0|-)'), false)
),
-- the cookies of a consent category
consent_cookie AS (
    SELECT s.visitor, s.ts, s.name, k.category
    FROM seen s
    JOIN declaration k ON s.name LIKE k.pattern ESCAPE '\'
)
SELECT count(*) AS violations
FROM consent_cookie c
ASOF LEFT JOIN decided d
    ON d.visitor = c.visitor AND d.category = c.category AND c.ts >= d.ts
WHERE NOT coalesce(d.granted AND c.ts < d.ts + to_days($consent_ttl_days), false)
"""

# The audit's ids for a consent-category cookie without a standing grant.
CONSENT_COOKIE_IDS = (
    "cookie-before-consent",
    "cookie-after-refusal",
    "cookie-after-withdrawal",
    "signal-ignored",
    "cookie-on-expired-consent",
    "cookie-on-outdated-consent",
)


def like_pattern(glob: str) -> str:
    """A declaration's name (exact, or a glob of ``*`` and ``?``) as a LIKE pattern, escape ``\\``."""
    out = []
    for ch in glob:
        if ch in "%_\\":
            out.append("\\" + ch)
        elif ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        else:
            out.append(ch)
    return "".join(out)


def policy_tables(con: "duckdb.DuckDBPyConnection", policy: Dict[str, Any]) -> None:
    consent = [c["id"] for c in policy["categories"] if c.get("basis") == "consent"]
    con.execute("CREATE OR REPLACE TABLE consent_category (category VARCHAR)")
    con.executemany("INSERT INTO consent_category VALUES (?)", [[c] for c in consent])
    con.execute("CREATE OR REPLACE TABLE declaration (name VARCHAR, pattern VARCHAR, category VARCHAR)")
    rows = [
        [s["name"], like_pattern(s["name"]), s["category"]]
        for s in policy["storage"]
        if s.get("kind", "cookie") == "cookie" and s["category"] in consent
    ]
    con.executemany("INSERT INTO declaration VALUES (?, ?, ?)", rows)


def shown(binary: Path) -> str:
    """A command's path, from the repository root where it lies inside it."""
    try:
        return str(binary.relative_to(ROOT))
    except ValueError:
        return str(binary)


def timed(f: Callable[[], object]) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--command",
        action="append",
        type=Path,
        help="a samtykke to time (default: target/release/samtykke, built first); may be repeated",
    )
    args = parser.parse_args()

    cpus = os.cpu_count() or 1
    for b in args.command or []:
        if not (b.is_file() and os.access(b, os.X_OK)):
            parser.error(f"--command {b}: not an executable file")
    log, policy_path = generate(args.events)
    if args.command:
        binaries = [b.resolve() for b in args.command]
    else:
        run("cargo", "build", "--quiet", "--release", "-p", "samtykke-cli")
        binaries = [ROOT / "target" / "release" / "samtykke"]
    commands = [
        [str(b), "audit", str(log), "--policy", str(policy_path), "--format", "json"] for b in binaries
    ]
    command = commands[0]
    policy = json.loads(policy_path.read_text(encoding="utf-8"))
    ttl_days = int(policy["consent_ttl_days"])
    size = log.stat().st_size

    # One audit, its JSON kept, for the counts.
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert done.returncode in (0, 1), done.stderr.decode()
    report = json.loads(done.stdout)
    summary = report["summary"]
    lines = int(summary["lines"])
    by_id: Dict[str, int] = summary.get("violations_by_id") or {}
    if not by_id:
        for v in report["violations"]:
            by_id[v["id"]] = by_id.get(v["id"], 0) + 1
    consent_violations = sum(by_id.get(i, 0) for i in CONSENT_COOKIE_IDS)
    del report, done

    # --threads 1 may not exist in every build: a usage error (exit 2 from the
    # argument parser, nothing audited) skips that row.
    threads_notes: List[Optional[str]] = []
    for c in commands:
        probe = subprocess.run(c + ["--threads", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        note: Optional[str] = None
        if probe.returncode not in (0, 1):
            first = probe.stderr.decode(errors="replace").strip().splitlines()
            note = f"exit {probe.returncode}: {first[0] if first else 'no message'}"
        threads_notes.append(note)

    con = duckdb.connect()
    con.execute(f"SET threads TO {cpus}")
    policy_tables(con, policy)

    def materialise() -> None:
        con.execute(MATERIALISE, {"file": str(log)})

    duck_count: List[int] = []

    def query() -> None:
        row = con.execute(SIMPLEST_RULE, {"consent_ttl_days": ttl_days}).fetchone()
        assert row is not None
        duck_count.append(int(row[0]))

    def cli(cmd: List[str]) -> Callable[[], None]:
        def go() -> None:
            done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # Exit 1: violations found (they are injected); 0: none. Anything else is a failure.
            assert done.returncode in (0, 1), done.stderr.decode()

        return go

    # Warm the page cache, the binary and DuckDB once, outside the clock.
    materialise()
    query()
    table_rows = con.execute("SELECT count(*) FROM log").fetchone()[0]  # type: ignore[index]

    samples: Dict[str, List[float]] = {"mat": [], "query": []}
    for i in range(len(commands)):
        samples[f"cli{i}"] = []
        samples[f"one{i}"] = []
    for r in range(args.rounds):
        samples["mat"].append(timed(materialise))
        samples["query"].append(timed(query))
        # Each build first in turn, so that none always follows DuckDB.
        for k in range(len(commands)):
            i = (r + k) % len(commands)
            c = commands[i]
            samples[f"cli{i}"].append(timed(cli(c)))
            if threads_notes[i] is None:
                samples[f"one{i}"].append(timed(cli(c + ["--threads", "1"])))
    med = {k: statistics.median(v) for k, v in samples.items() if v}
    both = [m + q for m, q in zip(samples["mat"], samples["query"])]
    med["both"] = statistics.median(both)
    assert len(set(duck_count)) == 1, duck_count

    load = os.getloadavg()
    print(f"machine: {cpus} CPUs (os.cpu_count), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"duckdb {duckdb.__version__}, threads {cpus}; samtykke {', '.join(shown(b) for b in binaries)}")
    print(
        f"log: {log.relative_to(ROOT)}, {lines:,} lines, {size / 1e6:.0f} MB, "
        f"{summary['visitors']:,} visitors; table log: {table_rows:,} rows; {args.rounds} rounds"
    )
    print(
        f"consent-category cookie violations: DuckDB simplest rule {duck_count[0]:,}; "
        f"samtykke audit {consent_violations:,} "
        f"({', '.join(f'{i} {by_id.get(i, 0)}' for i in CONSENT_COOKIE_IDS)}) "
        f"of {summary['violations']:,} violations in all"
    )
    print()
    print("| what | median s | events/s |")
    print("|---|---:|---:|")

    def row(label: str, key: str) -> None:
        print(f"| {label} | {med[key]:.3f} | {lines / med[key] / 1e6:.2f} M |")

    row("DuckDB materialise (`CREATE TABLE log AS SELECT * FROM read_json(...)`)", "mat")
    row("DuckDB simplest rule query (table already materialised)", "query")
    row("DuckDB materialise + query", "both")
    for i, b in enumerate(binaries):
        name = shown(b)
        row(f"samtykke audit (all rules, all cores: {cpus}), {name}", f"cli{i}")
        if threads_notes[i] is None:
            row(f"samtykke audit --threads 1, {name}", f"one{i}")
        else:
            print(f"| samtykke audit --threads 1, {name} | skipped: {threads_notes[i]} | |")
    print()
    for i, b in enumerate(binaries):
        print(
            f"samtykke (all rules, {shown(b)}) vs DuckDB query alone: {med['query'] / med[f'cli{i}']:.2f}×; "
            f"vs materialise + query: {med['both'] / med[f'cli{i}']:.2f}× "
            f"(SPEC target ≥ 3× against the query with the table materialised first)"
        )


if __name__ == "__main__":
    main()
