"""EventReader (actors/storage/event_reader.py): lists events on its own connection, not behind the
store's writes, yet shows every event the store was told to save before the list was asked."""
from __future__ import annotations

import threading
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import pytest

from actors.storage import event_reader
from actors.storage import messages as m
from actors.runtime.base import ask, handles
from actors.storage.event_reader import EventInbox, EventReader
from actors.events import INFO, WARNING, Event
from actors.facade.daemon_api import DaemonApi
from actors.storage.actor import StoreActor


@dataclass(frozen=True)
class Hold:
    """Keeps the store busy (as a long write would) until `release` is set."""
    started: threading.Event
    release: threading.Event


class HeldStore(StoreActor):
    @handles(Hold)
    def _hold(self, msg: Hold) -> None:
        msg.started.set()
        msg.release.wait(10)


def listed(ref, fsid=None, fqdn=None, max_severity=None, offset=0, limit=10, timeout=10):
    count, rows = ask(ref, lambda r: m.ListEvents(fsid, fqdn, max_severity, offset, limit, r)).result(timeout)
    return count, [row["message"] for row in rows]


def flush(ref):
    ask(ref, m.Flush).result(10)


@pytest.fixture
def store(db_url):
    ref = HeldStore.start(db_url)
    flush(ref)          # the schema exists before a reader opens the database
    return ref


@pytest.fixture
def reader(db_url, store):
    return EventReader.start(db_url, store=store)


def hold(store) -> threading.Event:
    started, release = threading.Event(), threading.Event()
    store.tell(Hold(started, release))
    assert started.wait(10)
    return release


def test_the_store_inbox_counts_event_writes_in_and_out(store):
    inbox = store.actor_inbox
    assert isinstance(inbox, EventInbox)
    store.tell(m.SaveEvents((Event(1.0, INFO, "a"),)))
    store.tell(m.SaveEvents((Event(2.0, INFO, None),)))    # fails (message NOT NULL): still done
    flush(store)
    assert (inbox.events_in, inbox.events_done) == (2, 2)
    assert inbox.wait_for_events(0.0)


def test_the_reader_lists_what_the_store_was_told_to_save_before(store, reader):
    for i in range(20):
        store.tell(m.SaveEvents((Event(float(i), WARNING if i % 2 else INFO, f"e{i}", fsid="f1"),)))
        assert listed(reader, limit=1) == (i + 1, [f"e{i}"])      # read-your-writes, every time
    assert listed(reader, "f1", None, WARNING, 8, 3) == (10, ["e3", "e1"])


def test_a_list_is_not_queued_behind_a_store_write(store, reader):
    store.tell(m.SaveEvents((Event(1.0, INFO, "saved"),)))
    flush(store)
    release = hold(store)                     # the store is busy: its inbox does not move
    try:
        assert listed(reader, timeout=5) == (1, ["saved"])
        with pytest.raises(FutureTimeout):   # while the store itself could not answer
            listed(store, timeout=0.2)
    finally:
        release.set()


def test_a_list_waits_for_an_event_write_queued_before_it(store, reader):
    release = hold(store)
    store.tell(m.SaveEvents((Event(2.0, INFO, "queued"),)))
    answer = ask(reader, lambda r: m.ListEvents(None, None, None, 0, 10, r))
    with pytest.raises(FutureTimeout):
        answer.result(0.3)
    release.set()
    count, rows = answer.result(10)
    assert (count, [row["message"] for row in rows]) == (1, ["queued"])


def test_a_stuck_store_delays_a_list_only_so_long(store, reader, monkeypatch):
    monkeypatch.setattr(event_reader, "FENCE_WAIT_S", 0.2)
    store.tell(m.SaveEvents((Event(1.0, INFO, "committed"),)))
    release = hold(store)
    store.tell(m.SaveEvents((Event(2.0, INFO, "pending"),)))
    try:
        assert listed(reader, timeout=5) == (1, ["committed"])     # what is committed, not more
    finally:
        release.set()
    assert listed(reader) == (2, ["pending", "committed"])


def test_without_its_own_connection_the_reader_asks_the_store(tmp_path, store):
    reader = EventReader.start(str(tmp_path), store=store)      # a directory: cannot be opened
    store.tell(m.SaveEvents((Event(1.0, INFO, "via the store"),)))
    assert listed(reader) == (1, ["via the store"])


def test_the_facade_lists_through_the_reader(store, reader):
    api = DaemonApi(None, None, store, None, events=reader)
    store.tell(m.SaveEvents((Event(1.0, INFO, "hello"),)))
    release = hold(store)
    try:
        count, rows = api.list_events(fsid=None, fqdn=None, max_severity=INFO, offset=0, limit=10).result(5)
    finally:
        release.set()
    assert (count, [row["message"] for row in rows]) == (1, ["hello"])
