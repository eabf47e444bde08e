"""SimCluster: a pure, deterministic model of one Ceph 16 (Pacific) cluster.

No threads and no sockets: time only moves when `advance(seconds)` is called, and the injected
`clock` is read only for timestamps (boot times, map modification times, quorum age). Every
random choice comes from generators seeded by (seed, index), so two clusters built with the
same arguments and driven by the same calls are identical.

Several agent threads share one cluster, so every public method holds `self.lock`.
Objects handed out are new objects: callers may keep and even mutate them. The exception is
the surface the mon commands are written against (sim/surface.py): it serves code that already
holds the lock, and hands out live records.

Parts kept in their own modules: the sync objects (sim/sync.py), the usage model and its stats
(sim/usage/), the command surface (sim/surface.py), the mon commands (sim/commands/executor.py
and its handlers), the CRUSH map (sim/crush/text_map.py, sim/crush/parse.py), the `ceph` CLI
(sim/commands/cli.py) and the logs (sim/cluster_log.py, sim/logs.py).
"""
from __future__ import annotations

import copy
import logging
import math
import random
import threading
import time
import uuid
from typing import Callable

from sim import ceph_json
from sim.cluster_log import ClusterEvents
from sim.commands import cli, executor, table
from sim.config_defaults import config_show
from sim.crush.text_map import CrushMap
from sim.logs import ClusterLogs
from sim.pgs import OsdView, PgTable
from sim.state import DAY, TIB, Host, Mon, Osd, Pool, build_topology
from sim.surface import CommandSurface
from sim.sync import SyncObjects, canonical_json
from sim.usage.driver import DEFAULT_CLIENT_LOAD, DEFAULT_OSD_BYTES, USAGE_SAVE_EVERY_S, ClusterUsage

log = logging.getLogger(__name__)

DEFAULT_VERSION = "16.2.15"
INITIAL_POOLS = (("device_health_metrics", 1, "mgr_devicehealth"), ("rbd", 64, "rbd"),
                 ("data", 32, "rbd"))
# The mgr's devicehealth module bounds its pool's PG count (Pacific's `osd dump` shows them).
POOL_OPTIONS = {"device_health_metrics": {"pg_num_max": 32, "pg_num_min": 1}}

__all__ = ["SimCluster", "canonical_json"]

# Attributes rebuilt on every start rather than persisted (see state() and from_state()).
TRANSIENT = ("lock", "_clock", "_cache", "_gen", "_logs", "_by_fqdn", "saver", "_saved_gen",
             "_usage_version", "_fullness_key", "_usage_saved_at")


