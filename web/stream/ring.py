"""The newest messages, kept so that a client reconnecting with Last-Event-ID gets exactly what it
missed. Ids are consecutive, so a resume is a slice, not a search."""
from __future__ import annotations

from collections import deque
from itertools import islice

from web.stream.frames import Message


class Ring:
    def __init__(self, capacity: int, first_id: int):
        """first_id: the id the first message of this run gets."""
        self._messages: deque[Message] = deque(maxlen=capacity)
        self.first_id = first_id
        self.last_id = first_id - 1   # the newest message's id (first_id - 1 before any)

    def append(self, message: Message) -> None:
        assert message.id == self.last_id + 1, "ids are consecutive"
        self._messages.append(message)
        self.last_id = message.id

    def after(self, last_seen: int) -> list[Message] | None:
        """The messages after id `last_seen`; None when they are not all here: an id of another
        run (earlier ones started lower, see StreamHub), one never handed out, or one so old
        that messages after it have left the ring."""
        if last_seen < self.first_id - 1 or last_seen > self.last_id:
            return None
        oldest = self._messages[0].id if self._messages else self.last_id + 1
        if last_seen + 1 < oldest:
            return None
        return list(islice(self._messages, last_seen + 1 - oldest, None))

    def __len__(self) -> int:
        return len(self._messages)
