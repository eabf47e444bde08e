"""Pools: `cluster/<fsid>/pool` (`?defaults` -> the defaults for a new pool; POST creates),
`pool/<id>` (PATCH, DELETE). Changes answer 202 {"request_id"}; the Api validates bodies."""
from __future__ import annotations

from actors.commands.fields import string
from actors.commands.pool_attrs import POOL_CREATE, POOL_UPDATE
from web.base import BaseHandler
from web.contract import Write


class PoolListHandler(BaseHandler):
    query = {"defaults": string(blank=True)}      # present (any value): the new-pool defaults
    writes = {"post": Write(POOL_CREATE)}

    async def get(self, fsid: str) -> None:
        if "defaults" in self.request.query_arguments:
            self.send_json(await self.cluster_query(fsid, "pool_defaults"))
        else:
            self.send_json(await self.cluster_query(fsid, "pools"))

    async def post(self, fsid: str) -> None:
        await self.accepted(self.api.create(fsid, "pool", self.json_object(), self.current_user))


class PoolDetailHandler(BaseHandler):
    writes = {"patch": Write(POOL_UPDATE), "delete": Write()}

    async def get(self, fsid: str, pool_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, "pool", pool_id=int(pool_id)))

    async def patch(self, fsid: str, pool_id: str) -> None:
        await self.accepted(self.api.update(fsid, "pool", int(pool_id), self.json_object(),
                                            self.current_user))

    async def delete(self, fsid: str, pool_id: str) -> None:
        await self.accepted(self.api.delete(fsid, "pool", int(pool_id), self.current_user))
