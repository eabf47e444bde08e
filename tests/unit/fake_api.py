"""A FakeApi for web tests: every method records its call and returns a Future that is already
complete (canned data or a DomainError), or one that never completes (`hang`).

`cluster_query` answers an echo of what it was asked ({"query", "fsid", "params"}) unless
`cluster_data` has a canned value, so a test can prove each route reaches the right query with
the right parameters. It takes only a Query member (a bare string is a TypeError, as the write
methods take only a ChangeKind), so no route can name a read or a change by a string.

The write methods (the 202 workflow, forgetting, agent calls, keys, users) answer canned values:
a fresh {"request_id"} per change, unless `canned[method name]` holds another answer (None for a
no-op -> 304). Unknown clusters, servers, keys, users and requests fail as the Api would.
"""
from __future__ import annotations

from concurrent.futures import Future

from actors.cluster.queries import Query
from actors.json_bytes import JsonBytes
from actors.messages import ChangeKind
from actors.facade.cli.signatures import Signatures
from actors.errors import Forbidden, Invalid, NotFound, Unavailable
from actors.notices import Notices
from actors.requests.messages import RequestFilter
from sim.commands.table import command_descriptions

FSID = "dce20d46-f010-4883-988c-4a6d8bd15793"
SYNCING_FSID = "0000aaaa-1111-2222-3333-444455556666"    # known, maps not arrived -> 503

ADMIN = {"id": 1, "username": "admin", "email": "admin@example.com", "role": "admin"}
OTHER = {"id": 2, "username": "default", "email": "default@localhost.localdomain", "role": "operator"}
VIEWER = {"id": 9, "username": "viewer", "email": "", "role": "read-only"}
PASSWORDS = {"admin": "secret", "default": "other", "viewer": "viewer-pw"}


def done(value=None, error: BaseException | None = None) -> Future:
    future: Future = Future()
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
    return future


