"""The directory's fleet-wide server list: by FQDN, each server's view kept until its record
changes, so a heartbeat (one record) shows at once without rebuilding every view."""
from __future__ import annotations

import json

import pytest

from actors.runtime.base import ask
from actors.context import Peers
from actors.servers.directory import ServerDirectory
from actors.messages import ForgetServer, GetServer, ListServers, ServerRecord, ServerUpdated, Service
from tests.unit.actor_doubles import Recorder

FSID = "c" * 8


@pytest.fixture
def directory():
    store = Recorder.start()
    peers = Peers(store=store, eventer=store, directory=None, send_job=None,
                  cluster_ref=lambda fsid: None, publish_cluster=None)
    return ServerDirectory.start(lambda: peers)


def listed(directory):
    return ask(directory, ListServers).result(2)


def record(name: str, contact: float, *services) -> ServerRecord:
    return ServerRecord(f"{name}.example", name, True, contact, services=tuple(services))


def test_list_follows_every_change_and_keeps_unchanged_views(directory):
    for name in ("c", "a", "b"):
        directory.tell(ServerUpdated(record(name, 1.0, Service(FSID, "osd", name))))
    first = listed(directory)
    assert [s["fqdn"] for s in first] == ["a.example", "b.example", "c.example"]
    assert listed(directory) is first                        # nothing changed: the same list
    directory.tell(ServerUpdated(record("b", 2.0, Service(FSID, "osd", "b"))))   # a heartbeat
    second = listed(directory)
    assert second is not first
    assert second[1]["last_contact"] != first[1]["last_contact"]
    assert second[0] is first[0] and second[2] is first[2]   # the others' views are reused
    assert ask(directory, lambda r: GetServer("b.example", r)).result(2) is second[1]
    directory.tell(ServerUpdated(record("aa", 3.0)))
    ask(directory, lambda r: ForgetServer("c.example", r)).result(2)
    assert [s["fqdn"] for s in listed(directory)] == ["a.example", "aa.example", "b.example"]


def test_the_list_carries_each_servers_json_for_pages(directory):
    for name in ("b", "a", "c"):
        directory.tell(ServerUpdated(record(name, 1.0, Service(FSID, "osd", name), Service(FSID, "mon", name))))
    servers = listed(directory)
    assert servers.json() == json.dumps(servers).encode()
    assert servers.json(1, 3) == json.dumps(servers[1:3]).encode()
    assert servers.json(5, 10) == b"[]"
    directory.tell(ServerUpdated(record("a", 2.0)))
    again = listed(directory)
    assert again.json(0, 1) == json.dumps(again[:1]).encode() != servers.json(0, 1)
    assert again.encoded[1] is servers.encoded[1]            # unchanged records: not re-encoded


def test_a_page_is_that_slice_of_the_list_with_the_whole_count(directory):
    from actors.messages import ListServersPage
    for name in ("d", "b", "a", "c", "e"):
        directory.tell(ServerUpdated(record(name, 1.0, Service(FSID, "osd", name))))
    servers = listed(directory)

    def page(offset, limit):
        return ask(directory, lambda r: ListServersPage(offset, limit, r)).result(2)
    assert page(0, 2) == (5, servers.json(0, 2))
    assert page(2, 2) == (5, servers.json(2, 4))
    assert page(4, 2) == (5, servers.json(4, 6)) and json.loads(page(4, 2)[1])[0]["fqdn"] == "e.example"
    assert page(9, 2) == (5, b"[]")
    directory.tell(ServerUpdated(record("b", 2.0, Service(FSID, "osd", "b"))))
    assert json.loads(page(1, 1)[1])[0]["last_contact"] == json.loads(listed(directory).json(1, 2))[0]["last_contact"]
