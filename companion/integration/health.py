"""Availability of a loaded entry, judged from its calls: unavailable after failures, back on success.

A loaded integration keeps running while its service is down (setup succeeded earlier), so the
entry state alone would stay green while every call fails. The integration reports the outcome
of each call here; after `FAILURES_TO_UNAVAILABLE` failures in a row the entry turns
`unavailable`, and a probe (when the integration gave one) checks the service in the
background until a call succeeds again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

_LOGGER = logging.getLogger(__name__)

# One failed call may be a blip (a restart, a dropped keep-alive); two in a row are an outage.
FAILURES_TO_UNAVAILABLE = 2
PROBE_FIRST_SECONDS = 2.0
PROBE_MAX_SECONDS = 30.0

Probe = Callable[[], Awaitable[object]]
# (available, reason): the entries framework turns this into a state change and an event.
StateSink = Callable[[bool, str | None], None]


class EntryHealth:
    """Counts failed calls of one entry and tells the framework when availability changes."""

    def __init__(self, sink: StateSink, *, probe_first: float = PROBE_FIRST_SECONDS) -> None:
        self._sink = sink
        self._failures = 0
        self.available = True
        self.probe: Probe | None = None
        self._probe_first = probe_first
        self._probe_task: asyncio.Task[None] | None = None

    def report(self, ok: bool, reason: str | None = None) -> None:
        """Record the outcome of one call (ok: the service answered, whatever it said)."""
        if ok:
            self._failures = 0
            if not self.available:
                self.available = True
                self._stop_probe()
                self._sink(True, None)
            return
        self._failures += 1
        if self.available and self._failures >= FAILURES_TO_UNAVAILABLE:
            self.available = False
            self._sink(False, reason)
            self._start_probe()

    def _start_probe(self) -> None:
        if self.probe is None or (self._probe_task and not self._probe_task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._probe_task = loop.create_task(self._run_probe(), name="integration-probe")

    async def _run_probe(self) -> None:
        delay = self._probe_first
        while not self.available and self.probe is not None:
            await asyncio.sleep(delay)
            try:
                # The probe goes through the same client, so its outcome is reported by it.
                await self.probe()
            except Exception as err:
                _LOGGER.debug("Probe still failing: %s", type(err).__name__)
            delay = min(delay * 2, PROBE_MAX_SECONDS)

    def _stop_probe(self) -> None:
        task, self._probe_task = self._probe_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

    async def close(self) -> None:
        """Stop probing (the entry is unloading)."""
        task, self._probe_task = self._probe_task, None
        self.probe = None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
