"""The request state machine: every transition, status text, completion kind and deadline."""
from __future__ import annotations

import msgpack
import pytest

from actors.requests import machine as rm
from actors.requests.plans import JOB, OSD_MAP, PG_GROWTH, POOL_CREATED, PgGrowth, Plan
from bus.protocol import JobResult

FSID = "fsid-1"
T = rm.Timeouts(job_s=60.0, map_s=120.0, pg_stall_s=600.0)


def plan(completion=OSD_MAP, **kw) -> Plan:
    commands = kw.pop("commands", (("osd pool create", {"pool": "p", "pg_num": 8}),))
    return Plan(headline=kw.pop("headline", "Doing it"), commands=commands, completion=completion, **kw)


def submitted(p: Plan, now=100.0, held=None, job_id="j1"):
    state, actions = rm.start("r1", p, FSID, "ceph", "mon-a", "admin", now, T, held)
    state, more = rm.job_sent(state, job_id, now)
    assert more == ()
    return state, actions


def ok(job_id="j1", epoch=7, **extra) -> JobResult:
    body = {"fsid": FSID, "error": False, "results": [None], "error_status": "",
            "versions": {"osd_map": epoch, "pg_summary": "d"}}
    body.update(extra)
    return JobResult(job_id, True, body)


def osd_map(epoch, *pools) -> dict:
    return {"epoch": epoch, "pools": [dict(pool=i, pool_name=n, pg_num=k, last_change=str(c))
                                      for i, n, k, c in pools]}


def pgs(pool_id, **states) -> dict:
    return {"by_pool": {str(pool_id): {k.replace("_", "+"): v for k, v in states.items()}}, "all": {}}


# --- start and jobs ---------------------------------------------------------------------------------

def test_start_sends_the_commands_as_one_rados_job_and_runs():
    state, actions = rm.start("r1", plan(), FSID, "ceph", "mon-a", "admin", 100.0, T)
    assert actions == (rm.SendJob("rados_commands", {"fsid": FSID, "commands": [
        ["osd pool create", {"pool": "p", "pg_num": 8}]]}),)
    assert (state.state, state.status, state.phase, state.error, state.error_message) == \
        ("submitted", "Running", "job", False, "")
    assert (state.requested_at, state.completed_at, state.deadline) == (100.0, None, 160.0)
    state, _ = rm.job_sent(state, "j1", 105.0)
    assert (state.job_id, state.deadline) == ("j1", 165.0)


def test_start_rejects_incomplete_plans():
    with pytest.raises(ValueError):
        rm.start("r1", plan(POOL_CREATED), FSID, "ceph", "m", None, 0.0)
    with pytest.raises(ValueError):
        rm.start("r1", plan(PG_GROWTH), FSID, "ceph", "m", None, 0.0)
    with pytest.raises(ValueError):
        rm.start("r1", plan("whenever"), FSID, "ceph", "m", None, 0.0)


def test_a_failed_job_completes_with_its_error_message():
    state, _ = submitted(plan())
    failure = JobResult("j1", False, None, {"type": "Timeout", "message": "No answer from mon-a"})
    done, actions = rm.on_job_result(state, failure, 5, 110.0)
    assert actions == ()
    assert (done.state, done.error, done.error_message, done.completed_at, done.job_id) == \
        ("complete", True, "No answer from server mon-a within 60 s", 110.0, None)
    assert done.status == "Failed (No answer from server mon-a within 60 s)"


def test_a_ceph_error_completes_with_the_error_status():
    state, _ = submitted(plan())
    done, actions = rm.on_job_result(state, ok(error=True, error_status="Error EEXIST: pool 'p' already exists"), 5, 110.0)
    assert actions == ()
    assert done.status == "Failed (Error EEXIST: pool 'p' already exists)"


def test_the_answer_of_another_job_is_ignored():
    state, _ = submitted(plan())
    same, actions = rm.on_job_result(state, ok(job_id="old"), 5, 110.0)
    assert same is state and actions == ()


def test_job_completion_ends_with_the_job():
    state, _ = submitted(plan(JOB, associate=False))
    done, actions = rm.on_job_result(state, ok(), None, 110.0)
    assert (done.state, done.status, actions) == ("complete", "Completed successfully", ())


