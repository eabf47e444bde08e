"""The judges of actors/requests/applied.py: what an OSD map says about one mon command.

Each judge takes a raw `osd_map` (docs/sync-objects.md) and one command's arguments, with the
names of things already as they are called at the end of the job, and answers True (its effect
shows), False (it definitely does not) or None (the map cannot tell); the readers below raise
_Unjudgeable when the map or the arguments lack what a judgement needs. Pure.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_FIXED_ONE = 0x10000      # CRUSH weights are 16.16 fixed point
_TOLERANCE = 1e-4         # weights are stored in fixed point: compare with this slack
_WILDCARDS = ("any", "all", "*")
_OSD_NAME = re.compile(r"(?:osd\.)?(\d+)")
_DEVICE_NAME = re.compile(r"osd\.(\d+)")
_INTEGER = re.compile(r"\s*[-+]?\d+")         # strict_strtoll: leading blanks only
_POOL_TYPES = {"replicated": 1, "erasure": 3}
_TRUE, _FALSE = ("true", "1"), ("false", "0")  # what `osd pool set hashpspool` accepts


class _Unjudgeable(Exception):
    """The map or the command lacks what the judgement needs."""


# ----- reading the map ----------------------------------------------------------------------

def _records(container, key: str) -> list[Mapping]:
    """A list of objects from the map; _Unjudgeable when absent or malformed."""
    records = container.get(key) if isinstance(container, Mapping) else None
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise _Unjudgeable(key)
    return records


def _named(records: list[Mapping], key: str, name) -> Mapping | None:
    """The record whose `key` is `name`. Every record must have a `key` of the same type
    (names are strings, OSD ids integers): otherwise who can say which one is meant?"""
    if any(type(record.get(key)) is not type(name) for record in records):
        raise _Unjudgeable(key)
    return next((record for record in records if record.get(key) == name), None)


def _crush(osd_map: Mapping) -> Mapping:
    crush = osd_map.get("crush")
    if not isinstance(crush, Mapping):
        raise _Unjudgeable("crush")
    return crush


def _pool(osd_map: Mapping, name: str) -> Mapping | None:
    return _named(_records(osd_map, "pools"), "pool_name", name)


def _osd(osd_map: Mapping, osd_id: int) -> Mapping:
    """An OSD of the map; _Unjudgeable when absent (purged, or never existed: Ceph then
    answers "does not exist" and changes nothing)."""
    osd = _named(_records(osd_map, "osds"), "osd", osd_id)
    if osd is None:
        raise _Unjudgeable(osd_id)
    return osd


def _bucket(osd_map: Mapping, name: str) -> Mapping | None:
    return _named(_records(_crush(osd_map), "buckets"), "name", name)


def _item_id(osd_map: Mapping, name: str) -> int | None:
    """The CRUSH id of a device ("osd.3") or bucket name; None if CRUSH has no such item."""
    match = _DEVICE_NAME.fullmatch(name)
    if match:
        return int(match.group(1))
    bucket = _bucket(osd_map, name)
    return None if bucket is None else bucket.get("id")


def _children(bucket: Mapping) -> list:
    items = bucket.get("items")
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise _Unjudgeable("items")
    return items


def _links(osd_map: Mapping, item: int, under: int | None = None) -> list[Mapping]:
    """The bucket items linking `item`, from every bucket or only from those in the subtree
    of bucket `under` (as `osd crush unlink … ancestor` and `remove … ancestor` read it)."""
    buckets = _records(_crush(osd_map), "buckets")
    if under is not None:
        subtree = _subtree(buckets, under)
        buckets = [b for b in buckets if b.get("id") in subtree]
    return [link for bucket in buckets for link in _children(bucket) if link.get("id") == item]


def _subtree(buckets: list[Mapping], root: int) -> set:
    by_id = {bucket.get("id"): bucket for bucket in buckets}
    found, stack = set(), [root]
    while stack:
        current = stack.pop()
        if current in found or current not in by_id:
            continue
        found.add(current)
        stack.extend(item.get("id") for item in _children(by_id[current]))
    return found


def _type_ids(osd_map: Mapping) -> dict:
    return {t.get("name"): t.get("type_id") for t in _records(_crush(osd_map), "types")}


def _flags(osd_map: Mapping) -> set[str]:
    """The OSD map flags: the `flags` text split on ",", else the `flags_set` list."""
    text = osd_map.get("flags")
    if isinstance(text, str):
        return {name.strip() for name in text.split(",")} - {""}
    names = osd_map.get("flags_set")
    if isinstance(names, list) and all(isinstance(name, str) for name in names):
        return set(names)
    raise _Unjudgeable("flags")


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Unjudgeable(value)
    return float(value)


def _integer_field(record: Mapping, *keys: str) -> int:
    """The first of `keys` the record has, which must hold an integer."""
    for key in keys:
        if key in record:
            value = record[key]
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Unjudgeable(key)
            return value
    raise _Unjudgeable(keys)


# ----- reading the command's arguments ------------------------------------------------------

def _text(args: Mapping, key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str):
        raise _Unjudgeable(key)
    return value


def _strtoll(text) -> int:
    """An integer the way the mon parses `osd pool set` values; _Unjudgeable otherwise (the
    command fails, so there is no effect to look for)."""
    if not isinstance(text, str) or not _INTEGER.fullmatch(text):
        raise _Unjudgeable(text)
    return int(text)


def _osd_id(value) -> int:
    """3, "3" or "osd.3"; wildcards and anything else are _Unjudgeable."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _OSD_NAME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _Unjudgeable(value)
    return int(match.group(1))


