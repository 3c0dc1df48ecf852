"""TC strings from Python: ``samtykke.tcf.decode_many`` in batch against the
``iab-tcf`` package from PyPI, string by string (SPEC §16: ≥ 100x).

The strings are public test vectors (their sources are cited in
tests/tests/it/tcf.rs): a TC string of four segments with 434 allowed and
disclosed vendors each, one with 772 + 280 vendors in bit fields, one with
vendor ranges and a restriction, and two short ones; the list repeats them in a
seeded random order. Both sides decode every string completely: ``iab-tcf``
builds its vendor maps, samtykke its columns with one list of ints per vendor
set. ``samtykke.tcf.decode`` called string by string is timed beside them, for
scale. Figures are medians of the rounds, in thread CPU time
(``CLOCK_THREAD_CPUTIME_ID``) and wall time; the ratio is of CPU time.

Run from the repository root after ``scripts/test-python`` has installed the
release wheel in ``.venv``, with ``iab-tcf`` installed beside it
(``.venv/bin/pip install -r benches/python/requirements-bench.txt``):

    .venv/bin/python benches/python/bench_tcf.py [--strings N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from typing import Callable, List, Tuple

import iab_tcf  # type: ignore[import-untyped]

import samtykke
from samtykke import tcf

VECTORS = [
    # IABTechLab/iabgpp-java @ 044ac66d, TcfEuV2Test.java testDecode3.
    "CPcqBNJPcqBNJNwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.YAAAAAAAAAA.QGLtV_T9fb2vj-_Z99_tkeYwf95y3p-wzhheMs-8NyZeH_B4Wv2MyvBX4JiQKGRgksjLBAQdtHGlcTQgBwIlViTLMYk2MjzNKJrJEilsbO2dYGD9Pn8HT3ZCY70-vv__7v3ff_3g.IGLtV_T9fb2vj-_Z99_tkeYwf95y3p-wzhheMs-8NyZeH_B4Wv2MyvBX4JiQKGRgksjLBAQdtHGlcTQgBwIlViTLMYk2MjzNKJrJEilsbO2dYGD9Pn8HT3ZCY70-vv__7v3ff_3g",
    # testDecode4.
    "CPi8wgAPi8wgAAOACBENCuCoAP_AAEfAACiQJHNd_H__bX9n-f7_6ft0eY1f9_r37uQzDhfNk-8F3L_W_LwX_2E7NF36tq4KmR4ku1LBIUNtHMnUDUmxaokVrzHsak2cpzNKJ_BkknsZe2dYGF9vm5tj-QKZ7_5_d3f52T_9_9v-39z33913v3d93-_13LjdV5_9H_v9fR_b8_Kf9_5-_4v8_____3_e______8AEEggCTDVuIAuxLHAm0DCKBECMKwkKoFABBQDC0QGADg4KdlYBPrCBAAgFAEYEQIcAUYEAgAAAgCQiACQIsEAAAIgEAAIAEQiEABAwCCgAsDAIAAQDQMUQoABAkIMiAiKUwICIEggJbKhBKC6Q0wgCrLACgkRsFAAiAAAUgACAsHAMESAlYsECTFG-QAjBCgFEqFaAGGgAwABBI4RABgACCRwqADAAEEjgA",
    # testDecode7.
    "COoC-kUOoC-kUAHABAENAwCoAIAAAELAAAwIF5wAoAAgAGAvMACX_ABBAAQAFA",
    # testDecode6.
    "COv_eg6Ov_eg6AOADBENAaCgAP_AAH_AACiQAVEUQQoAIQAqIoghAAQgAA.YAAAAAAAAAAAAAAAAAA",
    # noirotm/iabgpp-rs @ 97b77713, iab_gpp/tests/data/tcfeuv2_core_only.json.
    "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA",
]


def median(f: Callable[[], object], rounds: int) -> Tuple[float, float]:
    f()  # warm up
    wall, cpu = [], []
    for _ in range(rounds):
        c0, w0 = time.thread_time(), time.perf_counter()
        result = f()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.thread_time() - c0)
        del result
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strings", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(2026)
    values: List[str] = [rng.choice(VECTORS) for _ in range(args.strings)]
    n = len(values)

    # Both read the same vendors.
    for v in VECTORS:
        ours = tcf.decode(v)
        theirs = iab_tcf.decode(v)
        consented = getattr(theirs, "consented_vendors", None)
        if consented is not None:
            assert ours.vendor_consents == {k for k, ok in consented.items() if ok}, v

    load = os.getloadavg()
    print(f"TC strings from Python: {n} strings, {args.rounds} rounds; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"  samtykke {samtykke.__version__}; iab-tcf {getattr(iab_tcf, '__version__', '0.2.2')}")
    batch_wall, batch_cpu = median(lambda: tcf.decode_many(values), args.rounds)
    single_wall, single_cpu = median(lambda: [tcf.decode(v) for v in values], args.rounds)
    peer_wall, peer_cpu = median(lambda: [iab_tcf.decode(v) for v in values], max(1, args.rounds // 2))
    per = lambda s: s / n * 1e6  # noqa: E731
    print(f"  samtykke.tcf.decode_many (batch)   {per(batch_cpu):9.2f} us/string CPU  {per(batch_wall):9.2f} wall")
    print(f"  samtykke.tcf.decode (one by one)   {per(single_cpu):9.2f} us/string CPU  {per(single_wall):9.2f} wall")
    print(f"  iab_tcf.decode (one by one)        {per(peer_cpu):9.2f} us/string CPU  {per(peer_wall):9.2f} wall")
    print(f"  ratio iab-tcf / decode_many: {peer_cpu / batch_cpu:.0f}x (target >= 100x)")
    print(f"  ratio iab-tcf / decode:      {peer_cpu / single_cpu:.0f}x")
    print("  per vector (200 copies each; ids = every vendor id a row's columns hold, restrictions' ranges expanded):")
    for v in VECTORS:
        t = tcf.decode(v)
        ids = sum(len(getattr(t, a)) for a in ("vendor_consents", "vendor_li", "disclosed_vendors", "allowed_vendors"))
        ids += sum(len(r[2]) for r in t.publisher_restrictions)
        same = [v] * 200
        _, ours = median(lambda: tcf.decode_many(same), args.rounds)
        _, theirs = median(lambda: [iab_tcf.decode(x) for x in same], max(1, args.rounds // 2))
        print(
            f"    {v[:12]}… {len(v):4} chars {ids:5} ids: decode_many {ours / 200 * 1e6:8.2f} us,"
            f" iab-tcf {theirs / 200 * 1e6:8.2f} us, {theirs / ours:5.0f}x"
        )


if __name__ == "__main__":
    main()
