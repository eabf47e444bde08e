"""Builders of the Ceph 16 JSON documents behind the sync objects (docs/sync-objects.md).

Pure functions of the model's records; every call returns new objects.
"""
from __future__ import annotations

import struct
from typing import Sequence

from sim.state import Host, Mon, Osd, Pool, TIB, timestamp

RELEASE = "pacific"
VERSION_HASHES = {"16.2.11": "3cf40e2dca667f68c6ce3ff5cd94f01e711af894",
                  "16.2.15": "618f440892089921c3e944a991122ddc44e60516"}
# The feature bits of a 16.2.15 cluster, as its mons and OSDs report them.
FEATURES = 4540138314316775423
FEATURES_HEX = "0x3f01cfbdfffdffff"
MON_FEATURES = ["kraken", "luminous", "mimic", "osdmap-prune", "nautilus", "octopus",
                "pacific", "elector-pinging"]
OSD_FLAGS = "sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit"
# OSD map flags in the order OSDMap::get_flag_string prints them, with their bits.
FLAG_BITS = (("full", 1 << 1), ("nearfull", 1 << 0), ("pauserd", 1 << 2), ("pausewr", 1 << 3),
             ("pauserec", 1 << 4), ("noup", 1 << 5), ("nodown", 1 << 6), ("noout", 1 << 7),
             ("noin", 1 << 8), ("nobackfill", 1 << 9), ("norebalance", 1 << 14),
             ("norecover", 1 << 10), ("noscrub", 1 << 11), ("nodeep-scrub", 1 << 12),
             ("notieragent", 1 << 13), ("nosnaptrim", 1 << 21), ("sortbitwise", 1 << 15),
             ("require_jewel_osds", 1 << 16), ("require_kraken_osds", 1 << 17),
             ("require_luminous_osds", 1 << 18), ("recovery_deletes", 1 << 19),
             ("purged_snapdirs", 1 << 20), ("pglog_hardlimit", 1 << 22))
# The OSD map's fullness ratios (Pacific's defaults; `osd dump` prints them as C floats).
NEARFULL_RATIO, BACKFILLFULL_RATIO, FULL_RATIO = 0.85, 0.9, 0.95
# pg_pool_t flags, in the order Ceph names them; the fullness ones are set by the mon.
POOL_FLAG_BITS = ((1, "hashpspool"), (2, "full"), (4, "ec_overwrites"), (8, "incomplete_clones"),
                  (16, "nodelete"), (32, "nopgchange"), (64, "nosizechange"),
                  (128, "write_fadvise_dontneed"), (256, "noscrub"), (512, "nodeep-scrub"),
                  (1024, "full_quota"), (2048, "nearfull"), (4096, "backfillfull"))
POOL_FULL, POOL_FULL_QUOTA, POOL_NEARFULL, POOL_BACKFILLFULL = 2, 1024, 2048, 4096
POOL_FULLNESS_FLAGS = POOL_FULL | POOL_FULL_QUOTA | POOL_NEARFULL | POOL_BACKFILLFULL
DEFAULT_EC_PROFILES = {"default": {"k": "2", "m": "2", "plugin": "jerasure",
                                   "technique": "reed_sol_van"}}


def flag_names(flags) -> list[str]:
    """A set of flag names in Ceph's order."""
    return [name for name, _ in FLAG_BITS if name in flags]


def flags_num(flags) -> int:
    return sum(bit for name, bit in FLAG_BITS if name in flags)


def float32(value: float) -> float:
    """A ratio Ceph keeps as a C float and prints as a double: 0.95 -> 0.949999988079071."""
    return struct.unpack("f", struct.pack("f", value))[0]


MAX_OSDS_PER_HOST_PORTS = 8  # ports used per OSD: public, cluster, hb back, hb front x (v2, v1)


def version_string(version: str) -> str:
    """`ceph version 16.2.11 (<sha1>) pacific (stable)`."""
    sha1 = VERSION_HASHES.get(version, "0" * 40)
    return f"ceph version {version} ({sha1}) {RELEASE} (stable)"


def _addrvec(ip: str, port: int, nonce: int) -> dict:
    return {"addrvec": [{"type": "v2", "addr": f"{ip}:{port}", "nonce": nonce},
                        {"type": "v1", "addr": f"{ip}:{port + 1}", "nonce": nonce}]}


def _legacy(ip: str, port: int, nonce: int) -> str:
    return f"{ip}:{port + 1}/{nonce}"


def _bracketed(ip: str, port: int, nonce: int) -> str:
    return f"[v2:{ip}:{port}/{nonce},v1:{ip}:{port + 1}/{nonce}]"


