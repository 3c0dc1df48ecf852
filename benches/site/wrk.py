#!/usr/bin/env python3
"""The example site under wrk on loopback, with and without the consent layer,
same handler (SPEC §15's numbers): requests per second, latency, and the
server's CPU time per request (utime + stime from /proc, divided by the
requests wrk completed), which is what the layer adds whatever else the machine
is doing. Runs alternate (without, with, without, with, ...) so both see the
same load; medians are reported.

usage: benches/site/wrk.py [--seconds S] [--rounds N] [--connections C]
Build the site first (cargo build --release -p samtykke-site); wrk comes from
Debian (apt-get install -y wrk), as cms/wordpress/bench installs it.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SITE = os.path.join(ROOT, "target", "release", "samtykke-site")
POLICY = os.path.join(ROOT, "examples", "kk.dk.policy.json")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """The process's (user, system) CPU seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICKS, int(fields[12]) / TICKS


def start(tmp, without_layer, log=True):
    port = free_port()
    key = os.path.join(tmp, "site.key")
    with open(key, "w") as f:
        f.write("the benchmark's site key, 32 bytes or more")
    args = [SITE, "--threads", "1", "--addr", f"127.0.0.1:{port}", "--policy", POLICY,
            "--log", os.path.join(tmp, f"log-{port}.jsonl"), "--key-file", key]
    if without_layer:
        args.append("--without-layer")
    if not log:
        args.append("--no-log")
    # The server on the first core, wrk on the second: neither steals the
    # other's CPU, so the server's CPU time per request is its own work.
    p = subprocess.Popen(["taskset", "-c", "0"] + args, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/cookies").read()
            return p, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the site did not start")


def accepted_cookie(port):
    """A returning visitor who accepted all: the Cookie header a browser sends."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/consent", data=b"action=accept_all", method="POST",
        headers={"Origin": f"http://127.0.0.1:{port}"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(req)
    except urllib.error.HTTPError as e:
        consent = e.headers.get("Set-Cookie").split(";")[0]
    return f"SESS0123456789abcdef0123456789abcd=0123; {consent}; nmstat=1a2b3c4d; JSESSIONID=9f8e7d"


def wrk(port, seconds, connections, cookie):
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(f"http://127.0.0.1:{port}/")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1, "ms": 1000, "s": 1_000_000}[p50.group(2)]
    return total, rps, float(p50.group(1)) * scale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    a = ap.parse_args()
    if not os.path.exists(SITE):
        raise SystemExit(f"{SITE} is missing: run cargo build --release -p samtykke-site first")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for rnd in range(a.rounds):
            for name, without, returning, log in [
                    ("without the layer", True, True, True),
                    ("layer, no log, returning visitor", False, True, False),
                    ("layer, no log, new visitors", False, False, False),
                    ("layer + JSONL log, returning visitor", False, True, True),
                    ("layer + JSONL log, new visitors", False, False, True)]:
                p, port = start(tmp, without, log)
                try:
                    cookie = accepted_cookie(port) if returning and not without else (
                        "SESS0123456789abcdef0123456789abcd=0123; nmstat=1a2b3c4d; JSESSIONID=9f8e7d"
                        if returning else "")
                    u0, s0 = cpu_seconds(p.pid)
                    total, rps, p50 = wrk(port, a.seconds, a.connections, cookie)
                    u1, s1 = cpu_seconds(p.pid)
                    cpu_us = (u1 - u0) / total * 1e6
                    sys_us = (s1 - s0) / total * 1e6
                finally:
                    p.send_signal(signal.SIGINT)
                    p.wait()
                results.setdefault(name, []).append((rps, p50, cpu_us, sys_us))
                print(f"round {rnd + 1}: {name:<36} {rps:9.0f} req/s  p50 {p50:6.0f} µs  "
                      f"server user CPU {cpu_us:5.2f} µs/request, system {sys_us:5.2f}", flush=True)
        print(f"\nmedians of {a.rounds} rounds, server (one worker thread) on core 0, wrk -t1 -c{a.connections} on core 1, -d{a.seconds}s on loopback:")
        base = None
        for name, rows in results.items():
            rps = statistics.median(r[0] for r in rows)
            p50 = statistics.median(r[1] for r in rows)
            cpu = statistics.median(r[2] for r in rows)
            sys_ = statistics.median(r[3] for r in rows)
            line = (f"  {name:<36} {rps:9.0f} req/s  p50 {p50:6.0f} µs  "
                    f"server user CPU {cpu:5.2f} µs/request, system {sys_:5.2f}")
            if base is None:
                base = (rps, cpu)
            else:
                line += f"  ({(1 - rps / base[0]) * 100:+.1f}% throughput lost, +{cpu - base[1]:.2f} µs user CPU)"
            print(line)


if __name__ == "__main__":
    main()
