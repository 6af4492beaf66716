"""The Webhook settings page and API: URL, plugin form, reachability, the last webhook."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import User
from companion.app import create_app
from companion.live.webhook_activity import WebhookActivity
from companion.settings import Settings
from tests.conftest import echo_csrf
from tests.web.conftest import sign_in

Client = TestClient[Any, Any]
API = "/api/settings/webhooks/jellyfin"
# The Generic destination's form in Jellyfin.Plugin.Webhook's Configuration/Web/config.html
# (Server Url sits at the top of the page, Save at its bottom).
PLUGIN_ORDER = [
    "Server Url",
    "Add Generic Destination",
    "Webhook Name",
    "Webhook Url",
    "Status",
    "Notification Type",
    "User Filter",
    "Item Type",
    "Send All Properties (ignores template)",
    "Add Request Header",
    "Save",
]


async def _webhook(client: Client, kind: str) -> None:
    secret = await client.app[keys.LIVE].secrets.get("jellyfin")
    # As the plugin sends it: an item event carries the item's id and type (music ones stored).
    body = {
        "NotificationType": kind,
        "ServerId": "a" * 32,
        "ServerName": "jelly",
        "ItemId": "b" * 32,
        "ItemType": "Audio",
    }
    resp = await client.post(
        "/webhooks/jellyfin",
        data=json.dumps(body),
        headers={secret.header: secret.secret, "Content-Type": "text/plain"},
    )
    assert resp.status == 200, await resp.text()


async def test_api_key_setup_shows_the_required_notice_and_the_form(
    jellyfin_app_client: Client, fake_jellyfin: Any
) -> None:
    client = jellyfin_app_client
    await sign_in(client)
    info = await (await client.get(API)).json()
    assert info["required"] is True
    assert info["required_notice"].startswith("Required for live library changes with an API key")
    assert [f["field"] for f in info["plugin_form"]] == PLUGIN_ORDER
    fields = {f["field"]: f for f in info["plugin_form"]}
    assert fields["Server Url"]["value"] == fake_jellyfin.url
    assert fields["Webhook Url"]["value"] == info["url"]
    assert fields["Add Request Header"]["header"] == {
        "key": "X-Webhook-Secret",
        "value": info["secret"],
    }
    assert fields["Item Type"]["ticks"] == ["Albums", "Songs"]
    assert "User Data Saved" in fields["Notification Type"]["ticks"]
    assert any(info["secret"] in line for line in info["instructions"])
    assert info["last_received"] is None

    page = await (await client.get("/settings/webhooks")).text()
    assert "Required for live library changes with an API key." in page
    assert "No webhook received yet." in page
    steps = re.findall(r'<li data-field="([^"]+)">', page)
    assert steps == PLUGIN_ORDER
    for copyable in ("webhook-url", "webhook-header", "webhook-secret"):
        assert f'data-copy="{copyable}"' in page
    assert f'value="{info["secret"]}"' in page and 'id="rotate-dialog"' in page


async def test_last_webhook_received_live_and_after_a_restart(jellyfin_app_client: Client) -> None:
    client = jellyfin_app_client
    await sign_in(client)
    async with client.ws_connect("/api/ws") as ws:
        assert (await ws.receive_json(timeout=30))["type"] in ("auth_ok", "auth_required")
        await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "webhook.received"})
        while (await ws.receive_json(timeout=30))["type"] != "result":
            pass
        # An ignored kind still shows the plugin is wired up.
        await _webhook(client, "SessionStart")
        event = (await ws.receive_json(timeout=30))["event"]
    assert event["type"] == "webhook.received"
    assert event["data"] == {"source": "jellyfin", "type": "SessionStart"}
    info = await (await client.get(API)).json()
    assert info["last_received"]["type"] == "SessionStart"
    page = await (await client.get("/settings/webhooks")).text()
    assert "Last webhook received:" in page and "(<span data-kind>SessionStart</span>)" in page
    # After a restart the newest stored body answers (handled kinds are stored).
    await _webhook(client, "ItemAdded")
    live = client.app[keys.LIVE]
    live.activity = WebhookActivity(client.app[keys.BUS])
    info = await (await client.get(API)).json()
    assert info["last_received"]["type"] == "ItemAdded"


async def test_non_admins_see_neither_page_nor_events(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client, "guest")
    assert (await jellyfin_app_client.get("/settings/webhooks")).status == 403
    assert (await jellyfin_app_client.get(API)).status == 403
    page = await (await jellyfin_app_client.get("/library")).text()
    assert 'href="/settings/webhooks"' not in page


@pytest.mark.parametrize(
    ("changes", "url", "level", "says"),
    [
        # The default: loopback only, no URL configured.
        ({}, None, "error", "a Jellyfin in another container or on another machine cannot"),
        ({"host": "0.0.0.0"}, None, "warning", "your browser's own address"),
        (
            {"host": "0.0.0.0", "internal_url": "http://companion:8097"},
            "http://companion:8097/webhooks/jellyfin",
            None,
            None,
        ),
        (
            {"public_url": "https://music.example.org/companion", "base_path": "/companion"},
            "https://music.example.org/companion/webhooks/jellyfin",
            None,
            None,
        ),
    ],
)
async def test_reachability(
    aiohttp_client: Any,
    settings: Settings,
    changes: dict[str, str],
    url: str | None,
    level: str | None,
    says: str | None,
) -> None:
    client: Client = await aiohttp_client(
        create_app(replace(settings, **changes)), middlewares=(echo_csrf,)
    )
    admin = await User.create(name="admin", jellyfin_id="b" * 32, is_admin=True)
    _, token = await client.app[keys.AUTH].issue_token(admin.id, "tests")
    info = await (await client.get(API, headers={"Authorization": f"Bearer {token}"})).json()
    if url is not None:
        assert info["url"] == url
    else:
        assert info["url"] == str(client.make_url("/webhooks/jellyfin"))
    if level is None:
        assert info["reachability"] is None
    else:
        assert info["reachability"]["level"] == level
        assert says in info["reachability"]["message"]
        if level == "error":
            assert "COMPANION_HOST=0.0.0.0" in info["reachability"]["message"]
