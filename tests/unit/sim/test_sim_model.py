"""SimCluster: shapes per docs/sync-objects.md, determinism, versions, PG and quorum dynamics."""
from __future__ import annotations

import hashlib
import json
import re

import pytest

from agent.backend import SYNC_TYPES
from bus import protocol
from sim.crush.model import fixed
from sim.model import SimCluster
from tests.unit.sim_helpers import NOW, make


@pytest.fixture
def cluster() -> SimCluster:
    return make()


def data(cluster: SimCluster, sync_type: str):
    return cluster.get_cluster_object(sync_type)["data"]


def health_codes(cluster: SimCluster) -> set[str]:
    return set(data(cluster, "health")["checks"])


def settle(cluster: SimCluster, max_steps: int = 100) -> int:
    """Advance one second at a time until HEALTH_OK; the number of steps it took."""
    for step in range(1, max_steps + 1):
        cluster.advance(1.0)
        if data(cluster, "health")["status"] == "HEALTH_OK":
            return step
    raise AssertionError(f"not HEALTH_OK after {max_steps} s: {health_codes(cluster)}")


# ----- shapes -------------------------------------------------------------------------------

def test_every_sync_type_has_the_envelope_and_its_version(cluster):
    versions = cluster.versions()
    assert set(versions) == set(SYNC_TYPES)
    for sync_type in SYNC_TYPES:
        obj = cluster.get_cluster_object(sync_type)
        assert set(obj) == {"fsid", "type", "version", "data"}
        assert (obj["fsid"], obj["type"], obj["version"]) == (cluster.fsid, sync_type, versions[sync_type])


def test_osd_map_keys(cluster):
    osd_map = data(cluster, "osd_map")
    assert {"epoch", "fsid", "created", "modified", "flags", "crush_version", "max_osd", "pools",
            "osds", "osd_xinfo", "pg_upmap", "pg_upmap_items", "pg_temp", "primary_temp",
            "blocklist", "erasure_code_profiles", "tree", "crush", "crush_map_text",
            "osd_metadata"} <= set(osd_map)
    assert osd_map["fsid"] == cluster.fsid
    assert osd_map["max_osd"] == 12
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000", osd_map["created"])
    assert osd_map["flags"] == "sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit"


def test_pools(cluster):
    pools = data(cluster, "osd_map")["pools"]
    assert [(p["pool"], p["pool_name"], p["pg_num"]) for p in pools] == [
        (1, "device_health_metrics", 1), (2, "rbd", 64), (3, "data", 32)]
    doc_keys = {"pool", "pool_name", "create_time", "flags", "flags_names", "type", "size",
                "min_size", "crush_rule", "object_hash", "pg_autoscale_mode", "pg_num",
                "pg_placement_num", "pg_placement_num_target", "pg_num_target", "pg_num_pending",
                "last_change", "auid", "quota_max_bytes", "quota_max_objects", "tiers", "tier_of",
                "read_tier", "write_tier", "cache_mode", "erasure_code_profile",
                "application_metadata"}
    for pool in pools:
        assert doc_keys <= set(pool)
        assert (pool["size"], pool["min_size"], pool["crush_rule"], pool["type"]) == (3, 2, 0, 1)
        assert (pool["flags"], pool["flags_names"]) == (1, "hashpspool")
        assert pool["pg_placement_num"] == pool["pg_num"]
        assert isinstance(pool["last_change"], str)


def test_pool_size_follows_host_count():
    pools = data(make(hosts=2, osds_per_host=2), "osd_map")["pools"]
    assert {(p["size"], p["min_size"]) for p in pools} == {(2, 1)}