def test_a_debug_job_runs_its_function_on_the_server_and_completes_on_return():
    state, actions = rm.for_debug_job("r9", "selftest_wait", {"seconds": 1}, "node1", "Debug job", "admin", 10.0, T)
    assert actions == (rm.SendJob("selftest_wait", {"seconds": 1}),)
    assert (state.fsid, state.minion, state.completion, state.associate) == (None, "node1", JOB, False)
    state, _ = rm.job_sent(state, "j9", 10.0)
    done, _ = rm.on_job_result(state, JobResult("j9", True, None), None, 11.0)
    assert done.status == "Completed successfully"
    raised = JobResult("j9", False, None, {"type": "RuntimeError", "message": "This is a self-test exception"})
    failed, _ = rm.on_job_result(state, raised, None, 11.0)
    assert failed.status == "Failed (This is a self-test exception)"


# --- OSD map waits ------------------------------------------------------------------------------------

def test_osd_map_completion_waits_for_the_reported_epoch_and_nudges_a_fetch():
    state, _ = submitted(plan())
    waiting, actions = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    assert actions == (rm.NudgeVersion("osd_map", 7),)
    assert (waiting.phase, waiting.awaited_epoch, waiting.job_id, waiting.deadline) == ("osd_map", 7, None, 230.0)
    assert waiting.status == "Waiting for OSD map epoch 7"
    same, none = rm.on_osd_map(waiting, 6, osd_map(6), 111.0)
    assert same is waiting and none == ()
    done, actions = rm.on_osd_map(waiting, 8, osd_map(8), 112.0)
    assert (done.status, done.completed_at, actions) == ("Completed successfully", 112.0, ())


def test_no_nudge_when_the_epoch_is_already_held():
    state, _ = submitted(plan())
    _, actions = rm.on_job_result(state, ok(epoch=7), 7, 110.0)
    assert actions == ()


def test_a_result_without_an_epoch_raises_and_guarded_turns_it_into_an_internal_error():
    state, _ = submitted(plan())
    with pytest.raises(ValueError):
        rm.on_job_result(state, ok(versions={}), None, 110.0)
    seen = []
    done, actions = rm.guarded(rm.on_job_result, state, ok(versions={}), None, now=110.0, on_error=seen.append)
    assert done.status == "Failed (Internal error: the job result reports no OSD map epoch)"
    assert actions == () and isinstance(seen[0], ValueError)


# --- pool creation --------------------------------------------------------------------------------------

def pool_plan():
    return plan(POOL_CREATED, pool_name="p", headline="Creating pool 'p'")


def test_pool_creation_finds_the_new_pool_then_counts_its_pgs_out_of_creating():
    state, _ = submitted(pool_plan(), held=(5, osd_map(5, (1, "rbd", 32, 3))))
    state, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    state, actions = rm.on_osd_map(state, 7, osd_map(7, (1, "rbd", 32, 3), (2, "p", 8, 7)), 111.0)
    assert actions == () and (state.phase, state.pool_id, state.pg_goal) == ("pgs", 2, 8)
    assert state.status == "Waiting for PGs of pool 'p' to be created (0/8)"
    state, _ = rm.on_pg_summary(state, {"by_pool": {"1": {"active+clean": 32}}}, 112.0)   # not there yet
    assert state.status == "Waiting for PGs of pool 'p' to be created (0/8)"
    state, _ = rm.on_pg_summary(state, pgs(2, creating=5, active_clean=3), 113.0)
    assert state.status == "Waiting for PGs of pool 'p' to be created (3/8)"
    state, _ = rm.on_pg_summary(state, pgs(2, creating_peering=1, active_clean=7), 114.0)
    assert state.state == "submitted" and state.pg_created == 7
    done, actions = rm.on_pg_summary(state, {"by_pool": {2: {"active+clean": 8}}}, 115.0)  # int keys too
    assert (done.status, actions) == ("Completed successfully", ())


def test_pgs_the_mgr_has_no_stats_for_yet_are_not_created():
    state, _ = submitted(pool_plan(), held=(5, osd_map(5)))
    state, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    state, _ = rm.on_osd_map(state, 7, osd_map(7, (2, "p", 8, 7)), 111.0)
    state, actions = rm.on_pg_summary(state, {"by_pool": {"2": {"unknown": 8}}}, 112.0)
    assert actions == () and state.status == "Waiting for PGs of pool 'p' to be created (0/8)"
    state, _ = rm.on_pg_summary(state, {"by_pool": {"2": {"unknown": 2, "creating+peering": 1,
                                                          "peering": 5}}}, 113.0)
    assert state.status == "Waiting for PGs of pool 'p' to be created (5/8)"


