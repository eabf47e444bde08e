"""The live stream's parts without HTTP: frames, the ring, the query, a client's queue, the hub."""
from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import Future

import pytest

from actors.errors import Invalid
from actors.notices import (ClusterMoved, CredentialsEnded, EventsSaved, Notices, RequestChanged,
                            ServerChanged, UsageMoved)
from tests.sse import parse
from web.stream.client import CREDENTIALS, OVERFLOWED, StreamClient, Wants
from web.stream.frames import TOPICS, Item, items_of, message
from web.stream.hub import StreamHub
from web.stream.params import LAST_EVENT_ID, parse_stream
from web.stream.ring import Ring
from web.stream.settings import StreamSettings

EVENT = {"id": 7, "when": "2026-01-01T00:00:00+00:00", "severity": "INFO", "message": "a\nb",
         "fsid": "f1", "fqdn": "h1.example"}
ALL = Wants(frozenset(TOPICS))


def msg(message_id: int, topic: str = "event", fsid: str | None = "f1", fqdn: str | None = None):
    return message(message_id, Item(topic, fsid, fqdn, {"n": message_id}))


# --- frames ------------------------------------------------------------------------------------
def test_each_notice_becomes_its_topic_with_what_it_is_about():
    request = {"id": "r1", "state": "complete", "status": "Completed successfully", "error": False}
    cases = [
        (EventsSaved((EVENT,)), ("event", "f1", "h1.example", EVENT)),
        (RequestChanged(request, "create_pool", "complete", 1.5, fsid="f1"),
         ("request", "f1", None, {**request, "fsid": "f1", "kind": "create_pool"})),
        (ClusterMoved("f1", {"osd_map": 12}, "HEALTH_OK"),
         ("cluster", "f1", None, {"fsid": "f1", "maps": {"osd_map": 12}, "health": "HEALTH_OK"})),
        (ServerChanged("h1.example", None, "late"),
         ("server", None, "h1.example", {"fqdn": "h1.example", "fsid": None, "change": "late"})),
        (UsageMoved("f1", {"used_bytes": 5}), ("usage", "f1", None, {"fsid": "f1", "used_bytes": 5})),
    ]
    for notice, (topic, fsid, fqdn, data) in cases:
        [item] = items_of(notice)
        assert (item.topic, item.fsid, item.fqdn, item.data) == (topic, fsid, fqdn, data)
    assert items_of(CredentialsEnded("session ended")) == []


def test_a_frame_is_one_message_whatever_its_strings_hold():
    frame = message(41, items_of(EventsSaved((EVENT,)))[0]).frame
    text = frame.decode()
    assert text.startswith("id: 41\nevent: event\ndata: {") and text.endswith("}\n\n")
    assert text.count("\n") == 4                      # the message's newline is escaped
    [parsed], _ = parse(text)
    assert (parsed.id, parsed.event, parsed.data) == (41, "event", EVENT)


# --- the ring ------------------------------------------------------------------------------------
def test_the_ring_gives_exactly_what_came_after_an_id_it_still_holds():
    ring = Ring(3, first_id=100)
    assert ring.after(99) == []                        # nothing sent yet, nothing missed
    for message_id in range(100, 105):
        ring.append(msg(message_id))
    assert [m.id for m in ring.after(101)] == [102, 103, 104]
    assert ring.after(104) == []
    assert ring.after(100) is None                     # 101 has left the ring: too far behind
    assert ring.after(98) is None                      # an earlier run's id
    assert ring.after(105) is None                     # never handed out


# --- the query -------------------------------------------------------------------------------------
def test_topics_default_to_all_and_take_lists_or_repeats():
    assert parse_stream({}, {}).wants.topics == frozenset(TOPICS)
    assert parse_stream({"topics": ["event,request"]}, {}).wants.topics == {"event", "request"}
    assert parse_stream({"topics": ["event", "usage"]}, {}).wants.topics == {"event", "usage"}


@pytest.mark.parametrize("args, headers, named", [
    ({"topics": ["event,bogus"]}, {}, "topics"),
    ({"topics": [""]}, {}, "topics"),
    ({"last_event_id": ["x"]}, {}, "last_event_id"),
    ({"last_event_id": ["-1"]}, {}, "last_event_id"),
    ({}, {LAST_EVENT_ID: "1.5"}, LAST_EVENT_ID),
    ({"max_s": ["0"]}, {}, "max_s"),
    ({"max_s": ["nan"]}, {}, "max_s"),
    ({"fsid": [""]}, {}, "fsid"),
    ({"fqdn": ["x" * 300]}, {}, "fqdn"),
])
def test_bad_parameters_are_a_400_naming_them(args, headers, named):
    with pytest.raises(Invalid) as raised:
        parse_stream(args, headers)
    assert list(raised.value.errors) == [named]


