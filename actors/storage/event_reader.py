"""EventReader: serves the event list (ListEvents) and the clusters' time series (ReadHistory) on
a connection of its own, so a page or a graph is not queued behind the store's writes (a retention
batch, a burst of maps) in the store's inbox.

What a reader sees, as when the store answered ListEvents itself:
- only committed rows, so an event shown is durable (it survives kill -9; the store commits each
  write before the next message);
- every event the store was told to save before the list was asked (read-your-writes once an
  event is emitted): the store's inbox counts the SaveEvents put into it and those it has
  applied (EventInbox); the reader waits for the ones counted when it picks the query up. So it
  waits only while an event write is pending, never for other writes, and at most FENCE_WAIT_S
  (a stuck store must not stop the list: after that it answers from what is committed).

SQLite (WAL) lets this connection read while the store writes; on PostgreSQL it is a second
connection whose transactions are REPEATABLE READ READ ONLY, so a count and its page agree.
The reader never creates or migrates the schema: it starts after the store has.

A time series read waits for nothing: it shows what is committed (a heartbeat's point may be a
moment late, never wrong).
"""
from __future__ import annotations

import logging
import queue
import threading
import time

import peewee as pw

from actors.storage import messages as m
from actors.runtime.base import DEFERRED, Actor, handles
from actors.timefmt import iso
from store import history
from store.db import open_database, redact
from store.event_pages import EventPages

log = logging.getLogger(__name__)

FENCE_WAIT_S = 1.0
WARM = (None, None, 5)   # (fsid, fqdn, max_severity) of `GET event`: its anchors are laid at start


class EventInbox(queue.Queue):
    """The store's inbox, counting event writes in and out (see the module's doc)."""

    def __init__(self):
        super().__init__()
        self._events = threading.Condition()
        self.events_in = 0       # SaveEvents put into the inbox
        self.events_done = 0     # SaveEvents the store has committed or given up on
        self.closed = False      # the store stopped: nobody waits for it any more

    def put(self, item, block=True, timeout=None):
        if isinstance(getattr(item, "message", None), m.SaveEvents):
            with self._events:
                self.events_in += 1
        super().put(item, block, timeout)

    def event_done(self) -> None:
        with self._events:
            self.events_done += 1
            self._events.notify_all()

    def close(self) -> None:
        with self._events:
            self.closed = True
            self._events.notify_all()

    def wait_for_events(self, timeout_s: float) -> bool:
        """Wait until every SaveEvents put so far is done; False when `timeout_s` ran out."""
        with self._events:
            target = self.events_in
            return self._events.wait_for(lambda: self.events_done >= target or self.closed, timeout_s)


def read_history(series: history.History, msg: m.ReadHistory) -> dict:
    """ReadHistory's answer (inside the caller's transaction); the store answers it the same way."""
    return series.read_history(msg.fsid, msg.series, msg.from_t, msg.to_t, msg.now, msg.raw_step_s,
                               msg.tiers.ages, stamp=iso)


class EventReader(Actor):
    def __init__(self, database: str, store=None, warm: bool = True):
        """store: the StoreActor writing `database`: its inbox is the fence, and it answers in
        this reader's place if this connection cannot be opened."""
        super().__init__()
        self._url = str(database)
        self._store = store
        inbox = getattr(store, "actor_inbox", None)
        self._fence = inbox if isinstance(inbox, EventInbox) else None
        self._warm = warm
        self._db: pw.Database | None = None
        self._pages = EventPages()
        self._series: history.History | None = None

    def on_start(self) -> None:
        try:
            db = open_database(self._url)
            db.connect()
            if isinstance(db, pw.PostgresqlDatabase):
                db.execute_sql("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL "
                               "REPEATABLE READ, READ ONLY")
            else:
                db.execute_sql("PRAGMA query_only = 1")
        except Exception as exc:  # noqa: BLE001 - the store answers instead
            log.error("event reader: cannot open %s (%s); the store lists events", redact(self._url), exc)
            return
        self._db = db
        self._series = history.History(db)
        if self._warm:
            try:
                self._read(*WARM, 0, 1)
            except Exception as exc:  # noqa: BLE001 - only a head start; the first list retries
                log.warning("event reader: warming up failed: %s", exc)

    def on_stop(self) -> None:
        if self._db is not None and not self._db.is_closed():
            self._db.close()
            log.info("event reader: closed %s", redact(self._url))

    def _read(self, fsid, fqdn, max_severity, offset, limit):
        with self._db.atomic():
            return self._pages.list(self._db, fsid, fqdn, max_severity, offset, limit)

    def _store_answers(self, msg) -> object:
        if self._store is None:
            raise RuntimeError("the event reader has no database connection")
        self._store.tell(msg)   # it completes msg.reply
        return DEFERRED

    @handles(m.ReadHistory)
    def _read_history(self, msg: m.ReadHistory):
        if self._db is None:
            return self._store_answers(msg)
        with self._db.atomic():
            return read_history(self._series, msg)

    @handles(m.ListEvents)
    def _list_events(self, msg: m.ListEvents):
        if self._db is None:
            return self._store_answers(msg)
        if self._fence is not None and not self._fence.wait_for_events(FENCE_WAIT_S):
            log.warning("event reader: the store has not saved the pending events after %.1f s; "
                        "listing what is committed", FENCE_WAIT_S)
        started = time.perf_counter()
        result = self._read(msg.fsid, msg.fqdn, msg.max_severity, msg.offset, msg.limit)
        elapsed = time.perf_counter() - started
        if elapsed > 0.5:
            log.info("event reader: a list took %.2f s (anchors laid for a filter)", elapsed)
        return result
