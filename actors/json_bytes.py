"""Answers already encoded as JSON: encoded once per map version (or record change), sent as is."""
from __future__ import annotations


class JsonBytes(bytes):
    """An answer already encoded as JSON (encoded once per map version, sent as is)."""


def join_json(items) -> JsonBytes:
    """The JSON array of already encoded items, byte for byte what json.dumps of the list gives
    (big lists are joined from each item's JSON instead of encoded again)."""
    return JsonBytes(b"[" + b", ".join(items) + b"]")
