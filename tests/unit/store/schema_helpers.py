"""Databases as earlier releases left them, for the schema and migration tests (and the system
test of a daemon opening one): tables from before schema versions, release 1's event indexes."""
from __future__ import annotations

from store.db import open_database
from store.migrations import EVENT_PAGE_INDEXES, MIGRATIONS, upgrade
from store.models import ALL_MODELS
from tests.db_backends import rows

# Tables as a data dir from before schema versions (and before roles and "late") has them, as
# peewee created them then: no schema_version table, fewer columns.
UNVERSIONED = (
    'CREATE TABLE "users" ("id" INTEGER NOT NULL PRIMARY KEY, "username" TEXT NOT NULL, "email" TEXT NOT NULL, '
    '"password_hash" TEXT NOT NULL, "is_admin" INTEGER NOT NULL, "created_at" REAL NOT NULL)',
    'CREATE UNIQUE INDEX "user_username" ON "users" ("username")',
    'CREATE TABLE "clusters" ("fsid" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, "update_time" REAL)',
    'CREATE TABLE "events" ("id" INTEGER NOT NULL PRIMARY KEY, "when" REAL NOT NULL, "severity" INTEGER NOT NULL, '
    '"message" TEXT NOT NULL, "fsid" TEXT, "fqdn" TEXT, "service_type" TEXT, "service_id" TEXT)',
    'CREATE TABLE "requests" ("id" TEXT NOT NULL PRIMARY KEY, "fsid" TEXT, "state" TEXT NOT NULL, '
    '"error" INTEGER NOT NULL, "error_message" TEXT NOT NULL, "headline" TEXT NOT NULL, "status" TEXT NOT NULL, '
    '"requested_at" REAL NOT NULL, "completed_at" REAL, "requested_by" TEXT, "data" BLOB)',
    'INSERT INTO users VALUES (1, \'admin\', \'\', \'h\', 1, 1.0)',
    'INSERT INTO clusters VALUES (\'f1\', \'ceph\', 1700000000.25)',
    'INSERT INTO events ("when", severity, message, fsid) VALUES (1700000000.5, 3, \'osd.0 down\', \'f1\')',
    'INSERT INTO requests VALUES (\'r1\', \'f1\', \'complete\', 0, \'\', \'Creating pool\', \'\', 5.0, 6.0, '
    '\'admin\', NULL)',
)

NEW = {name for name, _ in EVENT_PAGE_INDEXES} | {"event_audit_when_id"}   # + migration 3's
# The event indexes of release 1, as peewee made them from its model.
RELEASE_1 = ('CREATE INDEX "event_when" ON "events" ("when")',
             'CREATE INDEX "event_fsid_when" ON "events" ("fsid", "when")',
             'CREATE INDEX "event_fqdn_when" ON "events" ("fqdn", "when")',
             'CREATE INDEX "event_severity_when" ON "events" ("severity", "when")')


def event_indexes(url) -> set[str]:
    if "://" in url:
        found = rows(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'events'")
    else:
        found = rows(url, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
    return {name for (name,) in found if not name.endswith("_pkey")}


def release_1_database(url, base: float = 0.0) -> None:
    """Schema version 1 with release 1's event indexes, and three events (at base + 10, 10, 20)."""
    db = open_database(url)
    db.connect()
    try:
        with db.bind_ctx(ALL_MODELS):
            assert upgrade(db, MIGRATIONS[:1]) == 1
    finally:
        db.close()
    for name in NEW:
        rows(url, f'DROP INDEX "{name}"')
    for statement in RELEASE_1:
        rows(url, statement)
    for when, severity, message, fsid in ((10.0, 5, "a", "f1"), (10.0, 3, "b", "f2"), (20.0, 1, "c", "f1")):
        rows(url, 'INSERT INTO events ("when", severity, message, fsid) VALUES (?, ?, ?, ?)',
             (base + when, severity, message, fsid))
