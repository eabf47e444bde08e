"""Bounds on what a request may carry, answered in the one error shape.

* Size: a body over its resource's limit (WebSettings.max_body_bytes, or the larger
  max_crush_map_bytes of the CRUSH map upload) is a 413. Tornado reads a body before prepare()
  runs, so the server's hard cap (`body_cap`, passed to HTTPServer as max_body_size) bounds the
  memory: past it Tornado closes the connection with a bare 400, as it cannot answer without
  reading. The cap is twice the largest limit, so a body somewhat too large still gets its 413.
* JSON: strict (no NaN or Infinity, which json.dumps would echo back as invalid JSON; no lone
  surrogate escapes, which are not text) and at most MAX_JSON_DEPTH containers deep. json.loads
  itself raises RecursionError near 1000 levels; shallower but still absurd nesting would only
  burden what handles it next (messages, msgpack, the database).
"""
from __future__ import annotations

import json
import re

from web.errors import ApiError

MAX_JSON_DEPTH = 32
NOT_JSON = "Request body is not valid JSON"
TOO_DEEP = f"Request body is nested more than {MAX_JSON_DEPTH} levels deep"
LONE_SURROGATE = "Request body has a \\u escape naming half a surrogate pair, which is not text"
# JSON may escape a lone UTF-16 surrogate ("\ud800"); Python decodes it into a str that no
# UTF-8 encoder accepts, so it would fail later (password hashing, msgpack, the database).
_SURROGATE = re.compile("[\ud800-\udfff]")


def body_cap(settings) -> int:
    return 2 * max(settings.max_body_bytes, settings.max_crush_map_bytes)


def check_body_size(size: int, limit: int) -> None:
    if size > limit:
        raise ApiError(413, f"Request body too large: {size} bytes, at most {limit} accepted")


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes):
    try:
        value = json.loads(raw or b"", parse_constant=_no_constant)
    except RecursionError:
        raise ApiError(400, TOO_DEEP) from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, NOT_JSON) from None
    deepest, text_ok = inspect_tree(value)
    if deepest > MAX_JSON_DEPTH:
        raise ApiError(400, TOO_DEEP)
    if not text_ok:
        raise ApiError(400, LONE_SURROGATE)
    return value


def depth(value) -> int:
    return inspect_tree(value)[0]


def inspect_tree(value) -> tuple[int, bool]:
    """(how many lists/objects deep `value` goes, whether every string in it, keys included, is
    encodable text), without recursing."""
    deepest, text_ok, stack = 0, True, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, str):
            text_ok = text_ok and not _SURROGATE.search(node)
            continue
        if isinstance(node, dict):
            stack.extend((key, level) for key in node)
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest, text_ok
