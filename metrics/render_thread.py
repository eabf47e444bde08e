"""Scrapes are rendered on one thread of their own, ahead of time while someone scrapes.

Rendering reads every cluster's maps and may re-render thousands of lines: never on Tornado's
event loop. One thread means one render at a time (the renderer's state is its own), and every
scrape waiting when a render finishes gets that render: two Prometheus servers (an HA pair)
scraping at once cost one render.

On the fleet bench's loaded daemon a render that re-renders a quarter of the clusters' OSD stats
takes ~0.2 s of CPU but seconds of wall time, sharing the GIL with the event loop, the bus and the
actors. So a scrape does not wait for it: while scrapes come (within `idle_s` of the last), the
thread renders again every `refresh_s`, and a scrape is answered at once with the latest render
if it is at most `max_age_s` old (else it waits for the next). Each input version is still
rendered once (metrics/cluster_render.py), so rendering ahead costs the key checks of a pass
(~25 ms for 100 clusters), not more renders. The data served is then up to `max_age_s` older
than the scrape; the maps themselves move only with heartbeats (10 s by default).

`render_at_start` treats the start as a scrape: a daemon with a listener is expected to be
scraped, and its first render (every line of every cluster: 1.4 s of CPU for 100,000 OSDs, 6 s
of wall time on the loaded fleet bench) is then done before Prometheus first asks, not while it
waits.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from typing import Callable

log = logging.getLogger(__name__)

YIELD_S = 0.0005     # how long a render stands aside between two families it rendered
REFRESH_S = 5.0      # render again this often while scraped
MAX_AGE_S = 15.0     # a scrape takes a render at most this old (Prometheus' default interval)
IDLE_S = 300.0       # stop rendering ahead when nobody scraped for this long


def yield_gil() -> None:
    """Let the event loop have the GIL. A render is pure Python holding the GIL; left alone it
    keeps it for the whole switch interval (5 ms) each time the loop asks, and every step of every
    API request waits that long: on the fleet bench, rendering ahead cut the GETs answered by 40%
    and doubled their p99 (bench/README.md). Sleeping between families (each ~1 ms of work)
    hands the GIL over at once; the render takes longer on the wall clock, which nobody waits for."""
    time.sleep(YIELD_S)


class SharedRender:
    def __init__(self, render: Callable[[], object], *, refresh_s: float = REFRESH_S,
                 max_age_s: float = MAX_AGE_S, idle_s: float = IDLE_S, clock=time.monotonic,
                 render_at_start: bool = False):
        self._render = render
        self._refresh_s, self._max_age_s, self._idle_s, self._clock = refresh_s, max_age_s, idle_s, clock
        self._changed = threading.Condition()
        self._waiting: list[Future] = []   # scrapes waiting for the next render to finish
        self._latest = None
        self._latest_at = float("-inf")    # when the latest render started
        self._tried_at = float("-inf")     # when the last render started, failed or not
        self._scraped_at = clock() if render_at_start else float("-inf")
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="metrics-render", daemon=True)
        self._thread.start()

    def latest(self) -> Future:
        """A Future of a render: done at once when the latest is fresh enough."""
        future: Future = Future()
        with self._changed:
            now = self._clock()
            self._scraped_at = now
            if self._latest is not None and now - self._latest_at <= self._max_age_s:
                future.set_result(self._latest)
            else:
                self._waiting.append(future)
            self._changed.notify()
        return future

    def rendering_ahead(self) -> bool:
        """Whether someone scraped recently enough for the thread to render ahead of them."""
        with self._changed:
            return self._due_in(self._clock()) is not None

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()

    def _due_in(self, now: float) -> float | None:
        """Seconds until the next render is due (0: now), None: not while nobody scrapes."""
        if self._waiting:
            return 0.0
        if now - self._scraped_at > self._idle_s:
            return None
        return max(0.0, self._tried_at + self._refresh_s - now)

    def _loop(self) -> None:
        while True:
            with self._changed:
                while not self._closed and (wait := self._due_in(self._clock())) != 0.0:
                    self._changed.wait(wait)
                if self._closed:
                    return
                started = self._tried_at = self._clock()
            try:
                result, error = self._render(), None
            except Exception as exc:  # noqa: BLE001 - the scrapes waiting get it; the thread goes on
                log.warning("metrics: render failed", exc_info=True)
                result, error = None, exc
            with self._changed:
                if error is None:
                    self._latest, self._latest_at = result, started
                waiting, self._waiting = self._waiting, []
            for future in waiting:
                if error is None:
                    future.set_result(result)
                else:
                    future.set_exception(error)
