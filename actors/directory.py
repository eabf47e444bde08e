"""ServerDirectory: the fleet-wide index of servers and services, and the server read model.

Managed servers arrive as ServerRecords from their ServerActors; unmanaged ones are inferred
from cluster maps (CRUSH host buckets of hosts that run no agent). The directory resolves who
owns each service (a service reported by a managed host moves there; an unmanaged host left
empty is forgotten), tells each ClusterActor where its services run, and answers server reads.
"""
from __future__ import annotations

import logging
from dataclasses import replace

from actors import directory_views as views
from actors.base import Actor, handles
from actors.context import Peers
from actors.errors import NotFound
from actors.messages import (ClusterMembership, ForgetCluster, ForgetServer, GetClusterServer,
                             GetServer, GetServerGrains, ListClusterServers, ListServers, Restored,
                             ServerRecord, ServerUpdated, ServicesChanged)
from actors.server_records import record_to_row
from actors.store_messages import DeleteServer, SaveServer

log = logging.getLogger(__name__)


class ServerDirectory(Actor):
    def __init__(self, peers_factory):
        super().__init__()
        self._peers_factory = peers_factory  # peers reference this actor, so they come later
        self._peers: Peers | None = None
        self.records: dict[str, ServerRecord] = {}
        self.memberships: dict[str, ClusterMembership] = {}
        self._pushed: dict[str, tuple] = {}
        self._answers: dict = {}

    @property
    def peers(self) -> Peers:
        if self._peers is None:
            self._peers = self._peers_factory()
        return self._peers

    @handles(Restored)
    def restored(self, message: Restored):
        for record in message.state:
            self.records[record.fqdn] = record
        self._changed(set(s.fsid for r in self.records.values() for s in r.services))

    # --- managed servers ---------------------------------------------------------------------
    @handles(ServerUpdated)
    def server_updated(self, message: ServerUpdated):
        record = message.record
        touched = {s.fsid for s in record.services}
        old = self.records.get(record.fqdn)
        if old is None:
            self._take_over_unmanaged(record)
        else:
            touched |= {s.fsid for s in old.services}
        self.records[record.fqdn] = record
        touched |= self._claim_services(record)
        self._changed(touched)

    def _take_over_unmanaged(self, record: ServerRecord) -> None:
        for fqdn, other in list(self.records.items()):
            if other.hostname == record.hostname and fqdn != record.fqdn:
                if other.managed:
                    log.warning("hostname clash: %s and %s are both %s", fqdn, record.fqdn, record.hostname)
                else:
                    log.info("server %s: now managed (was inferred as %s)", record.fqdn, fqdn)
                    self._forget(fqdn)

    def _claim_services(self, record: ServerRecord) -> set:
        """A service reported by `record` is removed from any other server that listed it."""
        mine = {s.key for s in record.services}
        touched = set()
        for fqdn, other in list(self.records.items()):
            if fqdn == record.fqdn or not any(s.key in mine for s in other.services):
                continue
            remaining = tuple(s for s in other.services if s.key not in mine)
            touched |= {s.fsid for s in other.services if s.key in mine}
            self._replace_or_drop(replace(other, services=remaining))
        return touched

    def _replace_or_drop(self, record: ServerRecord) -> None:
        if not record.managed and not record.services:
            self._forget(record.fqdn)
            return
        self.records[record.fqdn] = record
        if not record.managed:
            self.peers.store.tell(SaveServer(record_to_row(record)))

    def _forget(self, fqdn: str) -> None:
        self.records.pop(fqdn, None)
        self.peers.store.tell(DeleteServer(fqdn))

    # --- what the maps say ---------------------------------------------------------------------
    @handles(ClusterMembership)
    def membership(self, message: ClusterMembership):
        self.memberships[message.fsid] = message
        for record in views.infer_unmanaged(self.records, message):
            self._replace_or_drop(record)
        for record in views.prune_vanished(self.records, message):
            self._replace_or_drop(record)
        self._changed({message.fsid})

    @handles(ForgetCluster)
    def forget_cluster(self, message: ForgetCluster):
        self.memberships.pop(message.fsid, None)
        for record in list(self.records.values()):
            if any(s.fsid == message.fsid for s in record.services):
                self._replace_or_drop(replace(record, services=tuple(
                    s for s in record.services if s.fsid != message.fsid)))
        self._pushed.pop(message.fsid, None)
        self._answers.clear()

    @handles(ForgetServer)
    def forget_server(self, message: ForgetServer):
        record = self.records.get(message.fqdn)
        if record is None:
            raise NotFound.of("server", message.fqdn)
        self._forget(message.fqdn)
        self._changed({s.fsid for s in record.services})

    def _changed(self, fsids: set) -> None:
        self._answers.clear()
        for fsid in fsids:
            services = tuple(sorted(((s, r.fqdn) for r in self.records.values() for s in r.services
                                     if s.fsid == fsid), key=lambda pair: pair[0].key))
            if self._pushed.get(fsid) == services:
                continue
            ref = self.peers.cluster_ref(fsid)
            if ref is not None:
                self._pushed[fsid] = services
                ref.tell(ServicesChanged(services))

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

    @handles(ListServers)
    def list_servers(self, message: ListServers):
        return self._cached("all", lambda: [views.api_server(r) for _, r in sorted(self.records.items())])

    @handles(GetServer)
    def get_server(self, message: GetServer):
        return views.api_server(self._record(message.fqdn))

    @handles(GetServerGrains)
    def get_grains(self, message: GetServerGrains):
        grains = self._record(message.fqdn).grains
        if not grains:
            raise NotFound(f"no grains known for server {message.fqdn!r}")
        return grains

    @handles(ListClusterServers)
    def list_cluster_servers(self, message: ListClusterServers):
        return self._cached(("cluster", message.fsid), lambda: [
            views.api_cluster_server(r, message.fsid, self.memberships.get(message.fsid))
            for _, r in sorted(self.records.items()) if any(s.fsid == message.fsid for s in r.services)])

    @handles(GetClusterServer)
    def get_cluster_server(self, message: GetClusterServer):
        record = self._record(message.fqdn)
        if not any(s.fsid == message.fsid for s in record.services):
            raise NotFound.of("server", message.fqdn)
        return views.api_cluster_server(record, message.fsid, self.memberships.get(message.fsid))



