"""ServerDirectory: the fleet-wide index of servers and services, and the server read model.

Managed servers arrive as ServerRecords from their ServerActors; unmanaged ones are inferred
from cluster maps (CRUSH host buckets of hosts that run no agent). The directory resolves who
owns each service (a service reported by a managed host moves there; an unmanaged host left
empty is forgotten), tells each ClusterActor where its services run, and answers server reads.
"""
from __future__ import annotations

import logging
from dataclasses import replace

from actors.servers import directory_views as views
from actors.json_bytes import JsonBytes, join_json
from actors.runtime.base import Actor, handles
from actors.context import Peers
from actors.errors import NotFound
from actors.notices import REMOVED, ServerChanged
from actors.messages import (ClusterMembership, ForgetCluster, ForgetServer, GetClusterServer,
                             GetServer, GetServerGrains, ListClusterServers, ListMonHosts, ListServers, ListServersPage,
                             Restored,
                             ServerRecord, ServerUpdated, Service, ServicesChanged)
from actors.servers.records import record_to_row, sole_fsid
from actors.storage.messages import DeleteServer, SaveServer

log = logging.getLogger(__name__)


class ServerDirectory(Actor):
    def __init__(self, peers_factory):
        super().__init__()
        self._peers_factory = peers_factory  # peers reference this actor, so they come later
        self._peers: Peers | None = None
        self.records: dict[str, ServerRecord] = {}
        self.memberships: dict[str, ClusterMembership] = {}
        # indexes, maintained by _put/_unindex only
        self._holders: dict[tuple, set[str]] = {}          # service key -> fqdns listing it
        self._by_fsid: dict[str, dict[tuple, tuple]] = {}  # fsid -> service key -> (Service, fqdn)
        self._by_hostname: dict[str, set[str]] = {}
        self._dirty: set[str] = set()                      # fsids whose services changed
        self._pushed: dict[str, tuple] = {}
        self._answers: dict = {}
        # The fleet-wide list: FQDNs in order (kept until a server comes or goes) and each
        # server's view and its JSON (kept until its record changes), so that a heartbeat, which
        # changes one record, costs the list one view, not all of them.
        self._fqdns: list[str] | None = None
        self._views: dict[str, tuple[ServerRecord, dict, JsonBytes | None]] = {}

    @property
    def peers(self) -> Peers:
        if self._peers is None:
            self._peers = self._peers_factory()
        return self._peers

    @handles(Restored)
    def restored(self, message: Restored):
        for record in message.state:
            self._put(record)
        self._flush()

    # --- the one place records change: keeps the indexes and notes the clusters to tell --------
    def _put(self, record: ServerRecord) -> bool:
        """Store `record`; True when its services (not just its contact time) changed."""
        old = self.records.get(record.fqdn)
        self.records[record.fqdn] = record
        self._answers.clear()
        self._note_contact(record.fqdn, record.last_contact if record.managed else None)
        if old is None:
            self._fqdns = None
        if old is not None and old.services == record.services and old.hostname == record.hostname:
            return False   # the usual heartbeat: only last_contact moved
        if old is not None:
            self._unindex(old)
        self._by_hostname.setdefault(record.hostname, set()).add(record.fqdn)
        for service in record.services:
            self._holders.setdefault(service.key, set()).add(record.fqdn)
            self._by_fsid.setdefault(service.fsid, {})[service.key] = (service, record.fqdn)
            self._dirty.add(service.fsid)
        return True

    # the index infer_unmanaged asks (directory_views.RecordScan answers it by scanning)
    def has_managed_host(self, hostname: str) -> bool:
        return any(self.records[fqdn].managed for fqdn in self._by_hostname.get(hostname, ()))

    def managed_service(self, key: tuple) -> bool:
        return any(self.records[fqdn].managed for fqdn in self._holders.get(key, ()))

    def _unindex(self, record: ServerRecord) -> None:
        self._by_hostname.get(record.hostname, set()).discard(record.fqdn)
        for service in record.services:
            holders = self._holders.get(service.key, set())
            holders.discard(record.fqdn)
            by_key = self._by_fsid.get(service.fsid, {})
            entry = by_key.get(service.key)
            if entry is not None and entry[1] == record.fqdn:
                if holders:   # another server still lists it: it is theirs now
                    other = next(iter(holders))
                    by_key[service.key] = (self._service_of(other, service.key), other)
                else:
                    del by_key[service.key]
            if not holders:
                self._holders.pop(service.key, None)
            self._dirty.add(service.fsid)

    def _service_of(self, fqdn: str, key: tuple) -> Service:
        return next(s for s in self.records[fqdn].services if s.key == key)

    def _forget(self, fqdn: str) -> None:
        record = self.records.pop(fqdn, None)
        self._note_contact(fqdn, None)
        if record is not None:
            self._unindex(record)
            self._answers.clear()
            self._fqdns = None
            self._views.pop(fqdn, None)
        self.peers.store.tell(DeleteServer(fqdn))

    def _note_contact(self, fqdn: str, last_contact: float | None) -> None:
        if self.peers.note_contact is not None:   # GET fleet counts managed and late servers
            self.peers.note_contact(fqdn, last_contact)

    def _put_or_drop(self, record: ServerRecord) -> None:
        """Unmanaged servers exist only while the maps place something on them; persist them here
        (managed ones are persisted by their own ServerActor)."""
        if not record.managed and not record.services:
            self._forget(record.fqdn)
            return
        self._put(record)
        if not record.managed:
            self.peers.store.tell(SaveServer(record_to_row(record)))

    def _flush(self) -> None:
        """Tell each cluster whose services changed where they run now."""
        for fsid in sorted(self._dirty):
            services = tuple(sorted(self._by_fsid.get(fsid, {}).values(), key=lambda pair: pair[0].key))
            if self._pushed.get(fsid) == services:
                continue
            ref = self.peers.cluster_ref(fsid)
            if ref is not None:
                self._pushed[fsid] = services
                ref.tell(ServicesChanged(services))
        self._dirty.clear()

    # --- managed servers ---------------------------------------------------------------------
    @handles(ServerUpdated)
    def server_updated(self, message: ServerUpdated):
        record = message.record
        if record.fqdn not in self.records:
            self._take_over_unmanaged(record)
        if self._put(record):
            self._claim_services(record)
        self._flush()

    def _take_over_unmanaged(self, record: ServerRecord) -> None:
        for fqdn in list(self._by_hostname.get(record.hostname, ())):
            other = self.records[fqdn]
            if other.managed:
                log.warning("hostname clash: %s and %s are both %s", fqdn, record.fqdn, record.hostname)
            else:
                log.info("server %s: now managed (was inferred as %s)", record.fqdn, fqdn)
                self._forget(fqdn)

    def _claim_services(self, record: ServerRecord) -> None:
        """A service reported by a managed `record` is removed from any other server listing it."""
        for service in record.services:
            for fqdn in list(self._holders.get(service.key, set()) - {record.fqdn}):
                other = self.records[fqdn]
                self._put_or_drop(replace(other, services=tuple(s for s in other.services if s.key != service.key)))

    # --- what the maps say ---------------------------------------------------------------------
    @handles(ClusterMembership)
    def membership(self, message: ClusterMembership):
        self.memberships[message.fsid] = message
        for record in views.infer_unmanaged(self.records, message, index=self):
            self._put_or_drop(record)
        for record in views.prune_vanished(self.records, message):
            self._put_or_drop(record)
        self._dirty.add(message.fsid)
        self._flush()

    @handles(ForgetCluster)
    def forget_cluster(self, message: ForgetCluster):
        self.memberships.pop(message.fsid, None)
        for fqdn in {fqdn for _, fqdn in self._by_fsid.get(message.fsid, {}).values()}:
            record = self.records[fqdn]
            self._put_or_drop(replace(record, services=tuple(s for s in record.services if s.fsid != message.fsid)))
        self._by_fsid.pop(message.fsid, None)
        self._pushed.pop(message.fsid, None)
        self._dirty.discard(message.fsid)
        self._flush()

    @handles(ForgetServer)
    def forget_server(self, message: ForgetServer):
        if message.fqdn not in self.records:
            raise NotFound.of("server", message.fqdn)
        fsid = sole_fsid(self.records[message.fqdn])
        self._forget(message.fqdn)
        self.peers.notices.publish(ServerChanged(message.fqdn, fsid, REMOVED))
        self._flush()

    # --- reads -------------------------------------------------------------------------------
    def _cached(self, key, compute):
        if key not in self._answers:
            self._answers[key] = compute()
        return self._answers[key]

    def _record(self, fqdn: str) -> ServerRecord:
        record = self.records.get(fqdn)
        if record is None:
            raise NotFound.of("server", fqdn)
        return record

    def _server_view(self, fqdn: str, encoded: bool = False) -> tuple:
        """(api_server of the record, its JSON or None unless `encoded`), kept per record; the
        view is shared with the web tier, never changed."""
        record = self._record(fqdn)
        kept = self._views.get(fqdn)
        if kept is None or kept[0] is not record:
            kept = self._views[fqdn] = (record, views.api_server(record), None)
        if encoded and kept[2] is None:
            kept = self._views[fqdn] = (record, kept[1], views.encode_view(kept[1]))
        return kept[1], kept[2]

    def _server_list(self) -> views.ServerList:
        if self._fqdns is None:
            self._fqdns = sorted(self.records)
        pairs = [self._server_view(fqdn, encoded=True) for fqdn in self._fqdns]
        return views.ServerList([view for view, _ in pairs], [encoded for _, encoded in pairs])

    @handles(ListServers)
    def list_servers(self, message: ListServers):
        return self._cached("all", self._server_list)

    @handles(ListServersPage)
    def list_servers_page(self, message: ListServersPage):
        if self._fqdns is None:
            self._fqdns = sorted(self.records)
        page = self._fqdns[max(0, message.offset):max(0, message.offset) + max(0, message.limit)]
        encoded = [self._server_view(fqdn, encoded=True)[1] for fqdn in page]
        return len(self._fqdns), join_json(encoded)

    @handles(GetServer)
    def get_server(self, message: GetServer):
        return self._server_view(message.fqdn)[0]

    @handles(GetServerGrains)
    def get_grains(self, message: GetServerGrains):
        grains = self._record(message.fqdn).grains
        if not grains:
            raise NotFound(f"no grains known for server {message.fqdn!r}")
        return grains

    @handles(ListClusterServers)
    def list_cluster_servers(self, message: ListClusterServers):
        fqdns = sorted({fqdn for _, fqdn in self._by_fsid.get(message.fsid, {}).values()})
        return self._cached(("cluster", message.fsid), lambda: [
            views.api_cluster_server(self.records[fqdn], message.fsid, self.memberships.get(message.fsid))
            for fqdn in fqdns])

    @handles(ListMonHosts)
    def list_mon_hosts(self, message: ListMonHosts):
        hosts = {fqdn for service, fqdn in self._by_fsid.get(message.fsid, {}).values()
                 if service.type == "mon" and service.running and self.records[fqdn].managed}
        return sorted(hosts, key=lambda fqdn: -(self.records[fqdn].last_contact or 0.0))

    @handles(GetClusterServer)
    def get_cluster_server(self, message: GetClusterServer):
        record = self._record(message.fqdn)
        if not any(s.fsid == message.fsid for s in record.services):
            raise NotFound.of("server", message.fqdn)
        return views.api_cluster_server(record, message.fsid, self.memberships.get(message.fsid))



