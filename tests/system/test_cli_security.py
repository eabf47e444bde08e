"""`POST cluster/<fsid>/cli` through the real daemon and simulated agents over the bus: the
review's attacks refused, the commands operators need still answered, the audit trail."""
from __future__ import annotations

import json

import pytest

from tests.helpers import wait_until
from tests.system.daemon_process import logged_in_client
from tests.system.requests_helpers import xsrf
from tests.system.cluster_helpers import synced_cluster

OPERATOR, OPERATOR_PASSWORD = "olive", "cli-operator-Quartz-87-lantern"

# Each attack of the review, with the prefix the 403 names (None: refused as an option, 400).
ATTACKS = [
    ("auth get-key client.admin", "auth"), ("auth ls", "auth"), ("config-key dump", "config-key"),
    ("auth get-or-create client.x mon 'allow *' osd 'allow *'", "auth"),
    (["-i", "/root/secret", "config-key", "set", "k"], None), ("config-key get k", "config-key"),
    (["-o", "/etc/cron.d/x", "config-key", "get", "k"], None),
    ("tell mon.a config set mon_allow_pool_delete true", "tell"),
    ("osd pool delete rbd rbd --yes-i-really-really-mean-it", None), ("osd pool delete rbd rbd", "osd pool delete"),
    ("mon remove ceph0-node000", "mon remove"), ("injectargs --mon-allow-pool-delete", None),
    ("--keyring /etc/ceph/ceph.client.admin.keyring status", None),
]


@pytest.fixture
def operator(daemon, api):
    created = api.post("user", json={"username": OPERATOR, "password": OPERATOR_PASSWORD, "role": "operator"},
                       headers=xsrf(api))
    assert created.status_code == 201, created.text
    with logged_in_client(daemon.http_url, OPERATOR, OPERATOR_PASSWORD) as client:
        yield client


def cli(client, fsid: str, command, **extra):
    return client.post(f"cluster/{fsid}/cli", json={"command": command, **extra}, headers=xsrf(client))


def test_every_attack_of_the_review_is_refused_for_operators(api, fleet, operator):
    fsid = synced_cluster(api, fleet)
    pools = json.loads(cli(api, fsid, "osd pool ls", format="json").json()["out"])
    mons = sorted(m["name"] for m in api.get(f"cluster/{fsid}/mon").json())
    ran_before = sum(b.jobs_run["mon_command"] for b in fleet.backends.values())
    for command, prefix in ATTACKS:
        response = cli(operator, fsid, command)
        if prefix is None:
            assert response.status_code == 400, (command, response.text)
            assert "may not start with '-'" in response.json()["errors"]["command"][0]
        else:
            assert response.status_code == 403, (command, response.text)
            assert f"'{prefix}'" in response.json()["detail"], response.text
    assert sum(b.jobs_run["mon_command"] for b in fleet.backends.values()) == ran_before   # nothing ran
    assert json.loads(cli(api, fsid, "osd pool ls", format="json").json()["out"]) == pools
    assert sorted(m["name"] for m in api.get(f"cluster/{fsid}/mon").json()) == mons and "ceph0-node000" in mons


def test_operators_still_read_and_make_the_apis_changes_in_both_forms(api, fleet, operator):
    fsid = synced_cluster(api, fleet)
    as_string, as_list = cli(operator, fsid, "osd pool ls"), cli(operator, fsid, ["ceph", "osd", "pool", "ls"])
    assert as_string.status_code == 200 and as_string.json() == as_list.json()
    assert as_string.json()["status"] == 0 and "rbd" in as_string.json()["out"].split()
    assert as_string.headers["Cache-Control"] == "no-store"
    status = json.loads(cli(operator, fsid, "status", format="json").json()["out"])
    assert status["fsid"] == fsid
    assert cli(operator, fsid, "osd set noout").json() == {"out": "", "err": "noout is set\n", "status": 0}
    wait_until(lambda: api.get(f"cluster/{fsid}/osd_config").json()["noout"] is True,
               what="the flag set through the cli in the API")
    unknown = cli(operator, fsid, "osd frobnicate").json()
    assert unknown["status"] == 22 and "no valid command found" in unknown["err"]
    rejected = cli(operator, fsid, "osd pool get no-such-pool size").json()
    assert rejected["status"] == 2 and rejected["err"].startswith("Error ENOENT")


def test_admins_run_more_but_never_local_options(api, fleet):
    fsid = synced_cluster(api, fleet)
    assert cli(api, fsid, "config-key set calamari-test s3cr3t-value").json()["status"] == 0
    got = cli(api, fsid, "config-key get calamari-test")
    assert got.json()["out"].strip() == "s3cr3t-value" and got.headers["Cache-Control"] == "no-store"
    assert cli(api, fsid, ["config-key", "get", "k", "-o", "/tmp/x"]).status_code == 400


def test_the_audit_event_records_the_command_with_secrets_redacted(api, fleet, operator):
    fsid = synced_cluster(api, fleet)
    cli(api, fsid, "config-key set calamari-audit s3cr3t-value")
    cli(operator, fsid, "auth get-key client.admin")
    cli(operator, fsid, "osd pool set rbd size 2")

    def audits():
        events = api.get("event", params={"page_size": 100}).json()["results"]
        return [e["message"] for e in events if "/cli" in e["message"]]
    wait_until(lambda: len(audits()) >= 3, what="three cli audit events")
    text = "\n".join(audits())
    assert "[cli config-key set key=calamari-audit val=***] " not in text    # the detail ends the line
    assert "-> 200 [cli config-key set key=calamari-audit val=***]" in text
    assert f"Audit: {OPERATOR} POST /api/v2/cluster/{fsid}/cli -> 403 [cli auth (+2 more words)]" in text
    assert "-> 200 [cli osd pool set pool=rbd var=size val=2]" in text
    assert "s3cr3t" not in text and "client.admin" not in text
