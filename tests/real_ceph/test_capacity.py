"""Capacity, IO and history (issue 14) on the real dev cluster, read through the daemon and a real
agent running as `client.calamari`: every resource answers with the cluster's own figures;
objects written into a pool move `usage`, `osd_usage`, `io` and `history` within a few
heartbeats; an OSD marked out shows recovery in `io` until it is in again and every PG is
active+clean.

The data goes into a pool of this module (size 2, so that an OSD going out has replicas to
move), made and deleted through the API.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from actors.context import Timings
from tests.helpers import wait_until
from tests.real_ceph.api_helpers import all_pgs_active_clean, dump_osd, mon_json, pool_ioctx, synced, unique
from tests.real_ceph.capacity_helpers import answer, answered, client_writes_shown, pool_usage, rewriting, write_objects
from tests.real_ceph.conftest import HEARTBEAT_S
from tests.system.requests_helpers import run

OBJECT_BYTES = 256 * 1024
OBJECT_COUNT = 32
REPLICAS = 2
# The mgr digests the OSDs' reports once a second on the dev cluster (mgr_stats_period = 1) and
# the agent reads its digest on every heartbeat: two heartbeats after the mgr saw a change the
# daemon has it. The margin is for the mgr's period and a busy 2-core CI machine.
FIGURES_S = 2 * HEARTBEAT_S + 4
# `osd df` / `osd perf` come every `stats_fetch_every` heartbeats (run.py --stats-every, whose
# default the session's daemon runs with), and at once after a change the daemon made.
OSD_FIGURES_S = (Timings().stats_fetch_every + 2) * HEARTBEAT_S + 4
# After a change the daemon made: the osd df it asks for at once, one heartbeat's round trip.
OSD_CHANGE_S = 2 * HEARTBEAT_S + 2


# ---- reading the resources ----------------------------------------------------------------------

def osd_used_total(managed) -> int:
    return sum(row["used_bytes"] for row in answer(managed, "osd_usage"))


def osd_row(managed, osd_id: int) -> dict:
    return next(row for row in answer(managed, "osd_usage") if row["id"] == osd_id)


def last_point(managed, series: str):
    """The value of the newest point of one history series (None while it has none)."""
    points = answer(managed, "history", series=series)["series"][series]
    return points[-1][1] if points else None


def fleet_row(managed) -> dict | None:
    response = managed.api.get("fleet", params={"page_size": 100})
    assert response.status_code == 200, response.text
    return next((row for row in response.json()["results"] if row["fsid"] == managed.fsid), None)


def pending_recovery(io: dict) -> bool:
    """Whether `io` shows objects not yet where they belong and PGs other than active+clean."""
    recovery, pgs = io["recovery"], io["pgs"]
    return recovery["degraded_objects"] + recovery["misplaced_objects"] > 0 \
        and pgs["active_clean"] < pgs["total"]


def settled(io: dict) -> bool:
    recovery, pgs = io["recovery"], io["pgs"]
    return recovery["degraded_objects"] == recovery["misplaced_objects"] == 0 \
        and pgs["active_clean"] == pgs["total"]


def clean_holding(cluster, osd_id: int) -> bool:
    """Every PG active+clean in the mgr's own PG stats, and some of them on `osd_id`: the cluster
    has settled after `osd_id` came back in (right after the change, stats of before it would
    pass the first test alone)."""
    pgs = cluster.ceph_json("pg", "ls")["pg_stats"]
    return all(pg["state"] == "active+clean" for pg in pgs) and any(osd_id in pg["up"] for pg in pgs)


@pytest.fixture(scope="module")
def pool(managed):
    """A size-2 pool of this module's, made through the API, with an application (no
    POOL_APP_NOT_ENABLED warning once it holds objects); deleted through the API at the end."""
    synced(managed)
    name = unique("capacity")
    run(managed.api, "POST", managed.url("pool"), {"name": name, "pg_num": 8, "size": REPLICAS})
    made = next(p for p in managed.api.get(managed.url("pool")).json() if p["name"] == name)
    try:
        managed.cluster.ceph("osd", "pool", "application", "enable", name, "rbd")
        wait_until(lambda: all_pgs_active_clean(managed.cluster), timeout_s=30, every_s=0.2,
                   what=f"the PGs of {name} active+clean")
        yield made
    finally:
        run(managed.api, "DELETE", managed.url(f"pool/{made['id']}"))


# ---- tests --------------------------------------------------------------------------------------

def test_every_resource_answers_with_the_clusters_own_figures(managed):
    synced(managed)
    cluster = managed.cluster
    osds = set(mon_json(cluster, "osd ls"))

    usage = wait_until(lambda: answered(managed, "usage"), timeout_s=FIGURES_S, every_s=0.2,
                       what="usage answers")
    df = mon_json(cluster, "df")["stats"]
    assert usage["total_bytes"] == df["total_bytes"] > 0
    assert 0 < usage["used_bytes"] < usage["total_bytes"] and 0 < usage["used_ratio"] < 1
    assert 0 < usage["nearfull_ratio"] < usage["full_ratio"] <= 1
    # the mgr's df may trail the mon's OSD map by a stats period after another test's pool went
    wait_until(lambda: {p["id"] for p in answer(managed, "usage")["pools"]} ==
               {p["pool"] for p in mon_json(cluster, "osd dump")["pools"]}, timeout_s=FIGURES_S,
               every_s=0.2, what="usage naming the pools of the OSD map")
    assert [c["name"] for c in usage["device_classes"]] == ["hdd"]
    assert usage["update_time"]

    rows = wait_until(lambda: answered(managed, "osd_usage"), timeout_s=OSD_FIGURES_S, every_s=0.2,
                      what="osd_usage answers")
    assert {row["id"] for row in rows} == osds
    assert all(row["total_bytes"] > 0 and 0 <= row["utilization"] <= 100 and row["status"] == "up"
               for row in rows)
    host = rows[0]["host"]
    assert host and answer(managed, "osd_usage", host=host) == [r for r in rows if r["host"] == host]
    assert answer(managed, "osd_usage", host="no-such-host") == []
    page = answer(managed, "osd_usage", page_size=2)
    assert page["count"] == len(osds) and len(page["results"]) == 2 and page["next"]
    assert {r["id"] for r in answer(managed, "osd_usage", utilization__gte=0)} == osds
    fullest = max(row["utilization"] for row in rows)
    assert all(r["utilization"] >= fullest for r in answer(managed, "osd_usage", utilization__gte=fullest))
    refused = managed.api.get(managed.url("osd_usage"), params={"utilization__gte": 101})
    assert refused.status_code == 400 and "utilization__gte" in refused.text

    io = answer(managed, "io")
    assert io["pgs"]["total"] == mon_json(cluster, "status")["pgmap"]["num_pgs"]
    assert set(io["client"]) == {"read_bytes_sec", "write_bytes_sec", "read_op_per_sec", "write_op_per_sec"}
    latencies = wait_until(lambda: answer(managed, "io")["osd_latency"], timeout_s=OSD_FIGURES_S,
                           every_s=0.2, what="osd perf in io")
    assert {row["id"] for row in latencies} == osds

    # usage answers from the first heartbeat's stats; its history point is written just after
    history = wait_until(lambda: (lambda h: h if h["series"]["used_bytes"] else None)(
        answer(managed, "history", series="used_bytes,objects")), timeout_s=FIGURES_S, every_s=0.1,
        what="a history point")
    assert history["step_s"] > 0 and set(history["series"]) == {"used_bytes", "objects"}
    assert all(value > 0 for _, value in history["series"]["used_bytes"])
    assert len(history["series"]["objects"]) == len(history["series"]["used_bytes"])
    unknown = managed.api.get(managed.url("history"), params={"series": "used_bytes,no_such_series"})
    assert unknown.status_code == 400 and "no_such_series" in unknown.text

    row = wait_until(lambda: fleet_row(managed), timeout_s=FIGURES_S, every_s=0.2, what="the fleet row")
    assert row["osds"] == {"total": len(osds), "up": len(osds), "in": len(osds)}
    assert row["mons"] == {"total": 1, "in_quorum": 1}
    assert row["total_bytes"] == df["total_bytes"]
    assert row["health"] == answer(managed, "health")["status"]
    assert row["servers"] == {"managed": 1, "late": 0}


def test_objects_written_move_usage_osd_usage_io_and_history(managed, pool):
    cluster = managed.cluster
    wait_until(lambda: pool_usage(managed, pool["id"]), timeout_s=FIGURES_S, every_s=0.2,
               what=f"pool {pool['name']} in usage")
    before = pool_usage(managed, pool["id"])
    # Fresh from the mon rather than the daemon's: its osd df may be a few heartbeats old.
    used_before = mon_json(cluster, "osd df")["summary"]["total_kb_used"] * 1024
    written = OBJECT_COUNT * OBJECT_BYTES

    with pool_ioctx(cluster, pool["name"]) as ioctx:
        write_objects(ioctx, OBJECT_COUNT, OBJECT_BYTES)
        with rewriting(ioctx, OBJECT_COUNT, OBJECT_BYTES):
            def grown():
                found = pool_usage(managed, pool["id"])
                return found if found["objects"] == before["objects"] + OBJECT_COUNT else None
            after = wait_until(grown, timeout_s=FIGURES_S, every_s=0.1, what="the pool's objects in usage")
            assert after["stored_bytes"] == before["stored_bytes"] + written
            # Ceph's own figure: memstore OSDs keep no per-pool statfs, so Pacific reports
            # the stored bytes here, not the raw bytes of both replicas.
            assert after["used_bytes"] == next(p["stats"]["bytes_used"] for p in mon_json(cluster, "df")["pools"]
                                               if p["id"] == pool["id"]) >= written

            io = wait_until(lambda: client_writes_shown(managed, pool["id"]), timeout_s=FIGURES_S, every_s=0.1,
                            what="the cluster's and the pool's client write rates in io")
            assert io["client"]["write_op_per_sec"] > 0

    objects_series = f"pool.{pool['id']}.objects"
    wait_until(lambda: last_point(managed, objects_series) == after["objects"], timeout_s=FIGURES_S,
               every_s=0.1, what=f"{objects_series} at {after['objects']} in history")
    assert last_point(managed, f"pool.{pool['id']}.stored_bytes") == after["stored_bytes"]
    # The raw bytes of both replicas land on the OSDs (memstore counts exactly what it holds).
    wait_until(lambda: osd_used_total(managed) >= used_before + REPLICAS * written,
               timeout_s=OSD_FIGURES_S, every_s=0.2, what="the written bytes in osd_usage")


@pytest.fixture
def out_osd(managed, pool):
    """The OSD holding most of the pool's PGs; in again and every PG active+clean afterwards."""
    pgs = managed.cluster.ceph_json("pg", "ls-by-pool", pool["name"])["pg_stats"]
    holders = [osd for pg in pgs for osd in pg["up"]]
    osd_id = max(sorted(set(holders)), key=holders.count)
    try:
        yield osd_id
    finally:
        if not dump_osd(managed.cluster, osd_id)["in"]:
            managed.cluster.ceph("osd", "in", str(osd_id))
        wait_until(lambda: all_pgs_active_clean(managed.cluster), timeout_s=60, every_s=0.2,
                   what="every PG active+clean")


