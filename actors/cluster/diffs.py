"""What a planned change alters: {field: [before, after]} from the same view the planners read.

Run only after the planner accepted the change (so the body is valid and the change is no
no-op); it is what a preview shows as `changes` and what history records to revert from. The
values are the API's own (pool fields as GET pool shows them, CRUSH weights as floats); what
Ceph does besides the request is included where it changes a field the API shows (marking an
OSD in sets its reweight to 1.0, out to 0.0; a size change may move min_size).
"""
from __future__ import annotations

import hashlib

from actors.cluster.commands.crush_nodes import NODE_UPDATE
from actors.cluster.commands.crush_rules import RULE_CREATE, RULE_UPDATE, default_ruleset
from actors.cluster.commands.pool_attrs import POOL_CREATE, POOL_UPDATE, majority_min_size
from actors.cluster.views.api_crush import api_crush_node, api_crush_rule
from actors.cluster.views.api_pools import api_pool
from actors.cluster.views.osd_map import OsdMapView
from actors.fields import check
from actors.messages import ChangeKind as K, ChangeOp as Op
from actors.requests.plans import Plan

_POOL_READ_ONLY = ("id", "full")
_RULE_FIELDS = ("name", "ruleset", "type", "min_size", "max_size", "steps")


def _created(values: dict) -> dict:
    return {key: [None, value] for key, value in values.items()}


def _deleted(values: dict) -> dict:
    return {key: [value, None] for key, value in values.items()}


def _altered(before: dict, after: dict) -> dict:
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


# --- pools -------------------------------------------------------------------------------------
def pool_create(view: OsdMapView, plan: Plan, attrs) -> dict:
    """Every field the new pool is created with; min_size as the plan sends it."""
    values = POOL_CREATE.check(attrs, "POST")
    values.setdefault("type", "replicated")
    values.setdefault("pgp_num", values["pg_num"])
    for prefix, args in plan.commands:
        if prefix == "osd pool set" and args.get("var") == "min_size":
            values["min_size"] = int(args["val"])
    return _created(values)


def pool_update(view: OsdMapView, pool_id: int, attrs) -> dict:
    current = api_pool(view, pool_id)
    allowed = [f for f in POOL_UPDATE.allowed_fields() if not (current["type"] == "erasure" and f == "size")]
    values = check(attrs, POOL_UPDATE.fields, "PATCH", allowed)
    if "size" in values or "min_size" in values:
        values["min_size"] = majority_min_size(values.get("size", current["size"]),
                                               values.get("min_size", current["min_size"]))
    return _altered(current, values)


def pool_delete(view: OsdMapView, pool_id: int) -> dict:
    current = api_pool(view, pool_id)
    return _deleted({k: v for k, v in current.items() if k not in _POOL_READ_ONLY})


# --- OSDs --------------------------------------------------------------------------------------
def osd_update(view: OsdMapView, osd_id: int, plan: Plan) -> dict:
    """in/up/reweight from the commands the plan sends (Ceph's in/out also set the reweight)."""
    osd = view.osds_by_id[osd_id]
    node = view.tree_nodes_by_id.get(osd_id) or {}
    reweight = float(node.get("reweight", osd.get("weight")) or 0.0)
    before = {"in": bool(osd.get("in")), "up": bool(osd.get("up")), "reweight": reweight}
    after = dict(before)
    for prefix, args in plan.commands:
        if prefix in ("osd in", "osd out"):
            after["in"] = prefix == "osd in"
            after["reweight"] = 1.0 if after["in"] else 0.0
        elif prefix == "osd down":
            after["up"] = False
        elif prefix == "osd reweight":
            after["reweight"] = float(args["weight"])
    return _altered(before, after)


def osd_config(view: OsdMapView, plan: Plan) -> dict:
    return {args["key"]: [view.flags.get(args["key"], False), prefix == "osd set"]
            for prefix, args in plan.commands}


# --- CRUSH -------------------------------------------------------------------------------------
def _node_fields(node: dict) -> dict:
    return {"name": node["name"], "bucket_type": node["bucket_type"],
            "items": [{"id": item["id"], "weight": item["weight"]} for item in node["items"]]}


def _parent_names(view: OsdMapView) -> dict[int, str]:
    return {item.get("id"): bucket.get("name") for bucket in view.crush_nodes_by_id.values()
            for item in bucket.get("items") or ()}


def _items_after(view: OsdMapView, items: list, current: dict[int, float | None]) -> list[dict]:
    """The node's items once linked: a weight not given keeps the current (or CRUSH) weight."""
    result = []
    for item in items:
        weight = item.get("weight")
        if weight is None:
            weight = current.get(item["id"])
        if weight is None and item["id"] >= 0:
            weight = float((view.tree_nodes_by_id.get(item["id"]) or {}).get("crush_weight") or 0.0)
        if weight is None and item["id"] < 0:
            weight = api_crush_node(view, item["id"])["weight"]
        result.append({"id": item["id"], "weight": weight})
    return result