def osd_ports(osd: Osd) -> dict[str, int]:
    """The v2 port of each of an OSD's four messengers (v1 is the next port)."""
    base = 6800 + MAX_OSDS_PER_HOST_PORTS * osd.slot
    return {"public": base, "cluster": base + 2, "hb_back": base + 4, "hb_front": base + 6}


def pool_json(pool: Pool) -> dict:
    return {
        "pool": pool.id, "pool_name": pool.name, "create_time": timestamp(pool.create_time),
        "flags": pool.flags, "flags_names": _pool_flag_names(pool.flags), "type": pool.type,
        "size": pool.size, "min_size": pool.min_size, "crush_rule": pool.crush_rule,
        "peering_crush_bucket_count": 0, "peering_crush_bucket_target": 0,
        "peering_crush_bucket_barrier": 0, "peering_crush_bucket_mandatory_member": 2147483647,
        "object_hash": 2, "pg_autoscale_mode": "on", "pg_num": pool.pg_num,
        "pg_placement_num": pool.pgp_num, "pg_placement_num_target": pool.pgp_num,
        "pg_num_target": pool.pg_num, "pg_num_pending": pool.pg_num,
        "last_pg_merge_meta": {"source_pgid": "0.0", "ready_epoch": 0, "last_epoch_started": 0,
                               "last_epoch_clean": 0, "source_version": "0'0",
                               "target_version": "0'0"},
        "last_change": str(pool.last_change), "last_force_op_resend": "0",
        "last_force_op_resend_prenautilus": "0", "last_force_op_resend_preluminous": "0",
        "auid": 0, "snap_mode": "selfmanaged", "snap_seq": 0, "snap_epoch": 0,
        "pool_snaps": [], "removed_snaps": "[]", "quota_max_bytes": pool.quota_max_bytes,
        "quota_max_objects": pool.quota_max_objects,
        "tiers": [], "tier_of": -1, "read_tier": -1, "write_tier": -1, "cache_mode": "none",
        "target_max_bytes": 0, "target_max_objects": 0, "cache_target_dirty_ratio_micro": 400000,
        "cache_target_dirty_high_ratio_micro": 600000, "cache_target_full_ratio_micro": 800000,
        "cache_min_flush_age": 0, "cache_min_evict_age": 0,
        "erasure_code_profile": pool.erasure_code_profile,
        "hit_set_params": {"type": "none"}, "hit_set_period": 0, "hit_set_count": 0,
        "use_gmt_hitset": True, "min_read_recency_for_promote": 0,
        "min_write_recency_for_promote": 0, "hit_set_grade_decay_rate": 0,
        "hit_set_search_last_n": 0, "grade_table": [], "stripe_width": pool.stripe_width,
        "expected_num_objects": 0, "fast_read": False, "options": dict(pool.options),
        "application_metadata": {pool.application: {}} if pool.application else {},
    }


def _pool_flag_names(flags: int) -> str:
    names = [name for bit, name in POOL_FLAG_BITS if flags & bit]
    return ",".join(names)


def osd_json(osd: Osd, host: Host) -> dict:
    ports = osd_ports(osd)
    pub, clu = host.public_ip, host.cluster_ip
    return {
        "osd": osd.id, "uuid": osd.uuid, "up": int(osd.up), "in": int(osd.in_),
        "weight": osd.reweight if osd.in_ else 0.0, "primary_affinity": 1.0,
        "last_clean_begin": 0, "last_clean_end": 0, "up_from": osd.up_from,
        "up_thru": osd.up_thru, "down_at": osd.down_at, "lost_at": 0,
        "public_addrs": _addrvec(pub, ports["public"], osd.nonce),
        "cluster_addrs": _addrvec(clu, ports["cluster"], osd.nonce),
        "heartbeat_back_addrs": _addrvec(clu, ports["hb_back"], osd.nonce),
        "heartbeat_front_addrs": _addrvec(pub, ports["hb_front"], osd.nonce),
        "public_addr": _legacy(pub, ports["public"], osd.nonce),
        "cluster_addr": _legacy(clu, ports["cluster"], osd.nonce),
        "heartbeat_back_addr": _legacy(clu, ports["hb_back"], osd.nonce),
        "heartbeat_front_addr": _legacy(pub, ports["hb_front"], osd.nonce),
        # Ceph lists the state names sorted: ["exists", "nearfull", "up"].
        "state": sorted(["exists", *(["up"] if osd.up else []), *([osd.fullness] if osd.fullness else [])]),
    }


def osd_created(cluster_created: float, osd: Osd) -> float:
    """When an OSD was made: a minute after the cluster, one second after the previous OSD."""
    return cluster_created + 60 + osd.id


