"""The cluster page's Overview tab in a real browser: mons and quorum, PG states and health checks as
the API reports them (a health check raised and cleared through the API shows and goes live, without
a reload), charts drawn from `history` with a y axis that covers the data, and screenshots at a
desktop and a phone size."""
from __future__ import annotations

import base64
from datetime import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.page import log_in, open_cluster_tab, wait
from tests.system.daemon_process import ADMIN_PASSWORD
from tests.system.requests_helpers import run

CHARTS = {"chart-capacity": ["used_bytes"],
          "chart-client-io": ["read_bytes_sec", "write_bytes_sec"],
          "chart-client-ops": ["read_op_per_sec", "write_op_per_sec"],
          "chart-recovery-io": ["recovering_bytes_per_sec"]}
FLAG = "noscrub"     # a flag no other browser test sets: its OSDMAP_FLAGS check is ours to watch


def first_fsid(admin_api) -> str:
    return sorted(cluster["id"] for cluster in admin_api.get("cluster").json())[0]


def open_overview(browser, web_daemon, admin_api) -> str:
    fsid = first_fsid(admin_api)
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    open_cluster_tab(browser.driver, web_daemon.http_url, fsid, "overview")
    return fsid


def shown_mons(driver) -> list[tuple]:
    return [(row.get_attribute("data-mon"), row.get_attribute("data-in-quorum"), row.get_attribute("data-leader"))
            for row in driver.find_elements(By.CSS_SELECTOR, "table#overview-mons tbody tr[data-mon]")]


def api_mons(admin_api, fsid) -> list[tuple]:
    return [(mon["name"], str(mon["in_quorum"]).lower(), str(mon["leader"]).lower())
            for mon in sorted(admin_api.get(f"cluster/{fsid}/mon").json(), key=lambda m: m["rank"])]


def test_the_mons_shown_are_the_apis_with_their_quorum_and_leader(browser, web_daemon, admin_api):
    fsid = open_overview(browser, web_daemon, admin_api)
    wait(browser.driver, lambda d: shown_mons(d) and shown_mons(d) == api_mons(admin_api, fsid),
         "the API's mons, quorum and leader in table#overview-mons")
    assert any(leader == "true" for _, _, leader in shown_mons(browser.driver))


def test_the_pg_state_counts_are_the_apis(browser, web_daemon, admin_api):
    fsid = open_overview(browser, web_daemon, admin_api)

    def shown(d):
        return {row.get_attribute("data-state"): int(row.find_element(By.CSS_SELECTOR, "td.num").text)
                for row in d.find_elements(By.CSS_SELECTOR, "table#overview-pgs tbody tr[data-state]")}
    # The counts move while PGs recover: the page must catch up with the API's answer of the moment.
    wait(browser.driver, lambda d: shown(d) and shown(d) == admin_api.get(f"cluster/{fsid}/io").json()["pgs"]["by_state"],
         "the API's PG states and counts in table#overview-pgs")


def shown_checks(driver) -> list[tuple]:
    return [(item.get_attribute("data-severity"), item.get_attribute("data-code"),
             item.find_element(By.CSS_SELECTOR, ".summary").text)
            for item in driver.find_elements(By.CSS_SELECTOR, "section#overview-health li[data-code]")]


def api_checks(admin_api, fsid) -> list[tuple]:
    rank = {"HEALTH_ERR": 0, "HEALTH_WARN": 1}
    checks = admin_api.get(f"cluster/{fsid}/health").json()["checks"]
    return [(c["severity"], c["name"], c["summary"])
            for c in sorted(checks, key=lambda c: (rank.get(c["severity"], 2), c["name"]))]


def test_a_flag_set_through_the_api_raises_its_health_check_live_and_unsetting_it_clears_it(browser, web_daemon, admin_api):
    fsid = open_overview(browser, web_daemon, admin_api)
    wait(browser.driver, lambda d: shown_checks(d) == api_checks(admin_api, fsid), "the API's health checks")
    browser.driver.execute_script("window.notReloaded = true;")
    flag_check = lambda d: [c for c in shown_checks(d) if c[1] == "OSDMAP_FLAGS" and FLAG in c[2]]   # noqa: E731
    assert not flag_check(browser.driver)
    run(admin_api, "PATCH", f"cluster/{fsid}/osd_config", {FLAG: True})
    try:
        wait(browser.driver, flag_check, f"the OSDMAP_FLAGS check naming {FLAG}, live")
        assert flag_check(browser.driver)[0][0] == "HEALTH_WARN"
        wait(browser.driver, lambda d: shown_checks(d) == api_checks(admin_api, fsid), "the API's checks, flag set")
        shown_status = lambda d: d.find_element(By.CSS_SELECTOR, "#overview-health .health-status .health").get_attribute("data-status")   # noqa: E731
        wait(browser.driver, lambda d: shown_status(d) == admin_api.get(f"cluster/{fsid}/health").json()["status"] != "HEALTH_OK",
             "the API's health status, not HEALTH_OK")
    finally:
        run(admin_api, "PATCH", f"cluster/{fsid}/osd_config", {FLAG: False})
    wait(browser.driver, lambda d: not flag_check(d), f"the {FLAG} check gone, live")
    assert browser.driver.execute_script("return window.notReloaded === true;"), "the page was reloaded"


