"""The fleet page in a real browser: exactly the simulated clusters, filtered, sorted and kept live
by one event stream, nothing fetched from outside, no console error, and screenshots at a
desktop and a phone size for a person to look at."""
from __future__ import annotations

import struct

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.page import SIM_CLUSTERS, fleet_fsids, log_in, open_login, wait
from tests.system.daemon_process import ADMIN_PASSWORD
from tests.system.requests_helpers import run


def test_the_fleet_table_shows_exactly_the_apis_clusters(browser, web_daemon, admin_api):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    shown = fleet_fsids(browser.driver, SIM_CLUSTERS)
    assert sorted(shown) == sorted(cluster["id"] for cluster in admin_api.get("cluster").json())


def test_no_console_error_and_no_request_outside_127_0_0_1_on_any_page(browser, web_daemon):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = fleet_fsids(browser.driver, SIM_CLUSTERS)[0]
    browser.driver.find_element(By.CSS_SELECTOR, f'table#fleet tbody tr[data-fsid="{fsid}"]').click()
    wait(browser.driver, lambda d: d.current_url.endswith(f"#/cluster/{fsid}")
         and d.find_element(By.ID, "cluster-title").text.strip(), "the cluster page")
    assert browser.console_errors(browser.allowed_console) == []
    assert browser.requested and browser.outside_requests() == []


def png_size(path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])   # the IHDR chunk's width and height


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_screenshots_of_the_login_and_fleet_pages(browser, web_daemon, size):
    browser.resize(size)
    open_login(browser.driver, web_daemon.http_url)
    login_shot = browser.screenshot("login", size)
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fleet_fsids(browser.driver, SIM_CLUSTERS)
    fleet_shot = browser.screenshot("fleet", size)
    assert png_size(login_shot) == png_size(fleet_shot) == size


def test_the_filter_hides_rows_whose_name_does_not_match_and_clearing_it_brings_them_back(browser, web_daemon):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fleet_fsids(browser.driver, SIM_CLUSTERS)
    box = browser.driver.find_element(By.ID, "fleet-filter")
    box.send_keys("no-cluster-is-called-this")
    assert fleet_fsids(browser.driver, 0) == []
    box.clear()
    box.send_keys(" ")   # clear() alone fires no input event
    assert len(fleet_fsids(browser.driver, SIM_CLUSTERS)) == SIM_CLUSTERS


def test_a_column_header_sorts_the_rows_and_a_second_click_reverses_them(browser, web_daemon, admin_api):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fleet_fsids(browser.driver, SIM_CLUSTERS)
    fleet = admin_api.get("fleet").json()["results"]
    by_used = [row["fsid"] for row in sorted(fleet, key=lambda row: row["used_ratio"])]
    header = browser.driver.find_element(By.CSS_SELECTOR, '#fleet thead th[data-key="used_ratio"] button')
    header.click()
    wait(browser.driver, lambda d: fleet_fsids(d, SIM_CLUSTERS) == by_used, "rows by used capacity, least first")
    header.click()
    wait(browser.driver, lambda d: fleet_fsids(d, SIM_CLUSTERS) == by_used[::-1], "rows by used capacity, most first")


def test_the_fleet_page_opens_one_event_stream(browser, web_daemon):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fleet_fsids(browser.driver, SIM_CLUSTERS)
    browser.collect()
    streams = [url for url in browser.requested if "/api/v2/stream" in url]
    assert streams == [web_daemon.http_url + "/api/v2/stream?topics=cluster,usage,event,request,server"]


def osds_cell(driver, fsid: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'#fleet tr[data-fsid="{fsid}"] td[data-label="OSDs up/in/total"]').text


def test_an_osd_marked_out_shows_in_the_fleet_row_without_a_reload(browser, web_daemon, admin_api):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = fleet_fsids(browser.driver, SIM_CLUSTERS)[0]
    up, osds_in, total = (int(n) for n in osds_cell(browser.driver, fsid).split("/"))
    browser.driver.execute_script("window.notReloaded = true")
    run(admin_api, "PATCH", f"cluster/{fsid}/osd/0", {"in": False})
    try:
        wait(browser.driver, lambda d: osds_cell(d, fsid) == f"{up}/{osds_in - 1}/{total}", "one OSD fewer in")
        assert browser.driver.execute_script("return window.notReloaded === true"), "the page reloaded"
    finally:
        run(admin_api, "PATCH", f"cluster/{fsid}/osd/0", {"in": True})


def test_on_a_phone_the_sort_select_orders_the_cards(browser, web_daemon, admin_api):
    browser.resize(PHONE)
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fleet_fsids(browser.driver, SIM_CLUSTERS)
    assert browser.driver.find_element(By.ID, "fleet-sort").is_displayed()   # phones only: the header is hidden
    fleet = admin_api.get("fleet").json()["results"]
    most_used_first = [row["fsid"] for row in sorted(fleet, key=lambda row: row["used_ratio"], reverse=True)]
    Select(browser.driver.find_element(By.ID, "fleet-sort")).select_by_value("used_ratio:desc")
    wait(browser.driver, lambda d: fleet_fsids(d, SIM_CLUSTERS) == most_used_first, "cards by used capacity, most first")
