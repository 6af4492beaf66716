"""Who plays the queue, and what they report: one tab at a time, one Jellyfin device per browser."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from companion.accounts.auth import Principal
from companion.errors import CompanionError, Conflict, InvalidInput, NotFound, ServiceUnavailable
from companion.library.music import MusicServices
from companion.library.upstream import media_of, upstream_errors
from companion.player.models import PlayerQueue
from companion.player.rows import load_queue
from companion.player.service import PlayerService
from companion.providers import Providers
from companion.providers.playback import PlaybackReport, PlaybackReportKind, PlayerDevice

_LOGGER = logging.getLogger(__name__)

TICKS_PER_SECOND = 10_000_000
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
DEFAULT_DEVICE_NAME = "Web browser"
MAX_NAME = 64
Check = Literal["ok", "gone"]


@dataclass(frozen=True, slots=True)
class PlayerClient:
    """The tab that calls (`player`), the browser it runs in (`device`) and that browser's name."""

    player: str
    device: str
    name: str

    @classmethod
    def parse(cls, player: object, device: object, name: object) -> PlayerClient:
        """Validate ids the page generated; 400 naming the field."""
        for field, value in (("player", player), ("device", device)):
            if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
                raise InvalidInput(
                    f"'{field}' must be 8 to 64 letters, digits, '-' or '_'.",
                    details={"field": field},
                )
        clean = " ".join(name.split())[:MAX_NAME] if isinstance(name, str) else ""
        return cls(str(player), str(device), clean or DEFAULT_DEVICE_NAME)

    def jellyfin_device(self, principal: Principal) -> PlayerDevice:
        """The Jellyfin device of this browser: stable, per user, and not the browser's own id."""
        seed = f"{principal.device_id or principal.user_id}:{self.device}".encode()
        return PlayerDevice(hashlib.sha256(seed).hexdigest()[:32], self.name)


class PlaybackService:
    """Claims, reports to Jellyfin, and the outage check of the player."""

    def __init__(self, player: PlayerService, music: MusicServices, providers: Providers) -> None:
        self._player = player
        self._music = music
        self._providers = providers

    async def claim(self, principal: Principal, client: PlayerClient) -> PlayerQueue:
        """Make this tab the one that plays; the tab that played before stops (and is told)."""
        async with self._player.lock(principal):
            row = await self._player.row(principal)
            if row.active_player != client.player and row.reported_item and row.play_session:
                # The other tab will not report again: close its Jellyfin play here.
                await self._stop_quietly(principal, row)
            row.active_player = client.player
            row.active_device = client.device
            row.active_name = client.name
            row.version += 1
            await row.save()
        self._player.publish(principal, row, "claim")
        return row

    async def report(
        self,
        principal: Principal,
        client: PlayerClient,
        kind: PlaybackReportKind,
        entry_id: str,
        position: float,
        paused: bool,
        *,
        failed: bool = False,
    ) -> PlayerQueue:
        """Record where the playing tab is and report it to Jellyfin as that browser's session."""
        async with self._player.lock(principal):
            row = await self._player.row(principal)
            if row.active_player not in (None, client.player):
                raise Conflict(
                    f"Playing on {row.active_name or 'another device'}.", code="not_active"
                )
            queue = load_queue(row)
            entry = queue.entry(entry_id)
            if entry is None:
                raise NotFound("No such entry in the queue.", code="entry_not_found")
            was_paused, was_item = row.paused, row.reported_item
            row.active_player, row.active_device = client.player, client.device
            row.active_name = client.name
            row.position = max(0.0, position)
            row.paused = paused or kind == "stop"
            if kind == "start":
                if was_item and row.play_session:
                    await self._stop_quietly(principal, row)
                row.play_session = secrets.token_hex(16)
                row.reported_item = entry.item_id
            elif kind == "stop":
                # A stop for a play that was never started (or already stopped) is a no-op.
                if was_item != entry.item_id:
                    await row.save()
                    return row
            elif not row.play_session or was_item != entry.item_id:
                # Progress for a play Jellyfin never heard of (a restart, a lost start): start it.
                kind = "start"
                row.play_session = secrets.token_hex(16)
                row.reported_item = entry.item_id
            report = PlaybackReport(
                item_id=entry.item_id,
                position_ticks=int(row.position * TICKS_PER_SECOND),
                play_session_id=row.play_session or secrets.token_hex(16),
                is_paused=row.paused,
                repeat=queue.repeat,
                shuffle=queue.shuffle,
                queue=[e.item_id for e in queue.entries][:100],
                failed=failed,
            )
            if kind == "stop":
                row.play_session, row.reported_item = None, None
            changed = kind != "progress" or was_paused != row.paused
            if changed:
                row.version += 1
            await row.save()
            await self._send(principal, client.jellyfin_device(principal), kind, report)
        if changed:
            self._player.publish(principal, row, kind)
        return row

    async def _send(
        self,
        principal: Principal,
        device: PlayerDevice,
        kind: PlaybackReportKind,
        report: PlaybackReport,
    ) -> None:
        reporter = self._providers.playback
        if reporter is None:
            raise ServiceUnavailable(code="jellyfin_unreachable")
        cred = await self._music.credential(principal)
        with upstream_errors():
            await reporter.report(cred, device, kind, report)

    async def _stop_quietly(self, principal: Principal, row: PlayerQueue) -> None:
        # Best effort: the new player's start matters more than the old one's stop.
        if not row.reported_item or not row.play_session or not row.active_device:
            return
        client = PlayerClient(row.active_player or "unknown", row.active_device, row.active_name)
        report = PlaybackReport(
            item_id=row.reported_item,
            position_ticks=int(row.position * TICKS_PER_SECOND),
            play_session_id=row.play_session,
        )
        try:
            await self._send(principal, client.jellyfin_device(principal), "stop", report)
        except CompanionError as err:
            _LOGGER.debug("Could not stop the previous player's play: %s", err.message)
        row.play_session, row.reported_item = None, None

    async def check(self, principal: Principal, item_id: str) -> Check:
        """Ask Jellyfin (no cache) whether it answers and still has the item: a failed stream is
        an outage (503) or a missing track ("gone"), and the player pauses or skips accordingly."""
        cred = await self._music.credential(principal)
        with upstream_errors():
            found = await media_of(self._providers).get_many(cred, [item_id])
        return "ok" if found else "gone"
