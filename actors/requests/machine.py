"""The life of one request (the 202 workflow) as a pure state machine.

No threads, sockets or clocks: every transition takes the current `RequestState` (frozen) and
`now`, and returns `(new_state, actions)`. The RequestTracker executes the actions (SendJob,
NudgeVersion) and emits a request's events when its state goes from submitted to complete. A
transition that does not apply returns the very same state object and no actions, so "nothing
happened" is `new is old`.

Phases of a submitted request:
  job      a job is out (or about to be sent); `job_id` names it; deadline: job answer
  osd_map  the job returned; waiting for OSD map `awaited_epoch`; deadline: map wait
  pgs      the map arrived; waiting for the pool's PGs to exist; deadline: no progress (stall)
  verify   after a restart of the server, the job that was out can no longer answer: waiting
           for the cluster's current OSD map to judge whether its commands were applied
           (actors/requests/applied.py); applied → carries on as if the job had answered; deadline: map wait
A complete request is in phase "done". Completing twice is a no-op.

Completion kinds (actors/requests/plans.py): JOB completes on the job result; OSD_MAP on the awaited
epoch; POOL_CREATED then finds the created pool and waits until pg_num of its PGs left
`creating`; PG_GROWTH raises pg_num goal by goal (calamari-internals §4.3), then sets pgp_num and
waits for that epoch.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable

from actors.requests import history
from actors.requests.applied import shows_applied
from actors.requests.map_reading import created_pgs, find_created_pool, pg_num_target, pool_by_id, pools
from actors.requests.pool_set import pool_set
from actors.requests.plans import JOB, OSD_MAP, PG_GROWTH, POOL_CREATED, PgGrowth, Plan

SUBMITTED, COMPLETE = "submitted", "complete"
STATES = (SUBMITTED, COMPLETE)
PHASE_JOB, PHASE_OSD_MAP, PHASE_PGS, PHASE_VERIFY, PHASE_DONE = "job", "osd_map", "pgs", "verify", "done"
RADOS = "rados_commands"
CANCELLED = "Cancelled"
_RESTARTED = "Interrupted by a restart of the management server while its command was running"
INTERRUPTED = f"{_RESTARTED}; check the cluster to see whether it was applied"
NOT_APPLIED = f"{_RESTARTED}; the cluster's current OSD map does not show it applied"
PG_FAILED = "PG creation failed (check that there aren't already PGs in 'creating' state)"
PG_INTERRUPTED = "PG creation interrupted (unexpected change to pg_num)"
REPLACED = "The cluster's maps were replaced (OSD map epoch {stored} stored, {epoch} reported by the cluster)"


# --- parameters and actions -----------------------------------------------------------------------
@dataclass(frozen=True)
class Timeouts:
    job_s: float = 60.0        # a job must answer within this
    map_s: float = 120.0       # the awaited OSD map epoch must arrive within this
    pg_stall_s: float = 600.0  # PG creation must make progress within this


@dataclass(frozen=True)
class SendJob:
    function: str
    args: dict


@dataclass(frozen=True)
class NudgeVersion:
    """The cluster should fetch this map version now (a job reported it exists)."""
    sync_type: str
    version: int


# --- the state --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RequestState:
    id: str
    headline: str
    requested_at: float
    fsid: str | None = None
    cluster_name: str | None = None
    minion: str | None = None            # where jobs go (favourite mon host at submit)
    job_host: str | None = None          # where the job now out was sent (the minion then)
    requested_by: str | None = None
    kind: str = ""                       # what it does: "create_pool" ..., "job" (the metrics' label)
    # history (actors/requests/history.py): recorded for request/<id>, cluster changes, revert
    ident: Any = None                    # what the change was to: a pool id, an OSD id ... (PlanChange)
    changes: dict | None = None          # the plan's diff {field: (before, after)} at submit
    phases: tuple = ()                   # ((phase name, epoch s), ...) as they happened
    command_log: tuple = ()              # every command sent, in order, with its outcome
    reverts: str | None = None           # the request this one reverts
    reverted_by: str | None = None       # the request reverting this one
    # the plan, as far as it is needed to continue
    completion: str = OSD_MAP
    associate: bool = True               # events carry the fsid
    pool_name: str | None = None         # POOL_CREATED
    growth: PgGrowth | None = None       # PG_GROWTH
    # outcome
    state: str = SUBMITTED
    error: bool = False
    error_message: str = ""
    cancelled: bool = False
    completed_at: float | None = None
    # progress
    phase: str = PHASE_JOB
    function: str = RADOS                # of the current (or last) job
    job_id: str | None = None            # the job whose answer counts; None when none is out
    commands: tuple = ()                 # the rados_commands of that job: judged after a restart
    awaited_epoch: int | None = None
    epoch_before: int | None = None      # POOL_CREATED: OSD map epoch held at submit
    known_pool_ids: tuple = ()           # POOL_CREATED: ids of pools already so named at submit
    pool_id: int | None = None           # POOL_CREATED (once found) / PG_GROWTH
    pg_goal: int | None = None           # PGs that must exist before the next step
    pg_created: int = 0                  # PGs of the pool seen out of `creating` (best so far)
    pg_step: int = 0                     # PG_GROWTH: pg_num steps issued so far
    pgp_sent: bool = False               # PG_GROWTH: the pgp_num step is out or done
    deadline: float | None = None
    timeouts: Timeouts = Timeouts()

    @property
    def status(self) -> str:
        if self.state == COMPLETE:
            if self.cancelled:
                return CANCELLED
            return f"Failed ({self.error_message})" if self.error else "Completed successfully"
        if self.phase == PHASE_OSD_MAP:
            return f"Waiting for OSD map epoch {self.awaited_epoch}"
        if self.phase == PHASE_VERIFY:
            return "Interrupted by a restart: checking whether the cluster applied it"
        if self.phase == PHASE_PGS and self.completion == POOL_CREATED:
            return (f"Waiting for PGs of pool '{self.pool_name}' to be created "
                    f"({min(self.pg_created, self.pg_goal or 0)}/{self.pg_goal})")
        if self.growth is not None and (self.phase == PHASE_PGS or self.pg_step > 1 or self.pgp_sent):
            return (f"Creating PGs of pool '{self.growth.pool_name}' ({self.pg_progress}), "
                    f"step {self.pg_step} of {growth_steps(self.growth)}")
        return "Running"

    @property
    def pg_progress(self) -> str:
        total = self.growth.final if self.growth is not None else (self.pg_goal or 0)
        return f"{min(self.pg_created, total)}/{total}"


def growth_steps(growth: PgGrowth) -> int:
    """How many `osd pool set pg_num` steps a PG growth takes."""
    if growth.final <= growth.initial or growth.block <= 0:
        return 1
    return math.ceil((growth.final - growth.initial) / growth.block)


Result = tuple[RequestState, tuple]


# --- creating --------------------------------------------------------------------------------------
def start(request_id: str, plan: Plan, fsid: str, cluster_name: str | None, minion: str,
          requested_by: str | None, now: float, timeouts: Timeouts = Timeouts(),
          osd_map_held: tuple[int, Any] | None = None) -> Result:
    """A new request for `plan`; the action sends its commands as one rados_commands job.

    osd_map_held: the (epoch, data) of the newest OSD map known at submit, which tells a created
    pool apart from an older one of the same name.
    """
    if plan.completion not in (JOB, OSD_MAP, POOL_CREATED, PG_GROWTH):
        raise ValueError(f"unknown completion {plan.completion!r}")
    if plan.completion == POOL_CREATED and not plan.pool_name:
        raise ValueError("a POOL_CREATED plan needs pool_name")
    if plan.completion == PG_GROWTH and plan.pg_growth is None:
        raise ValueError("a PG_GROWTH plan needs pg_growth")
    state = RequestState(id=request_id, headline=plan.headline, requested_at=now, fsid=fsid,
                         cluster_name=cluster_name, minion=minion, requested_by=requested_by,
                         completion=plan.completion, associate=plan.associate,
                         pool_name=plan.pool_name, growth=plan.pg_growth, timeouts=timeouts,
                         deadline=now + timeouts.job_s)
    if plan.completion == POOL_CREATED and osd_map_held is not None:
        epoch, data = osd_map_held
        known = tuple(sorted(p["pool"] for p in pools(data)
                             if p.get("pool_name") == plan.pool_name and isinstance(p.get("pool"), int)))
        state = replace(state, epoch_before=int(epoch), known_pool_ids=known)
    if plan.pg_growth is not None and plan.completion == PG_GROWTH:
        growth = plan.pg_growth
        state = replace(state, pool_id=growth.pool_id, pg_goal=growth.first_goal(), pg_step=1,
                        pg_created=growth.initial)
    commands = _held_commands(plan.commands)
    return replace(state, commands=commands), (_rados_job(fsid, commands),)


def _rados_job(fsid: str, commands: tuple) -> SendJob:
    return SendJob(RADOS, {"fsid": fsid, "commands": _wire_commands(commands)})


def _held_commands(commands) -> tuple:
    """((prefix, {args}), ...): the commands a state holds, copied from a plan or stored lists."""
    return tuple((prefix, dict(args)) for prefix, args in commands or ())


def _wire_commands(commands: tuple) -> list:
    """[[prefix, {args}], ...]: as a rados_commands job and the stored state carry them."""
    return [[prefix, dict(args)] for prefix, args in commands]


def for_debug_job(request_id: str, function: str, args: dict, fqdn: str, headline: str,
                  requested_by: str | None, now: float, timeouts: Timeouts = Timeouts()) -> Result:
    """A debug job on one server: no cluster, completes when the job returns."""
    state = RequestState(id=request_id, headline=headline, requested_at=now, minion=fqdn,
                         requested_by=requested_by, completion=JOB, associate=False,
                         function=function, timeouts=timeouts, deadline=now + timeouts.job_s)
    return state, (SendJob(function, dict(args)),)


def job_sent(state: RequestState, job_id: str, now: float) -> Result:
    """The tracker sent the job of the last SendJob action; its answer is due by the deadline."""
    if state.state != SUBMITTED or state.phase != PHASE_JOB:
        return state, ()
    return replace(state, job_id=job_id, job_host=state.minion, deadline=now + state.timeouts.job_s), ()


# --- inputs ------------------------------------------------------------------------------------------
def on_job_result(state: RequestState, result, osd_epoch_held: int | None, now: float) -> Result:
    """The answer (bus.protocol.JobResult) of a job; only the current job's answer counts.

    osd_epoch_held: the newest OSD map epoch the cluster is known to hold; when it is older than
    the epoch the job reports, a NudgeVersion asks the cluster to fetch that epoch now.
    """
    if state.state != SUBMITTED or state.job_id is None or result.job_id != state.job_id:
        return state, ()
    if not result.success:
        # The dispatcher's own deadline (a Timeout) may beat our tick to it: same wording.
        timed_out = isinstance(result.error, dict) and result.error.get("type") == "Timeout"
        return _complete(state, now, _no_answer(state) if timed_out else _job_error(result.error))
    if state.function != RADOS:
        return _complete(state, now)
    body = result.result
    if not isinstance(body, dict):
        raise ValueError(f"{RADOS} answered with {type(body).__name__}, not a map")
    if body.get("error"):
        return _complete(state, now,
                         str(body.get("error_status") or "The Ceph command failed"))
    if state.completion == JOB:
        return _complete(state, now)
    epoch = _awaited_epoch(body)
    state = replace(state, job_id=None, phase=PHASE_OSD_MAP, awaited_epoch=epoch,
                    deadline=now + state.timeouts.map_s)
    if osd_epoch_held is not None and int(osd_epoch_held) >= epoch:
        return state, ()
    return state, (NudgeVersion("osd_map", epoch),)


def on_osd_map(state: RequestState, epoch: int, osd_map: Any, now: float) -> Result:
    """A new OSD map of the request's cluster."""
    if state.state != SUBMITTED:
        return state, ()
    if state.phase == PHASE_OSD_MAP and int(epoch) >= (state.awaited_epoch or 0):
        return _epoch_reached(state, osd_map, now)
    if state.phase == PHASE_PGS:
        return _check_pool(state, osd_map, now)
    return state, ()


