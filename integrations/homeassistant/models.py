"""The bridge's settings and its topic layout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from integrations.homeassistant.const import (
    BASE_ROOT,
    DEFAULT_DISCOVERY_PREFIX,
    DEFAULT_PORT,
    KEEPALIVE,
)

# Home Assistant's discovery topics only accept these characters in node and object ids.
_ID = re.compile(r"[a-zA-Z0-9_-]+")
_PREFIX = re.compile(r"[a-zA-Z0-9_/-]+")


def valid_id(value: str) -> bool:
    """Tell whether value may be a node_id or object_id in a discovery topic."""
    return bool(_ID.fullmatch(value))


def valid_prefix(value: str) -> bool:
    """Tell whether value may be a discovery prefix (no wildcards, no empty levels)."""
    return bool(_PREFIX.fullmatch(value)) and "//" not in value and not value.endswith("/")


@dataclass(frozen=True)
class BridgeConfig:
    """Broker connection and naming of one bridge."""

    host: str
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX
    node_id: str = "companion"
    # Not entry data: the companion's public URL (device links, artwork) and the MQTT keepalive.
    public_url: str | None = None
    keepalive: int = KEEPALIVE

    @classmethod
    def from_data(
        cls, data: dict[str, Any], default_node_id: str, public_url: str | None = None
    ) -> BridgeConfig:
        """Build from a config entry's data (environment values may still be strings)."""
        tls = data.get("tls", False)
        return cls(
            host=str(data["host"]),
            port=int(data.get("port") or DEFAULT_PORT),
            username=data.get("username") or None,
            password=data.get("password") or None,
            tls=tls is True or str(tls).lower() in ("1", "true", "yes", "on"),
            discovery_prefix=str(data.get("discovery_prefix") or DEFAULT_DISCOVERY_PREFIX),
            node_id=str(data.get("node_id") or default_node_id),
            public_url=public_url.rstrip("/") if public_url else None,
        )

    @property
    def base(self) -> str:
        """The root of every state, command and trigger topic of this install."""
        return f"{BASE_ROOT}/{self.node_id}"

    @property
    def availability_topic(self) -> str:
        """Retained `online`/`offline`; the last will sets `offline`."""
        return f"{self.base}/availability"

    @property
    def command_topic(self) -> str:
        """JSON commands `{"action", "user", ...}` (never retained)."""
        return f"{self.base}/command"

    @property
    def result_topic(self) -> str:
        """The outcome of each command."""
        return f"{self.base}/command/result"

    @property
    def status_topic(self) -> str:
        """Home Assistant's birth and will topic."""
        return f"{self.discovery_prefix}/status"

    def user_topic(self, user_id: str, *parts: str) -> str:
        """A topic under one user (a sensor's JSON `{"state", "attributes"}`, its triggers)."""
        return "/".join((self.base, "user", user_id, *parts))

    def install_topic(self, sensor: str) -> str:
        """The JSON `{"state", "attributes"}` of one of the install's own sensors."""
        return f"{self.base}/install/{sensor}"

    def discovery_topic(self, component: str, object_id: str) -> str:
        """`<prefix>/<component>/<node_id>/<object_id>/config`."""
        return f"{self.discovery_prefix}/{component}/{self.node_id}/{object_id}/config"

    @property
    def own_filters(self) -> list[str]:
        """Every topic this node may have retained: its discovery configs and its states."""
        return [f"{self.discovery_prefix}/+/{self.node_id}/+/config", f"{self.base}/#"]


def marker_topic(install_id: str) -> str:
    """Retained `{"node_id", "discovery_prefix"}` an install last published under."""
    return f"{BASE_ROOT}/_installs/{install_id}"
