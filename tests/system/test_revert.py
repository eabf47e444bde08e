"""Reverting completed changes (POST request/<id>/revert, issue 20) against the simulator: each
revertible kind makes a round trip (change, revert: the API's reads equal what they were before);
a change the cluster moved on from is refused naming the field (409); changes without an inverse
are refused (400), unknown requests are 404, read-only users 403; a dry run submits nothing."""
from __future__ import annotations

import pytest

from tests.system.cli_helpers import live_cluster_client
from tests.system.daemon_process import logged_in_client
from tests.system.requests_helpers import add_user, finished, run, xsrf


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(daemon, api, fsid): one live simulated cluster for the module."""
    with live_cluster_client(tmp_path_factory.mktemp("revert") / "data") as running:
        yield running


def ids_by_name(api, fsid: str, what: str) -> dict:
    return {item["name"]: item["id"] for item in api.get(f"cluster/{fsid}/{what}").json()}


def crush_nodes(api, fsid: str) -> dict:
    """The CRUSH nodes as the API shows them, items by id (a node moved back is appended)."""
    return {n["name"]: {**n, "items": sorted(({"id": i["id"], "weight": i["weight"]} for i in n["items"]),
                                             key=lambda i: i["id"])}
            for n in api.get(f"cluster/{fsid}/crush_node").json()}


def revert(api, request_id: str, expect: int = 202, **params):
    response = api.post(f"request/{request_id}/revert", params=params, headers=xsrf(api))
    assert response.status_code == expect, (response.status_code, response.text)
    return response.json() if response.content else None


# (name, the change: (method, path, body) from (api, fsid), what to read back: path from (api, fsid))
def _pool(api, fsid):
    return f"cluster/{fsid}/pool/{ids_by_name(api, fsid, 'pool')['data']}"


def _rule(api, fsid):
    return f"cluster/{fsid}/crush_rule/{ids_by_name(api, fsid, 'crush_rule')['replicated_rule']}"


ROUND_TRIPS = [
    ("pool attributes and rename", lambda a, f: ("PATCH", _pool(a, f), {"size": 2, "name": "renamed"}),
     lambda a, f: f"cluster/{f}/pool"),
    ("quota", lambda a, f: ("PATCH", _pool(a, f), {"quota_max_objects": 10**9, "quota_max_bytes": 1 << 50}),
     lambda a, f: f"cluster/{f}/pool"),
    ("osd out", lambda a, f: ("PATCH", f"cluster/{f}/osd/1", {"in": False}), lambda a, f: f"cluster/{f}/osd/1"),
    ("osd reweight", lambda a, f: ("PATCH", f"cluster/{f}/osd/2", {"reweight": 0.5}),
     lambda a, f: f"cluster/{f}/osd/2"),
    ("flag", lambda a, f: ("PATCH", f"cluster/{f}/osd_config", {"noout": True}),
     lambda a, f: f"cluster/{f}/osd_config"),
    ("crush rule edit", lambda a, f: ("PATCH", _rule(a, f), {"max_size": 7, "min_size": 2}),
     lambda a, f: f"cluster/{f}/crush_rule"),
]


@pytest.mark.parametrize("name, change, read", ROUND_TRIPS, ids=[t[0] for t in ROUND_TRIPS])
def test_a_change_and_its_revert_leave_the_maps_as_before(server, name, change, read):
    _, api, fsid = server
    before = api.get(read(api, fsid)).json()
    method, path, body = change(api, fsid)
    original = run(api, method, path, body)
    assert api.get(read(api, fsid)).json() != before
    reverting = revert(api, original["id"])["request_id"]
    done = finished(api, reverting)
    assert done["error"] is False, done
    assert api.get(read(api, fsid)).json() == before
    assert api.get(f"request/{original['id']}").json()["reverted_by"] == reverting
    reverted = api.get(f"request/{reverting}").json()
    assert reverted["reverts"] == original["id"] and reverted["kind"] == original["kind"]
    assert reverted["changes"] == {f: [after, before_] for f, (before_, after) in
                                   api.get(f"request/{original['id']}").json()["changes"].items()}


def test_a_crush_move_is_reverted_into_its_old_parent(server):
    _, api, fsid = server
    run(api, "POST", f"cluster/{fsid}/crush_node", {"name": "rackR", "bucket_type": "rack", "items": []})
    before = crush_nodes(api, fsid)
    host = next(n for n in before.values() if n["bucket_type"] == "host")
    moved = run(api, "PATCH", f"cluster/{fsid}/crush_node/{before['rackR']['id']}",
                {"items": [{"id": host["id"], "weight": host["weight"]}]})
    assert api.get(f"request/{moved['id']}").json()["changes"][f"parent:{host['name']}"] == ["default", "rackR"]
    assert crush_nodes(api, fsid) != before
    done = finished(api, revert(api, moved["id"])["request_id"])
    assert done["error"] is False, done
    assert crush_nodes(api, fsid) == before


def test_a_revert_after_an_intervening_change_is_a_409_naming_the_field(server):
    _, api, fsid = server
    pool = _pool(api, fsid)
    first = run(api, "PATCH", pool, {"quota_max_objects": 100})
    run(api, "PATCH", pool, {"quota_max_objects": 200})
    response = api.post(f"request/{first['id']}/revert", headers=xsrf(api))
    assert response.status_code == 409, response.text
    assert list(response.json()["errors"]) == ["quota_max_objects"]
    assert "moved on" in response.json()["detail"]
    assert api.get(f"request/{first['id']}").json()["reverted_by"] is None


def test_a_dry_run_previews_the_inverse_and_submits_nothing(server):
    _, api, fsid = server
    pool = _pool(api, fsid)
    change = run(api, "PATCH", pool, {"quota_max_bytes": 4096})
    count = api.get("request").json()["count"]
    preview = revert(api, change["id"], expect=200, dry_run=1)
    assert preview["changes"] == {"quota_max_bytes": [4096, 0]}
    assert preview["commands"] and api.get("request").json()["count"] == count
    assert api.get(pool).json()["quota_max_bytes"] == 4096
    finished(api, revert(api, change["id"])["request_id"])
    assert api.get(pool).json()["quota_max_bytes"] == 0


def test_changes_without_an_inverse_unknown_requests_and_read_only_users_are_refused(server):
    daemon, api, fsid = server
    created = run(api, "POST", f"cluster/{fsid}/pool", {"name": "noinverse", "pg_num": 4})
    scrub = run(api, "POST", f"cluster/{fsid}/osd/0/command/scrub")
    grown = run(api, "PATCH", f"cluster/{fsid}/pool/{ids_by_name(api, fsid, 'pool')['noinverse']}", {"pg_num": 8})
    deleted = run(api, "DELETE", f"cluster/{fsid}/pool/{ids_by_name(api, fsid, 'pool')['noinverse']}")
    for request, why in ((created, "create_pool"), (scrub, "command_osd"), (grown, "pg_num"),
                         (deleted, "delete_pool")):
        response = api.post(f"request/{request['id']}/revert", headers=xsrf(api))
        assert response.status_code == 400 and why in response.json()["detail"], response.text
    assert api.post("request/no-such-request/revert", headers=xsrf(api)).status_code == 404
    add_user(api, "reader", "read-only")
    with logged_in_client(daemon.http_url, "reader", "pass-word-1") as reader:
        for params in ({}, {"dry_run": 1}):
            response = reader.post(f"request/{created['id']}/revert", params=params, headers=xsrf(reader))
            assert response.status_code == 403, response.text
