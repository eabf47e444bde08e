"""The whole read side over HTTP: a real daemon, a simulated 3-server cluster over ZeroMQ."""
from __future__ import annotations

from tests.helpers import wait_until
from tests.system.cluster_helpers import ISO_UTC, example_keys, synced_cluster


def test_cluster_discovered_with_documented_fields(api, fleet):
    fsid = synced_cluster(api, fleet)
    clusters = api.get("cluster").json()
    assert set(clusters[0]) == example_keys("api/v2/cluster")
    assert clusters[0]["name"] == "ceph"
    assert ISO_UTC.match(clusters[0]["update_time"])
    one = api.get(f"cluster/{fsid}")
    assert one.status_code == 200 and one.json()["id"] == fsid


def test_one_clusters_update_time_moves_with_its_heartbeats_as_the_lists_does(api, fleet):
    """The maps do not change here (the simulated cluster stands still), its heartbeats go on:
    GET cluster/<fsid> must not keep the update_time of the first time it was asked."""
    fsid = synced_cluster(api, fleet)
    first = api.get(f"cluster/{fsid}").json()["update_time"]
    listed = wait_until(lambda: (lambda t: t if t > first else None)(api.get("cluster").json()[0]["update_time"]),
                        what="a later heartbeat in the cluster list")
    one = api.get(f"cluster/{fsid}").json()
    assert one["update_time"] >= listed
    assert {**one, "update_time": None} == {**api.get("cluster").json()[0], "update_time": None}


def test_servers_are_managed_with_their_services(api, fleet):
    fsid = synced_cluster(api, fleet)
    servers = api.get("server").json()
    assert sorted(s["fqdn"] for s in servers) == sorted(fleet.backends)
    for server in servers:
        assert example_keys("api/v2/server") <= set(server)
        assert server["managed"] is True
        assert ISO_UTC.match(server["last_contact"]) and ISO_UTC.match(server["boot_time"])
        types = sorted(s["type"] for s in server["services"])
        assert types == ["mon"] + ["osd"] * 4
    fqdn = servers[0]["fqdn"]
    assert api.get(f"server/{fqdn}").json()["fqdn"] == fqdn
    grains = api.get(f"server/{fqdn}/grains").json()
    assert grains["fqdn"] == fqdn
    in_cluster = api.get(f"cluster/{fsid}/server").json()
    assert len(in_cluster) == 3
    assert example_keys("api/v2/cluster/<fsid>/server") <= set(in_cluster[0])
    one = api.get(f"cluster/{fsid}/server/{fqdn}").json()
    assert one["frontend_addr"] and one["backend_addr"]
    assert one["frontend_iface"] == "eth0" and one["backend_iface"] == "eth1"


def test_osds_pools_and_their_relations(api, fleet):
    fsid = synced_cluster(api, fleet)
    osds = api.get(f"cluster/{fsid}/osd").json()
    assert [o["id"] for o in osds] == list(range(12))
    assert example_keys("api/v2/cluster/<fsid>/osd") <= set(osds[0])
    assert all(o["up"] and o["in"] and o["reweight"] == 1.0 for o in osds)
    assert osds[0]["valid_commands"] == ["scrub", "deep_scrub", "repair"]
    pools = api.get(f"cluster/{fsid}/pool").json()
    names = {p["name"]: p for p in pools}
    assert "rbd" in names and len(pools) >= 2
    assert example_keys("api/v2/cluster/<fsid>/pool") <= set(pools[0])
    rbd = names["rbd"]
    assert api.get(f"cluster/{fsid}/pool/{rbd['id']}").json() == rbd
    assert rbd["id"] in osds[0]["pools"]
    by_pool = api.get(f"cluster/{fsid}/osd", params={"pool": rbd["id"]}).json()
    assert len(by_pool) == 12
    some = api.get(f"cluster/{fsid}/osd", params=[("id__in[]", 1), ("id__in[]", 3)]).json()
    assert [o["id"] for o in some] == [1, 3]
    assert api.get(f"cluster/{fsid}/osd/3").json()["id"] == 3
    assert api.get(f"cluster/{fsid}/osd/command").json() == ["scrub", "deep_scrub", "repair"]
    assert api.get(f"cluster/{fsid}/osd/3/command").json() == {"3": {"valid_commands": ["scrub", "deep_scrub", "repair"]}}
    assert api.get(f"cluster/{fsid}/osd/3/command/scrub").json() == {"valid": True}
    flags = api.get(f"cluster/{fsid}/osd_config").json()
    assert set(flags) == example_keys("api/v2/cluster/<fsid>/osd_config") and not any(flags.values())
    defaults = api.get(f"cluster/{fsid}/pool?defaults").json()
    assert defaults["size"] == 3 and defaults["name"] is None and defaults["crush_ruleset"] == 0


