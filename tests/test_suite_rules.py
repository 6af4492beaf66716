"""Rules the suite keeps so it stays green on a busy machine (see README, Development)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# A port from bind(0) goes back to the kernel's ephemeral pool when the probe closes, where a
# process started meanwhile can take it: tests/e2e/procs.py:free_port is the one port helper.
_BIND_ZERO = re.compile(r"""\.bind\(\(\s*["'][^"']*["']\s*,\s*0\s*\)\)""")
# Reading the clock to assert how long something took belongs to bench/.
_ELAPSED = re.compile(r"assert[^\n]*(perf_counter|monotonic|time\.time)\(\)\s*-")


def _sources() -> list[Path]:
    return [p for p in TESTS.rglob("*.py") if p.name != Path(__file__).name]


def test_no_port_from_bind_zero() -> None:
    offenders = [str(p.relative_to(TESTS)) for p in _sources() if _BIND_ZERO.search(p.read_text())]
    assert offenders == [], "use tests.e2e.procs.free_port"


def test_no_elapsed_time_assertions() -> None:
    offenders = [str(p.relative_to(TESTS)) for p in _sources() if _ELAPSED.search(p.read_text())]
    assert offenders == [], "timings go in bench/"
