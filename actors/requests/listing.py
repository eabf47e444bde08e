"""Which requests a list shows (pure): the request lists' filters and a cluster's completed
changes (`cluster/<fsid>/changes`). The tracker holds the newest requests in memory (restored
from the store at start), so lists are answered from there: one place that also sees the
in-flight requests as they move."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from actors.requests.messages import RequestFilter
from actors.timefmt import iso

JOB_KIND = "job"   # debug jobs: not changes of a cluster


def matching(states: Iterable, fsid: str | None, where: RequestFilter) -> list:
    """The states a request list shows, newest `requested_at` first (ties: the later held first)."""
    found = [s for s in reversed(list(states))
             if (fsid is None or s.fsid == fsid)
             and (where.fsid is None or s.fsid == where.fsid)
             and (where.state is None or s.state == where.state)
             and (where.requested_by is None or s.requested_by == where.requested_by)
             and (where.kind is None or s.kind == where.kind)
             and (where.since is None or as_shown(s.requested_at) >= where.since)
             and (where.until is None or as_shown(s.requested_at) <= where.until)]
    found.sort(key=lambda s: s.requested_at, reverse=True)   # stable
    return found


def as_shown(moment: float) -> float:
    """An epoch time as the API shows it (ISO 8601 to the microsecond), read back: a request's
    own `requested_at` given as `since` or `until` then includes it."""
    return datetime.fromtimestamp(moment, timezone.utc).timestamp()


def is_change(state) -> bool:
    """A completed, successful change of a cluster (what a revert can start from)."""
    return (state.fsid is not None and state.kind != JOB_KIND and state.state == "complete"
            and not state.error and state.completed_at is not None)


def completed_changes(states: Iterable, fsid: str) -> list:
    """Cluster `fsid`'s completed successful changes, newest `completed_at` first."""
    found = [s for s in states if s.fsid == fsid and is_change(s)]
    found.sort(key=lambda s: s.completed_at, reverse=True)
    return found


def change_row(state) -> dict:
    """One entry of `cluster/<fsid>/changes`."""
    return {"request_id": state.id, "headline": state.headline, "kind": state.kind,
            "requested_by": state.requested_by,
            "changes": {field: list(pair) for field, pair in (state.changes or {}).items()},
            "requested_at": iso(state.requested_at), "completed_at": iso(state.completed_at),
            "duration_s": round(max(0.0, state.completed_at - state.requested_at), 3)}


def page(items: list, offset: int, limit: int | None) -> list:
    offset = max(0, offset or 0)
    return items[offset:None if limit is None else offset + max(0, limit)]
