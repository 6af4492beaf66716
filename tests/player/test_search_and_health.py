"""Search across kinds without accents or case; the Jellyfin entry's availability follows calls."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from tests.web.conftest import FakeLog

Client = TestClient[Any, Any]


async def _json(client: Client, path: str, status: int = 200) -> Any:
    resp = await client.get(path)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_bjork_finds_bjork_and_her_tracks_by_artist_name(music_client: Client) -> None:
    artists = await _json(music_client, "/api/library/artists?limit=500")
    bjork = next(a for a in artists["items"] if a["name"] == "Björk")
    tracks = await _json(music_client, f"/api/library/tracks?artist={bjork['ref']}&limit=500")
    assert tracks["total"] > 0
    for q in ("bjork", "BJÖRK", "Bjork"):
        found = await _json(music_client, f"/api/library/search?q={q}&limit=100")
        assert [a["name"] for a in found["artists"]][:1] == ["Björk"], q
        # Tracks match by their artist's name, not only their own title.
        assert {t["ref"] for t in tracks["items"]} <= {t["ref"] for t in found["tracks"]}, q
        assert all(t["type"] == "track" for t in found["tracks"])


async def test_search_joins_words_across_artist_and_title(music_client: Client) -> None:
    track = (await _json(music_client, "/api/library/tracks?limit=1&sort=name"))["items"][0]
    q = f"{track['artists'][0]['name']} {track['name'].split()[0]}"
    found = await _json(music_client, f"/api/library/search?q={q}")
    assert track["ref"] in [t["ref"] for t in found["tracks"]]


async def test_entry_turns_unavailable_after_failed_calls_and_back(
    music_client: Client, fake_log: FakeLog
) -> None:
    entries = music_client.app[keys.ENTRIES]
    (entry,) = entries.entries("jellyfin")
    stream = music_client.app[keys.BUS].stream(("integration.state",), name="test")
    try:
        await fake_log.faults(error_rate=1.0, status=500)
        for _ in range(2):
            await _json(music_client, "/api/library/albums?sort=random", 503)
        assert entry.state.value == "unavailable"
        states = [e.data["state"] for e in await asyncio.wait_for(stream.get_batch(), 30)]
        assert states == ["unavailable"]
        await fake_log.faults()
        await _json(music_client, "/api/library/albums?sort=random")
        assert entry.state.value == "loaded"
        states = [e.data["state"] for e in await asyncio.wait_for(stream.get_batch(), 30)]
        assert states == ["loaded"]
    finally:
        stream.close()
        await fake_log.faults()


async def test_the_probe_brings_the_entry_back_without_any_call(
    music_client: Client, fake_log: FakeLog
) -> None:
    entries = music_client.app[keys.ENTRIES]
    (entry,) = entries.entries("jellyfin")
    assert entry.health is not None
    entry.health._probe_first = 0.05  # type: ignore[attr-defined]
    stream = music_client.app[keys.BUS].stream(("integration.state",), name="test")
    try:
        await fake_log.faults(error_rate=1.0, status=500)
        for _ in range(2):
            await _json(music_client, "/api/library/albums?sort=random", 503)
        assert [e.data["state"] for e in await stream.get_batch()] == ["unavailable"]
        await fake_log.faults()
        batch = await asyncio.wait_for(stream.get_batch(), 30)
        assert [e.data["state"] for e in batch] == ["loaded"]
    finally:
        stream.close()
        await fake_log.faults()
