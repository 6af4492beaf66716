"""Group commit for the webhook inbox: bodies arriving together share one transaction."""

from __future__ import annotations

import asyncio

from tortoise.transactions import in_transaction

from companion.live.models import WebhookInbox

_Pending = tuple[str, str, asyncio.Future[None]]


class InboxWriter:
    """Stores webhook bodies durably; each caller returns once its body is committed."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None
        self.stored = 0

    async def store(self, source: str, payload: str) -> None:
        """Insert one body; bodies queued while a commit runs go into the next one together."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((source, payload, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush(), name="inbox-commit"
            )
        await done

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with in_transaction():
                    await WebhookInbox.bulk_create(
                        [WebhookInbox(source=s, payload=p) for s, p, _ in batch]
                    )
            except Exception as err:
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(err)
                continue
            self.stored += len(batch)
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)
