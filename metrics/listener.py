"""`GET /metrics` on a listener of its own (run.py starts it beside the API's, on the same loop).

Only that path and method: anything else is 404 / 405. With a token set, `Authorization: Bearer
<token>` is required (compared in constant time; the token is never logged: Tornado's access log
has no headers). The body is the latest render (metrics/render_thread.py), streamed in chunks
with a flush between them: gzip-encoded (the kept pieces in a gzip frame) when the scraper
accepts it (Prometheus does), else inflated piece by piece.
"""
from __future__ import annotations

import asyncio
import hmac
from typing import Callable

import tornado.web
from tornado.iostream import StreamClosedError

from metrics.exposition import CONTENT_TYPE
from metrics.render_thread import SharedRender

PATH = "/metrics"


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (`gzip` or `*`, without q=0)."""
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            quality = params.strip().lower().removeprefix("q=").strip() if params else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def bearer_matches(authorization: str | None, token: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


class MetricsHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)

    def initialize(self, renders: SharedRender, token: str | None, finish: Callable | None) -> None:
        self.renders = renders
        self.token = token
        self.finish_render = finish

    async def get(self) -> None:
        if self.token is not None and not bearer_matches(self.request.headers.get("Authorization"), self.token):
            self.set_status(401)
            self.set_header("WWW-Authenticate", 'Bearer realm="metrics"')
            self.finish("a bearer token is required (--metrics-token)\n")
            return
        exposition = await asyncio.wrap_future(self.renders.latest())
        if self.finish_render is not None:   # the daemon's counters as they are now, off the loop
            exposition = await asyncio.get_running_loop().run_in_executor(None, self.finish_render, exposition)
        gzip = accepts_gzip(self.request.headers.get("Accept-Encoding", ""))
        self.set_header("Content-Type", CONTENT_TYPE)
        self.set_header("Vary", "Accept-Encoding")
        self.set_header("Cache-Control", "no-store")
        if gzip:
            self.set_header("Content-Encoding", "gzip")
        self.set_header("Content-Length", exposition.gzip_size if gzip else exposition.text_size)
        try:
            for chunk in exposition.chunks(gzip):
                self.write(chunk)
                await self.flush()   # the client's pace: at most a chunk waits in our buffer
        except StreamClosedError:
            return   # the scraper went away (its timeout): nothing to finish


def metrics_app(renders: SharedRender, token: str | None, finish: Callable | None = None) -> tornado.web.Application:
    """finish(exposition) -> what is served: the render with what must be read at serve time
    (metrics/fleet_render.py FleetRenderer.with_daemon)."""
    return tornado.web.Application([(PATH, MetricsHandler, {"renders": renders, "token": token,
                                                                   "finish": finish})],
                                   compress_response=False)
