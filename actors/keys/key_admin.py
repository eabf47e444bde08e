"""Accepting, rejecting and deleting agent keys: the rules and their events, shared by the API
(actors/facade/keys.py) and `run.py key` (actors/keys/cli.py), both through the store actor.

Only a pending key changes status (pre -> accepted | rejected, as in Calamari and salt-key).
Any key may be deleted; an agent still running with it comes back as pending when it next
speaks, and deleting is also how a server's new key (reinstalled host) replaces its old one.
"""
from __future__ import annotations

import time
from concurrent.futures import Future
from typing import Callable

from actors.runtime.base import ask
from actors.errors import Invalid, NotFound
from actors.events import INFO, Event
from actors.runtime.futures import failed, then
from actors.storage.messages import DeleteKey, GetKey, SaveKey

KEY_STATUSES = ("accepted", "rejected")   # what a key may be changed to

Emit = Callable[[tuple], None]            # takes a tuple of actors.events.Event


def update_key(store, minion_id: str, status, emit: Emit, on_saved=None, clock=time.time) -> Future:
    """Future of the key row as saved; Invalid for a bad status or transition, NotFound.
    on_saved(row): called once the change is told to the store (the key ring follows it)."""
    if status not in KEY_STATUSES:
        return failed(Invalid("Invalid key status", {"status": [f"Must be one of {', '.join(KEY_STATUSES)}"]}))

    def transition(key):
        if key is None:
            raise NotFound.of("key", minion_id)
        if key["status"] != "pre":
            raise Invalid("Invalid key transition",
                          {"status": [f"Transition {key['status']}->{status} is invalid"]})
        store.tell(SaveKey(minion_id, status))
        saved = {**key, "status": status}
        if on_saved is not None:
            on_saved(saved)
        emit((Event(clock(), INFO, f"Agent key of {minion_id} {status} (fingerprint {key['fingerprint']})",
                    fqdn=minion_id),))
        return saved
    return then(ask(store, lambda r: GetKey(minion_id, r)), transition)


def delete_key(store, minion_id: str, emit: Emit, on_deleted=None, clock=time.time) -> Future:
    """Future of None; NotFound. on_deleted(minion_id) as on_saved above."""
    def forget(key):
        if key is None:
            raise NotFound.of("key", minion_id)
        store.tell(DeleteKey(minion_id))
        if on_deleted is not None:
            on_deleted(minion_id)
        emit((Event(clock(), INFO, f"Agent key of {minion_id} deleted ({key['status']}, fingerprint "
                                   f"{key['fingerprint']})", fqdn=minion_id),))
        return None
    return then(ask(store, lambda r: GetKey(minion_id, r)), forget)


def public_view(row: dict, refused_fingerprint: str | None = None) -> dict:
    """A key as api/v2/key shows it: the reference's {id, status} plus the key's fingerprint and
    that of the last key refused for claiming this id (null when none)."""
    return {"id": row["id"], "status": row["status"], "fingerprint": row.get("fingerprint"),
            "refused_fingerprint": refused_fingerprint}
