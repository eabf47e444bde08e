"""Hand-built raw sync objects in the Ceph 16 shapes of docs/sync-objects.md.

The default cluster: 3 hosts (node1..node3) with 2 OSDs each (0..5) under root `default`,
one replicated rule (0) choosing leaves by host, and two replicated pools (1 `rbd`, 2
`cephfs_data`). `osd_map(erasure=True)` adds erasure rule 1 (device class hdd, so without the
ssd osd.5) and erasure pool 3 `ecpool`.
Every builder returns a fresh structure, so tests may modify what they get.
"""
from __future__ import annotations

FSID = "0d5e8c4a-6b1e-4f5e-9c2a-3f1d2b7a9e10"
CLUSTER = "ceph"
HOSTS = {"node1": (-3, (0, 1)), "node2": (-5, (2, 3)), "node3": (-7, (4, 5))}
MON_NAMES = ("node1", "node2", "node3")

# 16.16 fixed point CRUSH weights of each OSD (1.0, 1.0, 1.5, 0.5, 1.0, 0.25)
OSD_CRUSH_WEIGHTS = {0: 0x10000, 1: 0x10000, 2: 0x18000, 3: 0x8000, 4: 0x10000, 5: 0x4000}
OSD_REWEIGHTS = {0: 1.0, 1: 1.0, 2: 0.5, 3: 1.0, 4: 1.0, 5: 1.0}
DEVICE_CLASSES = {0: "hdd", 1: "hdd", 2: "hdd", 3: "hdd", 4: "hdd", 5: "ssd"}
CRUSH_TYPES = ["osd", "host", "chassis", "rack", "row", "pdu", "pod", "room", "datacenter",
               "zone", "region", "root"]
CRUSH_MAP_TEXT = "# begin crush map\ntunable choose_total_tries 50\n# end crush map\n"


def fqdn(host: str) -> str:
    return f"{host}.example"


def rule(rule_id: int, name: str, steps: list[dict], *, rule_type: int = 1,
         ruleset: int | None = None, min_size: int = 1, max_size: int = 10) -> dict:
    return {"rule_id": rule_id, "rule_name": name,
            "ruleset": rule_id if ruleset is None else ruleset, "type": rule_type,
            "min_size": min_size, "max_size": max_size, "steps": steps}


def replicated_rule() -> dict:
    return rule(0, "replicated_rule", [
        {"op": "take", "item": -1, "item_name": "default"},
        {"op": "chooseleaf_firstn", "num": 0, "type": "host"},
        {"op": "emit"}])


def erasure_rule() -> dict:
    return rule(1, "ecpool", [
        {"op": "set_chooseleaf_tries", "num": 5},
        {"op": "set_choose_tries", "num": 100},
        {"op": "take", "item": -2, "item_name": "default~hdd"},
        {"op": "chooseleaf_indep", "num": 0, "type": "host"},
        {"op": "emit"}], rule_type=3, min_size=3, max_size=3)


def pool(pool_id: int, name: str, *, size: int = 3, min_size: int = 2, crush_rule: int = 0,
         flags: int = 1, pg_num: int = 32, pgp_num: int | None = None, pool_type: int = 1,
         quota_max_objects: int = 0, quota_max_bytes: int = 0, profile: str = "") -> dict:
    return {"pool": pool_id, "pool_name": name, "create_time": "2026-11-26T10:00:00.000000+0000",
            "flags": flags, "flags_names": "hashpspool", "type": pool_type, "size": size,
            "min_size": min_size, "crush_rule": crush_rule, "object_hash": 2,
            "pg_autoscale_mode": "on", "pg_num": pg_num,
            "pg_placement_num": pg_num if pgp_num is None else pgp_num,
            "pg_placement_num_target": pg_num, "pg_num_target": pg_num,
            "pg_num_pending": pg_num, "last_change": "40", "auid": 0,
            "quota_max_bytes": quota_max_bytes, "quota_max_objects": quota_max_objects,
            "tiers": [], "tier_of": -1, "read_tier": -1, "write_tier": -1, "cache_mode": "none",
            "erasure_code_profile": profile, "application_metadata": {"rbd": {}}}


def _osd(osd_id: int, host_index: int, up: bool, osd_in: bool) -> dict:
    public, cluster = f"10.0.0.{host_index}:{6800 + osd_id}", f"10.1.0.{host_index}:{6900 + osd_id}"
    return {"osd": osd_id, "uuid": f"00000000-0000-4000-8000-{osd_id:012d}",
            "up": int(up), "in": int(osd_in), "weight": OSD_REWEIGHTS[osd_id] if osd_in else 0.0,
            "primary_affinity": 1.0, "last_clean_begin": 0, "last_clean_end": 0, "up_from": 5,
            "up_thru": 40, "down_at": 0, "lost_at": 0,
            "public_addrs": {"addrvec": [{"type": "v2", "addr": public, "nonce": 1234}]},
            "cluster_addrs": {"addrvec": [{"type": "v2", "addr": cluster, "nonce": 1234}]},
            "public_addr": f"{public}/1234", "cluster_addr": f"{cluster}/1234",
            "heartbeat_back_addr": f"{cluster}/1234", "heartbeat_front_addr": f"{public}/1234",
            "state": ["exists", "up"] if up else ["exists"]}


