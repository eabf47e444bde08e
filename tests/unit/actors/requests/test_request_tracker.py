"""RequestTracker: the actor around the request state machine, with fake peers and a fake clock."""
from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from actors.requests import machine as rm
from actors.runtime.base import ask
from actors.context import Peers, Timings
from actors.errors import Invalid, NotFound
from actors.events import INFO, WARNING
from actors.messages import EmitEvents, ForgetCluster, JobCompleted, Restored, Tick
from actors.notices import Notices, RequestChanged
from actors.requests.plans import JOB, PG_GROWTH, POOL_CREATED, PgGrowth, Plan
from actors.requests.messages import (CancelRequest, FavouriteChanged, GetRequest, ListRequests,
                                     MapArrived, MapCurrent, SubmitJob, SubmitRequest, VersionKnown)
from actors.requests.tracker import MAX_CHAIN, RequestTracker, dump, from_row, row
from actors.storage.messages import SaveRequest
from bus.protocol import JobResult
from tests.unit.actor_doubles import Recorder

FSID, OTHER = "fsid-1", "fsid-2"


class Clock:
    def __init__(self, now=1_000.0):
        self.now = now

    def __call__(self):
        return self.now


LISTED = ("id", "state", "error", "error_message", "headline", "status", "requested_at", "completed_at")


class World:
    def __init__(self):
        self.sink = Recorder.start()
        self.cluster = Recorder.start()
        self.clock = Clock()
        self.jobs: list[tuple] = []
        self.refuse: set[str] = set()
        ids = itertools.count(1)
        self.told: list[RequestChanged] = []     # what the tracker tells the notices
        notices = Notices()
        notices.subscribe(self.told.append)
        peers = Peers(store=self.sink, eventer=self.sink, directory=self.sink, send_job=self.send_job,
                      cluster_ref=lambda fsid: self.cluster if fsid == FSID else None,
                      publish_cluster=lambda fsid, summary: None, notices=notices)
        self.tracker = RequestTracker.start(peers, Timings(), self.clock,
                                            new_id=lambda: f"req-{next(ids)}")

    def send_job(self, agent, function, args, reply_to, timeout_s):
        if agent in self.refuse:
            raise RuntimeError(f"agent {agent} unknown")
        self.jobs.append((agent, function, args, timeout_s))
        return f"job-{len(self.jobs)}"

    # driving --------------------------------------------------------------------------------
    def submit(self, plan, fsid=FSID, minion="mon-a", kind="", **more) -> str:
        return ask(self.tracker, lambda r: SubmitRequest(plan, fsid, "ceph", minion, "admin", r, kind=kind,
                                                         **more)).result(2)["request_id"]

    def answer(self, job_number, epoch=7, success=True, agent="mon-a", **body):
        result = {"fsid": FSID, "error": False, "results": [], "error_status": "",
                  "versions": {"osd_map": epoch}}
        result.update(body)
        job = JobResult(f"job-{job_number}", success, result if success else None,
                        None if success else {"type": "JobError", "message": body.get("message", "boom")})
        self.tracker.ask(JobCompleted(agent, job, "rados_commands", {}, self.clock.now))

    def map(self, sync_type, version, data, fsid=FSID):
        self.tracker.ask(MapArrived(fsid, sync_type, version, data))

    def get(self, request_id) -> dict:
        """The request as lists show it (GET request/<id> adds its history: `detail`)."""
        detail = self.detail(request_id)
        return {key: detail[key] for key in LISTED}

    def detail(self, request_id) -> dict:
        return ask(self.tracker, lambda r: GetRequest(request_id, r)).result(2)

    def list(self, fsid=None, state=None, offset=0, limit=None):
        return ask(self.tracker, lambda r: ListRequests(fsid, state, offset, limit, r)).result(2)

    def cancel(self, request_id) -> dict:
        return ask(self.tracker, lambda r: CancelRequest(request_id, r)).result(2)

    # observing ------------------------------------------------------------------------------
    def events(self):
        return [(e.severity, e.message, e.fsid) for m in self.sink.ask("dump") if isinstance(m, EmitEvents)
                for e in m.events]

    def rows(self, request_id=None):
        return [m.row for m in self.sink.ask("dump") if isinstance(m, SaveRequest)
                and (request_id is None or m.row["id"] == request_id)]

    def nudges(self):
        return [m for m in self.cluster.ask("dump") if isinstance(m, VersionKnown)]


