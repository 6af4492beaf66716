"""Event bus throughput with 10 subscribers, and the cost of one stalled subscriber.

python -m bench.event_bus [--events 500000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import Callable

from companion.events import Event, EventBus, EventStream


async def _drain(
    stream: EventStream, expected: int, done: asyncio.Event, counts: list[int], i: int
) -> None:
    while counts[i] < expected:
        counts[i] += len(await stream.get_batch())
    done.set()


async def run(events: int, subscribers: int, stalled: int) -> float:
    """Publish `events` to healthy subscribers (plus stalled ones); return events/s end to end."""
    bus = EventBus(default_maxsize=10_000)
    streams = [bus.stream(name=f"healthy-{i}") for i in range(subscribers)]
    for i in range(stalled):
        bus.stream(maxsize=1000, name=f"stalled-{i}")  # never read
    counts = [0] * subscribers
    dones = [asyncio.Event() for _ in streams]
    tasks = [
        asyncio.create_task(_drain(s, events, d, counts, i))
        for i, (s, d) in enumerate(zip(streams, dones, strict=True))
    ]
    payload = [Event("playback.progress", {"n": n}) for n in range(events)]
    await asyncio.sleep(0)
    started = time.perf_counter()
    batch = 1000
    for offset in range(0, events, batch):
        for event in payload[offset : offset + batch]:
            bus.publish(event)
        # Yield so readers drain, as a real producer awaiting I/O would.
        await asyncio.sleep(0)
    for done in dones:
        await done.wait()
    elapsed = time.perf_counter() - started
    assert all(c == events for c in counts)
    for task in tasks:
        task.cancel()
    await bus.close()
    return events / elapsed


async def run_handlers(events: int, subscribers: int) -> float:
    """The same through subscribe(): one consumer task per subscriber calling a handler."""
    bus = EventBus(default_maxsize=10_000)
    counts = [0] * subscribers
    finished = asyncio.Event()

    def make(i: int) -> Callable[[Event], None]:
        def handler(event: Event) -> None:
            counts[i] += 1
            if counts[i] == events and all(c == events for c in counts):
                finished.set()

        return handler

    for i in range(subscribers):
        bus.subscribe(make(i))
    payload = [Event("playback.progress", {"n": n}) for n in range(events)]
    await asyncio.sleep(0)
    started = time.perf_counter()
    for offset in range(0, events, 1000):
        for event in payload[offset : offset + 1000]:
            bus.publish(event)
        await asyncio.sleep(0)
    await finished.wait()
    elapsed = time.perf_counter() - started
    await bus.close()
    return events / elapsed


def main() -> None:
    """Print throughput figures."""
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500_000)
    args = parser.parse_args()
    baseline = asyncio.run(run(args.events, 10, 0))
    with_stalled = asyncio.run(run(args.events, 10, 1))
    print(f"event_bus_throughput_10_subscribers_events_per_s: {baseline:,.0f}")
    print(f"event_bus_throughput_10_subscribers_plus_1_stalled_events_per_s: {with_stalled:,.0f}")
    print(f"stalled_subscriber_throughput_ratio: {with_stalled / baseline:.2f}")
    handlers = asyncio.run(run_handlers(args.events // 2, 10))
    print(f"event_bus_throughput_10_handler_subscribers_events_per_s: {handlers:,.0f}")


if __name__ == "__main__":
    main()
