"""Keeps the live sockets open (the install's and each signed-in user's) and reconciles."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.events import Event, EventBus, Unsubscribe
from companion.library.index import LibraryIndexService
from companion.library.models import EventCursor, Favorite
from companion.live.pipeline import LivePipeline
from companion.media import ITEM_KINDS, UserCredential, parse_ref
from companion.providers import Providers, ProviderUnavailable
from companion.providers.live import FavoriteFact, LiveHandle, LiveSource, SocketCredential

_LOGGER = logging.getLogger(__name__)

SERVICE = "service"
CURSOR_OVERLAP = timedelta(minutes=5)
_ITEM_TYPES = {"track": "Audio", "album": "MusicAlbum", "artist": "MusicArtist"}
API_KEY_NOTICE = (
    "Jellyfin is configured with an API key only. Signed-in users' favorites still arrive live "
    "over their own sockets, but library changes, scans and everyone's playback need the "
    "Jellyfin Webhook plugin (Settings → Webhooks) or an administrator login."
)


class LiveService:
    """Opens, closes and reconciles the sockets the current configuration calls for."""

    def __init__(
        self,
        providers: Providers,
        pipeline: LivePipeline,
        bus: EventBus,
        box: SecretBox,
        library_index: LibraryIndexService,
    ) -> None:
        self._providers = providers
        self._pipeline = pipeline
        self._bus = bus
        self._box = box
        self.library_index = library_index
        self._source: LiveSource | None = None
        self._handles: dict[str, LiveHandle] = {}
        self._lock = asyncio.Lock()
        self._unsubscribe: list[Unsubscribe] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._reconciled: dict[str, asyncio.Event] = {}
        self.notice: str | None = None

    async def start(self) -> None:
        """Follow integration and sign-in changes, and open what is configured now."""
        self._unsubscribe.append(
            self._bus.subscribe(self._on_event, ["integration.state", "user.signed_in"])
        )
        await self.refresh()

    async def stop(self) -> None:
        """Close every socket."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._lock:
            await self._close(list(self._handles))

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every open socket has reconciled once and background syncs are done."""
        async with asyncio.timeout(timeout):
            for key in list(self._handles):
                await self._reconciled.setdefault(key, asyncio.Event()).wait()
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def status(self) -> dict[str, object]:
        """What the sockets report (for the API and diagnostics)."""
        return {
            "notice": self.notice,
            "background": sorted(t.get_name() for t in self._tasks),
            "sockets": {
                key: {
                    "connected": h.status.connected,
                    "last_error": h.status.last_error,
                    "credential_invalid": h.status.credential_invalid,
                    "reconnects": h.status.reconnects,
                }
                for key, h in self._handles.items()
            },
        }

    async def _on_event(self, event: Event) -> None:
        if event.type == "user.signed_in" or event.data.get("domain") == "jellyfin":
            await self.refresh()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close(self, keys: list[str]) -> None:
        handles = [self._handles.pop(k) for k in keys if k in self._handles]
        for key in keys:
            self._reconciled.pop(key, None)
        await asyncio.gather(*(h.close() for h in handles), return_exceptions=True)

    async def refresh(self) -> None:
        """Make the open sockets match the configuration and the signed-in users."""
        async with self._lock:
            source = self._providers.live
            if source is not self._source:
                await self._close(list(self._handles))
                self._source = source
                if source is not None:
                    # A (re)loaded Jellyfin: catch the index up once, whatever sockets exist.
                    self._spawn(self._sync_index(), "library-index-sync")
            if source is None:
                return
            wanted: dict[str, tuple[SocketCredential, bool]] = {}
            service = source.service_credential()
            if service is not None:
                wanted[SERVICE] = (service, True)
            if service is None or not service.is_admin:
                if self.notice is None:
                    _LOGGER.warning(API_KEY_NOTICE)
                self.notice = API_KEY_NOTICE
            else:
                self.notice = None
            for user in await User.filter(is_active=True).exclude(jellyfin_token=None):
                if not user.jellyfin_id or (
                    service is not None and user.jellyfin_id == service.user_id
                ):
                    continue
                try:
                    token = self._box.decrypt(user.jellyfin_token or "")
                except ValueError:
                    continue
                cred = SocketCredential(
                    user.jellyfin_id, token, user.device_id or "", user.is_admin
                )
                wanted[user.jellyfin_id] = (cred, False)
            stale = [
                k
                for k, h in self._handles.items()
                if k not in wanted or h.status.credential_invalid
            ]
            await self._close(stale)
            for key, (cred, sessions) in wanted.items():
                if key in self._handles:
                    continue
                self._handles[key] = await source.open(
                    cred,
                    self._pipeline.submit,
                    sessions=sessions,
                    on_connect=lambda key=key, cred=cred: self.reconcile(key, cred),  # type: ignore[misc]
                )

    async def _sync_index(self) -> None:
        try:
            await self.library_index.incremental_sync()
        except ProviderUnavailable as err:
            _LOGGER.warning("Library index sync postponed: %s", err)
        except Exception:
            _LOGGER.exception("Library index sync failed")

    async def reconcile(self, key: str, cred: SocketCredential) -> None:
        """Catch up after a (re)connection so the overlay equals what Jellyfin says."""
        source = self._providers.live
        try:
            await self._reconcile(source, key, cred)
        finally:
            self._reconciled.setdefault(key, asyncio.Event()).set()

    async def _reconcile(self, source: LiveSource | None, key: str, cred: SocketCredential) -> None:
        try:
            if source is not None and (key == SERVICE or self._handles.get(SERVICE) is None):
                await self._pipeline.submit(await source.sessions())
            if key == SERVICE:
                self._spawn(self._sync_index(), "library-index-sync")
            if cred.user_id is not None:
                await self.reconcile_user(UserCredential(cred.user_id, cred.token, cred.device_id))
        except ProviderUnavailable as err:
            _LOGGER.warning("Reconcile after reconnect postponed: %s", err)

    async def reconcile_user(self, cred: UserCredential) -> int:
        """Catch one user up: what they saved since the cursor, or a full diff without one."""
        media = self._providers.media
        if media is None:
            return 0
        source = f"userdata:{cred.user_id}"
        cursor = await EventCursor.get_or_none(source=source)
        # Taken before asking, with an overlap, so a save racing the query is read again later.
        next_cursor = datetime.now(UTC) - CURSOR_OVERLAP
        if cursor is None:
            applied = await self.reconcile_favorites(cred)
        else:
            since = datetime.fromisoformat(cursor.position)
            changes = await media.user_data_since(cred, since)
            local = {
                f.item_id
                for f in await Favorite.filter(
                    user_id=cred.user_id, item_id__in=[c.item_id for c in changes]
                ).only("item_id")
            }
            now = datetime.now(UTC)
            facts = [
                FavoriteFact(cred.user_id, c.item_id, c.is_favorite, now, "reconcile", c.item_type)
                for c in changes
                if c.is_favorite != (c.item_id in local)
            ]
            if facts:
                await self._pipeline.apply(facts)
            applied = len(facts)
        await EventCursor.update_or_create(
            source=source, defaults={"position": next_cursor.isoformat()}
        )
        return applied

    async def reconcile_favorites(self, cred: UserCredential) -> int:
        """Diff the user's favorites in Jellyfin against the mirror; apply the differences."""
        media = self._providers.media
        if media is None:
            return 0
        remote: dict[str, str] = {}
        for kind in ITEM_KINDS:
            offset = 0
            while True:
                page = await media.favorites(cred, kind, offset, 500)
                for item in page.items:
                    item_id = parse_ref(item.ref)
                    if item_id:
                        remote[item_id] = _ITEM_TYPES[kind]
                offset += len(page.items)
                if not page.items or offset >= page.total:
                    break
        local = {f.item_id for f in await Favorite.filter(user_id=cred.user_id).only("item_id")}
        now = datetime.now(UTC)
        facts = [
            FavoriteFact(cred.user_id, item_id, True, now, "reconcile", remote[item_id])
            for item_id in remote.keys() - local
        ] + [
            FavoriteFact(cred.user_id, item_id, False, now, "reconcile")
            for item_id in local - remote.keys()
        ]
        if facts:
            await self._pipeline.apply(facts)
        return len(facts)
