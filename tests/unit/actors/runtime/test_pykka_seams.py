"""The pykka internals our actors override or call, checked against the installed pykka.

pykka (pinned in requirements.txt) has no public way to choose an actor's inbox, to run an actor
on a shared thread, or to act once an actor's loop has ended whichever way it ended; the
implementor methods its own ThreadingActor uses are private. Three places rely on them:
- actors/runtime/base.py overrides `_actor_loop_teardown` (queries left in the inbox answered);
- actors/runtime/worker_pool.py overrides `_create_actor_inbox` and `_start_actor_loop` and runs
  `_actor_loop_setup`, `_handle_receive`, `_handle_failure`, `_actor_loop_teardown` itself;
- actors/storage/actor.py overrides `_create_actor_inbox` (EventInbox, a queue.Queue).
A pykka upgrade that renames one, stops calling it or changes what it is called with fails here,
with the internal's name, rather than as a hang or a lost reply somewhere else.
"""
from __future__ import annotations

import inspect
from importlib.metadata import version
import queue
import sys
import threading

import pykka
import pytest

PINNED = "actors/runtime/base.py, actors/runtime/worker_pool.py and actors/storage/actor.py"


def broken(internal: str, what: str) -> str:
    return (f"pykka {version('pykka')}: the private `{internal}` {what}; {PINNED} rely on it "
            f"(see the comments at their overrides) - adapt them before upgrading pykka")


def internal(name: str, params: list[str]):
    """pykka.Actor's private method `name`, taking exactly `params` after self."""
    method = getattr(pykka.ThreadingActor, name, None)
    assert callable(method), broken(f"Actor.{name}", "no longer exists")
    actual = [p for p in inspect.signature(method).parameters if p != "self"]
    assert actual == params, broken(f"Actor.{name}", f"now takes {actual}, not {params}")
    return method


class RecordingInbox(queue.Queue):
    def __init__(self):
        super().__init__()
        self.envelopes = []

    def put(self, item, block=True, timeout=None):
        self.envelopes.append(item)
        super().put(item, block, timeout)


class Probe(pykka.ThreadingActor):
    """An actor never started on a thread: the seams are called by hand, as the pool does."""

    last: "Probe | None" = None

    def __init__(self):
        Probe.last = self
        self.inboxes_made = 0
        self.loops_started = 0
        self.started = self.stopped = False
        super().__init__()

    def _create_actor_inbox(self):       # as PooledActor: an instance method
        self.inboxes_made += 1
        return RecordingInbox()

    def _start_actor_loop(self):
        self.loops_started += 1

    def on_start(self):
        self.started = True

    def on_stop(self):
        self.stopped = True

    def on_receive(self, message):
        return ("handled", message)


def test_the_private_methods_exist_with_the_signatures_we_use():
    internal("_create_actor_inbox", [])
    internal("_start_actor_loop", [])
    internal("_actor_loop_setup", [])
    internal("_actor_loop_teardown", [])
    internal("_handle_receive", ["message"])
    internal("_handle_failure", ["exception_type", "exception_value", "traceback"])


def test_init_takes_the_inbox_from__create_actor_inbox_and_refs_put_envelopes_into_it():
    actor = Probe()
    assert actor.inboxes_made == 1 and isinstance(actor.actor_inbox, RecordingInbox), \
        broken("Actor._create_actor_inbox", "is no longer what Actor.__init__ takes actor_inbox from")
    actor.actor_ref.tell("told")
    asked = actor.actor_ref.ask("asked", block=False)
    told, envelope = actor.actor_inbox.envelopes
    assert (told.message, told.reply_to) == ("told", None), \
        broken("Envelope", "put by ActorRef.tell is no longer (message, reply_to=None)")
    assert envelope.message == "asked" and envelope.reply_to is asked, \
        broken("Envelope", "put by ActorRef.ask no longer carries the asker's future as reply_to")
    assert {"get", "put", "empty"} <= set(dir(actor.actor_inbox))


def test_the_threading_inbox_is_a_queue():
    assert isinstance(pykka.ThreadingActor._create_actor_inbox(), queue.Queue), \
        broken("ThreadingActor._create_actor_inbox", "no longer makes a queue.Queue (EventInbox is one)")


def test_start_calls__start_actor_loop_once_and_nothing_else_runs_the_actor():
    threads = threading.active_count()
    ref = Probe.start()
    try:
        actor = Probe.last
        assert actor.loops_started == 1, \
            broken("Actor._start_actor_loop", "is no longer called once by Actor.start()")
        assert threading.active_count() == threads and not actor.started, \
            broken("Actor._start_actor_loop", "is no longer the only thing that runs the actor")
    finally:
        pykka.ActorRegistry.unregister(ref)


def test__actor_loop_setup_runs_on_start():
    actor = Probe()
    actor._actor_loop_setup()
    assert actor.started, broken("Actor._actor_loop_setup", "no longer runs on_start")


def test__handle_receive_runs_on_receive_and_the_stop_message():
    actor = Probe()
    assert actor._handle_receive("hello") == ("handled", "hello"), \
        broken("Actor._handle_receive", "no longer hands a plain message to on_receive")
    actor.actor_ref.stop(block=False)
    stop = actor.actor_inbox.envelopes[-1]
    actor._handle_receive(stop.message)
    assert actor.actor_stopped.is_set() and actor.stopped, \
        broken("Actor._handle_receive", "no longer stops the actor (and runs on_stop) for ActorRef.stop's message")


def test__handle_failure_stops_the_actor():
    ref = Probe.start()
    actor = Probe.last
    try:
        raise RuntimeError("probe")
    except RuntimeError:
        actor._handle_failure(*sys.exc_info())
    finally:
        pykka.ActorRegistry.unregister(ref)   # never left for a stop_all to wait on
    assert actor.actor_stopped.is_set() and not ref.is_alive(), \
        broken("Actor._handle_failure", "no longer marks the actor stopped")


def test_reply_futures_take_a_value_or_the_exception_being_handled():
    actor = Probe()
    answered = actor.actor_ref.ask("a", block=False)
    failed = actor.actor_ref.ask("b", block=False)
    first, second = actor.actor_inbox.envelopes
    first.reply_to.set(5)
    try:
        raise ValueError("probe")
    except ValueError:
        second.reply_to.set_exception()
    assert answered.get(timeout=1) == 5, broken("Envelope.reply_to.set", "no longer answers the asker")
    with pytest.raises(ValueError):
        failed.get(timeout=1)


class Teardown(pykka.ThreadingActor):
    fail_start = False

    def __init__(self, done: threading.Event):
        super().__init__()
        self.done = done

    def on_start(self):
        if self.fail_start:
            raise RuntimeError("probe: on_start fails")

    def _actor_loop_teardown(self):
        self.pending = not self.actor_inbox.empty()
        super()._actor_loop_teardown()
        self.done.set()


class FailingStart(Teardown):
    fail_start = True


@pytest.mark.parametrize("actor_class", [Teardown, FailingStart], ids=["stopped", "failed on_start"])
def test__actor_loop_teardown_runs_when_the_loop_ends_either_way(actor_class, caplog):
    done = threading.Event()
    ref = actor_class.start(done)
    if actor_class is Teardown:
        ref.stop()
    assert done.wait(5), \
        broken("Actor._actor_loop_teardown", f"is no longer called when the loop ends ({actor_class.__name__})")
