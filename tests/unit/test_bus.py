"""BusServer over real sockets on 127.0.0.1: delivery, validation, counters, sends, shutdown."""
from __future__ import annotations

import logging
import threading

import pytest
import zmq
import zmq.utils.monitor

from bus import protocol
from bus.protocol import Job, ServerHeartbeat
from bus.log_throttle import LogThrottle
from bus.server import MANAGER_ID, BusServer
from tests.helpers import Recorder, wait_until

pytestmark = pytest.mark.timeout(30)

V = protocol.PROTOCOL_VERSION
RAW_ID = "raw-1"
GOOD_BODY = {"fqdn": RAW_ID, "hostname": RAW_ID, "boot_time": 1.0, "ceph_version": "17.2.0",
             "services": [], "grains": {}}


def heartbeat(sender: str = RAW_ID) -> list[bytes]:
    return protocol.encode(ServerHeartbeat(**{**GOOD_BODY, "fqdn": sender}), sender=sender)


def envelope(**override) -> bytes:
    payload = {"kind": "server_heartbeat", "sender": RAW_ID, "sent_at": 1.0, "body": GOOD_BODY}
    return protocol.packb({**payload, **override})


def recv_frames(sock: zmq.Socket, timeout_s: float = 5.0) -> list[bytes]:
    assert sock.poll(int(timeout_s * 1000)), "should have received a message"
    return sock.recv_multipart()


def recv_monitor_message(events: zmq.Socket, timeout_s: float) -> dict:
    return zmq.utils.monitor.recv_monitor_message(events) if events.poll(timeout_s * 1000) else {}


pytestmark = pytest.mark.usefixtures("no_thread_leak")


@pytest.fixture
def make_server():
    """BusServer factory: returns (server, recorder); every server is stopped at teardown."""
    servers = []

    def make(endpoint="tcp://127.0.0.1:0", on_message=None, **kwargs):
        recorder = Recorder()
        server = BusServer(endpoint, on_message or recorder, **kwargs)
        servers.append(server)
        server.start()
        return server, recorder

    yield make
    for server in servers:
        server.stop()
    assert not any(server.running for server in servers)


@pytest.fixture
def raw_socket():
    """Test-thread zmq sockets (LINGER 0), closed and their context termed at teardown."""
    ctx = zmq.Context()
    sockets = []

    def make(kind=zmq.DEALER, routing_id: bytes | None = RAW_ID.encode(), connect=None):
        sock = ctx.socket(kind)
        sock.linger = 0
        if routing_id is not None:
            sock.routing_id = routing_id
        if connect:
            sock.connect(connect)
        sockets.append(sock)
        return sock

    yield make
    for sock in sockets:
        sock.close(linger=0)
    terminator = threading.Thread(target=ctx.term)
    terminator.start()
    terminator.join(2)
    assert not terminator.is_alive(), "context term hung: open sockets likely remain in test"


@pytest.fixture
def served(make_server, raw_socket):
    """A running server and a raw DEALER connected to it as agent RAW_ID."""
    server, recorder = make_server()
    return server, recorder, raw_socket(connect=server.endpoint)


# ---- lifecycle --------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint", ["tcp://127.0.0.1:0", "tcp://127.0.0.1:*"])
def test_start_binds_and_reports_the_actual_endpoint(make_server, endpoint):
    server, _ = make_server(endpoint)
    host, port = server.endpoint.rsplit(":", 1)
    assert host == "tcp://127.0.0.1" and int(port) > 0
    assert server.running


def test_start_raises_when_the_port_is_taken(make_server):
    first, _ = make_server()
    with pytest.raises(zmq.ZMQError):
        make_server(first.endpoint)
    assert first.running


def test_stop_joins_the_thread_and_is_idempotent(make_server):
    before = set(threading.enumerate())
    server, _ = make_server()
    assert len(set(threading.enumerate()) - before) == 1
    server.stop()
    server.stop()
    assert not server.running
    assert set(threading.enumerate()) - before == set()


def test_stop_before_start_is_harmless():
    BusServer("tcp://127.0.0.1:0", Recorder()).stop()


# ---- receiving --------------------------------------------------------------------------------

