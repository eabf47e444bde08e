"""SimCluster: a pure, deterministic model of one Ceph 16 (Pacific) cluster.

No threads and no sockets: time only moves when `advance(seconds)` is called, and the injected
`clock` is read only for timestamps (boot times, map modification times, quorum age). Every
random choice comes from generators seeded by (seed, index), so two clusters built with the
same arguments and driven by the same calls are identical.

Several agent threads share one cluster, so every public method holds `self.lock`.
Objects handed out are new objects: callers may keep and even mutate them.
"""
from __future__ import annotations

import hashlib
import json
import random
import threading
import time
import uuid
from typing import Callable

import msgpack

from agent.backend import SYNC_TYPES
from sim import ceph_json
from sim.config_defaults import config_show
from sim.crush import crush_dump, crush_text, osd_tree
from sim.health import health_detail
from sim.pgs import OsdView, PgTable
from sim.state import DAY, Host, Mon, Osd, Pool, build_topology

DEFAULT_VERSION = "16.2.11"
INITIAL_POOLS = (("device_health_metrics", 1, "mgr_devicehealth"), ("rbd", 64, "rbd"),
                 ("data", 32, "rbd"))


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


class SimCluster:
    """One cluster: hosts `ceph<index>-node<NNN>.sim.test`, mons on the first three, OSDs on all.

    Read: server_heartbeat(fqdn), cluster_heartbeat(fqdn), versions(),
    get_cluster_object(sync_type, fqdn=None), pgs_brief(), quorum, leader.
    Drive: advance(seconds), set_osd, stop_osd/start_osd, stop_mon/start_mon, reboot,
    set_ceph_version, create_pool. `pg_create_rate` and `recovery_rate` may be changed any time.
    """

    def __init__(self, *, index: int = 0, seed: int = 0, name: str = "ceph", hosts: int = 3,
                 osds_per_host: int = 4, clock: Callable[[], float] = time.time,
                 pg_create_rate: float = 20.0, recovery_rate: float = 5.0):
        if not 0 <= index <= 155:
            raise ValueError("index must be in 0..155 (cluster network 10.{100+index}.x.x)")
        if hosts < 1 or osds_per_host < 0:
            raise ValueError("need at least one host and a non-negative OSD count")
        self.lock = threading.RLock()
        self.index, self.seed, self.name = index, seed, name
        self._clock = clock
        self._rng = random.Random(f"sim-cluster/{seed}/{index}")
        self.fsid = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        now = clock()
        self._created = float(int(now - 60 * DAY))
        self._hosts, self._osds, epoch = build_topology(
            self._rng, index=index, hosts=hosts, osds_per_host=osds_per_host, now=now,
            ceph_version=DEFAULT_VERSION)
        self._by_fqdn = {h.fqdn: h for h in self._hosts}
        self._mons = [Mon(name=h.hostname, rank=h.index, host=h.index) for h in self._hosts[:3]]
        for mon in self._mons:
            self._hosts[mon.host].mon = mon.name
        self._monmap_epoch = len(self._mons)
        self._election_epoch = 2 * len(self._mons) + 2
        self._quorum_since = float(int(now - 3600))
        self._fsmap_epoch = 1
        self.pg_create_rate = pg_create_rate  # PGs leaving `creating` per simulated second
        self.recovery_rate = recovery_rate    # degraded PGs re-placed per simulated second
        self._pgs = PgTable(f"{seed}/{index}")
        self._pools: dict[int, Pool] = {}
        size = min(3, hosts)
        view = OsdView(self._osds.values())
        for pool_id, (pool_name, pg_num, app) in enumerate(INITIAL_POOLS, start=1):
            epoch += 1
            pool = Pool(id=pool_id, name=pool_name, size=size, min_size=size - size // 2,
                        crush_rule=0, pg_num=pg_num, create_time=self._created + epoch,
                        last_change=epoch, application=app)
            self._pools[pool_id] = pool
            self._pgs.add_pool(pool, view, creating=False)
        self._pgs.refresh(view, self._pools)  # only matters when OSDs are too few
        self._osd_epoch = epoch
        self._crush_version = 1 + hosts + hosts * osds_per_host
        self._osd_modified = self._last_up_change = self._last_in_change = now
        self._config = config_show(
            fsid=self.fsid, cluster=name,
            mon_host=" ".join(f"[v2:{self._hosts[m.host].public_ip}:3300/0,"
                              f"v1:{self._hosts[m.host].public_ip}:6789/0]" for m in self._mons),
            mon_initial_members=[m.name for m in self._mons],
            public_network=f"10.{index}.0.0/16", cluster_network=f"10.{100 + index}.0.0/16")
        self._gen = 0  # bumped by every mutation; keys the caches below
        self._cache: dict[str, tuple] = {}

    # ----- identity -------------------------------------------------------------------------

    @property
    def host_fqdns(self) -> list[str]:
        return [h.fqdn for h in self._hosts]

    @property
    def mon_names(self) -> list[str]:
        return [m.name for m in self._mons]

    @property
    def osd_ids(self) -> list[int]:
        return sorted(self._osds)

    def _host(self, fqdn: str) -> Host:
        try:
            return self._by_fqdn[fqdn]
        except KeyError:
            raise KeyError(f"no host {fqdn!r} in cluster {self.name} ({self.fsid})") from None

    def _mon(self, name: str) -> Mon:
        for mon in self._mons:
            if mon.name == name:
                return mon
        raise KeyError(f"no mon {name!r} in cluster {self.name} ({self.fsid})")

    def _osd(self, osd_id: int) -> Osd:
        try:
            return self._osds[osd_id]
        except KeyError:
            raise KeyError(f"no osd.{osd_id} in cluster {self.name} ({self.fsid})") from None

    # ----- mons and quorum ------------------------------------------------------------------

    def _quorum(self) -> list[int]:
        running = [m.rank for m in self._mons if m.running]
        return sorted(running) if len(running) >= len(self._mons) // 2 + 1 else []

    @property
    def quorum(self) -> list[int]:
        with self.lock:
            return self._quorum()

    @property
    def leader(self) -> str | None:
        with self.lock:
            quorum = self._quorum()
            return self._mons[quorum[0]].name if quorum else None

    def _monmap(self) -> dict:
        return ceph_json.mon_dump(fsid=self.fsid, epoch=self._monmap_epoch, created=self._created,
                                  modified=self._created, mons=self._mons, hosts=self._hosts)

    def _quorum_age(self, quorum: list[int]) -> int:
        return max(0, int(self._clock() - self._quorum_since)) if quorum else 0

    def _mon_status(self, mon: Mon) -> dict:
        quorum = self._quorum()
        if mon.rank in quorum:
            state = "leader" if mon.rank == quorum[0] else "peon"
            outside: list[str] = []
        else:
            state, quorum = "probing", []
            outside = sorted(m.name for m in self._mons if m.running)
        return ceph_json.mon_status(mon=mon, state=state, election_epoch=self._election_epoch,
                                    quorum=quorum, quorum_age=self._quorum_age(quorum),
                                    outside_quorum=outside, monmap=self._monmap())

    def _set_mon_running(self, name: str, running: bool) -> None:
        with self.lock:
            mon = self._mon(name)
            if mon.running == running:
                return
            mon.running = running
            self._election_epoch += 2
            self._quorum_since = self._clock()
            self._gen += 1

    def stop_mon(self, name: str) -> None:
        """Stop a mon daemon: a new election among the others (quorum only with a majority)."""
        self._set_mon_running(name, False)

    def start_mon(self, name: str) -> None:
        self._set_mon_running(name, True)

    # ----- OSDs and pools -------------------------------------------------------------------

    def _bump_osd_epoch(self) -> int:
        self._osd_epoch += 1
        self._osd_modified = self._clock()
        self._gen += 1
        return self._osd_epoch

    def _refresh_pgs(self) -> None:
        self._pgs.refresh(OsdView(self._osds.values()), self._pools)

    def set_osd(self, osd_id: int, up: bool | None = None, in_: bool | None = None) -> None:
        """Mark an OSD up/down and/or in/out in the map, behind its daemon's back."""
        with self.lock:
            osd = self._osd(osd_id)
            up_changed = up is not None and up != osd.up
            in_changed = in_ is not None and in_ != osd.in_
            if not (up_changed or in_changed):
                return
            epoch = self._bump_osd_epoch()
            if up_changed:
                osd.up = up
                if up:
                    osd.up_from = osd.up_thru = epoch
                else:
                    osd.down_at = epoch
                self._last_up_change = self._osd_modified
            if in_changed:
                osd.in_ = in_
                self._last_in_change = self._osd_modified
            self._refresh_pgs()

    def stop_osd(self, osd_id: int) -> None:
        """Stop the OSD daemon: it leaves its host's services and is marked down."""
        with self.lock:
            self._osd(osd_id).running = False
            self.set_osd(osd_id, up=False)

    def start_osd(self, osd_id: int) -> None:
        """Start the OSD daemon: a new incarnation (new nonce) that marks itself up."""
        with self.lock:
            osd = self._osd(osd_id)
            if osd.running and osd.up:
                return
            osd.running = True
            osd.nonce = self._rng.randrange(1000, 4_000_000_000)
            osd.up = False
            self.set_osd(osd_id, up=True)

    def create_pool(self, name: str, pg_num: int, *, size: int | None = None,
                    min_size: int | None = None, crush_rule: int = 0,
                    application: str = "") -> int:
        """A new replicated pool whose PGs start `creating`; returns its id."""
        with self.lock:
            if any(p.name == name for p in self._pools.values()):
                raise ValueError(f"pool '{name}' already exists")
            if pg_num < 1:
                raise ValueError("pg_num must be positive")
            size = size or min(3, len(self._hosts))
            epoch = self._bump_osd_epoch()
            pool = Pool(id=max(self._pools, default=0) + 1, name=name, size=size,
                        min_size=min_size or size - size // 2, crush_rule=crush_rule,
                        pg_num=pg_num, create_time=self._clock(), last_change=epoch,
                        application=application)
            self._pools[pool.id] = pool
            self._pgs.add_pool(pool, OsdView(self._osds.values()), creating=True)
            return pool.id

    def advance(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass for PG creation and recovery."""
        if seconds < 0:
            raise ValueError("time does not run backwards")
        with self.lock:
            if self._pgs.advance(seconds, OsdView(self._osds.values()), self._pools,
                                 create_rate=self.pg_create_rate, recovery_rate=self.recovery_rate):
                self._gen += 1

    def pgs_brief(self) -> list[dict]:
        """`pg dump pgs_brief`: [{pgid, state, up, acting, up_primary, acting_primary}]."""
        with self.lock:
            return self._pgs.brief(OsdView(self._osds.values()))

    # ----- hosts ----------------------------------------------------------------------------

    def reboot(self, fqdn: str) -> None:
        with self.lock:
            self._host(fqdn).boot_time = self._clock()

    def set_ceph_version(self, fqdn: str, version: str) -> None:
        """Upgrade a host: package and daemons (its OSDs re-register: a new OSD map epoch)."""
        with self.lock:
            host = self._host(fqdn)
            if host.ceph_version == version:
                return
            host.ceph_version = version
            if host.osd_ids:
                self._bump_osd_epoch()

    def server_heartbeat(self, fqdn: str) -> dict:
        """The ServerHeartbeat fields for one host."""
        with self.lock:
            host = self._host(fqdn)
            services = []
            if host.mon is not None and self._mon(host.mon).running:
                services.append(self._service("mon", host.mon, self._mon_status(self._mon(host.mon)),
                                              host))
            services += [self._service("osd", str(i), None, host)
                         for i in host.osd_ids if self._osds[i].running]
            return {"fqdn": host.fqdn, "hostname": host.hostname, "boot_time": host.boot_time,
                    "ceph_version": host.ceph_version, "services": services,
                    "grains": host.grains()}

    def _service(self, kind: str, ident: str, status: dict | None, host: Host) -> dict:
        return {"fsid": self.fsid, "type": kind, "id": ident, "running": True, "status": status,
                "version": host.ceph_version}

    def cluster_heartbeat(self, fqdn: str) -> dict | None:
        """{fsid, name, versions} if this host runs a mon that is in quorum, else None."""
        with self.lock:
            host = self._host(fqdn)
            if host.mon is None:
                return None
            mon = self._mon(host.mon)
            if not mon.running or mon.rank not in self._quorum():
                return None
            return {"fsid": self.fsid, "name": self.name, "versions": self.versions()}

    # ----- sync objects ---------------------------------------------------------------------

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

    def _digest_object(self, sync_type: str) -> tuple[str, str]:
        """(digest, canonical JSON) of a digest-versioned object, cached per mutation."""
        cached = self._cache.get(sync_type)
        if cached is None or cached[0] != self._gen:
            if sync_type == "config":
                data = self._config
            else:
                view = OsdView(self._osds.values())
                data = (self._pgs.summary(view) if sync_type == "pg_summary" else
                        health_detail(self._hosts, self._osds, self._pgs.pgs, view))
            text = canonical_json(data)
            cached = (self._gen, hashlib.md5(text.encode()).hexdigest(), text)
            self._cache[sync_type] = cached
        return cached[1], cached[2]

    def _osd_map_packed(self) -> bytes:
        cached = self._cache.get("osd_map")
        if cached is None or cached[0] != self._osd_epoch:
            osds = [self._osds[i] for i in sorted(self._osds)]
            data = ceph_json.osd_dump(
                fsid=self.fsid, epoch=self._osd_epoch, created=self._created,
                modified=self._osd_modified, crush_version=self._crush_version,
                pools=[self._pools[i] for i in sorted(self._pools)], osds=osds, hosts=self._hosts,
                last_up_change=self._last_up_change, last_in_change=self._last_in_change)
            crush = crush_dump(self._hosts, self._osds)
            data["tree"] = osd_tree(self._hosts, self._osds)
            data["crush"] = crush
            data["crush_map_text"] = crush_text(crush)
            data["osd_metadata"] = [ceph_json.osd_metadata(o, self._hosts[o.host]) for o in osds]
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
                version, data = self._monmap_epoch, self._monmap()
            elif sync_type == "mds_map":
                version, data = self._fsmap_epoch, ceph_json.fs_dump(self._fsmap_epoch)
            elif sync_type == "mon_status":
                version, data = self._election_epoch, self._mon_status(self._answering_mon(fqdn))
            else:
                version, data = self._election_epoch, self._quorum_status()
            return {"fsid": self.fsid, "type": sync_type, "version": version, "data": data}

    def _answering_mon(self, fqdn: str | None) -> Mon:
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

    def _quorum_status(self) -> dict:
        quorum = self._quorum()
        names = [self._mons[r].name for r in quorum]
        return ceph_json.quorum_status(
            election_epoch=self._election_epoch, quorum=quorum, quorum_names=names,
            leader_name=names[0] if names else "", quorum_age=self._quorum_age(quorum),
            monmap=self._monmap())
