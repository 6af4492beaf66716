"""Async client for the parts of the Jellyfin REST API a music companion uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict, Unpack

from integrations.jellyfin.base import PARSE_ERRORS, shape_error
from integrations.jellyfin.const import MIN_VERSION
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinNotFoundError,
    JellyfinUnsupportedVersionError,
)
from integrations.jellyfin.models import (
    AuthResult,
    Item,
    ItemPage,
    JellyfinUser,
    Library,
    ScheduledTask,
    ServerInfo,
    UserData,
    normalize_id,
)
from integrations.jellyfin.playlists import PlaylistsMixin
from integrations.jellyfin.sessions import SessionsMixin
from integrations.jellyfin.transport import ParamValue


class ItemFilters(TypedDict, total=False):
    """Filters of /Items, /Artists and /Artists/AlbumArtists (snake_case for camelCase)."""

    parent_id: str
    include_item_types: Sequence[str]
    ids: Sequence[str]
    search_term: str
    artist_ids: Sequence[str]
    album_artist_ids: Sequence[str]
    album_ids: Sequence[str]
    genres: Sequence[str]
    years: Sequence[int]
    is_favorite: bool
    is_played: bool
    sort_by: Sequence[str]
    sort_order: str | Sequence[str]
    start_index: int
    limit: int
    fields: Sequence[str]
    enable_user_data: bool
    enable_images: bool
    min_date_last_saved: datetime
    min_date_last_saved_for_user: datetime
    enable_total_record_count: bool


# snake_case filter -> (query name, list separator or None for scalars).
_FILTERS: dict[str, tuple[str, str | None]] = {
    "parent_id": ("parentId", None),
    "include_item_types": ("includeItemTypes", ","),
    "ids": ("ids", ","),
    "search_term": ("searchTerm", None),
    "artist_ids": ("artistIds", ","),
    "album_artist_ids": ("albumArtistIds", ","),
    "album_ids": ("albumIds", ","),
    # Genre names may contain commas, so Jellyfin separates them with "|".
    "genres": ("genres", "|"),
    "years": ("years", ","),
    "is_favorite": ("isFavorite", None),
    "is_played": ("isPlayed", None),
    "sort_by": ("sortBy", ","),
    "sort_order": ("sortOrder", ","),
    "start_index": ("startIndex", None),
    "limit": ("limit", None),
    "fields": ("fields", ","),
    "enable_user_data": ("enableUserData", None),
    "enable_images": ("enableImages", None),
    "min_date_last_saved": ("minDateLastSaved", None),
    "min_date_last_saved_for_user": ("minDateLastSavedForUser", None),
    "enable_total_record_count": ("enableTotalRecordCount", None),
}


def _filter_params(filters: Mapping[str, Any], *, items: bool = True) -> dict[str, ParamValue]:
    # /Items always recursive: 12.0 changed the non-recursive default and we never want views.
    # /Artists has no such parameter (ArtistsController): it is not sent there.
    params: dict[str, ParamValue] = {"recursive": True} if items else {}
    for key, value in filters.items():
        if value is None:
            continue
        name, sep = _FILTERS[key]
        if isinstance(value, datetime):
            params[name] = value.isoformat()
        elif sep is not None and not isinstance(value, str):
            params[name] = sep.join(str(v) for v in value)
        else:
            params[name] = value
    return params


class JellyfinClient(PlaylistsMixin, SessionsMixin):
    """One Jellyfin server, as one user (or as an API key); every method returns models."""

    def with_token(
        self,
        token: str,
        user_id: str | None,
        *,
        device_id: str | None = None,
        device_name: str | None = None,
        request_timeout: float | None = None,
    ) -> JellyfinClient:
        """Return a client for another credential sharing this client's HTTP session."""
        clone = JellyfinClient(
            self.base_url,
            session=self._ensure_session(),
            token=token,
            device_id=device_id or self.device_id,
            device_name=device_name or self.device_name,
            user_id=user_id,
            request_timeout=request_timeout or self.request_timeout,
            max_retries=self.max_retries,
            on_outcome=self.on_outcome,
        )
        clone._server_version = self._server_version
        return clone

    # -- system ------------------------------------------------------------------------------

    async def public_info(self) -> ServerInfo:
        """GET /System/Info/Public (anonymous); remembers the server version."""
        info: ServerInfo = await self._get_model("/System/Info/Public", ServerInfo.from_dict)
        self._server_version = info.version
        return info

    async def system_info(self) -> ServerInfo:
        """GET /System/Info (any valid credential); remembers the server version."""
        info: ServerInfo = await self._get_model("/System/Info", ServerInfo.from_dict)
        self._server_version = info.version
        return info

    async def ensure_supported(self) -> ServerInfo:
        """Read the public info and raise JellyfinUnsupportedVersionError below 10.9."""
        info = await self.public_info()
        check_version(info)
        return info

    async def refresh_library(self) -> None:
        """Queue a scan of every library (restarts a running scan)."""
        await self._request("POST", "/Library/Refresh", expect="none")

    async def scheduled_tasks(self) -> list[ScheduledTask]:
        """List the non-hidden scheduled tasks."""
        tasks: list[ScheduledTask] = await self._get_list(
            "/ScheduledTasks", ScheduledTask.from_dict, params={"isHidden": False}
        )
        return tasks

    async def scheduled_task(self, task_id: str) -> ScheduledTask:
        """Read one scheduled task (e.g. SCAN_TASK_ID)."""
        task: ScheduledTask = await self._get_model(
            f"/ScheduledTasks/{normalize_id(task_id)}", ScheduledTask.from_dict
        )
        return task

    async def start_scheduled_task(self, task_id: str) -> None:
        """Start a scheduled task now."""
        path = f"/ScheduledTasks/Running/{normalize_id(task_id)}"
        await self._request("POST", path, expect="none")

    # -- users -------------------------------------------------------------------------------

    async def authenticate(self, username: str, password: str) -> AuthResult:
        """Log in; the token is bound to this client's DeviceId (reuse it, don't re-login)."""
        try:
            data = await self._request(
                "POST",
                "/Users/AuthenticateByName",
                json={"Username": username, "Pw": password},
                token=None,
            )
        except JellyfinAuthenticationError as err:
            if err.status != 401:
                raise
            raise JellyfinAuthenticationError("Invalid username or password.") from err
        try:
            return AuthResult.from_dict(data)
        except PARSE_ERRORS as err:
            raise shape_error(err) from err

    async def logout(self) -> None:
        """POST /Sessions/Logout: Jellyfin revokes this client's token (and forgets its device)."""
        await self._request("POST", "/Sessions/Logout", expect="none")

    async def me(self) -> JellyfinUser:
        """The user behind a user token (an API key gets 400 here)."""
        user: JellyfinUser = await self._get_model("/Users/Me", JellyfinUser.from_dict)
        return user

    async def get_user(self, user_id: str) -> JellyfinUser:
        """One user by id."""
        user: JellyfinUser = await self._get_model(
            f"/Users/{normalize_id(user_id)}", JellyfinUser.from_dict
        )
        return user

    async def users(self) -> list[JellyfinUser]:
        """Every user (admin credential)."""
        users: list[JellyfinUser] = await self._get_list("/Users", JellyfinUser.from_dict)
        return users

    async def virtual_folders(self) -> list[Library]:
        """The libraries and their collection types (admin credential)."""
        return await self._get_list("/Library/VirtualFolders", Library.from_dict)

    async def media_updated(self, paths: Sequence[str]) -> None:
        """Report new or changed files/folders; the library monitor rescans just those paths."""
        updates = [{"Path": p, "UpdateType": "Created"} for p in paths]
        await self._request(
            "POST", "/Library/Media/Updated", json={"Updates": updates}, expect="none"
        )

    async def path_exists(self, path: str, *, is_file: bool = True) -> bool:
        """Whether the server sees a file (or folder) at path (admin credential)."""
        try:
            await self._request(
                "POST",
                "/Environment/ValidatePath",
                json={"Path": path, "IsFile": is_file},
                expect="none",
            )
        except JellyfinNotFoundError:
            return False
        return True

    # -- browsing ----------------------------------------------------------------------------

    async def items(self, user_id: str | None = None, **filters: Unpack[ItemFilters]) -> ItemPage:
        """GET /Items, always recursive; user_id defaults to the client's user."""
        uid = self._uid(user_id)
        params = _filter_params(filters)
        if self._new_routes or uid is None:
            return await self._page("/Items", {**params, "userId": uid})
        return await self._page(f"/Users/{uid}/Items", params)

    async def item_refs(
        self, path: str = "/Items", user_id: str | None = None, **filters: Unpack[ItemFilters]
    ) -> tuple[list[tuple[str, str]], int]:
        """`(Id, Type)` of every item of a listing, and TotalRecordCount, without models.

        For id listings of tens of thousands of items, where building full models would cost
        more than the request. `path` is /Items or /Artists.
        """
        params = {**_filter_params(filters, items=path == "/Items"), "userId": self._uid(user_id)}
        data = await self._request("GET", path, params=params)
        try:
            items = data["Items"]
            refs = [(normalize_id(i["Id"]), str(i.get("Type") or "")) for i in items]
            total = data.get("TotalRecordCount")
            return refs, int(total) if isinstance(total, int) else len(refs)
        except PARSE_ERRORS as err:
            raise shape_error(err) from err

    async def item(self, item_id: str, user_id: str | None = None) -> Item:
        """One item with all fields; with an API key a user id is required by Jellyfin."""
        uid, iid = self._uid(user_id), normalize_id(item_id)
        if self._new_routes or uid is None:
            path, params = f"/Items/{iid}", {"userId": uid}
        else:
            path, params = f"/Users/{uid}/Items/{iid}", {}
        item: Item = await self._get_model(path, Item.from_dict, params=params)
        return item

    async def artists(self, user_id: str | None = None, **filters: Unpack[ItemFilters]) -> ItemPage:
        """GET /Artists: every artist, contributing ones included."""
        params = {**_filter_params(filters, items=False), "userId": self._uid(user_id)}
        return await self._page("/Artists", params)

    async def album_artists(
        self, user_id: str | None = None, **filters: Unpack[ItemFilters]
    ) -> ItemPage:
        """GET /Artists/AlbumArtists: artists that have albums."""
        params = {**_filter_params(filters, items=False), "userId": self._uid(user_id)}
        return await self._page("/Artists/AlbumArtists", params)

    async def instant_mix(
        self,
        item_id: str,
        user_id: str | None = None,
        limit: int | None = None,
        fields: Sequence[str] | None = None,
    ) -> ItemPage:
        """Tracks similar to an item (track, album, artist or playlist)."""
        params: dict[str, ParamValue] = {"userId": self._uid(user_id), "limit": limit}
        if fields:
            params["fields"] = ",".join(fields)
        return await self._page(f"/Items/{normalize_id(item_id)}/InstantMix", params)

    # -- user data ---------------------------------------------------------------------------

    async def set_favorite(
        self, item_id: str, user_id: str | None = None, favorite: bool = True
    ) -> UserData:
        """Mark or unmark a favorite; returns the saved user data."""
        uid, iid = self._require_uid(user_id), normalize_id(item_id)
        method = "POST" if favorite else "DELETE"
        if self._new_routes:
            data = await self._request(method, f"/UserFavoriteItems/{iid}", params={"userId": uid})
        else:
            data = await self._request(method, f"/Users/{uid}/FavoriteItems/{iid}")
        try:
            return UserData.from_dict(data, iid)
        except PARSE_ERRORS as err:
            raise shape_error(err) from err

    async def user_data(self, item_id: str, user_id: str | None = None) -> UserData:
        """One user's data for one item."""
        uid, iid = self._require_uid(user_id), normalize_id(item_id)
        if self._new_routes:
            path, params = f"/UserItems/{iid}/UserData", {"userId": uid}
        else:
            path, params = f"/Users/{uid}/Items/{iid}/UserData", {}
        data: UserData = await self._get_model(
            path, lambda d: UserData.from_dict(d, iid), params=params
        )
        return data


def check_version(info: ServerInfo) -> None:
    """Raise JellyfinUnsupportedVersionError when the server is older than MIN_VERSION."""
    if info.version[:2] < MIN_VERSION:
        need = ".".join(str(p) for p in MIN_VERSION)
        raise JellyfinUnsupportedVersionError(
            f"Jellyfin {info.version_string} is not supported; "
            f"the companion needs Jellyfin {need} or newer."
        )
