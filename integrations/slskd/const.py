"""Constants of the slskd integration."""

from __future__ import annotations

DOMAIN = "slskd"
DEFAULT_URL = "http://localhost:5030"
# slskd's default download folder in its Docker image (APP_DIR=/app).
DEFAULT_DOWNLOADS_DIR = "/app/downloads"
DEFAULT_TIMEOUT = 15.0
API = "/api/v0"
# Search limits: enough responses to choose from without flooding slskd's memory.
RESPONSE_LIMIT = 100
FILE_LIMIT = 10_000
MAX_PEER_QUEUE = 1_000_000
# Flags of a finished transfer that mean it did not arrive (TransferStates).
FAILED_FLAGS = frozenset({"Errored", "Rejected", "TimedOut", "Cancelled", "Aborted"})
