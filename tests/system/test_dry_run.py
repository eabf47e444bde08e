"""`?dry_run=1` on every write (issue 20): one daemon and one live simulated cluster for the module.

For every kind of write the API offers, in one pass that changes the cluster step by step: the
dry run answers 200 with the preview, submits nothing (the request list and the maps stay as they
were), and its `commands` are the very commands the real call's job then sends. Those are read
from the real request's `commands` (GET request/<id>): the tracker writes that log as it hands
the job to the agent, so it is what was sent, in order, without a tap on the simulator. Then the
validation answers of a dry run against the real call's (400/404/409/304), and the audit trail.
"""
from __future__ import annotations

import pytest

from tests.helpers import wait_until
from tests.system.cli_helpers import daemon_with_cluster
from tests.system.daemon_process import logged_in_client
from tests.system.requests_helpers import add_user, finished, xsrf

PREVIEW_KEYS = {"commands", "changes", "steps", "warnings", "checks"}
STEPS = [{"op": "take", "item_name": "default"}, {"op": "chooseleaf_firstn", "num": 0, "type": "host"},
         {"op": "emit"}]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with daemon_with_cluster(tmp_path_factory.mktemp("dry-run") / "data", live=True) as (daemon, fleet, fsid):
        with logged_in_client(daemon.http_url) as api:
            yield api, daemon, fsid


def _id_of(api, path: str, name: str) -> int:
    return next(item["id"] for item in api.get(path).json() if item["name"] == name)


def _writes(api, fsid: str):
    """(method, path, body, what the preview must show): every write kind, each step building on
    the last one's result. Paths are callables where they name what an earlier step created."""
    c = f"cluster/{fsid}"
    pool = lambda: f"{c}/pool/{_id_of(api, f'{c}/pool', 'dryp')}"             # noqa: E731
    node = lambda: f"{c}/crush_node/{_id_of(api, f'{c}/crush_node', 'dryrack')}"  # noqa: E731
    rule = lambda: f"{c}/crush_rule/{_id_of(api, f'{c}/crush_rule', 'dryrule')}"  # noqa: E731
    return [
        ("POST", f"{c}/pool", {"name": "dryp", "pg_num": 8},
         lambda p: p["changes"]["name"] == [None, "dryp"] and p["changes"]["pg_num"] == [None, 8]),
        ("PATCH", pool, {"size": 2, "quota_max_objects": 5},
         lambda p: p["changes"]["size"][1] == 2 and p["changes"]["quota_max_objects"] == [0, 5]
         and [c["check"] for c in p["checks"]] == ["data-at-stake"]),
        ("PATCH", pool, {"pg_num": 16},
         lambda p: p["changes"]["pg_num"] == [8, 16] and p["steps"][-1] == {"pgp_num": 16}
         and {"pg_num": 16} in p["steps"]),
        ("DELETE", pool, None,
         lambda p: p["changes"]["name"] == ["dryp", None] and p["checks"][0]["check"] == "data-at-stake"),
        ("PATCH", f"{c}/osd/2", {"in": False},
         lambda p: p["changes"]["in"] == [True, False]
         and [c["check"] for c in p["checks"]] == ["ok-to-stop", "safe-to-destroy"]
         and p["checks"][0]["ok"] is True and p["checks"][0]["pgs_degraded"] > 0
         and p["checks"][1]["ok"] is False and p["warnings"]),
        ("PATCH", f"{c}/osd/2", {"in": True}, lambda p: p["changes"]["in"] == [False, True] and not p["checks"]),
        ("PATCH", f"{c}/osd/4", {"reweight": 0.5},
         lambda p: p["changes"]["reweight"] == [1.0, 0.5] and len(p["checks"]) == 2),
        ("POST", f"{c}/osd/0/command/scrub", None, lambda p: p["changes"] == {} and not p["checks"]),
        ("PATCH", f"{c}/osd_config", {"noout": True}, lambda p: p["changes"] == {"noout": [False, True]}),
        ("POST", f"{c}/crush_node", {"name": "dryrack", "bucket_type": "rack", "items": []},
         lambda p: p["changes"]["bucket_type"] == [None, "rack"]),
        ("PATCH", node, {"items": []}, None),     # no-op: 304 for both
        ("DELETE", node, None, lambda p: p["changes"]["name"] == ["dryrack", None]),
        ("POST", f"{c}/crush_rule", {"name": "dryrule", "ruleset": 9, "type": "replicated", "min_size": 1,
                                     "max_size": 10, "steps": STEPS},
         lambda p: p["changes"]["ruleset"] == [None, 9]),
        ("PATCH", rule, {"max_size": 5}, lambda p: p["changes"] == {"max_size": [10, 5]}),
        ("DELETE", rule, None, lambda p: p["changes"]["name"] == ["dryrule", None]),
        ("POST", f"{c}/crush_map", "CRUSH_MAP",
         lambda p: p["changes"]["crush_map"][1].startswith("sha256:")),
    ]


def _maps(api, fsid: str) -> dict:
    """What a change could alter, as the API shows it."""
    c = f"cluster/{fsid}"
    osds = [(o["id"], o["up"], o["in"], o["reweight"]) for o in api.get(f"{c}/osd").json()]
    return {"pools": api.get(f"{c}/pool").json(), "osds": osds, "flags": api.get(f"{c}/osd_config").json(),
            "nodes": api.get(f"{c}/crush_node").json(), "rules": api.get(f"{c}/crush_rule").json(),
            "map": api.get(f"{c}/crush_map").json()}


def _send(api, method: str, path: str, body, dry_run: bool):
    params = {"dry_run": "1"} if dry_run else None
    if body == "CRUSH_MAP":
        text = api.get(path).json()
        return api.post(path, content=text, params=params,
                        headers={**xsrf(api), "Content-Type": "text/plain"})
    return api.request(method, path, json=body, params=params, headers=xsrf(api))


