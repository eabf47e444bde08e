"""Reading a Server-Sent Events stream (`GET api/v2/stream`) line by line into messages.

The format (WHATWG HTML, "Server-sent events"): fields `id:`, `event:`, `data:` (several data
lines join with a newline), a blank line ends a message, a line starting with `:` is a comment
(the server's keep-alive). The daemon's data is always JSON.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator


@dataclass(frozen=True)
class Message:
    id: str | None
    event: str            # "message" when the server named none
    data: Any             # the data, parsed as JSON (the raw text when it is not JSON)


def _message(fields: dict[str, list[str]]) -> Message:
    text = "\n".join(fields.get("data", []))
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    ids, events = fields.get("id"), fields.get("event")
    return Message(ids[-1] if ids else None, events[-1] if events else "message", data)


def messages(lines: Iterable[str]) -> Iterator[Message]:
    """Each complete message of a stream's lines (without their line ends), as it completes."""
    fields: dict[str, list[str]] = {}
    for line in lines:
        if not line:
            if "data" in fields:
                yield _message(fields)
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)