def _moves(view: OsdMapView, items: list, node_id: int | None, new_parent: str) -> dict:
    """`parent:<name>` of every child bucket or OSD that comes from another parent."""
    parents = _parent_names(view)
    names = {bucket_id: bucket.get("name") for bucket_id, bucket in view.crush_nodes_by_id.items()}
    moves = {}
    for item in items:
        old = parents.get(item["id"])
        if node_id is not None and item["id"] in {i["id"] for i in api_crush_node(view, node_id)["items"]}:
            continue
        child = names.get(item["id"], f"osd.{item['id']}")
        if item["id"] < 0 or old is not None:
            moves[f"parent:{child}"] = [old, new_parent]
    return moves


def crush_node_create(view: OsdMapView, attrs) -> dict:
    items = _items_after(view, attrs.get("items") or [], {})
    changes = _created({"name": attrs["name"], "bucket_type": attrs["bucket_type"], "items": items})
    changes.update((k, v) for k, v in _moves(view, items, None, attrs["name"]).items()
                   if v[0] is not None)
    return changes


def crush_node_update(view: OsdMapView, node_id: int, attrs) -> dict:
    before = _node_fields(api_crush_node(view, node_id))
    values = NODE_UPDATE.check(attrs, "PATCH")
    after = {"name": values.get("name", before["name"])}
    changes = {}
    if "items" in values:
        current = {item["id"]: item["weight"] for item in before["items"]}
        after["items"] = _items_after(view, values["items"], current)
        changes.update(_moves(view, after["items"], node_id, after["name"]))
    return {**_altered(before, after), **changes}


def crush_node_delete(view: OsdMapView, node_id: int) -> dict:
    node = _node_fields(api_crush_node(view, node_id))
    changes = _deleted(node)
    parent = _parent_names(view).get(node_id)
    if parent is not None:
        changes[f"parent:{node['name']}"] = [parent, None]
    return changes


def crush_rule_create(view: OsdMapView, attrs) -> dict:
    rule = RULE_CREATE.check(attrs, "POST")
    rule.setdefault("ruleset", default_ruleset(view))     # as the planner chose it
    return _created({key: rule[key] for key in _RULE_FIELDS if key in rule})


def crush_rule_update(view: OsdMapView, rule_id: int, attrs) -> dict:
    current = {key: api_crush_rule(view, rule_id)[key] for key in _RULE_FIELDS}
    return _altered(current, RULE_UPDATE.check(attrs, "PATCH"))


def crush_rule_delete(view: OsdMapView, rule_id: int) -> dict:
    current = api_crush_rule(view, rule_id)
    return _deleted({key: current[key] for key in _RULE_FIELDS})


def text_digest(text: str | None) -> str | None:
    """A CRUSH map text as `sha256:<16 hex> (<n> lines)`: the diff names it, never carries it."""
    if not text:
        return None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"sha256:{digest} ({len(text.splitlines())} lines)"


def crush_map(view: OsdMapView, plan: Plan) -> dict:
    return {"crush_map": [text_digest(view.crush_map_text), text_digest(plan.commands[0][1]["data"])]}


# (op, kind) -> diff(view, plan, ident, attrs); the same pairs as changes.PLANNERS
DIFFS = {
    (Op.CREATE, K.POOL): lambda v, p, i, a: pool_create(v, p, a),
    (Op.UPDATE, K.POOL): lambda v, p, i, a: pool_update(v, i, a),
    (Op.DELETE, K.POOL): lambda v, p, i, a: pool_delete(v, i),
    (Op.UPDATE, K.OSD): lambda v, p, i, a: osd_update(v, i, p),
    (Op.COMMAND, K.OSD): lambda v, p, i, a: {},        # scrub, deep_scrub, repair alter no field
    (Op.UPDATE, K.OSD_CONFIG): lambda v, p, i, a: osd_config(v, p),
    (Op.UPDATE, K.CRUSH_MAP): lambda v, p, i, a: crush_map(v, p),
    (Op.CREATE, K.CRUSH_NODE): lambda v, p, i, a: crush_node_create(v, a),
    (Op.UPDATE, K.CRUSH_NODE): lambda v, p, i, a: crush_node_update(v, i, a),
    (Op.DELETE, K.CRUSH_NODE): lambda v, p, i, a: crush_node_delete(v, i),
    (Op.CREATE, K.CRUSH_RULE): lambda v, p, i, a: crush_rule_create(v, a),
    (Op.UPDATE, K.CRUSH_RULE): lambda v, p, i, a: crush_rule_update(v, i, a),
    (Op.DELETE, K.CRUSH_RULE): lambda v, p, i, a: crush_rule_delete(v, i),
}


def diff(view: OsdMapView, plan: Plan, op: str, kind: str, ident, attrs) -> dict:
    """The {field: [before, after]} of a plan the planner of (op, kind) made from this view."""
    return DIFFS[(op, kind)](view, plan, ident, attrs)
