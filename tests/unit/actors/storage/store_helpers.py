"""Talking to a StoreActor in tests: ask it one message and wait; read its SQLite file directly."""
from __future__ import annotations

import sqlite3

from actors.runtime.base import ask


def call(ref, message_type, *args, **kwargs):
    return ask(ref, lambda reply: message_type(*args, **kwargs, reply=reply)).result(timeout=10)


def sqlite_rows(db_path, sql):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()
