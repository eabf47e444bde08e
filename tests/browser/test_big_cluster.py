"""The OSDs tab of a 10,000-OSD simulated cluster (100 servers x 100 OSDs) in a real browser: the
grid reports every OSD but keeps only the cells in view in the DOM (virtualised), and scrolling
to the end shows the last OSD. Its own daemon (the shared one is small); not timed here:
bench/ui/first_paint.py measures the first paint."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.chromium import DESKTOP, Browser, skip_or_fail_without_browser, start_driver
from tests.browser.page import log_in, open_cluster_tab, wait
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess, logged_in_client, wait_for_osds_with_usage

SERVERS, OSDS_PER_SERVER = 100, 100
OSDS = SERVERS * OSDS_PER_SERVER
MAX_CELLS = 1000


def start_big_daemon(data_dir) -> tuple[DaemonProcess, str]:
    """The daemon with its own simulated 10,000-OSD cluster, once the whole OSD map and the first
    `osd df` figures have arrived (about 6-8 s here); (the daemon, the cluster's fsid)."""
    daemon = DaemonProcess(data_dir, heartbeat_s=1.0, embedded_sim=True,
                           extra_args=["--sim-clusters", "1", "--sim-servers", str(SERVERS),
                                       "--sim-osds-per-server", str(OSDS_PER_SERVER)]).start(timeout_s=60)
    try:
        with logged_in_client(daemon.http_url) as api:
            api.timeout = 30.0

            fsid = wait_for_osds_with_usage(api, OSDS, timeout_s=60)
    except BaseException:
        daemon.stop()
        raise
    return daemon, fsid


@pytest.fixture(scope="module")
def big_daemon(tmp_path_factory):
    skip_or_fail_without_browser()
    daemon, fsid = start_big_daemon(tmp_path_factory.mktemp("big") / "data")
    try:
        yield daemon, fsid
    finally:
        code = daemon.stop()
    assert code == 0, "daemon did not shut down cleanly:\n" + daemon.log_text()[-4000:]


@pytest.fixture
def big_browser(big_daemon):
    driver = start_driver()
    opened = Browser(driver)
    try:
        yield opened
        assert opened.console_errors() == [], "console errors on the page"
        assert opened.outside_requests() == [], "the page requested something outside 127.0.0.1"
    finally:
        driver.quit()


def cell_ids(driver) -> list[int]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#osd-grid button[data-osd-id]')].map((b) => Number(b.dataset.osdId))")


@pytest.mark.timeout(120)
def test_the_osds_tab_of_10000_osds_draws_only_the_cells_in_view(big_browser, big_daemon):
    daemon, fsid = big_daemon
    driver = big_browser.driver
    big_browser.resize(DESKTOP)
    log_in(driver, daemon.http_url, "admin", ADMIN_PASSWORD)
    open_cluster_tab(driver, daemon.http_url, fsid, "osds")
    wait(driver, lambda d: d.find_element(By.ID, "osd-grid").get_attribute("data-total") == str(OSDS)
         and cell_ids(d), "10,000 OSDs in the grid", timeout_s=30)
    assert driver.find_element(By.ID, "osd-grid").get_attribute("data-shown") == str(OSDS)
    assert "10,000 OSDs" in driver.find_element(By.ID, "osd-summary").text
    first = cell_ids(driver)
    assert first[0] == 0 and len(first) < MAX_CELLS, len(first)
    # settled: the whole list and the utilisation have arrived (the first draw had a first page)
    wait(driver, lambda d: "loading" not in d.find_element(By.ID, "osd-summary").text
         and "% used" in d.find_element(By.CSS_SELECTOR, '#osd-grid button[data-osd-id="0"]').get_attribute("aria-label"),
         "the whole list and the utilisation", timeout_s=30)
    assert driver.find_element(By.ID, "osd-summary").text.startswith("10,000 OSDs: ")
    big_browser.screenshot("osds-10000", DESKTOP)

    driver.execute_script("const g = document.getElementById('osd-grid'); g.scrollTop = g.scrollHeight")
    wait(driver, lambda d: OSDS - 1 in cell_ids(d), "the last OSD after scrolling to the end")
    last = cell_ids(driver)
    assert len(last) < MAX_CELLS and 0 not in last
    last_cell = driver.find_element(By.CSS_SELECTOR, f'#osd-grid button[data-osd-id="{OSDS - 1}"]')
    assert last_cell.is_displayed() and last_cell.get_attribute("aria-label").startswith(f"osd.{OSDS - 1} ")

    # the filter reaches OSDs far from the view: one host's 100
    host = "node042"   # ceph0-node042.sim.test (servers node000-node099)
    driver.find_element(By.ID, "osd-filter").send_keys(host)
    wait(driver, lambda d: d.find_element(By.ID, "osd-grid").get_attribute("data-shown") == str(OSDS_PER_SERVER),
         f"{OSDS_PER_SERVER} OSDs of {host}")
