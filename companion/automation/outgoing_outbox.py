"""The durable outbox of outgoing webhooks: events are stored, then sent with retry and backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from tortoise.exceptions import IntegrityError

from companion.automation.models import OutgoingDelivery
from companion.automation.outgoing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TEST_EVENT,
    TIMESTAMP_HEADER,
    OutgoingTargets,
    describe_delivery,
    sign,
)
from companion.events import Event, EventBus, Unsubscribe

_LOGGER = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_BASE_SECONDS = 5.0
RETRY_MAX_SECONDS = 3600.0
SEND_TIMEOUT = 10.0
BATCH = 50
# Events only the outbox itself causes are never sent out (they would loop).
_NEVER_SENT = frozenset({"automation.state", "automation.snapshot", "automation.sync_request"})


def backoff(attempts: int, base: float = RETRY_BASE_SECONDS) -> float:
    """Seconds before the next try after `attempts` failures: base·2^(n-1), capped at an hour."""
    return float(min(RETRY_MAX_SECONDS, base * (2 ** max(0, attempts - 1))))


class OutgoingOutbox:
    """Subscribes to the bus, stores a delivery per matching target, and sends them."""

    def __init__(
        self,
        bus: EventBus,
        targets: OutgoingTargets,
        session: aiohttp.ClientSession,
        *,
        retry_base: float = RETRY_BASE_SECONDS,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._bus = bus
        self._targets = targets
        self._session = session
        self.retry_base = retry_base
        self.max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Unsubscribe | None = None
        self._failing: set[int] = set()
        # One sender at a time, so a "send test" and the worker never send the same row twice.
        self._lock = asyncio.Lock()

    def start(self) -> None:
        """Subscribe and start the sender."""
        # Every replica's events: the outbox runs on the owner only.
        self._unsubscribe = self._bus.subscribe(
            self._on_event, None, name="outgoing-webhooks", cluster=True
        )
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outgoing-webhooks")

    async def stop(self) -> None:
        """Stop; undelivered rows stay in the outbox for the next start."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _on_event(self, event: Event) -> None:
        if event.type in _NEVER_SENT:
            return
        target_ids = await self._targets.matching(event.type)
        if target_ids:
            await self.enqueue(event, target_ids)

    async def enqueue(
        self, event: Event, target_ids: list[int], *, wake: bool = True
    ) -> list[OutgoingDelivery]:
        """Store one delivery per target (idempotent per event id) and wake the sender."""
        rows = []
        now = datetime.now(UTC)
        for target_id in target_ids:
            try:
                rows.append(
                    await OutgoingDelivery.create(
                        target_id=target_id,
                        event_id=event.id,
                        event_type=event.type,
                        payload=event.as_dict(),
                        next_attempt_at=now,
                    )
                )
            except IntegrityError:
                continue
        if wake:
            self._wake.set()
        return rows

    async def send_test(self, target_id: int) -> dict[str, Any]:
        """Queue a `companion.test` event to one target and try it now; return the log row."""
        await self._targets.get(target_id)
        event = Event(
            TEST_EVENT, {"message": "Test from the Jellyfin companion"}, source="companion"
        )
        (row,) = await self.enqueue(event, [target_id], wake=False)
        async with self._lock:
            await self._attempt(row)
        return describe_delivery(row)

    async def _run(self) -> None:
        while True:
            try:
                delay = await self.process_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("The outgoing webhook sender failed; retrying shortly")
                delay = 5.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def process_due(self) -> float:
        """Send every due delivery; return the seconds until the next one is due."""
        async with self._lock:
            due = (
                await OutgoingDelivery.filter(
                    status="pending", next_attempt_at__lte=datetime.now(UTC)
                )
                .order_by("next_attempt_at", "id")
                .limit(BATCH)
            )
            for row in due:
                await self._attempt(row)
        if len(due) == BATCH:
            return 0.0
        upcoming = (
            await OutgoingDelivery.filter(status="pending").order_by("next_attempt_at").first()
        )
        if upcoming is None:
            return 60.0
        return max(0.0, (upcoming.next_attempt_at - datetime.now(UTC)).total_seconds())

    async def _attempt(self, row: OutgoingDelivery) -> None:
        target = await self._targets.get(row.target_id)
        body = json.dumps(row.payload, separators=(",", ":"), default=str).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: row.event_type,
            DELIVERY_HEADER: str(row.id),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._targets.secret_of(target), timestamp, body),
        }
        row.attempts += 1
        error: str | None = None
        status: int | None = None
        try:
            async with self._session.post(
                target.url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT),
                allow_redirects=False,
            ) as resp:
                status = resp.status
                if not 200 <= resp.status < 300:
                    error = f"HTTP {resp.status}"
        except (aiohttp.ClientError, TimeoutError) as err:
            error = f"{type(err).__name__}: {err}"[:500] or type(err).__name__
        host = urlsplit(target.url).hostname
        row.last_status, row.last_error = status, error
        if error is None:
            row.status, row.delivered_at = "delivered", datetime.now(UTC)
            if target.id in self._failing:
                self._failing.discard(target.id)
                _LOGGER.info("Outgoing webhook %s at %s is delivering again", target.name, host)
        elif row.attempts >= self.max_attempts:
            row.status = "failed"
            _LOGGER.warning(
                "Gave up on %s to webhook %s at %s after %d attempts: %s",
                row.event_type,
                target.name,
                host,
                row.attempts,
                error,
            )
        else:
            row.next_attempt_at = datetime.now(UTC) + timedelta(
                seconds=backoff(row.attempts, self.retry_base)
            )
            if target.id not in self._failing:
                self._failing.add(target.id)
                _LOGGER.warning("Outgoing webhook %s at %s failed: %s", target.name, host, error)
        await row.save()
