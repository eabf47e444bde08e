"""Leadership of a group of managers sharing one PostgreSQL database: a lease with a fencing term.

Who may take the lease: the one session holding a PostgreSQL advisory lock (`pg_try_advisory_lock`)
on a connection dedicated to it. What it holds: a one-row table `calamari_ha.lease` (ha/pg.py)
naming the holder, its term and when it expires, by the database's clock. The lock holder:
- reads the row; if another member holds a term that has not expired, it waits until it has (a
  member whose session died may still be acting until then: never two members acting within one
  lease), then writes term + 1, itself, and now + lease_s, in one transaction;
- renews every lease_s/3 (`... WHERE term = mine AND member_id = me`: no row is being deposed).
Nobody else ever writes the row, so the term only grows and is a fencing token for jobs.

A holder that stops renewing (SIGSTOP, a paused VM, a partition) loses the lock with its session:
`idle_session_timeout` = lease_s makes the server end a session idle that long (PostgreSQL 14+;
a live member speaks every lease_s/3), TCP keepalives and tcp_user_timeout end a dead link. As a
last resort (PostgreSQL 13 has no idle_session_timeout), a standby ends the session holding the
lock once it has been idle for over a lease and a third with the lease run out.

`fence()` is the other half, and needs no I/O: the term, while time.monotonic() is before the
instant just before the last successful renewal (or take) was sent, plus lease_s. That instant
precedes the database's expires_at, so a member stops acting before any other may start. The
monotonic clock runs on while a process is stopped: a member resumed after SIGSTOP finds its
deadline passed before its lease thread has even run.
"""
from __future__ import annotations

import logging
import os
import select
import threading
import time
from dataclasses import dataclass
from typing import Callable

import psycopg2

from ha import pg
from ha.notifier import Notifier
from store.db import redact

log = logging.getLogger(__name__)
RELEASED_CHANNEL = "calamari_ha_released"   # NOTIFY on a clean stop: standbys need not poll for it
_WAIT_MARGIN_S = 0.01                       # past expires_at, never on it


@dataclass(frozen=True)
class Leader:
    term: int
    member_id: str
    advertise_url: str
    expires_at: float      # epoch seconds, by the database's clock


