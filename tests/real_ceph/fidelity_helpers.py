"""Comparing a real cluster's documents with a simulated one's (tests/real_ceph/test_sim_fidelity.py
for the one-host dev cluster, multi_host/test_sim_fidelity.py for the three-host one): sync objects
by shape where the daemon reads (shapes.py), their layout (how many mons, hosts, OSDs per host,
rules...), and the stats documents recursively.

The real side is a RealCephBackend in the test's process: `real_backend.run_job(...)` is what the
agent answers the daemon with.
"""
from __future__ import annotations

from agent.backend import SYNC_TYPES
from agent.ceph.stats import cluster_stats
from bus.protocol import HEARTBEAT_STATS, STATS_OBJECTS
from sim.model import SimCluster
from tests.helpers import wait_until
from tests.real_ceph.shapes import ALSO_COMPARED, DAEMON_READS, shape_differences


def real_object(real_backend, sync_type: str) -> dict:
    return real_backend.run_job("get_cluster_object",
                                {"fsid": real_backend.fsid, "sync_type": sync_type})


def real_commands(real_backend, commands: list) -> dict:
    return real_backend.run_job("rados_commands", {"fsid": real_backend.fsid, "commands": commands})


def assert_same_shape(real: dict, simulated: dict, paths: list[str]) -> None:
    differences = shape_differences(real, simulated, paths)
    assert differences == [], \
        "shape differences (real vs simulated):\n  " + "\n  ".join(differences)



def envelope_differences(real: dict, sim: dict, sync_type: str) -> list[str]:
    """The envelope's keys, the version's type and the data's top-level keys (config: the
    simulator shows a subset of the ~1800 options)."""
    problems = []
    if not set(real) == set(sim) == {"fsid", "type", "version", "data"}:
        problems.append(f"{sync_type}: envelope keys real {sorted(real)}, simulated {sorted(sim)}")
    if type(real["version"]) is not type(sim["version"]):    # int epochs, str digests
        problems.append(f"{sync_type}: version real {type(real['version']).__name__}, "
                        f"simulated {type(sim['version']).__name__}")
    if sync_type != "config" and sorted(real["data"]) != sorted(sim["data"]):
        problems.append(f"{sync_type}: top-level keys real {sorted(real['data'])}, simulated {sorted(sim['data'])}")
    return problems


def data_shape_differences(real: dict, sim: dict, sync_type: str) -> list[str]:
    """Shape differences of one sync object's data where the daemon reads and ALSO_COMPARED.
    An mds_map without filesystems (the test clusters have none) has nothing below its top."""
    if sync_type == "mds_map" and not (real["filesystems"] or real["standbys"]):
        return []
    paths = DAEMON_READS[sync_type] + ALSO_COMPARED.get(sync_type, [])
    return [f"{sync_type}: {d}" for d in shape_differences(real, sim, paths)]


def sync_objects_compared(real_get, sim_get) -> list[str]:
    """Envelope and shape differences of every sync type; `real_get(t)` / `sim_get(t)` give the
    whole object (envelope and data) of type t."""
    problems = []
    for sync_type in SYNC_TYPES:
        real, sim = real_get(sync_type), sim_get(sync_type)
        problems += envelope_differences(real, sim, sync_type)
        problems += data_shape_differences(real["data"], sim["data"], sync_type)
    return problems


# ----- stats (issue 14): the heartbeat's pgmap, df and pool_stats; the job's osd_df and osd_perf ----
#
# Compared recursively: every key path of the real document must be in the simulated one with the
# same JSON kind (numbers whole on both sides, or fractional on both), and the simulated one may
# have beyond that only the keys Pacific itself prints only in some states. Each comparison puts
# both clusters in the same state: at rest, under client writes, degraded, recovering.

# Keys Pacific prints only while non-zero (PGMapDigest's recovery, rate and client IO summaries).
CONDITIONAL_KEYS = {f"{what}_{part}" for what in ("degraded", "misplaced", "unfound")
                    for part in ("objects", "total", "ratio")} | {
    "recovering_objects_per_sec", "recovering_bytes_per_sec", "recovering_keys_per_sec",
    "num_objects_recovered", "num_bytes_recovered", "num_keys_recovered",
    "read_bytes_sec", "write_bytes_sec", "read_op_per_sec", "write_op_per_sec"}
# Fractions that a real cluster may show whole by chance (a var of exactly 1, a pool at 0 %):
# for these only "a number" is compared.
FRACTIONS = {"percent_used", "total_used_raw_ratio", "utilization", "var", "average_utilization",
             "min_var", "max_var", "dev", "crush_weight", "reweight", "degraded_ratio",
             "misplaced_ratio", "unfound_ratio"}
NAMED_MAPS = {"stats_by_class", "pool_weights"}     # keyed by names, not fields


def _last_key(path: str) -> str:
    return path.rsplit(".", 1)[-1].rstrip("[]{}")


def leaf_paths(doc, path: str = "") -> set[str]:
    """Every key path down to a scalar or an empty list, in shapes.py's syntax; empty maps
    (a pool's `recovery` with nothing to say) are no leaves: their keys are compared where
    there are some."""
    if isinstance(doc, list):
        return set().union(*(leaf_paths(v, path + "[]") for v in doc)) if doc else {path}
    if isinstance(doc, dict):
        named = _last_key(path) in NAMED_MAPS
        return set().union(set(), *(leaf_paths(v, path + "{}" if named else (f"{path}.{k}" if path else k))
                                    for k, v in doc.items()))
    return {path}


