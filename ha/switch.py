"""One HTTP server for a member's whole life, whose application changes with its role: the
standby's forwarding app, then the full API once it becomes active, and back. The listening
socket never closes, so a client or a balancer sees no refused connection at a change of role;
a request already under way finishes on the application that took it.

The application is chosen when a request's headers arrive, not when the server starts waiting
for it: Tornado asks for the next request's handler as soon as the previous one ends, so an idle
keep-alive connection would otherwise answer its next request with the application of minutes ago.
"""
from __future__ import annotations

from typing import Callable

from tornado import httputil


class AppSwitch(httputil.HTTPServerConnectionDelegate):
    """forwarded_for(headers) -> the client's address a standby proved (ha/forwarded.py), or
    None: the address the request is then taken to come from (its connection's otherwise)."""

    def __init__(self, app: httputil.HTTPServerConnectionDelegate,
                 forwarded_for: Callable[[httputil.HTTPHeaders], "str | None"] = lambda headers: None):
        self.app = app
        self.forwarded_for = forwarded_for

    def to(self, app: httputil.HTTPServerConnectionDelegate) -> None:
        self.app = app

    def start_request(self, server_conn, request_conn) -> httputil.HTTPMessageDelegate:
        return _ChosenAtHeaders(self, server_conn, request_conn)

    def on_close(self, server_conn) -> None:
        self.app.on_close(server_conn)


class _ChosenAtHeaders(httputil.HTTPMessageDelegate):
    """One request, handed to the switch's application of the moment its headers arrive."""

    def __init__(self, switch: AppSwitch, server_conn, request_conn):
        self.switch, self.server_conn, self.request_conn = switch, server_conn, request_conn
        self.inner: httputil.HTTPMessageDelegate | None = None

    def headers_received(self, start_line, headers):
        context = getattr(self.request_conn, "context", None)
        if context is not None:
            # As Tornado's own xheaders support does: the request reads its address from the
            # connection's context when it is made; each request of a keep-alive connection
            # starts again from the connection's own address (kept as _orig_remote_ip).
            own = getattr(context, "_orig_remote_ip", context.remote_ip)
            context.remote_ip = self.switch.forwarded_for(headers) or own
        self.inner = self.switch.app.start_request(self.server_conn, self.request_conn)
        return self.inner.headers_received(start_line, headers)

    def data_received(self, chunk: bytes):
        return self.inner.data_received(chunk)

    def finish(self) -> None:
        self.inner.finish()

    def on_connection_close(self) -> None:
        if self.inner is not None:
            self.inner.on_connection_close()