def osd_xinfo(osd: Osd, created: float) -> dict:
    """`created`: the OSD's (its first purged-snaps scrub runs at its first boot)."""
    return {"osd": osd.id, "down_stamp": "0.000000", "laggy_probability": 0,
            "laggy_interval": 0, "features": FEATURES, "old_weight": 0,
            "last_purged_snaps_scrub": timestamp(created), "dead_epoch": 0}


def osd_metadata(osd: Osd, host: Host, created: float) -> dict:
    """`osd metadata` of one OSD (all values strings except `id`, as Ceph prints them)."""
    ports = osd_ports(osd)
    device = "sd" + chr(ord("b") + osd.slot % 25)
    version = version_string(host.ceph_version)
    return {
        "id": osd.id, "arch": "x86_64",
        "back_addr": _bracketed(host.cluster_ip, ports["cluster"], osd.nonce),
        "back_iface": "eth1",
        "bluefs": "1", "bluefs_dedicated_db": "0", "bluefs_dedicated_wal": "0",
        "bluefs_single_shared_device": "1", "bluestore_bdev_access_mode": "blk",
        "bluestore_bdev_block_size": "4096", "bluestore_bdev_dev_node": f"/dev/dm-{osd.slot}",
        "bluestore_bdev_devices": device, "bluestore_bdev_driver": "KernelDevice",
        "bluestore_bdev_rotational": "1", "bluestore_bdev_size": str(int(osd.crush_weight * TIB)),
        "bluestore_bdev_type": "hdd", "ceph_release": RELEASE,
        "ceph_version": version, "ceph_version_short": host.ceph_version,
        "ceph_version_when_created": version, "cpu": "Intel(R) Xeon(R) CPU E5-2630 v4 @ 2.20GHz",
        "created_at": timestamp(created, zone="Z"), "default_device_class": osd.device_class,
        "device_ids": f"{device}=ATA_ST2000NM0055_ZC2{osd.uuid[:5].upper()}",
        "device_paths": f"{device}=/dev/disk/by-path/pci-0000:00:1f.2-ata-{osd.slot + 2}",
        "devices": device,
        "distro": "debian", "distro_description": "Debian GNU/Linux 11 (bullseye)",
        "distro_version": "11",
        "front_addr": _bracketed(host.public_ip, ports["public"], osd.nonce),
        "front_iface": "eth0",
        "hb_back_addr": _bracketed(host.cluster_ip, ports["hb_back"], osd.nonce),
        "hb_front_addr": _bracketed(host.public_ip, ports["hb_front"], osd.nonce),
        "hostname": host.hostname, "journal_rotational": "1",
        "kernel_description": "#1 SMP Debian 5.10.162-1 (2023-01-21)",
        "kernel_version": "5.10.0-21-amd64", "mem_swap_kb": "0",
        "mem_total_kb": str(host.mem_total_mb * 1024),
        "network_numa_unknown_ifaces": "back_iface,front_iface", "os": "Linux",
        "osd_data": f"/var/lib/ceph/osd/ceph-{osd.id}", "osd_objectstore": "bluestore",
        "osdspec_affinity": "", "rotational": "1",
    }


def osd_dump(*, fsid: str, epoch: int, created: float, modified: float, crush_version: int,
             pools: Sequence[Pool], osds: Sequence[Osd], hosts: Sequence[Host],
             last_up_change: float, last_in_change: float,
             flags: frozenset | set = frozenset(OSD_FLAGS.split(",")),
             erasure_code_profiles: dict | None = None) -> dict:
    """`osd dump` (without the tree/crush/metadata keys the osd_map sync object adds)."""
    return {
        "epoch": epoch, "fsid": fsid, "created": timestamp(created), "modified": timestamp(modified),
        "last_up_change": timestamp(last_up_change), "last_in_change": timestamp(last_in_change),
        "flags": ",".join(flag_names(flags)), "flags_num": flags_num(flags),
        "flags_set": sorted(flag_names(flags)),
        "crush_version": crush_version, "full_ratio": float32(FULL_RATIO),
        "backfillfull_ratio": float32(BACKFILLFULL_RATIO), "nearfull_ratio": float32(NEARFULL_RATIO),
        "cluster_snapshot": "",
        "pool_max": max((p.id for p in pools), default=0),
        "max_osd": max((o.id for o in osds), default=-1) + 1,
        "require_min_compat_client": "luminous", "min_compat_client": "jewel",
        "require_osd_release": RELEASE,
        "pools": [pool_json(p) for p in pools],
        "osds": [osd_json(o, hosts[o.host]) for o in osds],
        "osd_xinfo": [osd_xinfo(o, osd_created(created, o)) for o in osds],
        "pg_upmap": [], "pg_upmap_items": [], "pg_temp": [], "primary_temp": [],
        "blocklist": {}, "range_blocklist": {},
        "erasure_code_profiles": {name: dict(profile) for name, profile in
                                  (erasure_code_profiles or DEFAULT_EC_PROFILES).items()},
        "removed_snaps_queue": [], "new_removed_snaps": [], "new_purged_snaps": [],
        "crush_node_flags": {}, "device_class_flags": {},
        "stretch_mode": {"stretch_mode_enabled": False, "stretch_bucket_count": 0,
                         "degraded_stretch_mode": 0, "recovering_stretch_mode": 0,
                         "stretch_mode_bucket": 0},
    }


