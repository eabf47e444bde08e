"""GET api/v2/stream against the real daemon and a simulated cluster, over real sockets: each
topic after the action that causes it, the filters, resuming with Last-Event-ID (exactly what
was missed, or `reset`), `overflow` for a client that stops reading, keep-alives, and streams
ended within a second by a logout, a token revocation or the account's deletion."""
from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import pytest

from tests.helpers import wait_until
from tests.sse import StreamReader, open_unread, parse, read_to_end
from tests.system.cluster_helpers import synced_cluster
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import finished, submit, xsrf

QUEUE, BUFFER = 100, 600
FLAGS = ["--stream-keepalive-s", "0.3", "--stream-queue", str(QUEUE), "--stream-buffer", str(BUFFER),
         "--stream-send-buffer-bytes", "4096", "--stream-end-grace-s", "20"]


@dataclass
class Target:
    daemon: DaemonProcess
    fleet: object
    fsid: str
    api: httpx.Client

    def reader(self, api: httpx.Client | None = None, **params) -> StreamReader:
        """A stream of `api`'s session (the admin's by default), open once it says so."""
        reader = StreamReader(self.daemon.http_url + "/api/v2/", params=params, cookies=(api or self.api).cookies)
        wait_until(lambda: "stream open" in reader.comments() or reader.ended.is_set(), timeout_s=15, what="the stream to open")
        return reader

    def audit_events(self, count: int) -> None:
        """`count` new events: every write is audited, a refused one too."""
        for _ in range(count):
            assert self.api.post("cluster/no-such-cluster/pool", json={}, headers=xsrf(self.api)).status_code == 404


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    daemon = DaemonProcess(tmp_path_factory.mktemp("stream") / "data", heartbeat_s=HEARTBEAT_S,
                           extra_args=FLAGS).start()
    fleet = start_fleet(daemon, advance_every_s=0.1)
    for cluster in fleet.clusters:
        cluster.pg_create_rate = 200.0
    open_at_exit = None
    try:
        with logged_in_client(daemon.http_url) as api:
            target = Target(daemon, fleet, synced_cluster(api, fleet), api)
            yield target
            open_at_exit = target.reader(topics="server")
    finally:
        fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-4000:]
    # A stream open while the daemon stops is told so, and the daemon stops cleanly all the same.
    assert open_at_exit.ended.wait(5) and open_at_exit.messages()[-1].data == {"reason": "shutdown"}
    assert "Cannot send error response" not in daemon.log_text()


def ids(messages) -> list[int]:
    return [m.id for m in messages]


def test_a_pool_creation_streams_its_request_its_events_and_the_map_move(target):
    with target.reader(fsid=target.fsid) as cluster, target.reader(topics="request") as requests_only:
        request_id = submit(target.api, "POST", f"cluster/{target.fsid}/pool", {"name": "streamed", "pg_num": 8})
        done = finished(target.api, request_id)
        wait_until(lambda: any(m.data["id"] == request_id and m.data["state"] == "complete"
                               for m in cluster.messages("request")), timeout_s=15, what="the request's completion")
        mine = [m.data for m in cluster.messages("request") if m.data["id"] == request_id]
        assert mine[0]["status"] == "Running" and mine[0]["kind"] == "create_pool"
        assert any(r["status"].startswith("Waiting for") for r in mine)
        # as the request list shows it (GET request/<id> adds the history: too heavy for each move)
        listed = next(r for r in target.api.get("request", params={"page_size": 1000}).json()["results"]
                      if r["id"] == request_id)
        assert mine[-1] == {**listed, "fsid": target.fsid, "kind": "create_pool"}
        assert {k: v for k, v in done.items() if k in listed} == listed
        # The events go through the store first: they may come after the request's last change.
        wanted = {"Started: Creating pool 'streamed'", "Succeeded: Creating pool 'streamed'"}
        wait_until(lambda: wanted <= {m.data["message"] for m in cluster.messages("event")}, timeout_s=15)
        epoch = target.api.get(f"cluster/{target.fsid}/sync_object/osd_map").json()["epoch"]
        wait_until(lambda: any(m.data["maps"].get("osd_map") == epoch for m in cluster.messages("cluster")),
                   timeout_s=15, what=f"OSD map epoch {epoch} streamed")
        assert all(m.data["health"].startswith("HEALTH_") for m in cluster.messages("cluster"))
        assert all(m.data["fsid"] == target.fsid for m in cluster.messages())
        wait_until(lambda: any(m.data["id"] == request_id and m.data["state"] == "complete"
                               for m in requests_only.messages()), timeout_s=15)
        assert {m.event for m in requests_only.messages()} == {"request"}
        every = cluster.messages()
        assert ids(every) == sorted(set(ids(every)))       # one id each, increasing


def test_usage_moves_as_the_cluster_is_written_to(target):
    with target.reader(topics="usage") as usage:
        moved = wait_until(lambda: usage.messages("usage"), timeout_s=15, what="a usage message")[0].data
        assert moved["fsid"] == target.fsid and moved["total_bytes"] > 0
        assert set(moved) >= {"used_bytes", "used_ratio", "pgs", "client_io", "days_until_full"}


def test_a_server_going_late_and_back_reaches_its_fqdn_stream_only(target):
    fqdn, other = sorted(target.fleet.backends)[:2]
    with target.reader(fqdn=fqdn) as own, target.reader(fqdn=other) as others, \
            target.reader(topics="server") as servers:
        target.fleet.backends[fqdn].dark = True
        wait_until(lambda: [m.data["change"] for m in servers.messages()] == ["late"], timeout_s=10)
        target.fleet.backends[fqdn].dark = False
        wait_until(lambda: [m.data["change"] for m in servers.messages()] == ["late", "regained"], timeout_s=10)
        assert {m.data["fqdn"] for m in servers.messages()} == {fqdn}
        wait_until(lambda: len(own.messages("event")) >= 2, timeout_s=15)
        assert [m.data["change"] for m in own.messages("server")] == ["late", "regained"]
        assert {m.data["fqdn"] for m in own.messages()} == {fqdn}
        assert others.messages() == []


