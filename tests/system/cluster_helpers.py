"""Reading a daemon's view of a simulated cluster over HTTP, shared by the system tests (and the
real-Ceph tests): wait for a synced cluster, the pools and events as lists, the original
server's examples (shared/reference/api-v2-examples.json) and a route pattern filled in."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpers import wait_until

EXAMPLES = json.loads((Path(__file__).resolve().parents[3] / "shared" / "reference" / "api-v2-examples.json")
                      .read_text()) if (Path(__file__).resolve().parents[3] / "shared").exists() else {}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")


def example_keys(pattern: str) -> set:
    """Top-level field names of the original server's example for a URL pattern."""
    body = json.loads(next(iter(EXAMPLES[pattern].values())))
    if isinstance(body, list):
        body = body[0]
    return set(body)


def synced_cluster(api, fleet) -> str:
    """Wait until the cluster is discovered and every map the reads need has arrived."""
    fsid = fleet.clusters[0].fsid
    # First maps take a few heartbeats and fetches; a loaded 2-core CI machine gets more time.
    wait_until(lambda: [c["id"] for c in api.get("cluster").json()] == [fsid], timeout_s=15)
    wait_until(lambda: len(api.get(f"cluster/{fsid}/osd").json()) == 12
               if api.get(f"cluster/{fsid}/osd").status_code == 200 else False, timeout_s=15,
               what="the OSD map of the cluster")
    wait_until(lambda: api.get(f"cluster/{fsid}/config").status_code == 200)
    wait_until(lambda: api.get(f"cluster/{fsid}/mon").status_code == 200)
    wait_until(lambda: sorted(s["fqdn"] for s in api.get("server").json() if s["managed"]) == sorted(fleet.backends))
    wait_until(lambda: all(o["server"] in fleet.backends for o in api.get(f"cluster/{fsid}/osd").json()))
    wait_until(lambda: all(m["server"] in fleet.backends for m in api.get(f"cluster/{fsid}/mon").json()))
    return fsid


def pools_by_name(api, fsid) -> dict:
    return {p["name"]: p for p in api.get(f"cluster/{fsid}/pool").json()}


def messages(api, **params) -> list[str]:
    return [e["message"] for e in api.get("event", params={"page_size": 1000, **params}).json()["results"]]


def fill(pattern: str, values: dict) -> str:
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), pattern)
