"""The actor base class: typed dispatch, replies, and no query left unanswered."""
from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass

import pytest

from actors.runtime.base import Actor, ask, handles
from actors.errors import NotFound, Unavailable


@dataclass(frozen=True)
class Double:
    x: int
    reply: Future


@dataclass(frozen=True)
class Hold:
    gate: threading.Event


@dataclass(frozen=True)
class Boom:
    pass


class Sample(Actor):
    @handles(Double)
    def double(self, message):
        if message.x < 0:
            raise NotFound("negative")
        return message.x * 2

    @handles(Hold)
    def hold(self, message):
        message.gate.wait(5)

    @handles(Boom)
    def boom(self, message):
        raise RuntimeError("bad message")


def test_queries_answer_and_domain_errors_reach_the_caller():
    ref = Sample.start()
    assert ask(ref, lambda r: Double(4, r)).result(2) == 8
    with pytest.raises(NotFound):
        ask(ref, lambda r: Double(-1, r)).result(2)


def test_a_failing_tell_does_not_kill_the_actor():
    ref = Sample.start()
    ref.tell(Boom())
    assert ask(ref, lambda r: Double(1, r)).result(2) == 2


def test_queries_queued_when_the_actor_stops_are_answered_unavailable():
    ref = Sample.start()
    gate = threading.Event()
    ref.tell(Hold(gate))
    ref.stop(block=False)                          # queued behind Hold
    queued = ask(ref, lambda r: Double(3, r))      # queued behind the stop: never handled
    gate.set()
    with pytest.raises(Unavailable):
        queued.result(5)
    with pytest.raises(Unavailable):
        ask(ref, lambda r: Double(3, r)).result(1)   # a dead actor fails at once
