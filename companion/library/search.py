"""One search over artists, albums and tracks: the media server's own search, widened by the
light index so that accents and case never matter and a track matches by its artists' names.

The index only finds ids; what is shown comes from the media server (through the resolver), so
an item the user cannot see, or one deleted since the index saw it, never shows up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q

from companion.library.index_rows import from_row, normalize_text
from companion.library.models import LibraryTrack
from companion.media import IndexTrack, MediaItem, parse_ref

# Index rows read per search: enough to find the artists and albums among them too.
INDEX_ROWS = 200


@dataclass(frozen=True, slots=True)
class IndexHits:
    """Ids the index matched, best first: artists, albums and tracks."""

    artists: tuple[str, ...]
    albums: tuple[str, ...]
    tracks: tuple[str, ...]


def _matches(name: str | None, words: Sequence[str]) -> bool:
    text = normalize_text(name or "")
    return bool(text) and all(w in text for w in words)


async def index_hits(q: str, limit: int) -> IndexHits:
    """Artists, albums and tracks of the index whose names hold every word of q."""
    words = normalize_text(q).split()
    if not words:
        return IndexHits((), (), ())
    rows = (
        await LibraryTrack.filter(*(Q(search_key__contains=w) for w in words))
        .order_by("title", "item_id")
        .limit(INDEX_ROWS)
    )
    tracks: list[IndexTrack] = [from_row(r) for r in rows]
    artists: dict[str, None] = {}
    albums: dict[str, None] = {}
    title_hits: list[str] = []
    other_hits: list[str] = []
    for t in tracks:
        for name, artist_id in zip(t.artists, t.artist_ids, strict=False):
            if artist_id and _matches(name, words):
                artists.setdefault(artist_id)
        if t.album_id and _matches(t.album, words):
            albums.setdefault(t.album_id)
        # Tracks named like the query first, then those found by their artist or album.
        (title_hits if _matches(t.title, words) else other_hits).append(t.item_id)
    return IndexHits(
        tuple(list(artists)[:limit]),
        tuple(list(albums)[:limit]),
        tuple((title_hits + other_hits)[:limit]),
    )


def merge(
    first: Sequence[MediaItem], extra: Sequence[MediaItem | None], limit: int
) -> tuple[MediaItem, ...]:
    """The media server's hits, then the index's (resolved) ones it missed, at most limit."""
    seen = {parse_ref(i.ref) for i in first}
    out = list(first)
    for item in extra:
        if item is None or parse_ref(item.ref) in seen:
            continue
        seen.add(parse_ref(item.ref))
        out.append(item)
    return tuple(out[:limit])
