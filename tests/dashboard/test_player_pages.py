"""Server-side: the pages a player needs render fully without JavaScript, and the small things
(pager past the end, empty states, outage banner, names instead of ids)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from tests.conftest import point_webhook_plugin
from tests.web.conftest import FakeLog, sign_in

Client = TestClient[Any, Any]


async def _page(client: Client, path: str, status: int = 200) -> str:
    resp = await client.get(path)
    text = await resp.text()
    assert resp.status == status, (path, text[:300])
    return text


async def _tracks(client: Client, n: int) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/library/tracks?limit={n}")
    items: list[dict[str, Any]] = (await resp.json())["items"]
    return items


async def test_queue_page_renders_the_servers_queue(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client)
    assert 'id="queue-empty">' in await _page(jellyfin_app_client, "/player")
    tracks = await _tracks(jellyfin_app_client, 3)
    resp = await jellyfin_app_client.put(
        "/api/player/queue", json={"refs": [t["ref"] for t in tracks], "start": 1}
    )
    assert resp.status == 200
    page = await _page(jellyfin_app_client, "/player")
    for t in tracks:
        assert f'<span class="name">{t["name"]}</span>' in page
    assert page.count('aria-current="true"') == 1
    assert 'id="stream-quality"' in page
    # The player bar is on every page, with the controls' accessible names.
    for label in ('aria-label="Previous track"', 'aria-label="Play"', 'aria-label="Next track"'):
        assert label in page


async def test_playlists_render_without_script(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client)
    tracks = await _tracks(jellyfin_app_client, 2)
    resp = await jellyfin_app_client.post(
        "/api/playlists", json={"name": "Server side", "refs": [t["ref"] for t in tracks]}
    )
    playlist = await resp.json()
    listing = await _page(jellyfin_app_client, "/playlists")
    assert f'href="/playlists/{playlist["id"]}">Server side</a>' in listing
    page = await _page(jellyfin_app_client, f"/playlists/{playlist['id']}")
    assert '<h1 id="playlist-title">Server side</h1>' in page
    assert all(t["name"] in page for t in tracks)
    assert 'data-play-source="playlist"' in page
    await _page(jellyfin_app_client, "/playlists/999999", 404)
    # Past PostgreSQL's 32-bit ids: still no such playlist, not a query error.
    await _page(jellyfin_app_client, "/playlists/99999999999", 404)


async def test_search_page_groups_by_kind(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client)
    page = await _page(jellyfin_app_client, "/search?q=BJORK")
    assert "<h2>Artists</h2>" in page and "<h2>Tracks</h2>" in page
    assert '<span class="name">Björk</span>' in page
    assert "Nothing found" in await _page(jellyfin_app_client, "/search?q=zzzzqqq")


async def test_pager_cannot_go_past_the_last_page(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client)
    resp = await jellyfin_app_client.get("/library?view=tracks&page=9999", allow_redirects=False)
    assert resp.status == 302
    last = re.search(r"page=(\d+)", resp.headers["Location"])
    assert last and int(last.group(1)) > 1
    page = await _page(jellyfin_app_client, resp.headers["Location"])
    assert f"Page {last.group(1)} of {last.group(1)}" in page
    assert 'rel="next"' not in page


async def test_empty_history_has_no_empty_table(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client)
    page = await _page(jellyfin_app_client, "/history")
    assert "No plays recorded yet" in page and "<table" not in page


async def test_outage_banner_on_every_page_while_jellyfin_fails(
    jellyfin_app_client: Client, fake_jellyfin: Any
) -> None:
    fake_log = FakeLog(fake_jellyfin.url)
    await sign_in(jellyfin_app_client)
    banner = '<div id="outage" class="outage" role="alert">'
    assert banner not in await _page(jellyfin_app_client, "/activity")
    await fake_log.faults(error_rate=1.0, status=500)
    try:
        for _ in range(2):
            await jellyfin_app_client.get("/api/library/albums?sort=random")
        (entry,) = jellyfin_app_client.app[keys.ENTRIES].entries("jellyfin")
        assert entry.state.value == "unavailable"
        for path in ("/activity", "/playlists", "/automation", "/player"):
            assert banner in await _page(jellyfin_app_client, path)
    finally:
        await fake_log.faults()


async def test_now_playing_shows_names_not_ids(
    jellyfin_app_client: Client, fake_jellyfin: Any
) -> None:
    await point_webhook_plugin(jellyfin_app_client, fake_jellyfin)
    await sign_in(jellyfin_app_client)
    tracks = await _tracks(jellyfin_app_client, 1)
    tab = {"player": "tab-12345678", "device": "browser-1234", "name": "Firefox on Linux"}
    resp = await jellyfin_app_client.put(
        "/api/player/queue", json={"refs": [tracks[0]["ref"]], **tab}
    )
    state = await resp.json()
    report = {**tab, "kind": "start", "entry": state["current"]}
    assert (await jellyfin_app_client.post("/api/player/report", json=report)).status == 204
    # The play reaches the companion back through the Webhook plugin, like any client's.
    sessions = ""
    for _ in range(600):  # up to 30 s: only to stop a hang
        page = await _page(jellyfin_app_client, "/now-playing")
        sessions = page.split('<ul class="sessions">', 1)[1].split("</ul>", 1)[0]
        if tracks[0]["name"] in sessions:
            break
        await asyncio.sleep(0.05)
    assert f'<span class="name">{tracks[0]["name"]}</span>' in sessions
    # An administrator sees whose session it is by name, never by id.
    assert "demo · " in sessions
    text = re.sub(r"<[^>]+>", " ", sessions)
    assert "jellyfin:" not in text and "user " not in text


async def test_favicon_is_served_with_the_pages(jellyfin_app_client: Client) -> None:
    page = await _page(jellyfin_app_client, "/login")
    found = re.search(r'<link rel="icon" href="(/static/favicon\.[0-9a-f]{10}\.svg)"', page)
    assert found
    resp = await jellyfin_app_client.get(found.group(1))
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/svg+xml"
