"""Open streams end within a second of their credential ending: logout, session expiry, token
revocation, the account deleted (or no longer allowed to read).

Each credential held by open streams is asked again, once for all the streams holding it, every
`period_s`, and at once when the facade says one ended (actors/notices.py CredentialsEnded: the
credential cache dropped it, so the answer comes from the store). Asking is what any request
does (web/auth.py identify), so an open stream counts as use of its session, as the polling it
replaces did; the session's absolute limit still ends it. A check that fails (the store did not
answer in time) ends nothing.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from actors.accounts import roles
from web.bridge import resolve
from web.stream.client import CREDENTIALS

log = logging.getLogger(__name__)
SESSION, BEARER = "session", "bearer"


def api_check(api):
    """check(kind, token) -> the Api's Future of the user the credential stands for, or None."""
    def check(kind: str, token: str):
        return api.token_user(token) if kind == BEARER else api.session_user(token)
    return check


class CredentialWatch:
    def __init__(self, clients: set, check, period_s: float):
        """clients: the open streams (the hub's set, read when checking)."""
        self._clients = clients
        self._check = check
        self._period_s = period_s
        self._timer: asyncio.TimerHandle | None = None
        self._checking: asyncio.Task | None = None   # held: the loop keeps only weak references
        self._again = False

    def watching(self) -> None:
        """A stream opened: the periodic check runs while any is open."""
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._period_s, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self._clients:
            self.check_now()
            self.watching()

    def check_now(self) -> None:
        if self._checking is not None:
            self._again = True   # a credential may have ended after its answer left the store
            return
        self._checking = asyncio.ensure_future(self._check_all())

    async def _check_all(self) -> None:
        try:
            again = True
            while again:
                self._again = False
                holders = defaultdict(list)
                for client in self._clients:
                    holders[client.credential].append(client)
                verdicts = await asyncio.gather(*(self._allowed(c) for c in holders))
                for (credential, clients), allowed in zip(holders.items(), verdicts):
                    if allowed is False:
                        for client in clients:
                            client.end(CREDENTIALS)
                again = self._again
        finally:
            self._checking = None

    async def _allowed(self, credential: tuple[str, str]) -> bool | None:
        """False when the credential no longer lets its holder read; None when unknown now."""
        try:
            user = await resolve(self._check(*credential), self._period_s * 5)
        except Exception as exc:  # noqa: BLE001 - a store too slow to answer ends no stream
            log.info("stream: credential check failed (%s); streams stay open", exc)
            return None
        return user is not None and roles.allows(user.get("role"), roles.READ_ONLY)
