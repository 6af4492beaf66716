"""Playback reporting: what the dashboard player tells the media server, as a real session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from companion.media import UserCredential

PlaybackReportKind = Literal["start", "progress", "stop"]
RepeatMode = Literal["off", "all", "one"]


@dataclass(frozen=True, slots=True)
class PlayerDevice:
    """One browser as the media server sees it: a stable device id and a readable name."""

    device_id: str
    name: str


@dataclass(frozen=True, slots=True)
class PlaybackReport:
    """Where a device is in an item: position, pause, and the queue around it."""

    item_id: str
    position_ticks: int
    play_session_id: str
    is_paused: bool = False
    repeat: RepeatMode = "off"
    shuffle: bool = False
    # The queue's item ids (the media server shows them to other clients).
    queue: Sequence[str] = ()
    failed: bool = False


class PlaybackReporter(Protocol):
    """Reports a device's playback as the signed-in user, so the server counts the play.

    Every method raises `companion.providers.ProviderUnavailable` when the server is down or
    slow, and `companion.providers.CredentialsRejected` when the user's token no longer works.
    """

    client_name: str

    async def report(
        self,
        cred: UserCredential,
        device: PlayerDevice,
        kind: PlaybackReportKind,
        report: PlaybackReport,
    ) -> None:
        """Send a start, progress or stop report for the device."""
        ...
