"""Typed views of Jellyfin's DTOs; PascalCase wire names stop here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

Json = Mapping[str, Any]

_HEX32 = re.compile(r"[0-9a-f]{32}")
# Jellyfin writes 7 fractional digits; older Pythons' fromisoformat accept at most 6.
_FRACTION = re.compile(r"(\.\d{6})\d+")
_VERSION = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")


_HEX_CHARS = frozenset("0123456789abcdef")


def normalize_id(value: Any) -> str:
    """Return a Jellyfin GUID as 32 lowercase hex characters (input may carry hyphens)."""
    # Fast path: Jellyfin writes ids this way already, and a page holds hundreds of them.
    if type(value) is str and len(value) == 32 and _HEX_CHARS.issuperset(value):
        return value
    text = str(value).strip().lower()
    compact = text.replace("-", "")
    return compact if _HEX32.fullmatch(compact) else text


def optional_id(value: Any) -> str | None:
    """Normalise an id that may be absent or empty."""
    if value in (None, ""):
        return None
    return normalize_id(value)


def parse_datetime(value: Any) -> datetime | None:
    """Parse a Jellyfin timestamp; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) == 28 and value[19] == "." and value[27] == "Z":
        # Jellyfin's usual "2024-05-11T12:34:56.1234567Z": cut to microseconds without a regex.
        try:
            return datetime.fromisoformat(value[:26] + "+00:00")
        except ValueError:
            return None
    text = _FRACTION.sub(r"\1", value.strip())
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_version(value: str) -> tuple[int, int, int]:
    """Parse "10.10.7" (or "12.0", "10.11.0-rc1") into a comparable tuple."""
    match = _VERSION.match(value.strip())
    if match is None:
        raise ValueError(f"not a version: {value!r}")
    major, minor, patch = (int(part) if part else 0 for part in match.groups())
    return (major, minor, patch)


