"""Validation of playlist input (refs, names, positions) and the playlist DTOs."""

from __future__ import annotations

from typing import Any

from companion.errors import InvalidInput
from companion.media import MediaItem, make_ref, parse_ref, ref_scheme
from companion.names import clean_name
from companion.playlists.models import Playlist

MAX_ITEMS = 10_000
MAX_NAME = 255
MAX_DESCRIPTION = 4_000


def parse_refs(raw: Any, field: str = "refs") -> list[str]:
    """Item ids of a list of refs; 400 naming the first bad one."""
    if not isinstance(raw, list):
        raise InvalidInput(f"'{field}' must be a list of refs.", details={"field": field})
    if len(raw) > MAX_ITEMS:
        raise InvalidInput(
            f"'{field}' may hold at most {MAX_ITEMS} refs.", details={"field": field}
        )
    out: list[str] = []
    for n, ref in enumerate(raw):
        iid = parse_ref(ref)
        if iid is None:
            shown = ref[:80] if isinstance(ref, str) else type(ref).__name__
            raise InvalidInput(
                f"Not a valid ref at {field}[{n}]: {shown!r} (expected {ref_scheme()}:<32 hex>).",
                details={"field": field, "index": n},
            )
        out.append(iid)
    return out


def parse_name(raw: Any, *, required: bool) -> str | None:
    """A playlist name: a non-empty string of at most 255 characters."""
    if raw is None and not required:
        return None
    if raw is None:
        raise InvalidInput("'name' must be a non-empty string.", details={"field": "name"})
    return clean_name(raw, max_len=MAX_NAME)


def parse_description(raw: Any) -> str | None:
    """A description: a string of at most 4,000 characters (None when absent)."""
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"'description' must be a string of at most {MAX_DESCRIPTION} characters.",
            details={"field": "description"},
        )
    return raw


def parse_position(raw: Any, field: str, upper: int) -> int:
    """A 0-based position within [0, upper]; 400 otherwise."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidInput(f"'{field}' must be an integer.", details={"field": field})
    if not 0 <= raw <= upper:
        raise InvalidInput(
            f"'{field}' must be between 0 and {upper}.", details={"field": field, "max": upper}
        )
    return raw


def summary(pl: Playlist) -> dict[str, Any]:
    """The playlist summary DTO."""
    return {
        "id": pl.id,
        "name": pl.name,
        "description": pl.description,
        "created_at": pl.created_at.isoformat(),
        "updated_at": pl.updated_at.isoformat(),
        "item_count": len(pl.item_ids),
        "sync": {
            "state": pl.sync_state,
            "last_error": pl.last_error,
            "jellyfin_id": pl.jellyfin_id,
            "synced_at": pl.synced_at.isoformat() if pl.synced_at else None,
            "drift": pl.drift,
        },
    }


def item_rows(item_ids: list[str], resolved: list[MediaItem | None] | None) -> list[dict[str, Any]]:
    """The items of a playlist; without a resolution (Jellyfin down) tracks are unknown."""
    rows = []
    for n, iid in enumerate(item_ids):
        item = resolved[n] if resolved is not None else None
        rows.append(
            {
                "position": n,
                "ref": make_ref(iid),
                "available": item is not None if resolved is not None else True,
                "track": item.as_dict() if item is not None else None,
            }
        )
    return rows
