"""Filling waiting rows in: re-matching them as the library grows, and the playlist in order.

This is the wanted-rows mechanism: rows of committed imports that are not matched wait; when
the library changes (a `library.changed` event, or an index sync that finished) the rows the
change may concern are matched again, and newly matched ones are inserted into their playlist
where they belong, pushed to Jellyfin as every playlist edit is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q

from companion.accounts.auth import principal_for
from companion.accounts.models import User
from companion.errors import CompanionError
from companion.events import Event, EventBus, Unsubscribe
from companion.imports.matching import MatchResult, match_tracks
from companion.imports.models import ImportJob, ImportRow
from companion.imports.rows import (
    RESULT_FIELDS,
    WAITING_STATES,
    apply_result,
    insert_in_order,
    query_of,
)
from companion.library.models import LibraryTrack
from companion.media import make_ref
from companion.playlists.service import PlaylistService

_LOGGER = logging.getLogger(__name__)

FILLED_EVENT = "import.filled"
# Library events that may bring a waiting row's track.
LIBRARY_EVENTS = ("library.changed", "library.index_progress", "library.index_synced")
BATCH = 500


class Filler:
    """Re-matches waiting rows and inserts what arrives into the playlists, in order."""

    def __init__(self, playlists: PlaylistService, bus: EventBus) -> None:
        self._playlists = playlists
        self._bus = bus
        # Re-matches and placements by other capabilities never fill the same row twice.
        self._lock = asyncio.Lock()

    def subscribe(self) -> Unsubscribe:
        """Follow library changes and finished index syncs."""
        return self._bus.subscribe(self.on_event, LIBRARY_EVENTS, name="import-rematch")

    async def on_event(self, event: Event) -> None:
        """Bus handler: re-match the rows a library change may concern."""
        data = event.data
        if event.type == "library.changed":
            ids = [*data.get("added", ()), *data.get("updated", ())]
            if ids:
                await self.rematch(ids)
        elif event.type == "library.index_synced" or (
            event.type == "library.index_progress"
            and data.get("total") is not None
            and data.get("done", 0) >= data.get("total", 0)
        ):
            await self.rematch(None)

    async def rematch(self, item_ids: Iterable[str] | None) -> int:
        """Match waiting rows again (those the items may fill, or all); return rows filled."""
        async with self._lock:
            return await self._rematch(item_ids)

    async def place(self, found: Mapping[int, str]) -> int:
        """Rows (by row id) whose track another capability brought (a download): fill them.

        Only rows still waiting are taken; the rest (matched meanwhile, picked, skipped) keep
        their state. Returns the rows filled into playlists.
        """
        async with self._lock:
            rows = await ImportRow.filter(
                id__in=list(found), state__in=WAITING_STATES, picked=False
            )
            for row in rows:
                apply_result(row, MatchResult("matched", found[row.id], 1.0, "path"))
            if rows:
                await ImportRow.bulk_update(rows, fields=list(RESULT_FIELDS))
            filled = 0
            by_job: dict[int, list[ImportRow]] = {}
            for row in rows:
                by_job.setdefault(row.job_id, []).append(row)  # type: ignore[attr-defined]
            for job_id, new in by_job.items():
                job = await ImportJob.get(id=job_id)
                if job.state == "committed":
                    filled += await self.fill(job, new)
            return filled

    async def _rematch(self, item_ids: Iterable[str] | None) -> int:
        waiting = ImportRow.filter(job__state="committed", state__in=WAITING_STATES, picked=False)
        if item_ids is not None:
            condition = await _rows_for_items(list(item_ids))
            if condition is None:
                return 0
            waiting = waiting.filter(condition)
        filled = 0
        last_id = 0
        while True:
            rows = await waiting.filter(id__gt=last_id).order_by("id").limit(BATCH)
            if not rows:
                return filled
            last_id = rows[-1].id
            results = await match_tracks([query_of(r) for r in rows])
            changed = []
            for row, result in zip(rows, results, strict=True):
                if (result.state, result.item_id) != (row.state, row.item_id) or (
                    result.state == "ambiguous"
                ):
                    apply_result(row, result)
                    changed.append(row)
            if changed:
                await ImportRow.bulk_update(changed, fields=list(RESULT_FIELDS))
            by_job: dict[int, list[ImportRow]] = {}
            for row in changed:
                if row.state == "matched":
                    by_job.setdefault(row.job_id, []).append(row)  # type: ignore[attr-defined]
            for job_id, new in by_job.items():
                job = await ImportJob.get(id=job_id)
                filled += await self.fill(job, new)

    async def fill(self, job: ImportJob, new: list[ImportRow]) -> int:
        """Insert newly matched rows' tracks into the job's playlist where they belong."""
        if job.playlist_id is None or not new:
            return 0
        owner = await User.get_or_none(id=job.owner_id)  # type: ignore[attr-defined]
        if owner is None:
            return 0
        placed_rows = await ImportRow.filter(job_id=job.id, filled=True).values_list(
            "index", "item_id"
        )
        placed = [(int(i), str(item)) for i, item in placed_rows if item]
        additions = sorted((r.index, str(r.item_id)) for r in new if r.item_id)

        def change(items: list[str]) -> list[str]:
            return insert_in_order(items, placed, additions)

        principal = principal_for(owner)
        try:
            playlist = await self._playlists.edit_items(principal, job.playlist_id, change)
        except CompanionError as err:
            # The playlist was deleted: the rows stay matched, nothing to fill.
            _LOGGER.info("Import %s: playlist %s not filled: %s", job.id, job.playlist_id, err)
            return 0
        now = datetime.now(UTC)
        for row in new:
            row.filled, row.filled_at = True, now
        await ImportRow.bulk_update(new, fields=["filled", "filled_at"])
        waiting = await ImportRow.filter(job_id=job.id, state__in=WAITING_STATES).count()
        self._bus.publish(
            Event(FILLED_EVENT, _filled(job, playlist, new, waiting), user_id=owner.jellyfin_id)
        )
        _LOGGER.info(
            "Import %s: %d waiting track(s) arrived and joined playlist %s",
            job.id,
            len(new),
            job.playlist_id,
        )
        return len(new)


def _filled(
    job: ImportJob, playlist: dict[str, Any], new: list[ImportRow], waiting: int
) -> dict[str, Any]:
    titles = ", ".join(f"{r.title}" for r in new[:3]) + (" and more" if len(new) > 3 else "")
    return {
        "import_id": job.id,
        "playlist_id": job.playlist_id,
        "name": playlist.get("name", job.name),
        "rows": [r.index for r in new],
        "refs": [make_ref(r.item_id or "") for r in new],
        "filled": len(new),
        "waiting": waiting,
        "message": f"{len(new)} track(s) arrived in the library and joined "
        f"\u201c{playlist.get('name', job.name)}\u201d: {titles} ({waiting} still waiting)",
    }


async def _rows_for_items(item_ids: list[str]) -> Q | None:
    """A filter for the waiting rows that tracks item_ids could match (by their keys)."""
    tracks = await LibraryTrack.filter(item_id__in=item_ids[:5000]).values_list(
        "match_title", "match_artist", "mbid_recording", "mbid_track", "isrc"
    )
    titles = {str(t[0]) for t in tracks if t[0]}
    artists = {str(t[1]) for t in tracks if t[1]}
    ids = {str(v).lower() for t in tracks for v in t[2:4] if v}
    isrcs = {str(t[4]).upper() for t in tracks if t[4]}
    if not (titles or artists or ids or isrcs):
        return None
    condition = Q(key_title__in=list(titles)) | Q(key_artist__in=list(artists))
    if ids:
        condition |= Q(mbid__in=list(ids))
    if isrcs:
        condition |= Q(isrc__in=list(isrcs))
    return condition
