"""DaemonApi: the actors.facade.api.Api the web tier calls. Every method returns a Future at once."""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

from actors.accounts.auth_settings import AuthSettings
from actors.runtime.base import ask
from actors.runtime.futures import done, failed, then
from actors.errors import NotFound
from actors.facade.accounts import AccountsMixin, valid_user_id
from actors.facade.changes import ChangesMixin
from actors.facade.keys import KeysMixin
from actors.facade.sessions import SessionsMixin
from actors.facade.tokens import TokensMixin
from actors.messages import (ClusterQuery, GetClusterServer, GetServer, GetServerGrains,
                             ListClusterServers, ListServers, ListServersPage)
from actors.requests.messages import GetRequest, ListRequests
from actors.accounts.roles import public_user
from actors.storage.messages import GetUser, ListEvents, ListUsers


class DaemonApi(ChangesMixin, AccountsMixin, SessionsMixin, TokensMixin, KeysMixin):
    def __init__(self, dispatcher, directory, store, tracker, *, call_timeout_s: float = 3.0, clock=time.time,
                 auth: AuthSettings | None = None, keyring=None, events=None):
        """events: the EventReader (actors/storage/event_reader.py) that lists events; None: the store."""
        self.dispatcher = dispatcher
        self.keyring = keyring   # actors.keys.keyring.KeyRing (facade_keys.py)
        self.directory = directory
        self.store = store
        self.events = store if events is None else events
        self.tracker = tracker
        self.call_timeout_s = call_timeout_s
        self.clock = clock
        self._cli_signatures: dict = {}   # fsid -> (Signatures, when fetched): facade_changes.py
        # The password KDF is deliberately slow: it runs here, off the event loop and the actors.
        self._kdf = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kdf")
        self._init_sessions(auth)   # session/token cache, lockout policy (facade_sessions.py)

    def close(self) -> None:
        self._kdf.shutdown(wait=False, cancel_futures=True)

    # --- clusters ---------------------------------------------------------------------------
    def list_clusters(self) -> Future:
        return done(self.dispatcher.cluster_summaries())

    def cluster_query(self, fsid: str, name: str, /, **params) -> Future:
        if name == "servers":   # the directory knows where a cluster's services run
            return self._with_cluster(fsid, lambda _: ask(self.directory, lambda r: ListClusterServers(fsid, r)))
        if name == "server":
            return self._with_cluster(fsid, lambda _: ask(
                self.directory, lambda r: GetClusterServer(fsid, params["fqdn"], r)))
        cache = self.dispatcher.query_cache(fsid)
        answer = cache.published_answer(name, params) if cache is not None else None
        if answer is not None:   # kept for the current map version: no trip through the actor
            return done(answer)
        return self._with_cluster(fsid, lambda ref: ask(ref, lambda r: ClusterQuery(name, params, r)))

    # --- servers ------------------------------------------------------------------------------
    def list_servers(self) -> Future:
        return ask(self.directory, ListServers)

    def list_servers_page(self, offset: int, limit: int) -> Future:
        """(count, JsonBytes of that slice of the servers by FQDN)."""
        return ask(self.directory, lambda r: ListServersPage(offset, limit, r))

    def get_server(self, fqdn: str) -> Future:
        return ask(self.directory, lambda r: GetServer(fqdn, r))

    def get_server_grains(self, fqdn: str) -> Future:
        return ask(self.directory, lambda r: GetServerGrains(fqdn, r))

    # --- events and requests --------------------------------------------------------------------
    def list_events(self, *, fsid, fqdn, max_severity, offset, limit) -> Future:
        page = lambda _=None: ask(self.events, lambda r: ListEvents(fsid, fqdn, max_severity, offset, limit, r))  # noqa: E731
        if fsid is not None:
            return self._with_cluster(fsid, page)
        if fqdn is not None:
            return then(self.get_server(fqdn), page)   # NotFound for an unknown server
        return page()

    def list_requests(self, *, fsid, state, offset, limit) -> Future:
        page = lambda _=None: self._durable(ask(self.tracker, lambda r: ListRequests(fsid, state, offset, limit, r)))  # noqa: E731
        return page() if fsid is None else self._with_cluster(fsid, page)

    def get_request(self, request_id: str) -> Future:
        return self._durable(ask(self.tracker, lambda r: GetRequest(request_id, r)))

    # --- users ----------------------------------------------------------------------------------------
    def list_users(self) -> Future:
        return then(ask(self.store, ListUsers), lambda users: [public_user(u) for u in users])

    def get_user(self, user_id: int) -> Future:
        if not valid_user_id(user_id):
            return failed(NotFound.of("user", user_id))

        def found(user):
            if user is None:
                raise NotFound.of("user", user_id)
            return public_user(user)
        return then(ask(self.store, lambda r: GetUser(user_id, r)), found)

