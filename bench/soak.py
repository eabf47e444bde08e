"""Soak: does the daemon's memory stay flat, and is no heartbeat lost, over a long run?

    python bench/soak.py --minutes N [--agents 1000] [--heartbeat-s 1] [--tiny-retention]

Starts the daemon (`run.py --no-sim --auto-accept`, its own process) and a simulated fleet of
`--agents` servers (100 per cluster, the first three of each run mons) in a second process.
Once every agent is listed as managed it samples the daemon's VmRSS (/proc/PID/status) and
times a few GETs every `--sample-s`. At the end the fleet goes silent (backend `dark`: no beats,
no results), and after `--quiet-s` the fleet's and the bus's counters are compared:

    sent     = what the agents' sockets accepted: heartbeats + cluster heartbeats + job results
    unsent   = what an agent could not hand to its socket (send queue full, send error)
    received = the daemon's bus `received`; delivered = its `delivered` (passed the key gate,
               the flood guard and decoding, handed to the dispatcher)
    lost     = unsent + (sent - delivered): every message an agent produced that the daemon's
               actors never got. It must be 0.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.read_api import PASSWORD, login, start  # noqa: E402

SERVERS_PER_CLUSTER = 100
SENT = ("heartbeats_sent", "cluster_heartbeats_sent", "results_sent")
UNSENT = ("send_dropped", "send_errors")


def clusters_of(agents: int) -> int:
    return max(1, -(-agents // SERVERS_PER_CLUSTER))


# the fleet's process ------------------------------------------------------------------------------

def fleet_child(args) -> int:
    """Runs the fleet; answers lines on stdin: `stats` (summed minion counters as JSON), `dark`."""
    from sim.fleet import SimFleet
    clusters = clusters_of(args.agents)
    fleet = SimFleet(args.connect, server_key=args.server_key, clusters=clusters,
                     servers=-(-args.agents // clusters), osds_per_server=args.osds_per_server,
                     heartbeat_s=args.heartbeat_s)
    fleet.start()
    print(f"FLEET READY {len(fleet.backends)}", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "dark":
            for backend in fleet.backends.values():
                backend.dark = True
            print("OK", flush=True)
        elif command == "stats":
            totals: dict[str, int] = {}
            for minion in fleet.host.minions:
                for key, value in minion.stats.items():
                    totals[key] = totals.get(key, 0) + value
            print(json.dumps(totals), flush=True)
        else:
            break
    fleet.stop()
    return 0


# the measuring side -------------------------------------------------------------------------------

def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class Api:
    """One keep-alive connection: a sample measures the daemon, not TCP set-up."""

    def __init__(self, base: str, cookie: str):
        self.host, self.cookie = urlsplit(base).netloc, cookie
        self.conn = http.client.HTTPConnection(self.host, timeout=30)

    def get(self, path: str) -> tuple[float, object]:
        started = time.perf_counter()
        try:
            self.conn.request("GET", "/api/v2/" + path, headers={"Cookie": self.cookie})
            response = self.conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, timeout=30)
            raise
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
        return elapsed_ms, json.loads(body)


def ask_fleet(fleet, command: str, timeout_s: float = 30.0) -> str:
    fleet.stdin.write(command + "\n")
    fleet.stdin.flush()
    ready, _, _ = select.select([fleet.stdout], [], [], timeout_s)
    if not ready:
        raise TimeoutError(f"the fleet did not answer {command!r}")
    return fleet.stdout.readline().strip()


def wait_managed(api: Api, agents: int, clusters: int, timeout_s: float) -> float:
    """Seconds until every agent is managed and every cluster's OSD map has arrived."""
    started = time.monotonic()
    managed = 0
    while time.monotonic() - started < timeout_s:
        try:
            managed = sum(1 for s in api.get("server")[1] if s.get("managed"))
            fsids = [c["id"] for c in api.get("cluster")[1]]
            if managed >= agents and len(fsids) >= clusters:
                for fsid in fsids:
                    api.get(f"cluster/{fsid}/osd")
                return time.monotonic() - started
        except (OSError, RuntimeError, http.client.HTTPException):
            pass
        time.sleep(1.0)   # a benchmark's set-up wait, not a test
    raise TimeoutError(f"only {managed} of {agents} agents managed (or maps missing) after {timeout_s:.0f} s")


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def soak(args, daemon, fleet, api: Api) -> dict:
    fsid = api.get("cluster")[1][0]["id"]
    paths = {"cluster": "cluster", "server": "server", "osd (1 cluster)": f"cluster/{fsid}/osd",
             "event page": "event?page_size=50"}
    latencies: dict[str, list[float]] = {label: [] for label in paths}
    samples: list[tuple[float, int]] = []
    errors: list[str] = []
    started = time.monotonic()
    end = started + args.minutes * 60
    while True:
        now = time.monotonic()
        samples.append((now - started, rss_kib(daemon.pid)))
        for label, path in paths.items():
            try:
                latencies[label].append(api.get(path)[0])
            except (OSError, RuntimeError, http.client.HTTPException) as exc:
                errors.append(f"{label}: {exc}")
        if now >= end:
            break
        time.sleep(max(0.0, min(args.sample_s, end - time.monotonic())))
    return {"samples": samples, "latencies": latencies, "errors": errors}


