"""DaemonApi: the actors.facade.api.Api the web tier calls. Every method returns a Future at once.

It is a composition: each concern is a small class given exactly the collaborators it uses
(reads.py, changes.py, agent_calls.py, accounts.py, logins.py, sessions.py, tokens.py, audit.py,
keys.py), and the Api's methods are theirs, bound here (so a call costs no extra hop).
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pykka

from actors.accounts.auth_cache import AuthCache
from actors.accounts.auth_settings import AuthSettings
from actors.context import CALL_TIMEOUT_S
from actors.facade.accounts import Accounts
from actors.facade.agent_calls import AgentCalls
from actors.facade.audit import AuditTrail
from actors.facade.base import Clusters, emitter
from actors.facade.changes import Changes
from actors.requests.previews import Previews
from actors.facade.fleet import Fleet
from actors.facade.guardrails import GuardrailSettings
from actors.facade.keys import Keys
from actors.facade.logins import Logins
from actors.facade.reads import Reads
from actors.facade.sessions import Sessions
from actors.facade.tokens import Tokens
from actors.keys.keyring import KeyRing
from actors.notices import CredentialsEnded, Notices


class DaemonApi:
    def __init__(self, clusters: Clusters | None, directory: pykka.ActorRef | None, store: pykka.ActorRef,
                 tracker: pykka.ActorRef | None, *, eventer: pykka.ActorRef | None = None,
                 keyring: KeyRing | None = None, events: pykka.ActorRef | None = None,
                 history: pykka.ActorRef | None = None,
                 auth: AuthSettings | None = None, call_timeout_s: float = CALL_TIMEOUT_S, clock=time.time,
                 bus_stats=None, heartbeat_s: float = 10.0, server_late_s: float = 30.0,
                 notices: Notices | None = None, readiness: Callable[[], list[str]] | None = None):
        """clusters: the Dispatcher (actors/dispatch/dispatcher.py); eventer: where events go;
        keyring: the bus's gate (None: keys change in the store only); events: the EventReader
        (actors/storage/event_reader.py) that lists events, None: the store; history: the one
        reading time series, None: the same as events; auth: session
        limits and lockout policy; call_timeout_s: one agent's time in a synchronous call;
        bus_stats() -> the bus's counters, None: no bus; heartbeat_s: the raw history's step;
        server_late_s: when GET fleet counts a server late (Timings.server_late_s); notices: what the
        actors tell has happened (actors/notices.py), which the live stream follows (`self.notices`);
        readiness() -> why the daemon is not ready, [] when it is (actors/facade/readiness.py),
        None: always ready. Unit tests leave out what they do not use."""
        auth = auth or AuthSettings()
        emit = emitter(eventer)
        self.notices = notices or Notices()
        # Shared: a changed account or revoked token leaves it at once, and open streams hear of it.
        auth_cache = AuthCache(on_drop=lambda reason: self.notices.publish(CredentialsEnded(reason)))
        # The password KDF is deliberately slow: it runs here, off the event loop and the actors.
        self._kdf = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kdf")
        reads = Reads(clusters, directory, store, store if events is None else events, tracker,
                      history=history, heartbeat_s=heartbeat_s, clock=clock)
        calls = AgentCalls(clusters, directory, clock, call_timeout_s)
        previews = Previews(calls.run_cli, reads.cluster_query)
        changes = Changes(clusters, directory, store, tracker, previews)
        guardrails = GuardrailSettings(clusters, store)
        self._logins = Logins(store, self._kdf, emit, clock, auth)
        accounts = Accounts(store, self._kdf, auth_cache, self._logins.record_login, emit, clock)
        sessions = Sessions(store, auth_cache, clock, auth)
        tokens = Tokens(store, auth_cache, clock)
        self._audit = AuditTrail(emit, clock)
        self._keys = Keys(store, keyring, eventer, clock, bus_stats)
        self._clock = clock

        self.list_clusters, self.cluster_query = reads.list_clusters, reads.cluster_query
        self.cluster_etag = reads.cluster_etag
        self.list_servers, self.list_servers_page = reads.list_servers, reads.list_servers_page
        self.get_server, self.get_server_grains = reads.get_server, reads.get_server_grains
        self.list_events, self.list_requests, self.get_request = reads.list_events, reads.list_requests, reads.get_request
        self.list_users, self.get_user = reads.list_users, reads.get_user
        fleet = Fleet(clusters, server_late_s, clock)
        self.fleet_page = fleet.fleet_page
        self.server_states = fleet.server_states   # the metrics' managed and late agents
        self.cluster_history = reads.cluster_history

        self.create, self.update, self.delete = changes.create, changes.update, changes.delete
        self.osd_command, self.replace_crush_map = changes.osd_command, changes.replace_crush_map
        self.debug_job, self.cancel_request = changes.debug_job, changes.cancel_request
        self.revert, self.list_changes = changes.revert, reads.list_changes
        self.osd_checks = previews.osd_checks   # (fsid, Plan) -> Future of ok-to-stop/safe-to-destroy checks
        self.delete_cluster, self.delete_server = changes.delete_cluster, changes.delete_server
        self.get_guardrails, self.set_guardrails = guardrails.get_guardrails, guardrails.set_guardrails

        self.cli_signatures, self.run_cli = calls.cli_signatures, calls.run_cli
        self.cluster_log, self.server_logs, self.server_log = calls.cluster_log, calls.server_logs, calls.server_log

        self.authenticate, self.login_subject = self._logins.authenticate, self._logins.login_subject
        self.create_session, self.session_user = sessions.create_session, sessions.session_user
        self.end_session, self.token_user = sessions.end_session, sessions.token_user
        self.create_user, self.update_user = accounts.create_user, accounts.update_user
        self.unlock_user, self.delete_user = accounts.unlock_user, accounts.delete_user
        self.list_tokens, self.create_token, self.revoke_token = tokens.list_tokens, tokens.create_token, tokens.revoke_token
        self.record_audit = self._audit.record_audit

        self.list_keys, self.get_key = self._keys.list_keys, self._keys.get_key
        self.update_key, self.delete_key = self._keys.update_key, self._keys.delete_key
        self.bus_stats = self._keys.bus_stats
        self.readiness = readiness or list

    def tick(self) -> None:
        """On the ticker thread: summaries of refused anonymous writes, then lockouts run out."""
        now = self._clock()
        self._audit.summarize(now)
        self._logins.sweep(now)

    def close(self) -> None:
        self._kdf.shutdown(wait=False, cancel_futures=True)
