"""The player's services as the app holds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from companion.events import EventBus
from companion.library.music import MusicServices
from companion.player.playback import PlaybackService
from companion.player.service import PlayerService
from companion.playlists.service import PlaylistService
from companion.providers import Providers


@dataclass
class PlayerServices:
    """Queue edits and playback (claims, reports, checks)."""

    queues: PlayerService
    playback: PlaybackService

    @classmethod
    def create(
        cls,
        music: MusicServices,
        providers: Providers,
        bus: EventBus,
        playlists: Callable[[], PlaylistService | None],
    ) -> PlayerServices:
        """Build both over the shared music services."""
        queues = PlayerService(music, providers, bus, playlists)
        return cls(queues, PlaybackService(queues, music, providers))
