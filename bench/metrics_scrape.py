"""Scale of `/metrics` (issue 15): rendering the fleet's clusters in one process, and a scraper
that bench/fleet.py runs against the daemon beside its GETs.

    python bench/metrics_scrape.py [--clusters 100] [--servers 100] [--osds-per-server 10]

In one process, without a daemon: one simulated cluster's maps and stats served under
`--clusters` fsids through the real QueryCache and renderer (metrics/fleet_render.py), and timed:
the first render (every line of every cluster), a render with nothing moved, one after a quarter
of the clusters' `osd df` / `osd perf` moved (what a 15 s scrape meets in the fleet bench: each
cluster asks for them every 6 heartbeats of 10 s) and one after every cluster's heartbeat stats
moved; then serving the answer gzip-encoded (as Prometheus asks) and plain. Sizes, series, and
the memory the renderer keeps (tracemalloc, in a pass of its own).
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import sys
import threading
import time
import tracemalloc
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from prometheus_client import CollectorRegistry  # noqa: E402

from actors.cluster.queries import ClusterInputs, QueryCache  # noqa: E402
from actors.cluster.stats import ClusterStats  # noqa: E402
from metrics.fleet_render import FleetRenderer, FleetSource  # noqa: E402
from sim.model import SimCluster  # noqa: E402

MAP_TYPES = ("osd_map", "health", "mon_status", "quorum_status", "pg_summary")
SUMMARY_TIME = "2027-01-15T08:00:00+00:00"


# the scraper bench/fleet.py runs ----------------------------------------------------------------

@dataclass
class Scrapes:
    seconds: list = field(default_factory=list)   # time to the last byte of each answer
    gzip_bytes: int = 0
    last_body: bytes = b""
    errors: list = field(default_factory=list)

    def text_figures(self) -> tuple[int, int]:
        """(bytes, series) of the last answer's text."""
        text = gzip.decompress(self.last_body) if self.last_body else b""
        return len(text), sum(1 for line in text.splitlines() if line and not line.startswith(b"#"))


def scrape_once(url: str, token: str | None = None, timeout_s: float = 30.0) -> tuple[float, bytes]:
    """One GET as Prometheus makes it (Accept-Encoding: gzip, a new connection): (seconds, body)."""
    parts = urlsplit(url)
    connection = (http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection)(
        parts.hostname, parts.port, timeout=timeout_s)
    headers = {"Accept-Encoding": "gzip", **({"Authorization": f"Bearer {token}"} if token else {})}
    started = time.perf_counter()
    try:
        connection.request("GET", parts.path or "/metrics", headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"/metrics answered {answer.status}")
        return time.perf_counter() - started, body
    finally:
        connection.close()


class Scraper(threading.Thread):
    """Scrapes `url` every `every_s` seconds until stopped (mostly blocked on the socket, so it
    takes little of this process's GIL from the GET load beside it)."""

    def __init__(self, url: str, every_s: float):
        super().__init__(daemon=True)
        self.url, self.every_s = url, every_s
        self.scrapes = Scrapes()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            started = time.monotonic()
            try:
                seconds, body = scrape_once(self.url)
                self.scrapes.seconds.append(seconds)
                self.scrapes.gzip_bytes, self.scrapes.last_body = len(body), body
            except Exception as exc:  # noqa: BLE001 - counted and reported, the bench goes on
                self.scrapes.errors.append(str(exc))
            self._stop_event.wait(max(0.0, self.every_s - (time.monotonic() - started)))

    def stop(self) -> Scrapes:
        self._stop_event.set()
        self.join(60)
        return self.scrapes


# the in-process render bench --------------------------------------------------------------------

class BenchCluster:
    """One fsid serving shared maps and stats, replaced (never mutated) as a ClusterActor does."""

    def __init__(self, fsid: str, maps: dict, stats: ClusterStats):
        self.maps, self.stats = dict(maps), stats
        self.cache = QueryCache(ClusterInputs(fsid, sync_data=self.maps.get, services=lambda: (),
                                              summary=dict, stats=lambda: self.stats))