class Lease:
    """One member's part in the lease. `on_change(term)` is called with the new term when this
    member becomes active and with None when it stops (lost, deposed, run out, connection lost,
    stop()), from the lease's own notifier thread (ha/notifier.py): one call at a time, in order,
    and never holding up a renewal. Act only while fence() says so, not on on_change alone.
    stop() waits up to a third of a lease for on_change(None) to return before giving the lease up.
    leader() and fence() read attributes only: call them as often as needed."""

    def __init__(self, db_url: str, member_id: str, advertise_url: str, lease_s: float = 10.0,
                 on_change: Callable[[int | None], None] | None = None) -> None:
        if lease_s <= 0:
            raise ValueError("lease_s must be positive")
        self._url = db_url
        self.member_id = member_id
        self.advertise_url = advertise_url
        self.lease_s = float(lease_s)
        self.period_s = self.lease_s / 3
        self._notifier = Notifier(on_change, f"ha-lease-notify-{member_id}", self._deadline)
        self._held: tuple[int, float] | None = None   # (term, monotonic deadline), replaced whole
        self._last_term: int | None = None            # the last term this object took
        self._leader: Leader | None = None
        self._conn = None
        self._locked = False          # this session holds the advisory lock
        self._failing = False         # the connection is failing (log the first failure only)
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None

    # The interface: start, stop, fence, leader.

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("lease already started")
        self._notifier.start()
        self._thread = threading.Thread(target=self._run, name=f"ha-lease-{self.member_id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Give the lease up at once (fence() is None from here on; another member may take
        over without waiting for the lease to run out) and end the threads."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(self.lease_s + 10)
        self._notifier.close(self.lease_s + 10)
        if self._thread is None or not self._thread.is_alive():   # else it may still select on them
            for fd in (self._wake_r, self._wake_w):
                os.close(fd)

    def fence(self) -> int | None:
        held = self._held       # one read: term and deadline from the same round
        if held is None or self._stopping.is_set():
            return None
        term, deadline = held
        return term if time.monotonic() < deadline else None

    def _deadline(self) -> float | None:
        held = self._held
        return None if held is None or self._stopping.is_set() else held[1]

    def leader(self) -> Leader | None:
        """The holder per the database at the last round (may have expired: see expires_at)."""
        return self._leader

    # The lease thread.

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._wait(self._round())
        finally:
            self._shutdown()

    def _round(self) -> float:
        """One step (take, renew or watch); returns the seconds until the next."""
        try:
            if self._conn is None:
                self._connect()
            if self._held is not None:
                return self._renew()
            return self._try_take()
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
            self._connection_lost(f"database connection lost: {_text(exc)}")
        except psycopg2.Error as exc:     # permissions, say: the same remedy, another message
            self._connection_lost(f"database error: {_text(exc)}")
        except Exception as exc:    # a bug: be safe (not active), say so, keep trying
            log.exception("ha: member %s: lease round failed", self.member_id)
            self._connection_lost(f"unexpected error: {exc!r}")
        return self.period_s

    def _connect(self) -> None:
        conn = pg.connect(self._url, self.period_s, f"calamari-ha {self.member_id}")
        try:
            pg.ensure_tables(conn)
            cursor = conn.cursor()
            ms = int(self.lease_s * 1000)
            cursor.execute("SET statement_timeout = %s", (int(self.period_s * 1000),))
            cursor.execute("SET idle_in_transaction_session_timeout = %s", (ms,))
            try:
                cursor.execute("SET idle_session_timeout = %s", (ms,))
            except psycopg2.Error:    # PostgreSQL 13: the termination in _watch is the backstop
                log.warning("ha: the database has no idle_session_timeout (PostgreSQL < 14): a "
                            "paused active is replaced a third of a lease later")
            cursor.execute(f"LISTEN {RELEASED_CHANNEL}")
        except BaseException:
            conn.close()
            raise
        self._conn, self._locked = conn, False
        if self._failing:
            log.info("ha: member %s: connected to %s again", self.member_id, redact(self._url))
            self._failing = False

    def _try_take(self) -> float:
        cursor = self._conn.cursor()
        if not self._locked:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", (pg.LEASE_LOCK_KEY,))
            self._locked = cursor.fetchone()[0]
        if not self._locked:
            return self._watch(cursor)
        sent = time.monotonic()
        with pg.transaction(self._conn) as cursor:
            cursor.execute(f"SELECT term, member_id, advertise_url, expires_at, {pg.DB_NOW} "
                           f"FROM {pg.LEASE_TABLE} WHERE id = 1 FOR UPDATE")
            term, holder, url, expires_at, now = cursor.fetchone()
            self._leader = Leader(term, holder, url, expires_at) if holder is not None else None
            mine = holder == self.member_id and term == self._last_term   # not acting: we know
            if holder is not None and not mine and expires_at > now:
                # Its session is gone (we have the lock) but it may act until expires_at.
                return min(expires_at - now + _WAIT_MARGIN_S, self.period_s)
            cursor.execute(f"UPDATE {pg.LEASE_TABLE} SET term = term + 1, member_id = %s, "
                           f"advertise_url = %s, expires_at = {pg.DB_NOW} + %s, "
                           "backend_pid = pg_backend_pid() WHERE id = 1 RETURNING term, expires_at",
                           (self.member_id, self.advertise_url, self.lease_s))
            term, expires_at = cursor.fetchone()
        self._held, self._last_term = (term, sent + self.lease_s), term
        self._leader = Leader(term, self.member_id, self.advertise_url, expires_at)
        log.info("ha: member %s became active with term %d", self.member_id, term)
        self._notifier.send(term)
        return self.period_s

    def _renew(self) -> float:
        term, deadline = self._held
        sent = time.monotonic()
        if sent >= deadline:
            self._step_down("its lease ran out before it could renew it (was the process paused?)")
            return 0.0
        cursor = self._conn.cursor()
        cursor.execute(f"UPDATE {pg.LEASE_TABLE} SET expires_at = {pg.DB_NOW} + %s "
                       "WHERE id = 1 AND term = %s AND member_id = %s RETURNING expires_at",
                       (self.lease_s, term, self.member_id))
        row = cursor.fetchone()
        if row is None:
            self._step_down("deposed: the lease row names another holder")
            return self.period_s
        if time.monotonic() >= deadline:   # the owner may have been told None meanwhile
            self._step_down("its renewal came back after the lease had run out")
            return 0.0
        self._held = (term, sent + self.lease_s)
        self._leader = Leader(term, self.member_id, self.advertise_url, row[0])
        return max(0.0, sent + self.period_s - time.monotonic())

    def _watch(self, cursor) -> float:
        """A standby without the lock: keep leader() current. And end the session holding the
        lock if it has been idle for longer than a lease and the lease has run out: a live
        member speaks every period, so its process is stopped or gone. PostgreSQL 14+ does this
        itself (idle_session_timeout); PostgreSQL 13 would let such a session keep the lock."""
        cursor.execute(f"SELECT term, member_id, advertise_url, expires_at FROM {pg.LEASE_TABLE} WHERE id = 1")
        self._observed(*cursor.fetchone())
        classid, objid = pg.LEASE_LOCK_KEY >> 32, pg.LEASE_LOCK_KEY & 0xFFFFFFFF
        cursor.execute(
            "SELECT l.pid, pg_terminate_backend(l.pid) "
            f"FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid, {pg.LEASE_TABLE} r "
            f"WHERE r.id = 1 AND r.expires_at < {pg.DB_NOW} AND l.locktype = 'advisory' AND l.granted "
            "AND l.classid = %s AND l.objid = %s AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND a.state IN ('idle', 'idle in transaction') "
            "AND a.state_change < clock_timestamp() - make_interval(secs => %s) "
            "AND l.pid <> pg_backend_pid()", (classid, objid, self.lease_s + self.period_s))
        for pid, _ in cursor.fetchall():
            log.warning("ha: member %s ended database session %d: it held the lease lock but had "
                        "been idle for longer than a lease", self.member_id, pid)
        return self.period_s

    def _observed(self, term, holder, url, expires_at) -> None:
        before, self._leader = self._leader, (Leader(term, holder, url, expires_at) if holder is not None else None)
        if holder not in (None, self.member_id) and (before is None or (before.term, before.member_id) != (term, holder)):
            log.info("ha: member %s is standby; the active is %s (term %d, %s)", self.member_id, holder, term, url)

    def _step_down(self, reason: str) -> None:
        """Not active any more, and off this session: its lock goes with it, so another member
        (or this one, afresh) takes over."""
        self._lose(reason)
        self._close()

    def _lose(self, reason: str) -> None:
        held, self._held = self._held, None
        if held is not None:
            log.info("ha: member %s lost the lease (term %d): %s", self.member_id, held[0], reason)
            self._notifier.send(None)

    def _connection_lost(self, reason: str) -> None:
        if not self._failing:
            log.warning("ha: member %s: %s (%s); retrying every %.1fs", self.member_id, reason,
                        redact(self._url), self.period_s)
            self._failing = True
        self._lose(reason)
        self._close()

    def _close(self) -> None:
        conn, self._conn, self._locked = self._conn, None, False
        if conn is not None:
            try:
                conn.close()
            except psycopg2.Error:
                pass

    def _wait(self, seconds: float) -> None:
        """Until the next round, stop(), or a NOTIFY that the lease was given up."""
        watched = [self._wake_r] + ([self._conn] if self._conn is not None else [])
        if self._conn is not None and self._conn.notifies:   # came in with a query's answer
            self._conn.notifies.clear()
            return
        try:
            readable, _, _ = select.select(watched, [], [], max(0.0, seconds))
            if self._conn is not None and self._conn in readable:
                self._conn.poll()
                self._conn.notifies.clear()
        except (psycopg2.Error, OSError, ValueError) as exc:
            self._connection_lost(f"database connection lost: {_text(exc)}")

    def _shutdown(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            log.info("ha: member %s gave up the lease (term %d): stopping", self.member_id, held[0])
            self._notifier.send(None)
            # A clean handover: the owner has stopped acting before another member may start.
            # Bounded by a renewal period, so that the lease is still ours while we wait.
            self._notifier.flush(self.period_s)
            self._release(held[0])
        self._close()

    def _release(self, term: int) -> None:
        """Expire our term now, unlock, and wake the standbys: a clean handover."""
        if self._conn is None:
            return
        try:
            cursor = self._conn.cursor()
            cursor.execute(f"UPDATE {pg.LEASE_TABLE} SET expires_at = {pg.DB_NOW} "
                           "WHERE id = 1 AND term = %s AND member_id = %s", (term, self.member_id))
            cursor.execute("SELECT pg_advisory_unlock_all()")
            cursor.execute(f"NOTIFY {RELEASED_CHANNEL}")
        except psycopg2.Error as exc:    # the session's end releases the lock anyway
            log.warning("ha: member %s: could not release the lease cleanly: %s", self.member_id,
                        _text(exc))


def _text(exc: Exception) -> str:
    """A driver error on one line (libpq's run over several)."""
    return " ".join(str(exc).split())
