"""The one actor base class: typed message dispatch, replies through Futures, no dead actors.

Messages are frozen dataclasses. A query carries `reply: concurrent.futures.Future`; the
handler's return value (or exception) completes it, so the web tier can await it without a
thread (asyncio.wrap_future). A handler that raises for a message without a reply is logged
and the actor carries on: a bad message must never kill an actor (a failed `tell` would).
"""
from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Callable

import pykka

from actors.runtime.coalesce import Latest

log = logging.getLogger(__name__)


# A handler returns DEFERRED when it passed the message's `reply` on to another actor to complete.
DEFERRED = object()


def handles(*message_types: type) -> Callable:
    """Mark a method as the handler of the given message types."""
    def mark(fn):
        fn._handles = message_types
        return fn
    return mark


class Actor(pykka.ThreadingActor):
    _dispatch: dict[type, str] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        table = {}
        for klass in reversed(cls.__mro__):
            for name, member in vars(klass).items():
                for message_type in getattr(member, "_handles", ()):
                    table[message_type] = name
        cls._dispatch = table

    def on_receive(self, message):
        if isinstance(message, Latest):   # a coalesced heartbeat (actors/runtime/coalesce.py)
            message = message.take()
            if message is None:
                return None
        name = self._dispatch.get(type(message))
        reply: Future | None = getattr(message, "reply", None)
        if name is None:
            self._fail(reply, TypeError(f"{type(self).__name__} does not handle {type(message).__name__}"))
            return None
        try:
            result = getattr(self, name)(message)
        except Exception as exc:  # noqa: BLE001 - reported to the asker or logged, never fatal
            self._fail(reply, exc)
            return None
        if reply is not None and result is not DEFERRED and not reply.done():
            reply.set_result(result)
        return None

    # Kept: an override of pykka's private Actor._actor_loop_teardown (pinned pykka 4.5.0). pykka
    # has no public hook that runs after the last message on every way out: on_stop is skipped
    # when the actor stops through _handle_failure (a raising on_start/on_stop, a failed proxy
    # call), and it runs before the loop ends. Relied on: pykka calls it with no argument after
    # the loop ends, the inbox has get/put/empty, and envelopes carry .message/.reply_to.
    # tests/unit/actors/runtime/test_pykka_seams.py fails by name if a pykka upgrade changes that.
    def _actor_loop_teardown(self) -> None:
        """An actor that stops answers every query still in its inbox (pykka itself only
        answers its own `ask` envelopes), so no caller waits for a reply that never comes."""
        pending = []
        while not self.actor_inbox.empty():
            pending.append(self.actor_inbox.get())
        for envelope in pending:
            reply = getattr(envelope.message, "reply", None)
            if isinstance(reply, Future) and not reply.done():
                from actors.errors import Unavailable
                reply.set_exception(Unavailable(f"{type(self).__name__} stopped before answering"))
            self.actor_inbox.put(envelope)
        super()._actor_loop_teardown()

    def on_failure(self, exception_type, exception_value, traceback):
        log.error("%s failed: %s", type(self).__name__, exception_value)

    def _fail(self, reply: Future | None, exc: Exception) -> None:
        if reply is not None:
            if not reply.done():
                reply.set_exception(exc)
            if not _expected(exc):
                log.exception("%s: query failed", type(self).__name__, exc_info=exc)
        else:
            log.error("%s: message dropped: %s", type(self).__name__, exc, exc_info=exc)


def _expected(exc: Exception) -> bool:
    from actors.errors import DomainError
    return isinstance(exc, DomainError)


def ask(ref: pykka.ActorRef, make_message: Callable[[Future], object]) -> Future:
    """Post a query built around a fresh Future; a dead actor fails the Future at once."""
    reply: Future = Future()
    try:
        ref.tell(make_message(reply))
    except pykka.ActorDeadError:
        from actors.errors import Unavailable
        reply.set_exception(Unavailable("the component that owns this data has stopped"))
    return reply
