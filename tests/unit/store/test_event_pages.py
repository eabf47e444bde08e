"""The event list's query path (store/event_pages.py): order, ties, filters, offsets at the edges
and an exact count through inserts and retention, on each backend, with anchors a few rows apart
so that every page crosses them. Each result is checked against the plain ORDER BY/OFFSET query."""
from __future__ import annotations

import random

import pytest

from actors.storage import messages as m
from actors.storage import retention as rt
from actors.runtime.base import ask
from actors.events import CRITICAL, ERROR, INFO, RECOVERY, WARNING, Event
from actors.storage.actor import StoreActor
from store import event_pages, pruning
from store.db import create_schema, open_database
from store.event_pages import EventPages
from store.models import ALL_MODELS

FILTERS = [(None, None, None), (None, None, INFO), ("f1", None, None), (None, "n1", None),
           (None, None, WARNING), (None, None, CRITICAL), ("f2", None, ERROR), (None, "n2", INFO),
           ("f1", "n1", None), ("nope", None, None)]


@pytest.fixture(autouse=True)
def small_anchors(monkeypatch):
    monkeypatch.setattr(event_pages, "ANCHOR_EVERY", 4)
    monkeypatch.setattr(event_pages, "MAX_DELTA", 60)


@pytest.fixture
def db(db_url):
    database = open_database(db_url)
    database.connect()
    create_schema(database)
    with database.bind_ctx(ALL_MODELS):
        yield database
    database.close()


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def insert(db, rows):
    """rows: (when, severity, fsid, fqdn); the message says which row it is."""
    with db.atomic():
        for when, severity, fsid, fqdn in rows:
            db.execute_sql(f'INSERT INTO events ("when", severity, message, fsid, fqdn) VALUES '
                           f'({db.param}, {db.param}, {db.param}, {db.param}, {db.param})',
                           (float(when), severity, f"{when}/{severity}/{fsid}/{fqdn}", fsid, fqdn))


def plain(db, fsid, fqdn, max_severity) -> list[tuple]:
    """The list as the old single query gave it: every matching row, newest first."""
    conditions, params = [], []
    for column, op, value in (("fsid", "=", fsid), ("fqdn", "=", fqdn), ("severity", "<=", max_severity)):
        if value is not None:
            conditions.append(f'"{column}" {op} {db.param}')
            params.append(value)
    where = " AND ".join(conditions) or "1 = 1"
    return [tuple(row) for row in db.execute_sql(
        f'SELECT "when", severity, message FROM events WHERE {where} ORDER BY "when" DESC, id DESC',
        params).fetchall()]


def page(pages, db, f, offset, limit):
    with db.atomic():
        count, rows = pages.list(db, *f, offset, limit)
    return count, [(r["when"], r["severity"], r["message"]) for r in rows]


def check_every_page(pages, db, filters=FILTERS, sizes=(1, 3, 4, 5, None)) -> int:
    """Every offset (and some past the end) of every filter against the plain query."""
    checked = 0
    for f in filters:
        with db.atomic():
            expected = plain(db, *f)
        for offset in range(-1, len(expected) + 3):
            for limit in sizes:
                want = expected[max(0, offset):] if limit is None else expected[max(0, offset):max(0, offset) + limit]
                assert page(pages, db, f, offset, limit) == (len(expected), want), (f, offset, limit)
                checked += 1
    return checked


def mixed_rows(rng, count, start):
    rows = []
    for i in range(count):
        when = start + i // 3 if rng.random() < 0.5 else start + rng.random() * count   # many ties
        rows.append((when, rng.choice((CRITICAL, ERROR, WARNING, RECOVERY, INFO)),
                     rng.choice(("f1", "f2", None)), rng.choice(("n1", "n2", "n3", None))))
    return rows


def test_newest_first_ties_by_id_every_filter_and_offset(db):
    rng = random.Random(1)
    insert(db, mixed_rows(rng, 90, 1000))
    insert(db, [(1000.0, INFO, "f1", "n1")] * 9)          # a run of ties across several anchors
    pages = EventPages()
    assert check_every_page(pages, db) > 1000
    assert pages.rebuilds == len(FILTERS)                   # laid once, then reused


