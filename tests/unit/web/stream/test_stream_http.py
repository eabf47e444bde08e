"""GET api/v2/stream through Tornado over a socket, on the FakeApi: auth, topics and filters,
keep-alive, resume and reset, max_s, and a logout ending an open stream."""
from __future__ import annotations

import asyncio
import time

from tornado.testing import gen_test

from actors.notices import CredentialsEnded, EventsSaved, ServerChanged, UsageMoved
from tests.sse import parse
from tests.unit.fake_api import OTHER, WebTestCase
from web.stream.credentials import api_check
from web.stream.hub import StreamHub
from web.stream.settings import StreamSettings

STREAM = "/api/v2/stream"
TOKEN = "cal_0123456789ab_" + "s" * 43


def event(event_id: int, fsid: str = "f1", fqdn: str | None = None) -> dict:
    return {"id": event_id, "when": "2026-01-01T00:00:00+00:00", "severity": "INFO",
            "message": f"event {event_id}", "fsid": fsid, "fqdn": fqdn}


async def until(predicate, timeout_s: float = 5.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout_s
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)
    return found


class StreamTest(WebTestCase):
    def get_app(self):
        app = super().get_app()
        self.hub = StreamHub(self.api.notices, StreamSettings(keepalive_s=0.2, auth_check_s=0.2, end_grace_s=1.0),
                             api_check(self.api))
        app.settings["stream_hub"] = self.hub
        return app

    def open(self, query: str = "", headers: dict | None = None, cookies: bool = True):
        """(the chunks received so far, the Future of the whole answer)."""
        chunks: list[bytes] = []
        headers = dict(headers or {})
        if cookies and self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        answer = self.http_client.fetch(self.get_url(STREAM + query), headers=headers, raise_error=False,
                                        streaming_callback=chunks.append, request_timeout=20)
        return chunks, answer

    @staticmethod
    def text(chunks) -> str:
        return b"".join(chunks).decode()

    async def opened(self, chunks):
        await until(lambda: "stream open" in self.text(chunks), what="the stream to open")

    def test_no_credentials_is_a_401(self):
        self.jar.clear()
        self.assert_error(self.get(STREAM), 401)

    @gen_test(timeout=10)
    async def test_reads_need_no_xsrf_header(self):
        chunks, answer = self.open("?max_s=0.3")        # the session cookie, no X-XSRF-TOKEN
        done = await answer
        self.assertEqual((done.code, done.headers["Content-Type"]), (200, "text/event-stream"))
        self.assertEqual([m.event for m in parse(self.text(chunks))[0]], ["end"])

    @gen_test(timeout=10)
    async def test_a_bearer_token_streams_too(self):
        self.api.tokens[TOKEN] = OTHER
        chunks, answer = self.open("?max_s=0.3", headers={"Authorization": f"Bearer {TOKEN}"}, cookies=False)
        self.assertEqual((await answer).code, 200)
        self.assertEqual(self.api.called("token_user")[0], ((TOKEN,), {}))

    @gen_test(timeout=10)
    async def test_each_topic_and_filter_gets_what_it_asked_for(self):
        streams = {query: self.open(query + "&max_s=1") for query in
                   ("?topics=event", "?fsid=f1", "?fqdn=h2.example", "?topics=usage,server")}
        for chunks, _ in streams.values():
            await self.opened(chunks)
        for notice in (EventsSaved((event(1), event(2, fsid="f2", fqdn="h2.example"))),
                       UsageMoved("f1", {"used_bytes": 3}), ServerChanged("h2.example", "f2", "late")):
            self.api.notices.publish(notice)
        got = {}
        for query, (chunks, answer) in streams.items():
            await answer
            got[query] = [(m.event, m.data.get("id") or m.data.get("fqdn") or m.data["fsid"])
                          for m in parse(self.text(chunks))[0] if m.event != "end"]
        self.assertEqual(got, {"?topics=event": [("event", 1), ("event", 2)],
                               "?fsid=f1": [("event", 1), ("usage", "f1")],
                               "?fqdn=h2.example": [("event", 2), ("server", "h2.example")],
                               "?topics=usage,server": [("usage", "f1"), ("server", "h2.example")]})

    @gen_test(timeout=10)
    async def test_an_idle_stream_gets_keep_alive_comments(self):
        chunks, answer = self.open("?max_s=1")
        await answer
        self.assertGreaterEqual(parse(self.text(chunks))[1].count("keep-alive"), 2)

    @gen_test(timeout=10)
    async def test_a_resume_gets_exactly_what_was_missed_and_a_stale_id_a_reset(self):
        chunks, answer = self.open("?max_s=0.5")
        await self.opened(chunks)
        self.api.notices.publish(EventsSaved(tuple(event(n) for n in range(1, 6))))
        await answer
        sent = [m.id for m in parse(self.text(chunks))[0] if m.event == "event"]
        self.assertEqual(len(sent), 5)
        resumed, answer = self.open("?max_s=0.3", headers={"Last-Event-ID": str(sent[1])})
        await answer
        again = parse(self.text(resumed))[0]
        self.assertEqual([m.id for m in again if m.event == "event"], sent[2:])
        stale, answer = self.open("?max_s=0.3&last_event_id=12")     # an earlier run's id
        await answer
        reset = parse(self.text(stale))[0][0]
        self.assertEqual((reset.event, reset.id), ("reset", sent[-1]))

    @gen_test(timeout=10)
    async def test_a_logout_ends_the_open_stream_within_a_second(self):
        chunks, answer = self.open()
        await self.opened(chunks)
        started = time.monotonic()
        self.api.sessions.clear()                          # what the facade's logout does...
        self.api.notices.publish(CredentialsEnded("session ended"))   # ...and tells
        done = await answer
        self.assertLess(time.monotonic() - started, 1.0)
        last = parse(self.text(chunks))[0][-1]
        self.assertEqual((done.code, last.event, last.data), (200, "end", {"reason": "credentials"}))
        self.assertEqual(self.hub.client_count(), 0)

    @gen_test(timeout=10)
    async def test_an_expired_session_ends_on_the_periodic_check(self):
        chunks, answer = self.open()
        await self.opened(chunks)
        self.api.sessions.clear()                          # nobody said: the check finds out
        await answer
        self.assertEqual(parse(self.text(chunks))[0][-1].data, {"reason": "credentials"})

    def test_an_unknown_topic_is_a_400_naming_topics(self):
        self.assert_error(self.get(STREAM + "?topics=event,weather"), 400, field="topics")


def test_the_document_describes_the_stream_its_parameters_and_messages():
    from web.app import ROUTES
    from web.apidoc.openapi import document
    from web.settings import WebSettings
    get = document(ROUTES, WebSettings(cookie_secret=b"x"))["paths"]["/stream"]["get"]
    assert {(p["name"], p["in"]) for p in get["parameters"]} == {
        ("topics", "query"), ("fsid", "query"), ("fqdn", "query"), ("last_event_id", "query"),
        ("max_s", "query"), ("Last-Event-ID", "header")}
    assert all(p.get("description") for p in get["parameters"])
    event = get["responses"]["200"]["content"]["text/event-stream"]["schema"]
    assert event["properties"]["event"]["enum"] == ["event", "request", "cluster", "server", "usage",
                                                    "reset", "overflow", "end"]
    assert {"401", "4XX"} <= set(get["responses"]) and get["security"] == [{"session": []}, {"bearer": []}]
