"""The listening services of the app, built once at startup."""

from __future__ import annotations

from companion.accounts.auth import principal_for
from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.events import EventBus
from companion.library.music import MusicServices
from companion.listening.accounts import ScrobbleAccounts
from companion.listening.now_playing import NowPlaying
from companion.listening.outbox import ScrobbleOutboxWorker
from companion.listening.senders import JellyfinMarkPlayed, ScrobbleSender, Sender
from companion.media import UserCredential
from companion.providers import Providers


class ListeningService:
    """Scrobble accounts, the outbox worker and playing now."""

    def __init__(
        self, providers: Providers, bus: EventBus, box: SecretBox, music: MusicServices
    ) -> None:
        self._providers = providers
        self._music = music
        scrobblers = {s: ScrobbleSender(s, providers, box) for s in ("listenbrainz", "lastfm")}
        senders: dict[str, Sender] = dict(scrobblers)
        senders["jellyfin"] = JellyfinMarkPlayed(providers, self._credential)
        self.outbox = ScrobbleOutboxWorker(senders, providers, bus)
        self.accounts = ScrobbleAccounts(providers, box, bus, self.outbox.wake)
        self.now_playing = NowPlaying(providers, scrobblers, bus)

    async def _credential(self, user: User) -> UserCredential:
        return await self._music.credential(principal_for(user))

    async def start(self) -> None:
        """Resume the outbox and follow playback."""
        await self.outbox.start()
        self.now_playing.start()

    async def close(self) -> None:
        """Stop the worker and the playing-now calls."""
        await self.now_playing.stop()
        await self.outbox.stop()
