"""Latest-wins delivery of heartbeats: an actor never works through a backlog of stale ones.

The bus thread offers each heartbeat under a key (agent, kind, fsid). Only when the key's slot
was empty does the actor get a `Latest` message; a heartbeat arriving while one is still queued
just replaces it. The actor takes whatever is in the slot when it gets there, so its inbox holds
at most one heartbeat per key however fast agents send, and memory stays bounded in a flood.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Hashable


@dataclass(frozen=True)
class Latest:
    """Handled by every Actor (actors/runtime/base.py): stands for the newest message of one slot."""
    take: Callable[[], Any]


class Coalescer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[Hashable, Any] = {}
        self.coalesced = 0   # heartbeats replaced before their actor read them
        self.taken = 0       # heartbeats their actor read (GET bus does not show it; metrics do)

    def offer(self, key: Hashable, message: Any) -> Latest | None:
        """A Latest to tell the actor, or None when one is already on its way."""
        with self._lock:
            waiting = key in self._slots
            self._slots[key] = message
            if waiting:
                self.coalesced += 1
                return None
        return Latest(lambda: self._take(key))

    def _take(self, key: Hashable) -> Any:
        with self._lock:
            message = self._slots.pop(key, None)
            if message is not None:
                self.taken += 1
            return message

    def discard(self, match: Callable[[Hashable], bool]) -> None:
        """Empty the slots whose actor stopped: a slot left full would mute its key for good."""
        with self._lock:
            for key in [k for k in self._slots if match(k)]:
                del self._slots[key]
