"""Every GET of api/v2 against the real cluster: 200 and the reference's fields, with real ids.

The URLs come from web/app.py's ROUTES, filled with every id the real cluster has (pools, OSDs,
mons, CRUSH nodes/rules/types, sync types, log files, ...); the fields are checked against the
original server's examples as tests/system/test_read_api.py does, and every answer against the
schema the served OpenAPI document gives it (as tests/system/test_openapi_document.py does with
the simulator's).
"""
from __future__ import annotations

import itertools
import json
import re

from tests.helpers import wait_until
from tests.openapi_answers import conformance_errors
from tests.real_ceph.api_helpers import mon_json, synced
from tests.system.daemon_process import logged_in_client
from tests.system.requests_helpers import run
from tests.system.cluster_helpers import EXAMPLES, ISO_UTC, example_keys, fill
from web.app import ROUTES
from web.apidoc.openapi import path_template

# Route patterns whose example is filed under another name in the reference.
EXAMPLE_OF = {
    "cluster/<fsid>": "cluster/<pk>",
    "user/<user_id>": "user/<pk>",
    "cluster/<fsid>/osd/command": "cluster/<fsid>/osd /command",
    "cluster/<fsid>/crush_rule/<rule_id>": "cluster/<fsid>/crush_rule",   # one element of the list
}
# The raw maps of Ceph 16 (the examples are Ceph 0.8x's); what each must hold at least.
SYNC_OBJECT_KEYS = {
    "osd_map": {"epoch", "fsid", "osds", "pools", "crush", "crush_map_text", "tree"},
    "mon_map": {"epoch", "fsid", "mons"},
    "mon_status": {"election_epoch", "state", "monmap", "rank", "quorum"},
    "quorum_status": {"election_epoch", "quorum", "monmap"},
    "mds_map": {"epoch"},
    "pg_summary": {"all", "by_osd", "by_pool"},
    "health": {"status", "checks"},
}
GRAIN_KEYS = {"fqdn", "host", "kernel", "os", "ipv4", "num_cpus"}   # salt's, that ours keep
CHECKED_APART = ("cluster/<fsid>/sync_object/<sync_type>", "cluster/<fsid>/osd/<osd_id>/command", "grains",
                 "server/<fqdn>/grains")


def pattern_of(route: str) -> str:
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: f"<{m.group(1)}>", route)


def get_routes() -> list[str]:
    return [route for route, handler in ROUTES if "GET" in handler.allowed_methods()]


def real_ids(managed, request_id: str) -> dict[str, list]:
    """Every value each URL parameter takes on the real cluster (config keys: a sample)."""
    api, url = managed.api, managed.url
    fqdns = [s["fqdn"] for s in api.get("server").json()]
    config_keys = [entry["key"] for entry in api.get(url("config")).json()]
    return {
        "fsid": [managed.fsid],
        "fqdn": fqdns,
        "minion_id": [k["id"] for k in api.get("key").json()],
        "user_id": ["me", api.get("user/me").json()["id"]],
        "pool_id": [p["id"] for p in api.get(url("pool")).json()],
        "osd_id": [o["id"] for o in api.get(url("osd")).json()],
        "command": api.get(url("osd/command")).json(),
        "mon_id": [m["name"] for m in api.get(url("mon")).json()],
        "key": sorted({"fsid", "mon_host", *config_keys[:3]} & set(config_keys)),
        "sync_type": api.get(url("sync_object")).json(),
        "node_id": [n["id"] for n in api.get(url("crush_node")).json()],
        "rule_id": [r["id"] for r in api.get(url("crush_rule")).json()],
        "type_id": [t["id"] for t in api.get(url("crush_type")).json()],
        "request_id": [request_id],
        "log_path": sorted({p for fqdn in fqdns for p in api.get(f"server/{fqdn}/log").json()}),
    }


def reference_key(pattern: str) -> str | None:
    """The key of the reference's example for a URL pattern; None for a URL it does not have."""
    key = "api/v2/" + EXAMPLE_OF.get(pattern, pattern)
    return key if key in EXAMPLES else None


# The GETs that need a query parameter (without it: a 400 naming it).
# history needs its series; the live stream would answer for ever without max_s
REQUIRED_QUERY = {"cluster/<fsid>/history": "?series=used_bytes", "stream": "?max_s=0.1"}


def urls_of(route: str, ids: dict) -> list[tuple[dict, str]]:
    names = re.findall(r"\(\?P<(\w+)>", route)
    combos = itertools.product(*(ids[name] for name in names))
    return [(values, fill(route, values)) for values in (dict(zip(names, c)) for c in combos)]


