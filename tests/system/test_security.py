"""People and programs, through HTTP against the real daemon: roles, API tokens, login lockout,
session limits and revocation, HTTPS. Limits are shrunk by flags so each test takes seconds."""
from __future__ import annotations

import ssl
import time

import httpx
import pytest

from tests.helpers import wait_until
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess, logged_in_client
from tests.system.requests_helpers import add_user, xsrf
from tests.tls import self_signed

NO_CLUSTER_POOL = "cluster/no-such-fsid/pool"      # past the role check this answers 404
NO_CLUSTER_GUARDRAILS = "cluster/no-such-fsid/guardrails"   # PUT: administrators only
BOB_PASSWORD = "bob-Lagoon-Parsley-42"


def bearer_client(daemon: DaemonProcess, token: str) -> httpx.Client:
    return httpx.Client(base_url=daemon.http_url + "/api/v2/", timeout=10.0,
                        headers={"Authorization": f"Bearer {token}"})


def event_messages(client: httpx.Client) -> list[str]:
    return [e["message"] for e in client.get("event", params={"page_size": 1000}).json()["results"]]


def test_roles(start_daemon):
    daemon = start_daemon()
    with logged_in_client(daemon.http_url) as admin:
        assert admin.get("user/me").json()["role"] == "admin"
        olga = add_user(admin, "olga", "operator")
        assert add_user(admin, "rita", None)["role"] == "read-only"          # least privilege by default
        bad = admin.post("user", json={"username": "x", "password": "pass-word-1", "role": "root"},
                         headers=xsrf(admin))
        assert bad.status_code == 400 and "role" in bad.json()["errors"]
        with logged_in_client(daemon.http_url, "rita", "pass-word-1") as rita:
            assert rita.get("user/me").json()["role"] == "read-only"
            assert rita.get("cluster").status_code == 200
            assert rita.get("stream", params={"max_s": 0.1}).status_code == 200     # the live stream too
            refused = rita.post(NO_CLUSTER_POOL, json={"name": "p", "pg_num": 8}, headers=xsrf(rita))
            assert refused.status_code == 403 and set(refused.json()) == {"detail", "errors"}
            assert rita.patch("user/me", json={"email": "r@example.com"}, headers=xsrf(rita)).status_code == 200
            assert rita.get(NO_CLUSTER_GUARDRAILS).status_code == 404                 # reads: any role
            assert rita.put(NO_CLUSTER_GUARDRAILS, json={}, headers=xsrf(rita)).status_code == 403
            assert rita.get("cluster/no-such-fsid/changes").status_code == 404               # reads: any role
            for dry_run in ("0", "1"):                                                   # a preview too
                assert rita.post("request/no-such-request/revert", params={"dry_run": dry_run},
                                 headers=xsrf(rita)).status_code == 403
        with logged_in_client(daemon.http_url, "olga", "pass-word-1") as operator:
            assert operator.post(NO_CLUSTER_POOL, json={"name": "p", "pg_num": 8},
                                 headers=xsrf(operator)).status_code == 404
            assert operator.post("user", json={"username": "y", "password": "pass-word-1"},
                                 headers=xsrf(operator)).status_code == 403
            assert operator.put(NO_CLUSTER_GUARDRAILS, json={}, headers=xsrf(operator)).status_code == 403
            assert operator.post("request/no-such-request/revert",
                                 headers=xsrf(operator)).status_code == 404             # past the role check
            assert operator.patch("key/some.host", json={"status": "accepted"},
                                  headers=xsrf(operator)).status_code == 403
            assert operator.patch(f"user/{olga['id']}", json={"role": "admin"},
                                  headers=xsrf(operator)).status_code == 403
            # A role change applies to a session already open (and cached) at once.
            assert admin.patch(f"user/{olga['id']}", json={"role": "read-only"},
                               headers=xsrf(admin)).json()["role"] == "read-only"
            assert operator.post(NO_CLUSTER_POOL, json={"name": "p", "pg_num": 8},
                                 headers=xsrf(operator)).status_code == 403
        me = admin.get("user/me").json()
        assert admin.patch(f"user/{me['id']}", json={"role": "operator"}, headers=xsrf(admin)).status_code == 409
        assert {u["username"]: u["role"] for u in admin.get("user").json()} == {
            "admin": "admin", "olga": "read-only", "rita": "read-only"}


