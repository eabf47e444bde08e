"""ServerActor: a server's life story from its heartbeats and ticks (fake peers, fake clock)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from actors.context import Peers, Timings
from actors.events import INFO, RECOVERY, WARNING
from actors.messages import EmitEvents, ServerHeartbeatReceived, ServerRecord, ServerUpdated, Tick
from actors.notices import Notices
from actors.servers.actor import ServerActor
from actors.storage.messages import SaveServer
from bus.protocol import ServerHeartbeat
from tests.unit.actor_doubles import Recorder

FQDN = "node1.example"
TIMINGS = Timings(heartbeat_s=10.0)


@pytest.fixture
def sink():
    return Recorder.start()


def start(sink, started_at=0.0, notices=None, **kwargs):
    peers = Peers(store=sink, eventer=sink, directory=sink, send_job=None, cluster_ref=None, publish_cluster=None,
                  notices=notices or Notices())
    return ServerActor.start(FQDN, peers, TIMINGS, started_at, **kwargs)


def beat(actor, now, boot_time=1000.0, version="16.2.11", services=None):
    services = services if services is not None else [
        {"fsid": "f", "type": "osd", "id": "0", "running": True, "status": None},
        {"fsid": "f", "type": "mon", "id": "node1", "running": True, "status": {"rank": 0}}]
    actor.tell(ServerHeartbeatReceived(ServerHeartbeat(FQDN, "node1", boot_time, version, services, {}), now))


def events(sink):
    out = []
    for message in sink.ask("dump"):
        if isinstance(message, EmitEvents):
            out.extend((e.severity, e.message) for e in message.events)
    return out


def test_first_heartbeat_adds_the_server_and_later_changes_are_events(sink):
    actor = start(sink)
    beat(actor, 1.0)
    beat(actor, 11.0, boot_time=1005.0)                 # clock adjustment: not a reboot
    beat(actor, 21.0, boot_time=5000.0)                 # a reboot
    beat(actor, 31.0, boot_time=5000.0, version="16.2.12")
    actor.ask(Tick(32.0))
    assert events(sink) == [(INFO, "Added server node1.example with 1 monitor service, 1 OSD"),
                            (WARNING, f"Server {FQDN} rebooted"),
                            (INFO, f"Ceph 16.2.12 installed on {FQDN}")]
    updates = [m.record for m in sink.ask("dump") if isinstance(m, ServerUpdated)]
    assert updates[-1].last_contact == 31.0 and updates[-1].ceph_version == "16.2.12"


def test_a_service_no_longer_reported_is_kept_as_stopped(sink):
    actor = start(sink)
    beat(actor, 1.0)
    beat(actor, 2.0, services=[{"fsid": "f", "type": "osd", "id": "0", "running": True, "status": None}])
    actor.ask(Tick(2.0))
    last = [m.record for m in sink.ask("dump") if isinstance(m, ServerUpdated)][-1]
    assert [(s.type, s.running) for s in last.services] == [("mon", False), ("osd", True)]


def test_late_once_then_regained(sink):
    notices, told = Notices(), []
    notices.subscribe(told.append)
    actor = start(sink, notices=notices)
    beat(actor, 100.0)
    actor.ask(Tick(129.0))                              # within 3 periods
    for now in (131.0, 140.0, 200.0):
        actor.ask(Tick(now))
    beat(actor, 201.0)
    actor.ask(Tick(202.0))
    late = [e for e in events(sink) if e[0] == WARNING]
    assert len(late) == 1 and late[0][1].startswith(f"Server {FQDN} is late reporting in, last report at 1970-01-01T")
    assert events(sink)[-1] == (RECOVERY, f"Server {FQDN} regained contact")
    saves = [m.server for m in sink.ask("dump") if isinstance(m, SaveServer)]
    assert any(row["late"] for row in saves)           # survives a restart
    assert [(n.fqdn, n.fsid, n.change) for n in told] == [(FQDN, "f", "managed"), (FQDN, "f", "late"),
                                                          (FQDN, "f", "regained")]


def test_the_late_flag_is_persisted_before_each_late_or_regained_event(sink):
    """The store takes messages in order: a crash between the two must not repeat the event."""
    actor = start(sink)
    beat(actor, 100.0)
    actor.ask(Tick(200.0))
    beat(actor, 201.0)
    actor.ask(Tick(202.0))
    order = [("save", m.server["late"]) if isinstance(m, SaveServer) else ("event", m.events[0].severity)
             for m in sink.ask("dump") if isinstance(m, (SaveServer, EmitEvents))]
    late_at, regained_at = order.index(("event", WARNING)), order.index(("event", RECOVERY))
    assert ("save", True) in order[:late_at]
    assert order[late_at + 1:regained_at][-1:] == [("save", False)]


def test_a_restored_server_gets_a_grace_period_and_no_second_added_event(sink):
    record = ServerRecord(FQDN, "node1", True, last_contact=10.0, boot_time=1000.0, ceph_version="16.2.11")
    actor = start(sink, started_at=500.0, restored=record)
    actor.ask(Tick(520.0))                              # long silent, but we only just started
    assert events(sink) == []
    actor.ask(Tick(531.0))
    assert [e[0] for e in events(sink)] == [WARNING]
    beat(actor, 532.0)
    actor.ask(Tick(533.0))
    assert [e[1] for e in events(sink)][1:] == [f"Server {FQDN} regained contact"]


def test_repeated_identical_beats_only_move_the_contact_time_and_a_change_still_shows(sink):
    actor = start(sink)
    for now in (1.0, 2.0, 3.0):
        beat(actor, now)
    beat(actor, 4.0, services=[{"fsid": "f", "type": "osd", "id": "0", "running": True, "status": None}])
    actor.ask(Tick(4.0))
    updates = [m.record for m in sink.ask("dump") if isinstance(m, ServerUpdated)]
    assert [u.last_contact for u in updates] == [1.0, 2.0, 3.0, 4.0]
    assert updates[1].services == updates[0].services and updates[2] == replace(updates[0], last_contact=3.0)
    assert [(s.type, s.running) for s in updates[-1].services] == [("mon", False), ("osd", True)]
    assert len([e for e in events(sink) if e[0] == INFO]) == 1          # "added", once
