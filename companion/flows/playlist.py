"""The flow's Jellyfin playlists (companion playlists owned by the user, pushed to Jellyfin):
one per flow, renamed every week and filled as tracks are indexed, and "<flow> kept"."""

from __future__ import annotations

import logging
import math
from datetime import date

from companion.accounts.auth import principal_for
from companion.accounts.models import User
from companion.errors import CompanionError
from companion.flows.models import Flow, FlowRun, FlowTrack
from companion.media import make_ref
from companion.playlists.models import Playlist
from companion.playlists.service import PlaylistService

_LOGGER = logging.getLogger(__name__)

# The playlist appears once this share of the week's picks is playable (or nothing is pending).
READY_SHARE = 0.5
PENDING = ("waiting", "fetching", "placed")


def week_label(day: date) -> str:
    """ISO week of a local date, e.g. 2026-W49."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_title(label: str) -> str:
    """2026-W49 → "Week 49, 2026"."""
    year, _, week = label.partition("-W")
    return f"Week {int(week)}, {year}" if week.isdigit() else label


def playlist_name(flow: Flow, run: FlowRun) -> str:
    """ "<flow> · Week 49, 2026"."""
    return f"{flow.name} · {week_title(run.week)}"[:255]


async def playable(run: FlowRun) -> tuple[list[str], int, int]:
    """The week's playable item ids in order, how many picks, how many still pending."""
    picks = await FlowTrack.filter(run_id=run.id, role="pick").order_by("position", "id")
    items = [t.item_id for t in picks if t.state == "indexed" and t.item_id]
    pending = sum(1 for t in picks if t.state in PENDING)
    return items, len(picks), pending


def is_ready(items: int, picks: int, pending: int) -> bool:
    """Enough is playable to show the week (at least half, or everything that will come)."""
    if items == 0:
        return False
    return items >= math.ceil(READY_SHARE * picks) or pending == 0


async def _live_playlist(playlist_id: int | None) -> Playlist | None:
    if playlist_id is None:
        return None
    return await Playlist.get_or_none(id=playlist_id, deleted=False)


async def sync_week(playlists: PlaylistService, user: User, flow: Flow, run: FlowRun) -> bool:
    """Create or update the week's playlist; True when it became ready just now."""
    items, picks, pending = await playable(run)
    principal = principal_for(user)
    refs = [make_ref(i) for i in items]
    name = playlist_name(flow, run)
    current = await _live_playlist(flow.playlist_id)
    became_ready = run.ready_at is None and is_ready(len(items), picks, pending)
    try:
        if current is None:
            if not became_ready:
                return False
            created = await playlists.create(principal, name, refs)
            flow.playlist_id = int(created["id"])
            await flow.save(update_fields=["playlist_id"])
            return True
        if current.name != name:
            await playlists.update(principal, current.id, name=name)
        if list(current.item_ids) != items:
            await playlists.edit_items(principal, current.id, lambda _old: list(items))
    except CompanionError as err:
        _LOGGER.warning("Flow %s: its playlist could not be updated: %s", flow.id, err.message)
        return False
    return became_ready


async def add_kept(playlists: PlaylistService, user: User, flow: Flow, item_id: str) -> None:
    """Append a kept track to "<flow> kept" (made on the first keep)."""
    principal = principal_for(user)
    current = await _live_playlist(flow.kept_playlist_id)
    if current is None:
        created = await playlists.create(principal, f"{flow.name} kept"[:255], [])
        flow.kept_playlist_id = int(created["id"])
        await flow.save(update_fields=["kept_playlist_id"])
        current = await Playlist.get(id=flow.kept_playlist_id)
    if item_id in current.item_ids:
        return
    await playlists.edit_items(principal, current.id, lambda old: [*old, item_id])
