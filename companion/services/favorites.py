"""Favorites written through to the media server as the user, and read live from it."""

from __future__ import annotations

from companion.errors import NotFound
from companion.events import Event, EventBus
from companion.media import ItemKind, Page, UserCredential
from companion.providers import Providers
from companion.services.resolver import Resolver
from companion.services.upstream import media_of, upstream_errors


class FavoritesService:
    """Jellyfin holds each user's favorites; the companion never keeps its own copy as truth."""

    def __init__(self, providers: Providers, resolver: Resolver, bus: EventBus) -> None:
        self._providers = providers
        self._resolver = resolver
        self._bus = bus

    async def set(self, cred: UserCredential, item_id: str, favorite: bool) -> bool:
        """Favorite or unfavorite (idempotent); returns the state Jellyfin saved."""
        with upstream_errors():
            state = await media_of(self._providers).set_favorite(cred, item_id, favorite)
        if state is None:
            raise NotFound("No such item in Jellyfin.", code="item_not_found")
        # Dropped right away, not when the event arrives: the next read must show the change.
        self._resolver.invalidate_user(cred.user_id, [item_id])
        # Published every time: overlay writers are idempotent, so a repeat changes nothing.
        self._bus.publish(
            Event(
                "favorite.changed",
                {"item_id": item_id, "favorite": state},
                user_id=cred.user_id,
                source="companion",
            )
        )
        return state

    async def list(self, cred: UserCredential, kind: ItemKind, offset: int, limit: int) -> Page:
        """One page of the user's favorites of one kind, live from the media server."""
        with upstream_errors():
            page = await media_of(self._providers).favorites(cred, kind, offset, limit)
        self._resolver.prime(cred, page.items)
        return page
