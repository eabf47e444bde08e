"""actors/notices.py: the fan-out, and the store telling saved events with the ids they got."""
from __future__ import annotations

import threading

from actors.events import INFO, WARNING, Event
from actors.notices import EventsSaved, Notices, ServerChanged
from actors.storage import messages as m
from actors.storage.actor import StoreActor
from tests.db_backends import rows
from tests.helpers import wait_until
from tests.unit.actors.storage.store_helpers import call


def test_every_subscriber_gets_each_notice_until_it_unsubscribes():
    notices, first, second = Notices(), [], []
    assert not notices.active
    stop_first = notices.subscribe(first.append)
    notices.subscribe(second.append)
    assert notices.active
    one, two = ServerChanged("a.example", None, "late"), ServerChanged("b.example", "f", "regained")
    notices.publish(one)
    stop_first()
    notices.publish(two)
    assert first == [one]
    assert second == [one, two]


def test_a_failing_subscriber_does_not_stop_the_others(caplog):
    notices, seen = Notices(), []

    def broken(_notice):
        raise RuntimeError("boom")
    notices.subscribe(broken)
    notices.subscribe(seen.append)
    notices.publish(ServerChanged("a.example", None, "managed"))
    assert len(seen) == 1
    assert "a subscriber failed" in caplog.text


def test_subscribing_while_others_publish_is_safe():
    notices, counts = Notices(), []
    stop = threading.Event()

    def publish_forever():
        while not stop.is_set():
            notices.publish(ServerChanged("a.example", None, "late"))
    publisher = threading.Thread(target=publish_forever)
    publisher.start()
    try:
        for _ in range(20):
            seen = []
            unsubscribe = notices.subscribe(seen.append)
            wait_until(lambda: seen, timeout_s=5)
            unsubscribe()
            counts.append(len(seen))
    finally:
        stop.set()
        publisher.join()
    assert all(count >= 1 for count in counts)


def test_the_store_tells_saved_events_with_the_ids_the_list_has(db_url):
    notices, told = Notices(), []
    notices.subscribe(told.append)
    store = StoreActor.start(db_url, notices=notices)
    try:
        batch_one = (Event(1700000000.0, INFO, "one", fsid="f1"), Event(1700000001.0, WARNING, "two", fqdn="h.example"))
        store.tell(m.SaveEvents(batch_one))
        store.tell(m.SaveEvents((Event(1700000002.5, INFO, "three"),)))
        call(store, m.Flush)
    finally:
        store.stop()
    assert all(isinstance(n, EventsSaved) for n in told)
    listed = [e for n in told for e in n.events]
    stored = {message: event_id for event_id, message in rows(db_url, "SELECT id, message FROM events")}
    assert [(e["id"], e["message"]) for e in listed] == [(stored[t], t) for t in ("one", "two", "three")]
    assert listed[1] == {"id": stored["two"], "when": "2023-11-14T22:13:21+00:00", "severity": "WARNING",
                         "message": "two", "fsid": None, "fqdn": "h.example"}
    assert listed[0]["fsid"] == "f1"
