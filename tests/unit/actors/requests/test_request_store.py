"""The requests table through the StoreActor: upsert, newest-first bounded load, bad rows."""
from __future__ import annotations

from actors.requests import machine as rm
from actors.storage import messages as m
from actors.runtime.base import ask
from actors.requests.plans import PG_GROWTH, PgGrowth, Plan
from actors.requests.tracker import dump, from_row, row
from store import queries
from tests import db_backends
from tests.db_backends import rows

FSID = "d5ee9ec2-1111-4c0e-9c3e-5b5c3a3f0001"
store = db_backends.store_on_each_backend    # every `store` test here runs on each backend


def load(ref) -> list[dict]:
    return ask(ref, m.LoadRequests).result(timeout=10)


def request_row(request_id="r1", requested_at=100.0, **overrides) -> dict:
    record = {"id": request_id, "fsid": FSID, "state": "submitted", "error": False,
              "error_message": "", "headline": "Creating pool 'p'", "status": "Running",
              "requested_at": requested_at, "completed_at": None, "requested_by": "admin",
              "data": {"phase": "job", "known_pool_ids": [1, 2], "growth": {"pool_id": 3}}}
    record.update(overrides)
    return record


def test_a_request_row_round_trips(store, db_url):
    store.tell(m.SaveRequest(request_row()))
    assert load(store) == [request_row()]
    if "://" not in db_url:
        indexes = " ".join(sql for (sql,) in rows(
            db_url, "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='requests' AND sql IS NOT NULL"))
    else:
        indexes = " ".join(sql for (sql,) in rows(
            db_url, "SELECT indexdef FROM pg_indexes WHERE tablename = 'requests'"))
    assert "requested_at" in indexes


def test_save_is_an_upsert_by_id(store):
    store.tell(m.SaveRequest(request_row()))
    done = request_row(state="complete", error=True, error_message="Cancelled", status="Cancelled",
                       completed_at=130.5, data=None)
    store.tell(m.SaveRequest(done))
    assert load(store) == [done]


def test_load_is_newest_first_and_bounded(store, monkeypatch):
    for n, at in enumerate([300.0, 100.0, 400.0, 200.0]):
        store.tell(m.SaveRequest(request_row(f"r{n}", at, fsid=None, requested_by=None)))
    assert [r["id"] for r in load(store)] == ["r2", "r0", "r3", "r1"]
    monkeypatch.setattr(queries, "REQUESTS_LOADED", 2)
    assert [r["id"] for r in load(store)] == ["r2", "r0"]


def test_a_bad_row_is_refused_and_the_store_carries_on(store):
    store.tell(m.SaveRequest(request_row(state="exploded")))
    store.tell(m.SaveRequest(request_row("", 1.0)))
    store.tell(m.SaveRequest(request_row("fine")))
    assert [r["id"] for r in load(store)] == ["fine"]
    assert store.proxy().failed_writes.get(timeout=5) == 2


def test_undecodable_data_loads_as_none(store, db_url):
    store.tell(m.SaveRequest(request_row()))
    load(store)
    rows(db_url, "UPDATE requests SET data = ? WHERE id = 'r1'", (b"\xc1\xc1",))
    (loaded,) = load(store)
    assert loaded["data"] is None and loaded["headline"] == "Creating pool 'p'"


def test_a_tracker_row_restores_to_the_same_request(store):
    growth = PgGrowth(pool_id=3, pool_name="big", initial=8, final=40, block=16, pgp_num=40)
    plan = Plan("Growing pool 'big' to 40 PGs", (("osd pool set", {"pool": "big", "var": "pg_num", "val": "24"}),),
                completion=PG_GROWTH, pg_growth=growth)
    state, _ = rm.start("r7", plan, FSID, "ceph", "mon-a", "admin", 50.0)
    state, _ = rm.job_sent(state, "j1", 50.0)
    store.tell(m.SaveRequest(row(state)))
    (loaded,) = load(store)
    assert from_row(loaded) == state
    assert dump(from_row(loaded)) == dump(state)
