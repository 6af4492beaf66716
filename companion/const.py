"""Constants shared across the companion core."""

from __future__ import annotations

APP_NAME = "Jellyfin Companion"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8097
DEFAULT_DATA_DIR = "./data"
DATABASE_FILENAME = "companion.sqlite3"
SECRET_KEY_FILENAME = "secret.key"
SESSION_COOKIE = "companion_session"
SESSION_TTL_SECONDS = 30 * 24 * 3600
API_TOKEN_PREFIX = "jfc_"
# Request bodies above this size are refused with 413 before any handler runs.
MAX_BODY_BYTES = 1024 * 1024
