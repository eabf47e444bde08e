"""One event per burst instead of one per occurrence. Pure (the caller passes `now`).

A key generator makes a thousand keys in seconds, and an anonymous client a thousand refused
writes; one event each would bury real history (and prune it, once the event cap is reached).
So per (kind, source) and per window: the first occurrence is reported as it happens (someone
watching sees at once that something started), the rest are counted, and once the window is
over the count is handed back, to be reported as one summary event.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_SOURCES = 10_000    # sources tracked at once; beyond it, the oldest windows are closed early


@dataclass
class _Window:
    started: float
    suppressed: int = 0


class Bursts:
    def __init__(self, window_s: float = 60.0):
        self.window_s = window_s
        self._open: dict[tuple, _Window] = {}

    def note(self, key: tuple, now: float) -> tuple[bool, int]:
        """Count one occurrence: (report it on its own: the first of its window, occurrences of
        the window it ends that are still to be summarised, else 0)."""
        window = self._open.get(key)
        if window is not None and now - window.started < self.window_s:
            window.suppressed += 1
            return False, 0
        self._open[key] = _Window(now)
        self._bound()
        return True, (window.suppressed if window is not None else 0)

    def __len__(self) -> int:
        """Windows open (or ended and not yet summarised)."""
        return len(self._open)

    def due(self, now: float) -> list[tuple[tuple, int]]:
        """(key, occurrences not yet reported) of every window that has ended with something
        left to report; those windows close."""
        ended = [(key, w) for key, w in self._open.items() if now - w.started >= self.window_s]
        for key, _ in ended:
            del self._open[key]
        return [(key, w.suppressed) for key, w in ended if w.suppressed]

    def _bound(self) -> None:
        # A flood from ever new sources must not grow memory; a forgotten window loses only its
        # count (the first occurrence of it was reported).
        while len(self._open) > MAX_SOURCES:
            del self._open[next(iter(self._open))]
