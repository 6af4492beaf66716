"""Constants of the Spotify integration."""

from __future__ import annotations

DEFAULT_URL = "https://open.spotify.com"
DEFAULT_TIMEOUT = 20.0
# The embed page renders the playlist server-side into this script element.
NEXT_DATA_ID = "__NEXT_DATA__"
EMBED_LIMIT = 100
# A browser's user agent: the embed page is meant for browsers.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
ACCOUNTS_URL = "https://accounts.spotify.com"
API_URL = "https://api.spotify.com/v1"
# Reading the user's private and collaborative playlists (and the public ones they own).
SCOPES = "playlist-read-private playlist-read-collaborative"
