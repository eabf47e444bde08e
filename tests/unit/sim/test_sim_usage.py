"""The simulator's usage model (sim/usage/): bytes that grow under client load, placement over the
OSDs, recovery, fullness checks, and the stats it serves (docs/sync-objects.md "Stats")."""
from __future__ import annotations

import pytest

from bus import protocol
from sim.fleet import SimFleet
from sim.model import SimCluster
from sim.persist import SimStateDir
from sim.usage import documents
from sim.usage.driver import MB, USAGE_SAVE_EVERY_S
from sim.usage.snapshot import OBJECT_BYTES
from tests.unit.sim_helpers import make

GIB = 1 << 30
POOLS = ("device_health_metrics", "rbd", "data")


def pool_df(cluster: SimCluster) -> dict[str, dict]:
    return {p["name"]: p["stats"] for p in cluster.heartbeat_stats()["df"]["pools"]}


def pgmap(cluster: SimCluster) -> dict:
    return cluster.heartbeat_stats()["pgmap"]


def osd_nodes(cluster: SimCluster) -> dict[int, dict]:
    return {n["id"]: n for n in cluster.get_cluster_stats()["osd_df"]["nodes"]}


def checks(cluster: SimCluster) -> dict[str, tuple[str, list[str]]]:
    return {code: (c["summary"]["message"], [d["message"] for d in c["detail"]])
            for code, c in cluster.health()["checks"].items()}


