"""The journal: a reset or promotion is written down as steps before the first one runs, its
progress recorded as it goes, and whatever a restart interrupted is finished at the next start.

Steps are idempotent (see `companion.flows.files`), so running a step again after a kill is
harmless; progress is saved every `batch` steps. `["scan", [paths]]` asks Jellyfin to look at
paths again; a scan Jellyfin cannot take now is kept as a journal of its own and retried. The
database changes of a journal are made by its finisher, in the transaction that marks it done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from companion.flows.files import FS_OPS, AfterStep, Step, run_steps
from companion.flows.models import FlowJournal

_LOGGER = logging.getLogger(__name__)

Scanner = Callable[[Sequence[str]], Awaitable[bool]]
Finisher = Callable[[FlowJournal, Any], Awaitable[None]]
BATCH = 200


async def write(
    kind: str,
    steps: list[Step],
    *,
    flow_id: int | None = None,
    run_id: int | None = None,
    data: dict[str, Any] | None = None,
    using_db: Any = None,
) -> FlowJournal:
    """Record a journal before anything of it happens."""
    return await FlowJournal.create(
        kind=kind,
        steps=steps,
        flow_id=flow_id,
        run_id=run_id,
        data=data or {},
        using_db=using_db,
    )


class JournalRunner:
    """Runs journals one at a time (two resets never interleave their files)."""

    def __init__(
        self,
        scanner: Scanner,
        finishers: dict[str, Finisher],
        *,
        batch: int = BATCH,
        after_step: AfterStep | None = None,
    ) -> None:
        self._scanner = scanner
        self._finishers = finishers
        self.batch = batch
        self.after_step = after_step
        self.lock = asyncio.Lock()
        self.errors: list[tuple[int, int, str]] = []

    async def run(self, journal: FlowJournal) -> None:
        """Carry a journal out from where it stopped, then record it done."""
        async with self.lock:
            await self._run(journal)

    async def _run(self, journal: FlowJournal) -> None:
        steps = journal.steps
        at = journal.done
        while at < len(steps):
            op = steps[at][0]
            if op == "scan":
                if not await self._scanner(list(steps[at][1])):
                    if journal.kind == "scan":
                        return  # stays pending: tried again later
                    # Jellyfin cannot take it now: retried later, the journal goes on.
                    await write("scan", [steps[at]], flow_id=journal.flow_id)
                at += 1
            else:
                end = at
                while end < len(steps) and end - at < self.batch and steps[end][0] in FS_OPS:
                    end += 1
                if end == at:
                    raise ValueError(f"unknown journal step {op!r}")
                errors = await asyncio.to_thread(run_steps, steps[at:end], at, self.after_step)
                self.errors.extend((journal.id, index, text) for index, text in errors)
                at = end
            journal.done = at
            await journal.save(update_fields=["done"])
        finisher = self._finishers.get(journal.kind)
        async with in_transaction() as conn:
            if finisher is not None:
                await finisher(journal, conn)
            journal.state, journal.finished_at = "done", datetime.now(UTC)
            await journal.save(update_fields=["state", "finished_at"], using_db=conn)

    async def replay(self) -> int:
        """Finish every journal a restart interrupted, oldest first; how many there were."""
        pending = await FlowJournal.filter(state="pending").order_by("id")
        for journal in pending:
            _LOGGER.info(
                "Finishing flow %s %s interrupted at step %s of %s",
                journal.kind,
                journal.id,
                journal.done,
                len(journal.steps),
            )
            try:
                await self.run(journal)
            except Exception:
                _LOGGER.exception("Flow journal %s could not be finished", journal.id)
        return len(pending)
