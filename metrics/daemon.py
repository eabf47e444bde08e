"""The daemon's own metrics, all named `calamari_*`.

Two kinds, both on one prometheus_client registry (`DaemonMetrics.registry`, appended to every
scrape of /metrics):

- counted as things happen: HTTP requests (by route template, method and code, with a latency
  histogram: `observe_http`, called by the web tier when a request finishes), events by severity
  and requests by kind and outcome with a duration histogram (`on_notice`, subscribed to the
  daemon's notices: actors/notices.py);
- read at scrape time from counters the daemon keeps anyway (`DaemonSources`): the bus's messages
  and drops, the heartbeats received / applied / coalesced / stale, the agents by state, the
  store's queue, garbage-collection pauses, the live-push clients. Nothing is asked of an actor:
  each source is a thread-safe read, so a scrape costs the same however busy the daemon is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from actors.notices import EventsSaved, RequestChanged

# A `_created` series beside every counter doubles the output and says only when we started.
disable_created_metrics()

HTTP_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUEST_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
BUS_DROP_PREFIX = "dropped_"   # bus/server.py STATS_KEYS: dropped_<reason>


@dataclass(frozen=True)
class DaemonSources:
    """Thread-safe reads of what the daemon counts anyway; None: that part is not running."""
    bus_stats: Callable[[], dict] | None = None           # bus/server.py BusServer.stats
    heartbeat_counts: Callable[[], dict] | None = None    # actors/dispatch/router.py
    server_states: Callable[[], dict] | None = None       # {"managed", "late"}: actors/facade/fleet.py
    pending_keys: Callable[[], int] | None = None         # actors/keys/keyring.py
    store_queue: Callable[[], int] | None = None          # messages waiting for the StoreActor
    gc_pauses: Callable[[], list] | None = None           # [(collections, seconds)] per generation
    stream_clients: Callable[[], int] | None = None       # open GET api/v2/stream connections


class DaemonMetrics:
    def __init__(self, sources: DaemonSources):
        self.sources = sources
        self.registry = CollectorRegistry(auto_describe=False)
        self._events = Counter("calamari_events", "Events emitted, by severity", ["severity"],
                               registry=self.registry)
        self._requests = Counter("calamari_requests", "Requests (changes) that ended, by kind and outcome",
                                 ["kind", "outcome"], registry=self.registry)
        self._request_seconds = Histogram("calamari_request_duration_seconds",
                                          "Time from a request's submission to its end, by kind",
                                          ["kind"], buckets=REQUEST_SECONDS, registry=self.registry)
        self._http = Counter("calamari_http_requests", "HTTP requests answered, by route template, method and code",
                             ["route", "method", "code"], registry=self.registry)
        self._http_seconds = Histogram("calamari_http_request_duration_seconds",
                                       "Time to answer an HTTP request, by route template and method",
                                       ["route", "method"], buckets=HTTP_SECONDS, registry=self.registry)
        self.registry.register(_SourcesCollector(self))

    def on_notice(self, notice) -> None:
        """A subscriber of the daemon's notices: runs on the publisher's thread, so it only counts."""
        if isinstance(notice, EventsSaved):
            for event in notice.events:
                self._events.labels(str(event.get("severity"))).inc()
        elif isinstance(notice, RequestChanged) and notice.outcome is not None:
            self._requests.labels(notice.kind, notice.outcome).inc()
            if notice.duration_s is not None:
                self._request_seconds.labels(notice.kind).observe(max(0.0, notice.duration_s))

    def observe_http(self, route: str, method: str, code: int, seconds: float | None) -> None:
        """seconds None: counted, not timed (a live stream's answer lasts as long as its client)."""
        self._http.labels(route, method, str(code)).inc()
        if seconds is not None:
            self._http_seconds.labels(route, method).observe(seconds)


class _SourcesCollector:
    """The counters read at scrape time (prometheus_client's custom collector interface)."""

    def __init__(self, metrics: DaemonMetrics):
        self._metrics = metrics

    def collect(self):
        sources = self._metrics.sources
        if sources.bus_stats is not None:
            yield from _bus_families(sources.bus_stats())
        if sources.heartbeat_counts is not None:
            yield from _heartbeat_families(sources.heartbeat_counts())
        yield _agents_family(sources)
        if sources.store_queue is not None:
            yield GaugeMetricFamily("calamari_store_queue_depth",
                                    "Messages waiting for the store (the database writer)",
                                    value=sources.store_queue())
        if sources.gc_pauses is not None:
            yield from _gc_families(sources.gc_pauses())
        if sources.stream_clients is not None:
            yield GaugeMetricFamily("calamari_stream_clients", "Open live-push (SSE) streams",
                                    value=sources.stream_clients())


def _bus_families(stats: dict):
    yield CounterMetricFamily("calamari_bus_messages_received", "Messages received on the agent bus",
                              value=stats.get("received", 0))
    drops = CounterMetricFamily("calamari_bus_dropped", "Bus messages dropped, by reason", labels=["reason"])
    for key, value in sorted(stats.items()):
        if key.startswith(BUS_DROP_PREFIX):
            drops.add_metric([key.removeprefix(BUS_DROP_PREFIX)], value)
    yield drops


def _heartbeat_families(counts: dict):
    for name, key, text in (
            ("received", "heartbeats_received", "Heartbeats (server and cluster) received from agents"),
            ("applied", "heartbeats_applied", "Heartbeats taken by their actor"),
            ("coalesced", "heartbeats_coalesced", "Heartbeats replaced by a newer one before their actor took them"),
            ("stale", "heartbeats_stale", "Heartbeats dropped as older than one already taken")):
        yield CounterMetricFamily(f"calamari_heartbeats_{name}", text, value=counts.get(key, 0))


def _agents_family(sources: DaemonSources) -> GaugeMetricFamily:
    agents = GaugeMetricFamily("calamari_agents",
                               "Agents by state: managed (late included), late (silent too long), "
                               "pending_key (waiting for an operator)", labels=["state"])
    if sources.server_states is not None:
        states = sources.server_states()
        agents.add_metric(["managed"], states["managed"])
        agents.add_metric(["late"], states["late"])
    if sources.pending_keys is not None:
        agents.add_metric(["pending_key"], sources.pending_keys())
    return agents


def _gc_families(pauses: list):
    collections = CounterMetricFamily("calamari_gc_collections", "Garbage collections, by generation",
                                      labels=["generation"])
    paused = CounterMetricFamily("calamari_gc_pause_seconds", "Time the daemon stood still collecting "
                                 "garbage, by generation", labels=["generation"])
    for generation, (count, seconds) in enumerate(pauses):
        collections.add_metric([str(generation)], count)
        paused.add_metric([str(generation)], seconds)
    yield collections
    yield paused
