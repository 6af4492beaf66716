"""The Jellyfin Webhook plugin's "Send All Properties" body, parsed into facts."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from companion.providers.live import (
    Fact,
    FavoriteFact,
    LibraryFact,
    PlaybackFact,
    ScanFinishedFact,
    UserDataFact,
)

_FRACTION = re.compile(r"(\.\d{6})\d+")
HANDLED = frozenset(
    {
        "PlaybackStart",
        "PlaybackProgress",
        "PlaybackStop",
        "UserDataSaved",
        "ItemAdded",
        "ItemDeleted",
        "TaskCompleted",
    }
)
# The plugin's item-type gate passes songs and albums; only these carry music facts.
_MUSIC_TYPES = frozenset({"Audio", "MusicAlbum"})
# User data saved by playback (every 10 s while playing): the favorite flag did not change.
_PLAYBACK_SAVES = frozenset({"PlaybackProgress", "PlaybackStart", "PlaybackFinished"})


class PayloadError(ValueError):
    """The body is not a webhook payload we can read; the message says why."""


# The types of the keys the companion reads (Send All Properties, DataObjectHelpers.cs); a
# key that is absent or null is fine, any other type is refused before anything is stored.
_STRINGS = frozenset(
    {
        "NotificationType",
        "ItemType",
        "Name",
        "Timestamp",
        "UtcTimestamp",
        "SaveReason",
        "Id",
        "DeviceId",
        "DeviceName",
        "ClientName",
        "Client",
        "ResultKey",
        "TaskKey",
        "ResultStatus",
    }
)
_IDS = frozenset({"ItemId", "UserId"})
_INTS = frozenset({"RunTimeTicks", "PlaybackPositionTicks", "PlayCount"})
_BOOLS = frozenset({"IsPaused", "PlayedToCompletion", "Favorite", "Played"})
# What each handled type must carry for its facts to mean anything.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "PlaybackStart": ("ItemId", "UserId", "ItemType"),
    "PlaybackProgress": ("ItemId", "UserId", "ItemType"),
    "PlaybackStop": ("ItemId", "UserId", "ItemType"),
    "UserDataSaved": ("ItemId", "UserId", "ItemType", "SaveReason"),
    "ItemAdded": ("ItemId", "ItemType"),
    "ItemDeleted": ("ItemId", "ItemType"),
}
_GUID = re.compile(
    r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


def _id(value: Any) -> str | None:
    # Templates render GUIDs with hyphens; Send All Properties without. Accept both.
    if not isinstance(value, str) or not _GUID.match(value):
        return None
    return value.lower().replace("-", "")


def _is_int(value: Any) -> bool:
    return type(value) is int


def _is_bool(value: Any) -> bool:
    return type(value) is bool


def _is_str(value: Any) -> bool:
    return type(value) is str


def _is_id(value: Any) -> bool:
    return type(value) is str and _GUID.match(value) is not None


# key -> (check, what the message says it must be)
_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    **{k: (_is_id, "must be a 32-hex or hyphenated GUID") for k in _IDS},
    **{k: (_is_str, "must be a string") for k in _STRINGS},
    **{k: (_is_int, "must be an integer") for k in _INTS},
    **{k: (_is_bool, "must be true or false") for k in _BOOLS},
}
_NESTED = (dict, list)


def validate(value: dict[str, Any]) -> None:
    """Check the types of the keys the companion reads; raise PayloadError naming the first.

    Send All Properties is one flat object (Fields[] injected by the admin are strings), so a
    nested value anywhere is refused too.
    """
    for key, item in value.items():
        if item is None:
            continue
        if type(item) in _NESTED:
            raise PayloadError(f"{key} must be a plain value (the body is one flat object).")
        check = _CHECKS.get(key)
        if check is not None:
            if not check[0](item):
                raise PayloadError(f"{key} {check[1]}.")
        elif type(item) is not str and key.startswith("Provider_"):
            raise PayloadError(f"{key} must be a string.")
    for key in _REQUIRED.get(value["NotificationType"], ()):
        if value.get(key) is None:
            raise PayloadError(f"{key} is missing.")


def states_facts(data: dict[str, Any]) -> bool:
    """Whether a validated payload states something the companion uses (cheaper than facts)."""
    kind = data["NotificationType"]
    item_type = data.get("ItemType")
    if kind in ("PlaybackStart", "PlaybackProgress", "PlaybackStop"):
        return item_type == "Audio"
    if kind == "UserDataSaved":
        return item_type in _MUSIC_TYPES and data.get("SaveReason") not in _PLAYBACK_SAVES
    if kind in ("ItemAdded", "ItemDeleted"):
        return item_type in _MUSIC_TYPES
    if kind == "TaskCompleted":
        return data.get("ResultKey", data.get("TaskKey")) == "RefreshLibrary"
    return False


def _time(data: dict[str, Any]) -> datetime:
    # UtcTimestamp is UTC; Timestamp is the server's local time with an offset.
    for key in ("UtcTimestamp", "Timestamp"):
        raw = data.get(key)
        if isinstance(raw, str) and raw:
            text = _FRACTION.sub(r"\1", raw.strip()).replace("Z", "+00:00")
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                continue
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _bool(value: Any) -> bool:
    return value is True


def _text(value: Any) -> str:
    # The plugin escapes quotes before JSON encoding: a literal \" arrives in names.
    return value.replace('\\"', '"') if isinstance(value, str) else ""


def decode(body: bytes) -> dict[str, Any]:
    """Decode and validate a body (text/plain or JSON) into the payload, or raise PayloadError."""
    try:
        # orjson checks the UTF-8 and refuses nesting past 1,024 levels; a BOM it does not take.
        value = orjson.loads(body[3:] if body.startswith(codecs.BOM_UTF8) else body)
    except orjson.JSONDecodeError as err:
        reason = "not UTF-8 text" if "utf-8" in str(err).lower() else "not valid JSON"
        raise PayloadError(f"The body is {reason}: {err}.") from None
    if not isinstance(value, dict):
        raise PayloadError("The body must be a JSON object (enable Send All Properties).")
    if not isinstance(value.get("NotificationType"), str):
        raise PayloadError(
            "The body has no NotificationType; enable Send All Properties in the plugin."
        )
    validate(value)
    return value


def to_facts(data: dict[str, Any]) -> list[Fact]:
    """Turn one payload into the facts it states (empty for types we ignore)."""
    kind = data["NotificationType"]
    at = _time(data)
    item_id = _id(data.get("ItemId"))
    item_type = data.get("ItemType")
    if kind in ("PlaybackStart", "PlaybackProgress", "PlaybackStop"):
        user_id, session_id = _id(data.get("UserId")), data.get("Id")
        if item_id is None or user_id is None or item_type != "Audio":
            return []
        event = {"PlaybackStart": "start", "PlaybackProgress": "progress", "PlaybackStop": "stop"}[
            kind
        ]
        return [
            PlaybackFact(
                user_id=user_id,
                session_id=str(session_id or data.get("DeviceId") or ""),
                item_id=item_id,
                event=event,  # type: ignore[arg-type]
                position_ticks=_int(data.get("PlaybackPositionTicks")),
                runtime_ticks=_int(data.get("RunTimeTicks")),
                is_paused=_bool(data.get("IsPaused")),
                device_name=_text(data.get("DeviceName")),
                device_id=str(data.get("DeviceId") or ""),
                client=_text(data.get("ClientName") or data.get("Client")),
                played_to_completion=_bool(data["PlayedToCompletion"])
                if "PlayedToCompletion" in data
                else None,
                at=at,
                source="webhook",
            )
        ]
    if kind == "UserDataSaved":
        user_id = _id(data.get("UserId"))
        if item_id is None or user_id is None or item_type not in _MUSIC_TYPES:
            return []
        # Every save arrives here, progress included; only a rating change toggles favorites,
        # but the flag is in every save, so any reason can state the current favorite.
        if data.get("SaveReason") == "UpdateUserRating":
            return [
                FavoriteFact(
                    user_id=user_id,
                    item_id=item_id,
                    favorite=_bool(data.get("Favorite")),
                    at=at,
                    source="webhook",
                    item_type=str(item_type),
                )
            ]
        if data.get("SaveReason") in _PLAYBACK_SAVES:
            return []
        return [
            UserDataFact(
                user_id=user_id,
                item_id=item_id,
                is_favorite=_bool(data.get("Favorite")),
                play_count=_int(data.get("PlayCount")),
                at=at,
                source="webhook",
            )
        ]
    if kind == "ItemAdded" and item_id and item_type in _MUSIC_TYPES:
        return [LibraryFact(added=(item_id,), at=at, source="webhook")]
    if kind == "ItemDeleted" and item_id and item_type in _MUSIC_TYPES:
        return [LibraryFact(removed=(item_id,), at=at, source="webhook")]
    if kind == "TaskCompleted" and data.get("ResultKey", data.get("TaskKey")) == "RefreshLibrary":
        return [
            ScanFinishedFact(status=str(data.get("ResultStatus") or ""), at=at, source="webhook")
        ]
    return []
