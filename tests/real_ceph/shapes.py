"""Shape comparison of sync objects: what the daemon reads, and where sim and real Ceph differ.

`DAEMON_READS` lists, per sync type, the key paths the daemon reads (actors/cluster/views, membership,
map_events, request_machine, the command builders). A path is dot-separated keys; `name[]` steps
into every element of the list `name`, `name{}` into every value of the map `name`, and a bare
`[]` / `{}` segment into the elements / values of the current object. So
"by_pool{}.{}" is every state count of every pool and "tree.nodes[].children" is every node's
children list.

`shape_differences(real, simulated, paths)` walks each path on both sides, gathering every value
reached (across all list elements and map values), and reports per path:

* a key present somewhere on one side and nowhere on the other (optional keys such as a tree
  node's `children`, which only buckets have, are fine as long as both sides have some);
* a different JSON kind: object, list, string, bool, null, number. bool and int differ (Ceph
  writes `"up": 1`, not `true`). Strings in a format Ceph is particular about are kinds of their
  own: its two timestamp spellings ("…667267+0000" in `osd dump`, "…667267Z" in `mon dump`)
  and the `ceph version 16.2.15 (<sha1>) pacific (stable)` banner;
* numbers: Ceph's JSON writer prints a double without its fraction when it is whole (a reweight
  of 1.0 is `1`), so whole floats and ints are the same shape. What differs is a fraction on one
  side only: Ceph prints fractional values (weights) where the simulator has only integers, or
  the reverse. A double that happens to be whole everywhere on the real cluster while the
  simulator shows fractions would be reported too: compare clusters in similar states;
* lists or maps that have elements on the real side and none on the simulated one: nothing
  below them can be compared, which is itself a difference. The reverse (the real cluster has
  none, e.g. no pg_temp entries) is not: there is nothing real to compare against.

Only the first difference along a path is reported (what lies below it would only repeat it);
each message names the path.
"""
from __future__ import annotations

import re

