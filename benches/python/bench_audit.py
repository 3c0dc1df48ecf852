"""The consent-log audit from Python against the command line on the same file.

SPEC §12 asks that ``samtykke.audit(FILE, policy)`` take at most 1.1 times what
``samtykke audit FILE --policy P --format json`` takes. This script generates a
kk.dk log with the repository's generator (``samtykke-loggen``: 2 million
events of about 150 bytes, 100,000 visitors, one violation injected every 100
events) into ``target/bench/``, builds the release command line, and in each
of seven alternating rounds times the command (a process of its own, its JSON
report to /dev/null) and then ``samtykke.audit`` in this process on the same
file. The Python side is timed as a user pays for it: the policy loaded from
its file (``samtykke.Policy.load``) and the findings made into Python dicts
(``report.violations`` and ``report.input_errors``, built on first access),
both inside the clock, since the command loads the policy and writes every
finding in its JSON report inside its own. Both use the same options: reading
and parsing on a second thread when the machine has a second core, the rules
on the calling thread. Figures are medians, in wall time and in CPU time (the
command's from ``RUSAGE_CHILDREN``, this process's from ``process_time``, all
threads each), which leaves out the time spent waiting for a core when other
work shares the machine; the ratio is of the medians. For comparison it also
times ``samtykke.audit`` alone, the policy loaded before and no dicts made (the
figure this benchmark used to give), and ``audit_lines`` over the file's lines
already in a list.

Run from the repository root after ``scripts/test-python`` has installed the
release wheel in ``.venv``:

    .venv/bin/python benches/python/bench_audit.py [--events N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(f: Callable[[], object]) -> Tuple[float, float]:
    """Wall seconds and CPU seconds (this process's threads and its children's)."""
    cpu = time.process_time() + children_cpu()
    start = time.perf_counter()
    result = f()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() + children_cpu() - cpu
    del result
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=7)
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
        # What a user pays: the policy from its file, the audit, every finding as dicts.
        report = samtykke.audit(log, samtykke.Policy.load(policy_path))
        return report.violations, report.input_errors

    def python_bare() -> object:
        # The earlier figure: the policy loaded outside the clock, no dicts made.
        return samtykke.audit(log, policy)

    def python_lines() -> object:
        return samtykke.audit_lines(lines, policy)

    report = python_bare()
    assert isinstance(report, samtykke.AuditReport)
    print(
        f"log: {log.relative_to(ROOT)}, {len(lines):,} lines, {size / 1e6:.0f} MB; "
        f"{report.summary['events']:,} events, {report.summary['visitors']:,} visitors, "
        f"{len(report.violations):,} violations, {len(report.input_errors)} input errors"
    )
    print(f"threads: {min(os.cpu_count() or 1, 2)} (the command line's default, and samtykke.audit's)")
    cli()  # warm the page cache and the binary
    samples: Dict[str, List[Tuple[float, float]]] = {"cli": [], "audit": [], "bare": [], "audit_lines": []}
    for _ in range(args.rounds):
        samples["cli"].append(timed(cli))
        samples["audit"].append(timed(python))
        samples["bare"].append(timed(python_bare))
        samples["audit_lines"].append(timed(python_lines))
    wall = {k: statistics.median(s[0] for s in v) for k, v in samples.items()}
    cpu = {k: statistics.median(s[1] for s in v) for k, v in samples.items()}
    events = report.summary["lines"]
    for name, label in [
        ("cli", "samtykke audit --format json (release binary, own process)"),
        ("audit", "Policy.load + samtykke.audit + violations, input_errors as dicts"),
        ("bare", "samtykke.audit(FILE, policy), policy loaded before, no dicts"),
        ("audit_lines", "samtykke.audit_lines(list of str, policy)"),
    ]:
        walls = [s[0] for s in samples[name]]
        spread = f"{min(walls):.3f}-{max(walls):.3f}"
        print(
            f"{label:<66} median {wall[name]:.3f} s wall ({spread}), {cpu[name]:.3f} s CPU, "
            f"{events / wall[name] / 1e6:.2f} M events/s"
        )
    print(
        f"Python as a user pays for it / command line: {wall['audit'] / wall['cli']:.3f}x wall, "
        f"{cpu['audit'] / cpu['cli']:.3f}x CPU (target <= 1.1x)"
    )
    print(
        f"samtykke.audit alone (the earlier figure) / command line: {wall['bare'] / wall['cli']:.3f}x wall, "
        f"{cpu['bare'] / cpu['cli']:.3f}x CPU"
    )


if __name__ == "__main__":
    main()