class FakeApi:
    def __init__(self):
        self.calls: list[tuple[str, tuple, dict]] = []
        self.fail: dict[str, BaseException] = {}        # method name -> error to answer with
        self.hang: set[str] = set()                    # method names whose Future never completes
        self.cluster_data: dict[str, object] = {}
        self.cluster_versions: dict[str, str] = {}    # Query -> its version tag (else unversioned)
        self.events: list[dict] = []                   # newest first, as the Api orders them
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}               # bearer token -> user
        self.audits: list[tuple[tuple, dict]] = []      # record_audit calls
        self.users = {ADMIN["id"]: ADMIN, OTHER["id"]: OTHER}     # role tests add VIEWER
        self.clusters = [{"update_time": "2014-11-06T21:15:15.168126+00:00", "id": FSID,
                          "name": "ceph_fake"}]
        self.servers = [{"fqdn": "figment000.cluster0.com", "hostname": "figment000",
                         "managed": True, "services": []}]
        self.keys = [{"id": "figment000.cluster0.com", "status": "accepted"},
                     {"id": "figment001.cluster0.com", "status": "pre"},
                     {"id": "figment002.cluster0.com", "status": "pre"}]
        self.canned: dict[str, object] = {}            # method name -> answer instead of default
        self.notices = Notices()                       # a test publishes; the live stream listens
        self.request_ids = 0

    def _answer(self, name: str, args: tuple, kwargs: dict, compute) -> Future:
        self.calls.append((name, args, kwargs))
        if name in self.hang:
            return Future()
        if name in self.fail:
            return done(error=self.fail[name])
        try:
            return done(compute())
        except Exception as exc:  # noqa: BLE001 - a DomainError becomes a failed Future
            return done(error=exc)

    def called(self, name: str) -> list[tuple[tuple, dict]]:
        return [(a, k) for n, a, k in self.calls if n == name]

    def _canned(self, name: str, args: tuple, compute) -> Future:
        """Answer `canned[name]` when set (after `compute`'s checks), else `compute()`."""
        def answer():
            value = compute()
            return self.canned[name] if name in self.canned else value
        return self._answer(name, args, {}, answer)

    def _cluster(self, fsid):
        if fsid == SYNCING_FSID:
            raise Unavailable(f"Cluster {fsid} has no reachable mon")
        if fsid != FSID:
            raise NotFound.of("cluster", fsid)

    def _new_request(self):
        self.request_ids += 1
        return {"request_id": f"request-{self.request_ids}"}

    # clusters ---------------------------------------------------------------------------
    def list_clusters(self):
        return self._answer("list_clusters", (), {}, lambda: self.clusters)

    def cluster_query(self, fsid, name, /, **params):
        if not isinstance(name, Query):
            raise TypeError(f"cluster_query takes a Query member, not {name!r}")

        def compute():
            if fsid == SYNCING_FSID:
                raise Unavailable(f"Cluster {fsid} has not reported its maps yet")
            if fsid != FSID:
                raise NotFound.of("cluster", fsid)
            if name in self.cluster_data:
                return self.cluster_data[name]
            return {"query": name, "fsid": fsid, "params": params}
        return self._answer("cluster_query", (fsid, name), params, compute)

    def cluster_etag(self, fsid, name, /, **params):
        version = self.cluster_versions.get(name)
        return None if version is None else f"{version}:{fsid}:{sorted(params.items())!r}"

    def cluster_history(self, fsid, series, from_t, to_t):
        def compute():
            self._cluster(fsid)
            return {"step_s": 10.0, "series": {name: [] for name in series}}
        return self._answer("cluster_history", (fsid, tuple(series), from_t, to_t), {}, compute)

    def fleet_page(self, *, ordering, health, offset, limit):
        rows = [{"fsid": FSID, "name": "ceph", "health": "HEALTH_OK"}]
        page = lambda: (len(rows), JsonBytes(json.dumps(rows[offset:offset + limit]).encode()))  # noqa: E731
        return self._answer("fleet_page", (), {"ordering": ordering, "health": health, "offset": offset,
                                               "limit": limit}, page)

    # servers ------------------------------------------------------------------------------
    def list_servers(self):
        return self._answer("list_servers", (), {}, lambda: self.servers)

    def list_servers_page(self, offset, limit):
        page = lambda: (len(self.servers), JsonBytes(json.dumps(self.servers[offset:offset + limit]).encode()))  # noqa: E731
        return self._answer("list_servers_page", (offset, limit), {}, page)

    def _server(self, fqdn):
        for server in self.servers:
            if server["fqdn"] == fqdn:
                return server
        raise NotFound.of("server", fqdn)

    def get_server(self, fqdn):
        return self._answer("get_server", (fqdn,), {}, lambda: self._server(fqdn))

    def get_server_grains(self, fqdn):
        return self._answer("get_server_grains", (fqdn,), {},
                            lambda: {"fqdn": self._server(fqdn)["fqdn"], "kernel": "Linux"})

    # events and requests ------------------------------------------------------------------
    def list_events(self, *, fsid, fqdn, max_severity, offset, limit):
        def compute():
            if fsid is not None and fsid != FSID:
                raise NotFound.of("cluster", fsid)
            rows = [e for e in self.events if e["severity"] <= max_severity]
            return len(rows), rows[offset:offset + limit]
        return self._answer("list_events", (), dict(fsid=fsid, fqdn=fqdn,
                            max_severity=max_severity, offset=offset, limit=limit), compute)

    def list_requests(self, *, fsid, state, offset, limit, where=None):
        def compute():
            rows = [r for r in self.requests if state is None or r["state"] == state]
            return len(rows), rows[offset:offset + limit]
        filters = {} if where is None or where == RequestFilter() else {"where": where}
        return self._answer("list_requests", (), dict(fsid=fsid, state=state, offset=offset,
                            limit=limit, **filters), compute)

    def list_changes(self, fsid, offset, limit):
        def compute():
            self._cluster(fsid)
            return 0, []
        return self._answer("list_changes", (fsid,), dict(offset=offset, limit=limit), compute)

    def get_request(self, request_id):
        def compute():
            for request in self.requests:
                if request["id"] == request_id:
                    return request
            raise NotFound.of("request", request_id)
        return self._answer("get_request", (request_id,), {}, compute)

    # changes: the 202 workflow -----------------------------------------------------------------
    def _change(self, name, fsid, args, kind=None):
        if kind is not None and not isinstance(kind, ChangeKind):
            raise TypeError(f"{name} takes a ChangeKind member, not {kind!r}")

        def compute():
            self._cluster(fsid)
            return self._new_request()
        return self._canned(name, (fsid, *args), compute)

    # `options` (?dry_run, ?force) is not recorded: the canned answers are the 202 workflow's
    def create(self, fsid, kind, attrs, user, /, options=None):
        return self._change("create", fsid, (kind, attrs, user), kind)

    def update(self, fsid, kind, ident, attrs, user, /, options=None):
        return self._change("update", fsid, (kind, ident, attrs, user), kind)

    def delete(self, fsid, kind, ident, user, /, options=None):
        return self._change("delete", fsid, (kind, ident, user), kind)

    def osd_command(self, fsid, osd_id, command, user, options=None):
        return self._change("osd_command", fsid, (osd_id, command, user))

    def replace_crush_map(self, fsid, text, user, options=None):
        return self._change("replace_crush_map", fsid, (text, user))

    def debug_job(self, fqdn, cmd, args, user, options=None):
        def compute():
            self._server(fqdn)
            return self._new_request()
        return self._canned("debug_job", (fqdn, cmd, args, user), compute)

    def cancel_request(self, request_id):
        def compute():
            for i, request in enumerate(self.requests):
                if request["id"] == request_id:
                    self.requests[i] = {**request, "state": "complete", "error": True,
                                        "error_message": "Cancelled"}
                    return self.requests[i]
            raise NotFound.of("request", request_id)
        return self._canned("cancel_request", (request_id,), compute)

    def revert(self, request_id, user, options=None):
        def compute():
            if not any(request["id"] == request_id for request in self.requests):
                raise NotFound.of("request", request_id)
            return self._new_request()
        return self._canned("revert", (request_id, user), compute)

    # forgetting -------------------------------------------------------------------------------
    def delete_cluster(self, fsid):
        def compute():
            if fsid not in (FSID, SYNCING_FSID):
                raise NotFound.of("cluster", fsid)
        return self._canned("delete_cluster", (fsid,), compute)

    def delete_server(self, fqdn):
        return self._canned("delete_server", (fqdn,),
                            lambda: self.servers.remove(self._server(fqdn)))

    # synchronous calls to agents ----------------------------------------------------------------
    def cli_signatures(self, fsid):
        def compute():
            self._cluster(fsid)
            return Signatures.from_descriptions(command_descriptions())   # the simulator's table
        return self._canned("cli_signatures", (fsid,), compute)

    def run_cli(self, fsid, command):
        def compute():
            self._cluster(fsid)
            return {"out": f"ran: {command['prefix']}", "err": "", "status": 0}
        return self._canned("run_cli", (fsid, command), compute)

    def cluster_log(self, fsid, lines):
        def compute():
            self._cluster(fsid)
            return {"lines": f"{lines} lines of the cluster log"}
        return self._canned("cluster_log", (fsid, lines), compute)

    def server_logs(self, fqdn):
        def compute():
            self._server(fqdn)
            return ["ceph/ceph-osd.0.log", "ceph/ceph.log", "messages"]
        return self._canned("server_logs", (fqdn,), compute)

    def server_log(self, fqdn, path, lines):
        def compute():
            self._server(fqdn)
            return {"lines": f"{lines} lines of {path}"}
        return self._canned("server_log", (fqdn, path, lines), compute)

    # users and sessions ---------------------------------------------------------------------
    def authenticate(self, username, password, client=""):
        def compute():
            for user in self.users.values():
                if user["username"] == username and PASSWORDS.get(username) == password:
                    return user
            return None
        return self._answer("authenticate", (username, password), {}, compute)

    def login_subject(self, username):
        known = any(user["username"] == username for user in self.users.values())
        return done(username if known else f"unknown user #{username}")

    def create_session(self, user_id):
        def compute():
            token = f"token-{len(self.sessions) + 1}-{user_id}"
            self.sessions[token] = self.users[user_id]
            return token
        return self._answer("create_session", (user_id,), {}, compute)

    def session_user(self, token):
        return self._answer("session_user", (token,), {}, lambda: self.sessions.get(token))

    def end_session(self, token):
        return self._answer("end_session", (token,), {}, lambda: self.sessions.pop(token, None)
                            and None)

    def token_user(self, token):
        return self._answer("token_user", (token,), {}, lambda: self.tokens.get(token))

    def record_audit(self, who, method, path, status, **kwargs):
        self.audits.append(((who, method, path, status), kwargs))   # not in calls: every write makes one
        return done(None)

    def list_users(self):
        return self._answer("list_users", (), {}, lambda: list(self.users.values()))

    def get_user(self, user_id):
        def compute():
            if user_id not in self.users:
                raise NotFound.of("user", user_id)
            return self.users[user_id]
        return self._answer("get_user", (user_id,), {}, compute)

    # agent keys and the bus ---------------------------------------------------------------------
    def bus_stats(self):
        return self._answer("bus_stats", (), {}, lambda: {"received": 7, "dropped_flood": 2})

    def list_keys(self):
        return self._answer("list_keys", (), {}, lambda: self.keys)

    def get_key(self, minion_id):
        def compute():
            for key in self.keys:
                if key["id"] == minion_id:
                    return key
            raise NotFound.of("key", minion_id)
        return self._answer("get_key", (minion_id,), {}, compute)

    def _key(self, minion_id):
        for key in self.keys:
            if key["id"] == minion_id:
                return key
        raise NotFound.of("key", minion_id)

    def update_key(self, minion_id, status):
        def compute():
            key = self._key(minion_id)
            if key["status"] != "pre":
                raise Invalid(f"Invalid status for key {minion_id}",
                              {"status": [f"Transition {key['status']}->{status} is invalid"]})
            key["status"] = status
        return self._canned("update_key", (minion_id, status), compute)

    def delete_key(self, minion_id):
        return self._canned("delete_key", (minion_id,),
                            lambda: self.keys.remove(self._key(minion_id)))

    # user management -----------------------------------------------------------------------------
    def _user(self, user_id):
        if user_id not in self.users:
            raise NotFound.of("user", user_id)
        return self.users[user_id]

    def create_user(self, attrs, actor):
        def compute():
            user_id = max(self.users) + 1
            self.users[user_id] = {"id": user_id, "username": attrs.get("username"),
                                   "email": attrs.get("email")}
            return self.users[user_id]
        return self._canned("create_user", (attrs, actor), compute)

    def update_user(self, user_id, attrs, actor, client=""):
        def compute():
            user = self._user(user_id)
            if actor["id"] != user_id:
                raise Forbidden("Permission denied")
            self.users[user_id] = {**user, **{k: v for k, v in attrs.items()
                                              if k in ("username", "email")}}
            return self.users[user_id]
        return self._canned("update_user", (user_id, attrs, actor), compute)

    def unlock_user(self, user_id, actor):
        return self._canned("unlock_user", (user_id, actor), lambda: self._user(user_id) and None)

    def delete_user(self, user_id, actor):
        return self._canned("delete_user", (user_id, actor),
                            lambda: self.users.pop(self._user(user_id)["id"]) and None)

    # API tokens ------------------------------------------------------------------------------------
    def list_tokens(self, user_id, actor):
        return self._canned("list_tokens", (user_id, actor), lambda: [
            {"id": "0123456789ab", "name": "ci", "created_at": "2024-01-01T00:00:00+00:00",
             "expires_at": None, "last_used_at": None, "expired": False}])

    def create_token(self, user_id, attrs, actor):
        def compute():
            self._user(user_id)
            return {"id": "0123456789ab", "name": attrs.get("name"), "token": "cal_0123456789ab_secret"}
        return self._canned("create_token", (user_id, attrs, actor), compute)

    def revoke_token(self, user_id, token_id, actor):
        def compute():
            self._user(user_id)
            if token_id != "0123456789ab":
                raise NotFound.of("token", token_id)
        return self._canned("revoke_token", (user_id, token_id, actor), compute)