def test_api_tokens(start_daemon):
    daemon = start_daemon()
    with logged_in_client(daemon.http_url) as admin:
        victim = add_user(admin, "rita", "read-only")
        with logged_in_client(daemon.http_url, "rita", "pass-word-1") as rita:
            created = rita.post("user/me/token", json={"name": "ci"}, headers=xsrf(rita))
            assert created.status_code == 201, created.text
            token = created.json()["token"]
            listed = rita.get("user/me/token").json()
            assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
            assert token.split("_")[-1] not in rita.get("user/me/token").text
            short = rita.post("user/me/token", json={"name": "short", "expires_in_s": 1},
                              headers=xsrf(rita)).json()["token"]
        admin_token = admin.post("user/me/token", json={"name": "ops"}, headers=xsrf(admin)).json()["token"]

        with bearer_client(daemon, token) as script:            # no cookies, no XSRF header
            assert script.get("user/me").json()["username"] == "rita"
            assert script.get("cluster").status_code == 200
            assert script.post(NO_CLUSTER_POOL, json={"name": "p", "pg_num": 8}).status_code == 403
            assert script.post("user/me/token", json={"name": "spare"}).status_code == 403
        with bearer_client(daemon, admin_token) as script:
            assert script.post(NO_CLUSTER_POOL, json={"name": "p", "pg_num": 8}).status_code == 404
            assert script.delete("cluster/no-such-fsid").status_code == 404
        with bearer_client(daemon, short) as script:
            wait_until(lambda: script.get("cluster").status_code == 401, timeout_s=5, what="the token to expire")
        token_id = listed[0]["id"]
        with bearer_client(daemon, token) as script:
            assert script.get("cluster").status_code == 200
            assert admin.delete(f"user/{victim['id']}/token/{token_id}", headers=xsrf(admin)).status_code == 204
            revoked = script.get("cluster")                     # at once, despite the credential cache
            assert revoked.status_code == 401 and "Bearer" in revoked.headers["WWW-Authenticate"]
            assert admin.delete(f"user/{victim['id']}/token/{token_id}", headers=xsrf(admin)).status_code == 404


def test_login_lockout(start_daemon):
    daemon = start_daemon("--lockout-failures", "3", "--lockout-s", "1", "--login-failure-delay-s", "0.05")

    def login(password: str, username: str = "bob") -> httpx.Response:
        with httpx.Client(base_url=daemon.http_url + "/api/v2/", timeout=10.0) as client:
            client.get("auth/login")
            return client.post("auth/login", json={"username": username, "password": password},
                               headers=xsrf(client))

    with logged_in_client(daemon.http_url) as admin:
        add_user(admin, "bob", "operator", BOB_PASSWORD)
        assert [login("wrong").status_code for _ in range(2)] == [401, 401]
        assert login(BOB_PASSWORD).status_code == 200            # resets the count
        assert [login("wrong").status_code for _ in range(2)] == [401, 401]
        assert not any("locked" in m for m in event_messages(admin))
        wrong = login("wrong")
        assert "Account 'bob' locked for logins from 127.0.0.1 for 1 s after 3 failed logins" in event_messages(admin)
        locked = login(BOB_PASSWORD)
        unknown = login("whatever", "nobody")
        assert (locked.status_code, locked.json()) == (wrong.status_code, wrong.json()) == \
            (unknown.status_code, unknown.json())                   # nothing tells them apart
        wait_until(lambda: login(BOB_PASSWORD).status_code == 200, timeout_s=5, what="the lock to end")
        wait_until(lambda: "Account 'bob' unlocked for logins from 127.0.0.1" in event_messages(admin), timeout_s=5)


