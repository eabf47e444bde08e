"""Mon commands typed at the API's cli on a SimCluster: {"out", "err", "status"}, as `ceph` prints.

The daemon parses the caller's words against `command_descriptions()` (sim/commands/table.py, the
Pacific signatures of what the simulator serves) and sends the command JSON; this runs it. Reads
(`status`, `health [detail]`, `osd tree`, `osd dump`, `osd stat`, `df`, `osd pool ls [detail]`,
`mon stat`, `version`) answer in the requested `format` (json, json-pretty; plain text without
one, as the mon does); every change the simulator models (sim/commands/executor.py) runs as it does for a
request, and answers with Ceph's status text on stderr. A failure exits with its errno and
"Error ENAME: ..." on stderr. Without a mon quorum every command fails like a client that cannot
reach the cluster (status 110). Usage and IO figures are the model's (sim/usage/), those of
the heartbeat stats.
"""
from __future__ import annotations

import errno
import json

from sim import ceph_json
from sim.commands.executor import COMMANDS, apply_command
from sim.commands.verdicts import VERDICTS
from sim.errors import CommandError

JSON_FORMATS = ("json", "json-pretty")
UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def _result(out: str = "", err: str = "", status: int = 0) -> dict:
    return {"out": out, "err": err, "status": status}


def mon_command(cluster, command: dict) -> dict:
    """Run one parsed command ({"prefix", "format"?, **arguments}) against `cluster` (locked)."""
    args = dict(command)
    prefix, fmt = str(args.pop("prefix", "")), args.pop("format", None)
    if not cluster.quorum:
        return _result(err="[errno 110] RADOS timed out (error connecting to the cluster)\n",
                       status=errno.ETIMEDOUT)
    if prefix in VERDICTS:   # ok-to-stop, safe-to-destroy: an answer of their own, EBUSY included
        return VERDICTS[prefix](cluster, {**args, "format": fmt})
    read = HANDLERS.get(prefix + (" detail" if args.get("detail") == "detail" else ""))
    if read is not None:
        data, text = read(cluster, ceph_json.version_string(cluster.hosts[0].ceph_version))
        return _result(_formatted(data, fmt) if fmt in JSON_FORMATS else (text() if callable(text) else text))
    if prefix not in COMMANDS:
        return _result(err=f"Error EINVAL: the simulator does not model '{prefix}'\n", status=errno.EINVAL)
    try:
        done = apply_command(cluster, prefix, args)
    except CommandError as exc:
        return _result(err=f"{exc}\n", status=exc.errno)
    err = f"{done.status}\n" if done.status else ""
    if isinstance(done.output, (dict, list)):
        return _result(_formatted(done.output, fmt or "json"), err)
    return _result("" if done.output is None else str(done.output), err)


def _formatted(data, fmt: str) -> str:
    if fmt == "json-pretty":
        return json.dumps(data, indent=4) + "\n"
    return json.dumps(data, separators=(",", ":")) + "\n"


def size_text(n: float) -> str:
    unit = 0
    while n >= 1024 and unit < len(UNITS) - 1:
        n, unit = n / 1024, unit + 1
    number = f"{n:.0f}" if n >= 10 or n == int(n) else f"{n:.1f}"
    return f"{number} {UNITS[unit]}"


def count_text(n: int) -> str:
    """A count as Ceph's si_u_t prints it: 73, 4.61k, 12.3M."""
    for unit in ("", "k", "M", "G"):
        if n < 1000 or unit == "G":
            return f"{n}" if not unit else f"{n:.3g}{unit}"
        n /= 1000
    return str(n)


def percent_text(fraction: float) -> str:
    return f"{100 * fraction:.2f}" if fraction else "0"


def age_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * 2 or (unit == "m" and seconds >= size):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                       for i, cell in enumerate(row)).rstrip() for row in rows]
    return "".join(line + "\n" for line in lines)


# ----- the commands -------------------------------------------------------------------------