def _osd_ids(args: Mapping) -> list[int]:
    """`ids` of `osd in/out/down`. A wildcard is _Unjudgeable: OSDs created later join."""
    ids = args.get("ids")
    ids = [ids] if isinstance(ids, str) else ids
    if not isinstance(ids, list) or not ids or any(raw in _WILDCARDS for raw in ids):
        raise _Unjudgeable("ids")
    return [_osd_id(raw) for raw in ids]


def _location(args: Mapping) -> list[tuple[str, str]]:
    """`args` of `osd crush move/set/add-bucket`: ["host=a", "root=b"] as pairs."""
    raw = args.get("args", [])
    raw = [raw] if isinstance(raw, str) else raw
    if not isinstance(raw, list):
        raise _Unjudgeable("args")
    pairs = []
    for entry in raw:
        key, sep, value = entry.partition("=") if isinstance(entry, str) else ("", "", "")
        if not (sep and key and value):
            raise _Unjudgeable(entry)
        pairs.append((key, value))
    return pairs


def _lowest_bucket(osd_map: Mapping, location: list[tuple[str, str]]) -> Mapping | None:
    """The bucket an item placed at `location` sits directly in: the one named for the
    lowest (non-device) type, as CrushWrapper::check_item_loc reads a location. None when it
    does not exist (Ceph creates it while placing the item, so then nothing was placed)."""
    type_ids = _type_ids(osd_map)
    ranked = []
    for type_name, name in location:
        type_id = type_ids.get(type_name)
        if isinstance(type_id, bool) or not isinstance(type_id, int):
            raise _Unjudgeable(type_name)    # unknown type: Ceph refuses the command
        if type_id > 0:
            ranked.append((type_id, name))
    if not ranked:
        raise _Unjudgeable(location)         # empty: move fails, set only re-weights
    return _bucket(osd_map, min(ranked)[1])


def _is_at(osd_map: Mapping, item: int | None, location) -> bool:
    target = _lowest_bucket(osd_map, location)
    return item is not None and target is not None and any(
        link.get("id") == item for link in _children(target))


# ----- judges: (osd_map, args with end-of-job names) -> True / False / None ------------------

