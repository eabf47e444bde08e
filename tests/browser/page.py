"""What a person does on the web page (the DOM contract of issue 17), each step waiting with a
deadline for the page to answer: WebDriverWait, never a sleep."""
from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.ui import WebDriverWait

WAIT_S = 15.0
SIM_CLUSTERS = 2   # the fleet the browser tests' daemon simulates (conftest.py)


def wait(driver, condition, what: str, timeout_s: float = WAIT_S):
    # The live page replaces the fleet's rows on every stream message: an element found a moment
    # ago may be gone, so such a look is simply retried.
    return WebDriverWait(driver, timeout_s, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition, message=what)


def open_login(driver, base_url: str) -> None:
    driver.get(base_url + "/")
    wait(driver, shown.visibility_of_element_located((By.ID, "login-form")), "the login form")


def submit_login(driver, username: str, password: str) -> None:
    for field, text in (("login-username", username), ("login-password", password)):
        box = driver.find_element(By.ID, field)
        box.clear()
        box.send_keys(text)
    driver.find_element(By.ID, "login-submit").click()


def log_in(driver, base_url: str, username: str, password: str) -> str:
    """Log in through the form; the header's "USERNAME (ROLE)" once it shows."""
    open_login(driver, base_url)
    submit_login(driver, username, password)
    wait(driver, lambda d: username in d.find_element(By.ID, "whoami").text, f"{username} in the header")
    return driver.find_element(By.ID, "whoami").text


def fleet_fsids(driver, count: int) -> list[str]:
    """The fsids of the fleet table's rows, once it has `count` of them."""
    def rows(d):
        found = d.find_elements(By.CSS_SELECTOR, "table#fleet tbody tr[data-fsid]")
        return len(found) == count and ([row.get_attribute("data-fsid") for row in found],)   # truthy when empty
    return wait(driver, rows, f"{count} rows in the fleet table")[0]


def login_error(driver) -> str:
    wait(driver, lambda d: d.find_element(By.ID, "login-error").text.strip(), "a message in #login-error")
    return driver.find_element(By.ID, "login-error").text.strip()
