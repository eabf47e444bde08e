"""The live stream's parts without HTTP: frames, the ring, the query, a client's queue, the hub."""
from __future__ import annotations

import asyncio
import threading
import time
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


# --- a client and its socket -------------------------------------------------------------------------
class Socket:
    """A connection's writes: taken at once, or (stalled) pending until `take_all`."""

    def __init__(self):
        self.written: list[bytes] = []
        self.stalled = False
        self._pending: list[asyncio.Future] = []

    def send(self, data: bytes) -> asyncio.Future:
        self.written.append(data)
        future = asyncio.get_running_loop().create_future()
        if self.stalled:
            self._pending.append(future)
        else:
            future.set_result(None)
        return future

    def take_all(self) -> None:
        self.stalled = False
        for future in self._pending:
            future.set_result(None)
        self._pending.clear()

    def ids(self) -> list[int]:
        return [m.id for m in parse(b"".join(self.written).decode())[0]]


async def until(predicate, timeout_s: float = 5.0):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.001)


def test_a_client_writes_what_it_wants_and_overflows_only_while_stalled():
    async def scenario():
        client, socket = StreamClient(Wants(frozenset({"event"}), fsid="f1"), ("session", "t"), 2, 9), Socket()
        client.attach(socket.send, b": stream open\n\n")
        client.offer([msg(10, "usage"), msg(11, fsid="other")])     # nothing it wants: had all up to 11
        assert client.position == 11 and socket.ids() == []
        client.offer([msg(12), msg(13, "usage")])
        assert socket.ids() == [12] and client.position == 12
        client.offer([msg(n) for n in (14, 15, 16)])                  # a burst while it keeps up: all written
        assert socket.ids() == [12, 14, 15, 16] and client.end_reason is None
        socket.stalled = True                                          # its socket stops taking writes
        client.offer([msg(17)])                                        # written, not yet taken
        client.offer([msg(18), msg(19)])                               # queued: its bound is 2
        assert socket.ids() == [12, 14, 15, 16, 17] and client.stalled
        socket.take_all()                                              # the queue goes in one write
        await asyncio.sleep(0)                                         # (done callbacks run next turn)
        assert socket.ids()[-2:] == [18, 19] and not client.stalled
        socket.stalled = True
        client.offer([msg(20)])
        client.offer([msg(21), msg(22), msg(23)])
        assert client.end_reason == OVERFLOWED and await client.done == OVERFLOWED
        assert client.position == 20                                   # where it resumes: 21 on never written
    asyncio.run(scenario())


def test_a_stream_opened_with_a_replay_is_not_offered_those_messages_again():
    async def scenario():
        client, socket = StreamClient(ALL, ("session", "t"), 10, 11), Socket()   # its replay ran to 11
        client.attach(socket.send, b"")
        client.offer([msg(10), msg(11)])                               # the round under way when it opened
        client.offer([msg(11), msg(12)], {})
        assert socket.ids() == [12]
    asyncio.run(scenario())


# --- the hub -------------------------------------------------------------------------------------
def test_the_hub_numbers_encodes_once_and_fans_out_from_other_threads():
    notices = Notices()

    async def scenario():
        hub = StreamHub(notices, StreamSettings(queue_messages=100), check_credential=None, clock=lambda: 1.0)
        sockets = {}
        for topics in ({"event"}, TOPICS):
            client, _ = hub.open(Wants(frozenset(topics)), ("session", "t"), None)
            sockets[frozenset(topics)] = socket = Socket()
            client.attach(socket.send, b"")
        assert hub.client_count() == 2
        publisher = threading.Thread(target=lambda: [notices.publish(n) for n in (
            EventsSaved((EVENT, dict(EVENT, id=8))), UsageMoved("f1", {"used_bytes": 1}))])
        publisher.start()
        publisher.join()   # the loop is held here: one drain takes both notices
        everything, events_only = sockets[frozenset(TOPICS)], sockets[frozenset({"event"})]
        await until(lambda: len(everything.ids()) == 3)
        assert everything.ids() == [1_000_000, 1_000_001, 1_000_002]
        assert events_only.ids() == [1_000_000, 1_000_001]
        assert everything.written[-1].startswith(events_only.written[-1])   # one write of the same frames
        late, missed = hub.open(ALL, ("session", "t"), 1_000_000)
        assert [m.id for m in missed] == [1_000_001, 1_000_002]
        assert hub.open(ALL, ("session", "t"), 5)[1] is None     # an id of another run
        hub.close(late)
        return parse(everything.written[-1].decode())[0][-1].data
    assert asyncio.run(scenario()) == {"fsid": "f1", "used_bytes": 1}


def test_a_thousand_streams_are_written_a_slice_per_turn_and_idle_ones_kept_alive():
    notices = Notices()

    async def scenario():
        hub = StreamHub(notices, StreamSettings(keepalive_s=0.05), check_credential=None)
        sockets = [Socket() for _ in range(1000)]
        for socket in sockets:
            hub.open(ALL, ("session", "t"), None)[0].attach(socket.send, b"")
        notices.publish(ServerChanged("h1.example", None, "late"))
        await asyncio.sleep(0)                     # the drain, and the first slice with it
        written = sum(1 for socket in sockets if socket.ids())
        assert 0 < written < 1000                  # the rest in later turns: GETs get turns between
        await until(lambda: all(socket.ids() for socket in sockets))
        await until(lambda: all(b": keep-alive\n\n" in socket.written for socket in sockets))
    asyncio.run(scenario())


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
        assert await asyncio.wait_for(gone.done, 5) == CREDENTIALS
        assert kept.end_reason is None
    asyncio.run(scenario())