def on_pg_summary(state: RequestState, pg_summary: Any, now: float) -> Result:
    """A new PG summary of the request's cluster: counts the pool's PGs out of `creating`."""
    if state.state != SUBMITTED or state.phase != PHASE_PGS:
        return state, ()
    count = created_pgs(pg_summary, state.pool_id)
    if count > state.pg_created:
        state = replace(state, pg_created=count, deadline=now + state.timeouts.pg_stall_s)
    if count < (state.pg_goal or 0):
        return state, ()
    if state.completion == POOL_CREATED:
        return _complete(state, now)
    return _next_growth_step(state, now)


def on_tick(state: RequestState, now: float) -> Result:
    """Deadlines: every phase has one."""
    if state.state != SUBMITTED or state.deadline is None or now < state.deadline:
        return state, ()
    if state.phase == PHASE_OSD_MAP:
        return _complete(state, now, f"Timed out waiting for OSD map epoch {state.awaited_epoch}")
    if state.phase == PHASE_VERIFY:
        return _complete(state, now, f"{INTERRUPTED} (no current OSD map from the cluster within "
                                     f"{state.timeouts.map_s:g} s)")
    if state.phase == PHASE_PGS:
        return _complete(state, now, f"PG creation stalled at {state.pg_progress} PGs")
    return _complete(state, now, _no_answer(state))


