"""Candidates from the library index, looked up in batches by indexed keys (never per row).

A query's candidates are the tracks that share its core title, one of its artists, its
recording MBID, ISRC or file path: a handful of `IN (...)` queries for a whole playlist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from companion.imports.matching.types import Candidate, Keys, TrackQuery
from companion.library.index_rows import ARTIST_SEPARATOR
from companion.library.models import LibraryTrack
from companion.library.track_keys import path_key

# Values per IN list: well under SQLite's oldest limit of 999 bound parameters.
CHUNK = 450
# Beyond this many candidates (a prolific artist) only the closest titles are scored.
MAX_SCORED = 40
_COLUMNS = (
    "item_id",
    "title",
    "artists",
    "album",
    "duration_s",
    "isrc",
    "mbid_recording",
    "mbid_track",
    "path",
    "album_artist",
    "match_title",
    "match_artist",
    "path_hash",
)


@dataclass
class _Found:
    """Library rows by each lookup key."""

    by_title: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_artist: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_id: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    seen: set[str] = field(default_factory=set)


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(v for v in values if v))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _candidate(row: tuple[object, ...]) -> Candidate:
    artists = str(row[2] or "")
    return Candidate(
        item_id=str(row[0]),
        title=str(row[1]),
        artists=tuple(artists.split(ARTIST_SEPARATOR)) if artists else (),
        album=row[3] if isinstance(row[3], str) else None,
        duration_s=float(row[4] or 0),  # type: ignore[arg-type]
        isrc=row[5] if isinstance(row[5], str) else None,
        mbid_recording=row[6] if isinstance(row[6], str) else None,
        mbid_track=row[7] if isinstance(row[7], str) else None,
        path=row[8] if isinstance(row[8], str) else None,
        album_artist=row[9] if isinstance(row[9], str) else None,
    )


async def _fetch(found: _Found, column: str, values: Iterable[str]) -> None:
    for chunk in _chunks(values):
        rows = await LibraryTrack.filter(**{f"{column}__in": chunk}).values_list(*_COLUMNS)
        for row in rows:
            candidate = _candidate(row)
            if candidate.item_id in found.seen:
                # Filed under every key by an earlier lookup already.
                continue
            found.seen.add(candidate.item_id)
            found.by_title[str(row[10])].append(candidate)
            found.by_artist[str(row[11])].append(candidate)
            for key in (candidate.mbid_recording, candidate.mbid_track, candidate.isrc, row[12]):
                if isinstance(key, str) and key:
                    found.by_id[key.lower()].append(candidate)


async def find_candidates(
    queries: Sequence[TrackQuery], keys: Sequence[Keys]
) -> list[list[Candidate]]:
    """The library candidates of each query, from a few batched index lookups."""
    titles: set[str] = set()
    artists: set[str] = set()
    ids: dict[str, set[str]] = {"mbid_recording": set(), "isrc": set(), "path_hash": set()}
    for query, k in zip(queries, keys, strict=True):
        titles.update((k.title_key.core, k.title_key.full))
        artists.update(k.artist_keys)
        if query.mbid:
            ids["mbid_recording"].add(query.mbid.lower())
        if query.isrc:
            ids["isrc"].add(query.isrc.upper())
        hashed = path_key(query.path)
        if hashed:
            ids["path_hash"].add(hashed)
    found = _Found()
    await _fetch(found, "match_title", titles)
    await _fetch(found, "match_artist", artists)
    for column, values in ids.items():
        await _fetch(found, column, values)
    if ids["mbid_recording"]:
        # Before 10.11 (and with older taggers) a recording id may sit in MusicBrainzTrack.
        await _fetch(found, "mbid_track", ids["mbid_recording"])
    return [_for_query(found, q, k) for q, k in zip(queries, keys, strict=True)]


def _for_query(found: _Found, query: TrackQuery, k: Keys) -> list[Candidate]:
    picked: dict[str, Candidate] = {}
    strong: list[Candidate] = []
    for key in (query.mbid, query.isrc, path_key(query.path)):
        if key:
            strong.extend(found.by_id.get(key.lower(), ()))
    for key in {k.title_key.core, k.title_key.full}:
        strong.extend(found.by_title.get(key, ()))
    for candidate in strong:
        picked.setdefault(candidate.item_id, candidate)
    loose: dict[str, Candidate] = {}
    for key in k.artist_keys:
        for candidate in found.by_artist.get(key, ()):
            if candidate.item_id not in picked:
                loose.setdefault(candidate.item_id, candidate)
    if len(loose) > MAX_SCORED:
        # A prolific artist: keep the tracks whose titles come closest.
        pool = list(loose.values())
        best = process.extract(
            k.title_key.full,
            [c.title.casefold() for c in pool],
            scorer=fuzz.ratio,
            limit=MAX_SCORED,
        )
        loose = {pool[i].item_id: pool[i] for _, _, i in best}
    picked.update(loose)
    return list(picked.values())
