"""Small combinators over concurrent.futures.Future, so the facade never blocks on one."""
from __future__ import annotations

from concurrent.futures import Future


def done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def failed(exc: Exception) -> Future:
    future: Future = Future()
    future.set_exception(exc)
    return future


def then(future: Future, fn) -> Future:
    """A Future of fn(result of `future`); fn may return a Future. Exceptions propagate."""
    out: Future = Future()

    def chain(source: Future):
        try:
            value = fn(source.result())
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting caller
            out.set_exception(exc)
            return
        if isinstance(value, Future):
            value.add_done_callback(lambda inner: _copy(inner, out))
        else:
            out.set_result(value)
    future.add_done_callback(chain)
    return out


def _copy(source: Future, target: Future) -> None:
    if source.exception() is not None:
        target.set_exception(source.exception())
    else:
        target.set_result(source.result())
