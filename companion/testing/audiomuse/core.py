"""What the fake AudioMuse's routes and server share: constants, error bodies and state."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from companion.testing.audiomuse.catalogue import Song

FAKE_AUDIOMUSE_TOKEN = "am-test-token-5f1c0e2a"
SERVER_ID = "3f7a9c2e4b1d4e8f9a0b1c2d3e4f5a6b"
SERVER_NAME = "Jellyfin"
APP_VERSION = "v3.4.0"


def index_error(message: str) -> web.Response:
    """The structured 503 body of error code 3002 (no index loaded)."""
    return web.json_response(
        {
            "error_code": 3002,
            "error_class": "Index Error",
            "error_message": "The search index is empty.",
            "error": message,
        },
        status=503,
    )


def unknown_error(message: str = "An unexpected error occurred.") -> web.Response:
    """The 9999 body every unhandled failure gets (never HTML)."""
    return web.json_response(
        {
            "error_code": 9999,
            "error_class": "Unknown Error",
            "error_message": "An unexpected error occurred. Check the container logs for details.",
            "error": message,
        },
        status=500,
    )


@dataclass
class FakeTask:
    """An analysis task; its state follows the clock (NEW → RUNNING → SUCCESS)."""

    task_id: str
    task_type: str
    started: float
    duration: float
    finished: bool = False
    revoked: bool = False

    def state(self, now: float) -> tuple[str, int]:
        """v3.2+ state name and progress percent."""
        if self.revoked:
            return "REVOKED", 100
        elapsed = now - self.started
        if elapsed >= self.duration:
            return "SUCCESS", 100
        if elapsed <= 0:
            return "NEW", 0
        return "RUNNING", int(100 * elapsed / self.duration)


@dataclass
class FakeAudioMuseState:
    """What the fake knows: its index snapshot, its switches and its request log."""

    songs: dict[str, Song] = field(default_factory=dict)
    index_loaded: bool = False
    setup_required: bool = False
    unanalysed: set[str] = field(default_factory=set)
    tasks: dict[str, FakeTask] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    similar_cache: dict[tuple[str, int, bool, bool], tuple[float, list[dict[str, Any]]]] = field(
        default_factory=dict
    )


class AudioMuseBackend(Protocol):
    """What a route handler needs from the running fake (FakeAudioMuse provides it)."""

    state: FakeAudioMuseState
    rng: random.Random

    def song(self, item_id: str) -> Song | None:
        """The analysed song of a Jellyfin item id, if any."""
        ...

    def new_task(self, task_type: str) -> FakeTask:
        """Start an analysis task."""
        ...

    def build_index(self) -> int:
        """Load the index; returns how many songs it holds."""
        ...

    def drop_index(self) -> None:
        """Unload the index."""
        ...


FAKE: web.AppKey[AudioMuseBackend] = web.AppKey("fake_audiomuse")
