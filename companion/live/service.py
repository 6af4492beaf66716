"""Keeps the live sockets open (the install's and each signed-in user's) and reconciles."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.events import Event, EventBus, Unsubscribe
from companion.history.models import Play, PlaybackState
from companion.library.index import LibraryIndexService
from companion.library.models import EventCursor, Favorite
from companion.live.pipeline import LivePipeline
from companion.media import PlayedItem, UserCredential
from companion.providers import Providers, ProviderUnavailable
from companion.providers.live import (
    Fact,
    FavoriteFact,
    LiveHandle,
    LiveSource,
    PlaybackFact,
    SocketCredential,
)

_LOGGER = logging.getLogger(__name__)

SERVICE = "service"
# Cursors are the companion's clock, compared with Jellyfin's: a margin for skew and races.
CURSOR_OVERLAP = timedelta(minutes=5)
# A reconcile reads played tracks newest first, a page at a time, until it reaches the
# previous reconcile; past MAX_PLAY_PAGES pages the older listens stay unrecorded.
PLAYS_PAGE = 200
MAX_PLAY_PAGES = 5
# A recorded play this close to Jellyfin's LastPlayedDate is the same listen.
SAME_LISTEN_SECONDS = 120
API_KEY_NOTICE = (
    "Jellyfin is configured with an API key only. Signed-in users' favorites still arrive live "
    "over their own sockets, but library changes, scans and everyone's playback need the "
    "Jellyfin Webhook plugin (Settings → Webhooks) or an administrator login."
)
API_KEY_SESSIONS_NOTICE = (
    "Jellyfin is configured with an API key only. Everyone's playback arrives over the API "
    "key's socket and signed-in users' favorites over their own sockets, but library changes "
    "and scans need the Jellyfin Webhook plugin (Settings → Webhooks) or an administrator login."
)
# What each kind of socket receives (reference section 8), for /api/live/status.
RECEIVES = {
    "admin": ["favorites", "playback", "library", "scans"],
    "api_key": ["playback"],
    "user": ["favorites", "library"],
}
WEBHOOK_RECEIVES = ["favorites", "playback", "library", "scans"]


class LiveService:
    """Opens, closes and reconciles the sockets the current configuration calls for."""

    def __init__(
        self,
        providers: Providers,
        pipeline: LivePipeline,
        bus: EventBus,
        box: SecretBox,
        library_index: LibraryIndexService,
        settle: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._providers = providers
        self._settle = settle
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
        self._kinds: dict[str, str] = {}
        # The credential each socket was opened with: a user who signs in again gets a new
        # token (and the old one is signed out), so their socket is reopened with it.
        self._opened_with: dict[str, SocketCredential] = {}
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
        """What the sockets report and which live events come from where."""
        sockets: dict[str, dict[str, object]] = {}
        sources: dict[str, list[str]] = {kind: [] for kind in WEBHOOK_RECEIVES}
        for key, handle in self._handles.items():
            kind = self._kinds.get(key, "user")
            sockets[key] = {
                "kind": kind,
                "connected": handle.status.connected,
                "last_error": handle.status.last_error,
                "credential_invalid": handle.status.credential_invalid,
                "reconnects": handle.status.reconnects,
                "receives": RECEIVES[kind],
            }
            channel = {"admin": "admin socket", "api_key": "API-key socket"}.get(
                kind, "socket per user"
            )
            for received in RECEIVES[kind]:
                if channel not in sources[received]:
                    sources[received].append(channel)
        seen = self._pipeline.writer.seen
        if any("webhook" in by_source for by_source in seen.values()):
            for received in WEBHOOK_RECEIVES:
                sources[received].append("webhook")
        return {
            "notice": self.notice,
            "background": sorted(t.get_name() for t in self._tasks),
            "sockets": sockets,
            # Per kind of event, the channels that deliver it now (the webhook once one came).
            "sources": sources,
            # Per kind, facts applied from each source since start: {"count", "last"}.
            "seen": seen,
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
            # With only an API key, its own socket still carries everyone's Sessions on 10.11+.
            api_key = source.api_key_credential() if service is None else None
            chosen = service or api_key
            if chosen is not None:
                wanted[SERVICE] = (chosen, True)
            self._set_notice(
                None
                if service is not None and service.is_admin
                else API_KEY_SESSIONS_NOTICE
                if api_key is not None
                else API_KEY_NOTICE
            )
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
                if k not in wanted
                or h.status.credential_invalid
                or self._opened_with.get(k) != wanted[k][0]
            ]
            await self._close(stale)
            for key, (cred, sessions) in wanted.items():
                self._kinds[key] = (
                    "user"
                    if key != SERVICE
                    else "api_key"
                    if cred.user_id is None
                    else "admin"
                    if cred.is_admin
                    else "user"
                )
                if key in self._handles:
                    continue
                self._opened_with[key] = cred
                self._handles[key] = await source.open(
                    cred,
                    self._pipeline.submit,
                    sessions=sessions,
                    on_connect=lambda key=key, cred=cred: self.reconcile(key, cred),  # type: ignore[misc]
                )

    def _set_notice(self, notice: str | None) -> None:
        if notice is not None and notice != self.notice:
            _LOGGER.warning(notice)
        self.notice = notice

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
        """Make the user's overlay equal Jellyfin's state: favorites, then missed listens.

        Jellyfin keeps no time of a user's changes (its user data has no timestamp), so this
        compares state instead of asking for changes: three calls per user.
        """
        media = self._providers.media
        if media is None:
            return 0
        # Webhook bodies acknowledged before a restart go first: applied after the compare,
        # an old body would undo what the compare found right.
        if self._settle is not None:
            await self._settle()
        applied = await self.reconcile_favorites(cred)
        return applied + await self.reconcile_plays(cred)

    async def reconcile_favorites(self, cred: UserCredential) -> int:
        """Diff the user's favorite ids in Jellyfin against the mirror; apply the differences."""
        media = self._providers.media
        if media is None:
            return 0
        # Stamped before asking: a live toggle that lands while we compare is newer and wins.
        asked_at = datetime.now(UTC)
        remote = await media.favorite_ids(cred)
        local = {f.item_id for f in await Favorite.filter(user_id=cred.user_id).only("item_id")}
        facts: list[Fact] = [
            FavoriteFact(cred.user_id, item_id, True, asked_at, "reconcile", remote[item_id])
            for item_id in remote.keys() - local
        ]
        facts += [
            FavoriteFact(cred.user_id, item_id, False, asked_at, "reconcile")
            for item_id in local - remote.keys()
        ]
        if facts:
            await self._pipeline.apply(facts)
        return len(facts)

    async def reconcile_plays(self, cred: UserCredential) -> int:
        """Record listens Jellyfin saw while the companion did not (from LastPlayedDate).

        Only listens since the previous reconcile of this user count (the first one records
        nothing: importing old play counts is the importer's job). A listen already recorded,
        or still playing, is left to the live path.
        """
        media = self._providers.media
        if media is None:
            return 0
        key = f"played:{cred.user_id}"
        row = await EventCursor.get_or_none(source=key)
        checked_at = datetime.now(UTC)
        if row is None:
            await EventCursor.create(source=key, position=checked_at.isoformat())
            return 0
        since = _parse_time(row.position) - CURSOR_OVERLAP
        played: list[PlayedItem] = []
        for page in range(MAX_PLAY_PAGES):
            batch = await media.recently_played(cred, page * PLAYS_PAGE, PLAYS_PAGE)
            played += batch
            if len(batch) < PLAYS_PAGE or batch[-1].last_played < since:
                break
        await EventCursor.update_or_create(
            source=key, defaults={"position": checked_at.isoformat()}
        )
        recent = [p for p in played if p.last_played >= since]
        if not recent:
            return 0
        window = timedelta(seconds=SAME_LISTEN_SECONDS)
        known = await Play.filter(
            user_id=cred.user_id,
            item_id__in=[p.item_id for p in recent],
            started_at__gte=since - window,
        ).values_list("item_id", "started_at")
        playing = {
            str(i)
            for i in await PlaybackState.filter(user_id=cred.user_id)
            .exclude(state="stopped")
            .values_list("item_id", flat=True)
        }
        facts: list[Fact] = []
        for item in recent:
            if item.item_id in playing or any(
                i == item.item_id and abs(_aware(at) - item.last_played) <= window
                for i, at in known
            ):
                continue
            facts.append(
                PlaybackFact(
                    user_id=cred.user_id,
                    session_id="reconcile",
                    item_id=item.item_id,
                    event="stop",
                    position_ticks=0,
                    runtime_ticks=item.runtime_ticks,
                    at=item.last_played,
                    source="reconcile",
                    # Jellyfin counted this listen when it started; how far it went is unknown.
                    played_to_completion=True,
                )
            )
        if facts:
            _LOGGER.info(
                "Recorded %d listens of user %s missed while away", len(facts), cred.user_id
            )
            await self._pipeline.apply(facts)
        return len(facts)


def _parse_time(value: str) -> datetime:
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
