"""A real Home Assistant core for end-to-end tests: started from a separate venv, onboarded,
with MQTT added through its config flow (never the project's venv: HA pins its own world).

The venv is named by COMPANION_TEST_HA_PYTHON (its python), else `.ha-venv/bin/python` at the
repository root; without one the tests that need it are skipped. Make one with:

    python3.13 -m venv .ha-venv && .ha-venv/bin/pip install homeassistant \\
        paho-mqtt home-assistant-frontend   # the versions HA's mqtt/frontend manifests pin

COMPANION_TEST_HA_SKIP_PYTHON_CHECK=1 starts HA past its own Python version check: newer
releases (2025.5 on) want Python 3.13.2 or later, and only 3.13.0 may be at hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.procs import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0
CONFIG = """\
homeassistant:
  name: Companion test
  latitude: 0
  longitude: 0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: FR
http:
  server_host: 127.0.0.1
  server_port: {port}
onboarding:
config:
api:
websocket_api:
"""


# `python -m homeassistant`, minus the check of the interpreter's patch version.
SKIP_PYTHON_CHECK = (
    "import sys, homeassistant.__main__ as m; m.validate_python = lambda: None; "
    "sys.argv[0] = 'hass'; sys.exit(m.main())"
)


def ha_python() -> Path | None:
    """The python of a venv with homeassistant installed, if there is one."""
    configured = os.environ.get("COMPANION_TEST_HA_PYTHON")
    path = Path(configured) if configured else ROOT / ".ha-venv" / "bin" / "python"
    if not path.exists():
        return None
    probe = subprocess.run(
        [str(path), "-c", "import homeassistant.const as c; print(c.__version__)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return path if probe.returncode == 0 else None


@dataclass
class HomeAssistant:
    """A running Home Assistant with an owner's access token and a websocket."""

    url: str
    http: aiohttp.ClientSession
    token: str = ""
    version: str = ""
    _ws: aiohttp.ClientWebSocketResponse | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    events: list[dict[str, Any]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None
    _replies: dict[int, asyncio.Future[Any]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        """The owner's bearer token."""
        return {"Authorization": f"Bearer {self.token}"}

    async def onboard(self) -> None:
        """Create the owner account and take a token, as the first visit to HA does."""
        client_id = self.url + "/"
        async with self.http.post(
            f"{self.url}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Owner",
                "username": "owner",
                "password": "owner-pass-1234",
                "language": "en",
            },
        ) as resp:
            assert resp.status == 200, await resp.text()
            code = (await resp.json())["auth_code"]
        async with self.http.post(
            f"{self.url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
        ) as resp:
            assert resp.status == 200, await resp.text()
            self.token = (await resp.json())["access_token"]
        async with self.http.get(f"{self.url}/api/config", headers=self.headers) as resp:
            self.version = (await resp.json())["version"]

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.url}{path}", json=body, headers=self.headers) as resp:
            assert resp.status == 200, await resp.text()
            result: dict[str, Any] = await resp.json()
            return result

    async def add_mqtt(self, host: str, port: int, prefix: str) -> None:
        """Add MQTT through its config flow, then point discovery and birth at `prefix`."""
        flow = await self._post("/api/config/config_entries/flow", {"handler": "mqtt"})
        assert flow["step_id"] == "broker", flow
        done = await self._post(
            f"/api/config/config_entries/flow/{flow['flow_id']}", {"broker": host, "port": port}
        )
        assert done["type"] == "create_entry", done
        entry_id = done["result"]["entry_id"]
        options = await self._post("/api/config/config_entries/options/flow", {"handler": entry_id})
        assert options["step_id"] == "options", options
        done = await self._post(
            f"/api/config/config_entries/options/flow/{options['flow_id']}",
            {
                "discovery": True,
                "discovery_prefix": prefix,
                "birth_enable": True,
                "birth_topic": f"{prefix}/status",
                "birth_payload": "online",
                "will_enable": True,
                "will_topic": f"{prefix}/status",
                "will_payload": "offline",
            },
        )
        assert done["type"] == "create_entry", done

    async def states(self) -> dict[str, dict[str, Any]]:
        """Every entity's state, by entity id."""
        async with self.http.get(f"{self.url}/api/states", headers=self.headers) as resp:
            return {s["entity_id"]: s for s in await resp.json()}

    async def wait_state(self, entity_id: str, check: Any, timeout: float = 30) -> dict[str, Any]:
        """Poll until an entity exists and check(state) holds (bounded)."""
        async with asyncio.timeout(timeout):
            while True:
                state = (await self.states()).get(entity_id)
                if state is not None and check(state):
                    return state
                await asyncio.sleep(0.2)

    # -- websocket -----------------------------------------------------------------------

    async def connect_ws(self) -> None:
        """Authenticate the websocket and listen to state_changed events."""
        self._ws = await self.http.ws_connect(f"{self.url}/api/websocket")
        assert (await self._ws.receive_json())["type"] == "auth_required"
        await self._ws.send_json({"type": "auth", "access_token": self.token})
        assert (await self._ws.receive_json())["type"] == "auth_ok"
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await self.call({"type": "subscribe_events", "event_type": "state_changed"})

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            data = message.json()
            if data.get("type") == "event":
                self.events.append(data["event"]["data"])
                self._changed.set()
            elif data.get("id") in self._replies:
                self._replies.pop(data["id"]).set_result(data)

    async def call(self, command: dict[str, Any]) -> Any:
        """A websocket command; its result (fails on an error answer)."""
        assert self._ws is not None
        ident = next(self._ids)
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._replies[ident] = reply
        await self._ws.send_json({"id": ident, **command})
        data = await asyncio.wait_for(reply, 30)
        assert data.get("success"), data
        return data.get("result")

    async def wait_changes(
        self, entity_id: str, check: Any, since: int = 0, timeout: float = 30
    ) -> list[dict[str, Any]]:
        """The state_changed events of an entity (from index `since` of all events received),
        once one of them satisfies check."""
        async with asyncio.timeout(timeout):
            while True:
                mine = [e for e in self.events[since:] if e["entity_id"] == entity_id]
                if any(e["new_state"] is not None and check(e["new_state"]) for e in mine):
                    return mine
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        """Close the websocket."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()


@contextlib.asynccontextmanager
async def running_home_assistant(python: Path, config_dir: Path) -> AsyncIterator[HomeAssistant]:
    """Start HA on a free port and stop it afterwards (its log is in config_dir)."""
    port = free_port()
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(CONFIG.format(port=port))
    log = (config_dir / "ha-stdout.log").open("wb")
    launch = ["-m", "homeassistant"]
    if os.environ.get("COMPANION_TEST_HA_SKIP_PYTHON_CHECK"):
        launch = ["-c", SKIP_PYTHON_CHECK]
    proc = await asyncio.create_subprocess_exec(
        str(python),
        *launch,
        "-c",
        str(config_dir),
        "--skip-pip",
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    http = aiohttp.ClientSession()
    try:
        async with asyncio.timeout(START_TIMEOUT):
            while True:
                if proc.returncode is not None:
                    raise AssertionError(f"Home Assistant exited; see {config_dir}/ha-stdout.log")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/api/onboarding") as resp:
                        if resp.status == 200:
                            break
                await asyncio.sleep(0.25)
        yield HomeAssistant(url, http)
    finally:
        await http.close()
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()
