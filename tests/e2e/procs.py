"""Run `companion` as a real process for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now, outside the ephemeral range.

    A port the kernel handed out with bind(0) goes back to the ephemeral pool when the probe
    closes, and a process started meanwhile (the demo's fake AudioMuse binds port 0) can get
    it before the companion binds it. Ports below the pool are never handed out that way.
    """
    low, _ = _ephemeral_range()
    start = max(1024, low - 12000)
    for _ in range(200):
        port = random.randrange(start, low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


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
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class DemoStack:
    """`companion demo` (fake Jellyfin + companion wired to it) in a subprocess."""

    def __init__(
        self, workdir: Path, tracks: int = 300, env: Mapping[str, str] | None = None
    ) -> None:
        self.workdir = workdir
        self.tracks = tracks
        self.extra_env = dict(env or {})
        self.port, self.jf_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.jellyfin = f"http://127.0.0.1:{self.jf_port}"
        self.log_path = workdir / "demo.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        """Start the demo and wait for its banner."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = companion_env(self.workdir / "unused", self.extra_env)
        env.pop("COMPANION_DATA_DIR")
        # Always SQLite in a temporary directory: the PostgreSQL test database is reset per test.
        env.pop("COMPANION_DATABASE_URL", None)
        # The demo configures its own fake AudioMuse; a developer's AUDIOMUSE_* must not win.
        env = {k: v for k, v in env.items() if not k.startswith("AUDIOMUSE_")}
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "companion.cli",
                "demo",
                "--port",
                str(self.port),
                "--jellyfin-port",
                str(self.jf_port),
                "--tracks",
                str(self.tracks),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"demo exited early:\n{self.log()}")
            if "Press Ctrl-C" in self.log():
                return
            time.sleep(0.05)
        raise TimeoutError(f"demo did not start:\n{self.log()}")

    def log(self) -> str:
        """Everything the demo printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Stop the demo (SIGINT, then SIGKILL after 15 s)."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None

    # -- the fake Jellyfin's control plane ------------------------------------------------------

    def fake(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """Call the fake Jellyfin's /__fake__ control plane."""
        resp = httpx.request(method, f"{self.jellyfin}/__fake__{path}", json=json, timeout=30)
        assert resp.status_code < 300, (path, resp.status_code, resp.text)
        return resp

    def jellyfin_down(self) -> None:
        """Make every Jellyfin REST call fail."""
        self.fake("PUT", "/faults", {"error_rate": 1.0, "status": 500})

    def jellyfin_up(self) -> None:
        """Clear fault injection."""
        self.fake("DELETE", "/faults")

    def api(self, user: str = "demo") -> httpx.Client:
        """An API client signed in as a demo user (cookie plus its CSRF header)."""
        http = httpx.Client(base_url=self.url, timeout=30)
        resp = http.post("/api/auth/login", json={"username": user, "password": user})
        assert resp.status_code == 200, resp.text
        http.headers["X-CSRF-Token"] = resp.cookies["companion_csrf"]
        return http
