"""Without AudioMuse-AI, while it is down, or before it has an index: InstantMix, or a clear 503."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from companion import keys
from companion.testing.audiomuse import FakeAudioMuse
from tests.vibe.conftest import VibeEnv


def _ids(queue: dict[str, Any]) -> list[str]:
    return [i["ref"].split(":", 1)[1] for i in queue["items"]]


async def _engine_only_modes_are_503(env: VibeEnv, needle: str) -> None:
    lib = env.jellyfin.library
    a, b = lib.tracks[0], lib.tracks[1]
    bodies = [
        {"mode": "text", "text": "calm piano songs"},
        {"mode": "alchemy", "add": [f"jellyfin:{a.id}"]},
        {"mode": "path", "from": f"jellyfin:{a.id}", "to": f"jellyfin:{b.id}"},
    ]
    for body in bodies:
        answer = await env.vibe(expect=503, **body)
        assert answer["error"]["code"] == "audiomuse_unavailable"
        message = answer["error"]["message"]
        assert "needs AudioMuse-AI" in message and needle in message, message


@pytest.mark.no_audiomuse
async def test_without_audiomuse_instantmix_serves_and_says_so(vibe_env: VibeEnv) -> None:
    lib = vibe_env.jellyfin.library
    seed = lib.tracks[7]
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=20)
    assert queue["engine"] == "instantmix"
    assert "AudioMuse-AI is not configured" in queue["notice"]
    assert "InstantMix" in queue["notice"]
    ids = _ids(queue)
    assert ids[0] == seed.id and len(ids) == 20 and len(set(ids)) == 20
    assert {i for i in ids} <= set(lib.by_id)
    # The mix came from Jellyfin's InstantMix route, as the user.
    mixes = await vibe_env.jellyfin_requests(f"/Items/{seed.id}/InstantMix")
    assert mixes and mixes[0]["query"]["userId"] == vibe_env.user_id

    by_artist = await vibe_env.vibe(mode="artist", ref=f"jellyfin:{seed.artist_ids[0]}")
    assert by_artist["engine"] == "instantmix" and by_artist["items"]
    album = await vibe_env.vibe(mode="album", ref=f"jellyfin:{seed.album_id}")
    assert album["engine"] == "instantmix" and album["items"]
    assert not set(lib.by_id[seed.album_id].track_ids) & set(_ids(album))  # type: ignore[attr-defined]
    await _engine_only_modes_are_503(vibe_env, "not configured")


async def test_audiomuse_down_falls_back(vibe_env: VibeEnv, fake_audiomuse: FakeAudioMuse) -> None:
    await fake_audiomuse.stop()
    seed = vibe_env.jellyfin.library.tracks[3]
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=10)
    assert queue["engine"] == "instantmix"
    assert "unreachable" in queue["notice"] and "InstantMix" in queue["notice"]
    assert _ids(queue)[0] == seed.id
    await _engine_only_modes_are_503(vibe_env, "unreachable")


async def test_no_index_falls_back_and_says_to_analyse(
    vibe_env: VibeEnv, fake_audiomuse: FakeAudioMuse
) -> None:
    fake_audiomuse.drop_index()
    seed = vibe_env.jellyfin.library.tracks[4]
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=10)
    assert queue["engine"] == "instantmix"
    assert "has not analysed your library" in queue["notice"]
    await _engine_only_modes_are_503(vibe_env, "analysis")
    # Once analysed, AudioMuse serves again.
    fake_audiomuse.build_index()
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=10)
    assert queue["engine"] == "audiomuse" and queue["notice"] is None


async def test_unanalysed_seed(vibe_env: VibeEnv, fake_audiomuse: FakeAudioMuse) -> None:
    lib = vibe_env.jellyfin.library
    fresh, other = lib.tracks[11], lib.tracks[12]
    fake_audiomuse.state.unanalysed.add(fresh.id)
    fake_audiomuse.build_index()
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{fresh.id}", limit=10)
    assert queue["engine"] == "instantmix" and "has not analysed" in queue["notice"]
    assert _ids(queue)[0] == fresh.id
    answer = await vibe_env.vibe(
        expect=404, mode="path", **{"from": f"jellyfin:{fresh.id}", "to": f"jellyfin:{other.id}"}
    )
    assert answer["error"]["code"] == "vibe_seed_not_analysed"
    assert "AudioMuse-AI" in answer["error"]["message"]


async def test_jellyfin_down_is_the_usual_503(vibe_env: VibeEnv) -> None:
    seed = vibe_env.jellyfin.library.tracks[5]
    async with (
        aiohttp.ClientSession() as http,
        http.put(
            f"{vibe_env.jellyfin.url}/__fake__/faults", json={"error_rate": 1.0, "status": 503}
        ) as resp,
    ):
        assert resp.status == 204
    answer = await vibe_env.vibe(expect=503, mode="similar", ref=f"jellyfin:{seed.id}")
    assert answer["error"] == {
        "code": "jellyfin_unreachable",
        "message": "Jellyfin is slow or unreachable. Check your Jellyfin instance.",
    }


@pytest.mark.audiomuse_unreachable
async def test_audiomuse_down_at_startup_is_retried_and_explained(vibe_env: VibeEnv) -> None:
    (entry,) = vibe_env.app[keys.ENTRIES].entries("audiomuse")
    assert entry.state.value == "setup_retry"
    seed = vibe_env.jellyfin.library.tracks[8]
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=10)
    assert queue["engine"] == "instantmix"
    assert queue["notice"].startswith("AudioMuse-AI is not available (Could not reach")
    await _engine_only_modes_are_503(vibe_env, "not available")
