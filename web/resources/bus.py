"""`bus` (GET, administrators): the agent bus's counters, e.g. how many messages were dropped
and why (malformed, over an agent's rate, from keys not accepted, impostors) and how many
handshakes were refused. Counts since the daemon started; names in bus/server.py STATS_KEYS."""
from __future__ import annotations

from actors.accounts.roles import ADMIN
from web.base import BaseHandler


class BusHandler(BaseHandler):
    required_roles = {"GET": ADMIN}

    async def get(self) -> None:
        self.send_json(await self.ask(self.api.bus_stats()))
