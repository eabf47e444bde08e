"""The API root, `info` (no session needed) and the manager's own `grains`."""
from __future__ import annotations

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
