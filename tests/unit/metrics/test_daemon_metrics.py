"""The daemon's own metrics (metrics/daemon.py): what the notices and the HTTP hook count, and
what a scrape reads from the daemon's counters, in valid exposition text."""
from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from actors.notices import EventsSaved, RequestChanged
from metrics.daemon import DaemonMetrics, DaemonSources


def scrape(metrics: DaemonMetrics) -> dict:
    """{(sample name, frozenset of labels): value} of one scrape, parsed as Prometheus would."""
    text = generate_latest(metrics.registry).decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples: dict, name: str, **labels):
    return samples.get((name, frozenset(labels.items())))


def test_events_and_requests_are_counted_from_the_notices():
    metrics = DaemonMetrics(DaemonSources())
    metrics.on_notice(EventsSaved(({"id": 1, "severity": "WARNING"}, {"id": 2, "severity": "WARNING"},
                                   {"id": 3, "severity": "INFO"})))
    metrics.on_notice(RequestChanged({"id": "a"}, "create_pool", None, None))          # running: not yet
    metrics.on_notice(RequestChanged({"id": "a"}, "create_pool", "complete", 3.0))
    metrics.on_notice(RequestChanged({"id": "b"}, "update_osd", "failed", 70.0))
    samples = scrape(metrics)
    assert sample(samples, "calamari_events_total", severity="WARNING") == 2
    assert sample(samples, "calamari_events_total", severity="INFO") == 1
    assert sample(samples, "calamari_requests_total", kind="create_pool", outcome="complete") == 1
    assert sample(samples, "calamari_requests_total", kind="update_osd", outcome="failed") == 1
    assert sample(samples, "calamari_request_duration_seconds_count", kind="create_pool") == 1
    assert sample(samples, "calamari_request_duration_seconds_bucket", kind="create_pool", le="5.0") == 1
    assert sample(samples, "calamari_request_duration_seconds_bucket", kind="update_osd", le="60.0") == 0
    assert not any(name.endswith("_created") for name, _ in samples)


def test_http_answers_are_counted_by_route_template_method_and_code():
    metrics = DaemonMetrics(DaemonSources())
    for seconds in (0.002, 0.004, 0.3):
        metrics.observe_http("cluster/{fsid}/osd", "GET", 200, seconds)
    metrics.observe_http("cluster/{fsid}/osd", "GET", 404, 0.001)
    metrics.observe_http("stream", "GET", 200, None)       # a stream: counted, its life not timed
    samples = scrape(metrics)
    assert sample(samples, "calamari_http_requests_total", route="stream", method="GET", code="200") == 1
    assert sample(samples, "calamari_http_request_duration_seconds_count", route="stream", method="GET") is None
    assert sample(samples, "calamari_http_requests_total", route="cluster/{fsid}/osd", method="GET", code="200") == 3
    assert sample(samples, "calamari_http_requests_total", route="cluster/{fsid}/osd", method="GET", code="404") == 1
    assert sample(samples, "calamari_http_request_duration_seconds_bucket",
                  route="cluster/{fsid}/osd", method="GET", le="0.005") == 3
    assert sample(samples, "calamari_http_request_duration_seconds_count",
                  route="cluster/{fsid}/osd", method="GET") == 4


def test_a_scrape_reads_the_daemons_counters_as_they_are_then():
    bus = {"received": 10, "delivered": 9, "dropped_flood": 2, "dropped_malformed": 1}
    heartbeats = {"heartbeats_received": 7, "heartbeats_applied": 5, "heartbeats_coalesced": 1,
                  "heartbeats_stale": 1}
    states = {"managed": 4, "late": 1}
    metrics = DaemonMetrics(DaemonSources(
        bus_stats=lambda: dict(bus), heartbeat_counts=lambda: dict(heartbeats),
        server_states=lambda: dict(states), pending_keys=lambda: 3, store_queue=lambda: 12,
        gc_pauses=lambda: [(100, 0.5), (10, 0.25), (1, 2.0)], stream_clients=lambda: 6))
    samples = scrape(metrics)
    assert sample(samples, "calamari_bus_messages_received_total") == 10
    assert sample(samples, "calamari_bus_dropped_total", reason="flood") == 2
    assert sample(samples, "calamari_bus_dropped_total", reason="malformed") == 1
    assert sample(samples, "calamari_heartbeats_received_total") == 7
    assert sample(samples, "calamari_heartbeats_applied_total") == 5
    assert sample(samples, "calamari_heartbeats_coalesced_total") == 1
    assert sample(samples, "calamari_agents", state="managed") == 4
    assert sample(samples, "calamari_agents", state="late") == 1
    assert sample(samples, "calamari_agents", state="pending_key") == 3
    assert sample(samples, "calamari_store_queue_depth") == 12
    assert sample(samples, "calamari_gc_pause_seconds_total", generation="2") == 2.0
    assert sample(samples, "calamari_gc_collections_total", generation="0") == 100
    assert sample(samples, "calamari_stream_clients") == 6
    bus["received"], states["late"] = 25, 3        # the next scrape reads them anew
    samples = scrape(metrics)
    assert sample(samples, "calamari_bus_messages_received_total") == 25
    assert sample(samples, "calamari_agents", state="late") == 3


def test_parts_that_do_not_run_leave_their_metrics_out():
    samples = scrape(DaemonMetrics(DaemonSources()))
    names = {name for name, _ in samples}
    assert not any(n.startswith(("calamari_bus_", "calamari_heartbeats_", "calamari_gc_", "calamari_stream"))
                   for n in names)
