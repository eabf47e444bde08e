"""StoreActor: the single owner of the database connection (and its only writer).

The connection is opened in `on_start` and closed in `on_stop`, both on the actor's own thread;
the database is built with autoconnect=False, so no other thread can use it by accident. Every
message runs in one transaction. A write that fails is rolled back, logged with the entity it
was about and counted (`failed_writes`); the actor carries on with the next message. A query
that fails completes its reply with the exception (domain errors for expected cases).

Messages and reply types: actors/storage/messages.py. SQL: store/queries.py.
"""
from __future__ import annotations

import functools
import logging
import time
from concurrent.futures import Future
from typing import Callable

import peewee as pw

from actors.accounts import api_tokens, lockout, roles
from actors.storage import messages as m
from actors.runtime.base import Actor, handles
from actors.errors import Conflict, NotFound
from actors.notices import EventsSaved, Notices, event_as_listed
from actors.storage.event_reader import EventInbox, read_history
from store import guardrails as stored_guardrails, history, history_upkeep, pruning, queries as q
from store.db import create_schema, open_database, redact  # redact: re-exported to actors.system
from store.event_pages import EventPages
from store.models import Event as EventRow, database_proxy

log = logging.getLogger(__name__)


def _entity(message) -> str:
    """The entity a message is about, for log lines (token hashes shortened)."""
    if isinstance(message, m.SaveServer):
        server = message.server if isinstance(message.server, dict) else {}
        return f"fqdn={server.get('fqdn')!r}"
    if isinstance(message, m.SaveEvents):
        fsids = sorted({str(e.fsid) for e in message.events if getattr(e, "fsid", None)})
        return f"{len(message.events)} events fsid={','.join(fsids) or '-'}"
    if isinstance(message, m.SaveSyncObject):
        return f"fsid={message.fsid!r} sync_type={message.sync_type!r} version={message.version!r}"
    parts = []
    for name in ("fqdn", "fsid", "minion_id", "user_id", "username", "token_hash"):
        value = getattr(message, name, None)
        if value is not None:
            parts.append(f"session={str(value)[:8]}…" if name == "token_hash" else f"{name}={value!r}")
    return " ".join(parts) or "-"


class WriteHealth:
    """Whether the store's last write failed, read from other threads (the readiness probe):
    one attribute, whose reads and writes are atomic."""
    failing = False


def _write(*message_types: type, undo: Callable | None = None) -> Callable:
    """A fire-and-forget write: one transaction; failure -> rollback, log, count, carry on.
    undo(self): forget what the write cached in memory, once it is rolled back."""
    def decorate(fn):
        @functools.wraps(fn)
        def run(self, message):
            try:
                with self._db.atomic():
                    fn(self, message)
                self.write_health.failing = False
            except Exception:  # noqa: BLE001 - a bad write must not stop the store
                if undo is not None:
                    undo(self)
                self.failed_writes += 1
                self.write_health.failing = True
                log.exception("store: %s failed for %s; rolled back",
                              type(message).__name__, _entity(message))
        return handles(*message_types)(run)
    return decorate


def _query(*message_types: type) -> Callable:
    """A query: one (read) transaction; the return value or exception completes the reply."""
    def decorate(fn):
        @functools.wraps(fn)
        def run(self, message):
            with self._db.atomic():
                return fn(self, message)
        return handles(*message_types)(run)
    return decorate


