"""The shaping rules every engine's candidates go through."""

from __future__ import annotations

from companion.media import NamedRef, Track
from companion.vibe.shaping import Shape, shape


def _t(n: int, artist: str, title: str | None = None) -> Track:
    return Track(
        ref=f"jellyfin:{n:032x}",
        name=title or f"Song {n}",
        artists=(NamedRef(f"jellyfin:{artist * 32}", f"Artist {artist}"),),
    )


def _ids(tracks: list[Track]) -> list[int]:
    return [int(t.ref.split(":", 1)[1], 16) for t in tracks]


def test_gone_duplicates_twins_exclusions_and_the_artist_cap() -> None:
    candidates = [
        _t(1, "a"),
        None,  # Jellyfin no longer has it
        _t(1, "a"),  # same id again
        _t(2, "a", "Song 1"),  # same title by the same artist: a twin
        _t(3, "a"),
        _t(4, "b"),
        _t(5, "a"),
        _t(6, "a"),  # fourth of artist a
        _t(7, "c"),
        _t(8, "c"),
    ]
    out = shape(candidates, Shape(limit=10), exclude={f"{8:032x}"})
    assert _ids(out) == [1, 3, 4, 5, 7]


def test_seed_first_path_end_last_and_the_limit() -> None:
    seed, end = _t(100, "s"), _t(200, "e")
    candidates = [_t(i, "abcdef"[i % 6]) for i in range(1, 30)] + [_t(200, "e")]
    out = shape(
        candidates,
        Shape(limit=6, first=f"{100:032x}", last=f"{200:032x}"),
        exclude={f"{100:032x}"},  # pinned seeds are kept even when excluded
        pinned=[seed, end],
    )
    assert _ids(out) == [100, 1, 2, 3, 4, 200]
    out = shape(candidates, Shape(limit=3, first=f"{100:032x}"), pinned=[seed])
    assert _ids(out) == [100, 1, 2]
