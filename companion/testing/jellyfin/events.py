"""Fan-out of state changes to websockets (debounced) and the webhook emitter."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .dto import user_data_dto
from .library import Item, Track
from .socket import SocketHub
from .state import SCAN_TASK_ID, Playlist, Session, State, User
from .tasks import scan_task_info
from .webhook import WebhookEmitter
from .wire import fmt_date, now_utc


@dataclass(slots=True, frozen=True)
class Timing:
    """Delays that are long on a real server and short in tests."""

    user_data_debounce: float
    library_debounce: float
    item_webhook_delay: float
    scan_duration: float

    @classmethod
    def for_mode(cls, realistic: bool) -> Timing:
        """Realistic values come from the reference; fast ones keep tests quick."""
        if realistic:
            return cls(0.5, 30.0, 30.0, 5.0)
        return cls(0.05, 0.1, 0.2, 0.2)


class Events:
    """Turns state changes into socket pushes and webhook deliveries."""

    def __init__(
        self, state: State, hub: SocketHub, webhook: WebhookEmitter, timing: Timing
    ) -> None:
        self.state = state
        self.hub = hub
        self.webhook = webhook
        self.timing = timing
        self._ud_pending: dict[str, list[str]] = {}
        self._ud_timers: dict[str, asyncio.TimerHandle] = {}
        self._lib: dict[str, list[str]] = {"added": [], "removed": [], "updated": []}
        self._lib_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._scan: asyncio.Task[None] | None = None

    def _spawn(self, coro: Any) -> None:
        t = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Cancel timers and background work."""
        for h in self._ud_timers.values():
            h.cancel()
        if self._lib_timer:
            self._lib_timer.cancel()
        for t in list(self._tasks):
            t.cancel()
        if self._scan:
            self._scan.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._scan

    # -- user data --------------------------------------------------------------------------

    def user_data_saved(self, user: User, item: Item | Playlist, reason: str) -> None:
        """Record a save: webhook always, UserDataChanged (debounced) unless progress."""
        ud = self.state.data_for(user.id, item.id, create=True)
        assert ud is not None
        self.webhook.user_data_saved(user, item, ud, reason)
        if reason == "PlaybackProgress":
            return  # UserDataChangeNotifier ignores progress saves
        pend = self._ud_pending.setdefault(user.id, [])
        if item.id not in pend:
            pend.append(item.id)
        if isinstance(item, Track) and item.album_id not in pend:
            pend.append(item.album_id)  # the parent album's user data rides along
        if user.id not in self._ud_timers:
            loop = asyncio.get_running_loop()
            self._ud_timers[user.id] = loop.call_later(
                self.timing.user_data_debounce, lambda: self._spawn(self._flush_ud(user.id))
            )

    async def _flush_ud(self, user_id: str) -> None:
        self._ud_timers.pop(user_id, None)
        ids = self._ud_pending.pop(user_id, [])
        user = self.state.users.get(user_id)
        if user is None or not ids:
            return
        lib = self.state.library
        items = [i for i in (lib.get(x) for x in ids) if i is not None]
        data = {
            "UserId": user_id,
            "UserDataList": [user_data_dto(self.state, user, i) for i in items],
        }
        await self.hub.to_user(user_id, "UserDataChanged", data)

    # -- library ----------------------------------------------------------------------------

    def library_changed(
        self,
        added: Sequence[str] = (),
        removed: Sequence[str] = (),
        updated: Sequence[str] = (),
    ) -> None:
        """Accumulate a library diff; the debounce timer resets on every change."""
        self._lib["added"].extend(added)
        self._lib["removed"].extend(removed)
        self._lib["updated"].extend(updated)
        if self._lib_timer:
            self._lib_timer.cancel()
        loop = asyncio.get_running_loop()
        self._lib_timer = loop.call_later(
            self.timing.library_debounce, lambda: self._spawn(self._flush_lib())
        )

    async def _flush_lib(self) -> None:
        self._lib_timer = None
        diff, self._lib = self._lib, {"added": [], "removed": [], "updated": []}
        added = list(dict.fromkeys(diff["added"]))
        removed = list(dict.fromkeys(diff["removed"]))
        updated = [i for i in dict.fromkeys(diff["updated"]) if i not in added]
        if not (added or removed or updated):
            return  # an all-empty message is never sent
        view = self.state.library.music_view_id
        data = {
            "FoldersAddedTo": [view] if added else [],
            "FoldersRemovedFrom": [view] if removed else [],
            "ItemsAdded": added,
            "ItemsRemoved": removed,
            "ItemsUpdated": updated,
            "CollectionFolders": [view],
        }
        await self.hub.to_users("LibraryChanged", lambda _uid: data)

    def items_added(self, ids: list[str]) -> None:
        """New items: LibraryChanged plus the delayed ItemAdded webhook."""
        self.library_changed(added=ids)
        for i in ids:
            item = self.state.library.get(i)
            if item is not None:
                self.webhook.item_event("ItemAdded", item, self.timing.item_webhook_delay)

    def items_removed(self, items: list[Item]) -> None:
        """Removed items (already gone from the library): LibraryChanged + ItemDeleted."""
        self.library_changed(removed=[i.id for i in items])
        for item in items:
            self.webhook.item_event("ItemDeleted", item, self.timing.item_webhook_delay)

    def delete_track(self, track: Track) -> None:
        """Remove a track (and an emptied album); payloads are built before the removal."""
        album = self.state.library.album_of(track)
        gone: list[Item] = [track]
        if album is not None and album.track_ids == [track.id]:
            gone.append(album)
        self.items_removed(gone)
        self.state.library.remove_track(track.id)

    # -- sessions ---------------------------------------------------------------------------

    def playback(
        self,
        kind: str,
        session: Session,
        item: Item,
        position: int,
        paused: bool,
        completed: bool = False,
    ) -> None:
        """Playback start/progress/stop: Sessions push and PlaybackX webhooks."""
        self.webhook.playback(kind, session, item, position, paused, completed)
        # SessionInfoWebSocketListener forces a push for start, stop and every progress report
        # a client makes (SendData(!e.IsAutomated)): no throttle on playback.
        self._spawn(self.hub.push_sessions(forced=True))

    def sessions_changed(self, forced: bool = True) -> None:
        """A session started or ended."""
        self._spawn(self.hub.push_sessions(forced=forced))

    # -- scan -------------------------------------------------------------------------------

    def start_scan(self) -> None:
        """Queue a library scan, cancelling and restarting one already running."""
        if self._scan and not self._scan.done():
            self._scan.cancel()
        self._scan = asyncio.get_running_loop().create_task(self._run_scan())

    async def _run_scan(self) -> None:
        scan = self.state.scan
        start = now_utc()
        scan.state = "Running"
        scan.progress = 0.0
        await self.hub.push_tasks()
        steps = 4
        for n in range(steps):
            await asyncio.sleep(self.timing.scan_duration / steps)
            scan.progress = 100.0 * (n + 1) / steps
            await self.hub.to_admin_users(
                "RefreshProgress",
                {"ItemId": self.state.library.music_view_id, "Progress": f"{scan.progress:g}"},
            )
        scan.state = "Idle"
        scan.progress = None
        scan.generation += 1
        result = {
            "StartTimeUtc": fmt_date(start),
            "EndTimeUtc": fmt_date(now_utc()),
            "Status": "Completed",
            "Name": "Scan Media Library",
            "Key": "RefreshLibrary",
            "Id": SCAN_TASK_ID,
        }
        scan.last_result = result
        await self.hub.to_admin_users("ScheduledTaskEnded", result)
        await self.hub.push_tasks()
        self.webhook.task_completed(result, scan_task_info(self.state))
