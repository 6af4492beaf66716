"""Run `companion` as a real process for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def companion_env(data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a companion process: a clean slate plus overrides."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COMPANION_", "OLLAMA_", "JELLYFIN_"))
    }
    env["COMPANION_DATA_DIR"] = str(data_dir)
    if os.environ.get("COMPANION_TEST_DATABASE_URL"):
        env["COMPANION_DATABASE_URL"] = os.environ["COMPANION_TEST_DATABASE_URL"]
    env.update(extra or {})
    return env


def run_cli(
    args: list[str], env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a companion command to completion."""
    return subprocess.run(
        [sys.executable, "-m", "companion.cli", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class ServerProcess:
    """`companion serve` in a subprocess, with its log captured to a file."""

    def __init__(
        self, data_dir: Path, port: int | None = None, extra_env: Mapping[str, str] | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.env = companion_env(data_dir, extra_env)
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> float:
        """Start and wait for /healthz; return the seconds it took."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "companion.cli", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"companion exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.01)
        raise TimeoutError(f"companion did not become healthy:\n{self.log()}")

    def log(self) -> str:
        """Return everything the process printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def setup_token(self) -> str:
        """Read the one-time setup token from the log."""
        match = re.search(r"setup token: (\S+)", self.log())
        if not match:
            raise AssertionError(f"no setup token in log:\n{self.log()}")
        return match.group(1)

    def stop(self, kill: bool = False) -> None:
        """Stop the process (SIGTERM, or SIGKILL when kill is set)."""
        if self.proc is None:
            return
        if kill:
            self.proc.kill()
        else:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
