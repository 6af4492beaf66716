"""Constants of the Lidarr integration."""

from __future__ import annotations

DOMAIN = "lidarr"
DEFAULT_URL = "http://localhost:8686"
DEFAULT_TIMEOUT = 15.0
API = "/api/v1"
# Lidarr's validator message when POST /artist names an artist already in the library
# (src/NzbDrone.Core/Validation/Paths/ArtistExistsValidator.cs).
ALREADY_ADDED = "has already been added"
QUEUE_PAGE_SIZE = 200