@pytest.fixture
def world():
    return World()


def osd_map(epoch, *pools):
    return {"epoch": epoch, "pools": [dict(pool=i, pool_name=n, pg_num=k, last_change=str(epoch))
                                      for i, n, k in pools]}


def pg_summary(pool_id, **states):
    return {"by_pool": {str(pool_id): {k.replace("_", "+"): v for k, v in states.items()}}}


MODIFY = Plan(headline="Modifying pool 'rbd' (size=2)",
              commands=(("osd pool set", {"pool": "rbd", "var": "size", "val": "2"}),))
CREATE = Plan(headline="Creating pool 'p'", commands=(("osd pool create", {"pool": "p", "pg_num": 4}),),
              completion=POOL_CREATED, pool_name="p")


# --- the happy paths -------------------------------------------------------------------------------

def test_every_visible_change_is_told_with_kind_and_at_the_end_outcome_and_duration(world):
    rid = world.submit(MODIFY, kind="update_pool")
    world.clock.now = 1_001.5
    world.answer(1, epoch=7)
    world.clock.now = 1_002.25
    world.map("osd_map", 7, osd_map(7))
    failed = world.submit(MODIFY, kind="update_pool")
    world.answer(2, success=False, message="no such pool")
    assert world.get(failed)["state"] == "complete"
    told = [(n.request["id"], n.request["status"], n.kind, n.outcome, n.duration_s, n.fsid) for n in world.told]
    assert told == [
        (rid, "Running", "update_pool", None, None, FSID),       # not again for the job sent
        (rid, "Waiting for OSD map epoch 7", "update_pool", None, None, FSID),
        (rid, "Completed successfully", "update_pool", "complete", 2.25, FSID),
        (failed, "Running", "update_pool", None, None, FSID),
        (failed, world.get(failed)["status"], "update_pool", "failed", 0.0, FSID)]
    assert world.told[2].request == world.get(rid)               # as GET request/<id> shows it
    cancelled = world.submit(MODIFY)
    world.cancel(cancelled)
    assert (world.told[-1].outcome, world.told[-1].kind) == ("cancelled", "")


def test_a_request_is_sent_waits_for_its_epoch_and_completes(world):
    rid = world.submit(MODIFY)
    assert rid == "req-1"
    assert world.jobs == [("mon-a", "rados_commands", {"fsid": FSID, "commands": [
        ["osd pool set", {"pool": "rbd", "var": "size", "val": "2"}]]}, 60.0)]
    assert world.get(rid)["status"] == "Running"
    world.clock.now = 1_001.5
    world.answer(1, epoch=7)
    assert world.get(rid)["status"] == "Waiting for OSD map epoch 7"
    assert [(n.sync_type, n.version, n.minion) for n in world.nudges()] == [("osd_map", 7, "mon-a")]
    world.map("osd_map", 6, osd_map(6))
    assert world.get(rid)["state"] == "submitted"
    world.clock.now = 1_002.25
    world.map("osd_map", 7, osd_map(7))
    assert world.get(rid) == {
        "id": "req-1", "state": "complete", "error": False, "error_message": "",
        "headline": "Modifying pool 'rbd' (size=2)", "status": "Completed successfully",
        "requested_at": "1970-01-01T00:16:40+00:00", "completed_at": "1970-01-01T00:16:42.250000+00:00"}
    assert world.events() == [(INFO, "Started: Modifying pool 'rbd' (size=2)", FSID),
                              (INFO, "Succeeded: Modifying pool 'rbd' (size=2)", FSID)]


