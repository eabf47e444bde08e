"""Pools through the 202 workflow against the simulator: create, modify, grow, rename, delete."""
from __future__ import annotations

from tests.helpers import wait_until
from tests.system.cluster_helpers import pools_by_name, synced_cluster
from tests.system.requests_helpers import finished, run, submit, xsrf


def test_pool_lifecycle_with_events_and_read_your_writes(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    request_id = submit(api, "POST", f"cluster/{fsid}/pool", {"name": "newpool", "pg_num": 16})
    request = api.get(f"request/{request_id}").json()
    assert request["headline"] == "Creating pool 'newpool'" and request["state"] in ("submitted", "complete")
    request = finished(api, request_id)
    assert request["error"] is False and request["completed_at"]
    pool = pools_by_name(api, fsid)["newpool"]
    assert pool["pg_num"] == 16 and pool["size"] == 3 and pool["min_size"] == 2
    assert api.get(f"cluster/{fsid}/request/{request_id}").json()["id"] == request_id
    assert any(r["id"] == request_id for r in api.get(f"cluster/{fsid}/request").json()["results"])
    run(api, "PATCH", f"cluster/{fsid}/pool/{pool['id']}", {"size": 2, "quota_max_objects": 42})
    changed = api.get(f"cluster/{fsid}/pool/{pool['id']}").json()
    assert (changed["size"], changed["min_size"], changed["quota_max_objects"]) == (2, 1, 42)
    run(api, "PATCH", f"cluster/{fsid}/pool/{pool['id']}", {"name": "renamed"})
    assert "renamed" in pools_by_name(api, fsid) and "newpool" not in pools_by_name(api, fsid)
    run(api, "DELETE", f"cluster/{fsid}/pool/{pool['id']}")
    assert "renamed" not in pools_by_name(api, fsid)
    messages = [e["message"] for e in api.get("event", params={"page_size": 200}).json()["results"]]
    assert "Started: Creating pool 'newpool'" in messages and "Succeeded: Creating pool 'newpool'" in messages


def test_pool_validation_conflicts_and_no_ops(api, fleet):
    fsid = synced_cluster(api, fleet)
    rbd = pools_by_name(api, fsid)["rbd"]
    post = lambda body: api.post(f"cluster/{fsid}/pool", json=body, headers=xsrf(api))  # noqa: E731
    empty = post({})
    assert empty.status_code == 400 and {"name", "pg_num"} <= set(empty.json()["errors"])
    assert post({"name": "rbd", "pg_num": 8}).status_code == 409
    assert post({"name": "x", "pg_num": 8, "pgp_num": 16}).status_code == 400
    bad_rule = post({"name": "x", "pg_num": 8, "crush_ruleset": 666})
    assert bad_rule.status_code == 400 and "crush_ruleset" in bad_rule.json()["errors"]
    assert post({"name": "x", "pg_num": 8, "bogus": 1}).status_code == 400
    patch = lambda body: api.patch(f"cluster/{fsid}/pool/{rbd['id']}", json=body, headers=xsrf(api))  # noqa: E731
    assert patch({"size": rbd["size"]}).status_code == 304
    assert patch({"pg_num": rbd["pg_num"] - 1}).status_code == 400
    assert patch({"name": "device_health_metrics"}).status_code == 409
    assert api.patch(f"cluster/{fsid}/pool/999", json={"size": 2}, headers=xsrf(api)).status_code == 404
    assert api.delete(f"cluster/{fsid}/pool/999", headers=xsrf(api)).status_code == 404


def test_pg_num_growth_in_steps_shows_progress(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    data = pools_by_name(api, fsid)["data"]
    target = data["pg_num"] + 2 * 12 * 32 // 8   # several split blocks for a 12-OSD cluster
    request_id = submit(api, "PATCH", f"cluster/{fsid}/pool/{data['id']}", {"pg_num": target})
    statuses = set()

    def done():
        request = api.get(f"request/{request_id}").json()
        statuses.add(request["status"])
        return request if request["state"] == "complete" else None
    request = wait_until(done, timeout_s=60)
    assert request["error"] is False, request
    grown = api.get(f"cluster/{fsid}/pool/{data['id']}").json()
    assert grown["pg_num"] == grown["pgp_num"] == target
    assert any("PGs" in s for s in statuses), statuses


def test_coherency_create_rename_delete_ten_times(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    for i in range(10):
        run(api, "POST", f"cluster/{fsid}/pool", {"name": "churn", "pg_num": 4})
        pool = pools_by_name(api, fsid)["churn"]
        run(api, "PATCH", f"cluster/{fsid}/pool/{pool['id']}", {"name": f"churned{i}"})
        names = pools_by_name(api, fsid)
        assert f"churned{i}" in names and "churn" not in names
        run(api, "DELETE", f"cluster/{fsid}/pool/{pool['id']}")
        assert f"churned{i}" not in pools_by_name(api, fsid)


def test_erasure_pool(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    run(api, "POST", f"cluster/{fsid}/pool",
        {"name": "ec", "pg_num": 8, "type": "erasure", "erasure_code_profile": "default"})
    pool = pools_by_name(api, fsid)["ec"]
    assert pool["type"] == "erasure" and pool["erasure_code_profile"] == "default"
    refused = api.post(f"cluster/{fsid}/pool", json={"name": "ec2", "pg_num": 8, "type": "erasure",
                                                     "erasure_code_profile": "nope"}, headers=xsrf(api))
    assert refused.status_code == 400 and "erasure_code_profile" in refused.json()["errors"]
