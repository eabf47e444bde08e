"""Logging in through the page's form, as a person does: the header names the user and role,
and a refused login shows the API's own message."""
from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown

from tests.browser.page import log_in, login_error, open_login, submit_login, wait
from tests.system.daemon_process import ADMIN_PASSWORD
from tests.system.requests_helpers import xsrf

READER_PASSWORD = "Quiet-Reader-Lantern-73"
REFUSED_LOGIN = "/api/v2/auth/login - Failed to load resource: the server responded with a status of 401"


def refused_login_detail(base_url: str) -> str:
    """What the API itself answers to a wrong password."""
    with httpx.Client(base_url=base_url + "/api/v2/", timeout=10.0) as client:
        client.get("auth/login").raise_for_status()
        answer = client.post("auth/login", json={"username": "admin", "password": "not-the-password"},
                             headers=xsrf(client))
        assert answer.status_code == 401, answer.text
        return answer.json()["detail"]


def test_admin_logs_in_through_the_form_and_the_header_shows_the_role(browser, web_daemon):
    assert log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD) == "admin (admin)"
    assert browser.driver.find_element(By.ID, "logout").is_displayed()
    assert not browser.driver.find_element(By.ID, "login-form").is_displayed()


def test_a_wrong_password_shows_the_apis_message(browser, web_daemon):
    expected = refused_login_detail(web_daemon.http_url)
    browser.allowed_console += (REFUSED_LOGIN,)
    open_login(browser.driver, web_daemon.http_url)
    submit_login(browser.driver, "admin", "not-the-password")
    assert login_error(browser.driver) == expected
    assert browser.driver.find_element(By.ID, "login-form").is_displayed()
    assert not browser.driver.find_element(By.ID, "whoami").text.strip()


def test_a_read_only_user_sees_read_only_in_the_header(browser, web_daemon, admin_api):
    created = admin_api.post("user", json={"username": "reader", "password": READER_PASSWORD, "role": "read-only"},
                             headers=xsrf(admin_api))
    assert created.status_code == 201, created.text
    assert log_in(browser.driver, web_daemon.http_url, "reader", READER_PASSWORD) == "reader (read-only)"


def test_logging_out_shows_the_login_form_and_a_reload_keeps_it(browser, web_daemon):
    log_in(browser.driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    browser.driver.find_element(By.ID, "logout").click()
    wait(browser.driver, shown.visibility_of_element_located((By.ID, "login-form")), "the login form again")
    browser.driver.refresh()
    wait(browser.driver, shown.visibility_of_element_located((By.ID, "login-form")), "the login form after a reload")
    assert not browser.driver.find_element(By.ID, "whoami").text.strip()
