"""The live stream: Server-Sent Events of what happens in the daemon, as it happens.

`GET api/v2/stream` with a session cookie or an API token (any role; a GET, so no XSRF header).
The handler answers with what the stream missed (or `reset`), hands its connection to the
stream's StreamClient, which the hub writes to as messages come (hub.py, client.py), and waits
for the stream's end: overflow, its credential ending (credentials.py), `max_s`, the client
leaving, or the daemon stopping. Nothing ever waits for a slow client's socket but that client.
"""
from __future__ import annotations

import asyncio
import socket

from tornado.iostream import StreamClosedError

from web import auth
from web.base import BaseHandler
from web.stream.client import CLOSED, MAX_S, OVERFLOWED, SHUTDOWN, StreamClient
from web.stream.credentials import BEARER, SESSION
from web.stream.frames import END, OPENED, OVERFLOW, RESET, TOPICS, control
from web.stream.params import LAST_EVENT_ID_HEADER, PARAMETER_DOCS, STREAM_QUERY, parse_stream

EVENT_STREAM = "text/event-stream"
# Of each message (OpenAPI 3.0: the schema of a text/event-stream describes one event).
EVENT_SCHEMA = {"type": "object", "required": ["id", "event", "data"], "properties": {
    "id": {"type": "string", "pattern": "^[0-9]+$", "description": "increasing; resume after it with Last-Event-ID"},
    "event": {"type": "string", "enum": [*TOPICS, RESET, OVERFLOW, END]},
    "data": {"type": "string", "description": "one JSON object: the topic's record, or {reason} of a control message"}}}


class StreamHandler(BaseHandler):
    """Server-Sent Events (text/event-stream): each message is `id:`, `event: <topic>` and `data:
    <JSON>`. Topics: `event` (each new event as the event list shows it, with its id, fsid and
    fqdn), `request` (a request as GET request/{id} shows it, with its fsid and kind, at each
    change of its state or status), `cluster` (the maps that moved, {sync type: version}, and the
    health status), `server` (managed, late, regained, removed), `usage` (a cluster's capacity and
    IO figures of GET fleet when they move). A comment line keeps an idle stream alive (every 15 s
    by default). Reconnecting with the Last-Event-ID header (or `last_event_id`) first replays
    what was missed from the newest 10,000 messages (by default); when that cannot be told (too
    far behind, an id of an earlier run) a `reset` message says to fetch afresh. A client more
    than 1,000 messages (by default) behind gets `overflow` and its stream ends: it resumes with
    Last-Event-ID. `end` closes a stream whose credential ended (logout, expiry, revocation,
    the account deleted: within a second), whose `max_s` passed, or when the daemon stops.
    Control messages (`reset`, `overflow`, `end`) come whatever the topics and carry the id of
    the last message the stream had, so resuming from them misses nothing.

    Details: README "Live push"."""
    long_lived = True   # its time is the stream's life, not a latency: metrics count it, time it not
    query = STREAM_QUERY
    parameter_docs = PARAMETER_DOCS
    header_parameters = (LAST_EVENT_ID_HEADER,)
    media_type = EVENT_STREAM
    answer_schema = EVENT_SCHEMA
    _headers_sent = False

    @property
    def hub(self):
        return self.settings["stream_hub"]

    async def get(self) -> None:
        asked = parse_stream(self.query_args(), self.request.headers)
        bearer = auth.bearer_token(self)
        credential = (BEARER, bearer) if bearer is not None else (SESSION, self.session_token)
        client, missed = self.hub.open(asked.wants, credential, asked.last_seen)
        self._client = client
        deadline = None
        try:
            self._start_answer()
            first = [OPENED]
            if missed is None:
                first.append(control(client.position, RESET, reason="missed messages are not kept: fetch afresh"))
            else:
                first.extend(m.frame for m in missed)
            client.attach(self._send, b"".join(first))   # from here on the hub writes to it
            if asked.max_s is not None:
                deadline = asyncio.get_running_loop().call_later(asked.max_s, client.end, MAX_S)
            await self._end(client, await client.done)
        except asyncio.CancelledError:
            # The daemon is stopping (its loop cancels what still runs): say so in a last message
            # (written at once when the socket takes it), then the answer ends as any other.
            self.write(control(client.position, END, reason=SHUTDOWN))
        finally:
            self.hub.close(client)
            if deadline is not None:
                deadline.cancel()

    def _start_answer(self) -> None:
        self.set_header("Content-Type", EVENT_STREAM)
        self.set_header("X-Accel-Buffering", "no")   # proxies: pass each message on at once
        stream = self.request.connection.stream
        if stream.socket is not None:
            # Bounds what the kernel holds for a client that stopped reading (autotuning would
            # let it grow to megabytes per stream); past it, the stream's own queue overflows.
            stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.hub.settings.send_buffer_bytes)

    def _send(self, data: bytes):
        """The client's writes: into the connection at once; done when the socket took them.
        After the first (which sends the headers), straight to the connection: the handler's
        buffer and output transforms would only copy the bytes (the app compresses nothing)."""
        if self._headers_sent:
            return self.request.connection.write(data)
        self._headers_sent = not self.application.settings.get("compress_response")
        self.write(data)
        return self.flush()

    async def _end(self, client: StreamClient, reason: str) -> None:
        """The last message (overflow or end), given a grace period to leave, then the close."""
        if reason == CLOSED:
            return
        if reason == MAX_S:   # what came before the deadline still goes
            self.write(b"".join(m.frame for m in client.take()))
        if reason == OVERFLOWED:
            self.write(control(client.position, OVERFLOW, reason="the stream fell too far behind: resume with Last-Event-ID"))
        else:
            self.write(control(client.position, END, reason=reason))
        try:
            await asyncio.wait_for(self.flush(), self.hub.settings.end_grace_s)
            self.finish()
        except (asyncio.TimeoutError, StreamClosedError):
            self.request.connection.stream.close()   # a client that never reads is cut off

    def on_connection_close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.end(CLOSED)
