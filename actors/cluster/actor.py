"""ClusterActor: one per FSID. Mirrors the cluster's maps and answers every per-cluster read.

Heartbeats from in-quorum mon hosts carry a version vector; only the favourite mon's count.
A newer version triggers a `get_cluster_object` job to the favourite; the answer becomes a new
immutable map, which yields events, a persisted copy and (for OSD/mon/MDS maps) a membership
update for the server directory. Reads are answered from views cached per map version.

The favourite's heartbeats also carry the usage and rates of the moment (actors/cluster/stats.py);
per-OSD figures are asked for with `get_cluster_stats` every `stats_fetch_every` heartbeats and
at once after a change the daemon made. Stats never touch the maps: each new one becomes a
history sample, feeds the trend behind days_until_full and the capacity events, and forgets
only the answers derived from stats (capacity.py does that arithmetic).
"""
from __future__ import annotations

import logging
import zlib
from dataclasses import replace

from actors.cluster import changes as cluster_changes, queries as cluster_queries
from actors.runtime.base import DEFERRED, Actor, handles
from actors.context import Peers, Timings
from actors.events import RECOVERY, WARNING, Event
from actors.cluster.map_events import diff_health, diff_mon_status, diff_osd_map, diff_quorum_status
from actors.cluster.membership import membership
from actors.errors import Unavailable
from actors.notices import USAGE_FIGURES, ClusterMoved, UsageMoved
from actors.messages import (ClusterHeartbeatReceived, ClusterQuery, EmitEvents, JobCompleted,
                             Forget, ForgetCluster, PlanChange, Restored, ServicesChanged, Tick)
from actors.requests.messages import FavouriteChanged, MapArrived, MapCurrent, SubmitRequest, VersionKnown
from actors.requests.revert import check_not_moved_on
from actors.storage.messages import DeleteCluster, SaveCluster, SaveSyncObject
from actors.cluster.sync_objects import REPLACE_AFTER, SyncState, choose_favourite, is_newer
from actors.cluster.capacity import Capacity
from actors.cluster.guardrail_keeper import GuardrailKeeper
from actors.cluster.stats import ClusterStats
from actors.cluster.views.fleet import fleet_row, osd_counts
from bus import log_context

log = logging.getLogger(__name__)

MEMBERSHIP_TYPES = frozenset({"osd_map", "mon_map", "mds_map"})
TRACKED_TYPES = ("osd_map", "pg_summary")   # what requests wait for