def _pool_created(osd_map, args) -> bool:
    """A pool of that name, of the requested type: Ceph refuses to "create" an existing pool
    of the other type (an existing one of the same type is success, changing nothing)."""
    pool = _pool(osd_map, _text(args, "pool"))
    if pool is None:
        return False
    wanted = _POOL_TYPES.get(args.get("pool_type") or "")
    return wanted is None or _integer_field(pool, "type") == wanted


def _pool_deleted(osd_map, args) -> bool:
    return _pool(osd_map, _text(args, "pool")) is None


def _pool_renamed(osd_map, args) -> bool:
    """The destination exists and the source does not (a rename to its own name succeeds
    when the pool exists)."""
    src, dst = _text(args, "srcpool"), _text(args, "destpool")
    exists = _pool(osd_map, dst) is not None
    return exists if src == dst else exists and _pool(osd_map, src) is None


def _pool_set(osd_map, args) -> bool | None:
    pool = _pool(osd_map, _text(args, "pool"))
    if pool is None:
        return False     # Ceph: ENOENT "unrecognized pool"
    judge = _POOL_VARS.get(args.get("var"))
    return None if judge is None else judge(osd_map, pool, args.get("val"))


def _pool_integer(*keys: str):
    """An integer variable stored under the first of `keys` the pool has."""
    def judge(osd_map, pool, val) -> bool:
        return _integer_field(pool, *keys) == _strtoll(val)
    return judge


def _crush_rule(osd_map, pool, val) -> bool:
    """`val` names a rule (Pacific reads even "0" as a name); the pool holds its id. A name
    the map lacks cannot be judged: the rule may have been renamed since."""
    rule = _named(_records(_crush(osd_map), "rules"), "rule_name", val)
    if rule is None or "crush_rule" not in pool:
        raise _Unjudgeable(val)
    return pool["crush_rule"] == rule.get("rule_id")


def _hashpspool(osd_map, pool, val) -> bool:
    """Bit 1 of the pool's `flags`, else the name in `flags_names`."""
    if val not in _TRUE + _FALSE:
        raise _Unjudgeable(val)
    flags = pool.get("flags")
    if isinstance(flags, int) and not isinstance(flags, bool):
        have = bool(flags & 1)
    elif isinstance(pool.get("flags_names"), str):
        have = "hashpspool" in pool["flags_names"].split(",")
    else:
        raise _Unjudgeable("flags")
    return have == (val in _TRUE)


# The variables the builders send (actors/cluster/commands/pool_attrs.py SET_ORDER, crush_ruleset as
# Pacific's crush_rule). Pacific keeps targets for PG counts (the mgr walks the actual count
# towards them): the command's effect is the target. `osd dump` spells pgp_num "pg_placement_num".
_POOL_VARS: dict[str, Callable] = {
    "size": _pool_integer("size"),
    "min_size": _pool_integer("min_size"),
    "pg_num": _pool_integer("pg_num_target", "pg_num"),
    "pgp_num": _pool_integer("pg_placement_num_target", "pgp_num_target", "pg_placement_num",
                             "pgp_num"),
    "crush_rule": _crush_rule,
    "hashpspool": _hashpspool,
}


def _pool_quota(osd_map, args) -> bool:
    """`quota_max_bytes` / `quota_max_objects` equal to a plain decimal `val` (the builders
    send str(int); values with units are not judged)."""
    pool = _pool(osd_map, _text(args, "pool"))
    if pool is None:
        return False
    field_name = _text(args, "field")
    if field_name not in ("max_bytes", "max_objects"):
        raise _Unjudgeable(field_name)
    wanted = _strtoll(args.get("val"))
    if wanted < 0:
        raise _Unjudgeable(wanted)
    return _integer_field(pool, "quota_" + field_name) == wanted


def _marked(osd_in: int):
    """`osd in` / `osd out`: every listed OSD's `in` is 1 / 0."""
    def judge(osd_map, args) -> bool:
        states = [_osd(osd_map, osd_id).get("in") for osd_id in _osd_ids(args)]
        if not all(isinstance(state, (bool, int)) for state in states):
            raise _Unjudgeable("in")
        return all(int(state) == osd_in for state in states)
    return judge


