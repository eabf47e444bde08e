"""The facade's agent keys and bus counters.

Key changes go through actors/keys/key_admin.py (the rules `run.py key` uses too), then into the
key ring, so the bus applies them to the very next handshake or message.
"""
from __future__ import annotations

from concurrent.futures import Future
from typing import Callable

import pykka

from actors.errors import NotFound
from actors.keys import key_admin
from actors.keys.keyring import KeyRing
from actors.messages import EmitEvents
from actors.runtime.base import ask
from actors.runtime.futures import done, then
from actors.storage.messages import GetKey, LoadKeys


class Keys:
    def __init__(self, store: pykka.ActorRef, keyring: KeyRing | None, eventer: pykka.ActorRef, clock,
                 bus_stats: Callable[[], dict] | None = None):
        """keyring: None in tests without a bus (keys then change in the store only);
        bus_stats() -> {counter: int} of the bus, None: no bus."""
        self._store = store
        self._keyring = keyring
        self._eventer = eventer
        self._clock = clock
        self._bus_stats = bus_stats

    def bus_stats(self) -> Future:
        """{counter: int} of the bus (bus/server.py STATS_KEYS), {} before the bus runs."""
        return done(dict(self._bus_stats()) if self._bus_stats is not None else {})

    def list_keys(self) -> Future:
        return then(ask(self._store, LoadKeys), lambda rows: [self._key_view(row) for row in rows])

    def get_key(self, minion_id: str) -> Future:
        def found(row):
            if row is None:
                raise NotFound.of("key", minion_id)
            return self._key_view(row)
        return then(ask(self._store, lambda r: GetKey(minion_id, r)), found)

    def update_key(self, minion_id: str, status) -> Future:
        def follow(row):
            if self._keyring is not None:
                self._keyring.put(row["id"], row["status"], row["public_key"], row["fingerprint"])
        return then(key_admin.update_key(self._store, minion_id, status, self._emit_key_events, follow,
                                         self._clock), lambda _: None)

    def delete_key(self, minion_id: str) -> Future:
        forget = self._keyring.forget if self._keyring is not None else None
        return key_admin.delete_key(self._store, minion_id, self._emit_key_events, forget, self._clock)

    def _key_view(self, row: dict) -> dict:
        refused = self._keyring.refused_fingerprint(row["id"]) if self._keyring is not None else None
        return key_admin.public_view(row, refused)

    def _emit_key_events(self, events: tuple) -> None:
        self._eventer.tell(EmitEvents(events))
