"""Issue 20 on the web page, in a real browser: the confirmation dialog shows the API's own dry
run of the write before anything is sent (an OSD marked out: its command, its change and Ceph's
verdicts; a pool edit: its change), cancelling sends nothing; the Changes tab lists the API's
changes newest first, Revert through the page puts the field back, a second Revert shows the
API's 409; a read-only user sees no Revert button; screenshots at both sizes."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.page import SIM_CLUSTERS, fleet_fsids, log_in, open_cluster_tab, tray_outcome, wait
from tests.system.daemon_process import ADMIN_PASSWORD
from tests.system.requests_helpers import run, xsrf

PREVIEW = "#confirm-preview"
ROWS = "table#changes tbody tr[data-request-id]"


def fsids(api) -> list[str]:
    return sorted(cluster["id"] for cluster in api.get("cluster").json())


def preview_state(driver, state: str) -> None:
    wait(driver, lambda d: d.find_element(By.ID, "confirm-dialog").is_displayed()
         and d.find_element(By.CSS_SELECTOR, PREVIEW).get_attribute("data-state") == state,
         f"the dialog's preview {state}")


def texts(driver, selector: str) -> list[str]:
    return [node.text.strip() for node in driver.find_elements(By.CSS_SELECTOR, selector)]


def verdict(ok) -> str:
    return "ok" if ok is True else "NOT OK" if ok is False else "unknown"


def value(v) -> str:
    return "null" if v is None else ("true" if v is True else "false" if v is False else str(v))


def cancel(driver) -> None:
    driver.find_element(By.ID, "confirm-cancel").click()
    wait(driver, lambda d: not d.find_element(By.ID, "confirm-dialog").is_displayed(), "the dialog closed")


def requests_count(api, fsid: str) -> int:
    return api.get(f"cluster/{fsid}/request?page_size=1").json()["count"]


def test_marking_an_osd_out_previews_the_apis_dry_run_and_cancel_sends_nothing(browser, web_daemon, admin_api):
    driver = browser.driver
    browser.resize(DESKTOP)
    log_in(driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = sorted(fleet_fsids(driver, SIM_CLUSTERS))[0]
    osd = next(o for o in admin_api.get(f"cluster/{fsid}/osd").json() if o["in"] and o["up"])
    before = requests_count(admin_api, fsid)
    open_cluster_tab(driver, web_daemon.http_url, fsid, "osds")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'#osd-grid button[data-osd-id="{osd["id"]}"]'), "the OSD's cell")
    driver.find_element(By.CSS_SELECTOR, f'#osd-grid button[data-osd-id="{osd["id"]}"]').click()
    wait(driver, lambda d: d.find_elements(By.ID, "osd-action-out"), "the Mark out button")
    driver.find_element(By.ID, "osd-action-out").click()
    preview_state(driver, "ready")
    dry = admin_api.patch(f"cluster/{fsid}/osd/{osd['id']}?dry_run=1", json={"in": False}, headers=xsrf(admin_api))
    assert dry.status_code == 200, dry.text
    expected = dry.json()
    commands = texts(driver, f"{PREVIEW} .preview-commands code")
    assert [c.split(" ids=")[0] for c in commands] == [c["prefix"] for c in expected["commands"]] == ["osd out"]
    assert commands[0] == f"osd out ids={osd['id']}"
    assert texts(driver, f'{PREVIEW} .preview-changes li[data-field="in"]') == ["in: true → false"]
    assert expected["changes"]["in"] == [True, False]
    shown = dict(text.split(": ", 1) for text in texts(driver, f"{PREVIEW} .preview-checks li strong"))
    assert shown == {check["check"]: verdict(check["ok"]) for check in expected["checks"]}
    assert {"ok-to-stop", "safe-to-destroy"} <= set(shown)
    assert texts(driver, f"{PREVIEW} .preview-warnings p") == [f"Warning: {w}" for w in expected["warnings"]]
    browser.screenshot("osd-out-dialog", DESKTOP)
    browser.resize(PHONE)
    browser.screenshot("osd-out-dialog", PHONE)
    cancel(driver)
    # nothing sent: the OSD is still in and the cluster has no new request
    assert admin_api.get(f"cluster/{fsid}/osd/{osd['id']}").json()["in"] is True
    assert requests_count(admin_api, fsid) == before


def test_a_pool_edit_dialog_shows_its_change(browser, web_daemon, admin_api):
    driver = browser.driver
    fsid = fsids(admin_api)[0]
    name = f"ui-prev-{uuid.uuid4().hex[:8]}"
    run(admin_api, "POST", f"cluster/{fsid}/pool", {"name": name, "pg_num": 8})
    pool = next(p for p in admin_api.get(f"cluster/{fsid}/pool").json() if p["name"] == name)
    try:
        log_in(driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
        open_cluster_tab(driver, web_daemon.http_url, fsid, "pools")
        row = f'table#pools tbody tr[data-pool-name="{name}"] button.pool-edit'
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, row), f"the row of {name}")
        driver.find_element(By.CSS_SELECTOR, row).click()
        wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "form#pool-form[data-mode=edit]"), "the edit form")
        box = driver.find_element(By.CSS_SELECTOR, 'form#pool-form [name="quota_max_objects"]')
        box.clear()
        box.send_keys("123")
        driver.find_element(By.ID, "pool-form-submit").click()
        preview_state(driver, "ready")
        assert texts(driver, f'{PREVIEW} .preview-changes li[data-field="quota_max_objects"]') == [
            f"quota_max_objects: {pool['quota_max_objects']} → 123"]
        assert any(c.startswith("osd pool set-quota") for c in texts(driver, f"{PREVIEW} .preview-commands code"))
        cancel(driver)
        assert next(p for p in admin_api.get(f"cluster/{fsid}/pool").json() if p["name"] == name)["quota_max_objects"] \
            == pool["quota_max_objects"]
    finally:
        run(admin_api, "DELETE", f"cluster/{fsid}/pool/{pool['id']}")


def test_the_changes_tab_lists_the_apis_changes_and_reverts_one(browser, web_daemon, admin_api, user_of_role):
    driver = browser.driver
    browser.resize(DESKTOP)
    browser.allowed_console = ("status of 409",)    # the second revert: its preview and the real call
    fsid = fsids(admin_api)[-1]
    name = f"ui-chg-{uuid.uuid4().hex[:8]}"
    run(admin_api, "POST", f"cluster/{fsid}/pool", {"name": name, "pg_num": 8})
    pool = next(p for p in admin_api.get(f"cluster/{fsid}/pool").json() if p["name"] == name)
    try:
        changed = run(admin_api, "PATCH", f"cluster/{fsid}/pool/{pool['id']}", {"quota_max_objects": 100})
        log_in(driver, web_daemon.http_url, *user_of_role("operator"))
        open_cluster_tab(driver, web_daemon.http_url, fsid, "changes")
        listed = admin_api.get(f"cluster/{fsid}/changes?page_size=25").json()["results"]
        assert listed[0]["request_id"] == changed["id"]
        wait(driver, lambda d: [r.get_attribute("data-request-id") for r in d.find_elements(By.CSS_SELECTOR, ROWS)]
             == [c["request_id"] for c in listed], "the API's changes, newest first")
        row = f'{ROWS}[data-request-id="{changed["id"]}"]'
        assert texts(driver, f'{row} li[data-field="quota_max_objects"]') == [
            f"quota_max_objects: {value(pool['quota_max_objects'])} → 100"]
        assert texts(driver, f"{row} td.change-who") == [listed[0]["requested_by"]]
        # Revert through the page: the preview, then the field back
        driver.find_element(By.CSS_SELECTOR, f"{row} button.change-revert").click()
        preview_state(driver, "ready")
        assert texts(driver, f'{PREVIEW} .preview-changes li[data-field="quota_max_objects"]') == [
            f"quota_max_objects: 100 → {value(pool['quota_max_objects'])}"]
        driver.find_element(By.ID, "confirm-ok").click()
        assert tray_outcome(driver, "Revert:") == "complete"
        after = next(p for p in admin_api.get(f"cluster/{fsid}/pool").json() if p["name"] == name)
        assert after["quota_max_objects"] == pool["quota_max_objects"]
        # live: the revert itself arrives on top without a reload
        reverted_by = admin_api.get(f"request/{changed['id']}").json()["reverted_by"]
        wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, ROWS).get_attribute("data-request-id") == reverted_by,
             "the revert on top of the list")
        # a second revert: the cluster moved on (409), the API's message beside the row
        refused = admin_api.post(f"request/{changed['id']}/revert?dry_run=1", json={}, headers=xsrf(admin_api))
        assert refused.status_code == 409, refused.text
        driver.find_element(By.CSS_SELECTOR, f"{row} button.change-revert").click()
        preview_state(driver, "error")
        assert refused.json()["detail"] in driver.find_element(By.CSS_SELECTOR, f"{PREVIEW} .preview-error").text
        driver.find_element(By.ID, "confirm-ok").click()
        wait(driver, lambda d: texts(d, f"{row} .change-revert-error") == [f"Cannot revert: {refused.json()['detail']}"],
             "the API's 409 beside the row")
        browser.screenshot("changes", DESKTOP)
        browser.resize(PHONE)
        browser.screenshot("changes", PHONE)
    finally:
        run(admin_api, "DELETE", f"cluster/{fsid}/pool/{pool['id']}")


def test_a_read_only_user_sees_the_changes_and_no_revert_button(browser, web_daemon, admin_api, user_of_role):
    driver = browser.driver
    fsid = fsids(admin_api)[-1]
    name = f"ui-ro-{uuid.uuid4().hex[:8]}"
    run(admin_api, "POST", f"cluster/{fsid}/pool", {"name": name, "pg_num": 8})
    try:
        log_in(driver, web_daemon.http_url, *user_of_role("read-only"))
        open_cluster_tab(driver, web_daemon.http_url, fsid, "changes")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ROWS), "rows in the changes table")
        assert driver.find_elements(By.CSS_SELECTOR, "button.change-revert") == []
        assert "Action" not in texts(driver, "table#changes thead th")
    finally:
        pool = next(p for p in admin_api.get(f"cluster/{fsid}/pool").json() if p["name"] == name)
        run(admin_api, "DELETE", f"cluster/{fsid}/pool/{pool['id']}")