def _as_numbers(doc, key: str = ""):
    """The document with every FRACTIONS value made 0.5 (their kind of number is not compared)."""
    if isinstance(doc, dict):
        return {k: _as_numbers(v, k) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_as_numbers(v, key) for v in doc]
    numeric = isinstance(doc, (int, float)) and not isinstance(doc, bool)
    return 0.5 if key in FRACTIONS and numeric else doc


def stats_differences(real, sim) -> list[str]:
    real_paths, sim_paths = leaf_paths(real), leaf_paths(sim)
    problems = [f"{p}: missing in simulated" for p in sorted(real_paths - sim_paths)]
    problems += [f"{p}: missing in real" for p in sorted(sim_paths - real_paths)
                 if _last_key(p) not in CONDITIONAL_KEYS]
    return problems + shape_differences(_as_numbers(real), _as_numbers(sim), sorted(real_paths & sim_paths))


def assert_same_stats_shape(real: dict, sim: dict) -> None:
    differences = [f"{name}: {d}" for name in real for d in stats_differences(real[name], sim[name])]
    assert differences == [], "stats shape differences (real vs simulated):\n  " + "\n  ".join(differences)


def real_stats(real_backend) -> dict:
    """The heartbeat's stats and the job's documents of the real cluster, of about one moment."""
    [beat] = real_backend.cluster_heartbeats()
    job = cluster_stats(real_backend.session)   # whole, as Pacific prints it (the job trims it)
    return {**{k: beat["stats"][k] for k in HEARTBEAT_STATS}, **{k: job[k] for k in STATS_OBJECTS}}


def sim_stats(cluster: SimCluster) -> dict:
    beat, job = cluster.heartbeat_stats(), cluster.get_cluster_stats()
    return {**{k: beat[k] for k in HEARTBEAT_STATS}, **{k: job[k] for k in STATS_OBJECTS}}


def no_client_io(stats: dict) -> bool:
    """No client rate anywhere (the idle simulator shows none): `osd pool stats` (the mgr's) may
    still show rates for a while after the pgmap of `status` dropped them."""
    return "write_op_per_sec" not in stats["pgmap"] and "read_op_per_sec" not in stats["pgmap"] \
        and all(not p["client_io_rate"] for p in stats["pool_stats"])


def stats_when(real_backend, wanted) -> dict:
    def ready():
        stats = real_stats(real_backend)
        return stats if wanted(stats) else None
    return wait_until(ready, timeout_s=60, every_s=0.2, what="the real cluster in the wanted state")


# ----- layout: what the cluster is made of, which a shape comparison alone does not see ---------

def layout(objects: dict) -> dict:
    """What a cluster is made of, from its sync objects' data (sync type -> data), names aside:
    mons and quorum, the asking host's mon, the CRUSH hierarchy, OSDs per host, the rules, the
    hosts the PGs sit on. A real cluster and a simulated one built alike have the same."""
    osd_map, mon_map = objects["osd_map"], objects["mon_map"]
    mon_status, quorum = objects["mon_status"], objects["quorum_status"]
    nodes = osd_map["tree"]["nodes"]
    types = {n["id"]: n["type"] for n in nodes}
    host_of = {child: n["id"] for n in nodes if n["type"] == "host" for child in n.get("children", ())}
    leader = min(quorum["quorum"]) if quorum["quorum"] else None
    return {
        "monmap": (len(mon_map["mons"]), sorted(m["rank"] for m in mon_map["mons"]),
                   sorted(mon_map.get("quorum", []))),
        "mon_status": (mon_status["state"], mon_status["rank"], sorted(mon_status["quorum"]),
                       len(mon_status["monmap"]["mons"])),
        "quorum_status": (sorted(quorum["quorum"]), len(quorum["quorum_names"]),
                          len(quorum["monmap"]["mons"]),
                          quorum["quorum_leader_name"] == _mon_name(quorum["monmap"], leader)),
        "osds": (sorted(o["osd"] for o in osd_map["osds"]),
                 sorted((o["up"], o["in"]) for o in osd_map["osds"])),
        "tree": sorted((n["type"], sorted(types[c] for c in n.get("children", ())))
                       for n in nodes if n["type"] != "osd"),
        "tree_stray": len(osd_map["tree"]["stray"]),
        "crush_buckets": sorted((b["type_name"], len(b["items"]))
                                for b in osd_map["crush"]["buckets"] if "~" not in b["name"]),
        # Pacific's device-class shadows (default~hdd, host11~hdd, ...)
        "shadow_buckets": sorted((b["type_name"], len(b["items"]))
                                 for b in osd_map["crush"]["buckets"] if "~" in b["name"]),
        "crush_rules": [(r["rule_name"], r["type"], [(s["op"], s.get("type")) for s in r["steps"]])
                        for r in osd_map["crush"]["rules"]],
        "osd_metadata": sorted(m["id"] for m in osd_map["osd_metadata"]),
        # how many hosts hold PGs (which OSD of a host holds which PG is CRUSH's draw)
        "pg_hosts": len({host_of[int(i)] for i in objects["pg_summary"]["by_osd"] if int(i) in host_of}),
        "health": objects["health"]["status"],
    }


def _mon_name(monmap: dict, rank) -> str | None:
    return next((m["name"] for m in monmap["mons"] if m["rank"] == rank), None)


def layout_differences(real: dict, sim: dict) -> list[str]:
    return [f"{key}: real {real[key]!r}, simulated {sim[key]!r}" for key in real if real[key] != sim.get(key)]
