"""Discovery: the daemon finds the real cluster and the server with its mon, mgr and OSDs."""
from __future__ import annotations

from tests.helpers import wait_until


def test_cluster_and_server_discovered_with_their_services(managed):
    cluster = managed.api.get(managed.url()).json()
    assert cluster["id"] == managed.cluster.ceph_json("fsid")["fsid"]
    assert cluster["name"] == "ceph"

    def services():
        servers = managed.api.get("server").json()
        return servers and {(s["type"], s["id"]) for s in servers[0]["services"] if s["running"]}

    expected = {("mon", "a"), ("mgr", "x"), ("osd", "0"), ("osd", "1"), ("osd", "2")}
    assert wait_until(lambda: services() == expected and services(), timeout_s=10) == expected
    server = managed.api.get("server").json()[0]
    assert server["fqdn"] == managed.agent.fqdn
    assert server["managed"] is True
    assert server["ceph_version"].startswith("16.2.")


def test_osds_and_pools_match_the_cluster(managed):
    dump = managed.cluster.ceph_json("osd", "dump")
    osds = managed.api.get(managed.url("osd")).json()
    assert [o["id"] for o in osds] == [o["osd"] for o in dump["osds"]]
    assert all(o["up"] and o["in"] for o in osds)
    pools = managed.api.get(managed.url("pool")).json()
    assert sorted(p["name"] for p in pools) == sorted(p["pool_name"] for p in dump["pools"])
