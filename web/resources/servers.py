"""Servers fleet-wide (`server`, `server/<fqdn>`, `server/<fqdn>/grains`) and per cluster."""
from __future__ import annotations

from web.base import BaseHandler


class ServerListHandler(BaseHandler):
    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_servers()))


class ServerDetailHandler(BaseHandler):
    async def get(self, fqdn: str) -> None:
        self.send_json(await self.ask(self.api.get_server(fqdn)))


class ServerGrainsHandler(BaseHandler):
    async def get(self, fqdn: str) -> None:
        self.send_json(await self.ask(self.api.get_server_grains(fqdn)))


class ClusterServerListHandler(BaseHandler):
    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, "servers"))


class ClusterServerDetailHandler(BaseHandler):
    async def get(self, fsid: str, fqdn: str) -> None:
        self.send_json(await self.cluster_query(fsid, "server", fqdn=fqdn))
