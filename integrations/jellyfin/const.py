"""Constants of the Jellyfin integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "jellyfin"

CLIENT_NAME: Final = "Jellyfin Companion"
CLIENT_VERSION: Final = "0.1.0"
DEFAULT_DEVICE_NAME: Final = "companion"

DEFAULT_TIMEOUT: Final = 8.0
# Connecting should never take long on a LAN; a slow connect means the host is gone.
MAX_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_MAX_RETRIES: Final = 2
RETRY_BACKOFF: Final = 0.2
RETRY_STATUSES: Final = frozenset({502, 503, 504})

# 10.9 added the query-userId routes (/Items/{id}, /UserFavoriteItems, ...) this client uses.
MIN_VERSION: Final = (10, 9)
# The first version whose routes the client prefers; older ones get the /Users/{id}/... forms.
NEW_ROUTES_VERSION: Final = (10, 9)

# Id of the "Scan Media Library" scheduled task (MD5 of its class name; stable across versions).
SCAN_TASK_ID: Final = "7738148ffcd07979c7ceb148e06b3aed"
SCAN_TASK_KEY: Final = "RefreshLibrary"

TICKS_PER_SECOND: Final = 10_000_000

COLLECTION_MUSIC: Final = "music"

# The message passed to HMAC to derive this install's stable Jellyfin DeviceId.
DEVICE_ID_MESSAGE: Final = "jellyfin-device"

# Config entry keys (also the config flow's field names).
CONF_URL: Final = "url"
CONF_API_KEY: Final = "api_key"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"
CONF_PUBLIC_URL: Final = "public_url"
CONF_ACCESS_TOKEN: Final = "access_token"
CONF_USER_ID: Final = "user_id"
# The DeviceId the stored access token was issued to (absent: the install's DeviceId).
CONF_DEVICE_ID: Final = "device_id"

COLLECTION_LABELS: Final = {
    "movies": "Movies",
    "tvshows": "Shows",
    "music": "Music",
    "musicvideos": "Music videos",
    "homevideos": "Home videos",
    "boxsets": "Collections",
    "books": "Books",
    "mixed": "Mixed",
    "playlists": "Playlists",
}
