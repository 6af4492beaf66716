"""What the companion knows of a listener's taste: recent plays, favorites, top artists and
tracks (from its own history and favorites mirror, named through the library index)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from companion.history.models import Play
from companion.library.models import Favorite, LibraryTrack

RECENT_DAYS = 28
PROFILE_DAYS = 90


@dataclass(frozen=True, slots=True)
class Taste:
    """A listener's profile, as ids (seeds) and as words (for a language model)."""

    favorite_ids: tuple[str, ...]
    recent_ids: tuple[str, ...]
    played_ids: frozenset[str]
    top_artists: tuple[str, ...]
    top_tracks: tuple[str, ...]
    favorites: tuple[str, ...]


def _label(track: LibraryTrack) -> str:
    return f"{track.artists.split(' / ')[0]} - {track.title}"


async def taste(jellyfin_user_id: str, *, now: datetime | None = None, limit: int = 20) -> Taste:
    """Seeds and words of a user's taste (empty for a new listener)."""
    now = now or datetime.now(UTC)
    favorite_ids = [
        str(i)
        for i in await Favorite.filter(user_id=jellyfin_user_id, item_type="Audio")
        .order_by("-favorited_at")
        .limit(limit)
        .values_list("item_id", flat=True)
    ]
    plays = await Play.filter(
        user_id=jellyfin_user_id, counted=True, started_at__gte=now - timedelta(days=PROFILE_DAYS)
    ).values_list("item_id", "started_at")
    recent_cut = now - timedelta(days=RECENT_DAYS)
    recent: list[str] = []
    counts: Counter[str] = Counter()
    for item_id, started_at in sorted(plays, key=lambda p: p[1], reverse=True):
        counts[str(item_id)] += 1
        if started_at >= recent_cut and item_id not in recent and len(recent) < limit:
            recent.append(str(item_id))
    played = (
        await Play.filter(user_id=jellyfin_user_id).distinct().values_list("item_id", flat=True)
    )
    wanted = {*favorite_ids, *(i for i, _ in counts.most_common(200))}
    rows = {t.item_id: t for t in await LibraryTrack.filter(item_id__in=list(wanted))}
    artist_counts: Counter[str] = Counter()
    for item_id, n in counts.items():
        if item_id in rows:
            artist_counts[rows[item_id].artists.split(" / ")[0]] += n
    return Taste(
        favorite_ids=tuple(favorite_ids),
        recent_ids=tuple(recent),
        played_ids=frozenset(str(i) for i in played),
        top_artists=tuple(a for a, _ in artist_counts.most_common(limit)),
        top_tracks=tuple(_label(rows[i]) for i, _ in counts.most_common(limit) if i in rows),
        favorites=tuple(_label(rows[i]) for i in favorite_ids if i in rows),
    )