def _no_answer(state: RequestState) -> str:
    """Why a job out went unanswered: its host was lost (no longer the favourite) or silent."""
    host = state.job_host or state.minion
    if host != state.minion:
        return f"Lost contact with server {host}: no answer within {state.timeouts.job_s:g} s"
    return f"No answer from server {host} within {state.timeouts.job_s:g} s"


def settle(state: RequestState, osd_map_held: tuple[int, Any] | None, pg_summary_held: Any,
           now: float) -> Result:
    """Feed the maps the tracker already holds to a request that just started waiting for them.

    Stops as soon as a job has to be sent (the tracker sends it, then waits for its answer).
    """
    actions: tuple = ()
    for _ in range(8):
        if state.state != SUBMITTED:
            break
        if state.phase == PHASE_OSD_MAP and osd_map_held is not None:
            new, more = on_osd_map(state, osd_map_held[0], osd_map_held[1], now)
        elif state.phase == PHASE_PGS and pg_summary_held is not None:
            new, more = on_pg_summary(state, pg_summary_held, now)
        else:
            break
        actions += more
        if new is state or any(isinstance(a, SendJob) for a in more):
            state = new
            break
        state = new
    return state, actions


def cancel(state: RequestState, now: float) -> Result:
    if state.state != SUBMITTED:
        return state, ()
    return _complete(replace(state, cancelled=True), now, CANCELLED)