def _health(cluster, version, detail: bool):
    health = cluster.health()
    checks = health["checks"]
    messages = "; ".join(c["summary"]["message"] for c in checks.values())
    text = health["status"] + (f" {messages}" if messages else "") + "\n"
    if detail:
        for code, check in checks.items():
            level = {"HEALTH_WARN": "WRN", "HEALTH_ERR": "ERR"}.get(check["severity"], "INF")
            text += f"[{level}] {code}: {check['summary']['message']}\n"
            text += "".join(f"    {d['message']}\n" for d in check["detail"])
        return health, text
    brief = {**health, "checks": {code: {k: v for k, v in c.items() if k != "detail"}
                                  for code, c in checks.items()}}
    return brief, text


def _osd_counts(cluster) -> tuple[int, int, int]:
    osds = cluster.osds.values()
    return len(osds), sum(1 for o in osds if o.up), sum(1 for o in osds if o.in_)


def _status(cluster, version):
    now = cluster.now()
    quorum = cluster.quorum_status()
    health, _ = _health(cluster, version, False)
    total, up, in_ = _osd_counts(cluster)
    pgmap = cluster.heartbeat_stats()["pgmap"]
    by_state = [(s["state_name"], s["count"]) for s in pgmap["pgs_by_state"]]
    data = {
        "fsid": cluster.fsid, "health": health, "election_epoch": quorum["election_epoch"],
        "quorum": quorum["quorum"], "quorum_names": quorum["quorum_names"],
        "quorum_age": quorum["quorum_age"],
        "monmap": {"epoch": cluster.monmap_epoch, "min_mon_release_name": ceph_json.RELEASE,
                   "num_mons": len(cluster.mon_names)},
        "osdmap": {"epoch": cluster.osd_epoch, "num_osds": total, "num_up_osds": up,
                   "osd_up_since": int(cluster.last_up_change), "num_in_osds": in_,
                   "osd_in_since": int(cluster.last_in_change), "num_remapped_pgs": 0},
        "pgmap": pgmap,
        "fsmap": {"epoch": cluster.fsmap_epoch, "by_rank": [], "up:standby": 0},
        "mgrmap": {"available": False, "num_standbys": 0, "modules": [], "services": {}},
        "servicemap": {"epoch": 1, "modified": ceph_json.timestamp(cluster.created),
                       "services": {}},
        "progress_events": {},
    }
    lines = ["  cluster:", f"    id:     {cluster.fsid}", f"    health: {health['status']}"]
    lines += [f"            {c['summary']['message']}" for c in health["checks"].values()]
    lines += [" ", "  services:",
              f"    mon: {len(cluster.mon_names)} daemons, quorum {','.join(quorum['quorum_names'])}"
              f" (age {age_text(quorum['quorum_age'])})",
              f"    osd: {total} osds: {up} up (since {age_text(now - cluster.last_up_change)}),"
              f" {in_} in (since {age_text(now - cluster.last_in_change)})",
              " ", "  data:", f"    pools:   {pgmap['num_pools']} pools, {pgmap['num_pgs']} pgs",
              f"    objects: {count_text(pgmap['num_objects'])} objects, {size_text(pgmap['data_bytes'])}",
              f"    usage:   {size_text(pgmap['bytes_used'])} used, {size_text(pgmap['bytes_avail'])} / "
              f"{size_text(pgmap['bytes_total'])} avail"]
    for i, (state, count) in enumerate(by_state):
        lines.append(("    pgs:     " if i == 0 else "             ") + f"{count} {state}")
    if not by_state:
        lines.append("    pgs:     ")
    return data, "\n".join(lines + _io_lines(pgmap)) + "\n \n"


def _io_lines(pgmap: dict) -> list[str]:
    """`ceph -s`'s io section: client and recovery rates, when there are any."""
    lines = []
    if "read_op_per_sec" in pgmap:
        parts = [f"{size_text(pgmap[k])}/s {word}" for k, word in
                 (("read_bytes_sec", "rd"), ("write_bytes_sec", "wr")) if k in pgmap]
        parts += [f"{pgmap['read_op_per_sec']} op/s rd", f"{pgmap['write_op_per_sec']} op/s wr"]
        lines.append("    client:   " + ", ".join(parts))
    if "recovering_bytes_per_sec" in pgmap:
        lines.append(f"    recovery: {size_text(pgmap['recovering_bytes_per_sec'])}/s, "
                     f"{pgmap['recovering_objects_per_sec']} objects/s")
    return [" ", "  io:", *lines] if lines else []


