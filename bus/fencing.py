"""The bus side of high availability: jobs carry the lease term, a deposed manager sends none,
and the active acknowledges heartbeats so agents know whom to stay with.

`fence()` comes from the HA lease (ha/): the term this manager holds and may act on, or None
when it may not (its lease ended: it is being, or has been, replaced). It is called on the
thread that sends (twice per job: when the job is stamped and again right before it leaves, so
a lease lost in between still stops it) and once per server heartbeat on the bus thread, so it
must be thread-safe and cheap (read a term and a deadline; never touch the database).
"""
from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any, Callable

from bus import protocol
from bus.log_throttle import LogThrottle
from bus.protocol import HeartbeatAck, Job

ACK_REFRESH_S = 1.0   # an ack's frames are reused for this long (its sent_at stays that fresh)


class Fencing:
    """Stamps jobs with the term and builds acks, for a BusServer given a fence.

    count(key): the server's counter (jobs_fenced is counted here); throttle: the server's, so
    these lines come from the bus's logger like its other ones."""

    def __init__(self, fence: Callable[[], int | None], sender: str, count: Callable[[str], None],
                 throttle: LogThrottle, clock: Callable[[], float] = time.monotonic, lease_s: float = 0.0):
        self._fence = fence
        self._lease_s = lease_s
        self._sender = sender
        self._count = count
        self._throttle = throttle
        self._clock = clock
        self._ack: tuple[int, list[bytes], float] | None = None   # (term, frames, made at)

    def term(self) -> int | None:
        """The fence's answer; a fence that fails counts as "may not act" (fail closed)."""
        try:
            term = self._fence()
        except Exception:  # noqa: BLE001 - a lease bug must neither kill the bus nor let jobs out
            self._throttle.log(logging.ERROR, "fence", "bus: the HA fence failed; sending no job "
                               "and no ack", exc_info=True)
            return None
        return term if isinstance(term, int) and not isinstance(term, bool) else None

    def stamp(self, agent_id: str, body: Any) -> Any | None:
        """The body to send: a Job with the current term, None if it must not go out; any other
        message as it is."""
        if not isinstance(body, Job):
            return body
        term = self.term()
        if term is None:
            self.fenced(agent_id, body.job_id)
            return None
        return dataclasses.replace(body, term=term)

    def holds(self, term: int) -> bool:
        """Still the active one in `term`? Asked right before a stamped job leaves."""
        return self.term() == term

    def fenced(self, agent_id: str, job_id: str | None) -> None:
        self._count("jobs_fenced")
        self._throttle.log(logging.WARNING, "fenced",
                           "bus: job %s for agent %s not sent: this manager no longer holds the HA "
                           "lease (it is not the active one any more)", job_id or "?", agent_id)

    def ack_frames(self) -> list[bytes] | None:
        """The frames of a HeartbeatAck in the current term; None when not active (no ack, so
        the agents move to another manager). Re-encoded only when the term changes or the frames
        are ACK_REFRESH_S old: a fleet's heartbeats cost one encode a second, not one each."""
        term = self.term()
        if term is None:
            return None
        now = self._clock()
        cached = self._ack
        if cached is None or cached[0] != term or now - cached[2] >= ACK_REFRESH_S:
            cached = self._ack = (term, protocol.encode(HeartbeatAck(term, self._lease_s), sender=self._sender), now)
        return cached[1]
