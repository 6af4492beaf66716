"""Favorites written through to the media server as the user, and read live from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from companion.errors import NotFound
from companion.library.resolver import Resolver
from companion.library.upstream import media_of, upstream_errors
from companion.media import ItemKind, Page, UserCredential
from companion.providers import Providers
from companion.providers.live import FavoriteFact

RecordFavorite = Callable[[FavoriteFact], Awaitable[None]]


class FavoritesService:
    """Jellyfin holds each user's favorites; the companion never keeps its own copy as truth."""

    def __init__(
        self, providers: Providers, resolver: Resolver, record: RecordFavorite | None = None
    ) -> None:
        self._providers = providers
        self._resolver = resolver
        # The live overlay applies the change and publishes `favorite.changed` once; the echo
        # Jellyfin sends back over its socket and webhook then changes nothing.
        self._record = record

    async def set(self, cred: UserCredential, item_id: str, favorite: bool) -> bool:
        """Favorite or unfavorite (idempotent); returns the state Jellyfin saved."""
        with upstream_errors():
            state = await media_of(self._providers).set_favorite(cred, item_id, favorite)
        if state is None:
            raise NotFound("No such item in Jellyfin.", code="item_not_found")
        # Dropped right away, not when the event arrives: the next read must show the change.
        self._resolver.invalidate_user(cred.user_id, [item_id])
        if self._record is not None:
            await self._record(
                FavoriteFact(cred.user_id, item_id, state, datetime.now(UTC), "companion")
            )
        return state

    async def list(self, cred: UserCredential, kind: ItemKind, offset: int, limit: int) -> Page:
        """One page of the user's favorites of one kind, live from the media server."""
        with upstream_errors():
            page = await media_of(self._providers).favorites(cred, kind, offset, limit)
        self._resolver.prime(cred, page.items)
        return page
