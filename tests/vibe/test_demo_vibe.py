"""`companion demo` starts a fake AudioMuse-AI too: a vibe queue works out of the box."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.e2e.procs import DemoStack


async def test_demo_builds_a_vibe_queue_with_audiomuse(tmp_path: Path) -> None:
    stack = DemoStack(tmp_path)
    stack.start()
    proc = stack.proc
    try:
        assert "Fake AudioMuse:" in stack.log()
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
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
            for _ in range(600):  # the AudioMuse entry is set up in the background (30 s at most)
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
        stack.stop()
    assert proc is not None and proc.returncode == 0, stack.log()[-2000:]
