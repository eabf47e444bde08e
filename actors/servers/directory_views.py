"""Pure helpers of the server directory: unmanaged-server inference and server serialisers."""
from __future__ import annotations

import json
from dataclasses import replace

from actors.json_bytes import JsonBytes, join_json
from actors.messages import ClusterMembership, ServerRecord, Service
from actors.servers.records import api_server

__all__ = ["ServerList", "api_server", "api_cluster_server", "infer_unmanaged", "prune_vanished"]


class ServerList(list):
    """The fleet-wide server list (api_server views, by FQDN), carrying each view's JSON as well,
    encoded once per record: a page, or the whole list, is sent by joining those, not by
    encoding thousands of views again. Otherwise a plain list; treat it as read-only."""

    def __init__(self, views: list[dict], encoded: list[JsonBytes]):
        super().__init__(views)
        self.encoded = encoded

    def json(self, start: int = 0, stop: int | None = None) -> JsonBytes:
        """json.dumps(self[start:stop]), byte for byte."""
        return join_json(self.encoded[start:stop])



def encode_view(view: dict) -> JsonBytes:
    return JsonBytes(json.dumps(view).encode())


class RecordScan:
    """Which hosts and services managed servers hold, scanned from all records (see
    infer_unmanaged: the directory answers the same questions from its indexes instead)."""

    def __init__(self, records: dict[str, ServerRecord]):
        self._hostnames = {r.hostname for r in records.values() if r.managed}
        self._owner = {s.key: r for r in records.values() for s in r.services}

    def has_managed_host(self, hostname: str) -> bool:
        return hostname in self._hostnames

    def managed_service(self, key: tuple) -> bool:
        owner = self._owner.get(key)
        return owner is not None and owner.managed


def infer_unmanaged(records: dict[str, ServerRecord], m: ClusterMembership,
                    index=None) -> list[ServerRecord]:
    """Unmanaged servers for CRUSH hosts that run no agent, with their OSDs (running = up).

    index: answers has_managed_host(hostname) and managed_service(key); by default a RecordScan
    of `records`, which walks the whole fleet: the directory passes its own indexes, since every
    map of every cluster asks this."""
    index = RecordScan(records) if index is None else index
    updates = []
    for hostname, osds in m.osd_hosts.items():
        if not osds or index.has_managed_host(hostname):
            continue
        keys = [(m.fsid, "osd", str(osd_id)) for osd_id, _ in osds]
        if any(index.managed_service(k) for k in keys):
            continue  # a CRUSH alias of a host that reports its own OSDs
        existing = records.get(hostname) or ServerRecord(fqdn=hostname, hostname=hostname, managed=False)
        if existing.managed:
            continue
        others = tuple(s for s in existing.services if not (s.fsid == m.fsid and s.type == "osd"))
        mine = tuple(Service(m.fsid, "osd", str(osd_id), running=bool(up)) for osd_id, up in osds)
        record = replace(existing, services=tuple(sorted(others + mine, key=lambda s: s.key)))
        if record != records.get(hostname):
            updates.append(record)
    return updates


def prune_vanished(records: dict[str, ServerRecord], m: ClusterMembership) -> list[ServerRecord]:
    """Unmanaged servers lose the services of this cluster that its maps no longer place there."""
    updates = []
    for record in records.values():
        if record.managed:
            continue
        host_osds = {str(osd_id) for osd_id, _ in m.osd_hosts.get(record.hostname, ())}
        kept = tuple(s for s in record.services if s.fsid != m.fsid or _still_placed(s, host_osds, m))
        if kept != record.services:
            updates.append(replace(record, services=kept))
    return updates


def _still_placed(service: Service, host_osds: set, m: ClusterMembership) -> bool:
    if service.type == "osd":
        return service.id in host_osds
    if service.type == "mon":
        return service.id in m.mon_names
    if service.type == "mds":
        return m.mds_names is None or service.id in m.mds_names
    return True


def api_cluster_server(record: ServerRecord, fsid: str, m: ClusterMembership | None) -> dict:
    """The cluster view of a server: its services there, plus its front/back network addresses."""
    out = api_server(record, fsid)
    frontend = backend = None
    if m is not None:
        services = [s for s in record.services if s.fsid == fsid]
        for s in services:
            if s.type == "mon" and m.mon_addrs.get(s.id):
                frontend = m.mon_addrs[s.id]
                break
        for s in services:
            if s.type == "osd" and s.id.isdigit() and int(s.id) in m.osd_addrs:
                public, cluster = m.osd_addrs[int(s.id)]
                frontend = frontend or public
                backend = backend or cluster
    interfaces = record.grains.get("ip_interfaces") or {}
    out.update(frontend_addr=frontend, backend_addr=backend,
               frontend_iface=_iface_of(interfaces, frontend), backend_iface=_iface_of(interfaces, backend))
    return out


def _iface_of(interfaces: dict, addr: str | None) -> str | None:
    if not addr:
        return None
    for name, addrs in sorted(interfaces.items()):
        if addr in (addrs or ()):
            return name
    return None
