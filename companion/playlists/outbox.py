"""The durable push outbox: enqueue in the database, push with backoff, survive restarts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from companion.accounts.models import User
from companion.errors import CompanionError
from companion.events import Event, EventBus
from companion.playlists.models import Playlist, PlaylistPush
from companion.playlists.push import PlaylistPusher, PushResult
from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.playlists import RemotePlaylist, RemotePlaylistGone

_LOGGER = logging.getLogger(__name__)

# Pushes that fail wait base * 2^(attempts-1) seconds (with jitter), at most the cap.
BACKOFF_BASE = 2.0
BACKOFF_MAX = 300.0
CONCURRENCY = 4
DRIFT_INTERVAL = 300.0
_BATCH = 50


def _now() -> datetime:
    return datetime.now(UTC)


def error_text(err: BaseException) -> str:
    """A user-facing reason for a failed push (never carries a token)."""
    if isinstance(err, CompanionError | ProviderUnavailable | CredentialsRejected):
        return str(err)
    if isinstance(err, RemotePlaylistGone):
        return "Jellyfin no longer has that playlist."
    if isinstance(err, TimeoutError):
        return "Jellyfin is slow or unreachable. Check your Jellyfin instance."
    return f"Unexpected error: {type(err).__name__}"


@contextlib.asynccontextmanager
async def _no_shared_lock(_key: str) -> AsyncIterator[None]:
    yield


SIGNAL = "playlist-outbox"


class PlaylistOutbox:
    """Queues pushes per playlist, runs them one at a time per playlist, retries failures."""

    def __init__(self, pusher: PlaylistPusher, bus: EventBus) -> None:
        self.pusher = pusher
        self._bus = bus
        self._locks: dict[int, list[Any]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.backoff_base = BACKOFF_BASE
        self.backoff_max = BACKOFF_MAX
        self.concurrency = CONCURRENCY
        self.drift_interval = DRIFT_INTERVAL
        self._last_drift_scan = 0.0
        self._clock: Callable[[], float] = time.monotonic
        # Wakes the worker after an enqueue; with replicas, on the replica that runs it.
        self.notify: Callable[[], None] = self.wake
        # A lock every replica honours, taken inside the in-process one (none when alone).
        self.shared_lock: Callable[[str], contextlib.AbstractAsyncContextManager[None]] = (
            _no_shared_lock
        )

    def wake(self) -> None:
        """Run the worker now (pushes were queued)."""
        self._wake.set()

    # -- locking -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def locked(self, playlist_id: int) -> AsyncIterator[None]:
        """Serialise edits and pushes of one playlist."""
        entry = self._locks.setdefault(playlist_id, [asyncio.Lock(), 0])
        entry[1] += 1  # holders and waiters: the lock is forgotten only when nobody needs it
        try:
            async with entry[0], self.shared_lock(f"playlist:{playlist_id}"):
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[playlist_id]

    # -- queueing ----------------------------------------------------------------------------

    async def enqueue(self, pl: Playlist, conn: BaseDBAsyncClient | None = None) -> None:
        """Record that the playlist's current version must reach Jellyfin (durable).

        Inside a transaction (`conn`), call `notify()` again once it committed: on PostgreSQL
        the worker reads through another connection and cannot see the row before that.
        """
        updated = (
            await PlaylistPush.filter(playlist_id=pl.id)
            .using_db(conn)
            .update(version=pl.version, next_attempt_at=_now(), attempts=0)
        )
        if not updated:
            await PlaylistPush.create(
                playlist_id=pl.id, version=pl.version, next_attempt_at=_now(), using_db=conn
            )
        self.notify()

    async def recover(self) -> int:
        """Queue playlists whose last version never reached Jellyfin and have no push row."""
        rows: list[Any] = await PlaylistPush.all().values_list("playlist_id", flat=True)
        queued = {int(r) for r in rows}
        count = 0
        states: list[Any] = await Playlist.all().values_list(
            "id", "deleted", "version", "synced_version"
        )
        for pid, deleted, version, synced_version in states:
            if (deleted or synced_version < version) and pid not in queued:
                await PlaylistPush.create(playlist_id=pid, version=version, next_attempt_at=_now())
                count += 1
        return count

    async def push_now(self, playlist_id: int) -> bool:
        """Push at once (under the playlist's lock); True when Jellyfin is in sync."""
        async with self.locked(playlist_id):
            return await self.push_locked(playlist_id)

    async def push_locked(self, playlist_id: int) -> bool:
        """Push with the playlist's lock already held; True when Jellyfin is in sync."""
        pl = await Playlist.get_or_none(id=playlist_id).prefetch_related("owner")
        if pl is None:
            return True
        if pl.synced_version >= pl.version and not pl.deleted:
            await PlaylistPush.filter(playlist_id=pl.id).delete()
            return True
        try:
            result = await self.pusher.push(pl)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # any failure is retried; the reason is shown to the user
            if not isinstance(err, ProviderUnavailable | CredentialsRejected | CompanionError):
                _LOGGER.exception("Pushing playlist %s to Jellyfin failed", playlist_id)
            await self._failed(pl, error_text(err))
            return False
        await self._succeeded(pl, result)
        return True

    async def _succeeded(self, pl: Playlist, result: PushResult) -> None:
        if result.deleted:
            await pl.delete()
            return
        current = await Playlist.get_or_none(id=pl.id)
        newer = current is not None and current.version > result.version
        await Playlist.filter(id=pl.id).update(
            synced_version=result.version,
            jellyfin_id=result.jellyfin_id,
            pushed_items=result.items,
            pushed_name=result.name,
            drift=False,
            sync_state="pending" if newer else "synced",
            last_error=None,
            synced_at=_now(),
        )
        await PlaylistPush.filter(playlist_id=pl.id, version__lte=result.version).delete()
        self._publish(pl, "pending" if newer else "synced", None)

    async def _failed(self, pl: Playlist, reason: str) -> None:
        push = await PlaylistPush.get_or_none(playlist_id=pl.id)
        attempts = (push.attempts if push is not None else 0) + 1
        delay = min(self.backoff_max, self.backoff_base * 2 ** (attempts - 1))
        delay *= random.uniform(0.75, 1.0)  # jitter: failed pushes do not retry in lockstep
        due = _now() + timedelta(seconds=delay)
        if push is None:
            await PlaylistPush.create(
                playlist_id=pl.id,
                version=pl.version,
                attempts=attempts,
                next_attempt_at=due,
                last_error=reason,
            )
        else:
            await PlaylistPush.filter(id=push.id).update(
                attempts=attempts, next_attempt_at=due, last_error=reason
            )
        await Playlist.filter(id=pl.id).update(sync_state="failing", last_error=reason)
        if attempts == 1:
            _LOGGER.warning("Playlist %s could not be pushed to Jellyfin: %s", pl.id, reason)
        self._publish(pl, "failing", reason)

    def _publish(self, pl: Playlist, state: str, last_error: str | None) -> None:
        owner: User = pl.owner
        self._bus.publish(
            Event(
                "playlist.synced",
                {
                    "playlist_id": pl.id,
                    "name": pl.name,
                    "state": state,
                    "last_error": last_error,
                    "drift": False,
                },
                user_id=owner.jellyfin_id,
            )
        )

    # -- the worker --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background worker (pending pushes from before a restart run first)."""
        # The first drift check waits a full interval: a restart should not burst Jellyfin.
        self._last_drift_scan = self._clock()
        self._wake.set()
        self._task = asyncio.create_task(self._run(), name="playlist-outbox")

    async def stop(self) -> None:
        """Stop the worker; a push cut short is simply retried after the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            # Cleared before reading what is due, so a wake during the run is not lost.
            self._wake.clear()
            try:
                wait = await self.run_due()
                if self._clock() - self._last_drift_scan >= self.drift_interval:
                    self._last_drift_scan = self._clock()
                    await self.scan_drift()
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("The playlist outbox worker failed; retrying")
                wait = 5.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(wait, self.drift_interval))

    async def run_due(self) -> float:
        """Run every push that is due; returns seconds until the next one (or a long wait)."""
        while True:
            due: list[Any] = (
                await PlaylistPush.filter(next_attempt_at__lte=_now())
                .order_by("next_attempt_at")
                .limit(_BATCH)
                .values_list("playlist_id", flat=True)
            )
            if not due:
                break
            await self._run_batch([int(pid) for pid in due])
        nxt = await PlaylistPush.all().order_by("next_attempt_at").first()
        if nxt is None:
            return self.drift_interval
        return max(0.0, (nxt.next_attempt_at - _now()).total_seconds())

    async def _run_batch(self, ids: list[int]) -> None:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(pid: int) -> None:
            async with gate:
                await self.push_now(pid)

        await asyncio.gather(*(one(pid) for pid in ids))

    async def scan_drift(self) -> int:
        """Compare every synced twin with what was pushed; flag edits made inside Jellyfin.

        Items and name both count. Upstream cost: one listing of each owner's playlists (the
        names, shared with the stray-twin sweep) and one read of each twin's items.
        """
        found = 0
        rows = await Playlist.filter(
            deleted=False, sync_state="synced", jellyfin_id__isnull=False
        ).prefetch_related("owner")
        marked = await self._marked()
        owners = {pl.owner.id: pl.owner for pl in [*rows, *marked]}
        # None: Jellyfin did not answer for that owner, so their twins wait for the next scan.
        listings: dict[int, list[RemotePlaylist] | None] = {}
        for owner in owners.values():
            try:
                listings[owner.id] = await self.pusher.remote_playlists(owner)
            except (ProviderUnavailable, CredentialsRejected, CompanionError) as err:
                _LOGGER.debug("Drift check of user %s skipped: %s", owner.id, err)
                listings[owner.id] = None
        for pl in rows:
            listed = listings.get(pl.owner.id)
            if listed is None:
                continue
            names = {p.id: p.name for p in listed}
            found += int(await self._check_drift(pl, names))
        await self._sweep_all(listings)
        return found

    async def _check_drift(self, seen: Playlist, names: dict[str, str]) -> bool:
        """Check one twin (items, and name from the owner's listing); True when it drifted."""
        async with self.locked(seen.id):
            pl = await Playlist.get_or_none(id=seen.id)
            if (
                pl is None
                or pl.deleted
                or pl.sync_state != "synced"
                or pl.jellyfin_id is None
                or pl.jellyfin_id != seen.jellyfin_id
                or pl.synced_version != seen.synced_version
            ):
                # Pushed or edited since the scan listed it: the listing may predate the push.
                return False
            owner: User = seen.owner
            try:
                items = await self.pusher.remote_entries(owner, pl.jellyfin_id)
            except (ProviderUnavailable, CredentialsRejected, CompanionError) as err:
                _LOGGER.debug("Drift check of playlist %s skipped: %s", pl.id, err)
                return False
            except RemotePlaylistGone:
                items = None
            # A twin missing from the listing but still readable: its name is unknown, not drift.
            remote_name = names.get(pl.jellyfin_id)
            renamed = items is not None and remote_name is not None and remote_name != pl.name
            drift = items is None or items != list(pl.pushed_items) or renamed
            changes: dict[str, Any] = {}
            if drift != pl.drift:
                changes["drift"] = drift
            if items is not None and remote_name is not None and remote_name != pl.pushed_name:
                # Remember the name Jellyfin shows, so the next push knows to restore ours.
                changes["pushed_name"] = remote_name
            if changes:
                await Playlist.filter(id=pl.id).update(**changes)
            if renamed:
                _LOGGER.info("Playlist %s was renamed in Jellyfin to %r", pl.id, remote_name)
            if drift != pl.drift:
                self._bus.publish(
                    Event(
                        "playlist.synced",
                        {
                            "playlist_id": pl.id,
                            "name": pl.name,
                            "state": pl.sync_state,
                            "last_error": pl.last_error,
                            "drift": drift,
                        },
                        user_id=owner.jellyfin_id,
                    )
                )
            return drift

    @staticmethod
    async def _marked() -> list[Playlist]:
        return await Playlist.filter(
            deleted=False, create_marker__isnull=False, jellyfin_id__isnull=False
        ).prefetch_related("owner")

    async def _sweep_all(self, listings: dict[int, list[RemotePlaylist] | None]) -> None:
        """Delete stray twins an interrupted create left in Jellyfin (they carry our marker)."""
        owners: dict[int, tuple[User, list[Playlist]]] = {}
        for pl in await self._marked():
            owners.setdefault(pl.owner.id, (pl.owner, []))[1].append(pl)
        for owner, playlists in owners.values():
            if owner.id in listings and listings[owner.id] is None:
                continue  # the listing just failed; the next scan sweeps
            try:
                swept = await self.pusher.sweep(owner, playlists, listings.get(owner.id))
            except (ProviderUnavailable, CredentialsRejected, CompanionError) as err:
                _LOGGER.debug("Sweeping stray twins of user %s skipped: %s", owner.id, err)
                continue
            if swept:
                _LOGGER.info("Deleted %d stray Jellyfin playlist(s) of user %s", swept, owner.id)
