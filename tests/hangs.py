"""Hang watchdog: a test running over COMPANION_TEST_HANG_DUMP seconds dumps every stack to stderr.

pytest-timeout fails a hung test after five minutes with the main thread's stack only; a hang in
an asyncio test is usually a task waiting for another task, so this dumps, earlier and once per
test, every thread's stack and every asyncio task's stack of every running event loop.
COMPANION_TEST_HANG_DUMP=0 turns it off.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import os
import sys
import threading
import traceback
from collections.abc import Generator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest

DEFAULT_SECONDS = 150.0


def hang_seconds() -> float:
    """Seconds a test may run before its stacks are dumped (0: never)."""
    raw = os.environ.get("COMPANION_TEST_HANG_DUMP", "")
    try:
        return float(raw) if raw else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS


def _running_loops() -> list[asyncio.AbstractEventLoop]:
    # A hang is rare and this runs once then: walking the heap is the one way to find loops
    # owned by other threads (aiohttp test servers, the fake servers' threads).
    return [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, asyncio.AbstractEventLoop) and obj.is_running()
    ]


def _await_chain(coro: Any) -> list[str]:
    """Where a suspended coroutine waits, outermost first, through every await it is inside.

    Task.print_stack shows only the task's own frame; a hang is usually several awaits deeper.
    """
    lines = []
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
        frame = frame or getattr(coro, "gi_frame", None)
        if frame is not None:
            code = frame.f_code
            lines.append(f"  {code.co_filename}:{frame.f_lineno} in {code.co_name}")
        coro = (
            getattr(coro, "cr_await", None)
            or getattr(coro, "ag_await", None)
            or getattr(coro, "gi_yieldfrom", None)
        )
    return lines


def dump_stacks(nodeid: str, seconds: float, file: Any = None) -> None:
    """Write every thread's and every running loop's task stacks to stderr."""
    out = file or sys.stderr
    print(f"\n==== {nodeid} still running after {seconds:g} s: stacks ====", file=out)
    out.flush()
    try:
        faulthandler.dump_traceback(file=out, all_threads=True)
    except (AttributeError, ValueError, OSError):
        # Without a real file descriptor (captured to memory), fall back to Python's view.
        for ident, frame in sys._current_frames().items():
            print(f"\nThread {ident}:", file=out)
            traceback.print_stack(frame, file=out)
    for loop in _running_loops():
        try:
            tasks = list(asyncio.all_tasks(loop))
        except RuntimeError:
            continue  # the loop's task set changed under us; the thread dump above remains
        print(f"\n---- {len(tasks)} asyncio task(s) of {loop!r} ----", file=out)
        for task in tasks:
            print(f"\n{task!r}", file=out)
            chain = _await_chain(task.get_coro())
            print("\n".join(chain) if chain else "  (no frames)", file=out)
    print(f"==== end of stacks for {nodeid} ====", file=out)
    out.flush()


class _Watchdog:
    """A timer thread that dumps the stacks once if the test is still running when it fires."""

    def __init__(self, item: pytest.Item, seconds: float) -> None:
        self.item = item
        self.seconds = seconds
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.name = f"hang-watchdog {item.nodeid}"

    def _fire(self) -> None:
        capman = self.item.config.pluginmanager.getplugin("capturemanager")
        # Past the output capture, so the dump reaches the terminal or CI log while it hangs.
        suspend: AbstractContextManager[Any] = (
            capman.global_and_fixture_disabled() if capman is not None else nullcontext()
        )
        with suspend:
            dump_stacks(self.item.nodeid, self.seconds)

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    """Watch each test (setup, call and teardown) for a hang."""
    seconds = hang_seconds()
    if seconds <= 0:
        return (yield)
    watchdog = _Watchdog(item, seconds)
    watchdog.start()
    try:
        return (yield)
    finally:
        watchdog.cancel()
