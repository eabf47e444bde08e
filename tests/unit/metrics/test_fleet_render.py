"""The whole scrape as Prometheus reads it: valid text, one HELP/TYPE per family, every series
labelled with its cluster, the maps' and stats' figures, and rendering only what moved."""
from __future__ import annotations

import gc
import gzip
import weakref

from prometheus_client import CollectorRegistry, Counter

from metrics.cluster_render import FAMILIES, PARTS
from tests.unit.metrics.metrics_doubles import FakeCluster, Fleet, families, text_of, values

A, B = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"


def two_clusters() -> Fleet:
    return Fleet(FakeCluster(A, hosts=3, osds_per_host=2), FakeCluster(B, hosts=4, osds_per_host=3, index=1))


def test_the_text_parses_with_one_header_per_family_and_a_cluster_label_on_every_series():
    text = text_of(two_clusters().render())
    parsed = families(text)   # asserts no family comes in two pieces
    assert set(parsed) == {f.name for f in FAMILIES}
    for family in FAMILIES:
        assert text.count(f"# HELP {family.name} ") == 1 and text.count(f"# TYPE {family.name} {family.type}\n") == 1
    series = [s for f in parsed.values() for s in f.samples]
    assert len(series) > 500
    assert {s.labels.get("cluster") for s in series} == {A, B}


def test_gzip_and_plain_answers_hold_the_same_text_and_their_announced_sizes():
    exposition = two_clusters().render()
    zipped, plain = b"".join(exposition.chunks(gzip=True)), b"".join(exposition.chunks(gzip=False))
    assert gzip.decompress(zipped) == plain
    assert (len(zipped), len(plain)) == (exposition.gzip_size, exposition.text_size)
    assert len(zipped) * 2 < len(plain)


def test_osd_figures_are_the_maps_and_the_osd_df():
    fleet = two_clusters()
    b = fleet.clusters[B]
    osds = b.maps["osd_map"]["osds"]
    b.replace("osd_map", osds=[{**osd, "up": 0} if osd["osd"] == 1 else osd for osd in osds])
    text = text_of(fleet.render())
    assert sum(values(text, "ceph_osd_up", cluster=B)) == len(osds) - 1
    assert values(text, "ceph_osd_up", cluster=B, ceph_daemon="osd.1") == [0]
    assert sum(values(text, "ceph_osd_up", cluster=A)) == 6
    node = b.stats.osd_df["nodes"][0]
    assert values(text, "ceph_osd_stat_bytes", cluster=B, ceph_daemon=f"osd.{node['id']}") == [node["kb"] * 1024]
    assert values(text, "ceph_osd_stat_bytes_used", cluster=B, ceph_daemon=f"osd.{node['id']}") == \
        [node["kb_used"] * 1024]
    assert values(text, "ceph_osd_numpg", cluster=B, ceph_daemon=f"osd.{node['id']}") == [node["pgs"]]
    meta = families(text)["ceph_osd_metadata"].samples[0].labels
    assert meta["ceph_daemon"] == "osd.0" and meta["objectstore"] == "bluestore" and meta["device_class"] == "hdd"
    assert meta["hostname"] and meta["public_addr"].count(".") == 3


def test_pool_figures_are_the_df_and_the_pg_summary():
    fleet = two_clusters()
    a = fleet.clusters[A]
    text = text_of(fleet.render())
    for pool in a.stats.df["pools"]:
        labels = {"cluster": A, "pool_id": str(pool["id"])}
        for key in ("stored", "max_avail", "objects", "percent_used", "wr_bytes"):
            assert values(text, f"ceph_pool_{key}", **labels) == [pool["stats"][key]], key
        states = a.maps["pg_summary"]["by_pool"][str(pool["id"])]
        assert values(text, "ceph_pg_total", **labels) == [sum(states.values())]
        assert values(text, "ceph_pg_active", **labels) == [sum(n for s, n in states.items() if "active" in s)]
    assert values(text, "ceph_cluster_total_bytes", cluster=A) == [a.stats.df["stats"]["total_bytes"]]


def test_health_monitors_and_flags():
    fleet = two_clusters()
    a = fleet.clusters[A]
    a.replace("health", status="HEALTH_WARN", checks={"OSDMAP_FLAGS": {"severity": "HEALTH_WARN"},
                                                      "OSD_DOWN": {"severity": "HEALTH_WARN"}})
    a.replace("osd_map", flags="noout,nodeep-scrub,sortbitwise")
    quorum = a.maps["quorum_status"]
    a.replace("quorum_status", quorum=quorum["quorum"][:2])
    text = text_of(fleet.render())
    assert values(text, "ceph_health_status", cluster=A) == [1] and values(text, "ceph_health_status", cluster=B) == [0]
    assert values(text, "ceph_health_detail", cluster=A, name="OSD_DOWN", severity="HEALTH_WARN") == [1]
    assert values(text, "ceph_health_detail", cluster=B) == []
    assert values(text, "ceph_osd_flag_noout", cluster=A) == [1] and values(text, "ceph_osd_flag_noout", cluster=B) == [0]
    assert values(text, "ceph_osd_flag_nodeep_scrub", cluster=A) == [1]
    assert values(text, "ceph_osd_flag_noup", cluster=A) == [0]
    assert sorted(values(text, "ceph_mon_quorum_status", cluster=A)) == [0, 1, 1]
    mon = families(text)["ceph_mon_metadata"].samples[0].labels
    assert mon["ceph_daemon"].startswith("mon.") and mon["hostname"].endswith(".example") and mon["rank"] == "0"


