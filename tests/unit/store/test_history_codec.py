"""A time series point's stored values (store/history_codec.py): the byte layout, taking a few
values out, and the means of points, whether they share a layout or not."""
from __future__ import annotations

import struct

from store import history_codec as codec


def test_a_point_is_its_sorted_ids_then_their_values_little_endian():
    blob = codec.encode({7: 1.5, 3: -2.0, 500: 1e15})
    assert blob == struct.pack("<3I3d", 3, 7, 500, -2.0, 1.5, 1e15)
    assert codec.decode(blob) == {3: -2.0, 7: 1.5, 500: 1e15}
    assert codec.decode(codec.encode({})) == {}


def test_pick_takes_the_asked_values_out_of_points_of_any_layout():
    layouts = codec.Layouts()
    first, second = codec.encode({1: 10.0, 2: 20.0, 3: 30.0}), codec.encode({2: 21.0, 4: 41.0})
    assert layouts.pick(first, (3, 4, 1)) == [30.0, None, 10.0]
    assert layouts.pick(second, (3, 4, 1)) == [None, 41.0, None]
    assert layouts.pick(first, ()) == []


def test_pick_stays_right_when_it_forgets_what_it_learnt(monkeypatch):
    monkeypatch.setattr(codec, "MAX_LAYOUTS", 2)
    layouts = codec.Layouts()
    blobs = [codec.encode({n: float(n), n + 1: -float(n)}) for n in range(1, 6)]
    for _ in range(2):
        assert [layouts.pick(blob, (n, n + 1)) for n, blob in enumerate(blobs, 1)] == \
            [[float(n), -float(n)] for n in range(1, 6)]


def test_means_weigh_each_point_by_its_count_per_bucket():
    points = [(0.0, 1, codec.encode({1: 0.0, 2: 5.0})), (290.0, 3, codec.encode({1: 4.0, 2: 1.0})),
              (300.0, 2, codec.encode({1: 9.0, 2: 9.0}))]
    meaned = codec.means(points, 300.0)
    assert [(t, count, codec.decode(blob)) for t, count, blob in meaned] == [
        (0.0, 4, {1: 3.0, 2: 2.0}), (300.0, 2, {1: 9.0, 2: 9.0})]


def test_means_of_points_with_other_series_are_over_the_points_that_have_each():
    points = [(0.0, 2, codec.encode({1: 1.0})), (10.0, 1, codec.encode({1: 4.0, 2: 7.0})),
              (20.0, 1, codec.encode({2: 9.0, 3: 1.0}))]
    ((t, count, blob),) = codec.means(points, 300.0)
    assert (t, count, codec.decode(blob)) == (0.0, 4, {1: 2.0, 2: 8.0, 3: 1.0})


def test_both_ways_of_meaning_agree_where_both_apply():
    values = [{1: 1.25, 2: 1e12 + 3}, {1: 2.5, 2: 1e12 + 7}, {1: -0.75, 2: 1e12 - 1}]
    shared = [(float(i), i + 1, codec.encode(v)) for i, v in enumerate(values)]
    # The same series under another layout (an extra one in the last point) takes the dict way.
    mixed = shared[:2] + [(2.0, 3, codec.encode({**values[2], 9: 0.0}))]
    (_, _, fast), (_, _, general) = codec.means(shared, 300.0)[0], codec.means(mixed, 300.0)[0]
    assert {k: v for k, v in codec.decode(general).items() if k != 9} == codec.decode(fast)
