"""Planning the inverse of a completed change (`POST request/<id>/revert`, issue 20), pure.

A change records the plan's diff {field: (before, after)} at submit (RequestState.changes). Its
inverse is an update of the same object setting each field back to `before`, planned like any
other update against the cluster's CURRENT maps; it is only safe while every field still holds
the recorded `after`: otherwise the cluster has moved on (409 naming the field). Changes that
create or destroy things, OSD commands (a scrub), a whole CRUSH map and PG splits have no inverse.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from actors.errors import Conflict, Invalid
from actors.messages import ChangeKind

# RequestState.kind ("<op>_<kind>") of the changes that can be undone, and what the undo updates.
INVERTIBLE = {"update_pool": ChangeKind.POOL, "update_osd": ChangeKind.OSD,
              "update_osd_config": ChangeKind.OSD_CONFIG, "update_crush_node": ChangeKind.CRUSH_NODE,
              "update_crush_rule": ChangeKind.CRUSH_RULE}
# Fields no update can set back: Ceph splits PGs but this server never merges them.
IRREVERSIBLE_FIELDS = {"pg_num": "PGs split by a pg_num increase are not merged back",
                       "pgp_num": "pgp_num follows pg_num, whose PG splits are not merged back",
                       "up": "an OSD marked down comes up by itself, no command marks it up"}
PARENT = "parent:"   # a CRUSH move's field: "parent:<child name>": [old parent, new parent]


@dataclass(frozen=True)
class Inverse:
    kind: ChangeKind
    ident: Any
    attrs: dict      # the update's body: each field back to its `before`
    expect: dict     # each field's value the cluster must still show (the recorded `after`)


def _refuse(request_id: str, why: str) -> Invalid:
    return Invalid(f"Request {request_id} cannot be reverted: {why}", {"request": [why]})


def inverse_of(state, crush_nodes: list | None = None) -> Inverse:
    """The inverse of the request `state` (machine.RequestState); Invalid (400) when it has none.
    crush_nodes: the cluster's CRUSH nodes now (as GET crush_node shows them), for a move."""
    if state.state != "complete":
        raise _refuse(state.id, "it has not completed")
    if state.error:
        raise _refuse(state.id, "it did not succeed")
    if state.fsid is None or state.kind not in INVERTIBLE:
        raise _refuse(state.id, f"a {state.kind or 'job'} change has no inverse")
    changes = state.changes or {}
    if not changes:
        raise _refuse(state.id, "it recorded no changes to undo")
    for field in changes:
        if field in IRREVERSIBLE_FIELDS:
            raise _refuse(state.id, f"{field}: {IRREVERSIBLE_FIELDS[field]}")
    if any(field.startswith(PARENT) for field in changes):
        return _move_back(state, changes, crush_nodes or [])
    return Inverse(INVERTIBLE[state.kind], state.ident,
                   attrs={field: pair[0] for field, pair in changes.items()},
                   expect={field: pair[1] for field, pair in changes.items()})


def _move_back(state, changes: dict, crush_nodes: list) -> Inverse:
    """A CRUSH move (a node's items took children from another parent): the inverse links the
    children back into their old parent, which Ceph does as a move (they leave the new one)."""
    moves = {field: pair for field, pair in changes.items() if field.startswith(PARENT)}
    others = sorted(set(changes) - set(moves) - {"items"})
    if others:
        raise _refuse(state.id, f"it moved CRUSH nodes and changed {', '.join(others)}: "
                                "no single update undoes both")
    old_parents = {pair[0] for pair in moves.values()}
    if None in old_parents or len(old_parents) != 1:
        raise _refuse(state.id, "its moved CRUSH nodes did not all come from one parent")
    old_name = old_parents.pop()
    by_name = {node["name"]: node for node in crush_nodes}
    parent = by_name.get(old_name)
    if parent is None:
        field = sorted(moves)[0]
        raise Conflict(f"The cluster has moved on: {old_name}, where {field[len(PARENT):]} came "
                       f"from, no longer exists", {field: ["its old parent is gone"]})
    weights = {item["id"]: item["weight"] for item in (changes.get("items") or (None, []))[1] or []}
    moved = [_child_id(field[len(PARENT):], by_name) for field in sorted(moves)]
    items = [{"id": item["id"], "weight": item["weight"]} for item in parent.get("items") or []]
    items += [{"id": child, "weight": weights[child]} if child in weights else {"id": child}
              for child in moved if child is not None]
    return Inverse(ChangeKind.CRUSH_NODE, parent["id"], attrs={"items": items},
                   expect={field: pair[1] for field, pair in moves.items()})


def _child_id(name: str, by_name: dict) -> int | None:
    """A moved child's id from its name: a bucket's, or an OSD's "osd.<id>"."""
    if name in by_name:
        return by_name[name]["id"]
    if name.startswith("osd.") and name[4:].isdigit():
        return int(name[4:])
    return None


def check_not_moved_on(expect: dict, planned: dict | None) -> None:
    """Conflict (409) naming the first field whose current value is not the recorded `after`.

    planned: the diff {field: (current, before)} of the inverse as planned against the current
    maps; a field absent from it already holds `before` (someone set it back), also moved on."""
    for field, after in expect.items():
        pair = (planned or {}).get(field)
        if pair is None or not same(pair[0], after):
            current = "its value before" if pair is None else _shown(pair[0])
            raise Conflict(f"The cluster has moved on: {field} is now {current}, not {_shown(after)} "
                           f"as the change left it", {field: ["changed since the request"]})


def _shown(value) -> str:
    """A value as the API's JSON shows it (true, null, "name"), not as Python prints it."""
    return json.dumps(value, default=str)


def same(a, b) -> bool:
    """Equal as the diff records them (a float weight read back may differ in the last bits)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(float(a) - float(b)) <= 1e-6
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b
