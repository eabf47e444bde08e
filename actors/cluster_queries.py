"""Per-cluster reads (the names of actors.api.CLUSTER_QUERIES), cached until an input changes.

Every answer is derived from the cluster's immutable maps plus where its services run, so one
computation serves every read until the next map version or service change invalidates it.
"""
from __future__ import annotations

import json

from actors.api import JsonBytes
from actors.errors import Invalid, NotFound, Unavailable
from actors.timefmt import iso
from actors.views import api_osd_map as osdv
from actors.views.misc import api_config, api_config_key
from actors.views.mons import MonService, api_mon, api_mon_status, api_mons
from actors.views.osd_map import OsdMapView
from bus.protocol import SYNC_TYPES


def summary(cluster) -> dict:
    return {"update_time": iso(cluster.update_time), "id": cluster.fsid, "name": cluster.name}


class QueryCache:
    def __init__(self):
        self._answers: dict = {}
        self._view: OsdMapView | None = None

    def invalidate(self) -> None:
        self._answers.clear()
        self._view = None

    def answer(self, cluster, name: str, params: dict):
        handler = QUERIES.get(name)
        if handler is None:
            raise Invalid(f"unknown cluster query {name!r}")
        key = (name, _freeze(params))
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = JsonBytes(json.dumps(handler(cluster, self, **params)).encode())
        return answer

    def osd_view(self, cluster) -> OsdMapView:
        data = cluster.sync.data("osd_map")
        if data is None:
            raise Unavailable(f"The OSD map of cluster {cluster.fsid} has not arrived yet")
        if self._view is None:
            self._view = OsdMapView(data)
        return self._view


def _freeze(params: dict):
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


def _osd_servers(cluster) -> dict:
    return {int(s.id): fqdn for s, fqdn in cluster.services if s.type == "osd" and fqdn and s.id.isdigit()}


def _mon_services(cluster) -> dict:
    return {s.id: MonService(running=s.running, fqdn=fqdn, status=s.status)
            for s, fqdn in cluster.services if s.type == "mon"}


def _config(cluster):
    return cluster.sync.data("config")


def _mon_inputs(cluster):
    mon_status = cluster.sync.data("mon_status")
    if mon_status is None:
        raise Unavailable(f"The mon status of cluster {cluster.fsid} has not arrived yet")
    return mon_status, cluster.sync.data("quorum_status"), _mon_services(cluster)


def _sync_object(cluster, cache, sync_type: str):
    if sync_type not in SYNC_TYPES:
        raise NotFound.of("sync object type", sync_type)
    return cluster.sync.data(sync_type)


QUERIES = {
    "cluster": lambda c, q: summary(c),
    "pools": lambda c, q: osdv.api_pools(q.osd_view(c)),
    "pool": lambda c, q, pool_id: osdv.api_pool(q.osd_view(c), pool_id),
    "pool_defaults": lambda c, q: osdv.api_pool_defaults(q.osd_view(c), _config(c)),
    "osds": lambda c, q, pool=None, ids=None: osdv.api_osds(q.osd_view(c), _osd_servers(c), pool=pool,
                                                            ids=list(ids) if ids is not None else None),
    "osd": lambda c, q, osd_id: osdv.api_osd(q.osd_view(c), _osd_servers(c), osd_id),
    "osd_implemented_commands": lambda c, q: list(osdv.OSD_COMMANDS),
    "osd_commands": lambda c, q, osd_id: osdv.api_osd_commands(q.osd_view(c), osd_id),
    "osd_command": lambda c, q, osd_id, command: osdv.api_osd_command(q.osd_view(c), osd_id, command),
    "osd_config": lambda c, q: osdv.api_osd_config(q.osd_view(c)),
    "crush_map": lambda c, q: osdv.api_crush_map(q.osd_view(c)),
    "crush_nodes": lambda c, q: osdv.api_crush_nodes(q.osd_view(c)),
    "crush_node": lambda c, q, node_id: osdv.api_crush_node(q.osd_view(c), node_id),
    "crush_rules": lambda c, q: osdv.api_crush_rules(q.osd_view(c)),
    "crush_rule": lambda c, q, rule_id: osdv.api_crush_rule(q.osd_view(c), rule_id),
    "crush_rule_sets": lambda c, q: osdv.api_crush_rule_sets(q.osd_view(c)),
    "crush_types": lambda c, q: osdv.api_crush_types(q.osd_view(c)),
    "crush_type": lambda c, q, type_id: osdv.api_crush_type(q.osd_view(c), type_id),
    "mons": lambda c, q: api_mons(*_mon_inputs(c)),
    "mon": lambda c, q, name: api_mon(*_mon_inputs(c), name),
    "mon_status": lambda c, q, name: api_mon_status(_mon_services(c), name),
    "config": lambda c, q: api_config(_config(c)),
    "config_key": lambda c, q, key: api_config_key(_config(c), key),
    "sync_types": lambda c, q: list(SYNC_TYPES),
    "sync_object": _sync_object,
}
