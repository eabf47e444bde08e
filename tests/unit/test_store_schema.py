"""A data dir made before a column existed keeps working: the column is added on open."""
from __future__ import annotations

import sqlite3

from store.db import create_schema, open_database


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
