"""How full, how busy, and the fleet (issue 14), through the real daemon and simulated agents over
real sockets: usage, osd_usage, io, history and fleet follow the simulated cluster's usage model;
capacity events are told once each."""
from __future__ import annotations

import pytest

from tests.helpers import wait_until
from tests.system.cluster_helpers import synced_cluster
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import run

GIB = 2 ** 30


def ok(api, path: str, **params):
    response = api.get(path, params=params)
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


def refused(api, path: str, field: str, **params) -> dict:
    response = api.get(path, params=params)
    assert response.status_code == 400, (path, response.status_code, response.text)
    assert field in response.json()["errors"], response.json()
    return response.json()


def answered(api, path: str, **params):
    """The answer once there is one (503 until the first stats arrive)."""
    return wait_until(lambda: (lambda r: r.json() if r.status_code == 200 else None)(
        api.get(path, params=params)), timeout_s=15, what=f"an answer from {path}")


def pool_of(usage: dict, name: str) -> dict:
    return next(p for p in usage["pools"] if p["name"] == name)


def test_usage_follows_what_the_cluster_stores(api, fleet):
    cluster = fleet.clusters[0]
    fsid = synced_cluster(api, fleet)
    usage = answered(api, f"cluster/{fsid}/usage")
    df = cluster.heartbeat_stats()["df"]
    assert usage["total_bytes"] == df["stats"]["total_bytes"]
    assert [p["name"] for p in usage["pools"]] == [p["name"] for p in df["pools"]]
    assert usage["device_classes"][0]["name"] == "hdd" and 0 < usage["used_ratio"] < 1
    before = pool_of(usage, "rbd")["stored_bytes"]
    cluster.write("rbd", 10 * GIB)
    grown = wait_until(lambda: (lambda u: u if pool_of(u, "rbd")["stored_bytes"] >= before + 10 * GIB else None)(
        ok(api, f"cluster/{fsid}/usage")), timeout_s=15, what="the write in usage")
    assert grown["update_time"] > usage["update_time"]
    assert api.get("cluster/no-such-fsid/usage").status_code == 404


def test_osd_usage_lists_pages_and_filters_every_osd(api, fleet):
    fsid = synced_cluster(api, fleet)
    rows = answered(api, f"cluster/{fsid}/osd_usage")
    assert [r["id"] for r in rows] == list(range(12))
    assert len({round(r["utilization"], 6) for r in rows}) > 1          # placement differs per OSD
    host = rows[0]["host"]
    assert {r["host"] for r in ok(api, f"cluster/{fsid}/osd_usage", host=host)} == {host}
    busiest = max(r["utilization"] for r in rows)
    assert [r["id"] for r in ok(api, f"cluster/{fsid}/osd_usage", utilization__gte=busiest)] == \
        [r["id"] for r in rows if r["utilization"] >= busiest]
    page = ok(api, f"cluster/{fsid}/osd_usage", page=2, page_size=5)
    assert page["count"] == 12 and [r["id"] for r in page["results"]] == [5, 6, 7, 8, 9]
    refused(api, f"cluster/{fsid}/osd_usage", "utilization__gte", utilization__gte="lots")
    refused(api, f"cluster/{fsid}/osd_usage", "utilization__gte", utilization__gte="101")


def test_io_shows_client_rates_and_recovery_after_an_osd_goes_out(api, fleet):
    cluster = fleet.clusters[0]
    fsid = synced_cluster(api, fleet)
    io = answered(api, f"cluster/{fsid}/io")
    assert io["client"]["write_bytes_sec"] == cluster.heartbeat_stats()["pgmap"].get("write_bytes_sec", 0)
    assert io["pgs"]["total"] == io["pgs"]["active_clean"] > 0
    run(api, "PATCH", f"cluster/{fsid}/osd/3", {"in": False})
    cluster.advance(0.1)   # the PGs of osd.3 are re-placed: degraded, then recovering
    recovering = wait_until(lambda: (lambda i: i if i["pgs"]["active_clean"] < i["pgs"]["total"] else None)(
        ok(api, f"cluster/{fsid}/io")), timeout_s=15, what="PGs not clean after the OSD went out")
    assert recovering["recovery"]["degraded_objects"] > 0 or recovering["recovery"]["misplaced_objects"] > 0

    def clean():
        cluster.advance(1.0)
        io = ok(api, f"cluster/{fsid}/io")
        return io if io["pgs"]["active_clean"] == io["pgs"]["total"] and \
            io["recovery"]["degraded_objects"] == 0 else None
    wait_until(clean, timeout_s=30, every_s=0.2, what="the cluster clean again")