def _osd_tree(cluster, version):
    tree = cluster.crush.tree(cluster.osds)
    weights = cluster.crush.bucket_weights()
    rows = [["ID", "CLASS", "WEIGHT", "TYPE NAME", "STATUS", "REWEIGHT", "PRI-AFF"]]
    depth: dict[int, int] = {}
    for node in tree["nodes"] + tree["stray"]:
        if node["id"] < 0:
            level = depth.get(node["id"], 0)
            for child in node["children"]:
                depth[child] = level + 1
            rows.append([str(node["id"]), "", f"{weights[node['id']] / 0x10000:.5f}",
                         "    " * level + f"{node['type']} {node['name']}", "", "", ""])
        else:
            rows.append([str(node["id"]), node.get("device_class", ""),
                         f"{node['crush_weight']:.5f}", "    " * node["depth"] + node["name"],
                         node["status"], f"{node['reweight']:.5f}",
                         f"{node['primary_affinity']:.5f}"])
    return tree, _table(rows, right={0, 1, 2, 4, 5, 6})


def _pool_line(pool: dict) -> str:
    kind = "replicated" if pool["type"] == 1 else f"erasure profile {pool['erasure_code_profile']}"
    line = (f"pool {pool['pool']} '{pool['pool_name']}' {kind} size {pool['size']} min_size "
            f"{pool['min_size']} crush_rule {pool['crush_rule']} object_hash rjenkins pg_num "
            f"{pool['pg_num']} pgp_num {pool['pg_placement_num']} autoscale_mode "
            f"{pool['pg_autoscale_mode']} last_change {pool['last_change']}")
    if pool["quota_max_bytes"]:
        line += f" max_bytes {pool['quota_max_bytes']}"
    if pool["quota_max_objects"]:
        line += f" max_objects {pool['quota_max_objects']}"
    if pool["flags_names"]:
        line += f" flags {pool['flags_names']}"
    line += f" stripe_width {pool['stripe_width']}"
    if pool["application_metadata"]:
        line += f" application {','.join(pool['application_metadata'])}"
    return line


def _osd_dump(cluster, version):
    dump = cluster.osd_dump()
    lines = [f"epoch {dump['epoch']}", f"fsid {dump['fsid']}", f"created {dump['created']}",
             f"modified {dump['modified']}", f"flags {dump['flags']}",
             f"crush_version {dump['crush_version']}", f"full_ratio {dump['full_ratio']}",
             f"backfillfull_ratio {dump['backfillfull_ratio']}",
             f"nearfull_ratio {dump['nearfull_ratio']}",
             f"require_min_compat_client {dump['require_min_compat_client']}",
             f"min_compat_client {dump['min_compat_client']}",
             f"require_osd_release {dump['require_osd_release']}", "stretch_mode_enabled false"]
    lines += [_pool_line(p) for p in dump["pools"]]
    lines.append(f"max_osd {dump['max_osd']}")
    for osd in dump["osds"]:
        addrs = " ".join("[" + ",".join(f"{a['type']}:{a['addr']}/{a['nonce']}"
                                        for a in osd[key]["addrvec"]) + "]"
                         for key in ("public_addrs", "cluster_addrs", "heartbeat_back_addrs",
                                     "heartbeat_front_addrs"))
        lines.append(f"osd.{osd['osd']} {'up  ' if osd['up'] else 'down'} "
                     f"{'in ' if osd['in'] else 'out'} weight {osd['weight']:g} up_from "
                     f"{osd['up_from']} up_thru {osd['up_thru']} down_at {osd['down_at']} "
                     f"last_clean_interval [0,0) {addrs} {','.join(osd['state'])} {osd['uuid']}")
    return dump, "\n".join(lines) + "\n"


