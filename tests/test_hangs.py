"""The hang watchdog dumps thread and asyncio task stacks of a test that runs too long."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A test that "hangs" until the watchdog has fired: its timer thread ends after dumping.
# The stuck task lives in a loop on another thread, like the fake servers' loops.
_INNER = """
import asyncio, threading, time

# Started at import, before the watchdog of the test below starts its timer.
loop = asyncio.new_event_loop()
started = threading.Event()


async def waiting_for_godot():
    started.set()
    await asyncio.Event().wait()


def run():
    loop.create_task(waiting_for_godot(), name="stuck-task")
    loop.run_forever()


threading.Thread(target=run, daemon=True).start()
started.wait(60)


def test_stuck():
    for _ in range(6000):  # only stops a hang of this test itself
        if not any(t.name.startswith("hang-watchdog") for t in threading.enumerate()):
            break
        time.sleep(0.01)
    loop.call_soon_threadsafe(loop.stop)
"""


def test_a_hung_test_dumps_threads_and_tasks(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(_INNER)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.hangs",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_inner.py"),
        ],
        cwd=ROOT,
        env={"COMPANION_TEST_HANG_DUMP": "0.2", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "test_inner.py::test_stuck still running after 0.2 s: stacks" in text
    assert "Current thread" in text or "Thread 0x" in text  # faulthandler's thread dump
    assert "stuck-task" in text and "waiting_for_godot" in text
    assert "end of stacks for" in text