def test_every_transition_is_persisted(world):
    rid = world.submit(MODIFY)
    world.answer(1, epoch=7)
    world.map("osd_map", 7, osd_map(7))
    rows = world.rows(rid)
    assert [(r["state"], r["status"]) for r in rows] == [
        ("submitted", "Running"), ("submitted", "Running"),
        ("submitted", "Waiting for OSD map epoch 7"), ("complete", "Completed successfully")]
    last = rows[-1]
    assert (last["fsid"], last["requested_by"], last["requested_at"], last["completed_at"]) == \
        (FSID, "admin", 1_000.0, 1_000.0)
    assert dump(from_row(last)) == world.get(rid)


def test_a_map_already_held_completes_the_request_when_its_job_returns(world):
    world.map("osd_map", 9, osd_map(9))
    rid = world.submit(MODIFY)
    world.answer(1, epoch=8)
    assert world.get(rid)["status"] == "Completed successfully"
    assert world.nudges() == []


def test_a_forgotten_clusters_maps_are_dropped(world):
    world.map("osd_map", 9, osd_map(9))
    world.tracker.ask(ForgetCluster(FSID))
    rid = world.submit(MODIFY)
    world.answer(1, epoch=8)
    assert world.get(rid)["status"] == "Waiting for OSD map epoch 8"   # nothing held: it waits


def test_pool_creation_waits_for_the_pools_pgs(world):
    world.map("osd_map", 5, osd_map(5, (1, "rbd", 32)))
    rid = world.submit(CREATE)
    world.answer(1, epoch=6)
    world.map("pg_summary", "d1", pg_summary(1, active_clean=32))
    world.map("osd_map", 6, osd_map(6, (1, "rbd", 32), (2, "p", 4)))
    assert world.get(rid)["status"] == "Waiting for PGs of pool 'p' to be created (0/4)"
    world.map("pg_summary", "d2", pg_summary(2, creating=3, active_clean=1))
    assert world.get(rid)["status"] == "Waiting for PGs of pool 'p' to be created (1/4)"
    world.map("pg_summary", "d3", pg_summary(2, active_clean=4))
    assert world.get(rid)["status"] == "Completed successfully"


def test_pg_growth_sends_each_step_to_the_requests_minion(world):
    growth = PgGrowth(pool_id=1, pool_name="rbd", initial=4, final=12, block=4, pgp_num=12)
    rid = world.submit(Plan("Growing pool 'rbd' to 12 PGs", (("osd pool set", {"pool": "rbd", "var": "pg_num", "val": "8"}),),
                            completion=PG_GROWTH, pg_growth=growth))
    world.answer(1, epoch=10)
    world.map("osd_map", 10, osd_map(10, (1, "rbd", 8)))
    assert world.get(rid)["status"] == "Creating PGs of pool 'rbd' (4/12), step 1 of 2"
    world.map("pg_summary", "a", pg_summary(1, active_clean=8))
    assert world.jobs[-1][:3] == ("mon-a", "rados_commands", {"fsid": FSID, "commands": [
        ["osd pool set", {"pool": "rbd", "var": "pg_num", "val": "12"}]]})
    world.answer(2, epoch=11)
    world.map("osd_map", 11, osd_map(11, (1, "rbd", 12)))
    world.map("pg_summary", "b", pg_summary(1, active_clean=12))
    assert world.jobs[-1][2]["commands"] == [["osd pool set", {"pool": "rbd", "var": "pgp_num", "val": "12"}]]
    world.answer(3, epoch=12)
    world.map("osd_map", 12, osd_map(12, (1, "rbd", 12)))
    assert world.get(rid)["status"] == "Completed successfully"
    assert len(world.jobs) == 3


def test_a_debug_job_completes_when_it_returns_and_has_no_cluster(world):
    rid = ask(world.tracker, lambda r: SubmitJob("selftest_wait", {"seconds": 1}, "node1", "Debug job selftest_wait on node1",
                                                 "admin", r)).result(2)["request_id"]
    assert world.jobs == [("node1", "selftest_wait", {"seconds": 1}, 60.0)]
    world.tracker.ask(JobCompleted("node1", JobResult("job-1", True, None), "selftest_wait", {}, 1.0))
    assert world.get(rid)["status"] == "Completed successfully"
    assert world.rows(rid)[-1]["fsid"] is None
    assert [e[2] for e in world.events()] == [None, None]


