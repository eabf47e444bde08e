"""CRUSH: the decompiled map, nodes (buckets), rules, rule sets and types."""
from __future__ import annotations

from web.base import BaseHandler


class CrushMapHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, "crush_map"))   # a JSON string


class CrushNodeListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, "crush_nodes"))


class CrushNodeDetailHandler(BaseHandler):
    async def get(self, fsid: str, node_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, "crush_node", node_id=int(node_id)))


class CrushRuleListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, "crush_rules"))


class CrushRuleDetailHandler(BaseHandler):
    async def get(self, fsid: str, rule_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, "crush_rule", rule_id=int(rule_id)))


class CrushRuleSetListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, "crush_rule_sets"))


class CrushTypeListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, "crush_types"))


class CrushTypeDetailHandler(BaseHandler):
    async def get(self, fsid: str, type_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, "crush_type", type_id=int(type_id)))
