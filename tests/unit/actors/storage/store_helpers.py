"""Talking to a StoreActor in tests: ask it one message and wait; read its SQLite file directly;
start one on a clock the test sets."""
from __future__ import annotations

import sqlite3

from actors.runtime.base import ask
from actors.storage.actor import StoreActor


def call(ref, message_type, *args, **kwargs):
    return ask(ref, lambda reply: message_type(*args, **kwargs, reply=reply)).result(timeout=10)


def sqlite_rows(db_path, sql):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def clocked_store(db_url, now: float):
    """(a StoreActor on `db_url` whose clock says `clock.now`, the clock)."""
    clock = Clock(now)
    return StoreActor.start(db_url, clock=clock), clock