def fail(state: RequestState, message: str, now: float) -> Result:
    return _complete(state, now, message)


def lose_contact(state: RequestState, old: str, new: str, now: float) -> Result:
    """The cluster's favourite host moved from `old` to `new`: later jobs go to `new`. A job
    already out on `old` may still complete there (its answer is still routed to us), so it is
    not failed now (the original's bug): its own deadline decides, naming the lost host."""
    if state.state != SUBMITTED or state.minion != old:
        return state, ()
    return replace(state, minion=new), ()


def resume(state: RequestState, timeouts: Timeouts, now: float) -> Result:
    """After a restart of the server: one waiting for maps carries on with fresh deadlines; one
    whose job was out can no longer get its answer: if it sent Ceph commands, it waits for the
    cluster's current OSD map to judge them (on_map_current), else it fails honestly."""
    if state.state != SUBMITTED:
        return state, ()
    if state.phase == PHASE_OSD_MAP:
        state = replace(state, timeouts=timeouts, deadline=now + timeouts.map_s)
        return state, (NudgeVersion("osd_map", state.awaited_epoch),)
    if state.phase == PHASE_PGS:
        return replace(state, timeouts=timeouts, deadline=now + timeouts.pg_stall_s), ()
    if state.phase in (PHASE_JOB, PHASE_VERIFY) and state.function == RADOS and state.commands:
        return replace(state, phase=PHASE_VERIFY, job_id=None, timeouts=timeouts,
                       deadline=now + timeouts.map_s), ()
    return fail(state, INTERRUPTED, now)


