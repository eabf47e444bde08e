"""Actors that share a few worker threads instead of owning one each.

pykka's ThreadingActor gives every actor an OS thread. At 10,000 servers that is 10,000 threads,
and every message wakes a different one: measured here, 30,000 tells to 10,000 thread actors
took 18 s of wall time (26 s CPU) against 0.26 s for 1,000, because the GIL is handed around
thousands of runnable threads. A PooledActor keeps pykka's contract (ActorRef, tell/ask,
on_start/on_stop, one message at a time, in order) but its inbox is a deque: the first message
into an idle actor puts the actor on its pool's run queue, and a worker drains up to BATCH
messages before giving the others their turn.

Handlers of pooled actors must never block on another actor (they would hold a worker): ours
only `tell` and complete Futures (actors/runtime/base.py).
"""
from __future__ import annotations

import collections
import logging
import queue
import sys
import threading
from typing import Any

import pykka

from bus import log_context

log = logging.getLogger(__name__)

BATCH = 64            # messages one actor handles before the next runnable actor's turn
DEFAULT_WORKERS = 2   # handlers are short and hold the GIL: more threads only contend (bench/ingest.py)


class ActorPool:
    """Worker threads taking runnable actors from one queue."""

    def __init__(self, name: str, workers: int = DEFAULT_WORKERS):
        self.name = name
        self._runnable: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def schedule(self, actor: "PooledActor") -> None:
        self._runnable.put(actor)

    def _work(self) -> None:
        while True:
            actor = self._runnable.get()
            scope = log_context.enter(actor.log_scope)   # what the turn logs names its actor
            try:
                actor._run_turn()
            except BaseException:  # noqa: BLE001 - one actor's turn must never end a worker
                log.exception("%s: an actor's turn failed", self.name)
            finally:
                log_context.unbind(scope)


class _Inbox:
    """pykka's ActorInbox (put/get/empty) that schedules its actor instead of waking a thread."""

    def __init__(self, actor: "PooledActor"):
        self._actor = actor
        self._messages: collections.deque = collections.deque()
        self._lock = threading.Lock()
        self._scheduled = True   # until started: on_start runs first, then the backlog

    def put(self, envelope: Any, /) -> None:
        with self._lock:
            self._messages.append(envelope)
            wake = not self._scheduled
            self._scheduled = True
        if wake:
            self._actor._pool().schedule(self._actor)

    def get(self) -> Any:
        return self._messages.popleft()

    def empty(self) -> bool:
        return not self._messages

    def take(self) -> Any | None:
        """The next message of a turn, or None (and idle) when there is none."""
        with self._lock:
            if self._messages:
                return self._messages.popleft()
            self._scheduled = False
            return None

    def yield_turn(self) -> bool:
        """End a full turn: True if the actor must be scheduled again (messages are waiting)."""
        with self._lock:
            self._scheduled = bool(self._messages)
            return self._scheduled


_default_pool: ActorPool | None = None
_default_lock = threading.Lock()


def default_pool() -> ActorPool:
    global _default_pool
    with _default_lock:
        if _default_pool is None:
            _default_pool = ActorPool("actor-pool")
        return _default_pool


class PooledActor(pykka.ThreadingActor):
    """A pykka actor run by an ActorPool (ThreadingActor only for its Future type)."""

    _started = False   # on_start has run (on the actor's first turn)
    log_scope: dict[str, str] | None = None   # fields its turns' log records carry (bus/log_context.py)

    def _pool(self) -> ActorPool:
        return default_pool()

    # Kept: the seams below use pykka's private actor-implementor methods (pinned pykka 4.5.0).
    # pykka 4 offers ThreadingActor only, one thread per actor, and no public way to plug in
    # another inbox or loop; these are the methods its own ThreadingActor implements for that.
    # Relied on: Actor.__init__ calls self._create_actor_inbox() (on the instance, no argument)
    # and ActorRef.tell/ask put Envelope(message, reply_to) into it; Actor.start() calls
    # self._start_actor_loop() once; the turn below runs pykka's own _actor_loop_setup (on_start),
    # _handle_receive (stop, proxy calls, on_receive), _handle_failure(exc_type, exc, tb) and
    # _actor_loop_teardown. tests/unit/actors/runtime/test_pykka_seams.py names the pykka
    # internal that a pykka upgrade changed.
    def _create_actor_inbox(self) -> _Inbox:   # pykka calls it on the instance
        return _Inbox(self)

    def _start_actor_loop(self) -> None:
        self._pool().schedule(self)

    def _run_turn(self) -> None:
        if not self._started:
            self._started = True
            self._actor_loop_setup()
        inbox: _Inbox = self.actor_inbox
        for _ in range(BATCH):
            if self.actor_stopped.is_set():
                self._actor_loop_teardown()
                return
            envelope = inbox.take()
            if envelope is None:
                return
            self._handle_envelope(envelope)
        if self.actor_stopped.is_set():
            self._actor_loop_teardown()
        elif inbox.yield_turn():
            self._pool().schedule(self)

    def _handle_envelope(self, envelope: Any) -> None:
        """One message, as pykka's own loop does: the answer or exception goes to an `ask`."""
        try:
            response = self._handle_receive(envelope.message)
        except Exception:  # noqa: BLE001 - answered to the asker, else logged; the actor lives on
            if envelope.reply_to is not None:
                envelope.reply_to.set_exception()
            else:
                self._handle_failure(*sys.exc_info())
            return
        if envelope.reply_to is not None:
            envelope.reply_to.set(response)
