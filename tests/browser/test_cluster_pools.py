"""The cluster page's Pools tab in a real browser: the rows are the API's pools; an operator
creates, edits and deletes a pool through the page (each request followed in the tray, the table
following the live stream without a reload); the API's refusals show beside the fields; deleting
needs the pool's name typed; a read-only user sees no write control; screenshots at both sizes.
Every pool a test makes has a name of its own and is deleted at the end."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.page import SIM_CLUSTERS, confirm, fleet_fsids, log_in, open_cluster_tab, tray_outcome, wait
from tests.system.requests_helpers import run, xsrf

ROWS = "table#pools tbody tr[data-pool-id]"
REFUSED = ("status of 400", "status of 409")   # the console's words for the refusals a test expects


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def api_pools(api, fsid: str) -> list[dict]:
    response = api.get(f"cluster/{fsid}/pool")
    assert response.status_code == 200, response.text
    return response.json()


def pool_named(api, fsid: str, name: str) -> dict | None:
    return next((pool for pool in api_pools(api, fsid) if pool["name"] == name), None)


def shown_rows(driver) -> list[tuple[int, str]]:
    return [(int(row.get_attribute("data-pool-id")), row.get_attribute("data-pool-name"))
            for row in driver.find_elements(By.CSS_SELECTOR, ROWS)]


def row_of(driver, name: str):
    found = driver.find_elements(By.CSS_SELECTOR, f'{ROWS}[data-pool-name="{name}"]')
    return found[0] if found else None


def cell(driver, name: str, field: str) -> str:
    row = row_of(driver, name)
    return row.find_element(By.CSS_SELECTOR, f'td[data-field="{field}"]').text if row else ""


def open_pools(browser, web_daemon, user: tuple[str, str]) -> str:
    """Log in as `user`, open the first cluster's Pools tab once its table has rows: the fsid."""
    log_in(browser.driver, web_daemon.http_url, *user)
    fsid = sorted(fleet_fsids(browser.driver, SIM_CLUSTERS))[0]
    open_cluster_tab(browser.driver, web_daemon.http_url, fsid, "pools")
    wait(browser.driver, lambda d: d.find_elements(By.CSS_SELECTOR, ROWS), "rows in the pools table")
    return fsid


def type_into(driver, name: str, text: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR, f'form#pool-form [name="{name}"]')
    box.clear()
    box.send_keys(text)


def open_create_form(driver) -> None:
    driver.find_element(By.ID, "pool-create").click()
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "form#pool-form[data-mode=create]").is_displayed(), "the create form")


def error_beside(driver, field: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'form#pool-form [data-error-for="{field}"]').text.strip()


def make_pool(api, fsid: str, name: str) -> dict:
    run(api, "POST", f"cluster/{fsid}/pool", {"name": name, "pg_num": 8})
    return pool_named(api, fsid, name)


def drop_pool(api, fsid: str, name: str) -> None:
    pool = pool_named(api, fsid, name)
    if pool is not None:
        run(api, "DELETE", f"cluster/{fsid}/pool/{pool['id']}")


def test_the_rows_are_the_apis_pools_and_a_pool_created_in_the_form_appears_without_a_reload(
        browser, web_daemon, admin_api, user_of_role):
    fsid = open_pools(browser, web_daemon, user_of_role("operator"))
    driver = browser.driver
    expected = sorted((pool["id"], pool["name"]) for pool in api_pools(admin_api, fsid))
    wait(driver, lambda d: sorted(shown_rows(d)) == expected, "the rows the API lists")
    names = [name for _, name in shown_rows(driver)]
    assert names == sorted(names, key=str.lower), "rows ordered by name"
    driver.execute_script("window.notReloaded = true")
    name = unique("ui-create")
    try:
        open_create_form(driver)
        type_into(driver, "name", name)
        type_into(driver, "pg_num", "8")
        driver.find_element(By.ID, "pool-form-submit").click()
        confirm(driver)
        assert tray_outcome(driver, f"Creating pool '{name}'") == "complete"
        wait(driver, lambda d: row_of(d, name) is not None, f"the row of {name}")
        created = pool_named(admin_api, fsid, name)
        assert created is not None and created["pg_num"] == 8
        assert row_of(driver, name).get_attribute("data-pool-id") == str(created["id"])
        wait(driver, lambda d: not d.find_elements(By.ID, "pool-form"), "the form closed")
        assert driver.execute_script("return window.notReloaded === true"), "the page reloaded"
    finally:
        drop_pool(admin_api, fsid, name)


