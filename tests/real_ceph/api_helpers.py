"""Helpers for the real-Ceph HTTP tests: waiting for the maps, the cluster's own view (its mon),
events since a moment, unique names, writing data.

The 202 workflow itself (submit, wait for the request) is tests/system/requests_helpers.py.
"""
from __future__ import annotations

import atexit
import json
import re
import uuid
from contextlib import contextmanager
from datetime import datetime

from tests.helpers import wait_until


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same cluster) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def synced(managed) -> str:
    """Wait until every map the API serves has arrived for the real cluster; its fsid."""
    api, fsid = managed.api, managed.fsid
    for path in ("osd", "pool", "mon", "config", "crush_map", "osd_config"):
        wait_until(lambda: api.get(managed.url(path)).status_code == 200, timeout_s=20, every_s=0.1,
                   what=f"GET {path} answers")
    wait_until(lambda: all(o["server"] == managed.agent.fqdn for o in api.get(managed.url("osd")).json()),
               timeout_s=20, every_s=0.1, what="OSDs placed on the agent's server")
    return fsid


# ---- the cluster's own view ---------------------------------------------------------------------
# Read through one librados session per cluster: the same mon commands `ceph` sends, at ~1 ms
# each instead of the ~0.2 s of CPU a `ceph` process costs (changes still go through `ceph`).

_sessions: dict[str, object] = {}


def mon_json(cluster, prefix: str, **args):
    """The JSON answer of a mon command, e.g. mon_json(cluster, "osd dump") = `ceph osd dump`."""
    handle = _sessions.get(cluster.conf)
    if handle is None:
        from agent.ceph.rados_loader import load_rados
        handle = load_rados().Rados(conffile=cluster.conf, conf={"keyring": cluster.keyring})
        handle.connect(timeout=10)
        atexit.register(handle.shutdown)
        _sessions[cluster.conf] = handle
    ret, out, outs = handle.mon_command(json.dumps({"prefix": prefix, "format": "json", **args}), b"",
                                        timeout=10)
    assert ret == 0, f"ceph {prefix} {args}: {ret} {outs}"
    return json.loads(out)


def dump_pool(cluster, pool_id: int) -> dict | None:
    """The pool as `ceph osd dump` shows it (None once it is gone)."""
    return next((p for p in mon_json(cluster, "osd dump")["pools"] if p["pool"] == pool_id), None)


def pool_names(cluster) -> set[str]:
    return {p["pool_name"] for p in mon_json(cluster, "osd dump")["pools"]}


def dump_osd(cluster, osd_id: int) -> dict:
    return next(o for o in mon_json(cluster, "osd dump")["osds"] if o["osd"] == osd_id)


def dump_flags(cluster) -> set[str]:
    return set(mon_json(cluster, "osd dump")["flags"].split(","))


def pool_pgs_active_clean(cluster, pool: str, pg_num: int) -> bool:
    """Every one of the pool's `pg_num` PGs active+clean in the mgr's PG stats (a `status` of a
    mgr that has not seen a new pool yet counts no PG of it: all_pgs_active_clean passes then)."""
    states = [pg["state"] for pg in mon_json(cluster, "pg ls-by-pool", poolstr=pool)["pg_stats"]]
    return states == ["active+clean"] * pg_num


def all_pgs_active_clean(cluster) -> bool:
    pgmap = mon_json(cluster, "status")["pgmap"]
    states = {s["state_name"]: s["count"] for s in pgmap.get("pgs_by_state", [])}
    return states.get("active+clean", 0) == pgmap["num_pgs"]


# ---- events -------------------------------------------------------------------------------------

def _when(event: dict) -> datetime:
    return datetime.fromisoformat(event["when"])


def newest_event_time(api) -> datetime | None:
    """The time of the newest event: later events are the ones a test caused."""
    results = api.get("event", params={"page_size": 1}).json()["results"]
    return _when(results[0]) if results else None


def events_since(api, moment: datetime | None, **params) -> list[dict]:
    """Events newer than `moment` (all of them for None), newest first; `params` filter."""
    results = api.get("event", params={"page_size": 1000, **params}).json()["results"]
    return [e for e in results if moment is None or _when(e) > moment]


def wait_for_event(api, moment, severity: str, pattern: str, timeout_s: float = 15.0) -> dict:
    """The first event after `moment` of exactly `severity` whose message matches `pattern`."""
    regex = re.compile(pattern)

    def found():
        return next((e for e in events_since(api, moment, severity=severity)
                     if e["severity"] == severity and regex.search(e["message"])), None)
    return wait_until(found, timeout_s=timeout_s, every_s=0.1,
                      what=f"a {severity} event matching {pattern!r}")


@contextmanager
def pool_ioctx(cluster, pool_name: str):
    """An IO context on the pool through librados as the admin (the agent's user may not write
    data): what tests write objects with, never a `rados` command line."""
    from agent.ceph.rados_loader import load_rados
    handle = load_rados().Rados(conffile=cluster.conf, conf={"keyring": cluster.keyring,
                                                             "rados_osd_op_timeout": "30"})
    handle.connect(timeout=10)
    try:
        with handle.open_ioctx(pool_name) as ioctx:
            yield ioctx
    finally:
        handle.shutdown()
