"""PooledActor: pykka's actor contract on a few shared worker threads."""
from __future__ import annotations

import threading
from concurrent.futures import Future

import pykka
import pytest

from actors.runtime.base import Actor, ask, handles
from actors.errors import Unavailable
from actors.runtime.worker_pool import BATCH, ActorPool, PooledActor


class Note:
    def __init__(self, value, reply: Future | None = None):
        self.value, self.reply = value, reply


class Peek:
    def __init__(self, reply: Future):
        self.reply = reply


class Gate:
    def __init__(self, event: threading.Event):
        self.event, self.reply = event, None


class Recording(PooledActor, Actor):
    pool = ActorPool("test-pool", workers=3)
    handled: list = []   # (actor, value) across actors, in the order handled

    def __init__(self):
        super().__init__()
        self.seen: list = []
        self.inside = 0
        self.overlaps = 0
        self.started_first = None

    def _pool(self) -> ActorPool:
        return self.pool

    def on_start(self):
        self.started_first = not self.seen

    @handles(Note)
    def note(self, message: Note):
        self.inside += 1
        self.overlaps += self.inside > 1
        if message.value == "boom":
            self.inside -= 1
            raise ValueError("boom")
        self.seen.append(message.value)
        Recording.handled.append((id(self), message.value))
        self.inside -= 1
        return len(self.seen)

    @handles(Peek)
    def peek(self, message: Peek):
        return list(self.seen), self.overlaps, self.started_first

    @handles(Gate)
    def gate(self, message: Gate):
        message.event.wait(5)


def test_messages_run_in_order_one_at_a_time_after_on_start():
    ref = Recording.start()
    for i in range(500):
        ref.tell(Note(i))
    assert ask(ref, lambda r: Note("last", r)).result(5) == 501
    seen, overlaps, started_first = ask(ref, Peek).result(5)
    assert seen == list(range(500)) + ["last"]
    assert overlaps == 0 and started_first is True
    ref.stop()


def test_many_actors_share_the_pool_threads():
    before = threading.active_count()
    refs = [Recording.start() for _ in range(300)]
    assert threading.active_count() == before
    answers = [ask(ref, lambda r: Note("x", r)) for ref in refs]
    assert [a.result(5) for a in answers] == [1] * 300
    for ref in refs:
        ref.stop()


def test_a_raising_handler_answers_its_asker_and_the_actor_lives_on():
    ref = Recording.start()
    with pytest.raises(ValueError):
        ask(ref, lambda r: Note("boom", r)).result(5)
    ref.tell(Note("boom"))                                 # no asker: logged, not fatal
    assert ask(ref, lambda r: Note("after", r)).result(5) == 1
    peeked = Future()
    assert ref.ask(Peek(peeked), timeout=5) is None          # pykka's own ask is answered too
    assert peeked.result(0)[0] == ["after"]
    ref.stop()


def test_a_busy_actor_does_not_starve_the_others():
    """A worker handles at most BATCH messages of one actor before another's turn."""
    release = threading.Event()
    blockers = [Recording.start() for _ in range(2)]
    for blocker in blockers:                                # two of the three workers held
        blocker.tell(Gate(release))
    flooded, other = Recording.start(), Recording.start()
    for i in range(BATCH * 20):
        flooded.tell(Note(i))
    assert ask(other, lambda r: Note("me", r)).result(5) == 1
    assert len(ask(flooded, Peek).result(5)[0]) == BATCH * 20
    release.set()
    values = [value for _, value in Recording.handled]
    flood_done = values.index(BATCH * 20 - 1)
    assert values.index("me") < flood_done                 # its turn came before the flood drained
    for ref in blockers + [flooded, other]:
        ref.stop()


def test_stopping_answers_queries_left_in_the_inbox_and_refuses_new_ones():
    release = threading.Event()
    ref = Recording.start()
    ref.tell(Gate(release))
    stopped = ref.stop(block=False)
    late = ask(ref, lambda r: Note("late", r))              # queued behind the stop
    release.set()
    stopped.get(timeout=5)
    with pytest.raises(Unavailable):
        late.result(5)
    with pytest.raises(pykka.ActorDeadError):
        ref.tell(Note("after"))
