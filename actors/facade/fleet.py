"""`GET fleet`: the published rows of every cluster (actors/cluster/views/fleet.py), with their
servers counted, filtered by health, ordered and paged. No actor is asked.

Counting the servers means a look at every managed server's contact time (10,000 in the fleet
bench: most of a request's cost), so the table of rows with their counts, and the pages asked
of it, are kept for TABLE_S: a fleet view is at most that much older than the clusters' rows."""
from __future__ import annotations

import json
import time
from concurrent.futures import Future
from typing import Callable

from actors.cluster.views.fleet import HEALTH_RANK
from actors.errors import Invalid
from actors.facade.base import Clusters
from actors.json_bytes import JsonBytes
from actors.runtime.futures import done, failed

TABLE_S = 1.0        # how long the table (and its pages) are served before being built again
MAX_PAGES = 64       # pages kept per table: orderings × filters × pages a dashboard asks for


def _nested(group: str, key: str) -> Callable[[dict], object]:
    return lambda row: (row.get(group) or {}).get(key)


# ordering name -> how a row sorts by it (None sorts last whichever the direction)
ORDERINGS: dict[str, Callable[[dict], object]] = {
    "name": lambda row: row["name"],
    "fsid": lambda row: row["fsid"],
    "health": lambda row: HEALTH_RANK.get(row["health"], len(HEALTH_RANK)) if row["health"] else None,
    "used_ratio": lambda row: row["used_ratio"],
    "used_bytes": lambda row: row["used_bytes"],
    "total_bytes": lambda row: row["total_bytes"],
    "days_until_full": lambda row: row["days_until_full"],
    "osds_up": _nested("osds", "up"),
    "osds_total": _nested("osds", "total"),
    "pgs_active_clean": _nested("pgs", "active_clean"),
    "servers_late": _nested("servers", "late"),
    "write_bytes_sec": _nested("client_io", "write_bytes_sec"),
    "read_bytes_sec": _nested("client_io", "read_bytes_sec"),
    "update_time": lambda row: row["update_time"],
}
HEALTH_FILTERS = tuple(HEALTH_RANK)


def ordering_problem(ordering: str) -> str | None:
    """None for a known ordering ("used_ratio", "-used_ratio"), else why not."""
    if ordering.removeprefix("-") in ORDERINGS:
        return None
    return f"unknown ordering {ordering!r}; one of {', '.join(sorted(ORDERINGS))}, each optionally with '-'"


class Fleet:
    def __init__(self, clusters: Clusters, server_late_s: float, clock: Callable[[], float] = time.time):
        self._clusters = clusters
        self._server_late_s = server_late_s
        self._clock = clock
        self._started_at = clock()   # a restarted daemon gives servers a period before "late"
        # (built at, rows with their servers' counts, {page key: (count, JsonBytes)}); replaced
        # whole, so a reader on another thread sees one table or the next, never a mix
        self._table: tuple[float, list[dict], dict] = (float("-inf"), [], {})

    def fleet_page(self, *, ordering: str, health: str | None, offset: int, limit: int) -> Future:
        """(count, JsonBytes of the page's rows)."""
        problem = ordering_problem(ordering)
        if problem is not None:
            return failed(Invalid(problem, {"ordering": [problem]}))
        rows, pages = self._current_table()
        key = (ordering, health, offset, limit)
        page = pages.get(key)
        if page is None:
            selected = _ordered([row for row in rows if health is None or row["health"] == health], ordering)
            page = (len(selected), JsonBytes(json.dumps(selected[offset:offset + limit]).encode()))
            if len(pages) < MAX_PAGES:
                pages[key] = page
        return done(page)

    def _current_table(self) -> tuple[list[dict], dict]:
        now = self._clock()
        built_at, rows, pages = self._table
        if now - built_at >= TABLE_S or now < built_at:
            late_before = self._late_before(now)
            rows, pages = [self._with_servers(row, late_before) for row in self._clusters.fleet_rows()], {}
            self._table = (now, rows, pages)
        return rows, pages

    def _late_before(self, now: float) -> float:
        """A server last heard before this is late: silent for server_late_s, counted from our
        own start at the earliest."""
        return now - self._server_late_s if now - self._started_at > self._server_late_s else float("-inf")

    def server_states(self) -> dict:
        """{"managed": n, "late": m} over every managed server, late as in the fleet's rows."""
        return _server_counts(self._clusters.contact_times(), self._late_before(self._clock()))

    def _with_servers(self, row: dict, late_before: float) -> dict:
        contacts = [c for c in map(self._clusters.server_contact, row["_fqdns"]) if c is not None]
        shown = {key: value for key, value in row.items() if key != "_fqdns"}
        shown["servers"] = _server_counts(contacts, late_before)
        return shown


def _server_counts(contacts: list[float], late_before: float) -> dict:
    """{"managed", "late"} of these managed servers' contact times."""
    return {"managed": len(contacts), "late": sum(1 for c in contacts if c < late_before)}


def _ordered(rows: list[dict], ordering: str) -> list[dict]:
    """Sorted by the ordering, then by name and fsid (a stable page order); unknown values last."""
    key = ORDERINGS[ordering.removeprefix("-")]
    descending = ordering.startswith("-")
    rows = sorted(rows, key=lambda row: (row["name"], row["fsid"]))
    known = [row for row in rows if key(row) is not None]
    unknown = [row for row in rows if key(row) is None]
    return sorted(known, key=key, reverse=descending) + unknown
