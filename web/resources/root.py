"""The daemon's own resources: the API root, `info` (no session needed), the manager's own
`grains`, and `bus` (administrators): the agent bus's counters, e.g. how many messages were
dropped and why (malformed, over an agent's rate, from keys not accepted, impostors) and how many
handshakes were refused. Counts since the daemon started; names in bus/server.py STATS_KEYS."""
from __future__ import annotations

from actors.accounts.roles import ADMIN
from web.base import BaseHandler


class RootHandler(BaseHandler):
    async def get(self) -> None:
        self.send_json({"user": self.site_url("/api/v2/user"),
                        "cluster": self.site_url("/api/v2/cluster")})


class InfoHandler(BaseHandler):
    requires_session = False

    async def get(self) -> None:
        web = self.web
        bootstrap = self.site_url("/bootstrap")
        self.send_json({
            "version": web.version,
            "license": "N/A",
            "registered": "N/A",
            "hostname": web.hostname,
            "fqdn": web.fqdn,
            "ipaddr": web.ipaddr,
            "bootstrap_url": bootstrap,
            "bootstrap_rhel": f"curl {bootstrap} | sudo python",
            "bootstrap_ubuntu": f"wget -O - {bootstrap} | sudo python",
        })


class GrainsHandler(BaseHandler):
    async def get(self) -> None:
        self.send_json(self.web.grains)


class BusHandler(BaseHandler):
    required_roles = {"GET": ADMIN}

    async def get(self) -> None:
        self.send_json(await self.ask(self.api.bus_stats()))
