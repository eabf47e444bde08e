"""Clusters (`cluster[/<fsid>]`; DELETE forgets one until its next heartbeat) and their read-only
views: mons, health, config, sync objects."""
from __future__ import annotations

from actors.cluster.queries import Query
from web.base import BaseHandler
from web.contract import NO_CONTENT, Write

HEALTH = {"type": "object", "required": ["status", "checks", "update_time"], "properties": {
    "status": {"type": "string"}, "update_time": {"type": "string", "nullable": True},
    "checks": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "severity": {"type": "string"}, "summary": {"type": "string"},
        "count": {"type": "integer"}, "muted": {"type": "boolean"},
        "detail": {"type": "array", "items": {"type": "string"}}}}}}}


class ClusterListHandler(BaseHandler):
    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_clusters()))


class ClusterDetailHandler(BaseHandler):
    writes = {"delete": Write(answer=NO_CONTENT)}

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CLUSTER))

    async def delete(self, fsid: str) -> None:
        await self.ask(self.api.delete_cluster(fsid))
        self.no_content()


class MonListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.MONS))


class MonDetailHandler(BaseHandler):
    async def get(self, fsid: str, mon_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.MON, name=mon_id))


class MonStatusHandler(BaseHandler):
    async def get(self, fsid: str, mon_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.MON_STATUS, name=mon_id))


class HealthHandler(BaseHandler):
    """The checks of `health detail`, most severe first (actors/cluster/views/health.py)."""
    answer_schema = HEALTH

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.HEALTH))


class ConfigListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CONFIG))


class ConfigDetailHandler(BaseHandler):
    async def get(self, fsid: str, key: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CONFIG_KEY, key=key))


class SyncObjectListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.SYNC_TYPES))


class SyncObjectHandler(BaseHandler):
    async def get(self, fsid: str, sync_type: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.SYNC_OBJECT, sync_type=sync_type))
