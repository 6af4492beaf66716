"""The scrobble outbox: counted plays become rows per linked account in the database, and a
worker sends them in order with backoff, so nothing is lost across restarts or outages.

Rows are derived from the plays table (not from events), so a play recorded while the worker
was down is still found: each pass looks at the last day's plays (a play counted late, or
committed late, is caught there) and pages through older plays once from a cursor (backfill).
A row is unique per account and play; it is marked `sending` before the call and `sent` after,
so a crash in between can resend one batch at most (ListenBrainz stores a listen once per
time and recording).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F

from companion.events import Event, EventBus, Unsubscribe
from companion.history.models import Play
from companion.listening.models import ScrobbleAccount, ScrobbleOutbox
from companion.listening.senders import Outgoing, Sender
from companion.listening.tracks import scrobble_tracks
from companion.providers import CredentialsRejected, Providers, ProviderUnavailable
from companion.providers.scrobble import ScrobbleRateLimited, ScrobbleRequestInvalid

_LOGGER = logging.getLogger(__name__)

RECENT = timedelta(hours=24)
SCAN_PAGE = 5000
IDLE_SECONDS = 60.0
BACKOFF_BASE = 5.0
BACKOFF_MAX = 3600.0
GONE = "Jellyfin no longer has this track"
STATE_EVENT = "scrobble.state"
SENT_EVENT = "scrobble.sent"


def _now() -> datetime:
    return datetime.now(UTC)


class ScrobbleOutboxWorker:
    """Fills and drains the outbox of every enabled account."""

    def __init__(self, senders: dict[str, Sender], providers: Providers, bus: EventBus) -> None:
        self._senders = senders
        self._providers = providers
        self._bus = bus
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Unsubscribe | None = None
        self.backoff_base = BACKOFF_BASE
        self.backoff_max = BACKOFF_MAX
        self.idle_seconds = IDLE_SECONDS
        self.passes = 0
        self._started = 0
        self._pass_done = asyncio.Condition()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Requeue what a crash left mid-send, follow new plays, start the worker."""
        await ScrobbleOutbox.filter(status="sending").update(status="pending")
        self._unsubscribe = self._bus.subscribe(
            # Every replica's plays: the outbox runs on one.
            self._on_play,
            ("play.recorded",),
            name="scrobble-outbox",
            cluster=True,
        )
        self._task = asyncio.create_task(self._run(), name="scrobble-outbox")

    async def stop(self) -> None:
        """Stop following plays and stop the worker (pending rows stay for the next start)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Run a pass now."""
        self._wake.set()

    def _on_play(self, event: Event) -> None:
        if event.data.get("counted"):
            self.wake()

    async def wait_pass(self) -> None:
        """Wake the worker and wait until a pass that started after this call finished."""
        target = self._started + 1
        self.wake()
        async with self._pass_done:
            await self._pass_done.wait_for(lambda: self.passes >= target)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            self._started += 1
            try:
                delay = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("Scrobble outbox pass failed")
                delay = self.backoff_base
            self.passes += 1
            async with self._pass_done:
                self._pass_done.notify_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.01))

    # -- one pass ----------------------------------------------------------------------------

    async def run_once(self) -> float:
        """Scan and drain every enabled account; seconds until the next one is due."""
        delay = self.idle_seconds
        for account in await ScrobbleAccount.filter(enabled=True).prefetch_related("user"):
            sender = self._senders.get(account.service)
            if sender is None or account.status == "rejected":
                continue
            await self.scan(account, sender)
            while True:
                now = _now()
                if account.retry_at is not None and account.retry_at > now:
                    delay = min(delay, (account.retry_at - now).total_seconds())
                    break
                if not await self._send_batch(account, sender):
                    break
        return delay

    async def scan(self, account: ScrobbleAccount, sender: Sender) -> int:
        """Queue the account's counted plays that have no row yet; returns how many."""
        user_id = account.user.jellyfin_id
        if not user_id:
            return 0
        found: dict[int, datetime] = {}
        recent = max(account.since, _now() - RECENT)
        for play_id, started_at, source in await Play.filter(
            user_id=user_id, counted=True, started_at__gte=recent
        ).values_list("id", "started_at", "source"):
            if sender.wants(str(source)):
                found[int(play_id)] = started_at
        added = await self._queue(account, found)
        while True:
            page = (
                await Play.filter(
                    user_id=user_id,
                    counted=True,
                    started_at__gte=account.since,
                    id__gt=account.scan_cursor,
                )
                .order_by("id")
                .limit(SCAN_PAGE)
                .values_list("id", "started_at", "source")
            )
            if not page:
                break
            batch = {int(i): s for i, s, src in page if sender.wants(str(src))}
            added += await self._queue(account, batch)
            # Only if the user did not backfill meanwhile (that resets the cursor to rescan).
            moved = await ScrobbleAccount.filter(
                id=account.id, scan_cursor=account.scan_cursor, since=account.since
            ).update(scan_cursor=int(page[-1][0]))
            if not moved:
                break
            account.scan_cursor = int(page[-1][0])
            if len(page) < SCAN_PAGE:
                break
        return added

    async def _queue(self, account: ScrobbleAccount, plays: dict[int, datetime]) -> int:
        if not plays:
            return 0
        rows: list[Any] = await ScrobbleOutbox.filter(
            account_id=account.id, play_id__in=list(plays)
        ).values_list("play_id", flat=True)
        known = {int(p) for p in rows}
        fresh = [
            ScrobbleOutbox(account_id=account.id, play_id=p, listened_at=at)
            for p, at in plays.items()
            if p not in known
        ]
        if fresh:
            await ScrobbleOutbox.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
        return len(fresh)

    async def _send_batch(self, account: ScrobbleAccount, sender: Sender) -> bool:
        """Send the oldest pending rows; False when none are left or sending must pause."""
        rows = (
            await ScrobbleOutbox.filter(account_id=account.id, status="pending")
            .order_by("listened_at", "id")
            .limit(max(1, sender.max_batch))
        )
        if not rows:
            return False
        if sender.max_age is not None:
            oldest = _now() - sender.max_age
            old = [r for r in rows if r.listened_at < oldest]
            if old:
                await self._finish(old, "ignored", "Older than the service accepts")
                return True
        try:
            batch, gone = await self._outgoing(rows)
        except ProviderUnavailable as err:
            await self._pause(account, str(err))
            return False
        if gone:
            await self._finish(gone, "failed", GONE)
        if not batch:
            return True
        ids = [o.row_id for o in batch]
        await ScrobbleOutbox.filter(id__in=ids).update(status="sending", attempts=F("attempts") + 1)
        try:
            ignored = await sender.send(account, batch)
        except ScrobbleRateLimited as err:
            await ScrobbleOutbox.filter(id__in=ids).update(status="pending")
            await self._pause(account, f"Rate limited: {err}", wait=err.retry_after)
            return False
        except CredentialsRejected as err:
            await ScrobbleOutbox.filter(id__in=ids).update(status="pending")
            account.status, account.last_error = "rejected", str(err)
            await account.save(update_fields=["status", "last_error", "updated_at"])
            self._publish_state(account)
            return False
        except ScrobbleRequestInvalid as err:
            await ScrobbleOutbox.filter(id__in=ids).update(status="pending")
            if len(batch) == 1:
                await self._finish([r for r in rows if r.id in ids], "failed", str(err))
                return True
            return await self._send_one_by_one(account, sender, batch)
        except ProviderUnavailable as err:
            await ScrobbleOutbox.filter(id__in=ids).update(status="pending")
            await self._pause(account, str(err))
            return False
        await self._delivered(account, batch, ignored)
        return True

    async def _send_one_by_one(
        self, account: ScrobbleAccount, sender: Sender, batch: list[Outgoing]
    ) -> bool:
        """A refused batch: find the listen the service refuses, send the others."""
        for out in batch:
            try:
                ignored = await sender.send(account, [out])
            except ScrobbleRequestInvalid as err:
                await ScrobbleOutbox.filter(id=out.row_id).update(
                    status="failed", last_error=str(err)
                )
                continue
            except (ScrobbleRateLimited, CredentialsRejected, ProviderUnavailable):
                return False  # the rows are pending; the next pass handles the error
            await self._delivered(account, [out], ignored)
        return True

    async def _outgoing(self, rows: list[ScrobbleOutbox]) -> tuple[list[Outgoing], list[Any]]:
        plays = {
            int(i): str(item)
            for i, item in await Play.filter(id__in=[r.play_id for r in rows]).values_list(
                "id", "item_id"
            )
        }
        tracks = await scrobble_tracks(self._providers, list(set(plays.values())))
        batch: list[Outgoing] = []
        gone: list[ScrobbleOutbox] = []
        for row in rows:
            item_id = plays.get(row.play_id)
            track = tracks.get(item_id) if item_id else None
            if item_id is None or track is None:
                gone.append(row)
                continue
            batch.append(Outgoing(row.id, item_id, row.listened_at, track))
        return batch, gone

    async def _finish(self, rows: list[Any], status: str, reason: str) -> None:
        await ScrobbleOutbox.filter(id__in=[r.id for r in rows]).update(
            status=status, last_error=reason
        )

    async def _delivered(
        self, account: ScrobbleAccount, batch: list[Outgoing], ignored: dict[int, str]
    ) -> None:
        now = _now()
        sent_ids = [o.row_id for i, o in enumerate(batch) if i not in ignored]
        if sent_ids:
            await ScrobbleOutbox.filter(id__in=sent_ids).update(
                status="sent", sent_at=now, last_error=None
            )
        for index, reason in ignored.items():
            await ScrobbleOutbox.filter(id=batch[index].row_id).update(
                status="ignored", last_error=reason
            )
        changed = account.status != "ok" or account.failures
        account.status, account.last_error, account.failures = "ok", None, 0
        account.retry_at, account.last_sent_at = None, now
        await account.save(
            update_fields=[
                "status",
                "last_error",
                "failures",
                "retry_at",
                "last_sent_at",
                "updated_at",
            ]
        )
        if changed:
            self._publish_state(account)
        self._bus.publish(
            Event(
                SENT_EVENT,
                {"service": account.service, "sent": len(sent_ids), "ignored": len(ignored)},
                user_id=account.user.jellyfin_id,
            )
        )

    async def _pause(
        self, account: ScrobbleAccount, message: str, wait: float | None = None
    ) -> None:
        """Back off: an outage doubles the wait; a rate limit waits what the service said."""
        if wait is None:
            account.failures += 1
            wait = min(self.backoff_base * 2 ** (account.failures - 1), self.backoff_max)
            account.status = "failing"
        account.retry_at = _now() + timedelta(seconds=wait)
        account.last_error = message
        await account.save(
            update_fields=["status", "failures", "retry_at", "last_error", "updated_at"]
        )
        self._publish_state(account)

    def _publish_state(self, account: ScrobbleAccount) -> None:
        self._bus.publish(
            Event(
                STATE_EVENT,
                {
                    "service": account.service,
                    "status": account.status,
                    "last_error": account.last_error,
                    "retry_at": account.retry_at.isoformat() if account.retry_at else None,
                },
                user_id=account.user.jellyfin_id,
            )
        )
