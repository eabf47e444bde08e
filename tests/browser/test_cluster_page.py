"""The cluster page's frame in a real browser: a fleet row opens it, its heading names the cluster
(with the short fsid that tells same-named clusters apart), every tab has its own URL, Back
works, and an unknown tab falls back to the first."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.browser.page import SIM_CLUSTERS, fleet_fsids, log_in, open_cluster_tab, wait
from tests.system.daemon_process import ADMIN_PASSWORD

TABS = ["overview", "osds", "pools", "crush", "servers", "events", "requests", "changes"]


def current_tab(driver) -> str:
    return driver.find_element(By.ID, "cluster-panel").get_attribute("data-tab")


def test_a_fleet_row_opens_the_cluster_and_its_heading_names_it(browser, web_daemon, admin_api):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = fleet_fsids(browser.driver, SIM_CLUSTERS)[1]
    browser.driver.find_element(By.CSS_SELECTOR, f'table#fleet tbody tr[data-fsid="{fsid}"]').click()
    wait(browser.driver, lambda d: current_tab(d) == "overview", "the overview tab")
    name = admin_api.get(f"cluster/{fsid}").json()["name"]
    assert browser.driver.find_element(By.ID, "cluster-title").text == name
    assert browser.driver.find_element(By.ID, "cluster-fsid").text == fsid[:8]
    assert browser.driver.title.startswith(f"{name} · Overview")


def test_every_tab_has_its_own_url_and_back_returns_to_the_previous_one(browser, web_daemon):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = fleet_fsids(browser.driver, SIM_CLUSTERS)[0]
    open_cluster_tab(browser.driver, web_daemon.http_url, fsid, "overview")
    links = browser.driver.find_elements(By.CSS_SELECTOR, "#cluster-tabs a[data-tab]")
    assert [link.get_attribute("data-tab") for link in links] == TABS
    for tab in TABS[1:]:
        browser.driver.find_element(By.CSS_SELECTOR, f'#cluster-tabs a[data-tab="{tab}"]').click()
        wait(browser.driver, lambda d: current_tab(d) == tab and d.current_url.endswith(f"/{tab}"), f"the {tab} tab")
        current = browser.driver.find_elements(By.CSS_SELECTOR, '#cluster-tabs a[aria-current="page"]')
        assert [link.get_attribute("data-tab") for link in current] == [tab]
    browser.driver.back()
    wait(browser.driver, lambda d: current_tab(d) == TABS[-2], "Back to the previous tab")


def test_an_unknown_tab_shows_the_first_one(browser, web_daemon):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = fleet_fsids(browser.driver, SIM_CLUSTERS)[0]
    browser.driver.get(f"{web_daemon.http_url}/#/cluster/{fsid}/no-such-tab")
    wait(browser.driver, lambda d: current_tab(d) == "overview", "the overview tab in place of an unknown one")


# Every control that changes something, on any tab (each tab's own tests check its controls
# appear for an operator; this sweep checks none of them reaches a read-only user anywhere).
WRITE_CONTROLS = ("#pool-create, #pool-form, button.pool-edit, button.pool-delete, #osd-action-out, "
                  "#osd-action-in, #osd-reweight, #osd-action-scrub, #osd-action-deep-scrub, "
                  "#osd-action-repair, button.request-cancel, button.danger, form")


def test_a_read_only_user_meets_no_write_control_on_any_tab(browser, web_daemon, admin_api, user_of_role):
    username, password = user_of_role("read-only")
    log_in(browser.driver, web_daemon.http_url, username, password)
    fsid = fleet_fsids(browser.driver, SIM_CLUSTERS)[0]
    assert not browser.driver.find_element(By.ID, "nav-admin").is_displayed()
    osd_id = admin_api.get(f"cluster/{fsid}/osd").json()[0]["id"]
    for tab in TABS:
        open_cluster_tab(browser.driver, web_daemon.http_url, fsid, tab)
        if tab == "osds":   # the detail is where the actions would be
            wait(browser.driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'#osd-grid button[data-osd-id="{osd_id}"]'),
                 f"osd.{osd_id} in the grid")[0].click()
            wait(browser.driver, lambda d: d.find_element(By.ID, "osd-detail").get_attribute("data-osd-id") == str(osd_id),
                 "the OSD's detail")
        found = browser.driver.find_elements(By.CSS_SELECTOR, f"#cluster-panel :is({WRITE_CONTROLS})")
        assert [element.get_attribute("outerHTML")[:80] for element in found] == [], tab
