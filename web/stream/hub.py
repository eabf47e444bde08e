"""StreamHub: the notices in, every open stream's queue out.

Notices arrive on the publishers' threads (actors, the facade); `_on_notice` only appends to a
deque under a lock and, when the loop is not already due to drain it, wakes the loop once
(call_soon_threadsafe). On the loop each notice becomes its messages: numbered, encoded once,
kept in the ring for resumes, and offered to the streams wanting their topics. Offering writes
into each stream's connection at once and never waits for a client: a slow one overflows its
own bounded queue (client.py), which ends only its stream.

The offers go SLICE streams per turn of the loop, so that a thousand streams do not hold up the
GETs in between (every turn polls the sockets again); messages arriving meanwhile go out together
in the next round, in order. The same turns write the keep-alive comments of idle streams.

Ids: the first message of a run gets the boot time in microseconds, the next ones count up. A
restarted daemon starts above every id of the runs before (unless one handed out more than a
million messages a second), so a Last-Event-ID from an earlier run is told apart: `reset`.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque

from actors.notices import CredentialsEnded, Notices
from web.stream.client import StreamClient, Wants
from web.stream.credentials import CredentialWatch
from web.stream.frames import TOPICS, Message, items_of, message
from web.stream.ring import Ring
from web.stream.settings import StreamSettings

log = logging.getLogger(__name__)
SLICE = 8    # streams written to per turn of the loop (~0.15 ms): GETs get the turns between


class StreamHub:
    def __init__(self, notices: Notices, settings: StreamSettings, check_credential, clock=time.time):
        """check_credential(kind, token) -> Future of the user or None (the Api's session_user /
        token_user): an open stream's credential asked again every settings.auth_check_s and at
        once when the facade says one ended (CredentialsEnded)."""
        self.settings = settings
        self._notices = notices
        self._lock = threading.Lock()
        self._inbox: deque = deque()
        self._drain_due = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ring = Ring(settings.buffer_messages, int(clock() * 1_000_000))
        self._clients: dict[str, set[StreamClient]] = {topic: set() for topic in TOPICS}
        self._all: set[StreamClient] = set()
        self._watch = CredentialWatch(self._all, check_credential, settings.auth_check_s)
        self._outbox: list[Message] = []    # stamped, not yet offered to the streams
        self._delivering = False
        self._keepalive: asyncio.TimerHandle | None = None

    # --- streams (on the loop) ----------------------------------------------------------------
    def open(self, wants: Wants, credential: tuple[str, str], last_seen: int | None
             ) -> tuple[StreamClient, list[Message] | None]:
        """A new stream, and what it missed since `last_seen` (None: it cannot be told; [] when
        it missed nothing or did not say). From now on it is offered every message it wants."""
        self._start()
        missed = [] if last_seen is None else self._ring.after(last_seen)
        position = self._ring.last_id
        client = StreamClient(wants, credential, self.settings.queue_messages, position)
        if missed is not None:
            missed = [m for m in missed if wants(m)]
        for topic in wants.topics:
            self._clients[topic].add(client)
        self._all.add(client)
        self._watch.watching()
        if self._keepalive is None:
            self._keepalive = self._loop.call_later(self.settings.keepalive_s / 2, self._keep_alive)
        return client, missed

    def close(self, client: StreamClient) -> None:
        for topic in client.wants.topics:
            self._clients[topic].discard(client)
        self._all.discard(client)

    def client_count(self) -> int:
        """Streams open now (the metrics' gauge); any thread may ask."""
        return len(self._all)

    # --- notices ---------------------------------------------------------------------------------
    def _start(self) -> None:
        """Subscribed on the first stream (on the loop, which is then known); it stays, so the ring
        keeps what later resumes ask for."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._notices.subscribe(self._on_notice)

    def _on_notice(self, notice) -> None:
        """On the publisher's thread: never blocks, wakes the loop at most once per drain."""
        if notice.topic is None and not isinstance(notice, CredentialsEnded):
            return
        with self._lock:
            self._inbox.append(notice)
            if self._drain_due:
                return
            self._drain_due = True
        try:
            self._loop.call_soon_threadsafe(self._drain)
        except RuntimeError:   # the loop is closed: the daemon is stopping
            pass

    def _drain(self) -> None:
        with self._lock:
            notices = list(self._inbox)
            self._inbox.clear()
            self._drain_due = False
        for notice in notices:
            if isinstance(notice, CredentialsEnded):
                self._watch.check_now()
                continue
            for item in items_of(notice):
                stamped = message(self._ring.last_id + 1, item)
                self._ring.append(stamped)
                self._outbox.append(stamped)
        if self._outbox and not self._delivering:
            self._deliver()

    def _deliver(self) -> None:
        """Offer what the outbox holds to every stream wanting some of it, a slice per turn;
        then the next round, if more came meanwhile."""
        batch, self._outbox = self._outbox, []
        targets = set().union(*(self._clients[topic] for topic in {m.topic for m in batch}))
        self._delivering = True
        shared: dict = {}   # each filter's messages and frames, joined once for all its streams
        self._in_slices(list(targets), lambda client: client.offer(batch, shared), self._delivered)

    def _delivered(self) -> None:
        self._delivering = False
        if self._outbox:
            self._deliver()

    def _keep_alive(self) -> None:
        """Every half period: a comment to each stream idle for a whole one."""
        if not self._all:
            self._keepalive = None
            return
        now, idle_s = time.monotonic(), self.settings.keepalive_s
        self._keepalive = self._loop.call_later(idle_s / 2, self._keep_alive)
        self._in_slices(list(self._all), lambda client: client.keep_alive(now, idle_s), lambda: None)

    def _in_slices(self, clients: list, act, then) -> None:
        def run(start: int) -> None:
            for client in clients[start:start + SLICE]:
                act(client)
            if start + SLICE < len(clients):
                self._loop.call_soon(run, start + SLICE)
            else:
                then()
        run(0)
