"""Browser: the dashboard under COMPANION_BASE_PATH, behind a proxy that strips the prefix."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Response, expect

from tests.e2e.browser.harness import DemoStack, new_context, wait_live
from tests.e2e.proxy import StripPrefixProxy, running_proxy

PREFIX = "/companion"


@pytest.fixture(scope="module")
def proxied(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[StripPrefixProxy, DemoStack]]:
    """`companion demo` under /companion, reached only through the stripping proxy."""
    stack = DemoStack(tmp_path_factory.mktemp("demo-prefixed"))
    with running_proxy(stack.url, PREFIX) as proxy:
        stack.extra_env.update(
            {
                "COMPANION_BASE_PATH": PREFIX,
                "COMPANION_PUBLIC_URL": proxy.url + PREFIX,
                "COMPANION_TRUSTED_PROXIES": "127.0.0.1",
            }
        )
        stack.start()
        try:
            yield proxy, stack
        finally:
            stack.stop()


def test_every_url_carries_the_prefix(
    browser: Browser, proxied: tuple[StripPrefixProxy, DemoStack]
) -> None:
    proxy, stack = proxied
    base = proxy.url + PREFIX
    context = new_context(browser)
    page = context.new_page()
    requested: list[str] = []
    failed: list[tuple[int, str]] = []
    sockets: list[str] = []
    page.on("request", lambda r: requested.append(r.url))

    def on_response(response: Response) -> None:
        if response.status >= 400:
            failed.append((response.status, response.url))

    page.on("response", on_response)
    page.on("websocket", lambda ws: sockets.append(ws.url))
    try:
        page.goto(base + "/")
        page.wait_for_url(base + "/login")
        page.get_by_label("Username").fill("demo")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/library")
        # The live socket opens through the proxy, under the prefix.
        wait_live(page)
        assert sockets and all(
            s.startswith(base.replace("http", "ws", 1) + "/api/ws") for s in sockets
        )
        # Cover art and stylesheet load through the prefix.
        expect(page.locator(".grid .card").first).to_be_visible()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.grid .card img')].slice(0, 4)"
            ".every((img) => img.complete && img.naturalWidth > 0)"
        )
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
        page.locator(".grid .card a").first.click()
        expect(page).to_have_url(re.compile(re.escape(base) + r"/albums/jellyfin:[0-9a-f]{32}$"))
        # A heart (a cookie-authenticated write with its CSRF token) round-trips.
        heart = page.locator("li.track .heart").first
        ref = heart.get_attribute("data-heart") or ""
        expect(heart).to_have_attribute("aria-pressed", "false")
        heart.click()
        expect(heart).to_have_attribute("aria-pressed", "true")
        heart.click()
        expect(heart).to_have_attribute("aria-pressed", "false")
        # Play starts the player, whose stream URL is under the prefix.
        page.locator("li.track [data-play]").first.click()
        page.wait_for_function("() => !!window.CompanionPlayer.audio().getAttribute('src')")
        src = page.evaluate("() => window.CompanionPlayer.audio().getAttribute('src')")
        assert re.fullmatch(
            re.escape(PREFIX) + r"/api/tracks/jellyfin(:|%3A)[0-9a-f]{32}/stream", src
        ), src
        page.get_by_role("button", name="Pause").click()
        # The navigation, and an event from Jellyfin arriving live on the Activity page.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Activity").click()
        page.wait_for_url(base + "/activity")
        wait_live(page)
        stack.fake("POST", f"/users/demo/favorites/{ref.removeprefix('jellyfin:')}")
        expect(page.locator('#activity-log li[data-type="favorite.changed"]').first).to_be_visible()
        cookies = context.cookies()
        assert cookies and all(c["path"] == PREFIX for c in cookies), cookies
        # Sign out: a form post, a redirect the companion prefixed.
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(base + "/login")
    finally:
        context.close()
    assert proxy.outside == [], proxy.outside
    assert not failed, failed
    strays = [u for u in requested if not u.startswith((base + "/", stack.jellyfin, "data:"))]
    assert not strays, strays
