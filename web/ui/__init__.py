"""The web page for people (issue 17): `/` serves the page shell, `/ui/<name>` its assets.

Caching: the shell is `Cache-Control: no-cache` and names its entry points (app.js and
the style sheets) with `?v=<content hash>`, which may be cached for a year since a change of content
is a change of URL. The ES modules app.js imports by relative URL carry no hash, so they are
answered with an ETag and `Cache-Control: no-cache`: the browser revalidates and gets a 304.
No build step, so no hashed file names.

These answers are for a browser, unlike the API's, so they carry their own Content-Security-
Policy: scripts, styles and connections to this origin only, never inline, never a frame.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import tornado.web

from web import security

STATIC = Path(__file__).parent / "static"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
ENTRY = "app.js"
PRELOAD_MARK = "<!-- module preloads -->"
ASSET_URL = re.compile(r'(src|href)="/ui/([A-Za-z0-9_-][A-Za-z0-9_./-]*)"')

__all__ = ["CSP", "STATIC", "UI_ROUTE_LABELS", "ui_routes"]


def set_ui_headers(handler: tornado.web.RequestHandler) -> None:
    """The API's transport headers with the page's policy in place of the API's."""
    security.apply_headers(handler)
    handler.set_header("Content-Security-Policy", CSP)


class UiAssetHandler(tornado.web.StaticFileHandler):
    """`/ui/<name>`: Tornado's file handler (ETag, If-None-Match -> 304, Range, no path outside
    the folder); a year of caching with `?v=`, else revalidation every time."""

    def set_default_headers(self) -> None:
        set_ui_headers(self)

    def get_cache_time(self, path: str, modified, mime_type: str) -> int:
        return self.CACHE_MAX_AGE if "v" in self.request.arguments else 0

    def set_extra_headers(self, path: str) -> None:
        if "v" not in self.request.arguments:
            self.set_header("Cache-Control", "no-cache")


class IndexHandler(tornado.web.RequestHandler):
    """`/`: the page shell, its entry points' URLs versioned by content."""

    def set_default_headers(self) -> None:
        set_ui_headers(self)

    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(shell())


@lru_cache(maxsize=1)
def shell() -> bytes:
    """index.html with `/ui/NAME` references turned into `/ui/NAME?v=HASH` (read once: the
    package's files do not change under a running daemon)."""
    text = (STATIC / "index.html").read_text(encoding="utf-8")
    text = ASSET_URL.sub(lambda m: f'{m[1]}="/ui/{m[2]}?v={asset_version(m[2])}"', text)
    return text.replace(PRELOAD_MARK, module_preloads()).encode()


def module_preloads() -> str:
    """A modulepreload link per module the entry point imports, directly or not: the browser
    fetches them all at once instead of one wave of imports after another (five waves deep).
    Their URLs are the ones the imports name, without `?v=`, so each is fetched once."""
    names = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*.js"))
    return "\n".join(f'<link rel="modulepreload" href="/ui/{name}">' for name in names if name != ENTRY)


def asset_version(name: str) -> str:
    return tornado.web.StaticFileHandler.get_content_version(str(STATIC / name))[:16]


# The HTTP metrics' route label of each page answer: a few values whatever the asset names.
UI_ROUTE_LABELS = {IndexHandler: "/", UiAssetHandler: "/ui/{asset}"}


def ui_routes() -> list[tornado.web.URLSpec]:
    return [tornado.web.url(r"/$", IndexHandler),
            tornado.web.url(r"/ui/(.+)$", UiAssetHandler, {"path": str(STATIC)})]
