"""Several servers on a real cluster (issue 19): three loopback "hosts" (cluster.py), each with
its own mon, two OSDs, CRUSH host bucket and real agent, all reporting to one daemon (conftest.py).
Discovery, and data placed across the hosts."""
from __future__ import annotations

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import unique
from tests.system.cluster_helpers import pools_by_name
from tests.system.requests_helpers import run


def _running_services(api) -> dict:
    """fqdn -> {(type, id)} of the running services of every managed server."""
    return {s["fqdn"]: {(v["type"], v["id"]) for v in s["services"] if v["running"]}
            for s in api.get("server").json() if s["managed"]}


def test_each_server_has_exactly_its_own_mon_and_osds_and_crush_agrees(multi):
    cluster, api = multi.cluster, multi.api
    assert api.get(multi.url()).json()["id"] == cluster.fsid
    expected = {host.fqdn: {("mon", host.mon_id), *(("osd", str(i)) for i in host.osd_ids),
                            *([("mgr", "x")] if host.mgr else [])}
                for host in cluster.hosts}
    wait_until(lambda: _running_services(api) == expected, timeout_s=20, every_s=0.1,
               what="each server with exactly its own services")

    # the OSD list places every OSD on its host's server
    want_server = {i: host.fqdn for host in cluster.hosts for i in host.osd_ids}
    wait_until(lambda: {o["id"]: o["server"] for o in api.get(multi.url("osd")).json()} == want_server,
               timeout_s=20, every_s=0.1, what="the OSD list's servers")
    assert all(o["up"] and o["in"] for o in api.get(multi.url("osd")).json())

    # the CRUSH tree: one host bucket per host under the default root, holding that host's OSDs
    nodes = {n["name"]: n for n in api.get(multi.url("crush_node")).json()}
    by_id = {n["id"]: n for n in nodes.values()}
    root = nodes["default"]
    assert sorted(by_id[i["id"]]["name"] for i in root["items"]) == [h.name for h in cluster.hosts]
    for host in cluster.hosts:
        node = nodes[host.name]
        assert node["bucket_type"] == "host"
        assert sorted(i["id"] for i in node["items"]) == list(host.osd_ids)
    # and the cluster's own tree says the same
    tree = cluster.ceph_json("osd", "tree")["nodes"]
    hosts = {n["name"]: sorted(n["children"]) for n in tree if n["type"] == "host"}
    assert hosts == {h.name: list(h.osd_ids) for h in cluster.hosts}

    # each daemon really is on its host's address
    mons = {m["name"]: m["public_addr"].split(":")[0] for m in cluster.ceph_json("mon", "dump")["mons"]}
    assert mons == {h.mon_id: h.address for h in cluster.hosts}
    osd_addrs = {o["osd"]: o["public_addr"].split(":")[0] for o in cluster.ceph_json("osd", "dump")["osds"]}
    assert osd_addrs == {i: h.address for h in cluster.hosts for i in h.osd_ids}


def test_a_size_3_pool_becomes_active_clean_across_the_three_hosts(multi):
    cluster, api = multi.cluster, multi.api
    name = unique("spread")
    try:
        run(api, "POST", multi.url("pool"), {"name": name, "pg_num": 8, "size": 3}, timeout_s=30)
        pool = pools_by_name(api, multi.fsid)[name]
        assert (pool["size"], pool["pg_num"]) == (3, 8)

        def clean(pg_num: int):
            summary = api.get(multi.url("sync_object/pg_summary")).json()
            states = summary["by_pool"].get(str(pool["id"]), {})
            health = api.get(multi.url("health")).json()
            return states == {"active+clean": pg_num} and health["status"] == "HEALTH_OK"

        def one_replica_per_host(pg_num: int) -> None:
            pgs = cluster.ceph_json("pg", "ls-by-pool", name)["pg_stats"]
            assert len(pgs) == pg_num
            for pg in pgs:
                assert sorted(cluster.host_of_osd(o).name for o in pg["acting"]) == \
                    [h.name for h in cluster.hosts], pg["pgid"]

        wait_until(lambda: clean(8), timeout_s=20, every_s=0.2,
                   what="the pool's 8 PGs active+clean in pg_summary, HEALTH_OK")
        one_replica_per_host(8)

        # pg_num growth completes: the mgr walks pgp_num up, the new PGs spread and get clean
        path = multi.url(f"pool/{pool['id']}")
        run(api, "PATCH", path, {"pg_num": 16}, timeout_s=30)
        wait_until(lambda: api.get(path).json()["pgp_num"] == 16 and clean(16), timeout_s=30,
                   every_s=0.2, what="pgp_num 16 and 16 PGs active+clean, HEALTH_OK")
        one_replica_per_host(16)
    finally:
        if name in cluster.ceph_json("osd", "pool", "ls"):
            cluster.ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it")