def report(args, figures: dict, load_start, load_end, managed_after_s: float) -> None:
    samples = figures["samples"]
    rss = [kib for _, kib in samples]
    half = [kib for t, kib in samples if t >= samples[-1][0] / 2]
    print(f"agents {args.agents} at {args.heartbeat_s:g} s heartbeats, {args.minutes:g} min, "
          f"{os.cpu_count()} cores; all managed after {managed_after_s:.0f} s")
    print(f"load average at start {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}, "
          f"at end {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}")
    print(f"daemon RSS: start {rss[0] / 1024:.1f} MiB, end {rss[-1] / 1024:.1f} MiB, "
          f"max {max(rss) / 1024:.1f} MiB, second half min/max {min(half) / 1024:.1f}/{max(half) / 1024:.1f} MiB "
          f"({len(rss)} samples)")
    for label, values in figures["latencies"].items():
        print(f"GET {label:16} n={len(values):4}  p50 {statistics.median(values):7.2f} ms  "
              f"p99 {p99(values):7.2f} ms  max {max(values):7.2f} ms")
    print(f"GET errors: {len(figures['errors'])} {figures['errors'][:3]}")
    sent, unsent, bus = figures["sent"], figures["unsent"], figures["bus"]
    drops = {k: v for k, v in bus.items() if k.startswith("dropped_") and v}
    lost = unsent + sent - bus["delivered"]
    print(f"messages sent by agents {sent} (+{unsent} unsent), bus received {bus['received']}, "
          f"delivered {bus['delivered']}, drops {drops or 0}, callback errors {bus['callback_errors']}")
    print(f"LOST HEARTBEATS: {lost} (of which unsent before all agents were managed: {figures['unsent_in_setup']})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--heartbeat-s", type=float, default=1.0)
    parser.add_argument("--osds-per-server", type=int, default=2)
    parser.add_argument("--sample-s", type=float, default=5.0)
    parser.add_argument("--quiet-s", type=float, default=15.0)
    parser.add_argument("--tiny-retention", action="store_true",
                        help="keep 1,000 events / 100 requests, pruned every 10 s")
    parser.add_argument("--fleet-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--connect", help=argparse.SUPPRESS)
    parser.add_argument("--server-key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fleet_child:
        return fleet_child(args)
    procs = []
    with tempfile.TemporaryDirectory() as data_dir:
        try:
            retention = (["--event-max-count", "1000", "--request-max-count", "100",
                          "--retention-interval-s", "10"] if args.tiny_retention else [])
            daemon, ready = start([sys.executable, "run.py", "--no-sim", "--http-port", "0", "--bus-endpoint",
                                   "tcp://127.0.0.1:0", "--data-dir", data_dir, "--admin-password", PASSWORD,
                                   "--auto-accept", "--log-level", "WARNING", "--heartbeat-s",
                                   str(args.heartbeat_s), *retention], "READY ")
            procs.append(daemon)
            parts = dict(p.split("=", 1) for p in ready.split()[1:])
            fleet = subprocess.Popen([sys.executable, "bench/soak.py", "--fleet-child", "--connect", parts["bus"],
                                      "--server-key", parts["key"], "--agents", str(args.agents),
                                      "--osds-per-server", str(args.osds_per_server),
                                      "--heartbeat-s", str(args.heartbeat_s)], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            procs.append(fleet)
            if not fleet.stdout.readline().startswith("FLEET READY"):
                raise RuntimeError("the fleet exited before it was ready")
            api = Api(parts["http"], login(parts["http"]))
            managed_after_s = wait_managed(api, args.agents, clusters_of(args.agents), timeout_s=600)
            load_start = os.getloadavg()
            at_start = json.loads(ask_fleet(fleet, "stats"))   # set-up losses are told apart
            figures = soak(args, daemon, fleet, api)
            load_end = os.getloadavg()
            ask_fleet(fleet, "dark")
            time.sleep(args.quiet_s)   # in-flight messages arrive; nothing new is produced
            totals = json.loads(ask_fleet(fleet, "stats"))
            figures["sent"] = sum(totals.get(k, 0) for k in SENT)
            figures["unsent"] = sum(totals.get(k, 0) for k in UNSENT)
            figures["bus"] = api.get("bus")[1]
            figures["unsent_in_setup"] = sum(at_start.get(k, 0) for k in UNSENT)
            report(args, figures, load_start, load_end, managed_after_s)
        finally:
            for proc in reversed(procs):
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except Exception:  # noqa: BLE001 - make sure nothing outlives the benchmark
                    proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
