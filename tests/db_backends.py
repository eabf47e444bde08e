"""The `db_url` fixture: each test that takes it runs once on SQLite and once on PostgreSQL.

PostgreSQL cases need CALAMARI_TEST_POSTGRES_URL, a URL whose role may CREATE DATABASE (`.ci/postgres
start DIR` prints one). Without it they skip, unless CALAMARI_REQUIRE_POSTGRES=1 (as in CI), which
turns the skip into a failure. Each test module gets its own database (created once: CREATE
DATABASE costs far more than a test), and each test starts on an empty schema in it.

tests/conftest.py makes `db_url` available to every test. A module whose `store` (a StoreActor)
should run on each backend says `store = db_backends.store_on_each_backend`. `rows(url, sql)`
reads or writes a table on either backend, with `?` placeholders.
"""
from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit

import pytest

from actors.storage.actor import StoreActor
from store.db import open_database
from tests.helpers import wait_until

URL_VARIABLE = "CALAMARI_TEST_POSTGRES_URL"
REQUIRE_VARIABLE = "CALAMARI_REQUIRE_POSTGRES"
HOW = (f"set {URL_VARIABLE}=postgresql://USER:PASSWORD@HOST:PORT/DB (a role with CREATEDB); "
       "`.ci/postgres start DIR` starts a local server and prints one")


def rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on its own short connection (autocommit) and return its rows."""
    db = open_database(url)
    db.connect()
    try:
        cursor = db.execute_sql(sql.replace("?", db.param), params)
        return list(cursor.fetchall()) if cursor.description else []
    finally:
        db.close()


def _with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path="/" + name).geturl()


def postgres_server_url() -> str:
    url = os.environ.get(URL_VARIABLE, "")
    if url:
        return url
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {URL_VARIABLE} is unset: {HOW}")
    pytest.skip(f"PostgreSQL not configured: {HOW}")


@pytest.fixture(scope="module")
def postgres_module_url():
    """A database of its own for the module, dropped after it (FORCE: a leaked connection of a
    failed test must not make the drop fail)."""
    server = postgres_server_url()
    name = f"calamari_test_{uuid.uuid4().hex[:12]}"
    rows(server, f'CREATE DATABASE "{name}"')
    yield _with_database(server, name)
    drop_database(server, name)


def drop_database(server: str, name: str, timeout_s: float = 10.0) -> None:
    """DROP DATABASE ... WITH (FORCE), tried again while an autovacuum worker is in it: FORCE
    must terminate every session there, and PostgreSQL 15 refuses to end that worker for a role
    without pg_signal_backend (a rare teardown error in one full run)."""
    import peewee

    def dropped() -> bool:
        try:
            rows(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return True
        except peewee.ProgrammingError as exc:
            if "pg_signal_backend" not in str(exc):
                raise
            return False
    wait_until(dropped, timeout_s=timeout_s, every_s=0.1, what=f"database {name} dropped")


def empty_schema(url: str) -> None:
    rows(url, "DROP SCHEMA IF EXISTS public CASCADE")
    rows(url, "CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """A database URL (or SQLite path) for a test, empty when the test starts."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    url = request.getfixturevalue("postgres_module_url")
    empty_schema(url)
    return url


@pytest.fixture(name="store")
def store_on_each_backend(db_url):
    return StoreActor.start(db_url)
