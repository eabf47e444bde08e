"""Servers fleet-wide (`server`, `server/<fqdn>` with DELETE, `server/<fqdn>/grains`,
`server/<fqdn>/debug_job`) and per cluster."""
from __future__ import annotations

from web.base import BaseHandler
from web.errors import invalid_field

# The agent's self-test functions (calamari-internals §3.7), also accepted as "ceph.<name>".
SELFTESTS = ("selftest_wait", "selftest_block", "selftest_exception")


class ServerListHandler(BaseHandler):
    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_servers()))


class ServerDetailHandler(BaseHandler):
    async def get(self, fqdn: str) -> None:
        self.send_json(await self.ask(self.api.get_server(fqdn)))

    async def delete(self, fqdn: str) -> None:
        await self.ask(self.api.delete_server(fqdn))
        self.no_content()


class ServerGrainsHandler(BaseHandler):
    async def get(self, fqdn: str) -> None:
        self.send_json(await self.ask(self.api.get_server_grains(fqdn)))


class ClusterServerListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, "servers"))


class ClusterServerDetailHandler(BaseHandler):
    async def get(self, fsid: str, fqdn: str) -> None:
        self.send_json(await self.cluster_query(fsid, "server", fqdn=fqdn))


class DebugJobHandler(BaseHandler):
    """POST {"cmd": "selftest_wait", "args": [10]} -> 202; the Api gets the bare self-test name."""

    async def post(self, fqdn: str) -> None:
        cmd, args = parse_debug_job(self.json_object())
        await self.accepted(self.api.debug_job(fqdn, cmd, args, self.current_user))


def parse_debug_job(body: dict) -> tuple[str, list | dict]:
    cmd = body.get("cmd")
    if not isinstance(cmd, str):
        raise invalid_field("cmd", "This field is required and must be a string.")
    name = cmd.removeprefix("ceph.")
    if name not in SELFTESTS:
        raise invalid_field("cmd", f"{cmd!r} is not a self-test command (one of "
                                   f"{', '.join(SELFTESTS)}, optionally prefixed 'ceph.')")
    args = body.get("args", [])
    if not isinstance(args, (list, dict)):
        raise invalid_field("args", "Must be a list or an object.")
    return name, args
