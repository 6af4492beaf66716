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
from companion.library.track_keys import path_key, words
from companion.library.transient import is_transient, transient_folders

# Values per IN list: well under SQLite's oldest limit of 999 bound parameters.
CHUNK = 450
# Two IN lists in one statement: 2 x 400 values stay under that limit too.
PAIR_CHUNK = 400
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
    # Temporary folders (a weekly flow's links): their items are never candidates.
    skip: tuple[str, ...] = ()


def _chunks(values: Iterable[str], size: int = 450) -> Iterable[list[str]]:
    items = sorted(set(v for v in values if v))
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


async def _fetch(
    found: _Found, column: str, values: Iterable[str], artists: Iterable[str] | None = None
) -> None:
    """File the rows whose column is one of values (and, given artists, whose first artist is)."""
    artist_chunks = list(_chunks(artists, PAIR_CHUNK)) if artists is not None else [None]
    for chunk in _chunks(values, PAIR_CHUNK if artists is not None else CHUNK):
        for artist_chunk in artist_chunks:
            query = LibraryTrack.filter(**{f"{column}__in": chunk})
            if artist_chunk is not None:
                query = query.filter(match_artist__in=artist_chunk)
            _file(found, await query.values_list(*_COLUMNS))


def _file(found: _Found, rows: Iterable[tuple[object, ...]]) -> None:
    for row in rows:
        candidate = _candidate(row)
        if is_transient(candidate.path, found.skip):
            continue
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
    queries: Sequence[TrackQuery], keys: Sequence[Keys], *, by_artist: bool = True
) -> list[list[Candidate]]:
    """The library candidates of each query, from a few batched index lookups.

    Without `by_artist` only identifiers and equal core titles are looked up: the cheap first
    pass that settles most rows.
    """
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
    found = _Found(skip=await transient_folders())
    if by_artist:
        await _fetch(found, "match_title", titles)
        await _fetch(found, "match_artist", artists)
    else:
        # First pass: equal core title and a credited artist as the first artist.
        await _fetch(found, "match_title", titles, artists)
    for column, values in ids.items():
        await _fetch(found, column, values)
    if ids["mbid_recording"]:
        # Before 10.11 (and with older taggers) a recording id may sit in MusicBrainzTrack.
        await _fetch(found, "mbid_track", ids["mbid_recording"])
    return [_for_query(found, q, k, by_artist) for q, k in zip(queries, keys, strict=True)]


def _for_query(found: _Found, query: TrackQuery, k: Keys, by_artist: bool) -> list[Candidate]:
    picked: dict[str, Candidate] = {}
    for key in (query.mbid, query.isrc, path_key(query.path)):
        if key:
            for candidate in found.by_id.get(key.lower(), ()):
                picked.setdefault(candidate.item_id, candidate)
    text: dict[str, Candidate] = {}
    for key in {k.title_key.core, k.title_key.full}:
        for candidate in found.by_title.get(key, ()):
            text.setdefault(candidate.item_id, candidate)
    if by_artist:
        for key in k.artist_keys:
            for candidate in found.by_artist.get(key, ()):
                text.setdefault(candidate.item_id, candidate)
    text = {i: c for i, c in text.items() if i not in picked}
    if len(text) > MAX_SCORED:
        # A common title or a prolific artist: score only the closest titles and credits.
        pool = list(text.values())
        wanted = f"{k.title_key.full} {' '.join(k.artist_keys[:3])}"
        best = process.extract(
            wanted,
            [f"{words(c.title)} {words(' '.join(c.artists))}" for c in pool],
            scorer=fuzz.token_set_ratio,
            limit=MAX_SCORED,
        )
        text = {pool[i].item_id: pool[i] for _, _, i in best}
    picked.update(text)
    return list(picked.values())
