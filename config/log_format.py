"""Where the log goes and how it reads: standard error, as text (the default, unchanged) or as
one JSON object a line for journald, Loki or any collector (`--log-format json`).

A JSON line has `time` (ISO 8601, UTC, milliseconds), `level`, `logger`, `message`; then, where
known, `request_id` (the HTTP request's, as in its X-Request-Id answer header), `fsid` (the
cluster whose actor logged it), `fqdn` (the server's, on the manager or on the agent); the HTTP
access lines add `method`, `path` (never the query string), `status` and `duration_ms`; a record
with an exception adds `exc_info` (the traceback's text). Nothing else of a record is written:
the message is formatted exactly as the text format formats it, and no `extra=` argument or
other attribute is dumped, so nothing reaches the log that the text format would not show.
"""
from __future__ import annotations

import logging
import sys
import time
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter

from bus.log_context import FIELDS as SCOPE_FIELDS, ScopeFilter

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ACCESS_FIELDS = ("method", "path", "status", "duration_ms")   # web/app.py's access lines
NAMED_FIELDS = SCOPE_FIELDS + ACCESS_FIELDS


def configure_logging(level: str, fmt: str = "text", stream: IO[str] | None = None) -> None:
    """The root logger at `level` ("DEBUG", "INFO", ...), writing `fmt` to `stream` (stderr).
    Called again, it replaces what it set up before (and nothing else: a test's capture stays)."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    handler = _OurHandler(stream if stream is not None else sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonLineFormatter())
        handler.addFilter(ScopeFilter())   # only here: the text format shows no scope fields
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.setLevel(level.upper())
    for previous in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)


class _OurHandler(logging.StreamHandler):
    """The handler configure_logging installed (so a second call can find and replace it)."""


class JsonLineFormatter(JsonFormatter):
    """python-json-logger's formatter (exceptions as text, safe serialisation, one line) limited
    to our named fields."""

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord,
                   message_dict: dict[str, Any]) -> None:
        log_data["time"] = utc_time(record)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        attributes = record.__dict__
        for name in NAMED_FIELDS:
            value = attributes.get(name)
            if value is not None:
                log_data[name] = value
        # exc_info / stack_info, formatted by the base class (and the keys of a dict message).
        log_data.update(message_dict)


def utc_time(record: logging.LogRecord) -> str:
    """2026-12-06T21:05:38.123Z"""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
