"""DaemonApi: the actors.api.Api the web tier calls. Every method returns a Future at once."""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from actors import passwords
from actors.base import ask
from actors.futures import done, failed, then
from actors.errors import NotFound, Unavailable
from actors.facade_accounts import AccountsMixin, valid_user_id
from actors.facade_changes import ChangesMixin
from actors.messages import (ClusterQuery, GetClusterServer, GetServer, GetServerGrains,
                             ListClusterServers, ListServers)
from actors.request_messages import GetRequest, ListRequests
from actors.store_messages import (DeleteSession, GetKey, GetSession, GetUser, GetUserByName,
                                   ListEvents, ListKeys, ListUsers, SaveSession)

SESSION_LIFETIME_S = 14 * 24 * 3600
MAX_LOGINS_IN_PROGRESS = 16
SESSION_CACHE_S = 30.0   # a session seen valid is trusted this long without asking the store


class DaemonApi(ChangesMixin, AccountsMixin):
    def __init__(self, dispatcher, directory, store, tracker, *, call_timeout_s: float = 3.0, clock=time.time):
        self.dispatcher = dispatcher
        self.directory = directory
        self.store = store
        self.tracker = tracker
        self.call_timeout_s = call_timeout_s
        self.clock = clock
        # The password KDF is deliberately slow: it runs here, off the event loop and the actors.
        self._kdf = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kdf")
        self._kdf_lock = threading.Lock()
        self._kdf_pending = 0
        # token hash -> (user, trusted until): every request is authenticated, most from here.
        # Entries are written from the store's thread and read on the loop: single dict operations.
        self._sessions: dict[str, tuple[dict, float]] = {}

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
        return self._with_cluster(fsid, lambda ref: ask(ref, lambda r: ClusterQuery(name, params, r)))

    # --- servers ------------------------------------------------------------------------------
    def list_servers(self) -> Future:
        return ask(self.directory, ListServers)

    def get_server(self, fqdn: str) -> Future:
        return ask(self.directory, lambda r: GetServer(fqdn, r))

    def get_server_grains(self, fqdn: str) -> Future:
        return ask(self.directory, lambda r: GetServerGrains(fqdn, r))

    # --- events and requests --------------------------------------------------------------------
    def list_events(self, *, fsid, fqdn, max_severity, offset, limit) -> Future:
        page = lambda _=None: ask(self.store, lambda r: ListEvents(fsid, fqdn, max_severity, offset, limit, r))  # noqa: E731
        if fsid is not None:
            return self._with_cluster(fsid, page)
        if fqdn is not None:
            return then(self.get_server(fqdn), page)   # NotFound for an unknown server
        return page()

    def list_requests(self, *, fsid, state, offset, limit) -> Future:
        page = lambda _=None: ask(self.tracker, lambda r: ListRequests(fsid, state, offset, limit, r))  # noqa: E731
        return page() if fsid is None else self._with_cluster(fsid, page)

    def get_request(self, request_id: str) -> Future:
        return ask(self.tracker, lambda r: GetRequest(request_id, r))

    # --- users and sessions -----------------------------------------------------------------------
    def authenticate(self, username: str, password: str) -> Future:
        # A flood of logins must not queue without bound behind the slow KDF (real users would
        # then time out): past a few checks in progress, answer 503 at once.
        with self._kdf_lock:
            if self._kdf_pending >= MAX_LOGINS_IN_PROGRESS:
                return failed(Unavailable("Too many logins in progress; try again shortly"))
            self._kdf_pending += 1

        def check(user):
            if user is None:
                # Same cost as a real check, so timing does not reveal which usernames exist.
                return self._kdf.submit(_burn_equal_time, password)
            return self._kdf.submit(lambda: _public(user) if passwords.verify_password(password, user["password_hash"])
                                    else None)
        result = then(ask(self.store, lambda r: GetUserByName(username, r)), check)
        result.add_done_callback(self._login_finished)
        return result

    def _login_finished(self, _future) -> None:
        with self._kdf_lock:
            self._kdf_pending -= 1

    def create_session(self, user_id: int) -> Future:
        token = passwords.new_token()
        now = self.clock()
        self.store.tell(SaveSession(passwords.token_hash(token), user_id, now, now + SESSION_LIFETIME_S))
        return done(token)

    def session_user(self, token: str) -> Future:
        key, now = passwords.token_hash(token), self.clock()
        cached = self._sessions.get(key)
        if cached is not None and cached[1] > now:
            return done(cached[0])

        def remember(user):
            if not user:
                self._sessions.pop(key, None)
                return None
            public = _public(user)
            self._sessions[key] = (public, now + SESSION_CACHE_S)
            return public
        return then(ask(self.store, lambda r: GetSession(key, now, r)), remember)

    def end_session(self, token: str) -> Future:
        key = passwords.token_hash(token)
        self._sessions.pop(key, None)
        self.store.tell(DeleteSession(key))
        return done(None)

    def list_users(self) -> Future:
        return then(ask(self.store, ListUsers), lambda users: [_public(u) for u in users])

    def get_user(self, user_id: int) -> Future:
        if not valid_user_id(user_id):
            return failed(NotFound.of("user", user_id))

        def found(user):
            if user is None:
                raise NotFound.of("user", user_id)
            return _public(user)
        return then(ask(self.store, lambda r: GetUser(user_id, r)), found)

    # --- keys ----------------------------------------------------------------------------------
    def list_keys(self) -> Future:
        return ask(self.store, ListKeys)

    def get_key(self, minion_id: str) -> Future:
        def found(key):
            if key is None:
                raise NotFound.of("key", minion_id)
            return key
        return then(ask(self.store, lambda r: GetKey(minion_id, r)), found)


def _public(user: dict) -> dict:
    return {"id": user["id"], "username": user["username"], "email": user.get("email") or "",
            "is_admin": bool(user.get("is_admin"))}


_DUMMY_HASH: list[str] = []  # made on first use: hashing at import would slow every start-up


def _burn_equal_time(password: str) -> None:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(passwords.hash_password("not a real password"))
    passwords.verify_password(password, _DUMMY_HASH[0])
    return None
