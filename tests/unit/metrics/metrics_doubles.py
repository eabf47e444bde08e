"""Clusters as the metrics see them: a QueryCache over maps and stats that are replaced, never
mutated, as a ClusterActor's are; built from the simulator for realistic shapes."""
from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from actors.cluster.queries import ClusterInputs, QueryCache
from actors.cluster.stats import ClusterStats
from actors.messages import Service
from metrics.fleet_render import FleetRenderer, FleetSource
from tests.unit.sim_helpers import make

MAP_TYPES = ("osd_map", "health", "mon_status", "quorum_status", "pg_summary", "mds_map")


class Map(dict):
    """A map that a weak reference can follow (a plain dict cannot)."""


class FakeCluster:
    def __init__(self, fsid: str, hosts: int = 3, osds_per_host: int = 2, index: int = 0):
        self.fsid = fsid
        self.sim = make(hosts=hosts, osds_per_host=osds_per_host, index=index)
        self.maps = {t: Map(self.sim.get_cluster_object(t)["data"]) for t in MAP_TYPES}
        self.stats = ClusterStats().with_heartbeat(self.sim.heartbeat_stats()) \
            .with_osd_stats(self.sim.get_cluster_stats())
        self.services = tuple((Service(fsid, "mon", name), f"{name}.example") for name in self.sim.mon_names)
        self.update_time = "2027-01-15T08:00:00+00:00"
        self.cache = self.new_cache()

    def new_cache(self) -> QueryCache:
        return QueryCache(ClusterInputs(self.fsid, sync_data=self.maps.get, services=lambda: self.services,
                                        summary=dict, stats=lambda: self.stats))

    def replace(self, sync_type: str, **changes) -> Map:
        """A new copy of a map with some top-level keys changed (the old one is left alone)."""
        self.maps[sync_type] = Map({**self.maps[sync_type], **changes})
        return self.maps[sync_type]


class Fleet:
    def __init__(self, *clusters: FakeCluster, registry=None, pause=lambda: None):
        self.clusters = {c.fsid: c for c in clusters}
        self.renderer = FleetRenderer(FleetSource(self.summaries, self.cache_of),
                                      registry or CollectorRegistry(), pause=pause)

    def summaries(self) -> list[dict]:
        return [{"id": fsid, "name": "ceph", "update_time": c.update_time} for fsid, c in self.clusters.items()]

    def cache_of(self, fsid: str):
        cluster = self.clusters.get(fsid)
        return None if cluster is None else cluster.cache

    def render(self):
        """What a scrape is served: the clusters' render and the daemon's metrics of now."""
        return self.renderer.with_daemon(self.renderer.render())


def text_of(exposition) -> str:
    return b"".join(exposition.chunks(gzip=False)).decode()


def families(text: str) -> dict:
    """{name: Metric} of the text, parsed by prometheus_client; a name twice is an error."""
    parsed = list(text_string_to_metric_families(text))
    names = [family.name for family in parsed]
    assert len(names) == len(set(names)), f"a family split in two: {sorted(n for n in names if names.count(n) > 1)}"
    return {family.name: family for family in parsed}


def values(text: str, family_name: str, **labels) -> list[float]:
    """The values of the samples of family `family_name` whose labels include `labels`."""
    family = families(text).get(family_name)
    samples = family.samples if family is not None else []
    return [s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())]