def test_the_apis_refusals_show_beside_their_fields_and_keep_what_was_typed(
        browser, web_daemon, admin_api, user_of_role):
    browser.allowed_console = REFUSED
    fsid = open_pools(browser, web_daemon, user_of_role("operator"))
    driver = browser.driver
    name = unique("ui-bad")
    # What the API says to the same bodies (refused: nothing is created)
    bad_pg = admin_api.post(f"cluster/{fsid}/pool", json={"name": name, "pg_num": 0}, headers=xsrf(admin_api))
    assert bad_pg.status_code == 400, bad_pg.text
    taken = api_pools(admin_api, fsid)[0]["name"]
    duplicate = admin_api.post(f"cluster/{fsid}/pool", json={"name": taken, "pg_num": 8}, headers=xsrf(admin_api))
    assert duplicate.status_code == 409, duplicate.text

    open_create_form(driver)
    type_into(driver, "name", name)
    type_into(driver, "pg_num", "0")
    driver.find_element(By.ID, "pool-form-submit").click()
    confirm(driver)
    wait(driver, lambda d: error_beside(d, "pg_num"), "a message beside pg_num")
    assert error_beside(driver, "pg_num") == " ".join(bad_pg.json()["errors"]["pg_num"])
    assert driver.find_element(By.CSS_SELECTOR, 'form#pool-form [name="pg_num"]').get_attribute("aria-invalid") == "true"
    assert driver.find_element(By.CSS_SELECTOR, 'form#pool-form [name="name"]').get_attribute("value") == name

    type_into(driver, "name", taken)
    type_into(driver, "pg_num", "8")
    driver.find_element(By.ID, "pool-form-submit").click()
    confirm(driver)
    wait(driver, lambda d: error_beside(d, "name"), "a message beside name")
    assert error_beside(driver, "name") == " ".join(duplicate.json()["errors"]["name"])
    assert error_beside(driver, "pg_num") == ""
    assert driver.find_element(By.CSS_SELECTOR, "form#pool-form [role=alert]").text == duplicate.json()["detail"]
    assert sorted(pool["name"] for pool in api_pools(admin_api, fsid)).count(taken) == 1
    assert pool_named(admin_api, fsid, name) is None


def test_an_edit_in_the_form_shows_in_the_row(browser, web_daemon, admin_api, user_of_role):
    name = unique("ui-edit")
    fsid = sorted(cluster["id"] for cluster in admin_api.get("cluster").json())[0]
    before = make_pool(admin_api, fsid, name)
    try:
        open_pools(browser, web_daemon, user_of_role("operator"))
        driver = browser.driver
        wait(driver, lambda d: row_of(d, name) is not None, f"the row of {name}")
        row_of(driver, name).find_element(By.CSS_SELECTOR, "button.pool-edit").click()
        wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "form#pool-form[data-mode=edit]"), "the edit form")
        assert driver.find_element(By.CSS_SELECTOR, 'form#pool-form [name="size"]').get_attribute("value") == str(before["size"])
        new_size = 2 if before["size"] != 2 else 3
        type_into(driver, "size", str(new_size))
        type_into(driver, "quota_max_bytes", "1 GiB")
        driver.find_element(By.ID, "pool-form-submit").click()
        confirm(driver)
        assert tray_outcome(driver, f"Modifying pool '{name}'") == "complete"
        after = pool_named(admin_api, fsid, name)
        assert after["size"] == new_size and after["quota_max_bytes"] == 1 << 30
        wait(driver, lambda d: cell(d, name, "size") == f"{after['size']} / {after['min_size']}", "the new size in the row")
        wait(driver, lambda d: cell(d, name, "quota") == "1.0 GiB", "the new quota in the row")
    finally:
        drop_pool(admin_api, fsid, name)


def test_a_pool_made_elsewhere_appears_live_and_delete_needs_its_name_typed_then_the_row_goes(
        browser, web_daemon, admin_api, user_of_role):
    name = unique("ui-delete")
    fsid = open_pools(browser, web_daemon, user_of_role("operator"))
    driver = browser.driver
    driver.execute_script("window.notReloaded = true")
    try:
        make_pool(admin_api, fsid, name)       # through the API: the page hears of it on the stream
        wait(driver, lambda d: row_of(d, name) is not None, f"the row of {name}")
        assert driver.execute_script("return window.notReloaded === true"), "the page reloaded"
        row_of(driver, name).find_element(By.CSS_SELECTOR, "button.pool-delete").click()
        wait(driver, lambda d: d.find_element(By.ID, "confirm-dialog").is_displayed(), "the confirmation")
        assert name in driver.find_element(By.ID, "confirm-title").text
        ok = driver.find_element(By.ID, "confirm-ok")
        assert not ok.is_enabled()
        box = driver.find_element(By.ID, "pool-delete-name")
        box.send_keys(name[:-1])
        assert not ok.is_enabled()
        box.send_keys(name[-1])
        assert ok.is_enabled()
        ok.click()
        assert tray_outcome(driver, f"Deleting pool '{name}'") == "complete"
        wait(driver, lambda d: row_of(d, name) is None, f"the row of {name} gone")
        assert pool_named(admin_api, fsid, name) is None
        assert not driver.find_elements(By.ID, "pool-delete-name")
    finally:
        drop_pool(admin_api, fsid, name)


def test_a_read_only_user_sees_the_pools_and_no_write_control(browser, web_daemon, admin_api, user_of_role):
    fsid = open_pools(browser, web_daemon, user_of_role("read-only"))
    driver = browser.driver
    wait(driver, lambda d: sorted(shown_rows(d)) == sorted((p["id"], p["name"]) for p in api_pools(admin_api, fsid)),
         "the rows the API lists")
    for selector in ("#pool-create", "#pool-form", "#pool-editor", "button.pool-edit", "button.pool-delete",
                     "#pools th.actions", "#pools button.danger"):
        assert driver.find_elements(By.CSS_SELECTOR, selector) == [], selector


def test_screenshots_of_the_table_and_the_form(browser, web_daemon, user_of_role):
    fsid = open_pools(browser, web_daemon, user_of_role("operator"))
    driver = browser.driver
    for size in (DESKTOP, PHONE):
        browser.resize(size)
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'{ROWS} td[data-field="used"] meter'), "usage bars")
        browser.screenshot("pools-table", size)
        open_create_form(driver)
        browser.screenshot("pools-form", size)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= size[0], f"the page is {width} px wide at {size}"
        driver.find_element(By.ID, "pool-form-cancel").click()
        wait(driver, lambda d: not d.find_elements(By.ID, "pool-form"), "the form closed")