class ClusterActor(GuardrailKeeper, Actor):
    def __init__(self, fsid: str, name: str, peers: Peers, timings: Timings, now: float):
        super().__init__()
        self.fsid = fsid
        self.name = name
        self.peers = peers
        self.timings = timings
        self.update_time = now
        self.started_at = now   # lateness is not judged before agents had a chance to report
        self.favourite: str | None = None
        self.last_heard: dict[str, float] = {}
        self.late = False
        self.forgotten = False   # after Forget nothing more is persisted
        self.sync = SyncState(timings.fetch_timeout_s)
        self.fetches: dict[str, int] = {}   # job id of a fetch out -> its number (SyncState)
        self.confirm_current = False        # after a restore: tell the tracker once the map is current
        self.synced = False                 # caught up once since start (_note_synced)
        self.services: tuple = ()
        self.server_fqdns: tuple = ()   # where its services run, for its fleet row (per services change)
        self.stats = ClusterStats()
        # Favourite heartbeats until osd_df/osd_perf are due. The first is spread by fsid over the
        # period, so a restarted daemon's clusters do not all ask (and decode) them at once.
        self.beats_to_osd_stats = zlib.crc32(fsid.encode()) % max(1, timings.stats_fetch_every)
        self.osd_stats_asked_at: float | None = None   # a get_cluster_stats job is out since then
        self.osd_stats_again = False        # our change came while one was out: ask again after it
        self.capacity = Capacity(fsid, peers, timings, save_levels=self._save_cluster)
        self.maps_moved: dict = {}        # sync type -> version accepted since the last notice
        self.usage_told: dict | None = None   # the usage figures last told (UsageMoved)
        # The cache sees the actor only through these callables; a new map version or a change
        # of where services run invalidates it (the `cluster` summary is kept per version too).
        self.queries = cluster_queries.QueryCache(cluster_queries.ClusterInputs(
            fsid, sync_data=self.sync.data, services=lambda: self.services, summary=self._summary,
            stats=lambda: self.stats, trend_days=lambda: self.capacity.trend_days))
        if peers.share_queries is not None:
            peers.share_queries(fsid, self.queries)

    def on_start(self):
        log_context.bind(fsid=self.fsid)   # on this actor's own thread: all it logs names its cluster
        self._publish()

    # --- start-up ------------------------------------------------------------------------
    @handles(Restored)
    def restored(self, message: Restored):
        stored = message.state
        self.name = stored.name
        self.update_time = stored.update_time
        self.late = stored.late
        self.capacity.restore(stored.recent_points, stored.capacity_levels)
        self.restore_guardrails(stored.guardrails)
        for sync_type, (version, data) in stored.sync_objects.items():
            if sync_type in self.sync.types:
                self.sync.restore(sync_type, version, data)
        self.queries.invalidate()
        self._send_membership()
        for sync_type in TRACKED_TYPES:
            self._tell_tracker(sync_type)
        self.confirm_current = True
        self._note_synced()   # one restored late has nothing coming to wait for
        self._publish()

    # --- heartbeats and fetches ----------------------------------------------------------------
    @handles(ClusterHeartbeatReceived)
    def heartbeat(self, message: ClusterHeartbeatReceived):
        now, minion = message.received_at, message.minion
        self.last_heard[minion] = now
        chosen = choose_favourite(self.favourite, self.last_heard, minion, now,
                                  self.timings.favourite_timeout_s)
        self._set_favourite(chosen)
        if minion != self.favourite:
            return
        self.update_time = now
        if message.heartbeat.name and message.heartbeat.name != self.name:
            self.name = message.heartbeat.name
        if self.late:
            # Persisted before the event is emitted: a crash in between must not repeat it.
            self.late = False
            self._save_cluster()
            self._emit(RECOVERY, f"Cluster '{self.name}' regained contact", now)
        for sync_type, version in message.heartbeat.versions.items():
            if self.sync.on_version(sync_type, version, now):
                self._fetch(minion, sync_type)
        self._warn_of_replacements(now)
        self._confirm_current()
        self._note_synced()
        if message.heartbeat.stats is not None:   # agents that send none serve no get_cluster_stats
            self._take_stats(message.heartbeat.stats, now)
            self._fetch_osd_stats_when_due(now)
        self._publish()

    def _warn_of_replacements(self, now: float) -> None:
        """The stored maps the cluster contradicted long enough (actors/cluster/sync_objects.py) are being
        replaced: one WARNING names them, since what the API shows jumps back."""
        condemned = self.sync.take_replacements()
        if not condemned:
            return
        maps = ", ".join(f"{t} epoch {reported} (stored {held})" for t, held, reported in sorted(condemned))
        text = (f"Cluster '{self.name}' reported older maps than the stored ones for {REPLACE_AFTER} "
                f"heartbeats in a row: {maps}; the stored maps are replaced by the cluster's "
                f"(rebuilt under the same fsid, or its mon store restored?)")
        log.warning("cluster %s: %s", self.fsid, text)
        self._emit(WARNING, text, now)

    def _set_favourite(self, chosen: str) -> None:
        if chosen == self.favourite:
            return
        log.info("cluster %s: favourite mon host is now %s (was %s)", self.fsid, chosen, self.favourite)
        if self.favourite is not None and self.peers.tracker is not None:
            self.peers.tracker.tell(FavouriteChanged(self.fsid, self.favourite, chosen))
        self.favourite = chosen

    def _fail_over_if_silent(self, now: float) -> None:
        """Proactive failover: a silent favourite is replaced on a tick by the mon host heard most
        recently, rather than waiting for that host's next heartbeat."""
        timeout = self.timings.favourite_timeout_s
        if self.favourite is None or now - self.last_heard.get(self.favourite, float("-inf")) <= timeout:
            return
        alive = [(heard, minion) for minion, heard in self.last_heard.items()
                 if minion != self.favourite and now - heard <= timeout]
        if alive:
            self._set_favourite(max(alive)[1])

    def _fetch(self, minion: str, sync_type: str) -> None:
        number = self.sync.fetch_number()
        job_id = self.peers.send_job(minion, "get_cluster_object", {"fsid": self.fsid, "sync_type": sync_type},
                                     self.actor_ref, self.timings.job_timeout_s)
        self.fetches[job_id] = number   # every job is answered once (a result or a timeout)

    # --- stats ----------------------------------------------------------------------------
    def _take_stats(self, carried, now: float) -> None:
        stats = self.stats.with_heartbeat(carried)
        if stats is self.stats:
            return
        self.stats = stats
        self.queries.invalidate_stats()
        if self.forgotten or self.sync.data("osd_map") is None:
            return
        self.capacity.on_stats(stats, self.queries.osd_view(), self.name, now)

    def _fetch_osd_stats_when_due(self, now: float) -> None:
        self.beats_to_osd_stats -= 1
        if self.beats_to_osd_stats <= 0:
            self._fetch_osd_stats(now)

    def _fetch_osd_stats(self, now: float, after_change: bool = False) -> None:
        """osd_df and osd_perf from the favourite; one job out at a time (a lost one is
        replaced after the fetch timeout). After our own change, a job already out may have read
        the OSDs before it: then another is asked for once that one is answered."""
        if self.favourite is None:
            return
        if self.osd_stats_asked_at is not None and now - self.osd_stats_asked_at < self.timings.fetch_timeout_s:
            self.osd_stats_again = self.osd_stats_again or after_change
            return
        self.beats_to_osd_stats = self.timings.stats_fetch_every
        self.osd_stats_asked_at = now
        self.peers.send_job(self.favourite, "get_cluster_stats", {"fsid": self.fsid}, self.actor_ref,
                            self.timings.job_timeout_s)

    def _osd_stats_arrived(self, message: JobCompleted) -> None:
        self.osd_stats_asked_at = None
        if self.osd_stats_again:
            self.osd_stats_again = False
            self._fetch_osd_stats(message.received_at)
        result = message.result
        if not result.success or not isinstance(result.result, dict) or result.result.get("fsid") != self.fsid:
            log.info("cluster %s: get_cluster_stats from %s failed: %s", self.fsid, message.agent_id, result.error)
            return
        stats = self.stats.with_osd_stats(result.result)
        if stats is not self.stats:
            self.stats = stats
            self.queries.invalidate_stats()

    @handles(JobCompleted)
    def job_completed(self, message: JobCompleted):
        if message.function == "get_cluster_stats":
            self._osd_stats_arrived(message)
            return
        if message.function != "get_cluster_object":
            log.warning("cluster %s: unexpected job result %s", self.fsid, message.function)
            return
        sync_type = message.args.get("sync_type")
        result = message.result
        fetch = self.fetches.pop(result.job_id, None)
        if not result.success or not isinstance(result.result, dict):
            log.warning("cluster %s: fetch of %s from %s failed: %s", self.fsid, sync_type,
                        message.agent_id, result.error)
            self.sync.on_fetch_failed(sync_type)
            return
        body = result.result
        if body.get("fsid") != self.fsid or body.get("type") != sync_type:
            log.warning("cluster %s: fetch answer for %s/%s dropped", self.fsid, body.get("fsid"), body.get("type"))
            self.sync.on_fetch_failed(sync_type)
            return
        self._accept_map(message.agent_id, sync_type, body.get("version"), body.get("data"),
                         message.received_at, fetch)

    def _accept_map(self, minion: str, sync_type: str, version, data, now: float, fetch: int | None) -> None:
        old, old_version = self.sync.data(sync_type), self.sync.version(sync_type)
        is_new, fetch_again = self.sync.on_fetched(sync_type, version, data, now, fetch)
        if fetch_again and self.favourite:
            self._fetch(self.favourite, sync_type)
        if not is_new or self.forgotten:
            return
        # Accepted though not newer: it replaced a copy of another history (see actors/cluster/sync_objects.py).
        replaced = old_version if not is_newer(sync_type, version, old_version) else None
        log.debug("cluster %s: %s version %s from %s", self.fsid, sync_type, version, minion)
        self.queries.invalidate()
        self.maps_moved[sync_type] = version   # told with the new row's health (_publish)
        self._tell_tracker(sync_type, replaced)
        if replaced is None:   # a diff across two histories would list changes nobody made
            self._emit_map_events(sync_type, old, data, now)
        if sync_type in MEMBERSHIP_TYPES:
            self._send_membership()
        self.peers.store.tell(SaveSyncObject(self.fsid, self.name, sync_type, version, data, now))
        self._save_cluster()
        self._confirm_current()
        self._note_synced()
        self._publish()   # the fleet row shows the new health, OSD and mon counts at once

    def _confirm_current(self) -> None:
        """Once after a restore: the OSD map held is as new as the favourite's heartbeats say."""
        osd_map = self.sync.types["osd_map"]
        if not self.confirm_current or self.peers.tracker is None or osd_map.version is None \
                or self.favourite is None or is_newer("osd_map", osd_map.known_version, osd_map.version):
            return
        self.confirm_current = False
        self.peers.tracker.tell(MapCurrent(self.fsid, int(osd_map.version)))

    def _note_synced(self) -> None:
        """Once since start: every map held is as new as the favourite's heartbeats say, or the
        cluster is late (its agents are silent: nothing is coming, and what is stored is what we
        serve). The readiness probe (web/ops/health.py) waits for every cluster's."""
        if self.synced or self.peers.note_synced is None:
            return
        if self.late or (self.favourite is not None and self.sync.current()):
            self.synced = True
            self.peers.note_synced(self.fsid)

    # --- derived outputs --------------------------------------------------------------------
    def _emit_map_events(self, sync_type: str, old, new, now: float) -> None:
        if old is None or new is None:
            return  # the first copy after discovery or restart says nothing about changes
        locate = self._service_fqdns()
        if sync_type == "osd_map":
            events = diff_osd_map(self.name, self.fsid, old, new, lambda osd: locate.get(("osd", str(osd))), now)
        elif sync_type == "mon_status":
            events = diff_mon_status(self.name, self.fsid, old, new, lambda mon: locate.get(("mon", mon)), now)
        elif sync_type == "quorum_status":
            events = diff_quorum_status(self.name, self.fsid, old, new, lambda mon: locate.get(("mon", mon)), now)
        elif sync_type == "health":
            events = diff_health(self.name, self.fsid, old, new, now)
        else:
            return
        if events:
            self.peers.eventer.tell(EmitEvents(tuple(events)))

    def _tell_tracker(self, sync_type: str, replaced=None) -> None:
        if sync_type in TRACKED_TYPES and self.peers.tracker is not None and self.sync.data(sync_type) is not None:
            self.peers.tracker.tell(MapArrived(self.fsid, sync_type, self.sync.version(sync_type),
                                               self.sync.data(sync_type), replaced))

    def _service_fqdns(self) -> dict:
        return {(service.type, service.id): fqdn for service, fqdn in self.services}

    def _send_membership(self) -> None:
        if self.sync.data("osd_map") is None and self.sync.data("mon_map") is None:
            return
        self.peers.directory.tell(membership(self.fsid, self.sync.data("osd_map"),
                                             self.sync.data("mon_map"), self.sync.data("mds_map")))

    def _save_cluster(self) -> None:
        if self.forgotten:
            return
        self.peers.store.tell(SaveCluster(self.fsid, self.name, self.update_time, self.late,
                                          self.capacity.levels))

    def _publish(self) -> None:
        self.peers.publish_cluster(self.fsid, self._summary())
        notices = self.peers.notices
        if self.forgotten or (self.peers.publish_fleet_row is None and not notices.active):
            return
        row = fleet_row(
            fsid=self.fsid, name=self.name, update_time=self.update_time,
            health=self.sync.data("health"), osds=self._current_osd_counts(),
            mon_map=self.sync.data("mon_map"), quorum_status=self.sync.data("quorum_status"),
            stats=self.stats, days_until_full=self.capacity.trend_days.get("cluster"),
            fqdns=self.server_fqdns)
        if self.peers.publish_fleet_row is not None:
            self.peers.publish_fleet_row(self.fsid, row)
        if notices.active:
            self._tell_moves(row)

    def _tell_moves(self, row: dict) -> None:
        """The maps accepted since the last row (ClusterMoved, with the health they give), and the
        row's usage figures when they moved (UsageMoved; none before the first stats)."""
        if self.maps_moved:
            moved, self.maps_moved = self.maps_moved, {}
            self.peers.notices.publish(ClusterMoved(self.fsid, moved, row["health"]))
        usage = {name: row[name] for name in USAGE_FIGURES}
        if self.stats.taken_at is not None and usage != self.usage_told:
            self.usage_told = usage
            self.peers.notices.publish(UsageMoved(self.fsid, usage))

    def _current_osd_counts(self) -> dict | None:
        if self.sync.data("osd_map") is None:
            return None
        view = self.queries.osd_view()
        return view.memo("osd_counts", lambda: osd_counts(view))   # once per map version

    def _summary(self) -> dict:
        return cluster_queries.summary(self.fsid, self.name, self.update_time)

    def _emit(self, severity: int, message: str, now: float) -> None:
        self.peers.eventer.tell(EmitEvents((Event(now, severity, message, fsid=self.fsid),)))

    @handles(Forget)
    def forget(self, message: Forget):
        self.forgotten = True
        self.peers.store.tell(DeleteCluster(self.fsid))
        if self.peers.tracker is not None:
            self.peers.tracker.tell(ForgetCluster(self.fsid))   # its copies of the maps go too
        self.actor_ref.stop(block=False)

    # --- directory and time ---------------------------------------------------------------------
    @handles(ServicesChanged)
    def services_changed(self, message: ServicesChanged):
        if message.services != self.services:
            self.services = message.services
            self.server_fqdns = tuple(sorted({fqdn for _, fqdn in self.services if fqdn}))
            self.queries.invalidate_services()
            self._publish()

    @handles(Tick)
    def tick(self, message: Tick):
        self._fail_over_if_silent(message.now)
        if not self.late and message.now - max(self.update_time, self.started_at) > self.timings.cluster_late_s:
            self.late = True
            self._save_cluster()   # before the event: see heartbeat()
            self._emit(WARNING, f"Cluster '{self.name}' is late reporting in", message.now)
            self._note_synced()

    # --- changes -------------------------------------------------------------------------
    @handles(PlanChange)
    def plan_change(self, message: PlanChange):
        """Plan against the current maps; the tracker answers the reply with the request id."""
        plan = cluster_changes.plan(self.queries.osd_view(), self.sync.data("config"), self.name, message)
        if message.expect is not None:   # a revert: the change it undoes must still be in place
            check_not_moved_on(message.expect, None if plan is None else plan.changes)
        if plan is None:
            return None   # nothing to change: 304
        if self.favourite is None or self.late:
            raise Unavailable(f"Cluster {self.fsid} has no mon host reachable for commands")
        warnings, reply = self.judge_change(message)   # the guardrails: 409, or what they say
        if message.options.dry_run:   # previewed by the facade (actors/requests/previews.py), never submitted
            return replace(plan, warnings=tuple(warnings)) if warnings else plan
        self.peers.tracker.tell(SubmitRequest(plan, self.fsid, self.name, self.favourite,
                                              message.requested_by, reply,
                                              kind=f"{message.op}_{message.kind}", ident=message.ident,
                                              reverts=message.reverts))
        return DEFERRED

    @handles(VersionKnown)
    def version_known(self, message: VersionKnown):
        """A request knows a map version exists (its command produced it): fetch it now."""
        minion = message.minion if message.minion in self.last_heard else self.favourite
        if minion and self.sync.on_version(message.sync_type, message.version, message.now):
            self._fetch(minion, message.sync_type)
        if message.sync_type == "osd_map":   # the daemon changed the cluster: per-OSD usage moves
            self._fetch_osd_stats(message.now, after_change=True)

    # --- reads ---------------------------------------------------------------------------
    @handles(ClusterQuery)
    def query(self, message: ClusterQuery):
        return self.queries.answer(message.query, message.params)