def test_sessions_end_when_idle_or_old_and_on_logout_or_password_change(start_daemon):
    daemon = start_daemon("--session-idle-s", "1", "--session-max-s", "3")
    with logged_in_client(daemon.http_url) as admin:
        add_user(admin, "bob", "operator", BOB_PASSWORD)
    with logged_in_client(daemon.http_url, "bob", BOB_PASSWORD) as active, \
            logged_in_client(daemon.http_url, "bob", BOB_PASSWORD) as idle:
        logged_in_at = time.monotonic()
        token = active.post("user/me/token", json={"name": "clock", "expires_in_s": 1.5},
                            headers=xsrf(active)).json()["token"]
        with bearer_client(daemon, token) as clock:
            # The daemon's own clock says when 1.5 s have passed: its token expires. Meanwhile
            # the active session is used all the time and the idle one not at all.
            wait_until(lambda: active.get("user/me").status_code == 200 and clock.get("user/me").status_code == 401,
                       timeout_s=5, what="the 1.5 s token to expire")
        assert idle.get("user/me").status_code == 401               # unused for over 1 s
        assert active.get("user/me").status_code == 200
        wait_until(lambda: active.get("user/me").status_code == 401, timeout_s=5, what="the 3 s limit")
        assert time.monotonic() - logged_in_at > 2.5                # ended by age, not idleness

    for end in ("logout", "password change"):
        with logged_in_client(daemon.http_url, "bob", BOB_PASSWORD) as first, \
                logged_in_client(daemon.http_url, "bob", BOB_PASSWORD) as second:
            assert second.get("cluster").status_code == 200          # now in the credential cache
            copy = dict(second.cookies)
            if end == "logout":
                assert second.post("auth/logout", headers=xsrf(second)).status_code == 200
            else:
                changed = first.patch("user/me", json={"password": BOB_PASSWORD, "current_password":
                                                       BOB_PASSWORD}, headers=xsrf(first))
                assert changed.status_code == 200, changed.text
            with httpx.Client(base_url=daemon.http_url + "/api/v2/", cookies=copy) as replay:
                assert replay.get("cluster").status_code == 401, end


def client_context(cafile: str, max_version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=cafile)
    if max_version is not None:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")      # let this client offer old versions at all
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.maximum_version = max_version
    return context


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_https_with_security_headers_and_no_tls_1_1(start_daemon, tmp_path):
    cert, key = self_signed(tmp_path)
    daemon = start_daemon("--tls-cert", cert, "--tls-key", key)
    assert daemon.http_url.startswith("https://")
    with httpx.Client(base_url=daemon.http_url + "/api/v2/", verify=client_context(cert), timeout=10) as client:
        info = client.get("info")
        assert info.status_code == 200
        assert info.headers["Strict-Transport-Security"].startswith("max-age=")
        assert info.headers["X-Frame-Options"] == "DENY" and info.headers["X-Content-Type-Options"] == "nosniff"
        client.get("auth/login")
        login = client.post("auth/login", json={"username": "admin", "password": ADMIN_PASSWORD},
                            headers=xsrf(client))
        cookies = login.headers.get_list("set-cookie")
        assert cookies and all("Secure" in c and "SameSite=Strict" in c for c in cookies), cookies
        assert client.get("user/me").json()["username"] == "admin"
    with httpx.Client(verify=client_context(cert, ssl.TLSVersion.TLSv1_2), timeout=10) as tls12:
        assert tls12.get(daemon.http_url + "/api/v2/info").status_code == 200
    with httpx.Client(verify=client_context(cert, ssl.TLSVersion.TLSv1_1), timeout=10) as tls11:
        with pytest.raises(httpx.ConnectError):
            tls11.get(daemon.http_url + "/api/v2/info")
