"""BusServer over real sockets on 127.0.0.1: CurveZMQ admission, delivery, validation, counters,
sends, shutdown. The gate is a test double here (tests/bus_helpers.py); the key ring that is the
daemon's gate has its own tests (test_keyring.py)."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future

import pytest
import zmq
import zmq.utils.monitor

from bus import protocol
from bus.curve import new_keypair
from bus.flood import FloodGuard
from bus.gate import SENDER_MISMATCH
from bus.protocol import Job, ServerHeartbeat
from bus.log_throttle import LogThrottle
from bus.server import MANAGER_ID, UNACCEPTED_MAX_BYTES, BusServer
from tests.bus_helpers import SERVER_KEYS, TestGate, recv_frames
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


def recv_monitor_message(events: zmq.Socket, timeout_s: float) -> dict:
    return zmq.utils.monitor.recv_monitor_message(events) if events.poll(timeout_s * 1000) else {}


pytestmark = pytest.mark.usefixtures("no_thread_leak")


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
    BusServer("tcp://127.0.0.1:0", Recorder(), keys=SERVER_KEYS, gate=TestGate()).stop()


# ---- admission (CurveZMQ + the gate) ------------------------------------------------------------

def handshake_events(sock: zmq.Socket) -> zmq.Socket:
    return sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH
                                   | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)


def test_only_curve_clients_that_know_the_manager_key_get_through(make_server, raw_socket, gate):
    server, recorder = make_server()
    plain = raw_socket(curve=False, connect=server.endpoint)
    wrong = raw_socket(server_public=new_keypair().public, connect=server.endpoint)
    plain.send_multipart(heartbeat())
    wrong.send_multipart(heartbeat())
    raw_socket(connect=server.endpoint).send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    assert server.stats["received"] == 1
    assert wrong.keys.public not in gate.handshakes   # it never got as far as asking


def test_a_refused_key_is_told_so_at_the_handshake_and_delivers_nothing(make_server, raw_socket, gate):
    server, recorder = make_server()
    refused = raw_socket()
    gate.refused.add(refused.keys.public)
    events = handshake_events(refused)
    refused.connect(server.endpoint)
    try:
        assert recv_monitor_message(events, 5)["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH
    finally:
        refused.disable_monitor()
        events.close(linger=0)
    try:
        refused.send_multipart(heartbeat(), flags=zmq.NOBLOCK)
    except zmq.Again:
        pass   # the refused session has ended (libzmq does not try again by itself)
    raw_socket(connect=server.endpoint).send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    assert (server.stats["received"], server.stats["handshakes_refused"]) == (1, 1)
    assert server.stats["handshakes_admitted"] == 1


@pytest.mark.parametrize("outcome", ["admit", "refuse", "fail"])
def test_the_gate_may_decide_later_without_holding_up_other_handshakes(make_server, raw_socket, gate,
                                                                         monkeypatch, outcome):
    slow = raw_socket()
    decisions: dict[str, Future] = {slow.keys.public: Future()}
    monkeypatch.setattr(gate, "admit", lambda key, address=None: decisions.get(key, True))
    server, recorder = make_server()
    slow.connect(server.endpoint)
    slow.send_multipart(heartbeat(sender="slow"))
    raw_socket(connect=server.endpoint).send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)                       # the quick one got in meanwhile
    decision = decisions[slow.keys.public]
    if outcome == "fail":
        decision.set_exception(OSError("store unavailable"))
    else:
        decision.set_result(outcome == "admit")
    if outcome == "admit":
        wait_until(lambda: len(recorder.calls) == 2)
        assert recorder.envelopes(sender="slow")
    else:
        wait_until(lambda: server.stats["handshakes_refused"] == 1)
        assert server.stats["received"] == 1


def test_each_message_is_judged_with_the_key_that_signed_it(served, raw_socket, gate, monkeypatch):
    server, recorder, dealer = served
    judged = []
    monkeypatch.setattr(gate, "authorize", lambda key, sender: judged.append((key, sender)))
    other = raw_socket(connect=server.endpoint)
    dealer.send_multipart(heartbeat())
    other.send_multipart(heartbeat(sender="other"))
    wait_until(lambda: len(recorder.calls) == 2)
    assert sorted(judged) == sorted([(dealer.keys.public, RAW_ID), (other.keys.public, "other")])


def test_an_agent_over_its_rate_is_cut_short_and_the_others_are_not(make_server, raw_socket):
    server, recorder = make_server(flood=FloodGuard(rate_per_s=0.001, burst=5))
    flooder = raw_socket(connect=server.endpoint)
    for _ in range(20):
        flooder.send_multipart(heartbeat())
    wait_until(lambda: server.stats["received"] == 20)
    raw_socket(connect=server.endpoint).send_multipart(heartbeat(sender="calm"))
    wait_until(lambda: recorder.envelopes(sender="calm"))
    assert (server.stats["delivered"], server.stats["dropped_flood"]) == (6, 15)


def test_flood_guard_refills_at_its_rate_and_forgets_the_least_recent_sender():
    now = [0.0]
    guard = FloodGuard(rate_per_s=2.0, burst=3, max_senders=2, clock=lambda: now[0])
    assert [guard.allow("a") for _ in range(4)] == [True, True, True, False]
    now[0] = 1.0                                   # two tokens back
    assert [guard.allow("a") for _ in range(3)] == [True, True, False]
    guard.allow("b")
    guard.allow("c")                               # "a" is forgotten: a full bucket again
    assert [guard.allow("a") for _ in range(3)] == [True, True, True]


# ---- receiving --------------------------------------------------------------------------------

def test_a_valid_message_is_delivered_as_its_sender(served):
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
    hostile = raw_socket()
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


def test_messages_the_gate_refuses_are_counted_by_reason_and_not_delivered(served, monkeypatch, gate):
    server, recorder, dealer = served
    monkeypatch.setattr(gate, "authorize", lambda key, sender: SENDER_MISMATCH if sender != RAW_ID else None)
    dealer.send_multipart(heartbeat(sender="somebody-else"))
    dealer.send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    stats = server.stats
    assert (stats["dropped_sender_mismatch"], stats["dropped_malformed"], stats["delivered"]) == (1, 0, 1)
    assert [env.sender for env in recorder.envelopes()] == [RAW_ID]


def test_messages_of_a_key_not_accepted_are_dropped_and_big_ones_not_even_decoded(served, gate, raw_socket):
    server, recorder, dealer = served
    stranger = raw_socket()
    gate.pending.add(stranger.keys.public)        # let in (to name itself), not accepted
    stranger.connect(server.endpoint)
    stranger.send_multipart([V, b"\xc1" * (UNACCEPTED_MAX_BYTES + 1)])   # garbage, but too big to look at
    stranger.send_multipart(heartbeat())
    dealer.send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    wait_until(lambda: server.stats["received"] == 3)
    stats = server.stats
    assert (stats["dropped_unaccepted"], stats["dropped_malformed"], stats["delivered"]) == (2, 0, 1)


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


def test_send_goes_to_the_connection_the_agent_last_spoke_from(served, raw_socket):
    server, recorder, old = served
    old.send_multipart(heartbeat())
    wait_until(lambda: recorder.calls)
    new = raw_socket(connect=server.endpoint)      # the agent restarted: a new connection
    new.send_multipart(heartbeat())
    wait_until(lambda: len(recorder.calls) == 2)
    server.send(RAW_ID, Job(job_id="j1", function="f", args={}, deadline=2e9))
    assert protocol.decode(recv_frames(new)).body.job_id == "j1"
    assert not old.poll(100)


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
    idle = BusServer("tcp://127.0.0.1:0", Recorder(), keys=SERVER_KEYS, gate=TestGate())
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