def test_pool_creation_ignores_an_older_pool_of_that_name():
    held = (5, osd_map(5, (1, "p", 32, 3)))
    state, _ = submitted(pool_plan(), held=held)
    assert (state.epoch_before, state.known_pool_ids) == (5, (1,))
    state, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    done, _ = rm.on_osd_map(state, 7, osd_map(7, (1, "p", 32, 6)), 111.0)     # changed, but not new
    assert done.status == "Failed (Expected pool 'p' not found)"


def test_pool_creation_ignores_a_same_named_pool_unchanged_since_submit():
    state, _ = submitted(pool_plan(), held=(5, osd_map(5)))
    state, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    done, _ = rm.on_osd_map(state, 7, osd_map(7, (4, "p", 8, 5)), 111.0)
    assert done.error_message == "Expected pool 'p' not found"
    found, _ = rm.on_osd_map(state, 7, osd_map(7, (4, "p", 8, 5), (5, "p", 16, 6)), 111.0)
    assert (found.pool_id, found.pg_goal) == (5, 16)


def test_a_pool_deleted_while_its_pgs_are_created_fails_the_request():
    state, _ = submitted(pool_plan())
    state, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    state, _ = rm.on_osd_map(state, 7, osd_map(7, (2, "p", 8, 7)), 111.0)
    same, _ = rm.on_osd_map(state, 8, osd_map(8, (2, "p", 8, 7)), 112.0)
    assert same is state
    done, _ = rm.on_osd_map(state, 9, osd_map(9), 113.0)
    assert done.error_message == "Pool 'p' was deleted while its PGs were being created"


# --- PG growth -------------------------------------------------------------------------------------------

GROWTH = PgGrowth(pool_id=3, pool_name="big", initial=8, final=40, block=16, pgp_num=40)


def growth_plan():
    return plan(PG_GROWTH, pg_growth=GROWTH, headline="Growing pool 'big' to 40 PGs",
                commands=(("osd pool set", {"pool": "big", "var": "pg_num", "val": "24"}),))


def growth_map(epoch, pg_num):
    return osd_map(epoch, (3, "big", pg_num, epoch))


def answer(state, job_id, epoch, now):
    state, _ = rm.job_sent(state, job_id, now)
    return rm.on_job_result(state, ok(job_id=job_id, epoch=epoch), epoch - 1, now)


def test_pg_growth_steps_pg_num_block_by_block_then_sets_pgp_num():
    state, _ = submitted(growth_plan())
    assert (state.pg_goal, state.pg_step, rm.growth_steps(GROWTH)) == (24, 1, 2)
    state, _ = rm.on_job_result(state, ok(epoch=10), 9, 101.0)
    assert state.status == "Waiting for OSD map epoch 10"
    state, _ = rm.on_osd_map(state, 10, growth_map(10, 24), 102.0)
    assert state.status == "Creating PGs of pool 'big' (8/40), step 1 of 2"
    state, actions = rm.on_pg_summary(state, pgs(3, active_clean=8, creating=16), 103.0)
    assert actions == () and state.status == "Creating PGs of pool 'big' (8/40), step 1 of 2"
    state, _ = rm.on_pg_summary(state, pgs(3, active_clean=20, creating=4), 104.0)
    assert state.status == "Creating PGs of pool 'big' (20/40), step 1 of 2"
    state, actions = rm.on_pg_summary(state, pgs(3, active_clean=24), 105.0)
    assert actions == (rm.SendJob("rados_commands", {"fsid": FSID, "commands": [
        ["osd pool set", {"pool": "big", "var": "pg_num", "val": "40"}]]}),)
    assert (state.phase, state.pg_goal) == ("job", 40)
    assert state.status == "Creating PGs of pool 'big' (24/40), step 2 of 2"
    state, _ = answer(state, "j2", 12, 106.0)
    assert state.status == "Waiting for OSD map epoch 12"
    state, _ = rm.on_osd_map(state, 12, growth_map(12, 40), 107.0)
    state, actions = rm.on_pg_summary(state, pgs(3, active_clean=40), 108.0)
    assert actions == (rm.SendJob("rados_commands", {"fsid": FSID, "commands": [
        ["osd pool set", {"pool": "big", "var": "pgp_num", "val": "40"}]]}),)
    state, _ = answer(state, "j3", 13, 109.0)
    assert state.status == "Waiting for OSD map epoch 13"
    done, actions = rm.on_osd_map(state, 13, growth_map(13, 40), 110.0)
    assert (done.status, actions) == ("Completed successfully", ())


