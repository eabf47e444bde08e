"""Requests (the 202 workflow's records), paginated newest first, optionally `?state=`;
POST `request/<id>/cancel` answers the request after cancelling (idempotent once complete)."""
from __future__ import annotations

from web import pagination
from web.apidoc import answers
from web.base import BaseHandler
from web.contract import OK, Write


class RequestListHandler(BaseHandler):
    query = pagination.REQUEST_QUERY
    answer_schema = answers.paged("Request")

    async def get(self, fsid: str | None = None) -> None:
        args = self.query_args()
        page = pagination.parse_page(args)
        state = pagination.parse_state(args)
        count, rows = await self.ask(self.api.list_requests(
            fsid=fsid, state=state, offset=page.offset, limit=page.limit))
        pagination.check_in_range(page, count)
        self.send_json(pagination.envelope(page, count, rows, self.base_url(), args))


class RequestDetailHandler(BaseHandler):
    answer_schema = answers.ref("Request")

    # `cluster/<fsid>/request/<id>`: requests are global, the fsid is not checked (as in the
    # original); the Api's request record carries no fsid to compare against.
    async def get(self, request_id: str, fsid: str | None = None) -> None:
        self.send_json(await self.ask(self.api.get_request(request_id)))


class RequestCancelHandler(BaseHandler):
    writes = {"post": Write(answer=OK, returns=answers.ref("Request"))}

    async def post(self, request_id: str) -> None:
        self.send_json(await self.ask(self.api.cancel_request(request_id)))
