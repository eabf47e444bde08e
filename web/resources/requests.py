"""Requests (the 202 workflow's records), paginated newest first, filtered by `?state=`,
`requested_by`, `kind`, `fsid`, `since`/`until` (ISO 8601, on requested_at); `request/<id>` adds
what the request did (its diff, commands with outcomes, phases); POST `request/<id>/cancel`
answers the request after cancelling (idempotent once complete); POST `request/<id>/revert`
submits the inverse of a completed change (actors/requests/revert.py); `cluster/<fsid>/changes`
lists a cluster's completed changes, newest first."""
from __future__ import annotations

from actors.fields import string
from actors.requests.messages import RequestFilter
from web import pagination
from web.apidoc import answers
from web.base import BaseHandler
from web.contract import NO_PARAMETERS, Write
from web.contract import OK
from web.errors import invalid_field
from web.resources.capacity import parse_time

REQUEST_LIST_QUERY = {**pagination.REQUEST_QUERY, "requested_by": string(), "kind": string(),
                      "fsid": string(), "since": string(), "until": string()}


def request_filter(args: dict, path_fsid: str | None) -> RequestFilter:
    """The list's filters besides `state`; 400 naming a bad one."""
    fsid = pagination.single(args, "fsid")
    if fsid is not None and path_fsid is not None and fsid != path_fsid:
        raise invalid_field("fsid", "must be the cluster of the path when both are given")
    since, until = parse_time(args, "since"), parse_time(args, "until")
    if since is not None and until is not None and since > until:
        raise invalid_field("since", "must not be later than `until`")
    return RequestFilter(fsid=fsid, requested_by=pagination.single(args, "requested_by"),
                         kind=pagination.single(args, "kind"), since=since, until=until)


class RequestListHandler(BaseHandler):
    query = REQUEST_LIST_QUERY
    answer_schema = answers.paged("Request")

    async def get(self, fsid: str | None = None) -> None:
        args = self.query_args()
        page = pagination.parse_page(args)
        state = pagination.parse_state(args)
        where = request_filter(args, fsid)
        count, rows = await self.ask(self.api.list_requests(
            fsid=fsid, state=state, offset=page.offset, limit=page.limit, where=where))
        pagination.check_in_range(page, count)
        self.send_json(pagination.envelope(page, count, rows, self.base_url(), args))


class RequestDetailHandler(BaseHandler):
    answer_schema = answers.ref("RequestDetail")

    # `cluster/<fsid>/request/<id>`: requests are global, the fsid is not checked (as in the
    # original); the Api's request record carries no fsid to compare against.
    async def get(self, request_id: str, fsid: str | None = None) -> None:
        self.send_json(await self.ask(self.api.get_request(request_id)))


class RequestCancelHandler(BaseHandler):
    writes = {"post": Write(answer=OK, returns=answers.ref("Request"))}

    async def post(self, request_id: str) -> None:
        self.send_json(await self.ask(self.api.cancel_request(request_id)))


class RequestRevertHandler(BaseHandler):
    """202 {"request_id"} of the inverse; 409 when the cluster has moved on; 400 for a change
    with no inverse; `?dry_run=1` previews the inverse (200)."""
    writes = {"post": Write(NO_PARAMETERS, optional=True)}

    async def post(self, request_id: str) -> None:
        NO_PARAMETERS.check(self.json_object(optional=True), "POST")
        await self.accepted(self.api.revert(request_id, self.current_user, self.change_options()))


class ClusterChangesHandler(BaseHandler):
    query = pagination.PAGE_QUERY
    answer_schema = answers.paged("ClusterChange")

    async def get(self, fsid: str) -> None:
        args = self.query_args()
        page = pagination.parse_page(args)
        count, rows = await self.ask(self.api.list_changes(fsid, page.offset, page.limit))
        pagination.check_in_range(page, count)
        self.send_json(pagination.envelope(page, count, rows, self.base_url(), args))
