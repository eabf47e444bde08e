"""Synchronous API calls answered by agents (CLI, logs): try each candidate host in turn.

The first agent that answers wins; one that does not answer in time (or cannot be reached) is
skipped for the next. A clean failure reported by an agent (e.g. a log file that does not exist)
is an answer too, and becomes the caller's error.
"""
from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Callable

from actors.errors import DomainError, NotFound, Unavailable
from bus.protocol import JobResult

log = logging.getLogger(__name__)
UNREACHABLE = frozenset({"Timeout", "Unreachable"})


def first_answer(call: Callable[[str], Future], candidates: list[str], what: str,
                 clean_failure: Callable[[str], DomainError] = NotFound) -> Future:
    """Future of the first successful result of call(candidate), in order."""
    out: Future = Future()
    remaining = list(candidates)

    def try_next() -> None:
        if not remaining:
            out.set_exception(Unavailable(f"No mon servers are responding ({what})"))
            return
        agent = remaining.pop(0)
        call(agent).add_done_callback(lambda f: settle(agent, f))

    def settle(agent: str, future: Future) -> None:
        try:
            result: JobResult = future.result()
        except Exception as exc:  # noqa: BLE001 - an agent we could not reach: try the next
            log.info("%s: %s could not be asked: %s", what, agent, exc)
            try_next()
            return
        if result.success:
            out.set_result(result.result)
        elif (result.error or {}).get("type") in UNREACHABLE:
            log.info("%s: no answer from %s", what, agent)
            try_next()
        else:
            out.set_exception(clean_failure((result.error or {}).get("message") or f"{what} failed on {agent}"))

    try_next()
    return out
