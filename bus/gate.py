"""What the bus asks before it lets an agent in, and before it delivers each of its messages.

The bus authenticates (CurveZMQ proves the client holds the secret half of its public key); the
gate, supplied by whoever runs the bus, authorises: which keys may connect, and whether a message
that a key signs as minion `sender` may be delivered. The bus knows nothing of how keys are
accepted; it only counts the gate's refusals, by reason.
"""
from __future__ import annotations

from concurrent.futures import Future
from typing import Protocol

# Why the gate refused a message (each is a bus counter `dropped_<reason>`).
UNACCEPTED = "unaccepted"            # the key is new, pending or rejected
OTHER_KEY = "other_key"              # the sender is known under a different key
SENDER_MISMATCH = "sender_mismatch"  # an accepted key speaking for another minion
BAD_ID = "bad_id"                    # a sender that cannot be a minion id
REFUSALS = (UNACCEPTED, OTHER_KEY, SENDER_MISMATCH, BAD_ID)


class Gate(Protocol):
    def admit(self, public_key: str, address: str | None = None) -> bool | Future:
        """At a CURVE handshake (bus thread): may this key, connecting from this peer address,
        connect? A Future (of a bool) when the answer needs a lookup; it must not block."""

    def accepted(self, public_key: str) -> bool:
        """Cheap, in memory: is this key accepted right now? (Big messages from others are
        dropped before they are even decoded.)"""

    def authorize(self, public_key: str, sender: str) -> str | None:
        """For each decoded message (bus thread, in memory, never blocks): None to deliver it
        as coming from `sender`, else one of REFUSALS."""
