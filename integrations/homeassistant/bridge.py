"""The MQTT bridge: forwards automation events to Home Assistant and commands back to the bus."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiomqtt

from companion.events import Event, EventBus, Unsubscribe
from integrations.homeassistant import quiet, retained
from integrations.homeassistant.client import connected
from integrations.homeassistant.const import OFFLINE, ONLINE, RECONNECT_MAX, RECONNECT_MIN
from integrations.homeassistant.entities_install import INSTALL, connectivity_topic
from integrations.homeassistant.exceptions import HomeAssistantMqttError
from integrations.homeassistant.models import BridgeConfig, marker_topic, valid_id
from integrations.homeassistant.snapshot import (
    dumps,
    snapshot_configs,
    snapshot_states,
    state_payload,
    state_topic,
)

_LOGGER = logging.getLogger(__name__)

# What the core's automation services publish (companion/automation/state.py).
STATE = "automation.state"
TRIGGER = "automation.trigger"
CONNECTIVITY = "automation.connectivity"
SNAPSHOT = "automation.snapshot"
SYNC_REQUEST = "automation.sync_request"
COMMAND = "automation.command"
RESULT = "automation.result"
ORIGIN = "mqtt"
MAX_COMMAND_BYTES = 16 * 1024
BRIDGE_ERROR = "bridge_error"


class HomeAssistantBridge:
    """Keeps one MQTT connection with a last will; reconnects with backoff."""

    def __init__(
        self, config: BridgeConfig, bus: EventBus, identifier: str, install_id: str = ""
    ) -> None:
        self.config = config
        self._bus = bus
        self._identifier = identifier
        self._install_id = install_id
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Unsubscribe | None = None
        self._restore_handler: Any = None
        # Published discovery configs and retained states, republished after a reconnect or
        # Home Assistant's birth message.
        self._configs: dict[str, str] = {}
        self._states: dict[str, str] = {}
        # Retained topics found on the broker at connect; what the first snapshot does not
        # publish again is left over (users gone, entities retired) and gets deleted.
        self._leftovers: set[str] | None = None
        self.connected = asyncio.Event()
        self.stats: Counter[str] = Counter()
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None
        self._reported_error: str | None = None
        self.connected_since: float | None = None
        # Stops the bridge (when it runs here) and forgets it; set by the entry's setup.
        self.release: Callable[[], Awaitable[None]] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Listen to the bus and start connecting."""
        loop = asyncio.get_running_loop()
        self._restore_handler = quiet.install(loop)
        self._unsubscribe = self._bus.subscribe(
            self._on_event,
            [STATE, TRIGGER, CONNECTIVITY, SNAPSHOT, RESULT],
            name="homeassistant-mqtt",
        )
        self._task = loop.create_task(self._run(), name="homeassistant-mqtt")

    async def stop(self) -> None:
        """Mark the device offline, disconnect cleanly (no last will) and stop listening."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self._publish(self.config.availability_topic, OFFLINE, retain=True, qos=1)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._restore_handler is not None:
            self._restore_handler()
            self._restore_handler = None

    def _error(self, message: str) -> None:
        self.last_error, self.last_error_at = message, datetime.now(UTC)

    async def _run(self) -> None:
        delay = RECONNECT_MIN
        while True:
            try:
                async with connected(self.config, self._identifier) as client:
                    delay = RECONNECT_MIN
                    await self._session(client)
            except (HomeAssistantMqttError, aiomqtt.MqttError) as err:
                if self.connected_since is not None or self.stats["reconnects"] == 0:
                    # Logged once per outage: the retries that follow stay quiet.
                    _LOGGER.warning("MQTT broker at %s is unavailable: %s", self.config.host, err)
                self._error(f"Broker connection lost: {err}")
            finally:
                self._client = None
                self.connected.clear()
                self.connected_since = None
            self.stats["reconnects"] += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX)

    async def _session(self, client: aiomqtt.Client) -> None:
        await client.publish(self.config.availability_topic, ONLINE, qos=1, retain=True)
        await self._take_over(client)
        await client.subscribe(self.config.status_topic)
        await client.subscribe(self.config.command_topic)
        self._client = client
        if self.stats["reconnects"]:
            _LOGGER.info("MQTT broker at %s is available again", self.config.host)
        self.connected_since = time.time()
        await self._republish()
        await self._report_error()
        # The core answers with a snapshot: discovery and states as they are now.
        self._bus.publish(Event(SYNC_REQUEST, {"origin": ORIGIN}, source="homeassistant"))
        self.connected.set()
        async for message in client.messages:
            await self._on_message(message)

    async def _take_over(self, client: aiomqtt.Client) -> None:
        """Note what this node left retained, and remove a previous node id of this install."""
        marker = marker_topic(self._install_id) if self._install_id else None
        found = await retained.scan(client, self.config.own_filters + ([marker] if marker else []))
        if found is None:
            self._leftovers = None
            return
        if marker is not None:
            old = retained.previous_node(found.pop(marker, None), self.config)
            if old is not None:
                removed = await retained.purge_node(client, old)
                _LOGGER.info(
                    "Removed %d retained MQTT messages of this install's previous node id %s",
                    removed,
                    old.node_id,
                )
            await client.publish(marker, retained.marker_payload(self.config), qos=1, retain=True)
        self._leftovers = set(found) - {self.config.availability_topic}

    # -- publishing --------------------------------------------------------------------------

    async def _publish(self, topic: str, payload: str, *, retain: bool, qos: int = 0) -> None:
        client = self._client
        if client is None:
            self.stats["dropped_offline"] += 1
            return
        try:
            await client.publish(topic, payload, qos=qos, retain=retain)
            self.stats["published"] += 1
        except aiomqtt.MqttError as err:
            self.stats["publish_errors"] += 1
            self._error(f"Publishing to {topic} failed: {err}")
            _LOGGER.debug("MQTT publish to %s failed: %s", topic, err)

    async def _republish(self) -> None:
        for topic, payload in list(self._configs.items()):
            await self._publish(topic, payload, retain=True)
        for topic, payload in list(self._states.items()):
            await self._publish(topic, payload, retain=True)

    async def _retain_states(self, messages: dict[str, str]) -> None:
        for topic, payload in messages.items():
            if self._states.get(topic) == payload:
                # Unchanged: Home Assistant would see nothing new.
                continue
            self._states[topic] = payload
            await self._publish(topic, payload, retain=True)

    async def _report_error(self) -> None:
        """Publish the bridge's last error (one seen while offline is published on return)."""
        self._reported_error = self.last_error
        attributes = {
            "at": self.last_error_at.isoformat() if self.last_error_at else None,
            "reconnects": self.stats["reconnects"],
            "publish_errors": self.stats["publish_errors"],
        }
        topic = self.config.install_topic(BRIDGE_ERROR)
        payload = state_payload((self.last_error or "none")[:255], attributes)
        await self._retain_states({topic: payload})

    async def _on_event(self, event: Event) -> None:
        data = event.data
        if event.type == STATE:
            uid = data.get("user_id")
            topic = state_topic(self.config, str(uid) if uid else None, str(data.get("sensor")))
            if topic is not None:
                payload = state_payload(data.get("state"), data.get("attributes"))
                await self._retain_states({topic: payload})
        elif event.type == TRIGGER:
            await self._trigger(data)
        elif event.type == CONNECTIVITY:
            entry_id = str(data.get("entry_id", ""))
            if valid_id(entry_id):
                payload = "ON" if data.get("connected") else "OFF"
                await self._retain_states({connectivity_topic(self.config, entry_id): payload})
        elif event.type == SNAPSHOT:
            await self._snapshot(data)
        elif event.type == RESULT and data.get("origin") == ORIGIN:
            await self._publish(self.config.result_topic, dumps(data), retain=False)
        if self.last_error != self._reported_error and self._client is not None:
            await self._report_error()

    async def _snapshot(self, snapshot: dict[str, Any]) -> None:
        configs = {t: dumps(p) for t, p in snapshot_configs(self.config, snapshot).items()}
        for topic in set(self._configs) - set(configs):
            # An empty retained config deletes the entity in Home Assistant (and the retained
            # message on the broker).
            await self._publish(topic, "", retain=True)
            del self._configs[topic]
        for topic, payload in configs.items():
            if self._configs.get(topic) != payload:
                self._configs[topic] = payload
                await self._publish(topic, payload, retain=True)
        states = snapshot_states(self.config, snapshot)
        for topic in [t for t in self._states if t.startswith(f"{self.config.base}/user/")]:
            if topic not in states:
                # A user who is gone: their retained values go with their entities.
                await self._publish(topic, "", retain=True)
                del self._states[topic]
        await self._retain_states(states)
        if self._leftovers is not None and self._client is not None:
            stale = self._leftovers - set(self._configs) - set(self._states)
            stale.discard(self.config.availability_topic)
            self._leftovers = None
            for topic in sorted(stale):
                await self._publish(topic, "", retain=True, qos=1)
            if stale:
                _LOGGER.info(
                    "Removed %d retained MQTT messages nothing publishes any more", len(stale)
                )

    async def _trigger(self, data: dict[str, Any]) -> None:
        kind = str(data.get("trigger", ""))
        uid = data.get("user_id")
        attributes = {k: v for k, v in data.items() if k not in ("trigger",)}
        # Events and triggers are never retained: Home Assistant ignores retained events.
        if uid:
            if not valid_id(str(uid)):
                return
            trigger_topic = self.config.user_topic(str(uid), "trigger", kind)
            event_topic = self.config.user_topic(str(uid), "event")
        else:
            trigger_topic = f"{self.config.base}/trigger/{kind}"
            event_topic = f"{self.config.base}/event"
            attributes["scope"] = INSTALL
        await self._publish(trigger_topic, dumps(attributes), retain=False)
        await self._publish(event_topic, dumps({"event_type": kind, **attributes}), retain=False)

    # -- messages from Home Assistant --------------------------------------------------------

    async def _on_message(self, message: aiomqtt.Message) -> None:
        topic = str(message.topic)
        payload = message.payload
        raw = payload if isinstance(payload, bytes | bytearray) else str(payload or "").encode()
        if topic == self.config.status_topic:
            if raw.strip() == ONLINE.encode():
                # Home Assistant restarted: it needs every config again, and the core re-reads
                # its users so those gone since are removed.
                self.stats["births"] += 1
                await self._republish()
                self._bus.publish(Event(SYNC_REQUEST, {"origin": ORIGIN}, source="homeassistant"))
            return
        if topic == self.config.command_topic and not message.retain:
            await self._command(bytes(raw))

    async def _command(self, raw: bytes) -> None:
        self.stats["commands"] += 1
        try:
            body = json.loads(raw) if len(raw) <= MAX_COMMAND_BYTES else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            await self._reject(None, "invalid_json", "A command is a JSON object.")
            return
        action, user = body.get("action"), body.get("user", "")
        if not isinstance(action, str) or not isinstance(user, str):
            await self._reject(
                body.get("request_id"), "invalid_input", "'action' and 'user' must be strings."
            )
            return
        params = {k: v for k, v in body.items() if k not in ("action", "user", "request_id")}
        self._bus.publish(
            Event(
                COMMAND,
                {
                    "action": action,
                    "user": user,
                    "params": params,
                    "origin": ORIGIN,
                    "request_id": body.get("request_id"),
                },
                source="homeassistant",
            )
        )

    async def _reject(self, request_id: Any, code: str, message: str) -> None:
        result = {
            "request_id": request_id,
            "ok": False,
            "origin": ORIGIN,
            "error": {"code": code, "message": message},
        }
        # Through the bus like every result: the core shows it as the last command too.
        self._bus.publish(Event(RESULT, result, source="homeassistant"))

    def diagnostics(self) -> dict[str, Any]:
        """The bridge's connection and counters."""
        return {
            "connected": self.connected.is_set(),
            "connected_since": self.connected_since,
            "last_error": self.last_error,
            "base_topic": self.config.base,
            "discovery_prefix": self.config.discovery_prefix,
            "discovery_configs": len(self._configs),
            "retained_states": len(self._states),
            "stats": dict(self.stats),
        }