def build(args) -> tuple[list, dict, SimCluster]:
    sim = SimCluster(hosts=args.servers, osds_per_host=args.osds_per_server, clock=lambda: 1_800_000_000.0)
    maps = {t: sim.get_cluster_object(t)["data"] for t in MAP_TYPES}
    stats = ClusterStats().with_heartbeat(sim.heartbeat_stats()).with_osd_stats(sim.get_cluster_stats())
    clusters = {str(uuid.UUID(int=n + 1)): None for n in range(args.clusters)}
    for fsid in clusters:
        clusters[fsid] = BenchCluster(fsid, maps, stats)
    return clusters, maps, sim


def renderer_of(clusters: dict) -> FleetRenderer:
    source = FleetSource(lambda: [{"id": fsid, "update_time": SUMMARY_TIME} for fsid in clusters],
                         lambda fsid: clusters[fsid].cache)
    return FleetRenderer(source, CollectorRegistry())


def timed_render(renderer: FleetRenderer, label: str):
    started = time.perf_counter()
    exposition = renderer.render()
    print(f"  {label:52} {time.perf_counter() - started:7.3f} s   parts rendered {exposition.parts_rendered:5,}")
    return exposition


def move_osd_stats(clusters: list, sim: SimCluster) -> None:
    answer = sim.get_cluster_stats()
    for cluster in clusters:
        cluster.stats = cluster.stats.with_osd_stats({**answer, "taken_at": (cluster.stats.osd_taken_at or 0) + 60})


def move_heartbeat_stats(clusters: list, sim: SimCluster) -> None:
    carried = sim.heartbeat_stats()
    for cluster in clusters:
        cluster.stats = cluster.stats.with_heartbeat({**carried, "taken_at": cluster.stats.taken_at + 10})


def serve(exposition) -> None:
    for gzip_wanted, label in ((True, "gzip (as Prometheus asks)"), (False, "plain (inflated piece by piece)")):
        started = time.perf_counter()
        size = sum(len(chunk) for chunk in exposition.chunks(gzip=gzip_wanted))
        print(f"  serving {label:44} {time.perf_counter() - started:7.3f} s   {size:>13,} B")


def kept_memory(args) -> None:
    clusters, _, _ = build(args)
    renderer = renderer_of(clusters)
    tracemalloc.start()
    exposition = renderer.render()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory (tracemalloc, maps and stats excluded): kept by the renderer {kept / 2**20:,.1f} MiB "
          f"(the compressed pieces: {exposition.gzip_size / 2**20:,.1f} MiB), peak during the first render "
          f"{peak / 2**20:,.1f} MiB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="render and serve /metrics for a simulated fleet, in process")
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--servers", type=int, default=100, help="servers per cluster")
    parser.add_argument("--osds-per-server", type=int, default=10)
    args = parser.parse_args(argv)
    clusters, _, sim = build(args)
    renderer = renderer_of(clusters)
    osds = args.clusters * args.servers * args.osds_per_server
    print(f"{args.clusters} clusters x {args.servers} servers x {args.osds_per_server} OSDs = {osds:,} OSDs")
    first = timed_render(renderer, "first render (every line)")
    timed_render(renderer, "nothing moved")
    quarter = list(clusters.values())[: max(1, args.clusters // 4)]
    move_osd_stats(quarter, sim)
    timed_render(renderer, f"osd df / osd perf of {len(quarter)} clusters moved")
    move_heartbeat_stats(list(clusters.values()), sim)
    last = timed_render(renderer, "heartbeat stats of every cluster moved")
    text = b"".join(first.chunks(gzip=False))
    series = sum(1 for line in text.splitlines() if line and not line.startswith(b"#"))
    print(f"answer: {series:,} series, text {last.text_size:,} B, gzip {last.gzip_size:,} B "
          f"({last.text_size / last.gzip_size:.1f}x), {len(last.members):,} pieces")
    serve(last)
    del text, first, last, renderer, clusters
    kept_memory(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

