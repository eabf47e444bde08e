"""CRUSH rule create, update and delete (calamari-internals §4.5.7, §4.6; bugs 12 and 22).

Create and update rewrite the decompiled CRUSH map (`view.crush_map_text`) with the real
parser in actors.cluster.crush_text and upload it with `osd setcrushmap`; delete is `osd crush rule rm`.
The API's `ruleset` is written as the rule's `id` (equal in Ceph 16) and never collides: the
default is the lowest id no rule uses as id or ruleset.
"""
from __future__ import annotations

from actors.fields import (
    INT32_MAX, INT32_MIN, Body, Errors, array, check_record, integer, string)
from actors.cluster.crush_text import (
    CHOOSE_OPS, SET_OPS, CrushTextError, Section, format_rule, insert_rule, parse, replace_rule,
    serialise, with_exact_weights)
from actors.errors import Conflict, NotFound, Unavailable
from actors.requests.plans import OSD_MAP, Plan
from actors.cluster.views.api_crush import api_crush_rule
from actors.cluster.views.osd_map import OsdMapView, rule_ruleset

MAX_RULESET = 255
STEP = Body({"op": string(), "item": integer(INT32_MIN, INT32_MAX), "item_name": string(name=True),
             "num": integer(INT32_MIN, INT32_MAX), "type": string()}, required=("op",))
RULE_FIELDS = {
    "name": string(crush_name=True),
    "ruleset": integer(minimum=0, maximum=MAX_RULESET),
    "type": string("replicated", "erasure"),
    "min_size": integer(minimum=0, maximum=255),      # a rule's mask holds them in 8 bits
    "max_size": integer(minimum=0, maximum=255),
    "steps": array(of=STEP),
}
RULE_CREATE = Body(RULE_FIELDS, required=("name", "type", "min_size", "max_size", "steps"))
RULE_UPDATE = Body(RULE_FIELDS, allowed=("name", "ruleset", "min_size", "max_size", "steps"))
_RULE_KEYS = ("name", "ruleset", "type", "min_size", "max_size", "steps")

# The keys each kind of step takes besides `op`, and those it needs.
_TAKE_KEYS = ({"item", "item_name"}, ())
_CHOOSE_KEYS = ({"num", "type"}, ("num", "type"))
_SET_KEYS = ({"num"}, ("num",))
_STEP_KEYS = {"take": _TAKE_KEYS, "emit": (set(), ()),
              **{op: _CHOOSE_KEYS for op in CHOOSE_OPS}, **{op: _SET_KEYS for op in SET_OPS}}


def _crush_names(view: OsdMapView) -> dict[int, str]:
    """Every named CRUSH item by id: devices, tree nodes, buckets (shadow ones included)."""
    crush = view.raw.get("crush") or {}
    names = {device["id"]: device["name"] for device in crush.get("devices") or ()
             if "id" in device and "name" in device}
    names.update((node_id, node["name"]) for node_id, node in view.tree_nodes_by_id.items()
                 if "name" in node)
    names.update((bucket_id, bucket["name"]) for bucket_id, bucket
                 in view.crush_buckets_by_id.items() if "name" in bucket)
    return names


def resolve_steps(view: OsdMapView, steps: list) -> tuple[list[dict], list[str]]:
    """Steps checked per op, `take` given its `item_name`: (steps, problems as text)."""
    names = _crush_names(view)
    known = set(names.values())
    classes = {device.get("class") for device in (view.raw.get("crush") or {}).get("devices")
               or ()} - {None}
    types = {crush_type.get("name") for crush_type in view.crush_types_by_id.values()}
    result, problems = [], []
    if not steps:
        problems.append("a rule needs at least one step")
    for index, raw in enumerate(steps):
        step, found = check_record(raw, STEP.fields, STEP.required)
        op = step.get("op")
        if op is not None and op not in _STEP_KEYS:
            found.append(f"unknown op {op!r}")
        elif op is not None:
            keys, required = _STEP_KEYS[op]
            found += [f"{key!r} not valid for {op}" for key in step if key not in keys | {"op"}]
            found += [f"{key}: required" for key in required if key not in step]
            if op == "take":
                found += _resolve_take(step, names, known, classes)
            elif "type" in step and step["type"] not in types:
                found.append(f"unknown CRUSH type {step['type']!r}")
        problems += [f"step {index}: {problem}" for problem in found]
        result.append(step)
    return result, problems


def _resolve_take(step: dict, names: dict, known: set, classes: set) -> list[str]:
    if "item_name" not in step:
        if "item" not in step:
            return ["item_name or item: required"]
        if step["item"] not in names:
            return [f"unknown CRUSH item {step['item']}"]
        step["item_name"] = names[step["item"]]
    base, tilde, device_class = step["item_name"].partition("~")
    if base not in known:
        return [f"unknown CRUSH item {base!r}"]
    if tilde and device_class not in classes:
        return [f"unknown device class {device_class!r}"]
    return []


def _rule_by_name(view: OsdMapView, name: str) -> dict | None:
    return next((rule for rule in view.crush_rules_by_id.values()
                 if rule.get("rule_name") == name), None)


def _used_ids(view: OsdMapView, except_rule: int | None = None) -> set[int]:
    used = set()
    for rule_id, rule in view.crush_rules_by_id.items():
        if rule_id != except_rule:
            used |= {rule_id, rule_ruleset(rule)}
    return used


