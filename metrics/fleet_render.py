"""The whole scrape: every cluster's families, then the daemon's own `calamari_*` metrics.

The text format wants each family's lines together under one HELP/TYPE, so the answer is
assembled family-major: a family's header, then each cluster's kept member for it (clusters by
fsid), then the next family. Assembling is a list of references to kept members (~10,000 for
100 clusters); only the parts whose inputs moved were rendered again (metrics/cluster_render.py).
The daemon's registry is small and rendered by prometheus_client for every scrape when it is
served (`with_daemon`), not with the clusters' render: a scrape may be served a render made
seconds before (metrics/render_thread.py), but the daemon's counters are read as it is served.
"""
from __future__ import annotations

import time
from typing import Callable, Iterator, NamedTuple

from prometheus_client import generate_latest

from metrics.cluster_render import FAMILIES, ClusterRender
from metrics.exposition import GzipFrame, Member, combined_crc, header, inflate, member

CHUNK_BYTES = 1 << 20   # what one write hands Tornado before awaiting its flush (the gzip answer: ~4)
HEADERS: dict[str, Member] = {family.name: member(header(family)) for family in FAMILIES}


class FleetSource(NamedTuple):
    """How the metrics find the clusters: what the API's reads use (the Dispatcher's read models,
    actors/dispatch/read_models.py), never an actor."""
    summaries: Callable[[], list[dict]]    # the cluster list's entries: {"id", "name", "update_time"}
    query_cache: Callable[[str], object]   # fsid -> its QueryCache, or None once forgotten

    @classmethod
    def of(cls, dispatcher) -> "FleetSource":
        return cls(dispatcher.cluster_summaries, dispatcher.query_cache)


class Exposition(NamedTuple):
    """One scrape's answer: the compressed pieces in order, the CRC-32 and size of their text
    (for the gzip frame), and how long the render took."""
    members: tuple[Member, ...]
    crc: int
    size: int
    seconds: float
    parts_rendered: int

    @classmethod
    def of(cls, members: list[Member], seconds: float, parts_rendered: int) -> "Exposition":
        return cls(tuple(members), combined_crc(members), sum(m.size for m in members), seconds, parts_rendered)

    def with_tail(self, piece: Member) -> "Exposition":
        """This answer with one more piece at its end (the CRC extended, not computed again)."""
        return self._replace(members=(*self.members, piece), crc=combined_crc((piece,), self.crc),
                             size=self.size + piece.size)

    @property
    def frame(self) -> GzipFrame:
        return GzipFrame.of_text(self.crc, self.size)

    @property
    def gzip_size(self) -> int:
        return len(self.frame.header) + sum(len(m.data) for m in self.members) + len(self.frame.trailer)

    @property
    def text_size(self) -> int:
        return self.size

    def chunks(self, gzip: bool) -> Iterator[bytes]:
        """The body in pieces of about CHUNK_BYTES: one gzip member made of the kept pieces, or
        the pieces inflated one at a time, so the whole text is never held at once."""
        batch, size = [self.frame.header] if gzip else [], 0
        for piece in self.members:
            data = piece.data if gzip else inflate(piece.data)
            batch.append(data)
            size += len(data)
            if size >= CHUNK_BYTES:
                yield b"".join(batch)
                batch, size = [], 0
        if gzip:
            batch.append(self.frame.trailer)
        if batch:
            yield b"".join(batch)


class FleetRenderer:
    """Renders on one thread at a time (metrics/render_thread.py): it owns its per-cluster state."""

    def __init__(self, source: FleetSource, registry, clock=time.perf_counter,
                 pause: Callable[[], None] = lambda: None):
        """pause(): called between pieces of rendering work (metrics/render_thread.py yield_gil)."""
        self._source = source
        self._pause = pause
        self._registry = registry
        self._clock = clock
        self._clusters: dict[str, ClusterRender] = {}

    def render(self) -> Exposition:
        started = self._clock()
        clusters, rendered = self._refresh()
        members = []
        for family in FAMILIES:
            members.append(HEADERS[family.name])
            for cluster in clusters:
                kept = cluster.member(family.name)
                if kept is not None:
                    members.append(kept)
        return Exposition.of(members, self._clock() - started, rendered)

    def with_daemon(self, exposition: Exposition) -> Exposition:
        """The clusters' render followed by the daemon's own metrics of this moment."""
        return exposition.with_tail(member(generate_latest(self._registry).decode()))

    def _refresh(self) -> tuple[list[ClusterRender], int]:
        """The clusters known now, each brought up to date; forgotten ones are dropped."""
        current: dict[str, ClusterRender] = {}
        rendered = 0
        for summary in sorted(self._source.summaries(), key=lambda entry: entry["id"]):
            fsid = summary["id"]
            cache = self._source.query_cache(fsid)
            if cache is None:
                continue
            kept = self._clusters.get(fsid)
            if kept is None or kept.cache_ref() is not cache:
                kept = ClusterRender(fsid, cache)
            rendered += kept.refresh(summary, self._pause)
            self._pause()   # between clusters too: a pass checks every cluster's inputs
            current[fsid] = kept
        self._clusters = current
        return list(current.values()), rendered
