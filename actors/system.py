"""Builds and starts the actor system from the persisted state, and stops it in order."""
from __future__ import annotations

import logging
import secrets
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace

import pykka

from actors.accounts import passwords
from actors.accounts.auth_settings import AuthSettings
from actors.runtime.base import ask
from actors.context import Timings
from actors.servers.directory import ServerDirectory
from actors.dispatch.dispatcher import Dispatcher, base_peers
from actors.dispatch.jobs import JobBook
from actors.dispatch.read_models import ReadModels
from actors.dispatch.registry import ActorRegistry
from actors.dispatch.router import Router
from actors.dispatch.ticks import Ticks
from actors.events import INFO, Event
from actors.storage.event_reader import EventReader
from actors.storage.eventer import Eventer
from actors.facade.daemon_api import DaemonApi
from actors.facade.readiness import Readiness
from actors.runtime.gc_steward import GcSteward
from actors.keys.keyring import KeyRing
from actors.messages import EmitEvents, Restored
from actors.notices import Notices
from actors.servers.records import row_to_record
from actors.storage.actor import StoreActor, WriteHealth, redact
from actors.requests.tracker import RequestTracker
from actors.storage.retention import DAY_S, Due, RetentionSettings
from actors.accounts.roles import ADMIN
from actors.cluster.trend import TREND_SERIES
from actors.storage.messages import CountUsers, CreateUser, Flush, LoadRequests, LoadState, PruneHistory
from actors.runtime.ticker import Ticker
from metrics.daemon import DaemonMetrics, DaemonSources

log = logging.getLogger(__name__)
STARTUP_TIMEOUT_S = 60.0


def start_event_reader(db: str, store: pykka.ActorRef) -> pykka.ActorRef | None:
    """A reader on a connection of its own (actors/storage/event_reader.py: the event list, or the
    time series), started after the store made the schema; None for an in-memory SQLite database,
    which a second connection would not see."""
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
    bus: object | None = None        # made by build_daemon's make_bus; its caller starts and stops it
    notices: Notices | None = None   # what just happened (actors/notices.py): the stream and metrics listen
    metrics: DaemonMetrics | None = None   # the daemon's own calamari_* metrics (metrics/daemon.py)

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


