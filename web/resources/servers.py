"""Servers fleet-wide (`server`, `server/<fqdn>` with DELETE, `server/<fqdn>/grains`,
`server/<fqdn>/debug_job`) and per cluster.

The fleet-wide list is a plain array by FQDN; with `page` and/or `page_size` it is the paged
envelope {count, next, previous, results} instead."""
from __future__ import annotations

import json

from actors.json_bytes import JsonBytes
from bus.protocol import SELFTESTS
from actors.fields import Body, array, either, mapping, string
from actors.accounts.roles import ADMIN_WRITES
from actors.cluster.queries import Query
from web import pagination
from web.base import BaseHandler
from web.contract import NO_CONTENT, Write
from web.apidoc import answers

# The agent's self-test functions (bus/protocol.py), also accepted as "ceph.<name>".
DEBUG_JOB = Body({"cmd": string(*SELFTESTS, *(f"ceph.{name}" for name in SELFTESTS)),
                  "args": either(array(), mapping())}, required=("cmd",))


class ServerListHandler(BaseHandler):
    query = pagination.PAGE_QUERY
    answer_schema = answers.listed_or_paged("Server")

    async def get(self) -> None:
        args = self.query_args()
        if pagination.wants_page(args):
            page = pagination.parse_page(args)
            # Only the page is looked at: with 1,000 heartbeats a second the whole list is
            # never the same for long.
            count, results = await self.ask(self.api.list_servers_page(page.offset, page.limit))
            pagination.check_in_range(page, count)
            self.send_json(pagination.envelope_json(page, count, results, self.base_url(), args))
            return
        # The directory's list (kept until a server changes) is shared, not copied; when it
        # carries each server's JSON (actors.servers.directory_views.ServerList) that is joined, else
        # it is encoded.
        self.send_json(encoded(await self.ask(self.api.list_servers()), 0, None))


def encoded(servers: list, start: int, stop: int | None) -> JsonBytes:
    """JSON of servers[start:stop], joined from the servers' own when the list carries them."""
    join = getattr(servers, "json", None)
    return join(start, stop) if join else JsonBytes(json.dumps(servers[start:stop]).encode())


class ServerDetailHandler(BaseHandler):
    answer_schema = answers.ref("Server")
    writes = {"delete": Write(answer=NO_CONTENT)}

    async def get(self, fqdn: str) -> None:
        self.send_json(await self.ask(self.api.get_server(fqdn)))

    async def delete(self, fqdn: str) -> None:
        await self.ask(self.api.delete_server(fqdn))
        self.no_content()


class ServerGrainsHandler(BaseHandler):
    answer_schema = answers.ANY_OBJECT

    async def get(self, fqdn: str) -> None:
        self.send_json(await self.ask(self.api.get_server_grains(fqdn)))


class ClusterServerListHandler(BaseHandler):
    answer_schema = answers.listed("ClusterServer")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.SERVERS))


class ClusterServerDetailHandler(BaseHandler):
    answer_schema = answers.ref("ClusterServer")

    async def get(self, fsid: str, fqdn: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.SERVER, fqdn=fqdn))


class DebugJobHandler(BaseHandler):
    """POST {"cmd": "selftest_wait", "args": [10]} -> 202; the Api gets the bare self-test name."""
    required_roles = ADMIN_WRITES     # self-tests can block an agent's job threads
    writes = {"post": Write(DEBUG_JOB)}

    async def post(self, fqdn: str) -> None:
        cmd, args = parse_debug_job(self.json_object())
        await self.accepted(self.api.debug_job(fqdn, cmd, args, self.current_user, self.change_options()))


def parse_debug_job(body: dict) -> tuple[str, list | dict]:
    values = DEBUG_JOB.check(body, "POST")
    return values["cmd"].removeprefix("ceph."), values.get("args", [])
