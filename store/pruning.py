"""Deleting old history a batch at a time, oldest first (the policy: actors/storage/retention.py).

Both tables are walked through their indexed timestamp (events.when, requests.requested_at), so
a batch costs an index range scan plus `limit` row deletions however big the table is; the count
limit needs one COUNT per batch. Requests still `submitted` are never deleted: they are running.
Like store/queries.py, these run inside the caller's transaction.

Events are only ever deleted here, each kind (audit entries, the rest) oldest first by (when, id).
The newest row ever deleted is kept as the prune mark (EventPruneMark): store/event_pages.py
re-ranks what lies at or below it when it moves, and trusts everything above it.
"""
from __future__ import annotations

import peewee as pw

from store.models import Event, EventPruneMark, Request


def _delete_oldest(model, stamp: pw.Field, keep: pw.Expression | None, cutoff: float | None,
                   max_count: int | None, limit: int, before_delete=None) -> int:
    """Delete at most `limit` rows matching `keep`: first those stamped before `cutoff`, then the
    oldest beyond `max_count`. Returns how many went. `before_delete(query)` sees each batch's
    selection of ids first."""
    def oldest(n: int, *conditions) -> int:
        if n <= 0:
            return 0
        query = model.select(model.id).order_by(stamp, model.id).limit(n)
        for condition in (c for c in (keep, *conditions) if c is not None):
            query = query.where(condition)
        if before_delete is not None:
            before_delete(query)
        # One statement, ids never leave the database (no bound-variable limit to mind).
        return model.delete().where(model.id.in_(query)).execute()

    deleted = oldest(limit, stamp < cutoff) if cutoff is not None else 0
    if max_count is not None and deleted < limit:
        counted = model.select()
        if keep is not None:
            counted = counted.where(keep)
        deleted += oldest(min(limit - deleted, counted.count() - max_count))
    return deleted


def prune_events(cutoff: float | None, max_count: int | None, limit: int,
                 audit_cutoff: float | None = None, audit_max_count: int | None = None) -> int:
    """Audit entries and other events each under their own limits, so a flood of either cannot
    push the other out. Each kind goes oldest first; since the two interleave, a deletion is not
    always the oldest rows of a list: the prune mark tells store/event_pages.py how far down."""
    deleted = 0
    for is_audit, kind_cutoff, kind_max in ((False, cutoff, max_count), (True, audit_cutoff, audit_max_count)):
        if deleted < limit:
            deleted += _delete_oldest(Event, Event.when, Event.audit == is_audit, kind_cutoff, kind_max,
                                      limit - deleted, before_delete=_raise_prune_mark)
    return deleted


def _raise_prune_mark(doomed: pw.SelectQuery) -> None:
    newest = (Event.select(Event.when, Event.id).where(Event.id.in_(doomed))
              .order_by(Event.when.desc(), Event.id.desc()).limit(1).tuples().first())
    if newest is None:
        return
    mark = EventPruneMark.get_or_none(EventPruneMark.id == 1)
    if mark is None:
        EventPruneMark.create(id=1, when=newest[0], row_id=newest[1])
    elif (mark.when, mark.row_id) < newest:
        EventPruneMark.update(when=newest[0], row_id=newest[1]).where(EventPruneMark.id == 1).execute()


def prune_requests(cutoff: float | None, max_count: int | None, limit: int) -> int:
    """Completed requests only; the count limit counts completed requests."""
    return _delete_oldest(Request, Request.requested_at, Request.state == "complete", cutoff,
                          max_count, limit)
