"""The wire protocol's optional fields: incarnations round trip, and messages without them (older
peers) still decode."""
from __future__ import annotations

from bus import protocol
from bus.protocol import Job, ServerHeartbeat

BEAT = {"fqdn": "node1", "hostname": "node1", "boot_time": 1.0, "ceph_version": "17.2.0",
        "services": [], "grains": {}}


def round_trip(body):
    return protocol.decode(protocol.encode(body, sender="someone")).body


def wire_body(body) -> dict:
    return protocol.unpackb(protocol.encode(body, sender="someone")[1])["body"]


def test_incarnations_round_trip_in_heartbeats_and_jobs():
    beat = ServerHeartbeat(**BEAT, incarnation="run-1")
    job = Job("j1", "selftest_wait", {"seconds": 1}, 2e9, incarnation="run-1")
    assert round_trip(beat) == beat
    assert round_trip(job) == job


def test_messages_of_peers_that_predate_incarnations_decode_with_none():
    old_beat = [protocol.PROTOCOL_VERSION, protocol.packb(
        {"kind": "server_heartbeat", "sender": "node1", "sent_at": 1.0, "body": BEAT})]
    assert protocol.decode(old_beat).body.incarnation is None


def test_an_unknown_incarnation_is_left_off_the_wire_so_older_agents_accept_the_job():
    assert set(wire_body(Job("j1", "f", {}, 2e9))) == {"job_id", "function", "args", "deadline"}
    assert round_trip(Job("j1", "f", {}, 2e9)).incarnation is None


def test_a_required_field_that_is_none_is_still_sent():
    beat = ServerHeartbeat(**{**BEAT, "boot_time": None})
    assert wire_body(beat)["boot_time"] is None
    assert round_trip(beat) == beat


def test_every_backend_runs_every_selftest_the_daemon_accepts():
    from agent.ceph.backend import RealCephBackend
    from sim.backend import SimBackend
    for backend in (RealCephBackend, SimBackend):
        assert set(protocol.SELFTESTS) <= set(backend._JOBS), backend.__name__


# ---- lease terms and acks (high availability) -------------------------------------------------

def test_a_job_without_a_term_decodes_as_term_0():
    old_job = [protocol.PROTOCOL_VERSION, protocol.packb(
        {"kind": "job", "sender": "manager", "sent_at": 1.0,
         "body": {"job_id": "j1", "function": "f", "args": {}, "deadline": 2e9}})]
    assert protocol.decode(old_job).body.term == 0


def test_term_0_is_left_off_the_wire_so_older_agents_accept_a_non_ha_managers_jobs():
    assert "term" not in wire_body(Job("j1", "f", {}, 2e9))
    assert wire_body(Job("j1", "f", {}, 2e9, term=7))["term"] == 7
    assert round_trip(Job("j1", "f", {}, 2e9, term=7)).term == 7


def test_a_term_must_be_an_integer_not_a_boolean_or_a_float():
    import pytest
    for bad in (True, 1.5, "3"):
        frames = [protocol.PROTOCOL_VERSION, protocol.packb(
            {"kind": "job", "sender": "manager", "sent_at": 1.0,
             "body": {"job_id": "j1", "function": "f", "args": {}, "deadline": 2e9, "term": bad}})]
        with pytest.raises(protocol.ProtocolError):
            protocol.decode(frames)


def test_heartbeat_acks_round_trip_with_their_term():
    assert round_trip(protocol.HeartbeatAck(term=3)) == protocol.HeartbeatAck(3)
    assert round_trip(protocol.HeartbeatAck(term=0)).term == 0   # a required field is always sent


def test_an_unknown_kind_is_its_own_protocol_error():
    frames = [protocol.PROTOCOL_VERSION, protocol.packb(
        {"kind": "from_the_future", "sender": "manager", "sent_at": 1.0, "body": {}})]
    try:
        protocol.decode(frames)
    except protocol.UnknownKind as exc:
        assert isinstance(exc, protocol.ProtocolError) and "from_the_future" in str(exc)
    else:
        raise AssertionError("should have raised UnknownKind")
