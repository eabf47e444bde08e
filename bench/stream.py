"""Live stream (issue 15): 1,000 concurrent `GET api/v2/stream` against the daemon managing the
1,000-server simulated fleet.

    python bench/stream.py [--streams 1000] [--client-processes 2] [--clusters 10]
                           [--servers-per-cluster 100] [--osds-per-server 2] [--heartbeat-s 10]
                           [--markers-per-s 5] [--seconds 30] [--rounds 2]

The daemon (`run.py --no-sim --auto-accept`) and the fleet (bench/fleet_procs.py) run as their
own processes, and so do the stream clients (this file with `--client`, asyncio on raw
sockets, `--client-processes` of them): nothing shares the daemon's GIL. Once every server is
managed, a marker thread makes `--markers-per-s` changes a second: a refused write
(`POST cluster/stream-bench-<n>/pool`, a 404), which the daemon records as an audit event
whose `when` is the moment the request reached its end in the daemon. Then, `--rounds` times:

- without streams: the small GETs (cluster list, one cluster, one pool) in turn on 2 keep-alive
  connections with 10 ms between requests (a dashboard's pace, not a saturating load) for
  `--seconds`;
- with `--streams` streams open (all topics): the same GETs for the same time, while every
  stream times each marker's event from its `when` to its arrival (the clients' clock is the
  daemon's: one machine).

It prints delivery p50/p99/max over every (marker, stream) pair, markers missed by any stream,
the other messages streamed, overflows and resets (none expected), the GET p99s without and
with the streams and their ratio, and the daemon's CPU in each phase, against the issue's
goals: delivery p99 < 500 ms, small-GET p99 not worse than 1.2x.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from agent.host import raise_open_files_limit  # noqa: E402
from bench.fleet_procs import (Api, cpu_s, p99, read_answer, spawn_fleet, start_daemon, stop_all,  # noqa: E402
                               wait_fleet_ready, wait_managed)
from bench.httpload import run_mix  # noqa: E402
from bench.read_api import login  # noqa: E402

MARKER = "stream-bench-"
GOAL_DELIVERY_P99_MS = 500.0
GOAL_GET_RATIO = 1.2
GET_CONNECTIONS, GET_THINK_S = 2, 0.010


# --- the stream clients' process --------------------------------------------------------------------

class Tally:
    def __init__(self):
        self.latencies_ms: list[float] = []
        self.markers: dict[int, int] = {}      # marker number -> streams that had it
        self.messages = 0
        self.control: dict[str, int] = {}
        self.open = 0


def _take(block: bytes, arrived: float, tally: Tally) -> None:
    """One SSE message: a marker's event is timed, anything else only counted."""
    tally.messages += 1
    if MARKER.encode() in block:
        data = json.loads(block.split(b"data: ", 1)[1])
        when = datetime.fromisoformat(data["when"]).timestamp()
        tally.latencies_ms.append((arrived - when) * 1000)
        number = int(data["message"].split(MARKER, 1)[1].split("/", 1)[0])
        tally.markers[number] = tally.markers.get(number, 0) + 1
    elif block.startswith(b"id: ") and (b"event: reset" in block or b"event: overflow" in block or b"event: end" in block):
        topic = block.split(b"event: ", 1)[1].split(b"\n", 1)[0].decode()
        tally.control[topic] = tally.control.get(topic, 0) + 1


async def _one_stream(host: str, port: int, cookie: str, tally: Tally, opened: asyncio.Event, total: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /api/v2/stream HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n\r\n".encode())
    status = await reader.readline()
    if not status.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"stream refused: {status!r}")
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    pending, counted = b"", False
    try:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                return
            chunk = await reader.readexactly(size + 2)
            arrived = time.time()
            pending += chunk[:-2]
            *blocks, pending = pending.split(b"\n\n")
            for block in blocks:
                if block.startswith(b":"):
                    if not counted:
                        counted = True
                        tally.open += 1
                        if tally.open == total:
                            opened.set()
                    continue
                _take(block, arrived, tally)
    finally:
        writer.close()


