"""The suite's MQTT broker: start the local Mosquitto when it is installed but not running.

The Home Assistant bridge tests and `bench.mqtt_latency` talk to a real broker on
127.0.0.1:1883. A machine with Debian's `mosquitto` package installed but its service stopped
(a container without an init system, a CI runner) gets one for the session, started here and
stopped at the end. A broker already listening is used as it is.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

HOST, PORT = "127.0.0.1", 1883
START_TIMEOUT_SECONDS = 30
_started: list[tuple[subprocess.Popen[bytes], tempfile.TemporaryDirectory[str]]] = []


def _listening() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, PORT)) == 0


def start_mosquitto() -> bool:
    """Start Mosquitto on 127.0.0.1:1883 (anonymous, no persistence); tell whether it runs."""
    if _listening():
        return True
    binary = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if binary is None:
        return False
    directory = tempfile.TemporaryDirectory(prefix="suite-mosquitto-")
    conf = Path(directory.name) / "mosquitto.conf"
    conf.write_text(f"listener {PORT} {HOST}\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _started.append((proc, directory))
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if _listening():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def stop_mosquitto() -> None:
    """Stop the broker this module started (never one that was already running)."""
    while _started:
        proc, directory = _started.pop()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        directory.cleanup()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the broker once per run (in the controller when tests run in workers)."""
    if not hasattr(session.config, "workerinput"):
        start_mosquitto()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the broker started above."""
    stop_mosquitto()
