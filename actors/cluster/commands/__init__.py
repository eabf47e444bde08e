"""Pure command builders: (current OsdMapView, config, cluster name, request body) → Plan.

Each `plan_*` validates the raw JSON body, decides 400/404/409 by raising a DomainError,
returns None for a no-op (→ 304) and otherwise an actors.requests.plans.Plan: the headline, the Ceph
commands of one `rados_commands` job and how the request knows it has finished.
"""
from __future__ import annotations

from actors.cluster.commands.crush_map import plan_crush_map
from actors.cluster.commands.crush_nodes import (
    plan_crush_node_create, plan_crush_node_delete, plan_crush_node_update)
from actors.cluster.commands.crush_rules import (
    plan_crush_rule_create, plan_crush_rule_delete, plan_crush_rule_update)
from actors.cluster.commands.osds import plan_osd_command, plan_osd_config, plan_osd_update
from actors.cluster.commands.pools import plan_pool_create, plan_pool_delete, plan_pool_update

__all__ = [
    "plan_crush_map", "plan_crush_node_create", "plan_crush_node_delete",
    "plan_crush_node_update", "plan_crush_rule_create", "plan_crush_rule_delete",
    "plan_crush_rule_update", "plan_osd_command", "plan_osd_config", "plan_osd_update",
    "plan_pool_create", "plan_pool_delete", "plan_pool_update",
]