def _osd_stat(cluster, version):
    total, up, in_ = _osd_counts(cluster)
    data = {"epoch": cluster.osd_epoch, "num_osds": total, "num_up_osds": up,
            "osd_up_since": int(cluster.last_up_change), "num_in_osds": in_,
            "osd_in_since": int(cluster.last_in_change), "num_remapped_pgs": 0}
    return data, f"{total} osds: {up} up (since {age_text(cluster.now() - cluster.last_up_change)}), " \
                 f"{in_} in (since {age_text(cluster.now() - cluster.last_in_change)}); " \
                 f"epoch: e{cluster.osd_epoch}\n"


# What `df` prints of each pool without `detail`.
DF_POOL_KEYS = ("stored", "objects", "kb_used", "bytes_used", "percent_used", "max_avail")


def _df(cluster, version, detail: bool):
    df = cluster.heartbeat_stats()["df"]
    if not detail:
        df["pools"] = [{**p, "stats": {k: p["stats"][k] for k in DF_POOL_KEYS}} for p in df["pools"]]
    raw_rows = [["CLASS", "SIZE", "AVAIL", "USED", "RAW USED", "%RAW USED"]]
    for name, space in [*sorted(df["stats_by_class"].items()), ("TOTAL", df["stats"])]:
        raw_rows.append([name, size_text(space["total_bytes"]), size_text(space["total_avail_bytes"]),
                         size_text(space["total_used_bytes"]), size_text(space["total_used_raw_bytes"]),
                         percent_text(space["total_used_raw_ratio"])])
    pg_nums = {p.id: p.pg_num for p in cluster.pools.values()}
    pool_rows = [["POOL", "ID", "PGS", "STORED", "OBJECTS", "USED", "%USED", "MAX AVAIL"]]
    pool_rows += [[p["name"], str(p["id"]), str(pg_nums.get(p["id"], 0)), size_text(p["stats"]["stored"]),
                   count_text(p["stats"]["objects"]), size_text(p["stats"]["bytes_used"]),
                   percent_text(p["stats"]["percent_used"]), size_text(p["stats"]["max_avail"])]
                  for p in df["pools"]]
    text = ("--- RAW STORAGE ---\n" + _table(raw_rows, right=set(range(1, 6))) +
            " \n--- POOLS ---\n" + _table(pool_rows, right=set(range(1, 8))))
    return df, text


def _pool_ls(cluster, version, detail: bool):
    dump = cluster.osd_dump()
    if detail:
        return dump["pools"], "".join(_pool_line(p) + "\n" for p in dump["pools"])
    names = [p["pool_name"] for p in dump["pools"]]
    return names, "".join(n + "\n" for n in names)


def _mon_stat(cluster, version):
    quorum = cluster.quorum_status()
    monmap = cluster.monmap()
    leader = quorum["quorum_leader_name"]
    leader_rank = next((m["rank"] for m in monmap["mons"] if m["name"] == leader), -1)
    data = {"epoch": monmap["epoch"], "min_mon_release_name": ceph_json.RELEASE,
            "num_mons": len(monmap["mons"]), "leader": leader,
            "quorum": [{"rank": r, "name": n} for r, n in zip(quorum["quorum"], quorum["quorum_names"])]}
    mons = ",".join(f"{m['name']}=[" + ",".join(f"{a['type']}:{a['addr']}/{a['nonce']}"
                                                for a in m["public_addrs"]["addrvec"]) + "]"
                    for m in monmap["mons"])
    text = (f"e{monmap['epoch']}: {len(monmap['mons'])} mons at {{{mons}}}, election epoch "
            f"{quorum['election_epoch']}, leader {leader_rank} {leader}, quorum "
            f"{','.join(str(r) for r in quorum['quorum'])} {','.join(quorum['quorum_names'])}\n")
    return data, text


HANDLERS = {
    "status": _status,
    "health": lambda c, v: _health(c, v, False),
    "health detail": lambda c, v: _health(c, v, True),
    "osd tree": _osd_tree, "osd dump": _osd_dump, "osd stat": _osd_stat,
    "df": lambda c, v: _df(c, v, False), "df detail": lambda c, v: _df(c, v, True),
    "osd pool ls": lambda c, v: _pool_ls(c, v, False),
    "osd pool ls detail": lambda c, v: _pool_ls(c, v, True),
    "mon stat": _mon_stat,
    "version": lambda c, v: ({"version": v}, v + "\n"),
}
