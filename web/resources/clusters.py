"""Clusters (`cluster[/<fsid>]`; DELETE forgets one until its next heartbeat) and their read-only
views: mons, health, config, sync objects."""
from __future__ import annotations

from actors.cluster.queries import Query
from web.apidoc import answers
from web.base import BaseHandler
from web.contract import NO_CONTENT, Write


class ClusterListHandler(BaseHandler):
    answer_schema = answers.listed("Cluster")

    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_clusters()))


class ClusterDetailHandler(BaseHandler):
    answer_schema = answers.ref("Cluster")
    writes = {"delete": Write(answer=NO_CONTENT)}

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CLUSTER))

    async def delete(self, fsid: str) -> None:
        await self.ask(self.api.delete_cluster(fsid))
        self.no_content()


class MonListHandler(BaseHandler):
    answer_schema = answers.listed("Mon")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.MONS))


class MonDetailHandler(BaseHandler):
    answer_schema = answers.ref("Mon")

    async def get(self, fsid: str, mon_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.MON, name=mon_id))


class MonStatusHandler(BaseHandler):
    answer_schema = answers.ANY_OBJECT     # the mon's own `mon_status`

    async def get(self, fsid: str, mon_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.MON_STATUS, name=mon_id))


class HealthHandler(BaseHandler):
    """The checks of `health detail`, most severe first (actors/cluster/views/health.py)."""
    answer_schema = answers.ref("Health")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.HEALTH))


class ConfigListHandler(BaseHandler):
    answer_schema = answers.listed("ConfigOption")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CONFIG))


class ConfigDetailHandler(BaseHandler):
    answer_schema = answers.ref("ConfigOption")

    async def get(self, fsid: str, key: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CONFIG_KEY, key=key))


class SyncObjectListHandler(BaseHandler):
    answer_schema = answers.array(answers.STR)

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.SYNC_TYPES))


class SyncObjectHandler(BaseHandler):
    answer_schema = answers.nullable(answers.ANY_OBJECT)   # null until the map has arrived

    async def get(self, fsid: str, sync_type: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.SYNC_OBJECT, sync_type=sync_type))