def test_osd_entries_and_addresses(cluster):
    osds = data(cluster, "osd_map")["osds"]
    assert [o["osd"] for o in osds] == list(range(12))
    osd5 = osds[5]  # host 1, slot 1
    assert {"osd", "uuid", "up", "in", "weight", "primary_affinity", "last_clean_begin",
            "last_clean_end", "up_from", "up_thru", "down_at", "lost_at", "public_addrs",
            "cluster_addrs", "public_addr", "cluster_addr", "heartbeat_back_addr",
            "heartbeat_front_addr", "state"} <= set(osd5)
    assert (osd5["up"], osd5["in"], osd5["weight"], osd5["state"]) == (1, 1, 1.0, ["exists", "up"])
    assert osd5["public_addr"].startswith("10.0.0.2:")
    assert osd5["cluster_addr"].startswith("10.100.0.2:")
    assert osd5["public_addrs"]["addrvec"][0]["addr"] == "10.0.0.2:6808"
    assert len({o["uuid"] for o in osds}) == 12


def test_addresses_of_a_big_index():
    cluster = make(index=7, hosts=260, osds_per_host=0)
    heartbeat = cluster.server_heartbeat("ceph7-node251.sim.test")
    assert heartbeat["grains"]["ip_interfaces"] == {"eth0": ["10.7.1.2"], "eth1": ["10.107.1.2"]}


def test_tree(cluster):
    tree = data(cluster, "osd_map")["tree"]
    assert set(tree) == {"nodes", "stray"}
    nodes = {n["id"]: n for n in tree["nodes"]}
    assert nodes[-1]["name"] == "default" and nodes[-1]["type"] == "root"
    assert sorted(nodes[-1]["children"]) == [-4, -3, -2]
    assert (nodes[-3]["name"], nodes[-3]["type"], sorted(nodes[-3]["children"])) == (
        "ceph0-node001", "host", [4, 5, 6, 7])
    assert {"id", "device_class", "name", "type", "type_id", "crush_weight", "depth",
            "pool_weights", "exists", "status", "reweight", "primary_affinity"} <= set(nodes[4])
    # a realistic disk's CRUSH weight has a fraction, as Ceph's do (16.16 fixed point shows)
    assert (nodes[4]["crush_weight"], nodes[4]["status"], nodes[4]["reweight"]) == (
        fixed(1.8194) / 0x10000, "up", 1.0)


def test_crush_dump(cluster):
    crush = data(cluster, "osd_map")["crush"]
    assert set(crush) == {"devices", "types", "buckets", "rules", "tunables", "choose_args"}
    assert crush["devices"][3] == {"id": 3, "name": "osd.3", "class": "hdd"}
    assert {"type_id": 11, "name": "root"} in crush["types"]
    buckets = {b["id"]: b for b in crush["buckets"]}
    shadows = {b["name"]: b for b in crush["buckets"] if "~" in b["name"]}
    assert set(buckets) - {b["id"] for b in shadows.values()} == {-1, -2, -3, -4}
    # Pacific's device-class shadows: one per bucket for the one class, of the same weight
    assert set(shadows) == {"default~hdd", *(f"ceph0-node00{i}~hdd" for i in range(3))}
    assert shadows["default~hdd"]["weight"] == 12 * fixed(1.8194)
    assert [i["id"] for i in shadows["default~hdd"]["items"]] == [shadows[f"ceph0-node00{i}~hdd"]["id"]
                                                                   for i in range(3)]
    assert buckets[-2]["name"] == "ceph0-node000"
    assert buckets[-2]["items"][0] == {"id": 0, "weight": fixed(1.8194), "pos": 0}
    assert buckets[-2]["weight"] == 4 * fixed(1.8194)
    assert buckets[-1]["weight"] == 12 * fixed(1.8194)
    assert {"id", "name", "type_id", "type_name", "weight", "alg", "hash", "items"} == set(buckets[-1])
    (rule,) = crush["rules"]
    assert (rule["rule_id"], rule["rule_name"], rule["ruleset"], rule["type"]) == (0, "replicated_rule", 0, 1)
    assert rule["steps"] == [{"op": "take", "item": -1, "item_name": "default"},
                             {"op": "chooseleaf_firstn", "num": 0, "type": "host"},
                             {"op": "emit"}]


