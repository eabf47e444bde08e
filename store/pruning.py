"""Deleting old history a batch at a time, oldest first (the policy: actors/retention.py).

Both tables are walked through their indexed timestamp (events.when, requests.requested_at), so
a batch costs an index range scan plus `limit` row deletions however big the table is; the count
limit needs one COUNT per batch. Requests still `submitted` are never deleted: they are running.
Like store/queries.py, these run inside the caller's transaction.

Events are only ever deleted here, and always the oldest by (when, id): a prefix of the list in
that order. store/event_pages.py relies on it (its anchors stay exact without a hook here).
"""
from __future__ import annotations

import peewee as pw

from store.models import Event, Request


def _delete_oldest(model, stamp: pw.Field, keep: pw.Expression | None, cutoff: float | None,
                   max_count: int | None, limit: int) -> int:
    """Delete at most `limit` rows matching `keep`: first those stamped before `cutoff`, then the
    oldest beyond `max_count`. Returns how many went."""
    def oldest(n: int, *conditions) -> int:
        if n <= 0:
            return 0
        query = model.select(model.id).order_by(stamp, model.id).limit(n)
        for condition in (c for c in (keep, *conditions) if c is not None):
            query = query.where(condition)
        # One statement, ids never leave the database (no bound-variable limit to mind).
        return model.delete().where(model.id.in_(query)).execute()

    deleted = oldest(limit, stamp < cutoff) if cutoff is not None else 0
    if max_count is not None and deleted < limit:
        counted = model.select()
        if keep is not None:
            counted = counted.where(keep)
        deleted += oldest(min(limit - deleted, counted.count() - max_count))
    return deleted


def prune_events(cutoff: float | None, max_count: int | None, limit: int) -> int:
    return _delete_oldest(Event, Event.when, None, cutoff, max_count, limit)


def prune_requests(cutoff: float | None, max_count: int | None, limit: int) -> int:
    """Completed requests only; the count limit counts completed requests."""
    return _delete_oldest(Request, Request.requested_at, Request.state == "complete", cutoff,
                          max_count, limit)
