"""One ordered stream of facts into the overlay writer, with backpressure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from companion.live.overlay import OverlayWriter
from companion.providers.live import Fact

_LOGGER = logging.getLogger(__name__)

_Item = tuple[Sequence[Fact], asyncio.Future[None] | None]


class LivePipeline:
    """Serialises every source's facts so the writer never races itself."""

    def __init__(self, writer: OverlayWriter, maxsize: int = 10_000) -> None:
        self.writer = writer
        self._queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize)
        self._task: asyncio.Task[None] | None = None
        self.applied = 0

    def start(self) -> None:
        """Start the consumer task."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="live-pipeline")

    async def stop(self) -> None:
        """Finish what is queued, then stop."""
        if self._task is None:
            return
        await self._queue.join()
        # Listens still waiting for a webhook's stop report are announced with what is known.
        await self.writer.plays.flush()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def submit(self, fact: Fact) -> None:
        """Queue a fact (waits when the queue is full: a fast source is slowed, not dropped)."""
        await self._queue.put(((fact,), None))

    async def apply(self, facts: Sequence[Fact]) -> None:
        """Queue facts and wait until they are applied (the webhook inbox needs that)."""
        done = asyncio.get_running_loop().create_future()
        await self._queue.put((facts, done))
        await done

    async def _run(self) -> None:
        while True:
            facts, done = await self._queue.get()
            try:
                for fact in facts:
                    try:
                        await self.writer.apply(fact)
                        self.applied += 1
                    except Exception:
                        _LOGGER.exception("Applying %s failed", type(fact).__name__)
                if done is not None and not done.done():
                    done.set_result(None)
            finally:
                self._queue.task_done()
