"""Imports by URL against the fakes of Deezer, YouTube Music and Spotify's embed page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from companion import keys
from companion.imports.models import ImportJob
from companion.settings import Settings
from companion.testing.deezer import FakeDeezer, deezer_track
from companion.testing.spotify import FakeSpotify, embed_track
from companion.testing.ytmusic import FakeYTMusic, ytmusic_track
from tests.playlists.conftest import ClientFactory, Companion, start_companion


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeDeezer, FakeSpotify]]:
    deezer, spotify = FakeDeezer(), FakeSpotify()
    await deezer.start()
    await spotify.start()
    yield deezer, spotify
    await deezer.stop()
    await spotify.stop()


@pytest.fixture
async def app_on_fakes(
    aiohttp_client: ClientFactory,
    settings: Settings,
    fake_jellyfin: Any,
    fakes: tuple[FakeDeezer, FakeSpotify],
) -> Companion:
    deezer, spotify = fakes
    env = {**settings.environ, "DEEZER_API_URL": deezer.url, "SPOTIFY_EMBED_URL": spotify.url}
    companion = await start_companion(aiohttp_client, replace(settings, environ=env), fake_jellyfin)
    entries = companion.client.app[keys.ENTRIES]
    # Deezer and Spotify are configured from the environment (the fakes); YouTube Music runs
    # with its defaults, without an entry.
    for domain in ("deezer", "spotify"):
        (entry,) = entries.entries(domain)
        await entries.wait_setup(entry.entry_id)
    return companion


def _library_songs(fake: Any, count: int) -> list[tuple[str, str, str, int]]:
    lib = fake.library
    seen: set[tuple[str, str]] = set()
    out = []
    for t in lib.tracks:
        artist = lib.names(t.artist_ids)[0]
        if (t.name, artist) in seen or "(" in t.name:
            continue
        seen.add((t.name, artist))
        album = lib.album_of(t)
        out.append((t.name, artist, album.name if album else "", t.runtime_ticks // 10_000_000))
        if len(out) == count:
            return out
    raise AssertionError("library too small")


async def test_deezer_pages_and_retries_quota(
    app_on_fakes: Companion, fakes: tuple[FakeDeezer, FakeSpotify], fake_jellyfin: Any
) -> None:
    deezer, _ = fakes
    songs = _library_songs(fake_jellyfin, 60)
    tracks = [deezer_track(t, a, al, d) for t, a, al, d in songs]
    # A version the library lacks: Deezer carries it in the title (title_version).
    tracks.append(deezer_track(songs[0][0], songs[0][1], songs[0][2], songs[0][3] + 30, "(Live)"))
    deezer.add_playlist("908622995", "Dance mix", tracks)
    # The real API limits requests; one quota error is waited out.
    deezer.quota_errors = 1
    app_on_fakes.client.app[keys.PROVIDERS].playlist_sources["deezer"]._client.quota_pause = 0.01  # type: ignore[attr-defined]
    body = await app_on_fakes.call(
        "POST",
        "/api/imports",
        201,
        json={"url": "https://www.deezer.com/fr/playlist/908622995?utm=x"},
    )
    assert body["source"] == "deezer" and body["name"] == "Dance mix" and body["total"] == 61
    assert body["notice"] and "main artist" in body["notice"]
    pages = [r for r in deezer.requests if "/tracks" in r]
    assert len(pages) >= 1 and any("index=" in r for r in pages)
    states = [r["state"] for r in body["rows"]]
    assert states.count("matched") >= 57
    assert body["rows"][-1]["state"] == "unmatched", str(body["rows"][-1])
    assert "version" in body["rows"][-1]["reason"]


async def test_deezer_private_and_removed(
    app_on_fakes: Companion, fakes: tuple[FakeDeezer, FakeSpotify]
) -> None:
    deezer, _ = fakes
    deezer.add_playlist("111", "Secret", [deezer_track("a", "b", "c", 100)], public=False)
    body = await app_on_fakes.call(
        "POST", "/api/imports", 403, json={"url": "https://www.deezer.com/playlist/111"}
    )
    assert body["error"]["code"] == "import_playlist_private"
    body = await app_on_fakes.call(
        "POST", "/api/imports", 404, json={"url": "https://www.deezer.com/playlist/222"}
    )
    assert body["error"]["code"] == "import_playlist_not_found"
    assert await ImportJob.all().count() == 0


async def test_ytmusic_public_private_missing(app_on_fakes: Companion, fake_jellyfin: Any) -> None:
    yt = FakeYTMusic()
    source = app_on_fakes.client.app[keys.PROVIDERS].playlist_sources["ytmusic"]
    source.client.factory = yt.factory  # type: ignore[attr-defined]
    songs = _library_songs(fake_jellyfin, 5)
    items = [ytmusic_track(t, [a], al, d) for t, a, al, d in songs[:4]]
    t, a, _al, d = songs[4]
    items.append(ytmusic_track(f"{t} (Official Video)", [a], None, d + 1, video=True))
    yt.add_playlist("PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf", "Morning", items)
    yt.add_playlist("PLprivateprivateprivate", "Mine", items, public=False)
    body = await app_on_fakes.call(
        "POST",
        "/api/imports",
        201,
        json={"url": "https://music.youtube.com/playlist?list=PLrAXtmErZgOeiKm4sgNOknGvNjby9efdf"},
    )
    assert [r["state"] for r in body["rows"]] == ["matched"] * 5
    assert body["notice"] and "no album" in body["notice"]
    assert yt.calls[-1][1] is None  # every track, not the first 100
    for playlist_id in ("PLprivateprivateprivate", "PLmissingmissingmissing"):
        got = await app_on_fakes.call(
            "POST",
            "/api/imports",
            404,
            json={"url": f"https://www.youtube.com/playlist?list={playlist_id}"},
        )
        assert got["error"]["code"] == "import_playlist_not_found"


async def test_spotify_embed_page(
    app_on_fakes: Companion, fakes: tuple[FakeDeezer, FakeSpotify], fake_jellyfin: Any
) -> None:
    _, spotify = fakes
    songs = _library_songs(fake_jellyfin, 3)
    spotify.add_playlist(
        "37i9dQZF1DXcBWIGoYBM5M",
        "Today's Top & Hits",
        [embed_track(t, [a, "Guest Star"], d * 1000 + 400) for t, a, _al, d in songs],
    )
    body = await app_on_fakes.call(
        "POST",
        "/api/imports",
        201,
        json={"url": "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=abc"},
    )
    assert body["name"] == "Today's Top & Hits" and body["source"] == "spotify"
    assert "no album" in body["notice"]
    assert body["rows"][0]["artists"] == [songs[0][1], "Guest Star"]
    assert [r["state"] for r in body["rows"]] == ["matched"] * 3
    got = await app_on_fakes.call(
        "POST",
        "/api/imports",
        404,
        json={"url": "https://open.spotify.com/playlist/0000000000000000000000"},
    )
    assert got["error"]["code"] == "import_playlist_not_found"
