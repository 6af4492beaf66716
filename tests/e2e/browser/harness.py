"""A `companion demo` process and headless Chromium (Debian's) for the browser tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.e2e.procs import companion_env, free_port

CHROMIUM = os.environ.get("COMPANION_TEST_CHROMIUM", "/usr/bin/chromium")
UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."
# Every wait in the browser tests is bounded by this (milliseconds).
TIMEOUT_MS = 15_000


class DemoStack:
    """`companion demo` (fake Jellyfin + companion wired to it) in a subprocess."""

    def __init__(self, workdir: Path, tracks: int = 300) -> None:
        self.workdir = workdir
        self.tracks = tracks
        self.port, self.jf_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.jellyfin = f"http://127.0.0.1:{self.jf_port}"
        self.log_path = workdir / "demo.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        """Start the demo and wait for its banner."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = companion_env(self.workdir / "unused")
        env.pop("COMPANION_DATA_DIR")
        # Always SQLite in a temporary directory: the PostgreSQL test database is reset per test.
        env.pop("COMPANION_DATABASE_URL", None)
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
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)
        self.proc = None

    # -- the fake Jellyfin's control plane ------------------------------------------------------

    def fake(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """Call the fake Jellyfin's /__fake__ control plane."""
        resp = httpx.request(method, f"{self.jellyfin}/__fake__{path}", json=json, timeout=10)
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
        http = httpx.Client(base_url=self.url, timeout=10)
        resp = http.post("/api/auth/login", json={"username": user, "password": user})
        assert resp.status_code == 200, resp.text
        http.headers["X-CSRF-Token"] = resp.cookies["companion_csrf"]
        return http


@contextmanager
def chromium() -> Iterator[tuple[Playwright, Browser]]:
    """Headless Chromium from the system (never a downloaded browser)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield pw, browser
        finally:
            browser.close()


def new_context(browser: Browser, **kw: Any) -> BrowserContext:
    """A fresh browser profile with the tests' default timeout on every wait."""
    context = browser.new_context(**kw)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(page: Page, stack: DemoStack, user: str = "demo") -> None:
    """Sign in through the sign-in form and wait for the library."""
    page.goto(f"{stack.url}/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(user)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{stack.url}/library")


def wait_live(page: Page) -> None:
    """Wait until the page's websocket is subscribed to events."""
    page.wait_for_selector("body[data-ws=open]")