def fill_until(cluster: SimCluster, code: str, pool: str = "rbd", step: int = GIB // 4) -> None:
    for _ in range(400):
        if code in cluster.health()["checks"]:
            return
        cluster.write(pool, step)
    raise AssertionError(f"{code} never raised: {checks(cluster)}")


# ----- data and load --------------------------------------------------------------------------

def test_a_new_cluster_holds_seeded_data_the_same_for_the_same_seed():
    df = pool_df(make(seed=3))
    assert df == pool_df(make(seed=3)) and df != pool_df(make(seed=4))
    assert df["rbd"]["stored"] > 0 and df["data"]["stored"] > 0
    assert df["rbd"]["objects"] == df["rbd"]["stored"] // OBJECT_BYTES
    assert df["device_health_metrics"]["stored"] == 0          # the mgr's pool takes no client data
    fullest = max(n["utilization"] for n in osd_nodes(make(seed=3)).values())
    assert 20 <= fullest <= 41                                 # seeded to 20-40 % (plus overhead)


def test_pools_grow_under_client_load_and_stand_still_at_zero():
    cluster = make(client_load=4.0)
    before = pool_df(cluster)
    cluster.advance(10)
    after = pool_df(cluster)
    grown = {name: after[name]["stored"] - before[name]["stored"] for name in POOLS}
    # 40 MB written, spread over the client pools by PG count (rbd 64, data 32).
    assert grown["device_health_metrics"] == 0
    assert grown["rbd"] == pytest.approx(40 * MB * 64 / 96, abs=2) and grown["data"] == pytest.approx(
        40 * MB * 32 / 96, abs=2)
    assert after["rbd"]["wr_bytes"] - before["rbd"]["wr_bytes"] == pytest.approx(grown["rbd"], abs=2)
    assert after["rbd"]["rd_bytes"] > before["rbd"]["rd_bytes"]
    io = pgmap(cluster)
    assert io["write_bytes_sec"] == 4 * MB and io["read_bytes_sec"] == 6 * MB
    assert io["write_op_per_sec"] == 61 and io["read_op_per_sec"] == 366
    rates = {p["pool_name"]: p["client_io_rate"] for p in cluster.heartbeat_stats()["pool_stats"]}
    assert rates["device_health_metrics"] == {} and rates["rbd"]["write_bytes_sec"] == 2_666_666

    cluster.client_load = 0
    idle = pool_df(cluster)
    cluster.advance(10)
    assert pool_df(cluster) == idle
    assert not {"read_bytes_sec", "write_bytes_sec", "read_op_per_sec", "write_op_per_sec"} & set(pgmap(cluster))
    assert all(p["client_io_rate"] == {} for p in cluster.heartbeat_stats()["pool_stats"])


def test_totals_add_up_over_pools_and_osds():
    cluster = make(client_load=0)
    stats, df = cluster.get_cluster_stats(), cluster.heartbeat_stats()["df"]
    summary, nodes = stats["osd_df"]["summary"], stats["osd_df"]["nodes"]
    assert df["stats"]["total_bytes"] == 12 * cluster.osd_bytes == summary["total_kb"] * 1024
    assert df["stats"]["total_used_bytes"] // 1024 == pytest.approx(summary["total_kb_used"], abs=12)
    assert sum(n["kb_used"] for n in nodes) == summary["total_kb_used"]
    assert sum(p["stats"]["bytes_used"] for p in df["pools"]) == pytest.approx(
        sum(n["kb_used_data"] for n in nodes) * 1024, rel=1e-6)
    for pool in df["pools"]:            # three replicas of every user byte
        assert pool["stats"]["bytes_used"] == pytest.approx(3 * pool["stats"]["stored"], abs=3)
    assert pgmap(cluster)["data_bytes"] == sum(p["stats"]["stored"] for p in df["pools"])


# ----- placement and recovery -------------------------------------------------------------------

def test_utilisation_differs_per_osd_and_moves_when_an_osd_goes_out():
    cluster = make(client_load=0)
    before = osd_nodes(cluster)
    assert len({round(n["utilization"], 3) for n in before.values()}) > 6
    assert min(n["var"] for n in before.values()) < 0.95 < 1.05 < max(n["var"] for n in before.values())
    cluster.stop_osd(4)
    cluster.set_osd(4, in_=False)
    for _ in range(60):
        cluster.advance(1)
        if cluster.health()["status"] == "HEALTH_OK":
            break
    after = osd_nodes(cluster)
    assert (after[4]["status"], after[4]["reweight"], after[4]["pgs"], after[4]["kb_used"]) == ("down", 0, 0, 0)
    assert all(after[i]["kb_used"] >= before[i]["kb_used"] for i in after if i != 4)
    moved = sum(after[i]["kb_used_data"] - before[i]["kb_used_data"] for i in after if i != 4)
    assert moved == pytest.approx(before[4]["kb_used_data"], rel=1e-4)   # its copies went elsewhere


RATE_KEYS = {"recovering_objects_per_sec", "recovering_bytes_per_sec", "recovering_keys_per_sec",
             "num_objects_recovered", "num_bytes_recovered", "num_keys_recovered"}


def recovery_keys(figures: dict) -> set[str]:
    return {k for k in figures if k.startswith(("degraded", "misplaced")) or k in RATE_KEYS}


def test_degraded_then_recovering_then_clean_step_by_step():
    cluster = make(client_load=0)
    assert recovery_keys(pgmap(cluster)) == set()
    cluster.stop_osd(4)
    cluster.set_osd(4, in_=False)
    down = pgmap(cluster)
    assert down["degraded_objects"] > 0 and down["degraded_total"] == 3 * down["num_objects"]
    assert down["degraded_ratio"] == pytest.approx(down["degraded_objects"] / down["degraded_total"])
    assert "recovering_bytes_per_sec" not in down and "misplaced_objects" not in down
    per_pool = {p["pool_name"]: p["recovery"] for p in cluster.heartbeat_stats()["pool_stats"]}
    assert sum(r.get("degraded_objects", 0) for r in per_pool.values()) == down["degraded_objects"]

    cluster.advance(1)           # 5 PGs re-placed: their copies recovered, backfilling
    step = pgmap(cluster)
    assert step["degraded_objects"] < down["degraded_objects"] and step["misplaced_objects"] > 0
    assert step["recovering_objects_per_sec"] > 0 and step["recovering_bytes_per_sec"] > 0
    assert step["num_bytes_recovered"] == step["recovering_bytes_per_sec"]          # a 1 s step
    rates = [p["recovery_rate"] for p in cluster.heartbeat_stats()["pool_stats"] if p["recovery_rate"]]
    assert sum(r["recovering_bytes_per_sec"] for r in rates) == pytest.approx(step["recovering_bytes_per_sec"], abs=3)
    latency = cluster.get_cluster_stats()["osd_perf"]["osdstats"]["osd_perf_infos"]
    for _ in range(60):
        cluster.advance(1)
        if "degraded_objects" not in pgmap(cluster) and "misplaced_objects" not in pgmap(cluster):
            break
    assert recovery_keys(pgmap(cluster)) <= RATE_KEYS
    cluster.advance(1)           # nothing left to recover: the rates go too
    assert recovery_keys(pgmap(cluster)) == set()
    assert all(p["recovery"] == {} and p["recovery_rate"] == {} for p in cluster.heartbeat_stats()["pool_stats"])
    calm = cluster.get_cluster_stats()["osd_perf"]["osdstats"]["osd_perf_infos"]
    assert sum(i["perf_stats"]["commit_latency_ms"] for i in calm) < sum(
        i["perf_stats"]["commit_latency_ms"] for i in latency)                  # recovery costs latency


# ----- fullness ----------------------------------------------------------------------------------

def test_osd_and_pool_fullness_checks_fire_with_pacifics_words_and_clear():
    cluster = make(hosts=3, osds_per_host=2, osd_bytes=10 * GIB, client_load=0)
    epoch = cluster.versions()["osd_map"]
    fill_until(cluster, "OSD_NEARFULL")
    message, lines = checks(cluster)["OSD_NEARFULL"]
    assert message == f"{len(lines)} nearfull osd(s)" and all(l.endswith(" is near full") for l in lines)
    assert checks(cluster)["POOL_NEARFULL"] == ("3 pool(s) nearfull", [
        "pool 'device_health_metrics' is nearfull", "pool 'rbd' is nearfull", "pool 'data' is nearfull"])
    assert cluster.health()["status"] == "HEALTH_WARN"
    assert cluster.versions()["osd_map"] == epoch + 1                 # the states are in the OSD map
    dump = cluster.osd_dump()
    nearfull = {int(l.split()[0][4:]) for l in lines}
    assert {o["osd"] for o in dump["osds"] if "nearfull" in o["state"]} == nearfull
    assert dump["pools"][1]["flags_names"] == "hashpspool,nearfull" and dump["pools"][1]["flags"] == 1 | 2048
    assert all(osd_nodes(cluster)[i]["utilization"] >= 85 for i in nearfull)

    fill_until(cluster, "OSD_FULL")
    found = checks(cluster)
    assert found["OSD_FULL"][1][0].endswith(" is full") and cluster.health()["checks"]["OSD_FULL"][
        "severity"] == "HEALTH_ERR"
    assert cluster.health()["status"] == "HEALTH_ERR"
    assert "pool 'rbd' is full (no space)" in found["POOL_FULL"][1]
    log = cluster.tail_log(cluster.host_fqdns[0], "ceph/ceph.log", 30)
    assert "cluster [ERR] Health check failed: 1 full osd(s) (OSD_FULL)" in log
    assert "cluster [WRN] Health check failed: 3 pool(s) full (POOL_FULL)" in log
    cluster.client_load = 4.0                         # a full pool takes no more writes
    stored = pool_df(cluster)["rbd"]["stored"]
    cluster.advance(5)
    assert pool_df(cluster)["rbd"]["stored"] == stored and "write_bytes_sec" not in pgmap(cluster)

    cluster.apply_commands([["osd pool delete", {"pool": "rbd", "pool2": "rbd",
                                                 "yes_i_really_really_mean_it": True}]])
    cluster.advance(1)
    assert not {"OSD_FULL", "OSD_BACKFILLFULL", "POOL_FULL", "POOL_NEARFULL"} & set(checks(cluster))


def test_a_pool_at_its_quota_is_full_until_the_quota_is_lifted():
    cluster = make(client_load=4.0)
    stored = pool_df(cluster)["data"]["stored"]
    cluster.apply_commands([["osd pool set-quota", {"pool": "data", "field": "max_bytes",
                                                    "val": str(stored + 5 * MB)}]])
    cluster.advance(1)
    assert "POOL_FULL" not in checks(cluster)                     # Pacific warns of nothing before
    cluster.advance(10)
    assert checks(cluster)["POOL_FULL"] == ("1 pool(s) full", ["pool 'data' is full (running out of quota)"])
    assert pool_df(cluster)["data"]["stored"] == stored + 5 * MB   # no byte past the quota
    assert cluster.osd_dump()["pools"][2]["flags_names"] == "hashpspool,full,full_quota"
    rates = {p["pool_name"]: p["client_io_rate"] for p in cluster.heartbeat_stats()["pool_stats"]}
    assert "write_bytes_sec" not in rates["data"] and rates["rbd"]["write_bytes_sec"] > 0
    cluster.apply_commands([["osd pool set-quota", {"pool": "data", "field": "max_bytes", "val": "0"}]])
    cluster.advance(1)
    assert "POOL_FULL" not in checks(cluster)
    assert cluster.osd_dump()["pools"][2]["flags_names"] == "hashpspool"


# ----- versions, caching, persistence ------------------------------------------------------------

def test_usage_alone_never_moves_the_version_vector():
    cluster = make(client_load=50.0)
    versions, before = cluster.versions(), pgmap(cluster)
    for _ in range(30):
        cluster.advance(1)
    assert cluster.versions() == versions
    assert pgmap(cluster)["data_bytes"] > before["data_bytes"]


def test_one_moment_is_computed_once_for_every_heartbeat_of_it(monkeypatch):
    cluster = make(client_load=4.0)
    built = []
    original = documents.pgmap
    monkeypatch.setattr(documents, "pgmap", lambda *a: built.append(1) or original(*a))
    beats = [cluster.cluster_heartbeat(fqdn) for fqdn in cluster.host_fqdns[:3]]
    assert len(built) == 1 and beats[0]["stats"] == beats[2]["stats"]
    beats[0]["stats"]["pgmap"]["num_pgs"] = -1                    # a copy: the cache is not touched
    assert cluster.heartbeat_stats()["pgmap"]["num_pgs"] == 97
    cluster.advance(1)                                             # bytes moved: a new moment
    cluster.heartbeat_stats()
    cluster.client_load = 0
    cluster.advance(1)
    cluster.heartbeat_stats()
    cluster.advance(1)                                             # idle: the same moment
    cluster.heartbeat_stats()
    assert len(built) == 3


def test_a_resumed_cluster_keeps_its_bytes_states_and_rates(tmp_path):
    state = SimStateDir(tmp_path / "sim")
    cluster = make(hosts=3, osds_per_host=2, osd_bytes=10 * GIB, client_load=2.0)
    cluster.saver = state.save
    fill_until(cluster, "OSD_NEARFULL", pool="data")     # a write saves at once
    cluster.stop_osd(1)
    cluster.advance(1)
    resumed = SimCluster.from_state(state.load(0), clock=cluster.now)
    assert resumed.heartbeat_stats() == cluster.heartbeat_stats()
    assert resumed.get_cluster_stats() == cluster.get_cluster_stats()
    assert resumed.health() == cluster.health() and resumed.versions() == cluster.versions()
    assert resumed.client_load == 2.0


def test_growth_alone_is_saved_every_so_often_not_every_step(tmp_path):
    state = SimStateDir(tmp_path / "sim")
    cluster = make(client_load=0.5)
    cluster.saver = state.save
    cluster.checkpoint(force=True)
    cluster.advance(1)
    assert pool_df(SimCluster.from_state(state.load(0), clock=cluster.now)) != pool_df(cluster)
    cluster.advance(USAGE_SAVE_EVERY_S)
    assert pool_df(SimCluster.from_state(state.load(0), clock=cluster.now)) == pool_df(cluster)


# ----- shapes, flags and arguments ----------------------------------------------------------------

# Keys of Pacific's documents (docs/sync-objects.md "Stats", captured on a 16.2 cluster).
DF_POOL_KEYS = {"stored", "stored_data", "stored_omap", "objects", "kb_used", "bytes_used", "data_bytes_used",
                "omap_bytes_used", "percent_used", "max_avail", "quota_objects", "quota_bytes", "dirty", "rd",
                "rd_bytes", "wr", "wr_bytes", "compress_bytes_used", "compress_under_bytes", "stored_raw",
                "avail_raw"}
OSD_DF_NODE_KEYS = {"id", "device_class", "name", "type", "type_id", "crush_weight", "depth", "pool_weights",
                    "reweight", "kb", "kb_used", "kb_used_data", "kb_used_omap", "kb_used_meta", "kb_avail",
                    "utilization", "var", "pgs", "status"}


def test_documents_have_pacifics_keys():
    cluster = make()
    stats, osds = cluster.heartbeat_stats(), cluster.get_cluster_stats()
    assert set(stats) == {"taken_at", *protocol.HEARTBEAT_STATS} and set(osds) == {"fsid", "taken_at",
                                                                                    *protocol.STATS_OBJECTS}
    assert {"pgs_by_state", "num_pgs", "num_pools", "num_objects", "data_bytes", "bytes_used", "bytes_avail",
            "bytes_total"} <= set(stats["pgmap"])
    assert set(stats["df"]) == {"stats", "stats_by_class", "pools"} and set(stats["df"]["stats_by_class"]) == {"hdd"}
    assert all(set(p["stats"]) == DF_POOL_KEYS for p in stats["df"]["pools"])
    assert [set(p) for p in stats["pool_stats"]] == [{"pool_name", "pool_id", "recovery", "recovery_rate",
                                                      "client_io_rate"}] * 3
    assert all(set(n) == OSD_DF_NODE_KEYS for n in osds["osd_df"]["nodes"])
    assert set(osds["osd_df"]["summary"]) == {"total_kb", "total_kb_used", "total_kb_used_data",
                                              "total_kb_used_omap", "total_kb_used_meta", "total_kb_avail",
                                              "average_utilization", "min_var", "max_var", "dev"}
    perf = osds["osd_perf"]["osdstats"]["osd_perf_infos"]
    assert [i["id"] for i in perf] == sorted(cluster.osd_ids, reverse=True)
    assert all(i["perf_stats"]["commit_latency_ns"] == i["perf_stats"]["commit_latency_ms"] * 1_000_000 > 0
               for i in perf)


def test_osd_bytes_sets_capacity_and_crush_weight():
    cluster = make(hosts=1, osds_per_host=3, osd_bytes=GIB)
    node = osd_nodes(cluster)[0]
    assert node["kb"] == GIB // 1024 and node["crush_weight"] == pytest.approx(1 / 1024, rel=1e-3)
    with pytest.raises(ValueError):
        make(osd_bytes=0)
    with pytest.raises(ValueError):
        make(client_load=-1)


def test_the_fleet_gives_its_clusters_its_client_load():
    fleet = SimFleet("tcp://127.0.0.1:1", server_key="k" * 40, clusters=2, servers=1, osds_per_server=1,
                     client_load=7.5, advance_every_s=None)
    assert [c.client_load for c in fleet.clusters] == [7.5, 7.5]
    with pytest.raises(ValueError, match="client_load"):
        SimFleet("tcp://127.0.0.1:1", server_key="k" * 40, client_load=-1)


@pytest.mark.parametrize("argv, flag", [(["--sim-client-load", "-1"], "--sim-client-load"),
                                        (["sim", "--connect", "tcp://h:1", "--server-key", "k", "--client-load", "-0.5"],
                                         "--client-load")])
def test_a_negative_client_load_flag_is_a_usage_error_naming_it(argv, flag, capsys):
    from run import parse_args
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv)
    assert stopped.value.code == 2 and f"argument {flag}: must be at least 0" in capsys.readouterr().err


def test_client_load_flags_default_to_a_small_load():
    from run import parse_args
    assert parse_args([]).sim_client_load == 4.0
    assert parse_args(["sim", "--connect", "tcp://h:1", "--server-key", "k"]).client_load == 4.0
    assert parse_args(["sim", "--connect", "tcp://h:1", "--server-key", "k", "--client-load", "0"]).client_load == 0