def test_a_valid_message_is_delivered_with_the_routing_id(served):
    server, recorder, dealer = served
    dealer.send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    [(agent_id, env)] = recorder.calls
    assert agent_id == RAW_ID
    assert (env.kind, env.sender) == ("server_heartbeat", RAW_ID)
    assert env.body == ServerHeartbeat(**GOOD_BODY)
    assert server.stats["received"] == server.stats["delivered"] == 1


def test_on_message_runs_on_the_bus_thread(make_server, raw_socket):
    threads = []
    server, _ = make_server(on_message=lambda agent_id, env: threads.append(threading.current_thread()))
    raw_socket(connect=server.endpoint).send_multipart(heartbeat())
    wait_until(lambda: threads)
    assert threads[0] is not threading.current_thread()
    assert threads[0].name.startswith("bus-server")


MALFORMED = {
    "one_garbage_frame": [b"\x00\xffgarbage"],
    "wrong_version": [b"CAL0", envelope()],
    "three_frames": [V, envelope(), b"extra"],
    "not_msgpack": [V, b"\xc1\xc1\xc1"],
    "payload_not_a_map": [V, protocol.packb(42)],
    "integer_map_key": [V, protocol.packb({1: 2})],
    "missing_envelope_field": [V, protocol.packb({"kind": "server_heartbeat", "sender": RAW_ID,
                                                  "body": GOOD_BODY})],
    "unknown_kind": [V, envelope(kind="reboot_everything")],
    "unhashable_kind": [V, envelope(kind=["server_heartbeat"])],
    "sender_not_a_string": [V, envelope(sender=7)],
    "sent_at_not_a_number": [V, envelope(sent_at="yesterday")],
    "body_not_a_map": [V, envelope(body=[1, 2])],
    "wrong_field_type": [V, envelope(body={**GOOD_BODY, "fqdn": 123})],
    "missing_body_field": [V, envelope(body={k: v for k, v in GOOD_BODY.items() if k != "fqdn"})],
    "extra_body_field": [V, envelope(body={**GOOD_BODY, "evil": True})],
}


