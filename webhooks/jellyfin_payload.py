"""The Jellyfin Webhook plugin's "Send All Properties" body, parsed into facts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

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


def _check_value(key: str, value: Any) -> str | None:
    """Why value cannot be the key's value, or None when it can."""
    if value is None:
        return None
    if key in _IDS:
        return None if _id(value) else "must be a 32-hex or hyphenated GUID"
    if key in _STRINGS or key.startswith("Provider_"):
        return None if isinstance(value, str) else "must be a string"
    if key in _INTS:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "must be an integer"
    if key in _BOOLS:
        return None if isinstance(value, bool) else "must be true or false"
    # Send All Properties is one flat object; Fields[] injected by the admin are strings.
    if isinstance(value, dict | list):
        return "must be a plain value (the body is one flat object)"
    return None


def validate(value: dict[str, Any]) -> None:
    """Check the types of the keys the companion reads; raise PayloadError naming the first."""
    for key, item in value.items():
        problem = _check_value(key, item)
        if problem is not None:
            raise PayloadError(f"{key} {problem}.")
    for key in _REQUIRED.get(value["NotificationType"], ()):
        if value.get(key) is None:
            raise PayloadError(f"{key} is missing.")


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
        value = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PayloadError("The body is not UTF-8 text.") from None
    except json.JSONDecodeError as err:
        raise PayloadError(
            f"The body is not valid JSON: {err.msg} at position {err.pos}."
        ) from None
    except RecursionError:
        raise PayloadError("The body is nested too deeply.") from None
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
        if data.get("SaveReason") in ("PlaybackProgress", "PlaybackStart", "PlaybackFinished"):
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
