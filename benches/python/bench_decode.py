"""Batch decoding of consent cookies from Python against the same work in Rust.

SPEC §12 asks that ``Policy.decode_cookies`` (cookies into columns) cost within
1.5x of the Rust loop doing the same. This script makes a list of signed kk.dk
consent cookies with the package itself (mostly decided visitors of every kind,
some undecided, one in a hundred garbage), writes it to
``target/bench/cookies.txt``, and in each of five rounds runs the Rust loop
(``cargo bench -p samtykke-benches --bench decode_columns -- FILE``) and then
times the Python call on the same list; figures are medians, the ratio is of
the medians over the rounds. A loop of ``decode_cookie`` calls is timed beside
them, for scale.

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
from typing import Callable, List

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


def median_seconds(f: Callable[[], object], runs: int) -> float:
    """The median time of a call; the result is freed after the clock stops, as
    the Rust loop's columns are."""
    f()  # warm up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = f()
        samples.append(time.perf_counter() - start)
        del result
    return statistics.median(samples)


def rust_ns_per_cookie(cookie_file: Path) -> float:
    done = subprocess.run(
        ["cargo", "bench", "--quiet", "-p", "samtykke-benches", "--bench", "decode_columns", "--", str(cookie_file)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("decode_columns_ns_per_cookie "):
            return float(line.split()[1])
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

    rust, python, loop = [], [], []
    for r in range(args.rounds):
        rust.append(rust_ns_per_cookie(cookie_file))
        python.append(median_seconds(lambda: policy.decode_cookies(values, KEY), 21) / n * 1e9)
        loop.append(median_seconds(lambda: [policy.decode_cookie(v, KEY) for v in values[:10_000] if v[3] != "n"], 5) / 10_000 * 1e9)
        print(f"  round {r + 1}: Rust loop {rust[-1]:6.1f} ns/cookie, decode_cookies {python[-1]:6.1f} ns/cookie")
    rs, py, lp = statistics.median(rust), statistics.median(python), statistics.median(loop)
    print(f"  Rust loop (cargo bench decode_columns)        {rs:7.1f} ns/cookie")
    print(f"  Python policy.decode_cookies(values, key)     {py:7.1f} ns/cookie")
    print(f"  Python loop of policy.decode_cookie(v, key)   {lp:7.1f} ns/cookie (for scale)")
    print(f"  ratio decode_cookies / Rust loop: {py / rs:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