def test_an_idle_stream_gets_keep_alives(target):
    with target.reader(fqdn="nobody.example") as idle:
        wait_until(lambda: idle.comments().count("keep-alive") >= 3, timeout_s=5)
        assert idle.messages() == []


def test_a_resume_gets_exactly_what_was_missed_then_a_reset_when_too_far_behind(target):
    with target.reader(topics="event") as steady:
        with target.reader(topics="event") as first:
            target.audit_events(3)
            wait_until(lambda: len(first.messages()) >= 3, timeout_s=15)
        left_at = first.messages()[-1].id
        target.audit_events(5)
        wait_until(lambda: len([i for i in ids(steady.messages()) if i > left_at]) >= 5, timeout_s=15)
        caught_up = steady.messages()[-1].id
        with StreamReader(target.daemon.http_url + "/api/v2/", params={"topics": "event"},
                          headers={"Last-Event-ID": str(left_at)}, cookies=target.api.cookies) as resumed:
            wait_until(lambda: resumed.messages() and resumed.messages()[-1].id >= caught_up, timeout_s=15)
            assert [i for i in ids(resumed.messages()) if i <= caught_up] == \
                [i for i in ids(steady.messages()) if left_at < i <= caught_up]
        target.audit_events(BUFFER + 10)                   # the ring holds BUFFER messages
        wait_until(lambda: len([i for i in ids(steady.messages()) if i > caught_up]) >= BUFFER + 10,
                   timeout_s=30, what="the events to be streamed")
    with StreamReader(target.daemon.http_url + "/api/v2/", params={"last_event_id": str(left_at)},
                      cookies=target.api.cookies) as behind:
        first_message = wait_until(lambda: behind.messages(), timeout_s=15, what="the first message")[0]
        assert first_message.event == "reset" and first_message.id > caught_up


def test_a_client_that_stops_reading_overflows_alone_and_resumes(target):
    headers = {"Cookie": f"calamari_sessionid={target.api.cookies['calamari_sessionid']}"}
    with target.reader(topics="event") as steady:
        stalled = open_unread(target.daemon.http_url, "/api/v2/stream?topics=event", headers)
        target.audit_events(300)                          # far more than its queue and socket hold
        wait_until(lambda: len(steady.messages()) >= 300, timeout_s=30, what="the reading stream to keep up")
        status, text = read_to_end(stalled)
        got = parse(text)[0]
        assert status == 200 and got[-1].event == "overflow", text[-500:]
        assert got[-1].id == got[-2].id                    # the last message it had: where it resumes
        assert ids(got[:-1]) == [i for i in ids(steady.messages()) if got[0].id <= i <= got[-2].id]
        assert QUEUE < 300 - (len(got) - 1)                # it missed more than its queue
        last = steady.messages()[-1].id
        with StreamReader(target.daemon.http_url + "/api/v2/", params={"topics": "event"},
                          headers={"Last-Event-ID": str(got[-1].id)}, cookies=target.api.cookies) as resumed:
            wait_until(lambda: resumed.messages() and resumed.messages()[-1].id >= last, timeout_s=15)
            assert [i for i in ids(resumed.messages()) if i <= last] == \
                [i for i in ids(steady.messages()) if got[-1].id < i <= last]


def test_without_credentials_a_401_and_with_a_session_no_xsrf_header_needed(target):
    refused = httpx.get(target.daemon.http_url + "/api/v2/stream", timeout=10)
    assert refused.status_code == 401 and set(refused.json()) == {"detail", "errors"}
    with target.reader(topics="server") as session_only:       # cookies only: no X-XSRF-TOKEN
        assert session_only.status == 200 and session_only.headers["content-type"] == "text/event-stream"


def ended_within_a_second(reader: StreamReader, end) -> None:
    """`end()` answered, the stream ends within a second."""
    end()
    answered = time.monotonic()
    assert reader.ended.wait(5), "the stream did not end"
    assert time.monotonic() - answered < 1.0
    assert reader.messages()[-1].event == "end" and reader.messages()[-1].data == {"reason": "credentials"}


def test_logout_token_revocation_and_deletion_end_open_streams_within_a_second(target):
    admin = target.api
    body = {"username": "watcher", "password": "watch-Word-1234", "role": "read-only"}
    watcher = admin.post("user", json=body, headers=xsrf(admin)).json()
    with logged_in_client(target.daemon.http_url, "watcher", body["password"]) as session:
        token = session.post("user/me/token", json={"name": "ci"}, headers=xsrf(session)).json()
        reader = target.reader(session, topics="server")
        other = target.reader(topics="server")                 # the admin's: stays open
        ended_within_a_second(reader, lambda: session.post("auth/logout", headers=xsrf(session)))
        reader.close()
        assert not other.ended.is_set()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    with StreamReader(target.daemon.http_url + "/api/v2/", params={"topics": "server"}, headers=bearer) as scripted:
        wait_until(lambda: "stream open" in scripted.comments(), timeout_s=15)
        ended_within_a_second(scripted, lambda: admin.delete(f"user/{watcher['id']}/token/{token['id']}",
                                                             headers=xsrf(admin)))
    with logged_in_client(target.daemon.http_url, "watcher", body["password"]) as session:
        reader = target.reader(session, topics="server")
        ended_within_a_second(reader, lambda: admin.delete(f"user/{watcher['id']}", headers=xsrf(admin)))
        reader.close()
    assert not other.ended.is_set()
    other.close()
