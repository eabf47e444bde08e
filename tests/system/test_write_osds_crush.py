"""OSDs, OSD flags and CRUSH through the 202 workflow against the simulator."""
from __future__ import annotations

from tests.system.requests_helpers import finished, run, submit, xsrf
from tests.system.cluster_helpers import synced_cluster


def test_osd_out_in_reweight_down_and_no_ops(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    request = run(api, "PATCH", f"cluster/{fsid}/osd/2", {"in": False})
    assert request["headline"] == "Marking ceph-osd.2 out"
    assert api.get(f"cluster/{fsid}/osd/2").json()["in"] is False
    run(api, "PATCH", f"cluster/{fsid}/osd/2", {"in": True})
    assert api.get(f"cluster/{fsid}/osd/2").json()["in"] is True
    run(api, "PATCH", f"cluster/{fsid}/osd/4", {"reweight": 0.5})
    assert api.get(f"cluster/{fsid}/osd/4").json()["reweight"] == 0.5
    run(api, "PATCH", f"cluster/{fsid}/osd/6", {"up": False})
    assert api.get(f"cluster/{fsid}/osd/6").json()["up"] is False
    patch = lambda body: api.patch(f"cluster/{fsid}/osd/3", json=body, headers=xsrf(api))  # noqa: E731
    for no_op in ({"in": True}, {"up": True}, {"reweight": 1.0}):
        assert patch(no_op).status_code == 304, no_op
    assert patch({"reweight": 7}).status_code == 400
    assert patch({"colour": "red"}).status_code == 400
    assert api.patch(f"cluster/{fsid}/osd/99", json={"in": False}, headers=xsrf(api)).status_code == 404


def test_osd_commands(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    for command in ("scrub", "deep_scrub", "repair"):
        request = run(api, "POST", f"cluster/{fsid}/osd/0/command/{command}")
        assert request["headline"].startswith("Initiating")
    assert api.post(f"cluster/{fsid}/osd/0/command/explode", headers=xsrf(api)).status_code == 404
    run(api, "PATCH", f"cluster/{fsid}/osd/1", {"up": False})
    live_fleet.clusters[0].stop_osd(1)   # keep it down: its daemon is gone
    down = api.post(f"cluster/{fsid}/osd/1/command/scrub", headers=xsrf(api))
    assert down.status_code == 409


def test_osd_flags(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    run(api, "PATCH", f"cluster/{fsid}/osd_config", {"pause": True, "noout": True})
    flags = api.get(f"cluster/{fsid}/osd_config").json()
    assert flags["pause"] is True and flags["noout"] is True and flags["noup"] is False
    patch = lambda body: api.patch(f"cluster/{fsid}/osd_config", json=body, headers=xsrf(api))  # noqa: E731
    assert patch({"pause": True}).status_code == 304
    assert patch({"bogus": True}).status_code == 400
    assert patch({"noout": "yes"}).status_code == 400
    run(api, "PATCH", f"cluster/{fsid}/osd_config", {"pause": False})
    assert api.get(f"cluster/{fsid}/osd_config").json()["pause"] is False


def test_crush_nodes(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    host = next(n for n in api.get(f"cluster/{fsid}/crush_node").json() if n["bucket_type"] == "host")
    run(api, "POST", f"cluster/{fsid}/crush_node",
        {"name": "rack1", "bucket_type": "rack", "items": [{"id": host["id"], "weight": host["weight"], "pos": 0}]})
    nodes = {n["name"]: n for n in api.get(f"cluster/{fsid}/crush_node").json()}
    assert [i["id"] for i in nodes["rack1"]["items"]] == [host["id"]]
    assert host["id"] not in [i["id"] for i in nodes["default"]["items"]]
    post = api.post(f"cluster/{fsid}/crush_node", json={"name": "r2", "bucket_type": "rack",
                                                        "items": [{"id": -2000, "weight": 1.0, "pos": 0}]},
                    headers=xsrf(api))
    assert post.status_code == 404
    assert api.delete(f"cluster/{fsid}/crush_node/{nodes['rack1']['id']}", headers=xsrf(api)).status_code == 409
    run(api, "POST", f"cluster/{fsid}/crush_node", {"name": "empty", "bucket_type": "rack", "items": []})
    empty = next(n for n in api.get(f"cluster/{fsid}/crush_node").json() if n["name"] == "empty")
    run(api, "DELETE", f"cluster/{fsid}/crush_node/{empty['id']}")
    assert "empty" not in {n["name"] for n in api.get(f"cluster/{fsid}/crush_node").json()}


def test_crush_rules_and_map(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    steps = [{"op": "take", "item_name": "default"}, {"op": "chooseleaf_firstn", "num": 0, "type": "host"},
             {"op": "emit"}]
    run(api, "POST", f"cluster/{fsid}/crush_rule",
        {"name": "fast", "ruleset": 7, "type": "replicated", "min_size": 1, "max_size": 10, "steps": steps})
    rules = {r["name"]: r for r in api.get(f"cluster/{fsid}/crush_rule").json()}
    assert rules["fast"]["ruleset"] == 7 and rules["fast"]["osd_count"] == 12
    run(api, "PATCH", f"cluster/{fsid}/crush_rule/{rules['fast']['id']}", {"max_size": 5})
    assert api.get(f"cluster/{fsid}/crush_rule/{rules['fast']['id']}").json()["max_size"] == 5
    run(api, "POST", f"cluster/{fsid}/pool", {"name": "onfast", "pg_num": 4, "crush_ruleset": 7})
    assert api.delete(f"cluster/{fsid}/crush_rule/{rules['fast']['id']}", headers=xsrf(api)).status_code == 409
    text = api.get(f"cluster/{fsid}/crush_map").json()
    request_id = submit(api, "POST", f"cluster/{fsid}/crush_map", content=text.encode(),
                        headers={**xsrf(api), "Content-Type": "text/plain"})
    assert finished(api, request_id)["error"] is False
    bad = api.post(f"cluster/{fsid}/crush_map", content=b"rule {{{", headers={**xsrf(api), "Content-Type": "text/plain"})
    assert bad.status_code == 400