def test_ties_by_id_and_the_edges_of_the_list(db):
    insert(db, [(5.0, INFO, "f1", None)] * 10 + [(7.0, WARNING, None, "n1"), (3.0, INFO, None, None)])
    pages = EventPages()
    count, rows = page(pages, db, (None, None, None), 0, None)
    assert count == 12 and [r[0] for r in rows] == [7.0] + [5.0] * 10 + [3.0]
    ids = [row[0] for row in db.execute_sql('SELECT id FROM events WHERE "when" = 5 ORDER BY id DESC')]
    with db.atomic():   # ties: the newest id first, page after page
        tied = [r for offset in range(0, 10, 3) for r in pages.list(db, "f1", None, None, offset, 3)[1]]
    assert [r["message"] for r in tied] == [r[2] for r in rows[1:11]]
    assert len(tied) == len(ids) == 10
    assert page(pages, db, (None, None, None), 11, 5) == (12, [rows[-1]])     # the last row alone
    assert page(pages, db, (None, None, None), 12, 5) == (12, [])              # just past the end
    assert page(pages, db, (None, None, None), 10**9, 5) == (12, [])
    assert page(pages, db, (None, None, None), -3, 1) == (12, rows[:1])        # negative: from 0
    assert page(pages, db, (None, None, None), 0, 0) == (12, [])
    assert page(pages, db, ("none", None, None), 0, 10) == (0, [])


def test_an_empty_table(db):
    assert page(EventPages(), db, (None, None, None), 0, 10) == (0, [])
    assert page(EventPages(), db, (None, None, INFO), 5, None) == (0, [])


def test_count_and_pages_stay_exact_through_inserts_and_prunes(db):
    """Inserts (new, tied and old-dated), retention batches by age and by count, in turns; the
    anchors are brought up to date, not rebuilt, as long as few rows came in."""
    rng = random.Random(2)
    pages = EventPages()
    insert(db, mixed_rows(rng, 40, 1000))
    check_every_page(pages, db, sizes=(3, None))
    built = pages.rebuilds
    clock = 2000
    for step in range(12):
        rows = mixed_rows(rng, rng.randrange(1, 15), clock)
        if step % 3 == 0:   # dated before everything (not the newest id: retention takes it first)
            rows.insert(0, (5.0, INFO, "f1", "n1"))
        insert(db, rows)
        clock += 100
        with db.atomic():
            if step % 2:
                pruning.prune_events(None, max_count=max(0, len(plain(db, None, None, None)) - 7), limit=5)
            else:
                pruning.prune_events(cutoff=1000 + step * 40, max_count=None, limit=6)
        check_every_page(pages, db, sizes=(3,))
    check_every_page(pages, db, sizes=(1, None))
    assert pages.rebuilds == built      # each change was folded in


def test_audit_and_other_events_pruned_apart_keep_every_page_exact(db):
    """Retention prunes audit entries and the rest each under its own limits: a deletion is then
    not the oldest rows of a list (older audit rows outlive newer others). The prune mark
    re-ranks the anchors below it; every page and count stays what the plain query says."""
    rng = random.Random(3)
    insert(db, mixed_rows(rng, 60, 1000))
    db.execute_sql('UPDATE events SET audit = TRUE WHERE id - id / 3 * 3 = 0')    # a third are audit entries (no % for psycopg2)
    pages = EventPages()
    check_every_page(pages, db, sizes=(3, None))
    clock = 2000
    for step in range(8):
        insert(db, mixed_rows(rng, rng.randrange(3, 12), clock))
        if step % 2:
            db.execute_sql(f'UPDATE events SET audit = TRUE WHERE "when" >= {clock} AND id - id / 2 * 2 = 0')
        clock += 100
        others = len([r for r in db.execute_sql("SELECT id FROM events WHERE NOT audit")])
        with db.atomic():
            pruning.prune_events(None, max(0, others - 9), 7, audit_cutoff=1000 + step * 25)
        check_every_page(pages, db, sizes=(3,))
    check_every_page(pages, db, sizes=(1, None))
    audit = [row[0] for row in db.execute_sql('SELECT "when" FROM events WHERE audit')]
    others = [row[0] for row in db.execute_sql('SELECT "when" FROM events WHERE NOT audit')]
    assert min(audit) < min(others)          # old audit entries outlived newer others


