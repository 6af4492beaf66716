"""Constants of the Deezer integration."""

from __future__ import annotations

DEFAULT_URL = "https://api.deezer.com"
DEFAULT_TIMEOUT = 15.0
# Deezer pages playlists 25 items at a time by default; 100 is safely accepted.
PAGE_LIMIT = 100
# Error codes of Deezer's HTTP-200 error objects (developers.deezer.com/api/errors).
QUOTA_CODES = frozenset({4, 700})  # Quota limit exceeded, service busy
PERMISSION_CODES = frozenset({200, 300})  # OAuthException: private data, bad token
NOT_FOUND_CODES = frozenset({800})  # DataException: no data
# About 50 requests per 5 s are allowed; a quota error is retried after a pause.
QUOTA_RETRIES = 3
QUOTA_PAUSE_SECONDS = 2.0
