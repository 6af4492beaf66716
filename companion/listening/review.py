"""The year in review's playlist: "Top of <year>", made from the year's most played tracks and
pushed to Jellyfin like any companion playlist (refreshed in place when made again)."""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Any

from companion.accounts.auth import Principal
from companion.errors import Conflict, Forbidden
from companion.history import stats
from companion.listening.models import ReviewPlaylist
from companion.media import make_ref
from companion.playlists.models import Playlist
from companion.playlists.service import PlaylistService

DEFAULT_SIZE = 50
MAX_SIZE = 200


def playlist_name(year: int) -> str:
    """The playlist's name."""
    return f"Top of {year}"


async def top_of_year(
    playlists: PlaylistService,
    principal: Principal,
    year: int,
    size: int = DEFAULT_SIZE,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """Create or refresh the user's Top of <year>; answers the playlist (with its sync state)."""
    if principal.user_id is None or principal.jellyfin_id is None:
        raise Forbidden(
            "Sign in with Jellyfin to have a history.", code="jellyfin_sign_in_required"
        )
    ids = await stats.top_track_ids(principal.jellyfin_id, year, size, zone)
    # Tracks Jellyfin no longer has cannot go in a Jellyfin playlist (unknown while it is down).
    resolved = await playlists.resolve_items(principal, ids)
    if resolved is not None:
        ids = [i for i, item in zip(ids, resolved, strict=True) if item is not None]
    if not ids:
        raise Conflict(f"You have no counted plays in {year}.", code="no_plays_in_year")
    refs = [make_ref(i) for i in ids]
    link = await ReviewPlaylist.get_or_none(user_id=principal.user_id, year=year)
    if link is not None and await Playlist.exists(
        id=link.playlist_id, owner_id=principal.user_id, deleted=False
    ):
        return await playlists.replace_items(principal, link.playlist_id, refs)
    created = await playlists.create(
        principal,
        playlist_name(year),
        refs,
        description=f"Your {len(refs)} most played tracks of {year}, made by the companion.",
    )
    if link is None:
        await ReviewPlaylist.create(user_id=principal.user_id, year=year, playlist_id=created["id"])
    else:
        link.playlist_id = created["id"]
        await link.save()
    return created