def test_pg_growth_fails_when_pg_num_did_not_change():
    state, _ = submitted(growth_plan())
    state, _ = rm.on_job_result(state, ok(epoch=10), 9, 101.0)
    done, _ = rm.on_osd_map(state, 10, growth_map(10, 8), 102.0)
    assert done.error_message == ("PG creation failed (check that there aren't already PGs in "
                                  "'creating' state)")


def test_pg_growth_accepts_a_ramping_pg_num_with_the_target_set():
    state, _ = submitted(growth_plan())
    state, _ = rm.on_job_result(state, ok(epoch=10), 9, 101.0)
    ramping = growth_map(10, 12)
    ramping["pools"][0]["pg_num_target"] = 24
    state, _ = rm.on_osd_map(state, 10, ramping, 102.0)
    assert state.phase == "pgs"


def test_pg_growth_is_interrupted_by_an_unexpected_pg_num_change():
    state, _ = submitted(growth_plan())
    state, _ = rm.on_job_result(state, ok(epoch=10), 9, 101.0)
    state, _ = rm.on_osd_map(state, 10, growth_map(10, 24), 102.0)
    done, _ = rm.on_osd_map(state, 11, growth_map(11, 32), 103.0)
    assert done.status == "Failed (PG creation interrupted (unexpected change to pg_num))"


# --- deadlines ------------------------------------------------------------------------------------------

def test_an_unanswered_job_times_out():
    state, _ = submitted(plan(), now=100.0)
    assert rm.on_tick(state, 159.9)[0] is state
    done, actions = rm.on_tick(state, 160.0)
    assert (done.error_message, actions) == ("No answer from server mon-a within 60 s", ())


def test_a_map_that_never_comes_times_out():
    state, _ = submitted(plan())
    state, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    assert rm.on_tick(state, 229.0)[0] is state
    done, _ = rm.on_tick(state, 230.0)
    assert done.status == "Failed (Timed out waiting for OSD map epoch 7)"


def test_pg_creation_times_out_only_without_progress():
    state, _ = submitted(pool_plan())
    state, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    state, _ = rm.on_osd_map(state, 7, osd_map(7, (2, "p", 8, 7)), 200.0)
    state, _ = rm.on_pg_summary(state, pgs(2, creating=5, active_clean=3), 700.0)   # progress
    assert rm.on_tick(state, 1000.0)[0] is state
    state, _ = rm.on_pg_summary(state, pgs(2, creating=5, active_clean=3), 900.0)   # none
    assert state.deadline == 1300.0
    done, _ = rm.on_tick(state, 1300.0)
    assert done.error_message == "PG creation stalled at 3/8 PGs"


# --- cancel, fail, idempotence ---------------------------------------------------------------------------

def test_cancel_completes_once_with_its_own_status():
    state, _ = submitted(plan())
    done, actions = rm.cancel(state, 120.0)
    assert (done.status, done.error, done.error_message, done.job_id, actions) == \
        ("Cancelled", True, "Cancelled", None, ())
    assert rm.cancel(done, 121.0) == (done, ())


def test_completing_twice_is_a_no_op():
    state, _ = submitted(plan())
    done, _ = rm.fail(state, "boom", 120.0)
    for again in (rm.fail(done, "other", 130.0), rm.on_tick(done, 10_000.0), rm.cancel(done, 130.0),
                  rm.on_job_result(done, ok(), None, 130.0), rm.on_osd_map(done, 99, osd_map(99), 130.0),
                  rm.on_pg_summary(done, pgs(1), 130.0)):
        assert again[0] is done and again[1] == ()
    assert (done.error_message, done.completed_at) == ("boom", 120.0)


def test_an_internal_error_in_a_map_completes_the_request():
    state, _ = submitted(pool_plan())
    state, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    done, _ = rm.guarded(rm.on_osd_map, state, 7, None, now=111.0)
    assert done.status == "Failed (Internal error: the OSD map is not a map)"


# --- held maps, favourite changes, restarts ---------------------------------------------------------------