class SimCluster(SyncObjects, ClusterEvents, CommandSurface, ClusterUsage):
    """One cluster: hosts `ceph<index>-node<NNN>.sim.test`, mons on the first three, OSDs on all.

    Read: server_heartbeat(fqdn), cluster_heartbeat(fqdn), versions(),
    get_cluster_object(sync_type, fqdn=None), heartbeat_stats(), get_cluster_stats(),
    pgs_brief(), quorum, leader, mon_command(command), command_descriptions(), list_logs(fqdn),
    tail_log(fqdn, path, lines).
    Drive: advance(seconds), set_osd, stop_osd/start_osd, stop_mon/start_mon, reboot,
    set_ceph_version, create_pool, write(pool_name, nbytes), apply_commands(commands) (the mon
    commands of sim/commands/executor.py). `pg_create_rate`, `recovery_rate`,
    `osd_boot_delay_s` (simulated seconds after which a running OSD marked down boots again;
    None: never) and `client_load` (MB/s written by clients, spread over the client pools; 0:
    idle) may be changed any time. `osd_bytes` is every OSD's capacity (its CRUSH weight
    follows, in TiB); pools start with some data (sim/usage/).
    """

    def __init__(self, *, index: int = 0, seed: int = 0, name: str = "ceph", hosts: int = 3,
                 osds_per_host: int = 4, clock: Callable[[], float] = time.time,
                 pg_create_rate: float = 20.0, recovery_rate: float = 5.0,
                 osd_boot_delay_s: float | None = 5.0, osd_bytes: int = DEFAULT_OSD_BYTES,
                 client_load: float = DEFAULT_CLIENT_LOAD):
        if not 0 <= index <= 155:
            raise ValueError("index must be in 0..155 (cluster network 10.{100+index}.x.x)")
        if hosts < 1 or osds_per_host < 0:
            raise ValueError("need at least one host and a non-negative OSD count")
        if osd_bytes < 1 << 20 or not 0 <= client_load < math.inf:
            raise ValueError("osd_bytes must be at least 1 MiB, client_load a number of MB/s >= 0")
        self.index, self.seed, self.name = index, seed, name
        self.osd_bytes, self.client_load = int(osd_bytes), float(client_load)
        self._rng = random.Random(f"sim-cluster/{seed}/{index}")
        self.fsid = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        now = clock()
        self._created = float(int(now - 60 * DAY))
        self._hosts, self._osds, epoch = build_topology(
            self._rng, index=index, hosts=hosts, osds_per_host=osds_per_host, now=now,
            ceph_version=DEFAULT_VERSION, crush_weight=self.osd_bytes / TIB)
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
                        last_change=epoch, application=app,
                        options=dict(POOL_OPTIONS.get(pool_name, {})))
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
        self._config["mon_allow_pool_delete"] = "true"  # as Calamari deployments set it
        self._crush = CrushMap.initial(self._hosts, self._osds)
        self._flags = set(ceph_json.OSD_FLAGS.split(","))
        self._ec_profiles = copy.deepcopy(ceph_json.DEFAULT_EC_PROFILES)
        self._config_keys: dict[str, str] = {}
        self.osd_boot_delay_s = osd_boot_delay_s
        self._sim_time = 0.0  # simulated seconds advanced so far
        self._init_transient(clock)
        self._seed_usage()
        self._init_events()

    def _init_transient(self, clock: Callable[[], float]) -> None:
        self.lock = threading.RLock()
        self._clock = clock
        self._by_fqdn = {h.fqdn: h for h in self._hosts}
        self._gen = 0  # bumped by every mutation; keys the caches below
        self._cache: dict[str, tuple] = {}
        self._logs = ClusterLogs(self.name, clock, self._daemon_startup)
        # Persistence (sim/persist.py): called with the cluster, under its lock, after changes.
        self.saver: Callable[["SimCluster"], None] | None = None
        self._saved_gen = self._gen
        self._init_usage()

    # ----- persistence ------------------------------------------------------------------------

    def state(self) -> dict:
        """Everything that makes this cluster what it is, as live references: encode it under
        the lock (SimStateDir.save does, being called by checkpoint())."""
        state = {k: v for k, v in vars(self).items() if k not in TRANSIENT}
        state["_logs"] = self._logs.state()
        return state

    @classmethod
    def from_state(cls, state: dict, clock: Callable[[], float] = time.time) -> "SimCluster":
        """The cluster state() described, carrying on from there (same fsid, epochs, pools…)."""
        cluster = cls.__new__(cls)
        state = dict(state)
        logs = state.pop("_logs")
        cluster.__dict__.update(state)
        cluster._init_transient(clock)
        cluster._logs.restore(logs)
        return cluster

    def checkpoint(self, force: bool = False) -> None:
        """Hand the state to `saver` if it changed since the last save (`force`: even if not).
        Called under the lock at the end of every change, so no heartbeat or job answer can
        report an epoch before the state that has it is saved."""
        with self.lock:
            if self.saver is None or not (force or self._gen != self._saved_gen):
                return
            try:
                self.saver(self)
            except OSError:   # e.g. a full disk: the cluster runs on, its file lags behind
                log.exception("cannot save the state of simulated cluster %s", self.fsid)
                return
            self._saved_gen = self._gen
            self._usage_saved_at = self._sim_time

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

    def monmap(self, with_quorum: bool = False) -> dict:
        """The monmap; `with_quorum` adds the `quorum` list only `mon dump` prints."""
        with self.lock:
            return ceph_json.mon_dump(
                fsid=self.fsid, epoch=self._monmap_epoch, created=self._created,
                modified=self._created, mons=self._mons, hosts=self._hosts,
                quorum=self._quorum() if with_quorum else None)

    def _mon_sessions(self, mon: Mon) -> dict[str, int]:
        """Who is connected to a running mon: the running mons, its share of the up OSDs
        (each OSD keeps a session with one mon), the agent as a client, the mgr on the leader."""
        running = [m.rank for m in self._mons if m.running]
        if mon.rank not in running:
            return {}
        share = [o for o in self._osds.values()
                 if o.up and running[o.id % len(running)] == mon.rank]
        quorum = self._quorum()
        return {"mon": len(running), "osd": len(share), "client": 1,
                "mgr": int(bool(quorum) and quorum[0] == mon.rank)}

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
                                    outside_quorum=outside, monmap=self.monmap(),
                                    sessions=self._mon_sessions(mon))

    def _set_mon_running(self, name: str, running: bool) -> None:
        with self.lock:
            mon = self._mon(name)
            if mon.running == running:
                return
            mon.running = running
            self._election_epoch += 2
            self._quorum_since = self._clock()
            self._gen += 1
            self.log_daemon(f"mon.{name}", "*** Got signal Terminated ***" if not running else
                       f"starting mon.{name} rank {mon.rank}")
            self._log_election()
            self.log_changes()
            self.checkpoint()

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

    def _view(self) -> OsdView:
        return OsdView(self._osds.values())

    def _refresh_pgs(self) -> None:
        self._pgs.refresh(self._view(), self._pools)

    def set_osd(self, osd_id: int, up: bool | None = None, in_: bool | None = None) -> None:
        """Mark an OSD up/down and/or in/out in the map, behind its daemon's back (a running
        OSD marked down boots again after `osd_boot_delay_s` of advance())."""
        with self.lock:
            osd = self._osd(osd_id)
            up_changed = up is not None and up != osd.up
            in_changed = in_ is not None and in_ != osd.in_
            if not (up_changed or in_changed):
                return
            epoch = self._bump_osd_epoch()
            self._mark_osd(osd, epoch, up=up if up_changed else None,
                           in_=in_ if in_changed else None)
            self._refresh_pgs()
            self.log_changes()
            self.checkpoint()

    def _mark_osd(self, osd: Osd, epoch: int, *, up: bool | None = None,
                  in_: bool | None = None) -> None:
        """Apply an up/in change in map epoch `epoch` (the caller bumps it and refreshes PGs)."""
        now = self._clock()
        if up is not None and up != osd.up:
            osd.up = up
            self._last_up_change = now
            if up:
                osd.up_from = osd.up_thru = epoch
                osd.boot_at = None
                self._log_osd_boot(osd)
            else:
                osd.down_at = epoch
                delay = self.osd_boot_delay_s
                osd.boot_at = self._sim_time + delay if osd.running and delay is not None else None
                self._log_osd_down(osd)
        if in_ is not None and in_ != osd.in_:
            self._log_osd_in_out(osd, in_)
            osd.in_ = in_
            self._last_in_change = now

    def stop_osd(self, osd_id: int) -> None:
        """Stop the OSD daemon: it leaves its host's services and is marked down."""
        with self.lock:
            osd = self._osd(osd_id)
            if osd.running:
                osd.running = False
                self.log_daemon(f"osd.{osd_id}", "*** Got signal Terminated ***", -1)
            self.set_osd(osd_id, up=False)
            self.checkpoint(force=True)   # set_osd saves nothing for an OSD already down

    def start_osd(self, osd_id: int) -> None:
        """Start the OSD daemon: a new incarnation (new nonce) that marks itself up."""
        with self.lock:
            osd = self._osd(osd_id)
            if osd.running and osd.up:
                return
            osd.running = True
            osd.nonce = self._rng.randrange(1000, 4_000_000_000)
            osd.up = False
            self.log_daemon(f"osd.{osd_id}", self._version_line(osd.host, "ceph-osd", osd_id))
            self.set_osd(osd_id, up=True)

    def create_pool(self, name: str, pg_num: int, *, size: int | None = None,
                    min_size: int | None = None, crush_rule: int = 0,
                    application: str = "") -> int:
        """A new replicated pool whose PGs start `creating`; returns its id."""
        with self.lock:
            if self.pool_by_name(name) is not None:
                raise ValueError(f"pool '{name}' already exists")
            if pg_num < 1:
                raise ValueError("pg_num must be positive")
            size = size or min(3, len(self._hosts))
            epoch = self._bump_osd_epoch()
            pool = Pool(id=self.next_pool_id(), name=name, size=size,
                        min_size=min_size or size - size // 2, crush_rule=crush_rule,
                        pg_num=pg_num, create_time=self._clock(), last_change=epoch,
                        application=application)
            self.add_pool(pool)
            self.log_cluster("INF", f"pool '{name}' created")
            self.log_changes()
            self.checkpoint()
            return pool.id

    def advance(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass: OSD boots, PG creation and recovery, client
        writes and reads (sim/usage/). Usage alone saves the state only every
        USAGE_SAVE_EVERY_S simulated seconds: a whole cluster's file is not worth a second's
        bytes."""
        if seconds < 0:
            raise ValueError("time does not run backwards")
        with self.lock:
            self._sim_time += seconds
            booting = [o for o in self._osds.values()
                       if o.running and not o.up and o.boot_at is not None
                       and o.boot_at <= self._sim_time and "noup" not in self._flags]
            if booting:
                epoch = self._bump_osd_epoch()
                for osd in sorted(booting, key=lambda o: o.id):
                    self._mark_osd(osd, epoch, up=True)
                self._refresh_pgs()
            progress = self._pgs.advance(seconds, self._view(), self._pools,
                                         create_rate=self.pg_create_rate, recovery_rate=self.recovery_rate)
            if progress.changed:
                self._gen += 1
            self._advance_usage(seconds, progress.recovered)
            self.log_changes()
            self.checkpoint(force=self._sim_time - self._usage_saved_at >= USAGE_SAVE_EVERY_S)

    def pgs_brief(self) -> list[dict]:
        """`pg dump pgs_brief`: [{pgid, state, up, acting, up_primary, acting_primary}]."""
        with self.lock:
            return self._pgs.brief(self._view())

    # ----- commands, CLI and logs -------------------------------------------------------------

    def apply_commands(self, commands: list) -> dict:
        """Run `[prefix, args]` mon commands in order, stopping at the first failure (no
        rollback): {"fsid", "error", "results", "error_status", "versions"}. See sim/commands/executor.py."""
        with self.lock:
            result = executor.apply_commands(self, commands)
            self.log_changes()
            self.checkpoint(force=True)   # config-key and scrub stamps change no epoch
            return {"fsid": self.fsid, **result, "versions": self.versions()}

    def mon_command(self, command: dict) -> dict:
        """One parsed cli command ({"prefix", **arguments}): {"out", "err", "status"}, as `ceph`
        prints it. See sim/commands/cli.py."""
        with self.lock:
            result = cli.mon_command(self, dict(command))
            self.log_changes()
            self.checkpoint(force=True)   # persistence: a write typed on the cli is a change too
            return result

    @staticmethod
    def command_descriptions() -> dict:
        """The signatures of the commands served, as a Pacific mon describes them."""
        return table.command_descriptions()

    # ----- hosts ----------------------------------------------------------------------------

    def reboot(self, fqdn: str) -> None:
        with self.lock:
            self._host(fqdn).boot_time = self._clock()
            self.checkpoint(force=True)

    def set_ceph_version(self, fqdn: str, version: str) -> None:
        """Upgrade a host: package and daemons (its OSDs re-register: a new OSD map epoch)."""
        with self.lock:
            host = self._host(fqdn)
            if host.ceph_version == version:
                return
            host.ceph_version = version
            if host.osd_ids:
                self._bump_osd_epoch()
                self.log_changes()
            self.checkpoint(force=True)

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

    def cluster_heartbeat(self, fqdn: str, with_stats: bool = True) -> dict | None:
        """{fsid, name, versions, stats} if this host runs a mon that is in quorum, else None;
        stats: heartbeat_stats() (left out with `with_stats` False)."""
        with self.lock:
            host = self._host(fqdn)
            if host.mon is None:
                return None
            mon = self._mon(host.mon)
            if not mon.running or mon.rank not in self._quorum():
                return None
            beat = {"fsid": self.fsid, "name": self.name, "versions": self.versions()}
            if with_stats:
                beat["stats"] = self.heartbeat_stats()
            return beat
