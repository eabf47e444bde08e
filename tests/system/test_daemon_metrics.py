"""The daemon's own calamari_* metrics, scraped from the real daemon's metrics listener while a
simulated fleet reports and a client uses the API: every figure is checked against what the test
itself did or what the API says."""
from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import wait_until
from tests.sse import StreamReader
from tests.system.cluster_helpers import synced_cluster
from tests.system.requests_helpers import run


def scrape(daemon) -> dict:
    """{(sample name, frozenset of its labels): value} of one scrape of the daemon's metrics."""
    response = httpx.get(daemon.metrics_url, timeout=10)
    assert response.status_code == 200
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples if s.name.startswith("calamari_")}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_http_answers_are_counted_by_route_template_method_and_code(daemon, fleet, api):
    fsid = synced_cluster(api, fleet)
    before = scrape(daemon)
    for _ in range(3):
        assert api.get(f"cluster/{fsid}/osd").status_code == 200
    assert api.get("cluster/no-such-fsid/osd").status_code == 404
    after = scrape(daemon)
    route = "cluster/{fsid}/osd"
    grew = lambda code: (value(after, "calamari_http_requests_total", route=route, method="GET", code=code)   # noqa: E731
                         - value(before, "calamari_http_requests_total", route=route, method="GET", code=code))
    assert (grew("200"), grew("404")) == (3, 1)
    count = "calamari_http_request_duration_seconds_count"
    assert (value(after, count, route=route, method="GET") - value(before, count, route=route, method="GET")) == 4
    # an unknown path is one label value, whatever the URL: no label per URL
    assert api.get("no/such/thing").status_code == 404
    wait_until(lambda: value(scrape(daemon), "calamari_http_requests_total", route="unmatched", method="GET",
                             code="404") >= 1)


def test_heartbeats_agents_and_the_store_queue(daemon, fleet, api):
    synced_cluster(api, fleet)
    managed = len([s for s in api.get("server").json() if s["managed"]])
    assert managed == len(fleet.backends)
    wait_until(lambda: value(scrape(daemon), "calamari_agents", state="managed") == managed)
    first = scrape(daemon)
    assert value(first, "calamari_agents", state="late") == 0
    assert value(first, "calamari_agents", state="pending_key") == 0
    assert 0 < value(first, "calamari_heartbeats_applied_total") <= value(first, "calamari_heartbeats_received_total")
    assert value(first, "calamari_bus_messages_received_total") >= value(first, "calamari_heartbeats_received_total")
    assert ("calamari_store_queue_depth", frozenset()) in first
    # collections are rare in a young daemon (bus/protocol.py tunes the collector): present, maybe 0
    assert {("calamari_gc_pause_seconds_total", frozenset({("generation", g)})) for g in "012"} <= set(first)
    # heartbeats keep arriving: the counters are read anew at each scrape
    wait_until(lambda: value(scrape(daemon), "calamari_heartbeats_received_total")
               > value(first, "calamari_heartbeats_received_total"))


def test_requests_events_and_stream_clients(daemon, live_fleet, api):
    fsid = synced_cluster(api, live_fleet)
    before = scrape(daemon)
    run(api, "POST", f"cluster/{fsid}/pool", {"name": "metrics-pool", "pg_num": 8})
    outcome = dict(kind="create_pool", outcome="complete")
    wait_until(lambda: value(scrape(daemon), "calamari_requests_total", **outcome)
               == value(before, "calamari_requests_total", **outcome) + 1)
    after = scrape(daemon)
    count = "calamari_request_duration_seconds_count"
    assert value(after, count, kind="create_pool") == value(before, count, kind="create_pool") + 1
    # "Started" and "Succeeded" at least, as INFO
    assert value(after, "calamari_events_total", severity="INFO") >= value(before, "calamari_events_total",
                                                                            severity="INFO") + 2
    assert value(after, "calamari_stream_clients") == 0
    with StreamReader(daemon.http_url + "/api/v2/", cookies=api.cookies, params={"topics": "event"}) as stream:
        assert stream.opened.wait(10) and stream.status == 200
        wait_until(lambda: value(scrape(daemon), "calamari_stream_clients") == 1)
    wait_until(lambda: value(scrape(daemon), "calamari_stream_clients") == 0)
    # the stream's answer is counted, but its life is no latency
    ended = scrape(daemon)
    assert value(ended, "calamari_http_requests_total", route="stream", method="GET", code="200") == 1
    assert ("calamari_http_request_duration_seconds_count",
            frozenset({("route", "stream"), ("method", "GET")})) not in ended
