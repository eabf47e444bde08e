"""The cluster page's OSDs tab in a real browser: the grid holds exactly the API's OSDs and is
keyboard operable, an OSD marked out and back in through the page (confirmed, followed in the
tray, shown from the live stream without a reload), the API's own message for a bad reweight, no
action control for a read-only user, and screenshots at a desktop and a phone size."""
from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.page import SIM_CLUSTERS, confirm, fleet_fsids, log_in, open_cluster_tab, tray_outcome, wait
from tests.helpers import wait_until
from tests.system.daemon_process import ADMIN_PASSWORD
from tests.system.requests_helpers import run, xsrf

ACTIONS = ("#osd-action-out", "#osd-action-in", "#osd-reweight", "#osd-action-scrub",
           "#osd-action-deep-scrub", "#osd-action-repair")


def open_osds(browser, web_daemon, admin_api, fsid_index: int = 0, user=("admin", ADMIN_PASSWORD)) -> str:
    log_in(browser.driver, web_daemon.http_url, *user)
    fsid = sorted(fleet_fsids(browser.driver, SIM_CLUSTERS))[fsid_index]
    # the first `osd df` figures (503 until then): the cells show utilisation from the start
    wait_until(lambda: admin_api.get(f"cluster/{fsid}/osd_usage").status_code == 200, timeout_s=30,
               every_s=0.1, what="the cluster's OSD usage")
    open_cluster_tab(browser.driver, web_daemon.http_url, fsid, "osds")
    return fsid


def grid_cells(driver) -> list[dict]:
    return driver.execute_script("""
        return [...document.querySelectorAll('#osd-grid button[data-osd-id]')].map((b) => ({
          id: Number(b.dataset.osdId), up: b.dataset.up === 'true', in: b.dataset.in === 'true',
          label: b.getAttribute('aria-label')}));""")


def wait_grid(driver, total: int) -> list[dict]:
    wait(driver, lambda d: d.find_element(By.ID, "osd-grid").get_attribute("data-total") == str(total)
         and len(grid_cells(d)) == total, f"{total} OSDs in the grid")
    return grid_cells(driver)


def cell(driver, osd_id: int):
    return driver.find_element(By.CSS_SELECTOR, f'#osd-grid button[data-osd-id="{osd_id}"]')


def select(driver, osd_id: int) -> None:
    cell(driver, osd_id).click()
    wait(driver, lambda d: d.find_element(By.ID, "osd-detail").get_attribute("data-osd-id") == str(osd_id),
         f"osd.{osd_id} in the detail")


def test_the_grid_holds_the_apis_osds_and_moves_by_keyboard(browser, web_daemon, admin_api):
    fsid = open_osds(browser, web_daemon, admin_api)
    osds = admin_api.get(f"cluster/{fsid}/osd").json()
    cells = wait_grid(browser.driver, len(osds))
    assert [c["id"] for c in cells] == sorted(o["id"] for o in osds)
    by_id = {o["id"]: o for o in osds}
    for shown in cells:
        state = f"osd.{shown['id']} {'up' if by_id[shown['id']]['up'] else 'down'} {'in' if by_id[shown['id']]['in'] else 'out'}"
        assert shown["label"].startswith(state), shown
    # keyboard: Tab stop on the first cell, the right arrow moves, Enter shows the detail
    first, second = cells[0]["id"], cells[1]["id"]
    cell(browser.driver, first).send_keys(Keys.ARROW_RIGHT)
    wait(browser.driver, lambda d: d.switch_to.active_element.get_attribute("data-osd-id") == str(second),
         "focus on the second cell")
    browser.driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait(browser.driver, lambda d: d.find_element(By.ID, "osd-detail").get_attribute("data-osd-id") == str(second),
         "the second OSD's detail")
    host = browser.driver.find_element(By.CSS_SELECTOR, '#osd-detail dd[data-field="host"]').text
    assert host == by_id[second]["server"]
    # the filter: an id leaves that one cell
    browser.driver.find_element(By.ID, "osd-filter").send_keys(str(first))
    wait(browser.driver, lambda d: [c["id"] for c in grid_cells(d)] == [first], f"only osd.{first} left")


