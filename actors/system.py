"""Builds and starts the actor system from the persisted state, and stops it in order."""
from __future__ import annotations

import logging
import secrets
import time
from concurrent.futures import Future
from dataclasses import dataclass

import pykka

from actors.accounts import passwords
from actors.accounts.auth_settings import AuthSettings
from actors.runtime.base import ask
from actors.context import Timings
from actors.servers.directory import ServerDirectory
from actors.dispatcher import Dispatcher
from actors.events import INFO, Event
from actors.storage.event_reader import EventReader
from actors.storage.eventer import Eventer
from actors.facade.daemon_api import DaemonApi
from actors.runtime.gc_steward import GcSteward
from actors.keys.keyring import KeyRing
from actors.messages import EmitEvents, Restored
from actors.servers.records import row_to_record
from actors.storage.actor import StoreActor, redact
from actors.requests.tracker import RequestTracker
from actors.storage.retention import Due, RetentionSettings
from actors.accounts.roles import ADMIN
from actors.storage.messages import CountUsers, CreateUser, Flush, LoadRequests, LoadState, PruneHistory
from actors.runtime.ticker import Ticker

log = logging.getLogger(__name__)
STARTUP_TIMEOUT_S = 60.0


def start_event_reader(db: str, store: pykka.ActorRef) -> pykka.ActorRef | None:
    """The event list's own reader (actors/storage/event_reader.py), started after the store made the
    schema; None for an in-memory SQLite database, which a second connection would not see."""
    if db.replace("sqlite:///", "") in (":memory:", ""):
        return None
    return EventReader.start(db, store=store)


class StartupError(Exception):
    """The daemon cannot start (e.g. its database is unreadable); the message is one line."""


@dataclass
class ActorSystem:
    store: pykka.ActorRef
    eventer: pykka.ActorRef
    directory: pykka.ActorRef
    dispatcher: Dispatcher
    api: DaemonApi
    ticker: Ticker
    keyring: KeyRing | None = None   # the bus's gate: which agent keys may connect
    gc: GcSteward | None = None

    def stop(self, timeout_s: float = 5.0) -> None:
        self.ticker.stop()
        if self.gc is not None:
            self.gc.uninstall()
        self.api.close()
        try:
            ask(self.store, Flush).result(timeout_s)
        except Exception:  # noqa: BLE001 - shutting down anyway
            log.warning("store did not flush before shutdown")
        pykka.ActorRegistry.stop_all(block=True, timeout=timeout_s)


def start_actor_system(db: str, timings: Timings, tick_period_s: float = 1.0,
                       request_timeouts: dict | None = None, auth: AuthSettings | None = None,
                       auto_accept: bool = False, retention: RetentionSettings | None = None,
                       key_limits: dict | None = None) -> ActorSystem:
    """request_timeouts: job_timeout_s, map_timeout_s, pg_stall_timeout_s of the request tracker;
    auth: session limits and lockout policy of the facade; auto_accept: accept every new agent
    key (the key ring, `system.keyring`, is the bus's gate); retention: how much history the store
    and the request tracker keep (pruned on ticks every retention.interval_s)."""
    retention = retention or RetentionSettings()
    opened: Future = Future()
    store = StoreActor.start(db, opened=opened)
    try:
        opened.result(STARTUP_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, said in one line
        pykka.ActorRegistry.stop_all(block=True, timeout=5.0)
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise StartupError(f"cannot open the database {redact(db)}: {reason}") from None
    state = ask(store, LoadState).result(STARTUP_TIMEOUT_S)
    eventer = Eventer.start(store)
    # key_limits: max_pending_per_address, pending_max_age_s of the key ring (a key flood).
    keyring = KeyRing(store, eventer, auto_accept=auto_accept, **(key_limits or {}))
    keyring.restore(state.keys)
    holder: dict = {}
    directory = ServerDirectory.start(lambda: holder["dispatcher"].peers)
    dispatcher = Dispatcher(store=store, eventer=eventer, directory=directory, timings=timings)
    tracker = RequestTracker.start(dispatcher.peers, timings, **(request_timeouts or {}),
                                   retention=retention.requests, retention_interval_s=retention.interval_s)
    dispatcher.attach_tracker(tracker)
    holder["dispatcher"] = dispatcher
    records = [row_to_record(row) for row in state.servers]
    # The directory first: restored clusters immediately tell it what their maps say.
    directory.tell(Restored([r for r, _ in records]))
    dispatcher.restore(state.clusters, [(r, late) for r, late in records if r.managed])
    # Requests last: the clusters they wait on exist now, so a resumed one can ask for its map.
    tracker.tell(Restored(ask(store, LoadRequests).result(STARTUP_TIMEOUT_S)))
    eventer.tell(EmitEvents((Event(time.time(), INFO, "Calamari server started"),)))
    api = DaemonApi(dispatcher, directory, store, tracker, call_timeout_s=timings.call_timeout_s, auth=auth,
                    keyring=keyring, events=start_event_reader(db, store))

    prune_due = Due(retention.interval_s)
    steward = GcSteward().install()

    def tick() -> None:
        try:
            dispatcher.tick()
        finally:
            api.tick()    # accounts whose lockout ran out
            keyring.tick()   # pending keys too old, summaries of key floods
            steward.tick()
            if prune_due(time.time()):
                store.tell(PruneHistory(retention.events, retention.requests, retention.batch_rows,
                                        audit=retention.audit))
    ticker = Ticker(tick, tick_period_s)
    ticker.start()
    log.info("restored %d clusters and %d servers", len(state.clusters), len(records))
    return ActorSystem(store, eventer, directory, dispatcher, api, ticker, keyring, steward)


def ensure_admin(store: pykka.ActorRef, password: str | None) -> str | None:
    """Create the first account on an empty database. Returns the password only if generated."""
    if ask(store, CountUsers).result(STARTUP_TIMEOUT_S) > 0:
        return None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    ask(store, lambda r: CreateUser("admin", "", passwords.hash_password(password), ADMIN, time.time(), r)
        ).result(STARTUP_TIMEOUT_S)
    return generated
