"""Test doubles for actor peers."""
from __future__ import annotations

import pykka


class Recorder(pykka.ThreadingActor):
    """Keeps every message told to it; `ref.ask("dump")` returns them in order (after all earlier
    tells, since an actor's inbox is processed in order)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_receive(self, message):
        if message == "dump":
            return list(self.seen)
        self.seen.append(message)
