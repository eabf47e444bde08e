"""The web page's shell and assets (issue 17), through HTTP against the real daemon, without a
browser (the browser tests drive the page itself): the page's own strict CSP with nothing inline,
every asset served with its type and caching headers and revalidated by ETag, nothing fetched
from another origin, and the API's answers unchanged."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from tests.system.daemon_process import DaemonProcess

UI_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
          "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
# import ... from "./x.js" (and the bare form import "./x.js")
IMPORT = re.compile(r"""\bimport\b[^"';]*?["']([^"']+)["']""")
OUTSIDE_URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9]""")
# `//` also starts a JavaScript comment: only one inside a quoted string or a url() is a URL
QUOTED_OUTSIDE = re.compile(r"""["'(`]\s*(?:https?:)?//(?!www\.w3\.org/2000/svg["'])[A-Za-z0-9]""")
# ...but for the SVG namespace's name, which createElementNS needs and nothing fetches


class Shell(HTMLParser):
    """What the page shell references and anything inline it holds."""

    def __init__(self):
        super().__init__()
        self.assets, self.inline = [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}=…>")
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script":
            if "src" not in attributes:
                self._in_script = True
                self.inline.append("<script> without src")
            else:
                self.assets.append(attributes["src"])
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.assets.append(attributes["href"])
        for name in ("src", "href", "action"):
            value = attributes.get(name) or ""
            if OUTSIDE_URL.match(value):
                self.inline.append(f"outside URL {value}")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    process = DaemonProcess(tmp_path_factory.mktemp("ui") / "data").start()
    # One client for the module: a client per request (httpx.get) costs a new TLS context each,
    # and the assets are fetched a few hundred times here.
    process.http = httpx.Client(base_url=process.http_url, timeout=10)
    yield process
    process.http.close()
    assert process.stop() == 0, process.log_text()[-4000:]


def shell(daemon) -> tuple[httpx.Response, Shell]:
    page = daemon.http.get("/")
    parsed = Shell()
    parsed.feed(page.text)
    return page, parsed


def all_assets(daemon) -> dict[str, httpx.Response]:
    """Every asset the shell names, and every module they import (relative URLs), by URL."""
    _, parsed = shell(daemon)
    queue, seen = list(parsed.assets), {}
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen[url] = answer = daemon.http.get(url)
        if url.split("?")[0].endswith(".js"):
            base = url.split("?")[0].rsplit("/", 1)[0]
            queue += [f"{base}/{name.removeprefix('./')}" for name in IMPORT.findall(answer.text)]
    return seen


def test_the_shell_is_html_with_the_page_policy_and_nothing_inline(daemon):
    page, parsed = shell(daemon)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=UTF-8"
    assert page.headers["content-security-policy"] == UI_CSP
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert "server" not in page.headers
    assert parsed.inline == []
    assert any(url.startswith("/ui/app.js?v=") for url in parsed.assets), parsed.assets
    assert any(url.startswith("/ui/style.css?v=") for url in parsed.assets), parsed.assets
    for contract_id in ("login-form", "login-username", "login-password", "login-submit", "login-error",
                        "whoami", "logout", "fleet", "fleet-filter", "cluster-title"):
        assert f'id="{contract_id}"' in page.text, contract_id


def test_every_asset_is_served_with_its_type_and_caching(daemon):
    assets = all_assets(daemon)
    assert {"/ui/api.js", "/ui/login.js", "/ui/fleet.js", "/ui/live.js"} <= set(assets), sorted(assets)
    for url, answer in assets.items():
        assert answer.status_code == 200, url
        suffix = "." + url.split("?")[0].rsplit(".", 1)[1]
        assert answer.headers["content-type"].startswith(TYPES[suffix]), (url, answer.headers["content-type"])
        assert answer.headers["content-security-policy"] == UI_CSP, url
        assert answer.headers["etag"], url
        if "?v=" in url:    # the URL changes with the content: cache for long
            assert re.fullmatch(r"max-age=\d+", answer.headers["cache-control"]), url
            assert int(answer.headers["cache-control"].split("=")[1]) >= 86400 * 365, url
        else:               # imported by a fixed URL: revalidate every time
            assert answer.headers["cache-control"] == "no-cache", url


def test_a_known_etag_answers_304(daemon):
    for url, answer in all_assets(daemon).items():
        again = daemon.http.get(url, headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304, url
        assert again.content == b""
        changed = daemon.http.get(url, headers={"If-None-Match": '"other"'})
        assert changed.status_code == 200, url


def test_the_versioned_url_changes_with_the_content(daemon):
    _, parsed = shell(daemon)
    app = next(url for url in parsed.assets if url.startswith("/ui/app.js"))
    stale = daemon.http.get("/ui/app.js")
    assert app.split("?v=")[1] == stale.headers["etag"].strip('"')[:16]     # both the content's hash


def test_no_asset_reaches_outside_the_origin(daemon):
    page, _ = shell(daemon)
    texts = {"/": page.text, **{url: answer.text for url, answer in all_assets(daemon).items()}}
    for url, text in texts.items():
        assert not QUOTED_OUTSIDE.findall(text), (url, QUOTED_OUTSIDE.findall(text))
        assert "@import" not in text and ".innerHTML" not in text, url   # markup only from the shell


@pytest.mark.parametrize("path", ["/ui/x", "/ui/../web/app.py", "/ui/%2e%2e/__init__.py", "/ui/__init__.py"])
def test_unknown_or_outside_assets_answer_404(daemon, path):
    answer = daemon.http.get(path)
    assert answer.status_code in (403, 404), (path, answer.status_code)
    assert "ui_routes" not in answer.text


def test_unknown_asset_is_404(daemon):
    answer = daemon.http.get("/ui/x")
    assert answer.status_code == 404
    assert answer.headers["content-security-policy"] == UI_CSP


def test_the_api_keeps_its_own_headers(daemon):
    for path in ("/api/v2/info", "/api/v2/cluster", "/api/v2/no-such-thing"):
        answer = daemon.http.get(path)
        assert answer.headers["content-security-policy"] == API_CSP, path
        assert answer.headers["content-type"].startswith("application/json"), path
    assert daemon.http.get("/other").headers["content-security-policy"] == API_CSP
