"""Issue 12's account hardening, through HTTP against the real daemon: API tokens cannot
administer accounts, per-address login throttling and lockout, admin and offline unlock,
password strength and the admin password's sources, login CSRF and JSON media type, and no
typed unknown username in events.

Client addresses: the daemon sees the socket's peer address (no proxy header is trusted), so
the tests speak from loopback aliases (127.0.0.2, …), which Linux routes to 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.helpers import wait_until
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess, logged_in_client
from tests.system.requests_helpers import xsrf

ROOT = Path(__file__).resolve().parents[2]
BOB_PASSWORD = "bob-Lagoon-Parsley-42"
ONE_SHAPE = {"detail", "errors"}


@contextlib.contextmanager
def client_from(daemon: DaemonProcess, address: str = "127.0.0.1"):
    """A client whose connections come from `address`, holding an XSRF cookie."""
    with httpx.Client(base_url=daemon.http_url + "/api/v2/", timeout=20.0,
                      transport=httpx.HTTPTransport(local_address=address)) as client:
        client.get("auth/login").raise_for_status()
        yield client


def login(daemon: DaemonProcess, username: str, password: str, address: str = "127.0.0.1") -> httpx.Response:
    with client_from(daemon, address) as client:
        return client.post("auth/login", json={"username": username, "password": password}, headers=xsrf(client))


def add_bob(admin: httpx.Client) -> dict:
    created = admin.post("user", json={"username": "bob", "password": BOB_PASSWORD, "role": "operator"},
                         headers=xsrf(admin))
    assert created.status_code == 201, created.text
    return created.json()


def messages(admin: httpx.Client) -> list[str]:
    return [e["message"] for e in admin.get("event", params={"page_size": 1000}).json()["results"]]


def test_an_admin_api_token_may_read_but_not_administer_accounts(start_daemon):
    daemon = start_daemon()
    with logged_in_client(daemon.http_url) as admin:
        bob = add_bob(admin)
        token = admin.post("user/me/token", json={"name": "ops"}, headers=xsrf(admin)).json()["token"]
        sibling = admin.post("user/me/token", json={"name": "other"}, headers=xsrf(admin)).json()
        token_id = next(t["id"] for t in admin.get("user/me/token").json() if t["name"] == "ops")
        me = admin.get("user/me").json()
    with httpx.Client(base_url=daemon.http_url + "/api/v2/", timeout=10.0,
                      headers={"Authorization": f"Bearer {token}"}) as script:
        assert script.get("user").status_code == 200 and script.get("user/me/token").status_code == 200
        for method, path, body in (
                ("POST", "user", {"username": "mallory", "password": "mallory-Quartz-Otter-9", "role": "admin"}),
                ("PATCH", f"user/{bob['id']}", {"password": "taken-Over-Quartz-77"}),
                ("PUT", f"user/{bob['id']}", {"email": "m@evil.example"}),
                ("PATCH", "user/me", {"email": "m@evil.example"}),
                ("PATCH", f"user/{me['id']}", {"password": "taken-Over-Quartz-77", "current_password": ADMIN_PASSWORD}),
                ("DELETE", f"user/{bob['id']}", None),
                ("POST", f"user/{bob['id']}/unlock", None),
                ("POST", "user/me/token", {"name": "spare"}),
                ("DELETE", f"user/me/token/{sibling['id']}", None)):
            refused = script.request(method, path, json=body)
            assert refused.status_code == 403, (method, path, refused.text)
            assert set(refused.json()) == ONE_SHAPE and refused.json()["errors"] == {}
            assert "login session" in refused.json()["detail"]
        # The one thing a token may do to tokens: revoke itself (`calamari logout`).
        assert script.delete(f"user/me/token/{token_id}").status_code == 204
        assert script.get("user").status_code == 401
    with httpx.Client(base_url=daemon.http_url + "/api/v2/", timeout=10.0,
                      headers={"Authorization": f"Bearer {sibling['token']}"}) as other:
        assert other.get("user").status_code == 200                        # its sibling still works
    assert login(daemon, "admin", ADMIN_PASSWORD).status_code == 200      # nothing was changed
    assert login(daemon, "bob", BOB_PASSWORD).status_code == 200
    with logged_in_client(daemon.http_url) as admin:
        assert [u["username"] for u in admin.get("user").json()] == ["admin", "bob"]


def test_one_address_flooding_bad_logins_cannot_starve_anothers(start_daemon):
    daemon = start_daemon("--login-failure-delay-s", "0.2")
    stop, answers = threading.Event(), []

    def attack() -> None:
        with client_from(daemon, "127.0.0.2") as attacker:
            while not stop.is_set():
                answer = attacker.post("auth/login", json={"username": "admin", "password": "guess-Guess-1"},
                                       headers=xsrf(attacker))
                answers.append((answer.status_code, answer.headers.get("Retry-After")))

    with ThreadPoolExecutor(48) as attackers:
        running = [attackers.submit(attack) for _ in range(48)]
        try:
            wait_until(lambda: len(answers) > 100, timeout_s=30, what="the attack to be in full swing")
            good = [login(daemon, "admin", ADMIN_PASSWORD).status_code for _ in range(11)]
        finally:
            stop.set()
        for attacker in running:
            attacker.result()
    assert good == [200] * 11
    codes = {code for code, _ in answers}
    assert codes <= {401, 429} and 429 in codes, codes
    assert all(retry_after and int(retry_after) >= 1 for code, retry_after in answers if code == 429)


def test_lockout_is_per_address_with_an_account_cap_and_admins_unlock(start_daemon):
    daemon = start_daemon("--lockout-failures", "3", "--lockout-account-failures", "6", "--lockout-s", "600",
                          "--login-failure-delay-s", "0.01")

    def fail(address: str, times: int = 3) -> None:
        assert {login(daemon, "bob", "wrong-Guess-12", address).status_code for _ in range(times)} == {401}

    with logged_in_client(daemon.http_url) as admin:
        bob = add_bob(admin)
        fail("127.0.0.2")
        assert login(daemon, "bob", BOB_PASSWORD, "127.0.0.2").status_code == 401     # locked there ...
        assert login(daemon, "bob", BOB_PASSWORD, "127.0.0.1").status_code == 200     # ... only there
        fail("127.0.0.3")
        fail("127.0.0.4")                                  # 6 from all addresses: locked everywhere
        assert login(daemon, "bob", BOB_PASSWORD, "127.0.0.1").status_code == 401
        wait_until(lambda: {"Account 'bob' locked for logins from 127.0.0.2 for 600 s after 3 failed logins",
                            "Account 'bob' locked for every address for 600 s after 6 failed logins"}
                   <= set(messages(admin)), what="the lock events")

        with client_from(daemon) as nobody:
            assert nobody.post(f"user/{bob['id']}/unlock", headers=xsrf(nobody)).status_code == 401
        assert admin.post("user/999999/unlock", headers=xsrf(admin)).status_code == 404
        assert admin.post(f"user/{bob['id']}/unlock", headers=xsrf(admin)).status_code == 204
        assert login(daemon, "bob", BOB_PASSWORD, "127.0.0.2").status_code == 200     # every lock gone
        wait_until(lambda: "Account 'bob' unlocked by administrator 'admin'" in messages(admin),
                   what="the unlock event")
        with logged_in_client(daemon.http_url, "bob", BOB_PASSWORD) as operator:     # not an admin's
            refused = operator.post(f"user/{bob['id']}/unlock", headers=xsrf(operator))
            assert refused.status_code == 403 and set(refused.json()) == ONE_SHAPE

        fail("127.0.0.5")                                  # the offline command, daemon running
        done = subprocess.run([sys.executable, "run.py", "user", "--data-dir", str(daemon.data_dir),
                               "unlock", "bob"], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout.strip()) == (0, "bob: unlocked"), done.stderr
        assert login(daemon, "bob", BOB_PASSWORD, "127.0.0.5").status_code == 200
        missing = subprocess.run([sys.executable, "run.py", "user", "--data-dir", str(daemon.data_dir),
                                  "unlock", "nobody"], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert missing.returncode == 1 and "no such account" in missing.stderr

        fail("127.0.0.6")                                  # an administrator's password reset
        reset = admin.patch(f"user/{bob['id']}", json={"password": "reset-Walnut-Harbor-8"}, headers=xsrf(admin))
        assert reset.status_code == 200, reset.text
        assert login(daemon, "bob", "reset-Walnut-Harbor-8", "127.0.0.6").status_code == 200


def test_wrong_current_passwords_count_like_failed_logins(start_daemon):
    daemon = start_daemon("--lockout-failures", "3", "--login-failure-delay-s", "0.01")
    with logged_in_client(daemon.http_url) as admin:
        add_bob(admin)
    with logged_in_client(daemon.http_url, "bob", BOB_PASSWORD) as bob:
        for _ in range(3):
            guess = bob.patch("user/me", json={"password": "new-Harbor-Walnut-5", "current_password": "guess-1"},
                              headers=xsrf(bob))
            assert guess.status_code == 400 and "current_password" in guess.json()["errors"]
        right = bob.patch("user/me", json={"password": "new-Harbor-Walnut-5", "current_password": BOB_PASSWORD},
                          headers=xsrf(bob))
        assert right.status_code == 400                     # locked: even the right one
    assert login(daemon, "bob", BOB_PASSWORD).status_code == 401       # the login counters are the same


def test_weak_passwords_are_refused_everywhere(start_daemon, tmp_path):
    daemon = start_daemon()
    with logged_in_client(daemon.http_url) as admin:
        for password in ("password1", "bob12345", "qwertyuiop"):
            weak = admin.post("user", json={"username": "bob", "password": password}, headers=xsrf(admin))
            assert weak.status_code == 400 and list(weak.json()["errors"]) == ["password"], weak.text
            assert "too easy to guess" in weak.json()["errors"]["password"][0]
        bob = add_bob(admin)
        weak = admin.patch(f"user/{bob['id']}", json={"password": "bobbobbob"}, headers=xsrf(admin))
        assert weak.status_code == 400 and "password" in weak.json()["errors"]

    for flags, env in ((["--admin-password", "admin123"], {}), ([], {"CALAMARI_ADMIN_PASSWORD": "password"})):
        refused = subprocess.run([sys.executable, "run.py", "--no-sim", "--http-port", "0", "--bus-endpoint",
                                  "tcp://127.0.0.1:0", "--data-dir", str(tmp_path / "weak"), *flags],
                                 cwd=ROOT, capture_output=True, text=True, timeout=60,
                                 env={k: v for k, v in {**os.environ, **env}.items()
                                      if k != "CALAMARI_ADMIN_PASSWORD" or k in env})
        assert refused.returncode == 2, refused.stderr   # a bad flag value: exit code 2
        assert "admin password" in refused.stderr and "too easy to guess" in refused.stderr
        assert "admin123" not in refused.stderr + refused.stdout
        assert "READY" not in refused.stdout

    secret_file = tmp_path / "admin-password"
    secret_file.write_text("from-a-File-Otter-Quartz\n")
    daemon = DaemonProcess(tmp_path / "from-file")
    line = daemon.launch(["--no-sim", "--http-port", "0", "--bus-endpoint", "tcp://127.0.0.1:0", "--data-dir",
                          str(daemon.data_dir), "--admin-password-file", str(secret_file), "--metrics-port", "0"],
                         "READY ", "daemon", 30.0)
    try:
        daemon.http_url = dict(p.split("=", 1) for p in line.split()[1:])["http"]
        assert login(daemon, "admin", "from-a-File-Otter-Quartz").status_code == 200
    finally:
        assert daemon.stop() == 0


def test_login_needs_xsrf_and_json_bodies_need_their_media_type(start_daemon):
    daemon = start_daemon()
    body = {"username": "admin", "password": ADMIN_PASSWORD}
    with httpx.Client(base_url=daemon.http_url + "/api/v2/", timeout=10.0) as fresh:     # no cookie at all
        refused = fresh.post("auth/login", json=body)
        assert refused.status_code == 403 and set(refused.json()) == ONE_SHAPE
    with client_from(daemon) as browser:
        assert browser.post("auth/login", json=body).status_code == 403                    # no header
        as_text = browser.post("auth/login", content=f'{{"username": "admin", "password": "{ADMIN_PASSWORD}"}}',
                               headers={**xsrf(browser), "Content-Type": "text/plain"})
        assert as_text.status_code == 415 and set(as_text.json()) == ONE_SHAPE
        assert "calamari_sessionid" not in browser.cookies
        assert browser.post("auth/login", json=body, headers=xsrf(browser)).status_code == 200
        form = browser.post("user/me/token", content='{"name": "x"}',
                            headers={**xsrf(browser), "Content-Type": "application/x-www-form-urlencoded"})
        assert form.status_code == 415 and "application/json" in form.json()["detail"]


def test_typed_unknown_usernames_never_reach_the_events(start_daemon):
    daemon = start_daemon("--login-failure-delay-s", "0.01")
    typed = "Hunter2-my-Real-Password"                     # a password typed in the name field
    assert login(daemon, typed, "whatever").status_code == 401
    assert login(daemon, "admin", "wrong-Guess-12").status_code == 401
    digest = hashlib.sha256(typed.encode()).hexdigest()[:12]
    with logged_in_client(daemon.http_url) as admin:
        wait_until(lambda: f"Audit: unknown user #{digest} POST /api/v2/auth/login -> 401" in messages(admin)
                   and "Audit: admin POST /api/v2/auth/login -> 401" in messages(admin), what="the audit events")
        assert typed not in admin.get("event", params={"page_size": 1000}).text
    assert typed not in "".join(daemon.output)
