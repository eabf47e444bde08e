"""CRUSH resources (calamari-internals §5.5, Appendix A.6–A.7): map, nodes, rules, types.

CRUSH weights are 16.16 fixed point in the crush dump; the API shows floats. The division
happens here, on the way out, never in the raw data.
"""
from __future__ import annotations

import copy

from actors.errors import NotFound
from actors.cluster.views.osd_map import OsdMapView, rule_ruleset

RULE_TYPES = {1: "replicated", 3: "erasure"}
WEIGHT_ONE = 0x10000


def _weight(raw) -> float | None:
    return None if raw is None else raw / WEIGHT_ONE


def api_crush_map(view: OsdMapView) -> str:
    """The decompiled CRUSH map text ("" before the first map)."""
    return view.crush_map_text


def _node(view: OsdMapView, bucket: dict) -> dict:
    crush_type = view.crush_types_by_id.get(bucket.get("type_id")) or {}
    return {
        "bucket_type": crush_type.get("name", bucket.get("type_name")),
        "name": bucket.get("name"),
        "id": bucket["id"],
        "weight": _weight(bucket.get("weight")),
        "alg": bucket.get("alg"),
        "hash": bucket.get("hash"),
        "items": [{"id": item.get("id"), "weight": _weight(item.get("weight")),
                   "pos": item.get("pos")}
                  for item in bucket.get("items") or ()],
    }


def api_crush_nodes(view: OsdMapView) -> list[dict]:
    """Every CRUSH bucket but the device-class shadows, in crush dump order."""
    return [_node(view, bucket) for bucket in view.crush_nodes_by_id.values()]


def api_crush_node(view: OsdMapView, node_id: int) -> dict:
    bucket = view.crush_nodes_by_id.get(node_id)
    if bucket is None:
        raise NotFound.of("crush node", node_id)
    return _node(view, bucket)


def _rule(view: OsdMapView, rule: dict) -> dict:
    rule_id = rule["rule_id"]
    rule_type = rule.get("type")
    return {
        "id": rule_id,
        "name": rule.get("rule_name"),
        "ruleset": rule_ruleset(rule),
        "type": RULE_TYPES.get(rule_type, rule_type),
        "min_size": rule.get("min_size"),
        "max_size": rule.get("max_size"),
        "steps": copy.deepcopy(rule.get("steps") or []),
        "osd_count": len(view.osds_by_rule_id.get(rule_id, ())),
    }


def api_crush_rules(view: OsdMapView) -> list[dict]:
    """Every CRUSH rule, by rule id."""
    return [_rule(view, view.crush_rules_by_id[rule_id])
            for rule_id in sorted(view.crush_rules_by_id)]


def api_crush_rule(view: OsdMapView, rule_id: int) -> dict:
    rule = view.crush_rules_by_id.get(rule_id)
    if rule is None:
        raise NotFound.of("crush rule", rule_id)
    return _rule(view, rule)


def api_crush_rule_sets(view: OsdMapView) -> list[dict]:
    """Rules grouped by ruleset: `[{"id": ruleset, "rules": [rule, ...]}]` by ruleset."""
    groups: dict[int, list[dict]] = {}
    for rule in api_crush_rules(view):
        groups.setdefault(rule["ruleset"], []).append(rule)
    return [{"id": ruleset, "rules": groups[ruleset]} for ruleset in sorted(groups)]


def api_crush_types(view: OsdMapView) -> list[dict]:
    """`[{"id", "name"}]` by type id."""
    return [{"id": type_id, "name": view.crush_types_by_id[type_id].get("name")}
            for type_id in sorted(view.crush_types_by_id)]


def api_crush_type(view: OsdMapView, type_id: int) -> dict:
    crush_type = view.crush_types_by_id.get(type_id)
    if crush_type is None:
        raise NotFound.of("crush type", type_id)
    return {"id": type_id, "name": crush_type.get("name")}
