"""CRUSH through the API on the real cluster: buckets (crush_node) added, moved, renamed and
removed, a rule created, changed, used by a pool and deleted (crush_rule), and the whole map
read and written back (crush_map).

Only new, empty buckets are moved, so no PG ever changes place; everything is removed after.
"""
from __future__ import annotations

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import dump_pool, mon_json, pool_names, synced, unique
from tests.system.requests_helpers import finished, run, submit, xsrf
from tests.system.cluster_helpers import pools_by_name


def nodes_by_name(managed) -> dict:
    return {n["name"]: n for n in managed.api.get(managed.url("crush_node")).json()}


def crush_buckets(cluster) -> dict:
    """Bucket name -> (type name, [child names]) from `ceph osd crush dump`."""
    dump = mon_json(cluster, "osd crush dump")
    names = {b["id"]: b["name"] for b in dump["buckets"]}
    names.update((d["id"], d["name"]) for d in dump["devices"])
    return {b["name"]: (b["type_name"], [names[i["id"]] for i in b["items"]]) for b in dump["buckets"]}


def rule_names(cluster) -> set[str]:
    return {r["rule_name"] for r in mon_json(cluster, "osd crush rule dump")}


def remove_buckets(cluster, *names: str) -> None:
    """Clean-up after a failure: remove what is left of `names` (children first)."""
    left = crush_buckets(cluster)
    for name in names:
        if name in left:
            cluster.ceph("osd", "crush", "remove", name)


def test_bucket_add_move_and_remove(managed):
    synced(managed)
    api, cluster = managed.api, managed.cluster
    rack, host = unique("rack"), unique("host")
    root_children = crush_buckets(cluster)["default"][1]
    try:
        run(api, "POST", managed.url("crush_node"), {"name": rack, "bucket_type": "rack", "items": []})
        run(api, "POST", managed.url("crush_node"), {"name": host, "bucket_type": "host", "items": []})
        nodes = nodes_by_name(managed)
        rack_id, host_id = nodes[rack]["id"], nodes[host]["id"]
        assert (nodes[rack]["bucket_type"], nodes[rack]["items"]) == ("rack", [])
        assert crush_buckets(cluster)[rack] == ("rack", []) and crush_buckets(cluster)[host] == ("host", [])

        # Move the rack under the root (the root keeps its host), then the new host into the rack.
        root = nodes["default"]
        run(api, "PATCH", managed.url(f"crush_node/{root['id']}"), {"items": root["items"] + [{"id": rack_id}]})
        run(api, "PATCH", managed.url(f"crush_node/{rack_id}"), {"items": [{"id": host_id}]})
        nodes = nodes_by_name(managed)
        assert rack_id in [i["id"] for i in nodes["default"]["items"]]
        assert [i["id"] for i in nodes[rack]["items"]] == [host_id]
        buckets = crush_buckets(cluster)
        assert rack in buckets["default"][1] and buckets[rack] == ("rack", [host])
        assert len(buckets["default"][1]) == 2           # the real host is still there

        old_name, rack = rack, unique("rack")
        run(api, "PATCH", managed.url(f"crush_node/{rack_id}"), {"name": rack})
        assert api.get(managed.url(f"crush_node/{rack_id}")).json()["name"] == rack
        buckets = crush_buckets(cluster)
        assert old_name not in buckets and buckets[rack] == ("rack", [host])

        refused = api.delete(managed.url(f"crush_node/{rack_id}"), headers=xsrf(api))
        assert refused.status_code == 409, refused.text   # not empty
        run(api, "DELETE", managed.url(f"crush_node/{host_id}"))
        run(api, "DELETE", managed.url(f"crush_node/{rack_id}"))
        assert not {rack, host} & set(nodes_by_name(managed))
        buckets = crush_buckets(cluster)
        assert not {rack, host} & set(buckets) and buckets["default"][1] == root_children
    finally:
        remove_buckets(cluster, host, rack)


def test_bucket_validation(managed):
    synced(managed)
    api = managed.api
    post = lambda body: api.post(managed.url("crush_node"), json=body, headers=xsrf(api))  # noqa: E731
    for body, field in (({"bucket_type": "rack"}, "name"), ({"name": unique("r"), "bucket_type": "shelf"}, "bucket_type"),
                        ({"name": unique("r"), "bucket_type": "rack", "items": [{"weight": 1}]}, "items")):
        response = post(body)
        assert response.status_code == 400 and field in response.json()["errors"], (body, response.text)
    assert post({"name": "default", "bucket_type": "root"}).status_code == 409
    assert api.delete(managed.url("crush_node/-999"), headers=xsrf(api)).status_code == 404


