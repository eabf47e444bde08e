"""Real-Ceph benchmark: a dev cluster (3 memstore OSDs) managed by our daemon through one real agent
at the default 10 s heartbeat, so changes become visible through the agent's between-beats watch.

  (a) external change -> API: a pool created with librados, timed until GET pool lists it;
  (b) the 202 round trip of POST pool (until the request is complete), beside the bare librados
      `osd pool create` and the same until the pool's PGs are active, in the same run;
  (c) GET pool list / OSD list: our API beside the Ceph Dashboard's /api/pool and /api/osd on the
      same cluster, same client, same number of requests.

    .venv/bin/python bench/real_ceph.py [--external 20] [--round-trips 10] [--requests 2000]
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.httpload import LoadResult, run_load  # noqa: E402

try:
    import httpx
    from bench.ceph_stack import ceph_stack, missing_prerequisites
except ImportError as exc:   # httpx and pytest (the test helpers) come with requirements-dev.txt
    sys.exit(f"bench/real_ceph.py needs .venv/bin/pip install -r requirements-dev.txt ({exc})")

HEARTBEAT_S = 10.0     # the agent's and the daemon's default
POLL_S = 0.01          # how tightly the API is polled
PG_NUM = 8             # the dev cluster's default pool size in PGs
TIMEOUT_S = 60.0


def percentile(values: list, p: float) -> float:
    return LoadResult(len(values), 1.0, list(values), 0).percentile(p)


def poll(predicate, what: str):
    deadline = time.perf_counter() + TIMEOUT_S
    while not (value := predicate()):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what}: not within {TIMEOUT_S:.0f} s")
        time.sleep(POLL_S)
    return value


def pool_listed(stack, name: str) -> bool:
    answer = stack.api.get(f"cluster/{stack.fsid}/pool")
    return answer.status_code == 200 and any(p["name"] == name for p in answer.json())


def external_change(stack, count: int) -> None:
    """(a) `osd pool create` through librados, until our API lists the pool."""
    rng = random.Random(0)
    totals, commands = [], []
    for i in range(count):
        time.sleep(rng.uniform(0, 0.5))   # a random phase against the agent's 0.5 s watch
        name = f"bench-ext-{i}"
        started = time.perf_counter()
        commands.append(stack.mon.create_pool(name, PG_NUM))
        poll(lambda: pool_listed(stack, name), f"pool {name} in GET pool")
        totals.append(time.perf_counter() - started)
    print(f"\n(a) external change -> API: {count} pools created with librados, GET pool polled every "
          f"{POLL_S * 1000:.0f} ms")
    print(f"    until listed      p50 {ms(totals, 50)}  p90 {ms(totals, 90)}  max {ms(totals, 100)}")
    print(f"    of which command  p50 {ms(commands, 50)}  p90 {ms(commands, 90)}  max {ms(commands, 100)}")


class RequestFailed(RuntimeError):
    pass


def request_complete(stack, request_id: str) -> bool:
    request = stack.api.get(f"request/{request_id}").json()
    if request["state"] == "complete" and request.get("error"):
        raise RequestFailed(request.get("error_message"))
    return request["state"] == "complete"


def pgs_created(states: list[str]) -> bool:
    """Every PG out of `creating` and known to the mgr (a new pool's PGs start as `unknown`)."""
    return len(states) == PG_NUM and not any(s == "unknown" or "creating" in s.split("+") for s in states)


def round_trip(stack, count: int) -> None:
    """(b) POST pool -> request complete, alternating with bare librados creations."""
    ours, honest, bare, bare_pgs = [], [], [], []
    print(f"\n(b) pool create, {count} each (pg_num {PG_NUM}), alternating, each from a quiet cluster")
    for i in range(count):
        name = f"bench-bare-{i}"
        started = time.perf_counter()
        bare.append(stack.mon.create_pool(name, PG_NUM))
        poll(lambda: stack.mon.pgs_active(name, PG_NUM), f"PGs of pool {name} active")
        bare_pgs.append(time.perf_counter() - started)
        name = f"bench-api-{i}"
        stack.mon.created.append(name)   # deleted at the end like the others
        started = time.perf_counter()
        answer = stack.post(f"cluster/{stack.fsid}/pool", {"name": name, "pg_num": PG_NUM})
        if answer.status_code != 202:
            raise RuntimeError(f"POST pool: {answer.status_code} {answer.text}")
        try:
            poll(lambda: request_complete(stack, answer.json()["request_id"]), f"request for pool {name}")
        except RequestFailed as exc:
            print(f"    POST pool -> request FAILED after {(time.perf_counter() - started) * 1000:.0f} ms: "
                  f"{exc}\n    (no figure: our API cannot create a pool on this cluster)")
            return
        ours.append(time.perf_counter() - started)
        if pgs_created(stack.mon.pg_states(name)):
            honest.append(ours[-1])
        poll(lambda: stack.mon.pgs_active(name, PG_NUM), f"PGs of pool {name} active")   # untimed
    print(f"    POST pool -> request complete   p50 {ms(ours, 50)}  p90 {ms(ours, 90)}  max {ms(ours, 100)}")
    print(f"    librados osd pool create        p50 {ms(bare, 50)}  p90 {ms(bare, 90)}  max {ms(bare, 100)}"
          f"   ratio of p50s {percentile(ours, 50) / percentile(bare, 50):.1f}")
    print(f"      ... until its PGs are active  p50 {ms(bare_pgs, 50)}  p90 {ms(bare_pgs, 90)}  "
          f"max {ms(bare_pgs, 100)}   ratio of p50s {percentile(ours, 50) / percentile(bare_pgs, 50):.2f}")
    print(f"    {count - len(honest)} of {count} requests completed while PGs of their pool were still unknown "
          f"or creating" + (f";\n    the {len(honest)} others:                p50 {ms(honest, 50)}  max {ms(honest, 100)}"
                            if honest else ""))


def read_load(stack, requests: int, connections: int) -> None:
    """(c) GET pool and OSD lists: our API vs the Ceph Dashboard, same load client."""
    ours, theirs = {"Cookie": stack.cookie}, stack.dashboard.headers
    base = f"{stack.daemon.http_url}/api/v2/cluster/{stack.fsid}"
    rows = []
    for label, our_url, their_url in (("GET pool list", base + "/pool", stack.dashboard.url + "/api/pool"),
                                      ("GET osd list", base + "/osd", stack.dashboard.url + "/api/osd")):
        row = [label]
        for url, headers in ((our_url, ours), (their_url, theirs)):
            size = len(httpx.get(url, headers=headers).raise_for_status().content)
            run_load(url, requests=100, connections=connections, headers=headers)   # warm-up
            row += [run_load(url, requests=requests, connections=connections, headers=headers), size]
        rows.append(row)
    pools = len(stack.api.get(f"cluster/{stack.fsid}/pool").json())
    print(f"\n(c) reads: {requests} requests each over {connections} keep-alive connections "
          f"({pools} pools, {stack.osds} OSDs)")
    print(f"    {'':<14} {'ours req/s':>10} {'p50':>7} {'p99':>7} {'bytes':>7}   {'dashboard req/s':>15} "
          f"{'p50':>7} {'p99':>7} {'bytes':>7}   {'ratio':>5}")
    for label, mine, my_size, dash, their_size in rows:
        if mine.errors or dash.errors:
            raise RuntimeError(f"{label}: {mine.errors} / {dash.errors} non-200 answers")
        print(f"    {label:<14} {mine.rate:10.0f} {mine.percentile(50):7.2f} {mine.percentile(99):7.2f} "
              f"{my_size:7d}   {dash.rate:15.0f} {dash.percentile(50):7.2f} {dash.percentile(99):7.2f} "
              f"{their_size:7d}   {mine.rate / dash.rate:5.2f}")
    print("    (latencies in ms; ratio = our req/s / dashboard req/s)")


def ms(seconds: list, p: float) -> str:
    return f"{percentile(seconds, p) * 1000:7.1f} ms"


def machine_facts() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.machine())
    ceph = subprocess.run(["ceph", "--version"], capture_output=True, text=True).stdout.split()
    return (f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores ({model}); "
            f"load average {os.getloadavg()[0]:.2f}; Ceph {ceph[2] if len(ceph) > 2 else '?'}; "
            f"Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--external", type=int, default=20, help="pools created with librados for (a)")
    parser.add_argument("--round-trips", type=int, default=10, help="pools created per side for (b)")
    parser.add_argument("--requests", type=int, default=2000, help="GETs per figure for (c)")
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if reason := missing_prerequisites():
        sys.exit(f"bench/real_ceph.py cannot run: {reason}")
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even when started in the background
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # unwind: stop everything
    print(machine_facts())
    started = time.perf_counter()
    try:
        with ceph_stack(HEARTBEAT_S) as stack:
            print(f"dev cluster, dashboard, daemon and agent up in {time.perf_counter() - started:.1f} s; "
                  f"heartbeat {HEARTBEAT_S:.0f} s")
            external_change(stack, args.external)
            round_trip(stack, args.round_trips)
            read_load(stack, args.requests, args.connections)
            print(f"\ncleaning up {len(stack.mon.created)} pools and stopping")
    except KeyboardInterrupt:
        print("\ninterrupted: cluster, daemon and agent stopped")
        return 130
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
