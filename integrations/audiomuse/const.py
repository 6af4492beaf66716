"""Constants of the AudioMuse-AI integration."""

from __future__ import annotations

DOMAIN = "audiomuse"
DEFAULT_URL = "http://localhost:8000"
DEFAULT_TIMEOUT = 10.0
# Path and alchemy can take long on big libraries; AudioMuse's own tests allow 120 s.
SLOW_TIMEOUT = 120.0
# The per-artist cap AudioMuse applies when eliminate_duplicates is on.
MAX_SONGS_PER_ARTIST = 3
# Task states: v3.2+ names and the older RQ-era names, both accepted.
RUNNING_STATES = frozenset({"NEW", "RUNNING", "PENDING", "STARTED", "PROGRESS", "QUEUED"})
DONE_STATES = frozenset({"SUCCESS", "FAIL", "FAILURE", "REVOKED"})
