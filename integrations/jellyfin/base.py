"""Shared plumbing of the Jellyfin client's API groups: user ids, routes, parsing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from integrations.jellyfin.const import NEW_ROUTES_VERSION
from integrations.jellyfin.exceptions import JellyfinResponseError
from integrations.jellyfin.models import ItemPage, normalize_id
from integrations.jellyfin.transport import JellyfinTransport, ParamValue

PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


def join_ids(ids: Sequence[str]) -> str:
    """Join ids for a comma-separated query parameter."""
    return ",".join(normalize_id(i) for i in ids)


def shape_error(err: Exception) -> JellyfinResponseError:
    """The error for a body that parsed as JSON but not as the expected DTO."""
    return JellyfinResponseError(f"Jellyfin answered with an unexpected shape ({err!r}).")


class JellyfinBase(JellyfinTransport):
    """Helpers every API group uses on top of the transport."""

    def _uid(self, user_id: str | None) -> str | None:
        return normalize_id(user_id) if user_id else self.user_id

    def _require_uid(self, user_id: str | None) -> str:
        uid = self._uid(user_id)
        if not uid:
            raise ValueError("a user id is needed for this call (the client has none)")
        return uid

    @property
    def _new_routes(self) -> bool:
        # Unknown version: assume a supported (10.9+) server rather than the obsolete routes.
        version = self._server_version
        return version is None or version[:2] >= NEW_ROUTES_VERSION

    async def _get_model(self, path: str, parse: Any, **kwargs: Any) -> Any:
        data = await self._request("GET", path, **kwargs)
        try:
            return parse(data)
        except PARSE_ERRORS as err:
            raise shape_error(err) from err

    async def _get_list(self, path: str, parse: Any, **kwargs: Any) -> list[Any]:
        data = await self._request("GET", path, **kwargs)
        if not isinstance(data, list):
            raise JellyfinResponseError(f"Jellyfin answered {path} without a list.")
        try:
            return [parse(d) for d in data]
        except PARSE_ERRORS as err:
            raise shape_error(err) from err

    async def _page(self, path: str, params: Mapping[str, ParamValue]) -> ItemPage:
        page: ItemPage = await self._get_model(path, ItemPage.from_dict, params=params)
        return page
