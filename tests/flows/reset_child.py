"""A process that runs one flow journal and stops dead after a chosen step (the test kills it).

    python -m tests.flows.reset_child <database url> <journal id> <pause after step> <batch>

It prints "step N" after every step and "paused N" when it reaches the chosen one, then
waits to be killed with SIGKILL: no cleanup, no finally blocks, like a power cut.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence

from tortoise import Tortoise

from companion.db.config import tortoise_config
from companion.flows.files import Step
from companion.flows.journal import JournalRunner
from companion.flows.models import FlowJournal
from companion.flows.weeks import finish

SCAN = 999


async def main(url: str, journal_id: int, pause: int, batch: int) -> None:
    await Tortoise.init(config=tortoise_config(url))

    def after(index: int, step: Step) -> None:
        print(f"step {index} {step[0]}", flush=True)
        if index == pause:
            print(f"paused {index}", flush=True)
            time.sleep(120)

    async def scan(paths: Sequence[str]) -> bool:
        if pause == SCAN:
            # Killed while Jellyfin is being asked: the scan is asked again at the next start.
            print("paused scan", flush=True)
            time.sleep(120)
        return True

    runner = JournalRunner(
        scan, {"reset": finish, "promote": finish, "remove": finish}, batch=batch, after_step=after
    )
    entry = await FlowJournal.get(id=journal_id)
    await runner.run(entry)
    print("finished", flush=True)
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