# --- failures -----------------------------------------------------------------------------------------

def test_a_failed_command_emits_a_failed_event(world):
    rid = world.submit(MODIFY)
    world.answer(1, error=True, error_status="Error ENOENT: unrecognized pool 'rbd'")
    assert world.get(rid)["error_message"] == "Error ENOENT: unrecognized pool 'rbd'"
    assert world.events()[-1] == \
        (WARNING, "Failed: Modifying pool 'rbd' (size=2) (Error ENOENT: unrecognized pool 'rbd')", FSID)


def test_a_job_that_cannot_be_sent_fails_its_request(world):
    world.refuse.add("mon-x")
    rid = world.submit(MODIFY, minion="mon-x")
    got = world.get(rid)
    assert (got["state"], got["error_message"]) == \
        ("complete", "Could not send the command to server mon-x: agent mon-x unknown")
    assert [e[1].split(":")[0] for e in world.events()] == ["Started", "Failed"]


def test_the_job_deadline_fails_the_request_on_a_tick(world):
    rid = world.submit(MODIFY)
    world.tracker.ask(Tick(1_059.0))
    assert world.get(rid)["state"] == "submitted"
    world.tracker.ask(Tick(1_060.0))
    assert world.get(rid)["status"] == "Failed (No answer from server mon-a within 60 s)"
    world.answer(1)     # too late: the job is no longer awaited
    assert world.get(rid)["status"] == "Failed (No answer from server mon-a within 60 s)"
    assert sum(1 for e in world.events() if e[1].startswith("Failed")) == 1


def test_a_request_whose_transition_raises_fails_alone(world):
    broken = world.submit(CREATE)
    fine = world.submit(MODIFY)
    elsewhere = world.submit(MODIFY, fsid=OTHER)
    world.answer(1, epoch=6)
    world.answer(2, epoch=6)
    world.answer(3, epoch=6)
    bad_map = {"epoch": 6, "pools": [{"pool": 2, "pool_name": "p", "pg_num": "lots", "last_change": "6"}]}
    world.map("osd_map", 6, bad_map)
    assert world.get(broken)["error_message"].startswith("Internal error: invalid literal for int()")
    assert world.get(fine)["status"] == "Completed successfully"
    assert world.get(elsewhere)["status"] == "Waiting for OSD map epoch 6"
    world.map("osd_map", 6, osd_map(6), fsid=OTHER)
    assert world.get(elsewhere)["status"] == "Completed successfully"
    assert world.tracker.is_alive()


def test_a_request_that_never_settles_is_left_to_its_deadline_and_the_tracker_carries_on(world, monkeypatch):
    def restless(state, osd_map_held, pg_summary_held, now):   # a machine bug: always "progress"
        return replace(state, pg_created=state.pg_created + 1), ()
    monkeypatch.setattr(rm, "settle", restless)
    rid = world.submit(MODIFY)
    world.answer(1, epoch=7)           # now waiting for its map: fed what is held, again and again
    assert world.get(rid)["status"] == "Waiting for OSD map epoch 7"
    assert len(world.rows(rid)) == 3 + MAX_CHAIN - 1    # started, sent, answered, then bounded
    world.tracker.ask(Tick(1_120.0))
    assert world.get(rid)["status"] == "Failed (Timed out waiting for OSD map epoch 7)"
    assert world.tracker.is_alive()


def test_results_of_unknown_jobs_are_dropped(world):
    rid = world.submit(MODIFY)
    world.tracker.ask(JobCompleted("mon-a", JobResult("job-99", True, {}), "rados_commands", {}, 1.0))
    assert world.get(rid)["status"] == "Running"


