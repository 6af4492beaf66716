"""The music services of the app, built once at startup, and the user credential they run as."""

from __future__ import annotations

from dataclasses import dataclass, field

from companion.accounts.auth import Principal
from companion.accounts.models import User
from companion.crypto import SecretBox
from companion.errors import Forbidden
from companion.events import EventBus, Unsubscribe
from companion.library.browse import LibraryService
from companion.library.favorites import FavoritesService, RecordFavorite
from companion.library.resolver import Resolver
from companion.library.streams import StreamService
from companion.media import UserCredential
from companion.providers import Providers

NOT_LINKED = "Sign in with your Jellyfin account to use the music library."


@dataclass
class MusicServices:
    """Resolver, library, favorites and streams, sharing one item cache."""

    resolver: Resolver
    library: LibraryService
    favorites: FavoritesService
    streams: StreamService
    _box: SecretBox
    _unsubscribe: list[Unsubscribe] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        providers: Providers,
        bus: EventBus,
        box: SecretBox,
        record_favorite: RecordFavorite | None = None,
    ) -> MusicServices:
        """Build the services and subscribe them to the events that invalidate their caches."""
        resolver = Resolver(providers)
        library = LibraryService(providers, resolver)
        services = cls(
            resolver=resolver,
            library=library,
            favorites=FavoritesService(providers, resolver, record_favorite),
            streams=StreamService(providers, resolver),
            _box=box,
        )
        services._unsubscribe = [resolver.subscribe(bus), library.subscribe(bus)]
        return services

    async def credential(self, principal: Principal) -> UserCredential:
        """The signed-in user's own Jellyfin credential (403 when they have none)."""
        jellyfin_id, stored, device_id = (
            principal.jellyfin_id,
            principal.jellyfin_token,
            principal.device_id,
        )
        if stored is None and principal.user_id is not None:
            # Principals built without the user row (none today) fall back to the database.
            user = await User.get_or_none(id=principal.user_id)
            if user is not None:
                jellyfin_id, stored, device_id = (
                    user.jellyfin_id,
                    user.jellyfin_token,
                    user.device_id,
                )
        if not jellyfin_id or not stored:
            raise Forbidden(NOT_LINKED, code="jellyfin_sign_in_required")
        try:
            token = self._box.decrypt(stored)
        except ValueError:
            raise Forbidden(NOT_LINKED, code="jellyfin_sign_in_required") from None
        return UserCredential(user_id=jellyfin_id, token=token, device_id=device_id or "")

    async def close(self) -> None:
        """Stop listening and cancel fetches in flight."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        await self.resolver.close()