_SEGMENT = re.compile(r"^([^\[\]{}]*)((?:\[\]|\{\})*)$")
_STRING_FORMATS = (
    ("time+0000", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000")),
    ("timeZ", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")),
    ("ceph-version", re.compile(r"ceph version \d+\.\d+\.\d+ \([0-9a-f]{40}\) [a-z]+ \(\w+\)")),
)

DAEMON_READS: dict[str, list[str]] = {
    "osd_map": [
        "epoch", "fsid", "flags", "crush_map_text",
        "osds[].osd", "osds[].uuid", "osds[].up", "osds[].in", "osds[].weight",
        "osds[].public_addr", "osds[].cluster_addr",
        "osds[].public_addrs.addrvec[].addr", "osds[].cluster_addrs.addrvec[].addr",
        "pools[].pool", "pools[].pool_name", "pools[].size", "pools[].min_size",
        "pools[].crush_rule", "pools[].pg_num", "pools[].pg_num_target",
        "pools[].pg_placement_num", "pools[].flags", "pools[].type",
        "pools[].quota_max_objects", "pools[].quota_max_bytes", "pools[].erasure_code_profile",
        "pools[].last_change",
        "erasure_code_profiles{}.k", "erasure_code_profiles{}.m",
        "tree.nodes[].id", "tree.nodes[].name", "tree.nodes[].type", "tree.nodes[].children[]",
        "tree.nodes[].device_class", "tree.nodes[].crush_weight", "tree.nodes[].reweight",
        "tree.stray",
        "crush.devices[].id", "crush.devices[].name", "crush.devices[].class",
        "crush.types[].type_id", "crush.types[].name",
        "crush.buckets[].id", "crush.buckets[].name", "crush.buckets[].type_id",
        "crush.buckets[].type_name", "crush.buckets[].weight", "crush.buckets[].alg",
        "crush.buckets[].hash", "crush.buckets[].items[].id", "crush.buckets[].items[].weight",
        "crush.buckets[].items[].pos",
        "crush.rules[].rule_id", "crush.rules[].rule_name", "crush.rules[].ruleset",
        "crush.rules[].type", "crush.rules[].min_size", "crush.rules[].max_size",
        "crush.rules[].steps[].op", "crush.rules[].steps[].item",
        "crush.rules[].steps[].item_name", "crush.rules[].steps[].num",
        "crush.rules[].steps[].type",
        "osd_metadata[].id", "osd_metadata[].osd_data",
    ],
    "mon_map": [
        "epoch", "mons[].name", "mons[].rank", "mons[].addr", "mons[].public_addr",
        "mons[].public_addrs.addrvec[].addr",
    ],
    "mon_status": [
        "name", "rank", "election_epoch", "quorum[]",
        "monmap.mons[].name", "monmap.mons[].rank", "monmap.mons[].addr",
        "monmap.mons[].public_addrs.addrvec[].addr",
    ],
    "quorum_status": ["election_epoch", "quorum[]", "quorum_leader_name"],
    "mds_map": ["epoch", "standbys[].name", "filesystems[].mdsmap.info{}.name"],
    "pg_summary": ["by_osd{}.{}", "by_pool{}.{}", "all.{}"],
    "health": ["status"],
    "config": [
        "fsid", "osd_pool_default_size", "osd_pool_default_min_size",
        "osd_pool_default_crush_rule", "osd_pool_default_flag_hashpspool",
        "mon_max_pool_pg_num",
    ],
}

# Paths the daemon does not read today whose shape the simulator must match all the same:
# timestamps, version banners, health checks (what an API for them would read).
ALSO_COMPARED: dict[str, list[str]] = {
    "osd_map": ["created", "modified", "pools[].create_time", "osd_metadata[].hostname",
                "osd_metadata[].back_addr", "tree.stray[].id"],
    "mon_map": ["created", "modified", "quorum[]"],
    "mon_status": ["state", "quorum_age", "monmap.created", "feature_map.{}[].num"],
    "quorum_status": ["quorum_names[]", "quorum_age", "monmap.mons[].name"],
    "health": ["checks{}.severity", "checks{}.summary.message", "checks{}.summary.count",
               "checks{}.detail[].message", "checks{}.muted", "mutes"],
}


def kind(value) -> str:
    """The JSON kind of a value; numbers are "int" (whole, however typed) or "float"."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "float" if isinstance(value, float) and not value.is_integer() else "int"
    if isinstance(value, str):
        return next((f"string({name})" for name, pattern in _STRING_FORMATS
                     if pattern.fullmatch(value)), "string")
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _segments(path: str) -> list[tuple[str, str]]:
    """"a.b[].{}" -> [("a", ""), ("b", "[]"), ("", "{}")]: (key or "", its [] / {} steps)."""
    result = []
    for part in path.split("."):
        match = _SEGMENT.match(part)
        if match is None or not (match.group(1) or match.group(2)):
            raise ValueError(f"bad path segment {part!r} in {path!r}")
        result.append((match.group(1), match.group(2)))
    return result


def _describe(kinds: set[str]) -> str:
    return "/".join(sorted(kinds)) or "nothing"


def _compare_kinds(prefix: str, real: list, sim: list) -> str | None:
    """A message if the values reached at `prefix` differ in shape, else None."""
    real_kinds, sim_kinds = {kind(v) for v in real}, {kind(v) for v in sim}
    numbers = {"int", "float"}
    if (real_kinds - numbers != sim_kinds - numbers
            or bool(real_kinds & numbers) != bool(sim_kinds & numbers)):
        return f"{prefix}: real {_describe(real_kinds)}, simulated {_describe(sim_kinds)}"
    if real_kinds & numbers and ("float" in real_kinds) != ("float" in sim_kinds):
        if "float" in real_kinds:
            return f"{prefix}: real has fractional numbers, simulated only whole ones"
        return f"{prefix}: simulated has fractional numbers, real only whole ones"
    return None


def _step_key(values: list, key: str) -> tuple[list, bool]:
    """The values under `key` of the objects among `values`, and whether any object had it."""
    found = [v[key] for v in values if isinstance(v, dict) and key in v]
    return found, bool(found)


def _step_into(values: list, step: str) -> list:
    """Every element ([]) or map value ({}) of the lists / objects among `values`."""
    out = []
    for value in values:
        if step == "[]" and isinstance(value, list):
            out.extend(value)
        elif step == "{}" and isinstance(value, dict):
            out.extend(value.values())
    return out


def _walk(path: str, real, simulated) -> str | None:
    """The first difference along one path, or None. Messages name the path as far as it got."""
    real_values, sim_values = [real], [simulated]
    done: list[str] = []        # the segments walked, as written in the path
    for key, steps in _segments(path):
        current = key
        if key:
            had_objects = bool(real_values) and bool(sim_values)
            real_values, real_has = _step_key(real_values, key)
            sim_values, sim_has = _step_key(sim_values, key)
            if had_objects and real_has != sim_has:
                where = ".".join(done + [key])
                return f"{where}: missing in {'simulated' if real_has else 'real'}"
            if not real_values:
                return None     # the real side has nothing here: nothing to compare against
        for step in (steps[i:i + 2] for i in range(0, len(steps), 2)):
            where = ".".join(done + [current]) or "<top>"
            problem = _compare_kinds(where, real_values, sim_values)
            if problem:
                return problem
            current += step
            real_values, sim_values = _step_into(real_values, step), _step_into(sim_values, step)
            if not real_values:
                return None
            if not sim_values:
                return f"{where}: real has {len(real_values)} elements, simulated none"
        done.append(current)
    return _compare_kinds(".".join(done) or "<top>", real_values, sim_values)


def shape_differences(real, simulated, paths) -> list[str]:
    """One message per path whose shape differs between the real and the simulated object."""
    found = []
    for path in paths:
        problem = _walk(path, real, simulated)
        if problem and problem not in found:
            found.append(problem)
    return found
