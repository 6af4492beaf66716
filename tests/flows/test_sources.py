"""The three sources against fakes that answer like the real servers: ListenBrainz's
created-for-you playlists (followed to their JSPF) and CF recommendations, Ollama's chat with a
JSON schema, AudioMuse-AI's named neighbours."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.discovery import SuggestionRequest
from companion.testing.listenbrainz import FakeListenBrainz
from companion.testing.listenbrainz.discovery import ListenBrainzDiscovery
from companion.testing.ollama_chat import BelievedSong, FakeOllamaChat
from integrations.audiomuse.client import AudioMuseClient
from integrations.audiomuse.engine import AudioMuseEngine
from integrations.audiomuse.neighbours import AudioMuseNeighbours
from integrations.listenbrainz.client import ListenBrainzClient
from integrations.listenbrainz.recommendations import ListenBrainzRecommendations, mbid_of
from integrations.ollama.client import OllamaClient
from integrations.ollama.suggest import OllamaSuggester, parse

KINDS = ("weekly-exploration", "weekly-jams")


@pytest.fixture
async def lb() -> AsyncIterator[tuple[FakeListenBrainz, ListenBrainzDiscovery]]:
    fake = FakeListenBrainz()
    discovery = ListenBrainzDiscovery(fake).install()
    fake.add_user("alice")
    await fake.start()
    yield fake, discovery
    await fake.stop()


async def test_created_for_takes_the_newest_of_each_kind_and_reads_list_identifiers(
    lb: tuple[FakeListenBrainz, ListenBrainzDiscovery],
) -> None:
    fake, discovery = lb
    a = discovery.add_recording("Sunflower", "Vulfpeck", "Thrill of the Arts", 230_000)
    b = discovery.add_recording("Dean Town", "Vulfpeck", "The Beautiful Game", 210_000)
    c = discovery.add_recording("Wait for the Moment", "Vulfpeck", "Thrill of the Arts")
    old = discovery.add_created_for("alice", "weekly-exploration", [c], days_ago=7)
    new = discovery.add_created_for("alice", "weekly-exploration", [a])
    jams = discovery.add_created_for("alice", "weekly-jams", [b])
    discovery.add_created_for("alice", "daily-jams", [c])
    discovery.add_created_for("alice", "top-discoveries-of-2025", [c], days_ago=30)
    async with ListenBrainzClient(fake.url) as client:
        source = ListenBrainzRecommendations(client)
        found = await source.created_for("alice", KINDS)

    by_kind = {p.kind: p for p in found}
    assert set(by_kind) == set(KINDS)
    assert by_kind["weekly-exploration"].id == new != old
    assert by_kind["weekly-jams"].id == jams
    (track,) = by_kind["weekly-exploration"].tracks
    assert (track.title, track.artists, track.album, track.mbid) == (
        "Sunflower",
        ("Vulfpeck",),
        "Thrill of the Arts",
        a,
    )
    assert track.duration_s == 230.0 and track.origin == "weekly-exploration"
    paths = [r["path"] for r in fake.requests]
    # The listing carries no tracks: each chosen playlist was fetched by its identifier.
    assert f"/1/playlist/{new}" in paths and f"/1/playlist/{jams}" in paths
    assert f"/1/playlist/{old}" not in paths


def test_identifiers_as_lists_or_strings() -> None:
    mbid = "863dd3b3-c525-427c-a0fb-faa7a2b3c4d5"
    assert mbid_of([f"https://musicbrainz.org/recording/{mbid}"]) == mbid
    assert mbid_of(f"https://musicbrainz.org/recording/{mbid}") == mbid
    assert mbid_of(f"https://listenbrainz.org/playlist/{mbid}/") == mbid
    assert mbid_of(["https://example.org/nothing"]) is None
    assert mbid_of(None) is None


async def test_cf_recommendations_are_named_through_the_metadata_api(
    lb: tuple[FakeListenBrainz, ListenBrainzDiscovery],
) -> None:
    fake, discovery = lb
    known = discovery.add_recording("Tadow", "Masego", "Lady Lady", 301_000)
    other = discovery.add_recording("Navajo", "Masego", "Lady Lady")
    unknown = "00000000-0000-4000-8000-000000000001"
    discovery.recommendations["alice"] = [(known, 9.3), (unknown, 8.1), (other, 7.0)]
    async with ListenBrainzClient(fake.url) as client:
        source = ListenBrainzRecommendations(client)
        tracks = await source.recommended_recordings("alice", 50)

    assert [(t.title, t.mbid) for t in tracks] == [("Tadow", known), ("Navajo", other)]
    assert tracks[0].album == "Lady Lady" and tracks[0].duration_s == 301.0
    posted = [r for r in fake.requests if r["path"] == "/1/metadata/recording/"]
    assert posted and posted[0]["method"] == "POST"


async def test_no_recommendations_yet_is_an_empty_answer_not_an_error(
    lb: tuple[FakeListenBrainz, ListenBrainzDiscovery],
) -> None:
    fake, _ = lb
    async with ListenBrainzClient(fake.url) as client:
        assert await ListenBrainzRecommendations(client).recommended_recordings("alice", 10) == []


async def test_unknown_user_and_outage_are_told_apart(
    lb: tuple[FakeListenBrainz, ListenBrainzDiscovery],
) -> None:
    fake, _ = lb
    async with ListenBrainzClient(fake.url) as client:
        source = ListenBrainzRecommendations(client)
        with pytest.raises(CredentialsRejected, match="no user named bob"):
            await source.created_for("bob", KINDS)
        fake.fail_status = 503
        with pytest.raises(ProviderUnavailable):
            await source.recommended_recordings("alice", 10)


@pytest.fixture
async def ollama() -> AsyncIterator[FakeOllamaChat]:
    fake = FakeOllamaChat(
        songs=[
            BelievedSong("Khruangbin", "White Gloves", "The Universe Smiles Upon You"),
            BelievedSong("Blocked Band", "Anything"),
            BelievedSong("Hiatus Kaiyote", "Nakamarra", "Tawk Tomahawk"),
        ]
    )
    await fake.start()
    yield fake
    await fake.stop()


def _request(**kw: Any) -> SuggestionRequest:
    base: dict[str, Any] = {
        "top_artists": ("Tom Misch",),
        "top_tracks": ("Tom Misch - Movie",),
        "favorites": ("Jordan Rakei - Mad World",),
        "seeds": ("Alfa Mist - Keep On",),
        "avoid_artists": ("Blocked Band",),
        "count": 10,
    }
    return SuggestionRequest(**(base | kw))


async def test_ollama_is_asked_for_strict_json_and_its_answer_parsed(
    ollama: FakeOllamaChat,
) -> None:
    async with OllamaClient(ollama.url) as client:
        found = await OllamaSuggester(client, "llama3.2").suggest(_request())

    assert [(t.artists, t.title) for t in found] == [
        (("Khruangbin",), "White Gloves"),
        (("Hiatus Kaiyote",), "Nakamarra"),
    ]
    assert all(t.origin == "llm" and t.item_id is None for t in found)
    (body,) = ollama.chats
    assert body["stream"] is False and body["model"] == "llama3.2"
    assert body["format"]["required"] == ["suggestions"]
    user = body["messages"][-1]["content"]
    assert "Tom Misch" in user and "Never suggest these artists: Blocked Band" in user


async def test_ollama_prose_or_a_missing_model_is_reported_not_guessed(
    ollama: FakeOllamaChat,
) -> None:
    async with OllamaClient(ollama.url) as client:
        ollama.raw_answer = "Sure! Here are some great songs: 1. Khruangbin - Maria"
        with pytest.raises(ProviderUnavailable, match="did not answer in JSON"):
            await OllamaSuggester(client, "llama3.2").suggest(_request())
        ollama.raw_answer = None
        with pytest.raises(ProviderUnavailable, match="ollama pull mistral"):
            await OllamaSuggester(client, "mistral").suggest(_request())


def test_parse_drops_malformed_entries_and_reads_fenced_json() -> None:
    content = (
        "```json\n"
        + json.dumps(
            {
                "suggestions": [
                    {"artist": "Nujabes", "title": "Aruarian Dance", "reason": "lofi roots"},
                    {"artist": "", "title": "No artist"},
                    {"title": "Missing artist"},
                    "not an object",
                    {"artist": "Nujabes", "title": 42},
                ]
            }
        )
        + "\n```"
    )
    (only,) = parse(content)
    assert (only.artists, only.title, only.why) == (("Nujabes",), "Aruarian Dance", "lofi roots")


async def test_audiomuse_neighbours_are_named(fake_audiomuse: Any, fake_jellyfin: Any) -> None:
    seed = fake_jellyfin.library.tracks[0]
    async with AudioMuseClient(fake_audiomuse.url, fake_audiomuse.api_token) as client:
        neighbours = AudioMuseNeighbours(AudioMuseEngine(client))
        found = await neighbours.similar_known(seed.id, 5)
        assert await neighbours.similar_known("f" * 32, 5) == []

    assert len(found) == 5
    song = fake_audiomuse.song(found[0].item_id)
    assert (found[0].title, found[0].artists[0]) == (song.title, song.author)
    assert seed.id not in {t.item_id for t in found}
