"""Does an OSD map show that one `rados_commands` job took effect?

`shows_applied(commands, osd_map)` reads the mon commands of one job, as the builders of
actors/cluster/commands/ produce them (`[(prefix, {args}), ...]`), against a current raw `osd_map`
sync object (docs/sync-objects.md: `osd dump` plus `crush` and `tree`). It answers

* True  when the effect of every command is visible in the map;
* False when the effect of at least one command is definitely not visible;
* None  when no effect is definitely missing but at least one cannot be judged from the map
  (`osd down`: an OSD comes back up by itself; scrubs leave no trace; `osd setcrushmap`; an
  unknown prefix or `osd pool set` variable; a malformed command or map).

Each command is judged as Ceph 16 applies it (sim/commands/pool.py, sim/commands/osd.py, sim/commands/crush.py
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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# The judges and their readers are this module's own, kept apart to keep both readable.
from actors.requests.applied_judges import (   # private names: the two modules are one judge
    _bucket_added, _bucket_renamed, _cannot_tell, _flag, _flag_names, _location, _marked, _moved,
    _osd_id, _osd_ids, _placed, _pool_created, _pool_deleted, _pool_quota, _pool_renamed,
    _pool_set, _removed, _reweighted, _rule_removed, _text, _unlinked)

POOL, CRUSH, LOC = "pool", "crush", "loc"   # kinds of names an argument refers to
_GONE = object()          # "the thing of that name is deleted later in the job"
_SKIP = "skip"            # verdict of a command whose effect a later command replaces
_CRUSH_SLOTS = ("crush", "links", "rule")       # slots `osd setcrushmap` may rewrite


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