def test_settle_feeds_maps_already_held():
    state, _ = submitted(pool_plan())
    state, _ = rm.on_job_result(state, ok(epoch=7), 7, 110.0)
    done, actions = rm.settle(state, (7, osd_map(7, (2, "p", 8, 7))), pgs(2, active_clean=8), 111.0)
    assert (done.status, actions) == ("Completed successfully", ())
    waiting, _ = rm.on_job_result(submitted(plan())[0], ok(epoch=9), 7, 110.0)
    assert rm.settle(waiting, (7, osd_map(7)), None, 111.0) == (waiting, ())


def test_settle_stops_at_the_next_job():
    state, _ = submitted(growth_plan())
    state, _ = rm.on_job_result(state, ok(epoch=10), 10, 101.0)
    state, actions = rm.settle(state, (10, growth_map(10, 24)), pgs(3, active_clean=24), 102.0)
    assert state.phase == "job" and [type(a) for a in actions] == [rm.SendJob]


def test_a_new_favourite_takes_later_steps_and_a_job_out_on_the_old_one_keeps_its_chance():
    state, _ = submitted(plan())
    assert rm.lose_contact(state, "mon-b", "mon-c", 120.0)[0] is state
    moved_out, _ = rm.lose_contact(state, "mon-a", "mon-b", 120.0)
    assert (moved_out.state, moved_out.minion, moved_out.job_host) == ("submitted", "mon-b", "mon-a")
    answered, _ = rm.on_job_result(moved_out, ok(epoch=7), 5, 121.0)       # the old host did answer
    assert answered.status == "Waiting for OSD map epoch 7"
    lost, _ = rm.on_tick(moved_out, 100.0 + T.job_s + 1)                      # it never does
    assert lost.status == f"Failed (Lost contact with server mon-a: no answer within {T.job_s:g} s)"
    waiting, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    moved, actions = rm.lose_contact(waiting, "mon-a", "mon-b", 120.0)
    assert (moved.state, moved.minion, actions) == ("submitted", "mon-b", ())


def test_resume_judges_a_rados_job_that_was_out_and_restarts_map_waits():
    state, _ = submitted(plan())
    verifying, actions = rm.resume(state, rm.Timeouts(map_s=30.0), 500.0)
    assert (verifying.phase, verifying.job_id, verifying.deadline, actions) == ("verify", None, 530.0, ())
    assert verifying.status == "Interrupted by a restart: checking whether the cluster applied it"
    waiting, _ = rm.on_job_result(state, ok(epoch=7), 5, 110.0)
    again, actions = rm.resume(waiting, rm.Timeouts(map_s=30.0), 500.0)
    assert (again.phase, again.deadline, actions) == ("osd_map", 530.0, (rm.NudgeVersion("osd_map", 7),))


def test_resume_fails_a_debug_job_that_was_out_saying_why():
    state, _ = rm.for_debug_job("r1", "selftest_block", {}, "node1", "Debug", None, 100.0, T)
    done, _ = rm.resume(state, T, 500.0)
    assert done.error_message == rm.INTERRUPTED
    assert done.error_message.startswith("Interrupted by a restart of the management server")


def test_an_interrupted_pool_create_the_current_map_shows_waits_for_its_pgs():
    state, _ = submitted(plan(POOL_CREATED, pool_name="p"), held=(5, osd_map(5)))
    verifying, _ = rm.resume(state, T, 500.0)
    waiting, actions = rm.on_map_current(verifying, 9, osd_map(9, (3, "p", 8, 8)), 501.0)
    assert (waiting.phase, waiting.pool_id, waiting.pg_goal, actions) == ("pgs", 3, 8, ())
    done, _ = rm.on_pg_summary(waiting, pgs(3, active_clean=8), 502.0)
    assert done.status == "Completed successfully"


def test_an_interrupted_change_the_current_map_does_not_show_fails_as_not_applied():
    state, _ = submitted(plan(POOL_CREATED, pool_name="p"), held=(5, osd_map(5)))
    verifying, _ = rm.resume(state, T, 500.0)
    done, actions = rm.on_map_current(verifying, 9, osd_map(9, (3, "other", 8, 8)), 501.0)
    assert (done.state, actions) == ("complete", ())
    assert done.error_message == rm.NOT_APPLIED
    assert done.error_message.endswith("the cluster's current OSD map does not show it applied")


