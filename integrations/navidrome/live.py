"""Live state by polling: Navidrome pushes nothing to Subsonic clients.

The service poller reads the scan status, the newest albums and everyone's now-playing; each
signed-in user's poller reads their starred lists. Every change becomes the same facts a
Jellyfin socket yields (source "poll"), so the bus events are the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from companion.providers import ProviderUnavailable
from companion.providers.live import (
    FactSink,
    FavoriteFact,
    LibraryFact,
    PlaybackFact,
    ScanFinishedFact,
    SessionsSnapshot,
    SocketCredential,
    SocketStatus,
    Source,
)
from integrations.navidrome.client import Login, SubsonicClient
from integrations.navidrome.const import DEFAULT_POLL_SECONDS, MAX_BACKOFF_SECONDS
from integrations.navidrome.exceptions import NavidromeAuthError, NavidromeError
from integrations.navidrome.ids import to_hex, to_navidrome, user_id

_LOGGER = logging.getLogger(__name__)
OnConnect = Callable[[], Awaitable[None]]
NEWEST_WINDOW = 20
TICKS_PER_MS = 10_000
_STARRED_TYPES = {"song": "Audio", "album": "MusicAlbum", "artist": "MusicArtist"}


def now() -> datetime:
    """The poller's clock."""
    return datetime.now(UTC)


def sessions_snapshot(body: dict[str, Any], at: datetime, source: Source) -> SessionsSnapshot:
    """getNowPlaying (every user's players) as a snapshot of playing sessions."""
    playing = []
    for raw in (body.get("nowPlaying") or {}).get("entry") or []:
        item = to_hex(str(raw.get("id", "")))
        name = str(raw.get("username") or "")
        if item is None or not name:
            continue
        player = str(raw.get("playerId", 0))
        playing.append(
            PlaybackFact(
                user_id=user_id(name),
                session_id=f"navidrome-{user_id(name)[:8]}-{player}",
                item_id=item,
                event="progress",
                position_ticks=int(raw.get("positionMs") or 0) * TICKS_PER_MS,
                at=at,
                source=source,
                runtime_ticks=int(raw.get("duration") or 0) * 10_000_000,
                is_paused=raw.get("state") == "paused",
                device_name=str(raw.get("playerName") or ""),
                device_id=player,
                client=str(raw.get("playerName") or ""),
            )
        )
    return SessionsSnapshot(playing=tuple(playing), at=at, source=source)