def test_an_osd_marked_out_shows_recovery_in_io_until_it_is_in_again(managed, pool, out_osd):
    with pool_ioctx(managed.cluster, pool["name"]) as ioctx:
        write_objects(ioctx, OBJECT_COUNT, OBJECT_BYTES)   # data for the recovery to move, had the test before not run
    wait_until(lambda: settled(answer(managed, "io")), timeout_s=30, every_s=0.2,
               what="io showing every PG active+clean before the OSD goes out")
    path = managed.url(f"osd/{out_osd}")
    seen: list[dict] = []   # every io answer from the moment the OSD goes out

    def observed() -> dict:
        seen.append(answer(managed, "io"))
        return seen[-1]

    run(managed.api, "PATCH", path, {"in": False})
    out_at = time.monotonic()
    shown_after: dict[str, float] = {}   # what -> seconds after the OSD went out

    def out_shown() -> bool:
        if pending_recovery(observed()):
            shown_after.setdefault("recovery in io", time.monotonic() - out_at)
        if osd_row(managed, out_osd)["reweight"] == 0:
            shown_after.setdefault("out in osd_usage", time.monotonic() - out_at)
        return len(shown_after) == 2
    wait_until(out_shown, timeout_s=FIGURES_S, every_s=0.1,
               what=f"recovery in io and osd.{out_osd} out in osd_usage")
    assert any(set(io["pgs"]["by_state"]) - {"active+clean"} for io in seen)
    # A change the daemon made asks for osd df at once, not at the next regular fetch.
    assert shown_after["out in osd_usage"] <= OSD_CHANGE_S, shown_after

    run(managed.api, "PATCH", path, {"in": True})
    wait_until(lambda: clean_holding(managed.cluster, out_osd), timeout_s=60, every_s=0.2,
               what=f"every PG active+clean with osd.{out_osd} in again")
    clean_at = datetime.now(timezone.utc)
    wait_until(lambda: (lambda io: settled(io) and datetime.fromisoformat(io["update_time"]) >= clean_at)(
        observed()), timeout_s=FIGURES_S, every_s=0.1, what="io showing every PG active+clean again")
    assert any(io["recovery"]["recovering_objects_per_sec"] > 0 and io["recovery"]["recovering_bytes_per_sec"] > 0
               for io in seen), "no recovery rate shown while the data moved"
