"""A `companion demo` process and headless Chromium (Debian's) for the browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.e2e.procs import DemoStack

CHROMIUM = os.environ.get("COMPANION_TEST_CHROMIUM", "/usr/bin/chromium")
UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."
# Every wait in the browser tests is bounded by this (milliseconds).
TIMEOUT_MS = 15_000


@contextmanager
def chromium() -> Iterator[tuple[Playwright, Browser]]:
    """Headless Chromium from the system (never a downloaded browser)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield pw, browser
        finally:
            browser.close()


def new_context(browser: Browser, **kw: Any) -> BrowserContext:
    """A fresh browser profile with the tests' default timeout on every wait."""
    context = browser.new_context(**kw)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(page: Page, stack: DemoStack, user: str = "demo") -> None:
    """Sign in through the sign-in form and wait for the library."""
    page.goto(f"{stack.url}/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(user)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{stack.url}/library")


def wait_live(page: Page) -> None:
    """Wait until the page's websocket is subscribed to events."""
    page.wait_for_selector("body[data-ws=open]")
