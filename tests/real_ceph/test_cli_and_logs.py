"""`cluster/<fsid>/cli` in both of the reference's forms, what it refuses and to whom, and the log
tails, on the real cluster. The agent runs as the narrow cephx user of actors/cluster/commands/agent_caps.py.

The dev cluster's log directory is served as "ceph/<file>" (as /var/log/ceph would be).
"""
from __future__ import annotations

import json

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import mon_json, synced, unique
from tests.system.requests_helpers import xsrf


def post_cli(client, managed, command, **extra):
    return client.post(managed.url("cli"), json={"command": command, **extra}, headers=xsrf(client))


def cli(managed, command, **extra):
    response = post_cli(managed.api, managed, command, **extra)
    assert response.status_code == 200, response.text
    return response.json()


def test_cli_as_a_string_and_as_a_list(managed):
    synced(managed)
    pools = [p["pool_name"] for p in mon_json(managed.cluster, "osd dump")["pools"]]
    as_string = cli(managed, "osd pool ls")
    assert as_string["status"] == 0 and as_string["out"].split() == pools
    as_list = cli(managed, ["osd", "pool", "ls"])
    assert as_list == as_string
    dump = cli(managed, ["osd", "dump"])                      # the reference's own example
    assert dump["status"] == 0 and "epoch" in dump["out"]
    as_json = json.loads(cli(managed, "osd dump", format="json")["out"])
    assert as_json["fsid"] == managed.fsid and len(as_json["osds"]) == 3
    assert json.loads(cli(managed, ["ceph", "health"], format="json")["out"])["status"].startswith("HEALTH_")
    assert post_cli(managed.api, managed, "osd dump -f json").status_code == 400
    binary = cli(managed, "osd getcrushmap")            # binary on stdout: still an answer
    assert binary["status"] == 0 and "\ufffd" in binary["out"]      # undecodable bytes replaced


def test_cli_reports_a_failing_command_with_200_and_its_status(managed):
    synced(managed)
    failed = cli(managed, "osd pool get no-such-pool size")
    assert failed["status"] != 0 and "ENOENT" in failed["err"]
    for body in ({}, {"command": ""}, {"command": 7}, {"command": ["osd", 1]}, {"command": "rbd ls"}):
        response = managed.api.post(managed.url("cli"), json=body, headers=xsrf(managed.api))
        assert response.status_code == 400 and "command" in response.json()["errors"], (body, response.text)


def test_cluster_log_tail_shows_what_was_just_logged(managed):
    synced(managed)
    marker = unique("calamari-test-marker")
    managed.cluster.ceph("log", marker)

    def tail():
        response = managed.api.get(managed.url("log"), params={"lines": 20})
        assert response.status_code == 200, response.text
        return response.json()["lines"]
    lines = wait_until(lambda: marker in tail() and tail(), timeout_s=10, every_s=0.1,
                       what="the marker in the cluster log tail")
    assert len(lines.splitlines()) <= 20
    assert len(managed.api.get(managed.url("log"), params={"lines": 3}).json()["lines"].splitlines()) <= 3
    assert managed.api.get(managed.url("log"), params={"lines": "x"}).status_code == 400


def test_server_logs_listed_and_tailed(managed):
    synced(managed)
    api, fqdn = managed.api, managed.agent.fqdn
    listed = api.get(f"server/{fqdn}/log").json()
    on_disk = sorted(f"ceph/{p.name}" for p in managed.cluster.log_dir.iterdir() if p.is_file())
    assert listed == on_disk and "ceph/ceph.log" in listed and "ceph/mon.a.log" in listed
    for path in ("ceph/ceph.log", "ceph/mon.a.log", "ceph/osd.0.log"):
        response = api.get(f"server/{fqdn}/log/{path}", params={"lines": 5})
        assert response.status_code == 200, (path, response.text)
        lines = response.json()["lines"].splitlines()
        assert 0 < len(lines) <= 5, path
        text = (managed.cluster.log_dir / path.removeprefix("ceph/")).read_text(errors="replace")
        assert all(line in text for line in lines), path
    default = api.get(f"server/{fqdn}/log/ceph/ceph.log").json()["lines"].splitlines()
    assert 5 < len(default) <= 40                          # 40 lines unless asked otherwise
    for path in ("syslog", "ceph/..%2F..%2Fetc%2Fpasswd", "..%2Fetc%2Fpasswd"):
        assert api.get(f"server/{fqdn}/log/{path}").status_code == 400, path
    assert api.get(f"server/{fqdn}/log/ceph/no-such.log").status_code == 404
    assert api.get("server/no-such.example/log").status_code == 404
