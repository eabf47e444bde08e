"""ServerActor: one per managed server (FQDN). Turns its heartbeats into state and events.

It owns the server's life story: first contact, reboots, Ceph package changes, going late and
coming back. Every change becomes an immutable ServerRecord for the directory (which serves the
reads and keeps the fleet-wide indexes) and a persisted row.
"""
from __future__ import annotations

import logging
from dataclasses import replace

from actors.runtime.base import Actor, handles
from actors.context import Peers, Timings
from actors.events import INFO, RECOVERY, WARNING, Event
from actors.messages import (EmitEvents, ServerHeartbeatReceived, ServerRecord, ServerUpdated,
                             Service, Tick)
from actors.notices import LATE, MANAGED, REGAINED, ServerChanged
from actors.runtime.worker_pool import PooledActor
from actors.servers.records import added_message, record_to_row, sole_fsid
from actors.storage.messages import SaveServer
from actors.timefmt import iso

log = logging.getLogger(__name__)

REBOOT_THRESHOLD_S = 10.0      # smaller forward jumps of boot time are clock adjustments
PERSIST_CONTACT_EVERY_S = 60.0  # last_contact alone is written at most this often


class ServerActor(PooledActor, Actor):   # pooled: one per server, 10,000 of them
    def __init__(self, fqdn: str, peers: Peers, timings: Timings, started_at: float,
                 restored: ServerRecord | None = None, late: bool = False):
        super().__init__()
        self.fqdn = fqdn
        self.log_scope = {"fqdn": fqdn}
        # Silence is measured from the later of last contact and our own start, so a restarted
        # daemon gives agents a full period to reconnect before calling them late.
        self.started_at = started_at
        self.peers = peers
        self.timings = timings
        self.record = restored
        self.late = late
        self._persisted_at = float("-inf")
        self._reported: tuple | None = None   # what the last heartbeat said, as it said it

    @handles(ServerHeartbeatReceived)
    def heartbeat(self, message: ServerHeartbeatReceived):
        hb, now = message.heartbeat, message.received_at
        old = self.record
        reported = (hb.hostname, hb.boot_time, hb.ceph_version, hb.services, hb.grains)
        if old is not None and not self.late and reported == self._reported:
            self._contact(old, now)   # most beats: nothing moved but the time (a C-level compare)
            return
        self._reported = reported
        services = self._merge_services(old, hb.services)
        new = ServerRecord(fqdn=self.fqdn, hostname=hb.hostname or self.fqdn.split(".")[0], managed=True,
                           last_contact=now, boot_time=hb.boot_time, ceph_version=hb.ceph_version,
                           services=services, grains=hb.grains or (old.grains if old else {}))
        self.record = new
        events = self._events(old, new, now)
        was_late = self.late
        if self.late:
            self.late = False
            events.append(self._event(RECOVERY, f"Server {self.fqdn} regained contact", now))
        self.peers.directory.tell(ServerUpdated(new))
        # The late flag and the record are persisted before the events are emitted (the store
        # takes messages in order), so a crash in between never repeats a late/recovered event.
        if was_late or old is None or replace(old, last_contact=None) != replace(new, last_contact=None) \
                or now - self._persisted_at >= PERSIST_CONTACT_EVERY_S:
            self._persist(now)
        if events:
            self.peers.eventer.tell(EmitEvents(tuple(events)))
        if old is None or not old.managed:
            self._tell(MANAGED)
        elif was_late:
            self._tell(REGAINED)

    def _tell(self, change: str) -> None:
        self.peers.notices.publish(ServerChanged(self.fqdn, sole_fsid(self.record), change))

    def _contact(self, old: ServerRecord, now: float) -> None:
        self.record = replace(old, last_contact=now)
        self.peers.directory.tell(ServerUpdated(self.record))
        if now - self._persisted_at >= PERSIST_CONTACT_EVERY_S:
            self._persist(now)

    def _merge_services(self, old: ServerRecord | None, reported: list[dict]) -> tuple[Service, ...]:
        """Reported services run; ones this server had before but no longer reports are stopped."""
        current = {}
        for raw in reported:
            try:
                service = Service(fsid=str(raw["fsid"]), type=str(raw["type"]), id=str(raw["id"]),
                                  running=bool(raw.get("running", True)), status=raw.get("status"))
            except (KeyError, TypeError):
                log.warning("server %s: malformed service %r dropped", self.fqdn, raw)
                continue
            current[service.key] = service
        if old is not None:
            for service in old.services:
                if service.key not in current:
                    current[service.key] = replace(service, running=False, status=None)
        return tuple(sorted(current.values(), key=lambda s: s.key))

    def _events(self, old: ServerRecord | None, new: ServerRecord, now: float) -> list[Event]:
        if old is None or not old.managed:
            return [self._event(INFO, added_message(new), now, new)]
        events = []
        if old.boot_time is not None and new.boot_time is not None \
                and new.boot_time - old.boot_time >= REBOOT_THRESHOLD_S:
            events.append(self._event(WARNING, f"Server {self.fqdn} rebooted", now, new))
        if new.ceph_version != old.ceph_version:
            if new.ceph_version is not None:
                events.append(self._event(INFO, f"Ceph {new.ceph_version} installed on {self.fqdn}", now, new))
            elif not any(s.running for s in new.services):
                events.append(self._event(INFO, f"Ceph uninstalled from {self.fqdn}", now, new))
        return events

    def _event(self, severity: int, message: str, now: float, record: ServerRecord | None = None) -> Event:
        """Tied to the server, and to its cluster when all its services belong to one."""
        return Event(now, severity, message, fsid=sole_fsid(record or self.record), fqdn=self.fqdn)

    def _persist(self, now: float) -> None:
        self._persisted_at = now
        self.peers.store.tell(SaveServer(record_to_row(self.record, late=self.late)))

    @handles(Tick)
    def tick(self, message: Tick):
        record = self.record
        if record is None or self.late or record.last_contact is None:
            return
        if message.now - max(record.last_contact, self.started_at) > self.timings.server_late_s:
            self.late = True
            self._persist(message.now)   # before the event: see heartbeat()
            last = iso(record.last_contact)
            self.peers.eventer.tell(EmitEvents((self._event(
                WARNING, f"Server {self.fqdn} is late reporting in, last report at {last}", message.now),)))
            self._tell(LATE)