def chart_state(driver, chart_id) -> dict:
    svg = driver.find_element(By.CSS_SELECTOR, f"svg#{chart_id}")
    return {"points": int(svg.get_attribute("data-points") or 0), "y_max": float(svg.get_attribute("data-y-max") or 0),
            "from": svg.get_attribute("data-from"), "to": svg.get_attribute("data-to"),
            "paths": [p.get_attribute("d") for p in svg.find_elements(By.CSS_SELECTOR, "path.line")],
            "labels": [t.text for t in svg.find_elements(By.CSS_SELECTOR, "text.x-label, text.y-label")],
            "title": svg.find_element(By.TAG_NAME, "title").get_attribute("textContent"),
            "desc": svg.find_element(By.TAG_NAME, "desc").get_attribute("textContent")}


def test_the_charts_draw_the_apis_history_with_a_y_axis_above_its_highest_point(browser, web_daemon, admin_api):
    fsid = open_overview(browser, web_daemon, admin_api)
    for chart_id, series in CHARTS.items():
        state = wait(browser.driver, lambda d: (lambda s: s if s["points"] >= 2 * len(series) else None)(chart_state(d, chart_id)),
                     f"history points in svg#{chart_id}")
        assert len(state["paths"]) == len(series) and all(path.startswith("M") and "L" in path for path in state["paths"])
        assert state["labels"] and state["title"] and "latest" in state["desc"]
        to = datetime.fromisoformat(state["to"].replace("Z", "+00:00"))
        history = admin_api.get(f"cluster/{fsid}/history", params={
            "series": ",".join(series), "from": state["from"], "to": to.isoformat()}).json()["series"]
        highest = max(value for name in series for _, value in history[name])
        assert state["y_max"] >= highest, (chart_id, state["y_max"], highest)
        assert state["y_max"] <= max(2 * highest, 1.0) or highest == 0, (chart_id, "the axis squashes the data")
    # The scale itself, on figures the sim may not reach: the top covers the value without
    # wasting more than half the height, decimal or in binary units.
    tops = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "import('/ui/cluster/overview_chart.js').then((m) => done(arguments[0].map((v) =>"
        " [v, m.niceScale(v).max, m.niceScale(v, {binary: true}).max])));",
        [0.3, 1, 7, 999, 1024, 1025, 123456789, 5.5e12, 2 ** 50 + 1])
    for value, decimal, binary in tops:
        assert value <= decimal < 2.5 * value and value <= binary < 2.5 * value, (value, decimal, binary)
    # Another range fetches its history again (the 5-minute means: the daemon has run for minutes
    # at most, so one mean or a few) and says so in each chart's title.
    Select(browser.driver.find_element(By.ID, "overview-range")).select_by_value("1d")
    wait(browser.driver, lambda d: all("last day" in chart_state(d, chart_id)["title"] for chart_id in CHARTS),
         "every chart redrawn for the last day")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_screenshots_of_the_overview(browser, web_daemon, admin_api, size):
    browser.resize(size)
    open_overview(browser, web_daemon, admin_api)
    for chart_id in CHARTS:
        wait(browser.driver, lambda d: chart_state(d, chart_id)["points"] > 0, f"points in svg#{chart_id}")
    wait(browser.driver, lambda d: d.find_elements(By.CSS_SELECTOR, "table#overview-mons tbody tr[data-mon]"), "the mons")
    overflow = browser.driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {size}"
    shot = browser.screenshot("cluster-overview", size)
    # The whole tab too (the viewport shows only its top), for a person to look at.
    height = browser.driver.execute_script("return document.documentElement.scrollHeight;")
    whole = browser.driver.execute_cdp_cmd("Page.captureScreenshot", {
        "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": size[0], "height": height, "scale": 1}})
    shot.with_name(f"cluster-overview-whole-{size[0]}x{size[1]}.png").write_bytes(base64.b64decode(whole["data"]))