def test_an_osd_marked_out_then_in_through_the_page_shows_live(browser, web_daemon, admin_api):
    browser.resize(DESKTOP)
    fsid = open_osds(browser, web_daemon, admin_api, fsid_index=SIM_CLUSTERS - 1)
    osds = admin_api.get(f"cluster/{fsid}/osd").json()
    osd = max((o for o in osds if o["up"] and o["in"]), key=lambda o: o["id"])["id"]
    wait_grid(browser.driver, len(osds))
    browser.driver.execute_script("window.notReloaded = true")
    try:
        select(browser.driver, osd)
        browser.driver.find_element(By.ID, "osd-action-out").click()
        confirm(browser.driver)
        assert tray_outcome(browser.driver, f"Mark osd.{osd} out") == "complete"
        wait(browser.driver, lambda d: cell(d, osd).get_attribute("data-in") == "false"
             and d.find_element(By.ID, "osd-detail").get_attribute("data-in") == "false", f"osd.{osd} shown out")
        assert "out" in cell(browser.driver, osd).get_attribute("aria-label")
        # the keyboard stays on the actions: the pressed button's opposite takes its focus
        wait(browser.driver, lambda d: d.switch_to.active_element.get_attribute("id") == "osd-action-in",
             "focus on the mark-in button")
        assert admin_api.get(f"cluster/{fsid}/osd/{osd}").json()["in"] is False
        browser.screenshot("osds-out", DESKTOP)   # how an out OSD looks

        wait(browser.driver, lambda d: d.find_element(By.ID, "osd-action-in"), "the mark-in button").click()
        confirm(browser.driver)
        assert tray_outcome(browser.driver, f"Mark osd.{osd} in") == "complete"
        wait(browser.driver, lambda d: cell(d, osd).get_attribute("data-in") == "true", f"osd.{osd} shown in")
        assert browser.driver.execute_script("return window.notReloaded === true"), "the page reloaded"
    finally:
        if admin_api.get(f"cluster/{fsid}/osd/{osd}").json()["in"] is False:
            run(admin_api, "PATCH", f"cluster/{fsid}/osd/{osd}", {"in": True})


def test_a_bad_reweight_shows_the_apis_message(browser, web_daemon, admin_api):
    fsid = open_osds(browser, web_daemon, admin_api)
    osd = admin_api.get(f"cluster/{fsid}/osd").json()[0]["id"]
    refused = admin_api.patch(f"cluster/{fsid}/osd/{osd}", json={"reweight": 1.5}, headers=xsrf(admin_api))
    assert refused.status_code == 400, refused.text
    answer = refused.json()
    browser.allowed_console = (f"/osd/{osd} ", f"/osd/{osd}?dry_run=1 ")   # the page's PATCH and its preview answer the same 400
    wait_grid(browser.driver, len(admin_api.get(f"cluster/{fsid}/osd").json()))
    select(browser.driver, osd)
    box = browser.driver.find_element(By.CSS_SELECTOR, "#osd-reweight input[name=reweight]")
    box.clear()
    box.send_keys("1.5")
    browser.driver.find_element(By.CSS_SELECTOR, "#osd-reweight button[type=submit]").click()
    confirm(browser.driver)
    wait(browser.driver, lambda d: d.find_element(By.CSS_SELECTOR, "#osd-reweight [role=alert]").text.strip(),
         "the API's message")
    assert browser.driver.find_element(By.CSS_SELECTOR, "#osd-reweight [role=alert]").text.strip() == answer["detail"]
    field = browser.driver.find_element(By.CSS_SELECTOR, '#osd-reweight [data-error-for="reweight"]').text.strip()
    assert field == " ".join(answer.get("errors", {}).get("reweight", []))
    assert box.get_attribute("aria-invalid") == ("true" if field else None)


def test_a_read_only_user_sees_the_detail_but_no_action_control(browser, web_daemon, admin_api, user_of_role):
    fsid = open_osds(browser, web_daemon, admin_api, user=user_of_role("read-only"))
    osds = admin_api.get(f"cluster/{fsid}/osd").json()
    wait_grid(browser.driver, len(osds))
    select(browser.driver, osds[0]["id"])
    detail = browser.driver.find_element(By.ID, "osd-detail")
    assert detail.find_element(By.CSS_SELECTOR, 'dd[data-field="host"]').text == osds[0]["server"]
    assert detail.find_elements(By.CSS_SELECTOR, "button, input, form, select") == []
    assert browser.driver.find_elements(By.CSS_SELECTOR, ", ".join(ACTIONS)) == []


def test_screenshots_of_the_osds_tab(browser, web_daemon, admin_api):
    fsid = open_osds(browser, web_daemon, admin_api)
    osds = admin_api.get(f"cluster/{fsid}/osd").json()
    for size in (DESKTOP, PHONE):
        browser.resize(size)
        wait_grid(browser.driver, len(osds))
        select(browser.driver, osds[0]["id"])
        browser.driver.execute_script("window.scrollTo(0, 0)")
        browser.screenshot("osds", size)
        browser.driver.execute_script("document.getElementById('osd-detail').scrollIntoView()")
        browser.screenshot("osds-detail", size)
        # nothing wider than the viewport: no sideways scrolling
        assert browser.driver.execute_script("return document.documentElement.scrollWidth") <= size[0]
