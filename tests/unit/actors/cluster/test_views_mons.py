"""Mon reconciliation (calamari-internals §5.7) through the quorum sequences of §8.7."""
from __future__ import annotations

import pytest

from actors.errors import NotFound
from actors.cluster.views.mons import MonService, api_mon, api_mon_status, api_mons
from tests.unit import ceph_fixtures as fx


def svc(name: str, running: bool = True, **status) -> MonService:
    """The service of mon `name` on host `name`, with its own mon_status (epoch, quorum)."""
    return MonService(running=running, fqdn=fx.fqdn(name), status=fx.mon_status(name, **status))


def membership(mons: list[dict]) -> dict[str, bool]:
    return {mon["name"]: mon["in_quorum"] for mon in mons}


def leaders(mons: list[dict]) -> list[str]:
    return [mon["name"] for mon in mons if mon["leader"]]


def healthy_services(epoch: int = 8) -> dict[str, MonService]:
    return {name: svc(name, epoch=epoch) for name in fx.MON_NAMES}


def test_healthy_cluster_every_field():
    assert api_mons(fx.mon_status(), fx.quorum_status(), healthy_services()) == [
        {"name": "node1", "rank": 0, "in_quorum": True, "server": "node1.example",
         "addr": "10.0.0.1:6789/0", "leader": True},
        {"name": "node2", "rank": 1, "in_quorum": True, "server": "node2.example",
         "addr": "10.0.0.2:6789/0", "leader": False},
        {"name": "node3", "rank": 2, "in_quorum": True, "server": "node3.example",
         "addr": "10.0.0.3:6789/0", "leader": False}]


def test_no_mon_status_yet():
    assert api_mons(None, fx.quorum_status(), healthy_services()) == []
    assert api_mons({}, None, {}) == []


def test_without_agents_the_cluster_view_stands():
    mons = api_mons(fx.mon_status(quorum=(0, 2)),
                    fx.quorum_status(quorum=(0, 2), leader="node3"), {})
    assert membership(mons) == {"node1": True, "node2": False, "node3": True}
    assert [mon["server"] for mon in mons] == [None, None, None]
    assert leaders(mons) == ["node3"]


def test_without_quorum_status_nobody_leads_but_leader_is_present():
    mons = api_mons(fx.mon_status(), None, healthy_services())
    assert all(mon["in_quorum"] for mon in mons)
    assert [mon["leader"] for mon in mons] == [False, False, False]


def test_addr_falls_back_to_the_first_public_addr():
    status = fx.mon_status()
    for mon in status["monmap"]["mons"]:
        del mon["addr"]
    assert [mon["addr"] for mon in api_mons(status, None, {})] == [
        "10.0.0.1:3300", "10.0.0.2:3300", "10.0.0.3:3300"]


# -- the §8.7 sequence: a member leaves, a second leaves, they rejoin ---------------------------

STALE_CLUSTER = fx.mon_status(epoch=8, quorum=(0, 1, 2))   # nobody refreshed the cluster copy


def test_member_leaves_newer_local_status_wins_over_a_stale_cluster_copy():
    services = {"node1": svc("node1", epoch=10, quorum=(0, 1)),
                "node2": svc("node2", epoch=10, quorum=(0, 1)),
                "node3": svc("node3", running=False, epoch=8, quorum=(0, 1, 2))}
    mons = api_mons(STALE_CLUSTER, fx.quorum_status(epoch=10, quorum=(0, 1)), services)
    assert membership(mons) == {"node1": True, "node2": True, "node3": False}
    assert leaders(mons) == ["node1"]


def test_member_leaves_and_its_agent_is_gone_too():
    services = {"node1": svc("node1", epoch=10, quorum=(0, 1)),
                "node2": svc("node2", epoch=10, quorum=(0, 1))}
    mons = api_mons(STALE_CLUSTER, fx.quorum_status(epoch=10, quorum=(0, 1)), services)
    assert membership(mons) == {"node1": True, "node2": True, "node3": False}
    assert mons[2]["server"] is None


def test_second_member_leaves_only_a_minority_local_status_remains():
    cluster = fx.mon_status(epoch=10, quorum=(0, 1))
    services = {"node1": svc("node1", epoch=10, quorum=(0, 1)),      # not refreshed yet
                "node2": svc("node2", running=False, epoch=10, quorum=(0, 1)),
                "node3": svc("node3", running=False, epoch=8, quorum=(0, 1, 2))}
    mons = api_mons(cluster, fx.quorum_status(epoch=10, quorum=(0, 1)), services)
    assert membership(mons) == {"node1": False, "node2": False, "node3": False}
    assert leaders(mons) == []


