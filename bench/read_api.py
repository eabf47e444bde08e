"""Read-path benchmark: the daemon managing a simulated 100 servers x 10 OSDs (separate process),
GET cluster list, OSD list and pool list, beside a bare Tornado JSON handler in the same run.

    python bench/read_api.py [--servers 100] [--osds-per-server 10] [--seconds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.httpload import run_load  # noqa: E402

PASSWORD = "bench-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list, ready_prefix: str, stderr=subprocess.DEVNULL) -> tuple[subprocess.Popen, str]:
    """Start `cmd` and wait for its line starting with `ready_prefix`; stderr: where its log goes."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True)
    for line in proc.stdout:
        if line.startswith(ready_prefix):
            return proc, line
    raise RuntimeError(f"{cmd[1]} exited before it was ready")


def login(base: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/api/v2/auth/login")
    xsrf = next(c.value for c in jar if c.name == "XSRF-TOKEN")
    req = urllib.request.Request(base + "/api/v2/auth/login", method="POST",
                                 data=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
                                 headers={"Content-Type": "application/json", "X-XSRF-TOKEN": xsrf})
    opener.open(req)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def get_json(base: str, path: str, cookie: str):
    req = urllib.request.Request(base + path, headers={"Cookie": cookie})
    with urllib.request.urlopen(req) as response:
        return json.loads(response.read())


def wait_for_osds(base: str, cookie: str, expected: int, timeout_s: float = 120.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            clusters = get_json(base, "/api/v2/cluster", cookie)
            if clusters:
                fsid = clusters[0]["id"]
                if len(get_json(base, f"/api/v2/cluster/{fsid}/osd", cookie)) == expected:
                    return fsid
        except OSError:
            pass
        time.sleep(0.5)  # a benchmark's set-up wait, not a test
    raise TimeoutError(f"the cluster did not show {expected} OSDs")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--osds-per-server", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    procs = []
    with tempfile.TemporaryDirectory() as data_dir:
        try:
            daemon, ready = start([sys.executable, "run.py", "--no-sim", "--http-port", "0", "--bus-endpoint",
                                   "tcp://127.0.0.1:0", "--data-dir", data_dir, "--admin-password", PASSWORD,
                                   "--auto-accept", "--log-level", "WARNING"], "READY ")
            procs.append(daemon)
            parts = dict(p.split("=", 1) for p in ready.split()[1:])
            base, bus = parts["http"], parts["bus"]
            sim, _ = start([sys.executable, "run.py", "sim", "--connect", bus, "--server-key", parts["key"],
                            "--servers", str(args.servers),
                            "--osds-per-server", str(args.osds_per_server)], "simulated fleet")
            procs.append(sim)
            bare_port = free_port()
            bare, _ = start([sys.executable, "bench/bare_tornado.py", str(bare_port)], "READY")
            procs.append(bare)
            cookie = login(base)
            fsid = wait_for_osds(base, cookie, args.servers * args.osds_per_server)
            print(f"fleet: {args.servers} servers x {args.osds_per_server} OSDs; {args.connections} connections, "
                  f"{args.seconds:.0f} s per figure, {os.cpu_count()} cores")
            reference = run_load(f"http://127.0.0.1:{bare_port}/bare", seconds=args.seconds,
                                 connections=args.connections)
            print(reference.line("bare Tornado JSON handler"))
            for label, path in (("GET cluster list", "/api/v2/cluster"),
                                ("GET osd list", f"/api/v2/cluster/{fsid}/osd"),
                                ("GET pool list", f"/api/v2/cluster/{fsid}/pool")):
                result = run_load(base + path, seconds=args.seconds, connections=args.connections, cookie=cookie)
                print(result.line(label) + f"   ratio to bare {result.rate / reference.rate:5.2f}")
        finally:
            for proc in reversed(procs):
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
