"""Browser: the automation page (a hook's token shown once, an outgoing target that receives a
signed test and logs it) and the Favorites page's "push to Jellyfin" switch."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from playwright.sync_api import Browser, Page, expect

from companion.automation.outgoing import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TEST_EVENT,
    TIMESTAMP_HEADER,
    verify,
)
from tests.e2e.browser.harness import DemoStack, new_context, sign_in
from tests.e2e.procs import free_port

PUSH_LABEL = "Also keep a 'Favorites' playlist in Jellyfin"


class Receiver:
    """A small aiohttp webhook receiver on 127.0.0.1, run in a thread; records each POST."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    async def _receive(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.Response(text="ok")

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    rec.start()
    try:
        yield rec
    finally:
        rec.stop()


def _wait_for(check: Any, timeout: float = 30) -> Any:
    """Poll `check` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out; last value {last!r}")


def test_hook_token_is_shown_once(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}/library")
    page.get_by_role("link", name="Automation").click()
    page.wait_for_url(f"{stack.url}/automation")
    form = page.locator("#hook-create")
    form.get_by_label("Name").fill("Doorbell")
    form.get_by_label("favorite.current").check()
    # Keyboard: Enter in the name field submits.
    form.get_by_label("Name").press("Enter")
    secret = page.locator("#secret-value")
    expect(secret).to_be_visible()
    expect(secret).to_be_focused()
    token = secret.input_value()
    assert len(token) >= 20
    card = page.locator("[data-hook]", has_text="Doorbell")
    expect(card).to_contain_text("favorite.current")
    expect(card).to_contain_text(token[:8] + "…")
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".secret [role=status]")).to_have_text("Copied.")
    # The token works: the hook refuses nothing for auth, only says nothing is playing.
    hook_id = card.get_attribute("data-hook")
    call = httpx.post(
        f"{stack.url}/webhooks/automation/{hook_id}",
        json={"action": "favorite.current"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert call.status_code not in (401, 403, 404), call.text
    page.get_by_role("button", name="Done").click()
    expect(secret).to_have_count(0)
    expect(page.locator("#hook-name")).to_be_focused()
    # Never again: not after a reload either.
    page.reload()
    expect(page.locator("[data-hook]", has_text="Doorbell")).to_be_visible()
    assert token not in page.content()
    # Delete (confirmed).
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete hook Doorbell").click()
    expect(page.locator("[data-hook]", has_text="Doorbell")).to_have_count(0)


def test_outgoing_target_test_delivery_is_signed_and_logged(
    page: Page, stack: DemoStack, receiver: Receiver
) -> None:
    page.goto(f"{stack.url}/automation")
    form = page.locator("#target-create")
    form.get_by_label("Name").fill("Receiver")
    form.get_by_label("URL").fill(receiver.url)
    form.get_by_label("favorite.changed").check()
    form.get_by_role("button", name="Add target").click()
    secret_box = page.locator("#secret-value")
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert len(secret) >= 16
    card = page.locator("[data-target]", has_text="Receiver")
    expect(card).to_contain_text(receiver.url)
    expect(card.locator("[data-deliveries-empty]")).to_have_text("No deliveries yet.")
    expect(card.locator("table.deliveries")).to_be_hidden()
    card.get_by_role("button", name="Send test to Receiver").click()
    expect(card.locator("[data-result]")).to_have_text("Test delivered (HTTP 200).")
    row = card.locator('[data-deliveries] tr[data-status="delivered"]').first
    expect(row).to_contain_text(TEST_EVENT)
    expect(row).to_contain_text("HTTP 200")
    expect(row.locator("td").nth(3)).to_have_text("1")
    # The receiver got one request, signed with the secret the page showed.
    headers, body = _wait_for(lambda: receiver.received and receiver.received[-1])
    assert headers[EVENT_HEADER] == TEST_EVENT
    assert verify(secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    # Refresh re-reads the log from the API; a new secret is shown once too.
    card.get_by_role("button", name="Refresh the delivery log of Receiver").click()
    expect(card.locator("[data-deliveries] tr[data-delivery]")).to_have_count(1)
    # At phone width the log scrolls inside its box; the page itself does not.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    page.once("dialog", lambda d: d.accept())
    card.get_by_role("button", name="New secret for Receiver").click()
    expect(secret_box).not_to_have_value(secret)
    page.once("dialog", lambda d: d.accept())
    card.get_by_role("button", name="Delete target Receiver").click()
    expect(page.locator("[data-target]", has_text="Receiver")).to_have_count(0)


def test_favorites_push_switch(page: Page, stack: DemoStack) -> None:
    api = stack.api()
    try:
        assert api.get("/api/playlists/favorites").json()["push"] is False
        page.goto(f"{stack.url}/favorites")
        switch = page.get_by_label(PUSH_LABEL)
        expect(switch).not_to_have_attribute("aria-busy", "true")
        expect(switch).not_to_be_checked()
        expect(page.locator("#favorites-push-state")).to_have_text("Off.")
        switch.press("Space")
        expect(switch).to_be_checked()
        expect(page.locator("#favorites-push-state")).to_contain_text("On")
        _wait_for(lambda: api.get("/api/playlists/favorites").json()["push"] is True)
        # The state is read back after a reload.
        page.reload()
        expect(page.get_by_label(PUSH_LABEL)).to_be_checked()
        page.get_by_label(PUSH_LABEL).click()
        expect(page.get_by_label(PUSH_LABEL)).not_to_be_checked()
        _wait_for(lambda: api.get("/api/playlists/favorites").json()["push"] is False)
    finally:
        api.close()


def test_automation_fits_a_phone_and_guests_see_only_hooks(
    browser: Browser, stack: DemoStack
) -> None:
    context = new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        sign_in(page, stack, "guest")
        page.goto(f"{stack.url}/automation")
        expect(page.locator("#hook-create")).to_be_visible()
        expect(page.locator("#target-create")).to_have_count(0)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
    finally:
        context.close()
