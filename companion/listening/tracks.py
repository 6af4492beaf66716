"""What a play is of, in scrobble terms: artist, title, album, length and MBID of a track."""

from __future__ import annotations

from collections.abc import Iterable

from companion.library.models import LibraryTrack
from companion.media import IndexTrack
from companion.providers import Providers
from companion.providers.scrobble import ScrobbleTrack

ID_BATCH = 200


def _credit(names: Iterable[str]) -> str:
    return ", ".join(n for n in names if n)


def from_index_row(row: LibraryTrack) -> ScrobbleTrack:
    """A scrobble track from the library index."""
    artists = [a for a in (row.artists or "").split(" / ") if a]
    return ScrobbleTrack(
        artist=_credit(artists) or (row.album_artist or ""),
        title=row.title,
        album=row.album or None,
        album_artist=row.album_artist or None,
        duration_s=int(row.duration_s) if row.duration_s else None,
        track_number=row.track_number,
        mbid_recording=row.mbid_recording or None,
        isrc=row.isrc or None,
    )


def from_index_track(track: IndexTrack) -> ScrobbleTrack:
    """A scrobble track from the media server's answer (a track not indexed yet)."""
    return ScrobbleTrack(
        artist=_credit(track.artists) or (track.album_artist or ""),
        title=track.title,
        album=track.album,
        album_artist=track.album_artist,
        duration_s=int(track.duration_s) if track.duration_s else None,
        track_number=track.track_number,
        mbid_recording=track.mbid_recording,
        isrc=track.isrc,
    )


async def scrobble_tracks(providers: Providers, item_ids: list[str]) -> dict[str, ScrobbleTrack]:
    """Tracks by id: from the index, else from the media server (ids it lacks are left out).

    Raises ProviderUnavailable when the media server is needed and down.
    """
    wanted = list(dict.fromkeys(item_ids))
    found = {
        row.item_id: from_index_row(row)
        for row in await LibraryTrack.filter(item_id__in=wanted)
        if row.title
    }
    missing = [i for i in wanted if i not in found]
    media = providers.media
    if missing and media is not None:
        for start in range(0, len(missing), ID_BATCH):
            for track in await media.index_items(missing[start : start + ID_BATCH]):
                found[track.item_id] = from_index_track(track)
    return {i: t for i, t in found.items() if t.artist and t.title}
