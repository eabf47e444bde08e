"""The daemon's own resources: the API root and `info` (no session needed), the manager's own
`grains`, and `bus` (administrators): the agent bus's counters, e.g. how many messages were
dropped and why (malformed, over an agent's rate, from keys not accepted, impostors) and how many
handshakes were refused. Counts since the daemon started; names in bus/server.py STATS_KEYS."""
from __future__ import annotations

from actors.accounts.roles import ADMIN
from web.apidoc import answers
from web.base import BaseHandler


class RootHandler(BaseHandler):
    """Where to start: anyone gets the links to `docs`, `openapi.json` and `auth/login`; a
    logged-in caller also the reference's `user` and `cluster`."""
    requires_session = False        # a newcomer's first request: answer it with the way in
    optional_session = True         # but a caller who is logged in is recognised (web/auth.py)
    answer_schema = answers.ref("ApiRoot")

    async def get(self) -> None:
        names = answers.POINTERS if self.current_user is None else (*answers.SIGNED_IN, *answers.POINTERS)
        self.send_json({name: self.site_url(f"/api/v2/{name}") for name in names})


class InfoHandler(BaseHandler):
    requires_session = False
    answer_schema = answers.ref("Info")

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
            # Calamari's two keys, one line now: a POSIX sh script for either (web/ops/bootstrap.py).
            "bootstrap_rhel": f"curl -fsS {bootstrap} | sudo sh",
            "bootstrap_ubuntu": f"curl -fsS {bootstrap} | sudo sh",
        })


class GrainsHandler(BaseHandler):
    answer_schema = answers.ANY_OBJECT
    async def get(self) -> None:
        self.send_json(self.web.grains)


class BusHandler(BaseHandler):
    required_roles = {"GET": ADMIN}
    answer_schema = answers.mapping(answers.NUM)   # bus/server.py STATS_KEYS and the gc_ figures

    async def get(self) -> None:
        self.send_json(await self.ask(self.api.bus_stats()))
