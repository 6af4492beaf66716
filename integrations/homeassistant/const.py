"""Constants of the Home Assistant MQTT bridge."""

from __future__ import annotations

DOMAIN = "homeassistant"
DEFAULT_PORT = 1883
DEFAULT_DISCOVERY_PREFIX = "homeassistant"
# Every topic of one install lives under <BASE_ROOT>/<node_id>/.
BASE_ROOT = "jellyfin_companion"
ONLINE = "online"
OFFLINE = "offline"
CONNECT_TIMEOUT = 10.0
KEEPALIVE = 30
# Reconnect backoff after the broker went away: 1 s, doubling, at most a minute.
RECONNECT_MIN = 1.0
RECONNECT_MAX = 60.0
MANUFACTURER = "Jellyfin Companion"
MODEL = "Music companion"
USER_MODEL = "Jellyfin listener"
DEVICE_NAME = "Jellyfin Companion"
# The companion's own page about home automation, under COMPANION_PUBLIC_URL (origin.support_url).
DOCS_PATH = "/automation"
# How long a scan of retained messages may take before it is given up.
SCAN_TIMEOUT = 5.0
