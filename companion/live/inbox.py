"""The durable webhook inbox: bodies are stored before the answer and applied afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from companion.live.models import WebhookInbox
from companion.live.pipeline import LivePipeline
from companion.providers.live import Fact

_LOGGER = logging.getLogger(__name__)

Parser = Callable[[str], list[Fact]]
BATCH = 200
# The cluster signal that wakes the worker (on whichever replica runs it).
SIGNAL = "webhook-inbox"
KEEP_PROCESSED = timedelta(days=1)


class InboxWorker:
    """Drains unprocessed inbox rows in order; survives restarts (rows wait in the table)."""

    def __init__(self, pipeline: LivePipeline, parsers: dict[str, Parser]) -> None:
        self._pipeline = pipeline
        self._parsers = parsers
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # The worker and a reconcile may both drain: one at a time, or rows apply twice.
        self._draining = asyncio.Lock()
        self.processed = 0

    def notify(self) -> None:
        """Tell the worker a new row is waiting."""
        self._wake.set()

    def start(self) -> None:
        """Start draining (rows left by a previous run are processed first)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook-inbox")

    async def stop(self) -> None:
        """Stop draining; unprocessed rows stay for the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def drain(self) -> int:
        """Process every waiting row now; return how many were processed."""
        async with self._draining:
            return await self._drain()

    async def _drain(self) -> int:
        total = 0
        while True:
            rows = await WebhookInbox.filter(processed_at=None).order_by("id").limit(BATCH)
            if not rows:
                return total
            facts: list[Fact] = []
            for row in rows:
                parser = self._parsers.get(row.source)
                try:
                    if parser is None:
                        raise ValueError(f"no parser for {row.source}")
                    facts.extend(parser(row.payload))
                except Exception as err:
                    _LOGGER.warning("Webhook %s could not be applied: %s", row.id, err)
                    await WebhookInbox.filter(id=row.id).update(
                        last_error=str(err)[:500], attempts=row.attempts + 1
                    )
            await self._pipeline.apply(facts)
            # Marked only after the overlay has them: a crash in between replays, never loses.
            await WebhookInbox.filter(id__in=[r.id for r in rows]).update(
                processed_at=datetime.now(UTC)
            )
            total += len(rows)
            self.processed += len(rows)

    async def _run(self) -> None:
        last_purge = datetime.min.replace(tzinfo=UTC)
        while True:
            # Cleared before draining, so a row stored meanwhile wakes the next round.
            self._wake.clear()
            try:
                await self.drain()
                now = datetime.now(UTC)
                if now - last_purge > timedelta(hours=1):
                    await WebhookInbox.filter(processed_at__lt=now - KEEP_PROCESSED).delete()
                    last_purge = now
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("The webhook inbox worker failed; retrying in 5 s")
                await asyncio.sleep(5)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=30)
