"""End to end: a real `companion serve` process driven by an independent HTTP client."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from companion.check import JELLYFIN_MISSING
from companion.testing.ollama import FakeOllama
from tests.conftest import PG_URL
from tests.e2e.procs import ServerProcess, run_cli

SECRET = "sk-e2e-proxy-key-9876"


async def test_first_start_setup_and_integration_lifecycle(tmp_path: Path) -> None:
    fake = FakeOllama(api_key=SECRET)
    await fake.start()
    server = ServerProcess(tmp_path / "data")
    server.start()
    try:
        token = server.setup_token()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
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
            for _ in range(600):
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
    # The secret never reached the database in clear, while the entry itself is there.
    stored = await _database_text(tmp_path / "data")
    assert entry_id.encode() in stored
    assert SECRET.encode() not in stored
    # `companion check` tests the stored integration: failing while Ollama is down, OK once it is up.
    port = fake.port
    await fake.stop()
    down = await asyncio.to_thread(run_cli, ["check"], server.env)
    assert down.returncode == 1
    assert "FAIL integration Ollama" in down.stdout and "cannot_connect" in down.stdout
    await fake.start(port=port)
    up = await asyncio.to_thread(run_cli, ["check"], server.env)
    await fake.stop()
    assert "OK   integration Ollama" in up.stdout.splitlines()[-1], up.stdout
    # The one failure left: this install has no Jellyfin.
    assert [line for line in up.stdout.splitlines() if line.startswith("FAIL")] == [
        f"FAIL integration Jellyfin: {JELLYFIN_MISSING}"
    ]
    assert up.returncode == 1


async def _database_text(data_dir: Path) -> bytes:
    """Everything the companion stored: the SQLite files' bytes, or every PostgreSQL row."""
    if not PG_URL:
        files = sorted(data_dir.glob("companion.sqlite3*"))
        assert files, "no SQLite database was written"
        return b"".join(p.read_bytes() for p in files)
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://", 1))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        assert tables, "no PostgreSQL table was written"
        rows: list[str] = []
        for table in tables:
            name = table["tablename"].replace('"', '""')
            rows += [r[0] for r in await conn.fetch(f'SELECT t::text FROM "{name}" AS t')]
    finally:
        await conn.close()
    return "\n".join(rows).encode()


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
