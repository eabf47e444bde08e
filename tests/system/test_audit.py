"""Audit events for every write, and no secret anywhere: not in the events, not in the daemon's
log (at DEBUG, the most it ever says), not in the database."""
from __future__ import annotations

import httpx
import pytest

from tests.helpers import wait_until
from tests.system.conftest import HEARTBEAT_S
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess, logged_in_client
from tests.system.requests_helpers import xsrf
from tests.system.cluster_helpers import synced_cluster

FIRST, SECOND, WRONG = "first-Secret-4711", "second-Secret-0815", "wrong-Secret-1234"


@pytest.fixture
def daemon(tmp_path):
    """The conftest daemon, logging everything (the `api` and `fleet` fixtures use this one)."""
    process = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S,
                            extra_args=["--log-level", "DEBUG", "--login-failure-delay-s", "0"]).start()
    yield process
    assert process.stop() == 0, process.log_text()[-4000:]


def test_writes_are_audited_and_secrets_never_written_down(daemon, api, fleet, tmp_path):
    fsid = synced_cluster(api, fleet)
    assert api.post("user", json={"username": "sam", "password": FIRST, "role": "operator"},
                    headers=xsrf(api)).status_code == 201
    with logged_in_client(daemon.http_url, "sam", FIRST) as sam:
        token = sam.post("user/me/token", json={"name": "ci"}, headers=xsrf(sam)).json()["token"]
        token_id = sam.get("user/me/token").json()[0]["id"]
        assert sam.patch("user/me", json={"password": SECOND, "current_password": FIRST},
                         headers=xsrf(sam)).status_code == 200
    with httpx.Client(base_url=daemon.http_url + "/api/v2/", headers={"Authorization": f"Bearer {token}"}) as ci:
        created = ci.post(f"cluster/{fsid}/pool", json={"name": "audited", "pg_num": 8})
        assert created.status_code == 202, created.text
        request_id = created.json()["request_id"]
        assert ci.get(f"cluster/{fsid}/pool").status_code == 200
    with httpx.Client(base_url=daemon.http_url + "/api/v2/") as stranger:
        stranger.get("auth/login")
        assert stranger.post("auth/login", json={"username": "sam", "password": WRONG},
                             headers=xsrf(stranger)).status_code == 401
        assert stranger.delete(f"cluster/{fsid}").status_code == 401

    expected = ("Audit: admin POST /api/v2/user -> 201",
                "Audit: sam POST /api/v2/auth/login -> 200",
                "Audit: sam POST /api/v2/user/me/token -> 201",
                "Audit: sam PATCH /api/v2/user/me -> 200",
                f"Audit: sam (token {token_id}) POST /api/v2/cluster/{fsid}/pool -> 202 (request {request_id})",
                "Audit: sam POST /api/v2/auth/login -> 401",
                f"Audit: anonymous DELETE /api/v2/cluster/{fsid} -> 401 from 127.0.0.1 (more from there "
                "within 60s are counted, not listed)")

    def audited():
        """The audit messages once every expected one is stored (events reach the store a hop later)."""
        events = api.get("event", params={"page_size": 1000}).json()["results"]
        messages = [e["message"] for e in events if e["message"].startswith("Audit: ")]
        return (events, messages) if set(expected) <= set(messages) else None
    events, audits = wait_until(audited, what="every audit event")
    assert not any(" GET " in message for message in audits)
    cluster_events = api.get(f"cluster/{fsid}/event", params={"page_size": 1000}).json()["results"]
    assert any("POST /api/v2/cluster/" in e["message"] for e in cluster_events)    # filed under its cluster

    daemon_log = "".join(daemon.output)
    assert "DEBUG" in daemon_log and "Audit: sam" in daemon_log                 # the log did talk
    secrets = (FIRST, SECOND, WRONG, ADMIN_PASSWORD, token, token.rsplit("_", 1)[1])
    stored = b"".join(path.read_bytes() for path in (tmp_path / "data").glob("calamari.sqlite3*"))
    for secret in secrets:
        assert secret not in daemon_log
        assert secret not in str(events)
        assert secret.encode() not in stored
