"""The consent-log audit from Python against the command line on the same file.

SPEC §12 asks that ``samtykke.audit(FILE, policy)`` take at most 1.1 times what
``samtykke audit FILE --policy P --format json`` takes. This script generates a
kk.dk log with the repository's generator (``samtykke-loggen``: 2 million
events of about 150 bytes, 100,000 visitors, one violation injected every 100
events) into ``target/bench/``, builds the release command line, and in each
of five alternating rounds times the command (a process of its own, its JSON
report to /dev/null) and then ``samtykke.audit`` in this process on the same
file (the policy loaded once, outside the clock). Both use the same options:
reading and parsing on a second thread when the machine has a second core, the
rules on the calling thread. Figures are medians; the ratio is of the medians.
For scale it also times ``samtykke.audit`` with the violations made into
dicts, and ``audit_lines`` over the file's lines already in a list.

Run from the repository root after ``scripts/test-python`` has installed the
release wheel in ``.venv``:

    .venv/bin/python benches/python/bench_audit.py [--events N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, List

import samtykke

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "target" / "bench"


def run(*args: str) -> None:
    subprocess.run(args, cwd=ROOT, check=True)


def generate(events: int) -> tuple[Path, Path]:
    log = OUT / f"audit-{events}.jsonl"
    policy = OUT / "audit.policy.json"
    if not log.exists() or not policy.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        run("cargo", "build", "--quiet", "--release", "-p", "samtykke-benches", "--bin", "samtykke-loggen")
        run(
            str(ROOT / "target" / "release" / "samtykke-loggen"),
            "--events", str(events),
            "--visitors", str(max(1, events // 20)),
            "--inject-every", "100",
            "--out", str(log),
            "--policy-out", str(policy),
        )  # fmt: skip
    return log, policy


def timed(f: Callable[[], object]) -> float:
    start = time.perf_counter()
    result = f()
    elapsed = time.perf_counter() - start
    del result
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    log, policy_path = generate(args.events)
    run("cargo", "build", "--quiet", "--release", "-p", "samtykke-cli")
    binary = ROOT / "target" / "release" / "samtykke"
    command = [str(binary), "audit", str(log), "--policy", str(policy_path), "--format", "json"]
    policy = samtykke.Policy.load(policy_path)
    lines = log.read_text(encoding="utf-8").splitlines()
    size = log.stat().st_size

    def cli() -> object:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Exit 1: violations found (they are injected), nothing else.
        assert done.returncode == 1, done.stderr
        return None

    def python() -> object:
        return samtykke.audit(log, policy)

    def python_dicts() -> object:
        return samtykke.audit(log, policy).violations

    def python_lines() -> object:
        return samtykke.audit_lines(lines, policy)

    report = python()
    assert isinstance(report, samtykke.AuditReport)
    print(
        f"log: {log.relative_to(ROOT)}, {len(lines):,} lines, {size / 1e6:.0f} MB; "
        f"{report.summary['events']:,} events, {report.summary['visitors']:,} visitors, "
        f"{len(report.violations):,} violations, {len(report.input_errors)} input errors"
    )
    print(f"threads: {min(os.cpu_count() or 1, 2)} (the command line's default, and samtykke.audit's)")
    cli()  # warm the page cache and the binary
    samples: Dict[str, List[float]] = {"cli": [], "audit": [], "audit+dicts": [], "audit_lines": []}
    for _ in range(args.rounds):
        samples["cli"].append(timed(cli))
        samples["audit"].append(timed(python))
        samples["audit+dicts"].append(timed(python_dicts))
        samples["audit_lines"].append(timed(python_lines))
    med = {k: statistics.median(v) for k, v in samples.items()}
    events = report.summary["lines"]
    for name, label in [
        ("cli", "samtykke audit --format json (release binary, own process)"),
        ("audit", "samtykke.audit(FILE, policy)"),
        ("audit+dicts", "samtykke.audit(FILE, policy).violations (dicts made)"),
        ("audit_lines", "samtykke.audit_lines(list of str, policy)"),
    ]:
        spread = f"{min(samples[name]):.3f}-{max(samples[name]):.3f}"
        print(f"{label:<58} median {med[name]:.3f} s ({spread}), {events / med[name] / 1e6:.2f} M events/s")
    ratio = med["audit"] / med["cli"]
    print(f"samtykke.audit / command line: {ratio:.3f}x (target <= 1.1x)")
    print(f"with the violations as dicts: {med['audit+dicts'] / med['cli']:.3f}x")


if __name__ == "__main__":
    main()
