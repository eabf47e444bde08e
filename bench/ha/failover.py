"""Failover of an HA group (issue 18): how long from `kill -9` of the active manager until the
other member serves, accepts a write and has heard from every agent again; and how many
requests in flight at the kill were lost (never ended) or ended untruthfully.

    python bench/ha/failover.py --postgres postgresql://USER:PASSWORD@HOST:PORT/DB
                                [--runs 10] [--lease-s 3] [--in-flight 20]

Each run starts a fresh group (tests/system/ha_group.py): a new database on that server, two
`run.py --ha` members, a simulated fleet (`run.py sim`, one cluster of 3 servers, heartbeat
0.5 s) whose agents know both buses; submits `--in-flight` pool creations through the active
member, kills it (SIGKILL) at once, and measures from the kill, polling every 20 ms:
- takeover: the survivor's /readyz says active;
- writable: a write (a pool creation) is accepted there (202);
- synced: every server of the cluster has reported to the survivor (last contact after the kill);
then waits for every request to end and counts the lost (not ended within 60 s) and the untrue
(success without its pool, failure with its pool and no word of doubt). Goal: writable and
synced within lease + 2 heartbeat periods; lost and untrue 0.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.helpers import wait_until  # noqa: E402
from tests.system.daemon_process import logged_in_client  # noqa: E402
from tests.system.ha_group import HEARTBEAT_S, role, start_group, synced_cluster  # noqa: E402
from tests.system.requests_helpers import xsrf  # noqa: E402


def one_run(work: Path, lease_s: float, in_flight: int) -> dict:
    group = start_group(work, lease_s=lease_s)
    try:
        active = group.active()
        survivor = group.other(active)
        with logged_in_client(survivor.http_url) as api:
            fsid = synced_cluster(api)
            servers = wait_until(lambda: [s["fqdn"] for s in api.get("server").json() if s["managed"]],
                                 timeout_s=30, every_s=0.05, what="the managed servers")
            ids = {}
            for n in range(in_flight):
                answer = api.post(f"cluster/{fsid}/pool", json={"name": f"bench-{n:03}", "pg_num": 8}, headers=xsrf(api))
                ids[f"bench-{n:03}"] = answer.json()["request_id"]
            active.proc.send_signal(signal.SIGKILL)
            killed, killed_wall = time.monotonic(), time.time()
            wait_until(lambda: role(survivor) == "active", timeout_s=60, every_s=0.02, what="takeover")
            takeover = time.monotonic() - killed

            def accepted():
                answer = api.post(f"cluster/{fsid}/pool", json={"name": "bench-after", "pg_num": 8}, headers=xsrf(api))
                return answer.status_code == 202
            wait_until(accepted, timeout_s=60, every_s=0.02, what="a write accepted")
            writable = time.monotonic() - killed

            def heard_from_all():
                rows = api.get("server").json()     # the cluster's list has no last_contact
                contacts = {r["fqdn"]: r.get("last_contact") for r in rows}
                return all(contacts.get(s) and datetime.fromisoformat(contacts[s]).timestamp() > killed_wall
                           for s in servers)
            wait_until(heard_from_all, timeout_s=60, every_s=0.02, what="every agent heard again")
            synced = time.monotonic() - killed

            deadline = time.monotonic() + 60
            ended = {}
            while time.monotonic() < deadline and len(ended) < len(ids):
                for name, rid in ids.items():
                    if name not in ended:
                        request = api.get(f"request/{rid}").json()
                        if request["state"] == "complete":
                            ended[name] = request
            pools = {p["name"] for p in api.get(f"cluster/{fsid}/pool").json()}
            untrue = [n for n, r in ended.items()
                      if (not r["error"] and n not in pools)
                      or (r["error"] and n in pools and "unknown" not in r["error_message"].lower())]
            return {"takeover": takeover, "writable": writable, "synced": synced, "lost": len(ids) - len(ended),
                    "untrue": len(untrue), "succeeded": sum(not r["error"] for r in ended.values()),
                    "failed": sum(bool(r["error"]) for r in ended.values())}
    finally:
        group.stop()


def summary(name: str, values: list[float], goal: float | None = None) -> str:
    line = (f"{name:10} median {statistics.median(values):6.2f} s   max {max(values):6.2f} s   "
            f"min {min(values):6.2f} s")
    if goal is not None:
        line += f"   goal {goal:.2f} s: {'met' if max(values) <= goal else 'missed'} (max)"
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("CALAMARI_TEST_POSTGRES_URL"),
                        help="a PostgreSQL server URL whose role may CREATE DATABASE (`.ci/postgres start DIR`)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--lease-s", type=float, default=3.0)
    parser.add_argument("--in-flight", type=int, default=20)
    args = parser.parse_args()
    if not args.postgres:
        parser.error("--postgres URL (or CALAMARI_TEST_POSTGRES_URL) is needed")
    os.environ["CALAMARI_TEST_POSTGRES_URL"] = args.postgres
    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="calamari-failover-") as work:
            result = one_run(Path(work), args.lease_s, args.in_flight)
        results.append(result)
        print(f"run {run + 1}: takeover {result['takeover']:.2f} s, writable {result['writable']:.2f} s, "
              f"synced {result['synced']:.2f} s; {result['succeeded']} succeeded, {result['failed']} failed, "
              f"{result['lost']} lost, {result['untrue']} untrue", flush=True)
    goal = args.lease_s + 2 * HEARTBEAT_S
    print(f"{args.runs} runs, lease {args.lease_s:g} s, heartbeat {HEARTBEAT_S:g} s, {args.in_flight} requests in flight:")
    for key in ("takeover", "writable", "synced"):
        print(summary(key, [r[key] for r in results], None if key == "takeover" else goal))
    print(f"requests lost: {sum(r['lost'] for r in results)}, untrue: {sum(r['untrue'] for r in results)} (goal 0); "
          f"succeeded {sum(r['succeeded'] for r in results)}, failed {sum(r['failed'] for r in results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