def test_history_keeps_a_point_per_heartbeat_and_names_a_bad_series(api, fleet):
    fsid = synced_cluster(api, fleet)
    path = f"cluster/{fsid}/history"
    history = wait_until(lambda: (lambda h: h if len(h["series"]["used_bytes"]) >= 3 else None)(
        ok(api, path, series="used_bytes,pool.2.objects")), timeout_s=15, what="three points")
    assert history["step_s"] == HEARTBEAT_S
    times = [t for t, _ in history["series"]["used_bytes"]]
    assert times == sorted(set(times))
    assert len(history["series"]["pool.2.objects"]) >= 1
    assert ok(api, path, series="used_bytes", to="2000-01-01T00:00:00Z")["series"] == {"used_bytes": []}
    assert "nope" in refused(api, path, "series", series="used_bytes,nope")["detail"]
    refused(api, path, "series")
    refused(api, path, "from", series="used_bytes", **{"from": "yesterday"})
    refused(api, path, "from", series="used_bytes", **{"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"})
    assert api.get("cluster/no-such-fsid/history", params={"series": "used_bytes"}).status_code == 404


def test_a_pool_filling_its_quota_is_told_once_per_threshold_and_recovers(api, fleet):
    cluster = fleet.clusters[0]
    fsid = synced_cluster(api, fleet)
    pool = pool_of(answered(api, f"cluster/{fsid}/usage"), "data")
    quota = int(pool["stored_bytes"] / 0.70)             # 70 %: below the first threshold
    run(api, "PATCH", f"cluster/{fsid}/pool/{pool['id']}", {"quota_max_bytes": quota})

    def filled_to(ratio: float) -> None:
        stored = pool_of(ok(api, f"cluster/{fsid}/usage"), "data")["stored_bytes"]
        cluster.write("data", max(0, int(quota * (ratio + 0.002)) - stored))   # clear of rounding
        wait_until(lambda: pool_of(ok(api, f"cluster/{fsid}/usage"), "data")["quota_bytes_ratio"] >= ratio - 0.001,
                   timeout_s=15, what=f"the pool at {ratio:.0%} of its quota")

    def quota_events() -> list[tuple[str, str]]:
        return sorted((e["severity"], e["message"]) for e in ok(api, f"cluster/{fsid}/event", page_size=100)["results"]
                      if "quota" in e["message"] and not e["message"].startswith(("Started", "Succeeded", "Audit")))
    filled_to(0.80)
    filled_to(0.81)   # still above 75 %: nothing new
    filled_to(0.96)   # past 85 and 95 at once: one event, the worst
    expected = [("ERROR", "Pool 'data' of cluster 'ceph' is 96% of its quota"),
                ("WARNING", "Pool 'data' of cluster 'ceph' is 80% of its quota")]
    wait_until(lambda: quota_events() == expected, timeout_s=15, what="the two quota events")
    run(api, "PATCH", f"cluster/{fsid}/pool/{pool['id']}", {"quota_max_bytes": quota * 4})
    wait_until(lambda: len(quota_events()) == 3, timeout_s=15, what="the recovery event")
    assert [severity for severity, _ in quota_events()] == ["ERROR", "RECOVERY", "WARNING"]


@pytest.fixture
def fast_filling(start_daemon):
    """A daemon judging trends after 2 s of history, and a cluster written at 2 GB/s in real time."""
    daemon = start_daemon("--trend-min-span-s", "2", "--heartbeat-s", str(HEARTBEAT_S))
    fleet = start_fleet(daemon, advance_every_s=0.1)
    fleet.clusters[0].client_load = 2000.0
    with logged_in_client(daemon.http_url) as api:
        yield api, fleet
    fleet.stop()


def test_days_until_full_appears_in_usage_fleet_and_events(fast_filling):
    api, fleet = fast_filling
    fsid = synced_cluster(api, fleet)
    usage = wait_until(lambda: (lambda u: u if u and u["days_until_full"] is not None else None)(
        api.get(f"cluster/{fsid}/usage").json() if api.get(f"cluster/{fsid}/usage").status_code == 200 else None),
        timeout_s=20, what="a days_until_full")
    assert 0 < usage["days_until_full"] < 7        # ~4 TB of room at 6 GB/s of raw writes
    assert pool_of(usage, "rbd")["days_until_full"] is not None
    row = wait_until(lambda: (lambda r: r if r["days_until_full"] is not None else None)(
        ok(api, "fleet")["results"][0]), timeout_s=10)
    assert row["fsid"] == fsid and 0 < row["days_until_full"] < 7
    events = wait_until(lambda: [e for e in ok(api, f"cluster/{fsid}/event", page_size=100)["results"]
                                 if e["message"].startswith("Cluster 'ceph' will be full in")],
                        timeout_s=10, what="the cluster's days event")
    assert [e["severity"] for e in events] == ["ERROR"]   # under 7 days at once: one event, the worst