def test_crush_text_is_consistent_with_the_dump(cluster):
    osd_map = data(cluster, "osd_map")
    text = osd_map["crush_map_text"]
    assert text.startswith("# begin crush map\n") and text.rstrip().endswith("# end crush map")
    for bucket in osd_map["crush"]["buckets"]:
        if "~" in bucket["name"]:   # a shadow is an `id ... class` line of its bucket, as crushtool -d writes
            base, device_class = bucket["name"].split("~")
            assert re.search(rf"\n\S+ {base} {{\n\tid -?\d+\t[^\n]*\n\tid {bucket['id']} class {device_class}\t", text)
        else:
            assert f"{bucket['type_name']} {bucket['name']} {{\n\tid {bucket['id']}\t" in text
    for rule in osd_map["crush"]["rules"]:
        assert f"rule {rule['rule_name']} {{\n\tid {rule['rule_id']}\n" in text
    assert "\tstep chooseleaf firstn 0 type host\n" in text
    assert "device 11 osd.11 class hdd\n" in text
    assert text.index("host ceph0-node002 {") < text.index("root default {")  # children first
    items = re.findall(r"\titem (\S+) weight ([\d.]+)", text)
    assert ("ceph0-node001", "7.27759") in items and ("osd.7", "1.81940") in items
    assert len(items) == 12 + 3


def test_osd_metadata(cluster):
    from sim import ceph_json
    osd = cluster.osds[9]
    m9 = ceph_json.osd_metadata(osd, cluster.hosts[osd.host], ceph_json.osd_created(0.0, osd))
    assert m9["hostname"] == "ceph0-node002"
    assert m9["osd_data"] == "/var/lib/ceph/osd/ceph-9"
    assert m9["osd_objectstore"] == "bluestore"
    assert m9["devices"] == "sdc"
    assert m9["ceph_version"].startswith("ceph version 16.2.15 (")
    assert m9["created_at"].endswith("Z") and m9["ceph_version_when_created"] == m9["ceph_version"]
    assert m9["front_addr"].startswith("[v2:10.0.0.3:") and m9["back_addr"].startswith("[v2:10.100.0.3:")
    sent = data(cluster, "osd_map")["osd_metadata"]              # as an agent sends it: trimmed
    assert [m["id"] for m in sent] == list(range(12))
    assert sent[9] == {key: m9[key] for key in protocol.OSD_METADATA_KEYS if key in m9}


def test_mon_map(cluster):
    mon_map = data(cluster, "mon_map")
    assert {"epoch", "fsid", "modified", "created", "min_mon_release", "min_mon_release_name",
            "mons"} <= set(mon_map)
    assert mon_map["epoch"] == 3 and cluster.versions()["mon_map"] == 3
    assert [(m["rank"], m["name"]) for m in mon_map["mons"]] == [
        (0, "ceph0-node000"), (1, "ceph0-node001"), (2, "ceph0-node002")]
    mon1 = mon_map["mons"][1]
    assert mon1["addr"] == mon1["public_addr"] == "10.0.0.2:6789/0"
    assert [a["addr"] for a in mon1["public_addrs"]["addrvec"]] == ["10.0.0.2:3300", "10.0.0.2:6789"]


def test_mon_status_and_quorum_status(cluster):
    status = data(cluster, "mon_status")
    assert {"name", "rank", "state", "election_epoch", "quorum", "quorum_age", "features",
            "outside_quorum", "extra_probe_peers", "sync_provider", "monmap"} <= set(status)
    assert (status["name"], status["state"], status["quorum"]) == ("ceph0-node000", "leader", [0, 1, 2])
    # `mon dump` alone lists the quorum; the monmap inside mon_status does not
    assert {**status["monmap"], "quorum": [0, 1, 2]} == data(cluster, "mon_map")
    assert status["feature_map"]["osd"][0]["num"] == 4   # its share of the 12 OSDs' sessions
    quorum = data(cluster, "quorum_status")
    assert {"election_epoch", "quorum", "quorum_names", "quorum_leader_name", "quorum_age",
            "features", "monmap"} <= set(quorum)
    assert quorum["quorum_names"] == ["ceph0-node000", "ceph0-node001", "ceph0-node002"]
    assert quorum["quorum_leader_name"] == "ceph0-node000"
    assert quorum["election_epoch"] == status["election_epoch"] == cluster.versions()["mon_status"]


