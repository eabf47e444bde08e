"""One page of the event list (newest first, ties by id) and its exact count, about as fast at
any depth as on page 1: what `GET …/event?page=N` needs with millions of stored events (issue 7).

OFFSET n costs n index entries, and COUNT(*) costs every matching one. Instead each filter
(fsid, fqdn, max_severity) keeps *anchors*: every ANCHOR_EVERY-th row of its list as (when, id),
with its rank (how many rows of the list are newer). A page at offset o seeks from the last
anchor ranked <= o through a covering index (store/models.py Event) and skips fewer than
~ANCHOR_EVERY rows of the list; the count is the last anchor's rank plus the rows from it to the
end (also ~ANCHOR_EVERY). Per page that is four or five short statements whatever the depth.
(A filter matching a small share of its index, `?severity=CRITICAL` say, reads that many more
index entries: 1000 rows at 2% is 50,000 entries, a few milliseconds.)

The anchors stay exact with no hook in any writer (the store, `run.py key`, another thread):

- a new row's id is above every id before it (SQLite: max(rowid) + 1 under the write lock;
  PostgreSQL: a sequence), so the rows added since the anchors were last brought up to date are
  `id > max_id`: each anchor's rank grows by those newer than it, and new anchors are laid over
  the top when the rows above the first one pass 2 * ANCHOR_EVERY;
- rows are deleted only by retention (store/pruning.py), each kind (audit entries, the rest)
  oldest first, and it records the newest (when, id) it ever deleted (the prune mark). Anchors
  above the mark keep their ranks (no newer row went); when the mark moves, those at or below it
  are laid again from the last one above it (a walk over the rows below, typically the old audit
  entries that outlive other events). Anchors whose rows are gone are dropped as well (probed
  from the oldest end).

They are rebuilt (one walk over the filter's index range, ~ANCHOR_EVERY entries per statement)
when that would cost more: more than MAX_DELTA rows added, the newest rows deleted (SQLite
could hand their ids out again), a filter not asked for among the last MAX_FILTERS, and anyway
after REBUILD_AFTER_S, which bounds the one case the above misses: on PostgreSQL a second
writer process (`run.py key`) committing a lower id after a higher one was read.

Every statement of a call must see one snapshot: call `list` inside a transaction (SQLite: any;
PostgreSQL: REPEATABLE READ, as the event reader's connection is). An EventPages instance is
owned by one thread and one connection (no locks); its cache is only an optimisation, each
call checks it against the database.
"""
from __future__ import annotations

import time
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import peewee as pw

ANCHOR_EVERY = 1000          # list rows between anchors: about the most a page or a count skips
MAX_DELTA = 20_000           # more ids added than this since the last call: rebuild instead
REBUILD_AFTER_S = 1800.0
MAX_FILTERS = 64             # filters whose anchors are kept (least recently used go first)

_ORDER = ' ORDER BY "when" DESC, "id" DESC'
Key = tuple  # (when, id)


@dataclass
class _Anchors:
    max_id: int               # every row with id <= max_id is accounted for in `ranks`
    keys: list                # [(when, id)] newest first; each is a row of the list
    ranks: list               # ranks[j]: rows of the list newer than keys[j] (ascending)
    built_at: float
    mark: Key | None = None   # the prune mark these ranks account for


class _Filter:
    """The WHERE clause of one list and its parameters (placeholders of the database)."""

    def __init__(self, db: pw.Database, fsid, fqdn, max_severity):
        p = db.param
        parts, params = [], []
        for column, op, value in (("fsid", "=", fsid), ("fqdn", "=", fqdn),
                                  ("severity", "<=", max_severity)):
            if value is not None:
                parts.append(f'"{column}" {op} {p}')
                params.append(value)
        self.key = (fsid, fqdn, max_severity)
        self.where = " AND ".join(parts) or "1 = 1"
        self.params = tuple(params)
        self.p = p

    def bound(self, key: Key | None, inclusive: bool) -> tuple[str, tuple]:
        """Rows at or after (inclusive) / after `key` in newest-first order."""
        if key is None:
            return self.where, self.params
        op = "<=" if inclusive else "<"
        return f'{self.where} AND ("when", "id") {op} ({self.p}, {self.p})', self.params + tuple(key)


