"""A standby manager's web tier: every request goes on to the active manager, its answer comes
back as it arrives (the live stream too, chunk by chunk), so a client or a load balancer may use
any member of the group.

Only the probes are answered here: /healthz (the loop answers) and /readyz (200 {"ready": true,
"role": "standby"}, or 503 with `?role=active`, so a balancer can either spread over every member
or prefer the active one). With no active manager known (a takeover under way), or the active
unreachable, the answer is 503 with `Retry-After`, in the API's error shape.

Headers pass through but those that describe one hop (Connection, Transfer-Encoding, ...). The
active sees the request coming from this standby's address, with the client's own address in a
header it can verify (ha/forwarded.py).
"""
from __future__ import annotations

import json
import logging
from typing import Callable

import tornado.web
from tornado import httputil
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.iostream import StreamClosedError
from tornado.simple_httpclient import SimpleAsyncHTTPClient

from web import security

log = logging.getLogger(__name__)

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length"})
RETRY_AFTER_S = 2
CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 120.0            # a write's answer (202) or a page of a big list
STREAM_TIMEOUT_S = 24 * 3600.0       # the live stream lasts as long as its client wants
# One client for every forwarded request: the default instance allows only 10 at once, and each
# open live stream holds one for its whole life.
MAX_FORWARDED = 2000

LeaderUrl = Callable[[], "str | None"]   # the active manager's advertised URL; None: none known
# The headers proving a client's address to the active member (ha/forwarded.py sign), and the
# names of those headers, which a client's own request must never carry through.
Vouch = Callable[[str], dict]


def _client() -> SimpleAsyncHTTPClient:
    return SimpleAsyncHTTPClient(force_instance=True, max_clients=MAX_FORWARDED,
                                 max_body_size=1 << 31, max_buffer_size=1 << 31)


class StandbyProbe(tornado.web.RequestHandler):
    def set_default_headers(self) -> None:
        security.apply_headers(self)
        self.set_header("Content-Type", "application/json")

    def head(self) -> None:
        self.get()


class StandbyHealthz(StandbyProbe):
    def get(self) -> None:
        self.finish(json.dumps({"status": "ok"}))


class StandbyReadyz(StandbyProbe):
    def get(self) -> None:
        if self.get_query_argument("role", None) == "active":
            self.set_status(503)
            self.finish(json.dumps({"ready": False, "role": "standby",
                                    "reasons": ["this manager is a standby"]}))
        else:
            self.finish(json.dumps({"ready": True, "role": "standby"}))


class ForwardHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

    def initialize(self, leader_url: LeaderUrl, client: SimpleAsyncHTTPClient, vouch: Vouch,
                   reserved: frozenset) -> None:
        self.leader_url, self.client, self.vouch, self.reserved = leader_url, client, vouch, reserved
        self._answered = False

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        self.clear_header("Content-Type")

    async def get(self, *_) -> None:
        await self.forward()

    head = post = put = patch = delete = options = get

    async def forward(self) -> None:
        target = self.leader_url()
        if target is None:
            self.unavailable("no active manager at the moment (a takeover is under way); retry shortly")
            return
        stream = self.request.path.rstrip("/").endswith("/stream")
        upstream = HTTPRequest(
            target.rstrip("/") + self.request.uri, method=self.request.method,
            headers=self.forwarded_headers(), body=self.request.body if self.request.body else None,
            allow_nonstandard_methods=True, follow_redirects=False, decompress_response=False,
            connect_timeout=CONNECT_TIMEOUT_S, request_timeout=STREAM_TIMEOUT_S if stream else REQUEST_TIMEOUT_S,
            header_callback=self.on_header_line, streaming_callback=self.on_chunk)
        try:
            await self.client.fetch(upstream, raise_error=False)
        except (OSError, HTTPClientError, StreamClosedError) as exc:
            if self._answered:          # the active went away mid-answer (a stream): just end it
                self.finish_quietly()
                return
            log.info("standby: the active manager at %s did not answer: %s", target, exc)
            self.unavailable("the active manager does not answer (a takeover may be under way); retry shortly")
            return
        self.finish_quietly()

    def forwarded_headers(self) -> httputil.HTTPHeaders:
        headers = httputil.HTTPHeaders()
        for name, value in self.request.headers.get_all():
            if name.lower() not in HOP_BY_HOP and name.lower() not in self.reserved:
                headers.add(name, value)
        for name, value in self.vouch(self.request.remote_ip).items():
            headers[name] = value
        return headers

    def on_header_line(self, line: str) -> None:
        """The active's status line and headers, one line at a time; the blank line ends them."""
        if line.startswith("HTTP/"):
            self._upstream_headers = httputil.HTTPHeaders()
            self._upstream_status = httputil.parse_response_start_line(line.strip())
            return
        if line.strip():
            self._upstream_headers.parse_line(line)
            return
        if self._upstream_status.code == 100:   # an interim answer: the real one follows
            return
        self.set_status(self._upstream_status.code, self._upstream_status.reason)
        for name, value in self._upstream_headers.get_all():
            if name.lower() not in HOP_BY_HOP:
                self.add_header(name, value)
        self._answered = True

    def on_chunk(self, chunk: bytes) -> None:
        if self.request.connection.stream.closed():
            raise StreamClosedError()   # the client left: stop reading the active's answer
        self.write(chunk)
        self.flush()

    def unavailable(self, detail: str) -> None:
        self.set_status(503)
        security.apply_headers(self)
        self.set_header("Content-Type", "application/json")
        self.set_header("Retry-After", str(RETRY_AFTER_S))
        self.finish(json.dumps({"detail": detail, "errors": {}}))

    def finish_quietly(self) -> None:
        if not self._finished:
            try:
                self.finish()
            except StreamClosedError:
                pass


def standby_app(leader_url: LeaderUrl, vouch: Vouch, reserved_headers) -> tornado.web.Application:
    """The web tier of a standby: the probes, and everything else forwarded, with the client's
    address vouched for."""
    client = _client()
    reserved = frozenset(name.lower() for name in reserved_headers)
    return tornado.web.Application([
        (r"/healthz$", StandbyHealthz),
        (r"/readyz$", StandbyReadyz),
        (r"/(.*)", ForwardHandler, {"leader_url": leader_url, "client": client, "vouch": vouch,
                                    "reserved": reserved}),
    ])
