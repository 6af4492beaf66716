"""A small in-memory limiter of failed attempts per client (sign-in, webhooks)."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager

from companion.errors import CompanionError


class FailureLimiter:
    """Refuses a client after too many failures within a sliding window."""

    def __init__(self, max_failures: int = 10, window_seconds: float = 60.0) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._in_flight: dict[str, int] = defaultdict(int)

    def _prune(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return deque()
        return times

    def check(self, key: str) -> None:
        """Raise 429 when the client failed too often recently (attempts in flight count)."""
        times = self._prune(key, time.monotonic())
        if len(times) + self._in_flight.get(key, 0) >= self.max_failures:
            raise CompanionError(
                "Too many failed attempts. Wait a minute and try again.",
                code="rate_limited",
                status=429,
            )

    def failed(self, key: str) -> None:
        """Record one failure of the client."""
        self._failures[key].append(time.monotonic())

    @contextmanager
    def attempt(self, key: str) -> Iterator[None]:
        """Hold a slot while an attempt runs, so parallel attempts cannot all slip past `check`.

        Each attempt in flight counts as a failure until it ends: 40 parallel wrong passwords
        let at most `max_failures` reach the service; the rest get 429. Call `failed` inside
        the block, before the slot is released, so the attempt is never counted as neither.
        """
        self.check(key)
        self._in_flight[key] += 1
        try:
            yield
        finally:
            self._in_flight[key] -= 1
            if not self._in_flight[key]:
                del self._in_flight[key]
