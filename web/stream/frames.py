"""The stream's messages: a notice (actors/notices.py) becomes one message per thing it tells,
encoded once into its Server-Sent Events frame, which every stream that wants it sends as is.

    id: <number>\\nevent: <topic>\\ndata: <JSON on one line>\\n\\n

Control messages (`reset`, `overflow`, `end`) go to one stream whatever its topics.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from actors.notices import ClusterMoved, EventsSaved, RequestChanged, ServerChanged, UsageMoved

TOPICS = ("event", "request", "cluster", "server", "usage")
RESET, OVERFLOW, END = "reset", "overflow", "end"
KEEPALIVE = b": keep-alive\n\n"
OPENED = b": stream open\n\n"   # sent at once, so a client knows it is subscribed


@dataclass(frozen=True)
class Item:
    """One thing a notice tells: its topic, what it is about (for ?fsid= and ?fqdn=), its data."""
    topic: str
    fsid: str | None
    fqdn: str | None
    data: dict


@dataclass(frozen=True)
class Message:
    id: int
    topic: str
    fsid: str | None
    fqdn: str | None
    frame: bytes


def frame(message_id: int, topic: str, data: dict) -> bytes:
    # json.dumps escapes control characters, so the data is one line whatever the strings hold.
    text = json.dumps(data, separators=(",", ":"))
    return f"id: {message_id}\nevent: {topic}\ndata: {text}\n\n".encode()


def message(message_id: int, item: Item) -> Message:
    return Message(message_id, item.topic, item.fsid, item.fqdn, frame(message_id, item.topic, item.data))


def control(position: int, topic: str, **data) -> bytes:
    """A control frame; its id is the stream's position (the last message id it had), so a
    client resuming from it with Last-Event-ID misses nothing."""
    return frame(position, topic, data)


def _events(notice: EventsSaved) -> list[Item]:
    return [Item("event", event.get("fsid"), event.get("fqdn"), event) for event in notice.events]


def _request(notice: RequestChanged) -> list[Item]:
    return [Item("request", notice.fsid, None, {**notice.request, "fsid": notice.fsid, "kind": notice.kind})]


def _cluster(notice: ClusterMoved) -> list[Item]:
    return [Item("cluster", notice.fsid, None,
                 {"fsid": notice.fsid, "maps": notice.maps, "health": notice.health_status})]


def _server(notice: ServerChanged) -> list[Item]:
    return [Item("server", notice.fsid, notice.fqdn,
                 {"fqdn": notice.fqdn, "fsid": notice.fsid, "change": notice.change})]


def _usage(notice: UsageMoved) -> list[Item]:
    return [Item("usage", notice.fsid, None, {"fsid": notice.fsid, **notice.usage})]


_ITEMS = {EventsSaved: _events, RequestChanged: _request, ClusterMoved: _cluster,
          ServerChanged: _server, UsageMoved: _usage}


def items_of(notice) -> list[Item]:
    """What a notice tells the stream ([] for a notice it only acts on, or does not know)."""
    convert = _ITEMS.get(type(notice))
    return convert(notice) if convert is not None else []
