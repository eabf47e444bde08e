"""Browser-test fixtures: one real daemon with two simulated clusters for these tests, an admin
API client beside it, and a fresh headless Chromium per test whose console and requests are
checked when the test ends (no console error, nothing fetched from outside 127.0.0.1)."""
from __future__ import annotations

import uuid

import pytest

from tests.browser.chromium import Browser, skip_or_fail_without_browser, start_driver
from tests.browser.page import SIM_CLUSTERS
from tests.helpers import wait_until
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import xsrf


@pytest.fixture(scope="package")   # stopped after the last browser test, not kept for the whole run
def web_daemon(tmp_path_factory):
    skip_or_fail_without_browser()
    daemon = DaemonProcess(tmp_path_factory.mktemp("web") / "data", heartbeat_s=0.5, embedded_sim=True,
                           extra_args=["--sim-clusters", str(SIM_CLUSTERS), "--sim-servers", "3",
                                       "--sim-osds-per-server", "2", "--login-failure-delay-s", "0.1"]).start()
    try:
        with logged_in_client(daemon.http_url) as api:
            wait_until(lambda: len(api.get("cluster").json()) == SIM_CLUSTERS, timeout_s=30, every_s=0.1,
                       what="both simulated clusters known")
        yield daemon
    finally:
        code = daemon.stop()
    assert code == 0, "daemon did not shut down cleanly:\n" + daemon.log_text()[-4000:]


@pytest.fixture
def admin_api(web_daemon):
    with logged_in_client(web_daemon.http_url) as api:
        yield api


@pytest.fixture(scope="package")
def chromium(web_daemon):
    """One Chromium for every browser test: starting one per test cost about 1.5 s each."""
    driver = start_driver()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium):
    """The shared Chromium, as new for this test: no cookie (so no session), the default window
    size, a blank page, and the console and request logs of earlier tests drained. A test
    expecting a network error in the console (a refused login's 401) adds its text to
    `browser.allowed_console`."""
    chromium.get("about:blank")
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    Browser(chromium).collect()         # what earlier tests left in the logs
    opened = Browser(chromium)
    yield opened
    try:
        assert opened.console_errors(opened.allowed_console) == [], "console errors on the page"
        assert opened.outside_requests() == [], "the page requested something outside 127.0.0.1"
    finally:
        chromium.get("about:blank")     # closes the page's stream before the next test


@pytest.fixture
def user_of_role(admin_api):
    """make(role) -> (username, password): a new user of that role ("read-only", "operator", "admin")."""
    made = []

    def make(role: str) -> tuple[str, str]:
        username, password = f"{role.replace('-', '')}{len(made)}x{uuid.uuid4().hex[:6]}", f"Pw-{uuid.uuid4().hex}"
        created = admin_api.post("user", json={"username": username, "password": password, "role": role},
                                 headers=xsrf(admin_api))
        assert created.status_code == 201, created.text
        made.append(username)
        return username, password
    return make
