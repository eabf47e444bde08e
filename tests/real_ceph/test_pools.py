"""Pools through the 202 workflow on the real cluster: each change is seen in GET and in
`ceph osd dump`; invalid input is refused with the field named. Every pool has a unique name
and is gone when its test ends."""
from __future__ import annotations

import subprocess

import pytest

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import dump_pool, pool_names, synced, unique
from tests.system.requests_helpers import finished, run, submit, xsrf
from tests.system.cluster_helpers import pools_by_name


def delete_if_present(cluster, name: str) -> None:
    if name in pool_names(cluster):
        cluster.ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it")


@pytest.fixture
def cli_pool(managed):
    """A pool made behind the API's back with `ceph`, seen by the API; removed afterwards."""
    synced(managed)
    name = unique("cli")
    managed.cluster.ceph("osd", "pool", "create", name, "8")
    pool = wait_until(lambda: pools_by_name(managed.api, managed.fsid).get(name), timeout_s=10,
                      every_s=0.05, what=f"pool {name} in the API")
    try:
        yield pool
    finally:
        left = dump_pool(managed.cluster, pool["id"])     # by id: a test may have renamed it
        if left is not None:
            delete_if_present(managed.cluster, left["pool_name"])


def test_create_a_pool_then_delete_it(managed):
    synced(managed)
    api, cluster = managed.api, managed.cluster
    name = unique("api")
    try:
        request = run(api, "POST", managed.url("pool"), {"name": name, "pg_num": 8, "size": 2})
        assert request["headline"] == f"Creating pool '{name}'"
        pool = pools_by_name(api, managed.fsid).get(name)      # read-your-writes: no waiting
        assert pool is not None
        assert (pool["pg_num"], pool["size"], pool["min_size"]) == (8, 2, 1)
        dumped = dump_pool(cluster, pool["id"])
        assert (dumped["pool_name"], dumped["pg_num"], dumped["size"], dumped["min_size"]) == (name, 8, 2, 1)
        run(api, "DELETE", managed.url(f"pool/{pool['id']}"))
        assert name not in pools_by_name(api, managed.fsid)
        assert dump_pool(cluster, pool["id"]) is None
    finally:
        delete_if_present(cluster, name)


def test_rename_quota_and_delete(managed, cli_pool):
    api, cluster = managed.api, managed.cluster
    path = managed.url(f"pool/{cli_pool['id']}")
    run(api, "PATCH", path, {"quota_max_objects": 1000, "quota_max_bytes": 8 * 1024 * 1024})
    pool = api.get(path).json()
    assert (pool["quota_max_objects"], pool["quota_max_bytes"]) == (1000, 8 * 1024 * 1024)
    dumped = dump_pool(cluster, cli_pool["id"])
    assert (dumped["quota_max_objects"], dumped["quota_max_bytes"]) == (1000, 8 * 1024 * 1024)

    new_name = unique("renamed")
    run(api, "PATCH", path, {"name": new_name})
    assert api.get(path).json()["name"] == new_name
    assert dump_pool(cluster, cli_pool["id"])["pool_name"] == new_name
    names = pools_by_name(api, managed.fsid)
    assert new_name in names and cli_pool["name"] not in names

    run(api, "PATCH", path, {"quota_max_objects": 0, "quota_max_bytes": 0})
    assert dump_pool(cluster, cli_pool["id"])["quota_max_objects"] == 0

    run(api, "DELETE", path)
    assert api.get(path).status_code == 404
    assert dump_pool(cluster, cli_pool["id"]) is None
    assert new_name not in pool_names(cluster)


def test_size_and_min_size(managed, cli_pool):
    api, cluster = managed.api, managed.cluster
    path = managed.url(f"pool/{cli_pool['id']}")
    run(api, "PATCH", path, {"size": 3})
    pool = api.get(path).json()
    assert (pool["size"], pool["min_size"]) == (3, 2)           # min_size follows: a majority
    dumped = dump_pool(cluster, cli_pool["id"])
    assert (dumped["size"], dumped["min_size"]) == (3, 2)
    run(api, "PATCH", path, {"min_size": 1})
    assert api.get(path).json()["min_size"] == 1
    assert dump_pool(cluster, cli_pool["id"])["min_size"] == 1