def test_an_interrupted_scrub_cannot_be_judged_and_fails_asking_to_check():
    state, _ = submitted(plan(JOB, commands=(("osd scrub", {"who": "0"}),)))
    verifying, _ = rm.resume(state, T, 500.0)
    done, _ = rm.on_map_current(verifying, 9, osd_map(9), 501.0)
    assert done.error_message == rm.INTERRUPTED


def test_an_interrupted_osd_map_change_shown_applied_completes():
    state, _ = submitted(plan(commands=(("osd set", {"key": "noout"}),)))
    verifying, _ = rm.resume(state, T, 500.0)
    done, _ = rm.on_map_current(verifying, 9, dict(osd_map(9), flags="noout,sortbitwise"), 501.0)
    assert done.status == "Completed successfully"


def test_without_a_current_map_the_check_times_out_saying_so():
    state, _ = submitted(plan())
    verifying, _ = rm.resume(state, rm.Timeouts(map_s=30.0), 500.0)
    assert rm.on_tick(verifying, 529.0)[0] is verifying
    done, _ = rm.on_tick(verifying, 531.0)
    assert done.error_message == f"{rm.INTERRUPTED} (no current OSD map from the cluster within 30 s)"


def test_a_growth_step_remembers_its_own_command_for_a_restart():
    growth = PgGrowth(pool_id=1, pool_name="p", initial=8, final=64, block=32, pgp_num=64)
    state, _ = submitted(plan(PG_GROWTH, pg_growth=growth), held=(5, osd_map(5, (1, "p", 8, 5))))
    state, _ = rm.on_job_result(state, ok(epoch=7), 5, 101.0)
    state, _ = rm.on_osd_map(state, 7, osd_map(7, (1, "p", 40, 7)), 102.0)
    state, actions = rm.on_pg_summary(state, pgs(1, active_clean=40), 103.0)
    assert state.commands == (("osd pool set", {"pool": "p", "var": "pg_num", "val": "64"}),)
    assert actions[0].args["commands"] == [list(state.commands[0])]


def test_state_survives_a_msgpack_round_trip():
    state, _ = submitted(growth_plan(), held=(5, osd_map(5)))
    state, _ = rm.on_job_result(state, ok(epoch=10), 9, 101.0)
    data = msgpack.unpackb(msgpack.packb(rm.to_data(state), use_bin_type=True), raw=False)
    assert rm.from_data(data) == state
    done, _ = rm.cancel(submitted(pool_plan(), held=(5, osd_map(5, (1, "p", 8, 5))))[0], 3.0)
    assert rm.from_data(msgpack.unpackb(msgpack.packb(rm.to_data(done)), raw=False)) == done


# --- maps replaced (a cluster rebuilt under the same fsid) ------------------------------------------

def test_a_request_waiting_for_an_epoch_of_the_replaced_history_is_judged_by_the_new_map():
    state, _ = submitted(pool_plan(), held=(40, osd_map(40, (1, "rbd", 32, 3))))
    waiting, _ = rm.on_job_result(state, ok(epoch=41), 40, 110.0)
    assert waiting.status == "Waiting for OSD map epoch 41"
    # The new history has the pool (with a low last_change and an id once taken): carried on.
    found, actions = rm.on_maps_replaced(waiting, 40, 30, osd_map(30, (1, "p", 8, 29)), 111.0)
    assert actions == () and (found.phase, found.pool_id, found.pg_goal) == ("pgs", 1, 8)
    # It does not: failed, saying why.
    lost, actions = rm.on_maps_replaced(waiting, 40, 30, osd_map(30, (1, "rbd", 32, 3)), 111.0)
    assert (lost.state, actions) == ("complete", ()) and lost.error_message == (
        "The cluster's maps were replaced (OSD map epoch 40 stored, 30 reported by the cluster); "
        "its current OSD map does not show it applied")
    # Waiting for PGs: carries on while the pool is there, else fails.
    assert rm.on_maps_replaced(found, 40, 30, osd_map(30, (1, "p", 8, 29)), 112.0)[0] is found
    gone, _ = rm.on_maps_replaced(found, 40, 30, osd_map(30, (1, "other", 8, 29)), 112.0)
    assert gone.error_message.endswith("they no longer show pool 'p'")
    # A job still out answers with the new history's epochs: nothing to judge yet.
    assert rm.on_maps_replaced(state, 40, 30, osd_map(30), 112.0)[0] is state
