"""The sync objects of a SimCluster: the version vector and `get_cluster_object`.

A mixin of SimCluster (sim/model.py), kept apart to keep the model readable; it reads the
model's state and its caches, and every public method holds the model's lock. Besides the sync
objects it serves the reads the mon commands print whole (`health`, `osd dump`,
`quorum_status`): new objects, as every public read of the model.
"""
from __future__ import annotations

import hashlib
import json

import msgpack

from agent.backend import SYNC_TYPES, trim_osd_metadata
from sim import ceph_json
from sim.crush.model import crush_text
from sim.health import health_detail
from sim.pgs import OsdView


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


class SyncObjects:
    def versions(self) -> dict:
        """The heartbeat version vector: epochs for maps, md5 digests for the rest."""
        with self.lock:
            return {
                "osd_map": self._osd_epoch, "mon_map": self._monmap_epoch,
                "mds_map": self._fsmap_epoch, "mon_status": self._election_epoch,
                "quorum_status": self._election_epoch,
                "pg_summary": self._digest_object("pg_summary")[0],
                "health": self._digest_object("health")[0],
                "config": self._digest_object("config")[0],
            }

    def health(self) -> dict:
        """`health detail` (sim/health.py)."""
        with self.lock:
            return json.loads(self._digest_object("health")[1])

    def _digest_object(self, sync_type: str) -> tuple[str, str]:
        """(digest, canonical JSON) of a digest-versioned object, cached per mutation."""
        cached = self._cache.get(sync_type)
        if cached is None or cached[0] != self._gen:
            if sync_type == "config":
                data = self._config
            else:
                view = OsdView(self._osds.values())
                data = (self._pgs.summary(view) if sync_type == "pg_summary" else
                        health_detail(self._hosts, self._osds, self._pgs.pgs, view, self._flags,
                                      self._pools))
            text = canonical_json(data)
            cached = (self._gen, hashlib.md5(text.encode()).hexdigest(), text)
            self._cache[sync_type] = cached
        return cached[1], cached[2]

    def osd_dump(self) -> dict:
        """`osd dump` alone (no tree/crush/metadata keys)."""
        with self.lock:
            return ceph_json.osd_dump(
                fsid=self.fsid, epoch=self._osd_epoch, created=self._created,
                modified=self._osd_modified, crush_version=self._crush_version,
                pools=[self._pools[i] for i in sorted(self._pools)],
                osds=[self._osds[i] for i in sorted(self._osds)], hosts=self._hosts,
                last_up_change=self._last_up_change, last_in_change=self._last_in_change,
                flags=self._flags, erasure_code_profiles=self._ec_profiles)

    def _osd_map_packed(self) -> bytes:
        cached = self._cache.get("osd_map")
        if cached is None or cached[0] != self._osd_epoch:
            data = self.osd_dump()
            crush = self._crush.dump()
            data["tree"] = self._crush.tree(self._osds)
            data["crush"] = crush
            data["crush_map_text"] = crush_text(crush)
            data["osd_metadata"] = trim_osd_metadata(
                ceph_json.osd_metadata(osd, self._hosts[osd.host],
                                       ceph_json.osd_created(self._created, osd))
                for osd in (self._osds[i] for i in sorted(self._osds)))
            cached = (self._osd_epoch, msgpack.packb(data, use_bin_type=True))
            self._cache["osd_map"] = cached
        return cached[1]

    def get_cluster_object(self, sync_type: str, fqdn: str | None = None) -> dict:
        """{"fsid", "type", "version", "data"} for one sync type. `fqdn` names the asking host:
        its own mon answers mon_status when it runs one (the mon admin socket)."""
        if sync_type not in SYNC_TYPES:
            raise ValueError(f"unknown sync type {sync_type!r}; known: {', '.join(SYNC_TYPES)}")
        with self.lock:
            if sync_type == "osd_map":
                version = self._osd_epoch
                data = msgpack.unpackb(self._osd_map_packed(), raw=False)
            elif sync_type in ("pg_summary", "health", "config"):
                version, text = self._digest_object(sync_type)
                data = json.loads(text)
            elif sync_type == "mon_map":
                version, data = self._monmap_epoch, self.monmap(with_quorum=True)
            elif sync_type == "mds_map":
                version, data = self._fsmap_epoch, ceph_json.fs_dump(self._fsmap_epoch)
            elif sync_type == "mon_status":
                version, data = self._election_epoch, self._mon_status(self._answering_mon(fqdn))
            else:
                version, data = self._election_epoch, self.quorum_status()
            return {"fsid": self.fsid, "type": sync_type, "version": version, "data": data}

    def _answering_mon(self, fqdn: str | None):
        """The asker's own running mon, else the leader, else the lowest running, else rank 0."""
        if fqdn is not None:
            host = self._host(fqdn)
            if host.mon is not None and self._mon(host.mon).running:
                return self._mon(host.mon)
        quorum = self._quorum()
        if quorum:
            return self._mons[quorum[0]]
        running = [m for m in self._mons if m.running]
        return running[0] if running else self._mons[0]

    def quorum_status(self) -> dict:
        """`quorum_status`: the quorum, its leader and age, and the monmap."""
        with self.lock:
            quorum = self._quorum()
            names = [self._mons[r].name for r in quorum]
            return ceph_json.quorum_status(
                election_epoch=self._election_epoch, quorum=quorum, quorum_names=names,
                leader_name=names[0] if names else "", quorum_age=self._quorum_age(quorum),
                monmap=self.monmap())
