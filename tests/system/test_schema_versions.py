"""A database with a newer schema than the daemon knows stops it with one line, on each backend;
a PostgreSQL password never reaches that line."""
from __future__ import annotations

import subprocess
import sys

from store.db import create_schema, open_database
from store.migrations import LATEST
from tests.child_process import ROOT
from tests.db_backends import rows
from tests.system.test_startup_errors import assert_one_line_error


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
