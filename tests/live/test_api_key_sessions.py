"""With only an API key: everyone's playback over the API key's own socket where Jellyfin
allows it (10.11+), and `/api/live/status` saying which events come from where."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.history.models import PlaybackState

from .test_live_end_to_end import _control, _until


async def _status(client: TestClient[Any, Any]) -> dict[str, Any]:
    # An administrator signs in (demo is a Jellyfin administrator).
    resp = await client.post("/api/auth/login", json={"username": "demo", "password": "demo"})
    assert resp.status == 200
    resp = await client.get("/api/live/status")
    assert resp.status == 200
    body: dict[str, Any] = await resp.json()
    return body


async def test_playback_over_the_api_key_socket_where_the_version_allows(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any
) -> None:
    client = jellyfin_app_client
    sockets = client.app[keys.LIVE].sockets
    status = await _status(client)
    await sockets.wait_idle(timeout=60)
    if fake_jellyfin.state.vt < (10, 11):
        # 10.10 gives an API-key socket no session: SessionsStart fails on the missing user.
        assert "service" not in status["sockets"]
        assert status["sources"]["playback"] == []
        assert "everyone's playback need" in status["notice"]
        return
    service = status["sockets"]["service"]
    assert service["kind"] == "api_key" and service["receives"] == ["playback"]
    assert status["sources"]["playback"] == ["API-key socket"]
    assert status["sources"]["scans"] == []  # only an admin user's socket or the webhook
    assert "library changes and scans need" in status["notice"]
    track = fake_jellyfin.library.tracks[4]
    guest = fake_jellyfin.user_id("guest")
    body = {"item_id": track.id, "event": "start", "device": "Kitchen"}
    await _control(fake_jellyfin, "POST", "/users/guest/playback", body)
    # No webhook is configured and guest never signed in: only the API-key socket can tell.
    await _until(lambda: PlaybackState.filter(user_id=guest, state="playing").exists())
    state = await PlaybackState.get(user_id=guest)
    assert state.item_id == track.id and state.source == "socket"
    status = await _status(client)
    assert status["seen"]["playback"]["socket"]["count"] >= 1