def on_map_current(state: RequestState, epoch: int, osd_map: Any, now: float) -> Result:
    """The cluster's current OSD map, for a request interrupted with its job out: every command
    visible → carries on as if the job had answered with this epoch (a created pool still waits
    for its PGs, a PG growth takes its next step); one not visible → failed; undecidable (a
    scrub, a CRUSH map upload) → failed asking the operator to check."""
    if state.state != SUBMITTED or state.phase != PHASE_VERIFY:
        return state, ()
    verdict = shows_applied(state.commands, osd_map)
    if verdict is None:
        return _complete(state, now, INTERRUPTED)
    if not verdict:
        return _complete(state, now, NOT_APPLIED)
    if state.completion == JOB:
        return _complete(state, now)
    return _epoch_reached(replace(state, phase=PHASE_OSD_MAP, awaited_epoch=int(epoch)), osd_map, now)


def on_maps_replaced(state: RequestState, stored: int, epoch: int, osd_map: Any, now: float) -> Result:
    """The cluster's OSD map `epoch` replaced the held `stored` one although not newer (a cluster
    rebuilt under the same fsid): an epoch awaited from the old history proves nothing, so a
    request waiting for one is judged by what the new map shows, as after a restart; one
    waiting for PGs carries on only if its pool is still there."""
    if state.state != SUBMITTED:
        return state, ()
    why = REPLACED.format(stored=stored, epoch=epoch)
    if state.phase == PHASE_PGS:
        name = state.pool_name if state.growth is None else state.growth.pool_name
        pool = pool_by_id(osd_map, state.pool_id)
        if pool is None or pool.get("pool_name") != name:
            return _complete(state, now, f"{why}; they no longer show pool '{name}'")
        return state, ()
    if state.phase != PHASE_OSD_MAP:
        return state, ()   # a job out answers with the new history's epochs; verify: see _judge
    verdict = shows_applied(state.commands, osd_map)
    if verdict is None:
        return _complete(state, now, f"{why}; check the cluster to see whether it was applied")
    if not verdict:
        return _complete(state, now, f"{why}; its current OSD map does not show it applied")
    # Pools known or epochs held at submit belong to the old history: find the pool by name.
    state = replace(state, awaited_epoch=int(epoch), epoch_before=None, known_pool_ids=())
    return _epoch_reached(state, osd_map, now)


def guarded(transition: Callable[..., Result], state: RequestState, *args,
            now: float, on_error: Callable[[Exception], None] | None = None) -> Result:
    """Run a transition; any exception completes the request with "Internal error: <exc>"."""
    try:
        return transition(state, *args, now)
    except Exception as exc:  # noqa: BLE001 - one bad request must never stop the others
        if on_error is not None:
            on_error(exc)
        return fail(state, f"Internal error: {exc}", now)


