"""`companion demo`: a newcomer sees the companion working against a fake Jellyfin."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.procs import companion_env, free_port


async def test_demo_signs_in_browses_and_goes_live(tmp_path: Path) -> None:
    port, jf_port = free_port(), free_port()
    env = companion_env(tmp_path / "unused")
    env.pop("COMPANION_DATA_DIR")
    env.pop("COMPANION_DATABASE_URL", None)
    log = (tmp_path / "demo.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "companion.cli",
            "demo",
            "--port",
            str(port),
            "--jellyfin-port",
            str(jf_port),
            "--tracks",
            "300",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            # Ready once the banner is printed (after the webhook is pointed at the companion).
            for _ in range(1200):
                if "Press Ctrl-C" in (tmp_path / "demo.log").read_text():
                    break
                await asyncio.sleep(0.05)
            output = (tmp_path / "demo.log").read_text()
            assert (
                "demo / demo (administrator)" in output and f"http://127.0.0.1:{jf_port}" in output
            )
            assert (
                await http.post("/api/auth/login", json={"username": "demo", "password": "demo"})
            ).status_code == 200
            tracks = (await http.get("/api/library/tracks?limit=5")).json()
            assert len(tracks["items"]) == 5
            track = tracks["items"][0]
            item_id = track["ref"].removeprefix("jellyfin:")
            # A favorite set "in another Jellyfin app" reaches the companion's overlay.
            async with httpx.AsyncClient() as fake:
                await fake.post(
                    f"http://127.0.0.1:{jf_port}/__fake__/users/demo/favorites/{item_id}"
                )
            for _ in range(200):
                live = (await http.get("/api/live/status")).json()
                if live["facts_applied"]:
                    break
                await asyncio.sleep(0.05)
            assert live["facts_applied"] > 0
            webhook = (await http.get("/api/settings/webhooks/jellyfin")).json()
            assert webhook["url"] == f"{base}/webhooks/jellyfin"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert proc.returncode == 0, (tmp_path / "demo.log").read_text()[-2000:]
