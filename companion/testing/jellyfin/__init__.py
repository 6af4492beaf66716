"""A faithful fake Jellyfin server for tests, benchmarks and demo mode."""

from __future__ import annotations

from .library import Album, Artist, Library, Track
from .server import DEFAULT_USERS, FAKE_API_KEY, FAKE_SERVER_ID, FakeJellyfin
from .state import SCAN_TASK_ID, SUPPORTED_VERSIONS, State

__all__ = [
    "DEFAULT_USERS",
    "FAKE_API_KEY",
    "FAKE_SERVER_ID",
    "SCAN_TASK_ID",
    "SUPPORTED_VERSIONS",
    "Album",
    "Artist",
    "FakeJellyfin",
    "Library",
    "State",
    "Track",
]