# --- internals ---------------------------------------------------------------------------------------
def _complete(state: RequestState, now: float, error_message: str | None = None) -> Result:
    if state.state == COMPLETE:
        return state, ()
    # `commands` is kept only to judge an unanswered job after a restart; the history has its own
    # log (command_log). A whole CRUSH map's text must not stay twice in every finished request.
    done = replace(state, state=COMPLETE, completed_at=now, error=error_message is not None,
                   error_message=error_message or "", phase=PHASE_DONE, job_id=None, deadline=None,
                   commands=())
    return done, ()


def _job_error(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or "The job failed")
    return str(error) if error else "The job failed"


def _awaited_epoch(body: dict) -> int:
    versions = body.get("versions")
    if not isinstance(versions, dict) or versions.get("osd_map") is None:
        raise ValueError("the job result reports no OSD map epoch")
    return int(versions["osd_map"])


def _epoch_reached(state: RequestState, osd_map: Any, now: float) -> Result:
    if state.completion == OSD_MAP or state.pgp_sent:
        return _complete(state, now)
    if state.completion == POOL_CREATED:
        pool = find_created_pool(osd_map, state.pool_name, state.known_pool_ids, state.epoch_before)
        if pool is None:
            return _complete(state, now, f"Expected pool '{state.pool_name}' not found")
        return _wait_for_pgs(replace(state, pool_id=int(pool["pool"]), pg_goal=int(pool["pg_num"])), now)
    pool = pool_by_id(osd_map, state.pool_id)
    if pool is None:
        return _complete(state, now, f"Expected pool '{state.growth.pool_name}' not found")
    if pg_num_target(pool) != state.pg_goal:
        return _complete(state, now, PG_FAILED)
    return _wait_for_pgs(state, now)


def _wait_for_pgs(state: RequestState, now: float) -> Result:
    return replace(state, phase=PHASE_PGS, deadline=now + state.timeouts.pg_stall_s), ()


def _check_pool(state: RequestState, osd_map: Any, now: float) -> Result:
    """While PGs are being created, the pool must stay and keep the pg_num asked for."""
    pool = pool_by_id(osd_map, state.pool_id)
    name = state.pool_name if state.growth is None else state.growth.pool_name
    if pool is None:
        return _complete(state, now, f"Pool '{name}' was deleted while its PGs were being created")
    if state.growth is not None and pg_num_target(pool) != state.pg_goal:
        return _complete(state, now, PG_INTERRUPTED)
    return state, ()


def _next_growth_step(state: RequestState, now: float) -> Result:
    growth = state.growth
    if state.pg_goal >= growth.final:
        command = list(pool_set(growth.pool_name, "pgp_num", growth.pgp_num))
        state = replace(state, pgp_sent=True)
    else:
        goal = min(growth.final, state.pg_goal + growth.block)
        command = list(pool_set(growth.pool_name, "pg_num", goal))
        state = replace(state, pg_goal=goal, pg_step=state.pg_step + 1)
    state = replace(state, phase=PHASE_JOB, function=RADOS, job_id=None, awaited_epoch=None,
                    commands=(tuple(command),), deadline=now + state.timeouts.job_s)
    return state, (_rados_job(state.fsid, state.commands),)


# --- persistence ----------------------------------------------------------------------------------------
def to_data(state: RequestState) -> dict:
    """A msgpack-able dict (string keys) from which `from_data` rebuilds the state."""
    data = asdict(state)
    data["known_pool_ids"] = list(state.known_pool_ids)
    data["commands"] = _wire_commands(state.commands)
    return data


def from_data(data: dict) -> RequestState:
    fields = dict(data)
    if fields.get("growth") is not None:
        fields["growth"] = PgGrowth(**fields["growth"])
    fields["timeouts"] = Timeouts(**(fields.get("timeouts") or {}))
    fields["known_pool_ids"] = tuple(fields.get("known_pool_ids") or ())
    fields["commands"] = _held_commands(fields.get("commands"))
    fields.update(history.stored(fields))
    known = set(RequestState.__dataclass_fields__)
    return RequestState(**{k: v for k, v in fields.items() if k in known})
