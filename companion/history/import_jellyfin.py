"""The preview of a Jellyfin history import: read the Playback Reporting plugin's rows and each
played track's user data, and stage what the import would add (nothing touches `plays` here).

UserData gives one dated play per track (LastPlayedDate) and a count (PlayCount); the count
beyond the dated plays the companion knows of becomes "undated" plays, kept apart and marked as
such. Playback Reporting rows are dated listens with their length.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from companion.history.import_models import HistoryImport, HistoryImportRow, UndatedPlays
from companion.history.import_rules import (
    JELLYFIN_SEEN_SOURCES,
    SAME_PLAY,
    SOURCE_PLAYBACK_REPORT,
    SOURCE_USERDATA,
    PlayTimes,
)
from companion.history.models import Play
from companion.library.models import LibraryTrack
from companion.media import UserCredential
from companion.providers.history import ActivityRow, PlayedItem, PlayHistorySource, PluginMissing

_LOGGER = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None]]

ACTIVITY_PAGE = 5000
PLAYED_PAGE = 500
# The plugin writes its row this long after playback started (its StartPlaybackTimer delay).
PLUGIN_RECORD_DELAY = timedelta(seconds=20)
# Time zones are whole quarter hours; a sample must land this close to one to be believed.
_ZONE_STEP = 15 * 60
_ZONE_SLACK = 120
_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_plugin_date(text: str) -> tuple[datetime, bool] | None:
    """Parse DateCreated: (naive or UTC-aware datetime, whether it carried a zone)."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    y, mo, d, h, mi, s, frac, zone = match.groups()
    micro = int((frac or "0").ljust(7, "0")[:6])
    value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro)
    if not zone:
        return value, False
    if zone == "Z":
        return value.replace(tzinfo=UTC), True
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (value - sign * offset).replace(tzinfo=UTC), True


@dataclass
class JellyfinOptions:
    """What the user chose: the plugin (auto, on, off) and how to read its dates."""

    playback_reporting: str = "auto"
    # Minutes east of UTC of the plugin's stored dates; None: detect from the user data.
    plugin_utc_offset: int | None = None


@dataclass
class _Tally:
    dated_from_plugin: int = 0
    dated_from_user_data: int = 0
    present: int = 0
    unknown_items: set[str] = field(default_factory=set)
    unknown_plays: int = 0
    tracks: set[str] = field(default_factory=set)
    undated_add: int = 0
    undated_tracks: int = 0
    plugin_rows: int = 0
    played_tracks: int = 0


