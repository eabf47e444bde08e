"""Pure paging and list-filter parsing for the paginated resources (events, requests).

Input is the request's query arguments as {name: [str, ...]} (Tornado's `query_arguments` after
decoding); output is what to ask the Api for, and the response envelope
{"count", "next", "previous", "results"} with absolute URLs. Errors are actors.errors.Invalid
(400) naming the offending field.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence
from urllib.parse import urlencode

from actors.errors import Invalid
from actors.events import INFO, SEVERITY_BY_NAME, SEVERITY_NAMES

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
REQUEST_STATES = ("submitted", "complete")

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


MAX_PAGE = 10**9   # far past any real list; keeps offsets within what the database can compare


def parse_page(args: Args) -> Page:
    return Page(number=_positive_int(args, "page", 1, MAX_PAGE),
                size=_positive_int(args, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))


def _positive_int(args: Args, name: str, default: int, maximum: int | None) -> int:
    raw = _single(args, name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise _bad(name, "must be an integer") from None
    if value < 1 or (maximum is not None and value > maximum):
        bounds = f"between 1 and {maximum}" if maximum is not None else "at least 1"
        raise _bad(name, f"must be {bounds}")
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
        names = ", ".join(SEVERITY_NAMES[lv] for lv in sorted(SEVERITY_NAMES))
        raise _bad("severity", f"{raw!r} is not one of {names}")
    return level


def parse_state(args: Args) -> str | None:
    """`?state=submitted|complete`, or None for every request."""
    raw = _single(args, "state")
    if raw is None:
        return None
    if raw not in REQUEST_STATES:
        raise _bad("state", f"must be one of {', '.join(REQUEST_STATES)}")
    return raw