def test_lone_survivor_calling_elections_is_not_a_quorum():
    cluster = fx.mon_status(epoch=10, quorum=(0, 1))
    services = {"node1": svc("node1", epoch=11, quorum=()),
                "node2": svc("node2", running=False, epoch=10, quorum=(0, 1)),
                "node3": svc("node3", running=False, epoch=8)}
    mons = api_mons(cluster, fx.quorum_status(epoch=10, quorum=(0, 1)), services)
    assert membership(mons) == {"node1": False, "node2": False, "node3": False}


def test_members_rejoin():
    services = healthy_services(epoch=14)
    stale = fx.mon_status(epoch=10, quorum=(0, 1))
    for cluster in (stale, fx.mon_status(epoch=14)):
        mons = api_mons(cluster, fx.quorum_status(epoch=14), services)
        assert membership(mons) == {"node1": True, "node2": True, "node3": True}
        assert leaders(mons) == ["node1"]


def test_all_services_stopped():
    services = {name: svc(name, running=False) for name in fx.MON_NAMES}
    mons = api_mons(STALE_CLUSTER, fx.quorum_status(), services)
    assert membership(mons) == {"node1": False, "node2": False, "node3": False}
    assert leaders(mons) == []


def test_majority_dies_at_once():
    services = {"node1": svc("node1"), "node2": svc("node2", running=False),
                "node3": svc("node3", running=False)}
    mons = api_mons(STALE_CLUSTER, fx.quorum_status(), services)
    assert membership(mons) == {"node1": False, "node2": False, "node3": False}


# -- individual reconciliation rules -------------------------------------------------------------

def test_same_epoch_disagreement_trusts_nobody_at_that_epoch():
    services = {"node1": svc("node1", epoch=8), "node2": svc("node2", epoch=8),
                "node3": svc("node3", epoch=8, quorum=(0, 1))}
    mons = api_mons(STALE_CLUSTER, fx.quorum_status(), services)
    assert membership(mons) == {"node1": False, "node2": False, "node3": False}


def test_local_epoch_zero_is_believed():
    services = {"node1": svc("node1"), "node2": svc("node2", epoch=0, quorum=()),
                "node3": svc("node3")}
    mons = api_mons(STALE_CLUSTER, fx.quorum_status(), services)
    assert membership(mons) == {"node1": True, "node2": False, "node3": True}


def test_older_local_status_loses_to_the_cluster():
    services = {"node1": svc("node1"), "node2": svc("node2", epoch=6, quorum=(0, 2)),
                "node3": svc("node3")}
    mons = api_mons(STALE_CLUSTER, fx.quorum_status(), services)
    assert membership(mons) == {"node1": True, "node2": True, "node3": True}


def test_stale_running_mon_outside_a_fresh_quorum():
    cluster = fx.mon_status(epoch=10, quorum=(0, 1))
    services = {"node1": svc("node1", epoch=10, quorum=(0, 1)),
                "node2": svc("node2", epoch=10, quorum=(0, 1)),
                "node3": svc("node3", epoch=8, quorum=(0, 1, 2))}
    mons = api_mons(cluster, fx.quorum_status(epoch=10, quorum=(0, 1)), services)
    assert membership(mons) == {"node1": True, "node2": True, "node3": False}


def test_leader_must_be_in_quorum():
    services = {"node1": svc("node1", epoch=10, quorum=(0, 1)),
                "node2": svc("node2", epoch=10, quorum=(0, 1)),
                "node3": svc("node3", running=False)}
    mons = api_mons(STALE_CLUSTER, fx.quorum_status(leader="node3"), services)
    assert [mon["leader"] for mon in mons] == [False, False, False]


def test_majority_of_an_even_monmap():
    names = ("a", "b", "c", "d")
    cluster = fx.mon_status("a", quorum=(0, 1), names=names)
    assert not any(membership(api_mons(cluster, None, {})).values())
    cluster = fx.mon_status("a", quorum=(0, 1, 3), names=names)
    assert membership(api_mons(cluster, None, {})) == {"a": True, "b": True, "c": False, "d": True}


# -- one mon ---------------------------------------------------------------------------------------

def test_api_mon_by_name():
    mon = api_mon(fx.mon_status(), fx.quorum_status(), healthy_services(), "node2")
    assert mon == {"name": "node2", "rank": 1, "in_quorum": True, "server": "node2.example",
                   "addr": "10.0.0.2:6789/0", "leader": False}
    with pytest.raises(NotFound, match="mon 'node9' not found"):
        api_mon(fx.mon_status(), fx.quorum_status(), healthy_services(), "node9")
    with pytest.raises(NotFound):
        api_mon(None, None, {}, "node1")


def test_api_mon_status_is_the_local_copy():
    services = healthy_services()
    status = api_mon_status(services, "node2")
    assert status == fx.mon_status("node2")
    status["quorum"].clear()
    assert services["node2"].status["quorum"] == [0, 1, 2]
    assert api_mon_status({"node1": MonService(running=False)}, "node1") is None
    with pytest.raises(NotFound):
        api_mon_status(services, "node9")
