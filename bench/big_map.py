"""A big OSD map arriving: how soon is it visible, and do other clusters' reads stall meanwhile?

    python bench/big_map.py [--servers 100] [--osds-per-server 100] [--changes 10]

Issue 7's goal: "OSD map of 10,000 OSDs arriving: applied and visible within 1 s, without
stalling other clusters' reads". The daemon (`run.py --no-sim --auto-accept`, its own process)
manages two simulated clusters run by a child process: a big one (servers x OSDs) and a small one
(3 servers x 4 OSDs). Their mon hosts watch for changes every 50 ms, like the real agent.

Each change: the child marks one OSD of the big cluster out (or back in) directly in the
simulated cluster, which makes a new OSD map epoch, and prints the time. The bench then polls
`GET cluster/<big>/osd/<id>` every 5 ms until the new state shows: "visible" is that time minus
the change time, so it includes the watch (<= 50 ms), the cluster heartbeat, the fetch of the
whole map from the agent (msgpack, several MB), applying it and the first read of it.

The child also notes when the big cluster's agent finished building each OSD map answer, so the
bench prints a second figure: answer built → visible, i.e. the map "arriving" (packing and
sending it, the daemon decoding and applying it, the first read) without the simulator's own
time to make a 10,000-OSD map.

Meanwhile a reader thread GETs the small cluster's OSD list over one keep-alive connection
without pause; its latencies inside the change windows are printed beside those outside them.
"""
from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.read_api import PASSWORD, free_port, get_json, login, start  # noqa: E402

SMALL = (3, 4)         # servers, OSDs per server of the other cluster
WATCH_S = 0.05
GOAL_VISIBLE_S = 1.0


# the fleet's process ------------------------------------------------------------------------------

def fleet_child(args) -> int:
    """Runs both clusters; stdin lines: `toggle <osd id>` → prints "<time> <in>", anything else stops."""
    from bus.protocol import tune_gc_for_large_messages
    from sim.fleet import SimFleet
    tune_gc_for_large_messages()   # as run.py does: this process builds and packs whole maps
    big = SimFleet(args.connect, server_key=args.server_key, servers=args.servers,
                   osds_per_server=args.osds_per_server, heartbeat_s=10.0, first_cluster=0)
    small = SimFleet(args.connect, server_key=args.server_key, servers=SMALL[0],
                     osds_per_server=SMALL[1], heartbeat_s=10.0, first_cluster=1)
    for fleet in (big, small):
        for backend in fleet.backends.values():
            backend.watch_s = WATCH_S
        fleet.start()
    cluster = big.clusters[0]
    mon = next(iter(big.backends.values()))
    built = note_osd_map_answers(big)
    print(f"FLEET READY {cluster.fsid} {small.clusters[0].fsid}", flush=True)
    marked_out: set[int] = set()
    for line in sys.stdin:
        words = line.split()
        if words == ["built"]:
            print(built.get("at", 0.0), flush=True)
            continue
        if len(words) != 2 or words[0] != "toggle":
            break
        osd = int(words[1])
        prefix = "osd in" if osd in marked_out else "osd out"
        marked_out ^= {osd}
        mon.run_job("rados_commands", {"fsid": cluster.fsid, "commands": [[prefix, {"ids": [str(osd)]}]]})
        print(f"{time.time()} {int(osd not in marked_out)}", flush=True)
    for fleet in (big, small):
        fleet.stop()
    return 0


def note_osd_map_answers(fleet) -> dict:
    """{"at": when an agent of `fleet` last finished building an OSD map answer}."""
    built: dict = {}
    for backend in fleet.backends.values():
        def run_job(function, args, job=backend.run_job):
            result = job(function, args)
            if function == "get_cluster_object" and args.get("sync_type") == "osd_map":
                built["at"] = time.time()
            return result
        backend.run_job = run_job
    return built


# the measuring side -------------------------------------------------------------------------------

