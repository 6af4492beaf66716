"""Event to MQTT state publish: a playback event on the bus until a real subscriber on the broker
receives the user's "now playing" JSON message, state and attributes together (budget: p99
under 50 ms), against a baseline measured in the same run: a bare publish -> receive round trip
through the same broker.

python -m bench.mqtt_latency [--events 500] [--host 127.0.0.1] [--port 1883]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiomqtt
from aiohttp import web
from cryptography.fernet import Fernet

from companion import keys
from companion.accounts.models import User
from companion.app import create_app
from companion.events import Event
from companion.library.models import LibraryTrack
from companion.settings import Settings

USER = "be0c4c2a1f7d4e5f8a9b0c1d2e3f4a5b"


def _item(i: int) -> str:
    return f"{i:032x}"


async def run(events: int, host: str, port: int) -> list[float]:
    """Publish `events` playback events one at a time; return each one's latency in ms."""
    tag = uuid.uuid4().hex[:8]
    prefix, node = f"bench_{tag}", f"bench_{tag}"
    state_topic = f"jellyfin_companion/{node}/user/{USER}/now_playing"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data",
            database_url=f"sqlite://{Path(tmp) / 'bench.sqlite3'}",
            secret_key=Fernet.generate_key().decode(),
            environ={
                "MQTT_HOST": host,
                "MQTT_PORT": str(port),
                "MQTT_DISCOVERY_PREFIX": prefix,
                "MQTT_NODE_ID": node,
            },
        )
        app = create_app(settings)
        runner = web.AppRunner(app)
        await runner.setup()
        received: dict[str, float] = {}
        arrived = asyncio.Event()
        try:
            entries = app[keys.ENTRIES]
            (entry,) = entries.entries("homeassistant")
            await entries.wait_setup(entry.entry_id)
            await asyncio.wait_for(entry.runtime_data.connected.wait(), 10)
            await LibraryTrack.bulk_create(
                [
                    LibraryTrack(
                        item_id=_item(i),
                        title=f"Track {i}",
                        artists="Bench",
                        artist_ids="",
                        album="Bench",
                        search_key=f"track {i}",
                    )
                    for i in range(events)
                ]
            )
            await User.create(name="bench", jellyfin_id=USER)
            bus = app[keys.BUS]
            async with aiomqtt.Client(host, port, identifier=f"bench-{tag}") as sub:
                await sub.subscribe(state_topic)

                async def read() -> None:
                    async for message in sub.messages:
                        payload = message.payload
                        if isinstance(payload, bytes | bytearray) and payload:
                            value = json.loads(payload)
                            # Counted only when the attributes came with the state.
                            if value["state"] == "idle" or value["attributes"]["artist"]:
                                received[value["state"]] = time.perf_counter()
                                arrived.set()

                reader = asyncio.create_task(read())
                bus.publish(Event("user.signed_in", {"name": "bench"}, user_id=USER))
                await _wait(received, arrived, "idle")
                latencies = []
                for i in range(events):
                    title = f"Track {i}"
                    data = {
                        "session_id": "s1",
                        "item_id": _item(i),
                        "ref": f"jellyfin:{_item(i)}",
                        "device_name": "Bench",
                        "client": "bench",
                        "position": 1.0,
                        "duration": 200.0,
                        "is_paused": False,
                        "state": "playing",
                    }
                    started = time.perf_counter()
                    bus.publish(Event("playback.started", data, user_id=USER, source="socket"))
                    await _wait(received, arrived, title)
                    latencies.append((received[title] - started) * 1000)
                reader.cancel()
        finally:
            await runner.cleanup()
            # After the app stopped: its retained "offline" goes too.
            await _clear(host, port, prefix, node)
    return latencies


async def baseline(events: int, host: str, port: int) -> list[float]:
    """A bare publish -> receive round trip through the same broker, in ms."""
    topic = f"bench_{uuid.uuid4().hex[:8]}/ping"
    received: dict[str, float] = {}
    arrived = asyncio.Event()
    async with (
        aiomqtt.Client(host, port, identifier=f"bench-sub-{topic}") as sub,
        aiomqtt.Client(host, port, identifier=f"bench-pub-{topic}") as pub,
    ):
        await sub.subscribe(topic)

        async def read() -> None:
            async for message in sub.messages:
                if isinstance(message.payload, bytes | bytearray):
                    received[message.payload.decode()] = time.perf_counter()
                    arrived.set()

        reader = asyncio.create_task(read())
        latencies = []
        for i in range(events):
            started = time.perf_counter()
            await pub.publish(topic, str(i))
            await _wait(received, arrived, str(i))
            latencies.append((received[str(i)] - started) * 1000)
        reader.cancel()
    return latencies


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def _wait(received: dict[str, float], arrived: asyncio.Event, key: str) -> None:
    async with asyncio.timeout(10):
        while key not in received:
            arrived.clear()
            await arrived.wait()


async def _clear(host: str, port: int, prefix: str, node: str) -> None:
    # Leave no retained messages behind on the broker (the install marker naming this node too).
    seen: set[str] = set()
    async with aiomqtt.Client(host, port, identifier=f"bench-clear-{node}") as client:
        await client.subscribe(f"{prefix}/#")
        await client.subscribe(f"jellyfin_companion/{node}/#")
        await client.subscribe("jellyfin_companion/_installs/+")
        try:
            async with asyncio.timeout(0.5):
                async for message in client.messages:
                    payload = message.payload
                    if not (message.retain and isinstance(payload, bytes) and payload):
                        continue
                    if "/_installs/" not in str(message.topic) or node.encode() in payload:
                        seen.add(str(message.topic))
        except TimeoutError:
            pass
        for topic in seen:
            await client.publish(topic, b"", retain=True)


def main() -> None:
    """Print p50 and p99 of event -> MQTT state message, and their ratio to a bare round trip."""
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    args = parser.parse_args()
    bare = asyncio.run(baseline(args.events, args.host, args.port))
    latencies = asyncio.run(run(args.events, args.host, args.port))
    p50, p99 = statistics.median(latencies), _p(latencies, 0.99)
    print(f"mqtt_roundtrip_baseline_p50_ms: {statistics.median(bare):.2f}")
    print(f"mqtt_state_publish_p50_ms: {p50:.2f}")
    print(f"mqtt_state_publish_p99_ms: {p99:.2f}")
    print(f"mqtt_state_publish_max_ms: {max(latencies):.2f}")
    print(f"mqtt_state_publish_p50_vs_baseline: {p50 / statistics.median(bare):.1f}x")


if __name__ == "__main__":
    main()
