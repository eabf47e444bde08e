"""The facade's audit trail: one event per write request (actors/accounts/audit.py words them),
but refused anonymous writes cost one event per address and minute, not one each."""
from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Callable

from actors.accounts.audit import anonymous_refused, anonymous_summary, audit_event
from actors.bursts import Bursts
from actors.runtime.futures import done

ANONYMOUS_WINDOW_S = 60.0
MAX_ANONYMOUS_SOURCES = 100   # addresses counted apiece per window; beyond, one shared count


class AuditTrail:
    def __init__(self, emit: Callable[..., None], clock):
        self._emit = emit
        self._clock = clock
        self._anonymous = Bursts(ANONYMOUS_WINDOW_S)   # refused anonymous writes per address
        self._anonymous_lock = threading.Lock()

    def record_audit(self, who: str | None, method: str, path: str, status: int, *,
                     request_id: str | None = None, fsid: str | None = None,
                     fqdn: str | None = None, detail: str | None = None,
                     client: str | None = None) -> Future:
        if who is None and status >= 400:
            self._anonymous_refusal(method, path, status, client or "an unknown address")
        else:
            self._emit(audit_event(self._clock(), who, method, path, status, request_id, fsid, fqdn,
                                   detail))
        return done(None)

    def _anonymous_refusal(self, method: str, path: str, status: int, client: str) -> None:
        """A client sending hundreds a second must not fill the event log. Past
        MAX_ANONYMOUS_SOURCES addresses in a window the rest share one count (a flood from
        many addresses)."""
        now = self._clock()
        with self._anonymous_lock:
            source = client if len(self._anonymous) < MAX_ANONYMOUS_SOURCES else "other addresses"
            first, earlier = self._anonymous.note((source,), now)
        if earlier:
            self._emit(anonymous_summary(now, source, earlier, ANONYMOUS_WINDOW_S))
        if first:
            self._emit(anonymous_refused(now, source, method, path, status, ANONYMOUS_WINDOW_S))

    def summarize(self, now: float) -> None:
        """The counts of the windows that ended (on the ticker thread)."""
        with self._anonymous_lock:
            due = self._anonymous.due(now)
        self._emit(*(anonymous_summary(now, source, count, ANONYMOUS_WINDOW_S) for (source,), count in due))
