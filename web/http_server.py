"""The daemon's HTTP server: Tornado's, with deadlines on slow clients and a cap on connections.

Why both: the HTTP server and the agent bus share one process and so one open-files limit. A
client that opens connections and then sends nothing (or a header a byte a minute, "slowloris")
held each descriptor for Tornado's default hour; enough of them and the bus could not accept
an agent. So:

- `idle_timeout_s` bounds the wait for a request's complete header block. In Tornado 6 the same
  deadline (`header_timeout`, set from `idle_connection_timeout`) covers a keep-alive connection
  idle between requests, a slow TLS handshake and a header sent a byte at a time: each is closed
  that long after the server started waiting for it.
- `body_timeout_s` bounds the wait for a request body once its headers are in.
- `max_connections` caps open HTTP connections (one descriptor each); a connection beyond it is
  closed at once, before any byte is read. By default it is a quarter of the open-files limit,
  at most 4,096, so most descriptors stay for the bus (one per agent) and the database.
"""
from __future__ import annotations

import logging
import resource

from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)

AUTO_MAX_CONNECTIONS = 4096      # an API for operators and scripts, not a public web site
MIN_MAX_CONNECTIONS = 16


def default_max_connections(open_files_limit: int | None = None) -> int:
    """A quarter of the open-files soft limit (the rest is the bus's and the database's), within
    [MIN_MAX_CONNECTIONS, AUTO_MAX_CONNECTIONS]."""
    if open_files_limit is None:
        open_files_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if open_files_limit == resource.RLIM_INFINITY or open_files_limit < 0:
        return AUTO_MAX_CONNECTIONS
    return max(MIN_MAX_CONNECTIONS, min(AUTO_MAX_CONNECTIONS, open_files_limit // 4))


class BoundedHTTPServer(HTTPServer):
    """HTTPServer that closes a new connection at once when `max_connections` are open."""

    def initialize(self, *args, max_connections: int = AUTO_MAX_CONNECTIONS, **kwargs) -> None:
        super().initialize(*args, **kwargs)
        self.max_connections = max_connections
        self.refused_connections = 0

    def handle_stream(self, stream, address) -> None:
        if len(self._connections) >= self.max_connections:
            self.refused_connections += 1
            if self.refused_connections in (1, 10, 100) or self.refused_connections % 1000 == 0:
                log.warning("http: %d connections open, the cap: refused a connection "
                            "(%d refused since start)", len(self._connections), self.refused_connections)
            stream.close()
            return
        super().handle_stream(stream, address)


def make_http_server(app, *, tls, max_body_size: int, idle_timeout_s: float, body_timeout_s: float,
                     max_connections: int) -> BoundedHTTPServer:
    return BoundedHTTPServer(app, xheaders=False, max_body_size=max_body_size, ssl_options=tls,
                             idle_connection_timeout=idle_timeout_s, body_timeout=body_timeout_s,
                             max_connections=max_connections)
