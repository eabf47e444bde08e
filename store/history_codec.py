"""A time series point's values as stored (store/history.py), and the means of points.

A point's blob is its series ids (uint32), sorted, then their values (float64) in the same
order, both little-endian: 12 bytes a value (~1.1 KB for a heartbeat of 90), and the ids part
is the same bytes in every point of a cluster until its pools change. Readers keep the
places of the series asked for in each such *layout* (Layouts), so taking a few series out of a
point is one copy into an array and as many indexings (~1 µs) instead of decoding all 90 into a
dict (msgpack: ~7 µs): a 30-day read is 8,640 points, a restart reads ~900 per cluster.
Means of points that share a layout are summed column by column in C (zip, sum, map).
"""
from __future__ import annotations

import math
import sys
from array import array
from operator import mul

Point = tuple     # (t, count: heartbeats behind it, blob)

_BIG_ENDIAN = sys.byteorder == "big"
MAX_LAYOUTS = 10_000      # positions kept per reader; far more than clusters × pool changes


def _little(values: array) -> bytes:
    if _BIG_ENDIAN:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _native(typecode: str, data: bytes) -> array:
    values = array(typecode, data)
    if _BIG_ENDIAN:
        values.byteswap()
    return values


def encode(values: dict[int, float]) -> bytes:
    ids = sorted(values)
    return _little(array("I", ids)) + _little(array("d", [values[i] for i in ids]))


def _split(blob: bytes) -> int:
    """Where the values begin (after 4 bytes an id)."""
    return len(blob) // 12 * 4


def decode(blob: bytes) -> dict[int, float]:
    start = _split(blob)
    return dict(zip(_native("I", blob[:start]), _native("d", blob[start:])))


class Layouts:
    """Where the series are in each layout met, to take a few values out of a point."""

    def __init__(self):
        self._places: dict[tuple[bytes, tuple[int, ...]], list[int | None]] = {}

    def pick(self, blob: bytes, wanted: tuple[int, ...]) -> list[float | None]:
        """The values of the `wanted` series ids in the point (None: it has none)."""
        start = _split(blob)
        key = (blob[:start], wanted)
        places = self._places.get(key)
        if places is None:
            if len(self._places) >= MAX_LAYOUTS:
                self._places.clear()
            where = {series_id: n for n, series_id in enumerate(_native("I", key[0]))}
            places = self._places[key] = [where.get(series_id) for series_id in wanted]
        values = _native("d", blob[start:])
        return [None if n is None else values[n] for n in places]


def means(points: list[Point], bucket_s: float) -> list[Point]:
    """Points meaned into buckets of bucket_s (t = the bucket's start, in order): per series, over
    the points that have it, each weighted by its count; a bucket's count is the sum of them."""
    buckets: dict[float, list[Point]] = {}
    for point in points:
        buckets.setdefault(math.floor(point[0] / bucket_s) * bucket_s, []).append(point)
    return [(start, sum(p[1] for p in members), _mean(members)) for start, members in buckets.items()]


def _mean(members: list[Point]) -> bytes:
    counts = [p[1] for p in members]
    start = _split(members[0][2])
    layout = members[0][2][:start]
    if all(p[2][:start] == layout and len(p[2]) == len(members[0][2]) for p in members):
        total = sum(counts)
        columns = zip(*(_native("d", p[2][start:]) for p in members))
        return layout + _little(array("d", [sum(map(mul, column, counts)) / total for column in columns]))
    sums: dict[int, float] = {}
    weights: dict[int, int] = {}
    for count, (_, _, blob) in zip(counts, members):
        for series_id, value in decode(blob).items():
            sums[series_id] = sums.get(series_id, 0.0) + value * count
            weights[series_id] = weights.get(series_id, 0) + count
    return encode({series_id: total / weights[series_id] for series_id, total in sums.items()})
