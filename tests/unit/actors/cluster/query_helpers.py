"""A QueryCache over a fake cluster (the inputs a ClusterActor gives it), for the cache's tests
and the web tests of the big lists."""
from __future__ import annotations

from actors.cluster.queries import ClusterInputs, QueryCache, summary
from actors.messages import Service
from tests.unit import ceph_fixtures as fx


class FakeCluster:
    """What a ClusterActor gives its QueryCache, in fields a test changes: the maps held by
    sync type, and where services run."""

    def __init__(self, osd_map, hosts=None):
        self.maps = {"osd_map": osd_map}
        self.services = tuple((Service(fx.FSID, "osd", str(osd_id)), fqdn)
                              for osd_id, fqdn in (hosts or {}).items())

    def inputs(self) -> ClusterInputs:
        return ClusterInputs(fx.FSID, sync_data=self.maps.get, services=lambda: self.services,
                             summary=lambda: summary(fx.FSID, "ceph", 0.0))


def cached(osd_map, hosts=None, **bounds) -> tuple[QueryCache, FakeCluster]:
    """A QueryCache (bounds: max_entries, max_bytes) over a fake cluster holding `osd_map`."""
    cluster = FakeCluster(osd_map, hosts)
    return QueryCache(cluster.inputs(), **bounds), cluster


def cache_of(osd_map, hosts=None, **bounds) -> QueryCache:
    return cached(osd_map, hosts, **bounds)[0]
