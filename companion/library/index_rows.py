"""Rows of the light library index: search keys and the mapping to and from IndexTrack."""

from __future__ import annotations

import re
import unicodedata

from companion.library.models import LibraryTrack
from companion.library.track_keys import album_key, path_key, primary_artist_key, title_key
from companion.media import IndexTrack

ARTIST_SEPARATOR = " / "
ID_SEPARATOR = ","
# Every column but the key: what an upsert overwrites (indexed_at marks the sync that saw it).
UPDATE_FIELDS = (
    "title",
    "artists",
    "artist_ids",
    "album",
    "album_id",
    "album_artist",
    "duration_s",
    "track_number",
    "disc_number",
    "year",
    "isrc",
    "mbid_recording",
    "mbid_track",
    "date_created",
    "date_last_saved",
    "search_key",
    "match_title",
    "match_artist",
    "match_album",
    "path",
    "path_hash",
    "indexed_at",
)
_NAME_MAX = 512
_ISRC_MAX = 32
_MBID_MAX = 36
_HEX32 = re.compile(r"[0-9a-f]{32}")
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: the form search keys and queries share."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.casefold()).strip()


def search_key(track: IndexTrack) -> str:
    """The matching key of a track: its title, artists and album, normalized."""
    parts = (track.title, " ".join(track.artists), track.album or "")
    return normalize_text(" ".join(p for p in parts if p))


def normalize_item_id(value: str) -> str | None:
    """A media-server item id as 32 lowercase hex (hyphens dropped); None when it is not one."""
    compact = value.strip().lower().replace("-", "")
    return compact if _HEX32.fullmatch(compact) else None


def _clip(value: str | None, size: int) -> str | None:
    # PostgreSQL rejects an over-long varchar where SQLite would store it.
    return value[:size] if value else None


def _mbid(value: str | None) -> str | None:
    return value if value and len(value) <= _MBID_MAX else None


def to_row(track: IndexTrack) -> LibraryTrack:
    """An unsaved LibraryTrack row for bulk upserts."""
    return LibraryTrack(
        item_id=track.item_id,
        title=track.title[:_NAME_MAX],
        artists=ARTIST_SEPARATOR.join(track.artists),
        artist_ids=ID_SEPARATOR.join(track.artist_ids),
        album=_clip(track.album, _NAME_MAX),
        album_id=track.album_id,
        album_artist=_clip(track.album_artist, _NAME_MAX),
        duration_s=track.duration_s,
        track_number=track.track_number,
        disc_number=track.disc_number,
        year=track.year,
        isrc=_clip(track.isrc, _ISRC_MAX),
        mbid_recording=_mbid(track.mbid_recording),
        mbid_track=_mbid(track.mbid_track),
        date_created=track.date_created,
        date_last_saved=track.date_last_saved,
        search_key=search_key(track),
        match_title=title_key(track.title).core[:_NAME_MAX],
        match_artist=primary_artist_key(track.artists)[:_NAME_MAX],
        match_album=album_key(track.album)[:_NAME_MAX],
        path=track.path or None,
        path_hash=path_key(track.path),
    )


def from_row(row: LibraryTrack) -> IndexTrack:
    """The plain-dataclass view of a stored row."""
    return IndexTrack(
        item_id=row.item_id,
        title=row.title,
        artists=tuple(row.artists.split(ARTIST_SEPARATOR)) if row.artists else (),
        artist_ids=tuple(row.artist_ids.split(ID_SEPARATOR)) if row.artist_ids else (),
        album=row.album,
        album_id=row.album_id,
        album_artist=row.album_artist,
        duration_s=row.duration_s,
        track_number=row.track_number,
        disc_number=row.disc_number,
        year=row.year,
        isrc=row.isrc,
        mbid_recording=row.mbid_recording,
        mbid_track=row.mbid_track,
        date_created=row.date_created,
        date_last_saved=row.date_last_saved,
        path=row.path,
    )


async def backfill_match_keys(batch: int = 2000) -> int:
    """Compute matching keys of rows indexed before they existed; return how many were set.

    Rows written since carry them already; the file path of older rows comes with the next
    full sync.
    """
    done = 0
    while True:
        rows = await LibraryTrack.filter(match_title="").exclude(title="").limit(batch)
        if not rows:
            return done
        for row in rows:
            row.match_title = title_key(row.title).core[:_NAME_MAX] or "-"
            names = tuple(row.artists.split(ARTIST_SEPARATOR)) if row.artists else ()
            row.match_artist = primary_artist_key(names)[:_NAME_MAX]
            row.match_album = album_key(row.album)[:_NAME_MAX]
        await LibraryTrack.bulk_update(rows, fields=["match_title", "match_artist", "match_album"])
        done += len(rows)
