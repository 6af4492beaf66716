"""Pages with 100 items render whole and report their server time in Server-Timing.

How long that time is belongs to `python -m bench.dashboard`, not to a test: a loaded machine
would make a threshold here fail for nothing."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from tests.web.conftest import sign_in

Client = TestClient[Any, Any]
_TIMING = re.compile(r"app;dur=([0-9.]+)")


async def _server_ms(client: Client, path: str) -> float:
    resp = await client.get(path)
    text = await resp.text()
    assert resp.status == 200, text[:300]
    match = _TIMING.search(resp.headers["Server-Timing"])
    assert match
    return float(match.group(1))


async def test_hundred_item_pages_render_whole_with_server_timing(
    jellyfin_app_client: Client,
) -> None:
    await sign_in(jellyfin_app_client)
    tracks = await (await jellyfin_app_client.get("/api/library/tracks?limit=100")).json()
    assert len(tracks["items"]) == 100
    for track in tracks["items"]:
        resp = await jellyfin_app_client.put(f"/api/favorites/{track['ref']}")
        assert resp.status == 200
    for path in (
        "/library?view=tracks&size=100",
        "/library?view=albums&size=100",
        "/favorites?type=track&size=100",
    ):
        page = await (await jellyfin_app_client.get(path)).text()
        if "tracks" in path or "favorites" in path:
            assert page.count('class="track"') == 100, path
        assert await _server_ms(jellyfin_app_client, path) > 0