def test_fleet_lists_filters_and_orders_the_clusters(api, daemon):
    fleet = start_fleet(daemon, clusters=2)
    try:
        sick, well = fleet.clusters
        wait_until(lambda: ok(api, "fleet")["count"] == 2 and all(
            r["total_bytes"] for r in ok(api, "fleet")["results"]), timeout_s=20, what="two rows with stats")
        sick.set_osd(0, up=False)
        wait_until(lambda: [r["fsid"] for r in ok(api, "fleet", health="HEALTH_WARN")["results"]] == [sick.fsid],
                   timeout_s=15, what="the sick cluster's row")
        rows = ok(api, "fleet", ordering="-health")["results"]
        assert [r["fsid"] for r in rows] == [sick.fsid, well.fsid]
        assert rows[0]["osds"] == {"total": 12, "up": 11, "in": 12} and rows[0]["checks"]["HEALTH_WARN"] >= 1
        assert rows[1]["servers"] == {"managed": 3, "late": 0} and rows[1]["mons"] == {"total": 3, "in_quorum": 3}
        assert ok(api, "fleet", page_size=1, page=2)["results"][0]["fsid"] == ok(api, "fleet")["results"][1]["fsid"]
        refused(api, "fleet", "ordering", ordering="size")
        refused(api, "fleet", "health", health="BAD")
    finally:
        fleet.stop()


def test_a_restart_keeps_the_history_and_neither_repeats_nor_forgets_capacity_events(tmp_path, db_url):
    state = str(tmp_path / "sim")   # the simulated cluster (quota, bytes) outlives its fleet too

    def started():
        daemon = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=["--db", db_url]).start()
        return daemon, start_fleet(daemon, state_dir=state)

    def quota_events(api, fsid) -> list[str]:
        return [e["severity"] for e in api.get(f"cluster/{fsid}/event", params={"page_size": 1000}).json()["results"]
                if e["message"].endswith("of its quota")]

    def fill(api, fleet, fsid, ratio, quota):
        stored = pool_of(ok(api, f"cluster/{fsid}/usage"), "data")["stored_bytes"]
        fleet.clusters[0].write("data", max(0, int(quota * (ratio + 0.002)) - stored))

    daemon, fleet = started()
    try:
        with logged_in_client(daemon.http_url) as api:
            fsid = synced_cluster(api, fleet)
            pool = pool_of(answered(api, f"cluster/{fsid}/usage"), "data")
            quota = int(pool["stored_bytes"] / 0.70)
            run(api, "PATCH", f"cluster/{fsid}/pool/{pool['id']}", {"quota_max_bytes": quota})
            fill(api, fleet, fsid, 0.80, quota)
            wait_until(lambda: quota_events(api, fsid) == ["WARNING"], timeout_s=15, what="the 75 % event")
            before = wait_until(lambda: (lambda s: s if len(s) >= 3 else None)(
                ok(api, f"cluster/{fsid}/history", series="used_bytes")["series"]["used_bytes"]), timeout_s=15)
    finally:
        fleet.stop()
        assert daemon.stop() == 0
    daemon, fleet = started()
    try:
        with logged_in_client(daemon.http_url) as api:
            wait_until(lambda: api.get(f"cluster/{fsid}/usage").status_code == 200, timeout_s=15)
            after = ok(api, f"cluster/{fsid}/history", series="used_bytes")["series"]["used_bytes"]
            assert after[:len(before)] == before                   # the points before the restart
            wait_until(lambda: len(ok(api, f"cluster/{fsid}/history", series="used_bytes")["series"]["used_bytes"])
                       > len(before) + 2, timeout_s=15, what="new points after the restart")
            assert quota_events(api, fsid) == ["WARNING"]          # still above 75 %: not told again
            fill(api, fleet, fsid, 0.96, quota)
            wait_until(lambda: quota_events(api, fsid) == ["ERROR", "WARNING"], timeout_s=15,
                       what="the 95 % event after the restart")
    finally:
        fleet.stop()
        assert daemon.stop() == 0