def test_pruning_everything_then_inserting_again(db):
    """SQLite hands out the same ids again once the newest rows are gone: a rebuild, not a
    stale answer."""
    pages = EventPages()
    insert(db, [(float(t), INFO, "f1", None) for t in range(30)])
    check_every_page(pages, db, filters=FILTERS[:3], sizes=(4,))
    with db.atomic():
        assert pruning.prune_events(cutoff=100.0, max_count=None, limit=1000) == 30
    check_every_page(pages, db, filters=FILTERS[:3], sizes=(4,))
    insert(db, [(float(t), WARNING, "f1", "n1") for t in range(200, 212)])
    check_every_page(pages, db, filters=FILTERS[:5], sizes=(4,))


def test_many_rows_added_at_once_or_an_old_cache_mean_a_rebuild(db):
    clock = Clock()
    pages = EventPages(clock)
    insert(db, [(float(t), INFO, None, None) for t in range(20)])
    page(pages, db, (None, None, None), 0, 1)
    insert(db, [(float(t), INFO, None, None) for t in range(20, 100)])   # > MAX_DELTA ids
    assert page(pages, db, (None, None, None), 50, 1)[0] == 100
    assert pages.rebuilds == 2
    insert(db, [(100.0, INFO, None, None)])
    assert page(pages, db, (None, None, None), 0, 1)[0] == 101 and pages.rebuilds == 2
    clock.now += event_pages.REBUILD_AFTER_S + 1
    assert page(pages, db, (None, None, None), 0, 1)[0] == 101 and pages.rebuilds == 3


def test_the_least_recently_used_filters_are_forgotten(db, monkeypatch):
    monkeypatch.setattr(event_pages, "MAX_FILTERS", 2)
    pages = EventPages()
    insert(db, [(1.0, INFO, "f1", None)])
    for f in (("f1", None, None), ("f2", None, None), ("f1", None, None), ("f3", None, None)):
        page(pages, db, f, 0, 1)
    assert set(pages._cache) == {("f1", None, None), ("f3", None, None)}


def test_another_connection_writes_while_this_one_reads(db_url, db):
    """The event reader's situation: its own connection, the writes on another."""
    reader = open_database(db_url)
    reader.connect()
    try:
        pages = EventPages()
        rng = random.Random(3)
        for step in range(6):
            insert(db, mixed_rows(rng, 15, 100 * step))
            with db.atomic():
                pruning.prune_events(None, max_count=40, limit=100)
            with db.atomic():
                expected = {f: plain(db, *f) for f in FILTERS}
            for f, rows in expected.items():
                for offset in (0, 5, len(rows) - 1):
                    with reader.atomic():
                        count, got = pages.list(reader, *f, offset, 4)
                    assert (count, [(r["when"], r["severity"], r["message"]) for r in got]) == (
                        len(rows), rows[max(0, offset):max(0, offset) + 4])
    finally:
        reader.close()


# through the store actor ----------------------------------------------------------------------------

def call(ref, message_type, *args):
    return ask(ref, lambda reply: message_type(*args, reply=reply)).result(timeout=10)


def test_the_store_counts_exactly_after_its_own_retention(db_url):
    store = StoreActor.start(db_url)
    try:
        store.tell(m.SaveEvents(tuple(Event(float(t), INFO if t % 3 else WARNING, f"e{t}", fsid="f1")
                                      for t in range(50))))
        assert call(store, m.ListEvents, None, None, None, 0, 3) == (
            50, [{"when": float(t), "severity": INFO if t % 3 else WARNING, "message": f"e{t}"}
                 for t in (49, 48, 47)])
        assert call(store, m.ListEvents, "f1", None, WARNING, 16, 5)[0] == 17
        assert call(store, m.PruneHistory, rt.Retention(None, 20), rt.Retention(), 100) == (30, 0)
        count, rows = call(store, m.ListEvents, None, None, None, 17, 10)
        assert count == 20 and [r["message"] for r in rows] == ["e32", "e31", "e30"]
        assert call(store, m.ListEvents, "f1", None, WARNING, 0, None)[0] == 7   # 30, 33, …, 48
        store.tell(m.SaveEvents((Event(100.0, CRITICAL, "newest", fsid="f1"),)))
        assert call(store, m.ListEvents, "f1", None, WARNING, 0, 1) == (
            8, [{"when": 100.0, "severity": CRITICAL, "message": "newest"}])
    finally:
        store.stop()
