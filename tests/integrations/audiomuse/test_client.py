"""The AudioMuse-AI client against the faithful fake, and its error mapping."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aioresponses import aioresponses

from companion.testing.audiomuse import FAKE_AUDIOMUSE_TOKEN, FakeAudioMuse
from companion.testing.jellyfin import FakeJellyfin
from integrations.audiomuse.client import AudioMuseClient
from integrations.audiomuse.exceptions import (
    AudioMuseAuthenticationError,
    AudioMuseConnectionError,
    AudioMuseIndexError,
    AudioMuseNotFoundError,
    AudioMuseResponseError,
    AudioMuseSetupRequiredError,
    AudioMuseTimeoutError,
)
from integrations.audiomuse.models import AudioMuseTask, AudioMuseTrack


def _client(fake: FakeAudioMuse, token: str | None = FAKE_AUDIOMUSE_TOKEN) -> AudioMuseClient:
    return AudioMuseClient(fake.url, token)


async def test_similar_tracks_are_library_tracks_in_walk_order(
    fake_audiomuse: FakeAudioMuse, fake_jellyfin: FakeJellyfin
) -> None:
    seed = fake_jellyfin.library.tracks[3]
    async with _client(fake_audiomuse) as client:
        rows = await client.similar_tracks(seed.id, n=12)
    assert len(rows) == 12
    assert seed.id not in [r.item_id for r in rows]
    library_ids = {t.id for t in fake_jellyfin.library.tracks}
    assert {r.item_id for r in rows} <= library_ids
    # `author` on the wire arrives as `artist`; the name is the fake Jellyfin's artist.
    first = fake_jellyfin.library.by_id[rows[0].item_id]
    assert rows[0].artist == " / ".join(fake_jellyfin.library.names(first.artist_ids))
    # Radius-walk order: not sorted by distance to the seed.
    distances = [r.distance for r in rows]
    assert distances != sorted(distances)  # type: ignore[type-var]
    # eliminate_duplicates is the per-artist cap of 3.
    per_artist: dict[str, int] = {}
    for r in rows:
        per_artist[r.artist] = per_artist.get(r.artist, 0) + 1
    assert max(per_artist.values()) <= 3


async def test_walk_never_plays_three_of_an_artist_in_a_row(
    fake_audiomuse: FakeAudioMuse, fake_jellyfin: FakeJellyfin
) -> None:
    async with _client(fake_audiomuse) as client:
        for seed in fake_jellyfin.library.tracks[:5]:
            rows = await client.similar_tracks(seed.id, n=20, eliminate_duplicates=False)
            artists = [r.artist for r in rows]
            assert not any(
                a == b == c for a, b, c in zip(artists, artists[1:], artists[2:], strict=False)
            )


async def test_unanalysed_track_is_404_and_no_index_is_503(
    fake_audiomuse: FakeAudioMuse, fake_jellyfin: FakeJellyfin
) -> None:
    seed = fake_jellyfin.library.tracks[0]
    fake_audiomuse.state.unanalysed.add(seed.id)
    fake_audiomuse.build_index()
    async with _client(fake_audiomuse) as client:
        with pytest.raises(AudioMuseNotFoundError, match="not found in index"):
            await client.similar_tracks(seed.id)
        # A hyphenated GUID is not the provider id: exact-match ids, so also 404.
        other = fake_jellyfin.library.tracks[1].id
        hyphenated = f"{other[:8]}-{other[8:12]}-{other[12:16]}-{other[16:20]}-{other[20:]}"
        with pytest.raises(AudioMuseNotFoundError):
            await client.similar_tracks(hyphenated)
        fake_audiomuse.drop_index()
        with pytest.raises(AudioMuseIndexError) as info:
            await client.similar_tracks(other)
        assert info.value.status == 503
        with pytest.raises(AudioMuseIndexError):
            await client.text_search("calm piano songs")


async def test_auth_setup_and_unreachable_are_told_apart(
    fake_audiomuse: FakeAudioMuse, unused_tcp_port: int
) -> None:
    async with _client(fake_audiomuse) as client:
        assert await client.health()
        assert (await client.config())["max_songs_per_artist"] == 3
    async with _client(fake_audiomuse, "wrong") as client:
        assert await client.health()  # open without a token
        with pytest.raises(AudioMuseAuthenticationError):
            await client.config()
    fake_audiomuse.state.setup_required = True
    async with _client(fake_audiomuse) as client:
        with pytest.raises(AudioMuseSetupRequiredError):
            await client.config()
    async with AudioMuseClient(f"http://127.0.0.1:{unused_tcp_port}", "t") as client:
        with pytest.raises(AudioMuseConnectionError):
            await client.health()


async def test_non_api_paths_redirect_to_login(fake_audiomuse: FakeAudioMuse) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{fake_audiomuse.url}/chat/api/config_defaults", allow_redirects=False
        ) as resp:
            assert resp.status == 302
            assert resp.headers["Location"] == "/login"
        async with http.get(f"{fake_audiomuse.url}/api/config") as resp:
            assert resp.status == 401
            assert await resp.json() == {"error": "Unauthorized"}
        headers = {"Authorization": f"Bearer {FAKE_AUDIOMUSE_TOKEN}"}
        async with http.get(
            f"{fake_audiomuse.url}/api/similar_tracks", params={"server": "nope"}, headers=headers
        ) as resp:
            assert resp.status == 400
            assert await resp.json() == {"error": "Invalid server selection."}


async def test_text_alchemy_and_path(
    fake_audiomuse: FakeAudioMuse, fake_jellyfin: FakeJellyfin
) -> None:
    lib = fake_jellyfin.library
    async with _client(fake_audiomuse) as client:
        calm = await client.text_search("calm piano songs", limit=20)
        assert len(calm) == 20
        genres = [lib.by_id[r.item_id].genres for r in calm[:5]]
        assert all({"Classical", "Ambient", "Jazz"} & set(g) for g in genres)
        a, b = lib.tracks[0], lib.tracks[100]
        mixed = await client.alchemy([a.id], [b.id], n=15, temperature=0)
        again = await client.alchemy([a.id], [b.id], n=15, temperature=0)
        assert [r.item_id for r in mixed] == [r.item_id for r in again]  # 0 = deterministic
        assert a.id not in {r.item_id for r in mixed} and b.id not in {r.item_id for r in mixed}
        wide = await client.alchemy([a.id], [b.id], n=15, temperature=0, subtract_distance=0.6)
        assert {r.item_id for r in wide} != {r.item_id for r in mixed}
        # Unanalysed ADD songs give an empty 200, not an error.
        assert await client.alchemy(["0" * 32]) == []
        with pytest.raises(AudioMuseResponseError) as info:
            await client.alchemy([])
        assert info.value.status == 400
        path = await client.find_path(a.id, b.id, max_steps=10)
        assert path[0].item_id == a.id and path[-1].item_id == b.id
        assert 2 <= len(path) <= 10
        with pytest.raises(AudioMuseNotFoundError, match="No path found"):
            await client.find_path(a.id, "f" * 32)


async def test_analysis_task_states_and_index_reload(
    fake_jellyfin: FakeJellyfin,
) -> None:
    # A fresh install: nothing analysed, no index yet.
    fake = FakeAudioMuse(fake_jellyfin.library, analysed=False, task_seconds=0.1)
    async with fake, _client(fake) as client:
        assert await client.last_task() is None
        assert await client.active_task() is None
        with pytest.raises(AudioMuseIndexError):
            await client.similar_tracks(fake_jellyfin.library.tracks[0].id)
        task = await client.start_analysis()
        assert task.state == "NEW" and task.task_id
        with pytest.raises(AudioMuseResponseError) as info:
            await client.start_analysis()
        assert info.value.status == 409
        for _ in range(1500):  # up to 30 s: only to stop a hang
            status = await client.task_status(task.task_id)
            if status.done:
                break
            assert status.running
            await asyncio.sleep(0.02)
        assert status.state == "SUCCESS"
        rows = await client.similar_tracks(fake_jellyfin.library.tracks[0].id, n=5)
        assert len(rows) == 5


def test_models_accept_both_vocabularies() -> None:
    row = AudioMuseTrack.from_dict(
        {"item_id": "a" * 32, "title": "T", "artist": "X", "album": "unknown"}
    )
    assert row.artist == "X" and row.album is None
    assert AudioMuseTask.from_dict({"task_id": "t", "state": "STARTED"}).state == "RUNNING"
    assert AudioMuseTask.from_dict({"task_id": "t", "state": "FAILURE"}).done
    assert AudioMuseTask.from_dict({"task_id": "t", "status": "PENDING"}).running


async def test_error_mapping() -> None:
    url = "http://audiomuse.test"
    with aioresponses() as mocked:
        mocked.get(f"{url}/api/health", exception=TimeoutError())
        mocked.get(f"{url}/api/config", status=500, payload={"error_code": 9999, "error": "x"})
        mocked.get(f"{url}/api/last_task", status=200, body="<html>")
        async with AudioMuseClient(url, "t") as client:
            with pytest.raises(AudioMuseTimeoutError):
                await client.health()
            with pytest.raises(AudioMuseResponseError) as info:
                await client.config()
            assert info.value.status == 500
            with pytest.raises(AudioMuseResponseError):
                await client.last_task()