def test_a_revert_and_its_original_name_each_other_and_are_saved_so(world):
    original = world.submit(MODIFY, kind="update_pool", ident=2)
    revert = world.submit(MODIFY, kind="update_pool", ident=2, reverts=original)
    assert (world.detail(original)["reverted_by"], world.detail(revert)["reverts"]) == (revert, original)
    assert world.detail(original)["kind"] == "update_pool"
    assert rm.from_data(world.rows(original)[-1]["data"]).reverted_by == revert
    assert world.detail(world.submit(MODIFY, reverts="unknown"))["reverts"] == "unknown"


# --- cancel and lost contact ------------------------------------------------------------------------------

def test_cancel_completes_a_request_once_with_an_event(world):
    rid = world.submit(MODIFY)
    cancelled = world.cancel(rid)
    assert (cancelled["state"], cancelled["error"], cancelled["error_message"], cancelled["status"]) == \
        ("complete", True, "Cancelled", "Cancelled")
    assert world.cancel(rid) == cancelled
    world.answer(1)
    assert world.get(rid) == cancelled
    assert world.events()[-1] == (INFO, "Cancelled: Modifying pool 'rbd' (size=2)", FSID)
    with pytest.raises(NotFound):
        world.cancel("nope")
    with pytest.raises(NotFound):
        world.get("nope")


def test_favourite_change_keeps_jobs_out_on_the_old_host_until_their_deadline(world):
    out = world.submit(MODIFY)
    waiting = world.submit(MODIFY)
    other_host = world.submit(MODIFY, minion="mon-c")
    other_cluster = world.submit(MODIFY, fsid=OTHER)
    world.answer(2, epoch=7)
    world.tracker.ask(FavouriteChanged(FSID, "mon-a", "mon-b"))
    assert world.get(out)["state"] == "submitted"          # its job may still complete on mon-a
    assert world.get(waiting)["status"] == "Waiting for OSD map epoch 7"
    assert world.get(other_host)["state"] == world.get(other_cluster)["state"] == "submitted"
    world.map("osd_map", 7, osd_map(7))
    assert world.get(waiting)["status"] == "Completed successfully"
    world.clock.now += 61.0
    world.tracker.ask(Tick(world.clock.now))
    assert world.get(out)["status"] == "Failed (Lost contact with server mon-a: no answer within 60 s)"
    assert (WARNING, "Failed: Modifying pool 'rbd' (size=2) (Lost contact with server mon-a: no answer within 60 s)",
            FSID) in world.events()


# --- queries ------------------------------------------------------------------------------------------

def test_lists_are_newest_first_filtered_and_paged(world):
    ids = []
    for n, fsid in enumerate([FSID, OTHER, FSID, FSID]):
        world.clock.now = 2_000.0 + n
        ids.append(world.submit(MODIFY, fsid=fsid))
    world.clock.now = 2_010.0
    debug = ask(world.tracker, lambda r: SubmitJob("selftest_block", {}, "node1", "Debug", None, r)).result(2)["request_id"]
    world.cancel(ids[2])
    count, page = world.list()
    assert count == 5 and [r["id"] for r in page] == [debug, ids[3], ids[2], ids[1], ids[0]]
    assert [r["id"] for r in world.list(fsid=FSID)[1]] == [ids[3], ids[2], ids[0]]
    assert [r["id"] for r in world.list(fsid=FSID, state="submitted")[1]] == [ids[3], ids[0]]
    assert [r["id"] for r in world.list(state="complete")[1]] == [ids[2]]
    assert world.list(offset=1, limit=2) == (5, [world.get(ids[3]), world.get(ids[2])])
    assert world.list(offset=9, limit=2) == (5, [])
    with pytest.raises(Invalid):
        world.list(state="done")


# --- restart ------------------------------------------------------------------------------------------

def stored(request_id, plan, *steps) -> dict:
    """A row as the store would hold it, from a request driven through `steps` elsewhere."""
    state, _ = rm.start(request_id, plan, FSID, "ceph", "mon-a", "admin", 500.0)
    state, _ = rm.job_sent(state, "job-old", 500.0)
    for step in steps:
        state, _ = step(state)
    return row(state)