def build_daemon(db: str, timings: Timings, tick_period_s: float = 1.0,
                 request_timeouts: dict | None = None, auth: AuthSettings | None = None,
                 auto_accept: bool = False, retention: RetentionSettings | None = None,
                 key_limits: dict | None = None, make_bus=None, notices: Notices | None = None) -> ActorSystem:
    """The daemon's actors, facade and ticker, restored from the database and ticking.

    request_timeouts: job_timeout_s, map_timeout_s, pg_stall_timeout_s of the request tracker;
    auth: session limits and lockout policy of the facade; auto_accept: accept every new agent
    key (the key ring, `system.keyring`, is the bus's gate); retention: how much history the store
    and the request tracker keep (pruned on ticks every retention.interval_s); key_limits:
    max_pending_per_address, pending_max_age_s of the key ring (a key flood); make_bus(on_message,
    gate) -> the bus (not started: `system.bus`; the caller starts and stops it), None: no bus;
    notices: where the actors tell what happened (`system.notices`, also `system.api.notices`),
    given by a caller that subscribes before anything starts, else a new one.

    Each part is made once what it needs exists; the one circle is the bus's (see below)."""
    retention = retention or RetentionSettings()
    notices = notices or Notices()
    metrics = DaemonMetrics(DaemonSources())   # counting from the first event on; sources below
    notices.subscribe(metrics.on_notice)
    write_health = WriteHealth()
    store, state = _open_store(db, notices, write_health)
    eventer = Eventer.start(store)
    keyring = KeyRing(store, eventer, auto_accept=auto_accept, **(key_limits or {}))
    keyring.restore(state.keys)
    # The bus hands messages to the router, which needs the job book, which sends over the bus:
    # the book gets a send that looks the bus up when a job goes out (after build_daemon).
    bus = None
    send = (lambda agent_id, body: bus.send(agent_id, body)) if make_bus is not None else None
    registry = ActorRegistry()
    read_models = ReadModels(registry)
    jobs = JobBook(send)
    # The directory only stores servers and looks clusters up: peers without itself or the
    # tracker (the pykka actor reads them on its first message).
    directory = ServerDirectory.start(lambda: replace(base_peers(store, eventer, None, registry, read_models, jobs),
                                                      notices=notices))
    peers = replace(base_peers(store, eventer, directory, registry, read_models, jobs), notices=notices)
    tracker = RequestTracker.start(peers, timings, **(request_timeouts or {}),
                                   retention=retention.requests, retention_interval_s=retention.interval_s)
    dispatcher = Dispatcher(registry, jobs, read_models,
                            Router(registry, jobs, replace(peers, tracker=tracker), timings),
                            Ticks(registry, jobs, tracker, timings.heartbeat_s), directory)
    records = _restore(state, directory, dispatcher, tracker, store)
    eventer.tell(EmitEvents((Event(time.time(), INFO, "Calamari server started"),)))
    if make_bus is not None:
        bus = make_bus(dispatcher.on_message, keyring)
    steward = GcSteward().install()
    bus_stats = None if bus is None else lambda: {**bus.stats, **dispatcher.counters(), **steward.counters()}
    api = DaemonApi(dispatcher, directory, store, tracker, eventer=eventer, keyring=keyring,
                    events=start_event_reader(db, store), history=start_event_reader(db, store), auth=auth, call_timeout_s=timings.call_timeout_s,
                    heartbeat_s=timings.heartbeat_s, server_late_s=timings.server_late_s,
                    bus_stats=bus_stats, notices=notices,
                    readiness=Readiness(store, write_health, dispatcher.unsynced_count,
                                        None if bus is None else lambda: bus.running).reasons)
    metrics.sources = DaemonSources(
        bus_stats=None if bus is None else lambda: bus.stats, heartbeat_counts=dispatcher.heartbeat_counts,
        server_states=api.server_states, pending_keys=keyring.pending_count,
        store_queue=store.actor_inbox.qsize, gc_pauses=steward.pauses)
    ticker = Ticker(_tick(dispatcher, api, keyring, steward, store, retention), tick_period_s)
    ticker.start()
    log.info("restored %d clusters and %d servers", len(state.clusters), len(records))
    return ActorSystem(store, eventer, directory, dispatcher, api, ticker, keyring, steward, bus, notices, metrics)


def _open_store(db: str, notices: Notices, write_health: WriteHealth):
    """(the StoreActor, its LoadState answer); StartupError in one line if the database is unusable."""
    opened: Future = Future()
    store = StoreActor.start(db, opened=opened, notices=notices, write_health=write_health)
    try:
        opened.result(STARTUP_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, said in one line
        pykka.ActorRegistry.stop_all(block=True, timeout=5.0)
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise StartupError(f"cannot open the database {redact(db)}: {reason}") from None
    # Each cluster's trend (actors/cluster/trend.py) is seeded with the series it follows: hourly
    # means beyond the last day, 5-minute means within it (0.26 s at 100 clusters, bench/history.py).
    load = lambda reply: LoadState(reply, recent_series=TREND_SERIES, recent_five_minute_s=DAY_S)  # noqa: E731
    return store, ask(store, load).result(STARTUP_TIMEOUT_S)


def _restore(state, directory, dispatcher: Dispatcher, tracker, store) -> list:
    """Tell the restored state to its actors; -> the (ServerRecord, late) pairs."""
    records = [row_to_record(row) for row in state.servers]
    # The directory first: restored clusters immediately tell it what their maps say.
    directory.tell(Restored([r for r, _ in records]))
    dispatcher.restore(state.clusters, [(r, late) for r, late in records if r.managed])
    # Requests last: the clusters they wait on exist now, so a resumed one can ask for its map.
    tracker.tell(Restored(ask(store, LoadRequests).result(STARTUP_TIMEOUT_S)))
    return records


def _tick(dispatcher: Dispatcher, api: DaemonApi, keyring: KeyRing, steward: GcSteward, store,
          retention: RetentionSettings):
    prune_due = Due(retention.interval_s)

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
    return tick


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
