"""CRUSH node (bucket) create, update and delete (calamari-internals §4.5.6; bugs 23, 24).

Body: {name, bucket_type, items: [{id, weight, pos}]}. A child bucket is moved under the node
with `osd crush move`; an OSD child is placed (or re-weighted) with one `osd crush set`; an item
dropped from the list is unlinked from the node (`osd crush unlink`), never destroyed. A rename
is `osd crush rename-bucket` and comes last, so earlier commands use the current name. `pos` is
accepted and ignored: Ceph appends items. Weights are floats in the API, 16.16 fixed point in
the crush dump.
"""
from __future__ import annotations

from actors.fields import (
    INT32_MAX, INT32_MIN, Body, Errors, array, check_record, integer, number, string)
from actors.errors import Conflict, NotFound
from actors.requests.plans import OSD_MAP, Plan
from actors.cluster.views.osd_map import OsdMapView

WEIGHT_ONE = 0x10000
MAX_WEIGHT = 65535.0      # CRUSH weights are 16.16 fixed point
ITEM = Body({"id": integer(INT32_MIN, INT32_MAX), "weight": number(minimum=0.0, maximum=MAX_WEIGHT),
             "pos": integer(minimum=0, maximum=INT32_MAX)}, required=("id",))
# `id` is declared so that a POST naming one is told why it cannot (Ceph assigns bucket ids).
NODE_FIELDS = {"name": string(crush_name=True), "bucket_type": string(name=True), "items": array(of=ITEM),
               "id": integer(INT32_MIN, INT32_MAX)}
NODE_CREATE = Body(NODE_FIELDS, required=("name", "bucket_type"))
NODE_UPDATE = Body(NODE_FIELDS, allowed=("name", "bucket_type", "items"))


def _crush_names(view: OsdMapView) -> set[str]:
    crush = view.raw.get("crush") or {}
    names = {device.get("name") for device in crush.get("devices") or ()}
    names |= {node.get("name") for node in view.tree_nodes_by_id.values()}
    names |= {bucket.get("name") for bucket in view.crush_buckets_by_id.values()}
    return names - {None}


def _type_ids(view: OsdMapView) -> dict[str, int]:
    return {crush_type["name"]: type_id
            for type_id, crush_type in view.crush_types_by_id.items() if "name" in crush_type}


def _bucket_type(view: OsdMapView, bucket: dict) -> str | None:
    crush_type = view.crush_types_by_id.get(bucket.get("type_id")) or {}
    return crush_type.get("name", bucket.get("type_name"))


def _get_bucket(view: OsdMapView, node_id: int) -> dict:
    bucket = view.crush_nodes_by_id.get(node_id)
    if bucket is None:
        raise NotFound.of("crush node", node_id)
    return bucket


def _check_items(view: OsdMapView, raw_items: list, errors: Errors) -> list[dict]:
    items, seen = [], set()
    for index, raw in enumerate(raw_items):
        item, problems = check_record(raw, ITEM.fields, ITEM.required)
        if "id" in item and item["id"] in seen:
            problems.append(f"id {item['id']} is listed twice")
        seen.add(item.get("id"))
        for problem in problems:
            errors.add("items", f"item {index}: {problem}")
        items.append(item)
    return items


def _raise_missing(view: OsdMapView, items: list[dict]) -> None:
    missing = [item["id"] for item in items
               if item["id"] not in (view.crush_nodes_by_id if item["id"] < 0
                                     else view.osds_by_id)]
    if missing:
        raise NotFound("CRUSH items not found: " + ", ".join(map(str, missing)),
                       {"items": [f"item {item_id} not found" for item_id in missing]})


def _ancestors(view: OsdMapView, node_id: int) -> set[int]:
    parents: dict[int, list[int]] = {}
    for bucket_id, bucket in view.crush_buckets_by_id.items():
        for item in bucket.get("items") or ():
            parents.setdefault(item.get("id"), []).append(bucket_id)
    found, stack = set(), [node_id]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in found:
                found.add(parent)
                stack.append(parent)
    return found


