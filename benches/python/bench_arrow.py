"""Arrow, Parquet and Spark figures of SPEC §17 (issue 13).

1. Batch decode through Arrow: ``policy.decode_cookies(pyarrow.array(cookies))``
   and ``pyarrow.table()`` of the result, against the Rust loop doing the same
   (``cargo bench -p samtykke-benches --bench decode_columns``), the cookies of
   ``bench_decode.py``; CPU time of the calling thread, medians; target ≤ 1.5×.
2. The audit of an Arrow table in memory (``samtykke.audit(table, policy)``,
   the table read from Parquet before the clock starts) against ``samtykke audit
   FILE.jsonl --format json`` on the same events (own process, CPU time from
   ``RUSAGE_CHILDREN``); both on every core; target ≤ 1.2×. The command line on
   the Parquet file is timed beside them.
3. ``samtykke.spark.audit`` in Spark local[2] against the command line on the
   same events (wall time: Spark's work is in other processes; the better of two
   runs), the events read by Spark from Parquet, results collected as counts.

The events are ``samtykke-loggen``'s kk.dk log (as ``bench_audit.py``), written
to ``target/bench/``. Run from the repository root after
``scripts/test-python``:

    .venv/bin/python benches/python/bench_arrow.py [--events N] [--rounds R] [--no-spark]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable, List, Tuple

import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq

import samtykke

import bench_decode

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "target" / "bench"
# --no-build: use target/release's samtykke and samtykke-loggen as they are.
NO_BUILD = False


def cli_seconds(args: List[str]) -> Tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def py_seconds(f: Callable[[], Any]) -> Tuple[float, float]:
    start_cpu = time.process_time()
    start = time.perf_counter()
    f()
    return time.perf_counter() - start, time.process_time() - start_cpu


def ensure_log(events: int) -> Tuple[Path, Path, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"audit-{events}.jsonl"
    policy = OUT / "loggen-policy.json"
    if not log.exists() or not policy.exists():
        loggen = ROOT / "target" / "release" / "samtykke-loggen"
        run = [str(loggen)] if NO_BUILD else ["cargo", "run", "--quiet", "--release", "-p", "samtykke-benches", "--bin", "samtykke-loggen", "--"]
        subprocess.run(
            [*run,
             "--events", str(events), "--visitors", str(events // 20), "--inject-every", "100",
             "--out", str(log), "--policy-out", str(policy)],
            cwd=ROOT, check=True,
        )
    parquet = OUT / f"audit-{events}.parquet"
    if not parquet.exists():
        # pyarrow's JSON reader; every list column as list<string>.
        schema = pa.schema(
            [(name, pa.string()) for name in ("ts", "visitor", "event", "trigger", "action", "control",
                                              "set_cookie", "cookie", "signal", "url")]
            + [(name, pa.int64()) for name in ("revision", "notice", "layer", "max_age_s")]
            + [("gpc", pa.bool_())]
            + [(name, pa.list_(pa.string())) for name in ("controls", "preselected", "granted",
                                                           "providers_refused", "categories", "cookies")]
        )
        table = pj.read_json(log, parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))
        # Each event's file and line, which Spark sorts a visitor's events by.
        table = table.append_column("file", pa.array([str(log)] * table.num_rows)).append_column(
            "line", pa.array(range(1, table.num_rows + 1), pa.int64())
        )
        pq.write_table(table, parquet, row_group_size=64 * 1024)
    return log, policy, parquet


def decode(rounds: int) -> None:
    policy = samtykke.Policy.load(bench_decode.POLICY)
    values = bench_decode.make_cookies(policy, 100_000)
    cookie_file = OUT / "cookies.txt"
    cookie_file.write_text("\n".join(values) + "\n", encoding="ascii")
    arrow = pa.array(values, pa.string())
    n = len(values)
    rust, through = [], []
    for _ in range(rounds):
        rust.append(bench_decode.rust_ns_per_cookie(cookie_file)[1])
        _, cpu = bench_decode.median_seconds(lambda: pa.table(policy.decode_cookies(arrow, bench_decode.KEY)), 21)
        through.append(cpu / n * 1e9)
    r, a = statistics.median(rust), statistics.median(through)
    print(f"decode, {n} cookies: Rust loop {r:.1f} ns/cookie CPU; Arrow in and out {a:.1f}; ratio {a / r:.2f}x (target <= 1.5x)")


def audit(log: Path, policy_path: Path, parquet: Path, rounds: int) -> None:
    cli = ROOT / "target" / "release" / "samtykke"
    if not NO_BUILD:
        subprocess.run(["cargo", "build", "--quiet", "--release", "--locked", "-p", "samtykke-cli"], cwd=ROOT, check=True)
    policy = samtykke.Policy.load(policy_path)
    # Without the file and line columns: the rows are numbered as the lines.
    table = pq.read_table(parquet).drop_columns(["file", "line"])
    n = table.num_rows
    rows = {"cli jsonl": [], "cli parquet": [], "arrow table": []}
    for _ in range(rounds):
        rows["cli jsonl"].append(cli_seconds([str(cli), "audit", str(log), "--policy", str(policy_path), "--format", "json"]))
        rows["cli parquet"].append(cli_seconds([str(cli), "audit", str(parquet), "--policy", str(policy_path), "--format", "json"]))
        rows["arrow table"].append(py_seconds(lambda: samtykke.audit(table, policy).violations))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
    for k, (w, c) in med.items():
        print(f"audit {n} events, {k:12s}: wall {w:.3f} s, CPU {c:.3f} s, {n / w / 1e6:.2f} M events/s")
    print(
        f"  arrow table / cli jsonl: {med['arrow table'][1] / med['cli jsonl'][1]:.2f}x CPU, "
        f"{med['arrow table'][0] / med['cli jsonl'][0]:.2f}x wall (target <= 1.2x)"
    )


def spark(log: Path, policy_path: Path, parquet: Path) -> None:
    # pyspark warns about pandas 3; its Arrow path used here does not use pandas.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    from pyspark.sql import SparkSession

    import samtykke.spark

    cli = ROOT / "target" / "release" / "samtykke"
    # The workers run this interpreter, which has the wheel.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    policy = samtykke.Policy.load(policy_path)
    df = session.read.parquet(str(parquet))
    n = df.count()
    times = []
    for _ in range(2):
        # The audit persists its findings: forget them, so each run audits.
        session.catalog.clearCache()
        start = time.perf_counter()
        violations, errors = samtykke.spark.audit(df, policy)
        counts = (violations.count(), errors.count())
        times.append(time.perf_counter() - start)
    wall = min(times)
    cli_wall, _ = cli_seconds([str(cli), "audit", str(log), "--policy", str(policy_path), "--format", "json"])
    print(f"spark local[2], {n} events: {wall:.2f} s wall ({counts[0]} violations, {counts[1]} input errors); "
          f"cli {cli_wall:.2f} s; overhead {wall / cli_wall:.1f}x (runs: {', '.join(f'{t:.2f}' for t in times)} s)")
    session.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--no-build", action="store_true", help="use target/release's binaries as built")
    parser.add_argument("--only", choices=["decode", "audit", "spark"])
    args = parser.parse_args()
    global NO_BUILD
    NO_BUILD = args.no_build
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    log, policy, parquet = ensure_log(args.events)
    if args.only in (None, "decode"):
        decode(args.rounds)
    if args.only in (None, "audit"):
        audit(log, policy, parquet, args.rounds)
    if args.only in (None, "spark") and not args.no_spark:
        spark(log, policy, parquet)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
