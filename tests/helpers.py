"""Small test helpers shared by every test layer: polling with a deadline instead of sleeping."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable


class WaitTimeout(AssertionError):
    """wait_until ran out of time; the message carries the last value the predicate returned."""


def wait_until(predicate: Callable[[], Any], timeout_s: float = 5.0, every_s: float = 0.01,
               what: str | None = None) -> Any:
    """Poll `predicate` until it returns something truthy, and return that.

    Raises WaitTimeout (an AssertionError, so pytest shows it as a failed check) with the last
    observed value once `timeout_s` has passed. Exceptions from the predicate propagate.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            label = what or getattr(predicate, "__name__", "condition")
            raise WaitTimeout(f"{label} not met within {timeout_s}s; last value: {value!r}")
        time.sleep(every_s)


class Recorder:
    """A thread-safe callable that records its calls, e.g. a BusServer's on_message.

    `recorder(agent_id, envelope)` appends (agent_id, envelope); `calls` returns a copy.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[tuple] = []

    def __call__(self, *args: Any) -> None:
        with self._lock:
            self._calls.append(args)

    @property
    def calls(self) -> list[tuple]:
        with self._lock:
            return list(self._calls)

    def envelopes(self, kind: str | None = None, sender: str | None = None) -> list:
        """Envelopes (the last argument of each call), filtered by kind and sender."""
        return [call[-1] for call in self.calls
                if (kind is None or call[-1].kind == kind)
                and (sender is None or call[-1].sender == sender)]


def skip_or_fail(reason: str | None, required_env: str, what: str) -> None:
    """Skip a test whose outside requirement is missing (`reason`), or fail it when the
    environment variable `required_env` says the run must include it (CI: no silent skips)."""
    if reason is None:
        return
    import os

    import pytest
    if os.environ.get(required_env):
        pytest.fail(f"{required_env} is set but {what} cannot run: {reason}", pytrace=False)
    pytest.skip(reason)
