"""JSON Schema pieces for the `returns=` of API routes (what a success answer looks like)."""

from __future__ import annotations

from typing import Any

from companion.db.ids import MAX_ID
from web.routing import REF_PATTERN

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
NUM: dict[str, Any] = {"type": "number"}
BOOL: dict[str, Any] = {"type": "boolean"}
OBJ: dict[str, Any] = {"type": "object"}
ANY: dict[str, Any] = {}
ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
REF: dict[str, Any] = {"type": "string", "pattern": REF_PATTERN}
HEX32: dict[str, Any] = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
# Timestamps are ISO 8601 strings; null until the thing happened.
TIME: dict[str, Any] = {"type": "string", "minLength": 10}


def null(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def arr(items: dict[str, Any] | None = None) -> dict[str, Any]:
    """An array of `items` (anything when not given)."""
    return {"type": "array", "items": items if items is not None else ANY}


def obj(**required: dict[str, Any]) -> dict[str, Any]:
    """An object with these keys always present (others may follow)."""
    return {"type": "object", "required": sorted(required), "properties": required}


def items(item: dict[str, Any] | None = None, **more: dict[str, Any]) -> dict[str, Any]:
    """`{items: [...]}` (plus any other always-present keys)."""
    return obj(items=arr(item if item is not None else OBJ), **more)


def page(item: dict[str, Any] | None = None, **more: dict[str, Any]) -> dict[str, Any]:
    """A page of a longer list: `{items, total, offset, limit}`."""
    count = {"type": "integer", "minimum": 0}
    return items(item, total=count, offset=count, limit=count, **more)


# A streamed or binary answer: the media type instead of a schema.
IMAGE = "image/*"
AUDIO = "audio/*"
TEXT = "text/plain"

# Shared answers.
TOKEN = obj(id=ID, name=STR, prefix=STR, created_at=TIME, last_used_at=null(TIME))
USER = obj(kind=STR, name=STR, is_admin=BOOL)
SYNC = obj(state=STR, last_error=null(STR), jellyfin_id=null(STR), drift=BOOL)
PLAYLIST = obj(
    id=ID,
    name=STR,
    description=STR,
    created_at=TIME,
    updated_at=TIME,
    item_count=INT,
    sync=SYNC,
    items=arr(OBJ),
)
PLAYLIST_WRITE = {**PLAYLIST, "required": sorted([*PLAYLIST["required"], "warning"])}
PLAYER = obj(
    version=INT,
    entries=arr(OBJ),
    current=ANY,
    next=ANY,
    shuffle=BOOL,
    repeat=STR,
    position=NUM,
    paused=BOOL,
    active=ANY,
)
SCROBBLE = obj(
    service=STR,
    name=STR,
    available=BOOL,
    linked=BOOL,
    enabled=BOOL,
    status=STR,
    counts=obj(pending=INT, sent=INT, ignored=INT, failed=INT),
)
WEBHOOK = obj(url=STR, header=STR, secret=STR, instructions=arr(STR))
HOOK = obj(id=HEX32, name=STR, prefix=STR, actions=arr(STR), url_path=STR, url=STR)
TARGET = obj(id=ID, name=STR, url=STR, enabled=BOOL)
HISTORY_IMPORT = obj(id=ID, source=STR, state=STR, done=INT, total=INT)
IMPORT = obj(id=ID, name=STR, source=STR, state=STR, total=INT, done=INT)
DOWNLOAD = obj(id=ID, kind=STR, title=STR, state=STR)
FLOW = obj(id=ID, name=STR)
VIBE = obj(id=HEX32, mode=STR, items=arr(OBJ))
# A quality is a preset name ("original") or {max_bitrate, codec}.
PREFERENCES = obj(stream_quality={"anyOf": [STR, OBJ]}, stream_mode=STR)
FAVORITE = obj(ref=REF, favorite=BOOL)
OK = obj(ok=BOOL)
ENTRY = obj(entry_id=HEX32, domain=STR, name=STR, title=STR, state=STR, data=OBJ)
DELIVERY = obj(id=ID, target_id=ID, event_type=STR, status=STR, attempts=INT)
