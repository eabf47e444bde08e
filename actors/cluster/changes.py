"""Which pure builder plans which change (ChangeOp, ChangeKind), fed from a ClusterActor's current maps."""
from __future__ import annotations

from dataclasses import replace

from actors.cluster import commands as c, diffs
from actors.errors import NotFound
from actors.messages import ChangeKind as K, ChangeOp as Op, PlanChange
from actors.requests.plans import Plan

# (op, kind) -> planner(view, config, cluster name, ident, attrs): every change the API can ask
PLANNERS = {
    (Op.CREATE, K.POOL): lambda v, cfg, name, i, a: c.plan_pool_create(v, cfg, name, a),
    (Op.UPDATE, K.POOL): lambda v, cfg, name, i, a: c.plan_pool_update(v, cfg, name, i, a),
    (Op.DELETE, K.POOL): lambda v, cfg, name, i, a: c.plan_pool_delete(v, name, i),
    (Op.UPDATE, K.OSD): lambda v, cfg, name, i, a: c.plan_osd_update(v, name, i, a),
    (Op.COMMAND, K.OSD): lambda v, cfg, name, i, a: c.plan_osd_command(v, name, i, a["command"]),
    (Op.UPDATE, K.OSD_CONFIG): lambda v, cfg, name, i, a: c.plan_osd_config(v, name, a),
    (Op.UPDATE, K.CRUSH_MAP): lambda v, cfg, name, i, a: c.plan_crush_map(name, a["text"], v.raw.get("crush")),
    (Op.CREATE, K.CRUSH_NODE): lambda v, cfg, name, i, a: c.plan_crush_node_create(v, name, a),
    (Op.UPDATE, K.CRUSH_NODE): lambda v, cfg, name, i, a: c.plan_crush_node_update(v, name, i, a),
    (Op.DELETE, K.CRUSH_NODE): lambda v, cfg, name, i, a: c.plan_crush_node_delete(v, name, i),
    (Op.CREATE, K.CRUSH_RULE): lambda v, cfg, name, i, a: c.plan_crush_rule_create(v, name, a),
    (Op.UPDATE, K.CRUSH_RULE): lambda v, cfg, name, i, a: c.plan_crush_rule_update(v, name, i, a),
    (Op.DELETE, K.CRUSH_RULE): lambda v, cfg, name, i, a: c.plan_crush_rule_delete(v, name, i),
}


def plan(view, config, cluster_name: str, message: PlanChange) -> Plan | None:
    """The plan (None for a no-op), carrying the diff of what it alters (actors/cluster/diffs.py)."""
    planner = PLANNERS.get((message.op, message.kind))
    if planner is None:
        raise NotFound(f"cannot {message.op} a {message.kind}")
    planned = planner(view, config, cluster_name, message.ident, message.attrs)
    if planned is None:
        return None
    return replace(planned, changes=diffs.diff(view, planned, message.op, message.kind,
                                               message.ident, message.attrs))