def _reweighted(osd_map, args) -> bool:
    """The OSD's `weight` (its reweight: 0 when out) within the fixed-point slack."""
    osd = _osd(osd_map, _osd_id(args.get("id")))
    return abs(_number(osd.get("weight")) - _number(args.get("weight"))) <= _TOLERANCE


def _flag_names(args) -> set[str]:
    key = _text(args, "key")
    return {"pauserd", "pausewr"} if key == "pause" else {key}   # pause is both bits


def _flag(setting: bool):
    """`osd set` / `osd unset`: the flag in / not in the map's flags."""
    def judge(osd_map, args) -> bool:
        names, flags = _flag_names(args), _flags(osd_map)
        return names <= flags if setting else not names & flags
    return judge


def _bucket_added(osd_map, args) -> bool:
    """A bucket of that name and type (Ceph answers "already exists" for a name taken by any
    type); with a location, also linked there."""
    bucket = _bucket(osd_map, _text(args, "name"))
    if bucket is None:
        return False
    type_name = bucket.get("type_name")
    if type_name is None:
        type_name = next((name for name, type_id in _type_ids(osd_map).items()
                          if type_id == bucket.get("type_id")), None)
    if type_name != _text(args, "type"):
        return False
    location = _location(args)
    return not location or _is_at(osd_map, bucket.get("id"), location)


def _removed(osd_map, args) -> bool | None:
    """Without `ancestor`: no bucket of that name, no device of that name (an OSD loses its
    CRUSH name) and no link to it. With one: as unlink."""
    if args.get("ancestor"):
        return _unlinked(osd_map, args)
    name = _text(args, "name")
    if _bucket(osd_map, name) is not None:
        return False
    if not _DEVICE_NAME.fullmatch(name):
        return True
    devices = _records(_crush(osd_map), "devices")
    return _named(devices, "name", name) is None and not _links(osd_map, _item_id(osd_map, name))


def _bucket_renamed(osd_map, args) -> bool:
    src, dst = _text(args, "srcname"), _text(args, "dstname")
    exists = _bucket(osd_map, dst) is not None
    return exists if src == dst else exists and _bucket(osd_map, src) is None


def _moved(osd_map, args) -> bool:
    """The item sits directly in the location's lowest bucket (check_item_loc: where Ceph
    itself decides that there is "no need to move")."""
    return _is_at(osd_map, _item_id(osd_map, _text(args, "name")), _location(args))


def _placed(osd_map, args) -> bool:
    """`osd crush set`: the OSD linked in the location's lowest bucket with that CRUSH weight
    (16.16 in the dump). Without a location it only re-weights: not judged."""
    osd_id = _osd_id(args.get("id"))
    target = _lowest_bucket(osd_map, _location(args))
    links = [] if target is None else [
        link for link in _children(target) if link.get("id") == osd_id]
    weight = _number(args.get("weight"))
    return any(abs(_number(link.get("weight")) / _FIXED_ONE - weight) <= _TOLERANCE
               for link in links)


def _unlinked(osd_map, args) -> bool | None:
    """No link to the item from the ancestor's subtree (from anywhere without one). An item
    CRUSH no longer knows has no links. An ancestor it does not know cannot be judged."""
    item = _item_id(osd_map, _text(args, "name"))
    under = None
    if args.get("ancestor"):
        ancestor = _bucket(osd_map, _text(args, "ancestor"))
        if ancestor is None:
            return None
        under = ancestor.get("id")
    return item is None or not _links(osd_map, item, under)


def _rule_removed(osd_map, args) -> bool:
    return _named(_records(_crush(osd_map), "rules"), "rule_name", _text(args, "name")) is None


def _cannot_tell(osd_map, args) -> None:
    return None
