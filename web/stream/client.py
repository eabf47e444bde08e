"""One open stream, as the hub sees it: what it asked for, the socket it writes to, and why it
must end. Everything here runs on the event loop.

A message is written the moment the hub offers it, straight into the connection (no coroutine
wakes per message: with a thousand streams, that was most of the cost). When the socket has not
yet taken what was written (the client reads slowly, or not at all), further messages wait in a
queue; once the socket takes the earlier ones the queue goes out in one write. While stalled,
one message past the queue's bound ends the stream (OVERFLOWED): a client keeping up takes a
burst larger than its queue (one map move's events of a thousand OSDs) without overflowing.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from web.stream.frames import KEEPALIVE, Message

# Why a stream ends (the `end` message's reason, or `overflow`; CLOSED: the client left).
OVERFLOWED, CREDENTIALS, MAX_S, SHUTDOWN, CLOSED = "overflow", "credentials", "max_s", "shutdown", "closed"


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
        position: the id of the last message this stream has had (written, or skipped as not
        wanted): where it resumes."""
        self.wants = wants
        self.credential = credential
        self.position = position
        self.end_reason: str | None = None
        self.done: asyncio.Future = asyncio.get_running_loop().create_future()   # -> the end's reason
        self.last_write = time.monotonic()
        self._queue: deque[Message] = deque()
        self._queue_max = queue_max
        self._send: Callable[[bytes], asyncio.Future] | None = None
        self._pending: asyncio.Future | None = None   # a write the socket has not taken yet

    @property
    def stalled(self) -> bool:
        return self._pending is not None

    def attach(self, send: Callable[[bytes], asyncio.Future], first: bytes) -> None:
        """send(bytes) -> a Future done once the socket took them; `first` goes at once."""
        self._send = send
        self._write(first)

    def offer(self, messages: list[Message], shared: dict | None = None) -> None:
        """Messages in id order: those it wants are written now, or queued while it is stalled.
        shared: {Wants: (the messages wanted, their frames joined)} of this batch, filled by the
        first stream of each filter (a thousand streams mostly share a handful of filters)."""
        if self.end_reason is not None or messages[-1].id <= self.position:
            return
        if messages[0].id <= self.position:   # opened meanwhile, with these in what it missed
            messages, shared = [m for m in messages if m.id > self.position], None
        picked = None if shared is None else shared.get(self.wants)
        if picked is None:
            wanted = [m for m in messages if self.wants(m)]
            picked = (wanted, b"".join(m.frame for m in wanted))
            if shared is not None:
                shared[self.wants] = picked
        wanted, data = picked
        if not wanted:
            if not self._queue:
                self.position = messages[-1].id   # had everything up to here that it wants
            return
        if self._pending is None:
            self.position = wanted[-1].id
            self._write(data)
        elif len(self._queue) + len(wanted) > self._queue_max:
            self.end(OVERFLOWED)
        else:
            self._queue.extend(wanted)

    def keep_alive(self, now: float, idle_s: float) -> None:
        if self.end_reason is None and self._pending is None and now - self.last_write >= idle_s:
            self._write(KEEPALIVE)

    def take(self) -> list[Message]:
        """The queued messages, handed over (to be written last, before an `end`)."""
        taken = list(self._queue)
        self._queue.clear()
        if taken:
            self.position = taken[-1].id
        return taken

    def end(self, reason: str) -> None:
        if self.end_reason is None:
            self.end_reason = reason
            if not self.done.done():
                self.done.set_result(reason)

    def _write_messages(self, messages: list[Message]) -> None:
        self.position = messages[-1].id
        self._write(b"".join(m.frame for m in messages))

    def _write(self, data: bytes) -> None:
        self.last_write = time.monotonic()
        written = self._send(data)
        if written.done():   # usually: the socket took it all at once
            self._check(written)
        else:
            self._pending = written
            written.add_done_callback(self._taken)

    def _taken(self, written: asyncio.Future) -> None:
        self._pending = None
        if self._check(written) and self._queue and self.end_reason is None:
            self._write_messages(self.take())

    def _check(self, written: asyncio.Future) -> bool:
        if written.cancelled() or written.exception() is not None:
            self.end(CLOSED)   # the connection is gone
            return False
        return True
