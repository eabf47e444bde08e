"""A member's store sessions: a transaction left idle for a lease is ended by the server, so a
paused member cannot keep the locks the member taking over needs (ha/pg.py store_url)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import peewee
import pytest

from ha.pg import store_url
from store.db import open_database
from tests.db_backends import rows
from tests.helpers import wait_until


def test_the_setting_joins_the_urls_own_options_and_keeps_its_other_parameters():
    url = store_url("postgresql://u:p%40ss@db:5432/calamari?sslmode=require&options=-c%20search_path%3Dx", 2.5)
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("u:p%40ss@db:5432", "/calamari")
    query = parse_qs(parts.query)
    assert query["sslmode"] == ["require"]
    assert query["options"] == ["-c search_path=x -c idle_in_transaction_session_timeout=2500"]


def test_a_store_session_left_idle_in_a_transaction_is_ended_by_the_server(postgres_module_url):
    db = open_database(store_url(postgres_module_url, 0.3))
    db.connect()
    try:
        assert db.execute_sql("SHOW idle_in_transaction_session_timeout").fetchone() == ("300ms",)
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        db.execute_sql("BEGIN")
        db.execute_sql("SELECT 1")
        # Watched from another session: a statement on this one would restart its idle time.
        wait_until(lambda: rows(postgres_module_url, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?",
                                (pid,)) == [(0,)], timeout_s=5.0, every_s=0.05, what="the idle session ended")
        with pytest.raises(peewee.OperationalError):   # the server had closed it
            db.execute_sql("SELECT 1")
    finally:
        db.close()
