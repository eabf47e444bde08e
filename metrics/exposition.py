"""Prometheus text format 0.0.4, written by hand for speed, and kept compressed.

prometheus_client's generate_latest builds a Sample object per series and formats each label on
every scrape: 4.3 s for the fleet bench's ~800,000 OSD series, where a scrape must answer in
under 2 s. Here a series is one f-string (`series_lines`), a family's lines of one cluster are
rendered once per input version (metrics/cluster_render.py), and what is kept is compressed
(~25x smaller: the fleet's ~75 MB of text would otherwise sit in a daemon at its memory goal's
edge).

Each kept piece (`Member`) is raw deflate, compressed on its own and ended by a sync flush: byte
aligned, not final, referring to nothing before it. Pieces laid end to end are therefore one
valid deflate stream; a gzip header, an empty final block and the trailer make it one gzip
member (`GzipFrame`), which every client reads (several concatenated gzip members would be
simpler, but curl and browsers stop after the first). The trailer's CRC-32 of the whole text is
combined from the pieces' own (`combined_crc`), without the text. A client that does not accept
gzip gets each piece inflated in turn.
"""
from __future__ import annotations

import math
import struct
import zlib
from typing import Iterable, NamedTuple

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.utils import floatToGoString

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4   # what we write, whatever the client library's latest is
RAW_DEFLATE = -15      # zlib's window bits for deflate without a wrapper
LEVEL = 1              # the text is so repetitive that level 1 already shrinks it ~25x, fastest


class Family(NamedTuple):
    """One metric family: its full name, Prometheus type and help text."""
    name: str
    type: str      # "gauge", "counter" or "untyped"
    help: str


class Member(NamedTuple):
    """A piece of text as raw deflate, with its length and CRC-32, and the CRC-32 of as many
    zero bytes (both for `combined_crc`)."""
    data: bytes
    size: int
    crc: int
    zeros_crc: int


def escape_label(value) -> str:
    """A label value as the text format quotes it: backslash, double quote and newline escaped."""
    text = str(value)
    if "\\" in text or '"' in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return text


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def value_text(value) -> str:
    """A sample value: ints as they are (exact, and what the format allows), floats as Go prints
    them (NaN, +Inf), anything else (None, text) as NaN rather than a broken line."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is bool:
        return "1" if value else "0"
    if kind is float:
        return repr(value) if math.isfinite(value) else floatToGoString(value)
    try:
        return floatToGoString(float(value))
    except (TypeError, ValueError):
        return "NaN"


def header(family: Family) -> str:
    return f"# HELP {family.name} {escape_help(family.help)}\n# TYPE {family.name} {family.type}\n"


def series_lines(name: str, rows: Iterable[tuple[str, object]], suffix: str) -> str:
    """One line per (labels text, value); `labels` is `k="v",...` already escaped (or ""), and
    `suffix` the labels every line of this cluster ends with (`cluster="<fsid>"`)."""
    head, tail = name + "{", suffix + "} "
    return "".join([f"{head}{labels},{tail}{value_text(value)}\n" if labels else f"{head}{tail}{value_text(value)}\n"
                    for labels, value in rows])


def labels_text(pairs: Iterable[tuple[str, object]]) -> str:
    return ",".join([f'{key}="{escape_label(value)}"' for key, value in pairs])


def member(text: str) -> Member:
    """The text as a self-contained, sync-flushed raw deflate piece (zlib releases the GIL while
    it compresses)."""
    raw = text.encode()
    deflater = zlib.compressobj(LEVEL, zlib.DEFLATED, RAW_DEFLATE)
    data = deflater.compress(raw) + deflater.flush(zlib.Z_SYNC_FLUSH)
    return Member(data, len(raw), zlib.crc32(raw), _zeros_crc(0, len(raw)))


def inflate(data: bytes) -> bytes:
    """The text of one piece (or of several laid end to end)."""
    return zlib.decompressobj(RAW_DEFLATE).decompress(data)


_ZEROS = bytes(1 << 20)


def _zeros_crc(crc: int, count: int) -> int:
    """zlib.crc32 of `count` zero bytes, continuing from `crc` (in C: ~6 GB/s)."""
    view = memoryview(_ZEROS)
    while count > 0:
        step = min(count, len(_ZEROS))
        crc = zlib.crc32(view[:step], crc)
        count -= step
    return crc


def combined_crc(members, crc: int = 0) -> int:
    """CRC-32 of the members' texts laid end to end (after a text whose CRC-32 is `crc`). CRC-32 is affine over GF(2), so for a piece
    B after text A: crc(A+B) = crc(B) ^ crc(zeros(len B), continuing from crc(A)) ^ crc(zeros(len B))."""
    for piece in members:
        crc = piece.crc ^ _zeros_crc(crc, piece.size) ^ piece.zeros_crc
    return crc


class GzipFrame(NamedTuple):
    """What turns the pieces into one gzip member: header before, final block and trailer after."""
    header: bytes
    trailer: bytes

    @classmethod
    def of(cls, members) -> "GzipFrame":
        return cls.of_text(combined_crc(members), sum(piece.size for piece in members))

    @classmethod
    def of_text(cls, crc: int, size: int) -> "GzipFrame":
        """The frame of pieces whose texts laid end to end have this CRC-32 and size."""
        return cls(GZIP_HEADER, FINAL_BLOCK + struct.pack("<II", crc, size & 0xFFFFFFFF))


# RFC 1952: magic, deflate, no flags, no time, no extra flags, OS unknown.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
FINAL_BLOCK = b"\x03\x00"   # an empty fixed-Huffman block with BFINAL set
