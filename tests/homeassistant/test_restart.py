"""After a restart Home Assistant gets the values from the overlay, not defaults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from companion import keys
from companion.accounts.models import User
from companion.app import create_app
from companion.library.models import LibraryTrack
from companion.settings import Settings
from tests.homeassistant.conftest import MqttNames, MqttProbe

USER = "4be5c1a2b3c44d5e8f9a0b1c2d3e4f50"
ITEM = "6213b704a0d954293110f4d561b0f614"


async def test_last_favorite_is_restored_from_the_overlay_at_start(
    bridge_client: TestClient[Any, Any],
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    probe: MqttProbe,
    mqtt_names: MqttNames,
) -> None:
    await LibraryTrack.create(
        item_id=ITEM, title="Airbag", artists="Radiohead", artist_ids="", search_key="airbag"
    )
    await User.create(name="Alice", jellyfin_id=USER)
    secret = await bridge_client.app[keys.LIVE].secrets.get("jellyfin")
    body = {
        "NotificationType": "UserDataSaved",
        "SaveReason": "UpdateUserRating",
        "Favorite": True,
        "ItemId": ITEM,
        "ItemType": "Audio",
        "Name": "Airbag",
        "UserId": USER,
        "UtcTimestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
    }
    resp = await bridge_client.post(
        "/webhooks/jellyfin",
        data=json.dumps(body).encode(),
        headers={secret.header: secret.secret, "Content-Type": "application/json"},
    )
    assert resp.status == 200
    topic = f"{mqtt_names.base}/user/{USER}/last_favorite"
    await probe.wait_for(lambda m: m.topic == topic and '"Airbag"' in m.payload)
    await bridge_client.close()
    availability = f"{mqtt_names.base}/availability"
    await probe.wait_for(lambda m: m.topic == availability and m.payload == "offline")
    seen = len(probe.messages)

    # The same data dir and database, a new process.
    restarted = await aiohttp_client(create_app(settings))
    (entry,) = restarted.app[keys.ENTRIES].entries("homeassistant")
    await restarted.app[keys.ENTRIES].wait_setup(entry.entry_id)
    await asyncio.wait_for(entry.runtime_data.connected.wait(), 30)
    await probe.wait_for(lambda m: m.topic == availability and m.payload == "online", count=2)
    before = len([m for m in probe.messages[:seen] if m.topic == topic])
    await probe.wait_for(lambda m: m.topic == topic, count=before + 1)
    after = [m for m in probe.messages[seen:] if m.topic == topic]
    # The first value after the restart is the favorite, never a default "none".
    assert after[0].json()["state"] == "Airbag"
    assert after[0].json()["attributes"]["ref"] == f"jellyfin:{ITEM}"
