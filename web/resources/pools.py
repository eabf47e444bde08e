"""Pools: `cluster/<fsid>/pool` (`?defaults` -> the defaults for a new pool), `pool/<id>`."""
from __future__ import annotations

from web.base import BaseHandler


class PoolListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        if "defaults" in self.request.query_arguments:
            self.send_json(await self.cluster_query(fsid, "pool_defaults"))
        else:
            self.send_json(await self.cluster_query(fsid, "pools"))


class PoolDetailHandler(BaseHandler):
    async def get(self, fsid: str, pool_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, "pool", pool_id=int(pool_id)))