def _metadata(osd_id: int, host: str) -> dict | None:
    common = {"id": osd_id, "hostname": host, "arch": "x86_64", "back_addr": "…",
              "front_addr": "…", "osd_data": f"/var/lib/ceph/osd/ceph-{osd_id}",
              "ceph_version": "ceph version 16.2.11 (abc) pacific (stable)"}
    if osd_id == 4:   # an old filestore OSD with a journal
        return {**common, "osd_objectstore": "filestore", "backend_filestore_dev_node": "sdc",
                "backend_filestore_partition_path": "/dev/sdc1",
                "osd_journal": "/var/lib/ceph/osd/ceph-4/journal"}
    if osd_id == 5:   # metadata unavailable
        return None
    return {**common, "osd_objectstore": "bluestore",
            "bluestore_bdev_dev_node": f"/dev/dm-{osd_id}",
            "bluestore_bdev_partition_path": f"/dev/ceph-{osd_id}/block", "devices": "sdb"}


def _tree(down: set[int], out: set[int]) -> dict:
    nodes = [{"id": -1, "name": "default", "type": "root", "type_id": 11,
              "children": [host_id for host_id, _ in reversed(HOSTS.values())]}]
    for host, (host_id, osd_ids) in HOSTS.items():
        nodes.append({"id": host_id, "name": host, "type": "host", "type_id": 1,
                      "pool_weights": {}, "children": list(reversed(osd_ids))})
    for host, (host_id, osd_ids) in HOSTS.items():
        for osd_id in osd_ids:
            nodes.append({"id": osd_id, "device_class": DEVICE_CLASSES[osd_id],
                          "name": f"osd.{osd_id}", "type": "osd", "type_id": 0,
                          "crush_weight": OSD_CRUSH_WEIGHTS[osd_id] / 0x10000, "depth": 2,
                          "pool_weights": {}, "exists": 1,
                          "status": "down" if osd_id in down else "up",
                          "reweight": 0.0 if osd_id in out else OSD_REWEIGHTS[osd_id],
                          "primary_affinity": 1.0})
    return {"nodes": nodes, "stray": []}


def _crush(rules: list[dict]) -> dict:
    buckets = [{"id": -1, "name": "default", "type_id": 11, "type_name": "root", "weight": 0,
                "alg": "straw2", "hash": "rjenkins1", "items": []}]
    for pos, (host, (host_id, osd_ids)) in enumerate(HOSTS.items()):
        items = [{"id": osd_id, "weight": OSD_CRUSH_WEIGHTS[osd_id], "pos": i}
                 for i, osd_id in enumerate(osd_ids)]
        weight = sum(item["weight"] for item in items)
        buckets.append({"id": host_id, "name": host, "type_id": 1, "type_name": "host",
                        "weight": weight, "alg": "straw2", "hash": "rjenkins1", "items": items})
        buckets[0]["items"].append({"id": host_id, "weight": weight, "pos": pos})
        buckets[0]["weight"] += weight
    return {"devices": [{"id": i, "name": f"osd.{i}", "class": DEVICE_CLASSES[i]}
                        for i in OSD_CRUSH_WEIGHTS],
            "types": [{"type_id": i, "name": name} for i, name in enumerate(CRUSH_TYPES)],
            "buckets": buckets, "rules": rules,
            "tunables": {"choose_total_tries": 50, "chooseleaf_vary_r": 1}, "choose_args": {}}