def test_the_header_wins_over_the_id_the_url_was_opened_with():
    asked = parse_stream({"last_event_id": ["5"], "fsid": ["f1"], "max_s": ["2.5"]}, {LAST_EVENT_ID: "9"})
    assert (asked.last_seen, asked.wants.fsid, asked.max_s) == (9, "f1", 2.5)
    assert parse_stream({"last_event_id": ["5"]}, {}).last_seen == 5


# --- a client's queue -------------------------------------------------------------------------------
def client_on_a_loop(wants=ALL, queue_max=3, position=0) -> StreamClient:
    async def make():
        return StreamClient(wants, ("session", "t"), queue_max, position)
    return asyncio.run(make())


def test_a_client_gets_what_it_wants_and_overflows_past_its_bound():
    client = client_on_a_loop(Wants(frozenset({"event"}), fsid="f1"), queue_max=2, position=9)
    client.offer(msg(10, "usage"))                    # not wanted, queue empty: had all it wants
    client.offer(msg(11, fsid="other"))
    assert client.position == 11
    client.offer(msg(12))
    client.offer(msg(13, "usage"))                    # not wanted but 12 is not written yet
    assert [m.id for m in client.take()] == [12] and client.position == 12
    for message_id in (14, 15, 16):                   # a burst while it keeps up: all queued
        client.offer(msg(message_id))
    assert client.end_reason is None and [m.id for m in client.take()] == [14, 15, 16]
    client.stalled = True                             # its socket stopped taking what it wrote
    for message_id in (17, 18, 19):
        client.offer(msg(message_id))
    assert client.end_reason == OVERFLOWED
    assert client.position == 16                      # where it resumes: 17 on was never written


# --- the hub -------------------------------------------------------------------------------------
def test_the_hub_numbers_encodes_once_and_fans_out_from_other_threads():
    notices = Notices()

    async def scenario():
        hub = StreamHub(notices, StreamSettings(queue_messages=100), check_credential=None, clock=lambda: 1.0)
        events_only, everything = (hub.open(Wants(frozenset(t)), ("session", "t"), None)[0]
                                   for t in ({"event"}, TOPICS))
        assert hub.client_count() == 2
        publisher = threading.Thread(target=lambda: [notices.publish(n) for n in (
            EventsSaved((EVENT, dict(EVENT, id=8))), UsageMoved("f1", {"used_bytes": 1}))])
        publisher.start()
        publisher.join()   # the loop is held here: one drain takes both notices
        await asyncio.wait_for(everything.wait(5), 5)
        mine, all_of_it = events_only.take(), everything.take()
        assert [m.id for m in all_of_it] == [1_000_000, 1_000_001, 1_000_002]
        assert [m.id for m in mine] == [1_000_000, 1_000_001]
        assert mine[0].frame is all_of_it[0].frame    # encoded once for everyone
        late, missed = hub.open(ALL, ("session", "t"), 1_000_000)
        assert [m.id for m in missed] == [1_000_001, 1_000_002]
        assert hub.open(ALL, ("session", "t"), 5)[1] is None     # an id of another run
        hub.close(late)
        return json.loads(all_of_it[2].frame.decode().split("data: ")[1])
    assert asyncio.run(scenario()) == {"fsid": "f1", "used_bytes": 1}


def test_streams_whose_credential_ended_end_on_the_notice():
    notices, valid = Notices(), {"kept": {"role": "read-only"}, "gone": {"role": "admin"}}

    def check(kind, token):
        answer = Future()
        answer.set_result(valid.get(token))
        return answer

    async def scenario():
        hub = StreamHub(notices, StreamSettings(auth_check_s=60), check)
        kept, gone = (hub.open(ALL, ("session", token), None)[0] for token in ("kept", "gone"))
        del valid["gone"]
        notices.publish(CredentialsEnded("session ended"))
        await asyncio.wait_for(gone.wait(5), 5)
        assert gone.end_reason == CREDENTIALS and kept.end_reason is None
    asyncio.run(scenario())
