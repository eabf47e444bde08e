"""Debian's headless Chromium driven by selenium through chromedriver, and what the tests read
back from it: console messages, every URL the page requested, screenshots at a given size.

Without chromium or chromedriver the browser tests skip with the command that installs them;
under CALAMARI_REQUIRE_BROWSER=1 (set by .ci/run) the same situation fails instead.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers import skip_or_fail

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REQUIRED_ENV = "CALAMARI_REQUIRE_BROWSER"
SCREENSHOT_ENV = "CALAMARI_SCREENSHOT_DIR"
DEFAULT_SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DESKTOP = (1280, 800)
PHONE = (390, 844)
LOCAL_HOSTS = {"127.0.0.1"}
LOCAL_SCHEMES = {"data", "blob", "about"}   # nothing leaves the browser for these


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    absent = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not absent:
        return None
    return f"{', '.join(absent)} missing: sudo apt-get install chromium chromium-driver"


def skip_or_fail_without_browser() -> None:
    skip_or_fail(missing_browser(), REQUIRED_ENV, "the browser tests")


def screenshot_dir() -> Path:
    directory = Path(os.environ.get(SCREENSHOT_ENV) or DEFAULT_SCREENSHOTS)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def start_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


@dataclass
class Browser:
    """One Chromium for one test. The driver's logs are drained as they are read, so every
    console message and request seen since the start is gathered here."""
    driver: object
    console: list = field(default_factory=list)
    requested: list = field(default_factory=list)
    # Chromium writes every 4xx answer to a fetch into the console as an error, even one the page
    # expects; a test expecting one (a refused login's 401) names it here. JavaScript errors never are.
    allowed_console: tuple = ()

    def collect(self) -> None:
        self.console += self.driver.get_log("browser")
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                self.requested.append(message["params"]["request"]["url"])

    def console_errors(self, allowed: tuple[str, ...] = ()) -> list[str]:
        """SEVERE console messages, but the network ones naming one of the `allowed` texts."""
        self.collect()
        return [entry["message"] for entry in self.console if entry["level"] == "SEVERE"
                and not (entry.get("source") == "network" and any(text in entry["message"] for text in allowed))]

    def outside_requests(self) -> list[str]:
        self.collect()
        return [url for url in self.requested if not is_local(url)]

    def resize(self, size: tuple[int, int]) -> None:
        """The viewport exactly `size` (a window size leaves room for no toolbar it does not draw,
        but headless Chromium's viewport still comes out shorter); a phone width emulates a phone."""
        width, height = size
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def screenshot(self, name: str, size: tuple[int, int]) -> Path:
        path = screenshot_dir() / f"{name}-{size[0]}x{size[1]}.png"
        path.write_bytes(self.driver.get_screenshot_as_png())
        return path
