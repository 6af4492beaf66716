"""Constants of the ListenBrainz integration."""

from __future__ import annotations

DOMAIN = "listenbrainz"
DEFAULT_URL = "https://api.listenbrainz.org"
DEFAULT_TIMEOUT = 15.0
# ListenBrainz takes at most 1000 listens per submission and per page of listens.
MAX_LISTENS_PER_REQUEST = 1000
MAX_ITEMS_PER_GET = 1000
# What the companion sends per submission: small enough to stay well under the size limit.
SUBMIT_BATCH = 100
# A well-formed token nobody has: validate-token answers valid=false, proving the URL is ListenBrainz.
PROBE_TOKEN = "00000000-0000-0000-0000-000000000000"
# Wait at most this long for a rate-limit window to reset before giving up on a call.
MAX_RATE_WAIT = 10.0
LISTENING_FROM = "Jellyfin Companion"
