"""One open stream, as the hub sees it: what it asked for, its bounded queue of messages not yet
written, and why it must end. Everything here runs on the event loop."""
from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from web.stream.frames import Message

# Why a stream ends (the `end` message's reason, or `overflow`).
OVERFLOWED, CREDENTIALS, MAX_S, SHUTDOWN = "overflow", "credentials", "max_s", "shutdown"


@dataclass(frozen=True)
class Wants:
    """A stream's filter: its topics, and ?fsid= / ?fqdn= (None: any)."""
    topics: frozenset
    fsid: str | None = None
    fqdn: str | None = None

    def __call__(self, message: Message) -> bool:
        return (message.topic in self.topics
                and (self.fsid is None or message.fsid == self.fsid)
                and (self.fqdn is None or message.fqdn == self.fqdn))


class StreamClient:
    def __init__(self, wants: Wants, credential: tuple[str, str], queue_max: int, position: int):
        """credential: ("session" | "bearer", token), checked again while the stream is open;
        position: the id of the last message this stream has had (written or skipped as unwanted)."""
        self.wants = wants
        self.credential = credential
        self.position = position
        self.end_reason: str | None = None
        # Its socket has not taken what was last written (the handler waits on a flush). Only
        # then does the queue's bound apply: a client keeping up takes a burst larger than its
        # queue (one map move's events of a thousand OSDs) in one go.
        self.stalled = False
        self._queue: deque[Message] = deque()
        self._queue_max = queue_max
        self._wake = asyncio.Event()

    def offer(self, message: Message) -> None:
        """Queue a message it wants; one past its queue's bound while it is stalled ends it
        (OVERFLOWED)."""
        if self.end_reason is not None:
            return
        if not self.wants(message):
            if not self._queue:
                self.position = message.id   # had everything up to here that it wants
            return
        if self.stalled and len(self._queue) >= self._queue_max:
            self.end(OVERFLOWED)
            return
        self._queue.append(message)
        self._wake.set()

    def end(self, reason: str) -> None:
        if self.end_reason is None:
            self.end_reason = reason
            self._wake.set()

    def take(self) -> list[Message]:
        """The queued messages, now written: the position moves to the last one."""
        taken = list(self._queue)
        self._queue.clear()
        if taken:
            self.position = taken[-1].id
        return taken

    async def wait(self, timeout_s: float) -> bool:
        """Until there is something to write or an end (True), or timeout_s passed (False)."""
        if not (self._queue or self.end_reason):
            self._wake.clear()
            try:
                async with asyncio.timeout(timeout_s):
                    await self._wake.wait()
            except TimeoutError:
                return False
        return True

    async def ended(self) -> None:
        """Returns once the stream must end (raced against a slow flush)."""
        while self.end_reason is None:
            self._wake.clear()
            await self._wake.wait()
