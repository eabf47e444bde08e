"""What the benchmarks that run the daemon beside simulated fleets share (soak.py, fleet.py).

The daemon runs as `run.py --no-sim --auto-accept`, its own process. Each fleet runs as a child
process (this file run as a script), so its agents do not share the daemon's GIL, and is driven
over stdin/stdout, one line each way:

    FLEET READY <agents>     printed once every agent's socket is open
    stats                 -> the minions' counters summed, as one JSON object
    dark                  -> OK, after which no agent sends anything (no beats, no results)
    anything else / EOF      stops the fleet

Several fleet processes make distinct clusters by taking disjoint ranges of cluster indexes
(`--first-cluster`): a simulated cluster's fsid and host names derive from its index.

    sent   = what the agents' sockets accepted: heartbeats + cluster heartbeats + job results
    unsent = what an agent could not hand to its socket (send queue full, send error)
    lost   = unsent + (sent - the bus's `delivered`)
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.read_api import PASSWORD, start  # noqa: E402

SENT = ("heartbeats_sent", "cluster_heartbeats_sent", "results_sent")
UNSENT = ("send_dropped", "send_errors")


# the fleet's process ------------------------------------------------------------------------------

def fleet_child(args) -> int:
    """Runs the fleet; answers lines on stdin: `stats` (summed minion counters as JSON), `dark`."""
    from bus.protocol import tune_gc_for_large_messages
    from sim.fleet import SimFleet
    tune_gc_for_large_messages()   # as run.py does: this process builds and packs whole maps
    fleet = SimFleet(args.connect, server_key=args.server_key, clusters=args.clusters,
                     servers=args.servers, osds_per_server=args.osds_per_server,
                     heartbeat_s=args.heartbeat_s, first_cluster=args.first_cluster)
    fleet.start()
    print(f"FLEET READY {len(fleet.backends)}", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "dark":
            for backend in fleet.backends.values():
                backend.dark = True
            print("OK", flush=True)
        elif command == "stats":
            print(json.dumps(summed(minion.stats for minion in fleet.host.minions)), flush=True)
        else:
            break
    fleet.stop()
    return 0


def summed(counters) -> dict[str, int]:
    totals: dict[str, int] = {}
    for one in counters:
        for key, value in one.items():
            totals[key] = totals.get(key, 0) + value
    return totals


def spawn_fleet(bus: str, server_key: str, *, clusters: int, servers: int, osds_per_server: int,
                heartbeat_s: float, first_cluster: int = 0, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    """A fleet child of `clusters` clusters from index `first_cluster`; see wait_fleet_ready."""
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--connect", bus, f"--server-key={server_key}",
         "--clusters", str(clusters), "--first-cluster", str(first_cluster), "--servers", str(servers),
         "--osds-per-server", str(osds_per_server), "--heartbeat-s", str(heartbeat_s)],
        cwd=ROOT, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)


def wait_fleet_ready(fleet: subprocess.Popen) -> int:
    """Blocks until the child's agents are connecting; their number."""
    line = fleet.stdout.readline()
    if not line.startswith("FLEET READY"):
        raise RuntimeError("the fleet exited before it was ready")
    return int(line.split()[2])


def ask_fleet(fleet, command: str, timeout_s: float = 30.0) -> str:
    fleet.stdin.write(command + "\n")
    fleet.stdin.flush()
    return read_answer(fleet, command, timeout_s)


def read_answer(fleet, command: str, timeout_s: float) -> str:
    ready, _, _ = select.select([fleet.stdout], [], [], timeout_s)
    if not ready:
        raise TimeoutError(f"the fleet did not answer {command!r}")
    return fleet.stdout.readline().strip()


def ask_fleets(fleets: list, command: str, timeout_s: float = 30.0) -> list[str]:
    """Every fleet is told first, then every answer read: `dark` falls on all at nearly once."""
    for fleet in fleets:
        fleet.stdin.write(command + "\n")
        fleet.stdin.flush()
    return [read_answer(fleet, command, timeout_s) for fleet in fleets]


def fleet_stats(fleets: list) -> dict[str, int]:
    return summed(json.loads(answer) for answer in ask_fleets(fleets, "stats"))


# the daemon --------------------------------------------------------------------------------------

def start_daemon(data_dir: str, heartbeat_s: float, extra: list | tuple = (),
                 stderr=subprocess.DEVNULL) -> tuple[subprocess.Popen, dict]:
    """The daemon without its own simulator, accepting every agent key; (process, {http, bus, key})."""
    # --metrics-port 0: the default 9283 is one port for every daemon a bench (or a test) runs at once
    daemon, ready = start([sys.executable, "run.py", "--no-sim", "--http-port", "0", "--metrics-port", "0", "--bus-endpoint",
                           "tcp://127.0.0.1:0", "--data-dir", data_dir, "--admin-password", PASSWORD,
                           "--auto-accept", "--log-level", "WARNING", "--heartbeat-s", str(heartbeat_s),
                           *extra], "READY ", stderr=stderr)
    return daemon, dict(p.split("=", 1) for p in ready.split()[1:])


