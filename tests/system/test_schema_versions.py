"""A database with a newer schema than the daemon knows stops it with one line, on each backend;
a PostgreSQL password never reaches that line. An older one is migrated in place at start."""
from __future__ import annotations

import subprocess
import sys
import time

from store.db import create_schema, open_database
from store.migrations import LATEST
from tests.child_process import ROOT
from tests.db_backends import rows
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.daemon_process import assert_one_line_error
from tests.unit.store.schema_helpers import NEW, event_indexes, release_1_database


def test_a_newer_schema_is_refused_at_startup(tmp_path, db_url):
    create_schema(open_database(db_url))
    rows(db_url, "INSERT INTO schema_version (version, applied_at) VALUES (?, 0)", (LATEST + 1,))
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "--no-sim", "--http-port", "0",
                           "--bus-endpoint", "tcp://127.0.0.1:0", "--data-dir", str(tmp_path / "data"),
                           "--db", db_url, "--admin-password", "schema-test"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert_one_line_error(done, f"schema version {LATEST + 1}, newer than this Calamari knows")
    password = open_database(db_url).connect_params.get("password")
    assert not password or password not in done.stdout + done.stderr


def test_a_release_1_data_dir_is_upgraded_in_place_and_its_events_listed(tmp_path, db_url):
    """The daemon migrates the event indexes at start (store/migrations.py, migration 2) and the
    event reader lists the kept events: newest first, ties newest id first, exact counts."""
    base = time.time() - 86_400.0    # a day ago: within the default retention
    release_1_database(db_url, base)   # a (+10, INFO), b (+10, WARNING), c (+20, CRITICAL)
    for i in range(30):                # +100, +100, +101, +101, …: pairs of ties
        rows(db_url, 'INSERT INTO events ("when", severity, message, fsid) VALUES (?, ?, ?, ?)',
             (base + 100.0 + i // 2, 5 if i % 3 == 0 else 3, f"m{i}", "f1"))
    daemon = DaemonProcess(tmp_path / "data", extra_args=["--db", db_url]).start()
    try:
        with logged_in_client(daemon.http_url) as api:
            assert rows(db_url, "SELECT max(version) FROM schema_version") == [(LATEST,)]
            assert event_indexes(db_url) == NEW
            listed = api.get("event", params={"page_size": 1000}).json()["results"]
            kept = [e["message"] for e in listed if not e["message"].startswith(("Audit", "Calamari"))]
            assert kept == [f"m{i}" for i in range(29, -1, -1)] + ["c", "b", "a"]
            serious = [e for e in listed if e["severity"] in ("CRITICAL", "ERROR", "WARNING")]
            assert len(serious) == 22
            last = api.get("event", params={"page_size": 4, "page": 6, "severity": "WARNING"}).json()
            assert last["count"] == 22 and last["next"] is None and last["previous"]
            assert [e["message"] for e in last["results"]] == [e["message"] for e in serious[20:]]
            assert api.get("event", params={"page_size": 4, "page": 7, "severity": "WARNING"}).status_code == 400
    finally:
        daemon.stop()
