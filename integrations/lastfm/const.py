"""Constants of the Last.fm integration."""

from __future__ import annotations

from datetime import timedelta

DOMAIN = "lastfm"
DEFAULT_URL = "https://ws.audioscrobbler.com/2.0/"
DEFAULT_TIMEOUT = 15.0
# Last.fm takes at most 50 scrobbles per track.scrobble and ignores those older than 14 days.
MAX_SCROBBLES = 50
MAX_AGE = timedelta(days=14)
MAX_RECENT_LIMIT = 200
# Last.fm asks clients to stay under about five calls a second.
MIN_INTERVAL = 0.2
# It sends no Retry-After: wait this long after error 29.
RATE_LIMIT_WAIT = 60.0

# Error codes (last.fm/api/errorcodes).
AUTH_CODES = frozenset({4, 9, 14, 15})
API_KEY_CODES = frozenset({10, 13, 26})
UNAVAILABLE_CODES = frozenset({8, 11, 16})
RATE_LIMIT_CODE = 29
INVALID_PARAMETERS = 6
