"""Ticker: the one clock-driven thread. Every period it asks the dispatcher to fan out a Tick."""
from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class Ticker(threading.Thread):
    def __init__(self, tick, period_s: float = 1.0):
        super().__init__(name="ticker", daemon=True)
        self._tick = tick
        self._period_s = period_s
        self._stopping = threading.Event()

    def run(self):
        while not self._stopping.wait(self._period_s):
            try:
                self._tick()
            except Exception:  # noqa: BLE001 - a bad tick must not stop the clock
                log.exception("tick failed")

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout_s)
