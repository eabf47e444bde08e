"""The cluster page's CRUSH and Servers tabs in a real browser: the CRUSH tree and rules are the
API's, the servers table is the API's server list, and a server whose agent goes silent is
marked late live (and on a fresh load), then unmarked when it reports again."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.page import log_in, open_cluster_tab, wait
from tests.helpers import wait_until
from tests.system.conftest import start_fleet
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess, logged_in_client

OWN_HEARTBEAT_S = 0.3   # late after 3 silent periods: under a second


def first_fsid(api) -> str:
    return sorted(cluster["id"] for cluster in api.get("cluster").json())[0]


@pytest.fixture(scope="module")
def own_cluster(tmp_path_factory):
    """(daemon, fleet, fsid): a daemon of this module's own with an in-process simulated cluster
    whose agents can be silenced (SimBackend.dark), so the shared daemon's fleet is untouched."""
    daemon = DaemonProcess(tmp_path_factory.mktemp("topology") / "data", heartbeat_s=OWN_HEARTBEAT_S).start()
    fleet = start_fleet(daemon, servers=3, osds_per_server=1, advance_every_s=0.2)
    try:
        fsid = fleet.clusters[0].fsid
        with logged_in_client(daemon.http_url) as api:
            def all_reporting():
                answer = api.get(f"cluster/{fsid}/server")
                return answer.status_code == 200 and len(answer.json()) == 3 \
                    and all(server["last_contact"] for server in answer.json())
            wait_until(all_reporting, timeout_s=20, every_s=0.05, what="the three servers reporting")
        yield daemon, fleet, fsid
    finally:
        fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-4000:]


def tree_of(driver) -> dict:
    """{host name: sorted OSD ids} as the CRUSH tree shows them."""
    hosts = {}
    for host in driver.find_elements(By.CSS_SELECTOR, '#crush-tree li[data-type="host"]'):
        name = host.find_element(By.CSS_SELECTOR, ":scope > details > summary .crush-name").text
        hosts[name] = sorted(int(osd.get_attribute("data-node-id"))
                             for osd in host.find_elements(By.CSS_SELECTOR, 'li[data-type="osd"]'))
    return hosts


def test_the_crush_tree_and_rules_are_the_apis(browser, web_daemon, admin_api):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = first_fsid(admin_api)
    open_cluster_tab(browser.driver, web_daemon.http_url, fsid, "crush")
    nodes = admin_api.get(f"cluster/{fsid}/crush_node").json()
    expected = {node["name"]: sorted(item["id"] for item in node["items"] if item["id"] >= 0)
                for node in nodes if node["bucket_type"] == "host"}
    assert expected and all(expected.values())
    wait(browser.driver, lambda d: tree_of(d) == expected, f"the CRUSH tree's hosts and OSDs: {expected}")
    roots = [node for node in nodes if node["bucket_type"] == "root"]
    shown_roots = browser.driver.find_elements(By.CSS_SELECTOR, '#crush-tree > li[data-type="root"]')
    assert sorted(int(li.get_attribute("data-node-id")) for li in shown_roots) == sorted(r["id"] for r in roots)
    rules = admin_api.get(f"cluster/{fsid}/crush_rule").json()
    shown_rules = browser.driver.find_elements(By.CSS_SELECTOR, "#crush-rules tbody tr[data-rule-id]")
    assert [int(tr.get_attribute("data-rule-id")) for tr in shown_rules] == [rule["id"] for rule in rules]
    assert [tr.find_element(By.CSS_SELECTOR, "th").text for tr in shown_rules] == [rule["name"] for rule in rules]
    # Read-only display: no write control in the tab, even for an administrator.
    assert browser.driver.find_elements(By.CSS_SELECTOR, "#cluster-panel button") == []
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        browser.resize(size)
        browser.screenshot("crush", size)


def test_the_servers_table_is_the_apis_server_list(browser, web_daemon, admin_api):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = first_fsid(admin_api)
    open_cluster_tab(browser.driver, web_daemon.http_url, fsid, "servers")
    servers = admin_api.get(f"cluster/{fsid}/server").json()
    expected = sorted(server["fqdn"] for server in servers)
    assert len(expected) == 3

    def shown(d):
        rows = d.find_elements(By.CSS_SELECTOR, "table#servers tbody tr[data-fqdn]")
        return sorted(row.get_attribute("data-fqdn") for row in rows)
    wait(browser.driver, lambda d: shown(d) == expected, f"the servers {expected}")
    for server in servers:
        row = browser.driver.find_element(By.CSS_SELECTOR, f'table#servers tr[data-fqdn="{server["fqdn"]}"]')
        osds = [s["id"] for s in server["services"] if s["type"] == "osd"]
        assert all(osd in row.find_element(By.CSS_SELECTOR, 'td[data-label="Services"]').text for osd in osds)
        assert row.find_element(By.CSS_SELECTOR, 'td[data-label="Ceph version"]').text == server["ceph_version"]


def late_rows(driver) -> list[str]:
    return sorted(row.get_attribute("data-fqdn") for row in driver.find_elements(By.CSS_SELECTOR, "table#servers tr.late"))


def test_a_silent_agent_is_marked_late_live_and_unmarked_when_it_reports_again(browser, own_cluster):
    daemon, fleet, fsid = own_cluster
    driver = browser.driver
    log_in(driver, daemon.http_url, "admin", ADMIN_PASSWORD)
    open_cluster_tab(driver, daemon.http_url, fsid, "servers")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "table#servers tr[data-fqdn]")) == 3, "three servers")
    assert late_rows(driver) == []
    silent = sorted(fleet.backends)[0]
    driver.execute_script("window.notReloaded = true")
    fleet.backends[silent].dark = True
    try:
        wait(driver, lambda d: late_rows(d) == [silent], f"{silent} marked late")
        row = driver.find_element(By.CSS_SELECTOR, f'table#servers tr[data-fqdn="{silent}"]')
        assert row.find_element(By.CSS_SELECTOR, "td.server-state").text.strip() == "late"   # text, not colour alone
        assert driver.execute_script("return window.notReloaded") is True
        with logged_in_client(daemon.http_url) as api:
            # GET fleet's table is rebuilt at most every TABLE_S (actors/facade/fleet.py): its count
            # may follow the server's own "late" message a moment later.
            wait_until(lambda: api.get("fleet").json()["results"][0]["servers"]["late"] == 1,
                       timeout_s=10, every_s=0.1, what="the fleet counting one late server")
        for size in (DESKTOP, PHONE):
            browser.resize(size)
            browser.screenshot("servers-late", size)
        browser.resize(DESKTOP)
        # A fresh load (no stream message to go by) shows it late too, from the API's figures.
        driver.refresh()
        wait(driver, lambda d: d.execute_script("return window.notReloaded") is None
             and late_rows(d) == [silent], f"{silent} late after a reload")
    finally:
        fleet.backends[silent].dark = False
    wait(driver, lambda d: late_rows(d) == [] and len(d.find_elements(By.CSS_SELECTOR, "table#servers tr[data-fqdn]")) == 3,
         f"{silent} no longer late")
