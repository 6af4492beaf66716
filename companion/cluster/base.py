"""The single-process cluster: this companion is the only replica and always the owner."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from companion.events import EventBus

_LOGGER = logging.getLogger(__name__)

Work = Callable[[], Awaitable[None]]
SignalHandler = Callable[[], None]


@dataclass
class Singleton:
    """Work that must run on exactly one replica: how to start it and how to stop it."""

    name: str
    start: Work
    stop: Work
    running: bool = False


class Cluster:
    """One companion alone: singleton work starts with the app, signals and locks stay local.

    Subclasses keep the same contract across replicas.
    """

    mode = "off"

    def __init__(self, replica_id: str = "single") -> None:
        self.replica_id = replica_id
        self._singletons: list[Singleton] = []
        self._handlers: dict[str, list[SignalHandler]] = {}
        self._started = False
        # Alone, this process owns the singleton work from the start.
        self.leading = True
        self.leadership_changes = 0

    def attach(self, bus: EventBus) -> None:
        """Carry the bus's events to the other replicas (nothing to do alone)."""

    def singleton(self, name: str, start: Work, stop: Work) -> None:
        """Register work run only by the owner (started at once when this replica owns)."""
        self._singletons.append(Singleton(name, start, stop))

    async def run_singleton(
        self, name: str, start: Work, stop: Work
    ) -> Callable[[], Awaitable[None]]:
        """Register work added at run time (started now when this replica owns); returns a
        function that stops it wherever it runs here and forgets it."""
        work = Singleton(name, start, stop)
        self._singletons.append(work)
        if self.leading:
            # Marked first: a hand-over starting every singleton meanwhile skips this one.
            work.running = True
            try:
                await start()
            except BaseException:
                work.running = False
                raise

        async def release() -> None:
            if work in self._singletons:
                self._singletons.remove(work)
            if work.running:
                work.running = False
                await work.stop()

        return release

    async def connect(self) -> None:
        """Connect to the other replicas (nothing to do alone)."""

    async def start(self) -> None:
        """Become the owner: start the registered singleton work (alone: at once)."""
        self._started = True
        await self._lead()

    async def stop(self) -> None:
        """Stop singleton work (in reverse order of registration)."""
        self._started = False
        await self._step_down()

    async def close(self) -> None:
        """Disconnect from the other replicas (nothing to do alone)."""

    async def _lead(self) -> None:
        self.leading = True
        self.leadership_changes += 1
        await self._start_all()

    async def _start_all(self) -> None:
        for work in list(self._singletons):
            if work.running or not self.leading:
                continue
            work.running = True
            try:
                await work.start()
            except Exception:
                work.running = False
                _LOGGER.exception("Starting %s failed", work.name)

    async def _step_down(self) -> None:
        self.leading = False
        for work in reversed(self._singletons):
            if not work.running:
                continue
            work.running = False
            try:
                await work.stop()
            except Exception:
                _LOGGER.exception("Stopping %s failed", work.name)

    def on_signal(self, name: str, handler: SignalHandler) -> None:
        """Call handler whenever any replica sends signal `name` (a wake-up, no payload)."""
        self._handlers.setdefault(name, []).append(handler)

    def signal(self, name: str) -> None:
        """Wake the handlers of `name` on every replica (here: this one), without waiting."""
        self._deliver(name)

    def _deliver(self, name: str) -> None:
        for handler in self._handlers.get(name, ()):
            try:
                handler()
            except Exception:
                _LOGGER.exception("Signal handler for %s failed", name)

    async def held_elsewhere(self, key: str) -> bool:
        """Whether another replica holds the lock `key` now (never, alone)."""
        return False

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Hold a lock shared by every replica (callers serialise in-process themselves)."""
        yield
