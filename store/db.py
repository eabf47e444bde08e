"""Opening the database and creating the schema.

A plain path or `sqlite:///path` opens SQLite (WAL, foreign keys on); `postgresql://…` routes to
peewee's PostgresqlDatabase (the driver, psycopg, is needed only when it actually connects).
Every database is opened with autoconnect=False: the store actor connects on its own thread, and a
stray query from any other thread fails loudly instead of opening a hidden connection.
"""
from __future__ import annotations

from pathlib import Path

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate
from playhouse import db_url

from store.models import ALL_MODELS

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal"}
_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_database(url_or_path: str) -> pw.Database:
    """Build (not connect) the database named by a path or URL."""
    target = str(url_or_path)
    if target.startswith(_POSTGRES_SCHEMES):
        return db_url.connect(target, autoconnect=False)
    if target.startswith(_SQLITE_PREFIX):
        target = target[len(_SQLITE_PREFIX):]
    elif "://" in target:
        raise ValueError(f"unsupported database URL {url_or_path!r} (use a path, sqlite:/// or postgresql://)")
    if not target:
        raise ValueError("empty database path")
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    return pw.SqliteDatabase(target, pragmas=dict(SQLITE_PRAGMAS), autoconnect=False)


def create_schema(db: pw.Database) -> None:
    """Create every table and index that does not exist yet (connects briefly if needed)."""
    opened_here = db.is_closed()
    if opened_here:
        db.connect()
    try:
        with db.bind_ctx(ALL_MODELS):
            db.create_tables(ALL_MODELS, safe=True)
            _add_missing_columns(db)
    finally:
        if opened_here:
            db.close()


def _add_missing_columns(db: pw.Database) -> None:
    """Columns added to a model after a database was created (all have defaults) are added in
    place, so an older data dir keeps working. Anything more needs a real migration."""
    migrator = SchemaMigrator.from_database(db)
    for model in ALL_MODELS:
        table = model._meta.table_name
        present = {column.name for column in db.get_columns(table)}
        missing = [f for f in model._meta.sorted_fields if f.column_name not in present]
        if missing:
            migrate(*(migrator.add_column(table, f.column_name, f) for f in missing))
