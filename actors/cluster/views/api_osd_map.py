"""The API serialisers of everything derived from the OSD map, in one import.

Each function takes an OsdMapView (actors.cluster.views.osd_map) and returns fresh JSON-ready
structures in the wire format of api-v2-examples.json; unknown ids raise
actors.errors.NotFound. Before the first map they answer empty lists, all-false flags and "".
"""
from __future__ import annotations

from actors.cluster.views.api_crush import (
    api_crush_map, api_crush_node, api_crush_nodes, api_crush_rule, api_crush_rule_sets,
    api_crush_rules, api_crush_type, api_crush_types)
from actors.cluster.views.api_osds import (
    OSD_COMMANDS, api_osd, api_osd_command, api_osd_commands, api_osd_config, api_osds, osd_ids)
from actors.cluster.views.api_pools import api_pool, api_pool_defaults, api_pools

__all__ = [
    "OSD_COMMANDS", "api_crush_map", "api_crush_node", "api_crush_nodes", "api_crush_rule",
    "api_crush_rule_sets", "api_crush_rules", "api_crush_type", "api_crush_types", "api_osd",
    "api_osd_command", "api_osd_commands", "api_osd_config", "api_osds", "api_pool",
    "api_pool_defaults", "api_pools", "osd_ids",
]
