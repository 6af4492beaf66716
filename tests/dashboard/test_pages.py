"""Server-side dashboard tests: every page renders for a signed-in user, sign-in redirects."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from tests.web.conftest import FakeLog, sign_in

Client = TestClient[Any, Any]

PAGES = [
    "/library",
    "/library?view=artists",
    "/library?view=tracks&sort=year&order=desc",
    "/library?view=tracks&q=a",
    "/favorites",
    "/favorites?type=album",
    "/playlists",
    "/search?q=bjork",
    "/search",
    "/vibe",
    "/player",
    "/now-playing",
    "/history",
    "/history?period=year",
    "/activity",
    "/integrations",
]


async def test_every_page_renders_for_a_signed_in_admin(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client)
    for path in PAGES:
        resp = await jellyfin_app_client.get(path)
        text = await resp.text()
        assert resp.status == 200, (path, text[:500])
        assert resp.headers["Content-Type"].startswith("text/html")
        assert '<meta name="csrf-token" content="' in text
        assert "Server-Timing" in resp.headers


async def test_pages_need_sign_in(jellyfin_app_client: Client) -> None:
    resp = await jellyfin_app_client.get("/library", allow_redirects=False)
    assert resp.status == 302
    # Jellyfin is configured from the environment: people sign in (no setup token needed).
    assert resp.headers["Location"] == "/login"
    await sign_in(jellyfin_app_client)
    resp = await jellyfin_app_client.get("/", allow_redirects=False)
    assert resp.headers["Location"] == "/library"


async def test_library_lists_real_items_and_album_page(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client)
    api = await (await jellyfin_app_client.get("/api/library/albums?limit=3")).json()
    first = api["items"][0]
    page = await (await jellyfin_app_client.get("/library?view=albums")).text()
    assert f'href="/albums/{first["ref"]}"' in page
    album = await jellyfin_app_client.get(f"/albums/{first['ref']}")
    text = await album.text()
    assert album.status == 200
    detail = await (await jellyfin_app_client.get(f"/api/library/albums/{first['ref']}")).json()
    # Every track has its row with a heart, play, queue and add-to-playlist buttons.
    for track in detail["tracks"]:
        assert f'data-heart="{track["ref"]}"' in text
        assert f'data-add-to-playlist="{track["ref"]}"' in text
    assert text.count("data-play ") + text.count("data-play>") >= len(detail["tracks"])


async def test_unknown_album_is_a_404_page(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client)
    resp = await jellyfin_app_client.get("/albums/jellyfin:" + "0" * 32)
    assert resp.status == 404
    assert "No such album" in await resp.text()
    resp = await jellyfin_app_client.get("/albums/nonsense")
    assert resp.status == 404


async def test_non_admin_cannot_see_integrations(jellyfin_app_client: Client) -> None:
    await sign_in(jellyfin_app_client, "guest")
    resp = await jellyfin_app_client.get("/integrations")
    assert resp.status == 403
    page = await (await jellyfin_app_client.get("/library")).text()
    assert 'href="/integrations"' not in page


async def test_jellyfin_down_shows_the_message_with_retry(
    jellyfin_app_client: Client, fake_jellyfin: Any
) -> None:
    await sign_in(jellyfin_app_client)
    log = FakeLog(fake_jellyfin.url)
    await log.faults(error_rate=1.0, status=500)
    resp = await jellyfin_app_client.get("/library")
    text = await resp.text()
    assert resp.status == 503
    assert "Jellyfin is slow or unreachable. Check your Jellyfin instance." in text
    assert "data-retry" in text
    # The Retry button refetches only the content.
    resp = await jellyfin_app_client.get("/library", headers={"X-Fragment": "1"})
    assert "<html" not in await resp.text()
    await log.faults()
    resp = await jellyfin_app_client.get("/library", headers={"X-Fragment": "1"})
    text = await resp.text()
    assert resp.status == 200 and "<html" not in text and 'class="grid"' in text


async def test_static_files_are_served(client: Client) -> None:
    for name in ("app.js", "app.css", "player.js", "playlists.js", "vibe.js", "setup.js"):
        resp = await client.get(f"/static/{name}")
        assert resp.status == 200, name
        # The plain name is revalidated; only fingerprinted names are cached for good.
        assert resp.headers["Cache-Control"] == "no-cache"
    page = await (await client.get("/setup")).text()
    found = re.search(r"/static/(app\.[0-9a-f]{10}\.js)", page)
    assert found
    resp = await client.get(f"/static/{found.group(1)}", headers={"Accept-Encoding": "gzip"})
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Companion" in await resp.text()
    etag = resp.headers["ETag"]
    again = await client.get(f"/static/{found.group(1)}", headers={"If-None-Match": etag})
    assert again.status == 304
    # htmx is vendored as its distributed file, with its license, under a fingerprinted name.
    assert re.search(r"/static/vendor/htmx\.min\.[0-9a-f]{10}\.js", page)
    assert (await client.get("/static/vendor/htmx.LICENSE")).status == 200
    assert (await client.get("/static/app.0000000000.js")).status == 404


async def test_fresh_install_goes_to_setup(client: Client) -> None:
    for path in ("/", "/login", "/library"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 302 and resp.headers["Location"] == "/setup", path
    page = await (await client.get("/setup")).text()
    assert 'id="setup-token"' in page
    assert "already connected" not in page
