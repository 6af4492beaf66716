"""Constants of the Navidrome integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "navidrome"

CONF_URL: Final = "url"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"
CONF_PUBLIC_URL: Final = "public_url"
CONF_POLL_INTERVAL: Final = "poll_interval"

CLIENT_NAME: Final = "companion"
# The Subsonic protocol version the client speaks (Navidrome answers 1.16.1).
API_VERSION: Final = "1.16.1"
DEFAULT_TIMEOUT: Final = 8.0

# 0.55.0 (the scanner rewrite) gave every item a 22-character base62 id; older servers use
# 32-hex md5 ids and another schema, which this integration does not speak.
MIN_VERSION: Final = (0, 55, 0)

# Navidrome has no websocket for Subsonic clients: live state is polled.
DEFAULT_POLL_SECONDS: Final = 30
MIN_POLL_SECONDS: Final = 5
MAX_BACKOFF_SECONDS: Final = 600

# Subsonic error codes (api-reference.md).
ERR_GENERIC: Final = 0
ERR_MISSING: Final = 10
ERR_AUTH: Final = 40
ERR_TOKEN_UNSUPPORTED: Final = 41
ERR_NOT_AUTHORIZED: Final = 50
ERR_NOT_FOUND: Final = 70