class Reader(threading.Thread):
    """GETs one path without pause; keeps (start time, latency ms) of each answer."""

    def __init__(self, base: str, cookie: str, path: str):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
        self.cookie, self.path = cookie, path
        self.samples: list[tuple[float, float]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.time()
            self.conn.request("GET", self.path, headers={"Cookie": self.cookie})
            self.conn.getresponse().read()
            self.samples.append((started, (time.time() - started) * 1000))


def poll_until(conn: http.client.HTTPConnection, cookie: str, path: str, done, timeout_s: float = 30.0):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        body = response.read()
        if response.status == 200 and done(json.loads(body)):
            return time.time()
        time.sleep(0.005)   # the poll period of the measurement, not a wait for readiness
    raise TimeoutError(f"{path} did not change within {timeout_s} s")


def summary(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"n={len(values)} p50 {statistics.median(values):.1f} ms, p99 {p99:.1f} ms, "
            f"max {ordered[-1]:.1f} ms")


def wait_for_cluster(base: str, cookie: str, fsid: str, osds: int, timeout_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            if len(get_json(base, f"/api/v2/cluster/{fsid}/osd", cookie)) == osds:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.5)   # set-up wait of a benchmark, not a test
    raise TimeoutError(f"cluster {fsid} did not show {osds} OSDs within {timeout_s} s")


def measure(args) -> int:
    data_dir = tempfile.mkdtemp(prefix="calamari-bigmap-")
    daemon, ready = start([sys.executable, "run.py", "--no-sim", "--auto-accept", "--http-port", "0", "--metrics-port", "0",
                           "--bus-endpoint", f"tcp://127.0.0.1:{free_port()}", "--data-dir", data_dir,
                           "--admin-password", PASSWORD, "--log-level", "WARNING"], "READY")
    fields = dict(word.split("=", 1) for word in ready.split()[1:])
    fleet = subprocess.Popen([sys.executable, __file__, "--child", "--connect", fields["bus"],
                              f"--server-key={fields['key']}", "--servers", str(args.servers),
                              "--osds-per-server", str(args.osds_per_server)],
                             cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        _, _, big, small = fleet.stdout.readline().split()
        base = fields["http"].rstrip("/")
        cookie = login(base)
        osds = args.servers * args.osds_per_server
        took = wait_for_cluster(base, cookie, big, osds, timeout_s=600)
        wait_for_cluster(base, cookie, small, SMALL[0] * SMALL[1], timeout_s=60)
        print(f"big cluster: {args.servers} servers x {args.osds_per_server} OSDs = {osds} OSDs, "
              f"managed and listed {took:.1f} s after start")
        reader = Reader(base, cookie, f"/api/v2/cluster/{small}/osd")
        reader.start()
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
        windows, visible, arrived = [], [], []
        for n in range(args.changes):
            osd = (n * 997) % osds
            time.sleep(args.gap_s)   # quiet time between changes, for the "outside" samples
            fleet.stdin.write(f"toggle {osd}\n")
            fleet.stdin.flush()
            changed_at, now_in = fleet.stdout.readline().split()
            shown = poll_until(conn, cookie, f"/api/v2/cluster/{big}/osd/{osd}",
                               lambda body, want=bool(int(now_in)): body["in"] == want)
            windows.append((float(changed_at), shown))
            visible.append((shown - float(changed_at)) * 1000)
            fleet.stdin.write("built\n")
            fleet.stdin.flush()
            arrived.append((shown - float(fleet.stdout.readline())) * 1000)
        reader.stopping.set()
        reader.join(30)
        inside = [ms for at, ms in reader.samples if any(a <= at <= b for a, b in windows)]
        outside = [ms for at, ms in reader.samples if not any(a <= at <= b for a, b in windows)]
        print(f"change → visible in GET osd/<id>: {summary(visible)}")
        print(f"answer built by the agent → visible: {summary(arrived)} (goal: within {GOAL_VISIBLE_S * 1000:.0f} ms)")
        print(f"other cluster's OSD list while the big map arrived: {summary(inside)}")
        print(f"other cluster's OSD list otherwise:                  {summary(outside)}")
        met = max(arrived) <= GOAL_VISIBLE_S * 1000
        print(f"goal {'met' if met else 'NOT met'}: slowest map visible {max(arrived):.0f} ms after its answer was built")
        return 0
    finally:
        if fleet.poll() is None:
            fleet.stdin.write("stop\n")
            fleet.stdin.close()
            fleet.wait(60)
        daemon.terminate()
        daemon.wait(60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=100, help="servers of the big cluster")
    parser.add_argument("--osds-per-server", type=int, default=100)
    parser.add_argument("--changes", type=int, default=10, help="OSD map changes measured")
    parser.add_argument("--gap-s", type=float, default=1.0, help="quiet time before each change")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--connect", help=argparse.SUPPRESS)
    parser.add_argument("--server-key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return fleet_child(args) if args.child else measure(args)


if __name__ == "__main__":
    sys.exit(main())
