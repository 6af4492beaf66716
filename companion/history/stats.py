"""Listening statistics: top tracks, artists, albums and genres over a period, listening time,
streaks, new artists, and the year in review. Undated imported plays are counted apart and
only in all-time figures (they have no date to fall in a period). Days, months, hours and
calendar years are the install's (COMPANION_TIMEZONE), not UTC's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal

from tortoise.functions import Min

from companion.history.import_models import UndatedPlays
from companion.history.import_rules import IMPORTED_SOURCES, TICKS_PER_SECOND
from companion.history.models import Play
from companion.library.models import LibraryTrack
from companion.media import make_ref

StatsPeriod = Literal["week", "month", "year", "all"]
STATS_PERIODS: tuple[StatsPeriod, ...] = ("week", "month", "year", "all")
_ROLLING = {"week": timedelta(days=7), "month": timedelta(days=30), "year": timedelta(days=365)}
UNKNOWN_ARTIST = "Unknown artist"
# Album id -> its genres, as the media server knows them (None: not available now).
GenresOf = Callable[[list[str]], Awaitable[dict[str, list[str]] | None]]


@dataclass(frozen=True)
class Window:
    """The span statistics cover: [since, until), or everything when since is None."""

    since: datetime | None
    until: datetime
    label: str

    @classmethod
    def rolling(cls, period: StatsPeriod, now: datetime | None = None) -> Window:
        """The last 7, 30 or 365 days, or all time."""
        now = now or datetime.now(UTC)
        if period == "all":
            return cls(None, now, "all")
        return cls(now - _ROLLING[period], now, period)

    @classmethod
    def year(cls, year: int, zone: tzinfo = UTC) -> Window:
        """A calendar year in a time zone."""
        return cls(
            datetime(year, 1, 1, tzinfo=zone).astimezone(UTC),
            datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC),
            str(year),
        )


@dataclass(frozen=True, slots=True)
class _Row:
    item_id: str
    started_at: datetime
    seconds: float
    imported: bool


def _artists(track: dict[str, Any] | None) -> list[str]:
    if not track or not track.get("artists"):
        return [UNKNOWN_ARTIST]
    return [a for a in str(track["artists"]).split(" / ") if a] or [UNKNOWN_ARTIST]


async def _tracks(ids: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 5000):
        for t in await LibraryTrack.filter(item_id__in=ids[start : start + 5000]).values(
            "item_id", "title", "artists", "album", "album_id", "duration_s"
        ):
            out[t["item_id"]] = t
    return out


async def _rows(user_id: str, window: Window) -> list[_Row]:
    query = Play.filter(user_id=user_id, counted=True, started_at__lt=window.until)
    if window.since is not None:
        query = query.filter(started_at__gte=window.since)
    raw = await query.values_list("item_id", "started_at", "position_ticks", "source")
    return [_Row(str(i), s, p / TICKS_PER_SECOND, src in IMPORTED_SOURCES) for i, s, p, src in raw]


def _streaks(days: set[date], today: date) -> dict[str, Any]:
    """The longest run of days with plays, and the run that reaches today (or yesterday)."""
    longest, best_end, run, prev = 0, None, 0, None
    for day in sorted(days):
        run = run + 1 if prev is not None and day - prev == timedelta(days=1) else 1
        if run > longest:
            longest, best_end = run, day
        prev = day
    current, day = 0, today if today in days else today - timedelta(days=1)
    while day in days:
        current, day = current + 1, day - timedelta(days=1)
    return {
        "current_days": current,
        "longest_days": longest,
        "longest_from": (best_end - timedelta(days=longest - 1)).isoformat() if best_end else None,
        "longest_to": best_end.isoformat() if best_end else None,
        "days_with_plays": len(days),
    }


async def _new_artists(
    user_id: str, window: Window, tracks: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Artists whose first counted play ever falls inside the window."""
    if window.since is None:
        return []
    firsts = (
        await Play.filter(user_id=user_id, counted=True)
        .group_by("item_id")
        .annotate(first=Min("started_at"))
        .values_list("item_id", "first")
    )
    missing = [str(i) for i, _ in firsts if str(i) not in tracks]
    tracks = {**tracks, **(await _tracks(missing))}
    first_of: dict[str, datetime] = {}
    for item_id, first in firsts:
        if isinstance(first, str):
            first = datetime.fromisoformat(first)
        for artist in _artists(tracks.get(str(item_id))):
            if artist != UNKNOWN_ARTIST and (artist not in first_of or first < first_of[artist]):
                first_of[artist] = first
    new = [
        {"name": a, "first_played": f.isoformat()}
        for a, f in first_of.items()
        if window.since <= f < window.until
    ]
    return sorted(new, key=lambda r: r["first_played"])