# --------------------------------------------------------------------------------------------
# An AsyncHTTPTestCase over make_app(FakeApi) with a tiny cookie jar (fetch keeps no cookies).

import json  # noqa: E402
from http.cookies import SimpleCookie  # noqa: E402

from tornado.testing import AsyncHTTPTestCase  # noqa: E402

from web.app import WebSettings, make_app  # noqa: E402

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class WebTestCase(AsyncHTTPTestCase):
    ask_timeout_s = 5.0
    login_first = True      # most tests exercise resources, not the login flow
    login_failure_delay_s = 0.0

    def get_app(self):
        self.api = FakeApi()
        self.jar: dict[str, str] = {}
        self.web_settings = WebSettings(
            cookie_secret=b"test-cookie-secret-0123456789abcdef", hostname="calamari",
            fqdn="calamari.example.com", ipaddr="192.0.2.10", version="1.2.3",
            ask_timeout_s=self.ask_timeout_s, login_failure_delay_s=self.login_failure_delay_s,
            grains={"kernel": "Linux", "fqdn": "calamari.example.com"},
            public_url=f"http://127.0.0.1:{self.get_http_port()}")
        return make_app(self.api, settings=self.web_settings)

    def setUp(self):
        super().setUp()
        if self.login_first:
            self.login()

    # requests ------------------------------------------------------------------------------
    def call(self, method: str, path: str, *, body=None, json_body=None, headers=None,
             xsrf: bool = True):
        headers = dict(headers or {})
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        if xsrf and method in UNSAFE and "XSRF-TOKEN" in self.jar:
            headers["X-XSRF-TOKEN"] = self.jar["XSRF-TOKEN"]
        if json_body is not None:
            body = json.dumps(json_body)
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = ""
        if body is not None:     # a JSON client's default; tests of other media types say theirs
            headers.setdefault("Content-Type", "application/json")
        response = self.fetch(path, method=method, body=body, headers=headers,
                              allow_nonstandard_methods=True, follow_redirects=False)
        self.last_cookies = self._store(response)
        return response

    def get(self, path: str, **kw):
        return self.call("GET", path, **kw)

    def _store(self, response) -> SimpleCookie:
        cookies = SimpleCookie()
        for header in response.headers.get_list("Set-Cookie"):
            cookies.load(header)
        for name, morsel in cookies.items():
            if not morsel.value:                 # cleared: empty value, expiry in the past
                self.jar.pop(name, None)
            else:
                self.jar[name] = morsel.value
        return cookies

    def login(self, username="admin", password="secret"):
        self.get("/api/v2/auth/login")
        response = self.call("POST", "/api/v2/auth/login",
                             json_body={"username": username, "password": password})
        assert response.code == 200, response.body
        return response

    # assertions ------------------------------------------------------------------------------
    def body(self, response):
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"),
                        response.headers.get("Content-Type"))
        return json.loads(response.body)

    def assert_error(self, response, status: int, *, field: str | None = None,
                     detail: str | None = None) -> dict:
        self.assertEqual(response.code, status, response.body)
        data = self.body(response)
        self.assertEqual(set(data), {"detail", "errors"}, data)
        self.assertIsInstance(data["detail"], str)
        self.assertIsInstance(data["errors"], dict)
        if field is not None:
            self.assertIn(field, data["errors"], data)
            self.assertTrue(all(isinstance(m, str) for m in data["errors"][field]), data)
        if detail is not None:
            self.assertEqual(data["detail"], detail)
        return data
