"""BusServer with an HA fence, over real sockets: jobs carry the fence's term, a deposed manager
(fence None) sends no job and no ack, and an active one acknowledges every server heartbeat."""
from __future__ import annotations

import logging
import threading

import pytest
import zmq

from bus import protocol
from bus.protocol import HeartbeatAck, Job
from tests.bus_helpers import beat, recv_frames
from tests.helpers import wait_until

pytestmark = [pytest.mark.timeout(30), pytest.mark.usefixtures("no_thread_leak")]

AGENT = "raw-1.example"


def heartbeat(sender: str) -> list[bytes]:
    return beat(sender)


class Fence:
    """A lease double: `term` is what fence() answers (None: deposed); counts its calls."""

    def __init__(self, term: int | None):
        self.term = term
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> int | None:
        with self._lock:
            self.calls += 1
        return self.term


def decoded(sock: zmq.Socket, timeout_s: float = 5.0) -> protocol.Envelope:
    return protocol.decode(recv_frames(sock, timeout_s))


def connected(server, recorder, sock) -> None:
    sock.send_multipart(heartbeat(AGENT))
    wait_until(lambda: recorder.envelopes("server_heartbeat", AGENT), what="the heartbeat delivered")


def test_every_job_carries_the_term_the_fence_gives(make_server, raw_socket):
    fence = Fence(4)
    server, recorder = make_server(fence=fence)
    sock = raw_socket(connect=server.endpoint)
    connected(server, recorder, sock)
    assert decoded(sock).body == HeartbeatAck(4)
    server.send(AGENT, Job("j1", "echo", {}, 4e9))
    assert decoded(sock).body == Job("j1", "echo", {}, 4e9, term=4)
    fence.term = 5   # a later term (say, the lease renewed after a database restart)
    server.send(AGENT, Job("j2", "echo", {}, 4e9, term=99))   # the fence's term wins
    assert decoded(sock).body.term == 5
    wait_until(lambda: server.stats["sent"] == 2)   # counted after the send returns: may lag
    assert server.stats["jobs_fenced"] == 0


def test_a_deposed_manager_sends_no_job_counts_it_and_warns_once(make_server, raw_socket, caplog):
    fence = Fence(2)
    server, recorder = make_server(fence=fence)
    sock = raw_socket(connect=server.endpoint)
    connected(server, recorder, sock)
    decoded(sock)   # the ack
    fence.term = None
    caplog.set_level(logging.WARNING, logger="bus.server")
    for i in range(3):
        server.send(AGENT, Job(f"late-{i}", "echo", {}, 4e9))
    wait_until(lambda: server.stats["jobs_fenced"] == 3)
    assert not sock.poll(300), "a deposed manager must send nothing"
    assert server.stats["sent"] == 0
    warnings = [r.getMessage() for r in caplog.records if "HA lease" in r.getMessage()]
    assert len(warnings) == 1 and "no longer holds the HA lease" in warnings[0]   # throttled


def test_a_job_stamped_before_the_lease_ended_is_stopped_before_it_leaves(make_server, raw_socket):
    fence = Fence(3)
    server, recorder = make_server(fence=fence)
    sock = raw_socket(connect=server.endpoint)
    connected(server, recorder, sock)
    decoded(sock)
    # The bus thread checks again right before sending: the job was stamped with term 3, and by
    # the time it is sent the fence gives another answer.
    blocked = threading.Event()
    server._loop.call_soon_threadsafe(blocked.wait, 2)   # hold the bus thread a moment
    server.send(AGENT, Job("queued", "echo", {}, 4e9))   # stamped with 3 here, on this thread
    fence.term = 4                                        # a new term before it leaves
    blocked.set()
    wait_until(lambda: server.stats["jobs_fenced"] == 1)
    assert not sock.poll(200)


def test_acks_follow_heartbeats_only_and_stop_when_deposed(make_server, raw_socket):
    fence = Fence(7)
    server, recorder = make_server(fence=fence)
    sock = raw_socket(connect=server.endpoint)
    connected(server, recorder, sock)
    assert decoded(sock).body == HeartbeatAck(7)
    sock.send_multipart(protocol.encode(protocol.JobResult("x", True, result=None), sender=AGENT))
    wait_until(lambda: recorder.envelopes("job_result"))
    assert not sock.poll(200), "only a server heartbeat is acknowledged"
    fence.term = None
    sock.send_multipart(heartbeat(AGENT))
    wait_until(lambda: len(recorder.envelopes("server_heartbeat")) == 2)
    assert not sock.poll(200), "a deposed manager acknowledges nothing"
    assert server.stats["acks_sent"] == 1


def test_unaccepted_agents_get_no_ack(make_server, raw_socket, gate):
    server, _ = make_server(fence=Fence(1))
    sock = raw_socket(connect=server.endpoint)
    gate.pending.add(sock.keys.public)
    sock.send_multipart(heartbeat(AGENT))
    wait_until(lambda: server.stats["dropped_unaccepted"] == 1)
    assert not sock.poll(200)
    assert server.stats["acks_sent"] == 0


def test_a_failing_fence_fails_closed(make_server, raw_socket):
    def fence():
        raise RuntimeError("lease bug")
    server, recorder = make_server(fence=fence)
    sock = raw_socket(connect=server.endpoint)
    connected(server, recorder, sock)
    server.send(AGENT, Job("j", "echo", {}, 4e9))
    wait_until(lambda: server.stats["jobs_fenced"] == 1)
    assert not sock.poll(200)
    assert server.running


def test_without_a_fence_jobs_carry_term_0_and_nothing_is_acknowledged(make_server, raw_socket):
    server, recorder = make_server()
    sock = raw_socket(connect=server.endpoint)
    connected(server, recorder, sock)
    assert not sock.poll(200), "no HA: no ack (agents that predate acks would not know one)"
    server.send(AGENT, Job("j1", "echo", {}, 4e9))
    frames = recv_frames(sock)
    assert "term" not in protocol.unpackb(frames[1])["body"]
    assert protocol.decode(frames).body.term == 0
    assert server.stats["acks_sent"] == server.stats["jobs_fenced"] == 0