def stop_all(procs: list) -> None:
    """SIGTERM, newest first (fleets before the daemon they talk to); kill what does not stop."""
    for proc in reversed(procs):
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except Exception:  # noqa: BLE001 - make sure nothing outlives the benchmark
            proc.kill()


def proc_status(pid: int, field: str) -> int:
    """A number from /proc/PID/status, e.g. VmRSS (KiB) or Threads."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def rss_kib(pid: int) -> int:
    return proc_status(pid, "VmRSS")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far, from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()   # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# the API -----------------------------------------------------------------------------------------

class Api:
    """One keep-alive connection: a sample measures the daemon, not TCP set-up."""

    def __init__(self, base: str, cookie: str):
        self.host, self.cookie = urlsplit(base).netloc, cookie
        self.conn = http.client.HTTPConnection(self.host, timeout=30)

    def get(self, path: str) -> tuple[float, object]:
        """(ms, decoded body). A connection the daemon closed while idle (its HTTP idle timeout,
        60 s by default: as long as a measuring window) is replaced and the GET sent again."""
        for retry in (False, True):
            started = time.perf_counter()
            try:
                self.conn.request("GET", "/api/v2/" + path, headers={"Cookie": self.cookie})
                response = self.conn.getresponse()
                body = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, timeout=30)
                if retry or not isinstance(exc, (ConnectionResetError, BrokenPipeError)):
                    raise
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
        return elapsed_ms, json.loads(body)


def wait_managed(api: Api, agents: int, clusters: int, timeout_s: float, *,
                 osds_per_cluster: int | None = None, poll_s: float = 1.0,
                 progress: Callable[[str], None] | None = None) -> float:
    """Seconds until every agent is managed and every cluster's OSD map has arrived: its OSD
    list answers, with `osds_per_cluster` OSDs when given. OSD lists are asked for only once
    every server is in, and a cluster found complete is not asked again; the pause between polls
    grows with what a poll costs (the server list of 10,000 servers is ~12 MB): polling must not
    become the load it waits out."""
    started = time.monotonic()
    managed, complete = 0, set()
    while time.monotonic() - started < timeout_s:
        poll_started = time.monotonic()
        try:
            managed = sum(1 for s in api.get("server")[1] if s.get("managed"))
            fsids = [c["id"] for c in api.get("cluster")[1]]
            if managed >= agents and len(fsids) >= clusters:
                complete |= {f for f in fsids if f not in complete and osd_map_in(api, f, osds_per_cluster)}
                if len(complete) >= clusters:
                    return time.monotonic() - started
            if progress:
                progress(f"{time.monotonic() - started:6.0f} s: {managed} of {agents} servers managed, "
                         f"{len(fsids)} of {clusters} clusters listed, {len(complete)} OSD maps complete")
        except (OSError, RuntimeError, http.client.HTTPException):
            pass
        # a benchmark's set-up wait, not a test; at most ~20% of the time spent polling
        time.sleep(max(poll_s, 4 * (time.monotonic() - poll_started)))
    raise TimeoutError(f"only {managed} of {agents} agents managed, {len(complete)} of {clusters} "
                       f"OSD maps complete after {timeout_s:.0f} s")


def osd_map_in(api: Api, fsid: str, expected: int | None) -> bool:
    osds = api.get(f"cluster/{fsid}/osd")[1]
    return expected is None or len(osds) >= expected


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def lost_messages(totals: dict, bus: dict) -> tuple[int, int, int]:
    """(sent, unsent, lost) from the fleets' summed counters and the daemon's bus counters."""
    sent = sum(totals.get(k, 0) for k in SENT)
    unsent = sum(totals.get(k, 0) for k in UNSENT)
    return sent, unsent, unsent + sent - bus["delivered"]


def main() -> int:
    parser = argparse.ArgumentParser(description="a simulated fleet driven over stdin (see the docstring)")
    parser.add_argument("--connect", required=True, help="the daemon's bus endpoint")
    parser.add_argument("--server-key", required=True, help="the daemon's bus public key (z85)")
    parser.add_argument("--clusters", type=int, required=True, help="clusters in this process")
    parser.add_argument("--first-cluster", type=int, default=0,
                        help="index of the first cluster (fsids and host names derive from it)")
    parser.add_argument("--servers", type=int, required=True, help="servers per cluster")
    parser.add_argument("--osds-per-server", type=int, required=True, help="OSDs on each server")
    parser.add_argument("--heartbeat-s", type=float, default=10.0, help="agents' heartbeat period")
    return fleet_child(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
