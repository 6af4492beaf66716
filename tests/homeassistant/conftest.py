"""Fixtures of the Home Assistant bridge tests: the real Mosquitto on 127.0.0.1:1883."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from tests.e2e.procs import free_port

BROKER_HOST = "127.0.0.1"
BROKER_PORT = 1883


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((BROKER_HOST, port)) == 0


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[None]:
    """The real Mosquitto on 127.0.0.1:1883: used when running, started when only installed."""
    if _listening(BROKER_PORT):
        yield
        return
    binary = shutil.which("mosquitto")
    if binary is None:
        pytest.skip("Mosquitto is neither running on 127.0.0.1:1883 nor installed")
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "mosquitto.conf"
        user = "user root\n" if os.geteuid() == 0 else ""
        conf.write_text(
            f"listener {BROKER_PORT} {BROKER_HOST}\nallow_anonymous true\npersistence false\n{user}"
        )
        proc = subprocess.Popen(
            [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            for _ in range(600):
                if _listening(BROKER_PORT) or proc.poll() is not None:
                    break
                time.sleep(0.05)
            if not _listening(BROKER_PORT):
                pytest.fail("Mosquitto was started but does not listen on 127.0.0.1:1883")
            yield
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@dataclass
class Received:
    """One message seen by the probe."""

    topic: str
    payload: str
    retain: bool

    def json(self) -> Any:
        """The payload parsed as JSON."""
        return json.loads(self.payload)


class MqttProbe:
    """A real subscriber on the broker that records what it receives."""

    def __init__(
        self,
        filters: list[str],
        *,
        port: int = BROKER_PORT,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.filters = filters
        self.messages: list[Received] = []
        self._changed = asyncio.Event()
        self._client = aiomqtt.Client(
            BROKER_HOST,
            port,
            username=username,
            password=password,
            identifier=f"probe-{uuid.uuid4().hex[:10]}",
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and subscribe."""
        await self._client.__aenter__()
        for topic in self.filters:
            await self._client.subscribe(topic, qos=1)
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for message in self._client.messages:
            payload = message.payload
            text = payload.decode() if isinstance(payload, bytes | bytearray) else str(payload)
            self.messages.append(Received(str(message.topic), text, bool(message.retain)))
            self._changed.set()

    async def publish(self, topic: str, payload: str, *, retain: bool = False) -> None:
        """Publish as Home Assistant would."""
        await self._client.publish(topic, payload, qos=1, retain=retain)

    async def wait_for(
        self, match: Callable[[Received], bool], timeout: float = 30, count: int = 1
    ) -> list[Received]:
        """Wait until `count` messages match; fail with what was seen otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [m for m in self.messages if match(m)]
            if len(found) >= count:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [(m.topic, m.payload[:80]) for m in self.messages[-20:]]
                raise AssertionError(f"no matching MQTT message within {timeout} s; saw {seen}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def on(self, topic: str) -> list[Received]:
        """Every message seen on a topic, oldest first."""
        return [m for m in self.messages if m.topic == topic]

    def latest(self, topic: str) -> Received | None:
        """The newest message on a topic."""
        for message in reversed(self.messages):
            if message.topic == topic:
                return message
        return None

    async def stop(self) -> None:
        """Disconnect."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await self._task
        with contextlib.suppress(aiomqtt.MqttError):
            await self._client.__aexit__(None, None, None)


INSTALL_MARKERS = "jellyfin_companion/_installs/+"


async def clear_retained(
    filters: list[str], port: int = BROKER_PORT, node_id: str | None = None
) -> None:
    """Delete every retained message under the filters (publish empty retained payloads), and
    the install marker naming node_id, if any."""
    marker = f"hatest_marker/{uuid.uuid4().hex}"
    probe = MqttProbe([*filters, INSTALL_MARKERS, marker], port=port)
    await probe.start()
    try:
        # The broker sends retained messages on subscribe: once our own marker comes back,
        # every retained one has arrived.
        await probe.publish(marker, "end")
        await probe.wait_for(lambda m: m.topic == marker)
        topics = {
            m.topic
            for m in probe.messages
            if m.retain
            and m.payload
            and (
                not m.topic.startswith(INSTALL_MARKERS[:-1])
                or (node_id is not None and f'"{node_id}"' in m.payload)
            )
        }
        for topic in topics:
            await probe.publish(topic, "", retain=True)
    finally:
        await probe.stop()


@dataclass(frozen=True)
class MqttNames:
    """Unique prefix and node id per test, so runs never see each other's retained messages."""

    prefix: str
    node_id: str

    @property
    def base(self) -> str:
        """The bridge's topic root."""
        return f"jellyfin_companion/{self.node_id}"

    @property
    def filters(self) -> list[str]:
        """Everything the bridge publishes."""
        return [f"{self.prefix}/#", f"{self.base}/#"]


@pytest.fixture(autouse=True)
async def mqtt_names(mosquitto: None) -> AsyncIterator[MqttNames]:
    """Unique names; retained messages under them are cleared afterwards.

    Autouse, so it is set up before the app and torn down after it: the app's last words
    (availability `offline`) are cleared too.
    """
    tag = uuid.uuid4().hex[:8]
    names = MqttNames(prefix=f"hatest_{tag}", node_id=f"node_{tag}")
    yield names
    await clear_retained(names.filters, node_id=names.node_id)


@pytest.fixture
def environ(mqtt_names: MqttNames) -> dict[str, str]:
    """The app configures the bridge from the environment."""
    return {
        "MQTT_HOST": BROKER_HOST,
        "MQTT_PORT": str(BROKER_PORT),
        "MQTT_DISCOVERY_PREFIX": mqtt_names.prefix,
        "MQTT_NODE_ID": mqtt_names.node_id,
    }


@pytest.fixture
async def probe(mqtt_names: MqttNames) -> AsyncIterator[MqttProbe]:
    """A subscriber to everything the bridge publishes."""
    p = MqttProbe(mqtt_names.filters)
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
async def bridge_client(client: TestClient[Any, Any]) -> TestClient[Any, Any]:
    """The started app with its bridge connected to the broker."""
    entries = client.app[keys.ENTRIES]
    (entry,) = entries.entries("homeassistant")
    await entries.wait_setup(entry.entry_id)
    await asyncio.wait_for(entry.runtime_data.connected.wait(), 30)
    return client


class AuthBroker:
    """A Mosquitto of the test's own on a free port that requires a username and password."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.username, self.password = "ha", "s3cret-pass"
        passwd = directory / "passwd"
        subprocess.run(
            ["mosquitto_passwd", "-b", "-c", str(passwd), self.username, self.password],
            check=True,
            timeout=10,
        )
        # Mosquitto drops root privileges unless told otherwise; it must still read the file.
        user = "user root\n" if os.geteuid() == 0 else ""
        self.conf = directory / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} {BROKER_HOST}\nallow_anonymous false\n"
            f"password_file {passwd}\npersistence false\n{user}"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        """Start and wait until it accepts connections."""
        self.proc = subprocess.Popen(
            ["mosquitto", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with asyncio.timeout(30):
            while True:
                try:
                    _, writer = await asyncio.open_connection(BROKER_HOST, self.port)
                    writer.close()
                    return
                except OSError:
                    await asyncio.sleep(0.05)

    def stop(self) -> None:
        """Stop it (retained messages are lost: persistence is off)."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None


@pytest.fixture
async def auth_broker(tmp_path: Path) -> AsyncIterator[AuthBroker]:
    """A started Mosquitto with `allow_anonymous false` and one user, stopped after the test."""
    broker = AuthBroker(tmp_path)
    await broker.start()
    yield broker
    broker.stop()