def mon_dump(*, fsid: str, epoch: int, created: float, modified: float, mons: Sequence[Mon],
             hosts: Sequence[Host], quorum: list[int] | None = None) -> dict:
    """`mon dump` (with `quorum`) or the monmap inside mon_status/quorum_status (without).

    The odd keys "disallowed_leaders: " and "removed_ranks: " are Pacific's own spelling."""
    entries = []
    for mon in sorted(mons, key=lambda m: m.rank):
        ip = hosts[mon.host].public_ip
        entries.append({
            "rank": mon.rank, "name": mon.name,
            "public_addrs": {"addrvec": [{"type": "v2", "addr": f"{ip}:3300", "nonce": 0},
                                         {"type": "v1", "addr": f"{ip}:6789", "nonce": 0}]},
            "addr": f"{ip}:6789/0", "public_addr": f"{ip}:6789/0",
            "priority": 0, "weight": 0, "crush_location": "{}",
        })
    monmap = {"epoch": epoch, "fsid": fsid, "modified": timestamp(modified, zone="Z"),
              "created": timestamp(created, zone="Z"), "min_mon_release": 16,
              "min_mon_release_name": RELEASE, "election_strategy": 1,
              "disallowed_leaders: ": "", "stretch_mode": False, "tiebreaker_mon": "",
              "removed_ranks: ": "",
              "features": {"persistent": list(MON_FEATURES), "optional": []},
              "mons": entries}
    if quorum is not None:
        monmap["quorum"] = list(quorum)
    return monmap


def _features() -> dict:
    return {"required_con": "2449958747317026820", "required_mon": list(MON_FEATURES),
            "quorum_con": str(FEATURES), "quorum_mon": list(MON_FEATURES)}


def mon_status(*, mon: Mon, state: str, election_epoch: int, quorum: list[int],
               quorum_age: int, outside_quorum: list[str], monmap: dict,
               sessions: dict[str, int]) -> dict:
    """One mon's own `mon_status`; `sessions`: how many daemons of each kind (mon, osd,
    client, mgr) are connected to it, its `feature_map` (kinds with none are left out)."""
    feature_map = {kind: [{"features": FEATURES_HEX, "release": "luminous", "num": count}]
                   for kind, count in sessions.items() if count}
    return {"name": mon.name, "rank": mon.rank, "state": state, "election_epoch": election_epoch,
            "quorum": list(quorum), "quorum_age": quorum_age, "features": _features(),
            "outside_quorum": list(outside_quorum), "extra_probe_peers": [],
            "sync_provider": [], "monmap": monmap, "feature_map": feature_map,
            "stretch_mode": False}


def quorum_status(*, election_epoch: int, quorum: list[int], quorum_names: list[str],
                  leader_name: str, quorum_age: int, monmap: dict) -> dict:
    features = _features()
    return {"election_epoch": election_epoch, "quorum": list(quorum),
            "quorum_names": list(quorum_names), "quorum_leader_name": leader_name,
            "quorum_age": quorum_age,
            "features": {"quorum_con": features["quorum_con"],
                         "quorum_mon": features["quorum_mon"]},
            "monmap": monmap}


def fs_dump(epoch: int) -> dict:
    """`fs dump` of a cluster without filesystems."""
    incompat = {"feature_1": "base v0.20", "feature_2": "client writeable ranges",
                "feature_3": "default file layouts on dirs", "feature_4": "dir inode in separate object",
                "feature_5": "mds uses versioned encoding", "feature_6": "dirfrag is stored in omap",
                "feature_8": "no anchor table", "feature_9": "file layout v2",
                "feature_10": "snaprealm v2"}
    return {"epoch": epoch, "default_fscid": -1,
            "compat": {"compat": {}, "ro_compat": {}, "incompat": incompat},
            "feature_flags": {"enable_multiple": True, "ever_enabled_multiple": True},
            "standbys": [], "filesystems": []}

