"""Pools: `cluster/<fsid>/pool` (`?defaults` -> the defaults for a new pool; POST creates),
`pool/<id>` (PATCH, DELETE). Changes answer 202 {"request_id"}; the Api validates bodies."""
from __future__ import annotations

from web.base import BaseHandler


class PoolListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        if "defaults" in self.request.query_arguments:
            self.send_json(await self.cluster_query(fsid, "pool_defaults"))
        else:
            self.send_json(await self.cluster_query(fsid, "pools"))

    async def post(self, fsid: str) -> None:
        await self.accepted(self.api.create(fsid, "pool", self.json_object(), self.current_user))


class PoolDetailHandler(BaseHandler):
    async def get(self, fsid: str, pool_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, "pool", pool_id=int(pool_id)))

    async def patch(self, fsid: str, pool_id: str) -> None:
        await self.accepted(self.api.update(fsid, "pool", int(pool_id), self.json_object(),
                                            self.current_user))

    async def delete(self, fsid: str, pool_id: str) -> None:
        await self.accepted(self.api.delete(fsid, "pool", int(pool_id), self.current_user))
