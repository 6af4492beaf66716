"""Shared plumbing for the live-event benchmarks: processes, sign-in, the SQLite file.

Everything listens on 127.0.0.1 and every process started here is stopped by `Procs.close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from companion import const
from companion.testing.jellyfin import FAKE_API_KEY
from tests.e2e.procs import ServerProcess, free_port


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    """The median, NaN for nothing."""
    return statistics.median(values) if values else float("nan")


def rss_kb(pid: int) -> int:
    """VmRSS of a process in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Procs:
    """The fake Jellyfin and companion processes of one benchmark run."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="bench-live-")
        self.root = Path(self.tmp.name)
        self.fake: subprocess.Popen[bytes] | None = None
        self.fake_url = ""
        self.others: list[subprocess.Popen[bytes]] = []
        self.server: ServerProcess | None = None

    @property
    def data_dir(self) -> Path:
        """The companion's data directory."""
        return self.root / "data"

    @property
    def db_path(self) -> Path:
        """The companion's SQLite file."""
        return self.data_dir / const.DATABASE_FILENAME

    def start_fake(self, tracks: int = 500, version: str = "10.10.7") -> str:
        """Start `python -m companion.testing.jellyfin`; return its URL (not yet waited for)."""
        port = free_port()
        log = (self.root / "fake.log").open("ab")
        self.fake = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "companion.testing.jellyfin",
                "--port",
                str(port),
                "--tracks",
                str(tracks),
                "--version",
                version,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.fake_url = f"http://127.0.0.1:{port}"
        return self.fake_url

    def spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        """Start another helper process (stopped by close)."""
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.others.append(proc)
        return proc

    def companion(self, admin_login: bool = False) -> ServerProcess:
        """Create (not start) the companion process talking to the fake."""
        extra = {"JELLYFIN_URL": self.fake_url}
        if admin_login:
            extra |= {"JELLYFIN_USERNAME": "demo", "JELLYFIN_PASSWORD": "demo"}
        else:
            extra["JELLYFIN_API_KEY"] = FAKE_API_KEY
        self.server = ServerProcess(self.data_dir, extra_env=extra)
        self.server.env.pop("COMPANION_DATABASE_URL", None)  # always the SQLite file
        return self.server

    def close(self) -> None:
        """Stop everything started here, whatever state it is in."""
        if self.server is not None:
            with contextlib.suppress(Exception):
                self.server.stop()
        for proc in [*self.others, *([self.fake] if self.fake else [])]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.others, *([self.fake] if self.fake else [])]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.tmp.cleanup()

    def sql(self, query: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one read query on the companion's SQLite file (stdlib sqlite3, read-only)."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute(query, args).fetchall()
        finally:
            conn.close()


async def wait_http(http: aiohttp.ClientSession, url: str, timeout: float = 20) -> None:
    """Wait until GET url answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError, OSError):
            async with http.get(url) as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{url} did not answer")


async def sign_in(http: aiohttp.ClientSession, base: str, user: str) -> dict[str, Any]:
    """POST /api/auth/login (the session cookie lands in http's jar); return the user.

    A companion that has just started may still be loading its Jellyfin entry (409
    `jellyfin_not_configured`): that is retried for a while, anything else is an error.
    """
    deadline = time.monotonic() + 60
    while True:
        async with http.post(
            f"{base}/api/auth/login", json={"username": user, "password": user}
        ) as resp:
            body = await resp.json()
        if resp.status == 200:
            break
        loading = resp.status == 409 and body["error"]["code"] == "jellyfin_not_configured"
        if not loading or time.monotonic() > deadline:
            raise RuntimeError(f"sign-in of {user} failed: {resp.status} {body}")
        await asyncio.sleep(0.2)
    # Cookie-authenticated writes carry the session's CSRF token, as the dashboard's do.
    csrf = next(c.value for c in http.cookie_jar if c.key == "companion_csrf")
    http.headers["X-CSRF-Token"] = csrf
    return body  # type: ignore[no-any-return]


async def webhook_secret(http: aiohttp.ClientSession, base: str) -> tuple[str, str]:
    """(header, secret) from the admin settings API (http must be signed in as an admin)."""
    async with http.get(f"{base}/api/settings/webhooks/jellyfin") as resp:
        body = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"webhook settings: {resp.status} {body}")
        return body["header"], body["secret"]


def cookie_session() -> aiohttp.ClientSession:
    """A client session that keeps cookies for 127.0.0.1."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def raise_nofile(want: int) -> int:
    """Raise this process's open-files limit as far as allowed; return the new soft limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, want), hard) if hard != resource.RLIM_INFINITY else max(soft, want)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pid_alive(pid: int) -> bool:
    """Whether the process exists."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