def test_only_the_parts_whose_inputs_moved_are_rendered_again():
    fleet = two_clusters()
    assert fleet.render().parts_rendered == 2 * len(PARTS)
    assert fleet.render().parts_rendered == 0
    a = fleet.clusters[A]
    a.replace("osd_map", epoch=a.maps["osd_map"]["epoch"] + 1)
    assert fleet.render().parts_rendered == 1
    a.stats = a.stats.with_heartbeat({**a.sim.heartbeat_stats(), "taken_at": a.stats.taken_at + 10})
    assert fleet.render().parts_rendered == 1   # df, pool stats, pg map: the usage part only
    a.replace("health", status="HEALTH_ERR")
    exposition = fleet.render()
    assert exposition.parts_rendered == 1 and values(text_of(exposition), "ceph_health_status", cluster=A) == [2]


def test_a_replaced_osd_map_is_not_kept_alive_by_the_metrics():
    fleet = two_clusters()
    a = fleet.clusters[A]
    fleet.render()
    old = weakref.ref(a.maps["osd_map"])
    a.replace("osd_map", epoch=a.maps["osd_map"]["epoch"] + 1)
    fleet.render()
    gc.collect()
    assert old() is None


def test_a_forgotten_cluster_leaves_and_one_added_again_starts_afresh():
    fleet = two_clusters()
    fleet.render()
    b = fleet.clusters.pop(B)
    text = text_of(fleet.render())
    assert values(text, "ceph_health_status", cluster=B) == [] and values(text, "ceph_health_status", cluster=A) == [0]
    b.cache = b.new_cache()   # a new ClusterActor, a new QueryCache
    fleet.clusters[B] = b
    exposition = fleet.render()
    assert exposition.parts_rendered == len(PARTS) and values(text_of(exposition), "ceph_health_status", cluster=B) == [0]


def test_a_map_that_cannot_be_read_costs_only_its_own_part(caplog):
    class Exploding(dict):
        def get(self, *args):
            raise RuntimeError("odd map")
    fleet = two_clusters()
    fleet.clusters[A].maps["osd_map"] = Exploding()
    text = text_of(fleet.render())
    assert values(text, "ceph_osd_up", cluster=A) == [] and len(values(text, "ceph_osd_up", cluster=B)) == 12
    assert values(text, "ceph_health_status", cluster=A) == [0]
    assert "cannot render ceph_osd_up" in caplog.text


def test_odd_pool_names_and_check_names_come_back_as_they_were():
    fleet = two_clusters()
    a = fleet.clusters[A]
    odd = 'quote " back \\ slash\nnew line, comma={}'
    pools = a.maps["osd_map"]["pools"]
    a.replace("osd_map", pools=[{**pools[0], "pool_name": odd}, *pools[1:]])
    a.replace("health", status="HEALTH_WARN", checks={'ODD"CHECK\\': {"severity": "HEALTH_WARN"}})
    text = text_of(fleet.render())
    names = {s.labels["name"] for s in families(text)["ceph_pool_metadata"].samples if s.labels["cluster"] == A}
    assert odd in names
    assert values(text, "ceph_health_detail", cluster=A, name='ODD"CHECK\\') == [1]


def test_the_daemons_own_registry_comes_last():
    registry = CollectorRegistry()
    Counter("calamari_test_things", "Things", registry=registry).inc(3)
    fleet = Fleet(FakeCluster(A), registry=registry)
    text = text_of(fleet.render())
    assert values(text, "calamari_test_things") == [3]
    assert text.index("calamari_test_things") > text.index("ceph_pg_wait")


def test_a_render_stands_aside_between_families_and_clusters_and_renders_the_same():
    pauses = []
    paused = Fleet(FakeCluster(A, hosts=3, osds_per_host=2), FakeCluster(B, hosts=4, osds_per_host=3, index=1),
                   pause=lambda: pauses.append(1))
    plain = two_clusters()
    assert text_of(paused.render()) == text_of(plain.render())
    families_rendered = len(pauses)
    assert families_rendered > 2 * len(PARTS)     # each family rendered, each part's rows, each cluster
    pauses.clear()
    paused.render()                               # nothing moved: a pause per cluster only
    assert len(pauses) == 2


def test_the_daemons_counters_are_read_when_served_not_when_rendered():
    registry = CollectorRegistry()
    things = Counter("calamari_test_things", "Things", registry=registry)
    fleet = Fleet(FakeCluster(A), registry=registry)
    rendered = fleet.renderer.render()          # kept by the render thread, served for seconds
    things.inc(2)
    served = fleet.renderer.with_daemon(rendered)
    text = text_of(served)
    assert values(text, "calamari_test_things") == [2]
    assert gzip.decompress(b"".join(served.chunks(gzip=True))).decode() == text   # CRC and size extended
    things.inc(5)
    assert values(text_of(fleet.renderer.with_daemon(rendered)), "calamari_test_things") == [7]


def test_when_each_cluster_last_reported():
    fleet = two_clusters()
    fleet.clusters[B].update_time = "2027-01-15T08:00:30+00:00"
    text = text_of(fleet.render())
    assert values(text, "calamari_cluster_report_timestamp_seconds", cluster=A) == [1800000000.0]
    assert values(text, "calamari_cluster_report_timestamp_seconds", cluster=B) == [1800000030.0]
    fleet.clusters[A].update_time = None   # not heard yet
    exposition = fleet.render()
    assert exposition.parts_rendered == 1
    assert values(text_of(exposition), "calamari_cluster_report_timestamp_seconds", cluster=A) == []