def test_crush_views(api, fleet):
    fsid = synced_cluster(api, fleet)
    text = api.get(f"cluster/{fsid}/crush_map").json()
    assert "# begin crush map" in text
    nodes = api.get(f"cluster/{fsid}/crush_node").json()
    root = next(n for n in nodes if n["bucket_type"] == "root")
    assert set(root) == example_keys("api/v2/cluster/<fsid>/crush_node")
    assert len(root["items"]) == 3
    assert api.get(f"cluster/{fsid}/crush_node/{root['id']}").json() == root
    rules = api.get(f"cluster/{fsid}/crush_rule").json()
    assert example_keys("api/v2/cluster/<fsid>/crush_rule") <= set(rules[0])
    assert rules[0]["osd_count"] == 12
    assert api.get(f"cluster/{fsid}/crush_rule/{rules[0]['id']}").json() == rules[0]
    sets = api.get(f"cluster/{fsid}/crush_rule_set").json()
    assert sets[0]["rules"][0] == rules[0]
    types = api.get(f"cluster/{fsid}/crush_type").json()
    host = next(t for t in types if t["name"] == "host")
    assert api.get(f"cluster/{fsid}/crush_type/{host['id']}").json() == host


def test_mons_config_and_sync_objects(api, fleet):
    fsid = synced_cluster(api, fleet)
    mons = api.get(f"cluster/{fsid}/mon").json()
    assert len(mons) == 3 and all(m["in_quorum"] for m in mons)
    assert [m["leader"] for m in mons].count(True) == 1
    assert all(m["server"] in fleet.backends for m in mons)
    name = mons[0]["name"]
    assert api.get(f"cluster/{fsid}/mon/{name}").json() == mons[0]
    assert api.get(f"cluster/{fsid}/mon/{name}/status").json()["name"] == name
    config = api.get(f"cluster/{fsid}/config").json()
    assert {"key": "fsid", "value": fsid} in config
    assert api.get(f"cluster/{fsid}/config/fsid").json() == {"key": "fsid", "value": fsid}
    types = api.get(f"cluster/{fsid}/sync_object").json()
    assert "osd_map" in types and "health" in types
    health = wait_until(lambda: api.get(f"cluster/{fsid}/sync_object/health").json())
    assert health["status"] == "HEALTH_OK"
    summary = wait_until(lambda: api.get(f"cluster/{fsid}/sync_object/pg_summary").json())
    assert sum(summary["all"].values()) > 0


