"""Artwork Home Assistant can fetch: an image entity fed signed, expiring absolute URLs."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.automation.artwork import signed_path
from companion.settings import Settings
from companion.testing.jellyfin import FakeJellyfin
from tests.automation.conftest import wire_demo
from tests.homeassistant.conftest import MqttNames, MqttProbe

PUBLIC_URL = "https://music.example.org"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Artwork links need the address Home Assistant reaches the companion at."""
    return replace(settings, public_url=PUBLIC_URL)


def _local(url: str) -> str:
    """The path and query of an absolute URL under the public URL (the test server's own)."""
    assert url.startswith(PUBLIC_URL + "/api/artwork/jellyfin:"), url
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_cover_follows_playback_and_its_signed_url_serves_the_art(
    jellyfin_app_client: TestClient[Any, Any],
    fake_jellyfin: FakeJellyfin,
    probe: MqttProbe,
    mqtt_names: MqttNames,
) -> None:
    client = jellyfin_app_client
    (entry,) = client.app[keys.ENTRIES].entries("homeassistant")
    await client.app[keys.ENTRIES].wait_setup(entry.entry_id)
    env = await wire_demo(client, fake_jellyfin)
    track = fake_jellyfin.library.tracks[5]
    session = await env.play(track.id)
    await env.playing(session)

    user = f"{mqtt_names.base}/user/{env.user_id}"
    (cover,) = await probe.wait_for(lambda m: m.topic == f"{user}/cover")
    url = cover.json()["state"]
    now_playing = [m.json() for m in probe.on(f"{user}/now_playing")][-1]
    assert now_playing["attributes"]["image_url"] == url

    # What Home Assistant's image entity does: GET the URL, no session, no token.
    client.session.cookie_jar.clear()
    resp = await client.get(_local(url))
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"].startswith("image/")
    assert len(await resp.read()) > 0

    tampered = _local(url).replace(f"u={env.user_id}", "u=" + "0" * 32)
    resp = await client.get(tampered)
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "invalid_signature"

    box = client.app[keys.SECRET_BOX]
    old = signed_path(box, track.id, env.user_id, now=time.time() - 3 * 24 * 3600)
    resp = await client.get(old)
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "expired"

    resp = await client.get(_local(url).replace("sig=", "sig=0"))
    assert resp.status == 403
