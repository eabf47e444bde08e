"""What a request did (actors/requests/history.py) and which requests a list shows
(actors/requests/listing.py), on the pure machine's states."""
from __future__ import annotations

from actors.requests import history, listing, machine as rm
from actors.requests.messages import RequestFilter
from actors.requests.plans import OSD_MAP, Plan
from bus.protocol import JobResult

PLAN = Plan(headline="Modifying pool 'rbd'", commands=(
    ("osd pool set", {"pool": "rbd", "var": "size", "val": "2"}),
    ("osd pool set", {"pool": "rbd", "var": "min_size", "val": "1"})), completion=OSD_MAP)


def sent(now=10.0):
    state, _ = rm.start("r1", PLAN, "fsid", "ceph", "mon-a", "admin", 1.0)
    state = history.phase(state, history.SUBMITTED, 1.0)
    new, _ = rm.job_sent(state, "job-1", now)
    return history.noted(state, new, now)


def test_a_request_notes_its_commands_and_phases_as_they_happen():
    state = sent()
    assert [entry["return_code"] for entry in state.command_log] == [None, None]
    answer = JobResult("job-1", True, {"error": False, "results": [None, "set min_size"],
                                       "versions": {"osd_map": 7}})
    answered = history.answered(state, answer, 11.0)
    new, _ = rm.on_job_result(answered, answer, 7, 11.0)
    waiting = history.noted(answered, new, 11.0)
    new, _ = rm.on_osd_map(waiting, 7, {"pools": []}, 12.5)
    complete = history.noted(waiting, new, 12.5)
    shown = history.shown(complete)
    day = "1970-01-01T00:00:"
    assert [(p["phase"], p["at"]) for p in shown["phases"]] == [
        ("submitted", day + "01+00:00"), ("job sent", day + "10+00:00"),
        ("job answered", day + "11+00:00"), ("map seen", day + "12.500000+00:00"),
        ("complete", day + "12.500000+00:00")]
    assert shown["commands"] == [
        {"prefix": "osd pool set", "args": {"pool": "rbd", "var": "size", "val": "2"},
         "return_code": 0, "message": None},
        {"prefix": "osd pool set", "args": {"pool": "rbd", "var": "min_size", "val": "1"},
         "return_code": 0, "message": "set min_size"}]
    # the job's own copy (kept to judge it after a restart) goes once it is complete: only the
    # history's log keeps what was sent
    assert waiting.commands == PLAN.commands and complete.commands == ()


def test_a_failed_command_has_its_code_and_message_and_the_next_stays_unanswered():
    answer = JobResult("job-1", True, {"error": True, "results": [None],
                                       "error_status": "Error EINVAL: bad min_size"})
    state = history.answered(sent(), answer, 11.0)
    assert [(e["return_code"], e["message"]) for e in state.command_log] == [
        (0, None), (-22, "Error EINVAL: bad min_size")]
    assert history.answered(sent(), JobResult("other", True, {}), 11.0).phases == sent().phases
    assert history.return_code("Error ENOENT: x") == -2 and history.return_code("boom") is None


def test_history_survives_the_store_round_trip():
    state = history.answered(sent(), JobResult("job-1", False, error={"type": "x"}), 11.0)
    state = rm.RequestState(**{**state.__dict__, "changes": {"size": (3, 2)}, "reverts": "r0"})
    import msgpack
    back = rm.from_data(msgpack.unpackb(msgpack.packb(rm.to_data(state)), strict_map_key=False))
    assert history.shown(back) == history.shown(state)
    assert history.shown(back)["changes"] == {"size": [3, 2]}


def states():
    base = dict(headline="h", fsid="a", kind="update_pool", requested_by="alice")
    return [rm.RequestState(id="1", requested_at=100.0, state="complete", completed_at=105.0, **base),
            rm.RequestState(id="2", requested_at=200.0, **{**base, "requested_by": "bob"}),
            rm.RequestState(id="3", requested_at=300.0, state="complete", completed_at=301.0,
                            **{**base, "fsid": "b", "kind": "create_pool"}),
            rm.RequestState(id="4", requested_at=400.0, state="complete", completed_at=402.0,
                            error=True, **base),
            rm.RequestState(id="5", requested_at=500.0, state="complete", completed_at=500.5,
                            **{**base, "fsid": None, "kind": "job"})]


def ids(found) -> list[str]:
    return [s.id for s in found]


def test_lists_filter_by_each_field():
    held = states()
    assert ids(listing.matching(held, None, RequestFilter())) == ["5", "4", "3", "2", "1"]
    assert ids(listing.matching(held, None, RequestFilter(requested_by="bob"))) == ["2"]
    assert ids(listing.matching(held, None, RequestFilter(kind="create_pool"))) == ["3"]
    assert ids(listing.matching(held, None, RequestFilter(fsid="b"))) == ["3"]
    assert ids(listing.matching(held, "a", RequestFilter(state="complete"))) == ["4", "1"]
    assert ids(listing.matching(held, None, RequestFilter(since=200.0, until=400.0))) == ["4", "3", "2"]


def test_a_clusters_changes_are_its_successful_completed_ones_newest_first():
    held = states()
    held.append(rm.RequestState(id="6", headline="h", fsid="a", kind="update_osd", requested_at=50.0,
                                state="complete", completed_at=600.0, changes={"in": (True, False)}))
    assert ids(listing.completed_changes(held, "a")) == ["6", "1"]
    assert listing.change_row(held[-1]) == {
        "request_id": "6", "headline": "h", "kind": "update_osd", "requested_by": None,
        "changes": {"in": [True, False]}, "requested_at": "1970-01-01T00:00:50+00:00",
        "completed_at": "1970-01-01T00:10:00+00:00", "duration_s": 550.0}
    assert listing.page(list(range(5)), 1, 2) == [1, 2] and listing.page([1], 0, None) == [1]