class StoreActor(Actor):
    """Persists servers, clusters, maps, events, users, sessions and agent keys."""

    def __init__(self, database: str, clock: Callable[[], float] = time.time, opened: Future | None = None,
                 notices: Notices | None = None, write_health: WriteHealth | None = None):
        """opened: completed once the database is open, or with the reason it cannot be (the
        daemon's start-up turns that into one clear line instead of a dead store); notices: told
        of the events saved, with their ids, once they are committed (EventsSaved); write_health:
        where the outcome of each write is noted, for whoever asks if the store can write."""
        super().__init__()
        self._url = str(database)
        self._clock = clock
        self._opened = opened
        self._db: pw.Database | None = None
        self.failed_writes = 0
        self.write_health = write_health or WriteHealth()
        self._pages = EventPages()   # anchors of the event lists this actor is asked for
        self._series = history.History()     # on the models' binding: this actor's connection
        self._notices = notices or Notices()
        self._saved: tuple = ()   # the events the last SaveEvents wrote, told once committed

    # Kept: an override of pykka's private Actor._create_actor_inbox (pinned pykka 4.5.0): pykka
    # has no public way to choose an actor's inbox, and the count must be taken as a SaveEvents
    # enters the inbox, whoever sends it. Relied on: Actor.__init__ calls it, ActorRef.tell/ask
    # put Envelope(message) into it, ThreadingActor's loop uses a queue.Queue's get/empty.
    # tests/unit/actors/runtime/test_pykka_seams.py fails by name if a pykka upgrade changes that.
    @staticmethod
    def _create_actor_inbox() -> EventInbox:
        """Counts the event writes in and out: an EventReader waits on it (actors/storage/event_reader.py)."""
        return EventInbox()

    def on_receive(self, message):
        try:
            return super().on_receive(message)
        finally:
            if isinstance(message, m.SaveEvents):
                self.actor_inbox.event_done()
                self._tell_saved()

    def _tell_saved(self) -> None:
        saved, self._saved = self._saved, ()
        if saved:
            self._notices.publish(EventsSaved(saved))

    # lifecycle (on the actor's thread) -------------------------------------------------------

    def on_start(self) -> None:
        try:
            db = open_database(self._url)
            database_proxy.initialize(db)
            db.connect()
            create_schema(db)
        except Exception as exc:
            if self._opened is None:
                raise
            # The starter reports it in one line; pykka's traceback would only bury that line.
            log.error("store: cannot open %s: %s", redact(self._url), exc)
            self._opened.set_exception(exc)
            self.actor_ref.stop(block=False)
            return
        self._db = db
        if self._opened is not None:
            self._opened.set_result(None)
        log.info("store: opened %s", redact(self._url))

    def on_stop(self) -> None:
        self.actor_inbox.close()
        if self._db is not None and not self._db.is_closed():
            self._db.close()
            log.info("store: closed %s", redact(self._url))

    # writes ---------------------------------------------------------------------------------

    @_write(m.SaveServer)
    def _save_server(self, msg: m.SaveServer) -> None:
        q.save_server(msg.server)

    @_write(m.DeleteServer)
    def _delete_server(self, msg: m.DeleteServer) -> None:
        q.delete_server(msg.fqdn)

    @_write(m.SaveCluster)
    def _save_cluster(self, msg: m.SaveCluster) -> None:
        q.save_cluster(msg.fsid, msg.name, msg.update_time, msg.late, msg.capacity_levels)

    @_write(m.SaveGuardrails)
    def _save_guardrails(self, msg: m.SaveGuardrails) -> None:
        stored_guardrails.save_guardrails(msg.fsid, msg.settings, msg.saved_at)

    @_write(m.SaveSyncObject)
    def _save_sync_object(self, msg: m.SaveSyncObject) -> None:
        q.save_sync_object(msg.fsid, msg.cluster_name, msg.sync_type, msg.version, msg.data,
                           msg.saved_at)

    @_write(m.DeleteCluster)
    def _delete_cluster(self, msg: m.DeleteCluster) -> None:
        q.delete_cluster(msg.fsid)
        stored_guardrails.delete_guardrails(msg.fsid)
        self._series.delete_history(msg.fsid)

    @_write(m.RecordSample, undo=lambda self: self._series.forget())   # ids of names it created
    def _record_sample(self, msg: m.RecordSample) -> None:
        self._series.record_sample(msg.fsid, msg.t, msg.values)

    @_write(m.SaveEvents, undo=lambda self: setattr(self, "_saved", ()))
    def _save_events(self, msg: m.SaveEvents) -> None:
        q.save_events(msg.events)
        if self._notices.active and msg.events:
            # This actor is the only writer and one transaction's rows take consecutive ids
            # (SQLite: max(rowid) + 1; PostgreSQL: one sequence, read by this connection alone),
            # so the last id names them all.
            last = EventRow.select(pw.fn.MAX(EventRow.id)).scalar()
            first = last - len(msg.events) + 1
            self._saved = tuple(event_as_listed(first + i, e) for i, e in enumerate(msg.events))

    @_write(m.SaveKey)
    def _save_key(self, msg: m.SaveKey) -> None:
        updated_at = self._clock() if msg.updated_at is None else msg.updated_at
        q.save_key(msg.minion_id, msg.status, msg.public_key, msg.fingerprint, updated_at)

    @_write(m.DeleteKey)
    def _delete_key(self, msg: m.DeleteKey) -> None:
        q.delete_key(msg.minion_id)

    @_write(m.SaveSession)
    def _save_session(self, msg: m.SaveSession) -> None:
        q.save_session(msg.token_hash, msg.user_id, msg.created_at, msg.expires_at)

    @_write(m.TouchSession)
    def _touch_session(self, msg: m.TouchSession) -> None:
        q.touch_session(msg.token_hash, msg.now)

    @_write(m.DeleteSession)
    def _delete_session(self, msg: m.DeleteSession) -> None:
        q.delete_session(msg.token_hash)

    @_write(m.DeleteUserSessions)
    def _delete_user_sessions(self, msg: m.DeleteUserSessions) -> None:
        q.delete_user_sessions(msg.user_id)

    @_write(m.SaveRequest)
    def _save_request(self, msg: m.SaveRequest) -> None:
        q.save_request(msg.row)

    @_query(m.PruneHistory)
    def _prune_history(self, msg: m.PruneHistory) -> tuple[int, int]:
        now = self._clock() if msg.now is None else msg.now
        limit = msg.batch_rows
        events = pruning.prune_events(msg.events.cutoff(now), msg.events.max_count, limit,
                                      msg.audit.cutoff(now), msg.audit.max_count)
        requests = pruning.prune_requests(msg.requests.cutoff(now), msg.requests.max_count, limit)
        if events >= limit or requests >= limit:
            self.actor_ref.tell(m.PruneHistory(msg.events, msg.requests, limit, now, audit=msg.audit, series=None))
        if events or requests:
            log.info("store: retention deleted %d events and %d completed requests", events, requests)
        if msg.series is not None:
            self.actor_ref.tell(m.RollUpSeries(now, limit, msg.series))
        return events, requests

    @_query(m.RollUpSeries)
    def _roll_up_series(self, msg: m.RollUpSeries) -> history_upkeep.Upkeep:
        done = history_upkeep.upkeep(self._series, msg.now, msg.tiers.ages, msg.batch_rows)
        if not done.done:
            self.actor_ref.tell(m.RollUpSeries(msg.now, msg.batch_rows, msg.tiers))
        if any(done.deleted):
            log.debug("store: time series: %s points rolled up, %s deleted (per tier)", done.written, done.deleted)
        return done

    # queries --------------------------------------------------------------------------------

    @_query(m.LoadState)
    def _load_state(self, msg: m.LoadState) -> m.StoredState:
        def skip(fsid, sync_type, exc):
            log.error("store: skipping undecodable map fsid=%r sync_type=%r: %s",
                      fsid, sync_type, exc)
        now = self._clock()

        def recent(fsid: str) -> tuple:
            if not msg.recent_s:
                return ()
            return tuple(self._series.recent_points(fsid, now - msg.recent_s, now, msg.recent_raw_s,
                                                    msg.recent_five_minute_s, msg.recent_series))
        guardrails = stored_guardrails.load_guardrails()
        clusters = [m.StoredCluster(fsid=c["fsid"], name=c["name"], update_time=c["update_time"],
                                    sync_objects=c["sync_objects"], late=bool(c.get("late")),
                                    capacity_levels=c.get("capacity_levels"),
                                    recent_points=recent(c["fsid"]),
                                    guardrails=guardrails.get(c["fsid"]))
                    for c in q.load_clusters(on_bad_row=skip)]
        return m.StoredState(servers=q.load_servers(), clusters=clusters, keys=q.load_keys())

    @_query(m.ReadHistory)
    def _read_history(self, msg: m.ReadHistory) -> dict:
        """(The daemon's web tier asks its EventReader; this serves the other callers.)"""
        return read_history(self._series, msg)

    @handles(m.ListEvents)
    def _list_events(self, msg: m.ListEvents):
        """(The daemon's web tier asks its EventReader; this serves the other callers.)"""
        with self._db.atomic():
            if isinstance(self._db, pw.PostgresqlDatabase):   # one snapshot for count and page
                self._db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return q.list_events(msg.fsid, msg.fqdn, msg.max_severity, msg.offset, msg.limit, self._pages)

    @_query(m.CountUsers)
    def _count_users(self, msg: m.CountUsers) -> int:
        return q.count_users()

    @handles(m.CreateUser)
    def _create_user(self, msg: m.CreateUser) -> dict:
        try:
            with self._db.atomic():
                return q.create_user(msg.username, msg.email, msg.password_hash, msg.role,
                                     msg.role == roles.ADMIN, msg.now)
        except pw.IntegrityError:
            raise Conflict(f"user {msg.username!r} already exists",
                           {"username": ["A user with that username already exists."]}) from None

    @_query(m.GetUserByName)
    def _get_user_by_name(self, msg: m.GetUserByName) -> dict | None:
        return q.get_user_by_name(msg.username)

    @_query(m.GetUser)
    def _get_user(self, msg: m.GetUser) -> dict | None:
        return q.get_user(msg.user_id)

    @_query(m.ListUsers)
    def _list_users(self, msg: m.ListUsers) -> list[dict]:
        return q.list_users()

    @_query(m.UpdateUserEmail)
    def _update_user_email(self, msg: m.UpdateUserEmail) -> None:
        if not q.set_email(msg.user_id, msg.email):
            raise NotFound.of("user", msg.user_id)

    @_query(m.SetPasswordHash)
    def _set_password_hash(self, msg: m.SetPasswordHash) -> None:
        if not q.set_password_hash(msg.user_id, msg.password_hash):
            raise NotFound.of("user", msg.user_id)

    @_query(m.DeleteUser)
    def _delete_user(self, msg: m.DeleteUser) -> None:
        if not q.delete_user(msg.user_id):
            raise NotFound.of("user", msg.user_id)

    @_query(m.SetUserRole)
    def _set_user_role(self, msg: m.SetUserRole) -> None:
        if not q.set_role(msg.user_id, msg.role, msg.role == roles.ADMIN):
            raise NotFound.of("user", msg.user_id)

    @_query(m.RecordLogin)
    def _record_login(self, msg: m.RecordLogin) -> lockout.AttemptOutcome | None:
        stored = q.login_state(msg.user_id)
        if stored is None:
            return None
        stored_client = q.client_login_state(msg.user_id, msg.client)
        account, client, outcome = lockout.after_attempt(
            lockout.LoginState(*stored), lockout.LoginState(*stored_client), msg.password_ok, msg.now, msg.limits)
        if (account.failures, account.locked_until) != stored:
            q.set_login_state(msg.user_id, account.failures, account.locked_until)
        if (client.failures, client.locked_until) != stored_client:
            q.set_client_login_state(msg.user_id, msg.client, client.failures, client.locked_until, msg.now)
        return outcome

    @_query(m.ExpireLockouts)
    def _expire_lockouts(self, msg: m.ExpireLockouts) -> tuple[list[tuple[str, str | None]], float | None]:
        return q.expire_locks(msg.now, msg.forget_before)

    @_query(m.UnlockUser)
    def _unlock_user(self, msg: m.UnlockUser) -> bool:
        was_locked = q.unlock_user(msg.user_id)
        if was_locked is None:
            raise NotFound.of("user", msg.user_id)
        return was_locked

    @_query(m.RehashPassword)
    def _rehash_password(self, msg: m.RehashPassword) -> None:
        q.replace_password_hash(msg.user_id, msg.old_hash, msg.new_hash)

    @_query(m.GetSession)
    def _get_session(self, msg: m.GetSession) -> dict | None:
        return q.session_user(msg.token_hash, msg.now, msg.idle_s)

    @handles(m.CreateToken)
    def _create_token(self, msg: m.CreateToken) -> dict:
        try:
            with self._db.atomic():
                if q.get_user(msg.user_id) is None:
                    raise NotFound.of("user", msg.user_id)
                return q.create_token(msg.token_id, msg.user_id, msg.name, msg.secret_hash,
                                      msg.created_at, msg.expires_at)
        except pw.IntegrityError:
            raise Conflict(f"a token named {msg.name!r} already exists",
                           {"name": ["You already have a token with this name."]}) from None

    @_query(m.ListTokens)
    def _list_tokens(self, msg: m.ListTokens) -> list[dict]:
        return q.list_tokens(msg.user_id)

    @_query(m.DeleteToken)
    def _delete_token(self, msg: m.DeleteToken) -> None:
        if not q.delete_token(msg.user_id, msg.token_id):
            raise NotFound.of("token", msg.token_id)

    @_query(m.GetTokenUser)
    def _get_token_user(self, msg: m.GetTokenUser) -> dict | None:
        found = q.token_row(msg.token_id)
        if found is None:
            return None
        token, user, stored_hash = found
        if not api_tokens.secret_matches(msg.secret_hash, stored_hash):
            return None
        if token["expires_at"] is not None and token["expires_at"] <= msg.now:
            return None
        q.touch_token(msg.token_id, msg.now)
        return {"user": user, "expires_at": token["expires_at"]}

    @_query(m.ListKeys)
    def _list_keys(self, msg: m.ListKeys) -> list[dict]:
        return q.list_keys()

    @_query(m.GetKey)
    def _get_key(self, msg: m.GetKey) -> dict | None:
        return q.get_key(msg.minion_id)

    @_query(m.LoadKeys)
    def _load_keys(self, msg: m.LoadKeys) -> list[dict]:
        return q.load_keys()

    @_query(m.LoadRequests)
    def _load_requests(self, msg: m.LoadRequests) -> list[dict]:
        def skip(request_id, exc):
            log.error("store: request id=%r has undecodable data: %s", request_id, exc)
        return q.load_requests(on_bad_row=skip)

    @handles(m.Flush)
    def _flush(self, msg: m.Flush) -> None:
        return None
