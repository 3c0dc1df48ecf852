"""Batch decoding of consent cookies from Python against the same work in Rust.

SPEC §12 asks that ``Policy.decode_cookies`` (cookies into columns) cost within
1.5x of the Rust loop doing the same. This script makes a list of signed kk.dk
consent cookies with the package itself (mostly decided visitors of every kind,
some undecided, one in a hundred garbage), writes it to
``target/bench/cookies.txt``, and in each of five rounds runs the Rust loop
(``cargo bench -p samtykke-benches --bench decode_columns -- FILE``) and then
times the Python call on the same list; figures are medians, the ratio is of
the medians over the rounds. Both sides build their consent-id column with the
same routine (``ConsentId::hex``, one string per row). Each side is timed in
wall time and in its thread's CPU time (``CLOCK_THREAD_CPUTIME_ID``); the
ratio is taken of CPU time, which leaves out the time spent waiting for a
core when other work shares the machine (both sides run on one thread). A
loop of ``decode_cookie`` calls is timed beside them, for scale.

Run from the repository root after ``scripts/test-python`` has installed the
release wheel in ``.venv``:

    .venv/bin/python benches/python/bench_decode.py [--cookies N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

import samtykke

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "kk.dk.policy.json"
# The key the Rust counterpart verifies with.
KEY = b"kk.dk consent-cookie key, 32 b.!"
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def make_cookies(policy: samtykke.Policy, n: int) -> List[str]:
    rng = random.Random(2026)
    consent = policy.consent_categories
    out = []
    for _ in range(n):
        at = T0 + timedelta(seconds=rng.randrange(365 * 86_400))
        state = policy.new_state(rng.getrandbits(128))
        roll = rng.randrange(100)
        if roll == 0:
            out.append("v1.not-a-consent-cookie")
            continue
        if roll <= 30:
            state = state.accept_all(at)
        elif roll <= 55:
            state = state.reject_all(at)
        elif roll <= 80:
            state = state.save([c for c in consent if rng.random() < 0.5], at, control="toggle")
        elif roll <= 95:
            state = state.accept_all(at).withdraw(at + timedelta(days=3), control="link")
        out.append(state.to_cookie(KEY))
    return out


def median_seconds(f: Callable[[], object], runs: int) -> Tuple[float, float]:
    """The median wall and thread-CPU seconds of a call; the result is freed
    after the clock stops, as the Rust loop's columns are."""
    f()  # warm up
    wall, cpu = [], []
    for _ in range(runs):
        start_cpu = time.thread_time()
        start = time.perf_counter()
        result = f()
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
        del result
    return statistics.median(wall), statistics.median(cpu)


def rust_ns_per_cookie(cookie_file: Path) -> Tuple[float, float, float]:
    done = subprocess.run(
        ["cargo", "bench", "--quiet", "-p", "samtykke-benches", "--bench", "decode_columns", "--", str(cookie_file)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = {}
    for line in done.stdout.splitlines():
        if line.startswith("decode_columns_"):
            key, value = line.split()
            figures[key] = float(value)
    if "decode_columns_ns_per_cookie" in figures and "decode_columns_cpu_ns_per_cookie" in figures:
        return (
            figures["decode_columns_ns_per_cookie"],
            figures["decode_columns_cpu_ns_per_cookie"],
            # The loop as it was, its consent ids through Display: for comparison.
            figures.get("decode_columns_display_cpu_ns_per_cookie", float("nan")),
        )
    raise RuntimeError(f"no figure in the Rust benchmark's output:\n{done.stdout}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cookies", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    policy = samtykke.Policy.load(POLICY)
    values = make_cookies(policy, args.cookies)
    cookie_file = ROOT / "target" / "bench" / "cookies.txt"
    cookie_file.parent.mkdir(parents=True, exist_ok=True)
    cookie_file.write_text("\n".join(values) + "\n", encoding="ascii")
    n = len(values)

    columns = policy.decode_cookies(values, KEY)
    errors = sum(e is not None for e in columns["error"])
    print(f"decode into columns: {n} signed kk.dk cookies ({errors} errors), {args.rounds} rounds")
    print(f"  samtykke {samtykke.__version__}, wheel at {Path(samtykke.__file__).parent}")

    rust: List[Tuple[float, float, float]] = []
    python: List[Tuple[float, float]] = []
    loop: List[Tuple[float, float]] = []
    sample = [v for v in values[:10_000] if v[3] != "n"]
    for r in range(args.rounds):
        rust.append(rust_ns_per_cookie(cookie_file))
        wall, cpu = median_seconds(lambda: policy.decode_cookies(values, KEY), 21)
        python.append((wall / n * 1e9, cpu / n * 1e9))
        wall, cpu = median_seconds(lambda: [policy.decode_cookie(v, KEY) for v in sample], 5)
        loop.append((wall / len(sample) * 1e9, cpu / len(sample) * 1e9))
        print(
            f"  round {r + 1}: Rust loop {rust[-1][1]:6.1f} ns/cookie CPU ({rust[-1][0]:6.1f} wall), "
            f"decode_cookies {python[-1][1]:6.1f} CPU ({python[-1][0]:6.1f} wall)"
        )

    def med(samples: Sequence[Tuple[float, ...]], i: int) -> float:
        return statistics.median(s[i] for s in samples)

    rs, py, lp = med(rust, 1), med(python, 1), med(loop, 1)
    rs_wall, py_wall, lp_wall = med(rust, 0), med(python, 0), med(loop, 0)
    print("  medians, ns/cookie                              CPU      wall")
    print(f"  Rust loop (cargo bench decode_columns)        {rs:7.1f}  {rs_wall:7.1f}")
    print(f"  Python policy.decode_cookies(values, key)     {py:7.1f}  {py_wall:7.1f}")
    print(f"  Python loop of policy.decode_cookie(v, key)   {lp:7.1f}  {lp_wall:7.1f} (for scale)")
    print(f"  Rust loop with consent ids through Display    {med(rust, 2):7.1f}           (the loop before)")
    print(f"  ratio decode_cookies / Rust loop: {py / rs:.2f}x CPU (target <= 1.5x), {py_wall / rs_wall:.2f}x wall")
    print(f"  against the loop before (Display): {py / med(rust, 2):.2f}x CPU")


if __name__ == "__main__":
    main()
