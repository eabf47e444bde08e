"""The review's attacks on `cluster/<fsid>/cli`, on the real cluster through the real agent:
refused below admin (nothing reaches Ceph), and where an admin may ask, Ceph itself refuses
what the agent's narrow cephx user was never given."""
from __future__ import annotations

import json

import pytest

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import synced, unique
from tests.system.daemon_process import logged_in_client
from tests.system.requests_helpers import xsrf

PASSWORD = "real-ceph-Operator-Quartz-77"
ATTACKS = [
    ("auth get-key client.admin", 403), ("auth ls", 403), ("config-key dump", 403),
    ("auth get-or-create client.evil mon 'allow *' osd 'allow *'", 403),
    (["-i", "/root/secret", "config-key", "set", "k"], 400), ("config-key get k", 403),
    (["-o", "/etc/cron.d/x", "config-key", "get", "k"], 400),
    ("tell mon.a config set mon_allow_pool_delete true", 403),
    ("config set mon mon_allow_pool_delete true", 403),
    ("osd pool delete POOL POOL", 403), ("osd pool rm POOL POOL", 403), ("mon remove a", 403),
]


@pytest.fixture(scope="module")
def operator(managed):
    name = unique("op")
    created = managed.api.post("user", json={"username": name, "password": PASSWORD, "role": "operator"},
                               headers=xsrf(managed.api))
    assert created.status_code == 201, created.text
    with logged_in_client(managed.daemon.http_url, name, PASSWORD) as client:
        yield client


def cli(client, managed, command, **extra):
    return client.post(managed.url("cli"), json={"command": command, **extra}, headers=xsrf(client))


def users(managed) -> set[str]:
    return {e["entity"] for e in managed.cluster.ceph_json("auth", "ls")["auth_dump"]}


def test_every_attack_is_refused_for_operators_and_nothing_reaches_ceph(managed, operator):
    synced(managed)
    pool = unique("keep")
    managed.cluster.ceph("osd", "pool", "create", pool, "8")
    before_users, before_mons = users(managed), managed.cluster.ceph_json("mon", "dump")["mons"]
    for command, status in ATTACKS:
        command = command.replace("POOL", pool) if isinstance(command, str) else command
        response = cli(operator, managed, command)
        assert response.status_code == status, (command, response.text)
        assert "s3cr" not in response.text and "key" not in response.json().get("out", "")
    assert users(managed) == before_users and "client.evil" not in before_users
    assert managed.cluster.ceph_json("mon", "dump")["mons"] == before_mons
    assert pool in managed.cluster.ceph("osd", "pool", "ls").split()
    managed.cluster.ceph("osd", "pool", "delete", pool, pool, "--yes-i-really-really-mean-it")


def test_operators_read_and_change_as_the_api_does(managed, operator):
    synced(managed)
    status = json.loads(cli(operator, managed, "status", format="json").json()["out"])
    assert status["fsid"] == managed.fsid
    assert cli(operator, managed, "osd df").json()["status"] == 0          # served by the mgr
    assert cli(operator, managed, ["osd", "set", "noout"]).json()["status"] == 0
    try:
        wait_until(lambda: managed.api.get(managed.url("osd_config")).json()["noout"], timeout_s=10,
                   what="noout set through the cli")
    finally:
        assert cli(operator, managed, "osd unset noout").json()["status"] == 0


def test_the_agents_own_key_cannot_hand_out_the_cluster_even_for_an_admin(managed):
    """An admin may ask; the agent's cephx user lacks the capability, so Ceph answers EACCES."""
    synced(managed)
    for command in ("auth get-key client.admin", "config-key dump", "auth ls",
                    "config set mon mon_allow_pool_delete true"):
        answer = cli(managed.api, managed, command).json()
        assert answer["status"] == 13 and "EACCES" in answer["err"], (command, answer)
        assert "AQ" not in answer["out"]          # no cephx key (base64 keys start "AQ")