def test_unknown_ids_and_verbs(api, fleet):
    fsid = synced_cluster(api, fleet)
    for path in ("cluster/nope", "cluster/nope/osd", "cluster/nope/pool", f"cluster/{fsid}/osd/999",
                 f"cluster/{fsid}/pool/999", f"cluster/{fsid}/crush_node/-999", f"cluster/{fsid}/crush_rule/99",
                 f"cluster/{fsid}/crush_type/99", f"cluster/{fsid}/mon/nope", f"cluster/{fsid}/config/nope",
                 f"cluster/{fsid}/sync_object/nope", "server/nope.example", f"cluster/{fsid}/server/nope",
                 "request/nope", "key/nope", "user/999", "no/such/url", "cluster/nope/event",
                 "cluster/nope/request", "server/nope.example/event"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert "detail" in response.json(), path
    assert api.get(f"cluster/{fsid}/osd", params={"pool": 999}).status_code == 404
    bad = api.get(f"cluster/{fsid}/osd", params={"pool": "x"})
    assert bad.status_code == 400 and "pool" in bad.json()["errors"]
    wrong_verb = api.put("cluster", json={}, headers={"X-XSRF-TOKEN": api.cookies["XSRF-TOKEN"]})
    assert wrong_verb.status_code == 405 and "detail" in wrong_verb.json()


def test_events_pages_and_filters(api, fleet):
    fsid = synced_cluster(api, fleet)
    fqdn = sorted(fleet.backends)[0]
    wait_until(lambda: api.get("event").json()["count"] >= 4)
    page = api.get("event", params={"page_size": 2}).json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert len(page["results"]) == 2 and page["next"] and page["previous"] is None
    messages = [e["message"] for e in api.get("event", params={"page_size": 100}).json()["results"]]
    assert "Calamari server started" in messages
    assert f"Cluster 'ceph' discovered (fsid {fsid})" in messages
    assert any(m.startswith(f"Added server {fqdn} with") for m in messages)
    mine = api.get(f"server/{fqdn}/event").json()["results"]
    assert mine and all(fqdn in e["message"] for e in mine)
    assert api.get(f"cluster/{fsid}/event").status_code == 200
    assert api.get("event", params={"severity": "WARNING"}).json()["count"] == 0
    assert api.get("event", params={"severity": "LOUD"}).status_code == 400
    first = api.get("event").json()["results"][0]
    assert ISO_UTC.match(first["when"]) and first["severity"] == "INFO"


def test_requests_keys_users_info(api, fleet):
    fsid = synced_cluster(api, fleet)
    assert api.get("request").json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert api.get(f"cluster/{fsid}/request").json()["count"] == 0
    assert api.get("request", params={"state": "bogus"}).status_code == 400
    keys = api.get("key").json()
    assert sorted(k["id"] for k in keys) == sorted(fleet.backends)
    assert api.get(f"key/{keys[0]['id']}").json()["status"] == "accepted"
    me = api.get("user/me").json()
    assert me["username"] == "admin"
    assert api.get(f"user/{me['id']}").json()["username"] == "admin"
    assert [u["username"] for u in api.get("user").json()] == ["admin"]
    info = api.get("info").json()
    assert set(info) == example_keys("api/v2/info")
    grains = api.get("grains").json()
    assert "kernel" in grains


def test_a_known_cluster_whose_maps_have_not_arrived_answers_503(daemon, api):
    from sim.fleet import SimFleet
    from tests.system.conftest import HEARTBEAT_S
    fleet = SimFleet(daemon.bus_endpoint, server_key=daemon.bus_key, heartbeat_s=HEARTBEAT_S,
                     advance_every_s=None)
    for backend in fleet.backends.values():
        backend.job_latency_s = 60.0      # map fetches are never answered during this test
    fleet.start()
    try:
        fsid = fleet.clusters[0].fsid
        wait_until(lambda: [c["id"] for c in api.get("cluster").json()] == [fsid])
        for path in ("osd", "pool", "osd/0", "crush_node", "crush_rule", "crush_map", "osd_config", "mon",
                     "config", "pool?defaults"):
            response = api.get(f"cluster/{fsid}/{path}")
            assert response.status_code == 503, path
            assert response.json()["detail"], path
        assert api.get(f"cluster/{fsid}/sync_object/osd_map").json() is None
    finally:
        fleet.stop()


def test_two_clusters_are_kept_apart(daemon, api):
    from tests.system.conftest import start_fleet
    fleet = start_fleet(daemon, clusters=2)
    try:
        fsids = sorted(c.fsid for c in fleet.clusters)
        wait_until(lambda: sorted(c["id"] for c in api.get("cluster").json()) == fsids)
        for cluster in fleet.clusters:
            wait_until(lambda: api.get(f"cluster/{cluster.fsid}/osd").status_code == 200)
            wait_until(lambda: sorted(s["fqdn"] for s in api.get(f"cluster/{cluster.fsid}/server").json())
                       == sorted(cluster.host_fqdns))
            servers = api.get(f"cluster/{cluster.fsid}/server").json()
            assert all(svc["fsid"] == cluster.fsid for s in servers for svc in s["services"])
            assert len(api.get(f"cluster/{cluster.fsid}/osd").json()) == 12
        assert len(api.get("server").json()) == 6
    finally:
        fleet.stop()