def assert_like_reference(pattern: str, values: dict, body) -> None:
    """The body has the fields of the reference's example for its URL pattern."""
    if pattern == "cluster/<fsid>/sync_object/<sync_type>":
        sync_type = values["sync_type"]
        assert isinstance(body, dict), (sync_type, body)
        if sync_type == "config":
            assert body["fsid"] and all(isinstance(v, str) for v in body.values())
        else:
            assert SYNC_OBJECT_KEYS[sync_type] <= set(body), (sync_type, sorted(body))
        return
    if pattern == "cluster/<fsid>/osd/<osd_id>/command":
        assert body == {str(values["osd_id"]): {"valid_commands": ["scrub", "deep_scrub", "repair"]}}
        return
    if pattern in ("grains", "server/<fqdn>/grains"):
        assert GRAIN_KEYS <= set(body), sorted(body)
        return
    key = reference_key(pattern)
    example = json.loads(next(iter(EXAMPLES[key].values())))
    if isinstance(example, str):
        assert isinstance(body, str) and body, body
    elif isinstance(example, list) and example and not isinstance(example[0], dict):
        assert isinstance(body, list) and body and all(isinstance(x, type(example[0])) for x in body)
    elif isinstance(example, list) and isinstance(body, list):
        assert body, f"{pattern}: an empty list"
        for item in body:
            assert example_keys(key) <= set(item), (pattern, sorted(item))
    else:
        assert isinstance(body, dict), body
        assert example_keys(key) <= set(body), (pattern, sorted(body))
        if isinstance(example, dict) and example.get("results") and body.get("results"):
            inner = set(example["results"][0])
            assert all(inner <= set(item) for item in body["results"]), (pattern, body["results"][:1])


def test_every_get_url_answers_200_with_the_reference_fields(managed):
    assert EXAMPLES, "the reference's examples (../shared/reference) are needed"
    synced(managed)
    api = managed.api
    for stats_read in ("usage", "io", "osd_usage"):   # 503 until the first stats (osd df: up to 6 beats)
        wait_until(lambda: api.get(managed.url(stats_read)).status_code == 200, timeout_s=30,
                   what=f"the cluster's {stats_read}")
    # A request of this cluster, so request/<id> and cluster/<fsid>/request/<id> have a real id.
    request_id = run(api, "POST", managed.url("osd/0/command/scrub"))["id"]
    ids = real_ids(managed, request_id)
    assert ids["log_path"] and "ceph/ceph.log" in ids["log_path"]
    doc = api.get("openapi.json").json()
    seen, problems = set(), []
    for route in get_routes():
        pattern = pattern_of(route)
        if route == "auth/logout":
            continue                                  # below, on a session of its own
        for values, path in urls_of(route, ids):
            response = api.get(path + REQUIRED_QUERY.get(pattern, ""))
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
            if pattern not in ("stream", "docs"):        # not JSON
                problems += conformance_errors(doc, path_template(route)[0], "get", 200, response.json())
            if pattern in ("", "auth/login"):
                assert isinstance(response.json(), dict)
            elif pattern in CHECKED_APART or reference_key(pattern):
                assert_like_reference(pattern, values, response.json())
            # else: a URL of this server's own the reference does not describe: 200 is all
            seen.add(route)
    with logged_in_client(managed.daemon.http_url) as other:
        response = other.get("auth/logout")
        assert response.status_code == 200 and response.json() == {"message": "Logged out"}
        assert other.get("cluster").status_code == 401
    seen.add("auth/logout")
    assert not problems, "\n".join(problems[:40])
    assert seen == set(get_routes())                  # no GET route left without a real id
    assert {reference_key(pattern_of(route)) for route in seen} >= set(EXAMPLES)   # nor of the reference


def test_values_match_the_cluster(managed):
    """A few values the reads must take from the real maps, not from defaults."""
    synced(managed)
    api, cluster = managed.api, managed.cluster
    dump = mon_json(cluster, "osd dump")
    osds = api.get(managed.url("osd")).json()
    assert {o["id"]: o["uuid"] for o in osds} == {o["osd"]: o["uuid"] for o in dump["osds"]}
    pools = api.get(managed.url("pool")).json()
    assert {p["id"]: p["name"] for p in pools} == {p["pool"]: p["pool_name"] for p in dump["pools"]}
    for pool in pools:
        assert [o["id"] for o in api.get(managed.url("osd"), params={"pool": pool["id"]}).json()] == [0, 1, 2]
    some = api.get(managed.url("osd"), params=[("id__in[]", 0), ("id__in[]", 2)]).json()
    assert [o["id"] for o in some] == [0, 2]
    defaults = api.get(managed.url("pool") + "?defaults").json()
    assert defaults["name"] is None and defaults["size"] == 1   # osd_pool_default_size of the dev cluster
    mons = api.get(managed.url("mon")).json()
    assert [(m["name"], m["in_quorum"], m["leader"], m["server"]) for m in mons] == \
        [("a", True, True, managed.agent.fqdn)]
    quorum = mon_json(cluster, "quorum_status")
    assert api.get(managed.url("mon/a/status")).json()["election_epoch"] == quorum["election_epoch"]
    rules = api.get(managed.url("crush_rule")).json()
    assert {r["name"] for r in rules} == {r["rule_name"] for r in mon_json(cluster, "osd crush rule dump")}
    types = {t["name"] for t in api.get(managed.url("crush_type")).json()}
    assert {"osd", "host", "rack", "root"} <= types
    text = api.get(managed.url("crush_map")).json()
    assert "# begin crush map" in text and "device 2 osd.2" in text
    assert api.get(managed.url("config/fsid")).json() == {"key": "fsid", "value": managed.fsid}
    cluster_row = api.get(managed.url()).json()
    assert ISO_UTC.match(cluster_row["update_time"])
    server = api.get(managed.url(f"server/{managed.agent.fqdn}")).json()
    assert server["frontend_addr"] == "127.0.0.1" and server["managed"] is True
