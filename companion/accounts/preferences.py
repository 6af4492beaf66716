"""Per-user preferences (stream quality and mode) in the Setting table."""

from __future__ import annotations

from typing import Any

from companion.accounts.models import Setting
from companion.errors import InvalidInput
from companion.media import StreamQuality

CODECS = ("mp3", "aac", "opus")
MIN_BITRATE = 32
MAX_BITRATE = 3200
STREAM_MODES = ("redirect", "proxy")
DEFAULTS: dict[str, Any] = {"stream_quality": "original", "stream_mode": "redirect"}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "stream_quality": {
            "description": '"original", or a transcode: max_bitrate in kbps and a codec',
            "oneOf": [
                {"const": "original"},
                {
                    "type": "object",
                    "properties": {
                        "max_bitrate": {
                            "type": "integer",
                            "minimum": MIN_BITRATE,
                            "maximum": MAX_BITRATE,
                        },
                        "codec": {"enum": list(CODECS)},
                    },
                    "required": ["max_bitrate", "codec"],
                },
            ],
        },
        "stream_mode": {"enum": list(STREAM_MODES)},
    },
}


def _key(user_id: int) -> str:
    return f"user:{user_id}:preferences"


def _quality(value: Any) -> str | dict[str, Any]:
    if value == "original":
        return "original"
    if not isinstance(value, dict) or set(value) - {"max_bitrate", "codec"}:
        raise InvalidInput(
            '\'stream_quality\' must be "original" or {"max_bitrate", "codec"}.',
            details={"field": "stream_quality"},
        )
    bitrate, codec = value.get("max_bitrate"), value.get("codec")
    if isinstance(bitrate, bool) or not isinstance(bitrate, int):
        raise InvalidInput(
            "'max_bitrate' must be an integer (kbps).", details={"field": "max_bitrate"}
        )
    if not MIN_BITRATE <= bitrate <= MAX_BITRATE:
        raise InvalidInput(
            f"'max_bitrate' must be between {MIN_BITRATE} and {MAX_BITRATE} kbps.",
            details={"field": "max_bitrate"},
        )
    if codec not in CODECS:
        raise InvalidInput(
            f"'codec' must be one of {', '.join(CODECS)}.", details={"field": "codec"}
        )
    return {"max_bitrate": bitrate, "codec": codec}


def validate(body: dict[str, Any]) -> dict[str, Any]:
    """Check a preferences update; unknown keys are refused so typos do not pass silently."""
    unknown = set(body) - set(DEFAULTS)
    if unknown:
        raise InvalidInput(f"Unknown preference {sorted(unknown)[0]!r}.")
    out: dict[str, Any] = {}
    if "stream_quality" in body:
        out["stream_quality"] = _quality(body["stream_quality"])
    if "stream_mode" in body:
        if body["stream_mode"] not in STREAM_MODES:
            raise InvalidInput(
                "'stream_mode' must be redirect or proxy.", details={"field": "stream_mode"}
            )
        out["stream_mode"] = body["stream_mode"]
    return out


async def get_preferences(user_id: int) -> dict[str, Any]:
    """The user's preferences, defaults filled in."""
    row = await Setting.get_or_none(key=_key(user_id))
    stored = row.value if row is not None and isinstance(row.value, dict) else {}
    return {**DEFAULTS, **{k: v for k, v in stored.items() if k in DEFAULTS}}


async def update_preferences(user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Merge an update into the stored preferences and return them all."""
    changes = validate(body)
    merged = {**(await get_preferences(user_id)), **changes}
    await Setting.update_or_create(defaults={"value": merged}, key=_key(user_id))
    return merged


def stream_quality(prefs: dict[str, Any]) -> StreamQuality:
    """The StreamQuality a preferences dict asks for."""
    value = prefs.get("stream_quality")
    if isinstance(value, dict):
        return StreamQuality(max_bitrate=value.get("max_bitrate"), codec=value.get("codec"))
    return StreamQuality()
