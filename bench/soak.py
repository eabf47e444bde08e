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
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.fleet_procs import (UNSENT, Api, ask_fleet, lost_messages, p99, rss_kib,  # noqa: E402
                               spawn_fleet, start_daemon, stop_all, wait_fleet_ready, wait_managed)
from bench.read_api import login  # noqa: E402

SERVERS_PER_CLUSTER = 100


def clusters_of(agents: int) -> int:
    return max(1, -(-agents // SERVERS_PER_CLUSTER))


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
    bus = figures["bus"]
    sent, unsent, lost = lost_messages(figures["totals"], bus)
    drops = {k: v for k, v in bus.items() if k.startswith("dropped_") and v}
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
    args = parser.parse_args()
    procs = []
    with tempfile.TemporaryDirectory() as data_dir:
        try:
            retention = (["--event-max-count", "1000", "--request-max-count", "100",
                          "--retention-interval-s", "10"] if args.tiny_retention else [])
            daemon, parts = start_daemon(data_dir, args.heartbeat_s, retention)
            procs.append(daemon)
            clusters = clusters_of(args.agents)
            fleet = spawn_fleet(parts["bus"], parts["key"], clusters=clusters, servers=-(-args.agents // clusters),
                                osds_per_server=args.osds_per_server, heartbeat_s=args.heartbeat_s)
            procs.append(fleet)
            wait_fleet_ready(fleet)
            api = Api(parts["http"], login(parts["http"]))
            managed_after_s = wait_managed(api, args.agents, clusters, timeout_s=600)
            load_start = os.getloadavg()
            at_start = json.loads(ask_fleet(fleet, "stats"))   # set-up losses are told apart
            figures = soak(args, daemon, fleet, api)
            load_end = os.getloadavg()
            ask_fleet(fleet, "dark")
            time.sleep(args.quiet_s)   # in-flight messages arrive; nothing new is produced
            figures["totals"] = json.loads(ask_fleet(fleet, "stats"))
            figures["bus"] = api.get("bus")[1]
            figures["unsent_in_setup"] = sum(at_start.get(k, 0) for k in UNSENT)
            report(args, figures, load_start, load_end, managed_after_s)
        finally:
            stop_all(procs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