def _str(data: Json, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _int(data: Json, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(data: Json, key: str) -> bool:
    return data.get(key) is True


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


@dataclass(frozen=True)
class ServerInfo:
    """What /System/Info[/Public] says about the server."""

    id: str
    name: str
    version: tuple[int, int, int]
    version_string: str
    product_name: str
    local_address: str | None = None
    startup_wizard_completed: bool | None = None

    @classmethod
    def from_dict(cls, data: Json) -> ServerInfo:
        """Parse; raises KeyError/ValueError when it does not look like Jellyfin."""
        version = data["Version"]
        product = data["ProductName"]
        if not isinstance(version, str) or not isinstance(product, str):
            raise ValueError("Version and ProductName must be strings")
        wizard = data.get("StartupWizardCompleted")
        return cls(
            id=normalize_id(data.get("Id", "")),
            name=_str(data, "ServerName") or "Jellyfin",
            version=parse_version(version),
            version_string=version,
            product_name=product,
            local_address=_str(data, "LocalAddress"),
            startup_wizard_completed=wizard if isinstance(wizard, bool) else None,
        )


@dataclass(frozen=True)
class JellyfinUser:
    """A Jellyfin user account."""

    id: str
    name: str
    is_admin: bool = False
    is_disabled: bool = False

    @classmethod
    def from_dict(cls, data: Json) -> JellyfinUser:
        """Parse a UserDto."""
        policy = data.get("Policy") or {}
        return cls(
            id=normalize_id(data["Id"]),
            name=str(data.get("Name", "")),
            is_admin=_bool(policy, "IsAdministrator"),
            is_disabled=_bool(policy, "IsDisabled"),
        )


@dataclass(frozen=True)
class AuthResult:
    """The outcome of AuthenticateByName: the user and a token bound to our DeviceId."""

    user: JellyfinUser
    access_token: str
    server_id: str

    def __repr__(self) -> str:
        # Keep the token out of logs and tracebacks.
        return f"AuthResult(user={self.user!r}, access_token='***', server_id={self.server_id!r})"

    @classmethod
    def from_dict(cls, data: Json) -> AuthResult:
        """Parse an AuthenticationResult."""
        token = data["AccessToken"]
        if not isinstance(token, str) or not token:
            raise ValueError("AccessToken missing")
        return cls(
            user=JellyfinUser.from_dict(data["User"]),
            access_token=token,
            server_id=normalize_id(data.get("ServerId", "")),
        )


@dataclass(slots=True)
class UserData:
    """One user's state for one item: favorite, plays, position."""

    item_id: str
    is_favorite: bool = False
    play_count: int = 0
    played: bool = False
    last_played_date: datetime | None = None
    playback_position_ticks: int = 0
    key: str | None = None

    @classmethod
    def from_dict(cls, data: Json, item_id: str | None = None) -> UserData:
        """Parse a UserItemDataDto; item_id fills in when the DTO omits ItemId."""
        raw_id = data.get("ItemId") or item_id or ""
        return cls(
            item_id=normalize_id(raw_id) if raw_id else "",
            is_favorite=_bool(data, "IsFavorite"),
            play_count=_int(data, "PlayCount") or 0,
            played=_bool(data, "Played"),
            last_played_date=parse_datetime(data.get("LastPlayedDate")),
            playback_position_ticks=_int(data, "PlaybackPositionTicks") or 0,
            key=_str(data, "Key"),
        )


@dataclass(slots=True)
class ArtistRef:
    """An artist named on an item, with its id when Jellyfin gives one."""

    id: str
    name: str

    @classmethod
    def many(cls, refs: Any, names: Any = None) -> tuple[ArtistRef, ...]:
        """Parse `[{"Name","Id"}]`, falling back to bare names (then the id is "")."""
        if isinstance(refs, list) and refs:
            return tuple(
                cls(id=optional_id(r.get("Id")) or "", name=str(r.get("Name", "")))
                for r in refs
                if isinstance(r, Mapping)
            )
        return tuple(cls(id="", name=n) for n in _strings(names))


@dataclass(slots=True)
class Item:
    """A BaseItemDto, reduced to what a music companion uses."""

    # Not frozen, like UserData and ArtistRef: a page builds hundreds of these and a frozen
    # dataclass spends ~3 µs per instance in object.__setattr__. They are parsed once and
    # never changed afterwards; the cached, shared DTOs (companion.media) stay frozen.

    id: str
    name: str
    type: str
    album: str | None = None
    album_id: str | None = None
    album_artist: str | None = None
    artists: tuple[ArtistRef, ...] = ()
    album_artists: tuple[ArtistRef, ...] = ()
    run_time_ticks: int | None = None
    index_number: int | None = None
    parent_index_number: int | None = None
    production_year: int | None = None
    genres: tuple[str, ...] = ()
    date_created: datetime | None = None
    primary_image_tag: str | None = None
    album_primary_image_tag: str | None = None
    provider_ids: dict[str, str] = field(default_factory=dict, hash=False)
    user_data: UserData | None = None
    child_count: int | None = None
    playlist_item_id: str | None = None
    container: str | None = None
    # Only present when requested with fields=DateLastSaved (incremental library sync).
    date_last_saved: datetime | None = None
    # Only present when requested with fields=Path (the library index, for import matching).
    path: str | None = None

    @classmethod
    def from_dict(cls, data: Json) -> Item:
        """Parse a BaseItemDto; every field but Id is optional on the wire."""
        item_id = normalize_id(data["Id"])
        user_data = data.get("UserData")
        image_tags = data.get("ImageTags") or {}
        providers = data.get("ProviderIds") or {}
        playlist_item_id = data.get("PlaylistItemId")
        return cls(
            id=item_id,
            name=str(data.get("Name", "")),
            type=str(data.get("Type", "")),
            album=_str(data, "Album"),
            album_id=optional_id(data.get("AlbumId")),
            album_artist=_str(data, "AlbumArtist"),
            artists=ArtistRef.many(data.get("ArtistItems"), data.get("Artists")),
            album_artists=ArtistRef.many(data.get("AlbumArtists")),
            run_time_ticks=_int(data, "RunTimeTicks"),
            index_number=_int(data, "IndexNumber"),
            parent_index_number=_int(data, "ParentIndexNumber"),
            production_year=_int(data, "ProductionYear"),
            genres=_strings(data.get("Genres")),
            date_created=parse_datetime(data.get("DateCreated")),
            primary_image_tag=_str(image_tags, "Primary"),
            album_primary_image_tag=_str(data, "AlbumPrimaryImageTag"),
            provider_ids={str(k): str(v) for k, v in providers.items() if v not in (None, "")},
            user_data=UserData.from_dict(user_data, item_id)
            if isinstance(user_data, Mapping)
            else None,
            child_count=_int(data, "ChildCount"),
            # Before 10.10.2 this is a random per-entry GUID; keep its case rules identical.
            playlist_item_id=optional_id(playlist_item_id),
            container=_str(data, "Container"),
            date_last_saved=parse_datetime(data.get("DateLastSaved")),
            path=_str(data, "Path"),
        )


@dataclass(frozen=True)
class ItemPage:
    """One page of a QueryResult."""

    items: tuple[Item, ...]
    total: int
    start_index: int = 0

    @classmethod
    def from_dict(cls, data: Json | list[Any]) -> ItemPage:
        """Parse `{"Items","TotalRecordCount","StartIndex"}` or a bare array."""
        if isinstance(data, list):
            items = tuple(Item.from_dict(d) for d in data)
            return cls(items=items, total=len(items))
        items = tuple(Item.from_dict(d) for d in data.get("Items") or ())
        total = _int(data, "TotalRecordCount")
        return cls(
            items=items,
            total=len(items) if total is None else total,
            start_index=_int(data, "StartIndex") or 0,
        )


@dataclass(frozen=True)
class Library:
    """A library (virtual folder) and its type."""

    id: str
    name: str
    collection_type: str | None
    locations: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Json) -> Library:
        """Parse one entry of /Library/VirtualFolders."""
        collection = _str(data, "CollectionType")
        return cls(
            id=normalize_id(data.get("ItemId", "")),
            name=str(data.get("Name", "")),
            collection_type=collection.lower() if collection else None,
            locations=_strings(data.get("Locations")),
        )


@dataclass(frozen=True)
class Session:
    """A client session and what it is playing."""

    id: str
    user_id: str | None
    user_name: str | None
    client: str | None
    device_name: str | None
    device_id: str | None
    now_playing: Item | None = None
    position_ticks: int | None = None
    is_paused: bool = False
    supports_remote_control: bool = False
    last_activity: datetime | None = None

    @classmethod
    def from_dict(cls, data: Json) -> Session:
        """Parse a SessionInfoDto."""
        play_state = data.get("PlayState") or {}
        now_playing = data.get("NowPlayingItem")
        return cls(
            id=normalize_id(data["Id"]),
            user_id=optional_id(data.get("UserId")),
            user_name=_str(data, "UserName"),
            client=_str(data, "Client"),
            device_name=_str(data, "DeviceName"),
            # Client device ids are free text chosen by each app: keep them verbatim.
            device_id=_str(data, "DeviceId"),
            now_playing=Item.from_dict(now_playing) if isinstance(now_playing, Mapping) else None,
            position_ticks=_int(play_state, "PositionTicks"),
            is_paused=_bool(play_state, "IsPaused"),
            supports_remote_control=_bool(data, "SupportsRemoteControl"),
            last_activity=parse_datetime(data.get("LastActivityDate")),
        )


@dataclass(frozen=True)
class ScheduledTask:
    """A scheduled task's state and last result."""

    id: str
    key: str | None
    name: str
    state: str
    progress: float | None = None
    last_result_status: str | None = None
    last_end_time: datetime | None = None

    @classmethod
    def from_dict(cls, data: Json) -> ScheduledTask:
        """Parse a TaskInfo."""
        last = data.get("LastExecutionResult") or {}
        progress = data.get("CurrentProgressPercentage")
        return cls(
            id=normalize_id(data["Id"]),
            key=_str(data, "Key"),
            name=str(data.get("Name", "")),
            state=str(data.get("State", "Idle")),
            progress=float(progress) if isinstance(progress, int | float) else None,
            last_result_status=_str(last, "Status"),
            last_end_time=parse_datetime(last.get("EndTimeUtc")),
        )


@dataclass(frozen=True)
class PlaylistShare:
    """A user a playlist is shared with."""

    user_id: str
    can_edit: bool

    @classmethod
    def from_dict(cls, data: Json) -> PlaylistShare:
        """Parse a PlaylistUserPermissions."""
        return cls(user_id=normalize_id(data["UserId"]), can_edit=_bool(data, "CanEdit"))


class PlaylistInfo(NamedTuple):
    """GET /Playlists/{id}: the item ids in order and the shares (unpacks as a pair)."""

    item_ids: tuple[str, ...]
    shares: tuple[PlaylistShare, ...]

    @classmethod
    def from_dict(cls, data: Json) -> PlaylistInfo:
        """Parse a PlaylistDto."""
        return cls(
            item_ids=tuple(normalize_id(i) for i in _strings(data.get("ItemIds"))),
            shares=tuple(
                PlaylistShare.from_dict(s)
                for s in data.get("Shares") or ()
                if isinstance(s, Mapping)
            ),
        )
