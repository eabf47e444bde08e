"""Retention: the pure policy, the store's batched pruning (fake clock), the tracker's memory."""
from __future__ import annotations

import pytest

from actors.storage import retention as rt
from actors.storage import messages as m
from actors.runtime.base import ask
from actors.context import Peers, Timings
from actors.events import INFO, Event
from actors.messages import Restored, Tick
from actors.requests.messages import ListRequests, SubmitJob
from actors.requests.tracker import RequestTracker
from tests.helpers import wait_until
from tests.unit.actor_doubles import Recorder
from tests.unit.actors.storage.store_helpers import Clock, clocked_store

DAY = rt.DAY_S
NOW = 1_800_000_000.0


# the pure policy ---------------------------------------------------------------------------------

def test_flags_of_zero_mean_no_limit_and_bad_values_are_refused():
    assert rt.Retention.of(0, 0) == rt.Retention(None, None)
    assert rt.Retention.of(2, 10) == rt.Retention(2 * DAY, 10)
    for bad in ((-1, 10), (1, -1)):
        with pytest.raises(ValueError):
            rt.Retention.of(*bad)
    with pytest.raises(ValueError):
        rt.RetentionSettings(batch_rows=0)


def test_cutoff_and_excess():
    policy = rt.Retention(DAY, 3)
    assert policy.cutoff(NOW) == NOW - DAY
    assert [policy.excess(n) for n in (0, 3, 5)] == [0, 0, 2]
    assert rt.Retention().cutoff(NOW) is None and rt.Retention().excess(10**9) == 0


def test_expired_drops_the_too_old_then_the_oldest_over_the_count():
    stamps = [("a", NOW - 3 * DAY), ("b", NOW - 2 * DAY), ("c", NOW - 10), ("d", NOW - 5), ("e", NOW)]
    assert rt.expired(stamps, NOW, rt.Retention(1.5 * DAY, None)) == ["a", "b"]
    assert rt.expired(stamps, NOW, rt.Retention(None, 2)) == ["a", "b", "c"]
    assert rt.expired(stamps, NOW, rt.Retention(2.5 * DAY, 2)) == ["a", "b", "c"]
    assert rt.expired(stamps, NOW, rt.Retention()) == []


def test_due_first_at_once_then_every_interval_and_after_a_clock_step_back():
    due = rt.Due(60)
    assert [due(t) for t in (100, 130, 159, 160, 200, 50)] == [True, False, False, True, False, True]


# the store: batches, oldest first, never a running request -------------------------------------------

@pytest.fixture
def store(db_url):
    """On SQLite and on PostgreSQL (tests/db_backends.py): the pruning SQL must run on both."""
    ref, clock = clocked_store(db_url, NOW)
    yield ref, clock
    ref.stop()


def call(ref, message_type, *args, **kwargs):
    return ask(ref, lambda reply: message_type(*args, **kwargs, reply=reply)).result(timeout=10)


def events(ref) -> list[str]:
    return [e["message"] for e in call(ref, m.ListEvents, None, None, None, 0, None)[1]]


def request_row(request_id, requested_at, state="complete"):
    return {"id": request_id, "fsid": None, "state": state, "headline": request_id,
            "requested_at": requested_at, "completed_at": requested_at if state == "complete" else None}


def prune(ref, events_policy=rt.Retention(), requests_policy=rt.Retention(), batch=100):
    return call(ref, m.PruneHistory, events_policy, requests_policy, batch)


def test_store_deletes_old_events_by_age_with_its_own_clock(store):
    ref, clock = store
    ref.tell(m.SaveEvents(tuple(Event(NOW - age * DAY, INFO, f"{age}d") for age in (40, 31, 29, 1))))
    assert prune(ref, rt.Retention(30 * DAY, None)) == (2, 0)
    assert events(ref) == ["1d", "29d"]
    clock.now += 2 * DAY     # the store's clock, not the caller's, decides what is old
    assert prune(ref, rt.Retention(30 * DAY, None)) == (1, 0)
    assert events(ref) == ["1d"]


def test_store_keeps_the_newest_by_count_and_goes_on_batch_by_batch(store):
    ref, _ = store
    ref.tell(m.SaveEvents(tuple(Event(NOW - i, INFO, f"e{i}") for i in range(25))))
    # One answer per batch; the store tells itself the rest, so the backlog drains on its own.
    assert prune(ref, rt.Retention(None, 5), batch=4) == (4, 0)
    wait_until(lambda: len(events(ref)) == 5, what="the backlog pruned batch by batch")
    assert events(ref) == [f"e{i}" for i in range(5)]
    assert prune(ref, rt.Retention(None, 5), batch=4) == (0, 0)


def test_store_never_deletes_submitted_requests(store):
    ref, _ = store
    for request_id, age, state in (("old-done", 40, "complete"), ("old-running", 40, "submitted"),
                                   ("new-done-1", 2, "complete"), ("new-done-2", 1, "complete")):
        ref.tell(m.SaveRequest(request_row(request_id, NOW - age * DAY, state)))
    assert prune(ref, requests_policy=rt.Retention(30 * DAY, 1)) == (0, 2)
    assert sorted(r["id"] for r in call(ref, m.LoadRequests)) == ["new-done-2", "old-running"]


# the tracker's memory ---------------------------------------------------------------------------------

def test_tracker_drops_completed_requests_from_memory_by_the_same_policy_never_running_ones():
    sink = Recorder.start()
    clock = Clock(NOW - 50 * DAY)
    peers = Peers(store=sink, eventer=sink, directory=sink, send_job=lambda *args: "job-1",
                  cluster_ref=lambda fsid: None, publish_cluster=lambda fsid, summary: None)
    tracker = RequestTracker.start(peers, Timings(), clock, job_timeout_s=100 * DAY, new_id=lambda: "running",
                                   retention=rt.Retention(30 * DAY, 2), retention_interval_s=60)
    try:
        ask(tracker, lambda r: SubmitJob("ceph.heartbeat", {}, "node1", "a slow job", "admin", r)).result(5)
        tracker.tell(Restored([request_row(f"done-{age}", NOW - age * DAY) for age in (1, 2, 3, 40)]))
        tracker.ask(Tick(NOW))
        ids = [r["id"] for r in ask(tracker, lambda r: ListRequests(None, None, 0, None, r)).result(5)[1]]
        assert ids == ["done-1", "done-2", "running"]
    finally:
        tracker.stop()
        sink.stop()