def test_mds_map_without_filesystems(cluster):
    fs_map = data(cluster, "mds_map")
    assert {"epoch", "default_fscid", "compat", "feature_flags", "standbys", "filesystems"} <= set(fs_map)
    assert (fs_map["filesystems"], fs_map["standbys"], fs_map["epoch"]) == ([], [], 1)


def test_health_ok_shape(cluster):
    assert data(cluster, "health") == {"status": "HEALTH_OK", "checks": {}, "mutes": []}


def test_config(cluster):
    config = data(cluster, "config")
    assert len(config) >= 60
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in config.items())
    assert config["fsid"] == cluster.fsid
    assert {k: config[k] for k in ("osd_pool_default_size", "osd_pool_default_min_size",
                                   "osd_pool_default_pg_num", "osd_pool_default_crush_rule",
                                   "osd_pool_default_flag_hashpspool", "mon_max_pool_pg_num",
                                   "mon_max_pg_per_osd", "osd_pool_default_type")} == {
        "osd_pool_default_size": "3", "osd_pool_default_min_size": "0",
        "osd_pool_default_pg_num": "32", "osd_pool_default_crush_rule": "-1",
        "osd_pool_default_flag_hashpspool": "true", "mon_max_pool_pg_num": "65536",
        "mon_max_pg_per_osd": "250", "osd_pool_default_type": "replicated"}
    assert "mon_osd_max_split_count" not in config    # Pacific has no such option
    assert "osd_pool_default_pgp_num" in config
    assert config["public_network"] == "10.0.0.0/16"
    assert config["mon_host"].startswith("[v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0] ")


def test_unknown_sync_type(cluster):
    with pytest.raises(ValueError, match="unknown sync type 'osd_tree'"):
        cluster.get_cluster_object("osd_tree")


def test_returned_objects_are_independent_of_the_model(cluster):
    first = cluster.get_cluster_object("osd_map")
    first["data"]["osds"][0]["up"] = 0
    first["data"]["tree"]["nodes"].clear()
    health = cluster.get_cluster_object("health")
    health["data"]["checks"]["BOGUS"] = {}
    cluster.set_osd(1, up=False)
    assert data(cluster, "osd_map")["osds"][0]["up"] == 1
    assert first["version"] == cluster.versions()["osd_map"] - 1
    assert "BOGUS" not in health_codes(cluster)


# ----- PGs ----------------------------------------------------------------------------------