def test_restart_serves_completed_requests_resumes_map_waits_and_judges_jobs_that_were_out(world):
    ok = JobResult("job-old", True, {"error": False, "versions": {"osd_map": 7}})
    done_row = stored("done", MODIFY, lambda s: rm.on_job_result(s, ok, 7, 501.0),
                      lambda s: rm.on_osd_map(s, 7, osd_map(7), 502.0))
    waiting_row = stored("waiting", CREATE, lambda s: rm.on_job_result(s, ok, 6, 501.0))
    out_row = stored("out", MODIFY)
    created_row = stored("created", Plan(headline="Creating pool 'q'", completion=POOL_CREATED, pool_name="q",
                                         commands=(("osd pool create", {"pool": "q", "pg_num": 4}),)))
    bare_row = {"id": "bare", "fsid": FSID, "state": "submitted", "error": False, "error_message": "",
                "headline": "Old thing", "status": "Running", "requested_at": 400.0, "completed_at": None,
                "requested_by": None, "data": None}
    world.tracker.ask(Restored([waiting_row, out_row, created_row, done_row, bare_row]))
    assert world.get(done_row["id"]) == dump(from_row(done_row))
    assert world.get(done_row["id"])["completed_at"] == "1970-01-01T00:08:22+00:00"
    assert world.get("bare")["error_message"] == rm.INTERRUPTED   # nothing to judge it by
    checking = "Interrupted by a restart: checking whether the cluster applied it"
    assert world.get("out")["status"] == world.get("created")["status"] == checking
    assert world.get("waiting")["status"] == "Waiting for OSD map epoch 7"
    assert [(n.sync_type, n.version) for n in world.nudges()] == [("osd_map", 7)]
    pools = osd_map(8, (3, "p", 2), (4, "q", 4))
    pools["pools"][0]["size"] = 3                              # `out` asked for size 2: not applied
    world.map("osd_map", 8, pools)
    assert world.get("out")["status"] == checking              # not yet known to be current
    world.tracker.ask(MapCurrent(FSID, 8))
    assert world.get("out")["error_message"] == rm.NOT_APPLIED
    assert world.get("created")["status"] == "Waiting for PGs of pool 'q' to be created (0/4)"
    assert world.rows("out")[-1]["state"] == "complete"
    assert sum(1 for e in world.events() if e[1].startswith("Failed")) == 2
    world.map("pg_summary", "x", {"by_pool": {"3": {"active+clean": 2}, "4": {"active+clean": 4}}})
    assert world.get("waiting")["status"] == world.get("created")["status"] == "Completed successfully"
    assert [r["id"] for r in world.list()[1]] == ["waiting", "out", "created", "done", "bare"]


def test_a_map_confirmed_current_before_the_requests_are_restored_still_judges_them(world):
    world.map("osd_map", 8, dict(osd_map(8), flags="noout"))
    world.tracker.ask(MapCurrent(FSID, 8))
    world.tracker.ask(Restored([stored("out", Plan("Setting noout", (("osd set", {"key": "noout"}),)))]))
    assert world.get("out")["status"] == "Completed successfully"


def test_a_resumed_wait_gets_a_fresh_deadline(world):
    ok = JobResult("job-old", True, {"error": False, "versions": {"osd_map": 7}})
    waiting = stored("waiting", MODIFY, lambda s: rm.on_job_result(s, ok, 6, 501.0))
    world.tracker.ask(Restored([waiting]))          # clock 1000: stored deadline 621 has passed
    world.tracker.ask(Tick(1_100.0))
    assert world.get(waiting["id"])["state"] == "submitted"
    world.tracker.ask(Tick(1_120.0))
    assert world.get(waiting["id"])["status"] == "Failed (Timed out waiting for OSD map epoch 7)"


def test_events_carry_the_fsid_only_when_the_plan_associates_them(world):
    rid = world.submit(Plan("Scrubbing osd.0", (("osd scrub", {"who": "0"}),), completion=JOB, associate=False))
    world.answer(1)
    assert world.get(rid)["status"] == "Completed successfully"
    assert world.events() == [(INFO, "Started: Scrubbing osd.0", None), (INFO, "Succeeded: Scrubbing osd.0", None)]
