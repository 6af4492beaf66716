"""Geometry of the dashboard's server-rendered SVG charts (no script, no third-party code)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def columns(
    values: Sequence[float],
    labels: Sequence[str],
    *,
    width: int = 600,
    height: int = 160,
    label_every: int = 1,
) -> dict[str, Any]:
    """A column chart: one bar per value, scaled to the largest, with labels under it."""
    n = max(len(values), 1)
    slot = width / n
    top = max(values, default=0) or 1
    plot = height - 20
    bars = []
    for i, (value, label) in enumerate(zip(values, labels, strict=False)):
        h = round(plot * value / top, 1) if value else 0
        bars.append(
            {
                "x": round(i * slot + slot * 0.15, 1),
                "y": round(plot - h, 1),
                "w": round(slot * 0.7, 1),
                "h": h,
                "cx": round(i * slot + slot / 2, 1),
                "label": label if i % label_every == 0 else "",
                "value": value,
            }
        )
    return {"width": width, "height": height, "baseline": plot, "bars": bars}


def rows(
    items: Sequence[dict[str, Any]], key: str = "plays", width: int = 240
) -> list[dict[str, Any]]:
    """Horizontal bars: each row gets a bar width in pixels scaled to the largest count."""
    top = max((float(r.get(key) or 0) for r in items), default=0) or 1
    return [{**r, "bar": max(2, round(width * float(r.get(key) or 0) / top))} for r in items]


def hours_label(seconds: float) -> str:
    """Listening time for people: "12 h 5 min" or "42 min"."""
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"
