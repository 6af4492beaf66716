"""`python -m companion.healthcheck` (the image's HEALTHCHECK) follows the configured port."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion.healthcheck import health_url
from tests.e2e.procs import free_port


def test_health_url() -> None:
    assert health_url("0.0.0.0", 9000) == "http://127.0.0.1:9000/healthz"
    assert health_url("::", 8097) == "http://[::1]:8097/healthz"
    assert health_url("192.168.1.5", 8097) == "http://192.168.1.5:8097/healthz"
    assert health_url("[fd00::5]", 8097) == "http://[fd00::5]:8097/healthz"


async def _probe(env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "companion.healthcheck",
        env={"PATH": "/usr/bin:/bin", **env},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_probe_follows_the_configured_port(client: TestClient[Any, Any]) -> None:
    port = client.port
    assert port is not None
    code, _ = await _probe({"COMPANION_HOST": "0.0.0.0", "COMPANION_PORT": str(port)})
    assert code == 0
    code, err = await _probe({"COMPANION_PORT": str(free_port())})
    assert code == 1 and "unhealthy: http://127.0.0.1:" in err


@pytest.mark.parametrize("env", [{"COMPANION_PORT": "http"}])
async def test_bad_settings_are_unhealthy(env: dict[str, str]) -> None:
    code, err = await _probe(env)
    assert code == 1 and "COMPANION_PORT: expected a port number" in err
