"""Validating a vibe request body (`POST /api/vibe` and the websocket's `vibe/start`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from companion.errors import InvalidInput
from companion.media import make_ref, parse_ref, ref_scheme

Mode = Literal["similar", "recent", "text", "alchemy", "path", "artist", "album"]
MODES: tuple[Mode, ...] = ("similar", "recent", "text", "alchemy", "path", "artist", "album")
# Modes only a similarity engine can serve (InstantMix has nothing like them).
ENGINE_ONLY: frozenset[str] = frozenset({"text", "alchemy", "path"})
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
DEFAULT_RECENT = 5
MAX_RECENT = 20
MAX_ALCHEMY_SEEDS = 20
MAX_TEXT = 500


@dataclass(frozen=True)
class VibeRequest:
    """A validated request: the mode, its seeds (item ids) and options."""

    mode: Mode
    limit: int = DEFAULT_LIMIT
    ref: str | None = None
    text: str | None = None
    add: tuple[str, ...] = ()
    subtract: tuple[str, ...] = ()
    temperature: float | None = None
    subtract_distance: float | None = None
    start: str | None = None
    end: str | None = None
    recent: int = DEFAULT_RECENT
    extra: dict[str, Any] = field(default_factory=dict)

    def seeds(self) -> dict[str, Any]:
        """The seeds as stored and answered (refs, not bare ids)."""
        if self.mode in ("similar", "artist", "album"):
            return {"ref": make_ref(self.ref or "")}
        if self.mode == "text":
            return {"text": self.text}
        if self.mode == "alchemy":
            out: dict[str, Any] = {
                "add": [make_ref(i) for i in self.add],
                "subtract": [make_ref(i) for i in self.subtract],
            }
            if self.temperature is not None:
                out["temperature"] = self.temperature
            if self.subtract_distance is not None:
                out["subtract_distance"] = self.subtract_distance
            return out
        if self.mode == "path":
            return {"from": make_ref(self.start or ""), "to": make_ref(self.end or "")}
        return {"recent": self.recent, **self.extra}


def _ref(body: dict[str, Any], key: str) -> str:
    raw = body.get(key)
    if raw is None:
        raise InvalidInput(f"'{key}' is required for this mode.", details={"field": key})
    iid = parse_ref(raw)
    if iid is None:
        shown = raw[:80] if isinstance(raw, str) else type(raw).__name__
        raise InvalidInput(
            f"'{key}' is not a valid ref: {shown!r} (expected {ref_scheme()}:<32 hex>).",
            details={"field": key},
        )
    return iid


def _refs(body: dict[str, Any], key: str, *, required: bool) -> tuple[str, ...]:
    raw = body.get(key)
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise InvalidInput(f"'{key}' must be a list of refs.", details={"field": key})
    if len(raw) > MAX_ALCHEMY_SEEDS:
        raise InvalidInput(
            f"'{key}' takes at most {MAX_ALCHEMY_SEEDS} refs.", details={"field": key}
        )
    ids = tuple(dict.fromkeys(_ref({key: r}, key) for r in raw))
    if required and not ids:
        raise InvalidInput(f"'{key}' needs at least one ref.", details={"field": key})
    return ids


def _number(body: dict[str, Any], key: str, low: float, high: float) -> float | None:
    raw = body.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidInput(f"'{key}' must be a number.", details={"field": key})
    if not low <= raw <= high:
        raise InvalidInput(f"'{key}' must be between {low:g} and {high:g}.", details={"field": key})
    return float(raw)


def _int(body: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    raw = body.get(key)
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidInput(f"'{key}' must be a whole number.", details={"field": key})
    if not low <= raw <= high:
        raise InvalidInput(f"'{key}' must be between {low} and {high}.", details={"field": key})
    return raw


def parse_request(body: dict[str, Any]) -> VibeRequest:
    """Validate a request body; 400 with a message naming the field otherwise."""
    mode = body.get("mode")
    if mode not in MODES:
        raise InvalidInput(f"'mode' must be one of {', '.join(MODES)}.", details={"field": "mode"})
    limit = _int(body, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    if mode in ("similar", "artist", "album"):
        return VibeRequest(mode=mode, limit=limit, ref=_ref(body, "ref"))
    if mode == "text":
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("'text' must be a non-empty string.", details={"field": "text"})
        if len(text) > MAX_TEXT:
            raise InvalidInput(
                f"'text' is too long (at most {MAX_TEXT} characters).", details={"field": "text"}
            )
        return VibeRequest(mode=mode, limit=limit, text=text.strip())
    if mode == "alchemy":
        add = _refs(body, "add", required=True)
        subtract = tuple(i for i in _refs(body, "subtract", required=False) if i not in add)
        return VibeRequest(
            mode=mode,
            limit=limit,
            add=add,
            subtract=subtract,
            # AudioMuse's sliders: temperature (0 = deterministic) and the subtract radius.
            temperature=_number(body, "temperature", 0.0, 10.0),
            subtract_distance=_number(body, "subtract_distance", 0.0, 100.0),
        )
    if mode == "path":
        start, end = _ref(body, "from"), _ref(body, "to")
        if start == end:
            raise InvalidInput("'from' and 'to' must be different tracks.", details={"field": "to"})
        return VibeRequest(mode=mode, limit=limit, start=start, end=end)
    return VibeRequest(
        mode="recent", limit=limit, recent=_int(body, "recent", DEFAULT_RECENT, 1, MAX_RECENT)
    )
