"""The listening services of the app, built once at startup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from companion.accounts.auth import Principal, principal_for
from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.errors import Forbidden, InvalidInput
from companion.events import EventBus
from companion.history.imports import Stager
from companion.library.music import MusicServices
from companion.listening.accounts import ScrobbleAccounts
from companion.listening.matching import Matcher, listen_matcher
from companion.listening.now_playing import NowPlaying
from companion.listening.outbox import ScrobbleOutboxWorker
from companion.listening.remote_import import RemoteHistoryStager
from companion.listening.senders import JellyfinMarkPlayed, ScrobbleSender, Sender
from companion.media import UserCredential
from companion.providers import Providers

MatcherFactory = Callable[[], Matcher]


class ListeningService:
    """Scrobble accounts, the outbox worker and playing now."""

    def __init__(
        self, providers: Providers, bus: EventBus, box: SecretBox, music: MusicServices
    ) -> None:
        self._providers = providers
        self._music = music
        self._box = box
        # Each history import gets its own matcher (it may cache the index for the job).
        self.matcher_factory: MatcherFactory = listen_matcher
        scrobblers = {s: ScrobbleSender(s, providers, box) for s in ("listenbrainz", "lastfm")}
        senders: dict[str, Sender] = dict(scrobblers)
        senders["jellyfin"] = JellyfinMarkPlayed(providers, self._credential)
        self.outbox = ScrobbleOutboxWorker(senders, providers, bus)
        self.accounts = ScrobbleAccounts(providers, box, bus, self.outbox.wake)
        self.now_playing = NowPlaying(providers, scrobblers, bus)

    async def _credential(self, user: User) -> UserCredential:
        return await self._music.credential(principal_for(user))

    async def history_stager(
        self, principal: Principal, source: str, body: dict[str, Any]
    ) -> Stager:
        """The stager of a ListenBrainz or Last.fm history import."""
        user = await User.get_or_none(id=principal.user_id) if principal.user_id else None
        if user is None or not user.jellyfin_id:
            raise Forbidden(
                "Sign in with Jellyfin to have a history.", code="jellyfin_sign_in_required"
            )
        name = body.get("user_name")
        if name is not None and (not isinstance(name, str) or len(name) > 255):
            raise InvalidInput("'user_name' must be a string.", details={"field": "user_name"})
        return RemoteHistoryStager(
            self._providers,
            self._box,
            user,
            source,
            name.strip() if name else None,
            self.matcher_factory(),
        )

    async def start(self) -> None:
        """Resume the outbox and follow playback."""
        await self.outbox.start()
        self.now_playing.start()

    async def close(self) -> None:
        """Stop the worker and the playing-now calls."""
        await self.now_playing.stop()
        await self.outbox.stop()
