"""A flow as the API takes it: every field checked, with a clear 400 naming the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from companion.errors import InvalidInput
from companion.flows.candidates import SOURCES
from companion.flows.schedule import DAYS, parse_day, parse_time
from companion.names import clean_name

LB_PLAYLISTS = ("weekly-exploration", "weekly-jams", "daily-jams")
MAX_TRACKS = 500
MAX_GB = 100.0
MAX_BLOCKLIST = 200


@dataclass
class FlowSpec:
    """The validated fields of a flow (None: not given, in a partial update)."""

    name: str | None = None
    size_tracks: int | None = None
    size_gb: float | None = None
    day: int | None = None
    time: str | None = None
    one_per_artist: bool | None = None
    blocklist: list[str] | None = None
    weights: dict[str, float] | None = None
    listenbrainz: dict[str, Any] | None = None
    keep_plays: int | None = None
    enabled: bool | None = None
    given: set[str] = field(default_factory=set)


def _bad(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(message, details={"field": field_name})


def _bool(body: dict[str, Any], key: str) -> bool:
    value = body[key]
    if not isinstance(value, bool):
        raise _bad(key, f"'{key}' must be true or false.")
    return value


def _int(body: dict[str, Any], key: str, low: int, high: int) -> int:
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(key, f"'{key}' must be a whole number from {low} to {high}.")
    return value


def _weights(raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict) or not raw:
        raise _bad(
            "sources", "'sources' must map sources (listenbrainz, audiomuse, ollama) to weights."
        )
    weights: dict[str, float] = {}
    for name, value in raw.items():
        if name not in SOURCES:
            raise _bad("sources", f"Unknown source '{name}'; use {', '.join(SOURCES)}.")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
            raise _bad("sources", f"The weight of '{name}' must be a number from 0 to 10.")
        weights[name] = float(value)
    if not any(w > 0 for w in weights.values()):
        raise _bad("sources", "Give at least one source a weight above 0.")
    return weights


def _listenbrainz(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _bad("listenbrainz", "'listenbrainz' must be an object.")
    out: dict[str, Any] = {}
    if "playlists" in raw:
        kinds = raw["playlists"]
        if not isinstance(kinds, list) or any(k not in LB_PLAYLISTS for k in kinds):
            raise _bad(
                "listenbrainz",
                f"'listenbrainz.playlists' must list some of {', '.join(LB_PLAYLISTS)}.",
            )
        out["playlists"] = list(dict.fromkeys(kinds))
    if "recommendations" in raw:
        if not isinstance(raw["recommendations"], bool):
            raise _bad("listenbrainz", "'listenbrainz.recommendations' must be true or false.")
        out["recommendations"] = raw["recommendations"]
    return out


def _blocklist(raw: Any) -> list[str]:
    if not isinstance(raw, list) or len(raw) > MAX_BLOCKLIST:
        raise _bad("blocklist", f"'blocklist' must be a list of at most {MAX_BLOCKLIST} artists.")
    names: list[str] = []
    for name in raw:
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise _bad("blocklist", "Each blocked artist must be a name (at most 200 characters).")
        names.append(name.strip())
    return list(dict.fromkeys(names))


def parse_flow(body: dict[str, Any], *, partial: bool) -> FlowSpec:
    """Check a create (everything needed) or a partial update (only what is given)."""
    spec = FlowSpec(given=set(body))
    if "name" in body or not partial:
        spec.name = clean_name(body.get("name"), max_len=100)
    if "size_tracks" in body and body["size_tracks"] is not None:
        spec.size_tracks = _int(body, "size_tracks", 1, MAX_TRACKS)
    if "size_gb" in body and body["size_gb"] is not None:
        value = body["size_gb"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_GB:
            raise _bad("size_gb", f"'size_gb' must be a number above 0 and at most {MAX_GB:g}.")
        spec.size_gb = float(value)
    if not partial and spec.size_tracks is None and spec.size_gb is None:
        raise _bad("size_tracks", "Give the week's size: 'size_tracks', 'size_gb' or both.")
    if "day" in body or not partial:
        if "day" not in body:
            raise _bad("day", f"'day' is required ({', '.join(DAYS)}).")
        spec.day = parse_day(body["day"])
    if "time" in body or not partial:
        spec.time = parse_time(body.get("time"))
    if "one_per_artist" in body:
        spec.one_per_artist = _bool(body, "one_per_artist")
    if "blocklist" in body:
        spec.blocklist = _blocklist(body["blocklist"])
    if "sources" in body or not partial:
        spec.weights = _weights(body.get("sources"))
    if "listenbrainz" in body:
        spec.listenbrainz = _listenbrainz(body["listenbrainz"])
    if "keep_plays" in body:
        spec.keep_plays = _int(body, "keep_plays", 1, 50)
    if "enabled" in body:
        spec.enabled = _bool(body, "enabled")
    return spec
