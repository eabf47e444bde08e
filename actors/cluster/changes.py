"""Which pure builder plans which change (op, kind), fed from a ClusterActor's current maps."""
from __future__ import annotations

from actors.cluster import commands as c
from actors.errors import NotFound
from actors.messages import PlanChange
from actors.requests.plans import Plan

# (op, kind) -> planner(view, config, cluster name, ident, attrs)
PLANNERS = {
    ("create", "pool"): lambda v, cfg, name, i, a: c.plan_pool_create(v, cfg, name, a),
    ("update", "pool"): lambda v, cfg, name, i, a: c.plan_pool_update(v, cfg, name, i, a),
    ("delete", "pool"): lambda v, cfg, name, i, a: c.plan_pool_delete(v, name, i),
    ("update", "osd"): lambda v, cfg, name, i, a: c.plan_osd_update(v, name, i, a),
    ("command", "osd"): lambda v, cfg, name, i, a: c.plan_osd_command(v, name, i, a["command"]),
    ("update", "osd_config"): lambda v, cfg, name, i, a: c.plan_osd_config(v, name, a),
    ("update", "crush_map"): lambda v, cfg, name, i, a: c.plan_crush_map(name, a["text"]),
    ("create", "crush_node"): lambda v, cfg, name, i, a: c.plan_crush_node_create(v, name, a),
    ("update", "crush_node"): lambda v, cfg, name, i, a: c.plan_crush_node_update(v, name, i, a),
    ("delete", "crush_node"): lambda v, cfg, name, i, a: c.plan_crush_node_delete(v, name, i),
    ("create", "crush_rule"): lambda v, cfg, name, i, a: c.plan_crush_rule_create(v, name, a),
    ("update", "crush_rule"): lambda v, cfg, name, i, a: c.plan_crush_rule_update(v, name, i, a),
    ("delete", "crush_rule"): lambda v, cfg, name, i, a: c.plan_crush_rule_delete(v, name, i),
}


def plan(view, config, cluster_name: str, message: PlanChange) -> Plan | None:
    planner = PLANNERS.get((message.op, message.kind))
    if planner is None:
        raise NotFound(f"cannot {message.op} a {message.kind}")
    return planner(view, config, cluster_name, message.ident, message.attrs)
