"""Opening the database and creating the schema.

A plain path or `sqlite:///path` opens SQLite (WAL, foreign keys on); `postgresql://…` routes to
peewee's PostgresqlDatabase (the driver, psycopg2, is needed only when it actually connects).
Every database is opened with autoconnect=False: the store actor connects on its own thread, and a
stray query from any other thread fails loudly instead of opening a hidden connection.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import peewee as pw
from playhouse import db_url

from store.file_modes import create_private
from store.migrations import upgrade
from store.models import ALL_MODELS

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal"}
_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def sqlite_path(url_or_path: str) -> str | None:
    """The file an SQLite path or URL names (":memory:" for none); None for PostgreSQL."""
    target = str(url_or_path)
    if target.startswith(_POSTGRES_SCHEMES):
        return None
    if target.startswith(_SQLITE_PREFIX):
        target = target[len(_SQLITE_PREFIX):]
    elif "://" in target:
        raise ValueError(f"unsupported database URL {url_or_path!r} (use a path, sqlite:/// or postgresql://)")
    if not target:
        raise ValueError("empty database path")
    return target


def missing_database(url_or_path: str) -> str | None:
    """Why an offline command must not open this database, or None: an SQLite file that does
    not exist (opening would make an empty one, and report on it as if it were the daemon's), or
    a URL that names no database. PostgreSQL: the server says when it is opened."""
    try:
        target = sqlite_path(url_or_path)
    except ValueError as exc:
        return str(exc)
    if target in (None, ":memory:") or Path(target).is_file():
        return None
    return f"no database at {target}: start the daemon with this data dir first, or give --db"


def open_database(url_or_path: str) -> pw.Database:
    """Build (not connect) the database named by a path or URL."""
    target = sqlite_path(url_or_path)
    if target is None:
        # Percent-escapes decoded, as in any URL: a password may hold '@', ':' or '/'.
        return db_url.connect(str(url_or_path), unquote_user=True, unquote_password=True,
                              autoconnect=False)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        create_private(Path(target))   # else SQLite makes it (and its -wal, -shm) umask-wide
    return pw.SqliteDatabase(target, pragmas=dict(SQLITE_PRAGMAS), autoconnect=False)


def create_schema(db: pw.Database) -> int:
    """Create or migrate the schema to the newest version (connects briefly if needed); returns
    the version. Raises migrations.SchemaError for a database newer than this code."""
    opened_here = db.is_closed()
    if opened_here:
        db.connect()
    try:
        with db.bind_ctx(ALL_MODELS):
            return upgrade(db)
    finally:
        if opened_here:
            db.close()


def redact(url_or_path: str) -> str:
    """The database named for a log line or an error: a URL's password masked."""
    parts = urlsplit(str(url_or_path))
    if parts.password is None:
        return str(url_or_path)
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