def client_child(args) -> int:
    """Opens `--streams` streams; READY once all are open; on `stop` (stdin) prints its tally."""
    raise_open_files_limit(1 << 16)
    parts = urlsplit(args.url)
    tally = Tally()

    async def main():
        opened = asyncio.Event()
        tasks = [asyncio.ensure_future(_one_stream(parts.hostname, parts.port, args.cookie, tally, opened, args.streams))
                 for _ in range(args.streams)]
        await asyncio.wait_for(opened.wait(), 120)
        print(f"CLIENT READY {tally.open}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    print(json.dumps({"latencies_ms": tally.latencies_ms, "markers": tally.markers, "messages": tally.messages,
                      "control": tally.control, "open": tally.open}), flush=True)
    return 0


# --- the driver ------------------------------------------------------------------------------------

class Markers(threading.Thread):
    """`rate` refused writes a second (each an audit event naming its number); `record` says
    which numbers fall inside a measuring window."""

    def __init__(self, base: str, cookie: str, rate: float):
        super().__init__(daemon=True)
        self.host, self.cookie, self.period = urlsplit(base).netloc, cookie, 1.0 / rate
        self.xsrf = next(part.split("=", 1)[1] for part in cookie.split("; ") if part.startswith("XSRF-TOKEN="))
        self.sent = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection(self.host, timeout=30)
        next_at = time.monotonic()
        while not self.stopping.is_set():
            conn.request("POST", f"/api/v2/cluster/{MARKER}{self.sent}/pool", body="{}",
                         headers={"Cookie": self.cookie, "X-XSRF-TOKEN": self.xsrf, "Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 404:
                raise RuntimeError(f"marker POST answered {response.status}")
            self.sent += 1
            next_at += self.period
            self.stopping.wait(max(0.0, next_at - time.monotonic()))
        conn.close()


def small_gets(base: str, cookie: str, fsid: str, pool_id: int, seconds: float) -> dict:
    paths = {"cluster list": "cluster", "one cluster": f"cluster/{fsid}", "one pool": f"cluster/{fsid}/pool/{pool_id}"}
    return run_mix(base + "/api/v2/", paths, seconds=seconds, connections=GET_CONNECTIONS, cookie=cookie,
                   think_s=GET_THINK_S)


def spawn_clients(url: str, cookie: str, streams: int, processes: int) -> list[subprocess.Popen]:
    shares = [streams // processes + (1 if i < streams % processes else 0) for i in range(processes)]
    clients = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--client", "--url", url,
                                 "--cookie", cookie, "--streams", str(share)],
                                cwd=ROOT, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
               for share in shares]
    for client in clients:
        line = read_answer(client, "READY", 180)
        if not line.startswith("CLIENT READY"):
            raise RuntimeError(f"a stream client failed: {line!r}")
    return clients


def stop_clients(clients: list) -> list[dict]:
    for client in clients:
        client.stdin.write("stop\n")
        client.stdin.flush()
    tallies = [json.loads(read_answer(client, "stop", 60)) for client in clients]
    for client in clients:
        client.wait(30)
    return tallies


def phase(label: str, daemon_pid: int, run, clients: list = ()) -> tuple[dict, float]:
    """Runs the GETs; (their results, the daemon's CPU in cores meanwhile); prints both and the
    stream clients' CPU (they share the machine's cores with the daemon)."""
    pids = [daemon_pid, *(c.pid for c in clients)]
    cpu_before, started = [cpu_s(pid) for pid in pids], time.monotonic()
    results = run()
    elapsed = time.monotonic() - started
    cores = [(cpu_s(pid) - before) / elapsed for pid, before in zip(pids, cpu_before)]
    clients_cpu = f", stream clients {sum(cores[1:]):.2f}" if clients else ""
    print(f"  {label}: daemon {cores[0]:.2f} cores{clients_cpu}; " + "; ".join(
        f"{name} p50 {r.percentile(50):.1f} p99 {r.percentile(99):.1f} ms ({r.requests}, {r.errors} errors)"
        for name, r in results.items()), flush=True)
    return results, cores[0]


def measure(args) -> int:
    raise_open_files_limit(1 << 16)
    data_dir = tempfile.mkdtemp(prefix="stream-bench-")
    log = open(Path(data_dir) / "daemon.log", "w")
    daemon, ready = start_daemon(data_dir, args.heartbeat_s, stderr=log)
    procs = [daemon]
    try:
        fleet = spawn_fleet(ready["bus"], ready["key"], clusters=args.clusters, servers=args.servers_per_cluster,
                            osds_per_server=args.osds_per_server, heartbeat_s=args.heartbeat_s)
        procs.append(fleet)
        agents = wait_fleet_ready(fleet)
        base = ready["http"]
        cookie = login(base)
        api = Api(base, cookie)
        intake = wait_managed(api, agents, args.clusters, 600, osds_per_cluster=args.servers_per_cluster * args.osds_per_server)
        fsid = api.get("cluster")[1][0]["id"]
        pool_id = api.get(f"cluster/{fsid}/pool")[1][0]["id"]
        print(f"{agents} servers in {args.clusters} clusters managed after {intake:.0f} s", flush=True)
        markers = Markers(base, cookie, args.markers_per_s or 1.0)
        if args.markers_per_s > 0:   # 0: only what the fleet itself moves (usage, maps, servers)
            markers.start()
        without, with_streams, deliveries = [], [], []
        missed = messages = seconds_streamed = 0
        control: dict[str, int] = {}
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number}", flush=True)
            without.append(phase("without streams", daemon.pid, lambda: small_gets(base, cookie, fsid, pool_id, args.seconds)))
            clients = spawn_clients(base, cookie, args.streams, args.client_processes)
            first_marker = markers.sent + 1          # sent after every stream was open
            started = time.monotonic()
            with_streams.append(phase(f"with {args.streams} streams", daemon.pid,
                                      lambda: small_gets(base, cookie, fsid, pool_id, args.seconds), clients))
            last_marker = markers.sent - 2           # leave the newest time to arrive
            time.sleep(1.0)                          # a benchmark's settling pause, not a test's wait
            tallies = stop_clients(clients)
            seconds_streamed += time.monotonic() - started
            for tally in tallies:
                deliveries.extend(tally["latencies_ms"])
                messages += tally["messages"]
                for name, count in tally["control"].items():
                    control[name] = control.get(name, 0) + count
            had = {}
            for tally in tallies:
                for number, count in tally["markers"].items():
                    had[int(number)] = had.get(int(number), 0) + count
            missed += sum(args.streams - had.get(n, 0) for n in range(first_marker, last_marker + 1))
        markers.stopping.set()
        report(args, deliveries, missed, messages, seconds_streamed, control, without, with_streams)
    finally:
        stop_all(procs)
        log.close()
    return 0


