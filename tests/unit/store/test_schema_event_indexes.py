"""Migration 2 (store/migrations.py): the event list's indexes replace the narrower ones in a
data dir of the previous release, in place, rows kept, on each backend."""
from __future__ import annotations

import sqlite3

from actors.storage import messages as m
from actors.runtime.base import ask
from actors.storage.actor import StoreActor
from store.db import create_schema, open_database
from store.migrations import EVENT_INDEXES_SUPERSEDED, LATEST, MIGRATIONS, upgrade
from store.models import ALL_MODELS
from tests.db_backends import rows
from tests.unit.store.schema_helpers import NEW, RELEASE_1, UNVERSIONED, event_indexes, release_1_database


def test_a_fresh_database_has_the_new_indexes_only(db_url):
    assert create_schema(open_database(db_url)) == LATEST >= 2
    assert event_indexes(db_url) == NEW


def test_release_1_event_indexes_are_replaced_in_place_and_rows_kept(db_url):
    release_1_database(db_url)
    assert event_indexes(db_url) == set(EVENT_INDEXES_SUPERSEDED)
    assert create_schema(open_database(db_url)) == LATEST
    assert event_indexes(db_url) == NEW
    assert [v for (v,) in rows(db_url, "SELECT version FROM schema_version ORDER BY version")] == list(range(1, LATEST + 1))
    store = StoreActor.start(db_url)
    try:
        listed = ask(store, lambda r: m.ListEvents(None, None, None, 0, 10, r)).result(10)
        assert listed == (3, [{"when": 20.0, "severity": 1, "message": "c"},
                              {"when": 10.0, "severity": 3, "message": "b"},
                              {"when": 10.0, "severity": 5, "message": "a"}])
        assert ask(store, lambda r: m.ListEvents("f1", None, 3, 0, 10, r)).result(10)[0] == 1
    finally:
        store.stop()
    assert create_schema(open_database(db_url)) == LATEST      # again: nothing left to do
    assert event_indexes(db_url) == NEW


def test_an_unversioned_data_dir_ends_with_the_new_indexes(tmp_path):
    path = str(tmp_path / "old.db")
    with sqlite3.connect(path) as old:
        for statement in UNVERSIONED + RELEASE_1:
            old.execute(statement)
    assert create_schema(open_database(path)) == LATEST
    assert event_indexes(path) == NEW
    assert rows(path, "SELECT message FROM events") == [("osd.0 down",)]


def test_migration_3_flags_the_audit_lines_of_a_release_2_database(db_url):
    """A release-2 events table has no `audit` column: migration 3 adds it and flags the audit
    lines already stored, so they fall under the audit retention from then on."""
    db = open_database(db_url)
    db.connect()
    try:
        with db.bind_ctx(ALL_MODELS):
            assert upgrade(db, MIGRATIONS[:2]) == 2
    finally:
        db.close()
    rows(db_url, 'DROP INDEX "event_audit_when_id"')
    rows(db_url, 'ALTER TABLE "events" DROP COLUMN "audit"')            # as release 2 made it
    for when, message in ((1.0, "Audit: admin POST /api/v2/user -> 201"), (2.0, "OSD osd.1 is down"),
                          (3.0, "Audit: anonymous POST /x -> 401")):
        rows(db_url, 'INSERT INTO events ("when", severity, message) VALUES (?, 5, ?)', (when, message))
    assert create_schema(open_database(db_url)) == LATEST
    flagged = rows(db_url, 'SELECT message, audit FROM events ORDER BY "when"')
    assert [(message, bool(audit)) for message, audit in flagged] == [
        ("Audit: admin POST /api/v2/user -> 201", True), ("OSD osd.1 is down", False),
        ("Audit: anonymous POST /x -> 401", True)]
    assert "event_audit_when_id" in event_indexes(db_url)
