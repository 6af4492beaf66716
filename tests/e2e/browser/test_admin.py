"""Browser: first-run setup on a fresh install, the integrations page, the live activity log."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.harness import DemoStack, new_context, sign_in, wait_live
from tests.e2e.procs import ServerProcess, free_port


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    """A fake Jellyfin and a companion that has never been set up (no Jellyfin in its env)."""
    port = free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "companion.testing.jellyfin", "--port", str(port), "--tracks", "60"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = ServerProcess(tmp_path / "data")
    server.env.pop("COMPANION_DATABASE_URL", None)
    jellyfin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{jellyfin}/System/Info/Public", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        server.start()
        yield server, jellyfin
    finally:
        server.stop()
        fake.terminate()
        fake.wait(timeout=30)


def test_first_run_setup(browser: Browser, fresh: tuple[ServerProcess, str]) -> None:
    server, jellyfin = fresh
    context = new_context(browser)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/")
        page.wait_for_url(f"{server.url}/setup")
        page.get_by_label("Setup token").fill("wrong")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("#setup-error")).to_have_text("That setup token is not valid.")
        page.get_by_label("Setup token").fill(server.setup_token())
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Connect Jellyfin")).to_be_visible()
        # A wrong address first: the test says what is wrong and nothing is saved.
        page.locator("#jellyfin-url").fill(f"http://127.0.0.1:{free_port()}")
        page.get_by_label("Administrator username").fill("demo")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Test connection").click()
        expect(page.locator("[data-result]")).to_contain_text("Could not reach Jellyfin")
        page.locator("#jellyfin-url").fill(jellyfin)
        page.get_by_role("button", name="Test connection").click()
        expect(page.locator("[data-result]")).to_contain_text("Connection OK")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", name="Jellyfin is connected")).to_be_visible()
        # The webhook plugin instructions carry the generated secret.
        expect(page.locator("#webhook-url")).to_have_text(f"{server.url}/webhooks/jellyfin")
        secret = page.locator("#webhook-secret").inner_text()
        assert len(secret) >= 20
        expect(page.locator("[data-webhook] li").first).to_contain_text("Plugins")
        page.get_by_role("link", name="Now sign in").click()
        page.get_by_label("Username").fill("demo")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.url}/library")
        expect(page.locator(".grid .card").first).to_be_visible()
    finally:
        context.close()


def test_integrations_page(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}/integrations")
    card = page.locator(".entry").first
    expect(card.locator("[data-state]")).to_have_text("loaded")
    # The demo configures Jellyfin from the environment, and the page says so.
    expect(card).to_contain_text("from environment")
    card.get_by_role("button", name="Test connection").click()
    expect(card.locator("[data-result]")).to_contain_text("Connection OK")
    with page.expect_download() as download:
        card.get_by_role("link", name="Download diagnostics").click()
    text = Path(download.value.path()).read_text()
    assert "demo" not in text.split('"password"')[-1][:20]
    # An add form generated from the Ollama config flow's schema.
    page.locator("summary", has_text="Ollama").click()
    expect(page.locator('form[data-domain="ollama"] input').first).to_be_visible()


def test_activity_log_is_live(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}/library?view=tracks")
    row = page.locator("li.track").nth(7)
    ref = row.locator(".heart").get_attribute("data-heart")
    name = row.locator(".name").inner_text()
    assert ref is not None
    page.goto(f"{stack.url}/activity")
    wait_live(page)
    stack.fake("POST", f"/users/demo/favorites/{ref.removeprefix('jellyfin:')}")
    entry = page.locator('#activity-log li[data-type="favorite.changed"]').first
    # Told with the track's name, never its id; the raw event only behind "details".
    expect(entry.locator(".sentence")).to_contain_text(f"Favorited “{name}”")
    expect(entry.locator(".sentence")).not_to_contain_text(ref)
    expect(entry.locator("details pre")).to_be_hidden()
    entry.locator("summary").click()
    expect(entry.locator("details pre")).to_contain_text(ref)
    stack.fake("DELETE", f"/users/demo/favorites/{ref.removeprefix('jellyfin:')}")
    expect(
        page.locator('#activity-log li[data-type="favorite.changed"]').first.locator(".sentence")
    ).to_contain_text(f"Unfavorited “{name}”")


def test_guest_sees_no_admin_pages(browser: Browser, stack: DemoStack) -> None:
    context = new_context(browser)
    try:
        page = context.new_page()
        sign_in(page, stack, "guest")
        expect(page.get_by_role("link", name="Integrations")).to_have_count(0)
        resp = page.goto(f"{stack.url}/integrations")
        assert resp is not None and resp.status == 403
    finally:
        context.close()