class JellyfinPreview:
    """Stages one user's Jellyfin history into a job; counts what an import would add."""

    def __init__(
        self,
        source: PlayHistorySource,
        cred: UserCredential,
        job: HistoryImport,
        options: JellyfinOptions,
        progress: Progress,
    ) -> None:
        self._source = source
        self._cred = cred
        self._job = job
        self._options = options
        self._progress = progress
        self._tally = _Tally()
        self._done = 0
        self._total = 0
        self._first_page: tuple[list[PlayedItem], int] | None = None

    async def run(self) -> dict[str, Any]:
        """Read every source, stage rows, return the summary shown to the user."""
        played_total = await self._played_total()
        plugin_rows, plugin_state = await self._plugin_rows_total()
        self._total = played_total + plugin_rows
        await self._progress(0, self._total)
        offset_minutes, detected = 0, False
        if plugin_state == "installed" and plugin_rows:
            offset_minutes, detected = await self._plugin_offset()
            await self._stage_plugin_rows(timedelta(minutes=offset_minutes))
        await self._stage_user_data()
        return self._summary(plugin_state, offset_minutes, detected)

    # -- totals and the plugin's time zone ---------------------------------------------------

    async def _played_total(self) -> int:
        self._first_page = await self._source.played_page(self._cred, 0, PLAYED_PAGE)
        return self._first_page[1]

    async def _plugin_rows_total(self) -> tuple[int, str]:
        mode = self._options.playback_reporting
        if mode == "off":
            return 0, "off"
        try:
            return await self._source.activity_count(self._cred.user_id), "installed"
        except PluginMissing:
            if mode == "on":
                raise
            return 0, "missing"

    async def _plugin_offset(self) -> tuple[int, bool]:
        """Minutes east of UTC of the plugin's dates: given, or read off LastPlayedDate."""
        if self._options.plugin_utc_offset is not None:
            return self._options.plugin_utc_offset, False
        items = [p for p in (self._first_page or ([], 0))[0] if p.last_played is not None][:100]
        if not items:
            return 0, False
        latest = await self._source.activity_latest(self._cred.user_id, [p.item_id for p in items])
        votes: Counter[int] = Counter()
        for played in items:
            stored = latest.get(played.item_id)
            parsed = parse_plugin_date(stored) if stored else None
            if parsed is None or played.last_played is None:
                continue
            value, zoned = parsed
            if zoned:
                votes[0] += 1
                continue
            recorded = value - PLUGIN_RECORD_DELAY
            delta = (recorded - played.last_played.replace(tzinfo=None)).total_seconds()
            step = round(delta / _ZONE_STEP)
            if abs(delta - step * _ZONE_STEP) <= _ZONE_SLACK and abs(step) <= 14 * 4:
                votes[step * 15] += 1
        if not votes:
            return 0, False
        minutes, count = votes.most_common(1)[0]
        # A single vote is believed only when it is the only sample there is.
        return (minutes, True) if count >= min(2, sum(votes.values())) else (0, False)

    # -- Playback Reporting rows -------------------------------------------------------------

    async def _stage_plugin_rows(self, offset: timedelta) -> None:
        after = 0
        while True:
            rows = await self._source.activity_rows(self._cred.user_id, after, ACTIVITY_PAGE)
            if not rows:
                return
            after = rows[-1].row_id
            self._tally.plugin_rows += len(rows)
            await self._stage_plugin_page(rows, offset)
            self._done += len(rows)
            await self._progress(self._done, self._total)
            if len(rows) < ACTIVITY_PAGE:
                return

    def _plugin_start(self, row: ActivityRow, offset: timedelta) -> datetime | None:
        parsed = parse_plugin_date(row.date_created)
        if parsed is None:
            return None
        value, zoned = parsed
        utc = value if zoned else (value - offset).replace(tzinfo=UTC)
        return utc - PLUGIN_RECORD_DELAY

    async def _stage_plugin_page(self, rows: list[ActivityRow], offset: timedelta) -> None:
        starts = [(row, self._plugin_start(row, offset)) for row in rows]
        dated = [(row, at) for row, at in starts if at is not None]
        if not dated:
            return
        known = await _known_tracks({row.item_id for row, _ in dated})
        lo = min(at for _, at in dated) - SAME_PLAY
        hi = max(at for _, at in dated) + SAME_PLAY
        times = PlayTimes()
        times.add_many(
            await Play.filter(
                user_id=self._cred.user_id, started_at__gte=lo, started_at__lte=hi
            ).values_list("item_id", "started_at")
        )
        times.add_many(
            await HistoryImportRow.filter(
                job_id=self._job.id, kind="dated", started_at__gte=lo, started_at__lte=hi
            ).values_list("item_id", "started_at")
        )
        staged: list[HistoryImportRow] = []
        for row, at in dated:
            if row.item_id not in known:
                self._tally.unknown_items.add(row.item_id)
                self._tally.unknown_plays += 1
                continue
            if times.has_near(row.item_id, at):
                self._tally.present += 1
                continue
            times.add(row.item_id, at)
            self._tally.tracks.add(row.item_id)
            self._tally.dated_from_plugin += 1
            staged.append(
                HistoryImportRow(
                    job_id=self._job.id,
                    kind="dated",
                    origin=SOURCE_PLAYBACK_REPORT,
                    item_id=row.item_id,
                    started_at=at,
                    duration_s=max(0, row.play_duration_s),
                    client=row.client[:255],
                    device=row.device[:255],
                )
            )
        if staged:
            await HistoryImportRow.bulk_create(staged, batch_size=1000)

    # -- UserData ----------------------------------------------------------------------------

    async def _stage_user_data(self) -> None:
        start = 0
        page = self._first_page
        while True:
            if page is None:
                page = await self._source.played_page(self._cred, start, PLAYED_PAGE)
            items, total = page
            if not items:
                return
            self._tally.played_tracks += len(items)
            await self._stage_played(items)
            self._done += len(items)
            await self._progress(self._done, self._total)
            start += len(items)
            page = None
            if start >= total:
                return

    async def _stage_played(self, items: list[PlayedItem]) -> None:
        ids = [p.item_id for p in items if p.play_count > 0]
        known = await _known_tracks(set(ids))
        user = self._cred.user_id
        times = PlayTimes()
        seen: defaultdict[str, list[datetime]] = defaultdict(list)
        rows = await Play.filter(user_id=user, item_id__in=ids).values_list(
            "item_id", "started_at", "source"
        )
        for item_id, started_at, source in rows:
            times.add(item_id, started_at)
            if source in JELLYFIN_SEEN_SOURCES:
                seen[item_id].append(started_at)
        for item_id, started_at in await HistoryImportRow.filter(
            job_id=self._job.id, kind="dated", item_id__in=ids
        ).values_list("item_id", "started_at"):
            times.add(item_id, started_at)
            seen[item_id].append(started_at)
        previous = {
            u.item_id: u
            for u in await UndatedPlays.filter(user_id=user, item_id__in=ids, source="jellyfin")
        }
        staged: list[HistoryImportRow] = []
        for played in items:
            if played.play_count <= 0:
                continue
            if played.item_id not in known:
                self._tally.unknown_items.add(played.item_id)
                self._tally.unknown_plays += played.play_count
                continue
            if played.last_played is not None:
                if times.has_near(played.item_id, played.last_played):
                    self._tally.present += 1
                else:
                    times.add(played.item_id, played.last_played)
                    seen[played.item_id].append(played.last_played)
                    self._tally.tracks.add(played.item_id)
                    self._tally.dated_from_user_data += 1
                    staged.append(
                        HistoryImportRow(
                            job_id=self._job.id,
                            kind="dated",
                            origin=SOURCE_USERDATA,
                            item_id=played.item_id,
                            started_at=played.last_played,
                        )
                    )
            before = previous.get(played.item_id)
            undated = undated_count(played.play_count, seen[played.item_id], before)
            grown = undated - (before.count if before is not None else 0)
            if grown > 0:
                self._tally.undated_add += grown
                self._tally.undated_tracks += 1
                self._tally.tracks.add(played.item_id)
            staged.append(
                HistoryImportRow(
                    job_id=self._job.id,
                    kind="undated",
                    origin=SOURCE_USERDATA,
                    item_id=played.item_id,
                    count=played.play_count,
                )
            )
        if staged:
            await HistoryImportRow.bulk_create(staged, batch_size=1000)

    # -- summary -----------------------------------------------------------------------------

    def _summary(self, plugin_state: str, offset_minutes: int, detected: bool) -> dict[str, Any]:
        t = self._tally
        dated = t.dated_from_plugin + t.dated_from_user_data
        return {
            "dated": {
                "add": dated,
                "from_playback_reporting": t.dated_from_plugin,
                "from_last_played": t.dated_from_user_data,
            },
            "undated": {"add": t.undated_add, "tracks": t.undated_tracks},
            "tracks": len(t.tracks),
            "present": t.present,
            "unknown_items": len(t.unknown_items),
            "unknown_plays": t.unknown_plays,
            "read": {"playback_reporting_rows": t.plugin_rows, "played_tracks": t.played_tracks},
            "playback_reporting": {
                "state": plugin_state,
                "utc_offset_minutes": offset_minutes,
                "offset_detected": detected,
            },
            "message": preview_message(
                dated, t.undated_add, len(t.tracks), t.present, len(t.unknown_items)
            ),
        }


def undated_count(play_count: int, seen: list[datetime], before: UndatedPlays | None) -> int:
    """Plays of an item counted by the server beyond the dated plays the companion has.

    `seen` are the starts of the item's dated plays the server's count includes. Additive:
    the item's total never drops below what the previous import left; undated plays only
    shrink when dated plays from before that import now stand for them (a later listen is a
    new play, not one of the undated ones).
    """
    fresh = play_count - len(seen)
    if before is None:
        return max(0, fresh)
    earlier = sum(1 for at in seen if at <= before.updated_at)
    return max(0, fresh, before.dated_seen + before.count - earlier)


def preview_message(dated: int, undated: int, tracks: int, present: int, unknown: int) -> str:
    """The preview in one sentence."""
    text = f"Will add {dated} plays"
    if undated:
        text += f" and {undated} undated plays"
    return (
        f"{text} for {tracks} tracks; {present} already present; {unknown} items unknown "
        "(not in the library index)."
    )


async def _known_tracks(ids: set[str]) -> set[str]:
    if not ids:
        return set()
    rows = await LibraryTrack.filter(item_id__in=list(ids)).values_list("item_id", flat=True)
    return {str(r) for r in rows}
