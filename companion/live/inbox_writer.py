"""Group commit for the webhook inbox: bodies arriving together share one transaction, and a
body delivered twice is stored once."""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict

from tortoise.transactions import in_transaction

from companion.live.models import WebhookInbox

_Pending = tuple[str, str, str, asyncio.Future[None]]
# Digests of recent bodies kept in memory, so a repeat is answered without a write; the
# unique column catches repeats older than that (or from before a restart).
RECENT = 20_000


def digest(source: str, payload: str) -> str:
    """The identity of a delivery: the same body from the same source is the same delivery."""
    return hashlib.sha256(f"{source}\n{payload}".encode()).hexdigest()


class InboxWriter:
    """Stores webhook bodies durably; each caller returns once its body is committed."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None
        self._recent: OrderedDict[str, asyncio.Future[None]] = OrderedDict()
        self.stored = 0
        self.duplicates = 0

    async def store(self, source: str, payload: str) -> bool:
        """Insert one body; False when the same body was delivered before (nothing written).

        Bodies queued while a commit runs go into the next one together.
        """
        key = digest(source, payload)
        earlier = self._recent.get(key)
        if earlier is not None:
            # The same delivery again: answer like the first one did (a failed first store
            # fails the repeat too, so nothing is acknowledged that was not written).
            await asyncio.shield(earlier)
            self.duplicates += 1
            return False
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._recent[key] = done
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        self._pending.append((source, payload, key, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush(), name="inbox-commit"
            )
        try:
            await asyncio.shield(done)
        except Exception:
            self._recent.pop(key, None)
            raise
        return True

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with in_transaction():
                    await WebhookInbox.bulk_create(
                        [WebhookInbox(source=s, payload=p, digest=k) for s, p, k, _ in batch],
                        ignore_conflicts=True,
                    )
            except Exception as err:
                for _, _, _, done in batch:
                    if not done.done():
                        done.set_exception(err)
                continue
            self.stored += len(batch)
            for _, _, _, done in batch:
                if not done.done():
                    done.set_result(None)
