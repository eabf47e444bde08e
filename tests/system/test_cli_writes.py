"""Changes through the `calamari` command (a subprocess) against a real daemon and a simulated
cluster that evolves in real time: the request id, --wait and its progress, a failing request,
`events --follow` over the live stream, accounts (which need a login session) and agent keys."""
from __future__ import annotations

import json
import re

import pytest

from sim.fleet import SimFleet
from tests.helpers import wait_until
from tests.system.cli_helpers import calamari, daemon_with_cluster, failed, login, ok, popen, stored_client
from tests.system.conftest import HEARTBEAT_S
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess

UUID = re.compile(r"^[0-9a-f-]{36}$")
ADMIN = {"CALAMARI_PASSWORD": ADMIN_PASSWORD}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(daemon, fleet, fsid): a live cluster for the whole module."""
    with daemon_with_cluster(tmp_path_factory.mktemp("cli-writes") / "data", live=True) as running:
        yield running


@pytest.fixture
def config(server, tmp_path):
    login(tmp_path, server[0].http_url)
    return tmp_path


def test_pool_create_wait_set_and_remove(server, config):
    _, _, fsid = server
    api = stored_client(config)
    done = calamari(config, "pool", "create", "clipool", "--pg-num", "16", "--wait")
    assert ok(done).strip() == "Done: Creating pool 'clipool'"
    assert "Creating pool 'clipool': " in done.stderr          # the status line, fed by the request
    pool = next(p for p in api.pools(fsid) if p["name"] == "clipool")
    assert pool["pg_num"] == 16

    request_id = ok(calamari(config, "pool", "set", "clipool", "--size", "2", "--quota-max-objects", "42")).strip()
    assert UUID.match(request_id), request_id
    ok(calamari(config, "request", "wait", request_id))
    shown = json.loads(ok(calamari(config, "-o", "json", "request", "show", request_id)))
    assert shown["state"] == "complete" and shown["error"] is False
    changed = next(p for p in api.pools(fsid) if p["name"] == "clipool")
    assert (changed["size"], changed["quota_max_objects"]) == (2, 42)
    assert request_id in ok(calamari(config, "request", "ls", "--state", "complete"))

    failed(calamari(config, "pool", "create", "rbd", "--pg-num", "8"), 1, "already exists")   # 409
    failed(calamari(config, "pool", "set", "nosuch", "--size", "2"), 2, "no pool 'nosuch'")
    final = json.loads(ok(calamari(config, "-o", "json", "pool", "rm", str(pool["id"]), "--yes", "--wait")))
    assert final["error"] is False and final["headline"] == "Deleting pool 'clipool'"
    assert "clipool" not in [p["name"] for p in api.pools(fsid)]


def test_osd_out_wait_then_in_reweight_scrub_and_flags(server, config):
    _, _, fsid = server
    api = stored_client(config)
    ok(calamari(config, "osd", "out", "4", "--wait"))
    assert next(o for o in api.osds(fsid) if o["id"] == 4)["in"] is False
    assert next(o for o in json.loads(ok(calamari(config, "-o", "json", "osd", "ls"))) if o["id"] == 4)["in"] is False
    ok(calamari(config, "osd", "in", "4", "--wait"))
    ok(calamari(config, "osd", "reweight", "4", "0.5", "--wait"))
    osd = next(o for o in api.osds(fsid) if o["id"] == 4)
    assert (osd["in"], osd["reweight"]) == (True, 0.5)
    assert "Done: Initiating deep-scrub on ceph-osd.4" in ok(calamari(config, "osd", "scrub", "4", "--deep", "--wait"))
    ok(calamari(config, "flag", "set", "noout", "noscrub", "--wait"))
    assert api.osd_flags(fsid)["noout"] and api.osd_flags(fsid)["noscrub"]
    ok(calamari(config, "flag", "unset", "noout", "noscrub", "--wait"))
    assert not api.osd_flags(fsid)["noout"]
    assert "Nothing to change" in ok(calamari(config, "flag", "unset", "noout")) + calamari(config, "flag", "unset",
                                                                                              "noout").stderr
    failed(calamari(config, "osd", "reweight", "4", "7"), 2, "reweight")                      # the API's range
    failed(calamari(config, "flag", "set", "nosuchflag"), 2, "nosuchflag")


def test_dry_run_shows_what_would_be_sent_then_the_change_is_listed_and_reverted(server, config):
    _, _, fsid = server
    api = stored_client(config)
    pool = lambda: next(p for p in api.pools(fsid) if p["name"] == "rbd")      # noqa: E731
    before = pool()["quota_max_objects"]
    shown = ok(calamari(config, "pool", "set", "rbd", "--quota-max-objects", "77", "--dry-run"))
    assert shown.startswith("Dry run: nothing was changed.\nWould send:\n  osd pool set-quota"), shown
    assert f"quota_max_objects: {before} -> 77" in shown, shown
    preview = json.loads(ok(calamari(config, "-o", "json", "pool", "set", "rbd", "--quota-max-objects", "77",
                                     "--dry-run")))
    assert preview["changes"] == {"quota_max_objects": [before, 77]}
    assert [c["prefix"] for c in preview["commands"]] == ["osd pool set-quota"]
    assert "checks" in preview and pool()["quota_max_objects"] == before            # nothing sent
    # a deletion's dry run asks no confirmation and deletes nothing
    assert "osd pool delete" in ok(calamari(config, "pool", "rm", "rbd", "--dry-run"))
    assert pool()["name"] == "rbd"

    ok(calamari(config, "pool", "set", "rbd", "--quota-max-objects", "77", "--wait"))
    listed = json.loads(ok(calamari(config, "-o", "json", "request", "ls", "--kind", "update_pool", "--by", "admin")))
    change = listed["results"][0]
    assert change["headline"].startswith("Modifying pool 'rbd'") and pool()["quota_max_objects"] == 77
    assert "quota_max_objects: 77 -> " + str(before) in ok(calamari(config, "request", "revert", change["id"],
                                                                     "--dry-run"))
    assert ok(calamari(config, "request", "revert", change["id"], "--wait")).startswith("Done: ")
    assert pool()["quota_max_objects"] == before
    failed(calamari(config, "request", "revert", change["id"]), 1, "moved on")     # 409: set back already


def test_a_failing_request_exits_1_with_its_error(server, config):
    _, fleet, fsid = server
    for backend in fleet.backends.values():
        backend.fail_functions = {"rados_commands"}
    try:
        line = failed(calamari(config, "osd", "out", "5", "--wait"), 1, "failed", "simulated failure")
        assert line.startswith("calamari: request ")
    finally:
        for backend in fleet.backends.values():
            backend.fail_functions = set()
    assert next(o for o in stored_client(config).osds(fsid) if o["id"] == 5)["in"] is True


def test_events_follow_shows_new_events_from_the_stream_until_max_s(server, config):
    _, _, fsid = server
    follower = popen(config, "-o", "json", "events", "--follow", "--limit", "0", "--max-s", "3")
    try:
        assert follower.stderr.readline().startswith("Following new events")     # the stream is open
        stored_client(config).create_pool(fsid, {"name": "followed", "pg_num": 4})
        out, err = follower.communicate(timeout=30)
    finally:
        follower.kill()
    assert follower.returncode == 0, err
    messages = [json.loads(line)["message"] for line in out.splitlines()]
    assert any("Creating pool 'followed'" in m for m in messages), messages


def test_accounts_need_a_login_session_and_say_so(server, config):
    password = "carol-Sextant-91-harbour"
    created = calamari(config, "-o", "json", "user", "create", "carol", "--role", "operator", "--password", password,
                       env=ADMIN)
    assert json.loads(ok(created))["role"] == "operator"
    assert re.search(r"carol\s+operator", ok(calamari(config, "user", "ls")))
    assert "read-only" in ok(calamari(config, "user", "set", "carol", "--role", "read-only", env=ADMIN))
    failed(calamari(config, "user", "create", "dave", "--password", "dave", env=ADMIN), 2, "password")
    failed(calamari(config, "user", "rm", "carol", "--yes", env={"CALAMARI_PASSWORD": "not-the-password"}), 3)
    carol = config / "carol"
    login(carol, server[0].http_url, "carol", password)
    failed(calamari(carol, "pool", "create", "x", "--pg-num", "4"), 3, "permission")        # read-only: 403
    assert "Deleted user carol" in ok(calamari(config, "user", "rm", "carol", "--yes", env=ADMIN))
    failed(calamari(carol, "pool", "ls"), 3)                     # the account's token went with it


def test_keys_accept_only_the_fingerprint_the_operator_names(tmp_path):
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, auto_accept=False).start()
    fleet = SimFleet(daemon.bus_endpoint, server_key=daemon.bus_key, servers=2, heartbeat_s=HEARTBEAT_S,
                     advance_every_s=None).start()
    try:
        login(tmp_path, daemon.http_url)
        api = stored_client(tmp_path)
        keys = wait_until(lambda: (lambda k: k if len(k) == 2 else None)(api.keys()), timeout_s=15, what="2 keys")
        first, second = sorted(keys, key=lambda k: k["id"])
        listed = ok(calamari(tmp_path, "key", "ls"))
        assert first["fingerprint"] in listed and second["fingerprint"] in listed and "pre" in listed
        failed(calamari(tmp_path, "key", "accept", second["id"], "--fingerprint", first["fingerprint"]), 1,
               "nothing changed")
        assert api.key(second["id"])["status"] == "pre"
        bare = first["fingerprint"].replace(":", "").upper()
        assert f"{first['id']}: accepted" in ok(calamari(tmp_path, "key", "accept", first["id"], "--fingerprint", bare))
        ok(calamari(tmp_path, "key", "reject", second["id"]))
        assert {k["id"]: k["status"] for k in api.keys()} == {first["id"]: "accepted", second["id"]: "rejected"}
        failed(calamari(tmp_path, "key", "accept", second["id"]), 2, "status")                # rejected stays so
    finally:
        fleet.stop()
        assert daemon.stop() == 0
