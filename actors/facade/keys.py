"""The facade's agent keys and bus counters (mixed into DaemonApi).

Key changes go through actors/keys/key_admin.py (the rules `run.py key` uses too), then into the
key ring, so the bus applies them to the very next handshake or message.
"""
from __future__ import annotations

from concurrent.futures import Future

from actors.keys import key_admin
from actors.runtime.base import ask
from actors.errors import NotFound
from actors.runtime.futures import done, then
from actors.messages import EmitEvents
from actors.storage.messages import GetKey, LoadKeys


class KeysMixin:
    keyring = None            # actors.keys.keyring.KeyRing, set by DaemonApi
    _bus_stats = None         # () -> {counter: int}, attached once the bus runs

    def attach_bus_stats(self, source) -> None:
        self._bus_stats = source

    def bus_stats(self) -> Future:
        """{counter: int} of the bus (bus/server.py STATS_KEYS), {} before the bus runs."""
        return done(dict(self._bus_stats()) if self._bus_stats is not None else {})

    def list_keys(self) -> Future:
        return then(ask(self.store, LoadKeys), lambda rows: [self._key_view(row) for row in rows])

    def get_key(self, minion_id: str) -> Future:
        def found(row):
            if row is None:
                raise NotFound.of("key", minion_id)
            return self._key_view(row)
        return then(ask(self.store, lambda r: GetKey(minion_id, r)), found)

    def update_key(self, minion_id: str, status) -> Future:
        def follow(row):
            if self.keyring is not None:
                self.keyring.put(row["id"], row["status"], row["public_key"], row["fingerprint"])
        return then(key_admin.update_key(self.store, minion_id, status, self._emit_key_events, follow,
                                         self.clock), lambda _: None)

    def delete_key(self, minion_id: str) -> Future:
        forget = self.keyring.forget if self.keyring is not None else None
        return key_admin.delete_key(self.store, minion_id, self._emit_key_events, forget, self.clock)

    def _key_view(self, row: dict) -> dict:
        refused = self.keyring.refused_fingerprint(row["id"]) if self.keyring is not None else None
        return key_admin.public_view(row, refused)

    def _emit_key_events(self, events: tuple) -> None:
        self.dispatcher.eventer.tell(EmitEvents(events))
