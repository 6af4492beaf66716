"""Typed models of Ollama's answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OllamaModel:
    """One locally available model (from /api/tags)."""

    name: str
    size: int
    family: str | None
    parameter_size: str | None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> OllamaModel:
        """Parse one entry of the `models` list."""
        details = raw.get("details") or {}
        return cls(
            name=str(raw.get("name") or raw.get("model") or ""),
            size=int(raw.get("size") or 0),
            family=details.get("family"),
            parameter_size=details.get("parameter_size"),
        )


@dataclass(frozen=True)
class Generation:
    """A finished, non-streamed completion."""

    model: str
    response: str
    total_duration_ns: int

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Generation:
        """Parse a /api/generate answer."""
        return cls(
            model=str(raw.get("model", "")),
            response=str(raw.get("response", "")),
            total_duration_ns=int(raw.get("total_duration") or 0),
        )


def model_matches(wanted: str, available: str) -> bool:
    """Compare model names; a name without a tag means `:latest`."""

    def norm(name: str) -> str:
        return name if ":" in name else f"{name}:latest"

    return norm(wanted) == norm(available)