def test_rule_create_update_use_and_delete(managed):
    synced(managed)
    api, cluster = managed.api, managed.cluster
    name, pool = unique("rule"), unique("onrule")
    steps = [{"op": "take", "item_name": "default"}, {"op": "chooseleaf_firstn", "num": 0, "type": "osd"},
             {"op": "emit"}]
    try:
        run(api, "POST", managed.url("crush_rule"),
            {"name": name, "type": "replicated", "min_size": 1, "max_size": 5, "steps": steps})
        rule = next(r for r in api.get(managed.url("crush_rule")).json() if r["name"] == name)
        assert (rule["min_size"], rule["max_size"], rule["osd_count"]) == (1, 5, 3)
        assert [s["op"] for s in rule["steps"]] == ["take", "chooseleaf_firstn", "emit"]
        assert api.get(managed.url(f"crush_rule/{rule['id']}")).json() == rule
        dumped = mon_json(cluster, "osd crush rule dump", name=name)
        assert dumped["rule_id"] == rule["id"] and dumped["max_size"] == 5
        assert dumped["steps"][1] == {"op": "chooseleaf_firstn", "num": 0, "type": "osd"}

        run(api, "PATCH", managed.url(f"crush_rule/{rule['id']}"), {"max_size": 4})
        assert api.get(managed.url(f"crush_rule/{rule['id']}")).json()["max_size"] == 4
        assert mon_json(cluster, "osd crush rule dump", name=name)["max_size"] == 4

        # A pool placed by the rule keeps it from being deleted.
        cluster.ceph("osd", "pool", "create", pool, "8")
        pool_id = wait_until(lambda: pools_by_name(api, managed.fsid).get(pool), timeout_s=10,
                             every_s=0.05, what=f"pool {pool}")["id"]
        run(api, "PATCH", managed.url(f"pool/{pool_id}"), {"crush_ruleset": rule["ruleset"]})
        assert api.get(managed.url(f"pool/{pool_id}")).json()["crush_ruleset"] == rule["ruleset"]
        assert dump_pool(cluster, pool_id)["crush_rule"] == rule["id"]
        in_use = api.delete(managed.url(f"crush_rule/{rule['id']}"), headers=xsrf(api))
        assert in_use.status_code == 409, in_use.text
        run(api, "DELETE", managed.url(f"pool/{pool_id}"))

        run(api, "DELETE", managed.url(f"crush_rule/{rule['id']}"))
        assert name not in {r["name"] for r in api.get(managed.url("crush_rule")).json()}
        assert name not in rule_names(cluster)
    finally:
        if pool in pool_names(cluster):
            cluster.ceph("osd", "pool", "delete", pool, pool, "--yes-i-really-really-mean-it")
        if name in rule_names(cluster):
            cluster.ceph("osd", "crush", "rule", "rm", name)


def test_crush_map_read_and_written_back(managed):
    synced(managed)
    api, cluster = managed.api, managed.cluster
    before = mon_json(cluster, "osd crush dump")
    epoch = mon_json(cluster, "osd dump")["epoch"]
    text = api.get(managed.url("crush_map")).json()
    assert "# begin crush map" in text and "# end crush map" in text
    request = finished(api, submit(api, "POST", managed.url("crush_map"), content=text.encode(),
                                   headers={**xsrf(api), "Content-Type": "text/plain"}))
    assert request["error"] is False, request
    assert mon_json(cluster, "osd dump")["epoch"] > epoch          # it was really set
    assert mon_json(cluster, "osd crush dump") == before             # and is the same map
    assert api.get(managed.url("crush_map")).json() == text
    bad = api.post(managed.url("crush_map"), content=b"rule {{{", headers={**xsrf(api), "Content-Type": "text/plain"})
    assert bad.status_code == 400 and bad.json()["detail"]
    # Well formed, but crushtool on the agent refuses it: the request fails with its words.
    unknown_root = text.replace("step take default", "step take no-such-root")
    request = finished(api, submit(api, "POST", managed.url("crush_map"), content=unknown_root.encode(),
                                   headers={**xsrf(api), "Content-Type": "text/plain"}))
    assert request["error"] is True and "no-such-root" in request["error_message"], request
    assert mon_json(cluster, "osd crush dump") == before