def report(args, deliveries, missed, messages, seconds_streamed, control, without, with_streams) -> None:
    ordered = sorted(deliveries) or [float("nan")]
    delivery_p99 = p99(ordered)
    print(f"\ndelivery over {len(deliveries):,} (marker, stream) pairs: p50 {ordered[len(ordered) // 2]:.1f} ms, "
          f"p99 {delivery_p99:.1f} ms, max {ordered[-1]:.1f} ms; missed {missed}; "
          f"messages streamed {messages / seconds_streamed:,.0f}/s; control messages {control or 'none'}")
    worst = 0.0
    for name in without[0][0]:
        before = [round(p[0][name].percentile(99), 1) for p in without]
        after = [round(p[0][name].percentile(99), 1) for p in with_streams]
        ratio = (sum(after) / len(after)) / (sum(before) / len(before))
        worst = max(worst, ratio)
        print(f"GET {name} p99 without / with streams, per round: {before} / {after} ms: ratio {ratio:.2f}")
    print(f"daemon CPU without / with streams: {[round(p[1], 2) for p in without]} / "
          f"{[round(p[1], 2) for p in with_streams]} cores")
    verdict = "not measured (no markers)" if not deliveries else "met" if delivery_p99 < GOAL_DELIVERY_P99_MS else "NOT met"
    print(f"goal: delivery p99 < {GOAL_DELIVERY_P99_MS:.0f} ms: {verdict}; "
          f"small-GET p99 at most {GOAL_GET_RATIO}x: {'met' if worst <= GOAL_GET_RATIO else 'NOT met'} (worst {worst:.2f}x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--cookie", help=argparse.SUPPRESS)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--clusters", type=int, default=10)
    parser.add_argument("--servers-per-cluster", type=int, default=100)
    parser.add_argument("--osds-per-server", type=int, default=2)
    parser.add_argument("--heartbeat-s", type=float, default=10.0)
    parser.add_argument("--markers-per-s", type=float, default=5.0, help="0: none (idle streams)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    return client_child(args) if args.client else measure(args)


if __name__ == "__main__":
    sys.exit(main())
