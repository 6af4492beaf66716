"""The radio button's vibe mode per user: stored, and turned into a vibe request's seed."""

from __future__ import annotations

from companion.accounts.models import Setting
from companion.errors import Conflict, InvalidInput
from companion.library.models import LibraryTrack
from companion.media import make_ref

# Modes a button can start without typing anything: recent plays, or the track playing now.
RADIO_MODES = ("recent", "similar", "artist", "album")
DEFAULT_MODE = "recent"
SEEDED = frozenset({"similar", "artist", "album"})


def _key(user_id: str) -> str:
    return f"automation:radio_mode:{user_id}"


async def get_mode(user_id: str) -> str:
    """The user's radio mode (recent until they pick another)."""
    row = await Setting.get_or_none(key=_key(user_id))
    value = row.value.get("mode") if row is not None and isinstance(row.value, dict) else None
    return value if value in RADIO_MODES else DEFAULT_MODE


async def set_mode(user_id: str, mode: object) -> str:
    """Store a radio mode; 400 naming the choices otherwise."""
    if mode not in RADIO_MODES:
        raise InvalidInput(
            f"'mode' must be one of {', '.join(RADIO_MODES)}.", details={"field": "mode"}
        )
    await Setting.update_or_create(defaults={"value": {"mode": mode}}, key=_key(user_id))
    return str(mode)


async def seed_ref(mode: str, item_id: str) -> str:
    """The ref a seeded mode starts from: the track playing now, its first artist or its album."""
    if mode == "similar":
        return make_ref(item_id)
    track = await LibraryTrack.get_or_none(item_id=item_id)
    if mode == "artist":
        artist = (track.artist_ids.split(",")[0].strip() if track else "") or None
        if artist:
            return make_ref(artist)
    elif track is not None and track.album_id:
        return make_ref(track.album_id)
    raise Conflict(
        f"The radio mode {mode!r} starts from the {mode} of the track playing now, and the "
        "library index does not know it yet.",
        code="radio_seed_unknown",
    )
