"""Server-side tests of the automation page: who sees what, what it shows, what it never shows."""

from __future__ import annotations

import html
import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.web.conftest import sign_in

Client = TestClient[Any, Any]


async def _receiver() -> TestServer:
    """A webhook receiver on 127.0.0.1 answering 200."""

    async def receive(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def test_needs_sign_in(jellyfin_app_client: Client) -> None:
    resp = await jellyfin_app_client.get("/automation", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/login"
    resp = await jellyfin_app_client.get(
        "/automation", headers={"X-Fragment": "1"}, allow_redirects=False
    )
    assert resp.status == 401 and resp.headers["X-Location"] == "/login"


async def test_admin_sees_hooks_targets_and_the_delivery_log(jellyfin_app_client: Client) -> None:
    client = jellyfin_app_client
    await sign_in(client)
    page = await (await client.get("/automation")).text()
    assert 'href="/automation" aria-current="page"' in page
    assert 'id="hook-create"' in page and 'id="target-create"' in page
    assert "No hooks yet." in page and "No outgoing webhooks yet." in page
    assert '<label for="hook-name">Name</label>' in page
    assert '<label for="target-url">URL</label>' in page
    assert 'value="favorite.current"' in page and 'value="favorite.changed"' in page

    made = await client.post(
        "/api/automation/hooks", json={"name": "Kitchen <button>", "actions": ["vibe.start"]}
    )
    assert made.status == 201
    hook = await made.json()
    receiver = await _receiver()
    try:
        url = str(receiver.make_url("/hook"))
        created = await client.post(
            "/api/automation/targets",
            json={"name": "HA", "url": url, "event_types": ["favorite.changed"]},
        )
        assert created.status == 201
        target = await created.json()
        sent = await client.post(f"/api/automation/targets/{target['id']}/test")
        assert (await sent.json())["status"] == "delivered"
    finally:
        await receiver.close()

    resp = await client.get("/automation")
    page = await resp.text()
    assert resp.status == 200
    # The hook: escaped name, its URL, token prefix and actions, never the token itself.
    assert f'data-hook="{hook["id"]}"' in page
    assert html.escape("Kitchen <button>") in page and "Kitchen <button>" not in page
    assert hook["url"] in page and f"{hook['prefix']}…" in page
    assert hook["token"] not in page
    # The target and its log row, never the secret.
    assert f'data-target="{target["id"]}"' in page and html.escape(url) in page
    assert target["secret"] not in page
    assert 'data-status="delivered"' in page and "companion.test" in page and "HTTP 200" in page
    assert "Send test" in page and "Refresh" in page


async def test_regular_user_sees_only_their_hooks(jellyfin_app_client: Client) -> None:
    client = jellyfin_app_client
    await sign_in(client)
    mine = await (await client.post("/api/automation/hooks", json={"name": "Admin hook"})).json()
    await client.post(
        "/api/automation/targets",
        json={"name": "Secret target", "url": "http://127.0.0.1:9/x", "event_types": ["*"]},
    )
    client.session.cookie_jar.clear()
    await sign_in(client, "guest")
    resp = await client.get("/automation")
    page = await resp.text()
    assert resp.status == 200
    # In the nav for everyone; hooks yes, outgoing webhooks (administrators only) no.
    assert 'href="/automation"' in page and 'href="/integrations"' not in page
    assert 'id="hook-create"' in page and "No hooks yet." in page
    assert "Admin hook" not in page and mine["id"] not in page
    assert 'id="target-create"' not in page and "Secret target" not in page
    assert "Outgoing webhooks" not in page
    # The guest can make their own hook, which the page then lists.
    made = await client.post("/api/automation/hooks", json={"name": "Guest hook"})
    assert made.status == 201
    assert "Guest hook" in await (await client.get("/automation")).text()
    # The API agrees: targets are for administrators.
    assert (await client.get("/api/automation/targets")).status == 403


async def test_favorites_page_has_the_push_switch(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client)
    page = await (await jellyfin_app_client.get("/favorites")).text()
    assert 'id="favorites-push"' in page and 'role="switch"' in page
    label = "<label for=\"favorites-push\">Also keep a 'Favorites' playlist in Jellyfin</label>"
    assert label in page
    assert re.search(r"/static/favorites\.[0-9a-f]{10}\.js", page)
    for name in ("automation.js", "favorites.js"):
        assert (await jellyfin_app_client.get(f"/static/{name}")).status == 200
