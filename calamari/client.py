"""A small typed client for the daemon's api/v2, over httpx.

Two ways to authenticate, as the API offers them:
* an API token (`Client(url, token=...)`): sent as `Authorization: Bearer`, no cookie, no XSRF;
  what scripts and every `calamari` command but account administration use;
* a login session (`Client.login(url, username, password)`): the session cookie, with the XSRF
  token echoed on every write; the API needs one to create or revoke tokens and change accounts.

Every method returns the API's parsed JSON (or a request id for a change) and raises the typed
errors of calamari.errors: ApiError (InvalidInput for 400, NotAuthenticated for 401/403) for an
error answer, Unreachable when no answer came.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterator
from urllib.parse import quote, urlsplit

import httpx

from calamari import sse
from calamari.errors import CalamariError, Unreachable, USAGE, error_for

API_PREFIX = "/api/v2/"
XSRF_COOKIE, XSRF_HEADER = "XSRF-TOKEN", "X-XSRF-TOKEN"
STREAM_READ_TIMEOUT_S = 60.0     # the server sends a keep-alive every 15 s: silence this long is a dead link
Json = Any


class BadUrl(CalamariError):
    exit_code = USAGE


class StreamUnavailable(CalamariError):
    """The server has no `stream` resource (404): an older daemon; poll instead."""


def api_base(url: str) -> str:
    """`https://host:8002`, `…/`, `…/api/v2` -> `https://host:8002/api/v2/`."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadUrl(f"not an http(s) URL: {url!r} (e.g. https://calamari.example.com:8002)")
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX.rstrip("/")):
        path = path[:-len(API_PREFIX.rstrip("/"))]
    return f"{parts.scheme}://{parts.netloc}{path}{API_PREFIX}"


def server_url(url: str) -> str:
    """The URL people type (without /api/v2/), for messages and the credentials file."""
    return api_base(url)[:-len(API_PREFIX)]


def segment(value: object) -> str:
    """One path segment, escaped (a pool or user name never adds a segment of its own)."""
    return quote(str(value), safe="")


