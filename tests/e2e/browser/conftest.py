"""Fixtures of the browser tests: one demo and one Chromium per module, a signed-in page each."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.browser.harness import CHROMIUM, DemoStack, chromium, new_context, sign_in


@pytest.fixture(autouse=True)
def _fresh_postgres() -> None:
    """The demo runs on SQLite in its own directory; no PostgreSQL reset (and no event loop:
    Playwright's sync API runs its own)."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStack]:
    """A running `companion demo` (300 tracks)."""
    demo = DemoStack(tmp_path_factory.mktemp("demo"))
    demo.start()
    try:
        yield demo
    finally:
        demo.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (.ci/run does)."
        )
    with chromium() as (_, b):
        yield b


@pytest.fixture
def context(browser: Browser, stack: DemoStack) -> Iterator[BrowserContext]:
    """A fresh browser profile; Jellyfin faults are cleared afterwards."""
    ctx = new_context(browser)
    try:
        yield ctx
    finally:
        ctx.close()
        stack.jellyfin_up()


@pytest.fixture
def page(context: BrowserContext, stack: DemoStack) -> Page:
    """A page signed in as demo (an administrator)."""
    p = context.new_page()
    sign_in(p, stack)
    return p