@pytest.mark.parametrize("frames", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_messages_are_dropped_counted_and_serving_goes_on(served, frames):
    server, recorder, dealer = served
    dealer.send_multipart(frames)
    dealer.send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    stats = server.stats
    assert (stats["received"], stats["dropped_malformed"], stats["delivered"]) == (2, 1, 1)
    assert [env.kind for env in recorder.envelopes()] == ["server_heartbeat"]


def test_oversized_message_is_dropped_and_counted(served, monkeypatch):
    server, recorder, dealer = served
    monkeypatch.setattr(protocol, "MAX_MESSAGE_BYTES", 512)
    big = ServerHeartbeat(**{**GOOD_BODY, "grains": {"pad": "x" * 2048}})
    dealer.send_multipart(protocol.encode(big, sender=RAW_ID))
    dealer.send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    assert (server.stats["dropped_malformed"], server.stats["delivered"]) == (1, 1)


def test_a_peer_sending_a_frame_over_the_socket_limit_is_cut_off(make_server, raw_socket):
    server, recorder = make_server(max_frame_bytes=1024)
    hostile = raw_socket(routing_id=b"hostile")
    events = hostile.get_monitor_socket(zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED)
    hostile.connect(server.endpoint)  # after the monitor is listening, or CONNECTED may be missed
    try:
        assert recv_monitor_message(events, 5)["event"] == zmq.EVENT_CONNECTED
        hostile.send_multipart([V, b"\x00" * 4096])
        assert recv_monitor_message(events, 5)["event"] == zmq.EVENT_DISCONNECTED
    finally:
        hostile.disable_monitor()
        events.close(linger=0)
    raw_socket(connect=server.endpoint).send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    assert server.stats["received"] == 1  # the big frame was never buffered, let alone decoded


def test_non_utf8_routing_id_is_dropped(make_server, raw_socket):
    server, recorder = make_server()
    raw_socket(connect=server.endpoint, routing_id=b"\xff\xfe").send_multipart(heartbeat())
    raw_socket(connect=server.endpoint).send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    wait_until(lambda: server.stats["received"] == 2)
    assert server.stats["dropped_malformed"] == 1


def test_sender_that_is_not_the_routing_id_is_dropped(served):
    server, recorder, dealer = served
    dealer.send_multipart(heartbeat(sender="somebody-else"))
    dealer.send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    stats = server.stats
    assert (stats["dropped_sender_mismatch"], stats["dropped_malformed"], stats["delivered"]) == (1, 0, 1)
    assert [env.sender for env in recorder.envelopes()] == [RAW_ID]


def test_a_flood_of_garbage_is_logged_at_a_throttled_rate(served, caplog):
    server, recorder, dealer = served
    caplog.set_level(logging.WARNING, logger="bus.server")
    for _ in range(200):
        dealer.send_multipart([b"garbage"])
    dealer.send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    assert server.stats["dropped_malformed"] == 200
    assert 1 <= len([r for r in caplog.records if r.name == "bus.server"]) <= 2


def test_an_exception_in_on_message_is_counted_and_the_thread_lives(make_server, raw_socket):
    recorder = Recorder()

    def on_message(agent_id, env):
        recorder(agent_id, env)
        if len(recorder.calls) == 1:
            raise RuntimeError("consumer bug")

    server, _ = make_server(on_message=on_message)
    dealer = raw_socket(connect=server.endpoint)
    dealer.send_multipart(heartbeat())
    dealer.send_multipart(heartbeat())
    wait_until(lambda: len(recorder.calls) == 2)
    wait_until(lambda: server.stats["delivered"] == 1)
    assert server.stats["callback_errors"] == 1
    assert server.running


# ---- sending ----------------------------------------------------------------------------------

def test_send_reaches_a_connected_agent(served):
    server, recorder, dealer = served
    dealer.send_multipart(heartbeat())  # the ROUTER learns the routing id from this
    wait_until(lambda: recorder.calls)
    job = Job(job_id="j1", function="get_cluster_object", args={"fsid": "f"}, deadline=2e9)
    server.send(RAW_ID, job)
    env = protocol.decode(recv_frames(dealer))
    assert (env.kind, env.sender, env.body) == ("job", MANAGER_ID, job)
    wait_until(lambda: server.stats["sent"] == 1)


def test_send_to_an_unknown_agent_is_counted_not_raised(make_server):
    server, _ = make_server()
    server.send("nobody", Job(job_id="j1", function="f", args={}, deadline=2e9))
    wait_until(lambda: server.stats["send_failed"] == 1)
    assert server.stats["sent"] == 0


def test_send_is_safe_from_many_threads(served):
    server, recorder, dealer = served
    dealer.send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)

    def sender(n):
        for i in range(50):
            server.send(RAW_ID, Job(job_id=f"{n}-{i}", function="f", args={}, deadline=2e9))

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = {protocol.decode(recv_frames(dealer)).body.job_id for _ in range(200)}
    assert len(ids) == 200
    wait_until(lambda: server.stats["sent"] == 200)


def test_send_before_start_or_after_stop_is_counted_not_raised(make_server):
    job = Job(job_id="j1", function="f", args={}, deadline=2e9)
    idle = BusServer("tcp://127.0.0.1:0", Recorder())
    idle.send("agent", job)
    assert idle.stats["send_failed"] == 1
    server, _ = make_server()
    server.stop()
    server.send("agent", job)
    assert server.stats["send_failed"] == 1


def test_send_of_an_unencodable_body_raises_on_the_caller(make_server):
    server, _ = make_server()
    with pytest.raises(KeyError):
        server.send("agent", object())


# ---- LogThrottle ------------------------------------------------------------------------------

def test_log_throttle_passes_one_line_per_key_per_period_and_reports_suppressed(caplog):
    now = [0.0]
    throttle = LogThrottle(logging.getLogger("throttle-test"), every_s=10, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="throttle-test")
    assert throttle.log(logging.INFO, "a", "first %s", 1)
    assert not throttle.log(logging.INFO, "a", "second")
    assert not throttle.log(logging.INFO, "a", "third")
    assert throttle.log(logging.INFO, "b", "other key")
    now[0] = 10.0
    assert throttle.log(logging.INFO, "a", "later")
    assert [r.getMessage() for r in caplog.records] == [
        "first 1", "other key", "later (2 similar suppressed)"]
