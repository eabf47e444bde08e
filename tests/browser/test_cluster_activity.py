"""The cluster page's Events and Requests tabs in a real browser: a new event comes in live on top
(the API's list has it too), the severity filter is the API's, a request shows and completes
live, and a running request has a Cancel button for an operator and none for a read-only user."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.page import confirm, log_in, open_cluster_tab, wait
from tests.helpers import wait_until
from tests.system.conftest import start_fleet
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess, logged_in_client
from tests.system.requests_helpers import run, submit, xsrf

import pytest


def first_fsid(api) -> str:
    return sorted(cluster["id"] for cluster in api.get("cluster").json())[0]


def event_rows(driver) -> list[tuple[str, str]]:
    """(severity, message) of the events table's rows, top first."""
    return [(row.get_attribute("data-severity"), row.find_element(By.CSS_SELECTOR, "td.event-message").text)
            for row in driver.find_elements(By.CSS_SELECTOR, "table#events tbody tr")]


def api_events(api, fsid, **params) -> list[tuple[str, str]]:
    answer = api.get(f"cluster/{fsid}/event", params={"page_size": 50, **params}).json()
    return [(event["severity"], event["message"]) for event in answer["results"]]


def test_an_osd_marked_out_and_in_brings_its_events_live_on_top(browser, web_daemon, admin_api):
    driver = browser.driver
    log_in(driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = first_fsid(admin_api)
    open_cluster_tab(driver, web_daemon.http_url, fsid, "events")
    wait(driver, lambda d: event_rows(d) and event_rows(d)[:5] == api_events(admin_api, fsid)[:5], "the API's events")
    driver.execute_script("window.notReloaded = true")
    osd = max(o["id"] for o in admin_api.get(f"cluster/{fsid}/osd").json())
    try:
        run(admin_api, "PATCH", f"cluster/{fsid}/osd/{osd}", {"in": False})
    finally:
        run(admin_api, "PATCH", f"cluster/{fsid}/osd/{osd}", {"in": True})
    out, back = (f"OSD ceph.{osd} marked out", f"OSD ceph.{osd} marked in")
    listed = wait_until(lambda: (lambda events: events if any(m.startswith(back) for _, m in events) else None)(
        api_events(admin_api, fsid)), timeout_s=15, what="the OSD's events in the API's list")
    wanted = [event for event in listed if event[1].startswith((out, back))][:2]
    assert [severity for severity, _ in wanted] == ["RECOVERY", "WARNING"], listed
    wait(driver, lambda d: all(event in event_rows(d)[:10] for event in wanted), f"{wanted} on top of the table")
    rows = event_rows(driver)
    assert rows.index(wanted[0]) < rows.index(wanted[1])   # newest first
    live = driver.find_elements(By.CSS_SELECTOR, 'table#events tbody tr[data-event-id][data-severity="RECOVERY"]')
    assert live, "the stream's rows carry their event id"
    assert driver.execute_script("return window.notReloaded") is True


def test_the_severity_filter_shows_what_the_api_lists_for_that_severity(browser, web_daemon, admin_api):
    driver = browser.driver
    log_in(driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = first_fsid(admin_api)
    open_cluster_tab(driver, web_daemon.http_url, fsid, "events")
    wait(driver, lambda d: any(severity == "INFO" for severity, _ in event_rows(d)), "INFO events")
    Select(driver.find_element(By.ID, "events-severity")).select_by_value("WARNING")
    # The cluster goes on making events: compare once the table's top is the API's.
    wait(driver, lambda d: (lambda rows: rows and all(s in ("WARNING", "ERROR", "CRITICAL") for s, _ in rows)
                            and rows[:5] == api_events(admin_api, fsid, severity="WARNING")[:5])(event_rows(d))
         or (not event_rows(d) and api_events(admin_api, fsid, severity="WARNING") == []),
         "only the API's warnings and worse")
    Select(driver.find_element(By.ID, "events-severity")).select_by_value("")
    wait(driver, lambda d: any(severity == "INFO" for severity, _ in event_rows(d)), "INFO events again")
    for size in (DESKTOP, PHONE):
        browser.resize(size)
        browser.screenshot("events", size)


def request_row(driver, request_id):
    found = driver.find_elements(By.CSS_SELECTOR, f'table#requests tbody tr[data-request-id="{request_id}"]')
    return found[0] if found else None


def test_a_request_comes_in_live_and_completes_live(browser, web_daemon, admin_api):
    driver = browser.driver
    log_in(driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = first_fsid(admin_api)
    open_cluster_tab(driver, web_daemon.http_url, fsid, "requests")
    wait(driver, lambda d: d.find_element(By.ID, "requests-status").text != "Loading…", "the requests list")
    driver.execute_script("window.notReloaded = true")
    name = f"act-{uuid.uuid4().hex[:8]}"
    request_id = submit(admin_api, "POST", f"cluster/{fsid}/pool", {"name": name, "pg_num": 8})
    try:
        wait(driver, lambda d: (row := request_row(d, request_id)) is not None and row.get_attribute("data-state") == "complete",
             "the request's row, complete", timeout_s=30)
        request = admin_api.get(f"request/{request_id}").json()
        row = request_row(driver, request_id)
        assert request["state"] == "complete" and request["error"] is False, request
        assert row.find_element(By.CSS_SELECTOR, "th").text == request["headline"] == f"Creating pool '{name}'"
        assert row.find_element(By.CSS_SELECTOR, "td.request-status").text == request["status"]
        assert "complete" in row.get_attribute("class").split()
        assert driver.find_elements(By.CSS_SELECTOR, "table#requests tbody tr")[0] == row   # newest on top
        assert driver.execute_script("return window.notReloaded") is True
    finally:
        wait_until(lambda: admin_api.get(f"request/{request_id}").json()["state"] == "complete", timeout_s=30)
        pool = [p for p in admin_api.get(f"cluster/{fsid}/pool").json() if p["name"] == name]
        if pool:
            run(admin_api, "DELETE", f"cluster/{fsid}/pool/{pool[0]['id']}")


@pytest.fixture(scope="module")
def slow_cluster(tmp_path_factory):
    """(daemon, fleet, fsid, users): a daemon of this module's own whose simulated agents can be
    slowed (SimBackend.job_latency_s) so a request stays running, and a read-only user and an
    operator on it; the shared daemon's cluster is untouched."""
    daemon = DaemonProcess(tmp_path_factory.mktemp("activity") / "data", heartbeat_s=0.3).start()
    fleet = start_fleet(daemon, servers=3, osds_per_server=1, advance_every_s=0.2)
    try:
        fsid = fleet.clusters[0].fsid
        users = {}
        with logged_in_client(daemon.http_url) as api:
            wait_until(lambda: api.get(f"cluster/{fsid}/pool").status_code == 200, timeout_s=20, every_s=0.05,
                       what="the cluster's maps")
            for role in ("read-only", "operator"):
                users[role] = (f"{role.replace('-', '')}x{uuid.uuid4().hex[:6]}", f"Pw-{uuid.uuid4().hex}")
                made = api.post("user", json={"username": users[role][0], "password": users[role][1], "role": role},
                                headers=xsrf(api))
                assert made.status_code == 201, made.text
        yield daemon, fleet, fsid, users
    finally:
        fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-4000:]


def test_a_running_request_has_cancel_for_an_operator_and_none_for_a_read_only_user(browser, slow_cluster):
    daemon, fleet, fsid, users = slow_cluster
    driver = browser.driver
    for backend in fleet.backends.values():
        backend.job_latency_s = 30.0   # the pool's creation waits on its agent: it stays running
    try:
        with logged_in_client(daemon.http_url) as api:
            request_id = submit(api, "POST", f"cluster/{fsid}/pool", {"name": f"slow-{uuid.uuid4().hex[:6]}", "pg_num": 8})
            log_in(driver, daemon.http_url, *users["read-only"])
            open_cluster_tab(driver, daemon.http_url, fsid, "requests")
            wait(driver, lambda d: (row := request_row(d, request_id)) is not None
                 and row.get_attribute("data-state") == "submitted", "the running request")
            assert driver.find_elements(By.CSS_SELECTOR, "table#requests button") == []
            assert driver.find_elements(By.CSS_SELECTOR, "table#requests th") and \
                "Action" not in driver.find_element(By.CSS_SELECTOR, "table#requests thead").text

            driver.delete_all_cookies()
            log_in(driver, daemon.http_url, *users["operator"])
            open_cluster_tab(driver, daemon.http_url, fsid, "requests")
            wait(driver, lambda d: (row := request_row(d, request_id)) is not None
                 and row.find_elements(By.CSS_SELECTOR, "button.request-cancel"), "a Cancel button on the running request")
            for size in (PHONE, DESKTOP):
                browser.resize(size)
                browser.screenshot("requests", size)
            # Complete requests get none.
            for row in driver.find_elements(By.CSS_SELECTOR, 'table#requests tbody tr[data-state="complete"]'):
                assert row.find_elements(By.CSS_SELECTOR, "button.request-cancel") == []
            request_row(driver, request_id).find_element(By.CSS_SELECTOR, "button.request-cancel").click()
            confirm(driver)
            wait(driver, lambda d: (row := request_row(d, request_id)).get_attribute("data-state") == "complete"
                 and "cancelled" in row.get_attribute("class").split()
                 and not row.find_elements(By.CSS_SELECTOR, "button.request-cancel"), "the request cancelled")
            answer = api.get(f"request/{request_id}").json()
            assert answer["state"] == "complete" and answer["error_message"] == "Cancelled", answer
    finally:
        for backend in fleet.backends.values():
            backend.job_latency_s = 0.0
