"""A manager in an HA group (`--ha`): a standby until the lease is its own, then the active
manager, and a standby again if it loses the lease.

The lease (ha/lease.py) tells of each change from its own thread; the changes are taken one at
a time on the event loop, in order: becoming active builds the whole manager from the database
(as a restart does: the store, the actors, the request tracker judging requests whose job was
out, the bus), then the HTTP server's application switches from forwarding to serving; stepping
down switches back first (nothing new reaches the old actors), then stops them. A member asked
to become active while it still steps down finishes that first.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, Protocol

from ha.switch import AppSwitch

log = logging.getLogger(__name__)


class Active(Protocol):
    """What a member runs while active: its web application, and how to stop everything."""
    app: object

    async def stop(self) -> None: ...


class Member:
    def __init__(self, lease, switch: AppSwitch, standby_app, become_active: Callable[[int], Awaitable[Active]],
                 loop: asyncio.AbstractEventLoop):
        self.lease, self.switch, self.standby_app = lease, switch, standby_app
        self.become_active = become_active
        self.loop = loop
        self.changes: asyncio.Queue = asyncio.Queue()
        self.active: Active | None = None
        self.term: int | None = None
        self.role_since = time.time()

    def on_lease_change(self, term: int | None) -> None:
        """From the lease's thread."""
        self.loop.call_soon_threadsafe(self.changes.put_nowait, term)

    @property
    def role(self) -> str:
        return "active" if self.active is not None else "standby"

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the lease until `stop`; then step down (the caller gives the lease up)."""
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                change = asyncio.ensure_future(self.changes.get())
                done, _ = await asyncio.wait({change, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if stopping in done:
                    change.cancel()
                    return
                await self.follow(change.result())
        finally:
            stopping.cancel()
            await self.step_down("the manager stops")

    async def follow(self, term: int | None) -> None:
        if term is not None and self.active is not None and term != self.term:
            await self.step_down(f"the lease was taken again with term {term}")
        if term is not None and self.active is None:
            started = time.monotonic()
            try:
                self.active = await self.become_active(term)
            except Exception:  # noqa: BLE001 - a member that cannot start stays a standby
                log.exception("could not become the active manager with term %d; giving the lease up", term)
                await self.loop.run_in_executor(None, self.lease.stop)   # joins the lease's threads
                return
            self.term, self.role_since = term, time.time()
            self.switch.to(self.active.app)
            log.info("active manager with term %d (took %.1f s to start)", term, time.monotonic() - started)
        elif term is None and self.active is not None:
            await self.step_down("the lease is lost")

    async def step_down(self, why: str) -> None:
        if self.active is None:
            return
        self.switch.to(self.standby_app)
        active, self.active, self.term = self.active, None, None
        self.role_since = time.time()
        log.info("stepping down to standby: %s", why)
        await active.stop()
