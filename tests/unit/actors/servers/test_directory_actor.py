"""ServerDirectory as an actor: ownership of services, unmanaged takeover, cluster pushes."""
from __future__ import annotations

import pytest

from actors.runtime.base import ask
from actors.context import Peers
from actors.servers.directory import ServerDirectory
from actors.errors import NotFound
from actors.messages import (ClusterMembership, ForgetCluster, ForgetServer, GetServer, ListClusterServers,
                             ListServers, ServerRecord, ServerUpdated, Service, ServicesChanged)
from actors.notices import Notices, ServerChanged
from actors.storage.messages import DeleteServer
from tests.unit.actor_doubles import Recorder

FSID = "c" * 8


@pytest.fixture
def world():
    store, cluster = Recorder.start(), Recorder.start()
    peers = Peers(store=store, eventer=store, directory=None, send_job=None,
                  cluster_ref=lambda fsid: cluster if fsid == FSID else None, publish_cluster=None)
    directory = ServerDirectory.start(lambda: peers)
    return directory, store, cluster


def seen(ref):
    return ref.ask("dump")


def servers(directory):
    return {s["fqdn"]: s for s in ask(directory, ListServers).result(2)}


def membership(osd_hosts):
    return ClusterMembership(FSID, osd_hosts, frozenset({"a"}), None, {"a": "10.0.0.1"}, {})


def test_unmanaged_host_is_taken_over_by_its_agent_and_services_move(world):
    directory, store, cluster = world
    directory.tell(membership({"h1": ((0, True), (1, False))}))
    assert servers(directory)["h1"]["managed"] is False
    directory.tell(ServerUpdated(ServerRecord("h1.example", "h1", True, 10.0,
                                              services=(Service(FSID, "osd", "0"), Service(FSID, "osd", "1")))))
    listed = servers(directory)
    assert list(listed) == ["h1.example"] and listed["h1.example"]["managed"] is True
    assert DeleteServer("h1") in seen(store)
    pushes = [m for m in seen(cluster) if isinstance(m, ServicesChanged)]
    assert [fqdn for _, fqdn in pushes[-1].services] == ["h1.example", "h1.example"]


def test_a_service_reported_elsewhere_leaves_its_old_server(world):
    directory, store, cluster = world
    directory.tell(ServerUpdated(ServerRecord("a.example", "a", True, services=(Service(FSID, "osd", "0"),))))
    directory.tell(ServerUpdated(ServerRecord("b.example", "b", True, services=(Service(FSID, "osd", "0"),))))
    listed = servers(directory)
    assert listed["a.example"]["services"] == [] and len(listed["b.example"]["services"]) == 1
    last = [m for m in seen(cluster) if isinstance(m, ServicesChanged)][-1]
    assert [fqdn for _, fqdn in last.services] == ["b.example"]


def test_contact_only_heartbeats_do_not_push_to_clusters(world):
    directory, store, cluster = world
    record = ServerRecord("a.example", "a", True, 1.0, services=(Service(FSID, "mon", "a"),))
    directory.tell(ServerUpdated(record))
    servers(directory)
    before = len([m for m in seen(cluster) if isinstance(m, ServicesChanged)])
    for t in range(2, 6):
        directory.tell(ServerUpdated(ServerRecord("a.example", "a", True, float(t), services=record.services)))
    assert servers(directory)["a.example"]["last_contact"].startswith("1970-01-01T00:00:05")
    assert len([m for m in seen(cluster) if isinstance(m, ServicesChanged)]) == before


def test_forgetting_a_cluster_drops_its_services_and_empty_unmanaged_servers(world):
    directory, store, cluster = world
    directory.tell(membership({"h1": ((0, True),)}))
    directory.tell(ServerUpdated(ServerRecord("m.example", "m", True, services=(Service(FSID, "mon", "a"),
                                                                               Service("other", "osd", "9")))))
    assert len(ask(directory, lambda r: ListClusterServers(FSID, r)).result(2)) == 2
    directory.tell(ForgetCluster(FSID))
    listed = servers(directory)
    assert list(listed) == ["m.example"] and [s["fsid"] for s in listed["m.example"]["services"]] == ["other"]
    assert ask(directory, lambda r: ListClusterServers(FSID, r)).result(2) == []


def test_forget_server_and_unknown_server(world):
    directory, store, cluster = world
    notices, told = Notices(), []
    notices.subscribe(told.append)
    directory = ServerDirectory.start(lambda: Peers(store=store, eventer=store, directory=None, send_job=None,
                                                    cluster_ref=lambda fsid: None, publish_cluster=None,
                                                    notices=notices))
    osd = Service(fsid=FSID, type="osd", id="0")
    directory.tell(ServerUpdated(ServerRecord("a.example", "a", True, services=(osd,))))
    ask(directory, lambda r: ForgetServer("a.example", r)).result(2)
    assert told == [ServerChanged("a.example", FSID, "removed")]
    with pytest.raises(NotFound):
        ask(directory, lambda r: GetServer("a.example", r)).result(2)
    with pytest.raises(NotFound):
        ask(directory, lambda r: ForgetServer("a.example", r)).result(2)
