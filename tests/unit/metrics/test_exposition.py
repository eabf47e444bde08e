"""The hand-written text format and the compressed pieces that make one gzip stream."""
from __future__ import annotations

import gzip
import math
import os
import zlib

import pytest

from metrics.exposition import (
    Family, GzipFrame, combined_crc, escape_label, header, inflate, labels_text, member, series_lines, value_text)


@pytest.mark.parametrize("value, text", [
    (3, "3"), (0, "0"), (-7, "-7"), (2 ** 60, str(2 ** 60)), (0.25, "0.25"), (True, "1"), (False, "0"),
    (math.nan, "NaN"), (math.inf, "+Inf"), (-math.inf, "-Inf"), ("12.5", "12.5"), (None, "NaN"), ("x", "NaN")])
def test_values(value, text):
    assert value_text(value) == text


def test_label_values_are_escaped_as_the_format_says():
    assert escape_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    assert escape_label(12) == "12"
    assert labels_text([("name", 'x"'), ("pool_id", 3)]) == 'name="x\\"",pool_id="3"'


def test_lines_and_header():
    assert series_lines("ceph_x", [("", 1), ('pool_id="2"', 0.5)], 'cluster="f"') == \
        'ceph_x{cluster="f"} 1\nceph_x{pool_id="2",cluster="f"} 0.5\n'
    assert header(Family("ceph_x", "gauge", "line\none")) == "# HELP ceph_x line\\none\n# TYPE ceph_x gauge\n"


def test_pieces_laid_end_to_end_are_one_gzip_member_with_the_right_crc_and_size():
    texts = ["", "a", "x" * 100_000, os.urandom(3_000_000).hex(), "tail\n"]   # one piece over the 1 MiB zeros buffer
    pieces = [member(text) for text in texts]
    whole = "".join(texts).encode()
    assert combined_crc(pieces) == zlib.crc32(whole)
    frame = GzipFrame.of(pieces)
    stream = frame.header + b"".join(p.data for p in pieces) + frame.trailer
    assert gzip.decompress(stream) == whole
    assert zlib.decompressobj(31).decompress(stream) == whole     # a single member, not several
    assert [inflate(p.data).decode() for p in pieces] == texts
    assert [p.size for p in pieces] == [len(t.encode()) for t in texts]
