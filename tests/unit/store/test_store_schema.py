"""Schema creation and migration: versions, older data dirs, newer databases, on each backend."""
from __future__ import annotations

import sqlite3

import pytest

from actors.runtime.base import ask
from actors.storage.actor import StoreActor
from actors.events import INFO, Event
from actors.storage.messages import GetUserByName, ListEvents, LoadRequests, LoadState, SaveEvents, SaveServer
from store.db import create_schema, open_database, redact
from store.migrations import LATEST, MIGRATIONS, SchemaError, upgrade
from store.models import ALL_MODELS
from tests.db_backends import empty_schema, rows
from tests.unit.store.schema_helpers import UNVERSIONED


def test_missing_columns_are_added_to_an_older_database(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE clusters (fsid TEXT PRIMARY KEY, name TEXT NOT NULL, update_time REAL)")
        old.execute("INSERT INTO clusters VALUES ('f1', 'ceph', 1.0)")
    create_schema(open_database(str(path)))
    with sqlite3.connect(path) as upgraded:
        columns = [row[1] for row in upgraded.execute("PRAGMA table_info(clusters)")]
        rows = upgraded.execute("SELECT fsid, name, late FROM clusters").fetchall()
    assert "late" in columns and rows == [("f1", "ceph", 0)]


# schema versions (store/migrations.py) -------------------------------------------------------------

def versions(url) -> list[int]:
    return [v for (v,) in rows(url, "SELECT version FROM schema_version ORDER BY version")]


def test_an_empty_database_gets_every_migration_once(db_url):
    assert create_schema(open_database(db_url)) == LATEST
    assert create_schema(open_database(db_url)) == LATEST      # a restart applies nothing again
    assert versions(db_url) == list(range(1, LATEST + 1))
    assert rows(db_url, "SELECT count(*) FROM events") == [(0,)]


def test_a_database_from_before_versioning_is_upgraded_and_keeps_its_rows(tmp_path):
    path = str(tmp_path / "old.db")
    with sqlite3.connect(path) as old:
        for statement in UNVERSIONED:
            old.execute(statement)
    store = StoreActor.start(path)
    state = ask(store, LoadState).result(timeout=10)
    assert [(c.fsid, c.name, c.update_time, c.late) for c in state.clusters] == [
        ("f1", "ceph", 1700000000.25, False)]
    assert ask(store, lambda r: ListEvents("f1", None, None, 0, 10, r)).result(timeout=10) == (
        1, [{"when": 1700000000.5, "severity": 3, "message": "osd.0 down"}])
    assert [r["id"] for r in ask(store, LoadRequests).result(timeout=10)] == ["r1"]
    assert ask(store, lambda r: GetUserByName("admin", r)).result(timeout=10)["role"] is None
    store.stop()
    assert versions(path) == list(range(1, LATEST + 1))
    assert "sessions" in {name for (name,) in rows(path, "SELECT name FROM sqlite_master")}


def test_a_database_newer_than_the_code_is_refused_and_left_alone(db_url):
    create_schema(open_database(db_url))
    rows(db_url, "INSERT INTO schema_version (version, applied_at) VALUES (?, 0)", (LATEST + 1,))
    with pytest.raises(SchemaError, match=f"schema version {LATEST + 1}, newer than this Calamari"):
        create_schema(open_database(db_url))
    assert versions(db_url)[-1] == LATEST + 1


def _upgrade(url, migrations) -> int:
    db = open_database(url)
    db.connect()
    try:
        with db.bind_ctx(ALL_MODELS):
            return upgrade(db, migrations)
    finally:
        db.close()


def test_later_migrations_run_in_order_and_a_failing_one_is_rolled_back(db_url):
    applied = []

    def second(db):
        applied.append(2)
        db.execute_sql("CREATE TABLE extra (n INTEGER)")

    def third(db):
        applied.append(3)
        db.execute_sql("INSERT INTO extra VALUES (3)")
        db.execute_sql("ALTER TABLE extra ADD COLUMN m INTEGER")
        raise RuntimeError("migration 3 is broken")

    baseline = MIGRATIONS[:1]
    assert _upgrade(db_url, baseline + [(2, "extra table", second)]) == 2
    with pytest.raises(RuntimeError, match="broken"):
        _upgrade(db_url, baseline + [(2, "extra table", second), (3, "broken", third)])
    assert applied == [2, 3]                      # 2 was not run again
    assert versions(db_url) == [1, 2]
    assert rows(db_url, "SELECT * FROM extra") == []   # 3's insert and column went with it


def test_a_url_password_is_decoded_for_the_driver_and_masked_for_people():
    url = "postgresql://calamari:p%40ss%3Aw0rd@db.example.com:5433/calamari"
    assert open_database(url).connect_params["password"] == "p@ss:w0rd"
    assert redact(url) == "postgresql://calamari:***@db.example.com:5433/calamari"
    assert redact("postgresql://calamari:p@ss@db.example.com/c") == "postgresql://calamari:***@db.example.com/c"
    assert redact("/var/lib/calamari/calamari.sqlite3") == "/var/lib/calamari/calamari.sqlite3"


def test_epoch_times_keep_their_fraction_and_ids_pass_32_bits(db_url):
    """PostgreSQL would round a 4-byte REAL epoch to minutes and stop a SERIAL id at 2**31."""
    create_schema(open_database(db_url))
    big = 2**31 + 5
    if "://" in db_url:
        for table in ("events", "servers", "sync_objects"):
            rows(db_url, f"SELECT setval('{table}_id_seq', ?)", (big,))
    else:   # SQLite's next rowid is the largest plus one
        rows(db_url, "INSERT INTO events (id, \"when\", severity, message) VALUES (?, 0, 5, 'x')", (big,))
    store = StoreActor.start(db_url)
    store.tell(SaveEvents((Event(1700000000.123456, INFO, "after 2**31", fsid="f1"),)))
    store.tell(SaveServer({"fqdn": "node1.example.com", "last_contact": 1700000000.5}))
    assert ask(store, lambda r: ListEvents("f1", None, None, 0, 10, r)).result(timeout=10) == (
        1, [{"when": 1700000000.123456, "severity": INFO, "message": "after 2**31"}])
    assert ask(store, LoadState).result(timeout=10).servers[0]["last_contact"] == 1700000000.5
    assert rows(db_url, "SELECT max(id) FROM events") == [(big + 1,)]


def test_a_start_does_not_wait_behind_a_transaction_that_wrote_to_a_table(postgres_module_url):
    """Another member's open write transaction (or a paused one's) must not hold up a start:
    `CREATE INDEX IF NOT EXISTS` would queue behind it for an index that exists."""
    import psycopg2
    url = postgres_module_url
    empty_schema(url)
    create_schema(open_database(url))
    writer = psycopg2.connect(url)
    try:
        writer.cursor().execute("INSERT INTO events (\"when\", severity, message) VALUES (1.0, 3, 'open')")
        # A start that queued behind the writer fails after 2 s instead of hanging the test.
        assert create_schema(open_database(url + "?options=-c%20lock_timeout%3D2000")) == LATEST
    finally:
        writer.rollback()
        writer.close()
