"""GET /bootstrap (the script that onboards a Ceph server) and GET /bootstrap/<wheel> (the
manager's own wheel the script installs). No session: the script holds nothing secret (the bus
key it carries is the manager's public one), and a new server has no account.

Both are prepared once, at the first request, off the event loop (building the wheel from a
checkout takes seconds: web/ops/wheel.py). A request waits for that up to WAIT_S, then answers
503 with Retry-After (`curl --retry` honours it); a failed preparation answers 503 with the
reason and is tried again at a request RETRY_S later.
"""
from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

from web.errors import ApiError
from web.ops.bootstrap_script import agent_unit_text, render_script
from web.ops.bootstrap_settings import BootstrapSettings
from web.ops.health import ProbeHandler
from web.ops.wheel import Wheel, agent_wheel

log = logging.getLogger(__name__)

WAIT_S = 30.0      # a first request waits this long for the wheel before answering 503
RETRY_S = 60.0     # after a failed preparation, the next attempt waits this long
SCRIPT_TYPE = "text/x-shellscript; charset=utf-8"
WHEEL_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Prepared:
    script: bytes
    wheel: Wheel


class Unavailable(Exception):
    """Why the script or wheel cannot be served now; `retry_after_s` when it may be later."""

    def __init__(self, reason: str, retry_after_s: float):
        super().__init__(reason)
        self.retry_after_s = retry_after_s


class Bootstrap:
    """The script and the wheel of one daemon, prepared lazily and once (again after a failure)."""

    def __init__(self, settings: BootstrapSettings, build_wheel: Callable[[], Wheel] = agent_wheel,
                 unit_text: Callable[[], str] = agent_unit_text):
        self.settings = settings
        self._build_wheel, self._unit_text = build_wheel, unit_text
        self._task: asyncio.Future | None = None
        self._failed_at = 0.0
        if settings.problem:   # said once at start; each /bootstrap request answers 503 with it
            log.warning("bootstrap: /bootstrap is off: %s", settings.problem)

    async def prepared(self, wait_s: float = WAIT_S) -> Prepared:
        """The script and wheel, or Unavailable (still building, failed, or misconfigured)."""
        if self.settings.problem:
            raise Unavailable(self.settings.problem, 0)
        task = self._start()
        try:
            return await asyncio.wait_for(asyncio.shield(task), wait_s)
        except asyncio.TimeoutError:
            raise Unavailable("the agent's wheel is being built", retry_after_s=10) from None
        except Exception as exc:   # the build's own failure: say why, try again later
            remaining = max(1.0, self._failed_at + RETRY_S - time.monotonic())
            raise Unavailable(f"the agent's wheel cannot be built: {exc}", remaining) from None

    def _start(self) -> asyncio.Future:
        failed = self._task is not None and self._task.done() and self._task.exception() is not None
        if self._task is None or (failed and time.monotonic() - self._failed_at >= RETRY_S):
            self._task = in_daemon_thread(self._prepare)
        return self._task

    def _prepare(self) -> Prepared:
        started = time.monotonic()
        try:
            wheel = self._build_wheel()
            script = render_script(self.settings, wheel, self._unit_text()).encode("utf-8")
        except Exception:
            self._failed_at = time.monotonic()
            log.exception("bootstrap: the agent's wheel or script cannot be prepared")
            raise
        log.info("bootstrap: %s (%d bytes) ready in %.1f s", wheel.name, len(wheel.data), time.monotonic() - started)
        return Prepared(script, wheel)


def in_daemon_thread(work: Callable[[], Prepared]) -> asyncio.Future:
    """`work()` in a thread of its own, its outcome as a Future of the running loop. Not the
    loop's executor: asyncio.run joins that at exit, and a daemon stopped during a build (pip:
    seconds) must stop at once; the build has no state worth finishing."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    future.add_done_callback(lambda done: done.cancelled() or done.exception())   # retrieved: no GC warning

    def settle(outcome, failed: bool) -> None:
        if not future.done():
            (future.set_exception if failed else future.set_result)(outcome)

    def run() -> None:
        try:
            outcome, failed = work(), False
        except Exception as exc:
            outcome, failed = exc, True
        try:
            loop.call_soon_threadsafe(settle, outcome, failed)
        except RuntimeError:   # the loop closed meanwhile: nobody is waiting
            pass
    threading.Thread(target=run, name="bootstrap-wheel", daemon=True).start()
    return future


class BootstrapBase(ProbeHandler):
    """No session, no cookie (as the probes); HEAD answers as GET without the body. Unlike a
    probe's, its access lines stay at INFO: a server being onboarded is worth a line."""
    quiet_access_log = False

    async def head(self, **path) -> None:
        await self.get(**path)

    async def prepared(self) -> Prepared:
        bootstrap: Bootstrap | None = self.settings.get("bootstrap")
        if bootstrap is None:   # an app made without one (unit tests): nothing here
            raise ApiError(404, "Not found")
        try:
            return await bootstrap.prepared()
        except Unavailable as exc:
            headers = {"Retry-After": str(math.ceil(exc.retry_after_s))} if exc.retry_after_s else {}
            raise ApiError(503, str(exc), headers=headers) from None


class BootstrapHandler(BootstrapBase):
    async def get(self) -> None:
        prepared = await self.prepared()
        self.set_header("Content-Type", SCRIPT_TYPE)
        self.finish(prepared.script)


class WheelHandler(BootstrapBase):
    async def get(self, wheel: str) -> None:
        found = (await self.prepared()).wheel
        if wheel != found.name:   # another version's: only the current one is served
            raise ApiError(404, f"This manager serves {found.name}")
        self.set_header("Content-Type", WHEEL_TYPE)
        self.set_header("Content-Disposition", f'attachment; filename="{found.name}"')
        self.finish(found.data)


ROUTES = [("/bootstrap", BootstrapHandler), (r"/bootstrap/(?P<wheel>[A-Za-z0-9_.+-]+\.whl)", WheelHandler)]

# Their part of the OpenAPI document (web/ops/__init__.py openapi_paths), as the probes'.
_NOT_YET = {"$ref": "#/components/responses/Unavailable"}
_OPEN = {"tags": ["bootstrap"], "security": []}
OPENAPI_PATHS = {
    "/bootstrap": {"servers": [{"url": "/"}], "get": {
        **_OPEN, "summary": "the POSIX shell script that installs this manager's agent on a Ceph "
                            "server (run it as root: curl -fsS URL/bootstrap | sudo sh)",
        "responses": {"200": {"description": "the script", "content": {
                          SCRIPT_TYPE.split(";")[0]: {"schema": {"type": "string"}}}},
                      "503": _NOT_YET}}},
    "/bootstrap/{wheel}": {"servers": [{"url": "/"}], "get": {
        **_OPEN, "summary": "this manager's own wheel, which the script installs (its SHA-256 is in "
                            "the script)",
        "parameters": [{"name": "wheel", "in": "path", "required": True,
                        "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_.+-]+\.whl$"}}],
        "responses": {"200": {"description": "the wheel", "content": {
                          WHEEL_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
                      "404": {"$ref": "#/components/responses/NotFound"},
                      "503": _NOT_YET}}},
}
