"""OSDs, their commands and the OSD map flags (`osd_config`).

The OSD list is the reference's plain array of every OSD by id; with `page` and/or
`page_size` it is the paged envelope {count, next, previous, results} instead (the filters
`pool` and `id__in[]` apply to both, before paging).

Changes (PATCH `osd/<id>`, POST `osd/<id>/command/<command>`, PATCH `osd_config`) answer 202
{"request_id"}, or 304 when the Api finds nothing to change; the Api validates bodies.
"""
from __future__ import annotations

from actors.fields import array, integer
from actors.cluster.commands.osds import OSD_CONFIG_UPDATE, OSD_UPDATE
from actors.cluster.queries import Query
from actors.messages import ChangeKind
from web import pagination
from web.base import BaseHandler
from web.contract import NO_PARAMETERS, Write
from web.errors import invalid_field
from web.apidoc import answers

OSD_QUERY = {"pool": integer(), "id__in[]": array(of=integer()), **pagination.PAGE_QUERY}


def parse_osd_filters(args: dict[str, list[str]]) -> tuple[int | None, list[int] | None]:
    """`?pool=<int>` and repeated `?id__in[]=<int>`; a non-integer is a 400 naming the param."""
    pool = None
    if "pool" in args:
        pool = _as_int(args["pool"][-1], "pool", "Pool ID must be an integer")
    ids = None
    if "id__in[]" in args:
        ids = [_as_int(raw, "id__in[]", "Invalid OSD ID in list") for raw in args["id__in[]"]]
    return pool, ids


def _as_int(raw: str, field: str, message: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise invalid_field(field, f"{message} (got {raw!r})") from None


class OsdListHandler(BaseHandler):
    query = OSD_QUERY
    answer_schema = answers.listed_or_paged("Osd")

    async def get(self, fsid: str) -> None:
        args = self.query_args()
        pool, ids = parse_osd_filters(args)
        if not pagination.wants_page(args):
            self.send_json(await self.cluster_query(fsid, Query.OSDS, pool=pool, ids=ids))
            return
        page = pagination.parse_page(args)
        count, results = await self.cluster_query(fsid, Query.OSDS_PAGE, pool=pool, ids=ids,
                                                  offset=page.offset, limit=page.limit)
        pagination.check_in_range(page, count)
        self.send_json(pagination.envelope_json(page, count, results, self.base_url(), args))


class OsdDetailHandler(BaseHandler):
    answer_schema = answers.ref("Osd")
    writes = {"patch": Write(OSD_UPDATE)}

    async def get(self, fsid: str, osd_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.OSD, osd_id=int(osd_id)))

    async def patch(self, fsid: str, osd_id: str) -> None:
        await self.accepted(self.api.update(fsid, ChangeKind.OSD, int(osd_id), self.json_object(),
                                            self.current_user, self.change_options()))


class OsdImplementedCommandsHandler(BaseHandler):
    answer_schema = answers.array(answers.OSD_COMMAND)

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.OSD_IMPLEMENTED_COMMANDS))


class OsdCommandListHandler(BaseHandler):
    answer_schema = answers.OSD_COMMANDS_OF

    async def get(self, fsid: str, osd_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.OSD_COMMANDS, osd_id=int(osd_id)))


class OsdCommandHandler(BaseHandler):
    answer_schema = answers.OSD_COMMAND_VALID
    writes = {"post": Write(NO_PARAMETERS, optional=True)}

    async def get(self, fsid: str, osd_id: str, command: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.OSD_COMMAND, osd_id=int(osd_id),
                                                command=command))

    async def post(self, fsid: str, osd_id: str, command: str) -> None:
        NO_PARAMETERS.check(self.json_object(optional=True), "POST")   # an empty body or {}
        await self.accepted(self.api.osd_command(fsid, int(osd_id), command, self.current_user,
                                                 self.change_options()))


class OsdConfigHandler(BaseHandler):
    answer_schema = answers.OSD_FLAGS
    writes = {"patch": Write(OSD_CONFIG_UPDATE)}

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.OSD_CONFIG))

    async def patch(self, fsid: str) -> None:
        await self.accepted(self.api.update(fsid, ChangeKind.OSD_CONFIG, None, self.json_object(),
                                            self.current_user, self.change_options()))
