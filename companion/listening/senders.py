"""Where outbox rows go: a scrobble service, or Jellyfin itself ("mark played")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.history.import_rules import SOURCE_LASTFM, SOURCE_LISTENBRAINZ
from companion.listening.models import ScrobbleAccount
from companion.media import UserCredential
from companion.providers import CredentialsRejected, Providers, ProviderUnavailable
from companion.providers.scrobble import Listen, ScrobbleService, ScrobbleTrack

SERVICE_NAMES = {"listenbrainz": "ListenBrainz", "lastfm": "Last.fm", "jellyfin": "Jellyfin"}
NOT_SET_UP = "{name} is not set up. An administrator adds it under Integrations."
UNREADABLE = "The stored link cannot be read (the companion's secret key changed). Link again."
# Plays Jellyfin did not see: only these are marked played there.
UNSEEN_BY_JELLYFIN = frozenset({SOURCE_LISTENBRAINZ, SOURCE_LASTFM})

Credential = Callable[[User], Awaitable[UserCredential]]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One outbox row ready to go: the play and its track."""

    row_id: int
    item_id: str
    listened_at: datetime
    track: ScrobbleTrack


class Sender(Protocol):
    """Sends outbox rows of one service."""

    service: str

    @property
    def max_batch(self) -> int:
        """Most rows one send carries."""
        ...

    @property
    def max_age(self) -> timedelta | None:
        """The oldest listen the service accepts (None: any)."""
        ...

    def wants(self, source: str) -> bool:
        """Whether plays from this source are sent (never back to where they came from)."""
        ...

    async def send(self, account: ScrobbleAccount, batch: list[Outgoing]) -> dict[int, str]:
        """Send; returns the rows ignored by the service (index → reason)."""
        ...


class ScrobbleSender:
    """A scrobble service (ListenBrainz, Last.fm), looked up per call: entries come and go."""

    def __init__(self, service: str, providers: Providers, box: SecretBox) -> None:
        self.service = service
        self._providers = providers
        self._box = box

    def _target(self) -> ScrobbleService:
        target = self._providers.scrobblers.get(self.service)
        if target is None:
            raise ProviderUnavailable(NOT_SET_UP.format(name=SERVICE_NAMES[self.service]))
        return target

    @property
    def max_batch(self) -> int:
        """The service's batch size (1 while it is not set up)."""
        target = self._providers.scrobblers.get(self.service)
        return target.max_batch if target is not None else 1

    @property
    def max_age(self) -> timedelta | None:
        """The oldest listen the service accepts."""
        target = self._providers.scrobblers.get(self.service)
        return target.max_age if target is not None else None

    def wants(self, source: str) -> bool:
        """Every play but those imported from this very service."""
        return source != self.service

    def secret(self, account: ScrobbleAccount) -> str:
        """The account's decrypted token or session key."""
        try:
            return self._box.decrypt(account.secret or "")
        except ValueError:
            # Stored under another COMPANION_SECRET_KEY: only linking again can fix it.
            raise CredentialsRejected(UNREADABLE) from None

    async def send(self, account: ScrobbleAccount, batch: list[Outgoing]) -> dict[int, str]:
        """Submit the batch as listens."""
        result = await self._target().submit(
            self.secret(account), [Listen(o.listened_at, o.track) for o in batch]
        )
        return dict(result.ignored)

    async def now_playing(self, account: ScrobbleAccount, track: ScrobbleTrack) -> None:
        """Show a track as playing now."""
        await self._target().now_playing(self.secret(account), track)


class JellyfinMarkPlayed:
    """Marks imported plays played in Jellyfin, one at a time (each call adds a play there)."""

    service = "jellyfin"
    max_batch = 1
    max_age: timedelta | None = None

    def __init__(self, providers: Providers, credential: Credential) -> None:
        self._providers = providers
        self._credential = credential

    def wants(self, source: str) -> bool:
        """Only plays Jellyfin never saw (imported from ListenBrainz or Last.fm)."""
        return source in UNSEEN_BY_JELLYFIN

    async def send(self, account: ScrobbleAccount, batch: list[Outgoing]) -> dict[int, str]:
        """POST /UserPlayedItems/{id}?datePlayed=, never moving LastPlayedDate back in time."""
        source = self._providers.play_history
        if source is None:
            raise ProviderUnavailable(
                "Jellyfin is slow or unreachable. Check your Jellyfin instance."
            )
        cred = await self._credential(account.user)
        ignored: dict[int, str] = {}
        for index, out in enumerate(batch):
            current = await source.played_item(cred, out.item_id)
            if current is None:
                ignored[index] = "Jellyfin no longer has this track"
                continue
            # Jellyfin sets LastPlayedDate to datePlayed: keep the newer of the two.
            when = out.listened_at
            if current.last_played is not None and current.last_played > when:
                when = current.last_played
            if not await source.mark_played(cred, out.item_id, when):
                ignored[index] = "Jellyfin no longer has this track"
        return ignored
