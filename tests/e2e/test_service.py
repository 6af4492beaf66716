"""End to end: a real `companion serve` process driven by an independent HTTP client."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from companion.testing.ollama import FakeOllama
from tests.e2e.procs import ServerProcess, run_cli

SECRET = "sk-e2e-proxy-key-9876"


async def test_first_start_setup_and_integration_lifecycle(tmp_path: Path) -> None:
    fake = FakeOllama(api_key=SECRET)
    await fake.start()
    server = ServerProcess(tmp_path / "data")
    server.start()
    try:
        token = server.setup_token()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            assert (await http.get("/api/integrations")).status_code == 401
            resp = await http.post("/api/setup/login", json={"token": token})
            assert resp.status_code == 200
            cookie = resp.headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=lax" in cookie
            # Cookie-authenticated writes echo the session's CSRF token, as the dashboard does.
            http.headers["X-CSRF-Token"] = resp.cookies["companion_csrf"]
            resp = await http.post(
                "/api/integrations",
                json={"domain": "ollama", "data": {"url": fake.url, "api_key": "bad"}},
            )
            assert resp.status_code == 400
            assert resp.json()["error"]["code"] == "invalid_auth"
            resp = await http.post(
                "/api/integrations",
                json={"domain": "ollama", "data": {"url": fake.url, "api_key": SECRET}},
            )
            assert resp.status_code == 201
            entry_id = resp.json()["entry"]["entry_id"]
            for _ in range(100):
                state = (await http.get("/api/integrations")).json()["entries"][0]["state"]
                if state == "loaded":
                    break
                await asyncio.sleep(0.05)
            assert state == "loaded"
            metrics = (await http.get("/metrics")).text
            assert (
                f'companion_integration_state{{domain="ollama",entry_id="{entry_id}",state="loaded"}} 1'
                in metrics
            )
        assert SECRET not in server.log()
    finally:
        server.stop()
    # The secret never reached the database file in clear.
    raw = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("companion.sqlite3*"))
    assert SECRET.encode() not in raw or not raw
    # `companion check` tests the stored integration: failing while Ollama is down, OK once it is up.
    port = fake.port
    await fake.stop()
    down = await asyncio.to_thread(run_cli, ["check"], server.env)
    assert down.returncode == 1
    assert "FAIL integration Ollama" in down.stdout and "cannot_connect" in down.stdout
    await fake.start(port=port)
    up = await asyncio.to_thread(run_cli, ["check"], server.env)
    await fake.stop()
    assert up.returncode == 0, up.stdout
    assert "OK   integration Ollama" in up.stdout


async def test_restart_keeps_data_and_setup_token(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    server.start()
    first = server.setup_token()
    server.stop()
    server.start()
    try:
        tokens = set(__import__("re").findall(r"setup token: (\S+)", server.log()))
        assert tokens == {first}
    finally:
        server.stop()
