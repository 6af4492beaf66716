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

_HEX = re.compile(r"^[0-9a-f]{32}$")
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


def _id(value: Any) -> str | None:
    # Templates render GUIDs with hyphens; Send All Properties without. Accept both.
    if not isinstance(value, str):
        return None
    compact = value.strip().lower().replace("-", "")
    return compact if _HEX.match(compact) else None


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
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return 0


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def _text(value: Any) -> str:
    # The plugin escapes quotes before JSON encoding: a literal \" arrives in names.
    return value.replace('\\"', '"') if isinstance(value, str) else ""


def decode(body: bytes) -> dict[str, Any]:
    """Decode a body (text/plain or JSON) into the payload object, or raise PayloadError."""
    try:
        value = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PayloadError("The body is not UTF-8 text.") from None
    except json.JSONDecodeError as err:
        raise PayloadError(
            f"The body is not valid JSON: {err.msg} at position {err.pos}."
        ) from None
    if not isinstance(value, dict):
        raise PayloadError("The body must be a JSON object (enable Send All Properties).")
    if not isinstance(value.get("NotificationType"), str):
        raise PayloadError(
            "The body has no NotificationType; enable Send All Properties in the plugin."
        )
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