def default_ruleset(view: OsdMapView) -> int:
    """The ruleset a new rule gets when the body names none: the lowest no rule uses."""
    used = _used_ids(view)
    free = [n for n in range(MAX_RULESET + 1) if n not in used]
    if not free:
        raise Conflict(f"Every CRUSH ruleset 0..{MAX_RULESET} is in use")
    return free[0]


def _pools_using(view: OsdMapView, rule_id: int) -> list[str]:
    return [pool.get("pool_name") for _, pool in sorted(view.pools_by_id.items())
            if (view.rule_of_pool(pool) or {}).get("rule_id") == rule_id]


def _sections(view: OsdMapView) -> list[Section]:
    if not view.crush_map_text:
        raise Unavailable("The CRUSH map of this cluster is not available yet")
    try:
        return parse(view.crush_map_text)
    except CrushTextError as exc:
        raise Unavailable(f"The cluster's CRUSH map text cannot be parsed: {exc}") from exc


def _check_rule(view: OsdMapView, rule: dict, errors: Errors, rule_id: int | None) -> dict:
    """Name, size and step checks shared by create and update; the rule with resolved steps."""
    other = _rule_by_name(view, rule["name"])
    if other is not None and other.get("rule_id") != rule_id:
        errors.add("name", f"CRUSH rule {rule['name']} already exists", conflict=True)
    if rule["min_size"] > rule["max_size"]:
        errors.add("min_size", "must be <= max_size")
    steps, problems = resolve_steps(view, rule["steps"])
    for problem in problems:
        errors.add("steps", problem)
    return {**rule, "steps": steps}


def _current_text(view: OsdMapView, current: dict) -> str | None:
    """The current rule as format_rule writes it (None if its steps cannot be written)."""
    steps, problems = resolve_steps(view, current["steps"])
    return None if problems else format_rule({**current, "steps": steps})


def _setcrushmap(view: OsdMapView, headline: str, sections: list[Section]) -> Plan:
    """The map sent back with the weights it had (the decompiled text rounds them)."""
    text = serialise(with_exact_weights(sections, view.raw.get("crush") or {}))
    return Plan(headline=headline, commands=(("osd setcrushmap", {"data": text}),), completion=OSD_MAP)


def plan_crush_rule_create(view: OsdMapView, cluster_name: str, attrs) -> Plan:
    """`POST /crush_rule`: the map text with the new rule added."""
    rule = RULE_CREATE.check(attrs, "POST")
    errors = Errors()
    used = _used_ids(view)
    if "ruleset" in rule and rule["ruleset"] in used:
        errors.add("ruleset", f"CRUSH ruleset {rule['ruleset']} already in use", conflict=True)
    elif "ruleset" not in rule:
        rule["ruleset"] = default_ruleset(view)
    rule = _check_rule(view, rule, errors, None)
    errors.raise_if_any()
    sections = insert_rule(_sections(view), format_rule(rule))
    return _setcrushmap(view, f"Creating CRUSH rule '{rule['name']}' in {cluster_name}", sections)


def plan_crush_rule_update(view: OsdMapView, cluster_name: str, rule_id: int,
                           attrs) -> Plan | None:
    """`PATCH /crush_rule/<id>`: the current rule merged with the body (the body wins)."""
    if rule_id not in view.crush_rules_by_id:
        raise NotFound.of("crush rule", rule_id)
    current = {key: api_crush_rule(view, rule_id)[key] for key in _RULE_KEYS}
    values = RULE_UPDATE.check(attrs, "PATCH")
    errors = Errors()
    if values.get("ruleset", current["ruleset"]) != current["ruleset"]:
        if values["ruleset"] in _used_ids(view, except_rule=rule_id):
            errors.add("ruleset", f"CRUSH ruleset {values['ruleset']} already in use",
                       conflict=True)
        for pool_name in _pools_using(view, rule_id):
            errors.add("ruleset", f"rule {current['name']} is used by pool {pool_name}",
                       conflict=True)
    rule = _check_rule(view, {**current, **values}, errors, rule_id)
    errors.raise_if_any()

    new_text = format_rule(rule)
    if new_text == _current_text(view, current):
        return None
    try:
        sections = replace_rule(_sections(view), current["name"], new_text)
    except KeyError as exc:
        raise Unavailable(f"CRUSH rule {current['name']!r} is missing from the CRUSH map "
                          "text") from exc
    return _setcrushmap(view, f"Updating CRUSH rule '{current['name']}' in {cluster_name}", sections)


def plan_crush_rule_delete(view: OsdMapView, cluster_name: str, rule_id: int) -> Plan:
    """`DELETE /crush_rule/<id>`: NotFound if unknown, Conflict while a pool uses it."""
    rule = view.crush_rules_by_id.get(rule_id)
    if rule is None:
        raise NotFound.of("crush rule", rule_id)
    name = rule.get("rule_name")
    pools = _pools_using(view, rule_id)
    if pools:
        raise Conflict(f"CRUSH rule {name!r} is in use by pool(s) "
                       + ", ".join(repr(pool) for pool in pools))
    return Plan(headline=f"Removing CRUSH rule '{name}' in {cluster_name}",
                commands=(("osd crush rule rm", {"name": name}),), completion=OSD_MAP)