class Poller:
    """One credential's polling loop; its status reads like a socket's for the dashboard."""

    def __init__(
        self,
        client: SubsonicClient,
        credential: SocketCredential,
        sink: FactSink,
        *,
        sessions: bool,
        interval: float,
        on_connect: OnConnect | None,
    ) -> None:
        self._client = client
        self._cred = credential
        self._sink = sink
        self._sessions = sessions
        self.interval = interval
        self._on_connect = on_connect
        self.status = SocketStatus()
        self.status.extra["mode"] = f"polling every {interval:g} s"
        self.status.extra["host"] = client.host
        self.polls = 0
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._starred: dict[str, str] | None = None
        self._newest: set[str] | None = None
        self._scan: tuple[bool, str] | None = None
        self.closed = False

    def start(self) -> None:
        """Start the loop."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="navidrome-poll")

    def poke(self) -> None:
        """Poll now instead of at the next tick (tests and the "refresh" button)."""
        self._wake.set()

    async def close(self) -> None:
        """Stop the loop."""
        self.closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self.poll_once()
            except NavidromeAuthError:
                self.status.connected = False
                self.status.credential_invalid = True
                self.status.last_error = "Navidrome rejected the login"
                return
            except (NavidromeError, ProviderUnavailable) as err:
                failures += 1
                if self.status.connected:
                    self.status.reconnects += 1
                self.status.connected = False
                self.status.last_error = str(err)
            except Exception:
                failures += 1
                self.status.connected = False
                _LOGGER.exception("Navidrome poll failed")
            else:
                reconnected = not self.status.connected
                failures = 0
                self.status.connected = True
                self.status.last_error = None
                if reconnected and self._on_connect is not None:
                    # Like a socket's reconnect: catch up on what a gap may have hidden.
                    await self._on_connect()
            # Back off on errors: double the wait per failure, up to a ceiling.
            delay = min(self.interval * (2 ** min(failures, 10)), MAX_BACKOFF_SECONDS)
            delay = self.interval if failures == 0 else max(delay, self.interval)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def poll_once(self) -> None:
        """One round of reads; changes against the previous round go to the sink."""
        at = now()
        if self._sessions:
            await self._poll_scan(at)
            await self._poll_newest(at)
            body = await self._client.call("getNowPlaying")
            await self._sink(sessions_snapshot(body, at, "poll"))
        if self._cred.user_id is not None:
            await self._poll_starred(at)
        self.polls += 1

    async def _poll_scan(self, at: datetime) -> None:
        body = await self._client.call("getScanStatus")
        status = body.get("scanStatus") or {}
        state = (bool(status.get("scanning")), str(status.get("lastScan") or ""))
        previous, self._scan = self._scan, state
        if previous is None:
            return
        was_scanning, last = previous
        if (was_scanning and not state[0]) or (not state[0] and state[1] != last):
            await self._sink(ScanFinishedFact(status="Completed", at=at, source="poll"))

    async def _poll_newest(self, at: datetime) -> None:
        body = await self._client.call(
            "getAlbumList2", [("type", "newest"), ("size", NEWEST_WINDOW)]
        )
        albums = [
            h
            for raw in (body.get("albumList2") or {}).get("album") or []
            if (h := to_hex(str(raw.get("id", "")))) is not None
        ]
        previous, self._newest = self._newest, set(albums)
        if previous is None:
            return
        fresh = [a for a in albums if a not in previous]
        if not fresh:
            return
        added = list(fresh)
        for album in fresh:
            found = await self._client.call("getAlbum", [("id", to_navidrome(album))])
            for raw in (found.get("album") or {}).get("song") or []:
                if (h := to_hex(str(raw.get("id", "")))) is not None:
                    added.append(h)
        await self._sink(LibraryFact(added=tuple(added), at=at, source="poll"))

    async def _poll_starred(self, at: datetime) -> None:
        body = await self._client.call("getStarred2")
        starred: dict[str, str] = {}
        for key, kind in _STARRED_TYPES.items():
            for raw in (body.get("starred2") or {}).get(key) or []:
                if (h := to_hex(str(raw.get("id", "")))) is not None:
                    starred[h] = kind
        previous, self._starred = self._starred, starred
        if previous is None or self._cred.user_id is None:
            return
        user = self._cred.user_id
        for item, kind in starred.items():
            if item not in previous:
                await self._sink(FavoriteFact(user, item, True, at, "poll", kind))
        for item, kind in previous.items():
            if item not in starred:
                await self._sink(FavoriteFact(user, item, False, at, "poll", kind))


class NavidromeLive:
    """The LiveSource: a Poller per `open` (the service one also reads scans and sessions)."""

    # Nothing is pushed: the capabilities endpoint tells the dashboard it is polled.
    mode = "polled"

    def __init__(
        self,
        service: SubsonicClient,
        service_credential: SocketCredential,
        interval: float = DEFAULT_POLL_SECONDS,
    ) -> None:
        self._service = service
        self._service_credential = service_credential
        self.interval = interval
        self.pollers: set[Poller] = set()

    def service_credential(self) -> SocketCredential | None:
        """The configured login; it polls scans, new albums and everyone's now-playing."""
        return self._service_credential

    def api_key_credential(self) -> SocketCredential | None:
        """Navidrome has no API keys."""
        return None

    async def sessions(self) -> SessionsSnapshot:
        """getNowPlaying as a snapshot (Navidrome shows every user's players to everyone)."""
        try:
            body = await self._service.call("getNowPlaying")
        except NavidromeError as err:
            raise ProviderUnavailable(
                "Navidrome is slow or unreachable. Check your Navidrome server."
            ) from err
        return sessions_snapshot(body, now(), "reconcile")

    async def open(
        self,
        credential: SocketCredential,
        sink: FactSink,
        *,
        sessions: bool,
        on_connect: OnConnect | None = None,
    ) -> Poller:
        """Start polling as the credential's login."""
        try:
            login = Login.unpack(credential.token)
        except ValueError:
            login = self._service.login
        poller = Poller(
            self._service.as_user(login),
            credential,
            sink,
            sessions=sessions,
            interval=self.interval,
            on_connect=on_connect,
        )
        self.pollers = {p for p in self.pollers if not p.closed}
        self.pollers.add(poller)
        poller.start()
        return poller

    def poke(self) -> None:
        """Make every poller poll now."""
        for poller in self.pollers:
            poller.poke()

    async def close(self) -> None:
        """Stop every poller (at unload)."""
        pollers, self.pollers = self.pollers, set()
        await asyncio.gather(*(p.close() for p in pollers))
