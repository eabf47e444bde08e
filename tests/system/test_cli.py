"""The `calamari` command against a real daemon and a simulated cluster over real sockets, run as
a subprocess: login and its token file, every read in table and JSON, the exit codes, completion.
(Changes, events and accounts: test_cli_writes.py.)"""
from __future__ import annotations

import json
import stat

import pytest

from calamari.client import Client
from config.version import version
from calamari.errors import NotAuthenticated
from tests.system.cli_helpers import (calamari, closed_port, daemon_with_cluster, failed, login, ok, stored,
                                      stored_client)
from tests.system.daemon_process import ADMIN_PASSWORD
from tests.tls import self_signed


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(daemon, fleet, fsid) for the whole module."""
    with daemon_with_cluster(tmp_path_factory.mktemp("cli") / "data") as running:
        yield running


@pytest.fixture
def config(server, tmp_path):
    """A config dir logged in to the module's daemon as admin."""
    login(tmp_path, server[0].http_url)
    return tmp_path


def test_login_stores_a_private_token_that_later_commands_use_and_logout_revokes(server, tmp_path):
    daemon = server[0]
    done = calamari(tmp_path, "login", daemon.http_url + "/api/v2/", input="admin\n",
                    env={"CALAMARI_PASSWORD": ADMIN_PASSWORD})          # the username is asked for
    assert "Logged in to " + daemon.http_url + " as admin" in ok(done)
    token_file = tmp_path / "calamari" / "credentials.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    first = stored(tmp_path)
    assert first["url"] == daemon.http_url and first["token"].startswith("cal_") and first["username"] == "admin"
    assert "role:     admin" in ok(calamari(tmp_path, "whoami"))

    login(tmp_path, daemon.http_url)                  # again: the first token is revoked, not left behind
    second = stored(tmp_path)
    with pytest.raises(NotAuthenticated):
        Client(daemon.http_url, token=first["token"]).clusters()
    with Client.login(daemon.http_url, "admin", ADMIN_PASSWORD) as session:
        assert [t["id"] for t in session.tokens() if t["name"].startswith("calamari-cli@")] == [second["token_id"]]
        session.logout()

    assert "Logged out" in ok(calamari(tmp_path, "logout"))        # the token revokes itself: no password
    assert not token_file.exists()
    with pytest.raises(NotAuthenticated):
        Client(daemon.http_url, token=second["token"]).clusters()
    failed(calamari(tmp_path, "pool", "ls"), 3, "not logged in")


def test_reads_as_tables_and_as_the_apis_json(server, config):
    _, _, fsid = server
    api = stored_client(config)
    clusters = ok(calamari(config, "cluster", "ls"))
    assert fsid in clusters and "HEALTH_" in clusters and "12/12/12" in clusters
    listed = json.loads(ok(calamari(config, "-o", "json", "cluster", "ls")))     # update_time moves each heartbeat
    assert [(c["id"], c["name"]) for c in listed] == [(c["id"], c["name"]) for c in api.clusters()] == [(fsid, "ceph")]
    assert ok(calamari(config, "health")).startswith("HEALTH_")
    assert json.loads(ok(calamari(config, "--output", "json", "health", "ceph")))["status"].startswith("HEALTH_")
    usage = ok(calamari(config, "usage", fsid))
    assert "total:" in usage and "rbd" in usage and "TiB" in usage
    osds = ok(calamari(config, "osd", "ls")).splitlines()
    assert osds[0].split()[:4] == ["ID", "Up", "In", "Reweight"] and len(osds) == 13
    assert json.loads(ok(calamari(config, "-o", "json", "osd", "ls", "--fsid", fsid))) == api.osds(fsid)
    assert "rbd" in ok(calamari(config, "pool", "ls", "-c", "ceph"))
    assert json.loads(ok(calamari(config, "-o", "json", "flag", "ls")))["noout"] is False
    assert "ID" in ok(calamari(config, "request", "ls"))
    assert "Added server" in ok(calamari(config, "events", "--limit", "1000"))
    assert json.loads(ok(calamari(config, "-o", "json", "events", "--severity", "info")))["results"]
    keys = ok(calamari(config, "key", "ls"))
    assert "accepted" in keys and all(k["fingerprint"] in keys for k in api.keys())
    assert "admin" in ok(calamari(config, "user", "ls"))
    failed(calamari(config, "health", "no-such-cluster"), 2, "no cluster 'no-such-cluster'", "ceph")


def test_exit_codes_say_what_went_wrong(server, config):
    daemon = server[0]
    bad = failed(calamari(config, "pool", "create", "x", "--pg-num", "0"), 2, "pg_num")       # the API's 400
    assert bad.startswith("calamari: ")
    failed(calamari(config, "osd", "out", "three"), 2, "three")                                # click's usage error
    failed(calamari(config, "pool", "create", "x"), 2, "--pg-num")
    failed(calamari(config, "request", "show", "0123"), 1, "not found")                      # the API's 404
    failed(calamari(config, "pool", "ls", env={"CALAMARI_TOKEN": "cal_0123_bogus"}), 3, "API token")
    failed(calamari(config, "--url", f"http://127.0.0.1:{closed_port()}", "--token", "x", "pool", "ls"), 4,
           "cannot reach")
    failed(calamari(config, "--url", "ftp://x", "--token", "x", "pool", "ls"), 2, "not an http(s) URL")
    failed(calamari(config, "login", daemon.http_url, "-u", "admin", env={"CALAMARI_PASSWORD": "wrong-password"}),
           3, "authentication failed")


def test_completion_scripts_and_click_completes_commands(config):
    assert "_CALAMARI_COMPLETE" in ok(calamari(config, "completion", "bash"))
    assert "compdef" in ok(calamari(config, "completion", "zsh"))
    assert "complete" in ok(calamari(config, "completion", "fish"))
    words = ok(calamari(config, env={"_CALAMARI_COMPLETE": "bash_complete", "COMP_WORDS": "calamari po",
                                     "COMP_CWORD": "1"}))
    assert "plain,pool" in words.splitlines()
    flags = ok(calamari(config, env={"_CALAMARI_COMPLETE": "bash_complete", "COMP_WORDS": "calamari flag set no",
                                     "COMP_CWORD": "3"}))
    assert "plain,noout" in flags.splitlines() and "plain,pause" not in flags.splitlines()
    failed(calamari(config, "completion", "tcsh"), 2, "tcsh")
    assert ok(calamari(config, "--version")) == f"calamari {version()}\n"


def test_https_with_the_servers_ca_file_stored_at_login(start_daemon, tmp_path):
    cert, key = self_signed(tmp_path)
    daemon = start_daemon("--tls-cert", cert, "--tls-key", key)
    assert daemon.http_url.startswith("https://")
    config = tmp_path / "config"
    failed(calamari(config, "login", daemon.http_url, "-u", "admin", env={"CALAMARI_PASSWORD": ADMIN_PASSWORD}), 4,
           "CERTIFICATE_VERIFY_FAILED")                 # an unknown certificate is not trusted
    ok(calamari(config, "--ca-file", cert, "login", daemon.http_url, "-u", "admin",
                env={"CALAMARI_PASSWORD": ADMIN_PASSWORD}))
    assert stored(config)["ca_file"] == cert
    assert "admin" in ok(calamari(config, "user", "ls"))        # later commands verify with the stored CA
