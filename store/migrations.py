"""Schema versions: small ordered migrations, applied at start, each in its own transaction.

The `schema_version` table has one row per applied migration; the database's version is the
highest. A database with tables but no `schema_version` table was made before versioning and
counts as version 0, exactly like an empty one: migration 1 is written to bring either to the
baseline without losing rows.

Additive changes need no migration: every start ends with `sync_additive`, which creates missing
tables and indexes and adds missing columns (every column added after a table's birth must be
nullable or have a default). A migration is needed for the rest: renames, type changes, data
rewrites. Since a fresh database gets today's models from migration 1 and then runs every later
migration too, a later migration must tolerate finding its change already made (check first).
"""
from __future__ import annotations

import logging
import time
from typing import Callable

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate

from store.models import ALL_MODELS

log = logging.getLogger(__name__)


class SchemaError(RuntimeError):
    """The database cannot be used by this code as it is (its message says why and what to do)."""


class SchemaVersion(pw.Model):
    version = pw.IntegerField(primary_key=True)
    applied_at = pw.DoubleField()

    class Meta:
        table_name = "schema_version"


def sync_additive(db: pw.Database) -> None:
    """Add missing columns to existing tables, then create missing tables and indexes.

    Columns first: an index of a new model could name a column an older table lacks yet.
    """
    migrator = SchemaMigrator.from_database(db)
    for model in ALL_MODELS:
        table = model._meta.table_name
        if not db.table_exists(table):
            continue
        present = {column.name for column in db.get_columns(table)}
        missing = [f for f in model._meta.sorted_fields if f.column_name not in present]
        if missing:
            log.info("store: adding columns %s to %s", [f.column_name for f in missing], table)
            migrate(*(migrator.add_column(table, f.column_name, f) for f in missing))
    create_missing(db)


def create_missing(db: pw.Database) -> None:
    """Create the tables and indexes the database lacks, and issue nothing for those it has.
    `CREATE INDEX IF NOT EXISTS` locks its table before it looks for the index: on PostgreSQL it
    would wait behind any open transaction that wrote to the table (another member's, a paused
    one's) at every start, for an index that is there."""
    absent = [model for model in ALL_MODELS if not db.table_exists(model._meta.table_name)]
    db.create_tables(absent, safe=True)
    for model in ALL_MODELS:
        if model in absent:
            continue
        have = {index.name for index in db.get_indexes(model._meta.table_name)}
        for index in model._meta.fields_to_index():
            if index._name not in have:
                db.execute(index.safe(True))


# Migration 2. Written out, not read from the model: a migration must keep doing what it did
# when it was released, whatever the model says later.
EVENT_PAGE_INDEXES = (("event_when_id_severity", ("when", "id", "severity")),
                      ("event_fsid_when_id_severity", ("fsid", "when", "id", "severity")),
                      ("event_fqdn_when_id_severity", ("fqdn", "when", "id", "severity")))
EVENT_INDEXES_SUPERSEDED = ("event_when", "event_fsid_when", "event_fqdn_when", "event_severity_when")


def event_page_indexes(db: pw.Database) -> None:
    """Indexes that serve every event list filter and its order (store/event_pages.py) without
    reading the table; the narrower ones they make redundant go (each costs every insert).
    Builds three indexes over the events table: seconds per million rows, once."""
    for name, columns in EVENT_PAGE_INDEXES:
        listed = ", ".join(f'"{column}"' for column in columns)
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "events" ({listed})')
    for name in EVENT_INDEXES_SUPERSEDED:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


def audit_events_apart(db: pw.Database) -> None:
    """Audit entries get their own retention: an `audit` flag on events, set on the audit lines
    already stored (their messages begin "Audit: "), and the index retention walks per kind."""
    if "audit" not in {column.name for column in db.get_columns("events")}:
        migrate(SchemaMigrator.from_database(db).add_column(
            "events", "audit", pw.BooleanField(default=False, constraints=[pw.SQL("DEFAULT FALSE")])))
    db.execute_sql(f'UPDATE "events" SET "audit" = {db.param} WHERE "message" LIKE {db.param}',
                   (True, "Audit: %"))
    db.execute_sql('CREATE INDEX IF NOT EXISTS "event_audit_when_id" ON "events" ("audit", "when", "id")')


# (version, what it does, function). Append only; never edit or reorder a released entry.
MIGRATIONS: list[tuple[int, str, Callable[[pw.Database], None]]] = [
    (1, "baseline: every table of store/models.py (older unversioned data dirs keep their rows)",
     sync_additive),
    (2, "event indexes for newest-first pages at any depth (when/fsid/fqdn + when, id, severity)",
     event_page_indexes),
    (3, "audit events apart: the events.audit flag (set on stored audit lines) and its index",
     audit_events_apart),
]
LATEST = MIGRATIONS[-1][0]


def current_version(db: pw.Database) -> int:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    with SchemaVersion.bind_ctx(db):
        return SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).scalar() or 0


def upgrade(db: pw.Database, migrations=None, clock: Callable[[], float] = time.time) -> int:
    """Bring a connected database to the newest version (models must be bound to it); returns
    it. Raises SchemaError for a database newer than this code."""
    migrations = MIGRATIONS if migrations is None else migrations
    latest = migrations[-1][0]
    version = current_version(db)
    if version > latest:
        raise SchemaError(
            f"the database has schema version {version}, newer than this Calamari knows "
            f"({latest}); it was used by a newer release: run that release, or give --db a "
            "different database")
    if version == 0 and db.get_tables():
        log.warning("store: database without a schema version (made before versioning): upgrading")
    with SchemaVersion.bind_ctx(db):
        db.create_tables([SchemaVersion], safe=True)
        for number, what, apply in migrations:
            if number <= version:
                continue
            with db.atomic():     # a failing migration leaves the previous version intact
                apply(db)
                SchemaVersion.create(version=number, applied_at=clock())
            log.info("store: schema migrated to version %d (%s)", number, what)
            version = number
    with db.atomic():
        sync_additive(db)
    return version
