"""Pools: `cluster/<fsid>/pool` (`?defaults` -> the defaults for a new pool; POST creates),
`pool/<id>` (PATCH, DELETE). Changes answer 202 {"request_id"}; the Api validates bodies.

The pool list is a plain array by id; with `page` and/or `page_size` it is the paged envelope
{count, next, previous, results} instead."""
from __future__ import annotations

from actors.fields import string
from actors.cluster.commands.pool_attrs import POOL_CREATE, POOL_UPDATE
from actors.cluster.queries import Query
from actors.messages import ChangeKind
from web import pagination
from web.base import BaseHandler
from web.contract import Write
from web.apidoc import answers


class PoolListHandler(BaseHandler):
    # `defaults` present (any value): the new-pool defaults, whatever else is asked
    query = {"defaults": string(blank=True), **pagination.PAGE_QUERY}
    answer_schema = {"anyOf": [*answers.listed_or_paged("Pool")["anyOf"], answers.ref("PoolDefaults")]}
    writes = {"post": Write(POOL_CREATE)}

    async def get(self, fsid: str) -> None:
        args = self.query_args()
        page = pagination.parse_page(args) if pagination.wants_page(args) else None
        if "defaults" in args:
            self.send_json(await self.cluster_query(fsid, Query.POOL_DEFAULTS))
        elif page is None:
            self.send_json(await self.cluster_query(fsid, Query.POOLS))
        else:
            count, results = await self.cluster_query(fsid, Query.POOLS_PAGE, offset=page.offset,
                                                      limit=page.limit)
            pagination.check_in_range(page, count)
            self.send_json(pagination.envelope_json(page, count, results, self.base_url(), args))

    async def post(self, fsid: str) -> None:
        await self.accepted(self.api.create(fsid, ChangeKind.POOL, self.json_object(), self.current_user,
                                            self.change_options()))


class PoolDetailHandler(BaseHandler):
    answer_schema = answers.ref("Pool")
    writes = {"patch": Write(POOL_UPDATE), "delete": Write()}

    async def get(self, fsid: str, pool_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.POOL, pool_id=int(pool_id)))

    async def patch(self, fsid: str, pool_id: str) -> None:
        await self.accepted(self.api.update(fsid, ChangeKind.POOL, int(pool_id), self.json_object(),
                                            self.current_user, self.change_options()))

    async def delete(self, fsid: str, pool_id: str) -> None:
        await self.accepted(self.api.delete(fsid, ChangeKind.POOL, int(pool_id), self.current_user,
                                            self.change_options()))
