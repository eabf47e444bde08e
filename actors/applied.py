"""Does an OSD map show that one `rados_commands` job took effect?

`shows_applied(commands, osd_map)` reads the mon commands of one job, as the builders of
actors/commands/ produce them (`[(prefix, {args}), ...]`), against a current raw `osd_map`
sync object (docs/sync-objects.md: `osd dump` plus `crush` and `tree`). It answers

* True  when the effect of every command is visible in the map;
* False when the effect of at least one command is definitely not visible;
* None  when no effect is definitely missing but at least one cannot be judged from the map
  (`osd down`: an OSD comes back up by itself; scrubs leave no trace; `osd setcrushmap`; an
  unknown prefix or `osd pool set` variable; a malformed command or map).

Each command is judged as Ceph 16 applies it (sim/cmd_pool.py, sim/cmd_osd.py, sim/cmd_crush.py
model the same semantics). A job runs its commands in order, so what a command names is what
it is called *at the end of the job*: a pool renamed or a bucket renamed by a later command is
looked up under its new name (the builders set a pool's attributes, or relink a bucket's items,
before renaming it). A command whose effect a later command of the job overwrites or deletes
(a second `osd pool set` of the same variable, `osd pool set size` resetting min_size, a pool
deleted afterwards) is not judged: the map is not meant to show it. The commands are therefore
walked from the last to the first, remembering what the later ones rename and overwrite.

Pure: no I/O, no clocks; it never raises.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

POOL, CRUSH, LOC = "pool", "crush", "loc"   # kinds of names an argument refers to
_SKIP = "skip"            # verdict of a command whose effect a later command replaces
_GONE = object()          # "the thing of that name is deleted later in the job"
_FIXED_ONE = 0x10000      # CRUSH weights are 16.16 fixed point
_TOLERANCE = 1e-4         # weights are stored in fixed point: compare with this slack
_WILDCARDS = ("any", "all", "*")
_OSD_NAME = re.compile(r"(?:osd\.)?(\d+)")
_DEVICE_NAME = re.compile(r"osd\.(\d+)")
_INTEGER = re.compile(r"\s*[-+]?\d+")         # strict_strtoll: leading blanks only
_POOL_TYPES = {"replicated": 1, "erasure": 3}
_TRUE, _FALSE = ("true", "1"), ("false", "0")  # what `osd pool set hashpspool` accepts
_CRUSH_SLOTS = ("crush", "links", "rule")       # slots `osd setcrushmap` may rewrite


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


# The variables the builders send (actors/commands/pool_attrs.py SET_ORDER, crush_ruleset as
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


# ----- slots: which state a command sets (so a later command can replace its effect) --------

def _same(*slots) -> tuple[tuple, tuple]:
    return slots, slots                     # (judged, written)


def _pool_slots(*keys: str):
    return lambda args: _same(*(("pool", _text(args, key)) for key in keys))


# `osd pool set size` also resets min_size to its default; raising pg_num drags pgp_num along
# when they were equal. A later command of that kind overwrites these too.
_SIDE_EFFECTS = {"size": ("min_size",), "pg_num": ("pgp_num",)}


def _pool_set_slots(args):
    pool, var = _text(args, "pool"), _text(args, "var")
    judged = (("pool", pool, var),)
    if var == "crush_rule":
        judged += (("rule", _text(args, "val")),)   # the rule is looked up by name
    written = (("pool", pool, var),) + tuple(("pool", pool, other)
                                             for other in _SIDE_EFFECTS.get(var, ()))
    return judged, written


def _quota_slots(args):
    return _same(("pool", _text(args, "pool"), "quota_" + _text(args, "field")))


def _marked_slots(osd_in: int):
    """Out also zeroes the reweight (`weight` is 0 when out); in restores the one the OSD had
    only if it was out, so it does not replace an earlier reweight."""
    def slots(args):
        ids = _osd_ids(args)
        judged = tuple(("osd in", i) for i in ids)
        return judged, judged + (() if osd_in else tuple(("osd weight", i) for i in ids))
    return slots


def _reweight_slots(args):
    """A reweight of 0 marks the OSD out, any other marks it in."""
    osd_id = _osd_id(args.get("id"))
    return (("osd weight", osd_id),), (("osd weight", osd_id), ("osd in", osd_id))


def _down_slots(args):
    return (), tuple(("osd up", i) for i in _osd_ids(args))


def _flag_slots(args):
    return _same(*(("flag", name) for name in sorted(_flag_names(args))))


def _add_bucket_slots(args):
    name = _text(args, "name")
    return _same(("crush", name), *((("links", name),) if _location(args) else ()))


def _remove_slots(args):
    name = _text(args, "name")
    return _same(("links", name)) if args.get("ancestor") else _same(("crush", name),
                                                                      ("links", name))


def _links_slots(args):
    return _same(("links", _text(args, "name")))


def _crush_set_slots(args):
    return _same(("links", f"osd.{_osd_id(args.get('id'))}"))


def _no_slots(args):
    return (), ()


# ----- renames: how a command changes what earlier commands' names end up as ----------------

def _drops(namespace: str, key: str):
    """A deletion: what was called args[key] is gone at the end of the job."""
    return lambda args: (namespace, _text(args, key), _GONE)


def _renames(namespace: str, src: str, dst: str):
    """A rename: what was called args[src] ends up as args[dst] (already end-of-job)."""
    return lambda args: (namespace, _text(args, src), args.get(dst))


def _crush_drop(args):
    """`osd crush remove` with an ancestor only unlinks: the item keeps its name."""
    return None if args.get("ancestor") else _drops(CRUSH, "name")(args)


@dataclass(frozen=True)
class _Kind:
    judge: Callable                          # (osd_map, args) -> bool | None
    slots: Callable = _no_slots              # args -> (judged slots, written slots)
    refs: Mapping = field(default_factory=dict)  # arg -> POOL/CRUSH/LOC: names of things
    rename: Callable | None = None           # args -> (namespace, old name, new name | _GONE)
    replaces_crush: bool = False             # rewrites the whole CRUSH map


_UNJUDGEABLE = _Kind(_cannot_tell)
_POOL_REF = {"pool": POOL}
_POOL_DELETE = _Kind(_pool_deleted, _pool_slots("pool"), rename=_drops(POOL, "pool"))
_CRUSH_REMOVE = _Kind(_removed, _remove_slots, {"ancestor": CRUSH}, rename=_crush_drop)

# Prefix -> how to judge it. Aliases Ceph accepts (`osd pool rm`, `osd crush rm`) share a row.
_KINDS: dict[str, _Kind] = {
    "osd pool create": _Kind(_pool_created, _pool_slots("pool"), _POOL_REF),
    "osd pool delete": _POOL_DELETE,
    "osd pool rm": _POOL_DELETE,
    "osd pool rename": _Kind(_pool_renamed, _pool_slots("srcpool", "destpool"),
                             {"destpool": POOL}, _renames(POOL, "srcpool", "destpool")),
    "osd pool set": _Kind(_pool_set, _pool_set_slots, _POOL_REF),
    "osd pool set-quota": _Kind(_pool_quota, _quota_slots, _POOL_REF),
    "osd in": _Kind(_marked(1), _marked_slots(1)),
    "osd out": _Kind(_marked(0), _marked_slots(0)),
    "osd reweight": _Kind(_reweighted, _reweight_slots),
    "osd set": _Kind(_flag(True), _flag_slots),
    "osd unset": _Kind(_flag(False), _flag_slots),
    "osd crush add-bucket": _Kind(_bucket_added, _add_bucket_slots, {"args": LOC}),
    "osd crush remove": _CRUSH_REMOVE,
    "osd crush rm": _CRUSH_REMOVE,
    "osd crush rename-bucket": _Kind(_bucket_renamed, lambda args: _same(
        ("crush", _text(args, "srcname")), ("crush", _text(args, "dstname"))),
        {"dstname": CRUSH}, _renames(CRUSH, "srcname", "dstname")),
    "osd crush move": _Kind(_moved, _links_slots, {"name": CRUSH, "args": LOC}),
    "osd crush set": _Kind(_placed, _crush_set_slots, {"args": LOC}),
    "osd crush unlink": _Kind(_unlinked, _links_slots, {"name": CRUSH, "ancestor": CRUSH}),
    "osd crush rule rm": _Kind(_rule_removed, lambda args: _same(("rule", _text(args, "name")))),
    # An OSD marked down boots again by itself: the map cannot tell whether it was marked.
    "osd down": _Kind(_cannot_tell, _down_slots),
    # Scrubs and repairs leave nothing in the OSD map.
    "osd scrub": _UNJUDGEABLE,
    "osd deep-scrub": _UNJUDGEABLE,
    "osd repair": _UNJUDGEABLE,
    # A whole compiled map: comparing it to the dump would mean compiling it here.
    "osd setcrushmap": _Kind(_cannot_tell, replaces_crush=True),
}


# ----- the walk -----------------------------------------------------------------------------

@dataclass
class _Later:
    """What the commands after the one being judged do to names and state."""
    names: dict = field(default_factory=lambda: {POOL: {}, CRUSH: {}})
    written: set = field(default_factory=set)
    crush_replaced: bool = False
    opaque: bool = False          # an unknown or malformed command: it may have undone anything

    def end_name(self, namespace: str, name):
        return self.names[namespace].get(name, name)

    def claims(self, slot: tuple) -> bool:
        return slot in self.written or (self.crush_replaced and slot[0] in _CRUSH_SLOTS)


def _end_names(kind: _Kind, args: Mapping, later: _Later) -> tuple[dict, bool]:
    """(args with the names of existing things as they are called at the end of the job,
    whether one of those things is deleted later in the job)."""
    resolved, gone = dict(args), False
    for key, namespace in kind.refs.items():
        if key not in resolved:
            continue
        value = resolved[key]
        if namespace == LOC:
            pairs = [(type_name, later.end_name(CRUSH, name)) for type_name, name
                     in _location(resolved)]
            gone = gone or any(name is _GONE for _, name in pairs)
            resolved[key] = [f"{type_name}={name}" for type_name, name in pairs
                             if name is not _GONE]
        elif isinstance(value, str):
            resolved[key] = later.end_name(namespace, value)
            gone = gone or resolved[key] is _GONE
    return resolved, gone


def _verdict(kind: _Kind, osd_map: Mapping, args: dict, judged: tuple, later: _Later):
    """True/False/None for one command, or _SKIP when later commands replace its effect."""
    replaced = [slot for slot in judged if later.claims(slot)]
    if judged and len(replaced) == len(judged):
        return _SKIP
    if replaced:
        return None          # partly replaced: what is left cannot be told apart
    try:
        verdict = kind.judge(osd_map, args)
    except Exception:        # the map is foreign data: any shape may come; never raise
        return None
    # An unknown command after this one may have undone it: absent is no longer definite.
    return None if verdict is False and later.opaque else verdict


def _step(entry, osd_map: Mapping, later: _Later):
    """Judge one command (the walk is backwards) and record what it does for earlier ones."""
    if not (isinstance(entry, (list, tuple)) and len(entry) == 2
            and isinstance(entry[1], Mapping)):
        later.opaque = True
        return None
    kind = _KINDS.get(entry[0]) if isinstance(entry[0], str) else None
    if kind is None:
        later.opaque = True
        return None
    try:
        args, gone = _end_names(kind, entry[1], later)
        rename = kind.rename(args) if kind.rename else None
        # Acting on something deleted later in the job: nothing of it is left to see.
        judged, written = ((), ()) if gone else kind.slots(args)
    except Exception:        # arguments Ceph would refuse, or a wildcard reaching every OSD
        later.opaque = True
        return None
    verdict = _SKIP if gone else _verdict(kind, osd_map, args, judged, later)
    later.written.update(written)
    later.crush_replaced = later.crush_replaced or kind.replaces_crush
    if rename is not None:
        namespace, old, new = rename
        later.names[namespace][old] = new
    return verdict


def shows_applied(commands, osd_map) -> bool | None:
    """True if `osd_map` shows every command's effect, False if it definitely lacks one,
    None if it cannot tell (see the module docstring)."""
    if not isinstance(commands, (list, tuple)) or not isinstance(osd_map, Mapping):
        return None
    later = _Later()
    verdicts = [_step(entry, osd_map, later) for entry in reversed(commands)]
    if False in verdicts:
        return False
    if None in verdicts:
        return None
    return True
