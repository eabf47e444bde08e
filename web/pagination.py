"""Pure paging and list-filter parsing for the paginated resources (events, requests), and for
the big lists that are plain arrays unless a page is asked for (OSDs, pools, servers).

Input is the request's query arguments as {name: [str, ...]} (Tornado's `query_arguments` after
decoding); output is what to ask the Api for, and the response envelope
{"count", "next", "previous", "results"} with absolute URLs. Errors are actors.errors.Invalid
(400) naming the offending field.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping, Sequence
from urllib.parse import urlencode

from actors.json_bytes import JsonBytes
from actors.fields import Field, integer, string
from actors.errors import Invalid
from actors.events import INFO, SEVERITY_BY_NAME, SEVERITY_NAMES

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
MAX_PAGE = 10**9   # far past any real list; keeps offsets within what the database can compare
REQUEST_STATES = ("submitted", "complete")

# The query parameters as declared to the OpenAPI document; the parsers take bounds and choices
# from these same Fields.
PAGE_QUERY = {"page": integer(minimum=1, maximum=MAX_PAGE),
              "page_size": integer(minimum=1, maximum=MAX_PAGE_SIZE)}
EVENT_QUERY = {**PAGE_QUERY, "severity": string(*(SEVERITY_NAMES[level]
                                                   for level in sorted(SEVERITY_NAMES)))}
REQUEST_QUERY = {**PAGE_QUERY, "state": string(*REQUEST_STATES)}

Args = Mapping[str, Sequence[str]]


def _bad(field: str, message: str) -> Invalid:
    return Invalid(f"Invalid {field}: {message}", {field: [message]})


def _single(args: Args, name: str) -> str | None:
    values = args.get(name)
    return values[-1] if values else None


@dataclass(frozen=True)
class Page:
    number: int          # 1-based
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def limit(self) -> int:
        return self.size


def parse_page(args: Args) -> Page:
    return Page(number=query_int(args, "page", PAGE_QUERY["page"], 1),
                size=query_int(args, "page_size", PAGE_QUERY["page_size"], DEFAULT_PAGE_SIZE))


def query_int(args: Args, name: str, bounds: Field, default: int) -> int:
    """The last `?name=` as an integer within `bounds` (minimum and maximum both set)."""
    raw = _single(args, name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise _bad(name, f"must be an integer (got {raw!r})") from None
    if not bounds.minimum <= value <= bounds.maximum:
        raise _bad(name, f"must be between {bounds.minimum} and {bounds.maximum}")
    return value


def check_in_range(page: Page, count: int) -> None:
    """A page past the end is an error, except page 1 of an empty list."""
    if page.number > 1 and page.offset >= count:
        raise _bad("page", f"page {page.number} is past the last page")


def envelope(page: Page, count: int, results: list, base_url: str, args: Args) -> dict:
    """The paginated response; `base_url` is protocol://host/path, `args` the full query."""
    last = max(1, -(-count // page.size))
    next_url = _page_url(base_url, args, page.number + 1) if page.number < last else None
    previous_url = _page_url(base_url, args, page.number - 1) if page.number > 1 else None
    return {"count": count, "next": next_url, "previous": previous_url, "results": results}


def wants_page(args: Args) -> bool:
    """Whether a list that is a plain JSON array by default (the reference's shape) is asked for
    in pages: `page` or `page_size` given, with any value (a bad one is then a 400)."""
    return "page" in args or "page_size" in args


def envelope_json(page: Page, count: int, results: bytes, base_url: str, args: Args) -> JsonBytes:
    """`envelope` with `results` already encoded as a JSON array: the same bytes json.dumps of
    `envelope(...)` gives, without decoding or re-encoding the results."""
    head = json.dumps(envelope(page, count, [], base_url, args))
    return JsonBytes(head[:-len("[]}")].encode() + results + b"}")


def _page_url(base_url: str, args: Args, number: int) -> str:
    pairs = [(name, value) for name, values in args.items() if name != "page" for value in values]
    if number > 1:
        pairs.append(("page", str(number)))
    return f"{base_url}?{urlencode(pairs)}" if pairs else base_url


def parse_severity(args: Args) -> int:
    """`?severity=<NAME>` (default INFO): the least severe level to include."""
    raw = _single(args, "severity")
    if raw is None:
        return INFO
    level = SEVERITY_BY_NAME.get(raw.strip().upper())
    if level is None:
        names = ", ".join(EVENT_QUERY["severity"].choices)
        raise _bad("severity", f"{raw!r} is not one of {names}")
    return level


def parse_state(args: Args) -> str | None:
    """`?state=submitted|complete`, or None for every request."""
    return parse_choice(args, "state", REQUEST_QUERY["state"].choices)


def single(args: Args, name: str) -> str | None:
    """The last `?name=`, or None."""
    return _single(args, name)


def parse_choice(args: Args, name: str, choices: Sequence[str], default: str | None = None) -> str | None:
    """The last `?name=`, one of `choices` (else a 400 naming it), or `default` when absent."""
    raw = _single(args, name)
    if raw is None:
        return default
    if raw not in choices:
        raise _bad(name, f"must be one of {', '.join(choices)}")
    return raw
