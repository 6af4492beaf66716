"""Start to a 200 from /healthz on SQLite (median of 5) and idle resident memory.

python -m bench.startup [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tests.e2e.procs import ServerProcess


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    """Print startup and memory figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    first: list[float] = []
    warm: list[float] = []
    rss: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            server = ServerProcess(Path(tmp) / "data", extra_env={"COMPANION_DATABASE_URL": ""})
            server.env.pop("COMPANION_DATABASE_URL", None)
            first.append(server.start())  # fresh install: creates the key, migrates
            server.stop()
            warm.append(server.start())  # restart on an existing database
            time.sleep(2.0)  # let it settle idle
            assert server.proc is not None
            rss.append(_rss_mb(server.proc.pid))
            server.stop()
    print(f"startup_to_healthz_fresh_install_median_s: {statistics.median(first):.3f}")
    print(f"startup_to_healthz_restart_median_s: {statistics.median(warm):.3f}")
    print(f"idle_rss_mb_median: {statistics.median(rss):.1f}")


if __name__ == "__main__":
    main()
