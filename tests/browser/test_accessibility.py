"""Accessibility of every view, measured in the browser: WCAG AA contrast of every piece of text
shown (4.5:1, or 3:1 for large text) against the background it is actually drawn on, and a name
for every control (a label, aria-label or aria-labelledby for form controls; text or aria-label
for buttons). A view fails with the offending elements listed."""
from __future__ import annotations

import pytest

from tests.browser.page import SIM_CLUSTERS, fleet_fsids, log_in, open_admin_tab, open_cluster_tab, wait
from tests.browser.chromium import DESKTOP, PHONE
from tests.system.daemon_process import ADMIN_PASSWORD

# Runs in the page: every element with its own visible text, its colour against the first
# opaque background found walking up (colours with alpha are blended over it).
AUDIT = """
function rgba(text) {
  const m = text.match(/rgba?\\(([^)]+)\\)/);
  if (!m) return [0, 0, 0, 0];
  const parts = m[1].split(",").map((p) => parseFloat(p));
  return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
}
function over(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
}
function background(node) {
  const layers = [];
  for (let el = node; el; el = el.parentElement) {
    const colour = rgba(getComputedStyle(el).backgroundColor);
    if (colour[3] > 0) layers.push(colour);
    if (colour[3] >= 1) break;
  }
  let result = [255, 255, 255, 1];
  for (const layer of layers.reverse()) result = over(layer, result);
  return result;
}
function luminance(c) {
  const [r, g, b] = c.slice(0, 3).map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function ratio(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
const failures = [];
let checked = 0;
for (const el of document.body.querySelectorAll("*")) {
  const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own || !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
  const box = el.getBoundingClientRect();
  if (box.width < 2 || box.height < 2) continue;                     // visually hidden text
  if (el.closest("[disabled], [aria-disabled=true]")) continue;      // WCAG exempts inactive controls
  const style = getComputedStyle(el);
  const bg = background(el);
  const fg = over(rgba(style.color), bg);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  const found = ratio(fg, bg);
  checked += 1;
  if (found < (large ? 3 : 4.5)) {
    failures.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")} ` +
                  `"${el.textContent.trim().slice(0, 30)}" ${found.toFixed(2)}:1`);
  }
}
for (const el of document.body.querySelectorAll("input, select, textarea, button")) {
  if (!el.checkVisibility() || el.type === "hidden") continue;
  const named = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.labels?.length
    || (el.tagName === "BUTTON" && el.textContent.trim());
  if (!named) failures.push(`unnamed ${el.outerHTML.slice(0, 80)}`);
}
return {failures, checked};
"""

CLUSTER_TABS = ["overview", "osds", "pools", "crush", "servers", "events", "requests", "changes"]
ADMIN_TABS = ["users", "tokens", "keys"]


def audit(driver) -> list[str]:
    """What fails on the view shown; it must have read some text (an empty view proves nothing)."""
    found = driver.execute_script(AUDIT)
    assert found["checked"] >= 5, "the audit found almost no text to check"
    return found["failures"]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_view_has_aa_contrast_and_named_controls(browser, web_daemon, size):
    browser.resize(size)
    driver = browser.driver
    driver.get(web_daemon.http_url + "/")
    wait(driver, lambda d: d.find_element("id", "login-form").is_displayed(), "the login form")
    problems = {"login": audit(driver)}
    log_in(driver, web_daemon.http_url, "admin", ADMIN_PASSWORD)
    fsid = fleet_fsids(driver, SIM_CLUSTERS)[0]
    problems["fleet"] = audit(driver)
    for tab in CLUSTER_TABS:
        open_cluster_tab(driver, web_daemon.http_url, fsid, tab)
        wait(driver, lambda d: len(d.find_element("id", "cluster-panel").text) > 20, f"the {tab} tab's content")
        problems[tab] = audit(driver)
    for tab in ADMIN_TABS:
        open_admin_tab(driver, web_daemon.http_url, tab)
        wait(driver, lambda d: len(d.find_element("id", "admin-panel").text) > 20, f"the {tab} tab's content")
        problems[f"admin {tab}"] = audit(driver)
    assert {view: found for view, found in problems.items() if found} == {}


def test_the_audit_catches_pale_text_and_an_unnamed_control(browser, web_daemon):
    browser.driver.get(web_daemon.http_url + "/")
    wait(browser.driver, lambda d: d.find_element("id", "login-form").is_displayed(), "the login form")
    browser.driver.execute_script("""
        const pale = document.createElement("p");
        pale.textContent = "pale words on white";
        pale.style.color = "#b0b0b0";
        const box = document.createElement("input");
        document.getElementById("login-form").append(pale, box);""")
    found = audit(browser.driver)
    assert len(found) == 2
    assert "pale words" in found[0] and found[1].startswith("unnamed <input")