class Client:
    def __init__(self, url: str, *, token: str | None = None, verify: bool | str = True,
                 timeout_s: float = 10.0):
        self.url = server_url(url)
        self.write_options: dict = {}   # ?dry_run / ?force on every 202 write (calamari/cli/context.py)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=api_base(url), headers=headers, verify=verify,
                                  timeout=timeout_s, follow_redirects=False)

    # -- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, method: str, path: str, *, body: Json = None, params: dict | None = None) -> httpx.Response:
        """One API call; an error answer raises its typed error, no answer raises Unreachable."""
        headers = {}
        if method != "GET" and self._http.cookies.get(XSRF_COOKIE):
            headers[XSRF_HEADER] = self._http.cookies[XSRF_COOKIE]
        try:
            response = self._http.request(method, path, json=body, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach {self.url}: {exc or type(exc).__name__}") from None
        if response.status_code >= 400:
            raise error_for(response.status_code, _json_or_none(response))
        return response

    def get(self, path: str, **params) -> Json:
        return self.send("GET", path, params={k: v for k, v in params.items() if v is not None}).json()

    def change(self, method: str, path: str, body: Json = None) -> str | dict | None:
        """A write of the 202 workflow: its request id, or None when it would change nothing (304);
        with `write_options` {"dry_run": "1"} the preview instead (a dict: nothing submitted)."""
        response = self.send(method, path, body=body, params=self.write_options or None)
        if response.status_code == 304:
            return None
        answer = response.json()
        return answer if response.status_code == 200 else answer["request_id"]

    # -- sessions and tokens ----------------------------------------------------------------

    @classmethod
    def login(cls, url: str, username: str, password: str, **kwargs) -> "Client":
        """A client with a login session (the XSRF cookie first, as the API wants)."""
        client = cls(url, **kwargs)
        try:
            client.send("GET", "auth/login")
            client.send("POST", "auth/login", body={"username": username, "password": password})
        except BaseException:
            client.close()
            raise
        return client

    def logout(self) -> None:
        self.send("POST", "auth/logout")

    def me(self) -> Json:
        return self.get("user/me")

    def create_token(self, name: str, expires_in_s: float | None) -> Json:
        """{"id", "name", "expires_at", "token", ...}: the secret is in this answer only."""
        return self.send("POST", "user/me/token", body={"name": name, "expires_in_s": expires_in_s}).json()

    def tokens(self) -> Json:
        return self.get("user/me/token")

    def revoke_token(self, token_id: str) -> None:
        self.send("DELETE", f"user/me/token/{segment(token_id)}")

    # -- reads ------------------------------------------------------------------------------

    def info(self) -> Json:
        return self.get("info")

    def clusters(self) -> list[dict]:
        return self.get("cluster")

    def fleet(self) -> Json:
        return self.get("fleet", page_size=1000)

    def health(self, fsid: str) -> Json:
        return self.get(f"cluster/{segment(fsid)}/health")

    def usage(self, fsid: str) -> Json:
        return self.get(f"cluster/{segment(fsid)}/usage")

    def osds(self, fsid: str) -> list[dict]:
        return self.get(f"cluster/{segment(fsid)}/osd")

    def pools(self, fsid: str) -> list[dict]:
        return self.get(f"cluster/{segment(fsid)}/pool")

    def osd_flags(self, fsid: str) -> dict[str, bool]:
        return self.get(f"cluster/{segment(fsid)}/osd_config")

    def events(self, fsid: str | None = None, severity: str | None = None, page_size: int = 20) -> Json:
        path = f"cluster/{segment(fsid)}/event" if fsid else "event"
        return self.get(path, severity=severity, page_size=page_size)

    def requests(self, state: str | None = None, page_size: int = 20, **filters) -> Json:
        """filters: requested_by, kind, fsid, since, until (None: not filtered)."""
        return self.get("request", state=state, page_size=page_size, **filters)

    def request(self, request_id: str) -> Json:
        return self.get(f"request/{segment(request_id)}")

    def keys(self) -> list[dict]:
        return self.get("key")

    def key(self, minion_id: str) -> Json:
        return self.get(f"key/{segment(minion_id)}")

    def users(self) -> list[dict]:
        return self.get("user")

    # -- changes (202: a request id) ---------------------------------------------------------

    def update_osd(self, fsid: str, osd_id: int, changes: dict) -> str | None:
        return self.change("PATCH", f"cluster/{segment(fsid)}/osd/{int(osd_id)}", changes)

    def osd_command(self, fsid: str, osd_id: int, command: str) -> str | None:
        return self.change("POST", f"cluster/{segment(fsid)}/osd/{int(osd_id)}/command/{segment(command)}")

    def set_osd_flags(self, fsid: str, flags: dict[str, bool]) -> str | None:
        return self.change("PATCH", f"cluster/{segment(fsid)}/osd_config", flags)

    def create_pool(self, fsid: str, attrs: dict) -> str | None:
        return self.change("POST", f"cluster/{segment(fsid)}/pool", attrs)

    def update_pool(self, fsid: str, pool_id: int, changes: dict) -> str | None:
        return self.change("PATCH", f"cluster/{segment(fsid)}/pool/{int(pool_id)}", changes)

    def delete_pool(self, fsid: str, pool_id: int) -> str | None:
        return self.change("DELETE", f"cluster/{segment(fsid)}/pool/{int(pool_id)}")

    def revert_request(self, request_id: str) -> str | dict | None:
        return self.change("POST", f"request/{segment(request_id)}/revert")

    def cancel_request(self, request_id: str) -> Json:
        return self.send("POST", f"request/{segment(request_id)}/cancel").json()

    # -- changes answered at once ------------------------------------------------------------

    def set_key_status(self, minion_id: str, status: str) -> None:
        self.send("PATCH", f"key/{segment(minion_id)}", body={"status": status})

    def create_user(self, attrs: dict) -> Json:
        return self.send("POST", "user", body=attrs).json()

    def update_user(self, user_id: int | str, changes: dict) -> Json:
        return self.send("PATCH", f"user/{segment(user_id)}", body=changes).json()

    def delete_user(self, user_id: int | str) -> None:
        self.send("DELETE", f"user/{segment(user_id)}")

    # -- following ---------------------------------------------------------------------------

    def follow_request(self, request_id: str, every_s: float = 0.25) -> Iterator[dict]:
        """The request at every poll (`every_s` apart) until it is complete; a caller may stop
        following at any point (a deadline of its own)."""
        while True:
            request = self.request(request_id)
            yield request
            if request.get("state") == "complete":
                return
            time.sleep(every_s)

    def stream(self, topics: list[str], *, fsid: str | None = None, max_s: float | None = None,
               last_event_id: str | None = None, on_open: Callable[[], None] | None = None
               ) -> Iterator[sse.Message]:
        """The live stream's messages (`GET stream`) until the server ends it (`end`, or max_s);
        `on_open` is called once the server has accepted it. StreamUnavailable when the server
        has no stream (404)."""
        params = {"topics": ",".join(topics), "fsid": fsid, "max_s": max_s, "last_event_id": last_event_id}
        timeout = httpx.Timeout(self._http.timeout.connect, read=STREAM_READ_TIMEOUT_S)
        try:
            with self._http.stream("GET", "stream", timeout=timeout,
                                   params={k: v for k, v in params.items() if v is not None}) as response:
                if response.status_code == 404:
                    raise StreamUnavailable("the server has no live stream")
                if response.status_code >= 400:
                    response.read()
                    raise error_for(response.status_code, _json_or_none(response))
                if on_open is not None:
                    on_open()
                yield from sse.messages(response.iter_lines())
        except httpx.TransportError as exc:
            raise Unreachable(f"lost the stream from {self.url}: {exc or type(exc).__name__}") from None


def _json_or_none(response: httpx.Response) -> Json:
    try:
        return response.json()
    except ValueError:
        return None