def test_pgids_are_hex_and_placement_spans_hosts(cluster):
    pgs = cluster.pgs_brief()
    assert len(pgs) == 97
    pgids = {pg["pgid"] for pg in pgs}
    assert {"1.0", "2.0", "2.a", "2.3f", "3.1f"} <= pgids and "2.10" in pgids and "2.63" not in pgids
    for pg in pgs:
        assert pg["state"] == "active+clean"
        assert len(pg["acting"]) == 3
        assert len({osd // 4 for osd in pg["acting"]}) == 3  # distinct hosts
        assert pg["acting_primary"] == pg["acting"][0]


def test_pg_summary_counting_rule(cluster):
    summary = data(cluster, "pg_summary")
    assert set(summary) == {"by_osd", "by_pool", "all"}
    assert summary["all"] == {"active+clean": 97}
    assert summary["by_pool"] == {"1": {"active+clean": 1}, "2": {"active+clean": 64},
                                  "3": {"active+clean": 32}}
    assert set(summary["by_osd"]) <= {str(i) for i in range(12)}
    assert sum(n for states in summary["by_osd"].values() for n in states.values()) == 97 * 3
    per_osd = {}
    for pg in cluster.pgs_brief():
        for osd in pg["acting"]:
            per_osd[str(osd)] = per_osd.get(str(osd), 0) + 1
    assert {k: v["active+clean"] for k, v in summary["by_osd"].items()} == per_osd


def test_new_pool_pgs_are_created_over_time(cluster):
    epoch = cluster.versions()["osd_map"]
    pool_id = cluster.create_pool("images", 64)
    assert pool_id == 4 and cluster.versions()["osd_map"] == epoch + 1
    assert data(cluster, "pg_summary")["by_pool"]["4"] == {"creating": 64}
    availability = data(cluster, "health")["checks"]["PG_AVAILABILITY"]
    assert availability["summary"] == {"message": "Reduced data availability: 64 pgs inactive", "count": 64}
    cluster.advance(1.0)  # default pg_create_rate: 20 per second
    assert data(cluster, "pg_summary")["by_pool"]["4"] == {"creating": 44, "active+clean": 20}
    cluster.advance(2.5)
    assert data(cluster, "pg_summary")["by_pool"]["4"] == {"active+clean": 64}
    assert data(cluster, "health")["status"] == "HEALTH_OK"
    with pytest.raises(ValueError, match="already exists"):
        cluster.create_pool("images", 8)


def test_create_rate_is_configurable():
    cluster = make(pg_create_rate=4.0)
    cluster.create_pool("slow", 10)
    cluster.advance(0.5)
    cluster.advance(0.5)
    assert data(cluster, "pg_summary")["by_pool"]["4"] == {"creating": 6, "active+clean": 4}


def test_osd_down_degrades_pgs_then_recovery(cluster):
    before = cluster.versions()
    affected = [pg["pgid"] for pg in cluster.pgs_brief() if 5 in pg["acting"]]
    stale = [pg["pgid"] for pg in cluster.pgs_brief() if pg["acting"][0] == 5]
    cluster.set_osd(5, up=False)
    after = cluster.versions()
    assert after["osd_map"] == before["osd_map"] + 1
    assert after["health"] != before["health"] and after["pg_summary"] != before["pg_summary"]
    osd_map = data(cluster, "osd_map")
    assert (osd_map["osds"][5]["up"], osd_map["osds"][5]["state"]) == (0, ["exists"])
    assert osd_map["osds"][5]["down_at"] == after["osd_map"]
    assert [n["status"] for n in osd_map["tree"]["nodes"] if n["id"] == 5] == ["down"]
    health = data(cluster, "health")
    assert health["status"] == "HEALTH_WARN"
    assert health["checks"]["OSD_DOWN"]["summary"] == {"message": "1 osds down", "count": 1}
    assert health["checks"]["OSD_DOWN"]["detail"] == [
        {"message": "osd.5 (root=default,host=ceph0-node001) is down"}]
    assert health["checks"]["PG_DEGRADED"]["summary"]["count"] == len(affected)
    assert health["checks"]["PG_AVAILABILITY"]["summary"]["count"] == len(stale)
    states = {pg["pgid"]: pg["state"] for pg in cluster.pgs_brief()}
    assert {states[p] for p in affected} == {"active+undersized+degraded",
                                             "stale+active+undersized+degraded"}
    assert all(states[p] == "stale+active+undersized+degraded" for p in stale)
    cluster.advance(1.0)  # recovery_rate 5: five PGs re-placed
    summary = data(cluster, "pg_summary")["all"]
    assert summary["active+remapped+backfilling"] == 5
    cluster.set_osd(5, up=True)
    settle(cluster)
    assert data(cluster, "pg_summary")["all"] == {"active+clean": 97}
    assert cluster.versions()["health"] == before["health"]  # same content, same digest
    assert cluster.versions()["osd_map"] == before["osd_map"] + 2


def test_recovery_rate_bounds_the_recovery_time(cluster):
    affected = sum(1 for pg in cluster.pgs_brief() if 0 in pg["acting"])
    cluster.set_osd(0, in_=False)
    assert data(cluster, "pg_summary")["all"]["active+undersized+degraded"] == affected
    steps = settle(cluster)
    assert steps == -(-affected // 5) + 1  # 5 re-placed per second, backfill ends a step later
    assert "0" not in data(cluster, "pg_summary")["by_osd"]  # out: holds no PG any more
    assert data(cluster, "osd_map")["osds"][0]["weight"] == 0.0


def test_a_down_and_out_osd_is_healthy_once_recovered(cluster):
    cluster.set_osd(3, up=False, in_=False)
    assert "OSD_DOWN" not in health_codes(cluster)  # only down *and in* OSDs warn, as in Ceph
    assert "PG_DEGRADED" in health_codes(cluster)
    settle(cluster)
    assert data(cluster, "health") == {"status": "HEALTH_OK", "checks": {}, "mutes": []}


def test_a_whole_host_down_cannot_recover_with_three_hosts(cluster):
    for osd in range(4):
        cluster.stop_osd(osd)
    health = data(cluster, "health")
    assert health["checks"]["OSD_HOST_DOWN"]["summary"]["message"] == "1 host (4 osds) down"
    assert health["checks"]["OSD_DOWN"]["summary"]["count"] == 4
    for _ in range(30):
        cluster.advance(1.0)  # chooseleaf host: no third host to recover onto
    states = data(cluster, "pg_summary")["all"]
    assert set(states) == {"active+undersized+degraded", "stale+active+undersized+degraded"}
    assert sum(states.values()) == 97


def test_too_few_osds_leave_pgs_undersized():
    cluster = make(hosts=3, osds_per_host=1)
    cluster.create_pool("wide", 8, size=4)
    cluster.advance(1.0)
    assert data(cluster, "pg_summary")["by_pool"]["4"] == {"active+undersized+degraded": 8}
    assert data(cluster, "health")["checks"]["PG_DEGRADED"]["summary"]["count"] == 8
    assert data(make(hosts=3, osds_per_host=0), "health")["status"] == "HEALTH_WARN"


def test_min_size_loss_makes_pgs_inactive():
    cluster = make(hosts=3, osds_per_host=1)
    cluster.set_osd(1, up=False)
    cluster.set_osd(2, up=False)
    states = set(data(cluster, "pg_summary")["all"])
    assert states <= {"undersized+degraded+peered", "stale+undersized+degraded+peered"}
    message = data(cluster, "health")["checks"]["PG_AVAILABILITY"]["summary"]["message"]
    assert message.startswith("Reduced data availability: 97 pgs inactive")


# ----- versions -----------------------------------------------------------------------------

def test_digests_are_md5_of_canonical_json(cluster):
    for sync_type in ("pg_summary", "health", "config"):
        obj = cluster.get_cluster_object(sync_type)
        canonical = json.dumps(obj["data"], sort_keys=True, separators=(",", ":"))
        assert obj["version"] == hashlib.md5(canonical.encode()).hexdigest()


def test_versions_do_not_change_without_a_change(cluster):
    before = cluster.versions()
    cluster.advance(10.0)
    cluster.set_osd(3, up=True, in_=True)
    cluster.reboot(cluster.host_fqdns[0])
    cluster.start_mon("ceph0-node001")
    cluster.set_ceph_version(cluster.host_fqdns[1], "16.2.15")
    assert cluster.versions() == before


def test_epochs_only_grow(cluster):
    seen = [cluster.versions()]
    cluster.set_osd(2, in_=False)
    seen.append(cluster.versions())
    cluster.stop_mon("ceph0-node002")
    seen.append(cluster.versions())
    cluster.set_osd(2, in_=True)
    cluster.start_mon("ceph0-node002")
    seen.append(cluster.versions())
    for key in ("osd_map", "mon_map", "mds_map", "mon_status", "quorum_status"):
        values = [v[key] for v in seen]
        assert values == sorted(values)
    assert [v["osd_map"] for v in seen] == [seen[0]["osd_map"] + i for i in (0, 1, 1, 2)]
    assert [v["mon_status"] for v in seen] == [8, 8, 10, 12]


def test_determinism_by_seed():
    a, b = make(seed=3), make(seed=3)
    assert a.fsid == b.fsid
    for cluster in (a, b):
        cluster.set_osd(7, up=False)
        cluster.advance(2.0)
    for sync_type in SYNC_TYPES:
        assert a.get_cluster_object(sync_type) == b.get_cluster_object(sync_type)
    assert a.pgs_brief() == b.pgs_brief()
    assert make(seed=4).pgs_brief() != a.pgs_brief()


def test_fsids_differ_per_index_and_seed():
    fsids = {make(index=i, seed=s).fsid for i in range(3) for s in range(3)}
    assert len(fsids) == 9
    assert make(index=2).host_fqdns == ["ceph2-node000.sim.test", "ceph2-node001.sim.test",
                                        "ceph2-node002.sim.test"]


# ----- mons ---------------------------------------------------------------------------------

def test_stop_mon_moves_leadership_and_bumps_the_election_epoch(cluster):
    cluster.stop_mon("ceph0-node000")
    assert cluster.quorum == [1, 2] and cluster.leader == "ceph0-node001"
    quorum = data(cluster, "quorum_status")
    assert (quorum["election_epoch"], quorum["quorum_names"], quorum["quorum_leader_name"]) == (
        10, ["ceph0-node001", "ceph0-node002"], "ceph0-node001")
    assert cluster.versions()["mon_map"] == 3  # the monmap itself is unchanged
    assert cluster.cluster_heartbeat("ceph0-node000.sim.test") is None
    assert cluster.cluster_heartbeat("ceph0-node001.sim.test")["versions"]["mon_status"] == 10
    assert [s["type"] for s in cluster.server_heartbeat("ceph0-node000.sim.test")["services"]] == ["osd"] * 4
    status = cluster.server_heartbeat("ceph0-node002.sim.test")["services"][0]["status"]
    assert (status["state"], status["quorum"], status["election_epoch"]) == ("peon", [1, 2], 10)
    cluster.start_mon("ceph0-node000")
    assert cluster.quorum == [0, 1, 2] and cluster.leader == "ceph0-node000"
    assert data(cluster, "mon_status")["election_epoch"] == 12


def test_losing_the_majority_leaves_no_quorum(cluster):
    cluster.stop_mon("ceph0-node000")
    cluster.stop_mon("ceph0-node001")
    assert cluster.quorum == [] and cluster.leader is None
    assert all(cluster.cluster_heartbeat(fqdn) is None for fqdn in cluster.host_fqdns)
    (service,) = [s for s in cluster.server_heartbeat("ceph0-node002.sim.test")["services"]
                  if s["type"] == "mon"]
    assert (service["status"]["state"], service["status"]["quorum"]) == ("probing", [])
    assert service["status"]["election_epoch"] == 12
    assert data(cluster, "quorum_status")["quorum"] == []
    cluster.start_mon("ceph0-node001")
    assert cluster.quorum == [1, 2] and cluster.leader == "ceph0-node001"
    assert cluster.cluster_heartbeat("ceph0-node002.sim.test") is not None
    with pytest.raises(KeyError):
        cluster.stop_mon("nosuchmon")


# ----- heartbeats ---------------------------------------------------------------------------

def test_server_heartbeat_fields_and_services(cluster):
    heartbeat = cluster.server_heartbeat("ceph0-node001.sim.test")
    message = protocol.ServerHeartbeat(**heartbeat)  # exactly the protocol's fields
    assert protocol.decode(protocol.encode(message, "x")).body == message
    assert heartbeat["hostname"] == "ceph0-node001"
    assert heartbeat["ceph_version"] == "16.2.15"
    assert heartbeat["boot_time"] < NOW
    services = heartbeat["services"]
    assert [(s["type"], s["id"]) for s in services] == [("mon", "ceph0-node001"), ("osd", "4"),
                                                        ("osd", "5"), ("osd", "6"), ("osd", "7")]
    assert all(s["fsid"] == cluster.fsid and s["running"] is True for s in services)
    assert services[0]["status"]["name"] == "ceph0-node001" and services[0]["status"]["state"] == "peon"
    assert services[1]["status"] is None and services[1]["version"] == "16.2.15"
    grains = heartbeat["grains"]
    assert {"fqdn", "host", "nodename", "kernel", "kernelrelease", "os", "osrelease", "num_cpus",
            "mem_total", "ip_interfaces", "ipv4"} <= set(grains)
    assert grains["ip_interfaces"] == {"eth0": ["10.0.0.2"], "eth1": ["10.100.0.2"]}


def test_stopped_osd_leaves_the_services(cluster):
    epoch = cluster.versions()["osd_map"]
    cluster.stop_osd(6)
    ids = [s["id"] for s in cluster.server_heartbeat("ceph0-node001.sim.test")["services"]]
    assert ids == ["ceph0-node001", "4", "5", "7"]
    assert cluster.versions()["osd_map"] == epoch + 1
    cluster.set_osd(7, up=False)  # marked down behind its back: the daemon still runs
    ids = [s["id"] for s in cluster.server_heartbeat("ceph0-node001.sim.test")["services"]]
    assert ids == ["ceph0-node001", "4", "5", "7"]
    cluster.start_osd(6)
    assert data(cluster, "osd_map")["osds"][6]["up_from"] == epoch + 3


def test_cluster_heartbeat_only_from_mon_hosts_in_quorum():
    cluster = make(hosts=4, osds_per_host=1)
    heartbeat = cluster.cluster_heartbeat("ceph0-node000.sim.test")
    assert protocol.ClusterHeartbeat(**heartbeat).fsid == cluster.fsid
    assert heartbeat == {"fsid": cluster.fsid, "name": "ceph", "versions": cluster.versions(),
                         "stats": cluster.heartbeat_stats()}
    assert set(heartbeat["stats"]) == {"taken_at", *protocol.HEARTBEAT_STATS}
    assert cluster.cluster_heartbeat("ceph0-node000.sim.test", with_stats=False) == {
        "fsid": cluster.fsid, "name": "ceph", "versions": cluster.versions()}
    assert cluster.cluster_heartbeat("ceph0-node003.sim.test") is None  # no mon there
    with pytest.raises(KeyError):
        cluster.cluster_heartbeat("elsewhere.sim.test")


def test_reboot_and_version_change():
    clock = [NOW]
    cluster = SimCluster(clock=lambda: clock[0])
    fqdn = cluster.host_fqdns[2]
    boot = cluster.server_heartbeat(fqdn)["boot_time"]
    clock[0] += 100
    assert cluster.server_heartbeat(fqdn)["boot_time"] == boot
    cluster.reboot(fqdn)
    assert cluster.server_heartbeat(fqdn)["boot_time"] == NOW + 100
    epoch = cluster.versions()["osd_map"]
    cluster.set_ceph_version(fqdn, "16.2.13")
    heartbeat = cluster.server_heartbeat(fqdn)
    assert heartbeat["ceph_version"] == "16.2.13"
    assert {s["version"] for s in heartbeat["services"]} == {"16.2.13"}
    assert cluster.versions()["osd_map"] == epoch + 1


def test_big_cluster_osd_map_is_whole():
    # How fast it is built is a benchmark's business (bench/), not a test's: a loaded CI machine
    # would make a time limit flaky.
    cluster = SimCluster(hosts=1000, osds_per_host=10)
    osd_map = data(cluster, "osd_map")
    assert len(osd_map["osds"]) == 10000 and len(osd_map["crush"]["buckets"]) == 2 * 1001  # and their shadows
    assert osd_map["osds"][9999]["public_addr"].startswith("10.0.3.250:")
