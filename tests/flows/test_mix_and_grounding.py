"""Choosing the week: weighted turns between sources, one song per artist, the blocklist,
sizes in tracks and gigabytes, and grounding every suggestion in the library index."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from companion.flows.candidates import Candidate, blocked_keys, mix
from companion.flows.grounding import ground
from companion.library.index_rows import to_row
from companion.library.models import LibraryTrack
from companion.media import IndexTrack


def _c(source: str, artist: str, title: str, seconds: float = 240.0) -> Candidate:
    return Candidate(source=source, title=title, artists=(artist,), duration_s=seconds)


def _mix(by_source: dict[str, list[Candidate]], weights: dict[str, float], **kw: Any) -> Any:
    options: dict[str, Any] = {
        "size_tracks": None,
        "size_gb": None,
        "one_per_artist": True,
        "blocked": set(),
        "exclude_keys": set(),
    }
    return mix(by_source, weights, **(options | kw))


def test_sources_take_turns_by_weight_and_the_rest_is_reserve() -> None:
    lb = [_c("listenbrainz", f"LB Artist {n}", f"Song {n}") for n in range(10)]
    llm = [_c("ollama", f"LLM Artist {n}", f"Tune {n}") for n in range(10)]
    week = _mix(
        {"listenbrainz": lb, "ollama": llm}, {"listenbrainz": 2, "ollama": 1}, size_tracks=9
    )
    sources = [c.source for c in week.picks]
    assert len(sources) == 9
    assert sources.count("listenbrainz") == 6 and sources.count("ollama") == 3
    assert len(week.reserve) == 10  # never fewer than 10 downloads to replace failures


def test_one_song_per_artist_the_blocklist_and_what_was_settled() -> None:
    lb = [
        _c("listenbrainz", "Radiohead", "Reckoner"),
        _c("listenbrainz", "Radiohead", "Nude"),
        _c("listenbrainz", "Nickelback", "Photograph"),
        _c("listenbrainz", "Portishead", "Roads"),
        _c("listenbrainz", "Massive Attack", "Teardrop"),
    ]
    settled = {lb[3].key}
    week = _mix(
        {"listenbrainz": lb},
        {"listenbrainz": 1},
        blocked=blocked_keys(["nickelback "]),
        exclude_keys=settled,
    )
    assert [c.title for c in week.picks] == ["Reckoner", "Teardrop"]
    relaxed = _mix({"listenbrainz": list(lb)}, {"listenbrainz": 1}, one_per_artist=False)
    assert [c.title for c in relaxed.picks][:2] == ["Reckoner", "Nude"]


def test_a_gigabyte_limit_counts_downloads_not_library_tracks() -> None:
    # 4 minutes at 320 kbit/s is about 9.6 MB: a 0.03 GB week holds three downloads.
    downloads = [_c("ollama", f"Artist {n}", f"Song {n}") for n in range(6)]
    owned = _c("ollama", "Owned Artist", "Owned")
    owned.kind, owned.item_id = "library", "a" * 32
    week = _mix({"ollama": [owned, *downloads]}, {"ollama": 1}, size_gb=0.03)
    assert [c.kind for c in week.picks] == ["library", "download", "download", "download"]


async def test_grounding_keeps_only_what_the_library_has_or_a_download_can_fetch(
    client: TestClient[Any, Any],
) -> None:
    owned = IndexTrack(
        item_id="b" * 32,
        title="Teardrop",
        artists=("Massive Attack",),
        album="Mezzanine",
        duration_s=330.0,
    )
    heard = IndexTrack(
        item_id="c" * 32, title="Angel", artists=("Massive Attack",), album="Mezzanine"
    )
    await LibraryTrack.bulk_create([to_row(owned), to_row(heard)])
    suggestions = [
        _c("ollama", "Massive Attack", "Teardrop", 331.0),
        _c("ollama", "Massive Attack", "Angel", 379.0),
        _c("ollama", "Massive Attack", "A Song They Never Recorded"),
        _c("ollama", "Tricky", "Hell Is Round the Corner"),
    ]

    grounded = await ground(suggestions, played={heard.item_id})

    by_title = {c.title: c for c in grounded}
    assert by_title["Teardrop"].kind == "library" and by_title["Teardrop"].item_id == owned.item_id
    assert "Angel" not in by_title, "already heard: not news"
    # Unmatched suggestions are wanted downloads, never library items, whatever the model says.
    for title in ("A Song They Never Recorded", "Hell Is Round the Corner"):
        assert by_title[title].kind == "download" and by_title[title].item_id is None
