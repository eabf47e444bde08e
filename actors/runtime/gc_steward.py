"""Keeping CPython's cycle collector from stopping the daemon for seconds.

A daemon holding 100 clusters' maps has tens of millions of objects. The collector's full (oldest
generation) pass walks every one of them while holding the GIL: measured with a 10,000-server
fleet, every API read stalled for about 5.5 s at once. The maps are trees (freed by reference
counting when replaced), so walking them finds nothing. The steward moves what survived into the
permanent generation every FREEZE_EVERY_S (gc.freeze, which costs nothing), so full passes
only walk what is newer.

The price: a reference cycle that had already become garbage when frozen is never collected.
Young cycles (most: exceptions, futures, frames) are collected before they age into a freeze;
bench/soak.py watches the daemon's memory over a long run.

It also counts collections and their pauses per generation (GET api/v2/bus `gc_*`).
"""
from __future__ import annotations

import gc
import logging
import threading
import time

log = logging.getLogger(__name__)

FREEZE_EVERY_S = 10.0   # full passes then walk at most ~10 s of new objects
SLOW_PAUSE_S = 1.0     # a pause this long is logged


class GcSteward:
    def __init__(self, clock=time.monotonic, freeze_every_s: float = FREEZE_EVERY_S):
        self._clock = clock
        self._freeze_every_s = freeze_every_s
        self._frozen_at = clock()
        self._started: float | None = None
        self._lock = threading.Lock()
        self._counts = [0, 0, 0]
        self._max_pause_ms = [0.0, 0.0, 0.0]
        self._pause_s = [0.0, 0.0, 0.0]   # summed, for the metrics' rate of pausing
        self._freezes = 0

    def install(self) -> "GcSteward":
        gc.callbacks.append(self._on_gc)
        return self

    def uninstall(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        if self._started is None:
            return
        pause_s, generation = time.perf_counter() - self._started, info.get("generation", 2)
        self._started = None
        with self._lock:
            self._counts[generation] += 1
            self._max_pause_ms[generation] = max(self._max_pause_ms[generation], pause_s * 1000)
            self._pause_s[generation] += pause_s
        if pause_s >= SLOW_PAUSE_S:
            log.warning("garbage collection of generation %d paused the daemon %.1f s", generation, pause_s)

    def tick(self) -> None:
        """From the ticker: freeze the survivors every freeze_every_s."""
        now = self._clock()
        if now - self._frozen_at < self._freeze_every_s:
            return
        self._frozen_at = now
        gc.freeze()
        with self._lock:
            self._freezes += 1

    def pauses(self) -> list[tuple[int, float]]:
        """(collections, seconds paused in all) of each generation since start."""
        with self._lock:
            return list(zip(self._counts, self._pause_s))

    def counters(self) -> dict:
        with self._lock:
            stats = {f"gc_gen{g}_collections": self._counts[g] for g in range(3)}
            stats.update({f"gc_gen{g}_max_pause_ms": round(self._max_pause_ms[g], 1) for g in range(3)})
            stats["gc_freezes"] = self._freezes
        stats["gc_frozen_objects"] = gc.get_freeze_count()
        return stats