class EventPages:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._cache: OrderedDict[tuple, _Anchors] = OrderedDict()
        self.rebuilds = 0     # walks over a whole list (for tests and curiosity)

    def list(self, db: pw.Database, fsid: str | None, fqdn: str | None, max_severity: int | None,
             offset: int, limit: int | None) -> tuple[int, list[dict]]:
        """(rows matching, the page of them at `offset`, newest first); None filters mean any,
        limit None: to the end. Must run inside a transaction (see the module's doc)."""
        f = _Filter(db, fsid, fqdn, max_severity)
        offset = max(0, offset or 0)
        anchors = self._current(db, f)
        count = self._count(db, f, anchors)
        top = anchors.ranks[0] if anchors.keys else count
        if top >= 2 * ANCHOR_EVERY:
            self._lay_top(db, f, anchors)
        limit = count - offset if limit is None else max(0, limit)
        if offset >= count or limit <= 0:
            return count, []
        j = bisect_right(anchors.ranks, offset) - 1
        start, skip = (anchors.keys[j], offset - anchors.ranks[j]) if j >= 0 else (None, offset)
        where, params = f.bound(start, inclusive=True)
        rows = db.execute_sql(
            'SELECT e."when", e."severity", e."message" FROM events AS e JOIN '
            f'(SELECT "id" FROM events WHERE {where}{_ORDER} LIMIT {f.p} OFFSET {f.p}) AS page '
            'ON e."id" = page."id" ORDER BY e."when" DESC, e."id" DESC',
            params + (limit, skip)).fetchall()
        return count, [{"when": when, "severity": severity, "message": message}
                       for when, severity, message in rows]

    # the anchors -----------------------------------------------------------------------------

    def _current(self, db, f: _Filter) -> _Anchors:
        """The filter's anchors, brought up to this snapshot's inserts (or rebuilt)."""
        max_id = db.execute_sql('SELECT max("id") FROM events').fetchone()[0] or 0
        mark = db.execute_sql('SELECT "when", "row_id" FROM event_prune_mark WHERE "id" = 1').fetchone()
        mark = tuple(mark) if mark else None
        anchors = self._cache.pop(f.key, None)
        if anchors is not None and (max_id < anchors.max_id or max_id - anchors.max_id > MAX_DELTA
                                    or self._clock() - anchors.built_at > REBUILD_AFTER_S):
            anchors = None
        if anchors is None:
            keys, ranks = self._walk(db, f, None, -1, None)
            anchors = _Anchors(max_id, keys, ranks, self._clock(), mark)
            self.rebuilds += 1
        elif max_id > anchors.max_id:
            # Through the primary key (the LIMIT keeps the planner from a filter index that
            # would read every row of the filter to find the few new ones).
            added = sorted(tuple(row) for row in db.execute_sql(
                f'SELECT "when", "id" FROM (SELECT "when", "id", "severity", "fsid", "fqdn" FROM events '
                f'WHERE "id" > {f.p} AND "id" <= {f.p} ORDER BY "id" LIMIT {f.p}) AS added WHERE {f.where}',
                (anchors.max_id, max_id, MAX_DELTA + 1) + f.params).fetchall())
            if added:
                anchors.ranks = [rank + len(added) - bisect_right(added, key)
                                 for key, rank in zip(anchors.keys, anchors.ranks)]
            anchors.max_id = max_id
        if anchors.mark != mark:      # after the inserts are folded in: the walk counts them itself
            self._below_mark(db, f, anchors, mark)
        self._cache[f.key] = anchors
        while len(self._cache) > MAX_FILTERS:
            self._cache.popitem(last=False)
        return anchors

    def _below_mark(self, db, f: _Filter, anchors: _Anchors, mark: Key | None) -> None:
        """Retention deleted rows at or below `mark` since these anchors were made, not only the
        oldest of this list: anchors above the mark keep their ranks (nothing newer went), those
        at or below it are laid again from the last one above (from the top if none is). When
        retention took only the oldest rows, nothing lies below the mark: one statement."""
        keep = sum(1 for key in anchors.keys if mark is None or key > mark)   # newest first: a prefix
        del anchors.keys[keep:], anchors.ranks[keep:]
        start, rank = (anchors.keys[-1], anchors.ranks[-1]) if keep else (None, -1)
        keys, ranks = self._walk(db, f, start, rank, None)
        anchors.keys += keys
        anchors.ranks += ranks
        anchors.mark = mark

    def _walk(self, db, f: _Filter, start: Key | None, rank: int, below: int | None) -> tuple[list, list]:
        """Anchors every ANCHOR_EVERY rows after `start` (ranked `rank`; None, -1: the top),
        while their rank stays below `below` (None: to the end of the list)."""
        keys, ranks = [], []
        while below is None or rank + ANCHOR_EVERY < below:
            where, params = f.bound(start, inclusive=False)
            row = db.execute_sql(f'SELECT "when", "id" FROM events WHERE {where}{_ORDER} LIMIT 1 OFFSET {f.p}',
                                 params + (ANCHOR_EVERY - 1,)).fetchone()
            if row is None:
                break
            start, rank = tuple(row), rank + ANCHOR_EVERY
            keys.append(start)
            ranks.append(rank)
        return keys, ranks

    def _lay_top(self, db, f: _Filter, anchors: _Anchors) -> None:
        """New anchors over the rows added above the first one (or a first walk)."""
        if not anchors.keys:
            anchors.keys, anchors.ranks = self._walk(db, f, None, -1, None)
            return
        keys, ranks = self._walk(db, f, None, -1, anchors.ranks[0] - ANCHOR_EVERY // 2)
        anchors.keys[:0] = keys
        anchors.ranks[:0] = ranks

    def _count(self, db, f: _Filter, anchors: _Anchors) -> int:
        """Exact count: the last live anchor's rank + the rows from it on. Drops dead anchors."""
        while anchors.keys:
            last = anchors.keys[-1]
            where, params = f.bound(last, inclusive=True)
            tail, alive = db.execute_sql(
                f'SELECT count(*), max(CASE WHEN "id" = {f.p} THEN 1 ELSE 0 END) FROM events WHERE {where}',
                (last[1],) + params).fetchone()
            if alive:
                return anchors.ranks[-1] + tail
            # Retention deleted the oldest rows: the live anchors are a prefix. Find its end.
            low, high = 0, len(anchors.keys) - 1          # keys[high] is gone
            while low < high:
                middle = (low + high) // 2
                if self._exists(db, f, anchors.keys[middle]):
                    low = middle + 1
                else:
                    high = middle
            del anchors.keys[low:], anchors.ranks[low:]
        return db.execute_sql(f"SELECT count(*) FROM events WHERE {f.where}", f.params).fetchone()[0]

    @staticmethod
    def _exists(db, f: _Filter, key: Key) -> bool:
        return db.execute_sql(f'SELECT 1 FROM events WHERE "id" = {f.p} AND "when" = {f.p}',
                              (key[1], key[0])).fetchone() is not None
