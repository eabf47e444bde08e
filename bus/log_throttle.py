"""A log line that may repeat at the rate of incoming traffic, rate-limited per kind of trouble."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

LOG_EVERY_S = 10.0


class LogThrottle:
    """Rate-limits a noisy log line per key; the next line that passes says how many were held back.

    Keys name a kind of trouble ("malformed", "send_failed"), not a peer, so the table stays small
    however many peers misbehave. Thread-safe.
    """

    def __init__(self, logger: logging.Logger, every_s: float = LOG_EVERY_S,
                 clock: Callable[[], float] = time.monotonic):
        self._logger = logger
        self._every_s = every_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, int]] = {}  # key -> (last logged at, suppressed since)

    def log(self, level: int, key: str, msg: str, *args: Any, exc_info: Any = None) -> bool:
        """Log unless `key` was logged less than `every_s` ago. Returns whether it logged."""
        now = self._clock()
        with self._lock:
            last, suppressed = self._state.get(key, (None, 0))
            if last is not None and now - last < self._every_s:
                self._state[key] = (last, suppressed + 1)
                return False
            self._state[key] = (now, 0)
        if suppressed:
            msg += " (%d similar suppressed)"
            args += (suppressed,)
        self._logger.log(level, msg, *args, exc_info=exc_info)
        return True

    def reset(self, key: str) -> None:
        """The trouble of `key` is over: its next occurrence is logged at once."""
        with self._lock:
            self._state.pop(key, None)
