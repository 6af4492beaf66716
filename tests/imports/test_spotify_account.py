"""Signing in to Spotify with PKCE (your own app) and importing your own playlist in full."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from companion import keys
from companion.imports.models import SourceAccount
from companion.settings import Settings
from companion.testing.spotify import FakeSpotify, embed_track, web_track
from tests.playlists.conftest import ClientFactory, Companion, start_companion


@pytest.fixture
async def spotify() -> AsyncIterator[FakeSpotify]:
    fake = FakeSpotify()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def app(
    aiohttp_client: ClientFactory, settings: Settings, fake_jellyfin: Any, spotify: FakeSpotify
) -> Companion:
    env = {
        **settings.environ,
        "SPOTIFY_EMBED_URL": spotify.url,
        "SPOTIFY_CLIENT_ID": spotify.accounts.client_id,
        "SPOTIFY_ACCOUNTS_URL": spotify.url,
        "SPOTIFY_API_URL": f"{spotify.url}/v1",
    }
    companion = await start_companion(aiohttp_client, replace(settings, environ=env), fake_jellyfin)
    entries = companion.client.app[keys.ENTRIES]
    (entry,) = entries.entries("spotify")
    await entries.wait_setup(entry.entry_id)
    return companion


async def _sign_in(app: Companion) -> None:
    started = await app.call("POST", "/api/imports/accounts/spotify/connect")
    query = parse_qs(urlsplit(started["url"]).query)
    assert query["code_challenge_method"] == ["S256"] and "client_secret" not in query
    assert query["redirect_uri"][0].endswith("/api/imports/accounts/spotify/callback")
    # The user approves at Spotify, which sends the browser back with a code.
    async with (
        aiohttp.ClientSession() as http,
        http.get(started["url"], allow_redirects=False) as resp,
    ):
        assert resp.status == 302
        back = urlsplit(resp.headers["Location"])
    resp = await app.client.get(
        f"{back.path}?{back.query}", headers=app.headers, allow_redirects=False
    )
    assert resp.status == 302 and resp.headers["Location"] == "/imports?connected=spotify"


async def test_own_playlist_in_full_and_others_by_their_page(
    app: Companion, spotify: FakeSpotify, fake_jellyfin: Any
) -> None:
    lib = fake_jellyfin.library
    tracks = []
    for t in lib.tracks[:60]:
        album = lib.album_of(t)
        artist = lib.names(t.artist_ids)[0]
        tracks.append(
            web_track(
                t.name, [artist], album.name if album else "", t.runtime_ticks // 10_000, "USX"
            )
        )
    spotify.accounts.owned["3cEYpjA9oz9GiPac4AsH4n"] = {"name": "My road trip", "tracks": tracks}
    spotify.accounts.followed["37i9dQZF1DXcBWIGoYBM5M"] = {"name": "Top Hits", "tracks": tracks[:2]}
    spotify.add_playlist(
        "37i9dQZF1DXcBWIGoYBM5M",
        "Top Hits",
        [embed_track(x["name"], [x["artists"][0]["name"]], x["duration_ms"]) for x in tracks[:2]],
    )
    await app.call("GET", "/api/imports/accounts/spotify/playlists", 404)
    # Tokens that expire within a minute are refreshed before use.
    spotify.accounts.expires_in = 30
    await _sign_in(app)
    status = await app.call("GET", "/api/imports/accounts")
    assert status["items"] == [{"source": "spotify", "label": "Spotify", "connected": True}]
    row = await SourceAccount.get()
    assert row.tokens and "access_token" not in row.tokens  # stored encrypted
    listed = await app.call("GET", "/api/imports/accounts/spotify/playlists")
    assert {p["name"] for p in listed["items"]} == {"My road trip", "Top Hits"}
    assert len(spotify.accounts.tokens) == 2  # the first one was refreshed
    spotify.accounts.expires_in = 3600

    own = await app.call(
        "POST",
        "/api/imports",
        201,
        json={"url": "https://open.spotify.com/playlist/3cEYpjA9oz9GiPac4AsH4n"},
    )
    # Through the Web API: every page (past 50, `item` and `track` both read), albums, ISRCs.
    assert own["total"] == 60 and own["notice"] is None
    assert own["rows"][0]["album"] and own["rows"][0]["isrc"] == "USX"
    assert own["rows"][55]["title"] == tracks[55]["name"]
    # Not theirs: the Web API answers 403, the public page still lists it.
    other = await app.call(
        "POST",
        "/api/imports",
        201,
        json={"url": "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M"},
    )
    assert other["total"] == 2 and "no album" in other["notice"]

    # Signed out (tokens forgotten): nothing to list.
    await SourceAccount.all().update(tokens=None)
    await app.call("GET", "/api/imports/accounts/spotify/playlists", 404)
    await app.call("DELETE", "/api/imports/accounts/spotify", 204)


async def test_bad_state_and_unconfigured(app: Companion) -> None:
    await app.call("POST", "/api/imports/accounts/spotify/connect")
    resp = await app.client.get(
        "/api/imports/accounts/spotify/callback?code=x&state=forged",
        headers={**app.headers, "Accept": "application/json"},
        allow_redirects=False,
    )
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "oauth_state"
    body = await app.call("POST", "/api/imports/accounts/deezer/connect", 400)
    assert body["error"]["code"] == "import_account_unavailable"
