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


def open_cluster_tab(driver, base_url: str, fsid: str, tab: str) -> None:
    """Go to a cluster's tab by its URL (#/cluster/FSID/TAB) and wait until that tab is mounted."""
    driver.get(f"{base_url}/#/cluster/{fsid}/{tab}")
    wait(driver, lambda d: d.find_element(By.ID, "cluster-panel").get_attribute("data-tab") == tab
         and d.find_element(By.CSS_SELECTOR, f'#cluster-tabs a[data-tab="{tab}"][aria-current="page"]'),
         f"the {tab} tab")


def open_admin_tab(driver, base_url: str, tab: str) -> None:
    driver.get(f"{base_url}/#/admin/{tab}")
    wait(driver, lambda d: d.find_element(By.ID, "admin-panel").get_attribute("data-tab") == tab, f"the {tab} admin tab")


def confirm(driver) -> None:
    """Press the confirmation dialog's confirm button once it is open."""
    wait(driver, shown.visibility_of_element_located((By.ID, "confirm-dialog")), "the confirmation dialog")
    driver.find_element(By.ID, "confirm-ok").click()


def tray_outcome(driver, headline_part: str, timeout_s: float = 30.0) -> str:
    """The request tray's entry whose headline holds `headline_part`, once it has ended:
    its class, "complete" or "failed"."""
    def ended(d):
        for item in d.find_elements(By.CSS_SELECTOR, "#request-tray li"):
            if headline_part in item.find_element(By.TAG_NAME, "strong").text and item.get_attribute("class") in ("complete", "failed"):
                return item.get_attribute("class")
        return False
    return wait(driver, ended, f"the request '{headline_part}' to end in the tray", timeout_s)
