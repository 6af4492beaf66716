"""A fake Navidrome (OpenSubsonic) server for tests, benchmarks and `companion demo`."""

from __future__ import annotations

from .ids import encode, hash_id
from .server import FakeNavidrome
from .state import DEFAULT_USERS, DEFAULT_VERSION, SUPPORTED_VERSIONS, State
from .wire import PROTOCOL_VERSION

__all__ = [
    "DEFAULT_USERS",
    "DEFAULT_VERSION",
    "PROTOCOL_VERSION",
    "SUPPORTED_VERSIONS",
    "FakeNavidrome",
    "State",
    "encode",
    "hash_id",
]
