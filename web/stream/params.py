"""The stream's query parameters (declared for the OpenAPI document with the Fields they are
checked with) and the Last-Event-ID header: a 400 names the offending one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from actors.errors import Invalid
from actors.fields import Field, array, convert, integer, number, string
from web.stream.client import Wants
from web.stream.frames import TOPICS

LAST_EVENT_ID = "Last-Event-ID"
MAX_ID = 2**63 - 1
MAX_S = 7 * 86_400
STREAM_QUERY = {
    "topics": array(string(*TOPICS)),
    "fsid": string(max_length=64),
    "fqdn": string(max_length=255),
    "last_event_id": integer(minimum=0, maximum=MAX_ID),
    "max_s": number(minimum=0.1, maximum=MAX_S),
}

PARAMETER_DOCS = {
    "topics": "what to stream (default all): event, request, cluster, server, usage; repeated or "
              "comma-separated",
    "fsid": "only what is about this cluster",
    "fqdn": "only what is about this server",
    "last_event_id": "resume after this message id (for clients that cannot send the "
                     "Last-Event-ID header, which wins when both are given)",
    "max_s": "end the stream (with an `end` message) after this many seconds",
}
LAST_EVENT_ID_HEADER = {"name": LAST_EVENT_ID, "schema": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                        "description": "the id of the last message had: what came after it is sent "
                                       "first (or `reset` when it cannot be told)"}


@dataclass(frozen=True)
class StreamAsk:
    wants: Wants
    last_seen: int | None     # the id to resume after (Last-Event-ID), None: live only
    max_s: float | None       # end the stream after this long (None: when the client leaves)


def _bad(name: str, message: str) -> Invalid:
    return Invalid(f"Invalid {name}: {message}", {name: [message]})


def _checked(name: str, field: Field, raw: str):
    try:
        return convert(field, raw)
    except ValueError as exc:
        raise _bad(name, str(exc)) from None


def _last(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name)
    return values[-1] if values else None


def parse_topics(values: Sequence[str] | None) -> frozenset:
    """?topics=event,request or ?topics=event&topics=request; all topics when absent."""
    if not values:
        return frozenset(TOPICS)
    topics = [part.strip() for value in values for part in value.split(",")]
    unknown = sorted({t for t in topics if t not in TOPICS})
    if unknown or not topics:
        raise _bad("topics", f"unknown topic(s) {', '.join(map(repr, unknown))}: "
                             f"choose from {', '.join(TOPICS)}")
    return frozenset(topics)


def parse_stream(args: Mapping[str, Sequence[str]], headers: Mapping[str, str]) -> StreamAsk:
    fsid, fqdn = (None if _last(args, name) is None else _checked(name, STREAM_QUERY[name], _last(args, name))
                  for name in ("fsid", "fqdn"))
    # The header wins: a browser's EventSource sends it when it reconnects, while the URL still
    # carries the id the stream was first opened with.
    header = headers.get(LAST_EVENT_ID)
    if header is not None:
        last_seen = _checked(LAST_EVENT_ID, STREAM_QUERY["last_event_id"], header)
    elif _last(args, "last_event_id") is not None:
        last_seen = _checked("last_event_id", STREAM_QUERY["last_event_id"], _last(args, "last_event_id"))
    else:
        last_seen = None
    raw_max = _last(args, "max_s")
    max_s = None if raw_max is None else _checked("max_s", STREAM_QUERY["max_s"], raw_max)
    return StreamAsk(Wants(parse_topics(args.get("topics")), fsid, fqdn), last_seen, max_s)
