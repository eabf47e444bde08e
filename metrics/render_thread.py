"""Scrapes are rendered on one thread of their own, and scrapes that arrive together share one.

Rendering reads every cluster's maps and may re-render thousands of lines: never on Tornado's
event loop. One worker thread means one render at a time (the renderer's state is its own), and a
scrape arriving while a render runs waits for that one instead of queueing another: two
Prometheus servers (an HA pair) scraping at once cost one render.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable


class SharedRender:
    def __init__(self, render: Callable[[], object]):
        self._render = render
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics-render")
        self._running: Future | None = None

    def latest(self) -> Future:
        """A Future of a render started now, or of the one still running. Called on the event
        loop only (so no lock: one caller at a time)."""
        if self._running is None or self._running.done():
            self._running = self._executor.submit(self._render)
        return self._running

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
