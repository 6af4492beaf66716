"""`companion demo` starts a fake AudioMuse-AI too: a vibe queue works out of the box."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.procs import companion_env, free_port


async def test_demo_builds_a_vibe_queue_with_audiomuse(tmp_path: Path) -> None:
    port, jf_port = free_port(), free_port()
    env = companion_env(tmp_path / "unused")
    env.pop("COMPANION_DATA_DIR")
    env.pop("COMPANION_DATABASE_URL", None)
    env = {k: v for k, v in env.items() if not k.startswith("AUDIOMUSE_")}
    log_path = tmp_path / "demo.log"
    log = log_path.open("wb")
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
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for _ in range(300):
                if "Press Ctrl-C" in log_path.read_text():
                    break
                await asyncio.sleep(0.05)
            assert "Fake AudioMuse:" in log_path.read_text()
            login = await http.post(
                "/api/auth/login", json={"username": "demo", "password": "demo"}
            )
            assert login.status_code == 200
            created = await http.post(
                "/api/tokens",
                json={"name": "e2e"},
                headers={"X-CSRF-Token": http.cookies.get("companion_csrf") or ""},
            )
            assert created.status_code == 201, created.text
            bearer = {"Authorization": f"Bearer {created.json()['token']}"}
            http.cookies.clear()
            track = (await http.get("/api/library/tracks?limit=1", headers=bearer)).json()
            ref = track["items"][0]["ref"]
            for _ in range(100):  # the AudioMuse entry is set up in the background
                resp = await http.post(
                    "/api/vibe", json={"mode": "text", "text": "calm piano songs"}, headers=bearer
                )
                if resp.status_code != 503:
                    break
                await asyncio.sleep(0.05)
            assert resp.status_code == 201, resp.text
            assert resp.json()["engine"] == "audiomuse" and resp.json()["items"]
            similar = await http.post(
                "/api/vibe", json={"mode": "similar", "ref": ref, "limit": 10}, headers=bearer
            )
            assert similar.status_code == 201
            assert similar.json()["items"][0]["ref"] == ref
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert proc.returncode == 0, log_path.read_text()[-2000:]