async def overview(
    user_id: str,
    window: Window,
    limit: int = 10,
    genres_of: GenresOf | None = None,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """Every statistic of a window: tops, listening time, streaks, new artists."""
    rows = await _rows(user_id, window)
    per_track = Counter(r.item_id for r in rows)
    undated: dict[str, int] = {}
    if window.since is None:
        undated = {
            str(i): int(c)
            for i, c in await UndatedPlays.filter(user_id=user_id).values_list("item_id", "count")
        }
    tracks = await _tracks(list(set(per_track) | set(undated)))
    seconds = 0.0
    estimated = 0
    for r in rows:
        if r.seconds > 0:
            seconds += r.seconds
        else:
            # A last-played date says a play happened, not for how long: count the track.
            seconds += float((tracks.get(r.item_id) or {}).get("duration_s") or 0)
            estimated += 1
    everything = per_track + Counter(undated)
    per_artist: Counter[str] = Counter()
    per_album: Counter[str] = Counter()
    album_names: dict[str, str] = {}
    for item_id, count in everything.items():
        track = tracks.get(item_id)
        for artist in _artists(track):
            per_artist[artist] += count
        if track and track.get("album_id"):
            per_album[track["album_id"]] += count
            album_names[track["album_id"]] = track.get("album") or ""
    end = min(window.until, datetime.now(UTC)).astimezone(zone)
    today = end.date()
    return {
        "period": window.label,
        "since": window.since.isoformat() if window.since else None,
        "until": window.until.isoformat(),
        "plays": len(rows),
        "imported_plays": sum(1 for r in rows if r.imported),
        "undated_plays": sum(undated.values()),
        "listening_seconds": round(seconds),
        "estimated_plays": estimated,
        "distinct_tracks": len(per_track),
        "top_tracks": [
            {
                "ref": make_ref(item_id),
                "title": (tracks.get(item_id) or {}).get("title"),
                "artists": (tracks.get(item_id) or {}).get("artists"),
                "album": (tracks.get(item_id) or {}).get("album"),
                "plays": count,
                "undated": undated.get(item_id, 0),
            }
            for item_id, count in everything.most_common(limit)
        ],
        "top_artists": [{"name": n, "plays": c} for n, c in per_artist.most_common(limit)],
        "top_albums": [
            {"ref": make_ref(a), "name": album_names.get(a) or None, "plays": c}
            for a, c in per_album.most_common(limit)
        ],
        "top_genres": await _genres(per_album, genres_of, limit),
        "streaks": _streaks({r.started_at.astimezone(zone).date() for r in rows}, today),
        "new_artists": await _new_artists(user_id, window, tracks),
    }


async def _genres(
    per_album: Counter[str], genres_of: GenresOf | None, limit: int
) -> list[dict[str, Any]] | None:
    """Plays per genre through each album's genres; None when the server cannot tell now."""
    if genres_of is None:
        return None
    albums = [a for a, _ in per_album.most_common(1000)]
    genres = await genres_of(albums) if albums else {}
    if genres is None:
        return None
    per_genre: Counter[str] = Counter()
    for album_id, count in per_album.items():
        for genre in genres.get(album_id, ()):
            per_genre[genre] += count
    return [{"name": g, "plays": c} for g, c in per_genre.most_common(limit)]


async def review(
    user_id: str,
    year: int,
    limit: int = 10,
    genres_of: GenresOf | None = None,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """The year in review: the year's overview plus plays and hours per month, hour and day."""
    window = Window.year(year, zone)
    body = await overview(user_id, window, limit, genres_of, zone)
    rows = await _rows(user_id, window)
    months = [0] * 12
    minutes = [0.0] * 12
    hours = [0] * 24
    per_day: Counter[str] = Counter()
    tracks = await _tracks(list({r.item_id for r in rows if r.seconds <= 0}))
    for r in rows:
        at = r.started_at.astimezone(zone)
        months[at.month - 1] += 1
        secs = r.seconds or float((tracks.get(r.item_id) or {}).get("duration_s") or 0)
        minutes[at.month - 1] += secs / 60
        hours[at.hour] += 1
        per_day[at.date().isoformat()] += 1
    busiest = per_day.most_common(1)
    body.update(
        {
            "year": year,
            "time_zone": str(zone),
            "months": [
                {"month": m + 1, "plays": months[m], "minutes": round(minutes[m])}
                for m in range(12)
            ],
            "hours": hours,
            "busiest_day": {"date": busiest[0][0], "plays": busiest[0][1]} if busiest else None,
            "undated_plays": await undated_total(user_id),
        }
    )
    return body


async def top_track_ids(user_id: str, year: int, limit: int, zone: tzinfo = UTC) -> list[str]:
    """The year's most played track ids (counted plays), most played first."""
    rows = await _rows(user_id, Window.year(year, zone))
    per_track = Counter(r.item_id for r in rows)
    # Ties go to the track played first, so the list is stable from one run to the next.
    first: dict[str, datetime] = {}
    for r in rows:
        if r.item_id not in first or r.started_at < first[r.item_id]:
            first[r.item_id] = r.started_at
    ranked = sorted(per_track, key=lambda i: (-per_track[i], first[i]))
    return ranked[:limit]


async def years(user_id: str, zone: tzinfo = UTC) -> list[int]:
    """Calendar years that have counted plays, newest first."""
    found: set[int] = set()
    first = await Play.filter(user_id=user_id, counted=True).order_by("started_at").first()
    last = await Play.filter(user_id=user_id, counted=True).order_by("-started_at").first()
    if first is None or last is None:
        return []
    low, high = first.started_at.astimezone(zone).year, last.started_at.astimezone(zone).year
    for year in range(low, high + 1):
        window = Window.year(year, zone)
        if await Play.exists(
            user_id=user_id,
            counted=True,
            started_at__gte=window.since,
            started_at__lt=window.until,
        ):
            found.add(year)
    return sorted(found, reverse=True)


async def undated_total(user_id: str) -> int:
    """All undated plays of a user."""
    counts: list[Any] = await UndatedPlays.filter(user_id=user_id).values_list("count", flat=True)
    return sum(int(c) for c in counts)


async def undated(user_id: str, offset: int, limit: int) -> dict[str, Any]:
    """Undated play counts per track, most first, with the index's title where known."""
    query = UndatedPlays.filter(user_id=user_id, count__gt=0)
    total = await query.count()
    rows = await query.order_by("-count", "item_id").offset(offset).limit(limit)
    tracks = await _tracks([r.item_id for r in rows])
    per_source: defaultdict[str, int] = defaultdict(int)
    for source, count in await UndatedPlays.filter(user_id=user_id).values_list("source", "count"):
        per_source[str(source)] += int(count)
    return {
        "items": [
            {
                "ref": make_ref(r.item_id),
                "title": (tracks.get(r.item_id) or {}).get("title"),
                "artists": (tracks.get(r.item_id) or {}).get("artists"),
                "undated_plays": r.count,
                "source": r.source,
                "note": "Imported play count without dates",
            }
            for r in rows
        ],
        "total": total,
        "undated_plays": dict(per_source),
        "offset": offset,
        "limit": limit,
    }