def _sent(request: dict, count: int) -> list[dict]:
    """The first `count` commands the request sent (a PG growth sends more as it goes)."""
    return [{"prefix": entry["prefix"], **entry["args"]} for entry in request["commands"][:count]]


def test_every_write_previews_exactly_what_it_then_sends(server):
    api, _, fsid = server
    previews = 0
    for method, path, body, shows in _writes(api, fsid):
        path = path() if callable(path) else path
        requests_before, maps_before = len(api.get("request", params={"page_size": 1000}).json()["results"]), \
            _maps(api, fsid)
        dry = _send(api, method, path, body, dry_run=True)
        if shows is None:
            assert dry.status_code == 304, (path, dry.text)
            assert _send(api, method, path, body, dry_run=False).status_code == 304
            continue
        assert dry.status_code == 200, (method, path, dry.text)
        preview = dry.json()
        previews += 1
        assert set(preview) == PREVIEW_KEYS, preview
        assert shows(preview), (method, path, preview)
        assert len(api.get("request", params={"page_size": 1000}).json()["results"]) == requests_before
        assert _maps(api, fsid) == maps_before, (method, path)

        real = _send(api, method, path, body, dry_run=False)
        assert real.status_code == 202, (method, path, real.text)
        request = finished(api, real.json()["request_id"])
        assert request["error"] is False, request
        assert _sent(request, len(preview["commands"])) == preview["commands"], \
            (method, path, request["commands"], preview["commands"])
        if not preview["steps"]:
            assert len(request["commands"]) == len(preview["commands"])
    assert previews == 15


@pytest.mark.parametrize("method, path, body, status", [
    ("POST", "pool", {"name": "rbd", "pg_num": 8}, 409),
    ("POST", "pool", {"name": "x", "pg_num": 0}, 400),
    ("PATCH", "pool/999", {"size": 2}, 404),
    ("PATCH", "osd/3", {"in": True}, 304),
    ("PATCH", "osd/99", {"in": False}, 404),
    ("PATCH", "osd_config", {"bogus": True}, 400),
    ("POST", "osd/0/command/explode", None, 404),
    ("DELETE", "crush_rule/999", None, 404),
    ("DELETE", "crush_node/-1", None, 409),
])
def test_a_dry_run_is_refused_as_the_real_call_is(server, method, path, body, status):
    api, _, fsid = server
    url = f"cluster/{fsid}/{path}"
    dry = api.request(method, url, json=body, params={"dry_run": "true"}, headers=xsrf(api))
    real = api.request(method, url, json=body, headers=xsrf(api))
    assert (dry.status_code, real.status_code) == (status, status), (dry.text, real.text)
    if status != 304:
        assert dry.json() == real.json()


@pytest.mark.parametrize("query", [{"dry_run": "maybe"}, {"force": "2"}, {"dry_run": ["1", "0"]}])
def test_bad_write_options_are_400_naming_the_parameter(server, query):
    api, _, fsid = server
    answer = api.patch(f"cluster/{fsid}/osd_config", json={"noout": False}, params=query, headers=xsrf(api))
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == list(query)


def test_dry_runs_are_audited_as_dry_runs(server):
    api, _, fsid = server
    submit_free = api.patch(f"cluster/{fsid}/osd_config", json={"nodown": True}, params={"dry_run": "1"},
                            headers=xsrf(api))
    assert submit_free.status_code == 200
    expected = f"PATCH /api/v2/cluster/{fsid}/osd_config -> 200 [dry run]"

    def audited():
        events = api.get("event", params={"page_size": 1000}).json()["results"]
        return [e["message"] for e in events if e["message"].endswith(expected)] or None
    assert wait_until(audited, what="the dry run's audit event")
    assert api.get(f"cluster/{fsid}/osd_config").json()["nodown"] is False


def test_a_dry_run_needs_the_role_of_the_write(server):
    api, daemon, fsid = server
    add_user(api, "dryreader", "read-only")
    with logged_in_client(daemon.http_url, "dryreader", "pass-word-1") as reader:
        for path, body in ((f"cluster/{fsid}/osd_config", {"noout": True}), (f"cluster/{fsid}/osd/1", {"in": False})):
            answer = reader.patch(path, json=body, params={"dry_run": "1"}, headers=xsrf(reader))
            assert answer.status_code == 403, answer.text


def test_a_debug_jobs_dry_run_names_its_job_and_runs_nothing(server):
    api, _, fsid = server
    fqdn = next(s["fqdn"] for s in api.get("server").json() if s["managed"])
    requests_before = api.get("request", params={"page_size": 1000}).json()["count"]
    path, body = f"server/{fqdn}/debug_job", {"cmd": "selftest_wait", "args": [5]}
    dry = api.post(path, json=body, params={"dry_run": "1"}, headers=xsrf(api))
    assert dry.status_code == 200, dry.text
    assert dry.json() == {"commands": [], "changes": {}, "warnings": [], "checks": [],
                          "steps": [{"job": "selftest_wait", "args": {"seconds": 5}, "server": fqdn}]}
    assert api.get("request", params={"page_size": 1000}).json()["count"] == requests_before
    # validated as the real call is
    for bad_path, bad_body, status in ((path, {"cmd": "rm -rf"}, 400), ("server/nowhere.test/debug_job", body, 404)):
        dry = api.post(bad_path, json=bad_body, params={"dry_run": "1"}, headers=xsrf(api))
        real = api.post(bad_path, json=bad_body, headers=xsrf(api))
        assert (dry.status_code, real.status_code) == (status, status), (dry.text, real.text)