def test_pg_num_growth(managed, cli_pool):
    api, cluster = managed.api, managed.cluster
    path = managed.url(f"pool/{cli_pool['id']}")
    request = run(api, "PATCH", path, {"pg_num": 16}, timeout_s=60)
    assert request["headline"] == f"Growing pool '{cli_pool['name']}' to 16 PGs"
    pool = api.get(path).json()
    assert pool["pg_num"] == 16
    dumped = dump_pool(cluster, cli_pool["id"])
    assert dumped["pg_num"] == 16 and dumped["pg_num_target"] == 16
    assert dumped["pg_placement_num_target"] == 16     # Ceph's mgr walks pgp_num there by itself
    wait_until(lambda: dump_pool(cluster, cli_pool["id"])["pg_placement_num"] == 16, timeout_s=30,
               every_s=0.2, what="pgp_num reaching 16")
    wait_until(lambda: api.get(path).json()["pgp_num"] == 16, timeout_s=10, every_s=0.1,
               what="pgp_num 16 in the API")


def test_invalid_input_is_400_naming_the_field(managed, cli_pool):
    api = managed.api
    post = lambda body: api.post(managed.url("pool"), json=body, headers=xsrf(api))  # noqa: E731
    patch = lambda body: api.patch(managed.url(f"pool/{cli_pool['id']}"), json=body,  # noqa: E731
                                   headers=xsrf(api))
    cases = [
        (post, {}, {"name", "pg_num"}),
        (post, {"name": unique("x"), "pg_num": "many"}, {"pg_num"}),
        (post, {"name": unique("x"), "pg_num": 8, "size": -1}, {"size"}),
        (post, {"name": unique("x"), "pg_num": 8, "crush_ruleset": 99}, {"crush_ruleset"}),
        (post, {"name": unique("x"), "pg_num": 8, "colour": "red"}, {"colour"}),
        (post, {"name": unique("x"), "pg_num": 8, "erasure_code_profile": "default"}, {"erasure_code_profile"}),
        (patch, {"pg_num": 4}, {"pg_num"}),
        (patch, {"quota_max_objects": "lots"}, {"quota_max_objects"}),
        (patch, {"name": ""}, {"name"}),
    ]
    for send, body, fields in cases:
        response = send(body)
        assert response.status_code == 400, (body, response.status_code, response.text)
        error = response.json()
        assert error["detail"] and fields <= set(error["errors"]), (body, error)
    assert post({"name": cli_pool["name"], "pg_num": 8}).status_code == 409
    assert api.patch(managed.url("pool/999999"), json={"size": 2}, headers=xsrf(api)).status_code == 404
    dumped = dump_pool(managed.cluster, cli_pool["id"])
    assert (dumped["pool_name"], dumped["pg_num"]) == (cli_pool["name"], 8)   # nothing changed
    leftovers = [p for p in pools_by_name(api, managed.fsid) if p.startswith("x-")]
    assert leftovers == []


def test_the_cluster_refusing_a_change_fails_the_request_with_its_words(managed, cli_pool):
    """Deleting a pool that Ceph protects (nodelete) fails with Ceph's own error."""
    cluster = managed.cluster
    cluster.ceph("osd", "pool", "set", cli_pool["name"], "nodelete", "true")
    try:
        request = finished(managed.api, submit(managed.api, "DELETE", managed.url(f"pool/{cli_pool['id']}")))
        assert request["error"] is True and "EPERM" in request["error_message"], request
        assert dump_pool(cluster, cli_pool["id"]) is not None
    finally:
        try:
            cluster.ceph("osd", "pool", "set", cli_pool["name"], "nodelete", "false")
        except subprocess.CalledProcessError:
            pass
