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