def osd_map(epoch: int = 42, *, erasure: bool = False, down=(), out=(),
            flags: str = "sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit") -> dict:
    """The raw osd_map sync object of the default cluster."""
    down, out = set(down), set(out)
    rules = [replicated_rule()]
    pools = [pool(1, "rbd", size=3, min_size=2, flags=1, pg_num=32),
             pool(2, "cephfs_data", size=2, min_size=1, flags=3, pg_num=64, pgp_num=48,
                  quota_max_objects=1000, quota_max_bytes=2 ** 30)]
    profiles = {"default": {"k": "2", "m": "2", "plugin": "jerasure",
                            "technique": "reed_sol_van"}}
    if erasure:
        rules.append(erasure_rule())
        pools.append(pool(3, "ecpool", size=3, min_size=2, crush_rule=1, flags=4097, pg_num=16,
                          pool_type=3, profile="ec21"))
        profiles["ec21"] = {"k": "2", "m": "1", "plugin": "jerasure", "technique": "reed_sol_van"}
    osds, metadata = [], []
    for host_index, (host, (_, osd_ids)) in enumerate(HOSTS.items(), start=1):
        for osd_id in osd_ids:
            osds.append(_osd(osd_id, host_index, osd_id not in down, osd_id not in out))
            if (meta := _metadata(osd_id, host)) is not None:
                metadata.append(meta)
    return {"epoch": epoch, "fsid": FSID, "created": "2026-11-26T10:00:00.000000+0000",
            "modified": "2026-11-26T11:00:00.000000+0000", "flags": flags, "crush_version": 7,
            "max_osd": 6, "pools": pools, "osds": osds, "osd_xinfo": [], "pg_upmap": [],
            "pg_upmap_items": [], "pg_temp": [], "primary_temp": [], "blocklist": {},
            "erasure_code_profiles": profiles, "tree": _tree(down, out), "crush": _crush(rules),
            "crush_map_text": CRUSH_MAP_TEXT, "osd_metadata": metadata}


def osd_servers() -> dict[int, str]:
    """OSD id -> FQDN as the server monitor would know it."""
    return {osd_id: fqdn(host) for host, (_, osd_ids) in HOSTS.items() for osd_id in osd_ids}


# -- mons --------------------------------------------------------------------------------------

def mon_map(epoch: int = 3, names=MON_NAMES) -> dict:
    mons = []
    for rank, name in enumerate(names):
        ip = f"10.0.0.{rank + 1}"
        mons.append({"rank": rank, "name": name,
                     "public_addrs": {"addrvec": [
                         {"type": "v2", "addr": f"{ip}:3300", "nonce": 0},
                         {"type": "v1", "addr": f"{ip}:6789", "nonce": 0}]},
                     "addr": f"{ip}:6789/0", "public_addr": f"{ip}:6789/0",
                     "priority": 0, "weight": 0})
    return {"epoch": epoch, "fsid": FSID, "modified": "2026-11-26T10:00:00.000000+0000",
            "created": "2026-11-26T10:00:00.000000+0000", "min_mon_release": 16,
            "min_mon_release_name": "pacific", "mons": mons}


def mon_status(name: str = "node1", *, epoch: int = 8, quorum=(0, 1, 2),
               names=MON_NAMES, state: str | None = None) -> dict:
    """One mon's own mon_status (the cluster's copy comes from a mon in quorum)."""
    rank = list(names).index(name) if name in names else -1
    quorum = list(quorum)
    if state is None:
        state = ("leader" if quorum and rank == min(quorum) else "peon") if rank in quorum \
            else "electing"
    return {"name": name, "rank": rank, "state": state, "election_epoch": epoch,
            "quorum": quorum, "quorum_age": 1234, "features": {}, "outside_quorum": [],
            "extra_probe_peers": [], "sync_provider": [], "monmap": mon_map(names=names)}


def quorum_status(*, epoch: int = 8, quorum=(0, 1, 2), leader: str | None = "node1",
                  names=MON_NAMES) -> dict:
    return {"election_epoch": epoch, "quorum": list(quorum),
            "quorum_names": [names[rank] for rank in quorum], "quorum_leader_name": leader,
            "quorum_age": 1234, "features": {}, "monmap": mon_map(names=names)}


# -- health and config -------------------------------------------------------------------------

def health(status: str = "HEALTH_OK") -> dict:
    checks = {} if status == "HEALTH_OK" else {"PG_DEGRADED": {
        "severity": status,
        "summary": {"message": "Degraded data redundancy: 12 pgs degraded", "count": 12},
        "detail": [{"message": "pg 1.0 is active+undersized+degraded"}], "muted": False}}
    return {"status": status, "checks": checks, "mutes": []}


def config(**overrides: str) -> dict:
    """A `config show` excerpt with Ceph 16 defaults; keyword arguments replace options."""
    values = {"fsid": FSID, "osd_pool_default_size": "3", "osd_pool_default_min_size": "0",
              "osd_pool_default_pg_num": "32", "osd_pool_default_pgp_num": "0",
              "osd_pool_default_crush_rule": "-1", "osd_pool_default_flag_hashpspool": "true",
              "mon_max_pool_pg_num": "65536", "mon_max_pg_per_osd": "250",
              "mon_osd_max_split_count": "32", "osd_pool_default_type": "replicated",
              "mon_host": "[v2:10.0.0.1:3300,v1:10.0.0.1:6789]", "public_network": "10.0.0.0/24"}
    values.update(overrides)
    return values
