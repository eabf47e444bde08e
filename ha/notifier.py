"""Delivering a lease's role changes to its owner, one at a time and in order, on a thread of
their own: the owner's callback may take seconds (starting or stopping the bus and the actors)
and must never delay a renewal, which has to reach the database every lease_s/3.

The same thread is the lease's watchdog: when the active member's deadline passes unrenewed (its
lease thread stuck in a call to an unresponsive database, say) it delivers the None itself, at
the deadline, rather than whenever the lease thread comes back. (A stopped process runs no
thread: resumed, it finds fence() None at once, and this thread delivers the None first thing.)
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)
_END = object()


class Notifier:
    def __init__(self, callback: Callable[[int | None], None] | None, name: str,
                 deadline: Callable[[], float | None] | None = None) -> None:
        """deadline(): the monotonic instant the held term may no longer be acted on, or None
        when none is held (without it, no watchdog)."""
        self._callback = callback
        self._deadline = deadline
        self._queue: queue.Queue = queue.Queue()
        self._delivered: int | None = None     # this thread's only: changes alone are delivered
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def send(self, term: int | None) -> None:
        self._queue.put(term)

    def flush(self, timeout_s: float) -> bool:
        """Wait until every change sent so far has been delivered (or timeout_s has passed)."""
        if not self._thread.is_alive() or threading.current_thread() is self._thread:
            return False
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout_s)

    def close(self, timeout_s: float) -> None:
        """Deliver what is queued, then end (waits up to timeout_s for a slow callback)."""
        self._queue.put(_END)
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)   # (not when on_change itself called stop())

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._watch_s())
            except queue.Empty:        # only with a deadline to watch
                deadline = self._deadline()
                if deadline is None or time.monotonic() >= deadline:
                    self._deliver(None)     # ran out unrenewed; the lease thread says so later
                continue
            if item is _END:
                return
            if isinstance(item, threading.Event):   # a flush() waiting
                item.set()
                continue
            self._deliver(item)

    def _watch_s(self) -> float | None:
        """How long to wait for the next change: until the deadline while active."""
        if self._deadline is None:
            return None
        deadline = self._deadline()
        if self._delivered is None or deadline is None:
            return None if self._delivered is None else 0.0
        return max(0.0, deadline - time.monotonic())

    def _deliver(self, term: int | None) -> None:
        if term == self._delivered:
            return
        self._delivered = term
        if self._callback is None:
            return
        try:
            self._callback(term)
        except Exception:    # the owner's bug must not end the delivery of later changes
            log.exception("ha: the lease's on_change(%r) failed", term)