def _link_commands(view: OsdMapView, name: str, bucket_type: str, items: list[dict],
                   current: dict[int, int]) -> list[tuple[str, dict]]:
    """Move new child buckets in; place new OSDs, or re-weight present ones whose weight
    changes (an OSD without a weight keeps its current CRUSH weight)."""
    location = [f"{bucket_type}={name}"]
    commands = []
    for item in items:
        item_id, weight = item["id"], item.get("weight")
        if item_id < 0:
            if item_id not in current:
                child = view.crush_buckets_by_id[item_id]["name"]
                commands.append(("osd crush move", {"name": child, "args": list(location)}))
            continue
        if item_id in current:
            if weight is None or round(weight * WEIGHT_ONE) == current[item_id]:
                continue
        elif weight is None:
            node = view.tree_nodes_by_id.get(item_id) or {}
            weight = float(node.get("crush_weight") or 0.0)
        commands.append(("osd crush set",
                         {"id": item_id, "weight": weight, "args": list(location)}))
    return commands


def plan_crush_node_create(view: OsdMapView, cluster_name: str, attrs) -> Plan:
    """`POST /crush_node`: add the bucket, then link its items under it."""
    values = NODE_CREATE.check(attrs, "POST")
    errors = Errors()
    name, bucket_type = values["name"], values["bucket_type"]
    if "id" in values:
        errors.add("id", "CRUSH bucket ids are assigned by Ceph")
    if name in _crush_names(view):
        errors.add("name", f"CRUSH node named {name} already exists", conflict=True)
    type_id = _type_ids(view).get(bucket_type)
    if type_id is None:
        errors.add("bucket_type", f"unknown CRUSH type {bucket_type!r}")
    elif type_id == 0:
        errors.add("bucket_type", f"{bucket_type!r} is the device type, not a bucket type")
    items = _check_items(view, values.get("items", []), errors)
    errors.raise_if_any()
    _raise_missing(view, items)

    commands = [("osd crush add-bucket", {"name": name, "type": bucket_type})]
    commands += _link_commands(view, name, bucket_type, items, {})
    return Plan(headline=f"Creating CRUSH node '{name}' in {cluster_name}",
                commands=tuple(commands), completion=OSD_MAP)


def plan_crush_node_update(view: OsdMapView, cluster_name: str, node_id: int,
                           attrs) -> Plan | None:
    """`PATCH /crush_node/<id>`: unlink dropped items, link new ones, rename last."""
    bucket = _get_bucket(view, node_id)
    values = NODE_UPDATE.check(attrs, "PATCH")
    name, bucket_type = bucket["name"], _bucket_type(view, bucket)
    errors = Errors()
    if values.get("bucket_type", bucket_type) != bucket_type:
        errors.add("bucket_type", "bucket_type cannot change")
    new_name = values.get("name", name)
    if new_name != name and new_name in _crush_names(view):
        errors.add("name", f"CRUSH node named {new_name} already exists", conflict=True)
    current = {item["id"]: item.get("weight") for item in bucket.get("items") or ()}
    items = None
    if "items" in values:
        items = _check_items(view, values["items"], errors)
        ancestors = _ancestors(view, node_id) | {node_id}
        for index, item in enumerate(items):
            if item.get("id") in ancestors:
                errors.add("items", f"item {index}: {item['id']} contains this node")
    errors.raise_if_any()

    commands = []
    if items is not None:
        _raise_missing(view, items)
        wanted = {item["id"] for item in items}
        for item_id in current:
            if item_id not in wanted:
                child = (view.crush_buckets_by_id.get(item_id) or {}).get("name", f"osd.{item_id}")
                commands.append(("osd crush unlink", {"name": child, "ancestor": name}))
        commands += _link_commands(view, name, bucket_type, items, current)
    if new_name != name:
        commands.append(("osd crush rename-bucket", {"srcname": name, "dstname": new_name}))
    if not commands:
        return None
    return Plan(headline=f"Updating CRUSH node '{name}' in {cluster_name}",
                commands=tuple(commands), completion=OSD_MAP)


def plan_crush_node_delete(view: OsdMapView, cluster_name: str, node_id: int) -> Plan:
    """`DELETE /crush_node/<id>`: only an empty bucket (Conflict otherwise)."""
    bucket = _get_bucket(view, node_id)
    if bucket.get("items"):
        raise Conflict("Cannot delete a bucket that still contains items")
    return Plan(headline=f"Removing CRUSH node '{bucket['name']}' in {cluster_name}",
                commands=(("osd crush remove", {"name": bucket["name"]}),), completion=OSD_MAP)
