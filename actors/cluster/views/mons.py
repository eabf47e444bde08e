"""Mon resources (calamari-internals §5.7): the cluster's view reconciled with each mon's own.

The cluster-wide `mon_status` sync object can be stale: it is fetched from a mon in quorum, and
when mons drop out nobody may be left to report. Each mon host's heartbeat carries that mon's
own mon_status, so the two are reconciled:

1. A local status with a newer election epoch replaces the cluster view; one at the same epoch
   that disagrees about the quorum makes that epoch untrustworthy (lowest valid = epoch + 1).
2. Per mon, the cluster's opinion (rank in the quorum, at a valid epoch) is compared with the
   mon's own (running, in its own quorum, at a valid epoch). On disagreement the mon wins if it
   is stopped or has election epoch 0, the cluster wins if the mon's status is older, else the
   mon wins.
3. Without a majority of the monmap in quorum there is no quorum at all: every mon is out and
   nobody leads.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

from actors.errors import NotFound


@dataclass(frozen=True)
class MonService:
    """What the server monitor knows of one mon daemon: whether it runs, where, its own status."""
    running: bool
    fqdn: str | None = None
    status: dict | None = None


def _epoch(status: dict) -> int:
    return status.get("election_epoch") or 0


def _quorum(status: dict) -> set[int]:
    return set(status.get("quorum") or ())


def _addr(mon: dict) -> str | None:
    if mon.get("addr") is not None:
        return mon["addr"]
    addrvec = (mon.get("public_addrs") or {}).get("addrvec") or ()
    return addrvec[0].get("addr") if addrvec else None


def _freshest(mon_status: dict, services: Mapping[str, MonService]) -> tuple[dict, int]:
    """Step 1: the newest status anyone has, and the lowest election epoch still trusted."""
    cluster = mon_status
    lowest_valid = _epoch(cluster)
    for name in sorted(services):
        local = services[name].status
        if not local:
            continue
        if _epoch(local) > _epoch(cluster):
            cluster, lowest_valid = local, _epoch(local)
        elif _epoch(local) == _epoch(cluster) and _quorum(local) != _quorum(cluster):
            lowest_valid = _epoch(local) + 1
    return cluster, lowest_valid


def _in_quorum(rank: int, cluster: dict, lowest_valid: int, service: MonService | None) -> bool:
    """Step 2: reconcile the cluster's and the mon's own opinion of its membership."""
    cluster_opinion = rank in _quorum(cluster) and _epoch(cluster) >= lowest_valid
    if service is None or not service.status:
        return cluster_opinion
    local = service.status
    local_opinion = (service.running and local.get("rank", rank) in _quorum(local)
                     and _epoch(local) >= lowest_valid)
    if local_opinion == cluster_opinion:
        return cluster_opinion
    if _epoch(local) == 0 or not service.running:
        return local_opinion
    if _epoch(local) < _epoch(cluster):
        return cluster_opinion
    return local_opinion


def api_mons(mon_status: dict | None, quorum_status: dict | None,
             services: Mapping[str, MonService]) -> list[dict]:
    """Every mon of the (freshest) monmap by rank: {name, rank, in_quorum, server, addr, leader}.

    `services` maps mon name to its MonService; a mon without one has no server and the
    cluster's opinion. No mon_status yet gives [].
    """
    if not mon_status:
        return []
    cluster, lowest_valid = _freshest(mon_status, services)
    monmap_mons = sorted((cluster.get("monmap") or {}).get("mons") or (),
                         key=lambda mon: mon.get("rank", 0))
    result = []
    for mon in monmap_mons:
        service = services.get(mon.get("name"))
        result.append({
            "name": mon.get("name"),
            "rank": mon.get("rank"),
            "in_quorum": _in_quorum(mon.get("rank"), cluster, lowest_valid, service),
            "server": service.fqdn if service else None,
            "addr": _addr(mon),
            "leader": False,
        })
    if sum(mon["in_quorum"] for mon in result) < len(result) // 2 + 1:
        for mon in result:
            mon["in_quorum"] = False
    else:
        leader_name = (quorum_status or {}).get("quorum_leader_name")
        for mon in result:
            mon["leader"] = mon["in_quorum"] and mon["name"] == leader_name
    return result


def api_mon(mon_status: dict | None, quorum_status: dict | None,
            services: Mapping[str, MonService], name: str) -> dict:
    """One mon by name; NotFound if the monmap has none of that name."""
    for mon in api_mons(mon_status, quorum_status, services):
        if mon["name"] == name:
            return mon
    raise NotFound.of("mon", name)


def api_mon_status(services: Mapping[str, MonService], name: str) -> dict | None:
    """The mon's own mon_status from its host's heartbeat (None if it sent none yet)."""
    service = services.get(name)
    if service is None:
        raise NotFound.of("mon", name)
    return copy.deepcopy(service.status)
