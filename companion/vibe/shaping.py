"""Shaping a candidate list into a queue, whatever engine produced it.

Rules, in order: drop what Jellyfin no longer has (AudioMuse's index lags the library), drop
duplicates (same id, or same title by the same artist), drop excluded ids (played in the last
hours, skipped repeatedly, already queued), cap tracks per artist, keep the seed first (and a
path's end last), cut to the limit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from companion.history.models import Play
from companion.media import Track, parse_ref

PER_ARTIST = 3
RECENT_HOURS = 6
SKIP_DAYS = 30
SKIPS_TO_EXCLUDE = 2


@dataclass(frozen=True)
class Shape:
    """How to shape one queue."""

    limit: int
    first: str | None = None
    last: str | None = None
    per_artist: int = PER_ARTIST


def _artist_key(track: Track) -> str:
    if track.artists:
        a = track.artists[0]
        return a.ref or a.name.lower()
    return ""


def _twin_key(track: Track) -> tuple[str, str]:
    return (track.name.strip().lower(), _artist_key(track))


def shape(
    candidates: Iterable[Track | None],
    rules: Shape,
    exclude: Iterable[str] = (),
    *,
    pinned: Sequence[Track] = (),
) -> list[Track]:
    """Apply the rules; `pinned` tracks (the seeds kept first/last) are never excluded."""
    by_id = {parse_ref(t.ref): t for t in pinned}
    first = by_id.get(rules.first) if rules.first else None
    last = by_id.get(rules.last) if rules.last else None
    excluded = set(exclude)
    seen_ids: set[str] = set()
    seen_twins: set[tuple[str, str]] = set()
    per_artist: Counter[str] = Counter()
    out: list[Track] = []

    def admit(track: Track) -> None:
        seen_ids.add(parse_ref(track.ref) or "")
        seen_twins.add(_twin_key(track))
        per_artist[_artist_key(track)] += 1

    for pin in (first, last):
        if pin is not None:
            admit(pin)
    room = rules.limit - (first is not None) - (last is not None)
    for track in candidates:
        if len(out) >= room:
            break
        if track is None:  # Jellyfin no longer has it, or the user cannot see it
            continue
        iid = parse_ref(track.ref)
        if iid is None or iid in seen_ids or iid in excluded:
            continue
        if _twin_key(track) in seen_twins:
            continue
        artist = _artist_key(track)
        if artist and per_artist[artist] >= rules.per_artist:
            continue
        admit(track)
        out.append(track)
    if first is not None:
        out.insert(0, first)
    if last is not None:
        out.append(last)
    return out[: rules.limit] if last is None else out


async def listening_exclusions(
    jellyfin_user_id: str,
    *,
    recent_hours: float = RECENT_HOURS,
    now: datetime | None = None,
) -> set[str]:
    """Item ids played in the last hours, or skipped repeatedly lately, by this user."""
    now = now or datetime.now(UTC)
    recent = await Play.filter(
        user_id=jellyfin_user_id, started_at__gte=now - timedelta(hours=recent_hours)
    ).values_list("item_id", flat=True)
    skipped = await Play.filter(
        user_id=jellyfin_user_id, counted=False, started_at__gte=now - timedelta(days=SKIP_DAYS)
    ).values_list("item_id", flat=True)
    skips = Counter(str(i) for i in skipped)
    return {str(i) for i in recent} | {i for i, n in skips.items() if n >= SKIPS_TO_EXCLUDE}


async def recent_plays(jellyfin_user_id: str, n: int) -> list[str]:
    """The user's last n distinct tracks, newest first (counted listens, else any)."""
    for counted_only in (True, False):
        query = Play.filter(user_id=jellyfin_user_id)
        if counted_only:
            query = query.filter(counted=True)
        rows = await query.order_by("-started_at").limit(n * 5).values_list("item_id", flat=True)
        ids = list(dict.fromkeys(str(r) for r in rows))[:n]
        if ids:
            return ids
    return []
