"""RequestTracker: runs every long operation (the 202 workflow) to its end.

One actor for all requests. Each request is an immutable `RequestState` driven by the pure
transitions of actors/requests/machine.py; this actor feeds them their inputs (job results routed
back by the dispatcher, maps from ClusterActors, ticks, cancels, favourite changes), executes
their actions (send a job, nudge a map fetch), persists every change (SaveRequest), and emits
the Started / Succeeded / Failed / Cancelled events. A request whose transition raises completes
with "Internal error: …" and is logged with its id; the others and the actor carry on.

Every request stays in memory (the newest MAX_KEPT; older completed ones are dropped from memory,
not from the database) and answers the API's request queries. Completed requests also leave
memory under the request retention (actors/storage/retention.py), checked on ticks every interval, the
same policy the store applies to the table, so the API does not list what the database dropped. After a restart `Restored(rows)`
(the store's LoadRequests) brings completed requests back as they were and resolves in-flight
ones honestly: waiting for maps → resumed; job still out → judged against the cluster's current
OSD map once its ClusterActor confirms it (MapCurrent): applied → carried on, else failed with an
explanation.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace
from typing import Any, Callable

from actors.requests import history, listing, machine as rm
from actors.storage import retention as rt
from actors.runtime.base import Actor, handles
from actors.context import Peers, Timings
from actors.errors import Invalid, NotFound
from actors.events import INFO, WARNING, Event
from actors.messages import EmitEvents, ForgetCluster, JobCompleted, Restored, Tick
from actors.notices import CANCELLED, COMPLETE, FAILED, RequestChanged
from actors.requests.messages import (CancelRequest, FavouriteChanged, GetRequest, GetRequestState,
                                     ListChanges, ListRequests, MapArrived, MapCurrent, SubmitJob,
                                     SubmitRequest, VersionKnown)
from actors.storage.messages import SaveRequest
from actors.timefmt import iso

log = logging.getLogger(__name__)

MAX_KEPT = 10_000          # requests held in memory (the store restores as many)
WAITING = (rm.PHASE_OSD_MAP, rm.PHASE_PGS)
Step = tuple[Callable[..., rm.Result], tuple]   # a machine transition, its arguments besides state and now
# Transitions one input may chain for one request (a few in practice: job sent, maps held fed
# in, a restart's verdict). A machine bug that never settles fails loudly, not by hanging the
# tracker's thread.
MAX_CHAIN = 64


def dump(state: rm.RequestState) -> dict:
    """The API wire shape of a request."""
    return {"id": state.id, "state": state.state, "error": state.error,
            "error_message": state.error_message, "headline": state.headline,
            "status": state.status, "requested_at": iso(state.requested_at),
            "completed_at": iso(state.completed_at)}


def changed(state: rm.RequestState, shown: dict | None = None) -> RequestChanged:
    """The notice of a request's new state (actors/notices.py), `shown` its dump if made already;
    outcome and duration once it is complete."""
    outcome = duration = None
    if state.state == rm.COMPLETE:
        outcome = CANCELLED if state.cancelled else FAILED if state.error else COMPLETE
        duration = None if state.completed_at is None else max(0.0, state.completed_at - state.requested_at)
    return RequestChanged(shown or dump(state), state.kind, outcome, duration, fsid=state.fsid)


def row(state: rm.RequestState) -> dict:
    """The store row of a request (SaveRequest)."""
    return {"id": state.id, "fsid": state.fsid, "state": state.state, "error": state.error,
            "error_message": state.error_message, "headline": state.headline,
            "status": state.status, "requested_at": state.requested_at,
            "completed_at": state.completed_at, "requested_by": state.requested_by,
            "data": rm.to_data(state)}


def from_row(stored: dict) -> rm.RequestState:
    """A stored row back to a state; without usable `data`, from its columns alone."""
    if isinstance(stored.get("data"), dict):
        try:
            return rm.from_data(stored["data"])
        except Exception as exc:  # noqa: BLE001 - fall back to the columns
            log.error("request %s: stored state unreadable (%s); restoring from its columns",
                      stored.get("id"), exc)
    return rm.RequestState(
        id=stored["id"], headline=stored.get("headline") or "", requested_at=stored["requested_at"],
        fsid=stored.get("fsid"), requested_by=stored.get("requested_by"),
        state=stored["state"], error=bool(stored.get("error")),
        error_message=stored.get("error_message") or "", completed_at=stored.get("completed_at"),
        cancelled=stored.get("error_message") == rm.CANCELLED,
        phase=rm.PHASE_DONE if stored["state"] == rm.COMPLETE else rm.PHASE_JOB)


class RequestTracker(Actor):
    def __init__(self, peers: Peers, timings: Timings, clock: Callable[[], float] = time.time, *,
                 job_timeout_s: float = 60.0, map_timeout_s: float = 120.0,
                 pg_stall_timeout_s: float = 600.0,
                 new_id: Callable[[], str] = lambda: str(uuid.uuid4()), max_kept: int = MAX_KEPT,
                 retention: rt.Retention | None = None, retention_interval_s: float = 60.0):
        super().__init__()
        self.peers = peers
        self.timings = timings
        self.clock = clock
        self.timeouts = rm.Timeouts(job_timeout_s, map_timeout_s, pg_stall_timeout_s)
        self.new_id = new_id
        self.retention = retention or rt.Retention()
        self.max_kept = max_kept
        self._prune_due = rt.Due(retention_interval_s)
        self.requests: dict[str, rm.RequestState] = {}   # insertion order: oldest first
        self.active: set[str] = set()                    # ids of submitted requests
        self.by_job: dict[str, str] = {}                 # job id -> request id
        # The newest maps of each cluster, as its ClusterActor sent them (MapArrived: the same
        # immutable objects, not copies). Asking a ClusterActor instead would block this one
        # thread, and so every request of every cluster, on that actor's mailbox; yet they are
        # needed when no map is arriving: a job's answer can come after the map it produced
        # (fed in at once by `settle` rather than waited for until the deadline; a fetch is
        # nudged only when it has not come), a pool creation notes the pools already so named
        # at submit, and a request interrupted by a restart is judged against the map once it
        # is current (MapCurrent).
        self.osd_maps: dict[str, tuple[int, Any]] = {}   # fsid -> (epoch, data), the newest
        self.pg_summaries: dict[str, Any] = {}           # fsid -> data, the newest
        self.current: dict[str, int] = {}                # fsid -> OSD epoch confirmed current since start

    # --- submitting --------------------------------------------------------------------------
    @handles(SubmitRequest)
    def submit_request(self, message: SubmitRequest) -> dict:
        now = self.clock()
        state, actions = rm.start(self.new_id(), message.plan, message.fsid, message.cluster_name,
                                  message.minion, message.requested_by, now, self.timeouts,
                                  self.osd_maps.get(message.fsid))
        diff = getattr(message.plan, "changes", None) or {}
        state = replace(state, kind=message.kind, ident=message.ident, reverts=message.reverts,
                        changes={field: tuple(pair) for field, pair in diff.items()})
        original = self.requests.get(message.reverts) if message.reverts else None
        if original is not None:
            self.requests[original.id] = original = replace(original, reverted_by=state.id)
            self._save(original)
        return self._begin(state, actions, now)

    @handles(SubmitJob)
    def submit_job(self, message: SubmitJob) -> dict:
        now = self.clock()
        state, actions = rm.for_debug_job(self.new_id(), message.function, dict(message.args or {}),
                                          message.fqdn, message.headline, message.requested_by,
                                          now, self.timeouts)
        return self._begin(replace(state, kind="job"), actions, now)

    def _begin(self, state: rm.RequestState, actions: tuple, now: float) -> dict:
        state = history.phase(state, history.SUBMITTED, now)
        log.info("request %s: started %r (fsid=%s minion=%s by %s)", state.id, state.headline,
                 state.fsid, state.minion, state.requested_by)
        self.requests[state.id] = state
        self.active.add(state.id)
        self._emit(state, INFO, f"Started: {state.headline}", now)
        self._save(state)
        self._tell(state)
        self._advance(state, self._carry_out(state, actions, now), now)
        self._prune()
        return {"request_id": state.id}

    # --- inputs ---------------------------------------------------------------------------------
    @handles(JobCompleted)
    def job_completed(self, message: JobCompleted) -> None:
        request_id = self.by_job.pop(message.result.job_id, None)
        state = self.requests.get(request_id) if request_id else None
        if state is None:
            log.info("job %s (%s) from %s belongs to no running request: dropped",
                     message.result.job_id, message.function, message.agent_id)
            return
        held = self.osd_maps.get(state.fsid)
        now = self.clock()
        state = self.requests[state.id] = history.answered(state, message.result, now)
        self._step(state, rm.on_job_result, message.result, held[0] if held else None, now=now)

    @handles(MapArrived)
    def map_arrived(self, message: MapArrived) -> None:
        fsid = message.fsid
        if message.sync_type == "osd_map" and message.replaces is not None:
            self._maps_replaced(fsid, int(message.replaces), int(message.version), message.data)
        elif message.sync_type == "osd_map":
            held = self.osd_maps.get(fsid)
            epoch = int(message.version)
            if held is not None and held[0] >= epoch:
                return
            self.osd_maps[fsid] = (epoch, message.data)
            self._for_cluster(fsid, lambda s: self._judge(self._step(s, rm.on_osd_map, epoch, message.data),
                                                          self.clock()))
        elif message.sync_type == "pg_summary":
            self.pg_summaries[fsid] = message.data
            self._for_cluster(fsid, lambda s: self._step(s, rm.on_pg_summary, message.data))

    def _maps_replaced(self, fsid: str, stored: int, epoch: int, data) -> None:
        """The cluster's OSD map replaced the held one of another history: epochs awaited from
        the old one will never come (or mean something else), so waiting requests are judged
        against the new map now; it is also the current map for those interrupted by a restart."""
        self.osd_maps[fsid] = (epoch, data)
        self.current[fsid] = epoch
        self._for_cluster(fsid, lambda s: self._judge(
            self._step(s, rm.on_maps_replaced, stored, epoch, data), self.clock()))

    @handles(MapCurrent)
    def map_current(self, message: MapCurrent) -> None:
        self.current[message.fsid] = int(message.version)
        self._for_cluster(message.fsid, lambda s: self._judge(s, self.clock()))

    def _judge(self, state: rm.RequestState, now: float) -> rm.RequestState:
        """A request interrupted by a restart, against its cluster's OSD map once it is current."""
        verdict = self._verdict(state)
        return state if verdict is None else self._step(state, verdict[0], *verdict[1], now=now)

    def _verdict(self, state: rm.RequestState) -> Step | None:
        """The transition judging a request interrupted by a restart, once its cluster's OSD map
        held is the current one; None before."""
        held, current = self.osd_maps.get(state.fsid), self.current.get(state.fsid)
        if state.phase != rm.PHASE_VERIFY or held is None or current is None or held[0] < current:
            return None
        return rm.on_map_current, (held[0], held[1])

    @handles(ForgetCluster)
    def forget_cluster(self, message: ForgetCluster) -> None:
        """A forgotten cluster's maps go too (an OSD map of 10,000 OSDs is megabytes); if it
        reports again, its ClusterActor hands them over again."""
        for held in (self.osd_maps, self.pg_summaries, self.current):
            held.pop(message.fsid, None)

    @handles(FavouriteChanged)
    def favourite_changed(self, message: FavouriteChanged) -> None:
        self._for_cluster(message.fsid, lambda s: self._step(s, rm.lose_contact, message.old, message.new))

    @handles(Tick)
    def tick(self, message: Tick) -> None:
        for request_id in sorted(self.active):
            state = self.requests.get(request_id)
            if state is not None:
                self._step(state, rm.on_tick, now=message.now)
        if self._prune_due(message.now):
            done = [(i, s.requested_at) for i, s in self.requests.items() if s.state == rm.COMPLETE]
            for request_id in rt.expired(done, message.now, self.retention):
                del self.requests[request_id]

    @handles(CancelRequest)
    def cancel(self, message: CancelRequest) -> dict:
        state = self._get(message.request_id)
        if state.state == rm.SUBMITTED:
            running = (state.minion, state.job_id) if state.phase == rm.PHASE_JOB and state.job_id else None
            state = self._step(state, rm.cancel)
            if running:
                self._ask_to_stop(*running)
        return dump(state)

    def _ask_to_stop(self, minion: str, job_id: str) -> None:
        """Best effort: the agent stops the job if it can (its answer, if any, is dropped)."""
        try:
            self.peers.send_job(minion, "cancel_job", {"job_id": job_id}, self.actor_ref, self.timeouts.job_s)
        except Exception as exc:  # noqa: BLE001 - the request is cancelled whatever the agent does
            log.info("could not ask %s to stop job %s: %s", minion, job_id, exc)

    # --- queries -----------------------------------------------------------------------------------
    @handles(GetRequest)
    def get_request(self, message: GetRequest) -> dict:
        state = self._get(message.request_id)
        return {**dump(state), **history.shown(state)}

    @handles(GetRequestState)
    def get_request_state(self, message: GetRequestState) -> rm.RequestState:
        return self._get(message.request_id)

    @handles(ListChanges)
    def list_changes(self, message: ListChanges) -> tuple[int, list[dict]]:
        found = listing.completed_changes(self.requests.values(), message.fsid)
        return len(found), [listing.change_row(s) for s in listing.page(found, message.offset, message.limit)]

    @handles(ListRequests)
    def list_requests(self, message: ListRequests) -> tuple[int, list[dict]]:
        if message.state not in (None,) + rm.STATES:
            raise Invalid(f"State must be one of {', '.join(sorted(rm.STATES))}",
                          {"state": [f"must be one of {', '.join(sorted(rm.STATES))}"]})
        where = replace(message.where, state=message.state)
        matches = listing.matching(self.requests.values(), message.fsid, where)
        return len(matches), [dump(s) for s in listing.page(matches, message.offset, message.limit)]

    def _get(self, request_id: str) -> rm.RequestState:
        state = self.requests.get(request_id)
        if state is None:
            raise NotFound.of("request", request_id)
        return state

    # --- restart ---------------------------------------------------------------------------------
    @handles(Restored)
    def restored(self, message: Restored) -> None:
        states = []
        for stored in message.state or ():
            try:
                state = from_row(stored)
            except Exception:  # noqa: BLE001 - one bad row must not stop a restart
                log.exception("request %s: unreadable stored row skipped",
                              stored.get("id") if isinstance(stored, dict) else stored)
                continue
            if state.id not in self.requests:
                states.append(state)
        states.reverse()   # rows come newest first; memory holds oldest first
        merged = states + list(self.requests.values())
        merged.sort(key=lambda s: s.requested_at)
        self.requests = {s.id: s for s in merged}
        resumed = failed = 0
        for state in states:
            if state.state != rm.SUBMITTED:
                continue
            self.active.add(state.id)
            new = self._step(state, rm.resume, self.timeouts)
            resumed, failed = (resumed + 1, failed) if new.state == rm.SUBMITTED else (resumed, failed + 1)
        self._prune()
        log.info("restored %d requests: %d resumed, %d in-flight failed", len(states), resumed, failed)

    # --- the engine ------------------------------------------------------------------------------
    # An input applies one transition to a request. What follows without further input (send
    # the job it asks for, feed in the maps already held, judge it after a restart) is the next
    # transition of a loop that ends when the request has to wait: for a job's answer, a map or
    # a deadline, or because it completed.
    def _step(self, state: rm.RequestState, transition, *args, now: float | None = None) -> rm.RequestState:
        """Apply one transition to one request and advance it until it has to wait; never raises."""
        now = self.clock() if now is None else now
        return self._advance(state, (transition, args), now)

    def _advance(self, state: rm.RequestState, step: Step | None, now: float) -> rm.RequestState:
        for _ in range(MAX_CHAIN):
            if step is None:
                return state
            state, step = self._apply(state, step, now)
        log.error("request %s: still advancing after %d transitions; left to its deadline", state.id, MAX_CHAIN)
        return state

    def _apply(self, state: rm.RequestState, step: Step, now: float) -> tuple[rm.RequestState, Step | None]:
        """One transition: record the new state, carry out its actions; the step that follows."""
        transition, args = step
        try:
            new, actions = rm.guarded(transition, state, *args, now=now,
                                      on_error=lambda exc: self._log_failure(state, transition, exc))
            if new is state and not actions:
                return state, None
            new = history.noted(state, new, now)
            self._record(state, new, now)
            return new, self._carry_out(new, actions, now)
        except Exception:  # noqa: BLE001 - a bug here must still not stop the other requests
            log.exception("request %s: processing %s failed", state.id, getattr(transition, "__name__", transition))
            return self.requests.get(state.id, state), None

    def _log_failure(self, state: rm.RequestState, transition, exc: Exception) -> None:
        log.error("request %s: %s raised; the request fails: %s", state.id,
                  getattr(transition, "__name__", transition), exc, exc_info=exc)

    def _carry_out(self, state: rm.RequestState, actions: tuple, now: float) -> Step | None:
        """Execute a transition's actions; the step that follows (a job sent ends them)."""
        for action in actions:
            if isinstance(action, rm.SendJob):
                return self._send(state, action)
            if isinstance(action, rm.NudgeVersion):
                self._nudge(state, action, now)
        return self._next(state)

    def _next(self, state: rm.RequestState) -> Step | None:
        """What a request does with what the tracker holds: one that just started waiting is fed
        the maps held; one interrupted by a restart is judged once the map held is current."""
        if state.state == rm.SUBMITTED and state.phase in WAITING:
            return rm.settle, (self.osd_maps.get(state.fsid), self.pg_summaries.get(state.fsid))
        if state.state == rm.SUBMITTED and state.phase == rm.PHASE_VERIFY:
            return self._verdict(state)
        return None

    def _send(self, state: rm.RequestState, action: rm.SendJob) -> Step:
        try:
            job_id = self.peers.send_job(state.minion, action.function, action.args, self.actor_ref,
                                         self.timeouts.job_s)
        except Exception as exc:  # noqa: BLE001 - no bus, unknown agent: the request fails
            log.warning("request %s: could not send %s to %s: %s", state.id, action.function,
                        state.minion, exc)
            return rm.fail, (f"Could not send the command to server {state.minion}: {exc}",)
        log.debug("request %s: job %s (%s) sent to %s", state.id, job_id, action.function, state.minion)
        return rm.job_sent, (job_id,)

    def _nudge(self, state: rm.RequestState, action: rm.NudgeVersion, now: float) -> None:
        ref = self.peers.cluster_ref(state.fsid) if state.fsid else None
        if ref is None:
            return
        try:
            ref.tell(VersionKnown(action.sync_type, action.version, state.minion, now))
        except Exception:  # noqa: BLE001 - a stopped cluster actor: the map wait times out
            log.info("request %s: cluster %s gone; no fetch nudge", state.id, state.fsid)

    def _record(self, old: rm.RequestState, new: rm.RequestState, now: float) -> None:
        if old.job_id is not None and old.job_id != new.job_id:
            self.by_job.pop(old.job_id, None)
        if new.job_id is not None and new.state == rm.SUBMITTED:
            self.by_job[new.job_id] = new.id
        elif new.job_id is not None:
            self.by_job.pop(new.job_id, None)   # a late answer finds no request: dropped, logged
        self.requests[new.id] = new
        if new.state == rm.SUBMITTED:
            self.active.add(new.id)
        else:
            self.active.discard(new.id)
        self._save(new)
        self._tell(new, old)
        if old.state == rm.SUBMITTED and new.state == rm.COMPLETE:
            self._completed(new, now)

    def _completed(self, state: rm.RequestState, now: float) -> None:
        if state.cancelled:
            severity, text = INFO, f"Cancelled: {state.headline}"
        elif state.error:
            severity, text = WARNING, f"Failed: {state.headline} ({state.error_message})"
        else:
            severity, text = INFO, f"Succeeded: {state.headline}"
        log.log(logging.WARNING if state.error and not state.cancelled else logging.INFO,
                "request %s: %s", state.id, text)
        self._emit(state, severity, text, now)

    def _emit(self, state: rm.RequestState, severity: int, text: str, now: float) -> None:
        fsid = state.fsid if state.associate else None
        self.peers.eventer.tell(EmitEvents((Event(now, severity, text, fsid=fsid),)))

    def _save(self, state: rm.RequestState) -> None:
        self.peers.store.tell(SaveRequest(row(state)))

    def _tell(self, state: rm.RequestState, old: rm.RequestState | None = None) -> None:
        """Notice of a new request, or of one whose API shape moved (a job sent or a deadline
        moved is no news to anyone)."""
        if not self.peers.notices.active:
            return
        shown = dump(state)
        if old is None or shown != dump(old):
            self.peers.notices.publish(changed(state, shown))

    def _for_cluster(self, fsid: str, step: Callable[[rm.RequestState], Any]) -> None:
        for request_id in sorted(self.active):
            state = self.requests.get(request_id)
            if state is not None and state.fsid == fsid and state.state == rm.SUBMITTED:
                step(state)

    def _prune(self) -> None:
        """Keep the newest `max_kept` requests in memory; only completed ones are dropped."""
        excess = len(self.requests) - self.max_kept
        if excess <= 0:
            return
        for request_id in [i for i, s in self.requests.items() if s.state == rm.COMPLETE][:excess]:
            del self.requests[request_id]
