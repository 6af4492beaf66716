"""The Navidrome entry in the app: configured by API, secrets encrypted, one media server."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import User
from companion.integration.models import ConfigEntry as Row
from companion.integration.types import EntryState
from companion.media import use_ref_scheme
from companion.testing.jellyfin import FakeJellyfin
from companion.testing.navidrome import FakeNavidrome
from integrations.navidrome.ids import user_id

SECRET = "Pa55-xyz-secret"


async def test_configured_by_api_with_the_password_encrypted(
    client: TestClient[Any, Any], admin_headers: dict[str, str], fake_navidrome: FakeNavidrome
) -> None:
    fake_navidrome.state.users["demo"].password = SECRET
    try:
        resp = await client.post(
            "/api/integrations",
            json={
                "domain": "navidrome",
                "data": {"url": fake_navidrome.url, "username": "demo", "password": SECRET},
            },
            headers=admin_headers,
        )
        assert resp.status == 201, await resp.text()
        body = await resp.json()
        assert body["entry"]["title"].startswith("Navidrome 0.58.0")
        row = await Row.get()
        assert "password" not in row.data and SECRET not in json.dumps(row.data)
        secrets = client.app[keys.SECRET_BOX].decrypt_json(row.secrets or "")
        assert secrets["password"] == SECRET
        loaded = await client.app[keys.ENTRIES].wait_setup(body["entry"]["entry_id"])
        assert loaded.state == EntryState.LOADED, loaded.reason
        resp = await client.get(
            f"/api/integrations/{loaded.entry_id}/diagnostics", headers=admin_headers
        )
        text = await resp.text()
        diag = json.loads(text)["integration"]
        assert diag["server"]["type"] == "navidrome" and diag["version_supported"] is True
        assert diag["live_events"].startswith("Polled") and diag["poll_interval_s"] == 30
        assert SECRET not in text
        assert "/rest/" not in text  # no signed URL (its token and salt) either
        # A second media server is refused with the way to switch.
        async with FakeJellyfin(tracks=10) as jellyfin:
            resp = await client.post(
                "/api/integrations",
                json={"domain": "jellyfin", "data": {"url": jellyfin.url, "api_key": "x"}},
                headers=admin_headers,
            )
        assert resp.status == 409
        error = (await resp.json())["error"]
        assert error["code"] == "one_media_server"
        assert "Navidrome is already this install's media server" in error["message"]
        assert "Switching media servers" in error["message"]
    finally:
        use_ref_scheme("jellyfin")


async def test_sign_in_keeps_the_login_encrypted(
    navidrome_app_client: TestClient[Any, Any],
) -> None:
    client = navidrome_app_client
    resp = await client.post("/api/auth/login", json={"username": "guest", "password": "guest"})
    assert resp.status == 200, await resp.text()
    user = await User.get(jellyfin_id=user_id("guest"))
    assert user.name == "guest" and not user.is_admin
    assert user.jellyfin_token and "guest" not in user.jellyfin_token
    login = json.loads(client.app[keys.SECRET_BOX].decrypt(user.jellyfin_token))
    assert login == {"u": "guest", "p": "guest"}
    wrong = await client.post("/api/auth/login", json={"username": "guest", "password": "x"})
    assert wrong.status == 401


async def test_dashboard_says_what_is_polled(navidrome_app_client: TestClient[Any, Any]) -> None:
    client = navidrome_app_client
    resp = await client.post("/api/auth/login", json={"username": "demo", "password": "demo"})
    assert resp.status == 200
    page = await (await client.get("/history")).text()
    assert "Navidrome pushes no events" in page and "every 30 s" in page
    assert "play count and last play" in page
    assert 'data-ref-scheme="navidrome"' in page
    live = await (await client.get("/api/live/status")).json()
    assert live["notice"] is None
    assert live["sockets"]["service"]["mode"] == "polling every 30 s"
    assert live["sources"]["library"] == ["admin poller"]


async def test_first_run_setup_offers_navidrome(client: TestClient[Any, Any]) -> None:
    token = await client.app[keys.AUTH].ensure_setup_token()
    assert token is not None
    resp = await client.post("/api/setup/login", json={"token": token})
    assert resp.status == 200, await resp.text()
    jellyfin = await (await client.get("/setup")).text()
    assert "Connect Jellyfin" in jellyfin and 'href="/setup?server=navidrome"' in jellyfin
    page = await (await client.get("/setup?server=navidrome")).text()
    assert "Connect Navidrome" in page and 'data-domain="navidrome"' in page
    assert 'name="poll_interval"' in page and 'href="/setup?server=jellyfin"' in page
    # Anything else falls back to Jellyfin.
    assert "Connect Jellyfin" in await (await client.get("/setup?server=plex")).text()


async def test_setup_after_navidrome_from_the_environment(
    navidrome_app_client: TestClient[Any, Any],
) -> None:
    page = await (await navidrome_app_client.get("/setup")).text()
    assert "Navidrome is already connected (from the environment)" in page
    assert "sign in with your Navidrome administrator account" in page
