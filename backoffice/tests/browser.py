"""Headless Chromium for the end-to-end tests: Debian's ``chromium`` and ``chromium-driver``.

Selenium is pointed at both binaries explicitly, so it never runs Selenium Manager
and never downloads a browser or a driver. ``make test`` installs the two packages
when they are missing and it can (root with apt); elsewhere the tests are skipped
with the reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
CHROMEDRIVER_CANDIDATES = ("chromedriver",)
# Every switch keeps the browser off the network and away from the user's profile:
# the test asserts that no request leaves the machine.
CHROMIUM_ARGUMENTS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--window-size=1024,900",
)


def _which(candidates: tuple[str, ...], env: str) -> str | None:
    configured = os.environ.get(env)
    if configured:
        return configured if Path(configured).is_file() else None
    return next((found for name in candidates if (found := shutil.which(name))), None)


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -r requirements-dev.txt)"
    if _which(CHROMIUM_CANDIDATES, "CHROMIUM_BIN") is None:
        return "Chromium not found: install Debian's chromium and chromium-driver (make test does it as root)"
    if _which(CHROMEDRIVER_CANDIDATES, "CHROMEDRIVER_BIN") is None:
        return "ChromeDriver not found: install Debian's chromium-driver (make test does it as root)"
    return None


def chromium_start(user_data_dir: Path):
    """A fresh headless Chromium with its own profile directory."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _which(CHROMIUM_CANDIDATES, "CHROMIUM_BIN")
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    # What a page fetched is read back from the page's own Performance API (which lists
    # failed fetches to other hosts too), so Chromium's performance log is not needed:
    # it stays off; the console log keeps severe errors only (where Chromium reports a
    # Content-Security-Policy violation: content_security_policy_violations).
    options.set_capability("goog:loggingPrefs", {"performance": "OFF", "browser": "SEVERE"})
    service = Service(executable_path=_which(CHROMEDRIVER_CANDIDATES, "CHROMEDRIVER_BIN"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(20)
    driver.set_window_size(1024, 900)
    return driver


def content_security_policy_violations(driver) -> list[str]:
    """Console errors about the page's Content-Security-Policy since the last call.

    Reading Chromium's console log empties it, so each call sees only what came after
    the previous one.
    """
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]
